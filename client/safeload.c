/*
 * safeload.c: the `safeload` command (role: client program; uses only the
 * public API in safeload.h).
 *
 * Its interface is a contract that tests and scripts rely on (design.md,
 * "Contract of the command-line client"): exit 0 when every file is
 * accepted, 1 when any is rejected, 2 on a usage, connection or internal
 * error; --json prints one object per file, one per line.  The same exit
 * codes hold for --format sarif (cli-sarif.c) and for status and metrics
 * (cli-status.c), which exit 0 or 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "safeload.h"
#include "safeload-policy.h"

#define EXIT_ACCEPT	0
#define EXIT_REJECT	1
#define EXIT_ERROR	2

static const char *arg_socket;
static const char *arg_profile;
static const char *arg_output;
static const char *arg_signature;
static const char *arg_format = "text";
static int arg_local;
static unsigned arg_as;		/* SL_CHECK_AS_*: the stated model format */
static struct sarif *sarif;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: safeload [--socket PATH] check [--json | --format FMT]\n"
	    "                [--profile NAME] [--signature SIG] [-o OUT] "
	    "[--local]\n"
	    "                [--model-format cntk-v2|cntk-v1|onnx] FILE...\n"
	    "       safeload [--socket PATH] status [--json]\n"
	    "       safeload [--socket PATH] metrics\n"
	    "       safeload --help | --version\n"
	    "\n"
	    "check exits 0 when every FILE is accepted, 1 when any is "
	    "rejected,\n"
	    "2 on a usage, connection or internal error.\n"
	    "  --json          one JSON object per file, one per line\n"
	    "  --format FMT    text (default), json, or sarif (one SARIF "
	    "2.1.0 log)\n"
	    "  --profile NAME  check under this policy profile\n"
	    "  --signature SIG send SIG (a minisign .minisig file) with FILE\n"
	    "  -o OUT          write the canonical model to OUT (one FILE)\n"
	    "  --local         no daemon: spawn the sandboxed worker directly\n"
	    "  --model-format  state the model format instead of detecting "
	    "it\n"
	    "                  (CNTK loads ONNX only when told to)\n"
	    "  --socket PATH   daemon socket (default $SAFELOAD_SOCKET, else\n"
	    "                  /run/safeload/safeload.sock)\n"
	    "status prints the daemon's state (--json: one object); metrics\n"
	    "prints it in the Prometheus text format.  Both exit 0, or 2.\n");
}

/* File names are the user's; keep control characters off the terminal. */
static void
print_name(FILE *f, const char *s)
{
	if (s == NULL)
		return;
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void
warn_file(const char *file, const char *what, const char *detail)
{
	fputs("safeload: ", stderr);
	print_name(stderr, file);
	fprintf(stderr, ": %s%s%s\n", what, detail != NULL ? ": " : "",
	    detail != NULL ? detail : "");
}

static void
print_human(const struct sl_result *r, const char *file)
{
	size_t i, n;

	if (sl_result_accepted(r)) {
		print_name(stdout, file);
		printf(": accept (%s, %llu functions, %llu parameters)\n",
		    sl_result_format(r), (unsigned long long)sl_result_stat(r,
		    SL_STAT_FUNCTIONS), (unsigned long long)sl_result_stat(r,
		    SL_STAT_PARAMETERS));
		return;
	}
	n = sl_result_reason_count(r);
	for (i = 0; i < n; i++) {
		print_name(stdout, file);
		printf(": reject: %s: %s\n", sl_result_reason_code(r, i),
		    sl_result_reason_message(r, i));
	}
}

static int
print_json(const struct sl_result *r, const char *file)
{
	char *j;

	if ((j = sl_result_json(r, file)) == NULL) {
		warn_file(file, "out of memory", NULL);
		return -ENOMEM;
	}
	puts(j);
	sl_free(j);
	return 0;
}

/* Write all of p[0..n) to fd and make it durable. */
static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return fsync(fd) < 0 ? -errno : 0;
}

/* Fill a new temporary file with p[0..n), with the usual 0666 & ~umask. */
static int
write_temp(int fd, const void *p, size_t n)
{
	mode_t mask;
	int r;

	mask = umask(0);
	(void)umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0)
		return -errno;
	if ((r = write_all(fd, p, n)) < 0)
		return r;
	return 0;
}

