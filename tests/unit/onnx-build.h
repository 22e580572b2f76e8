/*
 * onnx-build.h: hand-built ONNX bytes and a model_parse() runner for the
 * ONNX unit tests (role: tests; included by test-onnx*.c only).
 *
 * Models are written with pb-encode.h rather than protobuf-c, so that
 * hostile inputs (external data, lying dims, unknown domains, deep
 * nesting, wrong wire types) can be expressed.  With `--seeds DIR` every
 * model a test checks is also written to DIR: tests/fuzz/corpus/onnx is
 * made that way.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "pb-encode.h"
#include "tap.h"

/* With --seeds DIR, every model checked is also written there. */
static const char *seed_dir;

/* --- ONNX pieces (field numbers of onnx.proto) -------------------------- */

/* A float tensor with `dims` and `nvals` values in float_data. */
__attribute__((unused)) static struct pb
tensor(const char *name, const int64_t *dims, size_t nd, size_t nvals)
{
	struct pb t = { 0 }, packed = { 0 };
	float v = 1.0f;
	size_t i;

	for (i = 0; i < nd; i++)
		pb_uint(&t, 1, (uint64_t)dims[i]);
	pb_uint(&t, 2, 1);			/* FLOAT */
	for (i = 0; i < nvals; i++)
		pb_put(&packed, &v, sizeof(v));
	if (nvals > 0)
		pb_msg(&t, 4, &packed);
	pb_str(&t, 8, name);
	free(packed.p);
	return t;
}

/* A ValueInfo: float tensor of shape [3]. */
__attribute__((unused)) static struct pb
value_info(const char *name)
{
	struct pb vi = { 0 }, tp = { 0 }, tt = { 0 }, shape = { 0 };
	struct pb dim = { 0 };

	pb_uint(&dim, 1, 3);
	pb_msg(&shape, 1, &dim);
	pb_uint(&tt, 1, 1);
	pb_msg(&tt, 2, &shape);
	pb_msg(&tp, 1, &tt);
	pb_str(&vi, 1, name);
	pb_msg(&vi, 2, &tp);
	return vi;
}

/* A node: op(in0, in1) -> out, in `domain` (NULL: default). */
__attribute__((unused)) static struct pb
node(const char *op, const char *domain, const char *in0, const char *in1,
    const char *out)
{
	struct pb n = { 0 };

	if (in0 != NULL)
		pb_str(&n, 1, in0);
	if (in1 != NULL)
		pb_str(&n, 1, in1);
	pb_str(&n, 2, out);
	pb_str(&n, 3, out);
	pb_str(&n, 4, op);
	if (domain != NULL)
		pb_str(&n, 7, domain);
	return n;
}

/*
 * Input X, initializer W (default: [3] floats), then `n` (default:
 * Y = Add(X, W)), output Y.  Both arguments are consumed.
 */
__attribute__((unused)) static struct pb
graph(struct pb *init, struct pb *n)
{
	static const int64_t dims[] = { 3 };
	struct pb g = { 0 }, p;

	p = n != NULL ? *n : node("Add", NULL, "X", "W", "Y");
	pb_msg(&g, 1, &p);
	pb_str(&g, 2, "g");
	p = init != NULL ? *init : tensor("W", dims, 1, 3);
	pb_msg(&g, 5, &p);
	p = value_info("X");
	pb_msg(&g, 11, &p);
	p = value_info("Y");
	pb_msg(&g, 12, &p);
	return g;
}

__attribute__((unused)) static struct pb
graph_good(void)
{
	return graph(NULL, NULL);
}

/* A model with `ir` (0: none) importing `domain` at `opset` (0: none). */
__attribute__((unused)) static struct pb
model(int64_t ir, const char *domain, int64_t opset, struct pb *g)
{
	struct pb m = { 0 }, os = { 0 };

	if (ir != 0)
		pb_uint(&m, 1, (uint64_t)ir);
	pb_str(&m, 2, "test-onnx");
	if (g != NULL)
		pb_msg(&m, 7, g);
	if (opset != 0) {
		if (domain != NULL)
			pb_str(&os, 1, domain);
		pb_uint(&os, 2, (uint64_t)opset);
		pb_msg(&m, 8, &os);
	}
	return m;
}

