/*
 * cli-status.c: `safeload status` and `safeload metrics` output (role:
 * client program).
 *
 * The daemon answers a status request with "key: value" lines; this file
 * renders them for people (as is), as one JSON object, or in the
 * Prometheus text exposition format 0.0.4.  It knows few keys by name, so
 * an item another part of the daemon adds shows up without a change here.
 * A value is read as one of:
 *	a number		"17", "0.25"
 *	a percentage		"68.0%"
 *	a number of a maximum	"1024/268435456"
 *	named numbers		"p50=0.21 p99=0.9", "depth-limit=2 busy=1"
 *	a list of words		"rlimits nnp seccomp", "rlimits,seccomp"
 *	anything else, a string	"0.1.0", "sha256:..."
 * A key ending in _ms is converted to seconds for Prometheus, as its
 * naming conventions ask.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define STATUS_ITEMS_MAX	256
#define TOKEN_MAX		128

enum value_kind {
	VALUE_NUMBER,
	VALUE_PERCENT,
	VALUE_RATIO,
	VALUE_PAIRS,
	VALUE_WORDS,
	VALUE_STRING,
};

struct item {
	char		*key;
	char		*value;
	enum value_kind	 kind;
};

/* What Prometheus should know about the keys safeloadd is known to send. */
static const struct {
	const char	*key;
	const char	*type;
	const char	*label;		/* for named numbers and words */
	const char	*help;
} known[] = {
	{ "uptime_seconds", "gauge", NULL, "Seconds since safeloadd started" },
	{ "requests", "counter", NULL, "Check requests that reached a worker" },
	{ "accepted", "counter", NULL, "Models accepted" },
	{ "rejected", "counter", NULL, "Models rejected" },
	{ "denied", "counter", NULL, "Clients refused by policy" },
	{ "timeouts", "counter", NULL, "Workers killed at their deadline" },
	{ "worker_failures", "counter", NULL, "Workers that crashed or lied" },
	{ "connections", "gauge", NULL, "Open client connections" },
	{ "workers_active", "gauge", NULL, "Workers running a check" },
	{ "workers_max", "gauge", NULL, "Most workers at once" },
	{ "verdicts", "counter", "verdict", "Checks by verdict" },
	{ "reasons", "counter", "code", "Rejects by reason code" },
	{ "latency_ms", "gauge", "quantile", "Request latency percentiles" },
	{ "sandbox", "gauge", "layer", "Sandbox layers measured active" },
	{ "sandbox_layers", "gauge", "layer", "Sandbox layers measured active" },
	{ "sandbox_missing", "gauge", "layer", "Sandbox layers not active" },
	{ "workers_idle", "gauge", NULL, "Workers spawned and waiting" },
	{ "queued", "gauge", NULL, "Requests waiting for a worker" },
	{ "cache_hits", "counter", NULL, "Result cache hits" },
	{ "cache_misses", "counter", NULL, "Result cache misses" },
	{ "cache_hit_rate", "gauge", NULL, "Result cache hit ratio" },
	{ "cache_entries", "gauge", NULL, "Results in the cache" },
	{ "cache_bytes", "gauge", NULL, "Bytes in the result cache" },
	{ "cache", "counter", "event", "Result cache lookups" },
};

