/*
 * client-internal.h: what the files of libsafeload share (role: client).
 *
 * Not installed.  The unit tests include it to build results from a
 * struct report without a daemon.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "report.h"
#include "sha256.h"
#include "wire.h"

struct sl_result;

struct sl_client {
	int		 sock;		/* daemon connection; -1 when local */
	int		 local;		/* spawn a worker per check */
	uint32_t	 next_id;	/* request ids, increasing */
	int		 has_error;	/* last call failed with a refusal */
	struct wire_error last_error;
	char		 signature[WIRE_STR_MAX + 1];	/* next check's; "" */
	uint8_t		 msg[MSG_MAX];	/* receive buffer */
};

/*
 * Build a result that owns r (copied) and canonical_fd (taken, even on
 * failure; -1 for none).  -ENOMEM.
 */
int	result_new(const struct report *r, int canonical_fd,
	    struct sl_result **ret);
/*
 * A reject result made on this side of the socket (worker crash, timeout,
 * bad reply) for a model of `bytes` bytes whose worker never reported.
 */
int	result_new_reject(enum reason code, const char *message,
	    uint64_t bytes, struct sl_result **ret);
/* The report behind a result (borrowed). */
const struct report *result_report(const struct sl_result *r);

/*
 * Append s[0..n) to a JSON document as a quoted, escaped string: '"', '\\'
 * and control characters escaped, valid UTF-8 copied, every byte of an
 * invalid sequence replaced by \ufffd.  Returns the bytes written, or the
 * bytes needed when out is NULL (a two-pass API: measure, then write).
 */
size_t	json_quote(char *out, const char *s, size_t n);

/*
 * Run one check in a fresh worker (local mode).  fd is the read-only
 * model; flags are SL_CHECK_*.  A misbehaving worker makes a reject
 * result; only local failures (socketpair, fork) are errors.
 */
/*
 * The format hint that sl_check_fd() flags state: REPORT_FORMAT_UNKNOWN
 * when none.  -EINVAL for unknown flags or more than one format.
 */
int	client_format_hint(unsigned flags, enum report_format *ret);
int	local_check(struct sl_client *c, int fd, unsigned flags,
	    struct sl_result **ret);
