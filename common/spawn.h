/*
 * spawn.h: start one safeload-worker (role: library; used by the supervisor
 * and by the client's --local mode).
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/*
 * Whether the worker gets its own PID namespace (docs/sandbox.md, step 0):
 * clone3(CLONE_NEWPID) instead of fork(), so that the worker is pid 1 of
 * an empty namespace and cannot name any process outside it.  Needs
 * CAP_SYS_ADMIN (root); a service manager may also forbid it.
 */
enum spawn_pidns {
	SPAWN_PIDNS_OFF = 0,	/* fork(): the caller's PID namespace */
	SPAWN_PIDNS_TRY,	/* own namespace if the kernel lets us, else fork() */
	SPAWN_PIDNS_REQUIRE,	/* own namespace, or no worker at all */
};

struct spawn_args {
	const char	*worker_path;	/* absolute path of safeload-worker */
	int		 sock;		/* becomes fd 3 in the worker */
	int		 stderr_fd;	/* becomes fd 2, or -1 for /dev/null */
	uid_t		 uid;		/* target ids if we are root */
	gid_t		 gid;
	uint64_t	 as_bytes;	/* passed as --mem */
	uint32_t	 cpu_seconds;	/* passed as --cpu */
	int		 canary;	/* --canary: safeloadd's self-check */
	enum spawn_pidns pidns;		/* 0 (OFF) unless set */
	/*
	 * Namespaces (nsfs fds) the child joins with setns() before exec,
	 * and their sandbox layer bits, passed as --ns-joined so that the
	 * worker does not make its own (daemon/worker-ns.h).  n_ns 0: none.
	 */
	uint32_t	 n_ns;
	const int	*ns_fds;
	uint32_t	 ns_layers;
};

/*
 * fork (or clone3, per a->pidns) + exec the worker with an empty
 * environment, fd 0 and 1 on /dev/null, fd 2 as given, fd 3 the socket
 * and nothing else open.  Returns 0 and the child's pid as the caller
 * sees it (to wait for and to kill), or -errno; with SPAWN_PIDNS_REQUIRE
 * a kernel that refuses the namespace fails the spawn.
 */
int	spawn_worker(const struct spawn_args *a, pid_t *ret_pid);
/*
 * Like fork(), but the child is pid 1 of a new PID namespace: returns the
 * child's pid in the parent, 0 in the child, -1 and errno if the kernel
 * refuses (EPERM without CAP_SYS_ADMIN or under a service manager's
 * filter, ENOSYS without clone3, ENOSPC at the nesting limit).  Between
 * it and exec the child may only call async-signal-safe functions, as
 * after fork(), and none that uses the thread id (raise, pthread_*):
 * glibc's fork handlers did not run.
 */
pid_t	spawn_fork_pidns(void);
/* The worker path: $SAFELOAD_WORKER if set, else LIBEXECDIR's. */
const char *spawn_default_worker(void);
/* Fill uid/gid with the 'safeload' user's ids, else 65534. */
void	spawn_default_ids(uid_t *ret_uid, gid_t *ret_gid);
