/*
 * test-sha256.c: SHA-256 against the FIPS 180-4 examples (role: tests).
 */
#include <string.h>

#include "sha256.h"
#include "tap.h"

static int
check(const void *p, size_t n, const char *want)
{
	uint8_t d[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];

	sha256(p, n, d);
	sha256_hex(d, hex);
	return strcmp(hex, want) == 0;
}

int
main(void)
{
	static uint8_t million[1000000];
	struct sha256 s;
	uint8_t d1[SHA256_LEN], d2[SHA256_LEN];
	size_t i;

	ok(check("", 0, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855"), "empty string");
	ok(check("abc", 3, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad"), "abc");
	ok(check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1"), "two-block message");
	memset(million, 'a', sizeof(million));
	ok(check(million, sizeof(million), "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0"), "one million 'a'");
	/* Feeding in odd pieces must not change the digest. */
	sha256_init(&s);
	for (i = 0; i < sizeof(million); i += 777)
		sha256_update(&s, million + i,
		    sizeof(million) - i < 777 ? sizeof(million) - i : 777);
	sha256_final(&s, d1);
	sha256(million, sizeof(million), d2);
	ok(memcmp(d1, d2, sizeof(d1)) == 0, "incremental equals one-shot");
	return tap_done();
}
