/*
 * test-onnx.c: model_parse() on hand-built ONNX bytes and on the real ONNX
 * files of the corpus (role: tests).
 *
 * Models are written with a tiny protobuf encoder rather than protobuf-c,
 * so that hostile inputs (external data, lying dims, unknown domains, deep
 * nesting, wrong wire types) can be expressed.  The corpus part runs only
 * when SAFELOAD_CORPUS names an existing directory.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "tap.h"

#define NESTING_DEEP	100	/* well past MODEL_MAX_DEPTH */

/* With --seeds DIR, every model checked is also written there. */
static const char *seed_dir;

/* --- a minimal protobuf encoder ----------------------------------------- */

struct pb {
	uint8_t	*p;
	size_t	 n, cap;
};

static void
pb_put(struct pb *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
pb_varint(struct pb *b, uint64_t v)
{
	uint8_t c;

	do {
		c = v & 0x7f;
		v >>= 7;
		if (v != 0)
			c |= 0x80;
		pb_put(b, &c, 1);
	} while (v != 0);
}

static void
pb_uint(struct pb *b, uint32_t field, uint64_t v)
{
	pb_varint(b, (uint64_t)field << 3);
	pb_varint(b, v);
}

static void
pb_bytes(struct pb *b, uint32_t field, const void *p, size_t n)
{
	pb_varint(b, (uint64_t)field << 3 | 2);
	pb_varint(b, n);
	pb_put(b, p, n);
}

static void
pb_str(struct pb *b, uint32_t field, const char *s)
{
	pb_bytes(b, field, s, strlen(s));
}

/* Append sub as field `field` and free it. */
static void
pb_msg(struct pb *b, uint32_t field, struct pb *sub)
{
	pb_bytes(b, field, sub->p, sub->n);
	free(sub->p);
	memset(sub, 0, sizeof(*sub));
}

/* --- ONNX pieces (field numbers of onnx.proto) -------------------------- */

/* A float tensor with `dims` and `nvals` values in float_data. */
static struct pb
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
static struct pb
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
static struct pb
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
static struct pb
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

static struct pb
graph_good(void)
{
	return graph(NULL, NULL);
}

/* A model with `ir` (0: none) importing `domain` at `opset` (0: none). */
static struct pb
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
static struct pb
model_init(struct pb *init)
{
	struct pb g = graph(init, NULL);

	return model(7, NULL, 13, &g);
}

/* The good model with node `n` (consumed) at `opset`. */
static struct pb
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

static void
run_limits(const struct pb *m, const struct model_limits *l,
    struct result *res)
{
	memset(res, 0, sizeof(*res));
	report_init(&res->rep);
	res->r = model_parse(m->p, m->n, l, REPORT_FORMAT_ONNX, &res->rep,
	    &res->canon, &res->canon_len);
}

static void
run(const struct pb *m, struct result *res)
{
	struct model_limits l;

	model_limits_default(&l);
	run_limits(m, &l, res);
}

/* The first reason's code, REASON_NONE on accept. */
static enum reason
code_of(const struct result *res)
{
	if (res->r != 0)
		return REASON__MAX;
	if (res->rep.verdict == REPORT_ACCEPT)
		return res->canon != NULL ? REASON_NONE : REASON__MAX;
	return res->rep.n_reasons > 0 ? res->rep.reasons[0].code : REASON__MAX;
}

/* Write m as a fuzz seed named after `what`. */
static void
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
static void
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
static uint8_t *
canon_of(const uint8_t *p, size_t n, size_t *ret_len)
{
	struct pb m = { (uint8_t *)(uintptr_t)p, n, n };
	struct result res;

	run(&m, &res);
	*ret_len = res.canon_len;
	return res.canon;
}

static bool
same(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	return a != NULL && b != NULL && na == nb && memcmp(a, b, na) == 0;
}

/* --- tests -------------------------------------------------------------- */

static void
test_good(void)
{
	struct pb m = { 0 }, g = graph_good();
	struct result res;
	uint8_t *c1, *c2;
	size_t n1, n2;

	m = model(7, NULL, 13, &g);
	run(&m, &res);
	ok(code_of(&res) == REASON_NONE && res.rep.format == REPORT_FORMAT_ONNX,
	    "good model: accepted as onnx");
	ok(res.rep.stats.functions == 1 && res.rep.stats.parameters == 3 &&
	    res.rep.n_ops == 1 && strcmp(res.rep.ops[0].name, "Add") == 0,
	    "good model: stats and ops");
	c1 = canon_of(res.canon, res.canon_len, &n1);
	ok(same(res.canon, res.canon_len, c1, n1), "canonical is idempotent");
	c2 = canon_of(m.p, m.n, &n2);
	ok(same(c1, n1, c2, n2), "canonical is deterministic");
	free(c2);
	/* Unknown fields at the top and inside the graph are dropped. */
	pb_uint(&m, 99, 7);
	c2 = canon_of(m.p, m.n, &n2);
	ok(same(c1, n1, c2, n2), "unknown top-level field dropped");
	free(c1);
	free(c2);
	free(res.canon);
	free(m.p);
	report_init(&res.rep);
	g = graph_good();
	pb_str(&g, 50, "junk");
	m = model(7, NULL, 13, &g);
	c1 = canon_of(m.p, m.n, &n1);
	g = graph_good();
	free(m.p);
	m = model(7, NULL, 13, &g);
	c2 = canon_of(m.p, m.n, &n2);
	ok(same(c1, n1, c2, n2), "unknown graph field dropped");
	free(c1);
	free(c2);
	res.r = model_parse(m.p, m.n, &(struct model_limits){ 0 },
	    REPORT_FORMAT_ONNX, &res.rep, &res.canon, &res.canon_len);
	ok(res.r == -EINVAL, "zero limits: -EINVAL");
	free(m.p);
}

/* The good model found by content, without a stated format. */
static void
test_detect(void)
{
	struct model_limits l;
	struct pb g = graph_good(), m = model(7, "ai.onnx", 13, &g);
	struct result res = { 0 };

	model_limits_default(&l);
	report_init(&res.rep);
	res.r = model_parse(m.p, m.n, &l, REPORT_FORMAT_UNKNOWN, &res.rep,
	    &res.canon, &res.canon_len);
	ok(code_of(&res) == REASON_NONE && res.rep.format == REPORT_FORMAT_ONNX,
	    "detected by content, 'ai.onnx' spelled out: accepted");
	free(res.canon);
	free(m.p);
}

static void
test_versions(void)
{
	struct pb g, m, os;

	g = graph_good();
	m = model(0, NULL, 13, &g);
	expect(&m, REASON_UNSUPPORTED_VERSION, "no ir_version (pre-1.0 draft)");
	g = graph_good();
	m = model(2, NULL, 13, &g);
	expect(&m, REASON_UNSUPPORTED_VERSION, "ir_version 2");
	g = graph_good();
	m = model(9, NULL, 13, &g);
	expect(&m, REASON_UNSUPPORTED_VERSION, "ir_version 9");
	g = graph_good();
	m = model(7, NULL, 18, &g);
	expect(&m, REASON_UNSUPPORTED_VERSION, "opset 18");
	g = graph_good();
	m = model(7, NULL, 0, &g);
	expect(&m, REASON_MISSING_KEY, "no opset_import (CNTK 2.4)");
	g = graph_good();
	m = model(7, NULL, 13, &g);
	pb_str(&m, 2, "x");
	expect(&m, REASON_DECODE_ERROR, "producer_name twice");
	m = model(7, NULL, 13, NULL);
	expect(&m, REASON_UNKNOWN_FORMAT, "no graph: not recognised as onnx");
	m = model(7, NULL, 13, NULL);
	g = graph_good();
	pb_msg(&m, 7, &g);
	os = (struct pb){ 0 };
	pb_str(&os, 1, "ai.onnx");
	pb_uint(&os, 2, 12);
	pb_msg(&m, 8, &os);
	expect(&m, REASON_DUPLICATE_KEY, "ai.onnx imported twice");
}

/* A [3] float tensor W whose data lives in the file `path`. */
static struct pb
tensor_external(const char *path, bool entry, bool location)
{
	static const int64_t dims[] = { 3 };
	struct pb t = tensor("W", dims, 1, 0), e = { 0 };

	if (entry) {
		pb_str(&e, 1, "location");
		pb_str(&e, 2, path);
		pb_msg(&t, 13, &e);
	}
	if (location)
		pb_uint(&t, 14, 1);		/* EXTERNAL */
	return t;
}

static void
test_external(void)
{
	static const char *const paths[] = {
		"weights.bin", "/etc/passwd", "../../../../etc/shadow",
		"sub/../../secret",
	};
	struct pb t, m;
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		t = tensor_external(paths[i], true, true);
		m = model_init(&t);
		expect(&m, REASON_EXTERNAL_DATA, paths[i]);
	}
	t = tensor_external("weights.bin", true, false);
	m = model_init(&t);
	expect(&m, REASON_EXTERNAL_DATA, "external_data without EXTERNAL");
	t = tensor_external(NULL, false, true);
	m = model_init(&t);
	expect(&m, REASON_EXTERNAL_DATA, "data_location EXTERNAL alone");
}

