/*
 * cntk-v2.c: the CompositeFunction inside a decoded CNTK v2 Dictionary:
 * exact key sets, versions, variables and functions (role: worker;
 * internal to the model library).
 *
 * cntk-format.md §2.6-2.10 and §2.13-2.14 describe the layout.  Each
 * object must have exactly the keys CNTK writes for it, with the types its
 * loader reads them as.  Anything that would make CNTK load code
 * (user-defined functions, unless cntk-v2-udf.c admits one by name) or
 * open host files (LatticeSequenceWithSoftmax) is rejected here; attributes are checked in cntk-v2-attr.c and the graph
 * in cntk-v2-graph.c.
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


/*
 * The PrimitiveFunction version that introduced each op (§2.9, §2.10);
 * CNTK always writes its own version, so an older one never carried the
 * op.  0 means the op is as old as the format.
 */
static const uint8_t cntk_v2_op_since[CNTK_V2_OPS] = {
	[58] = 2, [65] = 8, [68] = 9, [69] = 10, [70] = 11, [71] = 11,
	[72] = 11, [73] = 12, [74] = 13, [75] = 14, [76] = 15, [79] = 16,
	[80] = 16, [83] = 17, [84] = 18, [87] = 19, [88] = 20, [89] = 20,
	[92] = 21, [94] = 22, [95] = 23, [96] = 23, [97] = 24,
};

/*
 * Operands each op takes, where CNTK's shape inference indexes them
 * without a count check (checked against every function of the corpus).
 * Ops not listed (Block, Combine, Splice, the rarer ones) are not checked.
 */
struct arity {
	uint8_t	min, max;	/* max 0: not checked */
};

#define ONE	{ 1, 1 }
#define TWO	{ 2, 2 }

static const struct arity cntk_v2_arity[CNTK_V2_OPS] = {
	[0] = ONE, [1] = ONE, [2] = ONE, [3] = ONE, [4] = ONE, [5] = ONE,
	[6] = ONE, [7] = ONE, [8] = ONE, [9] = ONE, [10] = ONE, [11] = ONE,
	[12] = ONE, [13] = ONE, [14] = ONE, [15] = ONE, [16] = ONE, [17] = ONE,
	[18] = ONE, [39] = ONE, [54] = ONE, [55] = ONE, [56] = ONE, [62] = ONE,
	[64] = ONE, [65] = ONE, [68] = ONE, [75] = ONE, [77] = ONE, [78] = ONE,
	[81] = ONE, [82] = ONE, [85] = ONE, [86] = ONE, [88] = ONE, [94] = ONE,
	[95] = ONE, [96] = ONE,
	[19] = TWO, [20] = TWO, [21] = TWO, [22] = TWO, [23] = TWO, [24] = TWO,
	[25] = TWO, [26] = TWO, [27] = TWO, [28] = TWO, [29] = TWO, [31] = TWO,
	[32] = TWO, [33] = TWO, [34] = TWO, [37] = TWO, [38] = TWO, [49] = TWO,
	[50] = TWO, [52] = TWO, [53] = TWO, [69] = TWO, [74] = TWO,
	[41] = { 3, 3 }, [42] = { 3, 3 },	/* Clip, Select */
	[40] = { 5, 6 },	/* BatchNormalization: 5 before version 4 */
};

#undef ONE
#undef TWO

/* A short alias for the generated 28-character name, for readable lines. */
#define T(x)	CNTK__PROTO__VALUE_TYPE__VALUE_##x

/*
 * Whether an object has a key: always, optionally, or only in one variant
 * (a Parameter's value, a Block's composite, a version-1/2 state): there
 * it is required (VAR_REQ) or optional (VAR_OPT), elsewhere forbidden.
 * Each table is sorted bytewise by key, as the tree pass sorts entries.
 */
static const struct cntk_v2_key top_keys[] = {
	{ "inputs", T(VECTOR), K_REQ },
	{ "name", T(STRING), K_OPT },
	{ "primitive_functions", T(VECTOR), K_REQ },
	{ "root", T(STRING), K_REQ },
	{ "state", T(DICTIONARY), K_VAR_OPT },
	{ "type", T(STRING), K_REQ },
	{ "uid", T(STRING), K_REQ },
	{ "version", T(SIZE_T), K_REQ },
};

