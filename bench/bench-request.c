/*
 * bench-request.c: time whole requests, in process or through safeloadd
 * (role: benchmark; not a test, never timed in CI).
 *
 *	bench-request --socket PATH [-n N] FILE
 *	bench-request --local [-n N] FILE
 *
 * Prints the median, p99 and min wall time of N sequential checks of FILE,
 * each including the mapping of the canonical result.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "safeload.h"

#define BENCH_DEFAULT_N	50
#define BENCH_MAX_N	100000

static double
now_us(void)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One check, mapping the canonical bytes as an application would. */
static int
one(struct sl_client *c, const char *file)
{
	struct sl_result *r = NULL;
	const void *data;
	size_t len;
	int rc;

	if ((rc = sl_check_path(c, file, NULL, SL_CHECK_CANONICAL, &r)) < 0)
		return rc;
	if (sl_result_accepted(r) == 1)
		rc = sl_result_canonical(r, &data, &len);
	sl_result_free(r);
	return rc;
}

int
main(int argc, char **argv)
{
	struct sl_client *c = NULL;
	const char *sock = NULL, *file;
	double *t;
	int i, n = BENCH_DEFAULT_N, local = 0, rc;

	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc - 1)
			sock = argv[++i];
		else if (strcmp(argv[i], "--local") == 0)
			local = 1;
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc - 1)
			n = atoi(argv[++i]);
	}
	if (argc < 2 || n < 1 || n > BENCH_MAX_N || (!local && sock == NULL)) {
		fprintf(stderr, "usage: bench-request --socket PATH|--local "
		    "[-n N] FILE\n");
		return 2;
	}
	file = argv[argc - 1];
	rc = local ? sl_client_new_local(&c) : sl_client_new(sock, &c);
	if (rc < 0 || (t = calloc((size_t)n, sizeof(*t))) == NULL) {
		fprintf(stderr, "bench-request: %s\n", sl_strerror(rc));
		return 2;
	}
	(void)one(c, file);	/* warm the page cache and the daemon */
	for (i = 0; i < n; i++) {
		double t0 = now_us();

		if ((rc = one(c, file)) < 0) {
			fprintf(stderr, "bench-request: %s\n", sl_strerror(rc));
			free(t);
			return 2;
		}
		t[i] = now_us() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("%s: n=%d median=%.0f us p99=%.0f us min=%.0f us\n", file, n,
	    t[n / 2], t[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], t[0]);
	free(t);
	sl_client_free(c);
	return 0;
}
