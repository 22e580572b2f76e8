/*
 * test-cli-status.c: the `safeload status --json` and `safeload metrics`
 * renderings, and JSON string quoting (role: tests).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tap.h"

/* Every kind of value the daemon sends, and a few it must not trip on. */
static const char status_text[] =
    "version: 0.1.0\n"
    "requests: 5\n"
    "uptime_seconds: 12.5\n"
    "reasons: depth-limit=2 user-defined-function=1\n"
    "latency_ms: p50=0.25 p99=1.5\n"
    "sandbox: rlimits nnp seccomp\n"
    "policy: built-in \"default\"\n"
    "not a status line\n"
    "weird: 007\n"
    "sandbox_layers: rlimits,nnp,seccomp\n"
    "sandbox_missing: none\n"
    "cache_hit_rate: 68.0%\n"
    "cache_bytes: 1024/4096\n";

static char *
render(const char *text, const char *format, int *ret)
{
	char *out = NULL;
	size_t len;
	FILE *f;

	if ((f = open_memstream(&out, &len)) == NULL)
		abort();
	*ret = cli_status_print(f, text, format);
	(void)fclose(f);
	return out;
}

static void
test_json(void)
{
	static const char want[] =
	    "{\"version\":\"0.1.0\",\"requests\":5,\"uptime_seconds\":12.5,"
	    "\"reasons\":{\"depth-limit\":2,\"user-defined-function\":1},"
	    "\"latency_ms\":{\"p50\":0.25,\"p99\":1.5},"
	    "\"sandbox\":[\"rlimits\",\"nnp\",\"seccomp\"],"
	    "\"policy\":\"built-in \\\"default\\\"\",\"weird\":\"007\","
	    "\"sandbox_layers\":[\"rlimits\",\"nnp\",\"seccomp\"],"
	    "\"sandbox_missing\":[],\"cache_hit_rate\":68.0,"
	    "\"cache_bytes\":{\"value\":1024,\"max\":4096}}\n";
	char *out;
	int r;

	out = render(status_text, "json", &r);
	ok(r == 0 && strcmp(out, want) == 0, "status --json types values");
	if (strcmp(out, want) != 0)
		tap_diag("got %s", out);
	free(out);
	out = render("", "json", &r);
	ok(r == 0 && strcmp(out, "{}\n") == 0, "empty status is {}");
	free(out);
}

static void
test_text(void)
{
	char *out;
	int r;

	out = render(status_text, "text", &r);
	ok(r == 0 && strcmp(out, status_text) == 0, "status text is as sent");
	free(out);
}

static void
test_prometheus(void)
{
	static const char *const want[] = {
		"# TYPE safeload_info gauge\n",
		"safeload_info{version=\"0.1.0\",policy=\"built-in "
		    "\\\"default\\\"\",weird=\"007\"} 1\n",
		"# TYPE safeload_requests_total counter\n"
		    "safeload_requests_total 5\n",
		"safeload_uptime_seconds 12.5\n",
		"# TYPE safeload_reasons_total counter\n",
		"safeload_reasons_total{code=\"depth-limit\"} 2\n",
		"safeload_reasons_total{code=\"user-defined-function\"} 1\n",
		"safeload_latency_seconds{quantile=\"0.5\"} 0.00025\n",
		"safeload_latency_seconds{quantile=\"0.99\"} 0.0015\n",
		"safeload_sandbox{layer=\"seccomp\"} 1\n",
		"safeload_sandbox_layers{layer=\"nnp\"} 1\n",
		"# TYPE safeload_sandbox_missing gauge\n# HELP",
		"safeload_cache_hit_rate 0.68\n",
		"safeload_cache_bytes 1024\n",
		"safeload_cache_bytes_max 4096\n",
	};
	char *out;
	size_t i;
	int r;

	out = render(status_text, "prometheus", &r);
	ok(r == 0, "metrics renders");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ok(strstr(out, want[i]) != NULL, "metrics has %.*s", (int)
		    strcspn(want[i], "\n"), want[i]);
	ok(strstr(out, "not a status line") == NULL,
	    "lines without \": \" are ignored");
	free(out);
}

static void
test_quote(void)
{
	static const char want[] =
	    "\"a\\\"b\\\\c\\n\\u0001\\ufffd\xc3\xa9\\ufffd\\ufffd\\ufffd\"";
	char *out = NULL;
	size_t len;
	FILE *f;

	if ((f = open_memstream(&out, &len)) == NULL)
		abort();
	cli_json_string(f, "a\"b\\c\n\x01\xff\xc3\xa9\xed\xa0\x80");
	(void)fclose(f);
	if (!ok(strcmp(out, want) == 0,
	    "JSON quoting escapes and replaces bad UTF-8"))
		tap_diag("got %s", out);
	free(out);
}

int
main(void)
{
	test_json();
	test_text();
	test_prometheus();
	test_quote();
	return tap_done();
}