/* A JSON number without exponent: -?(0|[1-9][0-9]*)(\.[0-9]+)? */
static int
is_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (*s == '.') {
		if (*++s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* Names and words: what Prometheus label values and JSON keys can be. */
static int
is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("_.:+-/", c) != NULL;
}

/* Tokens are separated by spaces or commas. */
#define TOKEN_SEPS	" ,"

/* Does every token pass? (with_number: "name=N") */
static int
tokens_are(const char *v, int with_number)
{
	char tok[TOKEN_MAX];
	const char *p = v, *eq;
	size_t n, i, len;

	while (*p != '\0') {
		n = strcspn(p, TOKEN_SEPS);
		if (n == 0 || n >= sizeof(tok))
			return 0;
		memcpy(tok, p, n);
		tok[n] = '\0';
		eq = strchr(tok, '=');
		if (with_number != (eq != NULL))
			return 0;
		len = eq != NULL ? (size_t)(eq - tok) : n;
		for (i = 0; i < len; i++)
			if (!is_word_char(tok[i]))
				return 0;
		if (eq != NULL && (eq == tok || !is_number(eq + 1)))
			return 0;
		p += n;
		if (*p != '\0' && *++p == '\0')
			return 0;
	}
	return 1;
}

/* "N%", or "X/Y" with X and Y numbers. */
static int
is_split_number(const char *v, char sep)
{
	char buf[TOKEN_MAX];
	const char *p = strchr(v, sep);
	size_t n = p != NULL ? (size_t)(p - v) : 0;

	if (p == NULL || n >= sizeof(buf) || strchr(p + 1, sep) != NULL)
		return 0;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return is_number(buf) && (sep == '%' ? p[1] == '\0' :
	    is_number(p + 1));
}

/* Keys whose value is a list even with one word ("none": empty). */
static int
is_list_key(const char *key)
{
	return strcmp(key, "sandbox_layers") == 0 ||
	    strcmp(key, "sandbox_missing") == 0;
}

static enum value_kind
classify(const char *key, const char *v)
{
	if (is_number(v))
		return VALUE_NUMBER;
	if (is_split_number(v, '%'))
		return VALUE_PERCENT;
	if (is_split_number(v, '/'))
		return VALUE_RATIO;
	if (*v != '\0' && tokens_are(v, 1))
		return VALUE_PAIRS;
	if ((strpbrk(v, TOKEN_SEPS) != NULL || is_list_key(key)) &&
	    tokens_are(v, 0))
		return VALUE_WORDS;
	return VALUE_STRING;
}

/* Split "key: value" lines; the items point into text, which is modified. */
static size_t
parse(char *text, struct item *items, size_t max)
{
	char *line, *next, *sep;
	size_t n = 0;

	for (line = text; line != NULL && *line != '\0' && n < max;
	    line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((sep = strstr(line, ": ")) == NULL || sep == line)
			continue;
		*sep = '\0';
		items[n].key = line;
		items[n].value = sep + 2;
		items[n].kind = classify(line, items[n].value);
		if (is_list_key(line) && strcmp(items[n].value, "none") == 0)
			items[n].value = sep + 2 + strlen("none");
		n++;
	}
	return n;
}

/* Call fn for each token of v: name (NUL-terminated copy) and number. */
static void
each_token(const char *v, void (*fn)(FILE *, const char *, const char *,
    int, const void *), FILE *f, const void *arg)
{
	char tok[TOKEN_MAX], *eq;
	size_t n;
	int first = 1;

	while (*v != '\0') {
		n = strcspn(v, TOKEN_SEPS);
		memcpy(tok, v, n);
		tok[n] = '\0';
		if ((eq = strchr(tok, '=')) != NULL)
			*eq++ = '\0';
		fn(f, tok, eq, first, arg);
		first = 0;
		v += n;
		if (*v != '\0')
			v++;
	}
}

static void
json_token(FILE *f, const char *name, const char *num, int first,
    const void *arg)
{
	(void)arg;
	if (!first)
		fputc(',', f);
	cli_json_string(f, name);
	if (num != NULL)
		fprintf(f, ":%s", num);
}

static void
json_value(FILE *f, const struct item *it)
{
	const char *v = it->value;

	switch (it->kind) {
	case VALUE_NUMBER:
		fputs(v, f);
		break;
	case VALUE_PERCENT:
		fprintf(f, "%.*s", (int)strcspn(v, "%"), v);
		break;
	case VALUE_RATIO:
		fprintf(f, "{\"value\":%.*s,\"max\":%s}", (int)strcspn(v, "/"),
		    v, strchr(v, '/') + 1);
		break;
	case VALUE_PAIRS:
	case VALUE_WORDS:
		fputc(it->kind == VALUE_PAIRS ? '{' : '[', f);
		each_token(v, json_token, f, NULL);
		fputc(it->kind == VALUE_PAIRS ? '}' : ']', f);
		break;
	case VALUE_STRING:
		cli_json_string(f, v);
		break;
	}
}

static void
print_json(FILE *f, const struct item *items, size_t n)
{
	size_t i;

	fputc('{', f);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputc(',', f);
		cli_json_string(f, items[i].key);
		fputc(':', f);
		json_value(f, &items[i]);
	}
	fputs("}\n", f);
}

/* [a-zA-Z0-9_] only, as metric and label names must be. */
static void
prom_name(FILE *f, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && s[i] != '\0'; i++)
		fputc(is_word_char(s[i]) && strchr(".:+-/", s[i]) == NULL ?
		    s[i] : '_', f);
}

