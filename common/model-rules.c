/*
 * model-rules.c: encode, decode and apply the per-profile model rules
 * (role: library; the worker calls model_rules_apply()).
 *
 * Applied to the report, not to the protobuf: the report's op histogram
 * already names every op the parser met, so the rules need no second walk
 * over attacker data.  When a model uses more distinct ops than the
 * histogram can name, the overflow bucket "(other)" is treated as an op
 * nobody allowed: an allow list then fails closed.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "model-rules.h"

#define OTHER_OPS	"(other)"	/* report.c's overflow bucket */

void
model_rules_default(struct model_rules *ret)
{
	memset(ret, 0, sizeof(*ret));
}

static int
put_names(struct buf *b, uint32_t n,
    const char (*names)[REPORT_OP_NAME_MAX + 1])
{
	uint32_t i;
	int r;

	r = buf_put_u32(b, n);
	for (i = 0; i < n && r == 0; i++)
		r = buf_put_str(b, names[i], strlen(names[i]));
	return r;
}

static int
get_names(struct buf *b, uint32_t *ret_n,
    char (*names)[REPORT_OP_NAME_MAX + 1])
{
	uint32_t i, n;
	int r;

	if ((r = buf_get_u32(b, &n)) < 0)
		return r;
	if (n > MODEL_RULES_OPS_MAX)
		return buf_poison(b);
	for (i = 0; i < n; i++)
		if ((r = buf_get_str(b, names[i], REPORT_OP_NAME_MAX + 1)) < 0)
			return r;
	*ret_n = n;
	return 0;
}

int
model_rules_encode(struct buf *b, const struct model_rules *r)
{
	buf_put_u32(b, r->formats);
	buf_put_u64(b, r->max_parameters);
	buf_put_u32(b, r->allow_ops_set);
	put_names(b, r->n_allow_ops, r->allow_ops);
	return put_names(b, r->n_deny_ops, r->deny_ops);
}

int
model_rules_decode(struct buf *b, struct model_rules *ret)
{
	model_rules_default(ret);
	buf_get_u32(b, &ret->formats);
	buf_get_u64(b, &ret->max_parameters);
	buf_get_u32(b, &ret->allow_ops_set);
	get_names(b, &ret->n_allow_ops, ret->allow_ops);
	get_names(b, &ret->n_deny_ops, ret->deny_ops);
	if (buf_error(b) == 0 && (ret->allow_ops_set > 1 ||
	    (ret->formats & ~((1u << REPORT_FORMAT__MAX) - 1)) != 0 ||
	    (ret->formats & (1u << REPORT_FORMAT_UNKNOWN)) != 0))
		return buf_poison(b);
	return buf_error(b);
}

static int
listed(uint32_t n, const char (*names)[REPORT_OP_NAME_MAX + 1],
    const char *op)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], op) == 0)
			return 1;
	return 0;
}

static void
apply_ops(const struct model_rules *r, struct report *rep)
{
	size_t i;

	for (i = 0; i < rep->n_ops; i++) {
		const char *op = rep->ops[i].name;

		if (listed(r->n_deny_ops, r->deny_ops, op))
			report_reject(rep, REASON_OP_NOT_ALLOWED,
			    "op '%s' is in deny_ops", op);
		else if (r->allow_ops_set && strcmp(op, OTHER_OPS) == 0)
			report_reject(rep, REASON_OP_NOT_ALLOWED,
			    "more distinct ops than the report can name; "
			    "allow_ops cannot vouch for them");
		else if (r->allow_ops_set &&
		    !listed(r->n_allow_ops, r->allow_ops, op))
			report_reject(rep, REASON_OP_NOT_ALLOWED,
			    "op '%s' is not in allow_ops", op);
	}
}

void
model_rules_apply(const struct model_rules *r, struct report *rep)
{
	if (rep->verdict != REPORT_ACCEPT)
		return;
	if (r->formats != 0 && (unsigned)rep->format < REPORT_FORMAT__MAX &&
	    !(r->formats & (1u << rep->format)))
		report_reject(rep, REASON_FORMAT_NOT_ALLOWED,
		    "format %s is not in this profile's formats",
		    report_format_name(rep->format));
	if (r->max_parameters != 0 &&
	    rep->stats.parameters > r->max_parameters)
		report_reject(rep, REASON_COUNT_LIMIT,
		    "%" PRIu64 " parameters, the limit is %" PRIu64,
		    rep->stats.parameters, r->max_parameters);
	apply_ops(r, rep);
}
