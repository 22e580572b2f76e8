/*
 * local.c: one check in a worker we spawn ourselves, no daemon (role:
 * client, library code; `safeload check --local`).
 *
 * We do the supervisor's job for one request: spawn safeload-worker
 * (which sandboxes itself before it reads anything), send it
 * WIRE_REQ_WORK with the built-in limits, take its reply under one
 * wall-clock deadline, and reap it.  Like the supervisor we trust nothing
 * the worker says: its reply goes through wire_decode_result(), and a
 * crash, a non-zero exit, a bad reply or a hang becomes a reject.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client-internal.h"
#include "fd.h"
#include "safeload-limits.h"
#include "safeload.h"
#include "spawn.h"

/* The work id; one request per worker, so any constant would do. */
#define LOCAL_ID	1u
/* Back-off while the worker finishes exiting after it closed its socket. */
#define LOCAL_REAP_MIN_NS	50000L
#define LOCAL_REAP_MAX_NS	10000000L

/* One worker's run, from spawn to reap. */
struct local_run {
	pid_t		 pid;
	int		 sock;
	int64_t		 deadline;	/* CLOCK_MONOTONIC, ms */
	int		 replied;	/* rep and canonical_fd are valid */
	int		 bad_reply;
	int		 timed_out;
	int		 status;	/* from waitpid */
	int		 reaped;
	struct report	 rep;
	int		 canonical_fd;
};

static int64_t
local_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
local_spawn(struct local_run *run)
{
	struct spawn_args a;
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	memset(&a, 0, sizeof(a));
	a.worker_path = spawn_default_worker();
	a.sock = sv[1];
	a.stderr_fd = -1;	/* a library does not write to the app's stderr */
	spawn_default_ids(&a.uid, &a.gid);
	a.as_bytes = WORKER_AS_MAX;
	a.cpu_seconds = WORKER_CPU_SEC;
	/*
	 * Its own PID namespace needs CAP_SYS_ADMIN: as root, try it; as
	 * anyone else do not, since a refused clone3 costs about a fork.
	 */
	a.pidns = geteuid() == 0 ? SPAWN_PIDNS_TRY : SPAWN_PIDNS_OFF;
	r = spawn_worker(&a, &run->pid);
	fd_close_safe(&sv[1]);
	if (r < 0) {
		fd_close_safe(&sv[0]);
		return r;
	}
	run->sock = sv[0];
	run->deadline = local_now_ms() + WORKER_TIMEOUT_MS;
	return 0;
}

static int
local_send(struct local_run *run, int fd, enum report_format hint)
{
	struct wire_work w;
	uint8_t mem[128];	/* flags, hint and the limits */
	struct buf b;
	int r;

	memset(&w, 0, sizeof(w));
	/* The worker always returns its memfd; we drop it if unwanted. */
	w.flags = WIRE_CHECK_F_CANONICAL;
	w.format_hint = hint;
	model_limits_default(&w.limits);
	buf_init(&b, mem, sizeof(mem));
	if ((r = wire_encode_work(&b, &w)) < 0)
		return r;
	return wire_send(run->sock, WIRE_REQ_WORK, LOCAL_ID, &b, fd);
}

