/*
 * test-stats.c: daemon/stats.c, the reason counts, latency percentiles and
 * uptime behind `safeload status` and `safeload metrics` (role: tests).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reason.h"
#include "report.h"
#include "stats.h"
#include "tap.h"
#include "wire.h"

static const char *
item(const struct wire_status *st, const char *key)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->items[i].key, key) == 0)
			return st->items[i].value;
	return NULL;
}

static void
record(enum reason code, double ms)
{
	struct report r;

	report_init(&r);
	if (code != REASON_NONE)
		report_reject(&r, code, "%s", "test");
	stats_record(&r, ms);
}

static void
test_empty(void)
{
	struct wire_status st = { .n = 0 };
	const char *up;

	stats_reset();
	stats_status_add(&st);
	up = item(&st, "uptime_seconds");
	ok(up != NULL && strspn(up, "0123456789") == strlen(up),
	    "uptime_seconds is a whole number (%s)", up ? up : "none");
	ok(item(&st, "reasons") == NULL && item(&st, "latency_ms") == NULL,
	    "no reasons and no latency before any request");
}

static void
test_reasons(void)
{
	struct wire_status st = { .n = 0 };
	const char *v;

	stats_reset();
	record(REASON_NONE, 1);
	record(REASON_DEPTH_LIMIT, 1);
	record(REASON_USER_DEFINED_FUNCTION, 1);
	record(REASON_USER_DEFINED_FUNCTION, 1);
	stats_status_add(&st);
	v = item(&st, "reasons");
	ok(v != NULL && strcmp(v, "user-defined-function=2 depth-limit=1")
	    == 0, "reasons: most frequent first, accepts not counted (%s)",
	    v ? v : "none");
}

/* Every code once: they cannot all fit, the rest is "other", exactly. */
static void
test_reasons_overflow(void)
{
	struct wire_status st = { .n = 0 };
	unsigned long long sum = 0, n;
	const char *v, *p;
	int i;

	stats_reset();
	for (i = 1; i < REASON__MAX; i++)
		record((enum reason)i, 1);
	stats_status_add(&st);
	v = item(&st, "reasons");
	ok(v != NULL && strstr(v, " other=") != NULL &&
	    strlen(v) <= WIRE_STATUS_VALUE_MAX, "too many codes end in other=");
	for (p = v; p != NULL && (p = strchr(p, '=')) != NULL; p++)
		if (sscanf(p + 1, "%llu", &n) == 1)
			sum += n;
	ok(sum == (unsigned long long)REASON__MAX - 1,
	    "no count is lost or cut (%llu of %d)", sum, REASON__MAX - 1);
}

static void
test_latency(void)
{
	struct wire_status st = { .n = 0 };
	const char *v;
	int i;

	stats_reset();
	for (i = 100; i >= 1; i--)
		record(REASON_NONE, i);
	stats_status_add(&st);
	v = item(&st, "latency_ms");
	ok(v != NULL && strcmp(v, "p50=50.000 p90=90.000 p99=99.000 "
	    "max=100.000") == 0, "percentiles by nearest rank (%s)",
	    v ? v : "none");
	stats_reset();
	for (i = 0; i < 3 * (int)STATS_WINDOW; i++)
		record(REASON_NONE, i < 2 * (int)STATS_WINDOW ? 1000.0 : 2.0);
	st.n = 0;
	stats_status_add(&st);
	v = item(&st, "latency_ms");
	ok(v != NULL && strstr(v, "max=2.000") != NULL,
	    "only the most recent requests count (%s)", v ? v : "none");
}

int
main(void)
{
	test_empty();
	test_reasons();
	test_reasons_overflow();
	test_latency();
	return tap_done();
}
