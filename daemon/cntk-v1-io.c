/*
 * cntk-v1-io.c: the primitives of the CNTK v1 format (role: worker;
 * internal to the model library).
 *
 * Each primitive reads a value at c->pos, checks it, and writes the same
 * value, re-encoded, at c->opos of the canonical buffer.  The v1 encoding
 * of a value is unique (little-endian, fixed widths, one terminator), so a
 * well-formed file comes out byte-identical; but the copy is built from
 * values, and a byte that no primitive understood never reaches it.
 * All integers are little-endian and unaligned (cntk-format.md §3.1).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cntk-v1.h"

/* The one-byte type tags in front of a matrix. */
#define V1_MATRIX_DENSE		'd'
#define V1_MATRIX_SPARSE	's'
/* MatrixFormat bit 1: sparse (§3.1). */
#define V1_FORMAT_SPARSE	0x2
/* UTF-16 surrogate ranges. */
#define V1_SURR_HI_LO		0xd800u
#define V1_SURR_HI_HI		0xdbffu
#define V1_SURR_LO_LO		0xdc00u
#define V1_SURR_LO_HI		0xdfffu

void
v1_reject(struct cntk_v1 *c, enum reason code, const char *fmt, ...)
{
	char msg[REPORT_MESSAGE_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->what != NULL)
		report_reject(c->rep, code, "%s node: %s", c->what, msg);
	else
		report_reject(c->rep, code, "%s", msg);
}

/* Take n raw bytes at the read cursor, or reject a truncated file. */
static const uint8_t *
v1_take(struct cntk_v1 *c, size_t n)
{
	const uint8_t *p;

	if (n > c->len - c->pos)
		return NULL;
	p = c->in + c->pos;
	c->pos += n;
	return p;
}

static int
v1_truncated(struct cntk_v1 *c, const char *what)
{
	return v1_fail(c, REASON_DECODE_ERROR,
	    "file ends at byte %zu inside %s", c->len, what);
}

/*
 * The output is never longer than the input (each value re-encodes to its
 * own width), and model.c sized it so; this guards the arithmetic.
 */
static int
v1_emit(struct cntk_v1 *c, const uint8_t *p, size_t n)
{
	if (n > c->len - c->opos)
		return -EIO;
	memcpy(c->out + c->opos, p, n);
	c->opos += n;
	return 0;
}

