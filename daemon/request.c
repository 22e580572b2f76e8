/*
 * request.c: admit one model check, answer it from the cache or queue it,
 * run it on a pooled worker, bound it in time, and re-check everything
 * the worker says (role: supervisor).
 *
 * The worker parsed an attacker's bytes, so its reply is hostile input:
 * wire_decode_result() checks every field, request_check_memfd() checks the
 * canonical fd it hands over, and only a worker that exited 0 after a
 * valid reply produces a verdict.  Anything else fails this request alone.
 * Every request is logged exactly once, however it ends: from the cache,
 * refused, abandoned in the queue, or after its worker was reaped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "conn.h"
#include "fairq.h"
#include "fd.h"
#include "log.h"
#include "policy.h"
#include "request-policy.h"
#include "request.h"
#include "pool.h"
#include "sha256.h"
#include "stats.h"
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
	int			 model_fd;	/* until handed to a worker */
	struct wire_check	 check;
	struct policy		*policy;	/* the one it started under */
	struct fairq_item	 q;		/* while waiting for a worker */
	int			 cacheable;	/* key is valid */
	uint8_t			 key[SHA256_LEN];
	uint8_t			 input_sha256[SHA256_LEN];
	int			 sock;
	pid_t			 pid;		/* 0 until it has a worker */
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
		    policy_worker_timeout_ms(r->policy));
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
	/* Signatures and trusted digests; names the profile and policy. */
	if (request_policy_verdict(r->policy, &r->check, &r->report))
		fd_close_safe(&r->reply_fd);
	if (r->report.verdict == REPORT_ACCEPT)
		r->sup->counters.accepted++;
	else
		r->sup->counters.rejected++;
}

