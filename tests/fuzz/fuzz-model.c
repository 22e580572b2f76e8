/*
 * fuzz-model.c: model_parse() over arbitrary bytes (role: tests).
 *
 * The worker's whole parsing surface, called directly with no fork and no
 * sandbox.  Limits are the defaults, except a smaller heap budget so that
 * a fuzzer explores the limit paths instead of allocating gigabytes.
 *
 * For every accepted input the canonical output must round-trip: accepted
 * again, byte for byte the same (idempotent), and saying the same thing
 * (format, functions, parameters, constants, op histogram).  Each input
 * runs twice: under the default (no user-defined function admitted) and
 * under a profile that admits two UDFs by name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define FUZZ_ALLOC_MAX	(256u * 1024u * 1024u)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The parts of a report that must survive canonicalisation. */
static int
same_content(const struct report *a, const struct report *b)
{
	size_t i;

	if (a->format != b->format ||
	    a->stats.functions != b->stats.functions ||
	    a->stats.parameters != b->stats.parameters ||
	    a->stats.constants != b->stats.constants || a->n_ops != b->n_ops)
		return 0;
	for (i = 0; i < a->n_ops; i++)
		if (strcmp(a->ops[i].name, b->ops[i].name) != 0 ||
		    a->ops[i].count != b->ops[i].count)
			return 0;
	return 1;
}

static void
one_input(const uint8_t *data, size_t size, const struct model_udfs *udfs)
{
	struct model_limits l;
	static struct report rep, again_rep;
	uint8_t *canon = NULL, *again = NULL;
	size_t n = 0, m = 0;

	model_limits_default(&l);
	l.max_alloc = FUZZ_ALLOC_MAX;
	report_init(&rep);
	if (model_parse(data, size, &l, udfs, REPORT_FORMAT_UNKNOWN, &rep,
	    &canon, &n) < 0 || rep.verdict != REPORT_ACCEPT)
		return;
	/* Property: the canonical form is a fixed point with the same content. */
	report_init(&again_rep);
	if (model_parse(canon, n, &l, udfs, REPORT_FORMAT_UNKNOWN,
	    &again_rep, &again, &m) < 0 ||
	    again_rep.verdict != REPORT_ACCEPT || m != n ||
	    memcmp(canon, again, n) != 0 || !same_content(&rep, &again_rep))
		abort();
	free(canon);
	free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct model_udfs udfs = { 2,
	    { "mylayers.Gelu", "libmyop:CreateMyOp" } };

	one_input(data, size, NULL);
	one_input(data, size, &udfs);
	return 0;
}