/* Wait for the socket until the deadline; 0 when it has something. */
static int
local_wait(struct local_run *run)
{
	struct pollfd p = { .fd = run->sock, .events = POLLIN };
	int64_t left;
	int n;

	for (;;) {
		left = run->deadline - local_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* Take one datagram: the first must be a valid result, more are bad. */
static void
local_take(struct local_run *run, struct wire_msg *m)
{
	if (run->replied || m->id != LOCAL_ID ||
	    wire_decode_result(m, &run->rep) < 0) {
		run->bad_reply = 1;
		fd_close_safe(&m->fd);
		return;
	}
	run->replied = 1;
	run->canonical_fd = m->fd;
}

/*
 * Read until the worker closes its end (it exits after one reply) or the
 * deadline passes.  Reading on past the reply tells a worker that exits
 * from one that hangs after answering.
 */
static void
local_collect(struct local_run *run, uint8_t *mem, size_t cap)
{
	struct wire_msg m;
	int r;

	for (;;) {
		if (local_wait(run) < 0) {
			run->timed_out = 1;
			return;
		}
		r = wire_recv(run->sock, mem, cap, &m);
		if (r == -ECONNRESET)
			return;
		if (r == -EAGAIN || r == -EINTR)
			continue;
		if (r < 0) {
			/* A truncated or malformed datagram. */
			run->bad_reply = 1;
			if (r != -EBADMSG && r != -EMSGSIZE && r != -EPROTO &&
			    r != -EPROTONOSUPPORT)
				return;
			continue;
		}
		local_take(run, &m);
	}
}

/* Reap the worker; kill it if it is still there at the deadline. */
static void
local_reap(struct local_run *run)
{
	struct timespec ts = { 0, LOCAL_REAP_MIN_NS };
	pid_t p;

	if (run->timed_out)
		(void)kill(run->pid, SIGKILL);
	for (;;) {
		p = waitpid(run->pid, &run->status, run->timed_out ? 0 :
		    WNOHANG);
		if (p == run->pid) {
			run->reaped = 1;
			return;
		}
		if (p < 0 && errno != EINTR)
			return;	/* ECHILD: someone else reaped it */
		if (p == 0 && local_now_ms() >= run->deadline) {
			run->timed_out = 1;
			(void)kill(run->pid, SIGKILL);
			continue;
		}
		(void)nanosleep(&ts, NULL);
		if (ts.tv_nsec < LOCAL_REAP_MAX_NS)
			ts.tv_nsec *= 2;
	}
}

/*
 * The verdict on the worker itself, or REASON_NONE if it behaved.  The
 * messages are the supervisor's (request.c), so that scripts see the same
 * text with and without --local.
 */
static enum reason
local_judge(const struct local_run *run, char *msg, size_t cap)
{
	int sig = run->reaped && WIFSIGNALED(run->status) ?
	    WTERMSIG(run->status) : 0;

	if (run->timed_out) {
		(void)snprintf(msg, cap, "worker ran past %u ms",
		    (unsigned)WORKER_TIMEOUT_MS);
		return REASON_WORKER_TIMEOUT;
	}
	if (sig == SIGSYS)
		(void)snprintf(msg, cap, "worker killed by seccomp (SIGSYS)");
	else if (sig != 0)
		(void)snprintf(msg, cap, "worker killed by signal %s",
		    sigabbrev_np(sig) != NULL ? sigabbrev_np(sig) : "?");
	else if (run->reaped && WEXITSTATUS(run->status) != 0)
		(void)snprintf(msg, cap, "worker exit %d%s",
		    WEXITSTATUS(run->status), WEXITSTATUS(run->status) == 127 ?
		    " (could it be started?)" : "");
	if (sig != 0 || (run->reaped && WEXITSTATUS(run->status) != 0))
		return REASON_WORKER_CRASHED;
	if (run->bad_reply || !run->replied) {
		(void)snprintf(msg, cap, "worker %s",
		    run->replied ? "reply failed the client's checks" :
		    "exited without a reply");
		return REASON_BAD_REPLY;
	}
	return REASON_NONE;
}

int
local_check(struct sl_client *c, int fd, unsigned flags,
    struct sl_result **ret)
{
	struct local_run run;
	struct stat st;
	char msg[REPORT_MESSAGE_MAX + 1];
	enum report_format hint;
	enum reason why;
	int r;

	if ((r = client_format_hint(flags, &hint)) < 0)
		return r;
	memset(&run, 0, sizeof(run));
	run.pid = -1;
	run.sock = -1;
	run.canonical_fd = -1;
	if ((r = local_spawn(&run)) < 0)
		return r;
	/* A worker that died before reading shows up in its exit status. */
	(void)local_send(&run, fd, hint);
	local_collect(&run, c->msg, sizeof(c->msg));
	local_reap(&run);
	fd_close_safe(&run.sock);
	if ((why = local_judge(&run, msg, sizeof(msg))) != REASON_NONE) {
		fd_close_safe(&run.canonical_fd);
		/* Like the supervisor, report the size we know. */
		return result_new_reject(why, msg,
		    fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0, ret);
	}
	if (!(flags & SL_CHECK_CANONICAL))
		fd_close_safe(&run.canonical_fd);
	return result_new(&run.rep, run.canonical_fd, ret);
}
