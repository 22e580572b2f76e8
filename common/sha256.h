/*
 * sha256.h: SHA-256 (FIPS 180-4) (role: library).
 *
 * Our own small implementation so that the sandboxed worker needs no crypto
 * library (OpenSSL's initialisation opens files, which the worker's seccomp
 * filter forbids).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN	32u

struct sha256 {
	uint32_t	h[8];
	uint64_t	total;		/* bytes hashed so far */
	uint8_t		block[64];
	size_t		used;		/* bytes waiting in block */
};

void	sha256_init(struct sha256 *s);
void	sha256_update(struct sha256 *s, const void *p, size_t n);
void	sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);
/* One shot. */
void	sha256(const void *p, size_t n, uint8_t out[SHA256_LEN]);
/* Lower-case hex into out (2 * SHA256_LEN + 1 bytes). */
void	sha256_hex(const uint8_t d[SHA256_LEN], char out[2 * SHA256_LEN + 1]);

/*
 * For tests and benchmarks only: on non-zero, use the portable compression
 * function even where the CPU has SHA instructions, so that the two can be
 * compared.  Not thread-safe; production code never calls it.
 */
void	sha256_force_portable(int on);
