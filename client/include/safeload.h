/*
 * safeload.h: the client library of safeload (role: client, public API).
 *
 * An application hands an untrusted CNTK model file to safeload and gets
 * back a verdict, a report and, when the model is accepted, a canonical
 * copy that a sandboxed worker wrote: a sealed memfd whose bytes the
 * attacker never chose.  Give those bytes, never the original file, to
 * CNTK's Function.load().
 *
 * Conventions of this API:
 *  - Functions that can fail return 0 (or a count >= 0) on success and a
 *    negative errno value on failure; sl_strerror() describes it.
 *  - Output parameters (ret*) are written only on success.
 *  - Strings returned as `const char *` are borrowed from the object they
 *    came from and stay valid until that object is freed.
 *  - Strings returned as `char *` are malloc'd; release them with sl_free().
 *  - One struct sl_client must not be used by two threads at once;
 *    different clients are independent.  Results are independent of the
 *    client that made them and may outlive it.
 *
 * Link with `pkg-config --libs safeload`.  Only sl_* symbols are exported.
 */
#ifndef SAFELOAD_H
#define SAFELOAD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sl_client;
struct sl_result;

/* Flags of sl_check_fd() and sl_check_path(). */
#define SL_CHECK_CANONICAL	0x1u	/* keep the canonical memfd */
/*
 * State the model's format instead of having the worker detect it by
 * content, as CNTK's own callers do (CNTK never detects ONNX).  At most one;
 * content that is not the stated format is rejected as unknown-format.
 */
#define SL_CHECK_AS_CNTK_V2	0x2u
#define SL_CHECK_AS_CNTK_V1	0x4u
#define SL_CHECK_AS_ONNX	0x8u

/* Counters of sl_result_stat(). */
enum sl_stat {
	SL_STAT_FUNCTIONS = 0,	/* primitive functions (v2) or nodes (v1) */
	SL_STAT_PARAMETERS,	/* tensor elements of learnable parameters */
	SL_STAT_CONSTANTS,	/* tensor elements of constants */
	SL_STAT_BYTES,		/* size of the input file */
	SL_STAT_MAX_DEPTH,	/* deepest message nesting seen */
	SL_STAT__MAX
};

/* The library's version, e.g. "0.1.0".  Static storage. */
const char	*sl_version(void);

/*
 * Describe an error returned by this library (negative or positive errno).
 * Static storage; never NULL.
 */
const char	*sl_strerror(int err);

/* Release a string this library returned as `char *`.  NULL is fine. */
void		 sl_free(void *p);

/*
 * Connect to the safeloadd daemon at socket_path; NULL means
 * $SAFELOAD_SOCKET when set and non-empty, else /run/safeload/safeload.sock.
 * The connection is AF_UNIX SOCK_SEQPACKET, close-on-exec.  Returns 0 and
 * a client in *ret, -ENOMEM, -ENAMETOOLONG for a path that does not fit
 * sockaddr_un, or the errno of socket()/connect() (e.g. -ENOENT,
 * -ECONNREFUSED, -EACCES).
 */
int		 sl_client_new(const char *socket_path, struct sl_client **ret);

/*
 * A client that needs no daemon: each check spawns one safeload-worker
 * ($SAFELOAD_WORKER if it is an absolute path, else the installed one),
 * which sandboxes itself exactly as under the daemon, and waits for it
 * under a wall-clock timeout.  The built-in model limits apply; there is
 * no policy, so profiles are not supported.  sl_status() is not either.
 * A worker that crashes, exits non-zero, sends a bad reply or times out
 * yields a reject result (worker-crashed, bad-reply, worker-timeout), not
 * an error.  The calling process must not reap children it did not start:
 * with SIGCHLD set to SIG_IGN (or a handler that reaps everything) the
 * worker's exit status is lost and only its reply is judged.
 * Returns 0, -ENOMEM, or -errno when the worker is not an executable file
 * (e.g. -ENOENT).
 */
int		 sl_client_new_local(struct sl_client **ret);

/* Close the connection and free the client.  NULL is fine. */
void		 sl_client_free(struct sl_client *c);

/*
 * Check the model open on fd (the fd stays the caller's; its file offset
 * is shared with the worker, so do not use it concurrently).  A read-write fd is reopened read-only through /proc first,
 * so the worker can never write to the caller's file.  profile is a
 * policy profile name (NULL or "" for the default; at most 64 printable
 * ASCII characters).  flags: SL_CHECK_CANONICAL keeps the canonical model
 * in the result (sl_result_canonical()).
 *
 * Returns 0 and a result whenever the model got a verdict, accept or
 * reject.  Errors:
 *  -EINVAL		bad arguments or profile name;
 *  -EOPNOTSUPP		a profile was given to a local client;
 *  -EACCES		the daemon's policy denies this client (policy-denied);
 *  -EBUSY		the daemon is at its request limit (busy);
 *  -EFBIG		the model is larger than the daemon accepts;
 *  -EREMOTEIO		any other refusal by the daemon;
 *  -EPROTO		a malformed or mismatched answer from the daemon;
 *  -ETIMEDOUT		no answer in time;
 *  -ECONNRESET		the daemon closed the connection;
 *  other -errno	local failures (socket, fork, memory).
 * After a refusal by the daemon, sl_client_last_error() gives its reason.
 */
