/*
 * policy-query.c: the [daemon] settings and per-profile answers that the
 * supervisor reads while serving (role: library, used by the supervisor).
 *
 * Pure reads of a loaded struct policy: no I/O, no allocation, so they
 * are safe to call from the event loop at any time.
 */
#include <errno.h>
#include <string.h>

#include "policy-internal.h"

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

int
policy_is_builtin(const struct policy *p)
{
	return p->builtin;
}

const char *
policy_digest(const struct policy *p)
{
	return p->digest;
}

uint32_t
policy_sandbox_floor(const struct policy *p, const char *profile)
{
	const struct policy_profile *pr = policy_find_profile(p, profile);

	return pr != NULL ? pr->sandbox_floor : 0;
}

int
policy_require_signature(const struct policy *p, const char *profile)
{
	const struct policy_profile *pr = policy_find_profile(p, profile);

	return pr != NULL && pr->require_signature;
}

int
policy_profile_rules(const struct policy *p, const char *profile,
    struct model_rules *ret)
{
	const struct policy_profile *pr = policy_find_profile(p, profile);
	size_t i;

	if (pr == NULL)
		return -ENOENT;
	memset(ret, 0, sizeof(*ret));
	ret->formats = pr->formats;
	ret->max_parameters = pr->max_parameters;
	ret->allow_ops_set = pr->allow_ops.set;
	for (i = 0; i < pr->allow_ops.n; i++)
		memcpy(ret->allow_ops[i], pr->allow_ops.names[i],
		    sizeof(ret->allow_ops[i]));
	ret->n_allow_ops = pr->allow_ops.n;
	for (i = 0; i < pr->deny_ops.n; i++)
		memcpy(ret->deny_ops[i], pr->deny_ops.names[i],
		    sizeof(ret->deny_ops[i]));
	ret->n_deny_ops = pr->deny_ops.n;
	ret->udfs = pr->udfs;
	return 0;
}
