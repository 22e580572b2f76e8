/*
 * test-wire.c: framing, fd passing and every message codec (role: tests).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"
#include "wire.h"

static uint8_t frame[MSG_MAX];

/* Build header + payload in `frame`; returns the datagram length. */
static size_t
make_frame(uint32_t magic, uint32_t type, uint32_t id, const struct buf *p)
{
	struct buf b;

	buf_init(&b, frame, sizeof(frame));
	buf_put_u32(&b, magic);
	buf_put_u32(&b, type);
	buf_put_u32(&b, id);
	buf_put_u32(&b, p != NULL ? (uint32_t)p->len : 0);
	if (p != NULL)
		buf_put_bytes(&b, p->data, p->len);
	return b.len;
}

#define MAGIC	(WIRE_MAGIC << 16 | WIRE_VERSION)

static void
test_header(void)
{
	struct wire_msg m;
	size_t n, i;
	int bad = 0;

	n = make_frame(MAGIC, WIRE_REQ_STATUS, 7, NULL);
	ok(wire_decode(frame, n, -1, &m) == 0 && m.type == WIRE_REQ_STATUS &&
	    m.id == 7 && m.len == 0, "a status request decodes");
	for (i = 0; i < n; i++)
		bad += wire_decode(frame, i, -1, &m) == -EBADMSG;
	ok(bad == (int)n, "every truncated header is -EBADMSG");
	n = make_frame(WIRE_MAGIC << 16 | 2, WIRE_REQ_STATUS, 1, NULL);
	ok(wire_decode(frame, n, -1, &m) == -EPROTONOSUPPORT,
	    "another protocol version is refused");
	n = make_frame(0x12340001, WIRE_REQ_STATUS, 1, NULL);
	ok(wire_decode(frame, n, -1, &m) == -EPROTONOSUPPORT,
	    "a wrong magic is refused");
	n = make_frame(MAGIC, 99, 1, NULL);
	ok(wire_decode(frame, n, -1, &m) == -EBADMSG, "unknown type refused");
	n = make_frame(MAGIC, WIRE_REQ_STATUS, 1, NULL);
	frame[12] = 5;	/* claims 5 payload bytes that are not there */
	ok(wire_decode(frame, n, -1, &m) == -EBADMSG,
	    "declared length must equal the datagram");
	ok(wire_decode(frame, MSG_MAX + 1, -1, &m) == -EBADMSG,
	    "datagrams over MSG_MAX are refused");
}

static int
decode_payload(enum wire_type t, const struct buf *p, int fd,
    struct wire_msg *m)
{
	size_t n = make_frame(MAGIC, t, 1, p);

	return wire_decode(frame, n, fd, m);
}

static void
test_check(void)
{
	uint8_t mem[256];
	struct wire_check c = { .flags = WIRE_CHECK_F_CANONICAL,
	    .format_hint = REPORT_FORMAT_CNTK_V2 }, out;
	struct wire_msg m;
	struct buf b;
	size_t full, i;
	int bad = 0;

	strcpy(c.profile, "strict");
	buf_init(&b, mem, sizeof(mem));
	wire_encode_check(&b, &c);
	decode_payload(WIRE_REQ_CHECK, &b, 5, &m);
	ok(wire_decode_check(&m, &out) == 0 && out.flags == c.flags &&
	    out.format_hint == c.format_hint &&
	    strcmp(out.profile, "strict") == 0, "check request round-trips");
	m.fd = -1;
	ok(wire_decode_check(&m, &out) == -EBADMSG,
	    "a check request without a model fd is refused");
	full = b.len;
	for (i = 0; i < full; i++) {
		b.len = i;
		decode_payload(WIRE_REQ_CHECK, &b, 5, &m);
		bad += wire_decode_check(&m, &out) == -EBADMSG;
	}
	ok(bad == (int)full, "every truncated check payload is refused");
	b.len = full;
	mem[0] = 0x80;	/* unknown flag */
	decode_payload(WIRE_REQ_CHECK, &b, 5, &m);
	ok(wire_decode_check(&m, &out) == -EBADMSG, "unknown flags refused");
	mem[0] = 1;
	mem[4] = REPORT_FORMAT__MAX;
	decode_payload(WIRE_REQ_CHECK, &b, 5, &m);
	ok(wire_decode_check(&m, &out) == -EBADMSG,
	    "out-of-range format hint refused");
}