/* A temporary file next to OUT, then rename(): readers never see half. */
static int
write_output(struct sl_result *r, const char *out)
{
	static const char suffix[] = ".XXXXXX";
	const void *data;
	char *tmp = NULL;
	size_t len, n = strlen(out);
	int fd = -1, created = 0, ret;

	if ((ret = sl_result_canonical(r, &data, &len)) < 0)
		return ret;
	if ((tmp = malloc(n + sizeof(suffix))) == NULL)
		return -ENOMEM;
	memcpy(tmp, out, n);
	memcpy(tmp + n, suffix, sizeof(suffix));
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		ret = -errno;
		goto out;
	}
	created = 1;
	if ((ret = write_temp(fd, data, len)) < 0)
		goto out;
	ret = close(fd) < 0 ? -errno : 0;
	fd = -1;
	if (ret == 0 && rename(tmp, out) < 0)
		ret = -errno;
out:
	if (fd >= 0)
		(void)close(fd);
	if (ret < 0 && created)
		(void)unlink(tmp);
	free(tmp);
	return ret;
}

/* Why a check got no verdict: the daemon's reason, or the errno. */
static void
warn_check(struct sl_client *c, const char *file, int err)
{
	const char *code, *msg;
	char buf[512];

	if (sl_client_last_error(c, &code, &msg) == 0)
		(void)snprintf(buf, sizeof(buf), "%s: %s", code, msg);
	else if (err == -EOPNOTSUPP && arg_local)
		(void)snprintf(buf, sizeof(buf), "--profile needs the daemon");
	else
		(void)snprintf(buf, sizeof(buf), "%s", sl_strerror(err));
	warn_file(file, buf, NULL);
	if (sarif != NULL && sarif_add_error(sarif, file, buf) < 0)
		warn_file(file, "out of memory", NULL);
}

/* One file's verdict in the chosen format; -ENOMEM. */
static int
print_result(const struct sl_result *r, const char *file)
{
	if (strcmp(arg_format, "json") == 0)
		return print_json(r, file);
	if (strcmp(arg_format, "sarif") == 0) {
		if (sarif_add_result(sarif, r, file) < 0) {
			warn_file(file, "out of memory", NULL);
			return -ENOMEM;
		}
		return 0;
	}
	print_human(r, file);
	return 0;
}

/* Check one file; returns its exit status. */
static int
check_one(struct sl_client *c, const char *file)
{
	struct sl_result *r = NULL;
	unsigned flags = (arg_output != NULL ? SL_CHECK_CANONICAL : 0) | arg_as;
	int ret, err;

	if (arg_signature != NULL &&
	    (err = cli_set_signature(c, arg_signature)) < 0) {
		warn_file(arg_signature, sl_strerror(err), NULL);
		return EXIT_ERROR;
	}
	if ((err = sl_check_path(c, file, arg_profile, flags, &r)) < 0) {
		warn_check(c, file, err);
		return EXIT_ERROR;
	}
	ret = sl_result_accepted(r) ? EXIT_ACCEPT : EXIT_REJECT;
	if (print_result(r, file) < 0)
		ret = EXIT_ERROR;
	if (ret == EXIT_ACCEPT && arg_output != NULL &&
	    (err = write_output(r, arg_output)) < 0) {
		warn_file(arg_output, sl_strerror(err), NULL);
		ret = EXIT_ERROR;
	}
	sl_result_free(r);
	return ret;
}

static int
open_client(struct sl_client **ret)
{
	const char *where;
	int r;

	if (arg_local)
		r = sl_client_new_local(ret);
	else
		r = sl_client_new(arg_socket, ret);
	if (r < 0) {
		where = arg_local ? "the local worker" : arg_socket != NULL ?
		    arg_socket : getenv("SAFELOAD_SOCKET") != NULL ?
		    getenv("SAFELOAD_SOCKET") : "/run/safeload/safeload.sock";
		fprintf(stderr, "safeload: cannot %s ", arg_local ? "start" :
		    "connect to");
		print_name(stderr, where);
		fprintf(stderr, ": %s\n", sl_strerror(r));
	}
	return r;
}

/* The SL_CHECK_AS_* flag for a --model-format name; -EINVAL. */
static int
model_format_flag(const char *name, unsigned *ret)
{
	if (strcmp(name, "cntk-v2") == 0)
		*ret = SL_CHECK_AS_CNTK_V2;
	else if (strcmp(name, "cntk-v1") == 0)
		*ret = SL_CHECK_AS_CNTK_V1;
	else if (strcmp(name, "onnx") == 0)
		*ret = SL_CHECK_AS_ONNX;
	else
		return -EINVAL;
	return 0;
}

