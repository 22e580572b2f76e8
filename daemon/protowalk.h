/*
 * protowalk.h: protobuf wire-format reading and the bounded pre-decode walk
 * of a CNTK v2 Dictionary (role: worker).
 *
 * protobuf-c has no recursion limit and trusts lengths until it allocates,
 * so every CNTK input is walked here first, iteratively and with a fixed
 * stack, before protobuf-c sees it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model-limits.h"
#include "report.h"

enum pw_wire {
	PW_WIRE_VARINT = 0,
	PW_WIRE_I64 = 1,
	PW_WIRE_LEN = 2,
	PW_WIRE_SGROUP = 3,
	PW_WIRE_EGROUP = 4,
	PW_WIRE_I32 = 5,
};

/* One field as found on the wire; offsets are into the caller's buffer. */
struct pw_field {
	uint32_t	number;
	enum pw_wire	wire;
	uint64_t	value;		/* varint value, or payload length */
	size_t		off;		/* offset of the payload (LEN, I32, I64) */
};

/*
 * Read a varint at buf[*pos..end); advance *pos.  0, or -EBADMSG when it
 * is truncated or longer than 10 bytes.
 */
int	pw_varint(const uint8_t *buf, size_t end, size_t *pos, uint64_t *ret);
/*
 * Read one field (tag and payload) at buf[*pos..end) and step over it.
 * Group wire types, field number 0 and payloads past `end` are -EBADMSG.
 */
int	pw_field_next(const uint8_t *buf, size_t end, size_t *pos,
	    struct pw_field *ret);

/*
 * True when s[0..n) is well-formed UTF-8 without NUL, surrogates or
 * overlong forms (the strings every format's walk accepts).
 */
bool	pw_utf8_ok(const uint8_t *s, size_t n);

/*
 * Walk buf as a CNTK.proto.Dictionary under `l`: depth (max_depth), items
 * of repeated fields per message (max_entries; tensor values count against
 * max_elements for the whole model instead), string bytes (max_string;
 * also UTF-8 without NUL), wire types of known fields, known singular and
 * oneof fields at most once.  Unknown fields are skipped.
 *
 * Returns 0 and *ret_depth (deepest message level, top = 1) when the walk
 * passes; -EBADMSG after report_reject() on `rep` otherwise.
 */
int	pw_walk_cntk(const uint8_t *buf, size_t len,
	    const struct model_limits *l, struct report *rep,
	    uint64_t *ret_depth);
