/*
 * bench-validate.c: what CNTK v2 validation costs next to decoding (role:
 * benchmark; not a test, never timed in CI).
 *
 *	bench-validate [-n N] FILE...
 *
 * For each file, N rounds of each phase, in process and without a sandbox:
 *   decode    the bounded wire walk plus protobuf-c unpack and free: what
 *             any safe decoder must do;
 *   validate  decode plus every check (tree, keys, attributes, graph) on
 *             the tree just decoded, as the worker runs them;
 *   checks    the checks alone, on a tree decoded once beforehand (cold in
 *             cache: the other phases run in between);
 *   full      model_parse(): walk, decode under the budget, checks and the
 *             canonical re-serialisation.
 * Prints the median CPU time of each and validate/decode - 1, what
 * validation costs over decoding.  Phases are interleaved round by round,
 * in a rotating order, so that drift and allocator warm-up hit them alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench-clock.h"
#include "cntk-v2.h"
#include "model.h"
#include "protowalk.h"

#define BENCH_DEFAULT_N	21
#define BENCH_MAX_N	10000

enum phase { PH_DECODE, PH_VALIDATE, PH_CHECKS, PH_FULL, PH__MAX };

/*
 * CPU time of this thread: on a shared machine wall time mostly measures
 * the neighbours, and the question is what the work itself costs.
 */
static void *
sys_alloc(void *data, size_t size)
{
	(void)data;
	return malloc(size);
}

static void
sys_free(void *data, void *p)
{
	(void)data;
	free(p);
}

/* The plain system heap: the decode phase has no budget to keep. */
static ProtobufCAllocator sys_allocator = { sys_alloc, sys_free, NULL };

static int	run_checks(CNTK__Proto__Dictionary *);

/*
 * The bounded walk, the protobuf-c decode and the free; with `check`, the
 * checks too, on the tree just decoded, as the worker runs them.
 */
static int
run_decode(const uint8_t *buf, size_t len, int check)
{
	struct model_limits l;
	static struct report rep;
	CNTK__Proto__Dictionary *top;
	int r = 0;

	model_limits_default(&l);
	report_init(&rep);
	if (pw_walk(buf, len, &l, &cntk_v2_wire_schema, &rep,
	    &rep.stats.max_depth) < 0)
		return -EBADMSG;
	if ((top = cntk__proto__dictionary__unpack(&sys_allocator, len,
	    buf)) == NULL)
		return -EBADMSG;
	if (check)
		r = run_checks(top);
	cntk__proto__dictionary__free_unpacked(top, &sys_allocator);
	return r;
}

/*
 * Every check, on a tree decoded once beforehand.  The first round also
 * sorts and drops unknown fields; later rounds find them done, which is
 * the same work minus some swaps.
 */
static int
run_checks(CNTK__Proto__Dictionary *top)
{
	struct model_limits l;
	static struct report rep;
	struct cntk_v2 c = { .l = &l, .rep = &rep, .alloc = &sys_allocator };
	int r;

	model_limits_default(&l);
	report_init(&rep);
	if ((r = cntk_v2_check_tree(&c, top)) == 0)
		r = cntk_v2_check_model(&c, top);
	return r;
}

static int
run_full(const uint8_t *buf, size_t len)
{
	struct model_limits l;
	static struct report rep;
	uint8_t *canon = NULL;
	size_t n = 0;
	int r;

	model_limits_default(&l);
	report_init(&rep);
	r = model_parse(buf, len, &l, NULL, REPORT_FORMAT_UNKNOWN, &rep, &canon,
	    &n);
	free(canon);
	if (r == 0 && rep.verdict != REPORT_ACCEPT)
		r = -EBADMSG;
	return r;
}

static int
run_phase(enum phase p, const uint8_t *buf, size_t len,
    CNTK__Proto__Dictionary *top, double *ret_us)
{
	double t0 = thread_cpu_us();
	int r;

	if (p == PH_FULL)
		r = run_full(buf, len);
	else if (p == PH_CHECKS)
		r = run_checks(top);
	else
		r = run_decode(buf, len, p == PH_VALIDATE);
	*ret_us = thread_cpu_us() - t0;
	return r;
}

/*
 * n rounds of every phase into t[phase][round], in a rotating order:
 * whoever runs first in a round pays the page faults.
 */
static int
bench_rounds(const char *path, const uint8_t *buf, size_t len,
    CNTK__Proto__Dictionary *top, int n, double *t[PH__MAX])
{
	static const char *const names[PH__MAX] = { "decode", "validate",
	    "checks", "full" };
	int i, k, p;

	for (i = 0; i < n; i++)
		for (k = 0; k < PH__MAX; k++) {
			p = (i + k) % PH__MAX;
			if (run_phase((enum phase)p, buf, len, top,
			    &t[p][i]) < 0) {
				fprintf(stderr, "%s: rejected in %s\n", path,
				    names[p]);
				return -EBADMSG;
			}
		}
	return 0;
}

static int
bench_file(const char *path, int n)
{
	CNTK__Proto__Dictionary *top = NULL;
	double *t[PH__MAX] = { NULL }, med[PH__MAX];
	struct stat st;
	uint8_t *buf = MAP_FAILED;
	int fd = -1, p, r = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) < 0 || st.st_size == 0 ||
	    (buf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
	    0)) == MAP_FAILED) {
		fprintf(stderr, "%s: cannot map\n", path);
		goto out;
	}
	for (p = 0; p < PH__MAX; p++)
		if ((t[p] = calloc((size_t)n, sizeof(double))) == NULL)
			goto out;
	if ((top = cntk__proto__dictionary__unpack(&sys_allocator,
	    (size_t)st.st_size, buf)) == NULL) {
		fprintf(stderr, "%s: does not decode\n", path);
		goto out;
	}
	if (bench_rounds(path, buf, (size_t)st.st_size, top, n, t) < 0)
		goto out;
	for (p = 0; p < PH__MAX; p++) {
		qsort(t[p], (size_t)n, sizeof(double), cmp_double);
		med[p] = t[p][n / 2];
	}
	printf("%-40s %9lld %8.0f %8.0f %8.0f %8.0f %+9.1f%%\n", path,
	    (long long)st.st_size, med[PH_DECODE], med[PH_VALIDATE],
	    med[PH_CHECKS], med[PH_FULL],
	    100.0 * (med[PH_VALIDATE] / med[PH_DECODE] - 1));
	r = 0;
out:
	if (top != NULL)
		cntk__proto__dictionary__free_unpacked(top, &sys_allocator);
	for (p = 0; p < PH__MAX; p++)
		free(t[p]);
	if (buf != MAP_FAILED)
		(void)munmap(buf, (size_t)st.st_size);
	if (fd >= 0)
		(void)close(fd);
	return r;
}

int
main(int argc, char **argv)
{
	int i = 1, n = BENCH_DEFAULT_N, bad = 0;

	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		n = atoi(argv[2]);
		i = 3;
	}
	if (i >= argc || n < 1 || n > BENCH_MAX_N) {
		fprintf(stderr, "usage: bench-validate [-n N] FILE...\n");
		return 2;
	}
	printf("%-40s %9s %8s %8s %8s %8s %10s\n", "file (median CPU us)",
	    "bytes", "decode", "validate", "checks", "full", "overhead");
	for (; i < argc; i++)
		if (bench_file(argv[i], n) < 0)
			bad = 1;
	return bad;
}
