/*
 * onnx-walk.c: an onnx.ModelProto as the pre-decode walk sees it (role:
 * worker; pure, fuzz target via model_parse; the walk is protowalk.c).
 *
 * protobuf-c recurses without a limit and allocates for whatever counts
 * the input claims, and ONNX nests without bound (graphs inside node
 * attributes, types inside types).  So the whole message is walked first,
 * following these tables of onnx.proto.  The parts of ONNX that safeload
 * refuses outright (external data, sparse tensors, functions, training
 * information) are refused by field number, before anything is decoded.
 * onnx_walk_top() peeks at the top-level fields, which decide how the
 * rest is read.
 */
#include <errno.h>
#include <string.h>

#include "onnx-internal.h"
#include "protowalk.h"

enum onnx_msg {
	OW_MODEL, OW_OPSET, OW_ENTRY, OW_ANNOT, OW_GRAPH, OW_NODE, OW_ATTR,
	OW_VALUE_INFO, OW_TENSOR, OW_TYPE, OW_TYPE_TENSOR, OW_TYPE_SEQ,
	OW_TYPE_MAP, OW_TYPE_OPT, OW_SHAPE, OW_DIM, OW__MAX
};

/* Why a field is refused: the `sub` of a PW_REFUSED field. */
enum onnx_refusal {
	OW_NO_EXTERNAL, OW_NO_SPARSE, OW_NO_SEGMENT, OW_NO_FUNCTIONS,
	OW_NO_TRAINING
};

#define R	PW_REPEATED
#define O	PW_ONEOF
#define V	PW_VALUES
static const struct pw_message onnx_msgs[OW__MAX] = {
	[OW_MODEL] = { "ModelProto", 11, {
		{ 1, PW_VARINT, 0, 0 }, { 2, PW_STRING, 0, 0 },
		{ 3, PW_STRING, 0, 0 }, { 4, PW_STRING, 0, 0 },
		{ 5, PW_VARINT, 0, 0 }, { 6, PW_STRING, 0, 0 },
		{ 7, PW_MESSAGE, 0, OW_GRAPH },
		{ 8, PW_MESSAGE, R, OW_OPSET },
		{ 14, PW_MESSAGE, R, OW_ENTRY },
		{ 20, PW_REFUSED, 0, OW_NO_TRAINING },
		{ 25, PW_REFUSED, 0, OW_NO_FUNCTIONS } } },
	[OW_OPSET] = { "OperatorSetIdProto", 2, {
		{ 1, PW_STRING, 0, 0 }, { 2, PW_VARINT, 0, 0 } } },
	[OW_ENTRY] = { "StringStringEntryProto", 2, {
		{ 1, PW_STRING, 0, 0 }, { 2, PW_STRING, 0, 0 } } },
	[OW_ANNOT] = { "TensorAnnotation", 2, {
		{ 1, PW_STRING, 0, 0 }, { 2, PW_MESSAGE, R, OW_ENTRY } } },
	[OW_GRAPH] = { "GraphProto", 9, {
		{ 1, PW_MESSAGE, R, OW_NODE }, { 2, PW_STRING, 0, 0 },
		{ 5, PW_MESSAGE, R, OW_TENSOR }, { 10, PW_STRING, 0, 0 },
		{ 11, PW_MESSAGE, R, OW_VALUE_INFO },
		{ 12, PW_MESSAGE, R, OW_VALUE_INFO },
		{ 13, PW_MESSAGE, R, OW_VALUE_INFO },
		{ 14, PW_MESSAGE, R, OW_ANNOT },
		{ 15, PW_REFUSED, 0, OW_NO_SPARSE } } },
	[OW_NODE] = { "NodeProto", 7, {
		{ 1, PW_STRING, R, 0 }, { 2, PW_STRING, R, 0 },
		{ 3, PW_STRING, 0, 0 }, { 4, PW_STRING, 0, 0 },
		{ 5, PW_MESSAGE, R, OW_ATTR }, { 6, PW_STRING, 0, 0 },
		{ 7, PW_STRING, 0, 0 } } },
	[OW_ATTR] = { "AttributeProto", 18, {
		{ 1, PW_STRING, 0, 0 }, { 2, PW_I32, 0, 0 },
		{ 3, PW_VARINT, 0, 0 }, { 4, PW_BYTES, 0, 0 },
		{ 5, PW_MESSAGE, 0, OW_TENSOR }, { 6, PW_MESSAGE, 0, OW_GRAPH },
		{ 7, PW_PACKED_I32, R, 0 }, { 8, PW_PACKED_VARINT, R, 0 },
		{ 9, PW_BYTES, R, 0 }, { 10, PW_MESSAGE, R, OW_TENSOR },
		{ 11, PW_MESSAGE, R, OW_GRAPH }, { 13, PW_STRING, 0, 0 },
		{ 14, PW_MESSAGE, 0, OW_TYPE }, { 15, PW_MESSAGE, R, OW_TYPE },
		{ 20, PW_VARINT, 0, 0 }, { 21, PW_STRING, 0, 0 },
		{ 22, PW_REFUSED, 0, OW_NO_SPARSE },
		{ 23, PW_REFUSED, 0, OW_NO_SPARSE } } },
	[OW_VALUE_INFO] = { "ValueInfoProto", 3, {
		{ 1, PW_STRING, 0, 0 }, { 2, PW_MESSAGE, 0, OW_TYPE },
		{ 3, PW_STRING, 0, 0 } } },
	[OW_TENSOR] = { "TensorProto", 14, {
		{ 1, PW_PACKED_VARINT, R, 0 }, { 2, PW_VARINT, 0, 0 },
		{ 3, PW_REFUSED, 0, OW_NO_SEGMENT },
		{ 4, PW_PACKED_I32, R | V, 0 },
		{ 5, PW_PACKED_VARINT, R | V, 0 },
		{ 6, PW_BYTES, R | V, 0 },
		{ 7, PW_PACKED_VARINT, R | V, 0 },
		{ 8, PW_STRING, 0, 0 }, { 9, PW_BYTES, 0, 0 },
		{ 10, PW_PACKED_I64, R | V, 0 },
		{ 11, PW_PACKED_VARINT, R | V, 0 },
		{ 12, PW_STRING, 0, 0 },
		{ 13, PW_REFUSED, 0, OW_NO_EXTERNAL },
		{ 14, PW_VARINT, 0, 0 } } },
	[OW_TYPE] = { "TypeProto", 6, {
		{ 1, PW_MESSAGE, O, OW_TYPE_TENSOR },
		{ 4, PW_MESSAGE, O, OW_TYPE_SEQ },
		{ 5, PW_MESSAGE, O, OW_TYPE_MAP },
		{ 6, PW_STRING, 0, 0 },
		{ 8, PW_REFUSED, 0, OW_NO_SPARSE },
		{ 9, PW_MESSAGE, O, OW_TYPE_OPT } } },
	[OW_TYPE_TENSOR] = { "TypeProto.Tensor", 2, {
		{ 1, PW_VARINT, 0, 0 }, { 2, PW_MESSAGE, 0, OW_SHAPE } } },
	[OW_TYPE_SEQ] = { "TypeProto.Sequence", 1, {
		{ 1, PW_MESSAGE, 0, OW_TYPE } } },
	[OW_TYPE_MAP] = { "TypeProto.Map", 2, {
		{ 1, PW_VARINT, 0, 0 }, { 2, PW_MESSAGE, 0, OW_TYPE } } },
	[OW_TYPE_OPT] = { "TypeProto.Optional", 1, {
		{ 1, PW_MESSAGE, 0, OW_TYPE } } },
	[OW_SHAPE] = { "TensorShapeProto", 1, {
		{ 1, PW_MESSAGE, R, OW_DIM } } },
	[OW_DIM] = { "TensorShapeProto.Dimension", 3, {
		{ 1, PW_VARINT, O, 0 }, { 2, PW_STRING, O, 0 },
		{ 3, PW_STRING, 0, 0 } } },
};
#undef R
#undef O
#undef V

