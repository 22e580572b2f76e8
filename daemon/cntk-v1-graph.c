/*
 * cntk-v1-graph.c: the input graph of a CNTK v1 network (role: worker;
 * internal to the model library).
 *
 * BRelation gives each node its inputs by name.  A v1 network may have
 * loops, but only recurrent ones: CNTK evaluates a loop by stepping through
 * time, which needs a PastValue or FutureValue node on it to read the
 * previous (or next) step.  A cycle without one has no evaluation order, so
 * it is refused here rather than left for CNTK to meet.  The walk is
 * iterative (a hostile chain of a million nodes must not exhaust the
 * stack) and its memory is charged to the policy's heap budget.
 */
#include <errno.h>
#include <stdlib.h>

#include "cntk-v1.h"

/* DFS colours. */
enum {
	V1_WHITE = 0,	/* not reached */
	V1_GREY,	/* on the current path */
	V1_BLACK,	/* done: no delay-free cycle through it */
};

/* The first capacity of the edge array; it doubles from there. */
#define V1_EDGES_MIN	64u

/* One frame of the explicit DFS stack: a node and its next input. */
struct v1_frame {
	uint32_t	node;
	uint32_t	next;
};

/* Bytes allocated besides the edges: the canonical copy and the nodes. */
static uint64_t
v1_used(const struct cntk_v1 *c)
{
	return (uint64_t)c->len + (uint64_t)c->n_nodes * sizeof(*c->nodes);
}

int
v1_edge_add(struct cntk_v1 *c, uint32_t to)
{
	uint32_t *e;
	size_t cap;

	if (c->n_edges == c->cap_edges) {
		cap = c->cap_edges == 0 ? V1_EDGES_MIN : 2 * c->cap_edges;
		if ((uint64_t)cap * sizeof(*e) > c->l->max_alloc - v1_used(c))
			return v1_fail(c, REASON_ALLOC_LIMIT,
			    "%zu input references need more than the heap "
			    "budget", cap);
		if ((e = reallocarray(c->edges, cap, sizeof(*e))) == NULL)
			return -ENOMEM;
		c->edges = e;
		c->cap_edges = cap;
	}
	c->edges[c->n_edges++] = to;
	return 0;
}

/* The inputs that count for cycles: none for a delay node. */
static uint32_t
v1_n_inputs(const struct cntk_v1 *c, uint32_t i)
{
	return c->nodes[i].delay ? 0 : c->nodes[i].n_in;
}

static int
v1_cycle(struct cntk_v1 *c, uint32_t at)
{
	char pr[64];

	v1_str_print(&c->nodes[at].name, pr, sizeof(pr));
	return v1_fail(c, REASON_BAD_STRUCTURE,
	    "a cycle through '%s' has no PastValue or FutureValue node", pr);
}

/* Depth-first from root; `colour` and `stack` have n_nodes entries. */
static int
v1_walk(struct cntk_v1 *c, uint32_t root, uint8_t *colour,
    struct v1_frame *stack)
{
	struct v1_frame *top;
	size_t depth = 0;
	uint32_t to;

	stack[depth++] = (struct v1_frame){ root, 0 };
	colour[root] = V1_GREY;
	while (depth > 0) {
		top = &stack[depth - 1];
		if (top->next == v1_n_inputs(c, top->node)) {
			colour[top->node] = V1_BLACK;
			depth--;
			continue;
		}
		to = c->edges[c->nodes[top->node].first + top->next++];
		if (colour[to] == V1_GREY)
			return v1_cycle(c, to);
		if (colour[to] == V1_WHITE) {
			/* Grey nodes are distinct, so depth < n_nodes. */
			colour[to] = V1_GREY;
			stack[depth++] = (struct v1_frame){ to, 0 };
		}
	}
	return 0;
}

int
v1_graph_check(struct cntk_v1 *c)
{
	struct v1_frame *stack = NULL;
	uint8_t *colour = NULL;
	uint64_t need;
	uint32_t i;
	int r = 0;

	need = (uint64_t)c->n_nodes * (sizeof(*stack) + sizeof(*colour));
	if (need > c->l->max_alloc - v1_used(c) -
	    (uint64_t)c->cap_edges * sizeof(*c->edges)) {
		r = v1_fail(c, REASON_ALLOC_LIMIT,
		    "the cycle check needs more than the heap budget");
		goto out;
	}
	if ((colour = calloc(c->n_nodes, sizeof(*colour))) == NULL ||
	    (stack = calloc(c->n_nodes, sizeof(*stack))) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < c->n_nodes && r == 0; i++)
		if (colour[i] == V1_WHITE)
			r = v1_walk(c, i, colour, stack);
out:
	free(stack);
	free(colour);
	return r;
}
