/*
 * request.c: spawn a worker for one model, bound it in time, and re-check
 * everything it says (role: supervisor).
 *
 * The worker parsed an attacker's bytes, so its reply is hostile input:
 * wire_decode_result() checks every field, request_check_memfd() checks the
 * canonical fd it hands over, and only a worker that exited 0 after a
 * valid reply produces a verdict.  Anything else fails this request alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "fd.h"
#include "log.h"
#include "policy.h"
#include "request.h"
#include "sha256.h"
#include "spawn.h"
#include "supervisor-internal.h"

#define SEALS_REQUIRED	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
			 F_SEAL_WRITE)

struct request {
	struct supervisor	*sup;
	struct conn		*conn;		/* NULL once the client left */
	uint32_t		 id;		/* the client's id */
	uint64_t		 seq;		/* ours, for the log */
	uid_t			 uid;
	uint64_t		 model_size;
	int			 sock;
	pid_t			 pid;
	ev_io			 io;
	ev_timer		 timer;
	ev_child		 child;
	int			 got_reply;	/* a datagram arrived */
	int			 bad_reply;	/* ... and failed a check */
	int			 timed_out;
	int			 status;	/* waitpid status */
	struct report		 report;
	int			 reply_fd;
	struct timespec		 t0;
};

/* A model fd must be a regular file (or memfd) that we can only read. */
static int
request_check_model_fd(int fd, uint64_t *ret_size)
{
	struct stat st;
	int fl;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return -EINVAL;
	if ((fl = fcntl(fd, F_GETFL)) < 0 || (fl & O_PATH) ||
	    (fl & O_ACCMODE) != O_RDONLY)
		return -EINVAL;
	*ret_size = (uint64_t)st.st_size;
	return 0;
}

/* The canonical model must be sealed shut and exactly as long as claimed. */
static int
request_check_memfd(int fd, uint64_t size)
{
	struct stat st;
	int seals;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return -EINVAL;
	if ((seals = fcntl(fd, F_GET_SEALS)) < 0 ||
	    (seals & SEALS_REQUIRED) != SEALS_REQUIRED)
		return -EINVAL;
	if ((uint64_t)st.st_size != size)
		return -EINVAL;
	return 0;
}

static double
request_elapsed_ms(const struct request *r)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - r->t0.tv_sec) * 1e3 +
	    (double)(t.tv_nsec - r->t0.tv_nsec) / 1e6;
}

/* Read the worker's one reply, if it is there.  Never blocks. */
static void
request_read_reply(struct request *r)
{
	struct wire_msg m;
	int rc;

	if (r->got_reply)
		return;
	rc = wire_recv(r->sock, r->sup->rxbuf, sizeof(r->sup->rxbuf), &m);
	if (rc == -EAGAIN)
		return;
	ev_io_stop(r->sup->loop, &r->io);
	r->got_reply = 1;
	if (rc == -ECONNRESET) {
		r->bad_reply = 1;	/* died or hung up without a word */
		return;
	}
	if (rc < 0 || wire_decode_result(&m, &r->report) < 0 ||
	    r->report.stats.bytes != r->model_size ||
	    (m.fd >= 0 &&
	    request_check_memfd(m.fd, r->report.canonical_size) < 0)) {
		r->bad_reply = 1;
		if (rc == 0)
			fd_close_safe(&m.fd);
		return;
	}
	r->reply_fd = m.fd;
}

