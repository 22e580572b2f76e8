/*
 * request-policy.h: what the policy says about one check request, at the
 * three points where the supervisor asks (role: supervisor).
 *
 * request.c calls these with the policy the request started under (it
 * holds a reference), so a reload never changes a request in flight.
 */
#pragma once

#include <stddef.h>

#include "reason.h"
#include "report.h"
#include "wire.h"

struct conn;
struct policy;

/*
 * Before any worker: may this peer use the profile it asked for?
 * REASON_NONE, or the reason to refuse with (REASON_POLICY_DENIED,
 * REASON_SANDBOX_FLOOR) and a message in msg.
 */
enum reason	request_policy_admit(const struct policy *p,
		    const struct conn *c, const struct wire_check *check,
		    char *msg, size_t n);
/* The work order: the profile's limits, rules and the BLAKE2b flag. */
int		request_policy_work(const struct policy *p,
		    const struct wire_check *check, struct wire_work *w);
/* 0 if results under this profile may be cached (no signature check). */
int		request_policy_cacheable(const struct policy *p,
		    const struct wire_check *check);
/*
 * After the worker: require a good signature or a trusted digest where
 * the profile says so, and name the profile and the policy digest in the
 * report.  Returns 1 when an accept became a reject: the caller must drop
 * the canonical memfd.
 */
int		request_policy_verdict(const struct policy *p,
		    const struct wire_check *check, struct report *rep);
