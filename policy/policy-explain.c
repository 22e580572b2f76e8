/*
 * policy-explain.c: print the effective rules of a loaded policy, after
 * defaults, in the policy file's own syntax, and the lint warnings about
 * rules that load but do not do what they seem to (role: library, used by
 * `safeload policy explain` and `safeload policy check`).
 *
 * What is printed is what the daemon enforces: every key with its value,
 * whether the file set it or the default did, so an ops person can read
 * one profile top to bottom and know what a model faces.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "policy-internal.h"
#include "report.h"

static void
explain_ids(FILE *out, const char *key, const struct policy_idlist *l)
{
	size_t i;

	fprintf(out, "%s =", key);
	for (i = 0; i < l->n; i++) {
		if (l->ids[i].resolved &&
		    strcmp(l->ids[i].name, "") != 0 &&
		    (l->ids[i].name[0] < '0' || l->ids[i].name[0] > '9'))
			fprintf(out, " %s(%u)", l->ids[i].name, l->ids[i].id);
		else if (l->ids[i].resolved)
			fprintf(out, " %u", l->ids[i].id);
		else
			fprintf(out, " %s(unresolved)", l->ids[i].name);
	}
	fprintf(out, "\n");
}

static void
explain_names(FILE *out, const char *key, const struct policy_names *l,
    const char *none)
{
	size_t i;

	fprintf(out, "%s =", key);
	if (!l->set || l->n == 0)
		fprintf(out, " %s", none);
	for (i = 0; i < l->n; i++)
		fprintf(out, " %s", l->names[i]);
	fprintf(out, "\n");
}

static void
explain_udfs(FILE *out, const struct model_udfs *u)
{
	uint32_t i;

	fprintf(out, "user_defined_functions =%s", u->n == 0 ? " reject" : "");
	for (i = 0; i < u->n; i++)
		fprintf(out, " %s", u->names[i]);
	fprintf(out, "\n");
}

static void
explain_daemon(const struct policy *p, FILE *out)
{
	fprintf(out, "[daemon]\n");
	fprintf(out, "idle_workers = %u\n", p->idle_workers);
	fprintf(out, "max_concurrent = %u\n", p->max_workers);
	fprintf(out, "queue_length = %u\n", p->queue_length);
	fprintf(out, "cache_size = %" PRIu64 "\n", p->cache_bytes);
	fprintf(out, "worker_timeout = %ums\n", p->worker_timeout_ms);
	fprintf(out, "worker_memory = %" PRIu64 "\n", p->worker_mem);
	fprintf(out, "worker_cpu = %us\n", p->worker_cpu);
	fprintf(out, "\n[access]\n");
	fprintf(out, "# root and uid %u (the daemon's own user) always may "
	    "connect\n", (unsigned)p->owner);
	explain_ids(out, "users", &p->users);
	explain_ids(out, "groups", &p->groups);
}

static void
explain_mask(FILE *out, const char *key, uint32_t mask, int n,
    const char *(*name)(int))
{
	int i;

	fprintf(out, "%s =", key);
	if (mask == 0)
		fprintf(out, " (none)");
	for (i = 0; i < n; i++)
		if (mask & (1u << i))
			fprintf(out, " %s", name(i));
	fprintf(out, "\n");
}

static const char *
format_name(int f)
{
	return report_format_name((enum report_format)f);
}

static const char *
layer_name(int l)
{
	return policy_layer_name((enum policy_layer)l);
}

static void
explain_limits(const struct policy_profile *pr, FILE *out)
{
	const struct model_limits *l = &pr->limits;

	fprintf(out, "max_file_size = %" PRIu64 "\n", l->max_bytes);
	fprintf(out, "max_depth = %u\n", l->max_depth);
	fprintf(out, "max_nodes = %u\n", l->max_nodes);
	fprintf(out, "max_tensor_elements = %" PRIu64 "\n", l->max_elements);
	fprintf(out, "max_parameters = %" PRIu64 "\n", pr->max_parameters);
	fprintf(out, "max_string = %u\n", l->max_string);
	fprintf(out, "max_entries = %u\n", l->max_entries);
	fprintf(out, "max_decode_memory = %" PRIu64 "\n", l->max_alloc);
	fprintf(out, "max_graph_steps = %" PRIu64 "\n", l->max_graph_steps);
	fprintf(out, "max_dynamic_axes = %u\n", l->max_dynamic_axes);
}

static void
explain_profile(const struct policy_profile *pr, FILE *out)
{
	size_t i;
	char hex[2 * 8 + 1];

	fprintf(out, "\n[profile %s]\n", pr->name);
	if (pr->users.n == 0 && pr->groups.n == 0)
		fprintf(out, "# open to every client that [access] lets in\n");
	explain_ids(out, "users", &pr->users);
	explain_ids(out, "groups", &pr->groups);
	/* Bit 0 is REPORT_FORMAT_UNKNOWN, never allowed: skip it. */
	explain_mask(out, "formats", pr->formats & ~1u, REPORT_FORMAT__MAX,
	    format_name);
	explain_limits(pr, out);
	explain_names(out, "allow_ops", &pr->allow_ops, "(every known op)");
	explain_names(out, "deny_ops", &pr->deny_ops, "(none)");
	explain_udfs(out, &pr->udfs);
	fprintf(out, "trusted_digests = %s", pr->digests_file.path[0] != '\0' ?
	    pr->digests_file.path : "(none)");
	if (pr->n_digests > 0)
		fprintf(out, "  # %zu digests", pr->n_digests);
	fprintf(out, "\nrequire_signature = %s\n",
	    pr->require_signature ? "yes" : "no");
	for (i = 0; i < pr->n_keys; i++) {
		size_t k;

		for (k = 0; k < 8; k++)
			(void)snprintf(hex + 2 * k, 3, "%02X",
			    pr->keys[i].id[7 - k]);
		fprintf(out, "# public key id %s\n", hex);
	}
	explain_mask(out, "sandbox_floor", pr->sandbox_floor,
	    POLICY_LAYER__MAX, layer_name);
}

