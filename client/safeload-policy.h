/*
 * safeload-policy.h: the `safeload policy` command (role: client program).
 */
#pragma once

/* safeload policy check FILE | explain FILE [--uid U] [--profile P] */
int	cmd_policy(int argc, char **argv);

struct sl_client;

/*
 * Read a minisign signature file (at most 1024 bytes) and send it with
 * the next check on c.  0 or -errno.
 */
int	cli_set_signature(struct sl_client *c, const char *path);
