/*
 * safeload-policy.h: the `safeload policy` command (role: client program).
 */
#pragma once

/* safeload policy check FILE | explain FILE [--uid U] [--profile P] */
int	cmd_policy(int argc, char **argv);