static void
test_work(void)
{
	uint8_t mem[256];
	struct wire_work w = { .format_hint = REPORT_FORMAT_UNKNOWN }, out;
	struct wire_msg m;
	struct buf b;

	model_limits_default(&w.limits);
	w.limits.max_depth = 10;
	buf_init(&b, mem, sizeof(mem));
	wire_encode_work(&b, &w);
	decode_payload(WIRE_REQ_WORK, &b, 4, &m);
	ok(wire_decode_work(&m, &out) == 0 && out.limits.max_depth == 10 &&
	    out.limits.max_bytes == w.limits.max_bytes,
	    "work order round-trips with its limits");
	w.limits.max_depth = 0;
	buf_init(&b, mem, sizeof(mem));
	wire_encode_work(&b, &w);
	decode_payload(WIRE_REQ_WORK, &b, 4, &m);
	ok(wire_decode_work(&m, &out) == -EBADMSG, "a zero limit is refused");
	w.limits.max_depth = MODEL_MAX_DEPTH + 1;
	buf_init(&b, mem, sizeof(mem));
	wire_encode_work(&b, &w);
	decode_payload(WIRE_REQ_WORK, &b, 4, &m);
	ok(wire_decode_work(&m, &out) == -EBADMSG,
	    "a limit above its ceiling is refused");
}

static void
sample_report(struct report *r, int accept)
{
	report_init(r);
	r->format = REPORT_FORMAT_CNTK_V2;
	r->stats.functions = 3;
	r->stats.bytes = 1000;
	report_count_op(r, "Times");
	report_count_op(r, "Plus");
	report_count_op(r, "Times");
	if (accept) {
		r->canonical_size = 900;
		r->canonical_sha256[0] = 1;
	} else {
		report_reject(r, REASON_USER_DEFINED_FUNCTION, "native %s",
		    "udf");
	}
}

static int
result_decodes(const struct report *in, int fd, struct report *out)
{
	uint8_t mem[MSG_MAX];
	struct wire_msg m;
	struct buf b;

	buf_init(&b, mem, sizeof(mem));
	if (wire_encode_result(&b, in) < 0)
		return -ENOBUFS;
	decode_payload(WIRE_ANS_RESULT, &b, fd, &m);
	return wire_decode_result(&m, out);
}

static void
test_result(void)
{
	struct report in, out;

	sample_report(&in, 1);
	ok(result_decodes(&in, 9, &out) == 0 && out.n_ops == 2 &&
	    out.ops[0].count == 2 && out.canonical_size == 900,
	    "an accept round-trips");
	ok(result_decodes(&in, -1, &out) == -EBADMSG,
	    "an accept without a canonical fd is refused");
	in.canonical_size = 0;
	ok(result_decodes(&in, 9, &out) == -EBADMSG,
	    "an accept with an empty canonical model is refused");
	sample_report(&in, 1);
	in.format = REPORT_FORMAT_UNKNOWN;
	ok(result_decodes(&in, 9, &out) == -EBADMSG,
	    "an accept of an unknown format is refused");
	sample_report(&in, 0);
	ok(result_decodes(&in, -1, &out) == 0 && out.n_reasons == 1 &&
	    out.reasons[0].code == REASON_USER_DEFINED_FUNCTION &&
	    strcmp(out.reasons[0].message, "native udf") == 0,
	    "a reject round-trips");
	ok(result_decodes(&in, 9, &out) == -EBADMSG,
	    "a reject that carries an fd is refused");
	in.reasons[0].code = REASON__MAX;
	ok(result_decodes(&in, -1, &out) == -EBADMSG,
	    "an unknown reason code is refused");
	in.reasons[0].code = REASON_NONE;
	ok(result_decodes(&in, -1, &out) == -EBADMSG,
	    "reason 'none' is refused");
	sample_report(&in, 0);
	in.n_reasons = 0;
	ok(result_decodes(&in, -1, &out) == -EBADMSG,
	    "a reject without a reason is refused");
	sample_report(&in, 1);
	in.verdict = 7;
	ok(result_decodes(&in, 9, &out) == -EBADMSG,
	    "an unknown verdict is refused");
	sample_report(&in, 1);
	in.ops[0].count = 0;
	ok(result_decodes(&in, 9, &out) == -EBADMSG,
	    "an op counted zero times is refused");
}

