/*
 * worker-attack.h: what compromised code inside the worker would try, for
 * -Dtest_hooks builds only (role: worker).  Never in a default build.
 */
#pragma once

#include <sys/types.h>

enum worker_attack {
	WORKER_ATTACK_NONE = 0,
	WORKER_ATTACK_SHELL,		/* execve("/bin/sh") */
	WORKER_ATTACK_SHADOW,		/* open("/etc/shadow") */
	WORKER_ATTACK_CONNECT,		/* socket + connect to the daemon */
	WORKER_ATTACK_WRITE_FD,		/* write to every fd but its socket */
	WORKER_ATTACK_FORK_BOMB,	/* fork() forever */
	WORKER_ATTACK_ALLOC,		/* ask for 100 GB */
	WORKER_ATTACK_SPIN,		/* burn the CPU forever */
	WORKER_ATTACK_SIGNAL,		/* SIGTERM the supervisor */
	WORKER_ATTACK__MAX
};

/* Exit codes of an attack that the kernel let return. */
#define WORKER_ATTACK_FAILED	4	/* every attempt was refused */
#define WORKER_ATTACK_WORKED	5	/* an attempt succeeded: a hole */

/* Models that start with this trigger the attack; others are served. */
#define WORKER_ATTACK_TRIGGER	"SAFELOAD-ATTACK"

/* "shell", "shadow", ...; WORKER_ATTACK_NONE if unknown. */
enum worker_attack worker_attack_parse(const char *name);

/*
 * Run attack `a` from inside the sandbox.  model_fd is the request's
 * model; supervisor the pid taken before the sandbox (getppid is denied
 * inside; 0 when the worker is in its own PID namespace).  Never returns: it dies, or exits with one of the codes above.
 */
void	worker_attack_run(enum worker_attack a, int model_fd, pid_t supervisor)
	    __attribute__((noreturn));
