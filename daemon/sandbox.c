/*
 * sandbox.c: confine the worker before it reads one untrusted byte
 * (role: worker).
 *
 * The only file that includes seccomp.h.  sandbox_enter()
 * runs the steps of sandbox.h in a fixed order: the four of conventions.md
 * §4.1 (rlimits, uid/gid/capability drop, NO_NEW_PRIVS, seccomp), each
 * fatal, with the kernel's optional layers (namespaces, Landlock,
 * sandbox-layers.c) between them, fatal only when cfg->required says so.
 * Dropping privileges before the filter goes in means the filter never
 * has to allow setres*, capset or prctl (minijail's argument for this
 * order).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#include "config.h"
#include "fd.h"
#include "safeload-limits.h"
#include "sandbox.h"
#include "sandbox-internal.h"

#define SANDBOX_NOBODY	65534
#define SANDBOX_KEEP_FD	3	/* 0-2 /dev/null or stderr, 3 the socket */

/*
 * ASan reserves terabytes of shadow address space at startup, so any
 * RLIMIT_AS makes every later mmap fail.  Sanitizer builds (CI only) go
 * without RLIMIT_AS; release builds always set it.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN	1
#endif
#endif
#ifndef SANDBOX_ASAN
#define SANDBOX_ASAN	0
#endif

/*
 * Syscalls the worker may make with any arguments once the filter is in.
 * Each one is here because the worker (or glibc under it) needs it after
 * sandbox_enter(); everything not listed here or in worker_argrules[]
 * kills the process.  Keep this list short and say why for each entry.
 */
static const int worker_syscalls[] = {
	SCMP_SYS(recvmsg),	/* the one WIRE_REQ_WORK and its model fd */
	SCMP_SYS(sendmsg),	/* the WIRE_ANS_RESULT reply and its memfd */
	SCMP_SYS(write),	/* canonical bytes into the memfd; stderr */
	SCMP_SYS(close),	/* the model fd and the memfd after use */
	SCMP_SYS(fstat),	/* model fd type and size (fd only, no path) */
	SCMP_SYS(brk),		/* glibc malloc: main arena */
	SCMP_SYS(munmap),	/* free() of large blocks; model unmap */
	SCMP_SYS(mremap),	/* realloc() of large blocks; keeps prot */
	SCMP_SYS(getrandom),	/* glibc malloc seeds tcache/arena keys */
	SCMP_SYS(sysinfo),	/* glibc qsort() sizes its buffer by RAM */
	SCMP_SYS(gettimeofday),	/* vDSO fallback; reads no other process */
	SCMP_SYS(rt_sigreturn),	/* return from a handler (SIGSYS reporter) */
	SCMP_SYS(restart_syscall), /* kernel restarts a blocked recvmsg */
	SCMP_SYS(exit),		/* thread exit; harmless, glibc may use */
	SCMP_SYS(exit_group),	/* _exit(): the only way the worker leaves */
#if SANDBOX_ASAN
	SCMP_SYS(sigaltstack),	/* CI sanitizer runtime tears down its stack */
#endif
};

/*
 * Syscalls allowed only with one argument matching: the rule is
 * (arg[argn] & mask) == datum.  A syscall may appear several times; any
 * matching entry allows the call.  All comparisons are on the full 64
 * bits, so a stray high word fails the match (pitfall 3).
 */
struct sandbox_argrule {
	int		nr;
	unsigned int	argn;
	uint64_t	mask;
	uint64_t	datum;
};

#define ALL	(~(uint64_t)0)

