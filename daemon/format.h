/*
 * format.h: which model format a buffer holds, by content (role: worker).
 *
 * Pure; looks at bytes only, never at file names.  Stricter than CNTK's own
 * sniff (which compares two bytes): see cntk-format.md §1.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "report.h"

enum format_kind {
	FORMAT_EMPTY,		/* zero bytes */
	FORMAT_CNTK_V1,		/* full 8-byte "BCN\0" UTF-16LE marker, or a
				 * v1 checkpoint's full "BVersion\0" */
	FORMAT_CNTK_V2,		/* plausible CNTK.proto.Dictionary framing */
	FORMAT_CNTK_V2_LARGE,	/* "ktnc" large-model header */
	FORMAT_ONNX,		/* plausible onnx.ModelProto framing */
	FORMAT_UNKNOWN,
	FORMAT__MAX
};

enum format_kind	format_detect(const uint8_t *buf, size_t len);
/* The report's format for a detected kind. */
enum report_format	format_report(enum format_kind k);
