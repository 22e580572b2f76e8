/*
 * sandbox.h: confine the worker before it reads one untrusted byte
 * (role: worker).  The only file that includes seccomp.h and cap-ng.h.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

struct sandbox_config {
	uid_t		uid;		/* used only when started as root */
	gid_t		gid;
	uint64_t	as_bytes;	/* RLIMIT_AS */
	uint32_t	cpu_seconds;	/* RLIMIT_CPU */
	uint32_t	nofile;		/* RLIMIT_NOFILE */
};

/* Defaults from safeload-limits.h, uid/gid of 'nobody' (65534). */
void	sandbox_config_default(struct sandbox_config *ret);

/*
 * Enter the sandbox, in this fixed order:
 *   1. rlimits (NPROC=0, FSIZE=CANONICAL_MAX_BYTES (the kernel applies it
 *      to memfds too), CORE=0, NOFILE, AS, CPU) and PR_SET_DUMPABLE=0;
 *   2. if root: clear all capabilities and switch uid/gid (libcap-ng);
 *   3. PR_SET_NO_NEW_PRIVS;
 *   4. seccomp allowlist, kill-process by default, architecture checked.
 * Returns 0, or -errno naming the first step that failed.  A caller must
 * treat any failure as fatal: a half-entered sandbox is no sandbox.
 */
int	sandbox_enter(const struct sandbox_config *cfg);

/*
 * Write the worker's seccomp filter, as the kernel would run it (an array
 * of struct sock_filter), to fd without installing it.  For the golden
 * table test and the filter benchmark.  Returns 0 or -errno.
 */
int	sandbox_filter_export(int fd);
