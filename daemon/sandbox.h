/*
 * sandbox.h: confine the worker before it reads one untrusted byte
 * (role: worker).  The allowlist itself is in sandbox-filter.c.
 *
 * The layer bits and the canary's report below are also read by the
 * supervisor (canary.c), which never links the sandbox itself.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* One bit per layer sandbox_enter() put in place (docs/sandbox.md). */
enum sandbox_layer {
	SANDBOX_FDS		= 1u << 0,  /* every fd above keep_fd closed */
	SANDBOX_RLIMITS		= 1u << 1,  /* NPROC, FSIZE, CORE, NOFILE, AS, CPU */
	SANDBOX_NOT_DUMPABLE	= 1u << 2,  /* PR_SET_DUMPABLE 0 */
	SANDBOX_IDS		= 1u << 3,  /* switched uid/gid, no groups */
	SANDBOX_CAPS		= 1u << 4,  /* no capability in any set */
	SANDBOX_USERNS		= 1u << 5,  /* own user namespace */
	SANDBOX_MNTNS		= 1u << 6,  /* own mount namespace */
	SANDBOX_NETNS		= 1u << 7,  /* own network namespace: no net */
	SANDBOX_IPCNS		= 1u << 8,  /* own SysV IPC / mqueue namespace */
	SANDBOX_UTSNS		= 1u << 9,  /* own hostname */
	SANDBOX_CGROUPNS	= 1u << 10, /* own cgroup root view */
	SANDBOX_PIDNS		= 1u << 11, /* pid 1 of its own PID namespace */
	SANDBOX_NNP		= 1u << 12, /* PR_SET_NO_NEW_PRIVS */
	SANDBOX_LANDLOCK	= 1u << 13, /* no filesystem access at all */
	SANDBOX_LANDLOCK_SCOPE	= 1u << 14, /* no signals, no abstract sockets */
	SANDBOX_SECCOMP		= 1u << 15, /* the allowlist, kill by default */
};
#define SANDBOX_LAYER_BITS	16u

/* Layers without which sandbox_enter() always fails. */
#define SANDBOX_MANDATORY	(SANDBOX_FDS | SANDBOX_RLIMITS | \
				    SANDBOX_NOT_DUMPABLE | SANDBOX_CAPS | \
				    SANDBOX_NNP | SANDBOX_SECCOMP)
/*
 * The namespaces the worker enters itself with unshare().  Not the PID
 * namespace: that one the spawn made (step 0), sandbox_enter() only sees
 * whether it is there.
 */
#define SANDBOX_NAMESPACES	(SANDBOX_USERNS | SANDBOX_MNTNS | \
				    SANDBOX_NETNS | SANDBOX_IPCNS | \
				    SANDBOX_UTSNS | SANDBOX_CGROUPNS)

/*
 * What a worker started with --canary sends on its socket once it is in
 * the sandbox, before it makes the forbidden call that must kill it.
 */
#define SANDBOX_CANARY_MAGIC	0x53424f58u	/* "SBOX" */
struct sandbox_canary_report {
	uint32_t	magic;
	uint32_t	layers;		/* enum sandbox_layer bits */
	uint32_t	landlock_abi;	/* 0: the kernel has none */
	uint32_t	reserved;
};

/* Where sandbox_enter() spends its time (bench/bench-sandbox.c). */
enum sandbox_step {
	SANDBOX_STEP_FDS_RLIMITS = 0,	/* 1-2 */
	SANDBOX_STEP_NAMESPACES,	/* 3, root only */
	SANDBOX_STEP_IDS,		/* 4, root only */
	SANDBOX_STEP_USERNS,		/* 5a */
	SANDBOX_STEP_CAPS,		/* 5b-6 */
	SANDBOX_STEP_LANDLOCK,		/* 7-8 */
	SANDBOX_STEP_SECCOMP,		/* 9: compile and load */
	SANDBOX_STEPS
};

struct sandbox_config {
	uid_t		uid;		/* used only when started as root */
	gid_t		gid;
	uint64_t	as_bytes;	/* RLIMIT_AS */
	uint32_t	cpu_seconds;	/* RLIMIT_CPU */
	uint32_t	nofile;		/* RLIMIT_NOFILE */
	int		keep_fd;	/* highest fd kept open (the socket) */
	uint32_t	required;	/* layers whose absence is fatal */
	uint64_t	*step_ns;	/* NULL, or SANDBOX_STEPS ns to fill */
	/*
	 * SANDBOX_LANDLOCK and/or SANDBOX_SECCOMP not to put in place: only
	 * the -Dtest_hooks worker sets this, so that tests can show what the
	 * self-check and the policy floor do with a weaker sandbox.
	 */
	uint32_t	disable;
	/*
	 * Namespace layers the spawner already joined us to with setns()
	 * (the daemon's shared worker namespaces, worker-ns.h): recorded at
	 * step 3 and not made again.
	 */
	uint32_t	ns_joined;
};

/*
 * Defaults from safeload-limits.h, uid/gid of 'nobody' (65534), keep_fd 3,
 * required SANDBOX_MANDATORY (plus SANDBOX_IDS when running as root).
 */
void	sandbox_config_default(struct sandbox_config *ret);

/*
 * Enter the sandbox, in this fixed order (docs/sandbox.md):
 *   0. (before exec, in spawn_worker(): the worker is cloned into a new
 *      PID namespace when the spawner may; here it is only recorded, at
 *      step 3, as SANDBOX_PIDNS if we are pid 1 with no parent in sight);
 *   1. close every fd above keep_fd;
 *   2. rlimits (NPROC=0, FSIZE=CANONICAL_MAX_BYTES (the kernel applies it
 *      to memfds too), CORE=0, NOFILE, AS, CPU);
 *   3. the namespaces the spawner joined us to (cfg->ns_joined) recorded;
 *      if root: new mount, network, IPC, UTS and cgroup namespaces for
 *      those not joined;
 *   4. if root, with libcap-ng: empty the bounding set, drop groups,
 *      switch gid and uid;
 *   5. a new user namespace (with the namespaces of 3 when not root),
 *      then every capability emptied again (a new user namespace grants
 *      the full set inside it);
 *   6. PR_SET_DUMPABLE=0 (after 4 and 5: credential changes reset it);
 *   7. PR_SET_NO_NEW_PRIVS;
 *   8. Landlock: a ruleset that handles every filesystem right the kernel
 *      knows and allows none (plus TCP and signal/abstract-socket scopes
 *      where the ABI has them);
 *   9. seccomp allowlist, kill-process by default, architecture checked.
 * Optional layers (namespaces, Landlock) that the kernel refuses are left
 * out unless cfg->required names them (SANDBOX_PIDNS included: required
 * and not pid 1 is -EOPNOTSUPP).  Returns 0 and the layers in place
 * in *ret_layers (may be NULL), or -errno naming the first step that
 * failed.  A caller must treat any failure as fatal: a half-entered
 * sandbox is no sandbox.
 */
int	sandbox_enter(const struct sandbox_config *cfg, uint32_t *ret_layers);

/* The kernel's Landlock ABI version, 0 if it has none.  Any time. */
uint32_t sandbox_landlock_abi(void);

/*
 * Write the worker's seccomp filter, as the kernel would run it (an array
 * of struct sock_filter), to fd without installing it.  For the golden
 * table test and the filter benchmark.  Returns 0 or -errno.
 */
int	sandbox_filter_export(int fd);
