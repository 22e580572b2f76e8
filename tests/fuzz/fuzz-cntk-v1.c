/*
 * fuzz-cntk-v1.c: the CNTK v1 reader over arbitrary bytes (role: tests).
 *
 * cntk_v1_parse() is called directly, without format detection, so that
 * every input reaches the v1 reader.  Limits are the defaults with a
 * smaller heap budget, so that the fuzzer explores the limit paths.
 * Property: v1 re-encodes each value it read in the encoding it was read
 * in, so an accepted input's canonical copy is the input itself, and
 * parsing it again gives it back unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cntk-v1.h"

#define FUZZ_ALLOC_MAX	(64u * 1024u * 1024u)

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
	if (cntk_v1_parse(data, size, &l, &rep, &canon, &n) < 0 ||
	    rep.verdict != REPORT_ACCEPT) {
		free(canon);
		return 0;
	}
	if (n != size || memcmp(canon, data, n) != 0)
		abort();
	report_init(&rep);
	if (cntk_v1_parse(canon, n, &l, &rep, &again, &m) < 0 ||
	    rep.verdict != REPORT_ACCEPT || m != n ||
	    memcmp(canon, again, n) != 0)
		abort();
	free(canon);
	free(again);
	return 0;
}
