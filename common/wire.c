/*
 * wire.c: framing, fd passing and the per-message codecs (role: library).
 *
 * Everything that reads a datagram here treats it as hostile: the worker's
 * replies come from a process that parsed an attacker's file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fd.h"
#include "wire.h"

static int
wire_type_valid(uint32_t t)
{
	switch (t) {
	case WIRE_REQ_CHECK:
	case WIRE_REQ_STATUS:
	case WIRE_REQ_WORK:
	case WIRE_ANS_RESULT:
	case WIRE_ANS_ERROR:
	case WIRE_ANS_STATUS:
		return 1;
	default:
		return 0;
	}
}

int
wire_decode(const uint8_t *data, size_t len, int fd, struct wire_msg *ret)
{
	struct buf b;
	uint32_t magic, type, id, plen;

	if (len < WIRE_HDR_LEN || len > MSG_MAX)
		return -EBADMSG;
	buf_init_ro(&b, data, len);
	buf_get_u32(&b, &magic);
	buf_get_u32(&b, &type);
	buf_get_u32(&b, &id);
	buf_get_u32(&b, &plen);
	if (buf_error(&b) < 0)
		return -EBADMSG;
	if (magic != (WIRE_MAGIC << 16 | WIRE_VERSION))
		return -EPROTONOSUPPORT;
	if (!wire_type_valid(type) || plen != len - WIRE_HDR_LEN)
		return -EBADMSG;
	ret->type = (enum wire_type)type;
	ret->id = id;
	ret->payload = data + WIRE_HDR_LEN;
	ret->len = plen;
	ret->fd = fd;
	return 0;
}

/* Pull the one fd out of the control data; anything unexpected is -EPROTO. */
static int
wire_take_fds(struct msghdr *mh, int *ret_fd)
{
	struct cmsghdr *c;
	int fds[8], n = 0, i, r = 0;
	size_t k, cnt;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			r = -EPROTO;
			continue;
		}
		cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < cnt; k++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(fd));
			if (n < (int)(sizeof(fds) / sizeof(fds[0])))
				fds[n++] = fd;
			else
				(void)close(fd);
		}
	}
	if (n > 1)
		r = -EPROTO;
	if (r < 0) {
		for (i = 0; i < n; i++)
			(void)close(fds[i]);
		return r;
	}
	*ret_fd = n == 1 ? fds[0] : -1;
	return 0;
}

int
wire_recv(int sock, uint8_t *data, size_t cap, struct wire_msg *ret)
{
	/* Room for several fds so that excess ones are seen and closed. */
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(8 * sizeof(int))];
	} cbuf;
	struct iovec iov = { .iov_base = data, .iov_len = cap };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.space, .msg_controllen = sizeof(cbuf.space),
	};
	ssize_t n;
	int fd = -1, r;

	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((r = wire_take_fds(&mh, &fd)) < 0)
		return r;
	if (mh.msg_flags & MSG_CTRUNC)
		r = -EPROTO;
	else if (mh.msg_flags & MSG_TRUNC)
		r = -EMSGSIZE;
	else if (n == 0)
		r = -ECONNRESET;
	else
		r = wire_decode(data, (size_t)n, fd, ret);
	if (r < 0)
		fd_close_safe(&fd);
	return r;
}

