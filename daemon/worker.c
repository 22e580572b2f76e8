/*
 * worker.c: safeload-worker, one sandboxed check of one model (role:
 * worker).
 *
 * Started by spawn_worker() (supervisor, or the client's --local mode) as
 *	safeload-worker [--uid N] [--gid N] [--mem BYTES] [--cpu SECONDS]
 *	    [--debug] [--canary]
 * with fd 0 and 1 on /dev/null, fd 2 stderr and fd 3 the SOCK_SEQPACKET
 * socket.  It enters the sandbox before it has seen a single untrusted
 * byte, then receives one WIRE_REQ_WORK (with the model fd), checks the
 * model and replies with one WIRE_ANS_RESULT, carrying a sealed memfd of
 * the canonical model on accept.  It always leaves with _exit():
 *	0  a reply was sent;
 *	1  internal error, no reply (the supervisor reports worker-crashed);
 *	2  bad arguments or the sandbox could not be entered;
 *	3  --canary only: the forbidden call did not kill us (the sandbox
 *	   is broken; safeloadd refuses to serve).
 *
 * --canary is safeloadd's start-up self-check: enter the sandbox, report
 * the layers in place, wait for the supervisor's go, then make a call the
 * filter forbids.  The supervisor expects death by SIGSYS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fd.h"
#include "safeload-limits.h"
#include "log.h"
#include "model.h"
#include "sandbox.h"
#include "sha256.h"
#include "wire.h"
#include "worker-attack.h"

#define WORKER_SOCK_FD	3
#define WORKER_SEALS	(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | \
			    F_SEAL_SEAL)

#if TEST_HOOKS
/* Ways to misbehave on purpose, for the integration tests only. */
enum worker_hook {
	WORKER_HOOK_NONE = 0,
	WORKER_HOOK_CRASH,	/* SIGSEGV right after the sandbox */
	WORKER_HOOK_HANG,	/* never reply */
	WORKER_HOOK_BAD_REPLY,	/* an accept without its memfd */
	WORKER_HOOK_SYSCALL,	/* socket(AF_INET): must die by SIGSYS */
};
static enum worker_hook arg_hook;
static enum worker_attack arg_attack;	/* worker-attack.c */
static pid_t arg_supervisor;		/* getppid() is denied inside */
static uint32_t arg_weaken;		/* sandbox layers to leave out */
#endif

static struct sandbox_config arg_sandbox;
static int arg_debug;
static int arg_canary;

/* Strict decimal: digits only, no sign, no blanks, 1..max (0 if zero_ok). */
static int
worker_parse_num(const char *s, uint64_t max, int zero_ok, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max || (v == 0 && !zero_ok))
		return -EINVAL;
	*ret = v;
	return 0;
}

static int
worker_opt_uid(const char *v)
{
	uint64_t n;
	int r;

	/* (uid_t)-1 means "unchanged" to setresuid: never a target. */
	if ((r = worker_parse_num(v, UINT32_MAX - 1, 1, &n)) < 0)
		return r;
	arg_sandbox.uid = (uid_t)n;
	return 0;
}

static int
worker_opt_gid(const char *v)
{
	uint64_t n;
	int r;

	if ((r = worker_parse_num(v, UINT32_MAX - 1, 1, &n)) < 0)
		return r;
	arg_sandbox.gid = (gid_t)n;
	return 0;
}

static int
worker_opt_mem(const char *v)
{
	return worker_parse_num(v, WORKER_AS_MAX, 0, &arg_sandbox.as_bytes);
}

static int
worker_opt_cpu(const char *v)
{
	uint64_t n;
	int r;

	if ((r = worker_parse_num(v, WORKER_CPU_SEC, 0, &n)) < 0)
		return r;
	arg_sandbox.cpu_seconds = (uint32_t)n;
	return 0;
}

/*
 * The namespaces the spawner joined us to (worker-ns.h): sandbox layer
 * bits, of the namespaces a setns() can join and nothing else.
 */
