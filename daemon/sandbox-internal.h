/*
 * sandbox-internal.h: the optional kernel layers of sandbox-layers.c, for
 * sandbox.c only (role: worker).
 */
#pragma once

#include <stdint.h>

#include "asan.h"


/* SANDBOX_PIDNS if the spawn put us in our own PID namespace. */
void	sandbox_pidns(uint32_t *layers);
/* New mount, network, IPC, UTS and cgroup namespaces (needs a capability). */
void	sandbox_unshare_ns(uint32_t *layers);
/* A new user namespace; the others inside it if not yet entered. */
void	sandbox_userns(uint32_t *layers);
/* Empty the bounding set (needs CAP_SETPCAP) and read it back. */
int	sandbox_bounding_zero(void);
/* No capability in any set; 0 or -errno. */
int	sandbox_caps_zero(void);
/* Landlock with no filesystem access; 0 (maybe no bit set) or -errno. */
int	sandbox_landlock(uint32_t *layers);

/*
 * sandbox-filter.c: compile the allowlist with libseccomp and write the
 * BPF program (struct sock_filter[]) to fd.  Build time only.
 */
int	sandbox_filter_compile(int fd);