static void
test_error_status(void)
{
	uint8_t mem[MSG_MAX];
	struct wire_error e = { .code = REASON_BUSY }, eo;
	struct wire_status s = { .n = 0 }, so;
	struct wire_msg m;
	struct buf b;

	strcpy(e.message, "all busy");
	buf_init(&b, mem, sizeof(mem));
	wire_encode_error(&b, &e);
	decode_payload(WIRE_ANS_ERROR, &b, -1, &m);
	ok(wire_decode_error(&m, &eo) == 0 && eo.code == REASON_BUSY &&
	    strcmp(eo.message, "all busy") == 0, "error round-trips");
	decode_payload(WIRE_ANS_ERROR, &b, 3, &m);
	ok(wire_decode_error(&m, &eo) == -EBADMSG,
	    "an error carrying an fd is refused");
	wire_status_add(&s, "requests", "%d", 42);
	buf_init(&b, mem, sizeof(mem));
	wire_encode_status(&b, &s);
	decode_payload(WIRE_ANS_STATUS, &b, -1, &m);
	ok(wire_decode_status(&m, &so) == 0 && so.n == 1 &&
	    strcmp(so.items[0].value, "42") == 0, "status round-trips");
	buf_init(&b, mem, sizeof(mem));
	buf_put_u32(&b, WIRE_STATUS_MAX + 1);
	decode_payload(WIRE_ANS_STATUS, &b, -1, &m);
	ok(wire_decode_status(&m, &so) == -EBADMSG,
	    "too many status items refused");
}

/* Send `nfds` copies of fd 0 with one datagram. */
static int
send_fds(int sock, int nfds)
{
	uint8_t hdr[WIRE_HDR_LEN];
	char cbuf[CMSG_SPACE(sizeof(int) * 32)];
	struct iovec iov = { .iov_base = hdr, .iov_len = sizeof(hdr) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cbuf, .msg_controllen = CMSG_SPACE(sizeof(int) * nfds) };
	struct cmsghdr *c;
	int i, fd = 0;

	make_frame(MAGIC, WIRE_REQ_STATUS, 1, NULL);
	memcpy(hdr, frame, sizeof(hdr));
	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
	for (i = 0; i < nfds; i++)
		memcpy(CMSG_DATA(c) + i * sizeof(int), &fd, sizeof(fd));
	return sendmsg(sock, &mh, 0) < 0 ? -errno : 0;
}

