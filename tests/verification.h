/*
 * verification.h: read ../shared/corpus/real/verification.json, what an
 * independent decoder saw in each real model (role: tests; header-only,
 * included by test-model.c and test-cntk-v1.c).
 *
 * Not a JSON parser: the file's layout is fixed ("kind" just before "file"
 * in each entry, numbers as `"name": N`, the op histogram as one flat
 * "ops" object), and these read exactly that.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "slurp.h"
#include "tap.h"

/*
 * Called once per entry: the model's path, its file name, its kind, and
 * the entry's text [p, end) for json_num() and ops_match().
 */
typedef void verification_fn(const char *path, const char *file,
    const char *kind, const char *p, const char *end, void *arg);

/* The number after `"name": ` in [p, end), or -1. */
__attribute__((unused)) static long long
json_num(const char *p, const char *end, const char *name)
{
	char pat[96];
	const char *q;

	snprintf(pat, sizeof(pat), "\"%s\": ", name);
	if ((q = strstr(p, pat)) == NULL || q >= end)
		return -1;
	return strtoll(q + strlen(pat), NULL, 10);
}

/* The report's op histogram equals the "ops" object in [p, end). */
__attribute__((unused)) static bool
ops_match(const struct report *rep, const char *p, const char *end)
{
	char name[REPORT_OP_NAME_MAX + 1];
	const char *q, *close;
	size_t i, seen = 0;
	long long n;

	if ((q = strstr(p, "\"ops\": {")) == NULL || q >= end ||
	    (close = strchr(q, '}')) == NULL)
		return false;
	for (q += strlen("\"ops\": {"); q < close; seen++) {
		if (sscanf(q, " \"%48[^\"]\": %lld", name, &n) != 2)
			return false;
		for (i = 0; i < rep->n_ops; i++)
			if (strcmp(rep->ops[i].name, name) == 0)
				break;
		if (i == rep->n_ops || rep->ops[i].count != (uint64_t)n)
			return false;
		if ((q = strchr(q, ',')) == NULL || q > close)
			q = close;
		else
			q++;
	}
	return seen == rep->n_ops;
}

/* fn for every entry of DIR/verification.json; a TAP skip if it is absent. */
__attribute__((unused)) static void
verification_each(const char *dir, verification_fn *fn, void *arg)
{
	char path[4096], file[512], kind[32], jpath[4096];
	const char *p, *next, *k;
	uint8_t *json;
	size_t n = 0;

	snprintf(jpath, sizeof(jpath), "%s/verification.json", dir);
	if ((json = slurp(jpath, &n)) == NULL) {
		tap_skip("no %s", jpath);
		return;
	}
	json[n] = '\0';
	for (p = strstr((char *)json, "\"file\": \""); p != NULL; p = next) {
		next = strstr(p + 1, "\"file\": \"");
		/* "kind" comes just before "file" in each entry. */
		for (k = p; k > (char *)json &&
		    strncmp(k, "\"kind\": \"", 9) != 0; k--)
			;
		if (sscanf(p, "\"file\": \"%511[^\"]\"", file) != 1 ||
		    sscanf(k, "\"kind\": \"%31[^\"]\"", kind) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		fn(path, file, kind, p, next != NULL ? next : p + strlen(p),
		    arg);
	}
	free(json);
}