static const struct cntk_v2_key variable_keys[] = {
	{ "data_type", T(SIZE_T), K_REQ },
	{ "dynamic_axis", T(VECTOR), K_REQ },
	{ "is_sparse", T(BOOL), K_REQ },
	{ "kind", T(SIZE_T), K_REQ },
	{ "name", T(STRING), K_OPT },
	{ "needs_gradient", T(BOOL), K_REQ },
	{ "shape", T(ND_SHAPE), K_REQ },
	{ "type", T(STRING), K_REQ },
	{ "uid", T(STRING), K_REQ },
	{ "value", T(ND_ARRAY_VIEW), K_VAR_REQ },
	{ "version", T(SIZE_T), K_REQ },
};

static const struct cntk_v2_key function_keys[] = {
	{ "attributes", T(DICTIONARY), K_REQ },
	{ "block_function_composite", T(DICTIONARY), K_VAR_REQ },
	{ "block_function_composite_arguments_map_keys", T(VECTOR), K_VAR_REQ },
	{ "block_function_composite_arguments_map_values", T(VECTOR),
	    K_VAR_REQ },
	{ "block_function_op_name", T(STRING), K_VAR_REQ },
	{ "inputs", T(VECTOR), K_REQ },
	{ "name", T(STRING), K_OPT },
	{ "op", T(SIZE_T), K_REQ },
	{ "type", T(STRING), K_REQ },
	{ "uid", T(STRING), K_REQ },
	{ "version", T(SIZE_T), K_REQ },
};

static const struct cntk_v2_key block_composite_keys[] = {
	{ "name", T(STRING), K_OPT },
	{ "root", T(STRING), K_REQ },
	{ "type", T(STRING), K_REQ },
	{ "uid", T(STRING), K_REQ },
	{ "version", T(SIZE_T), K_REQ },
};

static const struct cntk_v2_key rng_state_keys[] = {
	{ "rng_offset", T(SIZE_T), K_REQ },
	{ "rng_seed", T(SIZE_T), K_REQ },
};

#define NKEYS(a)	(sizeof(a) / sizeof((a)[0]))

/* Slots of the hot tables (cntk_v2_check_keys()), in their sorted order. */
enum {
	VK_DATA_TYPE, VK_DYNAMIC_AXIS, VK_IS_SPARSE, VK_KIND, VK_NAME,
	VK_NEEDS_GRADIENT, VK_SHAPE, VK_TYPE, VK_UID, VK_VALUE, VK_VERSION,
	VK__MAX
};
enum {
	FK_ATTRIBUTES, FK_COMPOSITE, FK_MAP_KEYS, FK_MAP_VALUES, FK_OP_NAME,
	FK_INPUTS, FK_NAME, FK_OP, FK_TYPE, FK_UID, FK_VERSION, FK__MAX
};
_Static_assert(VK__MAX == NKEYS(variable_keys), "variable slots");
_Static_assert(FK__MAX == NKEYS(function_keys), "function slots");

const char *
cntk_v2_op_name(uint64_t op)
{
	return op < CNTK_V2_OPS ? cntk_v2_ops[op] : "(unknown)";
}

static int
entry_key_cmp(const void *key, const void *elem)
{
	return strcmp(key,
	    (*(CNTK__Proto__Dictionary__DataEntry *const *)elem)->key);
}

const value_t *
cntk_v2_get(const CNTK__Proto__Dictionary *d, const char *key)
{
	CNTK__Proto__Dictionary__DataEntry **e;

	if (d->n_data == 0)
		return NULL;	/* data is NULL then, which bsearch may not get */
	e = bsearch(key, d->data, d->n_data, sizeof(d->data[0]), /* NOLINT(bugprone-sizeof-expression): pointers */
	    entry_key_cmp);
	return e != NULL ? (*e)->value : NULL;
}

static bool
is_string(const value_t *v, const char *s)
{
	return v != NULL && v->value_case ==
	    CNTK__PROTO__DICTIONARY_VALUE__VALUE_STRING_VALUE &&
	    strcmp(v->string_value, s) == 0;
}

