/*
 * cntk-v2-attr.c: the attributes of each PrimitiveFunction (role: worker;
 * internal to the model library).
 *
 * CNTK reads each op's attributes with Value<T>(), which throws on a
 * missing key or a wrong type in the best case and, for the enum-like
 * ones, feeds the number straight into a switch or a cast (cntk-format.md
 * §2.12).  Here: only names CNTK defines, each with the type CNTK reads it
 * as; every attribute the op needs present; enum-like values in range.
 * The tables are data so that review is reading, not tracing code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cntk-v2.h"

/* Value types, short. */
#define T_BOOL		CNTK__PROTO__VALUE_TYPE__VALUE_BOOL
#define T_INT		CNTK__PROTO__VALUE_TYPE__VALUE_INT
#define T_SIZE		CNTK__PROTO__VALUE_TYPE__VALUE_SIZE_T
#define T_FLOAT		CNTK__PROTO__VALUE_TYPE__VALUE_FLOAT
#define T_DOUBLE	CNTK__PROTO__VALUE_TYPE__VALUE_DOUBLE
#define T_STR		CNTK__PROTO__VALUE_TYPE__VALUE_STRING
#define T_SHAPE		CNTK__PROTO__VALUE_TYPE__VALUE_ND_SHAPE
#define T_AXIS		CNTK__PROTO__VALUE_TYPE__VALUE_AXIS
#define T_VEC		CNTK__PROTO__VALUE_TYPE__VALUE_VECTOR
#define T_DICT		CNTK__PROTO__VALUE_TYPE__VALUE_DICTIONARY
#define T_ANY		(-1)	/* CNTK's type for it is not pinned down */

/* Whether an op needs an attribute: required, optional, or one of two. */
enum need {
	OPT = 0,
	REQ,
	ALT_A,		/* all ALT_A, or else all ALT_B, present */
	ALT_B,
};

/* Which range check an attribute's value gets (value_ok()). */
enum value_check {
	V_NONE = 0,
	V_POOLING,
	V_PADDING,
	V_DATA_TYPE,
	V_REDUCTION,
	V_RECURRENT,
	V_DISTRIBUTION,
	V_RATE,
};

struct attr_type {
	const char		*name;
	int			 type;
	int			 elem;	/* item type of a Vector; 0: none */
	enum value_check	 check;
};

/*
 * Every attribute name CNTK defines (PrimitiveFunctionAttribute.cpp), with
 * the type its readers use, sorted bytewise for bsearch().  `offset` is
 * SizeT for the delay ops and a Vector for Crop, so the per-op tables pin
 * it down.
 */
#define A(n, t)		{ n, t, 0, V_NONE }
#define AV(n, e)	{ n, T_VEC, e, V_NONE }
#define AC(n, t, c)	{ n, t, 0, c }

