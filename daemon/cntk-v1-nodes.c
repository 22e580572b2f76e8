/*
 * cntk-v1-nodes.c: the payload of every CNTK v1 node type we accept
 * (role: worker; internal to the model library).
 *
 * A v1 node payload has no length prefix (cntk-format.md §3.4), so a node
 * type that we cannot read exactly makes the rest of the file unreadable:
 * such types are rejected (unknown-node-type), never skipped.  The table
 * holds every type of CNTK's last release whose payload §3.4 documents,
 * and the types known to have none.  Payload layouts branch on the model
 * version; each reader says which version added which field.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cntk-v1.h"

struct v1_node_type {
	const char	*name;
	int		(*read)(struct cntk_v1 *);	/* NULL: no payload */
};

/* The 8-bit format strings in Trace's formatting options. */
#define V1_TRACE_FORMATS	8u
/* NoiseContrastiveEstimation eval modes: Softmax, Unnormalized, None. */
#define V1_NCE_MODES	3

/* CNTK checks the value's size against the declared shape; so do we. */
static int
v1_param_value(struct cntk_v1 *c, uint64_t want)
{
	uint64_t n;
	int r;

	if ((r = v1_matrix(c, &n)) < 0)
		return r;
	if (n != want)
		return v1_fail(c, REASON_SHAPE_MISMATCH,
		    "shape holds %llu elements, its matrix %llu",
		    (unsigned long long)want, (unsigned long long)n);
	c->params += n;
	return 0;
}

static int
read_learnable(struct cntk_v1 *c)
{
	struct v1_shape s;
	uint64_t rows, cols;
	int r;

	if (c->version >= V_TENSOR) {
		if ((r = v1_f32(c)) < 0 || (r = v1_shape(c, false, &s)) < 0)
			return r;
		return v1_param_value(c, s.elements);
	}
	if ((r = v1_bool(c, NULL)) < 0 || (r = v1_u64(c, &rows)) < 0 ||
	    (r = v1_u64(c, &cols)) < 0)
		return r;
	if (rows == 0) {
		if ((r = v1_shape(c, true, &s)) < 0)
			return r;
		return v1_param_value(c, s.elements);
	}
	if (__builtin_mul_overflow(rows, cols, &rows))
		return v1_fail(c, REASON_SHAPE_MISMATCH,
		    "rows x cols overflows");
	return v1_param_value(c, rows);
}

static int
read_input(struct cntk_v1 *c)
{
	uint32_t axes;
	int r;

	if ((r = v1_u64s(c, 2)) < 0 || (r = v1_shape(c, true, NULL)) < 0)
		return r;
	if (c->version >= V_DYN_AXIS) {
		if ((r = v1_u32(c, &axes)) < 0)
			return r;
		if (axes > 1)
			return v1_fail(c, REASON_BAD_STRUCTURE,
			    "%u dynamic axes (CNTK allows 0 or 1)", axes);
		/* "" names the default dynamic axis; real files have it. */
		if (axes == 1 && (r = v1_wstr(c, true, NULL)) < 0)
			return r;
	}
	if (c->version >= V_INPUT_LR)
		return v1_f32(c);
	return 0;
}

static int
read_precomputed(struct cntk_v1 *c)
{
	uint64_t n;
	int r;

	if ((r = v1_bool(c, NULL)) < 0 || (r = v1_matrix(c, &n)) < 0)
		return r;
	c->consts += n;
	return 0;
}

static int
read_times(struct cntk_v1 *c)
{
	int r = 0;

	if (c->version >= V_TENSOR)
		r = v1_u64s(c, 1);
	if (r == 0 && c->version >= V_TIMES_INFER)
		r = v1_i32s(c, 1);
	return r;
}

static int
read_quantized_times(struct cntk_v1 *c)
{
	int r;

	if ((r = read_times(c)) < 0)
		return r;
	return v1_u64s(c, 2);
}

