/*
 * bench-request.c: time whole requests, in process or through safeloadd
 * (role: benchmark; not a test, never timed in CI).
 *
 *	bench-request --socket PATH [-n N] [-c CLIENTS] [--cold] [--gap US] FILE
 *	bench-request --local [-n N] FILE
 *
 * N checks of FILE in all, spread over CLIENTS connections that each send
 * one request at a time, back to back.  Each check includes mapping the
 * canonical result, as an application would.  Prints one line,
 *	request FILE c=C n=N median_us=M p99_us=P min_us=L rps=R
 * with the latency percentiles over every request and R the requests per
 * second over the whole run.  --cold skips the warm-up request (which
 * would otherwise fill the daemon's result cache).  --gap US pauses
 * between one client's requests, as an application that does not load
 * models back to back would: the daemon's pool then has time to refill.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-clock.h"
#include "safeload.h"

#define BENCH_DEFAULT_N	50
#define BENCH_MAX_N	100000
#define BENCH_MAX_C	256
#define BENCH_MAX_GAP_US	1000000L

struct bench {
	const char	*sock;		/* NULL: --local */
	const char	*file;
	int		 n, c;
	int		 cold;		/* no warm-up request */
	long		 gap_us;	/* pause between requests */
	double		*t;		/* n latencies */
	int		 next;		/* next slot in t */
	int		 err;
	pthread_mutex_t	 lock;
};

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

/* Take the next slot; -1 when all n are taken or a client failed. */
static int
bench_slot(struct bench *b)
{
	int i = -1;

	(void)pthread_mutex_lock(&b->lock);
	if (b->next < b->n && b->err == 0)
		i = b->next++;
	(void)pthread_mutex_unlock(&b->lock);
	return i;
}

static void *
bench_client(void *arg)
{
	struct bench *b = arg;
	struct sl_client *c = NULL;
	int i, rc;

	rc = b->sock == NULL ? sl_client_new_local(&c) :
	    sl_client_new(b->sock, &c);
	while (rc >= 0 && (i = bench_slot(b)) >= 0) {
		double t0 = now_us();

		rc = one(c, b->file);
		b->t[i] = now_us() - t0;
		if (b->gap_us > 0) {
			struct timespec g = { .tv_sec = b->gap_us / 1000000L,
			    .tv_nsec = (b->gap_us % 1000000L) * 1000L };

			(void)nanosleep(&g, NULL);
		}
	}
	if (rc < 0) {
		(void)pthread_mutex_lock(&b->lock);
		b->err = rc;
		(void)pthread_mutex_unlock(&b->lock);
	}
	sl_client_free(c);
	return NULL;
}

static int
bench_args(int argc, char **argv, struct bench *b)
{
	int i, local = 0;

	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc - 1)
			b->sock = argv[++i];
		else if (strcmp(argv[i], "--local") == 0)
			local = 1;
		else if (strcmp(argv[i], "--cold") == 0)
			b->cold = 1;
		else if (strcmp(argv[i], "--gap") == 0 && i + 1 < argc - 1)
			b->gap_us = atol(argv[++i]);
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc - 1)
			b->n = atoi(argv[++i]);
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc - 1)
			b->c = atoi(argv[++i]);
		else
			return -EINVAL;
	}
	if (argc < 2 || b->n < 1 || b->n > BENCH_MAX_N || b->c < 1 ||
	    b->gap_us < 0 || b->gap_us > BENCH_MAX_GAP_US ||
	    b->c > BENCH_MAX_C || local == (b->sock != NULL))
		return -EINVAL;
	b->file = argv[argc - 1];
	return 0;
}

int
main(int argc, char **argv)
{
	struct bench b = { .n = BENCH_DEFAULT_N, .c = 1 };
	pthread_t th[BENCH_MAX_C];
	struct sl_client *warm = NULL;
	double t0, wall;
	int i, n;

	if (bench_args(argc, argv, &b) < 0) {
		fprintf(stderr, "usage: bench-request --socket PATH|--local "
		    "[-n N] [-c CLIENTS] [--cold] [--gap US] FILE\n");
		return 2;
	}
	if ((b.t = calloc((size_t)b.n, sizeof(*b.t))) == NULL)
		return 2;
	(void)pthread_mutex_init(&b.lock, NULL);
	/* Warm the page cache and the daemon. */
	if (!b.cold && (b.sock == NULL ? sl_client_new_local(&warm) :
	    sl_client_new(b.sock, &warm)) == 0)
		(void)one(warm, b.file);
	sl_client_free(warm);
	t0 = now_us();
	for (i = 0; i < b.c; i++)
		if (pthread_create(&th[i], NULL, bench_client, &b) != 0)
			break;
	for (n = i, i = 0; i < n; i++)
		(void)pthread_join(th[i], NULL);
	wall = now_us() - t0;
	if (b.err < 0 || n < b.c) {
		fprintf(stderr, "bench-request: %s\n", sl_strerror(b.err));
		free(b.t);
		return 2;
	}
	qsort(b.t, (size_t)b.n, sizeof(*b.t), cmp_double);
	printf("request %s c=%d n=%d median_us=%.0f p99_us=%.0f min_us=%.0f "
	    "rps=%.0f\n", b.file, b.c, b.n, b.t[b.n / 2],
	    b.t[(b.n * 99) / 100 < b.n ? (b.n * 99) / 100 : b.n - 1], b.t[0],
	    (double)b.n / (wall / 1e6));
	free(b.t);
	return 0;
}
