/*
 * cntk-v2.c: the CompositeFunction inside a decoded CNTK v2 Dictionary:
 * required keys, variables, functions, ops and uids (role: worker;
 * internal to the model library).
 *
 * cntk-format.md §2.6-2.9 and §2.13-2.14 describe the layout.  Anything
 * that would make CNTK load code (user-defined functions), open host files
 * (LatticeSequenceWithSoftmax) or dereference a missing object (a dangling
 * root) is rejected here.  Deeper per-op validation comes later.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cntk-v2.h"

/* A short alias for the generated 28-character name, for readable lines. */
typedef CNTK__Proto__DictionaryValue	value_t;

/* PrimitiveOpType enum names, by value (§2.9). */
static const char *const cntk_v2_ops[CNTK_V2_OPS] = {
	"Negate", "Sigmoid", "Tanh", "ReLU", "Exp", "Log", "Sqrt", "Floor",
	"Abs", "Reciprocal", "Softmax", "Hardmax", "TransposeAxes", "Where",
	"Slice", "Dropout", "Reshape", "Pooling", "SumAll", "Plus", "Minus",
	"ElementTimes", "Equal", "NotEqual", "Less", "LessEqual", "Greater",
	"GreaterEqual", "PackedIndex", "GatherPacked", "ScatterPacked",
	"Times", "TransposeTimes", "Convolution", "SquaredError",
	"CrossEntropyWithSoftmax", "ClassificationError", "PastValue",
	"FutureValue", "ReduceElements", "BatchNormalization", "Clip",
	"Select", "Splice", "Combine", "RandomSample",
	"RandomSampleInclusionFrequency", "ROIPooling", "Logistic",
	"OptimizedRNNStack", "ReconcileDynamicAxis", "LogSoftmax", "LogPlus",
	"CosDistance", "Sin", "Cos", "Pass", "Block", "Unpooling",
	"LambdaRank", "NDCG", "EditDistanceError", "NoOp", "LabelsToGraph",
	"StopGradient", "ELU", "ForwardBackward",
	"CosDistanceWithNegativeSamples", "OneHot", "Pow", "ToSequence",
	"ToSequenceLike", "UnpackSequence", "Assign", "Gather",
	"StableSigmoid", "RandomDistribution", "Sinh", "Cosh", "UnpackBatch",
	"ToBatch", "Asin", "Acos", "Pad", "Crop", "Atanh", "Asinh", "TopK",
	"Squeeze", "ConstantOp", "LatticeSequenceWithSoftmax", "Cast",
	"EyeLikeOp", "CustomProxyOp", "StraightThrough", "Tan", "Atan",
	"ConvolutionSequenceShape",
};

/* One uid of the graph, for the duplicate and root checks. */
struct uid_ref {
	const char	*uid;
	bool		 function;
};

struct graph {
	struct uid_ref	*uids;
	size_t		 n_uids;
};

const char *
cntk_v2_op_name(uint64_t op)
{
	return op < CNTK_V2_OPS ? cntk_v2_ops[op] : "(unknown)";
}

const value_t *
cntk_v2_get(const CNTK__Proto__Dictionary *d, const char *key)
{
	size_t i;

	for (i = 0; i < d->n_data; i++)
		if (strcmp(d->data[i]->key, key) == 0)
			return d->data[i]->value;
	return NULL;
}

static bool
is_string(const value_t *v, const char *s)
{
	return v != NULL && v->value_case ==
	    CNTK__PROTO__DICTIONARY_VALUE__VALUE_STRING_VALUE &&
	    strcmp(v->string_value, s) == 0;
}

int
cntk_v2_is_model(const CNTK__Proto__Dictionary *top)
{
	return is_string(cntk_v2_get(top, "type"), "CompositeFunction");
}

/*
 * The value under `key`, of value_type `type`.  The tree pass has already
 * matched value_type to the member present, so checking one is enough.
 */
static int
need(struct cntk_v2 *c, const CNTK__Proto__Dictionary *d, const char *key,
    CNTK__Proto__ValueType type, const char *where, const value_t **ret)
{
	const value_t *v;

	if ((v = cntk_v2_get(d, key)) == NULL) {
		report_reject(c->rep, REASON_MISSING_KEY,
		    "%s has no '%s'", where, key);
		return -EBADMSG;
	}
	if (v->value_type != type) {
		report_reject(c->rep, REASON_WRONG_TYPE,
		    "%s '%s' has value_type %d, expected %d", where, key,
		    (int)v->value_type, (int)type);
		return -EBADMSG;
	}
	*ret = v;
	return 0;
}

