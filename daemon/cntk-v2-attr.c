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

struct attr_type {
	const char	*name;
	int		 type;
	int		 elem;	/* item type of a Vector; 0: none */
};

/*
 * Every attribute name CNTK defines (PrimitiveFunctionAttribute.cpp), with
 * the type its readers use.  `offset` is SizeT for the delay ops and a
 * Vector for Crop, so the per-op tables pin it down.
 */
static const struct attr_type attr_types[] = {
	{ "BlankTokenId", T_SIZE, 0 }, { "DelayConstraint", T_INT, 0 },
	{ "DeletionPenalty", T_FLOAT, 0 }, { "DoReferenceAlign", T_BOOL, 0 },
	{ "FrameDropThresh", T_FLOAT, 0 }, { "HSmoothingWeight", T_FLOAT, 0 },
	{ "InsertionPenalty", T_FLOAT, 0 }, { "LatticeConfigPath", T_STR, 0 },
	{ "OutputSparse", T_BOOL, 0 }, { "PhonePath", T_STR, 0 },
	{ "SeqGammarAMF", T_FLOAT, 0 }, { "SeqGammarBMMIFactor", T_FLOAT, 0 },
	{ "SeqGammarLMF", T_FLOAT, 0 }, { "SeqGammarUsesMBR", T_BOOL, 0 },
	{ "SeqGammarWordPen", T_FLOAT, 0 }, { "SquashInputs", T_BOOL, 0 },
	{ "StateListPath", T_STR, 0 }, { "SubstitutionPenalty", T_FLOAT, 0 },
	{ "SymListPath", T_STR, 0 }, { "TokensToIgnore", T_VEC, T_SIZE },
	{ "TransProbPath", T_STR, 0 }, { "allowDuplicates", T_BOOL, 0 },
	{ "alpha", T_ANY, 0 }, { "autoPadding", T_VEC, T_BOOL },
	{ "axis", T_AXIS, 0 }, { "axis1", T_AXIS, 0 }, { "axis2", T_AXIS, 0 },
	{ "axisVec", T_VEC, T_AXIS }, { "beginAxis", T_AXIS, 0 },
	{ "beginIndex", T_INT, 0 }, { "beginIndexVec", T_VEC, T_INT },
	{ "beta", T_ANY, 0 }, { "bias", T_ANY, 0 },
	{ "bidirectional", T_BOOL, 0 }, { "blendTimeConstant", T_DOUBLE, 0 },
	{ "blockSize", T_ANY, 0 }, { "ceilOutDim", T_BOOL, 0 },
	{ "customAttributes", T_DICT, 0 }, { "customOp", T_STR, 0 },
	{ "depthRadius", T_ANY, 0 }, { "dilation", T_SHAPE, 0 },
	{ "disableRegularization", T_BOOL, 0 },
	{ "doVarianceScaling", T_BOOL, 0 }, { "dropoutRate", T_DOUBLE, 0 },
	{ "endAxis", T_AXIS, 0 }, { "endIndex", T_INT, 0 },
	{ "endIndexVec", T_VEC, T_INT }, { "epsilon", T_DOUBLE, 0 },
	{ "fillValue", T_DOUBLE, 0 }, { "gamma", T_ANY, 0 },
	{ "groups", T_SIZE, 0 }, { "hiddenSize", T_SIZE, 0 },
	{ "includePad", T_BOOL, 0 }, { "inferInputRankToMap", T_INT, 0 },
	{ "kernelShape", T_SHAPE, 0 }, { "lowerPad", T_SHAPE, 0 },
	{ "maxTempMemSizeInSamples", T_SIZE, 0 }, { "newDataType", T_INT, 0 },
	{ "newDynamicAxes", T_VEC, T_AXIS },
	{ "newSequenceAxisLengthAdditiveFactor", T_INT, 0 },
	{ "newSequenceAxisLengthScalingFactor", T_SIZE, 0 },
	{ "newShape", T_SHAPE, 0 }, { "normalizationTimeConstant", T_DOUBLE, 0 },
	{ "numClass", T_SIZE, 0 }, { "numItems", T_SIZE, 0 },
	{ "numLayers", T_SIZE, 0 }, { "numSamples", T_SIZE, 0 },
	{ "offset", T_ANY, 0 }, { "oneHotOutputSparse", T_BOOL, 0 },
	{ "onehotAxis", T_AXIS, 0 }, { "outputRank", T_SIZE, 0 },
	{ "outputShape", T_SHAPE, 0 }, { "paddingConstantValue", T_DOUBLE, 0 },
	{ "paddingFoot", T_VEC, T_SIZE }, { "paddingHead", T_VEC, T_SIZE },
	{ "paddingMode", T_SIZE, 0 }, { "poolingType", T_SIZE, 0 },
	{ "poolingWindowShape", T_SHAPE, 0 },
	{ "randomDistributionArgs", T_VEC, T_DOUBLE },
	{ "randomDistributionType", T_STR, 0 }, { "recurrentOp", T_STR, 0 },
	{ "reductionKeepDimensions", T_BOOL, 0 },
	{ "reductionOpName", T_STR, 0 }, { "rngOffset", T_SIZE, 0 },
	{ "rngSeed", T_SIZE, 0 }, { "roiOutputShape", T_SHAPE, 0 },
	{ "sequenceAxis", T_AXIS, 0 },
	{ "sequenceUnpackPaddingValue", T_DOUBLE, 0 },
	{ "sequenceUnpackSuppressMaskOutput", T_BOOL, 0 },
	{ "sequential", T_BOOL, 0 }, { "sharing", T_VEC, T_BOOL },
	{ "sliceStrides", T_INT, 0 }, { "sliceStridesVec", T_VEC, T_INT },
	{ "spatial", T_BOOL, 0 }, { "spatialScale", T_DOUBLE, 0 },
	{ "strides", T_SHAPE, 0 }, { "transA", T_BOOL, 0 },
	{ "transB", T_BOOL, 0 }, { "transpose", T_BOOL, 0 },
	{ "unpoolingWindowShape", T_SHAPE, 0 }, { "upperPad", T_SHAPE, 0 },
	{ "useCuDNNEngine", T_BOOL, 0 }, { "useStatsAcrossChannels", T_BOOL, 0 },
};

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
	{ 12, { { "axis1", ALT_A, 0, 0 }, { "axis2", ALT_A, 0, 0 },
	    { "axisVec", ALT_B, 0, 0 } } },				/* TransposeAxes */
	{ 13, { { "newDynamicAxes", REQ, 0, 0 } } },			/* Where */
	{ 14, { { "axis", ALT_A, 0, 0 }, { "beginIndex", ALT_A, 0, 0 },
	    { "endIndex", ALT_A, 0, 0 }, { "axisVec", ALT_B, 0, 0 },
	    { "beginIndexVec", ALT_B, 0, 0 },
	    { "endIndexVec", ALT_B, 0, 0 } } },			/* Slice */
	{ 15, { { "dropoutRate", REQ, 0, 0 } } },			/* Dropout */
	{ 16, { { "newShape", REQ, 0, 0 }, { "beginAxis", REQ, 0, 0 },
	    { "endAxis", REQ, 0, 0 } } },				/* Reshape */
	{ 17, { { "poolingType", REQ, 0, 0 },
	    { "poolingWindowShape", REQ, 0, 0 }, { "strides", REQ, 0, 0 },
	    { "lowerPad", REQ, 0, 0 }, { "upperPad", REQ, 0, 0 },
	    { "autoPadding", REQ, 0, 0 } } },			/* Pooling */
	{ 31, { { "outputRank", REQ, 0, 0 } } },			/* Times */
	{ 32, { { "outputRank", REQ, 0, 0 } } },			/* TransposeTimes */
	{ 33, { { "strides", REQ, 0, 0 }, { "sharing", REQ, 0, 0 },
	    { "autoPadding", REQ, 0, 0 }, { "lowerPad", REQ, 0, 0 },
	    { "upperPad", REQ, 0, 0 } } },				/* Convolution */
	{ 37, { { "offset", REQ, T_SIZE, 0 } } },			/* PastValue */
	{ 38, { { "offset", REQ, T_SIZE, 0 } } },			/* FutureValue */
	{ 39, { { "reductionOpName", REQ, 0, 0 }, { "axis", ALT_A, 0, 0 },
	    { "axisVec", ALT_B, 0, 0 } } },				/* ReduceElements */
	{ 40, { { "spatial", REQ, 0, 0 },
	    { "normalizationTimeConstant", REQ, 0, 0 },
	    { "blendTimeConstant", REQ, 0, 0 }, { "epsilon", REQ, 0, 0 },
	    { "useCuDNNEngine", REQ, 0, 0 } } },			/* BatchNormalization */
	{ 43, { { "axis", REQ, 0, 0 } } },				/* Splice */
	{ 45, { { "numSamples", REQ, 0, 0 },
	    { "allowDuplicates", REQ, 0, 0 } } },			/* RandomSample */
	{ 46, { { "numSamples", REQ, 0, 0 },
	    { "allowDuplicates", REQ, 0, 0 } } },	/* RandomSampleInclusionFrequency */
	{ 47, { { "roiOutputShape", REQ, 0, 0 } } },		/* ROIPooling */
	{ 49, { { "bidirectional", REQ, 0, 0 }, { "numLayers", REQ, 0, 0 },
	    { "hiddenSize", REQ, 0, 0 },
	    { "recurrentOp", REQ, 0, 0 } } },			/* OptimizedRNNStack */
	{ 58, { { "poolingType", REQ, 0, 0 },
	    { "unpoolingWindowShape", REQ, 0, 0 }, { "strides", REQ, 0, 0 },
	    { "lowerPad", REQ, 0, 0 }, { "upperPad", REQ, 0, 0 },
	    { "autoPadding", REQ, 0, 0 } } },			/* Unpooling */
	{ 61, { { "SubstitutionPenalty", REQ, 0, 0 },
	    { "DeletionPenalty", REQ, 0, 0 },
	    { "InsertionPenalty", REQ, 0, 0 }, { "SquashInputs", REQ, 0, 0 },
	    { "TokensToIgnore", REQ, 0, 0 } } },		/* EditDistanceError */
	{ 66, { { "DelayConstraint", REQ, 0, 0 },
	    { "BlankTokenId", REQ, 0, 0 } } },			/* ForwardBackward */
	{ 68, { { "numClass", REQ, 0, 0 }, { "oneHotOutputSparse", REQ, 0, 0 },
	    { "onehotAxis", REQ, 0, 0 } } },				/* OneHot */
	{ 72, { { "sequenceUnpackPaddingValue", REQ, 0, 0 },
	    { "sequenceUnpackSuppressMaskOutput", REQ, 0, 0 } } },	/* UnpackSequence */
	{ 76, { { "randomDistributionType", REQ, 0, 0 },
	    { "randomDistributionArgs", REQ, 0, 0 } } },	/* RandomDistribution */
	{ 83, { { "paddingMode", REQ, 0, 0 }, { "paddingHead", REQ, 0, 0 },
	    { "paddingFoot", REQ, 0, 0 },
	    { "paddingConstantValue", REQ, 0, 0 } } },		/* Pad */
	{ 84, { { "offset", OPT, T_VEC, T_SIZE } } },		/* Crop */
	{ 87, { { "numItems", REQ, 0, 0 }, { "axis", ALT_A, 0, 0 },
	    { "axisVec", ALT_B, 0, 0 } } },				/* TopK */
	{ 89, { { "fillValue", REQ, 0, 0 } } },			/* ConstantOp */
	{ 91, { { "newDataType", REQ, 0, 0 } } },			/* Cast */
	{ 92, { { "OutputSparse", REQ, 0, 0 } } },			/* EyeLikeOp */
	{ 97, { { "strides", REQ, 0, 0 }, { "sharing", REQ, 0, 0 },
	    { "autoPadding", REQ, 0, 0 }, { "lowerPad", REQ, 0, 0 },
	    { "upperPad", REQ, 0, 0 } } },		/* ConvolutionSequenceShape */
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