static void
test_dims(void)
{
	static const int64_t big[] = { 1000 }, three[] = { 3 }, neg[] = { -1 };
	static const int64_t huge[] = { INT64_C(1) << 31, INT64_C(1) << 31 };
	static const uint8_t raw[12];
	struct pb t, m;

	t = tensor("W", big, 1, 3);
	m = model_init(&t);
	expect(&m, REASON_SHAPE_MISMATCH, "dims [1000], 3 values");
	t = tensor("W", three, 1, 5);
	m = model_init(&t);
	expect(&m, REASON_SHAPE_MISMATCH, "dims [3], 5 values");
	t = tensor("W", neg, 1, 0);
	m = model_init(&t);
	expect(&m, REASON_SHAPE_MISMATCH, "negative dim");
	t = tensor("W", huge, 2, 0);
	m = model_init(&t);
	expect(&m, REASON_COUNT_LIMIT, "dims [2^31, 2^31]: over max_elements");
	t = tensor("W", three, 1, 0);
	pb_bytes(&t, 9, raw, sizeof(raw) - 1);
	m = model_init(&t);
	expect(&m, REASON_SHAPE_MISMATCH, "raw_data one byte short");
	t = tensor("W", three, 1, 0);
	pb_bytes(&t, 9, raw, sizeof(raw));
	m = model_init(&t);
	expect(&m, REASON_NONE, "raw_data of 12 bytes");
	t = tensor("W", three, 1, 3);
	pb_uint(&t, 7, 1);
	m = model_init(&t);
	expect(&m, REASON_BAD_STRUCTURE, "int64_data in a FLOAT tensor");
	t = (struct pb){ 0 };
	pb_uint(&t, 1, 3);
	pb_uint(&t, 2, 99);
	pb_str(&t, 8, "W");
	m = model_init(&t);
	expect(&m, REASON_BAD_DATA_TYPE, "data_type 99");
}

