/*
 * client.c: struct sl_client, the connection to safeloadd (role: client,
 * library code linked into applications).
 *
 * One request at a time per connection: send WIRE_REQ_CHECK with the
 * model fd (opened by the application with its own permissions: the
 * daemon never opens paths), wait for the answer with the same id.  The
 * daemon is trusted more than the worker, but its answers still go through
 * the strict decoders, and the memfd through result.c's seal checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client-internal.h"
#include "config.h"
#include "fd.h"
#include "safeload.h"
#include "spawn.h"

#define CLIENT_DEFAULT_SOCKET	RUNSTATEDIR "/safeload/safeload.sock"

/* A refusal by the daemon as an errno; the reason stays in last_error. */
static const struct {
	enum reason	code;
	int		err;
} client_errors[] = {
	{ REASON_POLICY_DENIED, EACCES },
	{ REASON_BUSY, EBUSY },
	{ REASON_SIZE_LIMIT, EFBIG },
};

const char *
sl_version(void)
{
	return SAFELOAD_VERSION;
}

const char *
sl_strerror(int err)
{
	return strerror(err < 0 ? -err : err);
}

void
sl_free(void *p)
{
	free(p);
}

static int
client_connect(const char *path, int *ret_sock)
{
	struct sockaddr_un sa;
	int s = -1, r;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	*ret_sock = s;
	s = -1;
	r = 0;
out:
	fd_close_safe(&s);
	return r;
}

static int
client_alloc(struct sl_client **ret)
{
	struct sl_client *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	c->sock = -1;
	c->next_id = 1;
	*ret = c;
	return 0;
}

int
sl_client_new(const char *socket_path, struct sl_client **ret)
{
	struct sl_client *c = NULL;
	const char *env;
	int r;

	if (ret == NULL)
		return -EINVAL;
	if (socket_path == NULL) {
		env = getenv("SAFELOAD_SOCKET");
		socket_path = env != NULL && env[0] != '\0' ? env :
		    CLIENT_DEFAULT_SOCKET;
	}
	if ((r = client_alloc(&c)) < 0)
		goto out;
	if ((r = client_connect(socket_path, &c->sock)) < 0)
		goto out;
	*ret = c;
	c = NULL;
out:
	sl_client_free(c);
	return r;
}

int
sl_client_new_local(struct sl_client **ret)
{
	struct sl_client *c = NULL;
	int r;

	if (ret == NULL)
		return -EINVAL;
	/* A missing worker is a setup error, not a reject of every model. */
	if (access(spawn_default_worker(), X_OK) < 0)
		return -errno;
	if ((r = client_alloc(&c)) < 0)
		return r;
	c->local = 1;
	*ret = c;
	return 0;
}

void
sl_client_free(struct sl_client *c)
{
	if (c == NULL)
		return;
	fd_close_safe(&c->sock);
	free(c);
}

int
sl_client_last_error(const struct sl_client *c, const char **ret_code,
    const char **ret_message)
{
	if (c == NULL || !c->has_error)
		return -ENODATA;
	if (ret_code != NULL)
		*ret_code = reason_code(c->last_error.code);
	if (ret_message != NULL)
		*ret_message = c->last_error.message;
	return 0;
}

/* Remember a WIRE_ANS_ERROR and turn it into the errno we return. */
static int
client_refused(struct sl_client *c, const struct wire_msg *m)
{
	size_t i;

	if (wire_decode_error(m, &c->last_error) < 0)
		return -EPROTO;
	c->has_error = 1;
	for (i = 0; i < sizeof(client_errors) / sizeof(client_errors[0]); i++)
		if (client_errors[i].code == c->last_error.code)
			return -client_errors[i].err;
	return -EREMOTEIO;
}