/* Entry i of a Vector that must hold dictionaries. */
static int
need_dict_at(struct cntk_v2 *c, const CNTK__Proto__Vector *vec, size_t i,
    const char *where, const CNTK__Proto__Dictionary **ret)
{
	const value_t *v = vec->value[i];

	if (v == NULL || v->value_type !=
	    CNTK__PROTO__VALUE_TYPE__VALUE_DICTIONARY) {
		report_reject(c->rep, REASON_WRONG_TYPE,
		    "%s entry %zu is not a dictionary", where, i);
		return -EBADMSG;
	}
	*ret = v->dictionary_value;
	return 0;
}

static int
add_uid(struct graph *g, const char *uid, bool function)
{
	g->uids[g->n_uids].uid = uid;
	g->uids[g->n_uids].function = function;
	g->n_uids++;
	return 0;
}

/* Tensor statistics of a Parameter or Constant (kind 2 or 3). */
static int
variable_value(struct cntk_v2 *c, const CNTK__Proto__Dictionary *d,
    uint64_t kind, const char *uid)
{
	const value_t *v;
	uint64_t n;
	int r;

	if (kind != CNTK_V2_KIND_PARAMETER && kind != CNTK_V2_KIND_CONSTANT)
		return 0;
	if ((r = need(c, d, "value", CNTK__PROTO__VALUE_TYPE__VALUE_ND_ARRAY_VIEW,
	    uid, &v)) < 0)
		return r;
	n = cntk_v2_tensor_elements(v->nd_array_view_value);
	if (kind == CNTK_V2_KIND_PARAMETER)
		c->rep->stats.parameters += n;
	else
		c->rep->stats.constants += n;
	return 0;
}

static int
check_variable(struct cntk_v2 *c, struct graph *g,
    const CNTK__Proto__Dictionary *d)
{
	const value_t *type, *uid, *kind;
	int r;

	if ((r = need(c, d, "type", CNTK__PROTO__VALUE_TYPE__VALUE_STRING,
	    "variable", &type)) < 0 ||
	    (r = need(c, d, "uid", CNTK__PROTO__VALUE_TYPE__VALUE_STRING,
	    "variable", &uid)) < 0)
		return r;
	if (strcmp(type->string_value, "Variable") != 0) {
		report_reject(c->rep, REASON_BAD_STRUCTURE,
		    "input '%s' has type '%s', expected 'Variable'",
		    uid->string_value, type->string_value);
		return -EBADMSG;
	}
	if ((r = need(c, d, "kind", CNTK__PROTO__VALUE_TYPE__VALUE_SIZE_T,
	    uid->string_value, &kind)) < 0)
		return r;
	/* Output variables are recreated by CNTK, never stored (§2.7). */
	if (kind->size_t_value == CNTK_V2_KIND_OUTPUT ||
	    kind->size_t_value > CNTK_V2_KIND_PLACEHOLDER) {
		report_reject(c->rep, REASON_BAD_STRUCTURE,
		    "variable '%s' has kind %llu", uid->string_value,
		    (unsigned long long)kind->size_t_value);
		return -EBADMSG;
	}
	if ((r = variable_value(c, d, kind->size_t_value,
	    uid->string_value)) < 0)
		return r;
	return add_uid(g, uid->string_value, false);
}

/*
 * Only PrimitiveFunction entries are plain data; every other type is a
 * user-defined function that CNTK would run code for (§2.13).
 */
static int
check_op(struct cntk_v2 *c, const char *uid, uint64_t op)
{
	if (op >= CNTK_V2_OPS || op == CNTK_V2_OP_CUSTOM_PROXY) {
		report_reject(c->rep, REASON_UNKNOWN_OP,
		    "function '%s' has op %llu (%s)", uid,
		    (unsigned long long)op, cntk_v2_op_name(op));
		return -EBADMSG;
	}
	/* Its attributes name five host files CNTK opens (§2.14). */
	if (op == CNTK_V2_OP_LATTICE) {
		report_reject(c->rep, REASON_HOST_FILE_REFERENCE,
		    "function '%s' is LatticeSequenceWithSoftmax", uid);
		return -EBADMSG;
	}
	report_count_op(c->rep, cntk_v2_op_name(op));
	return 0;
}

static int
check_function(struct cntk_v2 *c, struct graph *g,
    const CNTK__Proto__Dictionary *d)
{
	const value_t *type, *uid, *op;
	int r;

	if ((r = need(c, d, "type", CNTK__PROTO__VALUE_TYPE__VALUE_STRING,
	    "function", &type)) < 0 ||
	    (r = need(c, d, "uid", CNTK__PROTO__VALUE_TYPE__VALUE_STRING,
	    "function", &uid)) < 0)
		return r;
	if (strcmp(type->string_value, "PrimitiveFunction") != 0) {
		report_reject(c->rep, REASON_USER_DEFINED_FUNCTION,
		    "function '%s' has type '%s'", uid->string_value,
		    type->string_value);
		return -EBADMSG;
	}
	if ((r = need(c, d, "op", CNTK__PROTO__VALUE_TYPE__VALUE_SIZE_T,
	    uid->string_value, &op)) < 0 ||
	    (r = check_op(c, uid->string_value, op->size_t_value)) < 0)
		return r;
	c->rep->stats.functions++;
	return add_uid(g, uid->string_value, true);
}

