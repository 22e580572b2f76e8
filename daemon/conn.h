/*
 * conn.h: one client connection (role: supervisor).
 *
 * A connection carries one request at a time.  It knows its peer from
 * SO_PEERCRED, never from anything the peer says.
 */
#pragma once

#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <ev.h>

#include "report.h"
#include "wire.h"

struct request;
struct supervisor;

struct conn {
	struct supervisor	*sup;
	int			 fd;
	ev_io			 io;
	ev_timer		 idle;
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;
	struct request		*req;		/* in flight, or NULL */
	int			 refused;	/* by policy: answers only that */
	LIST_ENTRY(conn)	 entry;
};

/* Take `fd` (a freshly accepted socket) and start serving it. */
int	conn_new(struct supervisor *s, int fd, struct conn **ret);
/* Close the connection; a request in flight loses its client. */
void	conn_free(struct conn *c);
/*
 * Relay a finished request's result (fd may be -1) and restart the idle
 * timer.  These never free c: when a send fails the socket is shut down,
 * and the read watcher then sees the end of stream and frees it.
 */
void	conn_send_result(struct conn *c, uint32_t id, const struct report *r,
	    int fd);
/* Answer with an error. */
void	conn_send_error(struct conn *c, uint32_t id, enum reason code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
