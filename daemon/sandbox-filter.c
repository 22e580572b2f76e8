/*
 * sandbox-filter.c: the worker's seccomp allowlist, the reviewed table,
 * compiled by libseccomp (role: build tool; linked into sandbox-bpfgen).
 *
 * sandbox-bpfgen runs this at build time and writes the BPF program into
 * sandbox-bpf.h, which sandbox.c loads with one seccomp() call: the
 * worker never runs libseccomp's compiler (~250 us per worker).  The
 * golden table test (tests/sandbox/test-filter.c) evaluates that exact
 * program, so a change here shows up there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#include <seccomp.h>

#include "config.h"
#include "sandbox-internal.h"

#if SECCOMP_DEBUG
#define SANDBOX_DENY	SCMP_ACT_TRAP	/* -Dseccomp_debug: name, then die */
#else
#define SANDBOX_DENY	SCMP_ACT_KILL_PROCESS
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
#if SAFELOAD_ASAN
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
#if SAFELOAD_ASAN
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
#define SANDBOX_FILTER_BINARY_TREE	2	/* SCMP_FLTATR_CTL_OPTIMIZE level */

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
 * The filter, built but not loaded.  Only the native ABI: libseccomp
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
	/*
	 * A binary search over syscall numbers instead of one comparison per
	 * rule: the calls with argument rules (mmap, fcntl, ...) run the BPF
	 * on every use, the others the kernel answers from its action cache.
	 */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE,
	    SANDBOX_FILTER_BINARY_TREE)) < 0)
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
sandbox_filter_compile(int fd)
{
	scmp_filter_ctx ctx = NULL;
	int r;

	if ((r = sandbox_filter_new(&ctx)) < 0)
		return r;
	r = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	return r;
}
