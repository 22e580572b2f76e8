/*
 * sandbox.c: confine the worker before it reads one untrusted byte
 * (role: worker).
 *
 * sandbox_enter() runs the steps of sandbox.h in a fixed order: the four
 * of conventions.md §4.1 (rlimits, uid/gid/capability drop, NO_NEW_PRIVS,
 * seccomp, whose table is in sandbox-filter.c), each fatal, with the
 * kernel's optional layers (namespaces, Landlock, sandbox-layers.c)
 * between them, fatal only when cfg->required says so.  Dropping
 * privileges before the filter goes in means the filter never has to
 * allow setres*, capset or prctl (minijail's argument for this order).
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

#include <cap-ng.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include "config.h"
#include "fd.h"
#include "safeload-limits.h"
#include "sandbox.h"
#include "sandbox-bpf.h"
#include "sandbox-internal.h"

#define SANDBOX_NOBODY	65534
#define SANDBOX_KEEP_FD	3	/* 0-2 /dev/null or stderr, 3 the socket */

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
	if (!SAFELOAD_ASAN &&
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
 * libcap-ng's capng_change_id() failures (-1 to -10, its manual) as
 * errno: -1 is our misuse (not initialised), the rest are the kernel
 * refusing a step.  Either way the process is half-changed; the caller
 * exits.
 */
static int
sandbox_capng_errno(int rc)
{
	return rc == -1 ? -EINVAL : -EPERM;
}

/*
 * Step 4, as root, with libcap-ng (conventions.md §4.1): an empty
 * capability state, then capng_change_id() clears the bounding set while
 * CAP_SETPCAP is still ours, drops the supplementary groups and the
 * ambient set, and switches gid and uid.  We do not trust it blindly: the
 * ids are read back here, and step 5 reads every capability set back.
 * It costs about 100 us more than raw syscalls did (it reads /proc), paid
 * while the worker waits in the pool, not on a request's path.
 */
static int
sandbox_drop_root(const struct sandbox_config *cfg)
{
	int r;

	/* Never "drop" to root: that would keep every file permission. */
	if (cfg->uid == 0 || cfg->gid == 0)
		return -EINVAL;
	capng_clear(CAPNG_SELECT_ALL);
	if ((r = capng_change_id((int)cfg->uid, (int)cfg->gid,
	    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING |
	    CAPNG_CLEAR_AMBIENT)) < 0)
		return sandbox_capng_errno(r);
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
	(void)syscall(SYS_getpid);
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
#endif

/*
 * The filter, compiled from sandbox-filter.c's tables by libseccomp at
 * build time (sandbox-bpfgen): loading it costs one syscall, where
 * compiling it here cost ~250 us of the set-up.
 */
static const struct sock_fprog sandbox_prog = {
	.len = sizeof(sandbox_bpf) / sizeof(sandbox_bpf[0]),
	.filter = (struct sock_filter *)sandbox_bpf,
};

int
sandbox_filter_export(int fd)
{
	return fd_write_full(fd, sandbox_bpf, sizeof(sandbox_bpf));
}

/* Step 9: install the filter; from here on the table is the law. */
static int
sandbox_seccomp(void)
{
#if SECCOMP_DEBUG
	int r;

	if ((r = sandbox_debug_init()) < 0)
		return r;
#endif
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0,
	    &sandbox_prog) < 0)
		return -errno;
	return 0;
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
 * including the full set a new user namespace grants.  The PID namespace
 * is the spawn's (step 0); step 3 records it whoever we are.
 */
static int
sandbox_privileges(const struct sandbox_config *cfg, uint32_t *layers,
    struct timespec *t)
{
	int r;

	sandbox_pidns(layers);
	/* Joined before exec (spawn.c): a fact of our birth, like the PID one. */
	*layers |= cfg->ns_joined;
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