static int
read_delay(struct cntk_v1 *c)
{
	int r;

	if ((r = v1_i32s(c, 1)) < 0)
		return r;
	if (c->version > V_TENSOR)
		r = v1_shape(c, false, NULL);
	else
		r = v1_u64s(c, 2);
	if (r < 0)
		return r;
	return c->version >= 2 ? v1_elem(c) : 0;
}

/* A count of axes, bounded like a shape's rank. */
static int
v1_axis_count(struct cntk_v1 *c, int32_t n)
{
	if (n < 1 || n > (int32_t)CNTK_V1_RANK_MAX)
		return v1_fail(c, REASON_BAD_STRUCTURE,
		    "%d axes (1 to %u)", (int)n, CNTK_V1_RANK_MAX);
	return 0;
}

static int
read_reduce(struct cntk_v1 *c)
{
	int32_t n = 1;
	int r;

	if (c->version >= V_STRIDE && ((r = v1_i32(c, &n)) < 0 ||
	    (r = v1_axis_count(c, n)) < 0))
		return r;
	if ((r = v1_i32s(c, (unsigned)n)) < 0 ||
	    (r = v1_wstr(c, false, NULL)) < 0)
		return r;
	if (c->version >= V_KEEP_DIMS)
		return v1_bool(c, NULL);
	return 0;
}

static int
read_reshape(struct cntk_v1 *c)
{
	int r;

	if ((r = v1_i32s(c, 2)) < 0)
		return r;
	return v1_shape(c, false, NULL);
}

static int
read_legacy_reshape(struct cntk_v1 *c)
{
	int r;

	if ((r = v1_u64s(c, 1)) < 0)
		return r;
	return v1_shape(c, true, NULL);
}

static int
read_slice(struct cntk_v1 *c)
{
	int64_t begin, length, end;
	int32_t n = 1, i;
	int r;

	if (c->version >= V_MULTI_SLICE && ((r = v1_i32(c, &n)) < 0 ||
	    (r = v1_axis_count(c, n)) < 0))
		return r;
	for (i = 0; i < n; i++) {
		if ((r = v1_i64(c, &begin)) < 0 || (r = v1_i64(c, &length)) < 0)
			return r;
		/* CNTK computes end = begin + length. */
		if (__builtin_add_overflow(begin, length, &end))
			return v1_fail(c, REASON_BAD_STRUCTURE,
			    "slice end overflows");
		if (c->version >= V_TENSOR && (r = v1_i32s(c, 1)) < 0)
			return r;
		if (c->version >= V_STRIDE && (r = v1_i32s(c, 1)) < 0)
			return r;
	}
	return 0;
}

static int
read_v3_i32(struct cntk_v1 *c)
{
	return c->version >= V_TENSOR ? v1_i32s(c, 1) : 0;
}

static int
read_u64(struct cntk_v1 *c)
{
	return v1_u64s(c, 1);
}

/* The permutation must name every axis once, or CNTK indexes past it. */
static int
read_permutation(struct cntk_v1 *c)
{
	uint64_t n, p, i;
	unsigned seen = 0;
	int r;

	if ((r = v1_u64(c, &n)) < 0)
		return r;
	if (n < 1 || n > CNTK_V1_RANK_MAX)
		return v1_fail(c, REASON_BAD_STRUCTURE,
		    "permutation of %llu axes", (unsigned long long)n);
	for (i = 0; i < n; i++) {
		if ((r = v1_u64(c, &p)) < 0)
			return r;
		if (p >= n || (seen & (1u << p)) != 0)
			return v1_fail(c, REASON_BAD_STRUCTURE,
			    "permutation entry %llu is not a permutation",
			    (unsigned long long)p);
		seen |= 1u << p;
	}
	return 0;
}

static int
read_transpose(struct cntk_v1 *c)
{
	int32_t a, b;
	int r;

	if (c->version < V_TENSOR)
		return 0;
	if ((r = v1_i32(c, &a)) < 0 || (r = v1_i32(c, &b)) < 0)
		return r;
	if (c->version >= V_PERMUTE && a == 0 && b == 0)
		return read_permutation(c);
	return 0;
}

