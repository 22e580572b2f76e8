/*
 * safeload-policy.c: `safeload policy check` and `safeload policy explain`
 * (role: client program; links the policy library, which libsafeload never
 * does).
 *
 * Both load the file exactly as safeloadd would (same parser, same name
 * resolution, same key and digest files), so a file that passes `check`
 * is a file the daemon starts with or reloads.  Exit 0 when the policy is
 * valid, 1 when it is not (errors as FILE:LINE: message on stderr), 2 on
 * a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "config.h"
#include "policy.h"
#include "safeload-limits.h"
#include "safeload.h"
#include "safeload-policy.h"

#define POLICY_EXIT_OK		0
#define POLICY_EXIT_INVALID	1
#define POLICY_EXIT_USAGE	2

static void
policy_usage(FILE *f)
{
	fprintf(f,
	    "usage: safeload policy check FILE\n"
	    "       safeload policy explain FILE [--uid USER] "
	    "[--profile NAME]\n"
	    "check loads FILE as safeloadd would and prints FILE:LINE: "
	    "message\n"
	    "for the first error (exit 1), or a summary (exit 0).\n"
	    "explain prints the effective rules after defaults; --uid also "
	    "says\n"
	    "whether that user may connect and which profiles it may use.\n");
}

/* Load FILE; on failure print why and return NULL. */
static struct policy *
policy_cli_load(const char *file)
{
	struct policy *p = NULL;
	const char *err = "unknown error";

	/* As safeloadd: no file at the default path is the built-in one. */
	if (policy_load(file, strcmp(file, POLICY_DEFAULT_PATH) == 0, &p,
	    &err) < 0) {
		fprintf(stderr, "%s\n", err);
		return NULL;
	}
	return p;
}

static int
policy_cmd_check(int argc, char **argv)
{
	struct policy *p;

	if (argc != 2) {
		policy_usage(stderr);
		return POLICY_EXIT_USAGE;
	}
	if ((p = policy_cli_load(argv[1])) == NULL)
		return POLICY_EXIT_INVALID;
	/* Warnings do not fail the lint: the daemon would load the file. */
	(void)policy_lint(p, argv[1], stderr);
	printf("%s: %s, policy %s\n", argv[1], policy_is_builtin(p) ?
	    "no such file: the built-in default applies" : "ok",
	    policy_digest(p));
	policy_free(p);
	return POLICY_EXIT_OK;
}

/* A uid by number or by user name. */
static int
policy_parse_uid(const char *s, uid_t *ret)
{
	const struct passwd *pw;
	unsigned long v;
	char *end;

	if (s[0] >= '0' && s[0] <= '9') {
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno != 0 || *end != '\0' || v >= (uid_t)-1)
			return -EINVAL;
		*ret = (uid_t)v;
		return 0;
	}
	if ((pw = getpwnam(s)) == NULL)
		return -ENOENT;
	*ret = pw->pw_uid;
	return 0;
}

static int
policy_cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "uid", required_argument, NULL, 'u' },
		{ "profile", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *profile = NULL;
	struct policy *p;
	uid_t uid = (uid_t)-1;
	int ch, r;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'u' && policy_parse_uid(optarg, &uid) < 0) {
			fprintf(stderr, "safeload: --uid: no user '%s'\n",
			    optarg);
			return POLICY_EXIT_USAGE;
		} else if (ch == 'p')
			profile = optarg;
		else if (ch != 'u') {
			policy_usage(stderr);
			return POLICY_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		policy_usage(stderr);
		return POLICY_EXIT_USAGE;
	}
	if ((p = policy_cli_load(argv[optind])) == NULL)
		return POLICY_EXIT_INVALID;
	if ((r = policy_explain(p, stdout, uid, profile)) == -ENOENT)
		fprintf(stderr, "safeload: %s: no profile '%s'\n",
		    argv[optind], profile);
	policy_free(p);
	return r < 0 ? POLICY_EXIT_INVALID : POLICY_EXIT_OK;
}

int
cmd_policy(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return policy_cmd_check(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "explain") == 0)
		return policy_cmd_explain(argc - 1, argv + 1);
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		policy_usage(stdout);
		return POLICY_EXIT_OK;
	}
	policy_usage(stderr);
	return POLICY_EXIT_USAGE;
}

int
cli_set_signature(struct sl_client *c, const char *path)
{
	char buf[WIRE_STR_MAX + 2];
	ssize_t n;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return -errno;
	/* One byte more than allowed tells a long file from a full one. */
	n = read(fd, buf, sizeof(buf) - 1);
	r = n < 0 ? -errno : 0;
	(void)close(fd);
	if (r < 0)
		return r;
	if ((size_t)n > WIRE_STR_MAX || n == 0 ||
	    memchr(buf, '\0', (size_t)n) != NULL)
		return -EINVAL;
	buf[n] = '\0';
	return sl_client_set_signature(c, buf);
}