static void
test_ops(void)
{
	struct pb n, m;

	n = node("Add", "com.evil", "X", "W", "Y");
	m = model_node(&n, 13);
	expect(&m, REASON_UNKNOWN_DOMAIN, "node in domain com.evil");
	n = graph_good();
	m = model(7, "com.evil", 1, &n);
	expect(&m, REASON_UNKNOWN_DOMAIN, "opset_import of com.evil");
	n = node("EvilOp", NULL, "X", "W", "Y");
	m = model_node(&n, 13);
	expect(&m, REASON_UNKNOWN_OP, "op EvilOp");
	n = node("GridSample", NULL, "X", "W", "Y");
	m = model_node(&n, 13);
	expect(&m, REASON_UNKNOWN_OP, "GridSample before opset 16");
	n = node("GridSample", NULL, "X", "W", "Y");
	m = model_node(&n, 16);
	expect(&m, REASON_NONE, "GridSample at opset 16");
	n = node("Upsample", NULL, "X", "W", "Y");
	m = model_node(&n, 10);
	expect(&m, REASON_UNKNOWN_OP, "Upsample after its withdrawal");
	n = node("", NULL, "X", "W", "Y");
	m = model_node(&n, 13);
	expect(&m, REASON_UNKNOWN_OP, "empty op_type");
}

/* Two nodes: Y = Add(X, W) after or before T = Relu(X). */
static struct pb
two_nodes(const char *a_in, const char *b_out)
{
	struct pb g = graph_good(), n;

	n = node("Relu", NULL, a_in, NULL, b_out);
	pb_msg(&g, 1, &n);
	return model(7, NULL, 13, &g);
}

