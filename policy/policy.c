/*
 * policy.c: load the policy file, resolve what it names, and answer the
 * supervisor's questions (role: library, used by the supervisor and the
 * `safeload policy` command).
 *
 * Loading is all or nothing: the text is parsed (policy-parse.c), user and
 * group names are resolved, key and digest files are read, and only a
 * policy that passed every step is returned.  The caller keeps its old
 * policy until then, which is what makes a SIGHUP reload atomic.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fd.h"
#include "policy-internal.h"
#include "sha256.h"

static char policy_errbuf[POLICY_ERR_MAX + POLICY_PATH_MAX + 16];

void
policy_profile_defaults(struct policy_profile *pr, const char *name)
{
	int f;

	memset(pr, 0, sizeof(*pr));
	(void)snprintf(pr->name, sizeof(pr->name), "%s", name);
	model_limits_default(&pr->limits);
	pr->max_parameters = POLICY_PARAMS_MAX;
	for (f = REPORT_FORMAT_UNKNOWN + 1; f < REPORT_FORMAT__MAX; f++)
		pr->formats |= 1u << f;
	/* The layers every build has; landlock is opt-in. */
	pr->sandbox_floor = 1u << POLICY_LAYER_RLIMITS |
	    1u << POLICY_LAYER_NO_NEW_PRIVS | 1u << POLICY_LAYER_SECCOMP;
}

void
policy_init_defaults(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->refs = 1;
	p->worker_timeout_ms = WORKER_TIMEOUT_MS;
	p->worker_mem = WORKER_AS_MAX;
	p->worker_cpu = WORKER_CPU_SEC;
	p->max_workers = POLICY_DEFAULT_WORKERS;
	p->idle_workers = POLICY_DEFAULT_IDLE;
	p->queue_length = POLICY_DEFAULT_QUEUE;
	p->cache_bytes = POLICY_DEFAULT_CACHE;
	p->owner = geteuid();
	/* [access] by default: root (always) and the group 'safeload'. */
	p->groups.n = 1;
	(void)snprintf(p->groups.ids[0].name, sizeof(p->groups.ids[0].name),
	    "%s", POLICY_GROUP);
	p->n_profiles = 1;
	policy_profile_defaults(&p->profiles[0], POLICY_DEFAULT_PROFILE);
}

/*
 * A name that does not resolve is an error in a file, but the built-in
 * group 'safeload' (line 0) may be missing: then only root may ask.
 */
static int
policy_resolve_list(struct policy_idlist *l, int is_group, const char *file,
    const char **ret_err)
{
	const struct passwd *pw;
	const struct group *gr;
	size_t i;

	for (i = 0; i < l->n; i++) {
		struct policy_id *id = &l->ids[i];

		if (id->resolved)
			continue;
		if (is_group && (gr = getgrnam(id->name)) != NULL) {
			id->id = gr->gr_gid;
			id->resolved = 1;
		} else if (!is_group && (pw = getpwnam(id->name)) != NULL) {
			id->id = pw->pw_uid;
			id->resolved = 1;
		} else if (id->line != 0) {
			(void)snprintf(policy_errbuf, sizeof(policy_errbuf),
			    "%s:%u: unknown %s '%s'", file, id->line,
			    is_group ? "group" : "user", id->name);
			*ret_err = policy_errbuf;
			return -EINVAL;
		}
	}
	return 0;
}

static int
policy_resolve(struct policy *p, const char *file, const char **ret_err)
{
	size_t i;
	int r;

	if ((r = policy_resolve_list(&p->users, 0, file, ret_err)) < 0 ||
	    (r = policy_resolve_list(&p->groups, 1, file, ret_err)) < 0)
		return r;
	for (i = 0; i < p->n_profiles; i++) {
		struct policy_profile *pr = &p->profiles[i];

		if ((r = policy_resolve_list(&pr->users, 0, file,
		    ret_err)) < 0 ||
		    (r = policy_resolve_list(&pr->groups, 1, file,
		    ret_err)) < 0 ||
		    (r = policy_load_files(pr, file, ret_err)) < 0)
			return r;
	}
	return 0;
}

