/*
 * result.c: struct sl_result, one model's verdict and report (role: client).
 *
 * The report arrived through wire_decode_result(), which checked every
 * enum, length and count; the canonical memfd is checked here, right
 * before the application maps it, because its seals are what make the
 * bytes we map the bytes the worker wrote and hashed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client-internal.h"
#include "fd.h"
#include "safeload.h"

#define RESULT_SEALS	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
			    F_SEAL_WRITE)

struct sl_result {
	struct report	 report;
	char		 sha256_hex[2 * SHA256_LEN + 1];
	char		 canonical_hex[2 * SHA256_LEN + 1];
	int		 has_sha256;	/* the worker hashed the input */
	int		 canonical_fd;	/* sealed memfd, or -1 */
	void		*map;		/* MAP_FAILED until mapped */
};

int
result_new(const struct report *rep, int canonical_fd, struct sl_result **ret)
{
	static const uint8_t zero[SHA256_LEN];
	struct sl_result *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		fd_close_safe(&canonical_fd);
		return -ENOMEM;
	}
	r->report = *rep;
	r->canonical_fd = canonical_fd;
	r->map = MAP_FAILED;
	r->has_sha256 = memcmp(rep->sha256, zero, sizeof(zero)) != 0;
	sha256_hex(rep->sha256, r->sha256_hex);
	sha256_hex(rep->canonical_sha256, r->canonical_hex);
	*ret = r;
	return 0;
}

int
result_new_reject(enum reason code, const char *message, uint64_t bytes,
    struct sl_result **ret)
{
	struct report rep;

	report_init(&rep);
	rep.stats.bytes = bytes;
	report_reject(&rep, code, "%s", message);
	return result_new(&rep, -1, ret);
}

const struct report *
result_report(const struct sl_result *r)
{
	return &r->report;
}

void
sl_result_free(struct sl_result *r)
{
	if (r == NULL)
		return;
	if (r->map != MAP_FAILED)
		(void)munmap(r->map, (size_t)r->report.canonical_size);
	fd_close_safe(&r->canonical_fd);
	free(r);
}

int
sl_result_accepted(const struct sl_result *r)
{
	return r->report.verdict == REPORT_ACCEPT;
}

const char *
sl_result_format(const struct sl_result *r)
{
	const char *n = report_format_name(r->report.format);

	return n != NULL ? n : "unknown";
}

const char *
sl_result_sha256(const struct sl_result *r)
{
	return r->has_sha256 ? r->sha256_hex : NULL;
}

const char *
sl_result_profile(const struct sl_result *r)
{
	return r->report.profile[0] != '\0' ? r->report.profile : NULL;
}

const char *
sl_result_policy_digest(const struct sl_result *r)
{
	return r->report.policy_digest[0] != '\0' ?
	    r->report.policy_digest : NULL;
}

const char *
sl_result_canonical_sha256(const struct sl_result *r)
{
	return r->report.verdict == REPORT_ACCEPT ? r->canonical_hex : NULL;
}

uint64_t
sl_result_canonical_size(const struct sl_result *r)
{
	return r->report.canonical_size;
}

uint64_t
sl_result_stat(const struct sl_result *r, enum sl_stat which)
{
	const struct report_stats *s = &r->report.stats;

	switch (which) {
	case SL_STAT_FUNCTIONS:
		return s->functions;
	case SL_STAT_PARAMETERS:
		return s->parameters;
	case SL_STAT_CONSTANTS:
		return s->constants;
	case SL_STAT_BYTES:
		return s->bytes;
	case SL_STAT_MAX_DEPTH:
		return s->max_depth;
	default:
		return 0;
	}
}

size_t
sl_result_reason_count(const struct sl_result *r)
{
	return r->report.n_reasons;
}

const char *
sl_result_reason_code(const struct sl_result *r, size_t i)
{
	if (i >= r->report.n_reasons)
		return NULL;
	return reason_code(r->report.reasons[i].code);
}

const char *
sl_result_reason_message(const struct sl_result *r, size_t i)
{
	if (i >= r->report.n_reasons)
		return NULL;
	return r->report.reasons[i].message;
}

size_t
sl_result_op_count(const struct sl_result *r)
{
	return r->report.n_ops;
}

const char *
sl_result_op_name(const struct sl_result *r, size_t i)
{
	return i < r->report.n_ops ? r->report.ops[i].name : NULL;
}

uint64_t
sl_result_op_uses(const struct sl_result *r, size_t i)
{
	return i < r->report.n_ops ? r->report.ops[i].count : 0;
}

/*
 * The memfd came from a process that parsed an attacker's file.  Without
 * all four seals its sender could still change or truncate it under our
 * mapping (SIGBUS, or bytes that differ from what was validated).
 */
static int
result_check_memfd(const struct sl_result *r)
{
	struct stat st;
	int seals;

	if (r->report.verdict != REPORT_ACCEPT || r->canonical_fd < 0)
		return -ENODATA;
	if (fstat(r->canonical_fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (uint64_t)st.st_size != r->report.canonical_size ||
	    r->report.canonical_size > SIZE_MAX)
		return -EBADMSG;
	if ((seals = fcntl(r->canonical_fd, F_GET_SEALS)) < 0)
		return errno == EINVAL ? -EBADMSG : -errno;
	if ((seals & RESULT_SEALS) != RESULT_SEALS)
		return -EBADMSG;
	return 0;
}

int
sl_result_canonical(struct sl_result *r, const void **ret_data,
    size_t *ret_len)
{
	void *p;
	int ret;

	if (r->map == MAP_FAILED) {
		if ((ret = result_check_memfd(r)) < 0)
			return ret;
		p = mmap(NULL, (size_t)r->report.canonical_size, PROT_READ,
		    MAP_PRIVATE, r->canonical_fd, 0);
		if (p == MAP_FAILED)
			return -errno;
		r->map = p;
	}
	*ret_data = r->map;
	*ret_len = (size_t)r->report.canonical_size;
	return 0;
}

int
sl_result_canonical_fd(const struct sl_result *r)
{
	int ret;

	if ((ret = result_check_memfd(r)) < 0)
		return ret;
	return r->canonical_fd;
}
