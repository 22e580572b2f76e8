/*
 * test-format.c: format detection by content (role: tests).
 */
#include <string.h>

#include "format.h"
#include "tap.h"

static enum format_kind
detect(const void *p, size_t n)
{
	return format_detect(p, n);
}

static void
test_cntk(void)
{
	static const uint8_t v1[] = { 0x42, 0, 0x43, 0, 0x4e, 0, 0, 0, 2, 0 };
	static const uint8_t b_only[] = { 0x42, 0, 0x58, 0, 0x59, 0, 0, 0 };
	static const uint8_t ktnc[] = { 0x6b, 0x74, 0x6e, 0x63, 4, 0, 0, 0,
	    0x08, 0x02, 0x12, 0x00 };
	static const uint8_t ktnc_short[] = { 0x6b, 0x74, 0x6e, 0x63 };
	/* version 2, then one empty map entry */
	static const uint8_t v2[] = { 0x08, 0x02, 0x12, 0x00 };
	/* map entry first: proto3 order is not guaranteed */
	static const uint8_t v2_swapped[] = { 0x12, 0x03, 0x0a, 0x01, 'k',
	    0x08, 0x01 };
	static const uint8_t v2_overrun[] = { 0x08, 0x02, 0x12, 0x05, 0x00 };

	ok(detect(v1, sizeof(v1)) == FORMAT_CNTK_V1, "full BCN marker: v1");
	ok(detect(v1, 7) != FORMAT_CNTK_V1, "7 bytes of the marker: not v1");
	ok(detect(b_only, sizeof(b_only)) != FORMAT_CNTK_V1,
	    "only \"B\\0\" matches: not v1 (CNTK would say v1)");
	ok(format_report(FORMAT_CNTK_V1) == REPORT_FORMAT_CNTK_V1,
	    "v1 reports cntk-v1");
	ok(detect(ktnc, sizeof(ktnc)) == FORMAT_CNTK_V2_LARGE, "ktnc header");
	ok(detect(ktnc_short, sizeof(ktnc_short)) != FORMAT_CNTK_V2_LARGE,
	    "ktnc without its length: not large");
	ok(format_report(FORMAT_CNTK_V2_LARGE) == REPORT_FORMAT_CNTK_V2,
	    "ktnc reports cntk-v2");
	ok(detect(v2, sizeof(v2)) == FORMAT_CNTK_V2, "08 02 12: v2");
	ok(detect(v2_swapped, sizeof(v2_swapped)) == FORMAT_CNTK_V2,
	    "fields in any order: v2");
	ok(detect(v2_overrun, sizeof(v2_overrun)) == FORMAT_UNKNOWN,
	    "length past the end: unknown");
	ok(detect(v2, 3) == FORMAT_UNKNOWN, "truncated length: unknown");
	ok(format_report(FORMAT_CNTK_V2) == REPORT_FORMAT_CNTK_V2,
	    "v2 reports cntk-v2");
}

static void
test_onnx(void)
{
	/* ir_version 3, producer "CNTK", graph {name "g"} */
	static const uint8_t onnx[] = { 0x08, 0x03, 0x12, 0x04, 'C', 'N', 'T',
	    'K', 0x3a, 0x03, 0x5a, 0x01, 'g' };
	/* ir_version and producer, no graph */
	static const uint8_t nograph[] = { 0x08, 0x03, 0x1a, 0x01, '1' };

	ok(detect(onnx, sizeof(onnx)) == FORMAT_ONNX, "ModelProto: onnx");
	ok(detect(onnx + 2, sizeof(onnx) - 2) == FORMAT_ONNX,
	    "ir_version 0 (absent): still onnx");
	ok(detect(nograph, sizeof(nograph)) == FORMAT_UNKNOWN,
	    "no graph: unknown");
	ok(format_report(FORMAT_ONNX) == REPORT_FORMAT_ONNX,
	    "onnx reports onnx");
}

static void
test_other(void)
{
	static const char passwd[] =
	    "root:x:0:0:root:/root:/bin/bash\n"
	    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n";
	static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	static const uint8_t group[] = { 0x0b, 0x0c };

	ok(detect("", 0) == FORMAT_EMPTY, "0 bytes: empty");
	ok(format_report(FORMAT_EMPTY) == REPORT_FORMAT_UNKNOWN,
	    "empty reports unknown");
	ok(detect(passwd, strlen(passwd)) == FORMAT_UNKNOWN,
	    "/etc/passwd-like text: unknown");
	ok(detect(garbage, sizeof(garbage)) == FORMAT_UNKNOWN,
	    "11-byte varint: unknown");
	ok(detect(group, sizeof(group)) == FORMAT_UNKNOWN,
	    "group wire type: unknown");
	ok(detect("\0", 1) == FORMAT_UNKNOWN, "field number 0: unknown");
	ok(format_report(FORMAT_UNKNOWN) == REPORT_FORMAT_UNKNOWN &&
	    format_report(FORMAT__MAX) == REPORT_FORMAT_UNKNOWN,
	    "unknown reports unknown");
}

int
main(void)
{
	test_cntk();
	test_onnx();
	test_other();
	return tap_done();
}
