/*
 * policy.h: what the ops team allows (role: library, used by the
 * supervisor).
 *
 * This is the built-in default policy; the policy file format
 * (/etc/safeload/policy.conf) builds on it.  The default is safe: every
 * limit is set, user-defined functions are rejected by the worker, and
 * only root, the daemon's own user and members of group 'safeload' may
 * connect.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model-limits.h"

#define POLICY_DEFAULT_PATH	SYSCONFDIR "/safeload/policy.conf"
#define POLICY_GROUP		"safeload"
#define POLICY_DIGEST_HEX	65

struct policy;

/* The built-in default.  NULL only on OOM. */
struct policy	*policy_new_default(void);
/*
 * Load `path`.  A missing file at the default path means the built-in
 * default; any other path must exist.  Returns -errno; *ret_err (static
 * text) says why.
 */
int		 policy_load(const char *path, int path_is_default,
		    struct policy **ret, const char **ret_err);
void		 policy_free(struct policy *p);

/*
 * May this peer connect?  0 if yes, -EACCES if not.  `groups` are the
 * peer's supplementary groups (SO_PEERGROUPS), n of them.
 */
int		 policy_access(const struct policy *p, uid_t uid, gid_t gid,
		    const gid_t *groups, size_t n);
/* The limits for profile `name` ("" = default); -ENOENT if unknown. */
int		 policy_profile_limits(const struct policy *p,
		    const char *name, struct model_limits *ret);

uint32_t	 policy_worker_timeout_ms(const struct policy *p);
uint64_t	 policy_worker_mem(const struct policy *p);
uint32_t	 policy_worker_cpu(const struct policy *p);
/* [daemon]: workers kept warm, requests served at once, requests queued. */
uint32_t	 policy_idle_workers(const struct policy *p);
uint32_t	 policy_max_concurrent(const struct policy *p);
/* Old name of policy_max_concurrent(); kept for existing callers. */
uint32_t	 policy_max_workers(const struct policy *p);
uint32_t	 policy_queue_length(const struct policy *p);
/* [daemon]: bytes of canonical results the supervisor may cache. */
uint64_t	 policy_cache_bytes(const struct policy *p);
/* sha256 of the policy's canonical text, lower-case hex. */
const char	*policy_digest(const struct policy *p);
