/*
 * pool.h: a pool of single-use workers spawned ahead of demand (role:
 * supervisor).
 *
 * A worker enters its sandbox before it reads anything from its socket,
 * so a worker spawned ahead of time is already confined and waits in
 * recvmsg() for its one WIRE_REQ_WORK.  The pool keeps a few of them
 * ready, hands one to each request (which then owns its pid and socket
 * and reaps it), and refills itself from an idle watcher, off the request
 * path.  It never reuses a worker.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "spawn.h"

struct ev_loop;
struct pool;

struct pool_stats {
	unsigned	idle;		/* ready now */
	unsigned	dying;		/* killed, not yet reaped */
	uint64_t	spawned;	/* over the lifetime */
	uint64_t	warm;		/* requests served by a ready worker */
	uint64_t	cold;		/* requests that had to spawn one */
	uint64_t	lost;		/* idle workers that died unasked */
};

/*
 * A pool on `loop` that keeps `target` workers ready, spawned with `tmpl`
 * (its sock field is ignored; the strings are borrowed for the pool's
 * lifetime).  `notify(arg)` is called when the last dying worker has been
 * reaped, so a stopping supervisor can end its loop.  NULL only on OOM.
 */
struct pool	*pool_new(struct ev_loop *loop, const struct spawn_args *tmpl,
		    unsigned target, void (*notify)(void *), void *arg);
/*
 * New spawn arguments or size (policy reload): idle workers spawned with
 * the old ones are killed and replaced.
 */
void		 pool_configure(struct pool *p, const struct spawn_args *tmpl,
		    unsigned target);
/*
 * A worker for one request: a ready one if there is one, else a fresh
 * spawn.  The caller owns *ret_sock (the supervisor's end, CLOEXEC) and
 * must watch and reap *ret_pid.  Returns 0 or -errno.
 */
int		 pool_take(struct pool *p, pid_t *ret_pid, int *ret_sock);
/*
 * Whether requests are running.  While they are, the pool refills only
 * when no worker is ready, so its fork() stays off their replies' path.
 */
void		 pool_set_busy(struct pool *p, int busy);
/* Kill every idle worker and stop refilling (shutdown). */
void		 pool_drain(struct pool *p);
/* Workers the pool still has to reap (idle or dying). */
unsigned	 pool_alive(const struct pool *p);
void		 pool_get_stats(const struct pool *p, struct pool_stats *ret);
/* Kill and reap (blocking) whatever is left, then free. */
void		 pool_free(struct pool *p);
