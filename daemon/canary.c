/*
 * canary.c: safeloadd's start-up self-check of the worker sandbox (role:
 * supervisor).
 *
 * A sandbox that is only believed to work is worth nothing: a kernel
 * without Landlock, a container that forbids user namespaces, or a libc
 * upgrade that makes a call the filter does not know all change what the
 * worker really gets.  So the supervisor measures it once, with a real
 * worker started the real way, before it accepts a single client.  The
 * canary's own report comes from our binary before it has read untrusted
 * input; every part of it that /proc can confirm is confirmed anyway.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "canary.h"
#include "fd.h"
#include "log.h"
#include "policy.h"
#include "sandbox.h"
#include "spawn.h"
#include "wire.h"

#define CANARY_TIMEOUT_MS	5000	/* report and death, each */
#define CANARY_POLL_NS		1000000	/* 1 ms between waitpid tries */
#define CANARY_PROC_MAX		4096	/* /proc/PID/status is ~1.5 KiB */
#define CANARY_FDS		4	/* 0-2 and the socket */

/* The start-up result; set once, before the loop runs. */
static struct canary_result canary_result;

/* Short: all of them must fit one status value (WIRE_STATUS_VALUE_MAX). */
static const char *const layer_names[SANDBOX_LAYER_BITS] = {
	"fds", "rlimits", "nodump", "ids", "nocaps", "userns", "mntns",
	"netns", "ipcns", "utsns", "cgroupns", "pidns", "nnp", "landlock",
	"llscope", "seccomp",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

void
canary_layers_text(uint32_t layers, char *buf, size_t len)
{
	size_t i, off = 0;
	int n;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < NELEM(layer_names); i++) {
		if (!(layers & (1u << i)))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? "," : "",
		    layer_names[i]);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += (size_t)n;
	}
	if (off == 0)
		(void)snprintf(buf, len, "none");
}

/* 1 if the four ids (real, effective, saved, fs) after `key` are not 0. */
static int
canary_ids_nonzero(const char *st, const char *key)
{
	const char *l = strstr(st, key);
	unsigned int id[4];

	if (l == NULL || sscanf(l + strlen(key), "%u %u %u %u", &id[0],
	    &id[1], &id[2], &id[3]) != 4)
		return 0;
	return id[0] != 0 && id[1] != 0 && id[2] != 0 && id[3] != 0;
}

/* 1 if the /proc/PID/limits line `name` has soft and hard limit 0. */
static int
canary_limit_zero(const char *lim, const char *name)
{
	const char *l = strstr(lim, name);
	char soft[32], hard[32];

	if (l == NULL || sscanf(l + strlen(name), "%31s %31s", soft,
	    hard) != 2)
		return 0;
	return strcmp(soft, "0") == 0 && strcmp(hard, "0") == 0;
}

/* Bits of `status` (/proc/PID/status) that contradict the claim. */
static uint32_t
canary_status_wrong(const char *st)
{
	static const char *const caps[] = {
		"CapInh:\t0000000000000000\n", "CapPrm:\t0000000000000000\n",
		"CapEff:\t0000000000000000\n", "CapAmb:\t0000000000000000\n",
	};
	uint32_t wrong = 0;
	size_t i;

	if (strstr(st, "\nSeccomp:\t2\n") == NULL)
		wrong |= SANDBOX_SECCOMP;
	if (strstr(st, "\nNoNewPrivs:\t1\n") == NULL)
		wrong |= SANDBOX_NNP;
	for (i = 0; i < NELEM(caps); i++)
		if (strstr(st, caps[i]) == NULL)
			wrong |= SANDBOX_CAPS;
	if (!canary_ids_nonzero(st, "\nUid:\t") ||
	    !canary_ids_nonzero(st, "\nGid:\t"))
		wrong |= SANDBOX_IDS;
	return wrong;
}