/* Cross-key rules that no single line can break. */
static int
policy_validate(const struct policy *p, const char *file,
    const char **ret_err)
{
	size_t i;

	for (i = 0; i < p->n_profiles; i++) {
		const struct policy_profile *pr = &p->profiles[i];
		const char *why = NULL;

		if (pr->require_signature && pr->n_keys == 0 &&
		    pr->n_digests == 0)
			why = "require_signature = yes needs a public_key, "
			    "a public_key_file or trusted_digests";
		else if (pr->udf_allow > 0 && pr->udfs.n == 0)
			why = "user_defined_functions lists no names";
		if (why != NULL) {
			(void)snprintf(policy_errbuf, sizeof(policy_errbuf),
			    "%s:%u: [profile %s]: %s", file, pr->line,
			    pr->name, why);
			*ret_err = policy_errbuf;
			return -EINVAL;
		}
	}
	if (p->idle_workers > p->max_workers) {
		(void)snprintf(policy_errbuf, sizeof(policy_errbuf),
		    "%s: [daemon]: idle_workers (%u) exceeds max_concurrent "
		    "(%u)", file, p->idle_workers, p->max_workers);
		*ret_err = policy_errbuf;
		return -EINVAL;
	}
	return 0;
}

/* The built-in default's digest names every effective value. */
static void
policy_builtin_digest(struct policy *p)
{
	char text[512];
	uint8_t d[SHA256_LEN];
	const struct model_limits *l = &p->profiles[0].limits;
	int n;

	n = snprintf(text, sizeof(text),
	    "builtin-2 bytes=%" PRIu64 " elements=%" PRIu64 " alloc=%" PRIu64
	    " depth=%u nodes=%u string=%u entries=%u timeout=%u mem=%" PRIu64
	    " cpu=%u workers=%u idle=%u queue=%u cache=%" PRIu64,
	    l->max_bytes, l->max_elements, l->max_alloc, l->max_depth,
	    l->max_nodes, l->max_string, l->max_entries, p->worker_timeout_ms,
	    p->worker_mem, p->worker_cpu, p->max_workers, p->idle_workers,
	    p->queue_length, p->cache_bytes);
	sha256(text, n > 0 ? (size_t)n : 0, d);
	sha256_hex(d, p->digest);
}

struct policy *
policy_new_default(void)
{
	struct policy *p;
	const char *err;

	if ((p = malloc(sizeof(*p))) == NULL)
		return NULL;
	policy_init_defaults(p);
	p->builtin = 1;
	(void)policy_resolve(p, "(built-in)", &err);
	policy_builtin_digest(p);
	return p;
}

/*
 * The digest names everything a verdict depends on: the text, and when
 * the text names them, the keys and trusted digests read from other files
 * (a file without those is digested as its text alone, so it equals
 * sha256sum of the file).
 */
static void
policy_file_digest(struct policy *p, const char *text, size_t len)
{
	struct sha256 h;
	uint8_t d[SHA256_LEN];
	size_t i;

	sha256_init(&h);
	sha256_update(&h, text, len);
	for (i = 0; i < p->n_profiles; i++) {
		const struct policy_profile *pr = &p->profiles[i];

		if (pr->n_key_files == 0 && pr->digests_file.path[0] == '\0')
			continue;
		sha256_update(&h, pr->name, strlen(pr->name) + 1);
		sha256_update(&h, pr->keys, pr->n_keys * sizeof(pr->keys[0]));
		if (pr->n_digests > 0)
			sha256_update(&h, pr->digests, pr->n_digests * 32);
	}
	sha256_final(&h, d);
	sha256_hex(d, p->digest);
}

/* Parse, resolve and check text that came from `file`. */
int
policy_parse(const char *text, size_t len, const char *file,
    struct policy **ret, const char **ret_err)
{
	struct policy *p = NULL;
	struct policy_err e = { .file = file };
	int r;

	if ((p = malloc(sizeof(*p))) == NULL) {
		*ret_err = "out of memory";
		return -ENOMEM;
	}
	policy_init_defaults(p);
	if ((r = policy_parse_text(text, len, p, &e)) < 0) {
		(void)snprintf(policy_errbuf, sizeof(policy_errbuf),
		    "%s:%u: %s", file, e.line, e.msg);
		*ret_err = policy_errbuf;
		goto out;
	}
	if ((r = policy_resolve(p, file, ret_err)) < 0 ||
	    (r = policy_validate(p, file, ret_err)) < 0)
		goto out;
	policy_file_digest(p, text, len);
	*ret = p;
	p = NULL;
out:
	policy_free(p);
	return r;
}