static const struct attr_type attr_types[] = {
	A("BlankTokenId", T_SIZE), A("DelayConstraint", T_INT),
	A("DeletionPenalty", T_FLOAT), A("DoReferenceAlign", T_BOOL),
	A("FrameDropThresh", T_FLOAT), A("HSmoothingWeight", T_FLOAT),
	A("InsertionPenalty", T_FLOAT), A("LatticeConfigPath", T_STR),
	A("OutputSparse", T_BOOL), A("PhonePath", T_STR),
	A("SeqGammarAMF", T_FLOAT), A("SeqGammarBMMIFactor", T_FLOAT),
	A("SeqGammarLMF", T_FLOAT), A("SeqGammarUsesMBR", T_BOOL),
	A("SeqGammarWordPen", T_FLOAT), A("SquashInputs", T_BOOL),
	A("StateListPath", T_STR), A("SubstitutionPenalty", T_FLOAT),
	A("SymListPath", T_STR), AV("TokensToIgnore", T_SIZE),
	A("TransProbPath", T_STR), A("allowDuplicates", T_BOOL),
	A("alpha", T_ANY), AV("autoPadding", T_BOOL), A("axis", T_AXIS),
	A("axis1", T_AXIS), A("axis2", T_AXIS), AV("axisVec", T_AXIS),
	A("beginAxis", T_AXIS), A("beginIndex", T_INT),
	AV("beginIndexVec", T_INT), A("beta", T_ANY), A("bias", T_ANY),
	A("bidirectional", T_BOOL), A("blendTimeConstant", T_DOUBLE),
	A("blockSize", T_ANY), A("ceilOutDim", T_BOOL),
	A("customAttributes", T_DICT), A("customOp", T_STR),
	A("depthRadius", T_ANY), A("dilation", T_SHAPE),
	A("disableRegularization", T_BOOL), A("doVarianceScaling", T_BOOL),
	AC("dropoutRate", T_DOUBLE, V_RATE), A("endAxis", T_AXIS),
	A("endIndex", T_INT), AV("endIndexVec", T_INT), A("epsilon", T_DOUBLE),
	A("fillValue", T_DOUBLE), A("gamma", T_ANY), A("groups", T_SIZE),
	A("hiddenSize", T_SIZE), A("includePad", T_BOOL),
	A("inferInputRankToMap", T_INT), A("kernelShape", T_SHAPE),
	A("lowerPad", T_SHAPE), A("maxTempMemSizeInSamples", T_SIZE),
	AC("newDataType", T_INT, V_DATA_TYPE), AV("newDynamicAxes", T_AXIS),
	A("newSequenceAxisLengthAdditiveFactor", T_INT),
	A("newSequenceAxisLengthScalingFactor", T_SIZE),
	A("newShape", T_SHAPE), A("normalizationTimeConstant", T_DOUBLE),
	A("numClass", T_SIZE), A("numItems", T_SIZE), A("numLayers", T_SIZE),
	A("numSamples", T_SIZE), A("offset", T_ANY),
	A("oneHotOutputSparse", T_BOOL), A("onehotAxis", T_AXIS),
	A("outputRank", T_SIZE), A("outputShape", T_SHAPE),
	A("paddingConstantValue", T_DOUBLE), AV("paddingFoot", T_SIZE),
	AV("paddingHead", T_SIZE), AC("paddingMode", T_SIZE, V_PADDING),
	AC("poolingType", T_SIZE, V_POOLING), A("poolingWindowShape", T_SHAPE),
	AV("randomDistributionArgs", T_DOUBLE),
	AC("randomDistributionType", T_STR, V_DISTRIBUTION),
	AC("recurrentOp", T_STR, V_RECURRENT),
	A("reductionKeepDimensions", T_BOOL),
	AC("reductionOpName", T_STR, V_REDUCTION), A("rngOffset", T_SIZE),
	A("rngSeed", T_SIZE), A("roiOutputShape", T_SHAPE),
	A("sequenceAxis", T_AXIS), A("sequenceUnpackPaddingValue", T_DOUBLE),
	A("sequenceUnpackSuppressMaskOutput", T_BOOL), A("sequential", T_BOOL),
	AV("sharing", T_BOOL), A("sliceStrides", T_INT),
	AV("sliceStridesVec", T_INT), A("spatial", T_BOOL),
	A("spatialScale", T_DOUBLE), A("strides", T_SHAPE),
	A("transA", T_BOOL), A("transB", T_BOOL), A("transpose", T_BOOL),
	A("unpoolingWindowShape", T_SHAPE), A("upperPad", T_SHAPE),
	A("useCuDNNEngine", T_BOOL), A("useStatsAcrossChannels", T_BOOL),
};

#undef A
#undef AV
#undef AC

#define ATTR_RULES_MAX	10u

struct attr_rule {
	const char	*name;
	enum need	 need;
	int		 type;	/* 0: as in attr_types */
	int		 elem;
};

struct op_rules {
	uint64_t		op;
	struct attr_rule	r[ATTR_RULES_MAX];
};