/* Namespaces the claim names that /proc shows are our own after all. */
static uint32_t
canary_ns_wrong(pid_t pid, uint32_t claimed)
{
	static const struct {
		const char	*name;
		uint32_t	 bit;
	} ns[] = {
		{ "user", SANDBOX_USERNS }, { "mnt", SANDBOX_MNTNS },
		{ "net", SANDBOX_NETNS }, { "ipc", SANDBOX_IPCNS },
		{ "uts", SANDBOX_UTSNS }, { "cgroup", SANDBOX_CGROUPNS },
		{ "pid", SANDBOX_PIDNS },	/* its own, not only its children's */
	};
	char a[64], b[64], la[64], lb[64];
	uint32_t wrong = 0;
	ssize_t n, m;
	size_t i;

	for (i = 0; i < NELEM(ns); i++) {
		if (!(claimed & ns[i].bit))
			continue;
		(void)snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid,
		    ns[i].name);
		(void)snprintf(b, sizeof(b), "/proc/self/ns/%s", ns[i].name);
		if ((n = readlink(a, la, sizeof(la) - 1)) < 0 ||
		    (m = readlink(b, lb, sizeof(lb) - 1)) < 0)
			continue;	/* not root: cannot look, keep it */
		la[n] = lb[m] = '\0';
		if (strcmp(la, lb) == 0)
			wrong |= ns[i].bit;
	}
	return wrong;
}

/* Count /proc/PID/fd entries; more than CANARY_FDS means fds leaked. */
static uint32_t
canary_fds_wrong(pid_t pid)
{
	char path[64], link[64];
	int fd, n = 0;

	for (fd = 0; fd < 1024 && n <= CANARY_FDS; fd++) {
		(void)snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid,
		    fd);
		if (readlink(path, link, sizeof(link)) >= 0)
			n++;
	}
	return n > CANARY_FDS ? SANDBOX_FDS : 0;
}

/* The claim, minus what /proc contradicts. */
static uint32_t
canary_verify(pid_t pid, uint32_t claimed)
{
	char st[CANARY_PROC_MAX], lim[CANARY_PROC_MAX];
	uint32_t wrong = 0;

	if (fd_read_proc(pid, "status", st, sizeof(st)) < 0)
		return 0;
	wrong |= canary_status_wrong(st);
	if (fd_read_proc(pid, "limits", lim, sizeof(lim)) < 0 ||
	    !canary_limit_zero(lim, "Max processes") ||
	    !canary_limit_zero(lim, "Max core file size"))
		wrong |= SANDBOX_RLIMITS;
	wrong |= canary_ns_wrong(pid, claimed);
	wrong |= canary_fds_wrong(pid);
	if (geteuid() != 0)
		wrong |= SANDBOX_IDS;	/* nothing to switch from */
	return claimed & ~wrong;
}