int
policy_load(const char *path, int path_is_default, struct policy **ret,
    const char **ret_err)
{
	struct policy *p;
	char *text = NULL;
	size_t len = 0;
	int r;

	r = policy_read_file(path, POLICY_FILE_MAX, &text, &len);
	if (r == -ENOENT && path_is_default) {
		if ((p = policy_new_default()) == NULL) {
			*ret_err = "out of memory";
			return -ENOMEM;
		}
		*ret = p;
		return 0;
	}
	if (r < 0) {
		(void)snprintf(policy_errbuf, sizeof(policy_errbuf),
		    "%s: cannot read the policy file: %s", path, strerror(-r));
		*ret_err = policy_errbuf;
		return r;
	}
	r = policy_parse(text, len, path, ret, ret_err);
	free(text);
	return r;
}

void
policy_free(struct policy *p)
{
	size_t i;

	if (p == NULL || --p->refs > 0)
		return;
	for (i = 0; i < p->n_profiles; i++)
		free(p->profiles[i].digests);
	free(p);
}

struct policy *
policy_ref(struct policy *p)
{
	p->refs++;
	return p;
}

int
policy_idlist_match(const struct policy_idlist *l, uid_t uid, gid_t gid,
    const gid_t *groups, size_t n, int is_group)
{
	size_t i, k;

	for (i = 0; i < l->n; i++) {
		if (!l->ids[i].resolved)
			continue;
		if (!is_group && l->ids[i].id == uid)
			return 1;
		if (is_group && l->ids[i].id == gid)
			return 1;
		for (k = 0; is_group && k < n; k++)
			if (groups[k] == l->ids[i].id)
				return 1;
	}
	return 0;
}

int
policy_access(const struct policy *p, uid_t uid, gid_t gid,
    const gid_t *groups, size_t n)
{
	/* Root and the daemon's own user can do anything it can anyway. */
	if (uid == 0 || uid == p->owner)
		return 0;
	if (policy_idlist_match(&p->users, uid, gid, groups, n, 0) ||
	    policy_idlist_match(&p->groups, uid, gid, groups, n, 1))
		return 0;
	return -EACCES;
}

const struct policy_profile *
policy_find_profile(const struct policy *p, const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		name = POLICY_DEFAULT_PROFILE;
	for (i = 0; i < p->n_profiles; i++)
		if (strcmp(p->profiles[i].name, name) == 0)
			return &p->profiles[i];
	return NULL;
}

int
policy_profile_allowed(const struct policy *p, const char *name, uid_t uid,
    gid_t gid, const gid_t *groups, size_t n)
{
	const struct policy_profile *pr;

	if ((pr = policy_find_profile(p, name)) == NULL)
		return -ENOENT;
	/* A profile that names nobody is open to every client. */
	if (pr->users.n == 0 && pr->groups.n == 0)
		return 0;
	if (policy_idlist_match(&pr->users, uid, gid, groups, n, 0) ||
	    policy_idlist_match(&pr->groups, uid, gid, groups, n, 1))
		return 0;
	return -EACCES;
}

int
policy_profile_limits(const struct policy *p, const char *name,
    struct model_limits *ret)
{
	const struct policy_profile *pr;

	if ((pr = policy_find_profile(p, name)) == NULL)
		return -ENOENT;
	*ret = pr->limits;
	return 0;
}

size_t
policy_uid_groups(uid_t uid, gid_t *ret_gid, gid_t *groups, size_t max)
{
	const struct passwd *pw;
	int n = (int)max;

	/* Single-threaded callers only (the CLI's explain). */
	/* cppcheck-suppress getpwuidCalled */
	if ((pw = getpwuid(uid)) == NULL)
		return 0;
	*ret_gid = pw->pw_gid;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return 0;	/* too many groups: judge by the primary one */
	return (size_t)n;
}
