/*
 * cli.h: pieces of the `safeload` command shared between its files (role:
 * client program; uses only the public API in safeload.h).
 */
#pragma once

#include <stdio.h>

struct sl_result;
struct sarif;

/*
 * Write s as a JSON string, quotes included.  Bytes that are not valid
 * UTF-8 become \ufffd and control characters are escaped, so whatever a
 * worker or a file name says, the output stays valid JSON.
 */
void	cli_json_string(FILE *f, const char *s);

/*
 * Print the daemon's "key: value\n" status text as is (text), as one
 * JSON object (json) or in the Prometheus text exposition format
 * (prometheus).  Returns 0, or -ENOMEM.
 */
int	cli_status_print(FILE *f, const char *text, const char *format);

/*
 * A SARIF 2.1.0 log of one `safeload check` run.  sarif_new() returns
 * NULL when out of memory.  sarif_add_result() records a verdict,
 * sarif_add_error() a file that got none; sarif_finish() writes the log to
 * f with the exit code the command returns, and frees s.  0 or -ENOMEM.
 */
struct sarif	*sarif_new(void);
int		 sarif_add_result(struct sarif *s, const struct sl_result *r,
		    const char *file);
int		 sarif_add_error(struct sarif *s, const char *file,
		    const char *message);
int		 sarif_finish(struct sarif *s, FILE *f, int exit_code);
