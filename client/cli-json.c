/*
 * cli-json.c: JSON string quoting for the `safeload` command (role:
 * client program).
 *
 * File names are whatever the user typed and reason messages come from a
 * worker that read an attacker's file: every string goes through
 * cli_json_string(), so the output is valid JSON and valid UTF-8.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "utf8.h"

static void
json_char(FILE *f, unsigned char c)
{
	switch (c) {
	case '"': fputs("\\\"", f); break;
	case '\\': fputs("\\\\", f); break;
	case '\n': fputs("\\n", f); break;
	case '\r': fputs("\\r", f); break;
	case '\t': fputs("\\t", f); break;
	default:
		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

void
cli_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = s != NULL ? strlen(s) : 0, n;

	fputc('"', f);
	for (; left > 0; p += n, left -= n) {
		if ((n = utf8_seq_len(p, left)) == 0) {
			fputs("\\ufffd", f);
			n = 1;
		} else if (n == 1)
			json_char(f, *p);
		else
			fwrite(p, 1, n, f);
	}
	fputc('"', f);
}
