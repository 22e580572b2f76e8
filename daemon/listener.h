/*
 * listener.h: the supervisor's listening socket (role: supervisor).
 */
#pragma once

/*
 * The socket systemd passed (LISTEN_PID/LISTEN_FDS, exactly one), or -1
 * when none was passed.  Clears the LISTEN_* variables so they cannot reach
 * a worker.  -EINVAL when systemd passed something other than one
 * SOCK_SEQPACKET AF_UNIX socket.
 */
int	listener_from_systemd(void);
/*
 * Bind and listen on `path` (SOCK_SEQPACKET, mode 0666: access is decided
 * per peer by the policy, not by file modes).  A stale socket left by a
 * dead daemon is replaced; a live one is an error (-EADDRINUSE).
 */
int	listener_bind(const char *path);