int
wire_send(int sock, enum wire_type type, uint32_t id, const struct buf *payload,
    int fd)
{
	uint8_t hdr[WIRE_HDR_LEN];
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct buf h;
	struct iovec iov[2];
	struct msghdr mh;
	struct cmsghdr *c;
	size_t plen = payload != NULL ? payload->len : 0;
	ssize_t n;

	if (plen > MSG_MAX - WIRE_HDR_LEN)
		return -EMSGSIZE;
	buf_init(&h, hdr, sizeof(hdr));
	buf_put_u32(&h, WIRE_MAGIC << 16 | WIRE_VERSION);
	buf_put_u32(&h, (uint32_t)type);
	buf_put_u32(&h, id);
	buf_put_u32(&h, (uint32_t)plen);
	memset(&mh, 0, sizeof(mh));
	iov[0] = (struct iovec){ .iov_base = hdr, .iov_len = sizeof(hdr) };
	iov[1] = (struct iovec){
		.iov_base = payload != NULL ? payload->data : NULL,
		.iov_len = plen };
	mh.msg_iov = iov;
	mh.msg_iovlen = plen > 0 ? 2 : 1;
	if (fd >= 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.space;
		mh.msg_controllen = sizeof(cbuf.space);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == sizeof(hdr) + plen ? 0 : -EIO;
}

/* Common epilogue of every decoder: type, fd presence, no trailing bytes. */
static int
wire_expect(const struct wire_msg *m, enum wire_type type, int want_fd)
{
	if (m->type != type)
		return -EBADMSG;
	if (want_fd == 1 && m->fd < 0)
		return -EBADMSG;
	if (want_fd == 0 && m->fd >= 0)
		return -EBADMSG;
	return 0;
}

static int
wire_get_format(struct buf *b, enum report_format *ret)
{
	uint32_t v;
	int r;

	if ((r = buf_get_u32(b, &v)) < 0)
		return r;
	if (v >= REPORT_FORMAT__MAX)
		return buf_poison(b);
	*ret = (enum report_format)v;
	return 0;
}

int
wire_encode_check(struct buf *b, const struct wire_check *c)
{
	buf_put_u32(b, c->flags);
	buf_put_u32(b, (uint32_t)c->format_hint);
	buf_put_str(b, c->profile, strlen(c->profile));
	if (c->signature[0] == '\0')
		return buf_error(b);
	/* Opaque bytes, not a wire string: the text has newlines. */
	buf_put_u32(b, (uint32_t)strlen(c->signature));
	return buf_put_bytes(b, c->signature, strlen(c->signature));
}

/* The signature: u32 length then that many bytes, no NUL, then the end. */
static int
wire_get_signature(struct buf *b, char *dst, size_t cap)
{
	uint32_t n;

	if (b->off == b->len)
		return 0;	/* an older client: no signature */
	if (buf_get_u32(b, &n) < 0 || n == 0 || n > cap - 1 ||
	    buf_get_bytes(b, dst, n) < 0 || memchr(dst, '\0', n) != NULL)
		return buf_poison(b);
	dst[n] = '\0';
	return 0;
}

int
wire_decode_check(const struct wire_msg *m, struct wire_check *ret)
{
	struct wire_check c;
	struct buf b;
	int r;

	if ((r = wire_expect(m, WIRE_REQ_CHECK, 1)) < 0)
		return r;
	memset(&c, 0, sizeof(c));
	buf_init_ro(&b, m->payload, m->len);
	buf_get_u32(&b, &c.flags);
	wire_get_format(&b, &c.format_hint);
	buf_get_str(&b, c.profile, sizeof(c.profile));
	wire_get_signature(&b, c.signature, sizeof(c.signature));
	if (buf_end(&b) < 0)
		return -EBADMSG;
	if (c.flags & ~WIRE_CHECK_F__ALL)
		return -EBADMSG;
	*ret = c;
	return 0;
}

int
wire_encode_work(struct buf *b, const struct wire_work *w)
{
	buf_put_u32(b, w->flags);
	buf_put_u32(b, (uint32_t)w->format_hint);
	buf_put_u64(b, w->limits.max_bytes);
	buf_put_u64(b, w->limits.max_elements);
	buf_put_u64(b, w->limits.max_alloc);
	buf_put_u32(b, w->limits.max_depth);
	buf_put_u32(b, w->limits.max_nodes);
	buf_put_u32(b, w->limits.max_string);
	buf_put_u32(b, w->limits.max_entries);
	buf_put_u64(b, w->limits.max_graph_steps);
	buf_put_u32(b, w->limits.max_dynamic_axes);
	return model_rules_encode(b, &w->rules);
}

int
wire_decode_work(const struct wire_msg *m, struct wire_work *ret)
{
	struct wire_work w;
	struct buf b;
	int r;

	if ((r = wire_expect(m, WIRE_REQ_WORK, 1)) < 0)
		return r;
	memset(&w, 0, sizeof(w));
	buf_init_ro(&b, m->payload, m->len);
	buf_get_u32(&b, &w.flags);
	wire_get_format(&b, &w.format_hint);
	buf_get_u64(&b, &w.limits.max_bytes);
	buf_get_u64(&b, &w.limits.max_elements);
	buf_get_u64(&b, &w.limits.max_alloc);
	buf_get_u32(&b, &w.limits.max_depth);
	buf_get_u32(&b, &w.limits.max_nodes);
	buf_get_u32(&b, &w.limits.max_string);
	buf_get_u32(&b, &w.limits.max_entries);
	buf_get_u64(&b, &w.limits.max_graph_steps);
	buf_get_u32(&b, &w.limits.max_dynamic_axes);
	if (b.off < b.len)
		model_rules_decode(&b, &w.rules);
	else
		model_rules_default(&w.rules);
	if (buf_end(&b) < 0 || (w.flags & ~WIRE_WORK_F__ALL) != 0 ||
	    model_limits_check(&w.limits) < 0)
		return -EBADMSG;
	*ret = w;
	return 0;
}

int
wire_encode_result(struct buf *b, const struct report *r)
{
	size_t i;

	buf_put_u32(b, (uint32_t)r->verdict);
	buf_put_u32(b, (uint32_t)r->format);
	buf_put_bytes(b, r->sha256, sizeof(r->sha256));
	buf_put_bytes(b, r->canonical_sha256, sizeof(r->canonical_sha256));
	buf_put_u64(b, r->canonical_size);
	buf_put_u64(b, r->stats.functions);
	buf_put_u64(b, r->stats.parameters);
	buf_put_u64(b, r->stats.constants);
	buf_put_u64(b, r->stats.bytes);
	buf_put_u64(b, r->stats.max_depth);
	buf_put_u32(b, (uint32_t)r->n_reasons);
	for (i = 0; i < r->n_reasons; i++) {
		buf_put_u32(b, (uint32_t)r->reasons[i].code);
		buf_put_str(b, r->reasons[i].message,
		    strlen(r->reasons[i].message));
	}
	buf_put_u32(b, (uint32_t)r->n_ops);
	for (i = 0; i < r->n_ops; i++) {
		buf_put_str(b, r->ops[i].name, strlen(r->ops[i].name));
		buf_put_u64(b, r->ops[i].count);
	}
	buf_put_str(b, r->profile, strlen(r->profile));
	buf_put_str(b, r->policy_digest, strlen(r->policy_digest));
	buf_put_u32(b, r->has_blake2b ? 1u : 0u);
	if (r->has_blake2b)
		buf_put_bytes(b, r->blake2b, sizeof(r->blake2b));
	return buf_error(b);
}

/* The trailing profile, policy digest and BLAKE2b; absent in old peers. */
static int
wire_get_result_tail(struct buf *b, struct report *r)
{
	uint32_t has;

	if (b->off == b->len)
		return 0;
	buf_get_str(b, r->profile, sizeof(r->profile));
	buf_get_str(b, r->policy_digest, sizeof(r->policy_digest));
	if (buf_get_u32(b, &has) < 0 || has > 1)
		return buf_poison(b);
	r->has_blake2b = (int)has;
	if (has)
		buf_get_bytes(b, r->blake2b, sizeof(r->blake2b));
	return buf_error(b);
}

static int
wire_get_reason(struct buf *b, enum reason *ret)
{
	uint32_t v;
	int r;

	if ((r = buf_get_u32(b, &v)) < 0)
		return r;
	/* REASON_NONE is never a reason to reject. */
	if (v == REASON_NONE || v >= REASON__MAX)
		return buf_poison(b);
	*ret = (enum reason)v;
	return 0;
}

static int
wire_get_reasons(struct buf *b, struct report *r)
{
	uint32_t n, i;

	if (buf_get_u32(b, &n) < 0 || n > REPORT_REASONS_MAX)
		return -EBADMSG;
	r->n_reasons = n;
	for (i = 0; i < n; i++) {
		if (wire_get_reason(b, &r->reasons[i].code) < 0 ||
		    buf_get_str(b, r->reasons[i].message,
		    sizeof(r->reasons[i].message)) < 0)
			return -EBADMSG;
	}
	return 0;
}

static int
wire_get_ops(struct buf *b, struct report *r)
{
	uint32_t n, i;

	if (buf_get_u32(b, &n) < 0 || n > REPORT_OPS_MAX)
		return -EBADMSG;
	r->n_ops = n;
	for (i = 0; i < n; i++) {
		if (buf_get_str(b, r->ops[i].name,
		    sizeof(r->ops[i].name)) < 0 ||
		    buf_get_u64(b, &r->ops[i].count) < 0)
			return -EBADMSG;
		if (r->ops[i].name[0] == '\0' || r->ops[i].count == 0)
			return -EBADMSG;
	}
	return 0;
}

/* An accept carries a canonical model and no reasons; a reject the reverse. */
static int
wire_result_consistent(const struct report *r, int fd)
{
	static const uint8_t zero[32];

	if (r->verdict == REPORT_ACCEPT)
		return r->n_reasons == 0 && r->canonical_size > 0 &&
		    r->canonical_size <= CANONICAL_MAX_BYTES &&
		    r->format != REPORT_FORMAT_UNKNOWN && fd >= 0;
	if (r->verdict == REPORT_REJECT)
		return r->n_reasons > 0 && r->canonical_size == 0 &&
		    memcmp(r->canonical_sha256, zero, sizeof(zero)) == 0 &&
		    fd < 0;
	return 0;
}

int
wire_decode_result(const struct wire_msg *m, struct report *ret)
{
	struct report r;
	struct buf b;
	uint32_t verdict;

	if (m->type != WIRE_ANS_RESULT)
		return -EBADMSG;
	memset(&r, 0, sizeof(r));
	buf_init_ro(&b, m->payload, m->len);
	buf_get_u32(&b, &verdict);
	r.verdict = (enum report_verdict)verdict;
	wire_get_format(&b, &r.format);
	buf_get_bytes(&b, r.sha256, sizeof(r.sha256));
	buf_get_bytes(&b, r.canonical_sha256, sizeof(r.canonical_sha256));
	buf_get_u64(&b, &r.canonical_size);
	buf_get_u64(&b, &r.stats.functions);
	buf_get_u64(&b, &r.stats.parameters);
	buf_get_u64(&b, &r.stats.constants);
	buf_get_u64(&b, &r.stats.bytes);
	buf_get_u64(&b, &r.stats.max_depth);
	if (buf_error(&b) < 0 || wire_get_reasons(&b, &r) < 0 ||
	    wire_get_ops(&b, &r) < 0 || wire_get_result_tail(&b, &r) < 0 ||
	    buf_end(&b) < 0)
		return -EBADMSG;
	if (!wire_result_consistent(&r, m->fd))
		return -EBADMSG;
	*ret = r;
	return 0;
}

int
wire_encode_error(struct buf *b, const struct wire_error *e)
{
	buf_put_u32(b, (uint32_t)e->code);
	return buf_put_str(b, e->message, strlen(e->message));
}

int
wire_decode_error(const struct wire_msg *m, struct wire_error *ret)
{
	struct wire_error e;
	struct buf b;
	int r;

	if ((r = wire_expect(m, WIRE_ANS_ERROR, 0)) < 0)
		return r;
	memset(&e, 0, sizeof(e));
	buf_init_ro(&b, m->payload, m->len);
	wire_get_reason(&b, &e.code);
	buf_get_str(&b, e.message, sizeof(e.message));
	if (buf_end(&b) < 0)
		return -EBADMSG;
	*ret = e;
	return 0;
}

int
wire_encode_status(struct buf *b, const struct wire_status *s)
{
	size_t i;

	buf_put_u32(b, (uint32_t)s->n);
	for (i = 0; i < s->n; i++) {
		buf_put_str(b, s->items[i].key, strlen(s->items[i].key));
		buf_put_str(b, s->items[i].value, strlen(s->items[i].value));
	}
	return buf_error(b);
}

int
wire_decode_status(const struct wire_msg *m, struct wire_status *ret)
{
	struct wire_status s;
	struct buf b;
	uint32_t n, i;
	int r;

	if ((r = wire_expect(m, WIRE_ANS_STATUS, 0)) < 0)
		return r;
	memset(&s, 0, sizeof(s));
	buf_init_ro(&b, m->payload, m->len);
	if (buf_get_u32(&b, &n) < 0 || n > WIRE_STATUS_MAX)
		return -EBADMSG;
	s.n = n;
	for (i = 0; i < n; i++) {
		buf_get_str(&b, s.items[i].key, sizeof(s.items[i].key));
		buf_get_str(&b, s.items[i].value, sizeof(s.items[i].value));
	}
	if (buf_end(&b) < 0)
		return -EBADMSG;
	*ret = s;
	return 0;
}

void
wire_status_add(struct wire_status *s, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (s->n >= WIRE_STATUS_MAX)
		return;
	(void)snprintf(s->items[s->n].key, sizeof(s->items[s->n].key), "%s",
	    key);
	va_start(ap, fmt);
	(void)vsnprintf(s->items[s->n].value, sizeof(s->items[s->n].value),
	    fmt, ap);
	va_end(ap);
	s->n++;
}
