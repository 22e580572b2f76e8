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
#include <stdbool.h>
#include <string.h>

#include "model-rules.h"

#define OTHER_OPS	"(other)"	/* report.c's overflow bucket */
#define UDF_OP		"UserDefinedFunction"	/* cntk-v2.c counts UDFs so */

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

static int
put_udfs(struct buf *b, const struct model_udfs *u)
{
	uint32_t i;
	int r;

	if (u->n > MODEL_UDFS_MAX)
		return buf_poison(b);
	r = buf_put_u32(b, u->n);
	for (i = 0; i < u->n && r == 0; i++)
		r = buf_put_str(b, u->names[i], strlen(u->names[i]));
	return r;
}

/* Each name well-formed, so the worker compares only what policy allows. */
static int
get_udfs(struct buf *b, struct model_udfs *u)
{
	uint32_t i, n;
	int r;

	if ((r = buf_get_u32(b, &n)) < 0)
		return r;
	if (n > MODEL_UDFS_MAX)
		return buf_poison(b);
	for (i = 0; i < n; i++) {
		if ((r = buf_get_str(b, u->names[i],
		    MODEL_UDF_NAME_MAX + 1)) < 0)
			return r;
		if (!model_udf_name_ok(u->names[i]))
			return buf_poison(b);
	}
	u->n = n;
	return 0;
}

int
model_rules_encode(struct buf *b, const struct model_rules *r)
{
	buf_put_u32(b, r->formats);
	buf_put_u64(b, r->max_parameters);
	buf_put_u32(b, r->allow_ops_set);
	put_names(b, r->n_allow_ops, r->allow_ops);
	put_names(b, r->n_deny_ops, r->deny_ops);
	return put_udfs(b, &r->udfs);
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
	/* A trailing field: an older encoder sent none (no UDF admitted). */
	if (buf_error(b) == 0 && b->off < b->len)
		get_udfs(b, &ret->udfs);
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

		/* Admitted by user_defined_functions, not by the op lists. */
		if (strcmp(op, UDF_OP) == 0)
			continue;
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

static bool
ident_char(char ch, bool first)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    ch == '_' || (!first && ch >= '0' && ch <= '9');
}

/* A Python identifier in ASCII: what `from M import C` can take as is. */
static size_t
ident_len(const char *s)
{
	size_t n = 0;

	while (ident_char(s[n], n == 0))
		n++;
	return n;
}

/* MODULE.CLASS: dotted identifiers, at least a module and a class. */
static bool
python_name_ok(const char *s)
{
	size_t n, parts = 0;

	for (;;) {
		if ((n = ident_len(s)) == 0)
			return false;
		parts++;
		s += n;
		if (*s == '\0')
			return parts >= 2;
		if (*s++ != '.')
			return false;
	}
}

/*
 * LIBRARY:SYMBOL.  No '/' in the library: CNTK then dlopen()s it from the
 * host's library path, never from a directory a model chose.
 */
static bool
native_name_ok(const char *s)
{
	const char *colon = strchr(s, ':');
	size_t i;

	if (colon == NULL || colon == s || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; s + i < colon; i++)
		if (!ident_char(s[i], false) && strchr(".+-", s[i]) == NULL)
			return false;
	return ident_len(colon + 1) > 0 && colon[1 + ident_len(colon + 1)] ==
	    '\0';
}

int
model_udf_name_ok(const char *name)
{
	if (strlen(name) > MODEL_UDF_NAME_MAX)
		return 0;
	return strchr(name, ':') != NULL ? native_name_ok(name) :
	    python_name_ok(name);
}

int
model_udfs_admit(const struct model_udfs *u, const char *name)
{
	uint32_t i;

	if (u == NULL)
		return 0;
	for (i = 0; i < u->n; i++)
		if (strcmp(u->names[i], name) == 0)
			return 1;
	return 0;
}
