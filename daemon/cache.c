/*
 * cache.c: an LRU of verdicts and sealed canonical memfds (role:
 * supervisor).
 *
 * The supervisor hashes the client's file to look it up.  That is the only
 * time it touches model bytes, and it only feeds them to sha256; reads go
 * through pread() into one fixed buffer, bounded in size, and only on local
 * file systems, so a client cannot stall the loop on a FUSE or network
 * file or crash it by truncating a mapping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/queue.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "buf.h"
#include "cache.h"
#include "fd.h"
#include "report.h"
#include "safeload-limits.h"
#include "wire.h"

#define CACHE_BUCKETS	256u	/* power of two; entries are few */

struct cache_entry {
	uint8_t				 key[SHA256_LEN];
	uint8_t				*payload;	/* encoded reply */
	size_t				 len;
	int				 fd;		/* sealed memfd or -1 */
	uint64_t			 cost;		/* bytes it counts */
	TAILQ_ENTRY(cache_entry)	 lru;		/* tail: most recent */
	LIST_ENTRY(cache_entry)		 chain;
};

struct cache {
	TAILQ_HEAD(, cache_entry)	 lru;
	LIST_HEAD(, cache_entry)	 bucket[CACHE_BUCKETS];
	struct cache_stats		 st;
	uint8_t				*rbuf;		/* CACHE_READ_CHUNK */
};

struct cache *
cache_new(uint64_t max_bytes)
{
	struct cache *c;
	size_t i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->rbuf = malloc(CACHE_READ_CHUNK)) == NULL) {
		free(c);
		return NULL;
	}
	TAILQ_INIT(&c->lru);
	for (i = 0; i < CACHE_BUCKETS; i++)
		LIST_INIT(&c->bucket[i]);
	c->st.max_bytes = max_bytes;
	return c;
}

static void
cache_drop(struct cache *c, struct cache_entry *e)
{
	TAILQ_REMOVE(&c->lru, e, lru);
	LIST_REMOVE(e, chain);
	c->st.entries--;
	c->st.bytes -= e->cost;
	fd_close_safe(&e->fd);
	free(e->payload);
	free(e);
}

void
cache_reset(struct cache *c, uint64_t max_bytes)
{
	struct cache_entry *e;

	while ((e = TAILQ_FIRST(&c->lru)) != NULL)
		cache_drop(c, e);
	c->st.max_bytes = max_bytes;
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	cache_reset(c, 0);
	free(c->rbuf);
	free(c);
}

void
cache_key(const uint8_t input[SHA256_LEN], const char *policy_digest,
    const char *profile, uint32_t format_hint, uint8_t ret[SHA256_LEN])
{
	static const uint8_t zero;
	struct sha256 s;
	uint8_t v[4];
	uint32_t ver = CACHE_CANONICAL_VERSION;
	int i;

	/* NUL separators: no two (policy, profile) pairs hash alike. */
	sha256_init(&s);
	sha256_update(&s, input, SHA256_LEN);
	sha256_update(&s, policy_digest, strlen(policy_digest));
	sha256_update(&s, &zero, 1);
	sha256_update(&s, profile, strlen(profile));
	sha256_update(&s, &zero, 1);
	for (i = 0; i < 4; i++)
		v[i] = (uint8_t)(ver >> (8 * i));
	sha256_update(&s, v, sizeof(v));
	for (i = 0; i < 4; i++)
		v[i] = (uint8_t)(format_hint >> (8 * i));
	sha256_update(&s, v, sizeof(v));
	sha256_final(&s, ret);
}

/* Local file systems only: a read there cannot wait on another process. */
static int
cache_fs_ok(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return 0;
	switch ((unsigned long)sf.f_type) {
	case TMPFS_MAGIC:		/* also every memfd */
	case EXT4_SUPER_MAGIC:
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
	case OVERLAYFS_SUPER_MAGIC:
		return 1;
	default:
		return 0;
	}
}

/*
 * One pass over the client's bytes: into the digest and, if memfd >= 0,
 * into the copy.
 */
static int
cache_copy(struct cache *c, int fd, uint64_t size, int memfd,
    uint8_t ret[SHA256_LEN])
{
	struct sha256 s;
	uint64_t off = 0;
	ssize_t n;
	int rc;

	sha256_init(&s);
	while (off < size) {
		size_t want = size - off < CACHE_READ_CHUNK ?
		    (size_t)(size - off) : CACHE_READ_CHUNK;

		n = pread(fd, c->rbuf, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;	/* shrank since fstat */
		sha256_update(&s, c->rbuf, (size_t)n);
		if (memfd >= 0 &&
		    (rc = fd_write_full(memfd, c->rbuf, (size_t)n)) < 0)
			return rc;
		off += (uint64_t)n;
	}
	sha256_final(&s, ret);
	return 0;
}

int
cache_hash_fd(struct cache *c, int fd, uint64_t size,
    uint8_t ret[SHA256_LEN])
{
	if (size > CACHE_MODEL_MAX_BYTES || !cache_fs_ok(fd))
		return -EOPNOTSUPP;
	return cache_copy(c, fd, size, -1, ret);
}

int
cache_snapshot(struct cache *c, int fd, uint64_t size,
    uint8_t ret_digest[SHA256_LEN], int *ret_fd)
{
	int memfd = -1, rc;

	if (size > CACHE_MODEL_MAX_BYTES || !cache_fs_ok(fd))
		return -EOPNOTSUPP;
	memfd = memfd_create("safeload-input", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0)
		return -errno;
	if ((rc = cache_copy(c, fd, size, memfd, ret_digest)) < 0)
		goto out;
	if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK |
	    F_SEAL_GROW | F_SEAL_WRITE) < 0) {
		rc = -errno;
		goto out;
	}
	*ret_fd = memfd;
	memfd = -1;
