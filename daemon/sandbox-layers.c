/*
 * sandbox-layers.c: the kernel's optional confinement layers for the
 * worker: namespaces and Landlock (role: worker).
 *
 * sandbox.c calls these in the order sandbox.h documents.  Each layer is
 * best effort here: the kernel may lack it (Landlock compiled out, user
 * namespaces disabled by sysctl or by a container's own seccomp filter),
 * and the caller decides from cfg->required whether its absence is fatal.
 * A layer that is in place sets its bit in *layers; nothing else does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"
#include "sandbox-internal.h"

/*
 * Landlock rights newer than the bookworm headers (linux-libc-dev 6.1
 * knows ABI 2).  The values are kernel ABI and never change.
 */
#define LL_FS_ABI1		((1ull << 13) - 1)	/* EXECUTE..MAKE_SYM */
#define LL_FS_REFER		(1ull << 13)		/* ABI 2 */
#define LL_FS_TRUNCATE		(1ull << 14)		/* ABI 3 */
#define LL_FS_IOCTL_DEV		(1ull << 15)		/* ABI 5 */
#define LL_NET_BIND_TCP		(1ull << 0)		/* ABI 4 */
#define LL_NET_CONNECT_TCP	(1ull << 1)
#define LL_SCOPE_ABSTRACT_UNIX	(1ull << 0)		/* ABI 6 */
#define LL_SCOPE_SIGNAL		(1ull << 1)

/* struct landlock_ruleset_attr as of ABI 6; older kernels take a prefix. */
struct ll_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;
	uint64_t	scoped;
};

