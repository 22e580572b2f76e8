/*
 * worker-ns.h: the namespaces every worker joins (role: supervisor).
 *
 * Creating a network namespace costs ~0.4 ms and tearing one down keeps a
 * kernel thread busy for longer; a mount namespace is cheap to make and
 * slow to tear down.  With one single-use worker per request those costs
 * were most of a worker's life (docs/performance.md).  So a root safeloadd
 * makes one set of namespaces when it starts, and each worker joins it
 * (setns) between fork and exec instead of making its own.  The workers
 * are still cut off from the host's network, mounts, IPC and hostname;
 * what they share is with each other, and the filter denies them the
 * calls that could use it (socket, mount, the SysV IPC calls).  The PID
 * namespace stays per worker (spawn.c), so no worker sees another.
 */
#pragma once

#include <stdint.h>

#define WORKER_NS_MAX	5u	/* mount, network, IPC, UTS, cgroup */

struct worker_ns {
	uint32_t	n;
	int		fds[WORKER_NS_MAX];	/* nsfs fds, O_CLOEXEC */
	uint32_t	layers;		/* enum sandbox_layer bits joined */
};

/*
 * Make the namespaces, as root: a short-lived child unshares them and we
 * keep fds to them, which keep them alive.  Without the privilege, or on
 * a kernel that refuses, ns->n is 0 and each worker makes its own (or
 * goes without, as before).  Returns 0, or -errno on a system failure.
 */
int	worker_ns_create(struct worker_ns *ns);
void	worker_ns_close(struct worker_ns *ns);
