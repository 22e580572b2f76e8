/*
 * test-worker.c: drive the real safeload-worker binary over its socket
 * (role: tests).
 *
 * The worker is started the way the supervisor starts it (spawn_worker(),
 * fd 3 a SOCK_SEQPACKET socket), sent one WIRE_REQ_WORK, and its reply is
 * checked with the supervisor's own strict decoder.  Bad argv and bad
 * requests must end the worker without a reply.  As root the worker runs
 * as pid 1 of its own PID namespace, as safeloadd runs it, and the hooks
 * (-Dtest_hooks) run both ways: pid 1 must still end as a worker does.
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
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "fd.h"
#include "sha256.h"
#include "spawn.h"
#include "tap.h"
#include "wire.h"

#define SEALS	(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

struct run {
	int		exit_status;	/* wait status */
	int		got_reply;
	struct report	rep;
	int		fd;		/* reply fd, or -1 */
};

static const char *worker;
static int as_pid1;	/* start_argv(): in a new PID namespace (root) */

/* Exec the worker with argv (NULL-terminated, argv[0] included). */
static pid_t
start_argv(char *const argv[], int *ret_sock)
{
	int sv[2];

	*ret_sock = -1;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	fflush(stdout);
	if ((pid = as_pid1 ? spawn_fork_pidns() : fork()) == 0) {
		if (fd_move_to(sv[1], 3) < 0)
			_exit(127);
		execv(worker, argv);
		_exit(127);
	}
	(void)close(sv[1]);
	*ret_sock = sv[0];
	return pid;
}

static int
wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

/* Send one WORK (fd may be -1), read the reply if any, reap the worker. */
static void
exchange(pid_t pid, int sock, enum wire_type type,
    const struct model_limits *lim, int fd, struct run *ret)
{
	uint8_t data[MSG_MAX];
	struct wire_work w = { .format_hint = REPORT_FORMAT_UNKNOWN };
	struct wire_msg m;
	struct buf b;

	memset(ret, 0, sizeof(*ret));
	ret->fd = -1;
	w.limits = *lim;
	buf_init(&b, data, sizeof(data) - WIRE_HDR_LEN);
	(void)wire_encode_work(&b, &w);
	(void)wire_send(sock, type, 7, &b, fd);
	if (wire_recv(sock, data, sizeof(data), &m) == 0) {
		ret->got_reply = wire_decode_result(&m, &ret->rep) == 0 &&
		    m.id == 7 ? 1 : -1;
		ret->fd = m.fd;
	}
	ret->exit_status = wait_status(pid);
	(void)close(sock);
}

/* The supervisor's way: spawn_worker() with the default ids and limits. */
static void
run_fd(int fd, const struct model_limits *lim, struct run *ret)
{
	struct spawn_args a = {
		.worker_path = worker, .stderr_fd = 2,
		.as_bytes = WORKER_AS_MAX, .cpu_seconds = WORKER_CPU_SEC,
		.pidns = geteuid() == 0 ? SPAWN_PIDNS_REQUIRE : SPAWN_PIDNS_OFF,
	};
	int sv[2];
	pid_t pid;

	spawn_default_ids(&a.uid, &a.gid);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	a.sock = sv[1];
	fflush(stdout);
	if (spawn_worker(&a, &pid) < 0)
		abort();
	(void)close(sv[1]);
	exchange(pid, sv[0], WIRE_REQ_WORK, lim, fd, ret);
}

static int
exited(int st, int code)
{
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == code;
}

static int
memfd_with(const void *p, size_t n)
{
	int fd = memfd_create("in", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || fd_write_full(fd, p, n) < 0 ||
	    fcntl(fd, F_ADD_SEALS, SEALS) < 0)
		abort();
	return fd;
}

