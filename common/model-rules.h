/*
 * model-rules.h: the profile rules a worker applies after parsing a model
 * (role: library, used by the supervisor, the worker and the tests).
 *
 * The supervisor takes them from the policy profile and appends them to
 * WIRE_REQ_WORK; the worker applies them to its report once model_parse()
 * has accepted the model: allowed formats, total parameters, and the op
 * allow and deny lists.  The user-defined functions a profile admits are
 * the exception: model_parse() needs them while it reads the graph.
 * Fixed arrays bound the message by construction.
 */
#pragma once

#include <stdint.h>

#include "buf.h"
#include "report.h"
#include "safeload-limits.h"

#define MODEL_RULES_OPS_MAX	128u	/* names in one op list */

/*
 * User-defined functions admitted by exact name (cntk-format.md §2.13):
 * MODULE.CLASS for a Python UDF, LIBRARY:SYMBOL for a native one.  n == 0
 * rejects every UDF, which is the default.
 */
struct model_udfs {
	uint32_t	n;
	char		names[MODEL_UDFS_MAX][MODEL_UDF_NAME_MAX + 1];
};

struct model_rules {
	uint32_t	formats;	/* 1u << enum report_format; 0 = any */
	uint64_t	max_parameters;	/* 0 = no limit beyond max_elements */
	uint32_t	allow_ops_set;	/* 1: only allow_ops may appear */
	uint32_t	n_allow_ops;
	uint32_t	n_deny_ops;
	char		allow_ops[MODEL_RULES_OPS_MAX][REPORT_OP_NAME_MAX + 1];
	char		deny_ops[MODEL_RULES_OPS_MAX][REPORT_OP_NAME_MAX + 1];
	struct model_udfs udfs;
};

/* No rules: every format, no parameter limit, no op lists. */
void	model_rules_default(struct model_rules *ret);
int	model_rules_encode(struct buf *b, const struct model_rules *r);
/* Strict: counts, names and the format mask are checked; -EBADMSG. */
int	model_rules_decode(struct buf *b, struct model_rules *ret);
/*
 * Apply the rules to an accepted report: a format, parameter count or op
 * the rules do not allow adds a reason and turns the verdict to reject.
 * A report that is already a reject is left alone.
 */
void	model_rules_apply(const struct model_rules *r, struct report *rep);
/*
 * Whether `name` is a well-formed UDF name: MODULE.CLASS (ASCII Python
 * identifiers, at least two) or LIBRARY:SYMBOL (no '/' in LIBRARY).
 */
int	model_udf_name_ok(const char *name);
/* Whether `name` is on the allow-list (NULL admits nothing). */
int	model_udfs_admit(const struct model_udfs *u, const char *name);