static void
test_graph(void)
{
	static const int64_t dims[] = { 3 };
	struct pb n, m, g, t, vi;

	n = node("Add", NULL, "X", "Z", "Y");
	m = model_node(&n, 13);
	expect(&m, REASON_DANGLING_REFERENCE, "input never defined");
	m = two_nodes("Y", "T");
	expect(&m, REASON_NONE, "Relu after Add");
	/* Relu reads T, which only a later node would define. */
	n = node("Add", NULL, "X", "T", "Y");
	g = graph(NULL, &n);
	n = node("Relu", NULL, "X", NULL, "T");
	pb_msg(&g, 1, &n);
	m = model(7, NULL, 13, &g);
	expect(&m, REASON_DANGLING_REFERENCE, "nodes out of order");
	m = two_nodes("X", "Y");
	expect(&m, REASON_DUPLICATE_UID, "Y written twice");
	m = two_nodes("X", "W");
	expect(&m, REASON_DUPLICATE_UID, "node overwrites an initializer");
	g = graph_good();
	vi = value_info("Q");
	pb_msg(&g, 12, &vi);
	m = model(7, NULL, 13, &g);
	expect(&m, REASON_DANGLING_REFERENCE, "output never computed");
	g = graph_good();
	m = model(3, NULL, 7, &g);
	expect(&m, REASON_BAD_STRUCTURE, "IR 3: initializer not an input");
	g = graph_good();
	vi = value_info("W");
	pb_msg(&g, 11, &vi);
	m = model(3, NULL, 7, &g);
	expect(&m, REASON_NONE, "IR 3: initializer that is also an input");
	g = graph_good();
	t = tensor("W", dims, 1, 3);
	pb_msg(&g, 5, &t);
	m = model(7, NULL, 13, &g);
	expect(&m, REASON_DUPLICATE_UID, "two initializers named W");
}

/* Relu(X) -> Y with one attribute `a` (consumed). */
static struct pb
model_attr(struct pb *a)
{
	struct pb n = node("Relu", NULL, "X", NULL, "Y");

	pb_msg(&n, 5, a);
	return model_node(&n, 13);
}

static void
test_attributes(void)
{
	struct pb a = { 0 }, m, n;
	float f = 1.0f;
	int i;

	pb_str(&a, 1, "alpha");
	pb_uint(&a, 20, 2);			/* INT */
	pb_uint(&a, 3, 5);
	m = model_attr(&a);
	expect(&m, REASON_NONE, "INT attribute");
	pb_str(&a, 1, "alpha");
	pb_uint(&a, 20, 2);
	pb_varint(&a, 2 << 3 | 5);
	pb_put(&a, &f, sizeof(f));
	m = model_attr(&a);
	expect(&m, REASON_WRONG_TYPE, "INT attribute that sets f");
	pb_str(&a, 1, "alpha");
	pb_uint(&a, 20, 1);
	m = model_attr(&a);
	expect(&m, REASON_WRONG_TYPE, "FLOAT attribute without f");
	pb_str(&a, 1, "alpha");
	pb_uint(&a, 3, 5);
	m = model_attr(&a);
	expect(&m, REASON_WRONG_TYPE, "attribute without a type");
	pb_str(&a, 1, "alpha");
	pb_uint(&a, 20, 2);
	pb_str(&a, 21, "outer");
	m = model_attr(&a);
	expect(&m, REASON_BAD_STRUCTURE, "ref_attr_name outside a function");
	n = node("Relu", NULL, "X", NULL, "Y");
	for (i = 0; i < 2; i++) {
		pb_str(&a, 1, "alpha");
		pb_uint(&a, 20, 2);
		pb_uint(&a, 3, 5);
		pb_msg(&n, 5, &a);
	}
	m = model_node(&n, 13);
	expect(&m, REASON_DUPLICATE_KEY, "attribute alpha twice");
}

