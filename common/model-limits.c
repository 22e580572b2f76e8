/*
 * model-limits.c: default and sanity check of model limits (role: library).
 */
#include <errno.h>

#include "safeload-limits.h"
#include "model-limits.h"

void
model_limits_default(struct model_limits *ret)
{
	ret->max_bytes = MODEL_MAX_BYTES;
	ret->max_elements = MODEL_MAX_ELEMENTS;
	ret->max_alloc = (uint64_t)MODEL_ALLOC_FACTOR * MODEL_MAX_BYTES +
	    MODEL_ALLOC_SLACK;
	ret->max_depth = MODEL_MAX_DEPTH;
	ret->max_nodes = MODEL_MAX_NODES;
	ret->max_string = MODEL_MAX_STRING;
	ret->max_entries = MODEL_MAX_ENTRIES;
	ret->max_graph_steps = MODEL_GRAPH_STEPS_MAX;
	ret->max_dynamic_axes = MODEL_MAX_DYNAMIC_AXES;
}

int
model_limits_check(const struct model_limits *l)
{
	struct model_limits c;

	model_limits_default(&c);
	if (l->max_bytes == 0 || l->max_bytes > c.max_bytes ||
	    l->max_elements == 0 || l->max_elements > c.max_elements ||
	    l->max_alloc == 0 || l->max_alloc > c.max_alloc ||
	    l->max_depth == 0 || l->max_depth > c.max_depth ||
	    l->max_nodes == 0 || l->max_nodes > c.max_nodes ||
	    l->max_string == 0 || l->max_string > c.max_string ||
	    l->max_entries == 0 || l->max_entries > c.max_entries ||
	    l->max_graph_steps == 0 || l->max_graph_steps > c.max_graph_steps ||
	    l->max_dynamic_axes == 0 ||
	    l->max_dynamic_axes > c.max_dynamic_axes)
		return -EINVAL;
	return 0;
}