/* The good model with initializer `init` (consumed). */
__attribute__((unused)) static struct pb
model_init(struct pb *init)
{
	struct pb g = graph(init, NULL);

	return model(7, NULL, 13, &g);
}

/* The good model with node `n` (consumed) at `opset`. */
__attribute__((unused)) static struct pb
model_node(struct pb *n, int64_t opset)
{
	struct pb g = graph(NULL, n);

	return model(7, NULL, opset, &g);
}

/* --- running the parser ------------------------------------------------- */

struct result {
	struct report	 rep;
	uint8_t		*canon;
	size_t		 canon_len;
	int		 r;
};

__attribute__((unused)) static void
run_limits(const struct pb *m, const struct model_limits *l,
    struct result *res)
{
	memset(res, 0, sizeof(*res));
	report_init(&res->rep);
	res->r = model_parse(m->p, m->n, l, NULL, REPORT_FORMAT_ONNX,
	    &res->rep, &res->canon, &res->canon_len);
}

__attribute__((unused)) static void
run(const struct pb *m, struct result *res)
{
	struct model_limits l;

	model_limits_default(&l);
	run_limits(m, &l, res);
}

/* The first reason's code, REASON_NONE on accept. */
__attribute__((unused)) static enum reason
code_of(const struct result *res)
{
	if (res->r != 0)
		return REASON__MAX;
	if (res->rep.verdict == REPORT_ACCEPT)
		return res->canon != NULL ? REASON_NONE : REASON__MAX;
	return res->rep.n_reasons > 0 ? res->rep.reasons[0].code : REASON__MAX;
}

/* Write m as a fuzz seed named after `what`. */
__attribute__((unused)) static void
write_seed(const struct pb *m, const char *what, enum reason want)
{
	char path[4096], name[128];
	size_t i, k = 0;
	FILE *f;
	char ch;

	snprintf(name, sizeof(name), "%s-%s",
	    want == REASON_NONE ? "ok" : reason_code(want), what);
	/* Lower-case letters and digits; anything else becomes one '-'. */
	for (i = 0; name[i] != '\0'; i++) {
		ch = name[i] >= 'A' && name[i] <= 'Z' ?
		    (char)(name[i] - 'A' + 'a') : name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
			ch = '-';
		if (ch != '-' || (k > 0 && name[k - 1] != '-'))
			name[k++] = ch;
	}
	while (k > 0 && name[k - 1] == '-')
		k--;
	name[k] = '\0';
	snprintf(path, sizeof(path), "%s/%s", seed_dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(m->p, 1, m->n, f) != m->n)
		tap_diag("cannot write seed %s", path);
	if (f != NULL)
		fclose(f);
}

/* Run m, check the first reason, free everything. */
__attribute__((unused)) static void
expect(struct pb *m, enum reason want, const char *what)
{
	struct result res;
	enum reason got;

	if (seed_dir != NULL)
		write_seed(m, what, want);
	run(m, &res);
	got = code_of(&res);
	if (!ok(got == want, "%s: %s", what,
	    want == REASON_NONE ? "accepted" : reason_code(want)))
		tap_diag("got %s: %s", got == REASON_NONE ? "accept" :
		    got < REASON__MAX ? reason_code(got) : "?",
		    res.rep.n_reasons > 0 ? res.rep.reasons[0].message : "");
	free(res.canon);
	free(m->p);
	memset(m, 0, sizeof(*m));
}

/* The canonical copy of m, or NULL. */
__attribute__((unused)) static uint8_t *
canon_of(const uint8_t *p, size_t n, size_t *ret_len)
{
	struct pb m = { (uint8_t *)(uintptr_t)p, n, n };
	struct result res;

	run(&m, &res);
	*ret_len = res.canon_len;
	return res.canon;
}

__attribute__((unused)) static bool
same(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	return a != NULL && b != NULL && na == nb && memcmp(a, b, na) == 0;
}
