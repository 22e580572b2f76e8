/*
 * listener.c: bind or inherit the listening socket (role: supervisor,
 * startup only).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fd.h"
#include "listener.h"

#define LISTENER_BACKLOG	128
#define SD_LISTEN_FDS_START	3

static int
listener_check(int fd)
{
	int type = 0, domain = 0;
	socklen_t l = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0)
		return -errno;
	l = sizeof(domain);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &l) < 0)
		return -errno;
	if (type != SOCK_SEQPACKET || domain != AF_UNIX)
		return -EINVAL;
	return 0;
}

int
listener_from_systemd(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int fd = SD_LISTEN_FDS_START, r;

	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	if (pid == NULL || fds == NULL || atol(pid) != (long)getpid())
		return -1;
	if (strcmp(fds, "1") != 0)
		return -EINVAL;
	if ((r = listener_check(fd)) < 0)
		return r;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || fd_set_nonblock(fd, 1) < 0)
		return -errno;
	return fd;
}

/* Is somebody serving on this path?  Only then is it not ours to remove. */
static int
listener_in_use(const struct sockaddr_un *sa)
{
	int s, r;

	if ((s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return 1;
	r = connect(s, (const struct sockaddr *)sa, sizeof(*sa));
	(void)close(s);
	return r == 0 || errno != ECONNREFUSED;
}

static int
listener_prepare_path(const struct sockaddr_un *sa)
{
	struct stat st;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	if (listener_in_use(sa))
		return -EADDRINUSE;
	if (unlink(sa->sun_path) < 0)
		return -errno;
	return 0;
}

/*
 * bind() makes the socket file and only listen() makes it answer: a
 * client that sees the file in between is refused.  So the socket is
 * bound under a temporary name beside the real one, listens, and is then
 * renamed into place (atomically): the path exists only once it serves.
 */
int
listener_bind(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX },
	    tmp = { .sun_family = AF_UNIX };
	mode_t old;
	int fd = -1, r;

	if ((size_t)snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s.%ld.tmp",
	    path, (long)getpid()) >= sizeof(tmp.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((r = listener_prepare_path(&sa)) < 0)
		return r;
	(void)unlink(tmp.sun_path);	/* a crashed start of ours, same pid */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	old = umask(0111);
	r = bind(fd, (struct sockaddr *)&tmp, sizeof(tmp));
	(void)umask(old);
	if (r < 0 || listen(fd, LISTENER_BACKLOG) < 0 ||
	    rename(tmp.sun_path, sa.sun_path) < 0) {
		r = -errno;
		(void)unlink(tmp.sun_path);
		fd_close_safe(&fd);
		return r;
	}
	return fd;
}
