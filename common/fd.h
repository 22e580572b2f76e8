/*
 * fd.h: file descriptor helpers (role: library).
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* close(*fd) if >= 0, keeping errno, then set *fd = -1. */
void	fd_close_safe(int *fd);
/* Read exactly n bytes; -EIO on early end of file, -errno on error. */
int	fd_read_full(int fd, void *p, size_t n);
/* Write exactly n bytes, retrying short writes and EINTR. */
int	fd_write_full(int fd, const void *p, size_t n);
/*
 * Make `fd` appear as `target` without CLOEXEC (for a child about to exec).
 * If fd == target the CLOEXEC flag is cleared instead.
 */
int	fd_move_to(int fd, int target);
/* Close every fd >= lowfd. */
int	fd_closefrom(int lowfd);
/*
 * Read at most cap - 1 bytes of /proc/PID/WHAT into out, NUL-terminated
 * (empty on a read error).  For the small status files the sandbox checks
 * are made from.  Returns 0 or -errno.
 */
int	fd_read_proc(pid_t pid, const char *what, char *out, size_t cap);
/* Set or clear O_NONBLOCK. */
int	fd_set_nonblock(int fd, int on);