/* What one uid may do: connect, and which profiles (groups from NSS). */
static void
explain_uid(const struct policy *p, FILE *out, uid_t uid)
{
	gid_t groups[POLICY_IDS_MAX];
	size_t i, n = 0;
	gid_t gid = (gid_t)-1;

	n = policy_uid_groups(uid, &gid, groups, POLICY_IDS_MAX);
	fprintf(out, "# uid %u: %s\n", (unsigned)uid,
	    policy_access(p, uid, gid, groups, n) == 0 ?
	    "may connect" : "may NOT connect");
	for (i = 0; i < p->n_profiles; i++)
		fprintf(out, "#   profile %s: %s\n", p->profiles[i].name,
		    policy_profile_allowed(p, p->profiles[i].name, uid, gid,
		    groups, n) == 0 ? "allowed" : "not allowed");
}

int
policy_explain(const struct policy *p, FILE *out, uid_t uid,
    const char *profile)
{
	size_t i;

	if (profile != NULL && policy_find_profile(p, profile) == NULL)
		return -ENOENT;
	fprintf(out, "# policy %s%s\n", p->digest,
	    p->builtin ? " (built-in default)" : "");
	if (uid != (uid_t)-1)
		explain_uid(p, out, uid);
	if (profile == NULL)
		explain_daemon(p, out);
	for (i = 0; i < p->n_profiles; i++)
		if (profile == NULL ||
		    strcmp(profile, p->profiles[i].name) == 0)
			explain_profile(&p->profiles[i], out);
	return 0;
}

static int
lint_id_in(const struct policy_idlist *l, uint32_t id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->ids[i].resolved && l->ids[i].id == id)
			return 1;
	return 0;
}

/* Does group gid have a member whom [access] lets in by uid? */
static int
lint_group_reachable(const struct policy *p, uint32_t gid)
{
	const struct group *gr;
	const struct passwd *pw;
	size_t i;

	if (gid == 0)
		return 1;	/* root's own group: root may always connect */
	/* The CLI is single-threaded; NSS answers are copied at once. */
	/* cppcheck-suppress getgrgidCalled */
	if ((gr = getgrgid((gid_t)gid)) == NULL)
		return 0;
	for (i = 0; gr->gr_mem[i] != NULL; i++) {
		/* cppcheck-suppress getpwnamCalled */
		if ((pw = getpwnam(gr->gr_mem[i])) == NULL)
			continue;
		/* POSIX: getpwnam() leaves getgrgid()'s result alone. */
		if (pw->pw_uid == 0 || pw->pw_uid == p->owner ||
		    lint_id_in(&p->users, pw->pw_uid))
			return 1;
	}
	return 0;
}

/* Can anyone the profile names get past [access] at all? */
static int
lint_reachable(const struct policy *p, const struct policy_profile *pr)
{
	size_t i;

	if (pr->users.n == 0 && pr->groups.n == 0)
		return 1;
	for (i = 0; i < pr->users.n; i++)
		if (pr->users.ids[i].id == 0 ||
		    pr->users.ids[i].id == (uint32_t)p->owner ||
		    lint_id_in(&p->users, pr->users.ids[i].id))
			return 1;
	for (i = 0; i < pr->groups.n; i++)
		if (lint_id_in(&p->groups, pr->groups.ids[i].id) ||
		    lint_group_reachable(p, pr->groups.ids[i].id))
			return 1;
	return 0;
}

static int
lint_profile(const struct policy *p, const struct policy_profile *pr,
    const char *file, FILE *out)
{
	size_t i, k;
	int n = 0;

#define WARN(...) do { fprintf(out, "%s:%u: warning: [profile %s]: ", \
	file, pr->line, pr->name); fprintf(out, __VA_ARGS__); \
	fprintf(out, "\n"); n++; } while (0)
	if (!lint_reachable(p, pr))
		WARN("it names only users and groups that [access] does not "
		    "let connect (members of an [access] group may still)");
	for (i = 0; i < pr->allow_ops.n; i++)
		for (k = 0; k < pr->deny_ops.n; k++)
			if (strcmp(pr->allow_ops.names[i],
			    pr->deny_ops.names[k]) == 0)
				WARN("'%s' is in allow_ops and deny_ops; deny "
				    "wins", pr->deny_ops.names[k]);
	if (!pr->require_signature && (pr->n_keys > 0 || pr->n_digests > 0))
		WARN("public keys and trusted_digests take effect only with "
		    "require_signature = yes");
	if (pr->udfs.n > 0)
		WARN("it admits user-defined functions: CNTK runs their code "
		    "when it loads the model; list only code you trust");
	if (pr->allow_ops.set && pr->allow_ops.n == 0)
		WARN("allow_ops is empty: every model with an op is rejected");
#undef WARN
	return n;
}

int
policy_lint(const struct policy *p, const char *file, FILE *out)
{
	size_t i;
	int n = 0;

	if (p->users.n == 0 && p->groups.n == 0) {
		fprintf(out, "%s: warning: [access] lets in only root and uid "
		    "%u\n", file, (unsigned)p->owner);
		n++;
	}
	for (i = 0; i < p->n_profiles; i++)
		n += lint_profile(p, &p->profiles[i], file, out);
	return n;
}