/* The one log line of a request; `how` says how the worker ended. */
static void
request_log(const struct request *r, const char *how)
{
	static const uint8_t zero[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	const struct report *rep = &r->report;
	double ms = request_elapsed_ms(r);

	/* A worker that died before hashing leaves no digest to show. */
	if (memcmp(rep->sha256, zero, sizeof(zero)) == 0)
		(void)snprintf(hex, sizeof(hex), "-");
	else
		sha256_hex(rep->sha256, hex);
	stats_record(rep, ms);
	if (rep->verdict == REPORT_ACCEPT)
		log_info("request %" PRIu64 ": uid %u: sha256 %s: accept %s "
		    "(%.2f ms, %s)", r->seq, (unsigned)r->uid, hex,
		    report_format_name(rep->format), ms, how);
	else
		log_info("request %" PRIu64 ": uid %u: sha256 %s: reject %s: "
		    "'%s' (%.2f ms, %s%s)", r->seq, (unsigned)r->uid, hex,
		    reason_code(rep->reasons[0].code), rep->reasons[0].message,
		    ms, how, r->conn == NULL ? ", client gone" : "");
}

static void
request_free(struct request *r)
{
	struct ev_loop *loop = r->sup->loop;

	/* Stopping a watcher that never started is a no-op in libev. */
	ev_io_stop(loop, &r->io);
	ev_timer_stop(loop, &r->timer);
	ev_child_stop(loop, &r->child);
	fd_close_safe(&r->sock);
	fd_close_safe(&r->reply_fd);
	fd_close_safe(&r->model_fd);
	policy_free(r->policy);
	free(r);
}

/* Answer the client (if still there) and end the request. */
static void
request_answer(struct request *r)
{
	struct conn *c = r->conn;

	if (c != NULL) {
		c->req = NULL;
		conn_send_result(c, r->id, &r->report, r->reply_fd);
	}
}

/* Only a worker's own, checked verdict is worth remembering. */
static void
request_remember(struct request *r)
{
	struct supervisor *s = r->sup;

	if (!r->cacheable || r->timed_out || r->bad_reply ||
	    !r->got_reply || !WIFEXITED(r->status) ||
	    WEXITSTATUS(r->status) != 0 ||
	    memcmp(r->report.sha256, r->input_sha256, SHA256_LEN) != 0)
		return;
	(void)cache_put(s->cache, r->key, &r->report, r->reply_fd);
}

/* The worker has been reaped: answer, log once, release everything. */
static void
request_finish(struct request *r)
{
	struct supervisor *s = r->sup;
	char exit_desc[64], how[80];

	request_read_reply(r);	/* it may have replied just before exiting */
	request_describe_exit(r->status, exit_desc, sizeof(exit_desc));
	request_decide(r, exit_desc);
	(void)snprintf(how, sizeof(how), "worker %s", exit_desc);
	request_log(r, how);
	request_remember(r);
	s->active_workers--;
	pool_set_busy(s->pool, s->active_workers > 0);
	request_answer(r);
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

/* Queue the work order and the model fd; the worker reads it once sandboxed. */
static int
request_send_work(struct request *r)
{
	uint8_t mem[MSG_MAX];
	struct wire_work w = { .format_hint = r->check.format_hint };
	struct buf b;
	int rc;

	w.flags = r->check.flags;
	if ((rc = request_policy_work(r->policy, &r->check, &w)) < 0)
		return rc;
	buf_init(&b, mem, sizeof(mem));
	if ((rc = wire_encode_work(&b, &w)) < 0)
		return rc;
	if ((rc = wire_send(r->sock, WIRE_REQ_WORK, r->id, &b,
	    r->model_fd)) < 0)
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
	    policy_worker_timeout_ms(r->policy) / 1000.0, 0.);
	r->timer.data = r;
	ev_timer_start(loop, &r->timer);
	/* Before returning to the loop, so the exit status cannot be missed. */
	ev_child_init(&r->child, request_child_cb, r->pid, 0);
	r->child.data = r;
	ev_child_start(loop, &r->child);
}

/* Answer with an error before any worker ran; logged once, then freed. */
static void
request_refuse(struct request *r, enum reason code, const char *msg)
{
	struct supervisor *s = r->sup;

	if (code != REASON_INTERNAL_ERROR)
		s->counters.denied++;
	log_info("request %" PRIu64 ": uid %u: %s: '%s'%s", r->seq,
	    (unsigned)r->uid, reason_code(code), msg,
	    r->conn == NULL ? " (client gone)" : "");
	if (r->conn != NULL) {
		r->conn->req = NULL;
		conn_send_error(r->conn, r->id, code, "%s", msg);
	}
	request_free(r);
}

/* Hand r to a worker; from here on it ends only in request_finish(). */
static void
request_run(struct request *r)
{
	struct supervisor *s = r->sup;
	int rc;

	if ((rc = pool_take(s->pool, &r->pid, &r->sock)) < 0) {
		log_warnx("cannot start a worker: %s", strerror(-rc));
		request_refuse(r, REASON_INTERNAL_ERROR,
		    "cannot start a worker");
		return;
	}
	s->active_workers++;
	pool_set_busy(s->pool, 1);
	s->counters.requests++;
	if (request_send_work(r) < 0)
		(void)kill(r->pid, SIGKILL);
	fd_close_safe(&r->model_fd);	/* the worker has its own now */
	request_watch(r);
}

void
request_dispatch(struct supervisor *s)
{
	struct fairq_item *it;

	while (s->active_workers < supervisor_max_workers(s) &&
	    (it = fairq_pop(&s->queue)) != NULL)
		request_run((struct request *)(void *)((char *)it -
		    offsetof(struct request, q)));
}

void
request_abort_queued(struct supervisor *s)
{
	struct fairq_item *it;

	while ((it = fairq_pop(&s->queue)) != NULL)
		request_refuse((struct request *)(void *)((char *)it -
		    offsetof(struct request, q)), REASON_BUSY,
		    "the daemon is shutting down");
}

/* Refuse what no worker should see; consumes nothing. */
static int
request_admit(struct supervisor *s, struct conn *c, uint32_t id,
    const struct wire_check *check, int model_fd, uint64_t *ret_size)
{
	char msg[REPORT_MESSAGE_MAX];
	enum reason code;

	if (request_check_model_fd(model_fd, ret_size) < 0) {
		conn_send_error(c, id, REASON_BAD_REQUEST,
		    "the model must be a regular file opened read-only");
		return -EINVAL;
	}
	/* The profile exists and this peer may use it. */
	code = request_policy_admit(s->policy, c, check, msg, sizeof(msg));
	if (code != REASON_NONE) {
		s->counters.denied++;
		conn_send_error(c, id, code, "%s", msg);
		return -EACCES;
	}
	return 0;
}

/*
 * Take a copy for the worker to read, sealed, and hashed on the way.  The
 * verdict is cached only if that copy is what was looked up: a client
 * that rewrote its file in between gets its answer, but uncached.
 */
static void
request_snapshot(struct request *r)
{
	uint8_t again[SHA256_LEN];
	int snap = -1;

	if (cache_snapshot(r->sup->cache, r->model_fd, r->model_size, again,
	    &snap) < 0)
		return;
	fd_close_safe(&r->model_fd);
	r->model_fd = snap;
	r->cacheable = memcmp(again, r->input_sha256, SHA256_LEN) == 0;
}

/* Look the model up in the cache; 1 if that answered it. */
static int
request_lookup(struct request *r)
{
	struct supervisor *s = r->sup;

	/*
	 * Never for a profile that requires a signature: the verdict then
	 * depends on the signature sent, which is not in the key.
	 */
	if (policy_cache_bytes(r->policy) == 0 ||
	    !request_policy_cacheable(r->policy, &r->check) ||
	    cache_hash_fd(s->cache, r->model_fd, r->model_size,
	    r->input_sha256) < 0)
		return 0;
	cache_key(r->input_sha256, policy_digest(r->policy), r->check.profile,
	    (uint32_t)r->check.format_hint, r->key);
	if (cache_get(s->cache, r->key, &r->report, &r->reply_fd) < 0) {
		request_snapshot(r);
		return 0;
	}
	if (r->report.verdict == REPORT_ACCEPT)
		s->counters.accepted++;
	else
		s->counters.rejected++;
	request_log(r, "cached");
	request_answer(r);
	request_free(r);
	return 1;
}

int
request_start(struct supervisor *s, struct conn *c, uint32_t id,
    const struct wire_check *check, int model_fd)
{
	struct request *r;
	uint64_t size = 0;
	int rc;

	if (s->stopping) {
		conn_send_error(c, id, REASON_BUSY, "the daemon is shutting "
		    "down");
		fd_close_safe(&model_fd);
		return -ESHUTDOWN;
	}
	if ((rc = request_admit(s, c, id, check, model_fd, &size)) < 0 ||
	    (r = calloc(1, sizeof(*r))) == NULL) {
		if (rc == 0)
			conn_send_error(c, id, REASON_INTERNAL_ERROR,
			    "out of memory");
		fd_close_safe(&model_fd);
		return rc < 0 ? rc : -ENOMEM;
	}
	*r = (struct request){ .sup = s, .conn = c, .id = id,
	    .seq = ++s->next_seq, .uid = c->uid, .model_size = size,
	    .model_fd = model_fd, .check = *check, .sock = -1,
	    .reply_fd = -1, .policy = policy_ref(s->policy) };
	(void)clock_gettime(CLOCK_MONOTONIC, &r->t0);
	c->req = r;
	if (request_lookup(r))
		return 0;
	/* Nobody overtakes the queue: fairness is decided there. */
	if (s->active_workers < supervisor_max_workers(s) &&
	    s->queue.len == 0) {
		request_run(r);
		return 0;
	}
	if (fairq_push(&s->queue, &r->q, r->uid) < 0) {
		request_refuse(r, REASON_BUSY, "every worker is busy and the "
		    "queue is full");
		return -EBUSY;
	}
	return 0;
}

void
request_orphan(struct request *r)
{
	r->conn = NULL;
	if (r->q.cls != NULL) {
		/* Still waiting: no worker to kill, it just leaves the queue. */
		fairq_remove(&r->sup->queue, &r->q);
		request_refuse(r, REASON_BUSY, "client left while queued");
		return;
	}
	(void)kill(r->pid, SIGKILL);
}