static void
test_argv(void)
{
	static const char *const bad[][4] = {
		{ "--bogus" }, { "--uid" }, { "--uid", "-1" },
		{ "--uid", "4294967295" }, { "--mem", "0" }, { "--mem=1" },
		{ "--cpu", "1x" }, { "--cpu", " 5" }, { "--u", "5" },
		{ "extra" },
#if !TEST_HOOKS
		{ "--test-hook", "crash" },
#endif
	};
	char *argv[6];
	size_t i, k;
	int sock;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		argv[0] = (char *)"safeload-worker";
		for (k = 0; k < 4 && bad[i][k] != NULL; k++)
			argv[k + 1] = (char *)bad[i][k];
		argv[k + 1] = NULL;
		ok(exited(wait_status(start_argv(argv, &sock)), 2),
		    "argv '%s %s' is refused (exit 2)", bad[i][0],
		    bad[i][1] != NULL ? bad[i][1] : "");
		(void)close(sock);
	}
}

static void
test_rejects(const struct model_limits *lim)
{
	struct model_limits small = *lim;
	static const char junk[100] = "not a model";
	struct run r;
	int fd, p[2];

	run_fd(fd = memfd_with("", 0), lim, &r);
	ok(exited(r.exit_status, 0) && r.got_reply == 1 &&
	    r.rep.verdict == REPORT_REJECT && r.fd < 0 &&
	    r.rep.reasons[0].code == REASON_EMPTY_FILE,
	    "empty input: reject empty-file, no fd");
	(void)close(fd);
	small.max_bytes = 10;
	run_fd(fd = memfd_with(junk, sizeof(junk)), &small, &r);
	ok(r.got_reply == 1 && r.rep.verdict == REPORT_REJECT &&
	    r.rep.reasons[0].code == REASON_SIZE_LIMIT &&
	    r.rep.stats.bytes == sizeof(junk),
	    "100 bytes over a 10-byte limit: reject size-limit");
	(void)close(fd);
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	run_fd(p[0], lim, &r);
	ok(r.got_reply == 1 && r.rep.verdict == REPORT_REJECT &&
	    r.rep.reasons[0].code == REASON_NOT_A_MODEL,
	    "a pipe instead of a file: reject not-a-model");
	(void)close(p[0]);
	(void)close(p[1]);
	run_fd(-1, lim, &r);
	ok(exited(r.exit_status, 1) && r.got_reply == 0,
	    "WORK without an fd: exit 1, no reply");
}

/* Compare the reply with our own hashes of input and canonical bytes. */
static int
accept_consistent(const struct run *r, int in_fd, size_t in_len)
{
	uint8_t d[SHA256_LEN], *p;
	struct stat st;
	int good;

	if (r->fd < 0 || fstat(r->fd, &st) < 0 || st.st_size <= 0 ||
	    (uint64_t)st.st_size != r->rep.canonical_size ||
	    fcntl(r->fd, F_GET_SEALS) != SEALS)
		return 0;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, r->fd, 0);
	if (p == MAP_FAILED)
		return 0;
	sha256(p, (size_t)st.st_size, d);
	good = memcmp(d, r->rep.canonical_sha256, sizeof(d)) == 0;
	(void)munmap(p, (size_t)st.st_size);
	p = mmap(NULL, in_len, PROT_READ, MAP_PRIVATE, in_fd, 0);
	if (p == MAP_FAILED)
		return 0;
	sha256(p, in_len, d);
	good &= memcmp(d, r->rep.sha256, sizeof(d)) == 0;
	(void)munmap(p, in_len);
	return good && r->rep.stats.bytes == in_len;
}

static void
test_accept(const struct model_limits *lim)
{
	const char *corpus = getenv("SAFELOAD_CORPUS");
	char path[4096];
	struct stat st;
	struct run r;
	int fd;

	(void)snprintf(path, sizeof(path), "%s/nodecntk-mnist/mnist.cmf",
	    corpus != NULL ? corpus : ".");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		tap_skip("no corpus model at '%s'", path);
		tap_skip("no corpus model");
		return;
	}
	run_fd(fd, lim, &r);
	ok(exited(r.exit_status, 0) && r.got_reply == 1 &&
	    r.rep.verdict == REPORT_ACCEPT, "a real CNTK v2 model is accepted");
	ok(accept_consistent(&r, fd, (size_t)st.st_size),
	    "sealed canonical memfd; size and both sha256 match the reply");
	fd_close_safe(&r.fd);
	(void)close(fd);
}

