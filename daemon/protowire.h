/*
 * protowire.h: reading protobuf wire data field by field (role: worker;
 * pure).
 *
 * The readers every pre-decode look at untrusted protobuf bytes goes
 * through: format sniffing, the top-level peeks and the bounded walk
 * (protowalk.h).  They only step over payloads and never allocate.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
