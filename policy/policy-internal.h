/*
 * policy-internal.h: the body of struct policy, shared by the parser
 * (policy-parse.c), the loader (policy.c), the signature and digest checks
 * (policy-verify.c) and the explainer (policy-explain.c) (role: library).
 *
 * Everything is fixed-size: a policy file cannot make the supervisor
 * allocate more than one struct policy plus its digest list.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model-limits.h"
#include "model-rules.h"
#include "policy.h"
#include "safeload-limits.h"

#define POLICY_FILE_MAX		(256u * 1024u)	/* bytes of policy text */
#define POLICY_PROFILES_MAX	16u		/* [profile NAME] sections */
#define POLICY_IDS_MAX		64u		/* users or groups, one list */
#define POLICY_NAMES_MAX	128u		/* ops or UDF names, one list */
#define POLICY_NAME_MAX		REPORT_OP_NAME_MAX /* one user, group, op */
#define POLICY_KEYS_MAX		8u		/* public keys per profile */
#define POLICY_DIGESTS_MAX	65536u	/* lines of a trusted_digests file */
#define POLICY_DIGESTS_FILE_MAX	(POLICY_DIGESTS_MAX * 160u)
#define POLICY_PATH_MAX		1024u
#define POLICY_SIG_MAX		WIRE_STR_MAX	/* one minisign .minisig text */
#define POLICY_ERR_MAX		256u		/* one FILE:LINE: message */
#define POLICY_QUEUE_MAX	4096u		/* queue_length ceiling */
#define POLICY_CACHE_MAX	(64ull * 1024 * 1024 * 1024)
#define POLICY_PARAMS_MAX	MODEL_MAX_ELEMENTS

#define POLICY_DEFAULT_WORKERS	8u	/* concurrent requests */
#define POLICY_DEFAULT_IDLE	2u	/* warm workers */
#define POLICY_DEFAULT_QUEUE	64u	/* requests waiting for a worker */
#define POLICY_DEFAULT_CACHE	(256ull * 1024 * 1024)	/* result cache */
#define POLICY_DEFAULT_PROFILE	"default"

/* A user or group as written; the loader resolves names to ids. */
struct policy_id {
	char		name[POLICY_NAME_MAX + 1];
	unsigned	line;
	int		resolved;
	uint32_t	id;
};

struct policy_idlist {
	int			set;	/* the key appeared at all */
	size_t			n;
	struct policy_id	ids[POLICY_IDS_MAX];
};

struct policy_names {
	int		set;
	size_t		n;
	char		names[POLICY_NAMES_MAX][POLICY_NAME_MAX + 1];
};

/* A minisign public key: algorithm "Ed", 8-byte key id, Ed25519 key. */
struct policy_key {
	uint8_t		id[8];
	uint8_t		pk[32];
};

struct policy_path {
	char		path[POLICY_PATH_MAX + 1];
	unsigned	line;
};

struct policy_profile {
	char			 name[PROFILE_NAME_MAX + 1];
	unsigned		 line;
	uint64_t		 seen;		/* keys given, by table index */
	struct model_limits	 limits;
	uint64_t		 max_parameters;
	uint32_t		 formats;	/* 1u << enum report_format */
	struct policy_idlist	 users;		/* who may use it; none = all */
	struct policy_idlist	 groups;
	struct policy_names	 allow_ops;	/* unset = every known op */
	struct policy_names	 deny_ops;
	int			 udf_allow;	/* <= 0: reject all */
	struct model_udfs	 udfs;		/* exact names when allowed */
	int			 require_signature;
	size_t			 n_keys;
	struct policy_key	 keys[POLICY_KEYS_MAX];
	size_t			 n_key_files;
	struct policy_path	 key_files[POLICY_KEYS_MAX];
	struct policy_path	 digests_file;	/* "" = none */
	size_t			 n_digests;	/* sorted, for bsearch */
	uint8_t			(*digests)[32];
	uint32_t		 sandbox_floor;	/* 1u << enum policy_layer */
};

struct policy {
	unsigned		 refs;		/* policy_ref(), policy_free */
	int			 builtin;
	uint64_t		 daemon_seen;
	uint64_t		 access_seen;
	uint32_t		 worker_timeout_ms;
	uint64_t		 worker_mem;
	uint32_t		 worker_cpu;
	uint32_t		 max_workers;
	uint32_t		 idle_workers;
	uint32_t		 queue_length;
	uint64_t		 cache_bytes;
	struct policy_idlist	 users;		/* [access] */
	struct policy_idlist	 groups;
	uid_t			 owner;		/* the daemon's own uid */
	size_t			 n_profiles;	/* [0] is always "default" */
	struct policy_profile	 profiles[POLICY_PROFILES_MAX];
	char			 digest[POLICY_DIGEST_HEX];
};

/* Parse state: which file, and the first error found. */
struct policy_err {
	const char	*file;
	unsigned	 line;
	char		 msg[POLICY_ERR_MAX];
};

/* Built-in values for a fresh policy / profile (no NSS, no I/O). */
void	policy_init_defaults(struct policy *p);
void	policy_profile_defaults(struct policy_profile *pr, const char *name);
/*
 * The pure parser: text[0..len) into p (which the caller initialised with
 * policy_init_defaults()).  Names stay unresolved and files unread.
 * 0, or -EINVAL with err->line and err->msg set.
 */
int	policy_parse_text(const char *text, size_t len, struct policy *p,
	    struct policy_err *err);
/* Decode a minisign public key "RW..." (base64 of 42 bytes). */
int	policy_key_decode(const char *b64, struct policy_key *ret);
/* Read a whole regular file of at most max bytes, NUL-terminated. */
int	policy_read_file(const char *path, size_t max, char **ret,
	    size_t *ret_len);
/* Read the profile's key files and trusted_digests list. */
int	policy_load_files(struct policy_profile *pr, const char *file,
	    const char **ret_err);
/* Find a profile by name; NULL if none. */
const struct policy_profile *policy_find_profile(const struct policy *p,
	    const char *name);
/* A user's primary group and group list from NSS; 0 groups if unknown. */
size_t	policy_uid_groups(uid_t uid, gid_t *ret_gid, gid_t *groups,
	    size_t max);
/* Does this uid/gid/groups match the list? */
int	policy_idlist_match(const struct policy_idlist *l, uid_t uid,
	    gid_t gid, const gid_t *groups, size_t n, int is_group);
