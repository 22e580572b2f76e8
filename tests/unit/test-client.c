/*
 * test-client.c: libsafeload without a real daemon (role: tests).
 *
 * JSON escaping and rendering, result accessors, the memfd seal checks,
 * the daemon protocol against a scripted fake daemon in a child process
 * (the profile name picks its answer), and --local against stand-in
 * workers that exit, crash or say nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client-internal.h"
#include "fd.h"
#include "safeload.h"
#include "sha256.h"
#include "tap.h"
#include "wire.h"

static char tmpdir[] = "/tmp/test-client.XXXXXX";

static int
quote_is(const char *in, size_t n, const char *want)
{
	char out[256];
	size_t need = json_quote(NULL, in, n);
	size_t got;

	if (need >= sizeof(out))
		return 0;
	got = json_quote(out, in, n);
	out[got] = '\0';
	if (got != need || strcmp(out, want) != 0) {
		tap_diag("got %s want %s", out, want);
		return 0;
	}
	return 1;
}

static void
test_quote(void)
{
	ok(quote_is("abc", 3, "\"abc\""), "plain ASCII");
	ok(quote_is("", 0, "\"\""), "empty string");
	ok(quote_is("a\"b\\c", 5, "\"a\\\"b\\\\c\""), "quote, backslash");
	ok(quote_is("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\""), "short escapes");
	ok(quote_is("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\""),
	    "other control characters and DEL");
	ok(quote_is("a\0b", 3, "\"a\\u0000b\""), "embedded NUL");
	ok(quote_is("\xc3\xa9t\xc3\xa9", 5, "\"\xc3\xa9t\xc3\xa9\""),
	    "valid 2-byte UTF-8 copied");
	ok(quote_is("\xe2\x82\xac\xf0\x9d\x84\x9e", 7,
	    "\"\xe2\x82\xac\xf0\x9d\x84\x9e\""), "valid 3- and 4-byte UTF-8");
	ok(quote_is("\xff", 1, "\"\\ufffd\""), "byte 0xff");
	ok(quote_is("\x80x", 2, "\"\\ufffdx\""), "lone continuation byte");
	ok(quote_is("\xc0\x80", 2, "\"\\ufffd\\ufffd\""), "overlong NUL");
	ok(quote_is("\xe0\x80\xaf", 3, "\"\\ufffd\\ufffd\\ufffd\""),
	    "overlong 3-byte");
	ok(quote_is("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""),
	    "UTF-16 surrogate");
	ok(quote_is("\xf4\x90\x80\x80", 4,
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\""), "beyond U+10FFFF");
	ok(quote_is("\xe2\x82", 2, "\"\\ufffd\\ufffd\""), "truncated at end");
	ok(quote_is("\xe2(x", 3, "\"\\ufffd(x\""), "bad continuation");
}

static void
make_accept(struct report *r)
{
	report_init(r);
	r->format = REPORT_FORMAT_CNTK_V2;
	sha256("model", 5, r->sha256);
	sha256("canon", 5, r->canonical_sha256);
	r->canonical_size = 5;
	r->stats.functions = 12;
	r->stats.parameters = 1234;
	r->stats.bytes = 5;
	r->stats.max_depth = 3;
	report_count_op(r, "Times");
	report_count_op(r, "Plus");
	report_count_op(r, "Plus");
	report_sort_ops(r);
}

static void
test_json_accept(void)
{
	static const char file_json[] = "{\"file\":\"dir/m \\\"1\\\".dnn\",";
	struct sl_result *res = NULL;
	struct report r;
	char *j;

	make_accept(&r);
	ok(result_new(&r, -1, &res) == 0, "result_new");
	j = sl_result_json(res, "dir/m \"1\".dnn");
	ok(j != NULL && strstr(j, "\"verdict\":\"accept\",\"format\":"
	    "\"cntk-v2\",\"reasons\":[],\"sha256\":\"") != NULL,
	    "accept JSON: verdict, format, empty reasons");
	ok(j != NULL && strstr(j, "\"stats\":{\"functions\":12,"
	    "\"parameters\":1234,\"constants\":0,\"bytes\":5,\"max_depth\":3,"
	    "\"ops\":{\"Plus\":2,\"Times\":1}}}") != NULL,
	    "accept JSON: stats and ops histogram");
	ok(j != NULL && strncmp(j, file_json, strlen(file_json)) == 0,
	    "accept JSON: file name escaped");
	ok(j != NULL && strchr(j, '\n') == NULL, "one line");
	sl_free(j);
	ok(sl_result_accepted(res) == 1, "accepted");
	ok(strcmp(sl_result_format(res), "cntk-v2") == 0, "format name");
	ok(sl_result_sha256(res) != NULL && strlen(sl_result_sha256(res)) ==
	    64, "sha256 hex");
	ok(sl_result_canonical_sha256(res) != NULL, "canonical sha256 hex");
	ok(sl_result_op_count(res) == 2 && strcmp(sl_result_op_name(res, 0),
	    "Plus") == 0 && sl_result_op_uses(res, 0) == 2, "ops sorted");
	ok(sl_result_op_name(res, 2) == NULL && sl_result_op_uses(res, 2) ==
	    0, "op out of range");
	ok(sl_result_stat(res, SL_STAT_PARAMETERS) == 1234 &&
	    sl_result_stat(res, SL_STAT__MAX) == 0, "stats");
	sl_result_free(res);
	sl_result_free(NULL);
}

static void
test_json_reject(void)
{
	static const char want[] = "{\"file\":null,\"verdict\":\"reject\","
	    "\"format\":\"cntk-v2\",\"reasons\":[{\"code\":"
	    "\"user-defined-function\",\"message\":\"op 'x\\\"y' \\ufffd\"},"
	    "{\"code\":\"depth-limit\",\"message\":\"depth 65 > 64\"}],"
	    "\"sha256\":\"";
	struct sl_result *res = NULL;
	struct report r;
	char *j;

	report_init(&r);
	r.format = REPORT_FORMAT_CNTK_V2;
	sha256("model", 5, r.sha256);
	report_reject(&r, REASON_USER_DEFINED_FUNCTION, "op 'x\"y' \xff");
	report_reject(&r, REASON_DEPTH_LIMIT, "depth 65 > 64");
	ok(result_new(&r, -1, &res) == 0, "reject result");
	j = sl_result_json(res, NULL);
	ok(j != NULL && strncmp(j, want, strlen(want)) == 0,
	    "reject JSON: reasons, escaped message, null file");
	ok(j != NULL && strstr(j, "\"canonical_sha256\":null,") != NULL,
	    "reject JSON: canonical_sha256 null");
	if (j != NULL)
		tap_diag("%s", j);
	sl_free(j);
	ok(sl_result_reason_count(res) == 2, "two reasons");
	ok(strcmp(sl_result_reason_code(res, 1), "depth-limit") == 0,
	    "reason code");
	ok(sl_result_reason_code(res, 2) == NULL &&
	    sl_result_reason_message(res, 2) == NULL, "reason out of range");
	ok(sl_result_canonical_sha256(res) == NULL, "no canonical sha256");
	sl_result_free(res);
	ok(result_new_reject(REASON_WORKER_CRASHED, "boom", 7, &res) == 0 &&
	    sl_result_sha256(res) == NULL && sl_result_stat(res, SL_STAT_BYTES) == 7, "local reject has no input sha256");
	sl_result_free(res);
}

/* A memfd holding "canon", sealed with `seals`. */
static int
make_memfd(int seals)
{
	int fd = memfd_create("canon", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || write(fd, "canon", 5) != 5 ||
	    (seals != 0 && fcntl(fd, F_ADD_SEALS, seals) < 0))
		return -1;
	return fd;
}