/* Wait for a datagram; the daemon has its own worker timeout below ours. */
static int
client_wait(int sock)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int n;

	do {
		n = poll(&p, 1, (int)CLIENT_TIMEOUT_MS);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

/*
 * Receive the answer to request `id`.  Answers to earlier requests (ones
 * that timed out) are dropped; anything else out of order is -EPROTO.
 * An error with id 0 answers no request: the daemon refused the whole
 * connection (policy) right after accepting it, then closed it.
 */
static int
client_recv(struct sl_client *c, uint32_t id, struct wire_msg *ret)
{
	struct wire_msg m;
	int r;

	for (;;) {
		if ((r = client_wait(c->sock)) < 0)
			return r;
		if ((r = wire_recv(c->sock, c->msg, sizeof(c->msg), &m)) < 0)
			return r == -EBADMSG || r == -EMSGSIZE ? -EPROTO : r;
		if (m.id == id || (m.id == 0 && m.type == WIRE_ANS_ERROR))
			break;
		fd_close_safe(&m.fd);
		if ((int32_t)(id - m.id) <= 0)
			return -EPROTO;
	}
	if (m.type == WIRE_ANS_ERROR)
		return client_refused(c, &m);
	*ret = m;
	return 0;
}

/*
 * The daemon may have refused us and closed the connection before we sent
 * anything: its reason is still queued on our side.
 */
static int
client_send_failed(struct sl_client *c, int err)
{
	struct wire_msg m;

	if (err != -EPIPE && err != -ECONNRESET)
		return err;
	if (fd_set_nonblock(c->sock, 1) == 0 &&
	    wire_recv(c->sock, c->msg, sizeof(c->msg), &m) == 0) {
		if (m.id == 0 && m.type == WIRE_ANS_ERROR)
			return client_refused(c, &m);
		fd_close_safe(&m.fd);
	}
	return -ECONNRESET;
}

static int
client_transact(struct sl_client *c, enum wire_type type,
    const struct buf *req, int fd, struct wire_msg *ret)
{
	uint32_t id;
	int r;

	if (c->sock < 0)
		return -ENOTCONN;
	id = c->next_id++;
	if (c->next_id == 0)
		c->next_id = 1;
	if ((r = wire_send(c->sock, type, id, req, fd)) < 0)
		return client_send_failed(c, r);
	return client_recv(c, id, ret);
}

static int
client_profile_valid(const char *p)
{
	size_t n = strlen(p);
	size_t i;

	if (n > PROFILE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] <= ' ' || p[i] > '~')
			return 0;
	return 1;
}

/*
 * The worker must not be able to write to the caller's file: hand it a
 * read-only descriptor, reopening through /proc when the caller's is not.
 */
