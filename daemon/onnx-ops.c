/*
 * onnx-ops.c: the operators of the default ONNX domain that a model may use
 * (role: worker; pure table).
 *
 * One row per op type of ai.onnx opsets 1 to ONNX_OPSET_MAX: the opset
 * that introduced it and, for the two that were withdrawn, the opset that
 * withdrew it.  An op used in a model whose opset predates it (or follows
 * its withdrawal) means something else to every runtime, or nothing, so
 * it is refused like an unknown one.  The names and versions are facts of
 * the ONNX operator specification.
 */
#include <stdlib.h>
#include <string.h>

#include "onnx-internal.h"

struct onnx_op {
	const char	*name;
	int		 since;		/* first opset with this op */
	int		 until;		/* first opset without it; 0: none */
};

/* Sorted by name (strcmp) for bsearch. */
static const struct onnx_op onnx_ops[] = {
	{ "Abs", 1, 0 },
	{ "Acos", 7, 0 },
	{ "Acosh", 9, 0 },
	{ "Add", 1, 0 },
	{ "And", 1, 0 },
	{ "ArgMax", 1, 0 },
	{ "ArgMin", 1, 0 },
	{ "Asin", 7, 0 },
	{ "Asinh", 9, 0 },
	{ "Atan", 7, 0 },
	{ "Atanh", 9, 0 },
	{ "AveragePool", 1, 0 },
	{ "BatchNormalization", 1, 0 },
	{ "Bernoulli", 15, 0 },
	{ "BitShift", 11, 0 },
	{ "BlackmanWindow", 17, 0 },
	{ "Cast", 1, 0 },
	{ "CastLike", 15, 0 },
	{ "Ceil", 1, 0 },
	{ "Celu", 12, 0 },
	{ "Clip", 1, 0 },
	{ "Compress", 9, 0 },
	{ "Concat", 1, 0 },
	{ "ConcatFromSequence", 11, 0 },
	{ "Constant", 1, 0 },
	{ "ConstantOfShape", 9, 0 },
	{ "Conv", 1, 0 },
	{ "ConvInteger", 10, 0 },
	{ "ConvTranspose", 1, 0 },
	{ "Cos", 7, 0 },
	{ "Cosh", 9, 0 },
	{ "CumSum", 11, 0 },
	{ "DFT", 17, 0 },
	{ "DepthToSpace", 1, 0 },
	{ "DequantizeLinear", 10, 0 },
	{ "Det", 11, 0 },
	{ "Div", 1, 0 },
	{ "Dropout", 1, 0 },
	{ "DynamicQuantizeLinear", 11, 0 },
	{ "Einsum", 12, 0 },
	{ "Elu", 1, 0 },
	{ "Equal", 1, 0 },
	{ "Erf", 9, 0 },
	{ "Exp", 1, 0 },
	{ "Expand", 8, 0 },
	{ "EyeLike", 9, 0 },
	{ "Flatten", 1, 0 },
	{ "Floor", 1, 0 },
	{ "GRU", 1, 0 },
	{ "Gather", 1, 0 },
	{ "GatherElements", 11, 0 },
	{ "GatherND", 11, 0 },
	{ "Gemm", 1, 0 },
	{ "GlobalAveragePool", 1, 0 },
	{ "GlobalLpPool", 1, 0 },
	{ "GlobalMaxPool", 1, 0 },
	{ "Greater", 1, 0 },
	{ "GreaterOrEqual", 12, 0 },
	{ "GridSample", 16, 0 },
	{ "HammingWindow", 17, 0 },
	{ "HannWindow", 17, 0 },
	{ "HardSigmoid", 1, 0 },
	{ "HardSwish", 14, 0 },
	{ "Hardmax", 1, 0 },
	{ "Identity", 1, 0 },
	{ "If", 1, 0 },
	{ "InstanceNormalization", 1, 0 },
	{ "IsInf", 10, 0 },
	{ "IsNaN", 9, 0 },
	{ "LRN", 1, 0 },
	{ "LSTM", 1, 0 },
	{ "LayerNormalization", 17, 0 },
	{ "LeakyRelu", 1, 0 },
	{ "Less", 1, 0 },
	{ "LessOrEqual", 12, 0 },
	{ "Log", 1, 0 },
	{ "LogSoftmax", 1, 0 },
	{ "Loop", 1, 0 },
	{ "LpNormalization", 1, 0 },
	{ "LpPool", 1, 0 },
	{ "MatMul", 1, 0 },
	{ "MatMulInteger", 10, 0 },
	{ "Max", 1, 0 },
	{ "MaxPool", 1, 0 },
	{ "MaxRoiPool", 1, 0 },
	{ "MaxUnpool", 9, 0 },
	{ "Mean", 1, 0 },
	{ "MeanVarianceNormalization", 9, 0 },
	{ "MelWeightMatrix", 17, 0 },
	{ "Min", 1, 0 },
	{ "Mod", 10, 0 },
	{ "Mul", 1, 0 },
	{ "Multinomial", 7, 0 },
	{ "Neg", 1, 0 },
	{ "NegativeLogLikelihoodLoss", 12, 0 },
	{ "NonMaxSuppression", 10, 0 },
	{ "NonZero", 9, 0 },
	{ "Not", 1, 0 },
	{ "OneHot", 9, 0 },
	{ "Optional", 15, 0 },
	{ "OptionalGetElement", 15, 0 },
	{ "OptionalHasElement", 15, 0 },
	{ "Or", 1, 0 },
	{ "PRelu", 1, 0 },
	{ "Pad", 1, 0 },
	{ "Pow", 1, 0 },
	{ "QLinearConv", 10, 0 },
	{ "QLinearMatMul", 10, 0 },
	{ "QuantizeLinear", 10, 0 },
	{ "RNN", 1, 0 },
	{ "RandomNormal", 1, 0 },
	{ "RandomNormalLike", 1, 0 },
	{ "RandomUniform", 1, 0 },
	{ "RandomUniformLike", 1, 0 },
	{ "Range", 11, 0 },
	{ "Reciprocal", 1, 0 },
	{ "ReduceL1", 1, 0 },
	{ "ReduceL2", 1, 0 },
	{ "ReduceLogSum", 1, 0 },
	{ "ReduceLogSumExp", 1, 0 },
	{ "ReduceMax", 1, 0 },
	{ "ReduceMean", 1, 0 },
	{ "ReduceMin", 1, 0 },
	{ "ReduceProd", 1, 0 },
	{ "ReduceSum", 1, 0 },
	{ "ReduceSumSquare", 1, 0 },
	{ "Relu", 1, 0 },
	{ "Reshape", 1, 0 },
	{ "Resize", 10, 0 },
	{ "ReverseSequence", 10, 0 },
	{ "RoiAlign", 10, 0 },
	{ "Round", 11, 0 },
	{ "STFT", 17, 0 },
	{ "Scan", 8, 0 },
	{ "Scatter", 9, 11 },
	{ "ScatterElements", 11, 0 },
	{ "ScatterND", 11, 0 },
	{ "Selu", 1, 0 },
	{ "SequenceAt", 11, 0 },
	{ "SequenceConstruct", 11, 0 },
	{ "SequenceEmpty", 11, 0 },
	{ "SequenceErase", 11, 0 },
	{ "SequenceInsert", 11, 0 },
	{ "SequenceLength", 11, 0 },
	{ "SequenceMap", 17, 0 },
	{ "Shape", 1, 0 },
	{ "Shrink", 9, 0 },
	{ "Sigmoid", 1, 0 },
	{ "Sign", 9, 0 },
	{ "Sin", 7, 0 },
	{ "Sinh", 9, 0 },
	{ "Size", 1, 0 },
	{ "Slice", 1, 0 },
	{ "Softmax", 1, 0 },
	{ "SoftmaxCrossEntropyLoss", 12, 0 },
	{ "Softplus", 1, 0 },
	{ "Softsign", 1, 0 },
	{ "SpaceToDepth", 1, 0 },
	{ "Split", 1, 0 },
	{ "SplitToSequence", 11, 0 },
	{ "Sqrt", 1, 0 },
	{ "Squeeze", 1, 0 },
	{ "StringNormalizer", 10, 0 },
	{ "Sub", 1, 0 },
	{ "Sum", 1, 0 },
	{ "Tan", 7, 0 },
	{ "Tanh", 1, 0 },
	{ "TfIdfVectorizer", 9, 0 },
	{ "ThresholdedRelu", 10, 0 },
	{ "Tile", 1, 0 },
	{ "TopK", 1, 0 },
	{ "Transpose", 1, 0 },
	{ "Trilu", 14, 0 },
	{ "Unique", 11, 0 },
	{ "Unsqueeze", 1, 0 },
	{ "Upsample", 1, 10 },
	{ "Where", 9, 0 },
	{ "Xor", 1, 0 },
};

static int
onnx_op_cmp(const void *key, const void *elem)
{
	const struct onnx_op *op = elem;

	return strcmp(key, op->name);
}

bool
onnx_op_known(const char *op_type, int64_t opset)
{
	const struct onnx_op *op;

	op = bsearch(op_type, onnx_ops, sizeof(onnx_ops) / sizeof(onnx_ops[0]),
	    sizeof(onnx_ops[0]), onnx_op_cmp);
	if (op == NULL || opset < op->since)
		return false;
	return op->until == 0 || opset < op->until;
}

static const struct onnx_allow onnx_allow_builtin = {
	.opset_min = ONNX_OPSET_MIN,
	.opset_max = ONNX_OPSET_MAX,
};

const struct onnx_allow *
onnx_allow_default(void)
{
	return &onnx_allow_builtin;
}
