/*
 * bench-spawn.c: what creating one sandboxed worker costs, with and
 * without its own PID namespace (role: bench).
 *
 *	bench-spawn [-n RUNS] WORKER
 *
 * Each run is spawn_worker() of WORKER --canary, as safeloadd spawns its
 * workers (default ids and limits): "ready" is the time from the spawn
 * to the canary's report, which it sends once it is inside the sandbox
 * (fork or clone3, exec, sandbox_enter()); "cycle" adds the hang-up, its
 * forbidden call and the reap.  Runs alternate between plain fork()
 * (SPAWN_PIDNS_OFF) and clone3(CLONE_NEWPID) (SPAWN_PIDNS_REQUIRE), so
 * that the two series share the machine's noise; without root only the
 * first runs.  Prints the median and p90 of both figures for each.
 *
 * A benchmark, not a test: nothing here is asserted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-clock.h"
#include "safeload-limits.h"
#include "spawn.h"

#define RUNS_DEFAULT	200
#define RUNS_MAX	10000
#define REPORT_MAX	64	/* the canary's report is 16 bytes */
#define WAIT_MS		5000

enum { MODE_FORK, MODE_PIDNS, MODES };

static const char *const mode_names[MODES] = {
	"fork", "clone3(CLONE_NEWPID)",
};

/* One worker: 0 and both times, or -errno. */
static int
one_run(const char *worker, enum spawn_pidns pidns, uint64_t *ret_ready,
    uint64_t *ret_cycle)
{
	struct spawn_args a = {
		.worker_path = worker, .stderr_fd = -1,
		.as_bytes = WORKER_AS_MAX, .cpu_seconds = WORKER_CPU_SEC,
		.canary = 1, .pidns = pidns,
	};
	struct pollfd pfd = { .events = POLLIN };
	char rep[REPORT_MAX];
	uint64_t t0, t1;
	int sv[2], r, st;
	pid_t pid;

	spawn_default_ids(&a.uid, &a.gid);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	a.sock = sv[1];
	t0 = now_ns();
	r = spawn_worker(&a, &pid);
	(void)close(sv[1]);
	if (r < 0) {
		(void)close(sv[0]);
		return r;
	}
	pfd.fd = sv[0];
	r = poll(&pfd, 1, WAIT_MS) == 1 &&
	    recv(sv[0], rep, sizeof(rep), 0) > 0 ? 0 : -EPROTO;
	t1 = now_ns();
	(void)close(sv[0]);	/* its go: the forbidden call */
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*ret_ready = t1 - t0;
	*ret_cycle = now_ns() - t0;
	return r;
}

static void
print_series(const char *name, const char *what, uint64_t *v, int n)
{
	uint64_t median, p90;

	qsort(v, (size_t)n, sizeof(v[0]), cmp_u64);
	median = v[n / 2];
	p90 = v[n * 9 / 10];
	printf("%-22s %-6s median %7.1f us  p90 %7.1f us  (n=%d)\n", name,
	    what, (double)median / 1e3, (double)p90 / 1e3, n);
}

int
main(int argc, char *argv[])
{
	uint64_t *buf, *ready[MODES], *cycle[MODES];
	int runs = RUNS_DEFAULT, modes, i, m, n[MODES] = { 0 }, c, r;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n')
			goto usage;
		runs = atoi(optarg);
	}
	if (optind + 1 != argc || runs < 1 || runs > RUNS_MAX)
		goto usage;
	modes = geteuid() == 0 ? MODES : 1;
	/* One block: ready and cycle times of each mode, runs apiece. */
	if ((buf = calloc((size_t)runs * 2 * MODES, sizeof(*buf))) == NULL)
		return 1;
	for (m = 0; m < MODES; m++) {
		ready[m] = buf + (size_t)runs * 2 * (size_t)m;
		cycle[m] = ready[m] + runs;
	}
	for (i = 0; i < runs * modes; i++) {
		m = i % modes;
		r = one_run(argv[optind], m == MODE_PIDNS ?
		    SPAWN_PIDNS_REQUIRE : SPAWN_PIDNS_OFF, &ready[m][n[m]],
		    &cycle[m][n[m]]);
		if (r < 0) {
			fprintf(stderr, "bench-spawn: %s: %s\n", mode_names[m],
			    strerror(-r));
			free(buf);
			return 1;
		}
		n[m]++;
	}
	for (m = 0; m < modes; m++) {
		print_series(mode_names[m], "ready", ready[m], n[m]);
		print_series(mode_names[m], "cycle", cycle[m], n[m]);
	}
	free(buf);
	return 0;
usage:
	fprintf(stderr, "usage: bench-spawn [-n RUNS] WORKER\n");
	return 2;
}
