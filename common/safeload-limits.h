/*
 * limits.h: every limit safeload enforces, in one place (role: library).
 *
 * A limit that is not here is a bug.  The policy may lower the model limits
 * (never raise them above these ceilings); the protocol limits are fixed
 * because both ends of a socket must agree on them.
 */
#pragma once

#include <stdint.h>

/* Wire protocol. */
#define MSG_MAX			(64u * 1024u)	/* one SEQPACKET datagram */
#define WIRE_STR_MAX		1024u		/* any string on the wire */
#define WIRE_HDR_LEN		16u

/* Report carried from worker to supervisor to client. */
#define REPORT_REASONS_MAX	8u
#define REPORT_MESSAGE_MAX	240u		/* bytes, no NUL */
#define REPORT_OPS_MAX		128u		/* distinct op names */
#define REPORT_OP_NAME_MAX	48u
#define PROFILE_NAME_MAX	64u

/* Model ceilings (policy may lower them). */
#define MODEL_MAX_BYTES		(2ull * 1024 * 1024 * 1024 - 1) /* CNTK's INT_MAX */
#define MODEL_MAX_DEPTH		64u	/* CNTK itself stops near 100; real models use <= 20 */
#define MODEL_MAX_NODES		1000000u	/* functions + variables */
#define MODEL_MAX_ELEMENTS	(512ull * 1024 * 1024)	/* tensor elements, whole model */
#define MODEL_MAX_STRING	(64u * 1024u)	/* one key or string value */
#define MODEL_MAX_ENTRIES	(4u * 1024u * 1024u) /* repeated items in one message */
#define MODEL_ALLOC_FACTOR	8u	/* decode budget = factor * input size + slack */
#define MODEL_ALLOC_SLACK	(16u * 1024u * 1024u)
#define MODEL_GRAPH_STEPS_MAX	(64ull * 1024 * 1024) /* block argument walks, whole model */
#define MODEL_MAX_DYNAMIC_AXES	64u	/* of one variable; CNTK writes at most 2 */
#define MODEL_UDFS_MAX		32u	/* names in one profile's UDF allow-list */
#define MODEL_UDF_NAME_MAX	128u	/* MODULE.CLASS or LIBRARY:SYMBOL */
/*
 * Outputs of an admitted user-defined function that other functions may
 * refer to: the file does not say how many it has (cntk-format.md §2.13).
 */
#define MODEL_UDF_OUTPUTS_MAX	64u

/* Supervisor. */
#define WORKERS_MAX		64u		/* concurrent workers */
#define CONNECTIONS_MAX		256u
#define WORKER_TIMEOUT_MS	30000u		/* wall clock per request */
#define CLIENT_TIMEOUT_MS	60000u		/* idle client */
#define CLIENT_REFUSED_MS	1000u		/* a refused client may read why */
#define WORKER_AS_MAX		(8ull * 1024 * 1024 * 1024)	/* RLIMIT_AS */
#define WORKER_CPU_SEC		30u		/* RLIMIT_CPU */
#define WORKER_NOFILE		16u		/* RLIMIT_NOFILE */
#define CANONICAL_MAX_BYTES	(4ull * 1024 * 1024 * 1024) /* reply memfd */
#define POOL_IDLE_MAX		16u		/* warm workers, whatever the policy */
#define POOL_BACKOFF_MS		1000u		/* after an idle worker died unasked */
#define QUEUE_MAX		1024u		/* requests waiting for a worker */
#define QUEUE_UID_SHARE		2u		/* one uid fills at most 1/N of it */
#define CACHE_ENTRIES_MAX	1024u		/* cached verdicts */
#define CACHE_MODEL_MAX_BYTES	(16ull * 1024 * 1024) /* hashed on the loop: ~10 ms */
#define CACHE_READ_CHUNK	(256u * 1024u)	/* pread buffer for hashing */
