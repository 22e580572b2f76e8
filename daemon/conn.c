/*
 * conn.c: read requests from one client and send answers (role:
 * supervisor).
 *
 * Everything a client sends is checked by the wire decoders; a framing
 * error, a truncated control message or an fd where none belongs ends the
 * connection.  The client's identity comes from the kernel (SO_PEERCRED).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cache.h"
#include "canary.h"
#include "config.h"
#include "conn.h"
#include "fd.h"
#include "log.h"
#include "policy.h"
#include "pool.h"
#include "request.h"
#include "stats.h"
#include "supervisor-internal.h"

#define CONN_GROUPS_MAX	256

static void
conn_shutdown(struct conn *c)
{
	/* The read watcher will see the end of stream and free c. */
	(void)shutdown(c->fd, SHUT_RDWR);
}

static void
conn_send(struct conn *c, enum wire_type type, uint32_t id,
    const struct buf *b, int fd)
{
	/* A client that does not read its answers is dropped, not waited on. */
	if (buf_error(b) < 0 || wire_send(c->fd, type, id, b, fd) < 0)
		conn_shutdown(c);
	ev_timer_again(c->sup->loop, &c->idle);
}

void
conn_send_result(struct conn *c, uint32_t id, const struct report *r, int fd)
{
	uint8_t mem[MSG_MAX];
	struct buf b;

	buf_init(&b, mem, sizeof(mem));
	(void)wire_encode_result(&b, r);
	conn_send(c, WIRE_ANS_RESULT, id, &b, fd);
}

void
conn_send_error(struct conn *c, uint32_t id, enum reason code,
    const char *fmt, ...)
{
	uint8_t mem[MSG_MAX];
	struct wire_error e = { .code = code };
	struct buf b;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	buf_init(&b, mem, sizeof(mem));
	(void)wire_encode_error(&b, &e);
	conn_send(c, WIRE_ANS_ERROR, id, &b, -1);
}

/* The pool, the queue and the cache, with the hit rate in percent. */
static void
conn_status_load(const struct supervisor *s, struct wire_status *st)
{
	struct pool_stats ps;
	struct cache_stats cs;
	uint64_t looked;

	pool_get_stats(s->pool, &ps);
	cache_get_stats(s->cache, &cs);
	looked = cs.hits + cs.misses;
	wire_status_add(st, "workers_idle", "%u", ps.idle);
	wire_status_add(st, "queued", "%zu", s->queue.len);
	wire_status_add(st, "cache_hits", "%llu",
	    (unsigned long long)cs.hits);
	wire_status_add(st, "cache_misses", "%llu",
	    (unsigned long long)cs.misses);
	wire_status_add(st, "cache_hit_rate", "%.1f%%", looked == 0 ? 0.0 :
	    100.0 * (double)cs.hits / (double)looked);
	wire_status_add(st, "cache_entries", "%llu",
	    (unsigned long long)cs.entries);
	wire_status_add(st, "cache_bytes", "%llu/%llu",
	    (unsigned long long)cs.bytes, (unsigned long long)cs.max_bytes);
}

static void
conn_send_status(struct conn *c, uint32_t id)
{
	const struct supervisor *s = c->sup;
	const struct supervisor_counters *k = &s->counters;
	struct wire_status st = { .n = 0 };
	uint8_t mem[MSG_MAX];
	struct buf b;

	wire_status_add(&st, "version", "%s", SAFELOAD_VERSION);
	wire_status_add(&st, "policy_digest", "%s", policy_digest(s->policy));
	wire_status_add(&st, "workers_active", "%u", s->active_workers);
	wire_status_add(&st, "workers_max", "%u", supervisor_max_workers(s));
	wire_status_add(&st, "connections", "%u", s->n_conns);
	wire_status_add(&st, "requests", "%llu", (unsigned long long)k->requests);
	wire_status_add(&st, "accepted", "%llu", (unsigned long long)k->accepted);
	wire_status_add(&st, "rejected", "%llu", (unsigned long long)k->rejected);
	wire_status_add(&st, "worker_failures", "%llu",
	    (unsigned long long)k->crashed);
	wire_status_add(&st, "timeouts", "%llu", (unsigned long long)k->timeouts);
	wire_status_add(&st, "denied", "%llu", (unsigned long long)k->denied);
	canary_status_add(&st);		/* the sandbox layers, measured */
	conn_status_load(s, &st);
	stats_status_add(&st);		/* uptime, reasons, latency */
	buf_init(&b, mem, sizeof(mem));
	(void)wire_encode_status(&b, &st);
	conn_send(c, WIRE_ANS_STATUS, id, &b, -1);
}