/* What each op needs (§2.12); ops not listed need nothing. */
static const struct op_rules op_rules[] = {
	/* TransposeAxes */
	{ 12, { { "axis1", ALT_A, 0, 0 }, { "axis2", ALT_A, 0, 0 },
	    { "axisVec", ALT_B, 0, 0 } } },
	/* Where */
	{ 13, { { "newDynamicAxes", REQ, 0, 0 } } },
	/* Slice */
	{ 14, { { "axis", ALT_A, 0, 0 }, { "beginIndex", ALT_A, 0, 0 },
	    { "endIndex", ALT_A, 0, 0 }, { "axisVec", ALT_B, 0, 0 },
	    { "beginIndexVec", ALT_B, 0, 0 },
	    { "endIndexVec", ALT_B, 0, 0 } } },
	/* Dropout */
	{ 15, { { "dropoutRate", REQ, 0, 0 } } },
	/* Reshape; beginAxis and endAxis default to the whole shape */
	{ 16, { { "newShape", REQ, 0, 0 } } },
	/* Pooling */
	{ 17, { { "poolingType", REQ, 0, 0 },
	    { "poolingWindowShape", REQ, 0, 0 }, { "strides", REQ, 0, 0 },
	    { "lowerPad", REQ, 0, 0 }, { "upperPad", REQ, 0, 0 },
	    { "autoPadding", REQ, 0, 0 } } },
	/* Times */
	{ 31, { { "outputRank", REQ, 0, 0 } } },
	/* TransposeTimes */
	{ 32, { { "outputRank", REQ, 0, 0 } } },
	/* Convolution */
	{ 33, { { "strides", REQ, 0, 0 }, { "sharing", REQ, 0, 0 },
	    { "autoPadding", REQ, 0, 0 }, { "lowerPad", REQ, 0, 0 },
	    { "upperPad", REQ, 0, 0 } } },
	/* PastValue */
	{ 37, { { "offset", REQ, T_SIZE, 0 } } },
	/* FutureValue */
	{ 38, { { "offset", REQ, T_SIZE, 0 } } },
	/* ReduceElements */
	{ 39, { { "reductionOpName", REQ, 0, 0 }, { "axis", ALT_A, 0, 0 },
	    { "axisVec", ALT_B, 0, 0 } } },
	/* BatchNormalization */
	{ 40, { { "spatial", REQ, 0, 0 },
	    { "normalizationTimeConstant", REQ, 0, 0 },
	    { "blendTimeConstant", REQ, 0, 0 }, { "epsilon", REQ, 0, 0 },
	    { "useCuDNNEngine", REQ, 0, 0 } } },
	/* Splice */
	{ 43, { { "axis", REQ, 0, 0 } } },
	/* RandomSample */
	{ 45, { { "numSamples", REQ, 0, 0 },
	    { "allowDuplicates", REQ, 0, 0 } } },
	/* RandomSampleInclusionFrequency */
	{ 46, { { "numSamples", REQ, 0, 0 },
	    { "allowDuplicates", REQ, 0, 0 } } },
	/* ROIPooling */
	{ 47, { { "roiOutputShape", REQ, 0, 0 } } },
	/* OptimizedRNNStack */
	{ 49, { { "bidirectional", REQ, 0, 0 }, { "numLayers", REQ, 0, 0 },
	    { "hiddenSize", REQ, 0, 0 },
	    { "recurrentOp", REQ, 0, 0 } } },
	/* Unpooling */
	{ 58, { { "poolingType", REQ, 0, 0 },
	    { "unpoolingWindowShape", REQ, 0, 0 }, { "strides", REQ, 0, 0 },
	    { "lowerPad", REQ, 0, 0 }, { "upperPad", REQ, 0, 0 },
	    { "autoPadding", REQ, 0, 0 } } },
	/* EditDistanceError */
	{ 61, { { "SubstitutionPenalty", REQ, 0, 0 },
	    { "DeletionPenalty", REQ, 0, 0 },
	    { "InsertionPenalty", REQ, 0, 0 }, { "SquashInputs", REQ, 0, 0 },
	    { "TokensToIgnore", REQ, 0, 0 } } },
	/* ForwardBackward */
	{ 66, { { "DelayConstraint", REQ, 0, 0 },
	    { "BlankTokenId", REQ, 0, 0 } } },
	/* OneHot */
	{ 68, { { "numClass", REQ, 0, 0 }, { "oneHotOutputSparse", REQ, 0, 0 },
	    { "onehotAxis", REQ, 0, 0 } } },
	/* UnpackSequence */
	{ 72, { { "sequenceUnpackPaddingValue", REQ, 0, 0 },
	    { "sequenceUnpackSuppressMaskOutput", REQ, 0, 0 } } },
	/* RandomDistribution */
	{ 76, { { "randomDistributionType", REQ, 0, 0 },
	    { "randomDistributionArgs", REQ, 0, 0 } } },
	/* Pad */
	{ 83, { { "paddingMode", REQ, 0, 0 }, { "paddingHead", REQ, 0, 0 },
	    { "paddingFoot", REQ, 0, 0 },
	    { "paddingConstantValue", REQ, 0, 0 } } },
	/* Crop */
	{ 84, { { "offset", OPT, T_VEC, T_SIZE } } },
	/* TopK */
	{ 87, { { "numItems", REQ, 0, 0 }, { "axis", ALT_A, 0, 0 },
	    { "axisVec", ALT_B, 0, 0 } } },
	/* ConstantOp */
	{ 89, { { "fillValue", REQ, 0, 0 } } },
	/* Cast */
	{ 91, { { "newDataType", REQ, 0, 0 } } },
	/* EyeLikeOp */
	{ 92, { { "OutputSparse", REQ, 0, 0 } } },
	/* ConvolutionSequenceShape */
	{ 97, { { "strides", REQ, 0, 0 }, { "sharing", REQ, 0, 0 },
	    { "autoPadding", REQ, 0, 0 }, { "lowerPad", REQ, 0, 0 },
	    { "upperPad", REQ, 0, 0 } } },
};