#define ALL_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define PYTHON3 "/usr/bin/python3"	/* a fake worker that really faults */

static int
canonical_of(int fd, uint64_t size, const void **data, size_t *len)
{
	struct sl_result *res = NULL;
	struct report r;
	int ret;

	make_accept(&r);
	r.canonical_size = size;
	if (result_new(&r, fd, &res) < 0)
		return -ENOMEM;
	ret = sl_result_canonical(res, data, len);
	if (ret == 0)
		ret = memcmp(*data, "canon", 5) == 0 ? 0 : -EILSEQ;
	sl_result_free(res);
	return ret;
}

static void
test_canonical(void)
{
	struct sl_result *res = NULL;
	struct report r;
	const void *d;
	char path[64];
	size_t n;
	int fd;

	ok(canonical_of(make_memfd(ALL_SEALS), 5, &d, &n) == 0 && n == 5,
	    "sealed memfd maps");
	ok(canonical_of(make_memfd(ALL_SEALS & ~F_SEAL_WRITE), 5, &d, &n) ==
	    -EBADMSG, "missing F_SEAL_WRITE refused");
	ok(canonical_of(make_memfd(ALL_SEALS & ~F_SEAL_SHRINK), 5, &d, &n) ==
	    -EBADMSG, "missing F_SEAL_SHRINK refused");
	ok(canonical_of(make_memfd(0), 5, &d, &n) == -EBADMSG,
	    "unsealed memfd refused");
	ok(canonical_of(make_memfd(ALL_SEALS), 6, &d, &n) == -EBADMSG,
	    "size differing from the report refused");
	(void)snprintf(path, sizeof(path), "%s/plain", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ok(fd >= 0 && write(fd, "canon", 5) == 5 &&
	    canonical_of(fd, 5, &d, &n) == -EBADMSG,
	    "plain file (no seals) refused");
	ok(canonical_of(-1, 5, &d, &n) == -ENODATA, "no memfd: -ENODATA");
	make_accept(&r);
	/* cppcheck-suppress resourceLeak ; res owns fd from here on */
	fd = make_memfd(ALL_SEALS);
	ok(result_new(&r, fd, &res) == 0 && sl_result_canonical_fd(res) ==
	    fd, "canonical_fd returns the verified memfd");
	sl_result_free(res);
	ok(fcntl(fd, F_GETFD) < 0 && errno == EBADF,
	    "sl_result_free closes the memfd");
}

/* ---- a scripted fake daemon ------------------------------------------ */

static void
fake_send_result(int s, uint32_t id, int accept)
{
	uint8_t mem[MSG_MAX];
	struct report r;
	struct buf b;
	int fd = -1;

	if (accept) {
		make_accept(&r);
		fd = make_memfd(ALL_SEALS);
	} else {
		report_init(&r);
		report_reject(&r, REASON_UNKNOWN_OP, "op 'Evil'");
	}
	buf_init(&b, mem, sizeof(mem));
	(void)wire_encode_result(&b, &r);
	(void)wire_send(s, WIRE_ANS_RESULT, id, &b, fd);
	fd_close_safe(&fd);
}

static void
fake_send_error(int s, uint32_t id, enum reason code)
{
	struct wire_error e = { .code = code };
	uint8_t mem[512];
	struct buf b;

	(void)snprintf(e.message, sizeof(e.message), "said no");
	buf_init(&b, mem, sizeof(mem));
	(void)wire_encode_error(&b, &e);
	(void)wire_send(s, WIRE_ANS_ERROR, id, &b, -1);
}

static void
fake_send_status(int s, uint32_t id)
{
	struct wire_status st = { .n = 0 };
	uint8_t mem[4096];
	struct buf b;

	wire_status_add(&st, "workers", "%d", 2);
	wire_status_add(&st, "seccomp", "yes");
	buf_init(&b, mem, sizeof(mem));
	(void)wire_encode_status(&b, &st);
	(void)wire_send(s, WIRE_ANS_STATUS, id, &b, -1);
}

/* Answer one request as its profile name says. */
static void
fake_answer(int s, const struct wire_msg *m)
{
	struct wire_check c;

	if (m->type == WIRE_REQ_STATUS) {
		fake_send_status(s, m->id);
		return;
	}
	if (wire_decode_check(m, &c) < 0 || c.flags != WIRE_CHECK_F_CANONICAL)
		fake_send_error(s, m->id, REASON_BAD_REQUEST);
	else if (strcmp(c.profile, "reject") == 0)
		fake_send_result(s, m->id, 0);
	else if (strcmp(c.profile, "busy") == 0)
		fake_send_error(s, m->id, REASON_BUSY);
	else if (strcmp(c.profile, "denied") == 0)
		fake_send_error(s, m->id, REASON_POLICY_DENIED);
	else if (strcmp(c.profile, "wrongid") == 0)
		fake_send_result(s, m->id + 7, 1);
	else if (strcmp(c.profile, "stale") == 0) {
		fake_send_result(s, m->id - 1, 0);
		fake_send_result(s, m->id, 1);
	} else
		fake_send_result(s, m->id, 1);
}

static int fake_refuse;	/* refuse the next connection as safeloadd does */

static void
fake_daemon(int ls)
{
	uint8_t mem[MSG_MAX];
	struct wire_msg m;
	int s;

	while ((s = accept4(ls, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		if (fake_refuse) {
			fake_send_error(s, 0, REASON_POLICY_DENIED);
			(void)close(s);
			continue;
		}
		while (wire_recv(s, mem, sizeof(mem), &m) == 0) {
			fake_answer(s, &m);
			fd_close_safe(&m.fd);
		}
		(void)close(s);
	}
	_exit(0);
}

static pid_t
fake_start(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pid_t pid;
	int ls;

	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ls = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(ls, 8) < 0)
		return -1;
	if ((pid = fork()) == 0)
		fake_daemon(ls);
	(void)close(ls);
	return pid;
}

static int
check_profile(struct sl_client *c, const char *profile, unsigned flags,
    struct sl_result **res)
{
	*res = NULL;
	return sl_check_path(c, "/dev/null", profile, flags, res);
}

static void
test_daemon_errors(struct sl_client *c)
{
	struct sl_result *res;
	const char *code = NULL, *msg = NULL;

	ok(check_profile(c, "busy", 0, &res) == -EBUSY && res == NULL,
	    "busy -> -EBUSY, no result");
	ok(sl_client_last_error(c, &code, &msg) == 0 && code != NULL &&
	    strcmp(code, "busy") == 0 && strcmp(msg, "said no") == 0,
	    "last_error gives the reason");
	ok(check_profile(c, "denied", 0, &res) == -EACCES,
	    "policy-denied -> -EACCES");
	ok(check_profile(c, "wrongid", 0, &res) == -EPROTO,
	    "answer with a future id -> -EPROTO");
	ok(sl_client_last_error(c, NULL, NULL) == -ENODATA,
	    "last_error cleared by a non-refusal failure");
	ok(check_profile(c, "bad profile", 0, &res) == -EINVAL,
	    "profile with a space refused locally");
	ok(sl_check_path(c, "/nonexistent/x", NULL, 0, &res) == -ENOENT,
	    "open failure -> -ENOENT");
	ok(sl_check_fd(c, 0, NULL, 0x80, &res) == -EINVAL, "unknown flag");
}

static void
test_daemon_results(struct sl_client *c)
{
	struct sl_result *res;
	const void *d;
	size_t n;
	char *text = NULL;

	ok(check_profile(c, "", SL_CHECK_CANONICAL, &res) == 0 &&
	    sl_result_accepted(res), "accept over the socket");
	ok(res != NULL && sl_result_canonical(res, &d, &n) == 0 && n == 5 &&
	    memcmp(d, "canon", 5) == 0, "canonical bytes through the memfd");
	sl_result_free(res);
	ok(check_profile(c, NULL, 0, &res) == 0 &&
	    sl_result_canonical(res, &d, &n) == -ENODATA,
	    "without SL_CHECK_CANONICAL the memfd is dropped");
	sl_result_free(res);
	ok(check_profile(c, "reject", 0, &res) == 0 &&
	    !sl_result_accepted(res) && strcmp(sl_result_reason_code(res, 0),
	    "unknown-op") == 0, "reject over the socket");
	sl_result_free(res);
	ok(check_profile(c, "stale", 0, &res) == 0 && sl_result_accepted(res),
	    "a stale answer to an earlier id is skipped");
	sl_result_free(res);
	ok(sl_status(c, &text) == 0 && text != NULL &&
	    strcmp(text, "workers: 2\nseccomp: yes\n") == 0, "status text");
	sl_free(text);
}

/* A connection refused by policy: the reason reaches the caller. */
static void
test_daemon_refused(const char *path, pid_t pid)
{
	struct sl_client *c = NULL;
	struct sl_result *res = NULL;
	const char *code = NULL;

	ok(sl_client_new(path, &c) == 0, "connect (to be refused)");
	usleep(100000);	/* let the refusal and the close arrive first */
	ok(c != NULL && check_profile(c, NULL, 0, &res) == -EACCES,
	    "connection refused by policy -> -EACCES");
	ok(c != NULL && sl_client_last_error(c, &code, NULL) == 0 &&
	    strcmp(code, "policy-denied") == 0, "reason policy-denied");
	sl_client_free(c);
	(void)kill(pid, SIGTERM);
	(void)waitpid(pid, NULL, 0);
	(void)unlink(path);
}

static void
test_daemon(void)
{
	struct sl_client *c = NULL;
	char path[96], longp[200];
	pid_t pid;

	(void)snprintf(path, sizeof(path), "%s/sock", tmpdir);
	ok(sl_client_new(path, &c) == -ENOENT, "no socket: -ENOENT");
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	ok(sl_client_new(longp, &c) == -ENAMETOOLONG, "path too long");
	fake_refuse = 1;
	if ((pid = fake_start(path)) < 0) {
		ok(0, "fake daemon");
		return;
	}
	test_daemon_refused(path, pid);
	fake_refuse = 0;
	if ((pid = fake_start(path)) < 0) {
		ok(0, "fake daemon");
		return;
	}
	setenv("SAFELOAD_SOCKET", path, 1);
	ok(sl_client_new(NULL, &c) == 0, "connect via $SAFELOAD_SOCKET");
	unsetenv("SAFELOAD_SOCKET");
	if (c != NULL) {
		test_daemon_results(c);
		test_daemon_errors(c);
	}
	sl_client_free(c);
	sl_client_free(NULL);
	(void)kill(pid, SIGTERM);
	(void)waitpid(pid, NULL, 0);
}

/* ---- --local against stand-in workers --------------------------------- */

static const char *
local_reason(const char *worker, char *msg, size_t cap)
{
	static char code[64];
	struct sl_client *c = NULL;
	struct sl_result *res = NULL;

	setenv("SAFELOAD_WORKER", worker, 1);
	code[0] = '\0';
	msg[0] = '\0';
	if (sl_client_new_local(&c) == 0 &&
	    sl_check_path(c, "/dev/null", NULL, 0, &res) == 0 &&
	    !sl_result_accepted(res)) {
		(void)snprintf(code, sizeof(code), "%s",
		    sl_result_reason_code(res, 0));
		(void)snprintf(msg, cap, "%s", sl_result_reason_message(res, 0));
	}
	sl_result_free(res);
	sl_client_free(c);
	return code;
}

static int
write_script(const char *name, const char *body, char *path, size_t cap)
{
	int fd;

	(void)snprintf(path, cap, "%s/%s", tmpdir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0700)) < 0)
		return -1;
	if (write(fd, body, strlen(body)) != (ssize_t)strlen(body)) {
		(void)close(fd);
		return -1;
	}
	return close(fd);
}

