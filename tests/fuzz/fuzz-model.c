/*
 * fuzz-model.c: model_parse() over arbitrary bytes (role: tests).
 *
 * The worker's whole parsing surface, called directly with no fork and no
 * sandbox.  Limits are the defaults, except a smaller heap budget so that
 * a fuzzer explores the limit paths instead of allocating gigabytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define FUZZ_ALLOC_MAX	(256u * 1024u * 1024u)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model_limits l;
	static struct report rep;
	uint8_t *canon = NULL, *again = NULL;
	size_t n = 0, m = 0;

	model_limits_default(&l);
	l.max_alloc = FUZZ_ALLOC_MAX;
	report_init(&rep);
	if (model_parse(data, size, &l, REPORT_FORMAT_UNKNOWN, &rep, &canon,
	    &n) < 0 || rep.verdict != REPORT_ACCEPT)
		return 0;
	/* Property: the canonical form is a fixed point. */
	report_init(&rep);
	if (model_parse(canon, n, &l, REPORT_FORMAT_UNKNOWN, &rep, &again,
	    &m) < 0 || rep.verdict != REPORT_ACCEPT || m != n ||
	    memcmp(canon, again, n) != 0)
		abort();
	free(canon);
	free(again);
	return 0;
}
