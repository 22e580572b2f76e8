/*
 * fuzz-policy.c: the policy file's pure parser over arbitrary text (role:
 * tests).
 *
 * policy_parse_text() does no I/O and no NSS lookups, so it is called
 * directly: every byte sequence must end in a policy or a FILE:LINE error,
 * never a crash, a leak or a read past the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy p;
	struct policy_err err = { .file = "fuzz" };
	int r;

	policy_init_defaults(&p);
	r = policy_parse_text((const char *)data, size, &p, &err);
	/* The parser's promise: an error always names a line and a reason. */
	if (r < 0 && (err.line == 0 || err.msg[0] == '\0'))
		abort();
	return 0;
}
