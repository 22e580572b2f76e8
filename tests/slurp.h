/*
 * slurp.h: read a whole test input file into memory (role: tests).
 *
 * The buffer is malloc'd with exactly the file's bytes (plus one, so an
 * empty file still gets a pointer); NULL if it cannot be read.
 */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((unused)) static uint8_t *
slurp(const char *path, size_t *ret_len)
{
	FILE *f;
	uint8_t *p = NULL;
	long n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)n + 1)) != NULL &&
	    fread(p, 1, (size_t)n, f) == (size_t)n)
		*ret_len = (size_t)n;
	else {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}