out:
	fd_close_safe(&memfd);
	return rc;
}

static struct cache_entry *
cache_find(struct cache *c, const uint8_t key[SHA256_LEN])
{
	struct cache_entry *e;

	LIST_FOREACH(e, &c->bucket[key[0] % CACHE_BUCKETS], chain)
		if (memcmp(e->key, key, SHA256_LEN) == 0)
			return e;
	return NULL;
}

/*
 * A new open file description, read-only, for the same sealed memfd: a
 * dup would share the file offset between every client that got a hit,
 * and one client's read() would move it under the others.
 */
static int
cache_reopen(int fd)
{
	char path[sizeof("/proc/self/fd/") + 16];
	int nfd;

	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((nfd = open(path, O_RDONLY | O_CLOEXEC)) >= 0)
		return nfd;
	/* No /proc: an offset shared between readers beats no answer. */
	return fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

int
cache_get(struct cache *c, const uint8_t key[SHA256_LEN], struct report *ret,
    int *ret_fd)
{
	struct cache_entry *e;
	struct wire_msg m;

	if ((e = cache_find(c, key)) == NULL) {
		c->st.misses++;
		return -ENOENT;
	}
	m = (struct wire_msg){ .type = WIRE_ANS_RESULT, .payload = e->payload,
	    .len = e->len, .fd = e->fd };
	/* Decoded by the same strict checks as a live worker's reply. */
	if (wire_decode_result(&m, ret) < 0) {
		cache_drop(c, e);
		c->st.misses++;
		return -ENOENT;
	}
	if (e->fd >= 0 && (*ret_fd = cache_reopen(e->fd)) < 0) {
		c->st.misses++;
		return -ENOENT;
	}
	if (e->fd < 0)
		*ret_fd = -1;
	TAILQ_REMOVE(&c->lru, e, lru);
	TAILQ_INSERT_TAIL(&c->lru, e, lru);
	c->st.hits++;
	return 0;
}

/* Make room for `cost` more bytes and one more entry. */
static void
cache_evict(struct cache *c, uint64_t cost)
{
	struct cache_entry *e;

	while ((e = TAILQ_FIRST(&c->lru)) != NULL &&
	    (c->st.bytes + cost > c->st.max_bytes ||
	    c->st.entries >= CACHE_ENTRIES_MAX)) {
		/* The analyzer loses track of queue.h's unlinking. */
		cache_drop(c, e); /* NOLINT(clang-analyzer-unix.Malloc) */
		c->st.evictions++;
	}
}

static int
cache_entry_fill(struct cache_entry *e, const struct report *r, int fd)
{
	uint8_t mem[MSG_MAX];
	struct buf b;
	int rc;

	buf_init(&b, mem, sizeof(mem));
	if ((rc = wire_encode_result(&b, r)) < 0)
		return rc;
	e->len = b.len;
	if ((e->payload = malloc(e->len)) == NULL)
		return -ENOMEM;
	memcpy(e->payload, mem, e->len);
	if (fd >= 0 && (e->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return -errno;
	e->cost = sizeof(*e) + e->len + (fd >= 0 ? r->canonical_size : 0);
	return 0;
}

int
cache_put(struct cache *c, const uint8_t key[SHA256_LEN],
    const struct report *r, int fd)
{
	struct cache_entry *e;
	int rc;

	if ((e = cache_find(c, key)) != NULL)
		cache_drop(c, e);	/* same key, newer answer */
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -ENOMEM;
	e->fd = -1;
	memcpy(e->key, key, SHA256_LEN);
	if ((rc = cache_entry_fill(e, r, fd)) < 0 || e->cost > c->st.max_bytes) {
		fd_close_safe(&e->fd);
		free(e->payload);
		free(e);
		return rc < 0 ? rc : -EFBIG;
	}
	cache_evict(c, e->cost);
	TAILQ_INSERT_TAIL(&c->lru, e, lru);
	LIST_INSERT_HEAD(&c->bucket[key[0] % CACHE_BUCKETS], e, chain);
	c->st.entries++;
	c->st.bytes += e->cost;
	return 0;
}

void
cache_get_stats(const struct cache *c, struct cache_stats *ret)
{
	*ret = c->st;
}
