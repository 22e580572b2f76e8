/*
 * sha256.c: SHA-256 compression and padding (role: library).
 *
 * Two compression functions: a portable one, and on x86-64 one using the
 * SHA extensions, picked once at load time from CPUID.
 */
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "sha256.h"

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t
ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t
load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
sha256_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, k, t1, t2;
	unsigned i;

	for (i = 0; i < 16; i++)
		w[i] = load_be32(p + 4 * i);
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + w[i - 7] +
		    (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
		    (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10));
	a = h[0]; b = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; k = h[7];
	for (i = 0; i < 64; i++) {
		t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
		    ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
		    ((a & b) ^ (a & c) ^ (b & c));
		k = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

#if defined(__x86_64__)
/*
 * The SHA extensions path.  Only the functions marked SHANI_TARGET may use
 * the SHA and SSE4.1 instructions: the rest of the program must still run
 * on any x86-64, so there is no global -msha.
 */
#define SHANI_TARGET	__attribute__((target("sha,sse4.1,ssse3")))

/* Set before main() by sha256_pick(); until then the portable path runs. */
static int sha256_have_shani;

/* Load 16 message bytes as four words: the message is big-endian. */
SHANI_TARGET static inline __m128i
shani_load(const uint8_t *p)
{
	const __m128i bswap32 = _mm_set_epi64x(0x0c0d0e0f08090a0bLL,
	    0x0405060700010203LL);

	return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), bswap32);
}

/*
 * W[i..i+3] from w0 = W[i-16..i-13] .. w3 = W[i-4..i-1]: msg1 adds
 * s0(W[j+1]) to W[j], we add W[j+9], and msg2 adds s1(W[j+14]), feeding
 * its own first two results back in for the last two lanes.
 */
SHANI_TARGET static inline __m128i
shani_schedule(__m128i w0, __m128i w1, __m128i w2, __m128i w3)
{
	__m128i t;

	t = _mm_sha256msg1_epu32(w0, w1);
	t = _mm_add_epi32(t, _mm_alignr_epi8(w3, w2, 4));
	return _mm_sha256msg2_epu32(t, w3);
}

/*
 * Four rounds with words w and constants k.  sha256rnds2 does two rounds
 * and returns the new {A,B,E,F}; the old {A,B,E,F} is then the new
 * {C,D,G,H}, so the two registers swap roles after each call and are back
 * in place after the second.
 */
SHANI_TARGET static inline void
shani_rounds4(__m128i *abef, __m128i *cdgh, __m128i w, const uint32_t *k)
{
	__m128i wk;

	wk = _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)k));
	*cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, wk);
	/* The second two rounds take their W+K from the upper half. */
	*abef = _mm_sha256rnds2_epu32(*abef, *cdgh,
	    _mm_shuffle_epi32(wk, 0x0e));
}

/* One 64-byte block; the feed-forward addition is the caller's. */
SHANI_TARGET static inline void
shani_compress(__m128i *abef, __m128i *cdgh, const uint8_t *p)
{
	__m128i w0, w1, w2, w3;
	unsigned i;

	w0 = shani_load(p);
	w1 = shani_load(p + 16);
	w2 = shani_load(p + 32);
	w3 = shani_load(p + 48);
	for (i = 0; i < 64; i += 16) {
		shani_rounds4(abef, cdgh, w0, sha256_k + i);
		shani_rounds4(abef, cdgh, w1, sha256_k + i + 4);
		shani_rounds4(abef, cdgh, w2, sha256_k + i + 8);
		shani_rounds4(abef, cdgh, w3, sha256_k + i + 12);
		/* The last sixteen words have no successors to compute. */
		if (i == 48)
			break;
		w0 = shani_schedule(w0, w1, w2, w3);
		w1 = shani_schedule(w1, w2, w3, w0);
		w2 = shani_schedule(w2, w3, w0, w1);
		w3 = shani_schedule(w3, w0, w1, w2);
	}
}

/*
 * n blocks with the state kept in registers throughout.  h[] holds A..H
 * in order (A in the lowest lane of a load); sha256rnds2 wants {A,B,E,F}
 * and {C,D,G,H} with A and C in the highest lane.
 */
