/*
 * request-policy.c: apply the policy to one check request: who may use a
 * profile, what the worker is told, and the signature and digest checks on
 * its verdict (role: supervisor).
 *
 * The worker enforces the limits and the op and format rules, because
 * only it sees the model.  Signatures are checked here, against the
 * BLAKE2b-512 hash the worker computed while it had the bytes mapped: the
 * keys never enter the sandbox and the supervisor never reads the model.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "canary.h"
#include "conn.h"
#include "policy.h"
#include "request-policy.h"

#define PEER_GROUPS_MAX	256u	/* supplementary groups we look at */

static const char *
profile_name(const struct wire_check *check)
{
	return check->profile[0] != '\0' ? check->profile : "default";
}

enum reason
request_policy_admit(const struct policy *p, const struct conn *c,
    const struct wire_check *check, char *msg, size_t n)
{
	gid_t groups[PEER_GROUPS_MAX];
	socklen_t l = sizeof(groups);
	size_t ng;
	int r;

	/* Asked again, not cached: the kernel's answer is cheap and fresh. */
	ng = getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, groups, &l) == 0 ?
	    l / sizeof(gid_t) : 0;
	/*
	 * [access] again: a connection made before a reload that revoked
	 * this peer must not keep the access it had.
	 */
	if (policy_access(p, c->uid, c->gid, groups, ng) < 0) {
		(void)snprintf(msg, n, "uid %u may no longer connect",
		    (unsigned)c->uid);
		return REASON_POLICY_DENIED;
	}
	r = policy_profile_allowed(p, check->profile, c->uid, c->gid, groups,
	    ng);
	if (r == -ENOENT) {
		(void)snprintf(msg, n, "unknown profile '%s'",
		    profile_name(check));
		return REASON_POLICY_DENIED;
	}
	if (r < 0) {
		(void)snprintf(msg, n, "uid %u may not use profile '%s'",
		    (unsigned)c->uid, profile_name(check));
		return REASON_POLICY_DENIED;
	}
	/* The layers measured at start-up (canary.c) against this floor. */
	if (!canary_floor_ok(p, check->profile)) {
		(void)snprintf(msg, n, "profile '%s' requires sandbox layers "
		    "this daemon's workers do not have", profile_name(check));
		return REASON_SANDBOX_FLOOR;
	}
	return REASON_NONE;
}

int
request_policy_work(const struct policy *p, const struct wire_check *check,
    struct wire_work *w)
{
	int r;

	if ((r = policy_profile_limits(p, check->profile, &w->limits)) < 0 ||
	    (r = policy_profile_rules(p, check->profile, &w->rules)) < 0)
		return r;
	if (policy_require_signature(p, check->profile) &&
	    check->signature[0] != '\0')
		w->flags |= WIRE_WORK_F_BLAKE2B;
	return 0;
}

int
request_policy_cacheable(const struct policy *p,
    const struct wire_check *check)
{
	return !policy_require_signature(p, check->profile);
}

/* An accept that the signature rules turn down loses its canonical copy. */
static int
verdict_reject(struct report *rep, enum reason code, const char *why)
{
	report_reject(rep, code, "%s", why);
	rep->canonical_size = 0;
	memset(rep->canonical_sha256, 0, sizeof(rep->canonical_sha256));
	return 1;
}

static int
verdict_signature(const struct policy *p, const struct wire_check *check,
    struct report *rep)
{
	const char *why = NULL;

	if (rep->verdict != REPORT_ACCEPT ||
	    !policy_require_signature(p, check->profile))
		return 0;
	if (policy_digest_trusted(p, check->profile, rep->sha256))
		return 0;
	if (check->signature[0] == '\0')
		return verdict_reject(rep, REASON_SIGNATURE_MISSING,
		    "this profile requires a minisign signature or a trusted "
		    "digest, and the request carried no signature");
	/* A worker that did not hash as asked has not earned an accept. */
	if (!rep->has_blake2b)
		return verdict_reject(rep, REASON_SIGNATURE_INVALID,
		    "the worker returned no BLAKE2b hash to check against");
	if (policy_verify_signature(p, check->profile, check->signature,
	    rep->blake2b, &why) < 0)
		return verdict_reject(rep, REASON_SIGNATURE_INVALID, why);
	return 0;
}

int
request_policy_verdict(const struct policy *p,
    const struct wire_check *check, struct report *rep)
{
	int r = verdict_signature(p, check, rep);

	/* The worker's words for these are ignored: we know them. */
	(void)snprintf(rep->profile, sizeof(rep->profile), "%s",
	    profile_name(check));
	(void)snprintf(rep->policy_digest, sizeof(rep->policy_digest), "%s",
	    policy_digest(p));
	rep->has_blake2b = 0;
	memset(rep->blake2b, 0, sizeof(rep->blake2b));
	return r;
}