/* Before the tree pass, so the entries are not sorted yet: a plain scan. */
int
cntk_v2_is_model(const CNTK__Proto__Dictionary *top)
{
	size_t i;

	for (i = 0; i < top->n_data; i++)
		if (strcmp(top->data[i]->key, "type") == 0)
			return is_string(top->data[i]->value,
			    "CompositeFunction");
	return 0;
}

static bool
key_needed(const struct cntk_v2_key *k, bool variant)
{
	return k->need == K_REQ || (variant && k->need == K_VAR_REQ);
}

/*
 * Exactly the keys of `rules` (the variant ones only when `variant`), each
 * with its value type.  The tree pass has sorted the entries and made
 * them unique, and the tables are sorted the same way, so one merge walk
 * does it; value_type has been matched to the member present.  An unknown
 * key is reported before a missing one.  With `slots` (n of them, zeroed),
 * slots[j] receives the value of rules[j], so callers need no lookups.
 */
int
cntk_v2_check_keys(struct cntk_v2 *c, const CNTK__Proto__Dictionary *d,
    const struct cntk_v2_key *rules, size_t n, bool variant, const char *where,
    const value_t **slots)
{
	const char *missing = NULL;
	const value_t *v;
	size_t i, j = 0;
	int cmp = 0;

	for (i = 0; i < d->n_data; i++, j++) {
		for (; j < n && (cmp = strcmp(rules[j].key,
		    d->data[i]->key)) < 0; j++)
			if (missing == NULL && key_needed(&rules[j], variant))
				missing = rules[j].key;
		if (j == n || cmp != 0 || (!variant &&
		    (rules[j].need == K_VAR_REQ || rules[j].need == K_VAR_OPT)))
			return cntk_v2_reject(c, REASON_UNKNOWN_KEY,
			    "%s has key '%s', which CNTK does not write there",
			    where, d->data[i]->key);
		v = d->data[i]->value;
		if (v == NULL || v->value_type != rules[j].type)
			return cntk_v2_reject(c, REASON_WRONG_TYPE,
			    "%s '%s' has value_type %d, expected %d", where,
			    rules[j].key, v != NULL ? (int)v->value_type : 0,
			    (int)rules[j].type);
		if (slots != NULL)
			slots[j] = v;
	}
	for (; j < n; j++)
		if (missing == NULL && key_needed(&rules[j], variant))
			missing = rules[j].key;
	if (missing != NULL)
		return cntk_v2_reject(c, REASON_MISSING_KEY, "%s has no '%s'",
		    where, missing);
	return 0;
}

/*
 * The value under `key`, of value_type `type`: for the keys needed before
 * the key set is known (type, uid, kind, op, version).
 */
int
cntk_v2_need(struct cntk_v2 *c, const CNTK__Proto__Dictionary *d,
    const char *key, CNTK__Proto__ValueType type, const char *where,
    const value_t **ret)
{
	*ret = NULL;
	const value_t *v;

	if ((v = cntk_v2_get(d, key)) == NULL)
		return cntk_v2_reject(c, REASON_MISSING_KEY,
		    "%s has no '%s'", where, key);
	if (v->value_type != type)
		return cntk_v2_reject(c, REASON_WRONG_TYPE,
		    "%s '%s' has value_type %d, expected %d", where, key,
		    (int)v->value_type, (int)type);
	*ret = v;
	return 0;
}

/* Entry i of a Vector that must hold dictionaries. */
static int
need_dict_at(struct cntk_v2 *c, const CNTK__Proto__Vector *vec, size_t i,
    const char *where, const CNTK__Proto__Dictionary **ret)
{
	const value_t *v = vec->value[i];

	if (v->value_type != T(DICTIONARY))
		return cntk_v2_reject(c, REASON_WRONG_TYPE,
		    "%s entry %zu is not a dictionary", where, i);
	*ret = v->dictionary_value;
	return 0;
}

static int
check_version(struct cntk_v2 *c, uint64_t v, uint64_t min, uint64_t max,
    const char *what, const char *uid)
{
	if (v >= min && v <= max)
		return 0;
	return cntk_v2_reject(c, REASON_UNSUPPORTED_VERSION,
	    "%s '%s' has version %llu; CNTK wrote %llu to %llu", what, uid,
	    (unsigned long long)v, (unsigned long long)min,
	    (unsigned long long)max);
}