SHANI_TARGET static void
sha256_blocks_shani(uint32_t h[8], const uint8_t *p, size_t n)
{
	__m128i abef, cdgh, abef0, cdgh0, lo, hi;

	lo = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0xb1);
	hi = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(h + 4)),
	    0x1b);
	abef = _mm_alignr_epi8(lo, hi, 8);
	cdgh = _mm_blend_epi16(hi, lo, 0xf0);
	for (; n > 0; n--, p += 64) {
		abef0 = abef;
		cdgh0 = cdgh;
		shani_compress(&abef, &cdgh, p);
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}
	lo = _mm_shuffle_epi32(abef, 0x1b);
	hi = _mm_shuffle_epi32(cdgh, 0xb1);
	_mm_storeu_si128((__m128i *)h, _mm_blend_epi16(lo, hi, 0xf0));
	_mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(hi, lo, 8));
}

static int
cpu_has_sha(void)
{
#if defined(__clang__)
	/*
	 * clang before 19 rejects __builtin_cpu_supports("sha") at compile
	 * time, so read the bit from CPUID leaf 7 directly.
	 */
	unsigned int a, b, c, d;

	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA) != 0;
#else
	return __builtin_cpu_supports("sha");
#endif
}

/*
 * Runs before main(), so before the worker enters its seccomp sandbox,
 * though it would work there too: all it does is execute CPUID (inline,
 * and inside libgcc's __cpu_indicator_init()), with no syscall and no
 * file such as /proc/cpuinfo.
 */
__attribute__((constructor)) static void
sha256_pick(void)
{
	__builtin_cpu_init();
	sha256_have_shani = __builtin_cpu_supports("ssse3") &&
	    __builtin_cpu_supports("sse4.1") && cpu_has_sha();
}
#endif /* __x86_64__ */

/* For tests and benchmarks: see sha256.h. */
static int sha256_portable_only;

void
sha256_force_portable(int on)
{
	sha256_portable_only = on;
}

/* Compress n consecutive 64-byte blocks at p into h. */
static void
sha256_blocks(uint32_t h[8], const uint8_t *p, size_t n)
{
#if defined(__x86_64__)
	if (sha256_have_shani && !sha256_portable_only) {
		sha256_blocks_shani(h, p, n);
		return;
	}
#endif
	for (; n > 0; n--, p += 64)
		sha256_block(h, p);
}

void
sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memset(s, 0, sizeof(*s));
	memcpy(s->h, iv, sizeof(iv));
}

void
sha256_update(struct sha256 *s, const void *p, size_t n)
{
	const uint8_t *c = p;
	size_t take;

	s->total += n;
	if (s->used > 0) {
		take = 64 - s->used < n ? 64 - s->used : n;
		memcpy(s->block + s->used, c, take);
		s->used += take;
		c += take;
		n -= take;
		if (s->used < 64)
			return;
		sha256_blocks(s->h, s->block, 1);
		s->used = 0;
	}
	/* All whole blocks in one call, so the state stays in registers. */
	if (n >= 64) {
		sha256_blocks(s->h, c, n / 64);
		c += n & ~(size_t)63;
		n &= 63;
	}
	if (n > 0)
		memcpy(s->block, c, n);
	s->used = n;
}

void
sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN])
{
	uint64_t bits = s->total * 8;
	unsigned i;

	s->block[s->used++] = 0x80;
	if (s->used > 56) {
		memset(s->block + s->used, 0, 64 - s->used);
		sha256_blocks(s->h, s->block, 1);
		s->used = 0;
	}
	memset(s->block + s->used, 0, 56 - s->used);
	for (i = 0; i < 8; i++)
		s->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_blocks(s->h, s->block, 1);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
}

void
sha256(const void *p, size_t n, uint8_t out[SHA256_LEN])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, p, n);
	sha256_final(&s, out);
}

void
sha256_hex(const uint8_t d[SHA256_LEN], char out[2 * SHA256_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < SHA256_LEN; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 0xf];
	}
	out[2 * SHA256_LEN] = '\0';
}