static const struct sandbox_argrule worker_argrules[] = {
	/* malloc and the read-only model map: never executable (W^X). */
	{ SCMP_SYS(mmap), 2, PROT_EXEC, 0 },
	/* glibc's secondary arenas mprotect their heaps; never to exec. */
	{ SCMP_SYS(mprotect), 2, PROT_EXEC, 0 },
	/* madvise: only the advice malloc and a sequential read use. */
	{ SCMP_SYS(madvise), 2, ALL, MADV_NORMAL },
	{ SCMP_SYS(madvise), 2, ALL, MADV_RANDOM },
	{ SCMP_SYS(madvise), 2, ALL, MADV_SEQUENTIAL },
	{ SCMP_SYS(madvise), 2, ALL, MADV_WILLNEED },
	{ SCMP_SYS(madvise), 2, ALL, MADV_DONTNEED },
	{ SCMP_SYS(madvise), 2, ALL, MADV_FREE },
	{ SCMP_SYS(madvise), 2, ALL, MADV_HUGEPAGE },
	{ SCMP_SYS(madvise), 2, ALL, MADV_NOHUGEPAGE },
#if SANDBOX_ASAN
	/* The CI sanitizer allocator keeps its big regions out of cores. */
	{ SCMP_SYS(madvise), 2, ALL, MADV_DONTDUMP },
#endif
	/* fcntl: read flags and seal the memfd; no F_DUPFD, no F_SETFL. */
	{ SCMP_SYS(fcntl), 1, ALL, F_GETFD },
	{ SCMP_SYS(fcntl), 1, ALL, F_GETFL },
	{ SCMP_SYS(fcntl), 1, ALL, F_ADD_SEALS },
	{ SCMP_SYS(fcntl), 1, ALL, F_GET_SEALS },
	/* The reply memfd: sealable, CLOEXEC, never MFD_EXEC. */
	{ SCMP_SYS(memfd_create), 1, ALL, MFD_CLOEXEC | MFD_ALLOW_SEALING },
	/*
	 * glibc >= 2.33 implements fstat(fd) as newfstatat(fd, "", buf,
	 * AT_EMPTY_PATH).  The path is a pointer we cannot inspect, so a
	 * hijacked worker could stat (not open) a path as 'nobody'.
	 */
	{ SCMP_SYS(newfstatat), 3, ALL, AT_EMPTY_PATH },
	/* vDSO fallbacks, own clocks only: no CPU clocks of other pids. */
	{ SCMP_SYS(clock_gettime), 0, ALL, CLOCK_REALTIME },
	{ SCMP_SYS(clock_gettime), 0, ALL, CLOCK_MONOTONIC },
	{ SCMP_SYS(clock_gettime), 0, ALL, CLOCK_PROCESS_CPUTIME_ID },
	{ SCMP_SYS(clock_gettime), 0, ALL, CLOCK_THREAD_CPUTIME_ID },
	{ SCMP_SYS(clock_gettime), 0, ALL, CLOCK_MONOTONIC_RAW },
	{ SCMP_SYS(clock_gettime), 0, ALL, CLOCK_REALTIME_COARSE },
	{ SCMP_SYS(clock_gettime), 0, ALL, CLOCK_MONOTONIC_COARSE },
	{ SCMP_SYS(clock_gettime), 0, ALL, CLOCK_BOOTTIME },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

void
sandbox_config_default(struct sandbox_config *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->uid = SANDBOX_NOBODY;
	ret->gid = SANDBOX_NOBODY;
	ret->as_bytes = WORKER_AS_MAX;
	ret->cpu_seconds = WORKER_CPU_SEC;
	ret->nofile = WORKER_NOFILE;
	ret->keep_fd = SANDBOX_KEEP_FD;
	ret->required = SANDBOX_MANDATORY | (geteuid() == 0 ? SANDBOX_IDS : 0);
}

static int
sandbox_rlimit(int resource, rlim_t v)
{
	const struct rlimit rl = { .rlim_cur = v, .rlim_max = v };

	if (setrlimit(resource, &rl) < 0)
		return -errno;
	return 0;
}

/*
 * Step 2.  RLIMIT_FSIZE is CANONICAL_MAX_BYTES, not 0: the kernel applies
 * FSIZE to memfds too, and FSIZE=0 makes the worker's write() of the
 * canonical model fail with EFBIG/SIGXFSZ.  The filter forbids opening
 * files, so FSIZE=0 would add nothing; as the reply ceiling it does.
 */
static int
sandbox_limits(const struct sandbox_config *cfg)
{
	int r;

	if (cfg->nofile == 0 || cfg->as_bytes == 0 || cfg->cpu_seconds == 0)
		return -EINVAL;
	if ((r = sandbox_rlimit(RLIMIT_NPROC, 0)) < 0 ||
	    (r = sandbox_rlimit(RLIMIT_FSIZE, CANONICAL_MAX_BYTES)) < 0 ||
	    (r = sandbox_rlimit(RLIMIT_CORE, 0)) < 0 ||
	    (r = sandbox_rlimit(RLIMIT_NOFILE, cfg->nofile)) < 0 ||
	    (r = sandbox_rlimit(RLIMIT_CPU, cfg->cpu_seconds)) < 0)
		return r;
	if (!SANDBOX_ASAN &&
	    (r = sandbox_rlimit(RLIMIT_AS, cfg->as_bytes)) < 0)
		return r;
	return 0;
}

/* Every id is the target and there are no supplementary groups. */
static int
sandbox_verify_ids(const struct sandbox_config *cfg)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return -errno;
	if (ru != cfg->uid || eu != cfg->uid || su != cfg->uid ||
	    rg != cfg->gid || eg != cfg->gid || sg != cfg->gid)
		return -EPERM;
	if (getgroups(0, NULL) != 0)
		return -EPERM;
	return 0;
}

