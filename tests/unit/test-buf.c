/*
 * test-buf.c: the bounded buffer (role: tests).
 */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "safeload-limits.h"
#include "tap.h"

static void
test_roundtrip(void)
{
	uint8_t mem[64];
	struct buf w, r;
	uint8_t u8 = 0;
	uint32_t u32 = 0;
	uint64_t u64 = 0;
	char s[8];

	buf_init(&w, mem, sizeof(mem));
	buf_put_u8(&w, 0xab);
	buf_put_u32(&w, 0x01020304);
	buf_put_u64(&w, 0x1122334455667788ull);
	buf_put_str(&w, "hello", 5);
	ok(buf_error(&w) == 0 && w.len == 1 + 4 + 8 + 4 + 5, "puts fit");
	ok(mem[1] == 0x04 && mem[4] == 0x01, "u32 is little-endian");
	buf_init_ro(&r, mem, w.len);
	buf_get_u8(&r, &u8);
	buf_get_u32(&r, &u32);
	buf_get_u64(&r, &u64);
	buf_get_str(&r, s, sizeof(s));
	ok(u8 == 0xab && u32 == 0x01020304 && u64 == 0x1122334455667788ull,
	    "integers round-trip");
	ok(strcmp(s, "hello") == 0, "string round-trips");
	ok(buf_end(&r) == 0, "buf_end: all consumed");
}

static void
test_overruns(void)
{
	uint8_t mem[4] = { 1, 2, 3, 4 };
	struct buf b;
	uint64_t v;
	uint32_t u;

	buf_init(&b, mem, 3);
	ok(buf_put_u32(&b, 1) == -ENOBUFS, "write overrun is -ENOBUFS");
	ok(buf_put_u8(&b, 1) == -ENOBUFS, "errors are sticky");
	buf_init_ro(&b, mem, 4);
	ok(buf_get_u64(&b, &v) == -EBADMSG, "read overrun is -EBADMSG");
	ok(buf_get_u32(&b, &u) == -EBADMSG, "read errors are sticky");
	buf_init_ro(&b, mem, 4);
	buf_get_u8(&b, mem);
	ok(buf_end(&b) == -EBADMSG, "buf_end: trailing bytes are an error");
	buf_init_ro(&b, mem, 0);
	ok(buf_put_u8(&b, 1) == -ENOBUFS, "read-only buffer refuses writes");
}

static void
test_strings(void)
{
	uint8_t mem[32];
	struct buf w, r;
	char s[4];

	buf_init(&w, mem, sizeof(mem));
	buf_put_str(&w, "abcd", 4);
	buf_init_ro(&r, mem, w.len);
	ok(buf_get_str(&r, s, sizeof(s)) == -EBADMSG,
	    "a string longer than the destination fails");
	buf_init(&w, mem, sizeof(mem));
	buf_put_str(&w, "a\nb", 3);
	buf_init_ro(&r, mem, w.len);
	ok(buf_get_str(&r, s, sizeof(s)) == -EBADMSG,
	    "control characters are refused");
	buf_init(&w, mem, sizeof(mem));
	buf_put_str(&w, "a\0b", 3);
	buf_init_ro(&r, mem, w.len);
	ok(buf_get_str(&r, s, sizeof(s)) == -EBADMSG, "NUL is refused");
	buf_init(&w, mem, sizeof(mem));
	buf_put_u32(&w, 0xffffffffu);
	buf_init_ro(&r, mem, w.len);
	ok(buf_get_str(&r, s, sizeof(s)) == -EBADMSG,
	    "a huge declared length fails without reading");
	buf_init(&w, mem, sizeof(mem));
	ok(buf_put_str(&w, "x", WIRE_STR_MAX + 1) == -ENOBUFS,
	    "strings over WIRE_STR_MAX are not written");
}

int
main(void)
{
	test_roundtrip();
	test_overruns();
	test_strings();
	return tap_done();
}