/* Axis and property names are data: "" is a name CNTK can write. */
static int
read_where(struct cntk_v1 *c)
{
	return c->version >= V_WHERE_AXIS ? v1_wstr(c, true, NULL) : 0;
}

static int
read_wstr(struct cntk_v1 *c)
{
	return v1_wstr(c, true, NULL);
}

static int
read_unpack(struct cntk_v1 *c)
{
	int r;

	if ((r = v1_elem(c)) < 0)
		return r;
	return v1_bool(c, NULL);
}

static int
read_crop(struct cntk_v1 *c)
{
	return v1_f64s(c, 2);
}

static int
read_rnn(struct cntk_v1 *c)
{
	int r;

	if ((r = v1_u64s(c, 3)) < 0 || (r = v1_wstr(c, false, NULL)) < 0)
		return r;
	return c->version >= V_RNN_AXIS ? v1_i32s(c, 1) : 0;
}

/* True when a precision tag or ENodeList starts `off` bytes ahead. */
static bool
v1_record_at(const struct cntk_v1 *c, size_t off)
{
	static const char *const next[] = {
		"float", "double", "half", "ENodeList",
	};
	struct cntk_v1 at = *c;
	size_t i;

	if (off > c->len - c->pos)
		return false;
	at.pos += off;
	for (i = 0; i < sizeof(next) / sizeof(next[0]); i++)
		if (v1_peek(&at, next[i]))
			return true;
	return false;
}

/*
 * Version 16 wrote the seed as `unsigned long`: 4 bytes from Windows, 8
 * from Linux, and the file does not say which (§3.5).  The RNG state ends
 * every payload that has it, so exactly one width must put the next node
 * record (or ENodeList) right after the 8-byte offset; otherwise the file
 * is ambiguous and refused.
 */
static int
read_rng(struct cntk_v1 *c)
{
	bool narrow, wide;
	uint32_t seed;
	int r;

	if (c->version < V_RNG_ULONG)
		return 0;
	if (c->version >= V_RNG_U64)
		return v1_u64s(c, 2);
	narrow = v1_record_at(c, 4 + 8);
	wide = v1_record_at(c, 8 + 8);
	if (narrow == wide)
		return v1_fail(c, REASON_BAD_STRUCTURE,
		    "version-16 RNG seed width is ambiguous at byte %zu",
		    c->pos);
	if (narrow && (r = v1_u32(c, &seed)) < 0)
		return r;
	if (wide && (r = v1_u64s(c, 1)) < 0)
		return r;
	return v1_u64s(c, 1);
}

static int
read_random_sample(struct cntk_v1 *c)
{
	int r;

	if ((r = v1_bool(c, NULL)) < 0 || (r = v1_u64s(c, 1)) < 0)
		return r;
	return read_rng(c);
}

static int
read_edit_distance(struct cntk_v1 *c)
{
	uint64_t n;
	int r;

	/* three penalties, squash; then the tokens to ignore */
	if ((r = v1_f32s(c, 3)) < 0 || (r = v1_bool(c, NULL)) < 0 ||
	    (r = v1_u64(c, &n)) < 0)
		return r;
	/* A count of 0 makes CNTK read until the stream fails (§3.1). */
	if (n == 0 || n > c->l->max_entries)
		return v1_fail(c, REASON_COUNT_LIMIT,
		    "%llu tokens to ignore (1 to %u)", (unsigned long long)n,
		    c->l->max_entries);
	if (n > (c->len - c->pos) / 8)
		return v1_fail(c, REASON_DECODE_ERROR,
		    "%llu tokens do not fit in the file",
		    (unsigned long long)n);
	return v1_u64s(c, (unsigned)n);
}

static int
read_forward_backward(struct cntk_v1 *c)
{
	int r;

	if ((r = v1_i32s(c, 1)) < 0)
		return r;
	return v1_u64s(c, 1);
}

static int
read_bool(struct cntk_v1 *c)
{
	return v1_bool(c, NULL);
}

