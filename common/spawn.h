/*
 * spawn.h: start one safeload-worker (role: library; used by the supervisor
 * and by the client's --local mode).
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

struct spawn_args {
	const char	*worker_path;	/* absolute path of safeload-worker */
	int		 sock;		/* becomes fd 3 in the worker */
	int		 stderr_fd;	/* becomes fd 2, or -1 for /dev/null */
	uid_t		 uid;		/* target ids if we are root */
	gid_t		 gid;
	uint64_t	 as_bytes;	/* passed as --mem */
	uint32_t	 cpu_seconds;	/* passed as --cpu */
	int		 canary;	/* --canary: safeloadd's self-check */
};

/*
 * fork + exec the worker with an empty environment, fd 0 and 1 on
 * /dev/null, fd 2 as given, fd 3 the socket and nothing else open.
 * Returns 0 and the child's pid, or -errno.
 */
int	spawn_worker(const struct spawn_args *a, pid_t *ret_pid);
/* The worker path: $SAFELOAD_WORKER if set, else LIBEXECDIR's. */
const char *spawn_default_worker(void);
/* Fill uid/gid with the 'safeload' user's ids, else 65534. */
void	spawn_default_ids(uid_t *ret_uid, gid_t *ret_gid);
