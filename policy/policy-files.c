/*
 * policy-files.c: read the files a policy consists of, the policy text
 * itself, minisign public key files and trusted_digests lists (role:
 * library, used by the supervisor and the `safeload policy` command).
 *
 * Every file is read whole, with a size cap, at load time; the supervisor
 * never touches them while serving, so a reload sees one consistent set.
 * Errors name the file and line that caused them.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd.h"
#include "policy-internal.h"

#define KEY_B64_MAX	64u	/* base64 of 42 bytes is 56 characters */
#define KEY_BIN_LEN	42u	/* "Ed" + key id + Ed25519 public key */

static char files_errbuf[POLICY_ERR_MAX + 2 * POLICY_PATH_MAX];

/* Read a regular file of at most max bytes into a NUL-terminated buffer. */
int
policy_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	struct stat st;
	char *buf = NULL;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		r = -EFBIG;
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = fd_read_full(fd, buf, (size_t)st.st_size)) < 0)
		goto out;
	buf[st.st_size] = '\0';
	*ret_len = (size_t)st.st_size;
	*ret = buf;
	buf = NULL;
	r = 0;
out:
	free(buf);
	(void)close(fd);
	return r;
}

int
policy_key_decode(const char *b64, struct policy_key *ret)
{
	uint8_t bin[KEY_BIN_LEN];
	size_t n = 0;

	if (strlen(b64) > KEY_B64_MAX ||
	    sodium_base642bin(bin, sizeof(bin), b64, strlen(b64), NULL, &n,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || n != KEY_BIN_LEN ||
	    bin[0] != 'E' || bin[1] != 'd')
		return -EINVAL;
	memcpy(ret->id, bin + 2, sizeof(ret->id));
	memcpy(ret->pk, bin + 10, sizeof(ret->pk));
	return 0;
}

static int
files_fail(const char **ret_err, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
files_fail(const char **ret_err, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(files_errbuf, sizeof(files_errbuf), fmt, ap);
	va_end(ap);
	*ret_err = files_errbuf;
	return r;
}

/* A minisign .pub file: an "untrusted comment:" line, then the key. */
static int
load_key_file(struct policy_profile *pr, const struct policy_path *kf,
    const char *file, const char **ret_err)
{
	char *text = NULL, *line, *save = NULL;
	size_t len;
	int r;

	if ((r = policy_read_file(kf->path, POLICY_FILE_MAX, &text,
	    &len)) < 0)
		return files_fail(ret_err, r, "%s:%u: public_key_file '%s': %s",
		    file, kf->line, kf->path, strerror(-r));
	r = -EINVAL;
	for (line = strtok_r(text, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save)) {
		if (strncmp(line, "untrusted comment:", 18) == 0)
			continue;
		if (pr->n_keys < POLICY_KEYS_MAX &&
		    policy_key_decode(line, &pr->keys[pr->n_keys]) == 0) {
			pr->n_keys++;
			r = 0;
		}
		break;
	}
	free(text);
	if (r < 0)
		return files_fail(ret_err, r, "%s:%u: public_key_file '%s': "
		    "no minisign public key in it (or more than %u keys)",
		    file, kf->line, kf->path, POLICY_KEYS_MAX);
	return 0;
}

static int
digest_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* "HEX  name", "HEX *name" or "HEX" (sha256sum output); '#' comments. */
static int
digest_line(char *line, uint8_t out[32])
{
	size_t n = strspn(line, "0123456789abcdefABCDEF");

	if (n != 64 || (line[64] != '\0' && !isspace((unsigned char)line[64])))
		return -EINVAL;
	line[64] = '\0';
	return sodium_hex2bin(out, 32, line, 64, NULL, &n, NULL) == 0 &&
	    n == 32 ? 0 : -EINVAL;
}

static int
parse_digests(struct policy_profile *pr, char *text, const char *dfile,
    const char **ret_err)
{
	char *line, *next;
	unsigned lineno = 0;

	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		lineno++;
		line += strspn(line, " \t\r");
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (pr->n_digests >= POLICY_DIGESTS_MAX)
			return files_fail(ret_err, -EINVAL, "%s:%u: more than "
			    "%u digests", dfile, lineno, POLICY_DIGESTS_MAX);
		if (digest_line(line, pr->digests[pr->n_digests]) < 0)
			return files_fail(ret_err, -EINVAL, "%s:%u: expected "
			    "a sha256 sum (64 hex digits) as sha256sum "
			    "prints it", dfile, lineno);
		pr->n_digests++;
	}
	qsort(pr->digests, pr->n_digests, 32, digest_cmp);
	return 0;
}

static int
load_digests(struct policy_profile *pr, const char *file,
    const char **ret_err)
{
	const struct policy_path *df = &pr->digests_file;
	char *text = NULL;
	size_t len = 0;
	int r;

	if ((r = policy_read_file(df->path, POLICY_DIGESTS_FILE_MAX, &text,
	    &len)) < 0)
		return files_fail(ret_err, r, "%s:%u: trusted_digests '%s': %s",
		    file, df->line, df->path, strerror(-r));
	/* One digest per 65 bytes at least: bounds the array by the file. */
	pr->digests = calloc(len / 65 + 1, 32);
	if (pr->digests == NULL)
		r = files_fail(ret_err, -ENOMEM, "out of memory");
	else
		r = parse_digests(pr, text, df->path, ret_err);
	free(text);
	return r;
}

int
policy_load_files(struct policy_profile *pr, const char *file,
    const char **ret_err)
{
	size_t i;
	int r;

	for (i = 0; i < pr->n_key_files; i++)
		if ((r = load_key_file(pr, &pr->key_files[i], file,
		    ret_err)) < 0)
			return r;
	if (pr->digests_file.path[0] != '\0')
		return load_digests(pr, file, ret_err);
	return 0;
}

int
policy_digest_trusted(const struct policy *p, const char *profile,
    const uint8_t sha256[32])
{
	const struct policy_profile *pr = policy_find_profile(p, profile);

	if (pr == NULL || pr->n_digests == 0)
		return 0;
	return bsearch(sha256, pr->digests, pr->n_digests, 32,
	    digest_cmp) != NULL;
}