static void
request_describe_exit(int status, char *out, size_t n)
{
	if (WIFEXITED(status))
		(void)snprintf(out, n, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		(void)snprintf(out, n, "killed by seccomp (SIGSYS)");
	else if (WIFSIGNALED(status))
		(void)snprintf(out, n, "killed by signal %s",
		    sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(
		    WTERMSIG(status)) : "?");
	else
		(void)snprintf(out, n, "status %#x", (unsigned)status);
}

/* Replace whatever the worker said by a rejection we decided ourselves. */
static void
request_fail(struct request *r, enum reason code, const char *what)
{
	uint64_t bytes = r->model_size;

	fd_close_safe(&r->reply_fd);
	report_init(&r->report);
	r->report.stats.bytes = bytes;
	report_reject(&r->report, code, "%s", what);
}

/* Decide the verdict from the reply and how the worker ended. */
static void
request_decide(struct request *r, const char *exit_desc)
{
	char msg[REPORT_MESSAGE_MAX];

	if (r->timed_out) {
		r->sup->counters.timeouts++;
		(void)snprintf(msg, sizeof(msg), "worker ran past %u ms",
		    policy_worker_timeout_ms(r->sup->policy));
		request_fail(r, REASON_WORKER_TIMEOUT, msg);
	} else if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0) {
		r->sup->counters.crashed++;
		(void)snprintf(msg, sizeof(msg), "worker %s", exit_desc);
		request_fail(r, REASON_WORKER_CRASHED, msg);
	} else if (!r->got_reply || r->bad_reply) {
		r->sup->counters.crashed++;
		request_fail(r, REASON_BAD_REPLY,
		    "worker reply failed the supervisor's checks");
	}
	if (r->report.verdict == REPORT_ACCEPT)
		r->sup->counters.accepted++;
	else
		r->sup->counters.rejected++;
}

static void
request_log(const struct request *r, const char *exit_desc)
{
	char hex[2 * SHA256_LEN + 1];
	const struct report *rep = &r->report;

	sha256_hex(rep->sha256, hex);
	if (rep->verdict == REPORT_ACCEPT)
		log_info("request %" PRIu64 ": uid %u: accept %s sha256 %s "
		    "(%.2f ms, worker %s)", r->seq, (unsigned)r->uid,
		    report_format_name(rep->format), hex,
		    request_elapsed_ms(r), exit_desc);
	else
		log_info("request %" PRIu64 ": uid %u: reject %s: '%s' "
		    "(%.2f ms, worker %s%s)", r->seq, (unsigned)r->uid,
		    reason_code(rep->reasons[0].code), rep->reasons[0].message,
		    request_elapsed_ms(r), exit_desc,
		    r->conn == NULL ? ", client gone" : "");
}

static void
request_free(struct request *r)
{
	struct ev_loop *loop = r->sup->loop;

	ev_io_stop(loop, &r->io);
	ev_timer_stop(loop, &r->timer);
	ev_child_stop(loop, &r->child);
	fd_close_safe(&r->sock);
	fd_close_safe(&r->reply_fd);
	free(r);
}

/* The worker has been reaped: answer, log once, release everything. */
static void
request_finish(struct request *r)
{
	struct supervisor *s = r->sup;
	struct conn *c = r->conn;
	char exit_desc[64];

	request_read_reply(r);	/* it may have replied just before exiting */
	request_describe_exit(r->status, exit_desc, sizeof(exit_desc));
	request_decide(r, exit_desc);
	request_log(r, exit_desc);
	s->active_workers--;
	if (c != NULL) {
		c->req = NULL;
		conn_send_result(c, r->id, &r->report, r->reply_fd);
	}
	request_free(r);
	supervisor_request_done(s);
}

static void
request_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct request *r = w->data;

	(void)loop;
	(void)revents;
	request_read_reply(r);
}

static void
request_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct request *r = w->data;

	(void)loop;
	(void)revents;
	r->timed_out = 1;
	(void)kill(r->pid, SIGKILL);
}

static void
request_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct request *r = w->data;

	(void)revents;
	ev_child_stop(loop, w);
	r->status = w->rstatus;
	request_finish(r);
}

/* socketpair + spawn; on success r->sock and r->pid are set. */
static int
request_spawn(struct request *r)
{
	const struct supervisor *s = r->sup;
	struct spawn_args a = {
		.worker_path = s->cfg.worker_path,
		.stderr_fd = log_getverbose() ? STDERR_FILENO : -1,
		.uid = s->cfg.worker_uid,
		.gid = s->cfg.worker_gid,
		.as_bytes = policy_worker_mem(s->policy),
		.cpu_seconds = policy_worker_cpu(s->policy),
	};
	int sv[2], rc;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	a.sock = sv[1];
	rc = spawn_worker(&a, &r->pid);
	(void)close(sv[1]);
	if (rc < 0) {
		(void)close(sv[0]);
		return rc;
	}
	r->sock = sv[0];
	return 0;
}