static int
read_shift(struct cntk_v1 *c)
{
	return v1_i32s(c, 3);
}

/*
 * CNTK reads the eval mode and, when it is out of range, seeks back and
 * takes it as absent: mirror that, or we would read the file differently.
 */
static int
read_nce(struct cntk_v1 *c)
{
	const uint8_t *p = c->in + c->pos;
	uint32_t v;

	if (c->len - c->pos < 4)
		return 0;
	v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
	if (v >= V1_NCE_MODES)
		return 0;
	return v1_u32(c, &v);
}

/*
 * The label-mapping file is opened when the node prints (§5.1): a host
 * file reference like LatticeSequenceWithSoftmax's, refused unless empty.
 */
static int
read_trace(struct cntk_v1 *c)
{
	struct v1_str path;
	unsigned i;
	int r;

	/* message, log first, log frequency, log gradient; options */
	if ((r = v1_wstr(c, true, NULL)) < 0 || (r = v1_u64s(c, 2)) < 0 ||
	    (r = v1_bools_n(c, 2)) < 0 || (r = v1_wstr(c, true, &path)) < 0)
		return r;
	if (path.units != 0)
		return v1_fail(c, REASON_HOST_FILE_REFERENCE,
		    "names a label-mapping file that CNTK would open");
	if ((r = v1_bools_n(c, 2)) < 0)
		return r;
	for (i = 0; i < V1_TRACE_FORMATS; i++)
		if ((r = v1_cstr(c, NULL)) < 0)
			return r;
	return v1_u64s(c, 2);
}

/* CNTK opens the five files this node names while it loads (§5.1). */
static int
read_lattice(struct cntk_v1 *c)
{
	return v1_fail(c, REASON_HOST_FILE_REFERENCE,
	    "names host files that CNTK opens at load");
}

