/*
 * buf.c: bounded buffer (role: library, used by every process).
 */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "safeload-limits.h"

void
buf_init(struct buf *b, uint8_t *mem, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->data = mem;
	b->rdata = mem;
	b->cap = cap;
}

void
buf_init_ro(struct buf *b, const uint8_t *mem, size_t len)
{
	memset(b, 0, sizeof(*b));
	b->rdata = mem;
	b->cap = len;
	b->len = len;
}

static int
buf_fail(struct buf *b, int err)
{
	if (b->err == 0)
		b->err = err;
	return b->err;
}

static int
buf_reserve(struct buf *b, size_t n, uint8_t **ret)
{
	if (b->err != 0)
		return b->err;
	if (b->data == NULL || n > b->cap - b->len)
		return buf_fail(b, -ENOBUFS);
	*ret = b->data + b->len;
	b->len += n;
	return 0;
}

static int
buf_take(struct buf *b, size_t n, const uint8_t **ret)
{
	if (b->err != 0)
		return b->err;
	if (n > b->len - b->off)
		return buf_fail(b, -EBADMSG);
	*ret = b->rdata + b->off;
	b->off += n;
	return 0;
}

int
buf_put_bytes(struct buf *b, const void *p, size_t n)
{
	uint8_t *dst = NULL;
	int r;

	if ((r = buf_reserve(b, n, &dst)) != 0)
		return r;
	if (n > 0)
		memcpy(dst, p, n);
	return 0;
}

int
buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_put_bytes(b, &v, 1);
}

/* Little-endian on the wire regardless of host order. */
int
buf_put_u32(struct buf *b, uint32_t v)
{
	uint8_t le[4];
	size_t i;

	for (i = 0; i < sizeof(le); i++)
		le[i] = (uint8_t)(v >> (8 * i));
	return buf_put_bytes(b, le, sizeof(le));
}

int
buf_put_u64(struct buf *b, uint64_t v)
{
	uint8_t le[8];
	size_t i;

	for (i = 0; i < sizeof(le); i++)
		le[i] = (uint8_t)(v >> (8 * i));
	return buf_put_bytes(b, le, sizeof(le));
}

int
buf_put_str(struct buf *b, const char *s, size_t n)
{
	if (n > WIRE_STR_MAX)
		return buf_fail(b, -ENOBUFS);
	buf_put_u32(b, (uint32_t)n);
	return buf_put_bytes(b, s, n);
}

int
buf_get_bytes(struct buf *b, void *dst, size_t n)
{
	const uint8_t *src = NULL;
	int r;

	if ((r = buf_take(b, n, &src)) != 0)
		return r;
	if (n > 0)
		memcpy(dst, src, n);
	return 0;
}

int
buf_get_u8(struct buf *b, uint8_t *ret)
{
	return buf_get_bytes(b, ret, 1);
}

int
buf_get_u32(struct buf *b, uint32_t *ret)
{
	const uint8_t *p = NULL;
	uint32_t v = 0;
	size_t i;
	int r;

	if ((r = buf_take(b, 4, &p)) != 0)
		return r;
	for (i = 0; i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	*ret = v;
	return 0;
}

int
buf_get_u64(struct buf *b, uint64_t *ret)
{
	const uint8_t *p = NULL;
	uint64_t v = 0;
	size_t i;
	int r;

	if ((r = buf_take(b, 8, &p)) != 0)
		return r;
	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	*ret = v;
	return 0;
}

int
buf_get_str(struct buf *b, char *dst, size_t cap)
{
	const uint8_t *p = NULL;
	uint32_t n = 0;
	size_t i;
	int r;

	if ((r = buf_get_u32(b, &n)) != 0)
		return r;
	if (cap == 0 || n > cap - 1 || n > WIRE_STR_MAX)
		return buf_fail(b, -EBADMSG);
	if ((r = buf_take(b, n, &p)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return buf_fail(b, -EBADMSG);
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 0;
}

int
buf_poison(struct buf *b)
{
	return buf_fail(b, -EBADMSG);
}

int
buf_end(const struct buf *b)
{
	if (b->err != 0)
		return b->err;
	return b->off == b->len ? 0 : -EBADMSG;
}

int
buf_error(const struct buf *b)
{
	return b->err;
}
