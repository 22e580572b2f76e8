/*
 * pb-encode.h: a minimal protobuf encoder for the unit tests (role: tests;
 * header-only, included by the test programs that build models by hand).
 *
 * Tests write models with this rather than protobuf-c so that malformed
 * and hostile inputs (duplicate keys, mismatched types, unknown fields,
 * deep nesting) can be expressed.  Allocation failure aborts the test.
 */
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pb {
	uint8_t	*p;
	size_t	 n, cap;
};

__attribute__((unused)) static void
pb_put(struct pb *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

__attribute__((unused)) static void
pb_varint(struct pb *b, uint64_t v)
{
	uint8_t c;

	do {
		c = v & 0x7f;
		v >>= 7;
		if (v != 0)
			c |= 0x80;
		pb_put(b, &c, 1);
	} while (v != 0);
}

__attribute__((unused)) static void
pb_uint(struct pb *b, uint32_t field, uint64_t v)
{
	pb_varint(b, (uint64_t)field << 3);
	pb_varint(b, v);
}

__attribute__((unused)) static void
pb_bytes(struct pb *b, uint32_t field, const void *p, size_t n)
{
	pb_varint(b, (uint64_t)field << 3 | 2);
	pb_varint(b, n);
	pb_put(b, p, n);
}

__attribute__((unused)) static void
pb_str(struct pb *b, uint32_t field, const char *s)
{
	pb_bytes(b, field, s, strlen(s));
}

/* Append sub as a length-delimited field `field` and free it. */
__attribute__((unused)) static void
pb_msg(struct pb *b, uint32_t field, struct pb *sub)
{
	pb_bytes(b, field, sub->p, sub->n);
	free(sub->p);
	memset(sub, 0, sizeof(*sub));
}
