/*
 * format.c: tell model formats apart by content (role: worker; pure).
 *
 * CNTK compares only "B\0" to pick its legacy reader and feeds everything
 * else to protobuf.  We are stricter: the full 8-byte v1 marker, the ktnc
 * header, then a cheap walk of the top-level protobuf fields, which for a
 * CNTK Dictionary can only be field 1 (varint) and field 2 (map entries)
 * and for ONNX must include onnx.ModelProto's graph.  Nothing here decodes
 * nested messages; the real checks come later, on the chosen path.
 */
#include <stdbool.h>
#include <string.h>

#include "format.h"
#include "protowire.h"

/* UTF-16LE "BCN" plus its 16-bit terminator (cntk-format.md §1). */
static const uint8_t format_v1_marker[8] = {
	0x42, 0x00, 0x43, 0x00, 0x4e, 0x00, 0x00, 0x00
};
/*
 * A v1 SGD checkpoint starts with UTF-16LE "BVersion" and its terminator
 * (no BCN).  It belongs to the v1 family, whose reader refuses it as
 * not-a-model rather than as an unknown format.
 */
static const uint8_t format_v1_ckpt_marker[18] = {
	0x42, 0x00, 0x56, 0x00, 0x65, 0x00, 0x72, 0x00, 0x73, 0x00,
	0x69, 0x00, 0x6f, 0x00, 0x6e, 0x00, 0x00, 0x00
};
/* uint32 LE 0x636E746B; the large-model header is magic + length. */
static const uint8_t format_ktnc_magic[4] = { 0x6b, 0x74, 0x6e, 0x63 };
#define FORMAT_KTNC_HDR_LEN	8u

/*
 * onnx.ModelProto: graph is field 7 (message).  ir_version (field 1) is
 * absent when 0, and other top-level fields are not constrained: early
 * CNTK/WinML exports carry fields that later ONNX versions dropped or
 * reused.
 */
#define FORMAT_ONNX_GRAPH	7u

/* What the top-level walk saw. */
struct format_seen {
	bool	only_v2;	/* nothing but CNTK Dictionary fields */
	bool	graph;
};

static bool
format_is_v2_field(const struct pw_field *f)
{
	return (f->number == 1 && f->wire == PW_WIRE_VARINT) ||
	    (f->number == 2 && f->wire == PW_WIRE_LEN);
}

/*
 * Walk the top-level fields of buf.  False when the framing is broken or
 * does not end exactly at len.
 */
static bool
format_walk(const uint8_t *buf, size_t len, struct format_seen *ret)
{
	struct pw_field f;
	size_t pos = 0;

	memset(ret, 0, sizeof(*ret));
	ret->only_v2 = true;
	while (pos < len) {
		if (pw_field_next(buf, len, &pos, &f) < 0)
			return false;
		if (!format_is_v2_field(&f))
			ret->only_v2 = false;
		if (f.number == FORMAT_ONNX_GRAPH && f.wire == PW_WIRE_LEN)
			ret->graph = true;
	}
	return true;
}

enum format_kind
format_detect(const uint8_t *buf, size_t len)
{
	struct format_seen seen;

	if (len == 0)
		return FORMAT_EMPTY;
	if (len >= FORMAT_KTNC_HDR_LEN &&
	    memcmp(buf, format_ktnc_magic, sizeof(format_ktnc_magic)) == 0)
		return FORMAT_CNTK_V2_LARGE;
	if (len >= sizeof(format_v1_marker) &&
	    memcmp(buf, format_v1_marker, sizeof(format_v1_marker)) == 0)
		return FORMAT_CNTK_V1;
	if (len >= sizeof(format_v1_ckpt_marker) && memcmp(buf,
	    format_v1_ckpt_marker, sizeof(format_v1_ckpt_marker)) == 0)
		return FORMAT_CNTK_V1;
	if (!format_walk(buf, len, &seen))
		return FORMAT_UNKNOWN;
	if (seen.only_v2)
		return FORMAT_CNTK_V2;
	/* A ModelProto needs a graph; ir_version 0 is not written (proto3). */
	if (seen.graph)
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