static void
test_local(void)
{
	const char *env = getenv("SAFELOAD_WORKER");
	char *saved = env != NULL ? strdup(env) : NULL;
	struct sl_client *c = NULL;
	struct sl_result *res = NULL;
	char msg[256], path[128], *text = NULL;

	ok(strcmp(local_reason("/bin/false", msg, sizeof(msg)),
	    "worker-crashed") == 0 && strcmp(msg, "worker exit 1") == 0,
	    "worker exiting 1 -> worker-crashed");
	ok(strcmp(local_reason("/bin/true", msg, sizeof(msg)),
	    "bad-reply") == 0, "worker exiting 0 without a reply -> bad-reply");
	/*
	 * A real fault, not `kill -SEGV $$`: as root the local worker is
	 * pid 1 of its own PID namespace, which ignores the signals it
	 * sends itself; a fault still kills it, as it kills the worker.
	 */
	if (access(PYTHON3, X_OK) == 0 && write_script("segv", "#!/bin/sh\n"
	    "exec " PYTHON3 " -c 'import ctypes; ctypes.string_at(0)'\n",
	    path, sizeof(path)) == 0 && access(path, X_OK) == 0)
		ok(strcmp(local_reason(path, msg, sizeof(msg)),
		    "worker-crashed") == 0 && strcmp(msg, "worker killed by signal SEGV") == 0,
		    "worker killed by a signal -> worker-crashed naming it");
	else
		tap_skip("no " PYTHON3 ", or cannot run a script from %s",
		    tmpdir);
	setenv("SAFELOAD_WORKER", "/nonexistent/safeload-worker", 1);
	ok(sl_client_new_local(&c) == -ENOENT, "missing worker: -ENOENT");
	setenv("SAFELOAD_WORKER", "/bin/true", 1);
	ok(sl_client_new_local(&c) == 0, "local client");
	ok(sl_check_path(c, "/dev/null", "prof", 0, &res) == -EOPNOTSUPP,
	    "profile in local mode: -EOPNOTSUPP");
	ok(sl_status(c, &text) == -EOPNOTSUPP, "status in local mode");
	sl_client_free(c);
	if (saved != NULL)
		setenv("SAFELOAD_WORKER", saved, 1);
	free(saved);
}

int
main(void)
{
	char cmd[128];

	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(tmpdir) == NULL)
		tap_skip_all("mkdtemp: %s", strerror(errno));
	test_quote();
	test_json_accept();
	test_json_reject();
	test_canonical();
	test_daemon();
	test_local();
	ok(strcmp(sl_strerror(-ENOENT), strerror(ENOENT)) == 0 &&
	    sl_strerror(0) != NULL, "sl_strerror");
	ok(strlen(sl_version()) > 0, "sl_version");
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", tmpdir);
	return tap_done();
}