static int
count_open_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static void
test_socket(void)
{
	static uint8_t rx[MSG_MAX];
	uint8_t mem[64];
	struct wire_msg m = { .fd = -1 };
	struct buf b;
	int sv[2], memfd, before;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		tap_skip_all("socketpair");
	memfd = memfd_create("t", MFD_CLOEXEC);
	buf_init(&b, mem, sizeof(mem));
	ok(wire_send(sv[0], WIRE_REQ_STATUS, 3, &b, memfd) == 0 &&
	    wire_recv(sv[1], rx, sizeof(rx), &m) == 0 && m.fd >= 0 &&
	    m.fd != memfd && m.id == 3, "one fd travels with a message");
	ok((fcntl(m.fd, F_GETFD) & FD_CLOEXEC) != 0, "received fd is CLOEXEC");
	close(m.fd);
	before = count_open_fds();
	send_fds(sv[0], 2);
	ok(wire_recv(sv[1], rx, sizeof(rx), &m) == -EPROTO,
	    "two fds in one message end it with -EPROTO");
	send_fds(sv[0], 20);
	ok(wire_recv(sv[1], rx, sizeof(rx), &m) == -EPROTO,
	    "a truncated control message (MSG_CTRUNC) is -EPROTO");
	ok(count_open_fds() == before, "no received fd is leaked");
	buf_init(&b, rx, sizeof(rx));
	b.len = MSG_MAX - WIRE_HDR_LEN;
	ok(wire_send(sv[0], WIRE_REQ_STATUS, 1, &b, -1) == 0 &&
	    wire_recv(sv[1], frame, 100, &m) == -EMSGSIZE,
	    "a datagram larger than the buffer is -EMSGSIZE");
	b.len = MSG_MAX;
	ok(wire_send(sv[0], WIRE_REQ_STATUS, 1, &b, -1) == -EMSGSIZE,
	    "wire_send refuses payloads over MSG_MAX");
	close(sv[0]);
	ok(wire_recv(sv[1], rx, sizeof(rx), &m) == -ECONNRESET,
	    "end of stream is -ECONNRESET");
	close(sv[1]);
	close(memfd);
}

/* The optional trailing fields added within version 1. */
static void
test_check_signature(void)
{
	uint8_t mem[2048];
	static struct wire_check c, out;
	struct wire_msg m;
	struct buf b;
	size_t full;

	memset(&c, 0, sizeof(c));
	strcpy(c.signature,
	    "untrusted comment: x\nRUQ=\ntrusted comment: t\nAA==\n");
	buf_init(&b, mem, sizeof(mem));
	wire_encode_check(&b, &c);
	full = b.len;
	decode_payload(WIRE_REQ_CHECK, &b, 5, &m);
	ok(wire_decode_check(&m, &out) == 0 &&
	    strcmp(out.signature, c.signature) == 0,
	    "a signature with newlines round-trips");
	b.len = full - strlen(c.signature) - 4;
	decode_payload(WIRE_REQ_CHECK, &b, 5, &m);
	ok(wire_decode_check(&m, &out) == 0 && out.signature[0] == '\0',
	    "a check request without the signature field still decodes");
	b.len = full;
	mem[full - 3] = '\0';
	decode_payload(WIRE_REQ_CHECK, &b, 5, &m);
	ok(wire_decode_check(&m, &out) == -EBADMSG,
	    "a signature with a NUL byte is refused");
}

