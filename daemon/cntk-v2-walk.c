/*
 * cntk-v2-walk.c: the CNTK v2 Dictionary as the pre-decode walk sees it
 * (role: worker; tables only, the walk is protowalk.c).
 *
 * model.proto, field by field: what each known field holds and whether it
 * repeats, so that depth, counts, strings, wire types and once-only fields
 * are checked before protobuf-c decodes.  CNTK v2 refuses no field by
 * number; what it must not contain is found after decoding.
 */
#include "cntk-v2.h"
#include "protowalk.h"

enum cntk_v2_msg {
	V2_DICT, V2_ENTRY, V2_VALUE, V2_VECTOR, V2_SHAPE, V2_AXIS, V2_ARRAY,
	V2_FLOATS, V2_DOUBLES, V2_BYTES, V2_INTS, V2__MAX
};

#define R	PW_REPEATED
#define O	PW_ONEOF
#define V	PW_VALUES
static const struct pw_message cntk_v2_msgs[V2__MAX] = {
	[V2_DICT] = { "Dictionary", 2, {
		{ 1, PW_VARINT, 0, 0 },
		{ 2, PW_MESSAGE, R, V2_ENTRY } } },
	[V2_ENTRY] = { "Dictionary.DataEntry", 2, {
		{ 1, PW_STRING, 0, 0 },
		{ 2, PW_MESSAGE, 0, V2_VALUE } } },
	[V2_VALUE] = { "DictionaryValue", 13, {
		{ 1, PW_VARINT, 0, 0 },
		{ 2, PW_VARINT, 0, 0 },
		{ 3, PW_VARINT, O, 0 },
		{ 4, PW_VARINT, O, 0 },
		{ 5, PW_VARINT, O, 0 },
		{ 6, PW_I32, O, 0 },
		{ 7, PW_I64, O, 0 },
		{ 8, PW_STRING, O, 0 },
		{ 9, PW_MESSAGE, O, V2_SHAPE },
		{ 10, PW_MESSAGE, O, V2_AXIS },
		{ 11, PW_MESSAGE, O, V2_VECTOR },
		{ 12, PW_MESSAGE, O, V2_DICT },
		{ 13, PW_MESSAGE, O, V2_ARRAY } } },
	[V2_VECTOR] = { "Vector", 1, {
		{ 1, PW_MESSAGE, R, V2_VALUE } } },
	[V2_SHAPE] = { "NDShape", 1, {
		{ 1, PW_PACKED_VARINT, R, 0 } } },
	[V2_AXIS] = { "Axis", 3, {
		{ 1, PW_VARINT, 0, 0 },
		{ 2, PW_STRING, 0, 0 },
		{ 3, PW_VARINT, 0, 0 } } },
	[V2_ARRAY] = { "NDArrayView", 7, {
		{ 1, PW_VARINT, 0, 0 },
		{ 2, PW_VARINT, 0, 0 },
		{ 3, PW_MESSAGE, 0, V2_SHAPE },
		{ 4, PW_MESSAGE, O, V2_FLOATS },
		{ 5, PW_MESSAGE, O, V2_DOUBLES },
		{ 6, PW_MESSAGE, O, V2_BYTES },
		{ 7, PW_MESSAGE, O, V2_INTS } } },
	[V2_FLOATS] = { "FloatValues", 1, {
		{ 1, PW_PACKED_I32, R | V, 0 } } },
	[V2_DOUBLES] = { "DoubleValues", 1, {
		{ 1, PW_PACKED_I64, R | V, 0 } } },
	[V2_BYTES] = { "BytesValue", 1, {
		{ 1, PW_BYTES, 0, 0 } } },
	[V2_INTS] = { "IntValues", 1, {
		{ 1, PW_PACKED_VARINT, R | V, 0 } } },
};
#undef R
#undef O
#undef V

/*
 * Rejects name the offset just past the offending field, as they always
 * have for CNTK v2.
 */
const struct pw_schema cntk_v2_wire_schema = {
	.msgs = cntk_v2_msgs,
	.root = V2_DICT,
	.offset = PW_AT_FIELD_END,
};
