/*
 * report.c: building a report (role: library; used by worker and client).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

void
report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
	r->verdict = REPORT_ACCEPT;
	r->format = REPORT_FORMAT_UNKNOWN;
}

/* Reports end up in logs and JSON: keep them printable, one line. */
static void
report_sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

void
report_vreject(struct report *r, enum reason code, const char *fmt, va_list ap)
{
	struct report_reason *rr;

	r->verdict = REPORT_REJECT;
	if (r->n_reasons >= REPORT_REASONS_MAX)
		return;
	rr = &r->reasons[r->n_reasons++];
	rr->code = code;
	(void)vsnprintf(rr->message, sizeof(rr->message), fmt, ap);
	report_sanitize(rr->message);
}

void
report_reject(struct report *r, enum reason code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_vreject(r, code, fmt, ap);
	va_end(ap);
}

uint64_t
report_op_uses(const struct report *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_ops; i++)
		if (strncmp(r->ops[i].name, name, REPORT_OP_NAME_MAX) == 0)
			return r->ops[i].count;
	return 0;
}

void
report_count_op(struct report *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_ops; i++) {
		if (strncmp(r->ops[i].name, name, REPORT_OP_NAME_MAX) == 0) {
			r->ops[i].count++;
			return;
		}
	}
	if (r->n_ops == REPORT_OPS_MAX) {
		/* The last slot doubles as the overflow bucket. */
		(void)snprintf(r->ops[REPORT_OPS_MAX - 1].name,
		    sizeof(r->ops[0].name), "(other)");
		r->ops[REPORT_OPS_MAX - 1].count++;
		return;
	}
	(void)snprintf(r->ops[i].name, sizeof(r->ops[i].name), "%s", name);
	report_sanitize(r->ops[i].name);
	r->ops[i].count = 1;
	r->n_ops++;
}

static int
report_op_cmp(const void *a, const void *b)
{
	const struct report_op *x = a, *y = b;

	return strcmp(x->name, y->name);
}

void
report_sort_ops(struct report *r)
{
	qsort(r->ops, r->n_ops, sizeof(r->ops[0]), report_op_cmp);
}

const char *
report_format_name(enum report_format f)
{
	static const char *const names[REPORT_FORMAT__MAX] = {
		[REPORT_FORMAT_UNKNOWN] = "unknown",
		[REPORT_FORMAT_CNTK_V2] = "cntk-v2",
		[REPORT_FORMAT_CNTK_V1] = "cntk-v1",
		[REPORT_FORMAT_ONNX] = "onnx",
	};

	if ((unsigned)f >= REPORT_FORMAT__MAX)
		return NULL;
	return names[f];
}