static int
client_readonly_fd(int fd, int *ret_fd, int *ret_owned)
{
	char path[32];
	int fl, nfd;

	if ((fl = fcntl(fd, F_GETFL)) < 0)
		return -errno;
	if ((fl & O_ACCMODE) == O_RDONLY) {
		*ret_fd = fd;
		*ret_owned = 0;
		return 0;
	}
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((nfd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return -errno;
	*ret_fd = nfd;
	*ret_owned = 1;
	return 0;
}

/* The daemon's answer to a check: a result, its memfd kept if asked for. */
static int
client_daemon_check(struct sl_client *c, int fd, const struct wire_check *wc,
    unsigned flags, struct sl_result **ret)
{
	uint8_t mem[256 + WIRE_STR_MAX]; /* flags, hint, profile, signature */
	struct report rep;
	struct wire_msg m = { .fd = -1 };
	struct buf b;
	int r;

	buf_init(&b, mem, sizeof(mem));
	if ((r = wire_encode_check(&b, wc)) < 0)
		return r;
	if ((r = client_transact(c, WIRE_REQ_CHECK, &b, fd, &m)) < 0)
		return r;
	if (m.type != WIRE_ANS_RESULT || wire_decode_result(&m, &rep) < 0) {
		fd_close_safe(&m.fd);
		return -EPROTO;
	}
	if (!(flags & SL_CHECK_CANONICAL))
		fd_close_safe(&m.fd);
	return result_new(&rep, m.fd, ret);
}

int
client_format_hint(unsigned flags, enum report_format *ret)
{
	switch (flags & ~SL_CHECK_CANONICAL) {
	case 0:
		*ret = REPORT_FORMAT_UNKNOWN;
		return 0;
	case SL_CHECK_AS_CNTK_V2:
		*ret = REPORT_FORMAT_CNTK_V2;
		return 0;
	case SL_CHECK_AS_CNTK_V1:
		*ret = REPORT_FORMAT_CNTK_V1;
		return 0;
	case SL_CHECK_AS_ONNX:
		*ret = REPORT_FORMAT_ONNX;
		return 0;
	default:
		return -EINVAL;
	}
}

int
sl_check_fd(struct sl_client *c, int fd, const char *profile,
    unsigned flags, struct sl_result **ret)
{
	struct wire_check wc;
	enum report_format hint;
	int rofd = -1, owned = 0, r;

	if (c == NULL || fd < 0 || ret == NULL ||
	    client_format_hint(flags, &hint) < 0)
		return -EINVAL;
	c->has_error = 0;
	if (profile == NULL)
		profile = "";
	if (!client_profile_valid(profile))
		return -EINVAL;
	if (c->local && profile[0] != '\0')
		return -EOPNOTSUPP;
	if ((r = client_readonly_fd(fd, &rofd, &owned)) < 0)
		return r;
	memset(&wc, 0, sizeof(wc));
	/*
	 * Always ask for the memfd: an accept without one does not pass
	 * wire_decode_result(), and passing an fd costs nothing.  It is
	 * closed at once unless the caller asked for the canonical bytes.
	 */
	wc.flags = WIRE_CHECK_F_CANONICAL;
	wc.format_hint = hint;
	memcpy(wc.profile, profile, strlen(profile) + 1);
	/* Used once: a signature belongs to one model. */
	memcpy(wc.signature, c->signature, sizeof(wc.signature));
	c->signature[0] = '\0';
	if (c->local)
		r = local_check(c, rofd, flags, ret);
	else
		r = client_daemon_check(c, rofd, &wc, flags, ret);
	if (owned)
		fd_close_safe(&rofd);
	return r;
}

int
sl_client_set_signature(struct sl_client *c, const char *minisig)
{
	if (c == NULL)
		return -EINVAL;
	if (minisig == NULL || minisig[0] == '\0') {
		c->signature[0] = '\0';
		return 0;
	}
	if (c->local)
		return -EOPNOTSUPP;
	if (strlen(minisig) > WIRE_STR_MAX)
		return -EINVAL;
	memcpy(c->signature, minisig, strlen(minisig) + 1);
	return 0;
}

int
sl_check_path(struct sl_client *c, const char *path, const char *profile,
    unsigned flags, struct sl_result **ret)
{
	int fd, r;

	if (c == NULL || path == NULL || ret == NULL)
		return -EINVAL;
	c->has_error = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return -errno;
	r = sl_check_fd(c, fd, profile, flags, ret);
	fd_close_safe(&fd);
	return r;
}

/* "key: value\n" for every item. */
static int
client_status_text(const struct wire_status *s, char **ret)
{
	size_t i, len = 1, off = 0;
	char *t;

	for (i = 0; i < s->n; i++)
		len += strlen(s->items[i].key) + strlen(s->items[i].value) + 3;
	if ((t = malloc(len)) == NULL)
		return -ENOMEM;
	t[0] = '\0';
	for (i = 0; i < s->n; i++)
		off += (size_t)snprintf(t + off, len - off, "%s: %s\n",
		    s->items[i].key, s->items[i].value);
	*ret = t;
	return 0;
}

int
sl_status(struct sl_client *c, char **ret_text)
{
	struct wire_status st;
	struct wire_msg m;
	int r;

	if (c == NULL || ret_text == NULL)
		return -EINVAL;
	c->has_error = 0;
	if (c->local)
		return -EOPNOTSUPP;
	if ((r = client_transact(c, WIRE_REQ_STATUS, NULL, -1, &m)) < 0)
		return r;
	if (wire_decode_status(&m, &st) < 0) {
		fd_close_safe(&m.fd);
		return -EPROTO;
	}
	return client_status_text(&st, ret_text);
}
