/*
 * spawn.c: fork + exec one safeload-worker (role: library; runs in the
 * supervisor and in the client's --local mode).
 *
 * Exec, not just fork: the worker starts with a fresh ASLR layout and
 * nothing of the parent's heap (conventions.md §4.1).  Between fork and
 * exec the child only calls async-signal-safe functions.
 *
 * The PID namespace is made here, not in sandbox_enter(): CLONE_NEWPID
 * applies to the children of whoever asks for it, never to the caller
 * itself, and the worker can have no children (RLIMIT_NPROC=0, fork and
 * clone killed by its filter).  Unsharing in the worker and forking once
 * more would put a second, unconfined process between us and the real
 * worker, to wait for and forward signals to; cloning the worker itself
 * into the namespace (as bubblewrap does) makes it pid 1 of a namespace
 * that holds only itself, and leaves the pid we wait for and kill as it
 * was (docs/sandbox.md, step 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "fd.h"
#include "spawn.h"

#define SPAWN_NOBODY	65534
#define SPAWN_SOCK_FD	3
#define SPAWN_ARGV_MAX	16
#define SPAWN_NUM_MAX	24	/* decimal digits of a u64, plus NUL */
#define SPAWN_CLONE_NEWPID	0x20000000ull	/* <linux/sched.h> */

/*
 * struct clone_args as of its first version (CLONE_ARGS_SIZE_VER0, 64
 * bytes): kernel ABI, spelled out because glibc's <sched.h> and
 * <linux/sched.h> do not mix.
 */
struct spawn_clone_args {
	uint64_t	flags;
	uint64_t	pidfd;
	uint64_t	child_tid;
	uint64_t	parent_tid;
	uint64_t	exit_signal;
	uint64_t	stack;
	uint64_t	stack_size;
	uint64_t	tls;
};

const char *
spawn_default_worker(void)
{
	const char *p = getenv("SAFELOAD_WORKER");

	if (p != NULL && p[0] == '/')
		return p;
	return LIBEXECDIR "/safeload-worker";
}

void
spawn_default_ids(uid_t *ret_uid, gid_t *ret_gid)
{
	const struct passwd *pw = getpwnam("safeload");

	*ret_uid = pw != NULL ? pw->pw_uid : SPAWN_NOBODY;
	*ret_gid = pw != NULL ? pw->pw_gid : SPAWN_NOBODY;
	/* Never hand the worker root, whatever the passwd file says. */
	if (*ret_uid == 0 || *ret_gid == 0) {
		*ret_uid = SPAWN_NOBODY;
		*ret_gid = SPAWN_NOBODY;
	}
}

/* Runs in the child: place the fds, reset signals, exec.  Never returns. */
static void
spawn_child(const struct spawn_args *a, char *const argv[])
{
	static char *const envp[] = { NULL };
	sigset_t all;
	uint32_t i;
	int devnull;

	/* First: the fds are CLOEXEC and closefrom() below would take them. */
	for (i = 0; i < a->n_ns; i++)
		if (setns(a->ns_fds[i], 0) < 0)
			_exit(127);
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		_exit(127);
	/* Move the socket out of the way of 0..2 first. */
	if (fd_move_to(a->sock, SPAWN_SOCK_FD) < 0 ||
	    fd_move_to(devnull, STDIN_FILENO) < 0 ||
	    fd_move_to(devnull, STDOUT_FILENO) < 0 ||
	    fd_move_to(a->stderr_fd >= 0 ? a->stderr_fd : devnull,
	    STDERR_FILENO) < 0)
		_exit(127);
	if (fd_closefrom(SPAWN_SOCK_FD + 1) < 0)
		_exit(127);
	(void)signal(SIGPIPE, SIG_DFL);
	(void)signal(SIGCHLD, SIG_DFL);
	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	execve(a->worker_path, argv, envp);
	_exit(127);
}

/*
 * clone3, not clone: its arguments are one struct on every architecture,
 * and with no stack given the child returns here on a copy of ours, as
 * after fork().  A kernel without clone3, or a seccomp filter that
 * cannot read its flags (Docker's default profile, Chromium's), answers
 * ENOSYS; without CAP_SYS_ADMIN the kernel answers EPERM.
 */
pid_t
spawn_fork_pidns(void)
{
	struct spawn_clone_args ca;

	memset(&ca, 0, sizeof(ca));
	ca.flags = SPAWN_CLONE_NEWPID;
	ca.exit_signal = SIGCHLD;	/* reaped like any forked child */
	return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

/* fork(), or the child in its own PID namespace as a->pidns asks. */
static pid_t
spawn_fork(const struct spawn_args *a)
{
	pid_t pid;

	if (a->pidns == SPAWN_PIDNS_OFF)
		return fork();
	if ((pid = spawn_fork_pidns()) >= 0 || a->pidns == SPAWN_PIDNS_REQUIRE)
		return pid;
	/* Optional: the worker reports the layer missing (canary.c). */
	return fork();
}

int
spawn_worker(const struct spawn_args *a, pid_t *ret_pid)
{
	char uid[SPAWN_NUM_MAX], gid[SPAWN_NUM_MAX], mem[SPAWN_NUM_MAX],
	    cpu[SPAWN_NUM_MAX], ns[SPAWN_NUM_MAX];
	char *argv[SPAWN_ARGV_MAX];
	int n = 0;
	pid_t pid;

	(void)snprintf(uid, sizeof(uid), "%u", (unsigned)a->uid);
	(void)snprintf(gid, sizeof(gid), "%u", (unsigned)a->gid);
	(void)snprintf(mem, sizeof(mem), "%" PRIu64, a->as_bytes);
	(void)snprintf(cpu, sizeof(cpu), "%" PRIu32, a->cpu_seconds);
	argv[n++] = (char *)"safeload-worker";
	argv[n++] = (char *)"--uid";
	argv[n++] = uid;
	argv[n++] = (char *)"--gid";
	argv[n++] = gid;
	argv[n++] = (char *)"--mem";
	argv[n++] = mem;
	argv[n++] = (char *)"--cpu";
	argv[n++] = cpu;
	if (a->canary)
		argv[n++] = (char *)"--canary";
	if (a->n_ns > 0) {
		(void)snprintf(ns, sizeof(ns), "%" PRIu32, a->ns_layers);
		argv[n++] = (char *)"--ns-joined";
		argv[n++] = ns;
	}
	argv[n] = NULL;
	if ((pid = spawn_fork(a)) < 0)
		return -errno;
	if (pid == 0)
		spawn_child(a, argv);
	*ret_pid = pid;
	return 0;
}
