/*
 * cli-sarif.c: `safeload check --format sarif`, one SARIF 2.1.0 log per
 * run (role: client program; uses only the public API in safeload.h).
 *
 * One run, tool "safeload".  Each checked file is an artifact with its
 * length and SHA-256 and, as properties, the verdict, the format and the
 * canonical SHA-256.  Each reason to reject is a result: ruleId the stable
 * reason code, level "error", kind "fail".  A file that got no verdict
 * (no daemon, refused, busy) is a tool execution notification and makes
 * executionSuccessful false.  The process exit code is recorded as is.
 * The pieces are gathered in memory streams because SARIF wants the rules
 * and artifacts that the results index, and files arrive one by one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "safeload.h"

#define SARIF_SCHEMA \
	"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/" \
	"schemas/sarif-schema-2.1.0.json"

struct stream {
	char	*buf;
	size_t	 len;
	FILE	*f;
	size_t	 n;		/* elements written, for commas and indices */
};

struct sarif {
	struct stream	 results;
	struct stream	 artifacts;
	struct stream	 notes;
	char		**rules;	/* distinct reason codes, in order */
	size_t		 n_rules;
};

static int
stream_open(struct stream *s)
{
	s->f = open_memstream(&s->buf, &s->len);
	return s->f != NULL ? 0 : -ENOMEM;
}

/* Start the next array element; its index. */
static size_t
stream_next(struct stream *s)
{
	if (s->n > 0)
		fputc(',', s->f);
	return s->n++;
}

static void
stream_close(struct stream *s)
{
	if (s->f != NULL)
		(void)fclose(s->f);
	s->f = NULL;
	free(s->buf);
	s->buf = NULL;
}

struct sarif *
sarif_new(void)
{
	struct sarif *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (stream_open(&s->results) < 0 || stream_open(&s->artifacts) < 0 ||
	    stream_open(&s->notes) < 0) {
		(void)sarif_finish(s, NULL, 0);
		return NULL;
	}
	return s;
}

/* Index of code in the rules, added if new; -ENOMEM. */
static int
sarif_rule(struct sarif *s, const char *code)
{
	char **rules;
	size_t i;

	for (i = 0; i < s->n_rules; i++)
		if (strcmp(s->rules[i], code) == 0)
			return (int)i;
	if ((rules = reallocarray(s->rules, s->n_rules + 1,
	    sizeof(*rules))) == NULL)
		return -ENOMEM;
	s->rules = rules;
	if ((rules[s->n_rules] = strdup(code)) == NULL)
		return -ENOMEM;
	return (int)s->n_rules++;
}

/*
 * A file name as a URI reference: RFC 3986 unreserved characters and "/"
 * stay, everything else is percent-encoded.  Absolute paths become file
 * URIs; relative ones are relative to %SRCROOT%, the working directory.
 * index < 0: the artifact's own location, which names no index.
 */
static void
sarif_location(FILE *f, const char *file, long index)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	fputs("{\"uri\":\"", f);
	if (file[0] == '/')
		fputs("file://", f);
	for (p = (const unsigned char *)file; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL)
			fputc(*p, f);
		else
			fprintf(f, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
	fputc('"', f);
	if (file[0] != '/')
		fputs(",\"uriBaseId\":\"%SRCROOT%\"", f);
	if (index >= 0)
		fprintf(f, ",\"index\":%ld", index);
	fputc('}', f);
}

static void
sarif_json_or_null(FILE *f, const char *s)
{
	if (s != NULL)
		cli_json_string(f, s);
	else
		fputs("null", f);
}

static size_t
sarif_artifact(struct sarif *s, const struct sl_result *r, const char *file)
{
	FILE *f = s->artifacts.f;
	size_t i = stream_next(&s->artifacts);

	fputs("{\"location\":", f);
	sarif_location(f, file, -1);
	if (r != NULL) {
		fprintf(f, ",\"length\":%llu", (unsigned long long)
		    sl_result_stat(r, SL_STAT_BYTES));
		if (sl_result_sha256(r) != NULL)
			fprintf(f, ",\"hashes\":{\"sha-256\":\"%s\"}",
			    sl_result_sha256(r));
		fprintf(f, ",\"properties\":{\"verdict\":\"%s\",\"format\":",
		    sl_result_accepted(r) ? "accept" : "reject");
		cli_json_string(f, sl_result_format(r));
		fputs(",\"canonicalSha256\":", f);
		sarif_json_or_null(f, sl_result_canonical_sha256(r));
		fputc('}', f);
	}
	fputc('}', f);
	return i;
}

