/*
 * supervisor.h: the libev loop that serves clients (role: supervisor).
 */
#pragma once

#include <sys/types.h>

struct ev_loop;
struct policy;
struct supervisor;
struct worker_ns;

struct supervisor_config {
	const char	*worker_path;	/* absolute path of safeload-worker */
	const char	*policy_path;	/* re-read on SIGHUP */
	int		 policy_is_default; /* a missing file means built-in */
	unsigned	 max_workers;	/* 0: from the policy */
	uid_t		 worker_uid;	/* the worker drops to these if root */
	gid_t		 worker_gid;
	const struct worker_ns *ns;	/* the namespaces workers join */
};

/*
 * Serve `listen_fd` (non-blocking, listening) on `loop`.  Takes ownership
 * of listen_fd and of `policy`; the config strings are borrowed for the
 * supervisor's lifetime.
 */
int	supervisor_new(struct ev_loop *loop, int listen_fd, struct policy *policy,
	    const struct supervisor_config *cfg, struct supervisor **ret);
/* Run until SIGTERM/SIGINT and every request in flight has finished. */
void	supervisor_run(struct supervisor *s);
void	supervisor_free(struct supervisor *s);
