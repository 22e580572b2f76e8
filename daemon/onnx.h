/*
 * onnx.h: check and canonicalise one ONNX model (role: worker; pure, fuzz
 * target through model_parse()).
 *
 * ONNX as CNTK 2.5 and later exports and imports it: IR versions 3 to 8,
 * the default operator set (ai.onnx) from version 1 to 17.  docs/onnx.md
 * lists every rule and every reason a model is refused.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "model-limits.h"
#include "report.h"

/* The IR versions and default-domain opsets this parser knows (§4). */
#define ONNX_IR_MIN		3
#define ONNX_IR_MAX		8
#define ONNX_OPSET_MIN		1
#define ONNX_OPSET_MAX		17

/*
 * What a model may use, within what the parser knows: the opset range of
 * the default domain.  Op types are known per opset (onnx-ops.c); the
 * policy narrows them further with its allow_ops and deny_ops, which the
 * worker applies to the report's op names (model-rules.h).  Other domains
 * have no op table here, so they are always refused (unknown-domain).
 */
struct onnx_allow {
	int64_t	opset_min;
	int64_t	opset_max;
};

/* The built-in allowlist: opsets ONNX_OPSET_MIN to ONNX_OPSET_MAX. */
const struct onnx_allow	*onnx_allow_default(void);

/*
 * Check the ONNX model in buf[0..len) under `l` and `allow` (NULL: the
 * default) and fill `rep`.  protobuf-c and the checks allocate through `a`.
 *
 * On accept returns 0 and a malloc'd canonical copy in *ret_canon,
 * *ret_canon_len.  On reject returns -EBADMSG after report_reject().
 * -EPROTO means protobuf-c refused to decode (nothing reported: the caller
 * knows whether its allocator ran out of budget), -ENOMEM that another
 * allocation failed.
 */
int	onnx_parse(const uint8_t *buf, size_t len, const struct model_limits *l,
	    const struct onnx_allow *allow, ProtobufCAllocator *a,
	    struct report *rep, uint8_t **ret_canon, size_t *ret_canon_len);