/*
 * Step 4, as root: empty the bounding set while CAP_SETPCAP is still
 * ours, then groups, gid, uid.  Raw syscalls rather than libcap-ng's
 * capng_change_id(): that parses /proc/self/status on the way in and our
 * read-back did again, ~300 us of the set-up (docs/sandbox.md).  Leaving
 * uid 0 without SECBIT_KEEP_CAPS clears the permitted, effective and
 * ambient sets; step 5 empties the rest and reads every set back.
 */
static int
sandbox_drop_root(const struct sandbox_config *cfg)
{
	int r;

	/* Never "drop" to root: that would keep every file permission. */
	if (cfg->uid == 0 || cfg->gid == 0)
		return -EINVAL;
	if ((r = sandbox_bounding_zero()) < 0)
		return r;
	if (setgroups(0, NULL) < 0 ||
	    setresgid(cfg->gid, cfg->gid, cfg->gid) < 0 ||
	    setresuid(cfg->uid, cfg->uid, cfg->uid) < 0)
		return -errno;
	return sandbox_verify_ids(cfg);
}

/* Step 7.  Read it back: kcgi refuses to go on if NNP did not stick. */
static int
sandbox_nnp(void)
{
	int r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if ((r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)) < 0)
		return -errno;
	return r == 1 ? 0 : -EPERM;
}

#if SECCOMP_DEBUG
/*
 * -Dseccomp_debug only, never shipped: name the denied syscall on stderr,
 * then die by SIGSYS as a release build would.  SA_RESETHAND restored the
 * default action, so the next denied call (getpid) kills us.
 */
static void
sandbox_sigsys(int sig, siginfo_t *si, void *uctx)
{
	static const char pre[] = "safeload-worker: seccomp denied syscall ";
	char num[16];
	unsigned int nr = (unsigned int)si->si_syscall;
	size_t i = sizeof(num);

	(void)sig;
	(void)uctx;
	num[--i] = '\n';
	do {
		num[--i] = (char)('0' + nr % 10);
		nr /= 10;
	} while (nr != 0 && i > 0);
	(void)!write(STDERR_FILENO, pre, sizeof(pre) - 1);
	(void)!write(STDERR_FILENO, num + i, sizeof(num) - i);
	(void)syscall(SCMP_SYS(getpid));
	_exit(128 + SIGSYS);
}

static int
sandbox_debug_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sandbox_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return -errno;
	return 0;
}
#define SANDBOX_DENY	SCMP_ACT_TRAP
#else
#define SANDBOX_DENY	SCMP_ACT_KILL_PROCESS
#endif

/* The allowlist tables, then clone3 -> ENOSYS (pitfall 4). */
static int
sandbox_rules(scmp_filter_ctx ctx)
{
	const struct sandbox_argrule *a;
	size_t i;
	int r;

	for (i = 0; i < NELEM(worker_syscalls); i++)
		if ((r = seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW,
		    worker_syscalls[i], 0)) < 0)
			return r;
	for (i = 0; i < NELEM(worker_argrules); i++) {
		a = &worker_argrules[i];
		if ((r = seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, a->nr, 1,
		    SCMP_CMP(a->argn, SCMP_CMP_MASKED_EQ, a->mask,
		    a->datum))) < 0)
			return r;
	}
	/* glibc falls back to clone only on ENOSYS; EPERM is fatal. */
	return seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO(ENOSYS),
	    SCMP_SYS(clone3), 0);
}

/*
 * Step 9's filter, built but not loaded.  Only the native ABI: libseccomp
 * kills x32 numbers (bit 30) and foreign arches (i386 via int 0x80) with
 * the bad-arch action.
 */
static int
sandbox_filter_new(scmp_filter_ctx *ret)
{
	scmp_filter_ctx ctx;
	int r;

	if ((ctx = seccomp_init(SANDBOX_DENY)) == NULL)
		return -ENOMEM;
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SANDBOX_DENY)) < 0)
		goto out;
	/* Report the kernel's errno, not libseccomp's -ECANCELED. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1)) < 0)
		goto out;
	if ((r = sandbox_rules(ctx)) < 0)
		goto out;
	*ret = ctx;
	ctx = NULL;
out:
	if (ctx != NULL)
		seccomp_release(ctx);
	return r;
}

int
sandbox_filter_export(int fd)
{
	scmp_filter_ctx ctx = NULL;
	int r;

	if ((r = sandbox_filter_new(&ctx)) < 0)
		return r;
	r = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	return r;
}

/* Step 9: install the filter; from here on the table is the law. */
static int
sandbox_seccomp(void)
{
	scmp_filter_ctx ctx = NULL;
	int r;

#if SECCOMP_DEBUG
	if ((r = sandbox_debug_init()) < 0)
		return r;
#endif
	if ((r = sandbox_filter_new(&ctx)) < 0)
		return r;
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}

