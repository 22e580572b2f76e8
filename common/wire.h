/*
 * wire.h: the safeload protocol (role: library, used by every process).
 *
 * Transport: AF_UNIX SOCK_SEQPACKET, one message per datagram, at most one
 * fd per message (SCM_RIGHTS).  Every message starts with a 16-byte header,
 * little-endian:
 *
 *	u32 magic_version	WIRE_MAGIC ("SL") << 16 | WIRE_VERSION
 *	u32 type		enum wire_type
 *	u32 id			request id chosen by the sender, echoed back
 *	u32 len			payload bytes that follow; header + len == datagram
 *
 * Strings are a u32 length and bytes, no NUL, no control characters.  The
 * decoders are pure functions over a received datagram: they check every
 * length, enum and count, and whether an fd is present where one must be.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "safeload-limits.h"
#include "model-limits.h"
#include "model-rules.h"
#include "reason.h"
#include "report.h"

#define WIRE_MAGIC	0x534cu
#define WIRE_VERSION	1u

enum wire_type {
	WIRE_REQ_CHECK = 1,	/* client -> supervisor; fd: model, read-only */
	WIRE_REQ_STATUS = 2,	/* client -> supervisor; no fd */
	WIRE_REQ_WORK = 3,	/* supervisor -> worker; fd: model */
	WIRE_ANS_RESULT = 0x81,	/* worker -> supervisor -> client; fd: memfd iff accepted */
	WIRE_ANS_ERROR = 0x82,	/* supervisor -> client; no fd */
	WIRE_ANS_STATUS = 0x83,	/* supervisor -> client; no fd */
};

/* A received datagram.  payload is borrowed from the receive buffer. */
struct wire_msg {
	enum wire_type	 type;
	uint32_t	 id;
	const uint8_t	*payload;
	size_t		 len;
	int		 fd;	/* -1 if none; owned by whoever received it */
};

#define WIRE_CHECK_F_CANONICAL	0x1u	/* send the canonical memfd back */
#define WIRE_CHECK_F__ALL	0x1u
/* Work order only: return the input's BLAKE2b-512 (signature checks). */
#define WIRE_WORK_F_BLAKE2B	0x100u
#define WIRE_WORK_F__ALL	(WIRE_CHECK_F__ALL | WIRE_WORK_F_BLAKE2B)

/*
 * Optional trailing fields (WIRE_REQ_CHECK's signature, WIRE_REQ_WORK's
 * rules, WIRE_ANS_RESULT's profile, policy digest and BLAKE2b) were added
 * within version 1: a decoder accepts a message that ends before them and
 * fills in the empty defaults.
 */
struct wire_check {
	uint32_t		flags;
	enum report_format	format_hint;	/* UNKNOWN: detect by content */
	char			profile[PROFILE_NAME_MAX + 1]; /* "" = default */
	/* A minisign signature file's text, opaque bytes; "" = none. */
	char			signature[WIRE_STR_MAX + 1];
};

struct wire_work {
	uint32_t		flags;
	enum report_format	format_hint;
	struct model_limits	limits;
	struct model_rules	rules;		/* formats, op lists, ... */
};

struct wire_error {
	enum reason	code;
	char		message[REPORT_MESSAGE_MAX + 1];
};

#define WIRE_STATUS_MAX		32u
#define WIRE_STATUS_KEY_MAX	32u
#define WIRE_STATUS_VALUE_MAX	128u

struct wire_status {
	size_t	n;
	struct {
		char key[WIRE_STATUS_KEY_MAX + 1];
		char value[WIRE_STATUS_VALUE_MAX + 1];
	} items[WIRE_STATUS_MAX];
};

/*
 * Check the header of datagram buf[0..len) and point ret at its payload.
 * ret->fd is set to `fd` unchanged.  -EBADMSG on a short or inconsistent
 * datagram, -EPROTONOSUPPORT on a wrong magic or version.
 */
int	wire_decode(const uint8_t *buf, size_t len, int fd, struct wire_msg *ret);

/*
 * Receive one datagram into buf (cap >= MSG_MAX) and decode its header.
 * Returns -ECONNRESET at end of stream, -EPROTO when the control data was
 * truncated (MSG_CTRUNC), carried more than one fd, or anything but
 * SCM_RIGHTS, and -EMSGSIZE when the datagram was truncated.  On error any
 * fd that arrived is closed.  Never blocks if sock is non-blocking
 * (-EAGAIN).  All received fds are CLOEXEC.
 */
int	wire_recv(int sock, uint8_t *buf, size_t cap, struct wire_msg *ret);

/* Send one message; fd < 0 sends none.  The fd stays the caller's. */
int	wire_send(int sock, enum wire_type type, uint32_t id,
	    const struct buf *payload, int fd);

int	wire_encode_check(struct buf *b, const struct wire_check *c);
int	wire_decode_check(const struct wire_msg *m, struct wire_check *ret);
int	wire_encode_work(struct buf *b, const struct wire_work *w);
int	wire_decode_work(const struct wire_msg *m, struct wire_work *ret);
int	wire_encode_result(struct buf *b, const struct report *r);
/*
 * Strict: the verdict must agree with the reasons and the canonical size,
 * every enum must be in range, and an accept must carry an fd and a reject
 * none.  This is the supervisor's check on an untrusted worker.
 */
int	wire_decode_result(const struct wire_msg *m, struct report *ret);
int	wire_encode_error(struct buf *b, const struct wire_error *e);
int	wire_decode_error(const struct wire_msg *m, struct wire_error *ret);
int	wire_encode_status(struct buf *b, const struct wire_status *s);
int	wire_decode_status(const struct wire_msg *m, struct wire_status *ret);
/* Append key = printf(fmt) to s; silently ignored when full. */
void	wire_status_add(struct wire_status *s, const char *key,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