/* Sorted by strcmp() for bsearch(); test-cntk-v1 checks the order. */
static const struct v1_node_type v1_types[] = {
	{ "Abs", NULL },
	{ "Acos", NULL },
	{ "Asin", NULL },
	{ "AveragePooling", v1_read_legacy_pooling },
	{ "BatchNormalization", v1_read_batchnorm },
	{ "Cast", NULL },
	{ "ClassBasedCrossEntropyWithSoftmax", NULL },
	{ "ClassificationError", NULL },
	{ "Clip", NULL },
	{ "ColumnElementTimes", NULL },
	{ "Convolution", v1_read_convolution },
	{ "ConvolutionSequenceShape", v1_read_convolution },
	{ "CosDistance", NULL },
	{ "CosDistanceWithNegativeSamples", NULL },
	{ "Cosh", NULL },
	{ "Cosine", NULL },
	{ "Crop", read_crop },
	{ "CrossEntropy", NULL },
	{ "CrossEntropyWithSoftmax", NULL },
	{ "Delay", read_delay },
	{ "DiagTimes", NULL },
	{ "Diagonal", NULL },
	{ "Dropout", read_rng },
	{ "DummyCriterion", NULL },
	{ "DynamicAxis", NULL },
	{ "EditDistanceError", read_edit_distance },
	{ "ElementTimes", NULL },
	{ "EnvironmentInput", read_wstr },
	{ "Equal", NULL },
	{ "ErrorPrediction", NULL },
	{ "Exp", NULL },
	{ "EyeLikeOp", read_bool },
	{ "Floor", NULL },
	{ "ForwardBackward", read_forward_backward },
	{ "FutureValue", read_delay },
	{ "GatherPacked", NULL },
	{ "Greater", NULL },
	{ "GreaterEqual", NULL },
	{ "Hardmax", NULL },
	{ "If", NULL },
	{ "InputValue", read_input },
	{ "InvStdDev", read_precomputed },
	{ "KhatriRaoProduct", NULL },
	{ "LabelsToGraph", NULL },
	{ "LambdaRank", NULL },
	{ "LatticeSequenceWithSoftmax", read_lattice },
	{ "LearnableParameter", read_learnable },
	{ "LegacyReshape", read_legacy_reshape },
	{ "Less", NULL },
	{ "LessEqual", NULL },
	{ "Log", NULL },
	{ "LogPlus", NULL },
	{ "LogSoftmax", NULL },
	{ "Logistic", NULL },
	{ "LookupTable", NULL },
	{ "MatrixL1Reg", NULL },
	{ "MatrixL2Reg", NULL },
	{ "MaxPooling", v1_read_legacy_pooling },
	{ "MaxUnpooling", v1_read_pooling },
	{ "Mean", read_precomputed },
	{ "Minus", NULL },
	{ "NDCG1Eval", NULL },
	{ "Negate", NULL },
	{ "NoiseContrastiveEstimation", read_nce },
	{ "NotEqual", NULL },
	{ "OptimizedRNNStack", read_rnn },
	{ "PackedIndex", NULL },
	{ "Pass", NULL },
	{ "PastValue", read_delay },
	{ "PerDimMeanVarDeNormalization", NULL },
	{ "PerDimMeanVarDeNormalizationNode", NULL },
	{ "PerDimMeanVarNormalization", NULL },
	{ "PerDimMeanVarNormalizationNode", NULL },
	{ "Plus", NULL },
	{ "Pooling", v1_read_pooling },
	{ "QuantizedTimes", read_quantized_times },
	{ "RNN", read_rnn },
	{ "ROIPooling", v1_read_roi_pooling },
	{ "RandomSample", read_random_sample },
	{ "RandomSampleInclusionFrequency", read_random_sample },
	{ "Reciprocal", NULL },
	{ "ReconcileDynamicAxis", NULL },
	{ "ReconcileMBLayout", NULL },
	{ "RectifiedLinear", NULL },
	{ "ReduceElements", read_reduce },
	{ "Reshape", read_reshape },
	{ "RowElementTimes", NULL },
	{ "RowRepeat", read_u64 },
	{ "RowSlice", read_slice },
	{ "RowStack", read_v3_i32 },
	{ "Scale", NULL },
	{ "ScatterPacked", NULL },
	{ "SequenceWithSoftmax", NULL },
	{ "Shift", read_shift },
	{ "Sigmoid", NULL },
	{ "Sin", NULL },
	{ "Sinh", NULL },
	{ "Slice", read_slice },
	{ "Softmax", NULL },
	{ "SparseInputValue", read_input },
	{ "Sqrt", NULL },
	{ "SquareError", NULL },
	{ "StableSigmoid", NULL },
	{ "StopGradient", NULL },
	{ "SumColumnElements", NULL },
	{ "SumElements", NULL },
	{ "Tanh", NULL },
	{ "Times", read_times },
	{ "ToSequence", read_wstr },
	{ "Trace", read_trace },
	{ "Transpose", read_transpose },
	{ "TransposeDimensions", read_transpose },
	{ "TransposeTimes", read_times },
	{ "UnpackSequence", read_unpack },
	{ "Where", read_where },
};

#define V1_N_TYPES	(sizeof(v1_types) / sizeof(v1_types[0]))

static int
v1_type_cmp(const void *key, const void *elem)
{
	const struct v1_node_type *t = elem;

	return strcmp(key, t->name);
}

const struct v1_node_type *
v1_node_type_find(const char *type)
{
	return bsearch(type, v1_types, V1_N_TYPES, sizeof(v1_types[0]),
	    v1_type_cmp);
}

bool
v1_node_type_delays(const struct v1_node_type *t)
{
	return t->read == read_delay;
}

const char *
v1_node_type_name(const struct v1_node_type *t)
{
	return t->name;
}

int
v1_node_payload(struct cntk_v1 *c, const struct v1_node_type *t)
{
	return t->read != NULL ? t->read(c) : 0;
}

bool
v1_node_table_sorted(void)
{
	size_t i;

	for (i = 1; i < V1_N_TYPES; i++)
		if (strcmp(v1_types[i - 1].name, v1_types[i].name) >= 0)
			return false;
	return true;
}