int
sarif_add_result(struct sarif *s, const struct sl_result *r,
    const char *file)
{
	FILE *f = s->results.f;
	size_t art, i, n = sl_result_reason_count(r);
	int rule;

	art = sarif_artifact(s, r, file);
	for (i = 0; i < n; i++) {
		if ((rule = sarif_rule(s, sl_result_reason_code(r, i))) < 0)
			return rule;
		(void)stream_next(&s->results);
		fputs("{\"ruleId\":", f);
		cli_json_string(f, sl_result_reason_code(r, i));
		fprintf(f, ",\"ruleIndex\":%d,\"level\":\"error\","
		    "\"kind\":\"fail\",\"message\":{\"text\":", rule);
		cli_json_string(f, sl_result_reason_message(r, i));
		fputs("},\"locations\":[{\"physicalLocation\":"
		    "{\"artifactLocation\":", f);
		sarif_location(f, file, (long)art);
		fputs("}}]", f);
		if (sl_result_sha256(r) != NULL)
			fprintf(f, ",\"partialFingerprints\":"
			    "{\"inputSha256/v1\":\"%s\"}", sl_result_sha256(r));
		fputc('}', f);
	}
	return ferror(f) ? -ENOMEM : 0;
}

int
sarif_add_error(struct sarif *s, const char *file, const char *message)
{
	FILE *f = s->notes.f;
	size_t art;

	art = sarif_artifact(s, NULL, file);
	(void)stream_next(&s->notes);
	fputs("{\"level\":\"error\",\"message\":{\"text\":", f);
	cli_json_string(f, message);
	fputs("},\"locations\":[{\"physicalLocation\":"
	    "{\"artifactLocation\":", f);
	sarif_location(f, file, (long)art);
	fputs("}}]}", f);
	return ferror(f) ? -ENOMEM : 0;
}

static void
sarif_driver(FILE *f, const struct sarif *s)
{
	size_t i;

	fputs("{\"driver\":{\"name\":\"safeload\",\"version\":", f);
	cli_json_string(f, sl_version());
	fputs(",\"semanticVersion\":", f);
	cli_json_string(f, sl_version());
	fputs(",\"rules\":[", f);
	for (i = 0; i < s->n_rules; i++) {
		fputs(i > 0 ? ",{\"id\":" : "{\"id\":", f);
		cli_json_string(f, s->rules[i]);
		fputs(",\"shortDescription\":{\"text\":", f);
		cli_json_string(f, "safeload rejects the model: see the "
		    "reason codes in safeload(1)");
		fputs("},\"defaultConfiguration\":{\"level\":\"error\"}}", f);
	}
	fputs("]}}", f);
}

/* The three streams must be closed (flushed) before their buffers count. */
static int
sarif_flush(struct sarif *s)
{
	int r = 0;

	if (fclose(s->results.f) != 0 || fclose(s->artifacts.f) != 0 ||
	    fclose(s->notes.f) != 0)
		r = -ENOMEM;
	s->results.f = s->artifacts.f = s->notes.f = NULL;
	return r;
}

int
sarif_finish(struct sarif *s, FILE *f, int exit_code)
{
	size_t i;
	int r = 0;

	if (f != NULL && (r = sarif_flush(s)) == 0) {
		fprintf(f, "{\"$schema\":\"%s\",\"version\":\"2.1.0\","
		    "\"runs\":[{\"tool\":", SARIF_SCHEMA);
		sarif_driver(f, s);
		fprintf(f, ",\"artifacts\":[%s],\"results\":[%s],"
		    "\"invocations\":[{\"executionSuccessful\":%s,"
		    "\"exitCode\":%d,\"toolExecutionNotifications\":[%s]}]"
		    ",\"columnKind\":\"unicodeCodePoints\"}]}\n",
		    s->artifacts.buf, s->results.buf,
		    s->notes.n == 0 ? "true" : "false", exit_code,
		    s->notes.buf);
	}
	stream_close(&s->results);
	stream_close(&s->artifacts);
	stream_close(&s->notes);
	for (i = 0; i < s->n_rules; i++)
		free(s->rules[i]);
	free(s->rules);
	free(s);
	return r;
}
