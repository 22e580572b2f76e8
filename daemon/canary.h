/*
 * canary.h: safeloadd's start-up self-check of the worker sandbox (role:
 * supervisor).
 *
 * Before it serves anyone, safeloadd spawns one worker with --canary, the
 * same way it spawns every worker.  The canary enters the sandbox and
 * says which layers it put in place; the supervisor checks what it can of
 * that claim from /proc (seccomp mode, NO_NEW_PRIVS, ids, capabilities,
 * limits, open fds, namespaces), then lets the canary make a forbidden
 * call and expects it to die by SIGSYS.  The measured layers are what
 * `safeload status` reports and what the policy's sandbox floor is
 * checked against.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct policy;
struct spawn_args;
struct wire_status;

struct canary_result {
	uint32_t	claimed;	/* enum sandbox_layer bits it reported */
	uint32_t	layers;		/* claimed and not contradicted by /proc */
	uint32_t	landlock_abi;	/* 0: no Landlock in this kernel */
	int		killed;		/* the forbidden call killed it (SIGSYS) */
	int		ran;		/* a canary has run at all */
};

/*
 * Spawn one canary from `tmpl` (sock and canary are set here) and measure
 * it.  Blocks for at most CANARY_TIMEOUT_MS; the canary is always reaped.
 * Returns 0 and *ret, or -errno when no report arrived.
 */
int	canary_run(const struct spawn_args *tmpl, struct canary_result *ret);

/*
 * Start-up: run the canary, log what it measured, remember it for
 * canary_last(), and fail (-EPERM, *ret_why saying why) if it survived
 * the forbidden call or the default profile's sandbox floor is not met.
 */
int	canary_startup(const struct spawn_args *tmpl, const struct policy *p,
	    const char **ret_why);

/* The start-up result (ran == 0 before canary_startup()). */
const struct canary_result *canary_last(void);

/*
 * How every later worker is spawned (spawn_args.pidns): in its own PID
 * namespace, required, if the canary was measured in one, so that no
 * worker quietly runs with less than `safeload status` says; else plain
 * fork(), without retrying a clone the kernel already refused.  The
 * canary itself is spawned with SPAWN_PIDNS_TRY.
 */
int	canary_spawn_pidns(void);

/* 1 if every layer the profile's floor names was measured at start-up. */
int	canary_floor_ok(const struct policy *p, const char *profile);

/*
 * Render layer bits as "seccomp,no-new-privs,..." into buf (always NUL
 * terminated; "none" for 0).
 */
void	canary_layers_text(uint32_t layers, char *buf, size_t len);

/*
 * `safeload status` items: sandbox_canary, sandbox_layers,
 * sandbox_missing, landlock_abi.
 */
void	canary_status_add(struct wire_status *st);
