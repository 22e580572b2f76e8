/*
 * main.c: safeloadd start-up (role: supervisor).
 *
 *	safeloadd [--socket PATH] [--policy FILE] [--workers N]
 *	          [--worker PATH] [--debug]
 *
 * Runs in the foreground and logs to stderr with <N> priority prefixes.
 * With LISTEN_FDS set (systemd socket activation) it serves that socket.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ev.h>

#include "config.h"
#include "canary.h"
#include "safeload-limits.h"
#include "listener.h"
#include "log.h"
#include "policy.h"
#include "spawn.h"
#include "supervisor.h"
#include "worker-ns.h"

#define DEFAULT_SOCKET	RUNSTATEDIR "/safeload/safeload.sock"

static const char *arg_socket;
static const char *arg_policy = POLICY_DEFAULT_PATH;
static int arg_policy_default = 1;
static const char *arg_worker;
static unsigned arg_workers;
static int arg_debug;

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: safeloadd [--socket PATH] [--policy FILE] [--workers N]\n"
	    "                 [--worker PATH] [--debug]\n");
	exit(status);
}

static void
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "policy", required_argument, NULL, 'p' },
		{ "workers", required_argument, NULL, 'w' },
		{ "worker", required_argument, NULL, 'W' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long n;
	int ch;

	while ((ch = getopt_long(argc, argv, "s:p:w:W:dhV", opts, NULL)) != -1) {
		switch (ch) {
		case 's': arg_socket = optarg; break;
		case 'p': arg_policy = optarg; arg_policy_default = 0; break;
		case 'W': arg_worker = optarg; break;
		case 'd': arg_debug = 1; break;
		case 'h': usage(0);
		case 'V': printf("safeloadd %s\n", SAFELOAD_VERSION); exit(0);
		case 'w':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || n < 1 ||
			    n > (long)WORKERS_MAX)
				fatalx("--workers: '%s' is not 1..%u", optarg,
				    WORKERS_MAX);
			arg_workers = (unsigned)n;
			break;
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
}

/*
 * Before serving anyone: a canary worker, spawned the way every worker
 * is, must die on a forbidden syscall, and the layers it really has must
 * meet the policy's floor (canary.h).
 */
static void
self_check(const struct supervisor_config *cfg, const struct policy *p)
{
	struct spawn_args a = {
		.worker_path = cfg->worker_path,
		.stderr_fd = log_getverbose() ? STDERR_FILENO : -1,
		.uid = cfg->worker_uid,
		.gid = cfg->worker_gid,
		.as_bytes = policy_worker_mem(p),
		.cpu_seconds = policy_worker_cpu(p),
		/* Whatever it gets, every later worker gets (canary.h). */
		.pidns = SPAWN_PIDNS_TRY,
		.n_ns = cfg->ns->n,
		.ns_fds = cfg->ns->fds,
		.ns_layers = cfg->ns->layers,
	};
	const char *why = NULL;
	int rc;

	if ((rc = canary_startup(&a, p, &why)) < 0)
		fatalx("sandbox self-check failed: %s (%s); refusing to serve",
		    why, strerror(-rc));
}

/* Say once which namespaces the workers share (worker-ns.h). */
static void
log_ns(const struct worker_ns *ns)
{
	char buf[256];

	if (ns->n == 0) {
		log_info("workers make their own namespaces, where allowed");
		return;
	}
	canary_layers_text(ns->layers, buf, sizeof(buf));
	log_info("workers join shared namespaces: %s", buf);
}

/* The socket systemd passed, or our own. */
static int
open_listener(void)
{
	const char *path;
	int fd;

	if ((fd = listener_from_systemd()) >= 0)
		return fd;
	if (fd < -1)
		fatalx("socket activation: expected one SOCK_SEQPACKET "
		    "AF_UNIX socket: %s", strerror(-fd));
	path = arg_socket;
	if (path == NULL)
		path = getenv("SAFELOAD_SOCKET");
	if (path == NULL) {
		path = DEFAULT_SOCKET;
		(void)mkdir(RUNSTATEDIR "/safeload", 0755);
	}
	if ((fd = listener_bind(path)) < 0)
		fatalx("cannot listen on '%s': %s", path, strerror(-fd));
	log_info("listening on '%s'", path);
	return fd;
}

int
main(int argc, char **argv)
{
	static struct worker_ns ns;	/* held until exit: workers join it */
	struct supervisor_config cfg = { 0 };
	struct supervisor *s = NULL;
	struct policy *p = NULL;
	const char *err = NULL;
	int fd, rc;

	parse_args(argc, argv);
	log_init(arg_debug, "safeloadd");
	/* A client that hangs up must cost a request, not the daemon. */
	(void)signal(SIGPIPE, SIG_IGN);
	/* err already names the file and line: FILE:LINE: message. */
	if (policy_load(arg_policy, arg_policy_default, &p, &err) < 0)
		fatalx("%s; refusing to start", err);
	cfg.worker_path = arg_worker != NULL ? arg_worker :
	    spawn_default_worker();
	if (access(cfg.worker_path, X_OK) < 0)
		fatal("worker '%s'", cfg.worker_path);
	cfg.policy_path = arg_policy;
	cfg.policy_is_default = arg_policy_default;
	cfg.max_workers = arg_workers;
	spawn_default_ids(&cfg.worker_uid, &cfg.worker_gid);
	if ((rc = worker_ns_create(&ns)) < 0)
		fatalx("cannot make the workers' namespaces: %s",
		    strerror(-rc));
	cfg.ns = &ns;
	log_ns(&ns);
	self_check(&cfg, p);
	fd = open_listener();
	if (ev_default_loop(EVFLAG_AUTO) == NULL)
		fatalx("cannot initialise libev");
	if ((rc = supervisor_new(EV_DEFAULT, fd, p, &cfg, &s)) < 0)
		fatalx("supervisor: %s", strerror(-rc));
	supervisor_run(s);
	supervisor_free(s);
	worker_ns_close(&ns);
	return 0;
}