static void
prom_label_value(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

struct prom_metric {
	char		 name[TOKEN_MAX];
	const char	*label;
	int		 ms;		/* value in ms, print seconds */
	int		 quantile;	/* "p99" means quantile="0.99" */
};

static void
prom_value(FILE *f, const char *num, int ms)
{
	if (ms)
		fprintf(f, " %.9g\n", strtod(num, NULL) / 1000.0);
	else
		fprintf(f, " %s\n", num);
}

/* "p50" -> "0.5", "p99.9" -> "0.999"; anything else unchanged. */
static void
prom_quantile(FILE *f, const char *tok)
{
	if (tok[0] == 'p' && is_number(tok + 1))
		fprintf(f, "%.9g", strtod(tok + 1, NULL) / 100.0);
	else
		prom_label_value(f, tok);
}

static void
prom_token(FILE *f, const char *tok, const char *num, int first,
    const void *arg)
{
	const struct prom_metric *m = arg;

	(void)first;
	fprintf(f, "%s{%s=\"", m->name, m->label);
	if (m->quantile)
		prom_quantile(f, tok);
	else
		prom_label_value(f, tok);
	fputs("\"}", f);
	prom_value(f, num != NULL ? num : "1", m->ms && num != NULL);
}

/* Name, label and unit of the metric for one item, from known[]. */
static void
prom_metric_init(struct prom_metric *m, const struct item *it,
    const char **ret_type, const char **ret_help)
{
	size_t i, klen = strlen(it->key);
	FILE *f;

	*ret_type = "untyped";
	*ret_help = "safeloadd status item";
	m->label = "name";
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(known[i].key, it->key) != 0)
			continue;
		*ret_type = known[i].type;
		*ret_help = known[i].help;
		if (known[i].label != NULL)
			m->label = known[i].label;
	}
	m->quantile = strcmp(m->label, "quantile") == 0;
	m->ms = klen > 3 && strcmp(it->key + klen - 3, "_ms") == 0;
	if ((f = fmemopen(m->name, sizeof(m->name), "w")) == NULL) {
		m->name[0] = '\0';
		return;
	}
	fputs("safeload_", f);
	prom_name(f, it->key, m->ms ? klen - 3 : klen);
	fputs(m->ms ? "_seconds" : "", f);
	fputs(strcmp(*ret_type, "counter") == 0 ? "_total" : "", f);
	(void)fclose(f);
}

static void
prom_item(FILE *f, const struct item *it)
{
	struct prom_metric m;
	const char *type, *help;

	prom_metric_init(&m, it, &type, &help);
	if (m.name[0] == '\0')
		return;
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", m.name, help, m.name, type);
	switch (it->kind) {
	case VALUE_NUMBER:
		fputs(m.name, f);
		prom_value(f, it->value, m.ms);
		break;
	case VALUE_PERCENT:
		/* Prometheus wants ratios, 0..1. */
		fprintf(f, "%s %.9g\n", m.name, strtod(it->value, NULL) / 100);
		break;
	case VALUE_RATIO:
		fprintf(f, "%s %.*s\n# HELP %s_max The most %s may be\n"
		    "# TYPE %s_max gauge\n%s_max %s\n", m.name,
		    (int)strcspn(it->value, "/"), it->value, m.name, m.name,
		    m.name, m.name, strchr(it->value, '/') + 1);
		break;
	default:
		each_token(it->value, prom_token, f, &m);
	}
}

/* Strings (version, policy digest...) become labels of safeload_info. */
static void
prom_info(FILE *f, const struct item *items, size_t n)
{
	size_t i;
	int first = 1;

	fputs("# HELP safeload_info safeloadd version and other facts\n"
	    "# TYPE safeload_info gauge\nsafeload_info{", f);
	for (i = 0; i < n; i++) {
		if (items[i].kind != VALUE_STRING)
			continue;
		fputs(first ? "" : ",", f);
		prom_name(f, items[i].key, strlen(items[i].key));
		fputs("=\"", f);
		prom_label_value(f, items[i].value);
		fputc('"', f);
		first = 0;
	}
	fputs("} 1\n", f);
}

static void
print_prometheus(FILE *f, const struct item *items, size_t n)
{
	size_t i;

	prom_info(f, items, n);
	for (i = 0; i < n; i++)
		if (items[i].kind != VALUE_STRING)
			prom_item(f, &items[i]);
}

int
cli_status_print(FILE *f, const char *text, const char *format)
{
	struct item *items = NULL;
	char *copy = NULL;
	size_t n;
	int r = -ENOMEM;

	if (strcmp(format, "text") == 0) {
		fputs(text, f);
		return 0;
	}
	if ((copy = strdup(text)) == NULL ||
	    (items = calloc(STATUS_ITEMS_MAX, sizeof(*items))) == NULL)
		goto out;
	n = parse(copy, items, STATUS_ITEMS_MAX);
	if (strcmp(format, "json") == 0)
		print_json(f, items, n);
	else
		print_prometheus(f, items, n);
	r = 0;
out:
	free(items);
	free(copy);
	return r;
}