/* Queue the work order and the model fd; the worker reads it once sandboxed. */
static int
request_send_work(struct request *r, const struct wire_check *check,
    int model_fd)
{
	uint8_t mem[MSG_MAX];
	struct wire_work w = { .format_hint = check->format_hint };
	struct buf b;
	int rc;

	if ((rc = policy_profile_limits(r->sup->policy, check->profile,
	    &w.limits)) < 0)
		return rc;
	w.flags = check->flags;
	buf_init(&b, mem, sizeof(mem));
	if ((rc = wire_encode_work(&b, &w)) < 0)
		return rc;
	if ((rc = wire_send(r->sock, WIRE_REQ_WORK, r->id, &b, model_fd)) < 0)
		return rc;
	return fd_set_nonblock(r->sock, 1);
}

static void
request_watch(struct request *r)
{
	struct ev_loop *loop = r->sup->loop;

	ev_io_init(&r->io, request_io_cb, r->sock, EV_READ);
	r->io.data = r;
	ev_io_start(loop, &r->io);
	ev_timer_init(&r->timer, request_timer_cb,
	    policy_worker_timeout_ms(r->sup->policy) / 1000.0, 0.);
	r->timer.data = r;
	ev_timer_start(loop, &r->timer);
	/* Before returning to the loop, so the exit status cannot be missed. */
	ev_child_init(&r->child, request_child_cb, r->pid, 0);
	r->child.data = r;
	ev_child_start(loop, &r->child);
}

/* Refuse before spawning anything; consumes nothing. */
static int
request_admit(struct supervisor *s, struct conn *c, uint32_t id,
    const struct wire_check *check, int model_fd, uint64_t *ret_size)
{
	struct model_limits l;

	if (s->active_workers >= supervisor_max_workers(s)) {
		s->counters.denied++;
		conn_send_error(c, id, REASON_BUSY, "all %u workers are busy",
		    supervisor_max_workers(s));
		return -EBUSY;
	}
	if (request_check_model_fd(model_fd, ret_size) < 0) {
		conn_send_error(c, id, REASON_BAD_REQUEST,
		    "the model must be a regular file opened read-only");
		return -EINVAL;
	}
	if (policy_profile_limits(s->policy, check->profile, &l) < 0) {
		s->counters.denied++;
		conn_send_error(c, id, REASON_POLICY_DENIED,
		    "unknown profile '%s'", check->profile);
		return -ENOENT;
	}
	return 0;
}

int
request_start(struct supervisor *s, struct conn *c, uint32_t id,
    const struct wire_check *check, int model_fd)
{
	struct request *r = NULL;
	uint64_t size = 0;
	int rc;

	if ((rc = request_admit(s, c, id, check, model_fd, &size)) < 0)
		goto out;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	*r = (struct request){ .sup = s, .conn = c, .id = id,
	    .seq = ++s->next_seq, .uid = c->uid, .model_size = size,
	    .sock = -1, .reply_fd = -1 };
	(void)clock_gettime(CLOCK_MONOTONIC, &r->t0);
	if ((rc = request_spawn(r)) < 0)
		goto fail;
	s->active_workers++;
	s->counters.requests++;
	c->req = r;
	/* From here on the request ends only through request_finish(). */
	if (request_send_work(r, check, model_fd) < 0)
		(void)kill(r->pid, SIGKILL);
	request_watch(r);
	rc = 0;
	goto out;
fail:
	log_warnx("request from uid %u: cannot start a worker: %s",
	    (unsigned)c->uid, strerror(-rc));
	conn_send_error(c, id, REASON_INTERNAL_ERROR, "cannot start a worker");
	free(r);
out:
	fd_close_safe(&model_fd);
	return rc;
}

void
request_orphan(struct request *r)
{
	r->conn = NULL;
	(void)kill(r->pid, SIGKILL);
}
