/*
 * worker-ns.c: make the namespaces every worker joins (role: supervisor;
 * see worker-ns.h for why they are shared).
 *
 * A namespace lives as long as something refers to it.  A child of ours
 * unshares each namespace, we open its /proc/PID/ns files, and the child
 * exits: from then on only our fds hold the namespaces.  The child does
 * nothing else (unshare, write, read, _exit), so it is safe to fork from
 * the event loop's process before the loop runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd.h"
#include "sandbox.h"
#include "worker-ns.h"

static const struct {
	const char	*name;		/* under /proc/PID/ns */
	int		 flag;
	uint32_t	 layer;
} worker_ns_kinds[WORKER_NS_MAX] = {
	{ "mnt", CLONE_NEWNS, SANDBOX_MNTNS },
	{ "net", CLONE_NEWNET, SANDBOX_NETNS },	/* a down loopback only */
	{ "ipc", CLONE_NEWIPC, SANDBOX_IPCNS },
	{ "uts", CLONE_NEWUTS, SANDBOX_UTSNS },
	{ "cgroup", CLONE_NEWCGROUP, SANDBOX_CGROUPNS },
};

/*
 * In the child: unshare what we may, say which, wait to be let go.  The
 * parent's ends are closed first: EOF on `wait` must mean the parent let
 * go, and our own copy of its write end would keep that from coming.
 */
static void
worker_ns_child(int tell[2], int wait[2])
{
	uint32_t got = 0, i;
	char c;

	(void)close(tell[0]);
	(void)close(wait[1]);
	for (i = 0; i < WORKER_NS_MAX; i++)
		if (unshare(worker_ns_kinds[i].flag) == 0)
			got |= 1u << i;
	if (write(tell[1], &got, sizeof(got)) != (ssize_t)sizeof(got))
		_exit(1);
	(void)!read(wait[0], &c, 1);	/* EOF: the parent has its fds */
	_exit(0);
}

/* Open the namespaces the child made; returns 0 or -errno. */
static int
worker_ns_open(struct worker_ns *ns, pid_t pid, uint32_t got)
{
	char path[64];
	uint32_t i;
	int fd;

	for (i = 0; i < WORKER_NS_MAX; i++) {
		if (!(got & (1u << i)))
			continue;
		(void)snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid,
		    worker_ns_kinds[i].name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return -errno;
		ns->fds[ns->n++] = fd;
		ns->layers |= worker_ns_kinds[i].layer;
	}
	return 0;
}

int
worker_ns_create(struct worker_ns *ns)
{
	int tell[2] = { -1, -1 }, wait[2] = { -1, -1 }, r = 0;
	uint32_t got = 0;
	pid_t pid;

	memset(ns, 0, sizeof(*ns));
	if (geteuid() != 0)
		return 0;	/* workers unshare in their own user namespace */
	if (pipe2(tell, O_CLOEXEC) < 0 || pipe2(wait, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	if ((pid = fork()) < 0) {
		r = -errno;
		goto out;
	}
	if (pid == 0)
		worker_ns_child(tell, wait);
	fd_close_safe(&tell[1]);
	if (read(tell[0], &got, sizeof(got)) == (ssize_t)sizeof(got))
		r = worker_ns_open(ns, pid, got);
	fd_close_safe(&wait[1]);	/* lets the child go */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		worker_ns_close(ns);
out:
	fd_close_safe(&tell[0]);
	fd_close_safe(&tell[1]);
	fd_close_safe(&wait[0]);
	fd_close_safe(&wait[1]);
	return r;
}

void
worker_ns_close(struct worker_ns *ns)
{
	uint32_t i;

	for (i = 0; i < ns->n; i++)
		fd_close_safe(&ns->fds[i]);
	ns->n = 0;
	ns->layers = 0;
}
