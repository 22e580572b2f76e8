/*
 * worker-attack.c: an attacker inside the sandboxed worker, for the
 * -Dtest_hooks builds that tests/sandbox/test_attacker.py drives (role:
 * worker).  Compiled empty unless TEST_HOOKS: never in a default build.
 *
 * Each attack is what code that a hostile model had taken over would do
 * next.  The sandbox must make every one of them fail or die; the test
 * then checks that safeloadd answered that request with a reason and went
 * on serving others.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "worker-attack.h"

#if TEST_HOOKS

#define ATTACK_ALLOC		(100ull << 30)	/* 100 GB */
#define ATTACK_FD_MAX		1024		/* fds tried by write-fd */
#define ATTACK_SOCK_FD		3		/* the worker's own socket */
#define ATTACK_SHELL_MARK	"/tmp/safeload-attacker-shell"
#define ATTACK_DAEMON_SOCK	"/run/safeload/safeload.sock"

static const char *const attack_names[WORKER_ATTACK__MAX] = {
	[WORKER_ATTACK_SHELL] = "shell",
	[WORKER_ATTACK_SHADOW] = "shadow",
	[WORKER_ATTACK_CONNECT] = "connect",
	[WORKER_ATTACK_WRITE_FD] = "write-fd",
	[WORKER_ATTACK_FORK_BOMB] = "fork-bomb",
	[WORKER_ATTACK_ALLOC] = "alloc",
	[WORKER_ATTACK_SPIN] = "spin",
	[WORKER_ATTACK_SIGNAL] = "signal",
};

enum worker_attack
worker_attack_parse(const char *name)
{
	size_t i;

	for (i = 1; i < WORKER_ATTACK__MAX; i++)
		if (strcmp(name, attack_names[i]) == 0)
			return (enum worker_attack)i;
	return WORKER_ATTACK_NONE;
}

static void
attack_shell(void)
{
	char *const argv[] = { (char *)"sh", (char *)"-c",
	    (char *)"touch " ATTACK_SHELL_MARK, NULL };
	char *const envp[] = { NULL };

	(void)execve("/bin/sh", argv, envp);
}

static void
attack_shadow(void)
{
	char buf[64];
	int fd;

	if ((fd = open("/etc/shadow", O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if (read(fd, buf, sizeof(buf)) > 0)
		_exit(WORKER_ATTACK_WORKED);
	(void)close(fd);
}

static void
attack_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	(void)strncpy(sun.sun_path, ATTACK_DAEMON_SOCK,
	    sizeof(sun.sun_path) - 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		_exit(WORKER_ATTACK_WORKED);
	if (fd >= 0)
		(void)close(fd);
}

/*
 * Every fd but our socket: 0-2 are /dev/null (a write there goes
 * nowhere), the model fd is read-only, the rest must not exist.
 */
static void
attack_write_fd(int model_fd)
{
	static const char mark[] = "SAFELOAD-ATTACKER-WAS-HERE\n";
	int fd;

	for (fd = 0; fd < ATTACK_FD_MAX; fd++) {
		if (fd == ATTACK_SOCK_FD)
			continue;
		if (write(fd, mark, sizeof(mark) - 1) > 0 && fd > 2)
			_exit(WORKER_ATTACK_WORKED);
	}
	if (write(model_fd, mark, sizeof(mark) - 1) >= 0)
		_exit(WORKER_ATTACK_WORKED);
}

static void
attack_fork_bomb(void)
{
	for (;;)
		if (fork() < 0)
			return;
}

/* Ask, and touch nothing: a success is the hole, not the paging. */
static void
attack_alloc(void)
{
	const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	void *p;

	p = malloc(ATTACK_ALLOC);
	if (p != NULL) {
		free(p);
		_exit(WORKER_ATTACK_WORKED);
	}
	/* cppcheck-suppress invalidFunctionArg ; fd -1: anonymous map */
	p = mmap(NULL, ATTACK_ALLOC, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p != MAP_FAILED)
		_exit(WORKER_ATTACK_WORKED);
}

static void
attack_spin(void)
{
	volatile uint64_t n = 0;

	for (;;)
		n++;
}

/*
 * In its own PID namespace the worker cannot name the supervisor at all
 * (getppid() was 0): there it signals every process it may see (-1),
 * which outside one it must not try (its own uid's processes).
 */
static void
attack_signal(pid_t supervisor)
{
	pid_t target = supervisor == 0 ? -1 : supervisor;

	if (target != 1 && kill(target, SIGTERM) == 0)
		_exit(WORKER_ATTACK_WORKED);
}

void
worker_attack_run(enum worker_attack a, int model_fd, pid_t supervisor)
{
	switch (a) {
	case WORKER_ATTACK_SHELL: attack_shell(); break;
	case WORKER_ATTACK_SHADOW: attack_shadow(); break;
	case WORKER_ATTACK_CONNECT: attack_connect(); break;
	case WORKER_ATTACK_WRITE_FD: attack_write_fd(model_fd); break;
	case WORKER_ATTACK_FORK_BOMB: attack_fork_bomb(); break;
	case WORKER_ATTACK_ALLOC: attack_alloc(); break;
	case WORKER_ATTACK_SPIN: attack_spin(); break;
	case WORKER_ATTACK_SIGNAL: attack_signal(supervisor); break;
	default: break;
	}
	_exit(WORKER_ATTACK_FAILED);
}

#endif /* TEST_HOOKS */
