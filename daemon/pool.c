/*
 * pool.c: keep single-use workers spawned and sandboxed ahead of demand
 * (role: supervisor).
 *
 * fork + exec + sandbox_enter() cost about 1-2 ms on this class of
 * machine, ten times the work on a small model.  Doing it before the
 * request arrives takes it off the request's latency; each worker still
 * serves exactly one request and exits, so nothing a model did to one
 * worker can reach the next request.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ev.h>

#include "fd.h"
#include "log.h"
#include "pool.h"
#include "safeload-limits.h"

struct pool_worker {
	struct pool		*pool;
	pid_t			 pid;
	int			 sock;
	unsigned		 gen;	/* spawned with this configuration */
	ev_child		 child;
	LIST_ENTRY(pool_worker)	 entry;
};

LIST_HEAD(pool_list, pool_worker);

struct pool {
	struct ev_loop		*loop;
	struct spawn_args	 tmpl;
	unsigned		 target;
	unsigned		 gen;
	int			 draining;
	int			 busy;	/* requests are running */
	ev_idle			 refill;
	ev_timer		 backoff;	/* after an idle worker died */
	void			(*notify)(void *);
	void			*arg;
	struct pool_list	 idle, dying;
	struct pool_stats	 st;
};

/* Start one worker on a fresh socket pair; *ret_sock is our end. */
static int
pool_spawn(const struct pool *p, pid_t *ret_pid, int *ret_sock)
{
	struct spawn_args a = p->tmpl;
	int sv[2], rc;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	a.sock = sv[1];
	rc = spawn_worker(&a, ret_pid);
	(void)close(sv[1]);
	if (rc < 0) {
		(void)close(sv[0]);
		return rc;
	}
	*ret_sock = sv[0];
	return 0;
}

/*
 * Refill now?  Not while requests run and a worker is still ready: a
 * fork() then would stall the loop just when a reply may come in.
 */
static int
pool_wants(const struct pool *p)
{
	return !p->draining && !ev_is_active(&p->backoff) &&
	    p->st.idle < p->target && !(p->busy && p->st.idle > 0);
}

static void
pool_schedule(struct pool *p)
{
	if (pool_wants(p))
		ev_idle_start(p->loop, &p->refill);
}

static void
pool_worker_free(struct pool_worker *w)
{
	ev_child_stop(w->pool->loop, &w->child);
	LIST_REMOVE(w, entry);
	fd_close_safe(&w->sock);
	free(w);
}

/* Kill an idle worker; it stays on the dying list until reaped. */
static void
pool_kill(struct pool_worker *w)
{
	struct pool *p = w->pool;

	(void)kill(w->pid, SIGKILL);
	fd_close_safe(&w->sock);
	LIST_REMOVE(w, entry);
	LIST_INSERT_HEAD(&p->dying, w, entry);
	p->st.idle--;
	p->st.dying++;
}

static void
pool_child_cb(struct ev_loop *loop, ev_child *c, int revents)
{
	struct pool_worker *w = c->data;
	struct pool *p = w->pool;

	(void)revents;
	if (w->sock >= 0) {
		/* Idle and died unasked: never respawn in a tight loop. */
		p->st.idle--;
		p->st.lost++;
		log_warnx("idle worker %d died (status %#x), respawning in "
		    "%u ms", (int)w->pid, (unsigned)c->rstatus,
		    POOL_BACKOFF_MS);
		ev_idle_stop(loop, &p->refill);
		ev_timer_set(&p->backoff, POOL_BACKOFF_MS / 1000.0, 0.);
		ev_timer_start(loop, &p->backoff);
	} else
		p->st.dying--;
	pool_worker_free(w);
	if (pool_alive(p) == 0 && p->notify != NULL)
		p->notify(p->arg);
}