/* Enum-like String attributes and the values CNTK's readers know. */
static const char *const reduction_ops[] = {
	"Sum", "LogSum", "Mean", "Max", "Min", "Prod", "Argmax", "Argmin",
	"All", "Any", NULL,
};
static const char *const recurrent_ops[] = {
	"lstm", "gru", "rnnReLU", "rnnTanh", NULL,
};
static const char *const distributions[] = {
	"uniform", "normal", "gumbel", "bernoulli", NULL,
};

#define POOLING_TYPES	2u	/* max, average */
#define PADDING_MODES	3u	/* constant, reflect, symmetric */

static int
attr_type_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct attr_type *)elem)->name);
}

/* attr_types[] is sorted bytewise, which its review keeps true. */
static const struct attr_type *
attr_type_find(const char *name)
{
	return bsearch(name, attr_types, sizeof(attr_types) /
	    sizeof(attr_types[0]), sizeof(attr_types[0]), attr_type_cmp);
}

static const struct op_rules *
op_rules_find(uint64_t op)
{
	size_t i;

	for (i = 0; i < sizeof(op_rules) / sizeof(op_rules[0]); i++)
		if (op_rules[i].op == op)
			return &op_rules[i];
	return NULL;
}

static const struct attr_rule *
rule_find(const struct op_rules *o, const char *name)
{
	size_t i;

	for (i = 0; o != NULL && i < ATTR_RULES_MAX &&
	    o->r[i].name != NULL; i++)
		if (strcmp(o->r[i].name, name) == 0)
			return &o->r[i];
	return NULL;
}

static int
check_type(struct cntk_v2 *c, const struct cntk_v2_fn *f, const char *name,
    const CNTK__Proto__DictionaryValue *v, int type, int elem)
{
	const CNTK__Proto__Vector *vec;
	size_t i;

	if (type == T_ANY)
		return 0;
	if ((int)v->value_type != type)
		return cntk_v2_reject(c, REASON_WRONG_TYPE,
		    "'%s' attribute '%s' has value_type %d, CNTK reads %d",
		    f->uid, name, (int)v->value_type, type);
	if (type != T_VEC || elem == 0)
		return 0;
	vec = v->vector_value;
	for (i = 0; i < vec->n_value; i++)
		if ((int)vec->value[i]->value_type != elem)
			return cntk_v2_reject(c, REASON_WRONG_TYPE,
			    "'%s' attribute '%s' item %zu has value_type %d, "
			    "CNTK reads %d", f->uid, name, i,
			    (int)vec->value[i]->value_type, elem);
	return 0;
}

