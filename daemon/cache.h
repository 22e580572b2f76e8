/*
 * cache.h: results of earlier checks, keyed by what decides them (role:
 * supervisor).
 *
 * A verdict depends only on the input bytes, the policy, the profile and
 * the canonical writer, so the key is the sha256 of exactly those.  The
 * supervisor computes the input's digest itself from the client's fd: it
 * never takes the worker's word for it, because a lying worker could then
 * plant its answer under someone else's model.  Hashing is not parsing;
 * the bytes are never interpreted.
 *
 * An entry holds the worker's reply as it went out on the wire (a few
 * hundred bytes) and, for an accept, the sealed canonical memfd.  A sealed
 * memfd cannot change, so every hit can hand out the same one.  The cache
 * is bounded in bytes (canonical bytes count) and entries, evicts the
 * least recently used, and is emptied when the policy changes.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

/* Bump when the worker's canonical writer changes its output. */
#define CACHE_CANONICAL_VERSION	1u

struct cache;
struct report;

struct cache_stats {
	uint64_t	hits;
	uint64_t	misses;
	uint64_t	evictions;
	uint64_t	entries;
	uint64_t	bytes;		/* counted against the bound */
	uint64_t	max_bytes;
};

/* A cache holding at most max_bytes.  NULL only on OOM. */
struct cache	*cache_new(uint64_t max_bytes);
void		 cache_free(struct cache *c);
/* Drop every entry (policy reload) and set a new bound. */
void		 cache_reset(struct cache *c, uint64_t max_bytes);

/*
 * The key of an input digest under a policy digest, profile name and the
 * format the client stated (enum report_format; content that is not the
 * stated format is rejected, so the verdict depends on it).
 */
void		 cache_key(const uint8_t input[SHA256_LEN],
		    const char *policy_digest, const char *profile,
		    uint32_t format_hint, uint8_t ret[SHA256_LEN]);
/*
 * sha256 of the `size` bytes behind the client's fd, to look it up.  Read
 * with pread(), never mapped, so truncating the file cannot SIGBUS the
 * supervisor.  -EOPNOTSUPP when the file is too large to hash on the loop
 * or lives on a file system whose reads could block us (FUSE, network);
 * -EIO if it shrank under us.
 */
int		 cache_hash_fd(struct cache *c, int fd, uint64_t size,
		    uint8_t ret[SHA256_LEN]);
/*
 * The same, and copy the bytes into a sealed memfd on the way (*ret_fd),
 * so the digest is the digest of exactly what the worker will read: a
 * client that rewrites its file during the check cannot file one model's
 * verdict under another model's digest.  Used on a miss only; a hit needs
 * no copy.
 */
int		 cache_snapshot(struct cache *c, int fd, uint64_t size,
		    uint8_t ret_digest[SHA256_LEN], int *ret_fd);
/*
 * Look key up.  On a hit fill *ret (decoded and checked again like any
 * reply) and *ret_fd (the caller's: a read-only reopening of the sealed
 * memfd, -1 for a rejection) and return 0; -ENOENT on a miss.
 */
int		 cache_get(struct cache *c, const uint8_t key[SHA256_LEN],
		    struct report *ret, int *ret_fd);
/*
 * Remember a worker's verdict.  fd (the sealed memfd, or -1) is
 * duplicated, not taken.  Entries too large for the bound are not kept.
 */
int		 cache_put(struct cache *c, const uint8_t key[SHA256_LEN],
		    const struct report *r, int fd);
void		 cache_get_stats(const struct cache *c, struct cache_stats *ret);