/* The `type` string an object must have; `code` when it differs. */
static int
check_type_string(struct cntk_v2 *c, const CNTK__Proto__Dictionary *d,
    const char *want, enum reason code, const char *where)
{
	const value_t *type = NULL;
	int r;

	if ((r = cntk_v2_need(c, d, "type", T(STRING), where, &type)) < 0)
		return r;
	if (strcmp(type->string_value, want) != 0)
		return cntk_v2_reject(c, code, "%s has type '%s', expected "
		    "'%s'", where, type->string_value, want);
	return 0;
}

/* Dynamic axes are Axis values, few, and each one once (§2.7). */
static int
check_axes(struct cntk_v2 *c, const CNTK__Proto__Vector *axes,
    const char *uid)
{
	const CNTK__Proto__Axis *a, *b;
	size_t i, j;

	if (axes->n_value > c->l->max_dynamic_axes)
		return cntk_v2_reject(c, REASON_COUNT_LIMIT,
		    "'%s' has %zu dynamic axes (limit %u)", uid,
		    axes->n_value, c->l->max_dynamic_axes);
	for (i = 0; i < axes->n_value; i++) {
		if (axes->value[i]->value_type != T(AXIS))
			return cntk_v2_reject(c, REASON_WRONG_TYPE,
			    "'%s' dynamic axis %zu is not an Axis", uid, i);
		a = axes->value[i]->axis_value;
		for (j = 0; j < i; j++) {
			b = axes->value[j]->axis_value;
			if (a->static_axis_idx == b->static_axis_idx &&
			    strcmp(a->name, b->name) == 0)
				return cntk_v2_reject(c, REASON_DUPLICATE_AXIS,
				    "'%s' lists dynamic axis '%s' twice", uid,
				    a->name);
		}
	}
	return 0;
}

/*
 * Parameters and Constants are allocated from their shape, so no special
 * (inferred, free, unknown) dimension; an Input may not have a 0 one.  The
 * concrete dimensions of any shape, times the widest element, must fit
 * 64 bits: CNTK sizes buffers from them.
 */
static int
check_dims(struct cntk_v2 *c, const CNTK__Proto__NDShape *s, uint64_t kind,
    const char *uid)
{
	size_t i;
	uint64_t d, bytes = CNTK_V2_ELEMENT_MAX;

	for (i = 0; i < s->n_shape_dim; i++) {
		d = s->shape_dim[i];
		if (d < CNTK_V2_DIM_FREE && d != 0 &&
		    __builtin_mul_overflow(bytes, d, &bytes))
			return cntk_v2_reject(c, REASON_BAD_DIMENSION,
			    "'%s' has a shape whose size overflows", uid);
		if ((kind == CNTK_V2_KIND_PARAMETER ||
		    kind == CNTK_V2_KIND_CONSTANT) && d >= CNTK_V2_DIM_FREE)
			return cntk_v2_reject(c, REASON_BAD_DIMENSION,
			    "'%s' has a free or inferred dimension", uid);
		if (kind == CNTK_V2_KIND_INPUT && d == 0)
			return cntk_v2_reject(c, REASON_BAD_DIMENSION,
			    "input '%s' has a zero dimension", uid);
	}
	return 0;
}

static bool
same_shape(const CNTK__Proto__NDShape *a, const CNTK__Proto__NDShape *b)
{
	size_t na = a != NULL ? a->n_shape_dim : 0;
	size_t nb = b != NULL ? b->n_shape_dim : 0;

	return na == nb && (na == 0 || memcmp(a->shape_dim, b->shape_dim,
	    na * sizeof(a->shape_dim[0])) == 0);
}

/* A Parameter's or Constant's tensor: its type and shape are the var's. */
static int
check_value(struct cntk_v2 *c, const value_t **slot, uint64_t kind,
    uint64_t data_type, const char *uid)
{
	const CNTK__Proto__NDArrayView *a;
	uint64_t n;

	a = slot[VK_VALUE]->nd_array_view_value;
	if ((uint64_t)a->data_type != data_type)
		return cntk_v2_reject(c, REASON_DATA_TYPE_MISMATCH,
		    "'%s' is data type %llu, its value %d", uid,
		    (unsigned long long)data_type, (int)a->data_type);
	if (!same_shape(a->shape, slot[VK_SHAPE]->nd_shape_value))
		return cntk_v2_reject(c, REASON_VARIABLE_SHAPE_MISMATCH,
		    "'%s' has a value whose shape is not its own", uid);
	n = cntk_v2_tensor_elements(a);
	if (kind == CNTK_V2_KIND_PARAMETER)
		c->rep->stats.parameters += n;
	else
		c->rep->stats.constants += n;
	return 0;
}

