/*
 * test-utf8.c: utf8_seq_len(), the one UTF-8 check of the worker's wire
 * walk and the client's JSON output (role: tests).
 */
#include <string.h>

#include "tap.h"
#include "utf8.h"

static const struct {
	const char	*bytes;
	size_t		 n;	/* bytes available; 0: strlen, at least 1 */
	size_t		 want;
	const char	*what;
} cases[] = {
	{ "a", 0, 1, "ASCII" },
	{ "", 1, 1, "NUL is one byte (callers refuse it)" },
	{ "\xc2\x80", 0, 2, "U+0080, the first 2-byte form" },
	{ "\xe2\x82\xac", 0, 3, "U+20AC" },
	{ "\xf0\x9f\x98\x80", 0, 4, "U+1F600" },
	{ "\xf4\x8f\xbf\xbf", 0, 4, "U+10FFFF, the last" },
	{ "\xc0\x80", 0, 0, "overlong NUL (C0 lead)" },
	{ "\xc1\xbf", 0, 0, "overlong (C1 lead)" },
	{ "\xe0\x9f\xbf", 0, 0, "overlong 3-byte" },
	{ "\xf0\x8f\xbf\xbf", 0, 0, "overlong 4-byte" },
	{ "\xed\xa0\x80", 0, 0, "surrogate U+D800" },
	{ "\xed\xbf\xbf", 0, 0, "surrogate U+DFFF" },
	{ "\xf4\x90\x80\x80", 0, 0, "beyond U+10FFFF" },
	{ "\xf5\x80\x80\x80", 0, 0, "F5 lead" },
	{ "\x80", 0, 0, "a lone continuation byte" },
	{ "\xe2\x28\xa1", 0, 0, "a bad continuation byte" },
	{ "\xe2\x82\xac", 2, 0, "cut short by n" },
};

int
main(void)
{
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = cases[i].n != 0 ? cases[i].n : strlen(cases[i].bytes);
		ok(utf8_seq_len((const uint8_t *)cases[i].bytes, n) ==
		    cases[i].want, "%s: %zu", cases[i].what, cases[i].want);
	}
	return tap_done();
}
