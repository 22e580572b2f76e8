/*
 * fd.c: file descriptor helpers (role: library).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd.h"

void
fd_close_safe(int *fd)
{
	int saved = errno;

	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
	errno = saved;
}

int
fd_read_full(int fd, void *p, size_t n)
{
	char *c = p;
	ssize_t k;

	while (n > 0) {
		k = read(fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EIO;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

int
fd_write_full(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t k;

	while (n > 0) {
		k = write(fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EIO;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

int
fd_move_to(int fd, int target)
{
	int flags;

	if (fd == target) {
		if ((flags = fcntl(fd, F_GETFD)) < 0 ||
		    fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
			return -errno;
		return 0;
	}
	/* dup2 (not dup3) clears CLOEXEC on the copy: that is the point. */
	if (dup2(fd, target) < 0)
		return -errno;
	return 0;
}

/* Fallback for kernels without close_range(2): walk /proc/self/fd. */
static int
fd_closefrom_proc(int lowfd)
{
	DIR *d;
	struct dirent *de;
	int fd;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		fd = atoi(de->d_name);
		if (de->d_name[0] >= '0' && de->d_name[0] <= '9' &&
		    fd >= lowfd && fd != dirfd(d))
			(void)close(fd);
	}
	(void)closedir(d);
	return 0;
}

int
fd_closefrom(int lowfd)
{
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0u, 0u) == 0)
		return 0;
	return fd_closefrom_proc(lowfd);
}

int
fd_read_proc(pid_t pid, const char *what, char *out, size_t cap)
{
	char path[64];
	ssize_t n;
	int fd, r = 0;

	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if ((n = read(fd, out, cap - 1)) < 0)
		r = -errno;
	out[n < 0 ? 0 : n] = '\0';
	(void)close(fd);
	return r;
}

int
fd_set_nonblock(int fd, int on)
{
	int flags;

	if ((flags = fcntl(fd, F_GETFL)) < 0)
		return -errno;
	flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	if (fcntl(fd, F_SETFL, flags) < 0)
		return -errno;
	return 0;
}
