/*
 * fuzz-wire.c: every wire decoder over arbitrary datagrams (role: tests).
 *
 * The first byte picks whether an fd "arrived" with the datagram, so the
 * fd-presence rules are exercised too; no real fd is used.
 */
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_msg m;
	struct wire_check c;
	struct wire_work w;
	struct wire_error e;
	static struct wire_status s;
	static struct report r;
	int fd;

	if (size < 1)
		return 0;
	fd = data[0] & 1 ? 1000 : -1;	/* a number, never used as an fd */
	if (wire_decode(data + 1, size - 1, fd, &m) < 0)
		return 0;
	(void)wire_decode_check(&m, &c);
	(void)wire_decode_work(&m, &w);
	(void)wire_decode_error(&m, &e);
	(void)wire_decode_status(&m, &s);
	(void)wire_decode_result(&m, &r);
	return 0;
}
