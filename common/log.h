/*
 * log.h: logging in the OpenBSD log.h style (role: library state, used by
 * programs only; library code never logs above debug).
 *
 * Lines go to stderr as "<N>tag: message", the sd-daemon priority prefix
 * that journald understands.  User-controlled values are quoted '...'.
 */
#pragma once

#include <stdarg.h>

/* debug > 0 enables log_debug(). */
void	log_init(int debug, const char *tag);
/* Retag the current process, e.g. after fork. */
void	log_procinit(const char *tag);
int	log_getverbose(void);

void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log at LOG_CRIT and exit(1).  Startup code and the worker only. */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
