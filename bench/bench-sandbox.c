/*
 * bench-sandbox.c: what the worker sandbox costs (role: bench).
 *
 *	bench-sandbox [RUNS]
 *
 * 1. Set-up: RUNS forked children each time sandbox_enter() with the
 *    worker's default config, step by step (cfg.step_ns), and send the
 *    figures back over a pipe (write() is allowed inside).  Prints the
 *    median and p90 of every step, of the whole, and of the child's life
 *    from fork to reaped (which includes tearing its namespaces down).
 *    As root, twice: each child making its own namespaces, then each
 *    joining one shared set first, as safeloadd's workers do
 *    (daemon/worker-ns.h).
 * 2. Filter overhead: one child times three calls before and after the
 *    filter is in: close(-1) (allowed with any arguments, which the
 *    kernel's seccomp action cache answers without running the BPF),
 *    fcntl(-1, F_GETFD) and clock_gettime(CLOCK_BOOTTIME) by syscall()
 *    (argument rules: the BPF runs).  The difference is the filter.
 *
 * A benchmark, not a test: nothing here is asserted (design.md asks for
 * <= 100 us set-up and <= 100 ns per syscall; read the figures).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-clock.h"
#include "sandbox.h"
#include "worker-ns.h"

#define RUNS_DEFAULT	300
#define RUNS_MAX	10000
#define CALLS		200000	/* per measurement */
#define ROUNDS		7	/* measurements; the median is printed */
#define KEEP_FD		63	/* the pipe survives sandbox_enter() */
#define NCALLS		3

#define COLS		(SANDBOX_STEPS + 2)	/* steps, total, life */

static const char *const step_names[COLS] = {
	"fds + rlimits", "namespaces (root)", "uid/gid drop (root)",
	"user namespace", "capabilities + dumpable", "no_new_privs + Landlock",
	"seccomp load (prebuilt BPF)", "total",
	"fork to reaped (wall)",
};

/* The shared namespaces the children join, or n 0. */
static struct worker_ns joined;

/* Child: enter, send SANDBOX_STEPS + 1 figures, exit. */
static void
setup_child(int fd)
{
	struct sandbox_config cfg;
	uint64_t ns[SANDBOX_STEPS + 1], t0;
	uint32_t i;

	memset(ns, 0, sizeof(ns));
	sandbox_config_default(&cfg);
	cfg.keep_fd = KEEP_FD;
	cfg.step_ns = ns;
	/* As spawn.c does between fork and exec: not part of the set-up. */
	for (i = 0; i < joined.n; i++)
		if (setns(joined.fds[i], 0) < 0)
			_exit(98);
	cfg.ns_joined = joined.layers;
	t0 = now_ns();
	if (sandbox_enter(&cfg, NULL) < 0)
		_exit(99);
	ns[SANDBOX_STEPS] = now_ns() - t0;
	_exit(write(fd, ns, sizeof(ns)) == (ssize_t)sizeof(ns) ? 0 : 1);
}

static int
run_setup(int fd, uint64_t *ns)
{
	uint64_t t0;
	pid_t pid;
	int st;

	fflush(stdout);
	t0 = now_ns();
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0)
		setup_child(fd);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return -1;
	ns[COLS - 1] = now_ns() - t0;
	/* The read end sits just below the write end (bench_setup). */
	return read(fd - 1, ns, (SANDBOX_STEPS + 1) * sizeof(*ns)) ==
	    (ssize_t)((SANDBOX_STEPS + 1) * sizeof(*ns)) ? 0 : -1;
}

/* Print median and p90 of column `col` of runs x COLS. */
static void
print_step(uint64_t (*v)[COLS], int runs, int col)
{
	uint64_t *c = calloc((size_t)runs, sizeof(*c));
	size_t mid = (size_t)runs / 2, p90 = (size_t)runs * 9 / 10;
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < runs; i++)
		c[i] = v[i][col];
	qsort(c, (size_t)runs, sizeof(*c), cmp_u64);
	printf("  %-32s median %8.1f us   p90 %8.1f us\n", step_names[col],
	    (double)c[mid] / 1e3, (double)c[p90] / 1e3);
	free(c);
}