static int
uid_cmp(const void *a, const void *b)
{
	return strcmp(((const struct uid_ref *)a)->uid,
	    ((const struct uid_ref *)b)->uid);
}

/*
 * Uids name both leaves and functions; a repeat makes references
 * ambiguous, and a root that is no function makes CNTK dereference an end
 * iterator (§2.5).
 */
static int
check_uids(struct cntk_v2 *c, struct graph *g, const char *root)
{
	struct uid_ref key = { .uid = root }, *hit;
	size_t i;

	qsort(g->uids, g->n_uids, sizeof(g->uids[0]), uid_cmp);
	for (i = 1; i < g->n_uids; i++) {
		if (strcmp(g->uids[i - 1].uid, g->uids[i].uid) == 0) {
			report_reject(c->rep, REASON_DUPLICATE_UID,
			    "uid '%s' is used twice", g->uids[i].uid);
			return -EBADMSG;
		}
	}
	hit = bsearch(&key, g->uids, g->n_uids, sizeof(g->uids[0]), uid_cmp);
	if (hit == NULL || !hit->function) {
		report_reject(c->rep, REASON_DANGLING_REFERENCE,
		    "root '%s' is not a function of the model", root);
		return -EBADMSG;
	}
	return 0;
}

static int
check_graph(struct cntk_v2 *c, struct graph *g,
    const CNTK__Proto__Vector *inputs, const CNTK__Proto__Vector *funcs)
{
	const CNTK__Proto__Dictionary *d;
	size_t i;
	int r;

	for (i = 0; i < inputs->n_value; i++)
		if ((r = need_dict_at(c, inputs, i, "inputs", &d)) < 0 ||
		    (r = check_variable(c, g, d)) < 0)
			return r;
	for (i = 0; i < funcs->n_value; i++)
		if ((r = need_dict_at(c, funcs, i, "primitive_functions",
		    &d)) < 0 || (r = check_function(c, g, d)) < 0)
			return r;
	return 0;
}

/* The keys every CompositeFunction has (§2.6), version in range. */
static int
check_header(struct cntk_v2 *c, const CNTK__Proto__Dictionary *top,
    const value_t **ret_root, const value_t **ret_inputs,
    const value_t **ret_funcs)
{
	const value_t *version, *uid;
	int r;

	if ((r = need(c, top, "version", CNTK__PROTO__VALUE_TYPE__VALUE_SIZE_T,
	    "model", &version)) < 0)
		return r;
	if (version->size_t_value < CNTK_V2_COMPOSITE_VERSION_MIN ||
	    version->size_t_value > CNTK_V2_COMPOSITE_VERSION_MAX) {
		report_reject(c->rep, REASON_UNSUPPORTED_VERSION,
		    "CompositeFunction version %llu",
		    (unsigned long long)version->size_t_value);
		return -EBADMSG;
	}
	if ((r = need(c, top, "uid", CNTK__PROTO__VALUE_TYPE__VALUE_STRING,
	    "model", &uid)) < 0 ||
	    (r = need(c, top, "root", CNTK__PROTO__VALUE_TYPE__VALUE_STRING,
	    "model", ret_root)) < 0 ||
	    (r = need(c, top, "inputs", CNTK__PROTO__VALUE_TYPE__VALUE_VECTOR,
	    "model", ret_inputs)) < 0)
		return r;
	return need(c, top, "primitive_functions",
	    CNTK__PROTO__VALUE_TYPE__VALUE_VECTOR, "model", ret_funcs);
}

int
cntk_v2_check_model(struct cntk_v2 *c, const CNTK__Proto__Dictionary *top)
{
	const value_t *root, *inputs, *funcs;
	struct graph g = { NULL, 0 };
	uint64_t n;
	int r;

	if ((r = check_header(c, top, &root, &inputs, &funcs)) < 0)
		return r;
	n = (uint64_t)inputs->vector_value->n_value +
	    funcs->vector_value->n_value;
	if (n > c->l->max_nodes) {
		report_reject(c->rep, REASON_COUNT_LIMIT,
		    "%llu functions and variables (limit %u)",
		    (unsigned long long)n, c->l->max_nodes);
		return -EBADMSG;
	}
	if ((g.uids = calloc(n + 1, sizeof(g.uids[0]))) == NULL)
		return -ENOMEM;
	if ((r = check_graph(c, &g, inputs->vector_value,
	    funcs->vector_value)) < 0)
		goto out;
	r = check_uids(c, &g, root->string_value);
out:
	free(g.uids);
	return r;
}