static void
test_work_rules(void)
{
	uint8_t mem[MSG_MAX];
	static struct wire_work w, out;
	struct wire_msg m;
	struct buf b;

	memset(&w, 0, sizeof(w));
	model_limits_default(&w.limits);
	w.flags = WIRE_WORK_F_BLAKE2B;
	w.rules.formats = 1u << REPORT_FORMAT_CNTK_V2;
	w.rules.max_parameters = 77;
	w.rules.allow_ops_set = 1;
	w.rules.n_allow_ops = 2;
	strcpy(w.rules.allow_ops[0], "Times");
	strcpy(w.rules.allow_ops[1], "Plus");
	w.rules.n_deny_ops = 1;
	strcpy(w.rules.deny_ops[0], "ReLU");
	w.rules.udfs.n = 2;
	strcpy(w.rules.udfs.names[0], "mylayers.Gelu");
	strcpy(w.rules.udfs.names[1], "libmyop:CreateMyOp");
	buf_init(&b, mem, sizeof(mem));
	wire_encode_work(&b, &w);
	decode_payload(WIRE_REQ_WORK, &b, 4, &m);
	ok(wire_decode_work(&m, &out) == 0 && out.rules.n_allow_ops == 2 &&
	    strcmp(out.rules.allow_ops[1], "Plus") == 0 &&
	    strcmp(out.rules.deny_ops[0], "ReLU") == 0 &&
	    out.rules.udfs.n == 2 &&
	    strcmp(out.rules.udfs.names[1], "libmyop:CreateMyOp") == 0 &&
	    out.rules.max_parameters == 77 && out.flags == w.flags,
	    "work order rules round-trip, UDF names too");
	strcpy(w.rules.udfs.names[1], "/tmp/libmyop:CreateMyOp");
	buf_init(&b, mem, sizeof(mem));
	wire_encode_work(&b, &w);
	decode_payload(WIRE_REQ_WORK, &b, 4, &m);
	ok(wire_decode_work(&m, &out) == -EBADMSG,
	    "a UDF name no policy could hold is refused");
	w.rules.udfs.n = 0;
	buf_init(&b, mem, sizeof(mem));
	wire_encode_work(&b, &w);
	/* The UDF count is the last field: claim one name too many. */
	mem[b.len - 4] = MODEL_UDFS_MAX + 1;
	decode_payload(WIRE_REQ_WORK, &b, 4, &m);
	ok(wire_decode_work(&m, &out) == -EBADMSG,
	    "too many UDF names are refused");
	b.len = 60;	/* flags, hint, limits: the order before rules */
	decode_payload(WIRE_REQ_WORK, &b, 4, &m);
	ok(wire_decode_work(&m, &out) == 0 && out.rules.formats == 0 &&
	    !out.rules.allow_ops_set, "a work order without rules decodes");
	w.rules.formats = 1u << REPORT_FORMAT_UNKNOWN;
	buf_init(&b, mem, sizeof(mem));
	wire_encode_work(&b, &w);
	decode_payload(WIRE_REQ_WORK, &b, 4, &m);
	ok(wire_decode_work(&m, &out) == -EBADMSG,
	    "format 'unknown' in the rules is refused");
	w.rules.formats = 0;
	w.rules.n_deny_ops = MODEL_RULES_OPS_MAX + 1;
	buf_init(&b, mem, sizeof(mem));
	wire_encode_work(&b, &w);
	decode_payload(WIRE_REQ_WORK, &b, 4, &m);
	ok(wire_decode_work(&m, &out) == -EBADMSG,
	    "too many op names are refused");
}

static void
test_result_tail(void)
{
	uint8_t mem[MSG_MAX];
	static struct report in, out;
	struct wire_msg m;
	struct buf b;

	sample_report(&in, 1);
	strcpy(in.profile, "strict");
	strcpy(in.policy_digest, "ab12");
	in.has_blake2b = 1;
	in.blake2b[63] = 9;
	ok(result_decodes(&in, 9, &out) == 0 &&
	    strcmp(out.profile, "strict") == 0 &&
	    strcmp(out.policy_digest, "ab12") == 0 && out.has_blake2b &&
	    out.blake2b[63] == 9, "profile, policy digest, BLAKE2b round-trip");
	sample_report(&in, 1);
	buf_init(&b, mem, sizeof(mem));
	wire_encode_result(&b, &in);
	b.len -= 12;	/* two empty strings and the BLAKE2b flag */
	decode_payload(WIRE_ANS_RESULT, &b, 9, &m);
	ok(wire_decode_result(&m, &out) == 0 && out.profile[0] == '\0',
	    "a result without the trailing fields still decodes");
	b.len += 12;
	mem[b.len - 4] = 2;
	decode_payload(WIRE_ANS_RESULT, &b, 9, &m);
	ok(wire_decode_result(&m, &out) == -EBADMSG,
	    "a BLAKE2b flag other than 0 or 1 is refused");
}

int
main(void)
{
	test_header();
	test_check();
	test_work();
	test_result();
	test_check_signature();
	test_work_rules();
	test_result_tail();
	test_error_status();
	test_socket();
	return tap_done();
}
