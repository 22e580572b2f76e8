/*
 * stats.h: request statistics for `safeload status` and `safeload metrics`
 * (role: supervisor).
 *
 * Counts by reason code, latency percentiles over the most recent
 * requests, and the daemon's uptime.  (The counts by verdict are the
 * supervisor's own counters.)  One set per process: the
 * supervisor is single-threaded and the numbers describe the process.
 */
#pragma once

struct report;
struct wire_status;

/* Latency percentiles are taken over this many most recent requests. */
#define STATS_WINDOW	1024u

/*
 * Count one finished request: its first reason code when rejected, and how
 * long it took from arrival to answer, in ms.  Call it
 * exactly once per request, where the request is logged.
 */
void	stats_record(const struct report *r, double elapsed_ms);

/*
 * Add the status items:
 *	uptime_seconds	since the process started (from /proc/self/stat)
 *	reasons		"code=N ..." for the codes seen, most frequent first,
 *			whole tokens only (a value holds 128 bytes), then
 *			"other=N" for the rest
 *	latency_ms	"p50=X p90=X p99=X max=X" over the STATS_WINDOW most
 *			recent requests
 * reasons and latency_ms are left out while there is nothing to say.
 */
void	stats_status_add(struct wire_status *st);

/* Forget everything (tests). */
void	stats_reset(void);