static int
v1_le(struct cntk_v1 *c, unsigned width, const char *what, uint64_t *ret)
{
	const uint8_t *p;
	uint8_t enc[8];
	uint64_t v = 0;
	unsigned i;

	*ret = 0;	/* defined even on failure, for the analyzers */
	if ((p = v1_take(c, width)) == NULL)
		return v1_truncated(c, what);
	for (i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	for (i = 0; i < width; i++)
		enc[i] = (uint8_t)(v >> (8 * i));
	*ret = v;
	return v1_emit(c, enc, width);
}

int
v1_u32(struct cntk_v1 *c, uint32_t *ret)
{
	uint64_t v;
	int r;

	if ((r = v1_le(c, 4, "a 32-bit integer", &v)) < 0)
		return r;
	*ret = (uint32_t)v;
	return 0;
}

int
v1_i32(struct cntk_v1 *c, int32_t *ret)
{
	uint32_t v;
	int r;

	if ((r = v1_u32(c, &v)) < 0)
		return r;
	memcpy(ret, &v, sizeof(*ret));
	return 0;
}

int
v1_u64(struct cntk_v1 *c, uint64_t *ret)
{
	return v1_le(c, 8, "a 64-bit integer", ret);
}

int
v1_i64(struct cntk_v1 *c, int64_t *ret)
{
	uint64_t v;
	int r;

	if ((r = v1_u64(c, &v)) < 0)
		return r;
	memcpy(ret, &v, sizeof(*ret));
	return 0;
}

/* Floats are data: their bit patterns go through unchanged. */
int
v1_f32(struct cntk_v1 *c)
{
	uint64_t v;

	return v1_le(c, 4, "a float", &v);
}

int
v1_f64(struct cntk_v1 *c)
{
	uint64_t v;

	return v1_le(c, 8, "a double", &v);
}

int
v1_elem(struct cntk_v1 *c)
{
	uint64_t v;

	return v1_le(c, c->elsize, "a value of the element type", &v);
}

int
v1_bool(struct cntk_v1 *c, bool *ret)
{
	uint64_t v;
	int r;

	if ((r = v1_le(c, 1, "a bool", &v)) < 0)
		return r;
	/* Any other byte is not a bool that C++ wrote. */
	if (v > 1)
		return v1_fail(c, REASON_BAD_STRUCTURE,
		    "bool byte %llu at byte %zu", (unsigned long long)v,
		    c->pos - 1);
	if (ret != NULL)
		*ret = v == 1;
	return 0;
}

static uint16_t
v1_unit(const uint8_t *p, size_t i)
{
	return (uint16_t)(p[2 * i] | (p[2 * i + 1] << 8));
}

/*
 * Find the terminator of the string at pos without consuming it: the
 * length is bounded by the policy's max_string and by the file.
 */
static int
v1_wstr_scan(struct cntk_v1 *c, size_t *ret_units)
{
	const uint8_t *p = c->in + c->pos;
	size_t avail = (c->len - c->pos) / 2, max, i;

	max = c->l->max_string / 2;
	for (i = 0; i < avail; i++) {
		if (v1_unit(p, i) == 0) {
			*ret_units = i;
			return 0;
		}
		if (i >= max)
			return v1_fail(c, REASON_SIZE_LIMIT,
			    "string at byte %zu is longer than %u bytes",
			    c->pos, c->l->max_string);
	}
	return v1_truncated(c, "a string");
}

/* Unpaired surrogates are not text that any CNTK writer meant. */
static int
v1_wstr_check(struct cntk_v1 *c, const uint8_t *p, size_t n)
{
	size_t i;
	uint16_t u;

	for (i = 0; i < n; i++) {
		u = v1_unit(p, i);
		if (u >= V1_SURR_LO_LO && u <= V1_SURR_LO_HI)
			break;
		if (u >= V1_SURR_HI_LO && u <= V1_SURR_HI_HI) {
			if (i + 1 == n || v1_unit(p, i + 1) < V1_SURR_LO_LO ||
			    v1_unit(p, i + 1) > V1_SURR_LO_HI)
				break;
			i++;
		}
	}
	if (i == n)
		return 0;
	return v1_fail(c, REASON_INVALID_STRING,
	    "unpaired UTF-16 surrogate in the string at byte %zu", c->pos);
}

int
v1_wstr(struct cntk_v1 *c, bool empty_ok, struct v1_str *ret)
{
	const uint8_t *p = c->in + c->pos;
	uint8_t enc[2];
	size_t n = 0, i;
	int r;

	if ((r = v1_wstr_scan(c, &n)) < 0 || (r = v1_wstr_check(c, p, n)) < 0)
		return r;
	if (n == 0 && !empty_ok)
		return v1_fail(c, REASON_BAD_STRUCTURE,
		    "empty string at byte %zu", c->pos);
	for (i = 0; i <= n; i++) {
		enc[0] = p[2 * i];
		enc[1] = p[2 * i + 1];
		if ((r = v1_emit(c, enc, 2)) < 0)
			return r;
	}
	c->pos += 2 * (n + 1);
	if (ret != NULL) {
		ret->p = p;
		ret->units = n;
	}
	return 0;
}

int
v1_cstr(struct cntk_v1 *c, size_t *ret_len)
{
	const uint8_t *p = c->in + c->pos, *z;
	size_t avail = c->len - c->pos, n;

	if (avail > c->l->max_string + 1ull)
		avail = c->l->max_string + 1ull;
	if ((z = memchr(p, 0, avail)) == NULL)
		return avail == c->len - c->pos ?
		    v1_truncated(c, "an 8-bit string") :
		    v1_fail(c, REASON_SIZE_LIMIT,
		    "string at byte %zu is longer than %u bytes", c->pos,
		    c->l->max_string);
	n = (size_t)(z - p);
	c->pos += n + 1;
	if (ret_len != NULL)
		*ret_len = n;
	return v1_emit(c, p, n + 1);
}

bool
v1_str_is(const struct v1_str *s, const char *a)
{
	size_t i, n = strlen(a);

	if (s->units != n)
		return false;
	for (i = 0; i < n; i++)
		if (v1_unit(s->p, i) != (unsigned char)a[i])
			return false;
	return true;
}

int
v1_str_cmp(const struct v1_str *a, const struct v1_str *b)
{
	size_t n = a->units < b->units ? a->units : b->units;
	int d;

	if ((d = memcmp(a->p, b->p, 2 * n)) != 0)
		return d;
	return (a->units > b->units) - (a->units < b->units);
}

void
v1_str_print(const struct v1_str *s, char *out, size_t n)
{
	size_t i;
	uint16_t u;

	for (i = 0; i < s->units && i + 1 < n; i++) {
		u = v1_unit(s->p, i);
		out[i] = u >= 0x20 && u < 0x7f ? (char)u : '?';
	}
	out[i] = '\0';
}

bool
v1_peek(const struct cntk_v1 *c, const char *m)
{
	size_t i, n = strlen(m);

	if (2 * (n + 1) > c->len - c->pos)
		return false;
	for (i = 0; i <= n; i++)
		if (v1_unit(c->in + c->pos, i) != (unsigned char)m[i])
			return false;
	return true;
}

int
v1_marker(struct cntk_v1 *c, const char *m)
{
	if (2 * (strlen(m) + 1) > c->len - c->pos)
		return v1_truncated(c, m);
	if (!v1_peek(c, m))
		return v1_fail(c, REASON_BAD_STRUCTURE,
		    "expected marker %s at byte %zu", m, c->pos);
	return v1_wstr(c, false, NULL);
}

static int
v1_shape_dim(struct cntk_v1 *c, struct v1_shape *s, uint64_t d)
{
	if (s->rank >= CNTK_V1_RANK_MAX)
		return v1_fail(c, REASON_BAD_STRUCTURE,
		    "shape rank above %u", CNTK_V1_RANK_MAX);
	s->dims[s->rank++] = d;
	if (__builtin_mul_overflow(s->elements, d, &s->elements))
		return v1_fail(c, REASON_SHAPE_MISMATCH,
		    "shape product overflows at byte %zu", c->pos);
	return 0;
}

/*
 * The old form (§3.1): rank, then a first dim of 0 means those 8 bytes
 * were one size_t a (= rank), followed by size_t b and c: shape [c, a, b].
 * It is kept as it was written; CNTK reads both.
 */
static int
v1_shape_legacy(struct cntk_v1 *c, uint32_t a, struct v1_shape *s)
{
	uint64_t b, d;
	int r;

	if ((r = v1_u64(c, &b)) < 0 || (r = v1_u64(c, &d)) < 0 ||
	    (r = v1_shape_dim(c, s, d)) < 0 || (r = v1_shape_dim(c, s, a)) < 0)
		return r;
	return v1_shape_dim(c, s, b);
}

int
v1_shape(struct cntk_v1 *c, bool legacy_ok, struct v1_shape *ret)
{
	struct v1_shape s = { .elements = 1 };
	uint32_t rank, d, i;
	int r;

	if ((r = v1_u32(c, &rank)) < 0 || (rank > 0 &&
	    (r = v1_u32(c, &d)) < 0))
		return r;
	/* In the old form "rank" is a dimension: no rank limit applies. */
	if (rank > 0 && d == 0 && legacy_ok)
		r = v1_shape_legacy(c, rank, &s);
	else if (rank > CNTK_V1_RANK_MAX)
		return v1_fail(c, REASON_BAD_STRUCTURE,
		    "shape rank %u above %u at byte %zu", rank,
		    CNTK_V1_RANK_MAX, c->pos - 8);
	else if (rank > 0 && (r = v1_shape_dim(c, &s, d)) == 0)
		for (i = 1; i < rank && r == 0; i++)
			if ((r = v1_u32(c, &d)) == 0)
				r = v1_shape_dim(c, &s, d);
	if (r < 0)
		return r;
	if (ret != NULL)
		*ret = s;
	return 0;
}

int
v1_bools(struct cntk_v1 *c)
{
	uint64_t n, i;
	int r;

	if ((r = v1_u64(c, &n)) < 0)
		return r;
	/* CNTK reads a count of 0 as "until the stream fails" (§3.1). */
	if (n == 0 || n > CNTK_V1_RANK_MAX)
		return v1_fail(c, REASON_BAD_STRUCTURE,
		    "vector<bool> of %llu at byte %zu", (unsigned long long)n,
		    c->pos - 8);
	for (i = 0; i < n; i++)
		if ((r = v1_bool(c, NULL)) < 0)
			return r;
	return 0;
}

/* 'd' BMAT elsize name format rows cols; the header of a matrix. */
static int
v1_matrix_head(struct cntk_v1 *c, uint64_t *ret_rows, uint64_t *ret_cols)
{
	const uint8_t *t;
	uint64_t elsize;
	int32_t fmt;
	int r;

	if ((t = v1_take(c, 1)) == NULL)
		return v1_truncated(c, "a matrix");
	if (*t == V1_MATRIX_SPARSE)
		return v1_fail(c, REASON_BAD_DATA_TYPE,
		    "sparse matrix at byte %zu (CNTK loads those only onto a "
		    "GPU)", c->pos - 1);
	if (*t != V1_MATRIX_DENSE)
		return v1_fail(c, REASON_BAD_STRUCTURE,
		    "matrix tag 0x%02x at byte %zu", *t, c->pos - 1);
	if ((r = v1_emit(c, t, 1)) < 0 || (r = v1_marker(c, "BMAT")) < 0 ||
	    (r = v1_u64(c, &elsize)) < 0)
		return r;
	if (elsize != c->elsize)
		return v1_fail(c, REASON_BAD_DATA_TYPE,
		    "matrix element size %llu, node element size %u",
		    (unsigned long long)elsize, c->elsize);
	if ((r = v1_wstr(c, true, NULL)) < 0 || (r = v1_i32(c, &fmt)) < 0)
		return r;
	/*
	 * CNTK ignores the format word of a dense matrix (it writes 0).  One
	 * that claims the sparse bit contradicts the 'd' tag.
	 */
	if ((fmt & V1_FORMAT_SPARSE) != 0)
		return v1_fail(c, REASON_BAD_DATA_TYPE,
		    "dense matrix with sparse format %d", (int)fmt);
	if ((r = v1_u64(c, ret_rows)) < 0 || (r = v1_u64(c, ret_cols)) < 0)
		return r;
	return 0;
}

/*
 * rows x cols is checked for overflow and against the bytes that are
 * really there before anything is sized from it: CNTK allocates first
 * (§5.2).
 */
int
v1_matrix(struct cntk_v1 *c, uint64_t *ret_elements)
{
	const uint8_t *p;
	uint64_t rows, cols, n, bytes;
	int r;

	if ((r = v1_matrix_head(c, &rows, &cols)) < 0)
		return r;
	if (__builtin_mul_overflow(rows, cols, &n) ||
	    __builtin_mul_overflow(n, (uint64_t)c->elsize, &bytes))
		return v1_fail(c, REASON_SHAPE_MISMATCH,
		    "matrix %llu x %llu overflows", (unsigned long long)rows,
		    (unsigned long long)cols);
	if (n > c->l->max_elements - c->elements)
		return v1_fail(c, REASON_COUNT_LIMIT,
		    "more than %llu matrix elements",
		    (unsigned long long)c->l->max_elements);
	if (bytes > c->len - c->pos)
		return v1_fail(c, REASON_DECODE_ERROR,
		    "matrix %llu x %llu needs %llu bytes, %zu are left",
		    (unsigned long long)rows, (unsigned long long)cols,
		    (unsigned long long)bytes, c->len - c->pos);
	c->elements += n;
	p = v1_take(c, (size_t)bytes);
	if ((r = v1_emit(c, p, (size_t)bytes)) < 0 ||
	    (r = v1_marker(c, "EMAT")) < 0)
		return r;
	*ret_elements = n;
	return 0;
}

/* Counted reads: n values of one primitive, stopping at the first error. */
int
v1_u64s(struct cntk_v1 *c, unsigned n)
{
	uint64_t v;
	int r = 0;

	while (n-- > 0 && r == 0)
		r = v1_u64(c, &v);
	return r;
}

int
v1_i32s(struct cntk_v1 *c, unsigned n)
{
	int32_t v;
	int r = 0;

	while (n-- > 0 && r == 0)
		r = v1_i32(c, &v);
	return r;
}

int
v1_u32s(struct cntk_v1 *c, unsigned n)
{
	uint32_t v;
	int r = 0;

	while (n-- > 0 && r == 0)
		r = v1_u32(c, &v);
	return r;
}

int
v1_f32s(struct cntk_v1 *c, unsigned n)
{
	int r = 0;

	while (n-- > 0 && r == 0)
		r = v1_f32(c);
	return r;
}

int
v1_bools_n(struct cntk_v1 *c, unsigned n)
{
	int r = 0;

	while (n-- > 0 && r == 0)
		r = v1_bool(c, NULL);
	return r;
}

/* n TensorShapes in the modern form. */
int
v1_shapes(struct cntk_v1 *c, unsigned n)
{
	int r = 0;

	while (n-- > 0 && r == 0)
		r = v1_shape(c, false, NULL);
	return r;
}

int
v1_f64s(struct cntk_v1 *c, unsigned n)
{
	int r = 0;

	while (n-- > 0 && r == 0)
		r = v1_f64(c);
	return r;
}
