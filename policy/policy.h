/*
 * policy.h: what the ops team allows (role: library, used by the
 * supervisor).
 *
 * This is the built-in default policy; the policy file format
 * (/etc/safeload/policy.conf) builds on it.  The default is safe: every
 * limit is set, user-defined functions are rejected by the worker (a
 * profile may admit some by name), and
 * only root, the daemon's own user and members of group 'safeload' may
 * connect.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

#include "model-limits.h"
#include "model-rules.h"

#define POLICY_DEFAULT_PATH	SYSCONFDIR "/safeload/policy.conf"
#define POLICY_GROUP		"safeload"
#define POLICY_DIGEST_HEX	65

struct policy;

/*
 * Sandbox layers a profile may require ("sandbox_floor"): the daemon
 * refuses to serve that profile unless each one is active in the worker.
 */
enum policy_layer {
	POLICY_LAYER_RLIMITS = 0,
	POLICY_LAYER_UID,		/* own uid/gid, no capabilities */
	POLICY_LAYER_NO_NEW_PRIVS,
	POLICY_LAYER_SECCOMP,
	POLICY_LAYER_LANDLOCK,
	POLICY_LAYER_PIDNS,		/* the worker is pid 1 of its own */
	POLICY_LAYER_USERNS,		/* the namespaces of docs/sandbox.md */
	POLICY_LAYER_MNTNS,
	POLICY_LAYER_NETNS,
	POLICY_LAYER_IPCNS,
	POLICY_LAYER_UTSNS,
	POLICY_LAYER_CGROUPNS,
	POLICY_LAYER__MAX
};

/* The built-in default.  NULL only on OOM. */
struct policy	*policy_new_default(void);
/*
 * Load `path`.  A missing file at the default path means the built-in
 * default; any other path must exist.  Returns -errno; *ret_err says why
 * as "FILE:LINE: message" (static storage, valid until the next call).
 * Nothing is returned unless the whole file, every user and group it
 * names and every key and digest file it points to loaded cleanly.
 */
int		 policy_load(const char *path, int path_is_default,
		    struct policy **ret, const char **ret_err);
/* The same over text already read; `file` names it in errors. */
int		 policy_parse(const char *text, size_t len, const char *file,
		    struct policy **ret, const char **ret_err);
/*
 * Drop one reference; the last one frees.  NULL is a no-op.  A request
 * holds its own reference, so a SIGHUP reload that replaces the
 * supervisor's policy never changes the rules a request started under.
 */
void		 policy_free(struct policy *p);
/* Take one more reference; returns p. */
struct policy	*policy_ref(struct policy *p);

/*
 * May this peer connect?  0 if yes, -EACCES if not.  `groups` are the
 * peer's supplementary groups (SO_PEERGROUPS), n of them.
 */
int		 policy_access(const struct policy *p, uid_t uid, gid_t gid,
		    const gid_t *groups, size_t n);
/*
 * May this peer use profile `name` ("" = "default")?  0 if yes, -EACCES
 * if the profile names users or groups and the peer is none of them,
 * -ENOENT if there is no such profile.
 */
int		 policy_profile_allowed(const struct policy *p,
		    const char *name, uid_t uid, gid_t gid,
		    const gid_t *groups, size_t n);
/* The worker-side rules (formats, parameters, op lists) of a profile. */
int		 policy_profile_rules(const struct policy *p,
		    const char *name, struct model_rules *ret);
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
/*
 * sha256 of the policy file as read, lower-case hex; when the file names
 * key or digest files, also of the keys and digests read from them (for
 * the built-in default, of a text naming its values).
 */
const char	*policy_digest(const struct policy *p);
/* 1 for the built-in default (no file at the default path). */
int		 policy_is_builtin(const struct policy *p);
/* 1 if the model's sha256 is in the profile's trusted_digests, else 0. */
int		 policy_digest_trusted(const struct policy *p,
		    const char *profile, const uint8_t sha256[32]);
/*
 * Check the minisign signature `sig_text` (a .minisig file's text) of a
 * model whose BLAKE2b-512 hash is `blake2b` against the profile's keys.
 * 0 if it verifies; -EBADMSG if malformed, -ENOKEY if no trusted key made
 * it, -EKEYREJECTED if it does not match; *ret_why says which.
 */
int		 policy_verify_signature(const struct policy *p,
		    const char *profile, const char *sig_text,
		    const uint8_t blake2b[64], const char **ret_why);
/* Layers (1u << enum policy_layer) the profile requires; 0 if unknown. */
uint32_t	 policy_sandbox_floor(const struct policy *p,
		    const char *profile);
/* "rlimits", "uid", "no-new-privs", "seccomp", "landlock"; NULL if bad. */
const char	*policy_layer_name(enum policy_layer l);
/* 1 if the profile requires a signature (or a trusted digest). */
int		 policy_require_signature(const struct policy *p,
		    const char *profile);
/*
 * Print the effective rules after defaults, as a policy file would say
 * them; with uid != (uid_t)-1 also what that user may do, and with
 * profile != NULL only that profile.  -ENOENT for an unknown profile.
 */
int		 policy_explain(const struct policy *p, FILE *out, uid_t uid,
		    const char *profile);
/*
 * Print "FILE:LINE: warning: ..." for rules that load but do not do what
 * they seem to (a profile nobody can reach, an op both allowed and
 * denied, keys without require_signature, ...).  Returns the count.
 */
int		 policy_lint(const struct policy *p, const char *file,
		    FILE *out);
