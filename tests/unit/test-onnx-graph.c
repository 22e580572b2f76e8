/*
 * test-onnx-graph.c: model_parse() on hand-built ONNX graphs (order, names,
 * attributes), fields refused by number, wire errors, deep nesting and
 * limits, and on the real ONNX files of the corpus (role: tests).
 *
 * The corpus part runs only when SAFELOAD_CORPUS is set; onnx-build.h
 * builds the models.
 */
#include "onnx-build.h"
#include "slurp.h"

#define NESTING_DEEP	100	/* well past MODEL_MAX_DEPTH */

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
	res.r = model_parse(buf, n, &l, NULL, REPORT_FORMAT_UNKNOWN,
	    &res.rep, &res.canon, &res.canon_len);
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
	test_graph();
	test_attributes();
	test_refused();
	test_wire();
	test_depth();
	test_limits();
	test_corpus();
	return tap_done();
}