/* Why each refused field is refused; docs/onnx.md says the same. */
static const struct pw_refusal onnx_refusals[] = {
	[OW_NO_EXTERNAL] = { REASON_EXTERNAL_DATA,
	    "tensor data in an external file (the worker has no filesystem)" },
	[OW_NO_SPARSE] = { REASON_UNSUPPORTED_FORMAT,
	    "sparse tensors (CNTK's ONNX importer does not read them)" },
	[OW_NO_SEGMENT] = { REASON_BAD_STRUCTURE,
	    "a segmented tensor (a tensor split across several protos)" },
	[OW_NO_FUNCTIONS] = { REASON_UNSUPPORTED_FORMAT,
	    "model-local functions (IR 8; CNTK cannot import them)" },
	[OW_NO_TRAINING] = { REASON_UNSUPPORTED_FORMAT,
	    "training information (IR 7; CNTK cannot import it)" },
};

/*
 * Rejects name the offset of the offending field's payload, as they always
 * have for ONNX.
 */
const struct pw_schema onnx_wire_schema = {
	.msgs = onnx_msgs,
	.root = OW_MODEL,
	.refusals = onnx_refusals,
	.offset = PW_AT_PAYLOAD,
};

/*
 * The version decides how the rest is read: the pre-1.0 drafts that early
 * CNTK wrote have no ir_version and a different schema underneath, and the
 * CNTK 2.4 export has no opset_import (and bytes after its graph that do
 * not fit the schema), so both must be recognised before the walk would
 * call them merely malformed.
 */
int
onnx_walk_top(const uint8_t *buf, size_t len, struct onnx_top *ret)
{
	struct pw_field f;
	size_t pos = 0;

	memset(ret, 0, sizeof(*ret));
	while (pos < len) {
		if (pw_field_next(buf, len, &pos, &f) < 0)
			return -EBADMSG;
		if (f.number == 1 && f.wire == PW_WIRE_VARINT)
			ret->ir_version = (int64_t)f.value;
		if (f.number == 8 && f.wire == PW_WIRE_LEN)
			ret->opset_imports++;
	}
	return 0;
}