static bool
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static bool
data_type_ok(int64_t t)
{
	return t == 1 || t == 2 || t == 4 || t == 5 || t == 6;
}

/*
 * Values CNTK casts to an enum or switches on without a default: out of
 * range they pick no branch or an undefined one.
 */
static bool
value_ok(enum value_check check, const CNTK__Proto__DictionaryValue *v)
{
	switch (check) {
	case V_POOLING:
		return v->size_t_value < POOLING_TYPES;
	case V_PADDING:
		return v->size_t_value < PADDING_MODES;
	case V_DATA_TYPE:
		return data_type_ok(v->int_value);
	case V_REDUCTION:
		return in_list(v->string_value, reduction_ops);
	case V_RECURRENT:
		return in_list(v->string_value, recurrent_ops);
	case V_DISTRIBUTION:
		return in_list(v->string_value, distributions);
	case V_RATE:
		return v->double_value >= 0.0 && v->double_value < 1.0;
	default:
		return true;
	}
}

static int
check_one(struct cntk_v2 *c, const struct cntk_v2_fn *f,
    const struct op_rules *o, const CNTK__Proto__Dictionary__DataEntry *e)
{
	const struct attr_type *t;
	const struct attr_rule *rule;
	int r;

	if (e->value == NULL)
		return cntk_v2_reject(c, REASON_WRONG_TYPE,
		    "'%s' attribute '%s' has no value", f->uid, e->key);
	if ((t = attr_type_find(e->key)) == NULL)
		return cntk_v2_reject(c, REASON_UNKNOWN_ATTRIBUTE,
		    "'%s' has attribute '%s', which CNTK does not define",
		    f->uid, e->key);
	/* Only names without one type of their own have per-op types. */
	rule = t->type == T_ANY ? rule_find(o, e->key) : NULL;
	if (rule != NULL && rule->type != 0)
		r = check_type(c, f, e->key, e->value, rule->type, rule->elem);
	else
		r = check_type(c, f, e->key, e->value, t->type, t->elem);
	if (r < 0)
		return r;
	if (!value_ok(t->check, e->value))
		return cntk_v2_reject(c, REASON_BAD_ATTRIBUTE_VALUE,
		    "'%s' attribute '%s' has a value CNTK does not handle",
		    f->uid, e->key);
	return 0;
}

/* Required attributes present; of two alternative sets, one complete. */
static int
check_needed(struct cntk_v2 *c, const struct cntk_v2_fn *f,
    const struct op_rules *o)
{
	bool has_a = true, has_b = true, any_alt = false;
	const char *missing = NULL;
	size_t i;

	for (i = 0; o != NULL && i < ATTR_RULES_MAX && o->r[i].name != NULL;
	    i++) {
		bool here = cntk_v2_get(f->attrs, o->r[i].name) != NULL;

		if (o->r[i].need == REQ && !here && missing == NULL)
			missing = o->r[i].name;
		if (o->r[i].need == ALT_A) {
			any_alt = true;
			has_a = has_a && here;
		} else if (o->r[i].need == ALT_B)
			has_b = has_b && here;
	}
	for (i = 0; missing == NULL && any_alt && !has_a && !has_b; i++)
		if (o->r[i].need == ALT_A)
			missing = o->r[i].name;
	if (missing != NULL)
		return cntk_v2_reject(c, REASON_MISSING_ATTRIBUTE,
		    "'%s' (%s) lacks attribute '%s'", f->uid,
		    cntk_v2_op_name(f->op), missing);
	return 0;
}

int
cntk_v2_check_attrs(struct cntk_v2 *c, const struct cntk_v2_fn *f)
{
	const struct op_rules *o = op_rules_find(f->op);
	size_t i;
	int r;

	for (i = 0; i < f->attrs->n_data; i++)
		if ((r = check_one(c, f, o, f->attrs->data[i])) < 0)
			return r;
	return check_needed(c, f, o);
}