static int
worker_opt_ns_joined(const char *v)
{
	const uint64_t joinable = SANDBOX_NAMESPACES & ~(uint64_t)SANDBOX_USERNS;
	uint64_t n;
	int r;

	if ((r = worker_parse_num(v, joinable, 0, &n)) < 0)
		return r;
	if ((n & ~joinable) != 0)
		return -EINVAL;
	arg_sandbox.ns_joined = (uint32_t)n;
	return 0;
}

static int
worker_opt_debug(const char *v)
{
	(void)v;
	arg_debug = 1;
	return 0;
}

static int
worker_opt_canary(const char *v)
{
	(void)v;
	arg_canary = 1;
	return 0;
}

#if TEST_HOOKS
static int
worker_opt_hook(const char *v)
{
	static const char *const names[] = {
		[WORKER_HOOK_CRASH] = "crash",
		[WORKER_HOOK_HANG] = "hang",
		[WORKER_HOOK_BAD_REPLY] = "bad-reply",
		[WORKER_HOOK_SYSCALL] = "syscall",
	};
	size_t i;

	for (i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i]) == 0) {
			arg_hook = (enum worker_hook)i;
			return 0;
		}
	/* A weaker sandbox, for the self-check and floor tests. */
	if (strcmp(v, "no-landlock") == 0 || strcmp(v, "no-seccomp") == 0) {
		arg_weaken = v[3] == 'l' ? SANDBOX_LANDLOCK : SANDBOX_SECCOMP;
		return 0;
	}
	arg_attack = worker_attack_parse(v);
	return arg_attack != WORKER_ATTACK_NONE ? 0 : -EINVAL;
}
#endif

static const struct worker_opt {
	const char	*name;
	int		 has_arg;
	int		(*fn)(const char *);
} worker_opts[] = {
	{ "--uid", 1, worker_opt_uid },
	{ "--gid", 1, worker_opt_gid },
	{ "--mem", 1, worker_opt_mem },
	{ "--cpu", 1, worker_opt_cpu },
	{ "--debug", 0, worker_opt_debug },
	{ "--canary", 0, worker_opt_canary },
	{ "--ns-joined", 1, worker_opt_ns_joined },
#if TEST_HOOKS
	{ "--test-hook", 1, worker_opt_hook },
#endif
};

