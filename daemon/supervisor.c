/*
 * supervisor.c: the loop, the listening socket and the signals (role:
 * supervisor).
 *
 * The supervisor never reads model bytes: it passes the client's fd to a
 * worker and relays what the worker says once it has checked it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cache.h"
#include "canary.h"
#include "conn.h"
#include "fd.h"
#include "log.h"
#include "policy.h"
#include "pool.h"
#include "request.h"
#include "supervisor-internal.h"
#include "worker-ns.h"

unsigned
supervisor_max_workers(const struct supervisor *s)
{
	unsigned n = s->cfg.max_workers > 0 ? s->cfg.max_workers :
	    policy_max_concurrent(s->policy);

	return n > WORKERS_MAX ? WORKERS_MAX : n == 0 ? 1 : n;
}

static size_t
supervisor_queue_max(const struct supervisor *s)
{
	uint32_t n = policy_queue_length(s->policy);

	return n > QUEUE_MAX ? QUEUE_MAX : n;
}

/* How the pool spawns workers under the current policy. */
static void
supervisor_spawn_args(const struct supervisor *s, struct spawn_args *ret)
{
	*ret = (struct spawn_args){
		.worker_path = s->cfg.worker_path,
		.sock = -1,
		.stderr_fd = log_getverbose() ? STDERR_FILENO : -1,
		.uid = s->cfg.worker_uid,
		.gid = s->cfg.worker_gid,
		.as_bytes = policy_worker_mem(s->policy),
		.cpu_seconds = policy_worker_cpu(s->policy),
		.pidns = (enum spawn_pidns)canary_spawn_pidns(),
		.n_ns = s->cfg.ns->n,
		.ns_fds = s->cfg.ns->fds,
		.ns_layers = s->cfg.ns->layers,
	};
}

/* While stopping: drop idle clients; end the loop when nothing is left. */
static void
supervisor_maybe_stop(struct supervisor *s)
{
	struct conn *c, *next;

	if (!s->stopping)
		return;
	for (c = LIST_FIRST(&s->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		if (c->req == NULL)
			(void)shutdown(c->fd, SHUT_RDWR);
	}
	if (s->active_workers == 0 && s->n_conns == 0 &&
	    pool_alive(s->pool) == 0)
		ev_break(s->loop, EVBREAK_ALL);
}

static void
supervisor_pool_empty(void *arg)
{
	supervisor_maybe_stop(arg);
}

void
supervisor_conn_gone(struct supervisor *s, struct conn *c)
{
	(void)c;
	supervisor_maybe_stop(s);
}

void
supervisor_request_done(struct supervisor *s)
{
	request_dispatch(s);
	supervisor_maybe_stop(s);
}

static void
supervisor_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct supervisor *s = w->data;
	struct conn *c;
	int fd;

	(void)loop;
	(void)revents;
	fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("accept");
		return;
	}
	if (s->n_conns >= CONNECTIONS_MAX) {
		log_warnx("%u connections open, refusing one more",
		    s->n_conns);
		(void)close(fd);
		return;
	}
	(void)conn_new(s, fd, &c);
}

static void
supervisor_stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct supervisor *s = w->data;

	(void)revents;
	if (s->stopping)
		return;
	log_info("signal %d: finishing %u requests in flight, then exiting",
	    w->signum, s->active_workers);
	s->stopping = 1;
	ev_io_stop(loop, &s->listen_io);
	/* Running requests finish; waiting ones get a clean `busy`. */
	request_abort_queued(s);
	pool_drain(s->pool);
	supervisor_maybe_stop(s);
}

/*
 * SIGHUP: swap in the new policy only if it loads; running requests keep
 * theirs.  Cached verdicts and warm workers were made under the old one,
 * so both go.
 */
static void
supervisor_reload_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct supervisor *s = w->data;
	struct policy *p = NULL;
	struct spawn_args a;
	const char *err = NULL;
	int rc;

	(void)loop;
	(void)revents;
	rc = policy_load(s->cfg.policy_path, s->cfg.policy_is_default, &p,
	    &err);
	if (rc < 0) {
		/* err names the file and line (FILE:LINE: message). */
		log_warnx("reload: %s, keeping the old policy", err);
		return;
	}
	policy_free(s->policy);
	s->policy = p;
	cache_reset(s->cache, policy_cache_bytes(p));
	/* Hand the emptied cache's heap back, so RSS shows what is live. */
	(void)malloc_trim(0);
	fairq_set_max(&s->queue, supervisor_queue_max(s));
	if (!s->stopping) {
		supervisor_spawn_args(s, &a);
		pool_configure(s->pool, &a, policy_idle_workers(p));
	}
	request_dispatch(s);
	log_info("reload: policy %s", policy_digest(p));
}

static void
supervisor_signal(struct supervisor *s, ev_signal *w, int sig,
    void (*cb)(struct ev_loop *, ev_signal *, int))
{
	ev_signal_init(w, cb, sig);
	w->data = s;
	ev_signal_start(s->loop, w);
}

int
supervisor_new(struct ev_loop *loop, int listen_fd, struct policy *policy,
    const struct supervisor_config *cfg, struct supervisor **ret)
{
	struct supervisor *s;
	struct spawn_args a;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->loop = loop;
	s->listen_fd = listen_fd;
	s->policy = policy;
	s->cfg = *cfg;
	LIST_INIT(&s->conns);
	fairq_init(&s->queue, supervisor_queue_max(s));
	supervisor_spawn_args(s, &a);
	s->cache = cache_new(policy_cache_bytes(policy));
	s->pool = pool_new(loop, &a, policy_idle_workers(policy),
	    supervisor_pool_empty, s);
	if (s->cache == NULL || s->pool == NULL) {
		cache_free(s->cache);
		pool_free(s->pool);
		free(s);
		return -ENOMEM;
	}
	ev_io_init(&s->listen_io, supervisor_accept_cb, listen_fd, EV_READ);
	s->listen_io.data = s;
	ev_io_start(loop, &s->listen_io);
	supervisor_signal(s, &s->sig_term, SIGTERM, supervisor_stop_cb);
	supervisor_signal(s, &s->sig_int, SIGINT, supervisor_stop_cb);
	supervisor_signal(s, &s->sig_hup, SIGHUP, supervisor_reload_cb);
	*ret = s;
	return 0;
}

void
supervisor_run(struct supervisor *s)
{
	log_info("serving with policy %s, up to %u workers, %u kept warm",
	    policy_digest(s->policy), supervisor_max_workers(s),
	    policy_idle_workers(s->policy));
	ev_run(s->loop, 0);
	log_info("stopped");
}

void
supervisor_free(struct supervisor *s)
{
	struct conn *c;

	if (s == NULL)
		return;
	while ((c = LIST_FIRST(&s->conns)) != NULL)
		conn_free(c);
	ev_io_stop(s->loop, &s->listen_io);
	ev_signal_stop(s->loop, &s->sig_term);
	ev_signal_stop(s->loop, &s->sig_int);
	ev_signal_stop(s->loop, &s->sig_hup);
	fd_close_safe(&s->listen_fd);
	request_abort_queued(s);
	pool_free(s->pool);
	cache_free(s->cache);
	policy_free(s->policy);
	free(s);
}