/* Fields safeload refuses by number, before decoding. */
static void
test_refused(void)
{
	static const int64_t dims[] = { 3 };
	struct pb g, m, t, seg = { 0 };

	g = graph_good();
	m = model(8, NULL, 13, &g);
	pb_str(&m, 25, "function");
	expect(&m, REASON_UNSUPPORTED_FORMAT, "model-local functions");
	g = graph_good();
	m = model(7, NULL, 13, &g);
	pb_str(&m, 20, "training");
	expect(&m, REASON_UNSUPPORTED_FORMAT, "training information");
	g = graph_good();
	pb_str(&g, 15, "sparse");
	m = model(7, NULL, 13, &g);
	expect(&m, REASON_UNSUPPORTED_FORMAT, "sparse initializer");
	t = tensor("W", dims, 1, 3);
	pb_uint(&seg, 1, 0);
	pb_msg(&t, 3, &seg);
	m = model_init(&t);
	expect(&m, REASON_BAD_STRUCTURE, "segmented tensor");
}

static void
test_wire(void)
{
	struct pb n = { 0 }, m;

	pb_str(&n, 2, "Y");
	pb_uint(&n, 4, 3);			/* op_type as a varint */
	m = model_node(&n, 13);
	expect(&m, REASON_DECODE_ERROR, "op_type with the wrong wire type");
	n = node("Add", NULL, "X", "W", "Y\xc3(");
	m = model_node(&n, 13);
	expect(&m, REASON_INVALID_STRING, "invalid UTF-8 in a name");
	n = node("Add", NULL, "X", "W", "Y");
	pb_bytes(&n, 3, "a\0b", 3);
	m = model_node(&n, 13);
	expect(&m, REASON_DECODE_ERROR, "name given twice");
	n = (struct pb){ 0 };
	pb_str(&n, 1, "X");
	pb_str(&n, 2, "Y");
	pb_bytes(&n, 4, "Re\0lu", 5);
	m = model_node(&n, 13);
	expect(&m, REASON_INVALID_STRING, "NUL inside op_type");
}

/*
 * A graph `d` If nodes deep: each If's then_branch holds the next level,
 * the innermost reads the outermost graph's X.
 */
static struct pb
nested_graph(int d)
{
	struct pb g = { 0 }, n, a = { 0 }, sub, vi;
	char out[32];

	snprintf(out, sizeof(out), "o%d", d);
	if (d == 0) {
		n = node("Identity", NULL, "X", NULL, out);
	} else {
		n = node("If", NULL, "X", NULL, out);
		sub = nested_graph(d - 1);
		pb_str(&a, 1, "then_branch");
		pb_uint(&a, 20, 5);		/* GRAPH */
		pb_msg(&a, 6, &sub);
		pb_msg(&n, 5, &a);
	}
	pb_msg(&g, 1, &n);
	vi = value_info(out);
	pb_msg(&g, 12, &vi);
	return g;
}

/* An input whose type is a sequence of sequences, `d` deep. */
static struct pb
nested_type(int d)
{
	struct pb tp = { 0 }, seq = { 0 }, inner;

	if (d == 0) {
		inner = value_info("X");
		return inner;
	}
	inner = nested_type(d - 1);
	pb_msg(&seq, 1, &inner);
	pb_msg(&tp, 4, &seq);
	return tp;
}

static void
test_depth(void)
{
	struct pb g, m, n, vi = { 0 }, tp;

	g = nested_graph(3);
	vi = value_info("X");
	pb_msg(&g, 11, &vi);
	m = model(7, NULL, 13, &g);
	expect(&m, REASON_NONE, "If nested 3 deep, reading outer X");
	g = nested_graph(NESTING_DEEP);
	vi = value_info("X");
	pb_msg(&g, 11, &vi);
	m = model(7, NULL, 13, &g);
	expect(&m, REASON_DEPTH_LIMIT, "If nested 100 deep");
	g = graph_good();
	tp = nested_type(NESTING_DEEP);
	vi = (struct pb){ 0 };
	pb_str(&vi, 1, "S");
	pb_msg(&vi, 2, &tp);
	pb_msg(&g, 13, &vi);
	m = model(7, NULL, 13, &g);
	expect(&m, REASON_DEPTH_LIMIT, "sequence type nested 100 deep");
	n = node("Identity", NULL, "X", NULL, "Y");
	m = model_node(&n, 13);
	expect(&m, REASON_NONE, "Identity");
}

