/*
 * format.c: tell model formats apart by content (role: worker; pure).
 *
 * CNTK compares only "B\0" to pick its legacy reader and feeds everything
 * else to protobuf.  We are stricter: the full 8-byte v1 marker, the ktnc
 * header, then a cheap walk of the top-level protobuf fields, which for a
 * CNTK Dictionary can only be field 1 (varint) and field 2 (map entries)
 * and for ONNX are the fields of onnx.ModelProto.  Nothing here decodes
 * nested messages; the real checks come later, on the chosen path.
 */
#include <stdbool.h>
#include <string.h>

#include "format.h"
#include "protowalk.h"

/* UTF-16LE "BCN" plus its 16-bit terminator (cntk-format.md §1). */
static const uint8_t format_v1_marker[8] = {
	0x42, 0x00, 0x43, 0x00, 0x4e, 0x00, 0x00, 0x00
};
/* uint32 LE 0x636E746B; the large-model header is magic + length. */
static const uint8_t format_ktnc_magic[4] = { 0x6b, 0x74, 0x6e, 0x63 };
#define FORMAT_KTNC_HDR_LEN	8u

/* onnx.ModelProto top-level fields and their wire types. */
static const struct {
	uint32_t	number;
	enum pw_wire	wire;
} format_onnx_fields[] = {
	{ 1, PW_WIRE_VARINT },	/* ir_version */
	{ 2, PW_WIRE_LEN },	/* producer_name */
	{ 3, PW_WIRE_LEN },	/* producer_version */
	{ 4, PW_WIRE_LEN },	/* domain */
	{ 5, PW_WIRE_VARINT },	/* model_version */
	{ 6, PW_WIRE_LEN },	/* doc_string */
	{ 7, PW_WIRE_LEN },	/* graph */
	{ 8, PW_WIRE_LEN },	/* opset_import */
	{ 14, PW_WIRE_LEN },	/* metadata_props */
	{ 20, PW_WIRE_LEN },	/* training_info */
	{ 25, PW_WIRE_LEN },	/* functions */
};
#define FORMAT_ONNX_GRAPH	7u

static bool
format_is_v2_field(const struct pw_field *f)
{
	return (f->number == 1 && f->wire == PW_WIRE_VARINT) ||
	    (f->number == 2 && f->wire == PW_WIRE_LEN);
}

static bool
format_is_onnx_field(const struct pw_field *f)
{
	size_t i;

	for (i = 0; i < sizeof(format_onnx_fields) /
	    sizeof(format_onnx_fields[0]); i++)
		if (format_onnx_fields[i].number == f->number)
			return format_onnx_fields[i].wire == f->wire;
	return false;
}

/*
 * True when every top-level field of buf passes `accept` and the buffer
 * ends exactly after the last one.  *ret_graph tells whether ONNX's graph
 * field was among them.
 */
static bool
format_walk(const uint8_t *buf, size_t len,
    bool (*accept)(const struct pw_field *), bool *ret_graph)
{
	struct pw_field f;
	size_t pos = 0;

	*ret_graph = false;
	while (pos < len) {
		if (pw_field_next(buf, len, &pos, &f) < 0 || !accept(&f))
			return false;
		if (f.number == FORMAT_ONNX_GRAPH)
			*ret_graph = true;
	}
	return true;
}

enum format_kind
format_detect(const uint8_t *buf, size_t len)
{
	bool graph;

	if (len == 0)
		return FORMAT_EMPTY;
	if (len >= FORMAT_KTNC_HDR_LEN &&
	    memcmp(buf, format_ktnc_magic, sizeof(format_ktnc_magic)) == 0)
		return FORMAT_CNTK_V2_LARGE;
	if (len >= sizeof(format_v1_marker) &&
	    memcmp(buf, format_v1_marker, sizeof(format_v1_marker)) == 0)
		return FORMAT_CNTK_V1;
	if (format_walk(buf, len, format_is_v2_field, &graph))
		return FORMAT_CNTK_V2;
	/* A ModelProto without a graph is not worth calling ONNX. */
	if (format_walk(buf, len, format_is_onnx_field, &graph) && graph)
		return FORMAT_ONNX;
	return FORMAT_UNKNOWN;
}

enum report_format
format_report(enum format_kind k)
{
	switch (k) {
	case FORMAT_CNTK_V1:
		return REPORT_FORMAT_CNTK_V1;
	case FORMAT_CNTK_V2:
	case FORMAT_CNTK_V2_LARGE:
		return REPORT_FORMAT_CNTK_V2;
	case FORMAT_ONNX:
		return REPORT_FORMAT_ONNX;
	case FORMAT_EMPTY:
	case FORMAT_UNKNOWN:
	case FORMAT__MAX:
		break;
	}
	return REPORT_FORMAT_UNKNOWN;
}
