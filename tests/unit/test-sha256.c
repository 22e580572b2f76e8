/*
 * test-sha256.c: SHA-256 against the FIPS 180-4 examples, and the SHA-NI
 * path against the portable one (role: tests).
 */
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"
#include "tap.h"

/* Large enough for the "few MB" lengths plus an odd start offset. */
#define RAND_LEN	(5u << 20)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: reproducible across runs, so a failure can be replayed. */
static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static int
check(const void *p, size_t n, const char *want)
{
	uint8_t d[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];

	sha256(p, n, d);
	sha256_hex(d, hex);
	return strcmp(hex, want) == 0;
}

/* The FIPS 180-4 examples, on whichever path is selected now. */
static void
fips_vectors(const char *path)
{
	static uint8_t million[1000000];
	struct sha256 s;
	uint8_t d1[SHA256_LEN], d2[SHA256_LEN];
	size_t i;

	ok(check("", 0, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855"), "%s: empty string", path);
	ok(check("abc", 3, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad"), "%s: abc", path);
	ok(check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1"), "%s: two-block message",
	    path);
	memset(million, 'a', sizeof(million));
	ok(check(million, sizeof(million), "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0"), "%s: one million 'a'", path);
	/* Feeding in odd pieces must not change the digest. */
	sha256_init(&s);
	for (i = 0; i < sizeof(million); i += 777)
		sha256_update(&s, million + i,
		    sizeof(million) - i < 777 ? sizeof(million) - i : 777);
	sha256_final(&s, d1);
	sha256(million, sizeof(million), d2);
	ok(memcmp(d1, d2, sizeof(d1)) == 0, "%s: incremental equals one-shot",
	    path);
}

/* One-shot digests of p[0..n) on the portable and the selected path. */
static int
paths_agree(const uint8_t *p, size_t n)
{
	uint8_t want[SHA256_LEN], got[SHA256_LEN];

	sha256_force_portable(1);
	sha256(p, n, want);
	sha256_force_portable(0);
	sha256(p, n, got);
	return memcmp(want, got, SHA256_LEN) == 0;
}

/*
 * Every length up to 4096 (all tail sizes, one- and two-block padding)
 * and a few multi-megabyte ones, each from a random, often unaligned,
 * start.
 */
static void
random_lengths(const uint8_t *buf)
{
	size_t n, off, bad = 0, badn = 0;
	unsigned i;

	for (n = 0; n <= 4096; n++) {
		off = (size_t)(rng() % 64);
		if (!paths_agree(buf + off, n) && bad++ == 0)
			badn = n;
	}
	ok(bad == 0, "paths agree on lengths 0..4096 (%zu differ, first %zu)",
	    bad, badn);
	for (i = 0; i < 6; i++) {
		n = (1u << 20) + (size_t)(rng() % (3u << 20));
		off = (size_t)(rng() % 64);
		ok(paths_agree(buf + off, n),
		    "paths agree on %zu bytes at +%zu", n, off);
	}
}

/* Digest of p[0..n) fed as p[0..i), p[i..j), p[j..n). */
static void
split3(const uint8_t *p, size_t n, size_t i, size_t j,
    uint8_t out[SHA256_LEN])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, p, i);
	sha256_update(&s, p + i, j - i);
	sha256_update(&s, p + j, n - j);
	sha256_final(&s, out);
}

/*
 * Every pair of split points of messages up to 300 bytes, so that the
 * buffered partial block meets the multi-block call at every offset;
 * compared with the portable one-shot digest.
 */
static void
split_points(const uint8_t *buf)
{
	uint8_t want[SHA256_LEN], got[SHA256_LEN];
	size_t n, i, j, bad = 0, tried = 0;

	for (n = 0; n <= 300; n += n < 140 ? 1 : 37) {
		sha256_force_portable(1);
		sha256(buf, n, want);
		sha256_force_portable(0);
		for (i = 0; i <= n; i++) {
			for (j = i; j <= n; j++) {
				split3(buf, n, i, j, got);
				tried++;
				if (memcmp(want, got, SHA256_LEN) != 0)
					bad++;
			}
		}
	}
	ok(bad == 0, "every split of every length agrees (%zu of %zu differ)",
	    bad, tried);
}

/*
 * Switching paths between updates: the SHA-NI path must leave h[] in the
 * same word order as the portable one, or this would diverge.
 */
static void
mixed_paths(const uint8_t *buf)
{
	struct sha256 s;
	uint8_t want[SHA256_LEN], got[SHA256_LEN];
	size_t off, take;
	int portable = 0;

	sha256_force_portable(1);
	sha256(buf, 1u << 20, want);
	sha256_init(&s);
	for (off = 0; off < 1u << 20; off += take) {
		take = (size_t)(rng() % 5000);
		if (take > (1u << 20) - off)
			take = (1u << 20) - off;
		sha256_force_portable(portable);
		portable = !portable;
		sha256_update(&s, buf + off, take);
	}
	sha256_final(&s, got);
	sha256_force_portable(0);
	ok(memcmp(want, got, SHA256_LEN) == 0, "paths alternating mid-stream");
}

/*
 * Hashing (with the path already picked at load time) must need no
 * syscall: the worker does it under seccomp.  Strict mode allows only
 * read, write, exit and sigreturn, and kills on anything else.
 */
static void
no_syscalls(const uint8_t *buf)
{
	uint8_t want[SHA256_LEN], got[SHA256_LEN];
	int fds[2], st = 0, done;
	pid_t pid;

	sha256(buf, 1u << 20, want);
	if (pipe(fds) < 0 || (pid = fork()) < 0) {
		ok(0, "pipe/fork for the seccomp check");
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) < 0)
			syscall(SYS_exit, 77);
		sha256(buf, 1u << 20, got);
		if (write(fds[1], got, sizeof(got)) != (ssize_t)sizeof(got))
			syscall(SYS_exit, 1);
		syscall(SYS_exit, 0);
	}
	close(fds[1]);
	done = read(fds[0], got, sizeof(got)) == (ssize_t)sizeof(got);
	close(fds[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		ok(0, "hashing under seccomp strict mode (killed)");
	else if (WEXITSTATUS(st) == 77)
		tap_skip("seccomp strict mode unavailable");
	else
		ok(WEXITSTATUS(st) == 0 && done &&
		    memcmp(want, got, SHA256_LEN) == 0,
		    "hashing under seccomp strict mode");
}

/* Say in the log whether the comparisons below test two paths or one. */
static void
note_cpu(void)
{
	char line[4096];
	FILE *f;
	int sha = 0;

	if ((f = fopen("/proc/cpuinfo", "r")) == NULL)
		return;
	while (!sha && fgets(line, sizeof(line), f) != NULL)
		sha = strncmp(line, "flags", 5) == 0 &&
		    strstr(line, " sha_ni") != NULL;
	fclose(f);
	if (!sha)
		tap_diag("no sha_ni: both paths below are the portable one");
}

int
main(void)
{
	uint8_t *buf;
	size_t i;

	note_cpu();
	fips_vectors("selected");
	sha256_force_portable(1);
	fips_vectors("portable");
	sha256_force_portable(0);
	if ((buf = malloc(RAND_LEN)) == NULL)
		tap_skip_all("out of memory");
	for (i = 0; i < RAND_LEN; i++)
		buf[i] = (uint8_t)(rng() >> 56);
	random_lengths(buf);
	split_points(buf);
	mixed_paths(buf);
	no_syscalls(buf);
	free(buf);
	return tap_done();
}