static void
conn_handle_check(struct conn *c, const struct wire_msg *m)
{
	struct wire_check check;
	int fd = m->fd;

	if (wire_decode_check(m, &check) < 0) {
		fd_close_safe(&fd);
		conn_send_error(c, m->id, REASON_BAD_REQUEST,
		    "malformed check request");
		return;
	}
	if (c->req != NULL) {
		fd_close_safe(&fd);
		conn_send_error(c, m->id, REASON_BAD_REQUEST,
		    "one request at a time per connection");
		return;
	}
	ev_timer_stop(c->sup->loop, &c->idle);
	(void)request_start(c->sup, c, m->id, &check, fd);
}

/* Handle one datagram; returns < 0 when the connection must end. */
static int
conn_handle(struct conn *c, const struct wire_msg *m)
{
	int fd = m->fd;

	if (c->refused) {
		fd_close_safe(&fd);
		conn_send_error(c, m->id, REASON_POLICY_DENIED,
		    "uid %u may not use safeload", (unsigned)c->uid);
		return 0;
	}
	switch (m->type) {
	case WIRE_REQ_CHECK:
		conn_handle_check(c, m);
		return 0;
	case WIRE_REQ_STATUS:
		if (fd >= 0 || m->len != 0)
			break;
		conn_send_status(c, m->id);
		return 0;
	default:
		break;
	}
	fd_close_safe(&fd);
	log_warnx("client uid %u pid %d: unexpected message type %u, closing",
	    (unsigned)c->uid, (int)c->pid, (unsigned)m->type);
	return -EBADMSG;
}

static void
conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;
	struct wire_msg m;
	int rc;

	(void)loop;
	(void)revents;
	rc = wire_recv(c->fd, c->sup->rxbuf, sizeof(c->sup->rxbuf), &m);
	if (rc == -EAGAIN)
		return;
	if (rc == -EPROTO || rc == -EMSGSIZE || rc == -EBADMSG ||
	    rc == -EPROTONOSUPPORT)
		log_warnx("client uid %u pid %d: %s, closing",
		    (unsigned)c->uid, (int)c->pid, strerror(-rc));
	if (rc < 0 || conn_handle(c, &m) < 0)
		conn_free(c);
}

static void
conn_idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *c = w->data;

	(void)loop;
	(void)revents;
	if (c->req == NULL)
		conn_free(c);
}

static int
conn_peer(struct conn *c)
{
	struct ucred cred;
	gid_t groups[CONN_GROUPS_MAX];
	socklen_t l = sizeof(cred);
	size_t n;

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &l) < 0)
		return -errno;
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	l = sizeof(groups);
	/* Too many groups to list is treated as none (deny, not allow). */
	n = getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, groups, &l) == 0 ?
	    l / sizeof(gid_t) : 0;
	return policy_access(c->sup->policy, c->uid, c->gid, groups, n);
}

/*
 * Tell a refused peer why.  The connection then stays open for a moment,
 * answering everything with the same refusal: closing at once would make
 * a request already in flight fail with ECONNRESET instead of the reason.
 */
static void
conn_refuse(struct supervisor *s, int fd, const struct conn *c)
{
	uint8_t mem[MSG_MAX];
	struct wire_error e = { .code = REASON_POLICY_DENIED };
	struct buf b;

	s->counters.denied++;
	log_info("client uid %u pid %d: refused by policy", (unsigned)c->uid,
	    (int)c->pid);
	(void)snprintf(e.message, sizeof(e.message),
	    "uid %u may not use safeload", (unsigned)c->uid);
	buf_init(&b, mem, sizeof(mem));
	(void)wire_encode_error(&b, &e);
	(void)wire_send(fd, WIRE_ANS_ERROR, 0, &b, -1);
}

int
conn_new(struct supervisor *s, int fd, struct conn **ret)
{
	struct conn *c;
	int rc;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		(void)close(fd);
		return -ENOMEM;
	}
	c->sup = s;
	c->fd = fd;
	if ((rc = conn_peer(c)) < 0 && rc != -EACCES) {
		(void)close(fd);
		free(c);
		return rc;
	}
	if (rc == -EACCES) {
		conn_refuse(s, fd, c);
		c->refused = 1;
	}
	ev_io_init(&c->io, conn_read_cb, fd, EV_READ);
	c->io.data = c;
	ev_io_start(s->loop, &c->io);
	ev_init(&c->idle, conn_idle_cb);
	c->idle.repeat = (c->refused ? CLIENT_REFUSED_MS : CLIENT_TIMEOUT_MS) /
	    1000.0;
	c->idle.data = c;
	ev_timer_again(s->loop, &c->idle);
	LIST_INSERT_HEAD(&s->conns, c, entry);
	s->n_conns++;
	s->counters.connections++;
	*ret = c;
	return 0;
}

void
conn_free(struct conn *c)
{
	struct supervisor *s;

	if (c == NULL)
		return;
	s = c->sup;
	if (c->req != NULL)
		request_orphan(c->req);
	ev_io_stop(s->loop, &c->io);
	ev_timer_stop(s->loop, &c->idle);
	fd_close_safe(&c->fd);
	LIST_REMOVE(c, entry);
	s->n_conns--;
	free(c);
	supervisor_conn_gone(s, NULL);
}
