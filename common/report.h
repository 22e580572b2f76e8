/*
 * report.h: what a worker found in one model (role: library).
 *
 * The worker fills a struct report; it travels in WIRE_ANS_RESULT to the
 * supervisor, which re-checks it (wire_decode_result()), and on to the
 * client, which prints it as JSON.  Fixed-size arrays keep it free of
 * allocations and bound it by construction.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "safeload-limits.h"
#include "reason.h"

enum report_verdict {
	REPORT_ACCEPT = 1,
	REPORT_REJECT = 2,
};

enum report_format {
	REPORT_FORMAT_UNKNOWN = 0,
	REPORT_FORMAT_CNTK_V2,
	REPORT_FORMAT_CNTK_V1,
	REPORT_FORMAT_ONNX,
	REPORT_FORMAT__MAX
};

#define REPORT_DIGEST_HEX	64u	/* sha256, lower-case hex */

struct report_reason {
	enum reason	code;
	char		message[REPORT_MESSAGE_MAX + 1];
};

struct report_op {
	char		name[REPORT_OP_NAME_MAX + 1];
	uint64_t	count;
};

struct report_stats {
	uint64_t	functions;	/* primitive functions (v2) or nodes (v1) */
	uint64_t	parameters;	/* tensor elements of learnable parameters */
	uint64_t	constants;	/* tensor elements of constants */
	uint64_t	bytes;		/* input size */
	uint64_t	max_depth;	/* deepest message nesting seen */
};

struct report {
	enum report_verdict	verdict;
	enum report_format	format;
	uint8_t			sha256[32];		/* of the input */
	uint8_t			canonical_sha256[32];	/* zero if rejected */
	uint64_t		canonical_size;		/* 0 if rejected */
	struct report_stats	stats;
	size_t			n_reasons;
	struct report_reason	reasons[REPORT_REASONS_MAX];
	size_t			n_ops;
	struct report_op	ops[REPORT_OPS_MAX];
	/*
	 * Filled by the supervisor, never trusted from a worker: the policy
	 * profile the model was checked under and the policy's digest.
	 */
	char			profile[PROFILE_NAME_MAX + 1];
	char			policy_digest[REPORT_DIGEST_HEX + 1];
	/* BLAKE2b-512 of the input, when the work order asked for it. */
	int			has_blake2b;
	uint8_t			blake2b[64];
};

/* Zero the report; the verdict starts as REPORT_ACCEPT. */
void	report_init(struct report *r);
/*
 * Add a reason and set the verdict to reject.  Messages longer than
 * REPORT_MESSAGE_MAX are cut; control characters become '?'.  Reasons past
 * REPORT_REASONS_MAX are dropped (the first ones are the useful ones).
 */
void	report_reject(struct report *r, enum reason code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	report_vreject(struct report *r, enum reason code, const char *fmt,
	    va_list ap) __attribute__((format(printf, 3, 0)));
/*
 * Count one use of op `name` (cut to REPORT_OP_NAME_MAX).  When the table is
 * full, further new names are counted under "(other)".
 */
void	report_count_op(struct report *r, const char *name);
/* How many uses of op `name` the report counts (0 if none). */
uint64_t report_op_uses(const struct report *r, const char *name);
/* Sort ops by name so the report is deterministic. */
void	report_sort_ops(struct report *r);
/* "cntk-v2", "cntk-v1", "onnx", "unknown"; NULL if out of range. */
const char *report_format_name(enum report_format f);