/* Data types CNTK loads; a Placeholder may leave it Unknown (0). */
static bool
var_data_type_ok(uint64_t t, uint64_t kind)
{
	return t == 1 || t == 2 || t == 4 || t == 5 || t == 6 ||
	    (t == 0 && kind == CNTK_V2_KIND_PLACEHOLDER);
}

static int
check_variable_body(struct cntk_v2 *c, const CNTK__Proto__Dictionary *d,
    uint64_t kind, const char *uid)
{
	const value_t *slot[VK__MAX] = { NULL };
	uint64_t data_type;
	bool valued;
	int r;

	valued = kind == CNTK_V2_KIND_PARAMETER || kind == CNTK_V2_KIND_CONSTANT;
	if ((r = cntk_v2_check_keys(c, d, variable_keys,
	    NKEYS(variable_keys), valued, uid, slot)) < 0 ||
	    (r = check_version(c, slot[VK_VERSION]->size_t_value,
	    CNTK_V2_VARIABLE_VERSION, CNTK_V2_VARIABLE_VERSION, "variable",
	    uid)) < 0)
		return r;
	data_type = slot[VK_DATA_TYPE]->size_t_value;
	if (!var_data_type_ok(data_type, kind))
		return cntk_v2_reject(c, REASON_BAD_DATA_TYPE,
		    "variable '%s' has data type %llu", uid,
		    (unsigned long long)data_type);
	if ((r = check_axes(c, slot[VK_DYNAMIC_AXIS]->vector_value,
	    uid)) < 0 || (r = check_dims(c, slot[VK_SHAPE]->nd_shape_value,
	    kind, uid)) < 0)
		return r;
	return valued ? check_value(c, slot, kind, data_type, uid) : 0;
}

static int
check_variable(struct cntk_v2 *c, const CNTK__Proto__Dictionary *d,
    struct cntk_v2_leaf *ret)
{
	const value_t *uid, *kind;
	int r;

	if ((r = cntk_v2_need(c, d, "uid", T(STRING), "variable", &uid)) < 0 ||
	    (r = check_type_string(c, d, "Variable", REASON_WRONG_OBJECT_TYPE,
	    uid->string_value)) < 0 ||
	    (r = cntk_v2_need(c, d, "kind", T(SIZE_T), uid->string_value,
	    &kind)) < 0)
		return r;
	/* Output variables are recreated by CNTK, never stored (§2.7). */
	if (kind->size_t_value == CNTK_V2_KIND_OUTPUT ||
	    kind->size_t_value > CNTK_V2_KIND_PLACEHOLDER)
		return cntk_v2_reject(c, REASON_BAD_VARIABLE_KIND,
		    "variable '%s' has kind %llu", uid->string_value,
		    (unsigned long long)kind->size_t_value);
	if ((r = check_variable_body(c, d, kind->size_t_value,
	    uid->string_value)) < 0)
		return r;
	ret->uid = uid->string_value;
	ret->kind = kind->size_t_value;
	return 0;
}

/*
 * Only PrimitiveFunction entries are plain data; ops CNTK never defined,
 * the ONNX stand-in it cannot run, and the op that opens host files
 * (§2.14) are refused.
 */
static int
check_op(struct cntk_v2 *c, const char *uid, uint64_t op, uint64_t version)
{
	if (op >= CNTK_V2_OPS || op == CNTK_V2_OP_CUSTOM_PROXY)
		return cntk_v2_reject(c, REASON_UNKNOWN_OP,
		    "function '%s' has op %llu (%s)", uid,
		    (unsigned long long)op, cntk_v2_op_name(op));
	if (op == CNTK_V2_OP_LATTICE)
		return cntk_v2_reject(c, REASON_HOST_FILE_REFERENCE,
		    "function '%s' is LatticeSequenceWithSoftmax", uid);
	if (version < cntk_v2_op_since[op])
		return cntk_v2_reject(c, REASON_OP_VERSION_MISMATCH,
		    "function '%s' is %s at version %llu; CNTK wrote that op "
		    "from version %u", uid, cntk_v2_op_name(op),
		    (unsigned long long)version, cntk_v2_op_since[op]);
	return 0;
}

