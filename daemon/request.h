/*
 * request.h: one model check, from admission to verdict (role: supervisor).
 *
 * A request is answered from the result cache, or waits in the fair queue
 * until a worker slot is free, then owns one worker from the pool: its
 * socket, its pid and three watchers (the reply, the deadline and the
 * exit).  It ends only when the worker has
 * been reaped, so no zombie and no fd outlives it, and it is logged exactly
 * once, when it ends.
 */
#pragma once

#include <stdint.h>

#include "wire.h"

struct conn;
struct request;
struct supervisor;

/*
 * Start checking the model behind `model_fd` (always consumed) for conn c.
 * On failure the client has been answered and -errno is returned.
 */
int	request_start(struct supervisor *s, struct conn *c, uint32_t id,
	    const struct wire_check *check, int model_fd);
/*
 * The client went away: a queued request ends now; a running one has its
 * worker killed and ends when that is reaped.
 */
void	request_orphan(struct request *r);
/* Start queued requests while worker slots are free. */
void	request_dispatch(struct supervisor *s);
/* Answer every queued request with `busy` (shutdown). */
void	request_abort_queued(struct supervisor *s);
