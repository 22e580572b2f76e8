/*
 * fuzz-onnx.c: model_parse() on bytes stated to be ONNX (role: tests).
 *
 * The ONNX path called directly, with no fork and no sandbox: the format
 * hint keeps a fuzzer on the walk by onnx-walk.c's tables and the checks
 * behind it instead of the other formats.  The seeds in corpus/onnx are
 * written by the unit tests (`test-onnx --seeds DIR`,
 * `test-onnx-graph --seeds DIR`), one per case they check.
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
	if (model_parse(data, size, &l, NULL, REPORT_FORMAT_ONNX, &rep, &canon,
	    &n) < 0 || rep.verdict != REPORT_ACCEPT)
		return 0;
	/* Property: the canonical form is accepted and is a fixed point. */
	report_init(&rep);
	if (model_parse(canon, n, &l, NULL, REPORT_FORMAT_ONNX, &rep, &again,
	    &m) < 0 || rep.verdict != REPORT_ACCEPT || m != n ||
	    memcmp(canon, again, n) != 0)
		abort();
	free(canon);
	free(again);
	return 0;
}