static int
bench_setup(int runs)
{
	uint64_t (*v)[COLS];
	int p[2], i, good = 0;

	if ((v = calloc((size_t)runs, sizeof(*v))) == NULL)
		return -1;
	/* The write end lands at KEEP_FD, the read end just below it. */
	if (pipe2(p, O_CLOEXEC) < 0 || dup3(p[1], KEEP_FD, 0) < 0 ||
	    dup3(p[0], KEEP_FD - 1, O_CLOEXEC) < 0) {
		free(v);
		return -1;
	}
	(void)close(p[0]);
	(void)close(p[1]);
	for (i = 0; i < runs; i++)
		if (run_setup(KEEP_FD, v[good]) == 0)
			good++;
	printf("sandbox_enter(), %d of %d runs, uid %u, %s:\n", good, runs,
	    (unsigned)geteuid(), joined.n > 0 ? "namespaces joined (shared)" :
	    "own namespaces");
	for (i = 0; i < COLS && good > 0; i++)
		print_step(v, good, i);
	free(v);
	return good == runs ? 0 : -1;
}

/* ns per call of call number `which`, the median of ROUNDS rounds. */
static double
time_call(int which)
{
	const size_t mid = ROUNDS / 2;
	uint64_t r[ROUNDS], t0;
	struct timespec ts;
	int i, k;

	for (k = 0; k < ROUNDS; k++) {
		t0 = now_ns();
		for (i = 0; i < CALLS; i++) {
			if (which == 0)
				(void)syscall(SYS_close, -1);
			else if (which == 1)
				(void)syscall(SYS_fcntl, -1, F_GETFD);
			else
				(void)syscall(SYS_clock_gettime,
				    CLOCK_BOOTTIME, &ts);
		}
		r[k] = now_ns() - t0;
	}
	qsort(r, ROUNDS, sizeof(r[0]), cmp_u64);
	return (double)r[mid] / CALLS;
}

/* Child: time the calls bare, enter, time them again, send both. */
static void
overhead_child(int fd)
{
	struct sandbox_config cfg;
	double t[2][NCALLS];
	int i;

	for (i = 0; i < NCALLS; i++)
		t[0][i] = time_call(i);
	sandbox_config_default(&cfg);
	cfg.keep_fd = KEEP_FD;
	if (sandbox_enter(&cfg, NULL) < 0)
		_exit(99);
	for (i = 0; i < NCALLS; i++)
		t[1][i] = time_call(i);
	_exit(write(fd, t, sizeof(t)) == (ssize_t)sizeof(t) ? 0 : 1);
}

static int
bench_overhead(void)
{
	static const char *const names[NCALLS] = {
		"close(-1)        [allow, cached]",
		"fcntl(F_GETFD)   [argument rule]",
		"clock_gettime(BOOTTIME) [last rule]",
	};
	double t[2][NCALLS];
	pid_t pid;
	int st, i;

	fflush(stdout);
	if ((pid = fork()) == 0)
		overhead_child(KEEP_FD);
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0 ||
	    read(KEEP_FD - 1, t, sizeof(t)) != (ssize_t)sizeof(t))
		return -1;
	printf("syscall cost, median of %d x %d calls:\n", ROUNDS, CALLS);
	for (i = 0; i < NCALLS; i++)
		printf("  %-36s bare %6.1f ns   filtered %6.1f ns   "
		    "filter %+6.1f ns\n", names[i], t[0][i], t[1][i],
		    t[1][i] - t[0][i]);
	return 0;
}

int
main(int argc, char *argv[])
{
	long runs = RUNS_DEFAULT;

	if (argc > 1 && ((runs = strtol(argv[1], NULL, 10)) < 1 ||
	    runs > RUNS_MAX)) {
		fprintf(stderr, "usage: bench-sandbox [RUNS (1-%d)]\n",
		    RUNS_MAX);
		return 2;
	}
	if (bench_setup((int)runs) < 0)
		fprintf(stderr, "bench-sandbox: some set-up runs failed\n");
	if (worker_ns_create(&joined) == 0 && joined.n > 0 &&
	    bench_setup((int)runs) < 0)
		fprintf(stderr, "bench-sandbox: some joined runs failed\n");
	worker_ns_close(&joined);
	if (bench_overhead() < 0) {
		fprintf(stderr, "bench-sandbox: overhead run failed\n");
		return 1;
	}
	return 0;
}
