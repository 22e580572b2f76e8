/*
 * protowalk.h: the bounded pre-decode walk of a CNTK v2 Dictionary (role:
 * worker).
 *
 * protobuf-c has no recursion limit and trusts lengths until it allocates,
 * so every CNTK input is walked here first, iteratively and with a fixed
 * stack, before protobuf-c sees it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model-limits.h"
#include "protowire.h"
#include "report.h"

/*
 * Walk buf as a CNTK.proto.Dictionary under `l`: depth (max_depth), items
 * of repeated fields per message (max_entries; tensor values count against
 * max_elements for the whole model instead), string bytes (max_string;
 * also UTF-8 without NUL), wire types of known fields, known singular and
 * oneof fields at most once.  Unknown fields are skipped.
 *
 * Returns 0 and *ret_depth (deepest message level, top = 1) when the walk
 * passes; -EBADMSG after report_reject() on `rep` otherwise.
 */
int	pw_walk_cntk(const uint8_t *buf, size_t len,
	    const struct model_limits *l, struct report *rep,
	    uint64_t *ret_depth);