/* The operand list holds uids (§2.8). */
int
cntk_v2_check_inputs(struct cntk_v2 *c, const CNTK__Proto__Vector *v,
    const char *uid)
{
	size_t i;

	for (i = 0; i < v->n_value; i++)
		if (v->value[i]->value_type != T(STRING))
			return cntk_v2_reject(c, REASON_WRONG_TYPE,
			    "function '%s' input %zu is not a String uid", uid,
			    i);
	return 0;
}

static int
check_arity(struct cntk_v2 *c, const struct cntk_v2_fn *f)
{
	const struct arity *a = &cntk_v2_arity[f->op];

	if (a->max == 0 || (f->inputs->n_value >= a->min &&
	    f->inputs->n_value <= a->max))
		return 0;
	return cntk_v2_reject(c, REASON_BAD_ARITY,
	    "'%s' (%s) has %zu operands; the op takes %u to %u", f->uid,
	    cntk_v2_op_name(f->op), f->inputs->n_value, a->min, a->max);
}

/* A Block's composite header (§2.8); its root is checked with the graph. */
static int
check_block_composite(struct cntk_v2 *c, const value_t *v, const char *uid)
{
	const CNTK__Proto__Dictionary *comp = v->dictionary_value;
	int r;

	if ((r = cntk_v2_check_keys(c, comp, block_composite_keys,
	    NKEYS(block_composite_keys), false, uid, NULL)) < 0 ||
	    (r = check_type_string(c, comp, "CompositeFunction",
	    REASON_WRONG_OBJECT_TYPE, uid)) < 0)
		return r;
	return check_version(c, cntk_v2_get(comp, "version")->size_t_value,
	    CNTK_V2_COMPOSITE_VERSION_MIN, CNTK_V2_COMPOSITE_VERSION_MAX,
	    "block composite of", uid);
}

static int
check_function_body(struct cntk_v2 *c, struct cntk_v2_fn *f)
{
	const value_t *slot[FK__MAX] = { NULL };
	uint64_t version;
	int r;

	if ((r = cntk_v2_check_keys(c, f->d, function_keys,
	    NKEYS(function_keys), f->op == CNTK_V2_OP_BLOCK, f->uid,
	    slot)) < 0)
		return r;
	version = slot[FK_VERSION]->size_t_value;
	if ((r = check_version(c, version, CNTK_V2_FUNCTION_VERSION_MIN,
	    CNTK_V2_FUNCTION_VERSION_MAX, "function", f->uid)) < 0 ||
	    (r = check_op(c, f->uid, f->op, version)) < 0)
		return r;
	f->inputs = slot[FK_INPUTS]->vector_value;
	f->attrs = slot[FK_ATTRIBUTES]->dictionary_value;
	if ((r = cntk_v2_check_inputs(c, f->inputs, f->uid)) < 0 ||
	    (r = check_arity(c, f)) < 0)
		return r;
	if (f->op == CNTK_V2_OP_BLOCK &&
	    (r = check_block_composite(c, slot[FK_COMPOSITE], f->uid)) < 0)
		return r;
	return cntk_v2_check_attrs(c, f);
}

static int
check_function(struct cntk_v2 *c, const CNTK__Proto__Dictionary *d,
    struct cntk_v2_fn *f)
{
	const value_t *type, *uid, *op;
	int r;

	if ((r = cntk_v2_need(c, d, "type", T(STRING), "function",
	    &type)) < 0 ||
	    (r = cntk_v2_need(c, d, "uid", T(STRING), "function", &uid)) < 0)
		return r;
	/* Anything else is a user-defined function: code to run (§2.13). */
	if (strcmp(type->string_value, "PrimitiveFunction") != 0)
		return cntk_v2_check_udf(c, d, type->string_value,
		    uid->string_value, f);
	if ((r = cntk_v2_need(c, d, "op", T(SIZE_T), uid->string_value,
	    &op)) < 0)
		return r;
	f->d = d;
	f->uid = uid->string_value;
	f->op = op->size_t_value;
	if ((r = check_function_body(c, f)) < 0)
		return r;
	report_count_op(c->rep, cntk_v2_op_name(f->op));
	c->rep->stats.functions++;
	return 0;
}

