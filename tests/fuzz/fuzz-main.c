/*
 * fuzz-main.c: replay driver for the fuzz targets (role: tests).
 *
 * Linked with one fuzz-<target>.c, it feeds every file named on the command
 * line (directories are walked one level) to LLVMFuzzerTestOneInput(), so
 * each corpus, and every crash ever found, is re-run by `meson test`.
 * Prints TAP: one point per input.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tap.h"

#define FUZZ_INPUT_MAX	(64u * 1024u * 1024u)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *f;
	uint8_t *buf;
	struct stat st;
	size_t n;

	if (stat(path, &st) < 0 || (uint64_t)st.st_size > FUZZ_INPUT_MAX)
		return ok(0, "%s: cannot stat or too large", path);
	if ((f = fopen(path, "rb")) == NULL)
		return ok(0, "%s: %s", path, strerror(errno));
	/* Exact-size heap copy so ASan sees any read past the end. */
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	n = buf != NULL ? fread(buf, 1, (size_t)st.st_size, f) : 0;
	fclose(f);
	if (buf == NULL || n != (size_t)st.st_size) {
		free(buf);
		return ok(0, "%s: short read", path);
	}
	(void)LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return ok(1, "%s", path);
}

static void
replay_dir(const char *dir)
{
	struct dirent **names;
	struct stat st;
	char path[4096];
	int i, n;

	if ((n = scandir(dir, &names, NULL, alphasort)) < 0) {
		ok(0, "%s: %s", dir, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]->d_name);
		/* Only regular files: build directories hold object dirs. */
		if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode))
			replay_file(path);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	struct stat st;
	int i;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			replay_dir(argv[i]);
		else
			replay_file(argv[i]);
	}
	return tap_done();
}