/* 0 to go on, or the exit status. */
static int
check_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "profile", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "signature", required_argument, NULL, 'S' },
		{ "local", no_argument, NULL, 'l' },
		{ "model-format", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+ho:", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': arg_format = "json"; break;
		case 'f': arg_format = optarg; break;
		case 'p': arg_profile = optarg; break;
		case 'o': arg_output = optarg; break;
		case 'S': arg_signature = optarg; break;
		case 'l': arg_local = 1; break;
		case 'M':
			if (model_format_flag(optarg, &arg_as) < 0) {
				fprintf(stderr, "safeload: --model-format: '%s' "
				    "is not cntk-v2, cntk-v1 or onnx\n", optarg);
				return EXIT_ERROR;
			}
			break;
		case 'h': usage(stdout); return EXIT_ACCEPT + 256;
		default: usage(stderr); return EXIT_ERROR;
		}
	}
	return 0;
}

static int
cmd_check(int argc, char **argv)
{
	struct sl_client *c;
	int i, r, r2, worst = EXIT_ACCEPT;

	if ((r = check_options(argc, argv)) != 0)
		return r & 0xff;
	if (strcmp(arg_format, "text") != 0 && strcmp(arg_format, "json") != 0 &&
	    strcmp(arg_format, "sarif") != 0) {
		fprintf(stderr, "safeload: --format: '%s' is not text, json or "
		    "sarif\n", arg_format);
		return EXIT_ERROR;
	}
	if (optind >= argc || ((arg_output != NULL ||
	    arg_signature != NULL) && argc - optind != 1)) {
		fprintf(stderr, "safeload: %s\n", optind >= argc ?
		    "check needs a FILE" :
		    "-o and --signature need exactly one FILE");
		usage(stderr);
		return EXIT_ERROR;
	}
	if (strcmp(arg_format, "sarif") == 0 && (sarif = sarif_new()) == NULL) {
		fprintf(stderr, "safeload: out of memory\n");
		return EXIT_ERROR;
	}
	/* Without a client every file gets no verdict; SARIF still says so. */
	c = NULL;
	r = open_client(&c);
	for (i = optind; i < argc; i++) {
		if (r < 0 && sarif != NULL)
			warn_check(c, argv[i], r);
		r2 = r < 0 ? EXIT_ERROR : check_one(c, argv[i]);
		if (r2 > worst)
			worst = r2;
	}
	sl_client_free(c);
	if (sarif != NULL && sarif_finish(sarif, stdout, worst) < 0)
		worst = EXIT_ERROR;
	sarif = NULL;
	return worst;
}

/* status [--json] and metrics: the daemon's status text, rendered. */
static int
show_status(const char *format)
{
	struct sl_client *c = NULL;
	char *text = NULL;
	int r;

	if (open_client(&c) < 0)
		return EXIT_ERROR;
	if ((r = sl_status(c, &text)) < 0) {
		warn_check(c, "status", r);
		sl_client_free(c);
		return EXIT_ERROR;
	}
	r = cli_status_print(stdout, text, format);
	sl_free(text);
	sl_client_free(c);
	if (r < 0) {
		fprintf(stderr, "safeload: %s\n", sl_strerror(r));
		return EXIT_ERROR;
	}
	return EXIT_ACCEPT;
}

static int
cmd_status(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		return show_status("json");
	if (argc != 1) {
		usage(stderr);
		return EXIT_ERROR;
	}
	return show_status("text");
}

static int
cmd_metrics(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		usage(stderr);
		return EXIT_ERROR;
	}
	return show_status("prometheus");
}

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
} commands[] = {
	{ "check", cmd_check },
	{ "status", cmd_status },
	{ "policy", cmd_policy },
	{ "metrics", cmd_metrics },
};

/* Global options; 0 to go on to the command, or the exit status + 256. */
static int
global_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': arg_socket = optarg; break;
		case 'h': usage(stdout); return 256 + EXIT_ACCEPT;
		case 'V': printf("safeload %s\n", sl_version());
			return 256 + EXIT_ACCEPT;
		default: usage(stderr); return 256 + EXIT_ERROR;
		}
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	size_t i;
	int r;

	if ((r = global_options(argc, argv)) != 0)
		return r - 256;
	if (optind >= argc) {
		usage(stderr);
		return EXIT_ERROR;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) != 0)
			continue;
		r = commands[i].fn(argc - optind, argv + optind);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "safeload: stdout: %s\n",
			    strerror(errno));
			return EXIT_ERROR;
		}
		return r;
	}
	fprintf(stderr, "safeload: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return EXIT_ERROR;
}