/* A request of the wrong type: no reply, exit 1. */
static void
test_bad_request(const struct model_limits *lim)
{
	char *argv[] = { (char *)"safeload-worker", NULL };
	struct run r;
	int sock, fd = memfd_with("x", 1);
	pid_t pid = start_argv(argv, &sock);

	exchange(pid, sock, WIRE_REQ_STATUS, lim, fd, &r);
	ok(exited(r.exit_status, 1) && r.got_reply == 0,
	    "a request that is not WORK: exit 1, no reply");
	(void)close(fd);
}

#if TEST_HOOKS
/* Run with --test-hook name; a hung worker is killed after 2 s. */
static void
run_hook(const char *name, const struct model_limits *lim, struct run *r)
{
	char *argv[] = { (char *)"safeload-worker", (char *)"--test-hook",
	    (char *)name, NULL };
	struct timeval tv = { .tv_sec = 2 };
	int sock, fd = memfd_with("x", 1);
	pid_t pid = start_argv(argv, &sock);

	(void)setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (strcmp(name, "hang") == 0) {
		uint8_t data[MSG_MAX];
		struct wire_msg m;
		struct buf b;
		struct wire_work w = { .limits = *lim };

		buf_init(&b, data, sizeof(data) - WIRE_HDR_LEN);
		(void)wire_encode_work(&b, &w);
		(void)wire_send(sock, WIRE_REQ_WORK, 7, &b, fd);
		r->got_reply = wire_recv(sock, data, sizeof(data), &m) == 0;
		(void)kill(pid, SIGKILL);
		r->exit_status = wait_status(pid);
		(void)close(sock);
	} else
		exchange(pid, sock, WIRE_REQ_WORK, lim, fd, r);
	(void)close(fd);
}

static void
test_hooks(const struct model_limits *lim)
{
	const char *pre = as_pid1 ? "pid 1: " : "";
	struct run r;

	run_hook("crash", lim, &r);
	ok(WIFSIGNALED(r.exit_status) && WTERMSIG(r.exit_status) == SIGSEGV,
	    "%shook crash: SIGSEGV", pre);
	run_hook("syscall", lim, &r);
	ok(WIFSIGNALED(r.exit_status) && WTERMSIG(r.exit_status) == SIGSYS,
	    "%shook syscall: socket(AF_INET) dies by SIGSYS", pre);
	run_hook("bad-reply", lim, &r);
	ok(r.got_reply == -1, "%shook bad-reply: the strict decoder refuses "
	    "it", pre);
	run_hook("hang", lim, &r);
	ok(r.got_reply == 0 && WIFSIGNALED(r.exit_status) &&
	    WTERMSIG(r.exit_status) == SIGKILL, "%shook hang: no reply in 2 s, "
	    "SIGKILL ends it", pre);
}
#endif

int
main(void)
{
	struct model_limits lim;

	if ((worker = getenv("SAFELOAD_WORKER")) == NULL || worker[0] != '/')
		tap_skip_all("SAFELOAD_WORKER is not set");
	model_limits_default(&lim);
	test_argv();
	test_rejects(&lim);
	test_accept(&lim);
	test_bad_request(&lim);
#if TEST_HOOKS
	test_hooks(&lim);
	if (geteuid() == 0) {
		as_pid1 = 1;
		test_hooks(&lim);
		as_pid1 = 0;
	} else
		tap_skip("hooks as pid 1 of a PID namespace need root");
#else
	tap_skip("test hooks not built (-Dtest_hooks=true)");
#endif
	return tap_done();
}