/* Wait for the canary's report on sock, at most CANARY_TIMEOUT_MS. */
static int
canary_read_report(int sock, struct sandbox_canary_report *rep)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	ssize_t n;
	int r;

	while ((r = poll(&pfd, 1, CANARY_TIMEOUT_MS)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	if ((n = recv(sock, rep, sizeof(*rep), MSG_DONTWAIT)) < 0)
		return -errno;
	/* A canary that exited before it reported sent 0 bytes. */
	if (n != (ssize_t)sizeof(*rep) || rep->magic != SANDBOX_CANARY_MAGIC)
		return -EPROTO;
	return 0;
}

/* Reap pid within CANARY_TIMEOUT_MS, killing it if it outstays that. */
static int
canary_reap(pid_t pid)
{
	const struct timespec tick = { 0, CANARY_POLL_NS };
	int st = 0, waited;
	pid_t r;

	for (waited = 0; waited < CANARY_TIMEOUT_MS; waited++) {
		if ((r = waitpid(pid, &st, WNOHANG)) == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -1;
		(void)nanosleep(&tick, NULL);
	}
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return -1;
}

int
canary_run(const struct spawn_args *tmpl, struct canary_result *ret)
{
	struct sandbox_canary_report rep = { .magic = 0 };
	struct spawn_args a = *tmpl;
	int sv[2] = { -1, -1 }, r, st;
	pid_t pid = -1;

	memset(ret, 0, sizeof(*ret));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	a.sock = sv[1];
	a.canary = 1;
	if ((r = spawn_worker(&a, &pid)) < 0)
		goto out;
	fd_close_safe(&sv[1]);
	if ((r = canary_read_report(sv[0], &rep)) < 0)
		goto out;
	ret->ran = 1;
	ret->claimed = rep.layers;
	ret->landlock_abi = rep.landlock_abi;
	ret->layers = canary_verify(pid, rep.layers);
	/* Our hang-up is its go: now it makes the forbidden call. */
	fd_close_safe(&sv[0]);
	st = canary_reap(pid);
	pid = -1;
	ret->killed = st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
out:
	if (pid > 0)
		(void)canary_reap(pid);
	fd_close_safe(&sv[0]);
	fd_close_safe(&sv[1]);
	return r;
}

/* The measured layers, as the policy names them (1u << policy_layer). */
static uint32_t
canary_policy_layers(const struct canary_result *c)
{
	/* Layers that are one policy name each. */
	static const struct {
		uint32_t		sandbox;
		enum policy_layer	policy;
	} one_to_one[] = {
		{ SANDBOX_RLIMITS, POLICY_LAYER_RLIMITS },
		{ SANDBOX_NNP, POLICY_LAYER_NO_NEW_PRIVS },
		{ SANDBOX_LANDLOCK, POLICY_LAYER_LANDLOCK },
		{ SANDBOX_PIDNS, POLICY_LAYER_PIDNS },
		{ SANDBOX_USERNS, POLICY_LAYER_USERNS },
		{ SANDBOX_MNTNS, POLICY_LAYER_MNTNS },
		{ SANDBOX_NETNS, POLICY_LAYER_NETNS },
		{ SANDBOX_IPCNS, POLICY_LAYER_IPCNS },
		{ SANDBOX_UTSNS, POLICY_LAYER_UTSNS },
		{ SANDBOX_CGROUPNS, POLICY_LAYER_CGROUPNS },
	};
	uint32_t l = c->layers, p = 0;
	uint32_t uid = SANDBOX_CAPS | (geteuid() == 0 ? SANDBOX_IDS : 0);
	size_t i;

	if ((l & uid) == uid)
		p |= 1u << POLICY_LAYER_UID;
	/* seccomp counts only if it really killed the canary. */
	if ((l & SANDBOX_SECCOMP) && c->killed)
		p |= 1u << POLICY_LAYER_SECCOMP;
	for (i = 0; i < sizeof(one_to_one) / sizeof(one_to_one[0]); i++)
		if (l & one_to_one[i].sandbox)
			p |= 1u << one_to_one[i].policy;
	return p;
}

const struct canary_result *
canary_last(void)
{
	return &canary_result;
}

int
canary_spawn_pidns(void)
{
	return (canary_result.layers & SANDBOX_PIDNS) ? SPAWN_PIDNS_REQUIRE :
	    SPAWN_PIDNS_OFF;
}

int
canary_floor_ok(const struct policy *p, const char *profile)
{
	uint32_t floor = policy_sandbox_floor(p, profile);

	return (floor & ~canary_policy_layers(&canary_result)) == 0;
}

static void
canary_log(const struct canary_result *c)
{
	char have[512], miss[512];

	canary_layers_text(c->layers, have, sizeof(have));
	canary_layers_text(~c->layers & ((1u << SANDBOX_LAYER_BITS) - 1),
	    miss, sizeof(miss));
	log_info("sandbox self-check: %s; layers: %s; missing: %s; "
	    "Landlock ABI %u", c->killed ? "canary killed by SIGSYS" :
	    "CANARY SURVIVED", have, miss, c->landlock_abi);
	if (c->claimed != c->layers) {
		canary_layers_text(c->claimed & ~c->layers, miss, sizeof(miss));
		log_warnx("sandbox self-check: claimed but not seen in "
		    "/proc: %s", miss);
	}
}

int
canary_startup(const struct spawn_args *tmpl, const struct policy *p,
    const char **ret_why)
{
	int r;

	if ((r = canary_run(tmpl, &canary_result)) < 0) {
		*ret_why = "the canary worker did not report from its sandbox";
		return r;
	}
	canary_log(&canary_result);
	if (!canary_result.killed) {
		*ret_why = "the canary worker survived a forbidden syscall";
		return -EPERM;
	}
	if (!canary_floor_ok(p, "")) {
		*ret_why = "the sandbox is below the policy's sandbox_floor";
		return -EPERM;
	}
	return 0;
}

void
canary_status_add(struct wire_status *st)
{
	const struct canary_result *c = &canary_result;
	char buf[WIRE_STATUS_VALUE_MAX + 1];

	wire_status_add(st, "sandbox_canary", "%s", !c->ran ? "not-run" :
	    c->killed ? "killed-by-sigsys" : "survived");
	canary_layers_text(c->layers, buf, sizeof(buf));
	wire_status_add(st, "sandbox_layers", "%s", buf);
	canary_layers_text(~c->layers & ((1u << SANDBOX_LAYER_BITS) - 1), buf,
	    sizeof(buf));
	wire_status_add(st, "sandbox_missing", "%s", buf);
	wire_status_add(st, "landlock_abi", "%u", c->landlock_abi);
}