static const struct attr_type *
attr_type_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(attr_types) / sizeof(attr_types[0]); i++)
		if (strcmp(attr_types[i].name, name) == 0)
			return &attr_types[i];
	return NULL;
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
value_ok(const char *name, const CNTK__Proto__DictionaryValue *v)
{
	if (strcmp(name, "poolingType") == 0)
		return v->size_t_value < POOLING_TYPES;
	if (strcmp(name, "paddingMode") == 0)
		return v->size_t_value < PADDING_MODES;
	if (strcmp(name, "newDataType") == 0)
		return data_type_ok(v->int_value);
	if (strcmp(name, "reductionOpName") == 0)
		return in_list(v->string_value, reduction_ops);
	if (strcmp(name, "recurrentOp") == 0)
		return in_list(v->string_value, recurrent_ops);
	if (strcmp(name, "randomDistributionType") == 0)
		return in_list(v->string_value, distributions);
	if (strcmp(name, "dropoutRate") == 0)
		return v->double_value >= 0.0 && v->double_value < 1.0;
	return true;
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
	rule = rule_find(o, e->key);
	if (rule != NULL && rule->type != 0)
		r = check_type(c, f, e->key, e->value, rule->type, rule->elem);
	else
		r = check_type(c, f, e->key, e->value, t->type, t->elem);
	if (r < 0)
		return r;
	if (t->type != T_ANY && !value_ok(e->key, e->value))
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
