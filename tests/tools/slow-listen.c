/*
 * slow-listen.c: an LD_PRELOAD shim that makes listen() wait (role:
 * tests; fault injection, never installed).
 *
 * Between bind(), which makes a UNIX socket's file, and listen(), which
 * makes it answer, a connect() is refused.  That window is microseconds
 * long; this shim stretches it to SLOW_LISTEN_MS so that a test can show
 * safeloadd never lets a client see the file before it listens.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/socket.h>
#include <time.h>

#define SLOW_LISTEN_MS	300

int	listen(int fd, int backlog);

int
listen(int fd, int backlog)
{
	int (*real)(int, int) = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
	struct timespec ts = { 0, SLOW_LISTEN_MS * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
	return real != NULL ? real(fd, backlog) : -1;
}
