/*
 * supervisor-internal.h: state shared by supervisor.c, conn.c and
 * request.c (role: supervisor).
 */
#pragma once

#include <ev.h>
#include <stdint.h>
#include <sys/queue.h>

#include "fairq.h"
#include "safeload-limits.h"
#include "supervisor.h"

struct cache;
struct conn;
struct pool;

struct supervisor_counters {
	uint64_t	requests;	/* check requests that reached a worker */
	uint64_t	accepted;
	uint64_t	rejected;
	uint64_t	crashed;	/* worker died or sent a bad reply */
	uint64_t	timeouts;
	uint64_t	denied;		/* refused before a worker: access, busy */
	uint64_t	connections;	/* accepted over the lifetime */
};

struct supervisor {
	struct ev_loop			*loop;
	int				 listen_fd;
	ev_io				 listen_io;
	ev_signal			 sig_term, sig_int, sig_hup;
	struct policy			*policy;
	struct supervisor_config	 cfg;
	unsigned			 active_workers;
	unsigned			 n_conns;
	int				 stopping;
	uint64_t			 next_seq;	/* request number for logs */
	struct pool			*pool;		/* warm workers */
	struct cache			*cache;		/* earlier verdicts */
	struct fairq			 queue;		/* waiting for a worker */
	struct supervisor_counters	 counters;
	LIST_HEAD(, conn)		 conns;
	/* One receive buffer: the loop handles one datagram at a time. */
	uint8_t				 rxbuf[MSG_MAX];
};

/* How many workers may run at once. */
unsigned	supervisor_max_workers(const struct supervisor *s);
/* Called by a connection when it is gone; may end a stopping loop. */
void		supervisor_conn_gone(struct supervisor *s, struct conn *c);
/* Called when a request finished; may end a stopping loop. */
void		supervisor_request_done(struct supervisor *s);