/* The namespaces a process can enter by unshare() without forking. */
static const struct {
	int		flag;
	uint32_t	layer;
} sandbox_ns[] = {
	{ CLONE_NEWNS, SANDBOX_MNTNS },
	{ CLONE_NEWNET, SANDBOX_NETNS },	/* only a down loopback */
	{ CLONE_NEWIPC, SANDBOX_IPCNS },	/* no host SysV shm/sem */
	{ CLONE_NEWUTS, SANDBOX_UTSNS },
	{ CLONE_NEWCGROUP, SANDBOX_CGROUPNS },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

uint32_t
sandbox_landlock_abi(void)
{
	long v;

	v = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	return v > 0 ? (uint32_t)v : 0;
}

/*
 * The PID namespace cannot be entered from here: CLONE_NEWPID moves only
 * the caller's future children, and the worker may have none.  The spawn
 * cloned us into one (step 0, spawn.c) if it could; then we are pid 1 and
 * our parent, outside the namespace, has no pid in it (getppid() is 0).
 * Asked before the filter, which kills getpid and getppid.
 */
void
sandbox_pidns(uint32_t *layers)
{
	if (getpid() == 1 && getppid() == 0)
		*layers |= SANDBOX_PIDNS;
}

/*
 * The namespaces not already in *layers (those the spawner joined us to
 * are), all at once first (one syscall); if the kernel refuses the set,
 * one by one, so that each namespace it does allow is still entered.
 */
void
sandbox_unshare_ns(uint32_t *layers)
{
	size_t i;
	int all = 0;

	for (i = 0; i < NELEM(sandbox_ns); i++)
		if (!(*layers & sandbox_ns[i].layer))
			all |= sandbox_ns[i].flag;
	if (all == 0)
		return;
	if (unshare(all) == 0) {
		for (i = 0; i < NELEM(sandbox_ns); i++)
			*layers |= sandbox_ns[i].layer;
		return;
	}
	for (i = 0; i < NELEM(sandbox_ns); i++)
		if (!(*layers & sandbox_ns[i].layer) &&
		    unshare(sandbox_ns[i].flag) == 0)
			*layers |= sandbox_ns[i].layer;
}

/*
 * A new user namespace.  As root this runs after the uid switch, so the
 * namespace belongs to the unprivileged uid; not as root it is what lets
 * sandbox_unshare_ns() work at all.  Either way the kernel hands us every
 * capability inside it, which sandbox_caps_zero() must take away again.
 */
void
sandbox_userns(uint32_t *layers)
{
	if (unshare(CLONE_NEWUSER) < 0)
		return;
	*layers |= SANDBOX_USERNS;
	if ((*layers & SANDBOX_NAMESPACES) != SANDBOX_USERNS)
		return;
	sandbox_unshare_ns(layers);
}

/*
 * The bounding set can only shrink with CAP_SETPCAP: root has it, and so
 * does anyone inside a fresh user namespace.  Without it (not root, no
 * user namespace) the set stays, which is harmless: with no permitted
 * capabilities and NO_NEW_PRIVS nothing can be gained from it.
 */
int
sandbox_bounding_zero(void)
{
	unsigned long c;
	int v;

	/* Drop blindly (one call per capability): EINVAL ends the list. */
	for (c = 0; prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0; c++)
		;
	if (errno != EINVAL || c == 0)
		return -EPERM;
	for (c = 0; (v = prctl(PR_CAPBSET_READ, c, 0, 0, 0)) >= 0; c++)
		if (v != 0)
			return -EPERM;
	return 0;
}

/*
 * Empty the bounding (when we may), ambient, inheritable, permitted and
 * effective sets with raw syscalls (no /proc reads), then read them back.
 */
int
sandbox_caps_zero(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	size_t i;
	int r;

	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	if ((d[CAP_TO_INDEX(CAP_SETPCAP)].effective &
	    CAP_TO_MASK(CAP_SETPCAP)) && (r = sandbox_bounding_zero()) < 0)
		return r;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return -errno;
	/*
	 * capset only when there is something to clear: a service manager
	 * may deny capset itself (systemd's ~@privileged, as our unit does)
	 * to a process that has no capability anyway.
	 */
	for (i = 0, r = 0; i < NELEM(d); i++)
		r |= (d[i].effective | d[i].permitted | d[i].inheritable) != 0;
	if (r == 0)
		return 0;
	for (i = 0; i < NELEM(d); i++)
		d[i].effective = d[i].permitted = d[i].inheritable = 0;
	if (syscall(SYS_capset, &h, d) < 0 || syscall(SYS_capget, &h, d) < 0)
		return -errno;
	for (i = 0; i < NELEM(d); i++)
		if (d[i].effective | d[i].permitted | d[i].inheritable)
			return -EPERM;
	return 0;
}

/* The rights of each ABI: handle all of them, grant none. */
static size_t
sandbox_ll_attr(uint32_t abi, struct ll_attr *a)
{
	size_t size = sizeof(a->handled_access_fs);

	a->handled_access_fs = LL_FS_ABI1;
	a->handled_access_net = 0;
	a->scoped = 0;
	if (abi >= 2)
		a->handled_access_fs |= LL_FS_REFER;
	if (abi >= 3)
		a->handled_access_fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		a->handled_access_fs |= LL_FS_IOCTL_DEV;
	if (abi >= 4) {
		a->handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		size = offsetof(struct ll_attr, scoped);
	}
	if (abi >= 6) {
		a->scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		size = sizeof(*a);
	}
	return size;
}

/*
 * Landlock with an empty ruleset: no path can be opened, created, removed
 * or executed, whatever seccomp lets through.  Needs NO_NEW_PRIVS first.
 * A kernel without Landlock returns 0 with no bit set.
 */
int
sandbox_landlock(uint32_t *layers)
{
	struct ll_attr attr;
	uint32_t abi;
	size_t size;
	long fd;
	int r = 0;

	if ((abi = sandbox_landlock_abi()) == 0)
		return 0;
	size = sandbox_ll_attr(abi, &attr);
	if ((fd = syscall(SYS_landlock_create_ruleset, &attr, size, 0)) < 0)
		return -errno;
	if (syscall(SYS_landlock_restrict_self, (int)fd, 0) < 0)
		r = -errno;
	(void)close((int)fd);
	if (r < 0)
		return r;
	*layers |= SANDBOX_LANDLOCK;
	if (abi >= 6)
		*layers |= SANDBOX_LANDLOCK_SCOPE;
	return 0;
}
