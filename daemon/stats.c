/*
 * stats.c: request statistics for status and metrics (role: supervisor).
 *
 * Kept small and allocation-free: counters per reason code and a ring of
 * the last STATS_WINDOW latencies, sorted into percentiles only when a
 * client asks for the status.  Nothing here is on the path of a check.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reason.h"
#include "report.h"
#include "stats.h"
#include "wire.h"

static struct {
	uint64_t	reasons[REASON__MAX];
	double		latency_ms[STATS_WINDOW];
	uint64_t	n_latency;		/* ever recorded */
} stats;

void
stats_reset(void)
{
	memset(&stats, 0, sizeof(stats));
}

void
stats_record(const struct report *r, double elapsed_ms)
{
	if (r->verdict != REPORT_ACCEPT && r->n_reasons > 0 &&
	    (unsigned)r->reasons[0].code < REASON__MAX)
		stats.reasons[r->reasons[0].code]++;
	stats.latency_ms[stats.n_latency % STATS_WINDOW] =
	    elapsed_ms >= 0 ? elapsed_ms : 0;
	stats.n_latency++;
}

/*
 * Seconds since this process started: field 22 of /proc/self/stat is the
 * start time in clock ticks after boot, which CLOCK_BOOTTIME counts too.
 * /proc/self stays visible under ProcSubset=pid and ProtectProc=invisible.
 */
static int
stats_uptime(double *ret)
{
	char buf[1024], *p;
	unsigned long long start;
	struct timespec now;
	long hz = sysconf(_SC_CLK_TCK);
	size_t n;
	FILE *f;
	int i;

	if (hz <= 0 || (f = fopen("/proc/self/stat", "re")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and ')': skip to the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	for (i = 2; i < 22 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%llu", &start) != 1 ||
	    clock_gettime(CLOCK_BOOTTIME, &now) < 0)
		return -1;
	*ret = (double)now.tv_sec + (double)now.tv_nsec / 1e9 -
	    (double)start / (double)hz;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The latency of the q-th quantile (nearest rank) of sorted v[0..n). */
static double
quantile(const double *v, size_t n, double q)
{
	size_t rank = (size_t)(q * (double)n + 0.999999);

	return v[rank == 0 ? 0 : rank > n ? n - 1 : rank - 1];
}

static void
stats_latency_add(struct wire_status *st)
{
	static double v[STATS_WINDOW];
	size_t n = stats.n_latency < STATS_WINDOW ? stats.n_latency :
	    STATS_WINDOW;

	if (n == 0)
		return;
	memcpy(v, stats.latency_ms, n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp_double);
	wire_status_add(st, "latency_ms", "p50=%.3f p90=%.3f p99=%.3f "
	    "max=%.3f", quantile(v, n, 0.5), quantile(v, n, 0.9),
	    quantile(v, n, 0.99), v[n - 1]);
}

static int
cmp_reason(const void *a, const void *b)
{
	uint64_t x = stats.reasons[*(const int *)a];
	uint64_t y = stats.reasons[*(const int *)b];

	if (x != y)
		return x > y ? -1 : 1;
	return *(const int *)a - *(const int *)b;
}

/*
 * "code=N ..." most frequent first.  A status value holds
 * WIRE_STATUS_VALUE_MAX bytes, and a cut token would be a wrong count, so
 * only whole tokens go in and what does not fit is summed as "other".
 */
static void
stats_reasons_add(struct wire_status *st)
{
	char val[WIRE_STATUS_VALUE_MAX + 1], tok[64];
	int order[REASON__MAX] = { 0 }, i, n = 0;
	size_t len = 0, room = WIRE_STATUS_VALUE_MAX - sizeof(" other=") - 20;
	uint64_t other = 0;

	for (i = 0; i < REASON__MAX; i++)
		if (stats.reasons[i] > 0)
			order[n++] = i;
	qsort(order, (size_t)n, sizeof(order[0]), cmp_reason);
	val[0] = '\0';
	for (i = 0; i < n; i++) {
		(void)snprintf(tok, sizeof(tok), "%s%s=%llu", len ? " " : "",
		    reason_code((enum reason)order[i]),
		    (unsigned long long)stats.reasons[order[i]]);
		if (other > 0 || len + strlen(tok) > room) {
			other += stats.reasons[order[i]];
			continue;
		}
		memcpy(val + len, tok, strlen(tok) + 1);
		len += strlen(tok);
	}
	if (other > 0)
		(void)snprintf(val + len, sizeof(val) - len, "%sother=%llu",
		    len ? " " : "", (unsigned long long)other);
	if (val[0] != '\0')
		wire_status_add(st, "reasons", "%s", val);
}

void
stats_status_add(struct wire_status *st)
{
	double up;

	if (stats_uptime(&up) == 0)
		wire_status_add(st, "uptime_seconds", "%.0f", up);
	stats_reasons_add(st);
	stats_latency_add(st);
}
