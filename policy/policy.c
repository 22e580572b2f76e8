/*
 * policy.c: the built-in default policy and the access check (role:
 * library, used by the supervisor).
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "safeload-limits.h"
#include "policy.h"
#include "sha256.h"

#define POLICY_DEFAULT_WORKERS	8u	/* concurrent requests */
#define POLICY_DEFAULT_IDLE	2u	/* warm workers */
#define POLICY_DEFAULT_QUEUE	64u	/* requests waiting for a worker */
#define POLICY_DEFAULT_CACHE	(256ull * 1024 * 1024)	/* result cache */

struct policy {
	struct model_limits	limits;
	uint32_t		worker_timeout_ms;
	uint64_t		worker_mem;
	uint32_t		worker_cpu;
	uint32_t		max_workers;
	uint32_t		idle_workers;
	uint32_t		queue_length;
	uint64_t		cache_bytes;
	int			have_group;
	gid_t			group;		/* members may connect */
	uid_t			owner;		/* the daemon's own uid */
	char			digest[POLICY_DIGEST_HEX];
};

/* The digest covers every effective value, so reports name what applied. */
static void
policy_compute_digest(struct policy *p)
{
	char text[512];
	uint8_t d[SHA256_LEN];
	int n;

	n = snprintf(text, sizeof(text),
	    "builtin-1 bytes=%" PRIu64 " elements=%" PRIu64 " alloc=%" PRIu64
	    " depth=%u nodes=%u string=%u entries=%u timeout=%u mem=%" PRIu64
	    " cpu=%u workers=%u idle=%u queue=%u cache=%" PRIu64,
	    p->limits.max_bytes, p->limits.max_elements, p->limits.max_alloc,
	    p->limits.max_depth, p->limits.max_nodes, p->limits.max_string,
	    p->limits.max_entries, p->worker_timeout_ms, p->worker_mem,
	    p->worker_cpu, p->max_workers, p->idle_workers, p->queue_length,
	    p->cache_bytes);
	sha256(text, n > 0 ? (size_t)n : 0, d);
	sha256_hex(d, p->digest);
}

struct policy *
policy_new_default(void)
{
	struct policy *p;
	const struct group *g;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	model_limits_default(&p->limits);
	p->worker_timeout_ms = WORKER_TIMEOUT_MS;
	p->worker_mem = WORKER_AS_MAX;
	p->worker_cpu = WORKER_CPU_SEC;
	p->max_workers = POLICY_DEFAULT_WORKERS;
	p->idle_workers = POLICY_DEFAULT_IDLE;
	p->queue_length = POLICY_DEFAULT_QUEUE;
	p->cache_bytes = POLICY_DEFAULT_CACHE;
	p->owner = geteuid();
	if ((g = getgrnam(POLICY_GROUP)) != NULL) {
		p->have_group = 1;
		p->group = g->gr_gid;
	}
	policy_compute_digest(p);
	return p;
}

int
policy_load(const char *path, int path_is_default, struct policy **ret,
    const char **ret_err)
{
	struct stat st;
	struct policy *p;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT && path_is_default)
			goto builtin;
		*ret_err = "cannot read the policy file";
		return -errno;
	}
	/*
	 * Fail closed: a file the ops team wrote must never be silently
	 * replaced by the default.  The file format is not parsed yet.
	 */
	*ret_err = "policy files are not supported by this build; "
	    "remove it to use the built-in default";
	return -EOPNOTSUPP;
builtin:
	if ((p = policy_new_default()) == NULL) {
		*ret_err = "out of memory";
		return -ENOMEM;
	}
	*ret = p;
	return 0;
}

void
policy_free(struct policy *p)
{
	free(p);
}

int
policy_access(const struct policy *p, uid_t uid, gid_t gid,
    const gid_t *groups, size_t n)
{
	size_t i;

	if (uid == 0 || uid == p->owner)
		return 0;
	if (!p->have_group)
		return -EACCES;
	if (gid == p->group)
		return 0;
	for (i = 0; i < n; i++)
		if (groups[i] == p->group)
			return 0;
	return -EACCES;
}

int
policy_profile_limits(const struct policy *p, const char *name,
    struct model_limits *ret)
{
	if (name[0] != '\0' && strcmp(name, "default") != 0)
		return -ENOENT;
	*ret = p->limits;
	return 0;
}

uint32_t
policy_worker_timeout_ms(const struct policy *p)
{
	return p->worker_timeout_ms;
}

uint64_t
policy_worker_mem(const struct policy *p)
{
	return p->worker_mem;
}

uint32_t
policy_worker_cpu(const struct policy *p)
{
	return p->worker_cpu;
}

uint32_t
policy_max_workers(const struct policy *p)
{
	return p->max_workers;
}

uint32_t
policy_max_concurrent(const struct policy *p)
{
	return p->max_workers;
}

uint32_t
policy_idle_workers(const struct policy *p)
{
	return p->idle_workers;
}

uint32_t
policy_queue_length(const struct policy *p)
{
	return p->queue_length;
}

uint64_t
policy_cache_bytes(const struct policy *p)
{
	return p->cache_bytes;
}

const char *
policy_digest(const struct policy *p)
{
	return p->digest;
}
