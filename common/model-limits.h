/*
 * model-limits.h: the limits one model is checked under (role: library).
 *
 * The supervisor takes them from the policy profile and sends them to the
 * worker in WIRE_REQ_WORK; the worker's parsers obey them.  Each is at most
 * the ceiling of the same name in limits.h.
 */
#pragma once

#include <stdint.h>

struct model_limits {
	uint64_t	max_bytes;	/* input file size */
	uint64_t	max_elements;	/* tensor elements in the whole model */
	uint64_t	max_alloc;	/* decoder heap budget, bytes */
	uint32_t	max_depth;	/* message nesting */
	uint32_t	max_nodes;	/* functions + variables */
	uint32_t	max_string;	/* one string, bytes */
	uint32_t	max_entries;	/* repeated items in one message */
	uint64_t	max_graph_steps;	/* v2 block argument walks */
	uint32_t	max_dynamic_axes;	/* of one v2 variable */
};

/* The ceilings from limits.h. */
void	model_limits_default(struct model_limits *ret);
/* 0 if every limit is non-zero and within its ceiling, else -EINVAL. */
int	model_limits_check(const struct model_limits *l);