/* Version 1-2 RNG state: function uid -> {rng_seed, rng_offset} (§2.6). */
static int
check_state(struct cntk_v2 *c, const CNTK__Proto__Dictionary *top)
{
	const value_t *v = cntk_v2_get(top, "state");
	const CNTK__Proto__Dictionary *s;
	size_t i;
	int r;

	if (v == NULL)
		return 0;
	s = v->dictionary_value;
	for (i = 0; i < s->n_data; i++) {
		if (s->data[i]->value == NULL ||
		    s->data[i]->value->value_type != T(DICTIONARY))
			return cntk_v2_reject(c, REASON_WRONG_TYPE,
			    "state of '%s' is not a dictionary",
			    s->data[i]->key);
		if ((r = cntk_v2_check_keys(c,
		    s->data[i]->value->dictionary_value, rng_state_keys,
		    NKEYS(rng_state_keys), false, "model state", NULL)) < 0)
			return r;
	}
	return 0;
}

/* The CompositeFunction's own keys (§2.6), version in range. */
static int
check_header(struct cntk_v2 *c, const CNTK__Proto__Dictionary *top)
{
	const value_t *version;
	int r;

	if ((r = cntk_v2_need(c, top, "version", T(SIZE_T), "model",
	    &version)) < 0 ||
	    (r = check_version(c, version->size_t_value,
	    CNTK_V2_COMPOSITE_VERSION_MIN, CNTK_V2_COMPOSITE_VERSION_MAX,
	    "CompositeFunction", "model")) < 0 ||
	    (r = cntk_v2_check_keys(c, top, top_keys, NKEYS(top_keys),
	    version->size_t_value <= CNTK_V2_STATE_VERSION_MAX, "model",
	    NULL)) < 0)
		return r;
	return check_state(c, top);
}

static int
check_nodes(struct cntk_v2 *c, struct cntk_v2_graph *g,
    const CNTK__Proto__Vector *inputs, const CNTK__Proto__Vector *funcs)
{
	const CNTK__Proto__Dictionary *d = NULL;
	size_t i;
	int r;

	for (i = 0; i < inputs->n_value; i++) {
		if ((r = need_dict_at(c, inputs, i, "inputs", &d)) < 0 ||
		    (r = check_variable(c, d, &g->leaves[i])) < 0)
			return r;
		g->n_leaves++;
	}
	for (i = 0; i < funcs->n_value; i++) {
		if ((r = need_dict_at(c, funcs, i, "primitive_functions",
		    &d)) < 0 || (r = check_function(c, d, &g->fns[i])) < 0)
			return r;
		g->n_fns++;
	}
	return 0;
}

int
cntk_v2_check_model(struct cntk_v2 *c, const CNTK__Proto__Dictionary *top)
{
	const CNTK__Proto__Vector *inputs, *funcs;
	struct cntk_v2_graph g = { 0 };
	uint64_t n;
	int r;

	if ((r = check_header(c, top)) < 0)
		return r;
	inputs = cntk_v2_get(top, "inputs")->vector_value;
	funcs = cntk_v2_get(top, "primitive_functions")->vector_value;
	n = (uint64_t)inputs->n_value + funcs->n_value;
	if (n > c->l->max_nodes)
		return cntk_v2_reject(c, REASON_COUNT_LIMIT,
		    "%llu functions and variables (limit %u)",
		    (unsigned long long)n, c->l->max_nodes);
	g.root = cntk_v2_get(top, "root")->string_value;
	g.leaves = calloc(inputs->n_value + 1, sizeof(g.leaves[0]));
	g.fns = calloc(funcs->n_value + 1, sizeof(g.fns[0]));
	if (g.leaves == NULL || g.fns == NULL) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = check_nodes(c, &g, inputs, funcs)) == 0 &&
	    (r = cntk_v2_check_udf_markers(c)) == 0)
		r = cntk_v2_check_graph(c, &g);
out:
	free(g.leaves);
	free(g.fns);
	return r;
}
