/*
 * buf.h: a bounded byte buffer over caller-owned memory (role: library).
 *
 * Writers and readers never allocate: the caller supplies the storage, so a
 * message can never grow past the array it lives in.  Every put and get is
 * bounds-checked and fails with -EBADMSG (read overrun) or -ENOBUFS (write
 * overrun); after a failure the buffer is poisoned and every later call
 * fails too, so callers may check once at the end.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t		*data;	/* NULL for read-only buffers */
	const uint8_t	*rdata;
	size_t		 cap;
	size_t		 len;	/* bytes written, or bytes available */
	size_t		 off;	/* read cursor */
	int		 err;	/* first error, sticky */
};

/* Start writing into mem[0..cap). */
void	buf_init(struct buf *b, uint8_t *mem, size_t cap);
/* Start reading mem[0..len). The memory is borrowed, never written. */
void	buf_init_ro(struct buf *b, const uint8_t *mem, size_t len);

int	buf_put_u8(struct buf *b, uint8_t v);
int	buf_put_u32(struct buf *b, uint32_t v);
int	buf_put_u64(struct buf *b, uint64_t v);
int	buf_put_bytes(struct buf *b, const void *p, size_t n);
/* A u32 length then the bytes, no NUL; fails if n > WIRE_STR_MAX. */
int	buf_put_str(struct buf *b, const char *s, size_t n);

int	buf_get_u8(struct buf *b, uint8_t *ret);
int	buf_get_u32(struct buf *b, uint32_t *ret);
int	buf_get_u64(struct buf *b, uint64_t *ret);
int	buf_get_bytes(struct buf *b, void *dst, size_t n);
/*
 * Read a string into dst (cap bytes including the NUL).  Fails with -EBADMSG
 * if it is longer than cap - 1 or contains a NUL or a control character:
 * every string on the wire ends up in a log line or a JSON report.
 */
int	buf_get_str(struct buf *b, char *dst, size_t cap);

/* Record a semantic error found by a caller's own check; returns -EBADMSG. */
int	buf_poison(struct buf *b);

/* 0 if every byte was consumed and no error happened, else -EBADMSG. */
int	buf_end(const struct buf *b);
/* The first error seen, or 0. */
int	buf_error(const struct buf *b);