/* Step 1: nothing but 0..keep_fd crosses into the sandbox. */
static int
sandbox_fds(const struct sandbox_config *cfg)
{
	if (cfg->keep_fd < 0)
		return -EINVAL;
	return fd_closefrom(cfg->keep_fd + 1);
}

/* -- step timing, for bench-sandbox (cfg->step_ns); vDSO clock only -- */
static void
sandbox_mark(const struct sandbox_config *cfg, enum sandbox_step step,
    struct timespec *t0)
{
	struct timespec t1;

	if (cfg->step_ns == NULL)
		return;
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	cfg->step_ns[step] = (uint64_t)(t1.tv_sec - t0->tv_sec) *
	    1000000000u + (uint64_t)t1.tv_nsec - (uint64_t)t0->tv_nsec;
	*t0 = t1;
}

/*
 * Steps 3 to 6.  As root the namespaces come first, while CAP_SYS_ADMIN
 * still creates them; the user namespace comes after the uid switch so
 * that it belongs to the unprivileged uid.  Then every capability goes,
 * including the full set a new user namespace grants.
 */
static int
sandbox_privileges(const struct sandbox_config *cfg, uint32_t *layers,
    struct timespec *t)
{
	int r;

	if (geteuid() == 0) {
		sandbox_unshare_ns(layers);
		sandbox_mark(cfg, SANDBOX_STEP_NAMESPACES, t);
		if ((r = sandbox_drop_root(cfg)) < 0)
			return r;
		*layers |= SANDBOX_IDS;
		sandbox_mark(cfg, SANDBOX_STEP_IDS, t);
	}
	sandbox_userns(layers);
	sandbox_mark(cfg, SANDBOX_STEP_USERNS, t);
	if ((r = sandbox_caps_zero()) < 0)
		return r;
	*layers |= SANDBOX_CAPS;
	/*
	 * Step 6, after every credential change: the kernel resets
	 * dumpable to fs.suid_dumpable when ids or capabilities change.
	 * No core, no ptrace by our own uid, no /proc/PID/mem of us.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	*layers |= SANDBOX_NOT_DUMPABLE;
	sandbox_mark(cfg, SANDBOX_STEP_CAPS, t);
	return 0;
}

/* Steps 7 to 9, then the layers are known. */
static int
sandbox_confine(const struct sandbox_config *cfg, uint32_t *layers,
    struct timespec *t)
{
	int r;

	if ((r = sandbox_nnp()) < 0)
		return r;
	*layers |= SANDBOX_NNP;
	if (!(cfg->disable & SANDBOX_LANDLOCK) &&
	    (r = sandbox_landlock(layers)) < 0)
		return r;
	sandbox_mark(cfg, SANDBOX_STEP_LANDLOCK, t);
	/* Refuse before the filter: a missing required layer is fatal. */
	if ((cfg->required & ~(*layers | SANDBOX_SECCOMP)) != 0 ||
	    ((cfg->required & SANDBOX_SECCOMP) &&
	    (cfg->disable & SANDBOX_SECCOMP)))
		return -EOPNOTSUPP;
	if (cfg->disable & SANDBOX_SECCOMP)
		return 0;
	if ((r = sandbox_seccomp()) < 0)
		return r;
	*layers |= SANDBOX_SECCOMP;
	sandbox_mark(cfg, SANDBOX_STEP_SECCOMP, t);
	return 0;
}

int
sandbox_enter(const struct sandbox_config *cfg, uint32_t *ret_layers)
{
	struct timespec t = { 0, 0 };
	uint32_t layers = 0;
	int r;

	if (cfg->step_ns != NULL)
		(void)clock_gettime(CLOCK_MONOTONIC, &t);
	if ((r = sandbox_fds(cfg)) < 0)
		return r;
	layers |= SANDBOX_FDS;
	if ((r = sandbox_limits(cfg)) < 0)
		return r;
	layers |= SANDBOX_RLIMITS;
	sandbox_mark(cfg, SANDBOX_STEP_FDS_RLIMITS, &t);
	if ((r = sandbox_privileges(cfg, &layers, &t)) < 0 ||
	    (r = sandbox_confine(cfg, &layers, &t)) < 0)
		return r;
	if (ret_layers != NULL)
		*ret_layers = layers;
	return 0;
}