int		 sl_check_fd(struct sl_client *c, int fd, const char *profile,
		    unsigned flags, struct sl_result **ret);

/*
 * Open path read-only (O_RDONLY|O_CLOEXEC|O_NOCTTY) with the caller's own
 * permissions, then sl_check_fd().  The daemon never opens paths.  Errors
 * of open() come back as -errno (e.g. -ENOENT, -EACCES).
 */
int		 sl_check_path(struct sl_client *c, const char *path,
		    const char *profile, unsigned flags, struct sl_result **ret);

/*
 * Send a minisign signature with the next check on c: `minisig` is the
 * text of a .minisig file (at most 1024 bytes, no NUL); NULL clears it.
 * A policy profile with require_signature = yes verifies it against its
 * public keys.  The next sl_check_fd() or sl_check_path() consumes it.
 * -EINVAL if too long, -EOPNOTSUPP on a local client.
 */
int		 sl_client_set_signature(struct sl_client *c,
		    const char *minisig);

/*
 * Why the last call on c failed, when the daemon refused it: *ret_code is
 * a stable kebab-case reason code ("policy-denied", "busy", ...) and
 * *ret_message a one-line message, both borrowed until the next call on c.
 * Returns 0, or -ENODATA when the last call did not fail with a refusal.
 * Either ret pointer may be NULL.
 */
int		 sl_client_last_error(const struct sl_client *c,
		    const char **ret_code, const char **ret_message);

/*
 * Ask the daemon for its status.  *ret_text gets malloc'd "key: value\n"
 * lines (free with sl_free()).  -EOPNOTSUPP on a local client; other
 * errors as for sl_check_fd().
 */
int		 sl_status(struct sl_client *c, char **ret_text);

/* Free a result, its canonical mapping and memfd.  NULL is fine. */
void		 sl_result_free(struct sl_result *r);

/* 1 if the model was accepted, 0 if rejected. */
int		 sl_result_accepted(const struct sl_result *r);

/* "cntk-v2", "cntk-v1", "onnx" or "unknown". */
const char	*sl_result_format(const struct sl_result *r);

/* Lower-case hex SHA-256 of the input, or NULL when the worker never said. */
const char	*sl_result_sha256(const struct sl_result *r);

/* Lower-case hex SHA-256 of the canonical model, or NULL when rejected. */
const char	*sl_result_canonical_sha256(const struct sl_result *r);

/*
 * The policy profile the daemon checked the model under, and the sha256
 * (hex) of its policy; NULL when the answer did not name them (a local
 * check, or an older daemon).
 */
const char	*sl_result_profile(const struct sl_result *r);
const char	*sl_result_policy_digest(const struct sl_result *r);

/* Size in bytes of the canonical model; 0 when rejected. */
uint64_t	 sl_result_canonical_size(const struct sl_result *r);

/* One counter; 0 for an unknown `which`. */
uint64_t	 sl_result_stat(const struct sl_result *r, enum sl_stat which);

/* Number of reasons to reject: 0 when accepted, at least 1 when rejected. */
size_t		 sl_result_reason_count(const struct sl_result *r);

/*
 * Reason i (0 <= i < count): its stable kebab-case code (see
 * docs/reason-codes.md) and a one-line message.  NULL when out of range.
 */
const char	*sl_result_reason_code(const struct sl_result *r, size_t i);
const char	*sl_result_reason_message(const struct sl_result *r, size_t i);

/* Ops histogram, sorted by name: number of distinct ops, name, uses. */
size_t		 sl_result_op_count(const struct sl_result *r);
const char	*sl_result_op_name(const struct sl_result *r, size_t i);
uint64_t	 sl_result_op_uses(const struct sl_result *r, size_t i);

/*
 * Map the canonical model read-only.  The memfd is checked first: it must
 * be a regular file (memfd), sealed with F_SEAL_SEAL, F_SEAL_SHRINK,
 * F_SEAL_GROW and F_SEAL_WRITE, and exactly as long as the report says;
 * otherwise -EBADMSG and nothing is mapped.  *ret_data stays valid until
 * sl_result_free(r); mapping twice returns the same memory.  -ENODATA when
 * the model was rejected or SL_CHECK_CANONICAL was not given.  Takes a
 * non-const result because it caches the mapping.
 */
int		 sl_result_canonical(struct sl_result *r, const void **ret_data,
		    size_t *ret_len);

/*
 * The canonical memfd, after the same checks as sl_result_canonical().
 * Returns the fd (borrowed: valid until sl_result_free(); dup it with
 * F_DUPFD_CLOEXEC to keep it longer), or -ENODATA / -EBADMSG.
 */
int		 sl_result_canonical_fd(const struct sl_result *r);

/*
 * The result as one line of JSON (no newline), malloc'd (free with
 * sl_free()); NULL when out of memory.  Keys: file (the given name, or
 * null), verdict, format, reasons [{code, message}], sha256,
 * canonical_sha256 (null when rejected), stats {functions, parameters,
 * constants, bytes, max_depth, ops {name: count}}.  Strings are escaped;
 * bytes that are not valid UTF-8 become \ufffd.
 */
char		*sl_result_json(const struct sl_result *r, const char *file);

#ifdef __cplusplus
}
#endif

#endif /* SAFELOAD_H */
