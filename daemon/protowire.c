/*
 * protowire.c: read protobuf wire data field by field (role: worker; pure,
 * fuzz target via model_parse).
 *
 * Every length read here is checked against the end of the enclosing
 * buffer before it is stepped over, so a hostile length can only make a
 * field malformed, never make a reader look past the input.
 */
#include <errno.h>
#include <stdbool.h>

#include "protowire.h"
#include "utf8.h"

#define PW_VARINT_MAX	10u		/* bytes in a 64-bit varint */
#define PW_FIELD_MAX	((1u << 29) - 1)	/* largest field number */

int
pw_varint(const uint8_t *buf, size_t end, size_t *pos, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < PW_VARINT_MAX && *pos + i < end; i++) {
		v |= (uint64_t)(buf[*pos + i] & 0x7f) << (7 * i);
		if ((buf[*pos + i] & 0x80) == 0) {
			*pos += i + 1;
			*ret = v;
			return 0;
		}
	}
	return -EBADMSG;
}

/* Step over a payload of `n` bytes if it fits before `end`. */
static int
pw_skip(size_t end, size_t *pos, uint64_t n, size_t *ret_off)
{
	if (n > end - *pos)
		return -EBADMSG;
	*ret_off = *pos;
	*pos += (size_t)n;
	return 0;
}

int
pw_field_next(const uint8_t *buf, size_t end, size_t *pos,
    struct pw_field *ret)
{
	uint64_t tag, v = 0;
	size_t off = *pos;
	int r;

	if ((r = pw_varint(buf, end, pos, &tag)) < 0)
		return r;
	if ((tag >> 3) == 0 || (tag >> 3) > PW_FIELD_MAX)
		return -EBADMSG;
	switch (tag & 7) {
	case PW_WIRE_VARINT:
		r = pw_varint(buf, end, pos, &v);
		break;
	case PW_WIRE_I64:
		r = pw_skip(end, pos, 8, &off);
		break;
	case PW_WIRE_I32:
		r = pw_skip(end, pos, 4, &off);
		break;
	case PW_WIRE_LEN:
		if ((r = pw_varint(buf, end, pos, &v)) == 0)
			r = pw_skip(end, pos, v, &off);
		break;
	default:
		/* Groups are proto2-only and never written by CNTK. */
		return -EBADMSG;
	}
	if (r < 0)
		return r;
	ret->number = (uint32_t)(tag >> 3);
	ret->wire = (enum pw_wire)(tag & 7);
	ret->value = v;
	ret->off = off;
	return 0;
}

/* Length of the UTF-8 sequence led by c, or 0 if c cannot lead one. */
/*
 * CNTK converts strings with mbrtoc32 on C strings: invalid UTF-8 throws and
 * a NUL silently truncates (two keys could collapse into one).  Accept only
 * well-formed UTF-8 without NUL, surrogates or overlong forms.
 */
bool
pw_utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (s[i] == 0 || (k = utf8_seq_len(s + i, n - i)) == 0)
			return false;
		i += k;
	}
	return true;
}