/* Exact option names only: no abbreviations, no "--opt=value", no operands. */
static int
worker_parse_args(int argc, char *argv[])
{
	const struct worker_opt *o;
	size_t k, n = sizeof(worker_opts) / sizeof(worker_opts[0]);
	int i;

	for (i = 1; i < argc; i++) {
		for (k = 0, o = NULL; k < n && o == NULL; k++)
			if (strcmp(argv[i], worker_opts[k].name) == 0)
				o = &worker_opts[k];
		if (o == NULL) {
			log_warnx("unknown argument '%s'", argv[i]);
			return -EINVAL;
		}
		if (o->has_arg && ++i >= argc) {
			log_warnx("%s needs a value", o->name);
			return -EINVAL;
		}
		if (o->fn(o->has_arg ? argv[i] : NULL) < 0) {
			log_warnx("bad value '%s' for %s", argv[i], o->name);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Copy the canonical bytes into a sealed memfd.  write(), not a shared
 * mapping: the filter allows no MAP_SHARED writes we would have to reason
 * about, and F_SEAL_WRITE then holds with no mapping left behind.
 */
static int
worker_canonical(const uint8_t *canon, size_t len, struct report *rep,
    int *ret_fd)
{
	int fd = -1, r;

	if (len == 0 || len > CANONICAL_MAX_BYTES)
		return -EFBIG;
	fd = memfd_create("safeload-canonical", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if ((r = fd_write_full(fd, canon, len)) < 0)
		goto out;
	if (fcntl(fd, F_ADD_SEALS, WORKER_SEALS) < 0) {
		r = -errno;
		goto out;
	}
	sha256(canon, len, rep->canonical_sha256);
	rep->canonical_size = len;
	*ret_fd = fd;
	fd = -1;
	r = 0;
out:
	fd_close_safe(&fd);
	return r;
}

/*
 * Map the model read-only and private (never read() it into a buffer we
 * own) and parse it.  A client that truncates the file under us makes the
 * worker die of SIGBUS, which fails that request closed.
 */
static int
worker_parse(int fd, size_t len, const struct wire_work *w,
    struct report *rep, int *ret_fd)
{
	static const uint8_t empty[1];
	const uint8_t *map = empty;
	uint8_t *canon = NULL;
	size_t canon_len = 0;
	int r;

	if (len > 0) {
		map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED)
			return -errno;
		(void)madvise((void *)map, len, MADV_SEQUENTIAL);
	}
	sha256(map, len, rep->sha256);
	/* minisign's prehash, only when the supervisor must check one. */
	if (w->flags & WIRE_WORK_F_BLAKE2B) {
		crypto_generichash(rep->blake2b, sizeof(rep->blake2b), map,
		    len, NULL, 0);
		rep->has_blake2b = 1;
	}
	r = model_parse(map, len, &w->limits, &w->rules.udfs, w->format_hint,
	    rep, &canon, &canon_len);
	/* The profile's formats, parameter and op rules (policy). */
	if (r == 0)
		model_rules_apply(&w->rules, rep);
	if (r == 0 && rep->verdict == REPORT_ACCEPT)
		r = worker_canonical(canon, canon_len, rep, ret_fd);
	if (len > 0)
		(void)munmap((void *)map, len);
	free(canon);
	return r;
}

/* Check the model fd; fill rep, and *ret_fd (the memfd) on accept. */
static int
worker_check(int fd, const struct wire_work *w, struct report *rep,
    int *ret_fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	/* A memfd is S_ISREG too; pipes and devices cannot be mapped. */
	if (!S_ISREG(st.st_mode) || st.st_size < 0) {
		report_reject(rep, REASON_NOT_A_MODEL,
		    "input is not a regular file");
		return 0;
	}
	rep->stats.bytes = (uint64_t)st.st_size;
	/* max_bytes <= MODEL_MAX_BYTES (wire_decode_work), so it fits. */
	if ((uint64_t)st.st_size > w->limits.max_bytes) {
		report_reject(rep, REASON_SIZE_LIMIT,
		    "input is %" PRIu64 " bytes, the limit is %" PRIu64,
		    (uint64_t)st.st_size, w->limits.max_bytes);
		return 0;
	}
	return worker_parse(fd, (size_t)st.st_size, w, rep, ret_fd);
}

static int
worker_reply(int sock, uint32_t id, struct report *rep, int fd)
{
	uint8_t data[MSG_MAX];
	struct buf b;
	int r;

	report_sort_ops(rep);
	buf_init(&b, data, sizeof(data) - WIRE_HDR_LEN);
	if ((r = wire_encode_result(&b, rep)) < 0)
		return r;
	return wire_send(sock, WIRE_ANS_RESULT, id, &b,
	    rep->verdict == REPORT_ACCEPT ? fd : -1);
}

#if TEST_HOOKS
/* Hooks that fire as soon as the sandbox is in. */
static void
worker_hook_early(void)
{
	volatile int *volatile null = NULL;
	int fd;

	/* raise() would need tgkill: denied.  The fault is the point. */
	if (arg_hook == WORKER_HOOK_CRASH)
		*null = 1;	/* NOLINT(clang-analyzer-core.NullDereference) */
	if (arg_hook == WORKER_HOOK_SYSCALL &&
	    (fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0)
		(void)close(fd);
}

/* Does the model start with WORKER_ATTACK_TRIGGER?  Read by mmap only. */
static int
worker_hook_triggered(int fd)
{
	static const char trig[] = WORKER_ATTACK_TRIGGER;
	struct stat st;
	void *p;
	int hit;

	if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(trig) - 1)
		return 0;
	p = mmap(NULL, sizeof(trig) - 1, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return 0;
	hit = memcmp(p, trig, sizeof(trig) - 1) == 0;
	(void)munmap(p, sizeof(trig) - 1);
	return hit;
}

/* Hooks that fire once the request is in; 1 if one did. */
static int
worker_hook_request(int sock, uint32_t id, int model_fd)
{
	uint8_t data[MSG_MAX];
	struct msghdr mh;
	struct report rep;
	struct buf b;

	memset(&mh, 0, sizeof(mh));
	/* The attacker acts only on a model that asks it to. */
	if (arg_attack != WORKER_ATTACK_NONE && model_fd >= 0 &&
	    worker_hook_triggered(model_fd))
		worker_attack_run(arg_attack, model_fd, arg_supervisor);
	/* recvmsg, not recv: recvfrom is not on the allowlist. */
	if (arg_hook == WORKER_HOOK_HANG)
		for (;;)	/* blocks; spins once the peer hangs up */
			(void)recvmsg(sock, &mh, 0);
	if (arg_hook != WORKER_HOOK_BAD_REPLY)
		return 0;
	report_init(&rep);
	rep.format = REPORT_FORMAT_CNTK_V2;
	rep.canonical_size = 1;
	buf_init(&b, data, sizeof(data) - WIRE_HDR_LEN);
	if (wire_encode_result(&b, &rep) == 0)
		(void)wire_send(sock, WIRE_ANS_RESULT, id, &b, -1);
	return 1;
}
#endif

/*
 * The start-up self-check, inside the sandbox: say which layers are in,
 * block until the supervisor has looked at us from /proc and hangs up
 * (or writes), then try to open a file.  The filter must kill us there.
 */
static void __attribute__((noreturn))
worker_canary(int sock, uint32_t layers, uint32_t abi)
{
	struct sandbox_canary_report rep = {
		.magic = SANDBOX_CANARY_MAGIC, .layers = layers,
		.landlock_abi = abi,
	};
	struct msghdr mh;
	int fd;

	memset(&mh, 0, sizeof(mh));
	if (write(sock, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		_exit(1);
	(void)recvmsg(sock, &mh, 0);
	fd = openat(AT_FDCWD, "/etc/shadow", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		(void)close(fd);
	_exit(3);
}

/* Receive the one request, check the model, send the one reply. */
static int
worker_run(int sock)
{
	uint8_t data[MSG_MAX];
	struct wire_msg m = { .fd = -1 };
	struct wire_work w;
	struct report rep;
	int canon_fd = -1, r;

	if ((r = wire_recv(sock, data, sizeof(data), &m)) < 0)
		goto out;
	if ((r = wire_decode_work(&m, &w)) < 0)
		goto out;
#if TEST_HOOKS
	if (worker_hook_request(sock, m.id, m.fd))
		goto out;
#endif
	report_init(&rep);
	if ((r = worker_check(m.fd, &w, &rep, &canon_fd)) < 0)
		goto out;
	log_debug("request %u: %s, %" PRIu64 " bytes", m.id,
	    rep.verdict == REPORT_ACCEPT ? "accept" : "reject",
	    rep.stats.bytes);
	r = worker_reply(sock, m.id, &rep, canon_fd);
out:
	fd_close_safe(&m.fd);
	fd_close_safe(&canon_fd);
	return r;
}

int
main(int argc, char *argv[])
{
	uint32_t layers = 0, abi;
	int r;

	log_init(0, "safeload-worker");
	sandbox_config_default(&arg_sandbox);
	if (worker_parse_args(argc, argv) < 0)
		_exit(2);
	log_init(arg_debug, "safeload-worker");
	/* sandbox_enter() closes every fd but 0..3 first. */
	arg_sandbox.keep_fd = WORKER_SOCK_FD;
	/* Asked before the filter, which forbids landlock_create_ruleset. */
	abi = arg_canary ? sandbox_landlock_abi() : 0;
#if TEST_HOOKS
	arg_supervisor = getppid();
	arg_sandbox.disable = arg_weaken;
	arg_sandbox.required &= ~arg_weaken;
#endif
	if ((r = sandbox_enter(&arg_sandbox, &layers)) < 0) {
		log_warnx("cannot enter the sandbox: %s", strerror(-r));
		_exit(2);
	}
	if (arg_canary)
		worker_canary(WORKER_SOCK_FD, layers, abi);
#if TEST_HOOKS
	worker_hook_early();
#endif
	if ((r = worker_run(WORKER_SOCK_FD)) < 0) {
		log_debug("no reply: %s", strerror(-r));
		_exit(1);
	}
	_exit(0);
}
