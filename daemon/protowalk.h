/*
 * protowalk.h: the bounded pre-decode walk of a protobuf message, driven by
 * a format's schema tables (role: worker; pure).
 *
 * protobuf-c has no recursion limit and trusts lengths until it allocates,
 * so every CNTK v2 and ONNX input is walked here first, iteratively and
 * with a fixed stack, before protobuf-c sees it.  A format supplies only
 * tables (cntk-v2-walk.c, onnx-walk.c): what is checked and how a failure
 * is reported are the engine's, but for the reasons a format gives for
 * the fields it refuses outright.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model-limits.h"
#include "protowire.h"
#include "report.h"

/* What a known field holds, which decides how its payload is checked. */
enum pw_kind {
	PW_VARINT,
	PW_I32,
	PW_I64,
	PW_STRING,		/* UTF-8 without NUL, at most max_string */
	PW_BYTES,
	PW_MESSAGE,		/* entered: `sub` is its message */
	PW_PACKED_VARINT,	/* repeated scalars, packed or not */
	PW_PACKED_I32,
	PW_PACKED_I64,
	PW_REFUSED,		/* refused outright: `sub` is its refusal */
};

/* Flags of a field; the packed kinds are always PW_REPEATED. */
#define PW_REPEATED	0x1
#define PW_ONEOF	0x2	/* at most one member per message */
#define PW_VALUES	0x4	/* tensor data: max_elements, not entries */

struct pw_spec {
	uint32_t	number;
	enum pw_kind	kind;
	int		flags;
	unsigned	sub;	/* index into msgs or refusals, by kind */
};

/*
 * Fields of the largest message (ONNX's AttributeProto).  The walk keeps
 * which singular fields it has seen as one bit per table slot, in 32 bits.
 */
#define PW_SPECS_MAX	18u

struct pw_message {
	const char	*name;		/* as in the .proto, for messages */
	size_t		 n;
	struct pw_spec	 f[PW_SPECS_MAX];
};

/* Why a PW_REFUSED field is refused. */
struct pw_refusal {
	enum reason	 code;
	const char	*what;
};

/*
 * Which offset a field's reject message names.  The two formats' walks
 * named different ones before they shared this engine; each keeps its
 * own, so that no report changes.
 */
enum pw_offset {
	PW_AT_FIELD_END,	/* just past the field (CNTK v2) */
	PW_AT_PAYLOAD,		/* its payload (ONNX) */
};

/* One format: its messages, the top one, its refusals. */
struct pw_schema {
	const struct pw_message	*msgs;
	unsigned		 root;
	const struct pw_refusal	*refusals;	/* NULL when none */
	enum pw_offset		 offset;
};

/*
 * Walk buf as the schema's root message under `l`: depth (max_depth),
 * items of repeated fields per message (max_entries; tensor values count
 * against max_elements for the whole model instead), string bytes
 * (max_string; also UTF-8 without NUL), wire types of known fields, known
 * singular and oneof fields at most once, refused fields not at all.
 * Unknown fields are skipped.
 *
 * Returns 0 and *ret_depth (deepest message level, top = 1) when the walk
 * passes; -EBADMSG after report_reject() on `rep` otherwise.
 */
int	pw_walk(const uint8_t *buf, size_t len, const struct model_limits *l,
	    const struct pw_schema *schema, struct report *rep,
	    uint64_t *ret_depth);
