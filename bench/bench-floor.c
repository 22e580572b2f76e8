/*
 * bench-floor.c: the in-process floor of one check (role: benchmark; not a
 * test, never timed in CI).
 *
 *	bench-floor [-n N] FILE...
 *
 * The same work a worker does for one request, in one process, with no
 * sandbox, no fork and no IPC: open and map the file, sha256 it, decode,
 * validate and write the canonical form (model_parse()), copy it into a
 * memfd with write(), seal it, then map the sealed memfd and read every
 * page as a client would.  The daemon's round trip is measured against
 * this (bench/run prints the ratio).  Prints, per file,
 *	floor FILE n=N median_us=M p99_us=P min_us=L bytes=B verdict=V
 */
#define _GNU_SOURCE
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
#include "model.h"
#include "sha256.h"

#define FLOOR_DEFAULT_N	21
#define FLOOR_MAX_N	100000
#define FLOOR_SEALS	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
			    F_SEAL_WRITE)
#define FLOOR_PAGE	4096u

/* What the client does with the answer: map it and touch every page. */
static int
floor_consume(int fd, size_t len)
{
	volatile const uint8_t *p;
	uint8_t sum = 0;
	size_t i;

	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	for (i = 0; i < len; i += FLOOR_PAGE)
		sum ^= p[i];
	(void)munmap((void *)(uintptr_t)p, len);
	return sum == 0xff ? 1 : 0;	/* keeps the reads */
}

/* Write, seal, hand over: the worker's worker_canonical() and the client. */
static int
floor_canonical(const uint8_t *canon, size_t len, struct report *rep)
{
	size_t off = 0;
	ssize_t n;
	int fd, rc = 0;

	fd = memfd_create("floor", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	while (off < len && rc == 0) {
		n = write(fd, canon + off, len - off);
		if (n < 0 && errno != EINTR)
			rc = -errno;
		else if (n > 0)
			off += (size_t)n;
	}
	if (rc == 0 && fcntl(fd, F_ADD_SEALS, FLOOR_SEALS) < 0)
		rc = -errno;
	if (rc == 0) {
		sha256(canon, len, rep->canonical_sha256);
		rc = floor_consume(fd, len) < 0 ? -EIO : 0;
	}
	(void)close(fd);
	return rc;
}

/* One whole check of path; *ret_verdict says accept (1) or reject (2). */
static int
floor_once(const char *path, int *ret_verdict, size_t *ret_bytes)
{
	struct model_limits l;
	struct report rep;
	struct stat st;
	const uint8_t *map = NULL;
	uint8_t *canon = NULL;
	size_t canon_len = 0;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size <= 0) {
		(void)close(fd);
		return -EINVAL;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	(void)close(fd);
	if (map == MAP_FAILED)
		return -errno;
	model_limits_default(&l);
	report_init(&rep);
	sha256(map, (size_t)st.st_size, rep.sha256);
	rc = model_parse(map, (size_t)st.st_size, &l, NULL,
	    REPORT_FORMAT_UNKNOWN, &rep, &canon, &canon_len);
	if (rc == 0 && rep.verdict == REPORT_ACCEPT)
		rc = floor_canonical(canon, canon_len, &rep);
	(void)munmap((void *)(uintptr_t)map, (size_t)st.st_size);
	free(canon);
	*ret_verdict = rep.verdict;
	*ret_bytes = (size_t)st.st_size;
	return rc;
}

static int
floor_file(const char *path, int n, double *t)
{
	size_t bytes = 0;
	int i, verdict = 0, rc;

	if ((rc = floor_once(path, &verdict, &bytes)) < 0)	/* warm */
		return rc;
	for (i = 0; i < n; i++) {
		double t0 = now_us();

		if ((rc = floor_once(path, &verdict, &bytes)) < 0)
			return rc;
		t[i] = now_us() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("floor %s n=%d median_us=%.0f p99_us=%.0f min_us=%.0f "
	    "bytes=%zu verdict=%s\n", path, n, t[n / 2],
	    t[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], t[0], bytes,
	    verdict == REPORT_ACCEPT ? "accept" : "reject");
	return 0;
}

int
main(int argc, char **argv)
{
	double *t;
	int i = 1, n = FLOOR_DEFAULT_N, rc, status = 0;

	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		n = atoi(argv[2]);
		i = 3;
	}
	if (i >= argc || n < 1 || n > FLOOR_MAX_N) {
		fprintf(stderr, "usage: bench-floor [-n N] FILE...\n");
		return 2;
	}
	if ((t = calloc((size_t)n, sizeof(*t))) == NULL)
		return 2;
	for (; i < argc; i++)
		if ((rc = floor_file(argv[i], n, t)) < 0) {
			fprintf(stderr, "bench-floor: %s: %s\n", argv[i],
			    strerror(-rc));
			status = 1;
		}
	free(t);
	return status;
}
