/*
 * sandbox-internal.h: the optional kernel layers of sandbox-layers.c, for
 * sandbox.c only (role: worker).
 */
#pragma once

#include <stdint.h>

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
