/*
 * json.c: a result as one line of JSON (role: client).
 *
 * The file name is whatever the user typed and the messages and op names
 * come from a worker that read an attacker's file, so every string goes
 * through json_quote(): the output is always valid JSON and valid UTF-8,
 * and has no control characters that could reach a terminal or a log.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client-internal.h"
#include "safeload.h"
#include "utf8.h"

/* A growing string; after an allocation failure every append is a no-op. */
struct jbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 oom;
};

/* The escape for one ASCII byte, or NULL when it stands for itself. */
static const char *
json_escape_ascii(unsigned char c, char tmp[7])
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	default:
		break;
	}
	if (c >= 0x20 && c != 0x7f)
		return NULL;
	(void)snprintf(tmp, 7, "\\u%04x", (unsigned)c);
	return tmp;
}

static size_t
json_emit(char *out, size_t at, const void *p, size_t n)
{
	if (out != NULL)
		memcpy(out + at, p, n);
	return n;
}

size_t
json_quote(char *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	const char *esc;
	char tmp[7];
	size_t i = 0, k, w = 0;

	w += json_emit(out, w, "\"", 1);
	while (i < n) {
		if (u[i] < 0x80) {
			esc = json_escape_ascii(u[i], tmp);
			if (esc != NULL)
				w += json_emit(out, w, esc, strlen(esc));
			else
				w += json_emit(out, w, &u[i], 1);
			i++;
		} else if ((k = utf8_seq_len(u + i, n - i)) > 0) {
			w += json_emit(out, w, &u[i], k);
			i += k;
		} else {
			w += json_emit(out, w, "\\ufffd", 6);
			i++;
		}
	}
	w += json_emit(out, w, "\"", 1);
	return w;
}

/* Make room for n more bytes and a NUL. */
static char *
jbuf_reserve(struct jbuf *j, size_t n)
{
	size_t cap;
	char *p;

	if (j->oom)
		return NULL;
	if (n < j->cap - j->len)
		return j->p + j->len;
	cap = j->cap > 0 ? j->cap : 256;
	while (cap - j->len <= n && cap < SIZE_MAX / 2)
		cap *= 2;
	if (cap - j->len <= n || (p = realloc(j->p, cap)) == NULL) {
		j->oom = 1;
		return NULL;
	}
	j->p = p;
	j->cap = cap;
	return j->p + j->len;
}

static void
jbuf_puts(struct jbuf *j, const char *s)
{
	size_t n = strlen(s);
	char *dst;

	if ((dst = jbuf_reserve(j, n)) == NULL)
		return;
	memcpy(dst, s, n + 1);
	j->len += n;
}

static void
jbuf_quote(struct jbuf *j, const char *s)
{
	size_t n, need;
	char *dst;

	if (s == NULL) {
		jbuf_puts(j, "null");
		return;
	}
	n = strlen(s);
	need = json_quote(NULL, s, n);
	if ((dst = jbuf_reserve(j, need)) == NULL)
		return;
	(void)json_quote(dst, s, n);
	j->len += need;
	j->p[j->len] = '\0';
}

/* `"key":` */
static void
jbuf_key(struct jbuf *j, const char *key)
{
	jbuf_quote(j, key);
	jbuf_puts(j, ":");
}

static void
jbuf_u64(struct jbuf *j, const char *key, uint64_t v, const char *sep)
{
	char num[24];

	(void)snprintf(num, sizeof(num), "%" PRIu64, v);
	jbuf_key(j, key);
	jbuf_puts(j, num);
	jbuf_puts(j, sep);
}

static void
json_reasons(struct jbuf *j, const struct sl_result *r)
{
	size_t i, n = sl_result_reason_count(r);

	jbuf_key(j, "reasons");
	jbuf_puts(j, "[");
	for (i = 0; i < n; i++) {
		jbuf_puts(j, i > 0 ? ",{" : "{");
		jbuf_key(j, "code");
		jbuf_quote(j, sl_result_reason_code(r, i));
		jbuf_puts(j, ",");
		jbuf_key(j, "message");
		jbuf_quote(j, sl_result_reason_message(r, i));
		jbuf_puts(j, "}");
	}
	jbuf_puts(j, "],");
}

static void
json_stats(struct jbuf *j, const struct sl_result *r)
{
	size_t i, n = sl_result_op_count(r);

	jbuf_key(j, "stats");
	jbuf_puts(j, "{");
	jbuf_u64(j, "functions", sl_result_stat(r, SL_STAT_FUNCTIONS), ",");
	jbuf_u64(j, "parameters", sl_result_stat(r, SL_STAT_PARAMETERS), ",");
	jbuf_u64(j, "constants", sl_result_stat(r, SL_STAT_CONSTANTS), ",");
	jbuf_u64(j, "bytes", sl_result_stat(r, SL_STAT_BYTES), ",");
	jbuf_u64(j, "max_depth", sl_result_stat(r, SL_STAT_MAX_DEPTH), ",");
	jbuf_key(j, "ops");
	jbuf_puts(j, "{");
	for (i = 0; i < n; i++)
		jbuf_u64(j, sl_result_op_name(r, i), sl_result_op_uses(r, i),
		    i + 1 < n ? "," : "");
	jbuf_puts(j, "}}");
}

char *
sl_result_json(const struct sl_result *r, const char *file)
{
	struct jbuf j = { NULL, 0, 0, 0 };

	jbuf_puts(&j, "{");
	jbuf_key(&j, "file");
	jbuf_quote(&j, file);
	jbuf_puts(&j, ",");
	jbuf_key(&j, "verdict");
	jbuf_quote(&j, sl_result_accepted(r) ? "accept" : "reject");
	jbuf_puts(&j, ",");
	jbuf_key(&j, "format");
	jbuf_quote(&j, sl_result_format(r));
	jbuf_puts(&j, ",");
	json_reasons(&j, r);
	jbuf_key(&j, "sha256");
	jbuf_quote(&j, sl_result_sha256(r));
	jbuf_puts(&j, ",");
	jbuf_key(&j, "canonical_sha256");
	jbuf_quote(&j, sl_result_canonical_sha256(r));
	jbuf_puts(&j, ",");
	jbuf_key(&j, "profile");
	jbuf_quote(&j, sl_result_profile(r));
	jbuf_puts(&j, ",");
	jbuf_key(&j, "policy_digest");
	jbuf_quote(&j, sl_result_policy_digest(r));
	jbuf_puts(&j, ",");
	json_stats(&j, r);
	jbuf_puts(&j, "}");
	if (j.oom) {
		free(j.p);
		return NULL;
	}
	return j.p;
}