static void
test_limits(void)
{
	struct model_limits l;
	struct result res;
	struct pb m = two_nodes("Y", "T");

	model_limits_default(&l);
	l.max_nodes = 1;
	run_limits(&m, &l, &res);
	ok(code_of(&res) == REASON_COUNT_LIMIT, "max_nodes 1: count-limit");
	model_limits_default(&l);
	l.max_elements = 2;
	run_limits(&m, &l, &res);
	ok(code_of(&res) == REASON_COUNT_LIMIT, "max_elements 2: count-limit");
	model_limits_default(&l);
	l.max_depth = 4;
	run_limits(&m, &l, &res);
	ok(code_of(&res) == REASON_DEPTH_LIMIT, "max_depth 4: depth-limit");
	model_limits_default(&l);
	l.max_string = 2;
	run_limits(&m, &l, &res);
	ok(code_of(&res) == REASON_SIZE_LIMIT, "max_string 2: size-limit");
	model_limits_default(&l);
	l.max_alloc = 64;
	run_limits(&m, &l, &res);
	ok(code_of(&res) == REASON_ALLOC_LIMIT, "max_alloc 64: alloc-limit");
	free(m.p);
}

/* --- the real ONNX files (cntk-format.md §4, §6) ------------------------ */

struct corpus_case {
	const char	*file;
	enum reason	 want;
	uint64_t	 nodes, parameters;
};

static const struct corpus_case corpus_cases[] = {
	/* CNTK 2.5.1 exports. */
	{ "winml-mnist-tutorial/mnist.onnx", REASON_NONE, 12, 5998 },
	{ "winml-mnist-cppcx/mnist.onnx", REASON_NONE, 12, 5998 },
	/* CNTK 2.4: no opset_import (docs/onnx.md says why this rejects). */
	{ "winml-mnist-uwp-v24/mnist.onnx", REASON_MISSING_KEY, 0, 0 },
	/* The 2017 pre-1.0 draft. */
	{ "cntk-onnx-TestSimple/TestSimple.CNTK.model",
	    REASON_UNSUPPORTED_VERSION, 0, 0 },
};

static uint8_t *
slurp(const char *path, size_t *ret_len)
{
	FILE *f;
	uint8_t *buf = NULL;
	long n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) != NULL &&
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf != NULL)
		*ret_len = (size_t)n;
	fclose(f);
	return buf;
}

static void
corpus_one(const char *dir, const struct corpus_case *cc)
{
	struct model_limits l;
	struct result res = { 0 };
	char path[4096];
	uint8_t *buf, *c2;
	size_t n = 0, n2;

	snprintf(path, sizeof(path), "%s/%s", dir, cc->file);
	if ((buf = slurp(path, &n)) == NULL) {
		tap_skip("%s: not in the corpus", cc->file);
		return;
	}
	model_limits_default(&l);
	report_init(&res.rep);
	/* By content, as a client that does not state the format. */
	res.r = model_parse(buf, n, &l, REPORT_FORMAT_UNKNOWN, &res.rep,
	    &res.canon, &res.canon_len);
	if (!ok(code_of(&res) == cc->want, "%s: %s", cc->file,
	    cc->want == REASON_NONE ? "accepted" : reason_code(cc->want)))
		tap_diag("%s", res.rep.n_reasons > 0 ?
		    res.rep.reasons[0].message : "accepted");
	if (cc->want == REASON_NONE) {
		ok(res.rep.stats.functions == cc->nodes &&
		    res.rep.stats.parameters == cc->parameters,
		    "%s: nodes and parameters", cc->file);
		c2 = canon_of(res.canon, res.canon_len, &n2);
		ok(same(res.canon, res.canon_len, c2, n2), "%s: idempotent",
		    cc->file);
		free(c2);
	}
	free(res.canon);
	free(buf);
}

static void
test_corpus(void)
{
	const char *dir = getenv("SAFELOAD_CORPUS");
	size_t i;

	if (dir == NULL || *dir == '\0') {
		tap_skip("SAFELOAD_CORPUS not set");
		return;
	}
	for (i = 0; i < sizeof(corpus_cases) / sizeof(corpus_cases[0]); i++)
		corpus_one(dir, &corpus_cases[i]);
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
		seed_dir = argv[2];
	test_good();
	test_detect();
	test_versions();
	test_external();
	test_dims();
	test_ops();
	test_graph();
	test_attributes();
	test_refused();
	test_wire();
	test_depth();
	test_limits();
	test_corpus();
	return tap_done();
}
