/*
 * model.h: decode, validate and canonicalise one model (role: worker).
 *
 * model_parse() is a pure function of its inputs: no I/O, no globals, no
 * logging.  It is the fuzz target for every model format, and it runs only
 * inside the sandboxed worker (or a fuzzer/test harness).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "model-limits.h"
#include "model-rules.h"
#include "report.h"

/*
 * Check the model in buf[0..len) under `limits`.  `udfs` names the CNTK v2
 * user-defined functions the profile admits (NULL: none).  `hint` is the
 * format the client stated, or REPORT_FORMAT_UNKNOWN to detect it by
 * content.
 *
 * Fills `rep` (format, stats, ops, and on reject the reasons; the caller
 * has called report_init() and fills sha256 and bytes itself).
 * On accept, *ret_canon receives a malloc'd canonical re-serialisation and
 * *ret_canon_len its length (never 0); on reject they are left untouched.
 *
 * Returns 0 when a verdict was reached (accept or reject, see rep->verdict),
 * or -errno on an internal failure such as -ENOMEM from the system (not from
 * a model limit, which is a reject).
 */
int	model_parse(const uint8_t *buf, size_t len,
	    const struct model_limits *limits, const struct model_udfs *udfs,
	    enum report_format hint, struct report *rep, uint8_t **ret_canon,
	    size_t *ret_canon_len);