/* Spawn one worker per idle callback, so the loop serves in between. */
static void
pool_refill_cb(struct ev_loop *loop, ev_idle *i, int revents)
{
	struct pool *p = i->data;
	struct pool_worker *w;
	int rc;

	(void)revents;
	if (!pool_wants(p)) {
		ev_idle_stop(loop, i);
		return;
	}
	rc = 0;
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (rc = pool_spawn(p, &w->pid, &w->sock)) < 0) {
		log_warnx("cannot spawn an idle worker: %s, retrying later",
		    strerror(w == NULL ? ENOMEM : -rc));
		free(w);
		ev_idle_stop(loop, i);
		ev_timer_set(&p->backoff, POOL_BACKOFF_MS / 1000.0, 0.);
		ev_timer_start(loop, &p->backoff);
		return;
	}
	w->pool = p;
	w->gen = p->gen;
	ev_child_init(&w->child, pool_child_cb, w->pid, 0);
	w->child.data = w;
	ev_child_start(loop, &w->child);
	LIST_INSERT_HEAD(&p->idle, w, entry);
	p->st.idle++;
	p->st.spawned++;
}

static void
pool_backoff_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct pool *p = t->data;

	(void)loop;
	(void)revents;
	pool_schedule(p);
}

struct pool *
pool_new(struct ev_loop *loop, const struct spawn_args *tmpl, unsigned target,
    void (*notify)(void *), void *arg)
{
	struct pool *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->loop = loop;
	p->tmpl = *tmpl;
	p->target = target > POOL_IDLE_MAX ? POOL_IDLE_MAX : target;
	p->notify = notify;
	p->arg = arg;
	LIST_INIT(&p->idle);
	LIST_INIT(&p->dying);
	ev_idle_init(&p->refill, pool_refill_cb);
	p->refill.data = p;
	ev_init(&p->backoff, pool_backoff_cb);
	p->backoff.data = p;
	pool_schedule(p);
	return p;
}

void
pool_configure(struct pool *p, const struct spawn_args *tmpl, unsigned target)
{
	struct pool_worker *w, *next;

	p->tmpl = *tmpl;
	p->target = target > POOL_IDLE_MAX ? POOL_IDLE_MAX : target;
	p->gen++;
	for (w = LIST_FIRST(&p->idle); w != NULL; w = next) {
		next = LIST_NEXT(w, entry);
		if (w->gen != p->gen)
			pool_kill(w);
	}
	pool_schedule(p);
}

int
pool_take(struct pool *p, pid_t *ret_pid, int *ret_sock)
{
	struct pool_worker *w;
	int rc;

	/* The oldest idle worker has had the most time to get ready. */
	LIST_FOREACH(w, &p->idle, entry)
		if (LIST_NEXT(w, entry) == NULL)
			break;
	if (w == NULL) {
		if ((rc = pool_spawn(p, ret_pid, ret_sock)) < 0)
			return rc;
		p->st.cold++;
		pool_schedule(p);
		return 0;
	}
	*ret_pid = w->pid;
	*ret_sock = w->sock;
	w->sock = -1;
	p->st.idle--;
	p->st.warm++;
	pool_worker_free(w);
	pool_schedule(p);
	return 0;
}

void
pool_set_busy(struct pool *p, int busy)
{
	p->busy = busy;
	pool_schedule(p);
}

void
pool_drain(struct pool *p)
{
	p->draining = 1;
	ev_idle_stop(p->loop, &p->refill);
	ev_timer_stop(p->loop, &p->backoff);
	while (!LIST_EMPTY(&p->idle))
		pool_kill(LIST_FIRST(&p->idle));
}

unsigned
pool_alive(const struct pool *p)
{
	return p->st.idle + p->st.dying;
}

void
pool_get_stats(const struct pool *p, struct pool_stats *ret)
{
	*ret = p->st;
}

void
pool_free(struct pool *p)
{
	struct pool_worker *w;

	if (p == NULL)
		return;
	pool_drain(p);
	while ((w = LIST_FIRST(&p->dying)) != NULL) {
		/*
		 * Killed above; the wait is short and keeps no zombie.  (The
		 * analyzer loses track of queue.h's unlinking.)
		 */
		(void)waitpid(w->pid, NULL, 0); /* NOLINT(clang-analyzer-unix.Malloc) */
		pool_worker_free(w);
	}
	free(p);
}
