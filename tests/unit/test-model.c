/*
 * test-model.c: model_parse() on hand-built CNTK v2 bytes and on the real
 * corpus (role: tests).
 *
 * Models are written with cntk-v2-build.h rather than protobuf-c so that
 * malformed and hostile inputs (duplicate keys, mismatched types, deep
 * nesting) can be expressed.  The corpus part runs only when
 * SAFELOAD_CORPUS names an existing directory.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cntk-v2-build.h"
#include "model.h"
#include "slurp.h"
#include "tap.h"
#include "verification.h"

/* --- the model under test, with knobs for each defect ------------------- */

struct knobs {
	const char	*top_type;	/* NULL: "CompositeFunction" */
	const char	*fn_type;	/* of the second function */
	uint64_t	 op;		/* of the second function */
	const char	*root;
	size_t		 values;	/* in the parameter */
	bool		 dup_key;
	bool		 wrong_type;
	bool		 reversed;	/* top-level keys in reverse order */
	bool		 unknown_field;
	const char	*key;		/* extra top-level key */
	const char	*times_in;	/* first operand of Times1 */
	const char	*plus_in;	/* first operand of Plus2 */
	const char	*attr;		/* extra attribute of Times1 */
	bool		 no_rank;	/* Times1 without outputRank */
	uint64_t	 kind;		/* of Input0 */
};

static const struct knobs base = {
	.fn_type = "PrimitiveFunction", .op = 19, .root = "Plus2", .values = 6,
};

static void
top_keys(struct pb *d, const struct knobs *k, struct pb *v, size_t n)
{
	static const char *const keys[] = { "version", "type", "uid", "root",
	    "inputs", "primitive_functions" };
	size_t i, j;

	for (i = 0; i < n; i++) {
		j = k->reversed ? n - 1 - i : i;
		d_put(d, keys[j], v[j]);
	}
}

static struct pb
model(const struct knobs *k)
{
	struct pb d = { 0 }, ins[2], fns[2], v[6], attrs = { 0 };

	ins[0] = variable("Input0", k->kind, 0);
	ins[1] = variable("Parameter1", 2, k->values);
	/* Times needs its output rank (cntk-format.md §2.12). */
	if (!k->no_rank)
		d_put(&attrs, "outputRank", v_size(1));
	if (k->attr != NULL)
		d_put(&attrs, k->attr, v_size(1));
	fns[0] = function("PrimitiveFunction", "Times1", 31,
	    k->times_in != NULL ? k->times_in : "Parameter1", "Input0", attrs);
	fns[1] = function(k->fn_type, "Plus2", k->op,
	    k->plus_in != NULL ? k->plus_in : "Times1_Output_0",
	    "Parameter1", (struct pb){ 0 });
	pb_uint(&d, 1, 2);
	v[0] = k->wrong_type ? v_str("3") : v_size(3);
	if (k->wrong_type)	/* says SizeT, holds a string */
		v[0].p[3] = 3;
	v[1] = v_str(k->top_type != NULL ? k->top_type : "CompositeFunction");
	v[2] = v_str("CompositeFunction3");
	v[3] = v_str(k->root);
	/* Top-level unknown fields would make it unknown-format (format.c). */
	if (k->unknown_field)
		pb_uint(&v[3], 99, 12345);
	v[4] = v_vec(ins, 2);
	v[5] = v_vec(fns, 2);
	top_keys(&d, k, v, 6);
	if (k->dup_key)
		d_put(&d, "uid", v_str("again"));
	if (k->key != NULL)
		d_put(&d, k->key, v_size(1));
	return d;
}

/* --- running model_parse ------------------------------------------------ */

struct result {
	struct report	 rep;
	int		 r;
	uint8_t		*canon;
	size_t		 canon_len;
};

static enum reason
run(const uint8_t *p, size_t n, const struct model_limits *l,
    struct result *res)
{
	report_init(&res->rep);
	res->canon = NULL;
	res->canon_len = 0;
	res->r = model_parse(p, n, l, NULL, REPORT_FORMAT_UNKNOWN,
	    &res->rep, &res->canon, &res->canon_len);
	if (res->r < 0)
		return REASON__MAX;
	if (res->rep.verdict == REPORT_ACCEPT)
		return res->canon != NULL ? REASON_NONE : REASON__MAX;
	return res->rep.n_reasons > 0 ? res->rep.reasons[0].code : REASON__MAX;
}

static void
expect(const uint8_t *p, size_t n, const struct model_limits *l,
    enum reason want, const char *what)
{
	struct result res;
	enum reason got = run(p, n, l, &res);

	if (!ok(got == want, "%s: %s", what,
	    reason_code(want) != NULL ? reason_code(want) : "accept"))
		tap_diag("got %s: %s", reason_code(got) != NULL ?
		    reason_code(got) : "accept/other",
		    res.rep.n_reasons > 0 ? res.rep.reasons[0].message : "");
	free(res.canon);
}

static void
expect_model(const struct knobs *k, enum reason want, const char *what)
{
	struct model_limits l;
	struct pb m = model(k);

	model_limits_default(&l);
	expect(m.p, m.n, &l, want, what);
	free(m.p);
}

/* --- tests --------------------------------------------------------------- */

static void
test_accept(void)
{
	struct model_limits l;
	struct pb m = model(&base);
	struct result res;

	model_limits_default(&l);
	ok(run(m.p, m.n, &l, &res) == REASON_NONE, "tiny model accepted");
	ok(res.rep.format == REPORT_FORMAT_CNTK_V2, "format cntk-v2");
	ok(res.rep.stats.functions == 2 && res.rep.stats.parameters == 6 &&
	    res.rep.stats.constants == 0, "stats: 2 functions, 6 parameters");
	ok(res.rep.stats.max_depth >= 5 && res.rep.stats.max_depth < 20,
	    "max_depth %llu", (unsigned long long)res.rep.stats.max_depth);
	ok(res.rep.n_ops == 2 && strcmp(res.rep.ops[0].name, "Plus") == 0 &&
	    strcmp(res.rep.ops[1].name, "Times") == 0, "ops Plus, Times");
	free(res.canon);
	free(m.p);
}

static bool
canon_of(const uint8_t *p, size_t n, uint8_t **ret, size_t *ret_len)
{
	struct model_limits l;
	struct result res;

	model_limits_default(&l);
	if (run(p, n, &l, &res) != REASON_NONE)
		return false;
	*ret = res.canon;
	*ret_len = res.canon_len;
	return true;
}

static bool
same(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	/* A failed canon_of() leaves NULL: never equal, never memcmp'd. */
	return a != NULL && b != NULL && an == bn && memcmp(a, b, an) == 0;
}

static void
test_canonical(void)
{
	struct knobs k = base;
	struct pb m1 = model(&base), m2, m3;
	uint8_t *c1 = NULL, *c2 = NULL, *c3 = NULL, *cc = NULL;
	size_t n1 = 0, n2 = 0, n3 = 0, nc = 0;

	k.reversed = true;
	m2 = model(&k);
	k.reversed = false;
	k.unknown_field = true;
	m3 = model(&k);
	ok(canon_of(m1.p, m1.n, &c1, &n1) && canon_of(m2.p, m2.n, &c2, &n2) &&
	    canon_of(m3.p, m3.n, &c3, &n3), "variants accepted");
	ok(!same(m1.p, m1.n, m2.p, m2.n) && same(c1, n1, c2, n2),
	    "key order does not change the canonical form");
	ok(same(c1, n1, c3, n3), "unknown fields are dropped");
	ok(canon_of(c1, n1, &cc, &nc) && same(c1, n1, cc, nc),
	    "canonical form is idempotent");
	free(cc);
	cc = NULL;
	ok(canon_of(m1.p, m1.n, &cc, &nc) && same(c1, n1, cc, nc),
	    "canonical form is deterministic");
	free(c1);
	free(c2);
	free(c3);
	free(cc);
	free(m1.p);
	free(m2.p);
	free(m3.p);
}

/* References, attributes and versions (cntk-v2-graph.c, cntk-v2-attr.c). */
static void
test_graph_rejects(void)
{
	struct knobs k;

	k = base, k.plus_in = "Ghost_Output_0";
	expect_model(&k, REASON_DANGLING_REFERENCE, "operand names nothing");
	k = base, k.plus_in = "Times1_Output_1";
	expect_model(&k, REASON_BAD_OUTPUT_INDEX, "Times has no output 1");
	k = base, k.plus_in = "Times1_Output_00";
	expect_model(&k, REASON_DANGLING_REFERENCE, "output index 00");
	k = base, k.times_in = "Plus2_Output_0";
	expect_model(&k, REASON_FORWARD_REFERENCE, "operand defined later");
	k = base, k.times_in = "Times1_Output_0";
	expect_model(&k, REASON_FORWARD_REFERENCE, "function uses itself");
	k = base, k.no_rank = true;
	expect_model(&k, REASON_MISSING_ATTRIBUTE, "Times without outputRank");
	k = base, k.attr = "libraryPath";
	expect_model(&k, REASON_UNKNOWN_ATTRIBUTE, "attribute CNTK never defined");
	k = base, k.attr = "transpose";
	expect_model(&k, REASON_WRONG_TYPE, "Bool attribute as SizeT");
	k = base, k.attr = "poolingType";
	expect_model(&k, REASON_NONE, "poolingType 1 on Times is in range");
	k = base, k.op = 97;
	expect_model(&k, REASON_OP_VERSION_MISMATCH, "op 97 at version 20");
	k = base, k.kind = 1;
	expect_model(&k, REASON_BAD_VARIABLE_KIND, "stored Output variable");
	k = base, k.kind = 4;
	expect_model(&k, REASON_NONE, "Input0 as a free Placeholder");
	k = base, k.op = 3;
	expect_model(&k, REASON_BAD_ARITY, "ReLU with two operands");
}

static void
test_rejects(void)
{
	struct knobs k;

	k = base, k.top_type = "Learners";
	expect_model(&k, REASON_NOT_A_MODEL, "checkpoint-like type");
	k = base, k.fn_type = "UserDefinedFunction";
	expect_model(&k, REASON_USER_DEFINED_FUNCTION, "UDF function entry");
	k = base, k.fn_type = "SomethingElse";
	expect_model(&k, REASON_USER_DEFINED_FUNCTION, "non-primitive entry");
	k = base, k.key = "NativeUserDefinedFunction";
	expect_model(&k, REASON_UNKNOWN_KEY, "a key CNTK never writes");
	k = base, k.op = 98;
	expect_model(&k, REASON_UNKNOWN_OP, "op 98");
	k = base, k.op = 200;
	expect_model(&k, REASON_UNKNOWN_OP, "op 200");
	k = base, k.op = 93;
	expect_model(&k, REASON_UNKNOWN_OP, "op 93 CustomProxyOp");
	k = base, k.op = 90;
	expect_model(&k, REASON_HOST_FILE_REFERENCE, "op 90 lattice");
	k = base, k.dup_key = true;
	expect_model(&k, REASON_DUPLICATE_KEY, "duplicate key");
	k = base, k.values = 5;
	expect_model(&k, REASON_SHAPE_MISMATCH, "5 values for shape 2x3");
	k = base, k.wrong_type = true;
	expect_model(&k, REASON_WRONG_TYPE, "SizeT holding a string");
	k = base, k.root = "Nowhere";
	expect_model(&k, REASON_DANGLING_REFERENCE, "dangling root");
	k = base, k.root = "Input0";
	expect_model(&k, REASON_DANGLING_REFERENCE, "root is a variable");
	test_graph_rejects();
}

/* A UDF marker hidden deep in attributes is found too. */
static void
test_native_udf(void)
{
	struct model_limits l;
	struct pb m = model(&base), state = { 0 };

	d_put(&state, "type", v_str("NativeUserDefinedFunction"));
	d_put(&state, "module", v_str("/tmp/evil.so"));
	d_put(&m, "user_defined_state", v_dict(state));
	model_limits_default(&l);
	expect(m.p, m.n, &l, REASON_USER_DEFINED_FUNCTION, "native UDF state");
	free(m.p);
}

static size_t
varint_len(size_t n)
{
	size_t k = 1;

	while (n >= 0x80) {
		n >>= 7;
		k++;
	}
	return k;
}

/*
 * ~1.7 MB of nested dictionaries {"k": {"k": ...}}: protobuf-c alone
 * overflows its stack on this; the wire walk must say depth-limit first.
 * Built outside-in from precomputed sizes, since copying each level into
 * the next would be quadratic.
 */
static void
test_deep(void)
{
	struct model_limits l;
	struct pb m = { 0 };
	size_t *dsz, *esz, *vsz, n = 0, cap = 1u << 18;

	dsz = calloc(cap, sizeof(*dsz));
	esz = calloc(cap, sizeof(*esz));
	vsz = calloc(cap, sizeof(*vsz));
	if (dsz == NULL || esz == NULL || vsz == NULL)
		abort();
	/* Level i: Dictionary{2: Entry{1: "k", 2: Value{2: 10, 12: D(i-1)}}} */
	while (dsz[n] < 1700u * 1024 && n + 1 < cap) {
		n++;
		vsz[n] = 3 + varint_len(dsz[n - 1]) + dsz[n - 1];
		esz[n] = 4 + varint_len(vsz[n]) + vsz[n];
		dsz[n] = 1 + varint_len(esz[n]) + esz[n];
	}
	for (; n > 0; n--) {
		pb_varint(&m, 2 << 3 | 2);
		pb_varint(&m, esz[n]);
		pb_put(&m, "\x0a\x01k\x12", 4);
		pb_varint(&m, vsz[n]);
		pb_put(&m, "\x10\x0a\x62", 3);
		pb_varint(&m, dsz[n - 1]);
	}
	model_limits_default(&l);
	ok(m.n >= 1700u * 1024, "deep input is %zu bytes", m.n);
	expect(m.p, m.n, &l, REASON_DEPTH_LIMIT, "deep nesting");
	free(m.p);
	free(dsz);
	free(esz);
	free(vsz);
}

static void
test_framing(void)
{
	static const uint8_t v1[] = "B\0C\0N\0\0\0\x02\0\0\0";
	static const uint8_t ktnc[] = "ktnc\x10\0\0\0\x08\x02\x12\x00";
	static const uint8_t text[] = "root:x:0:0:root:/root:/bin/sh\n";
	static const uint8_t nul_key[] = "\x12\x05\x0a\x03k\0y";
	static const uint8_t overlong[] = "\x12\x04\x0a\x02\xc0\x80";
	static const uint8_t varint_key[] = "\x12\x02\x08\x01";
	struct model_limits l;
	struct pb m = model(&base);

	model_limits_default(&l);
	expect(m.p, 0, &l, REASON_EMPTY_FILE, "empty");
	expect(ktnc, sizeof(ktnc) - 1, &l, REASON_LARGE_MODEL_LAYOUT, "ktnc");
	expect(v1, sizeof(v1) - 1, &l, REASON_BAD_DATA_TYPE,
	    "v1 with no matrix to take the element type from");
	expect(text, sizeof(text) - 1, &l, REASON_UNKNOWN_FORMAT, "text");
	expect(nul_key, sizeof(nul_key) - 1, &l, REASON_INVALID_STRING,
	    "NUL in a key");
	expect(overlong, sizeof(overlong) - 1, &l, REASON_INVALID_STRING,
	    "overlong UTF-8 in a key");
	expect(varint_key, sizeof(varint_key) - 1, &l, REASON_DECODE_ERROR,
	    "map key with varint wire type");
	m.p[m.n - 1] ^= 0x80;	/* last varint now runs off the end */
	expect(m.p, m.n, &l, REASON_DECODE_ERROR, "truncated varint");
	m.p[m.n - 1] ^= 0x80;
	l.max_bytes = m.n - 1;
	expect(m.p, m.n, &l, REASON_SIZE_LIMIT, "size limit");
	free(m.p);
}

/*
 * A model with a Block: Plus3 (Placeholder1 + Parameter2) is the body of
 * Block4, whose argument Placeholder1 is bound to Input0, and Input0 has
 * `axes` dynamic axes.  The block argument walk from Plus3 takes 2 steps.
 */
static struct pb
block_model(size_t axes)
{
	struct pb d = { 0 }, ins[3], fns[2], blk = { 0 }, comp = { 0 },
	    keys[1], vals[1], ops[2];

	ins[0] = variable_axes("Input0", 0, 0, axes);
	ins[1] = variable("Placeholder1", 4, 0);
	ins[2] = variable("Parameter2", 2, 6);
	fns[0] = function("PrimitiveFunction", "Plus3", 19, "Placeholder1",
	    "Parameter2", (struct pb){ 0 });
	d_put(&comp, "version", v_size(3));
	d_put(&comp, "type", v_str("CompositeFunction"));
	d_put(&comp, "uid", v_str("Composite5"));
	d_put(&comp, "root", v_str("Plus3"));
	keys[0] = v_str("Placeholder1");
	vals[0] = v_str("Input0");
	ops[0] = v_str("Input0");
	ops[1] = v_str("Parameter2");
	d_put(&blk, "version", v_size(20));
	d_put(&blk, "type", v_str("PrimitiveFunction"));
	d_put(&blk, "uid", v_str("Block4"));
	d_put(&blk, "op", v_size(57));
	d_put(&blk, "inputs", v_vec(ops, 2));
	d_put(&blk, "attributes", v_dict((struct pb){ 0 }));
	d_put(&blk, "block_function_composite", v_dict(comp));
	d_put(&blk, "block_function_composite_arguments_map_keys",
	    v_vec(keys, 1));
	d_put(&blk, "block_function_composite_arguments_map_values",
	    v_vec(vals, 1));
	d_put(&blk, "block_function_op_name", v_str("MyBlock"));
	fns[1] = v_dict(blk);
	pb_uint(&d, 1, 2);
	d_put(&d, "version", v_size(3));
	d_put(&d, "type", v_str("CompositeFunction"));
	d_put(&d, "uid", v_str("CompositeFunction6"));
	d_put(&d, "root", v_str("Block4"));
	d_put(&d, "inputs", v_vec(ins, 3));
	d_put(&d, "primitive_functions", v_vec(fns, 2));
	return d;
}

/* The v2 graph limits: block argument walk steps, dynamic axes. */
static void
test_graph_limits(void)
{
	struct model_limits l;
	struct pb m = block_model(2);

	model_limits_default(&l);
	expect(m.p, m.n, &l, REASON_NONE, "a Block with two dynamic axes");
	l.max_graph_steps = 2;
	expect(m.p, m.n, &l, REASON_NONE, "its argument walk takes 2 steps");
	l.max_graph_steps = 1;
	expect(m.p, m.n, &l, REASON_COUNT_LIMIT, "graph step limit 1");
	model_limits_default(&l);
	l.max_dynamic_axes = 2;
	expect(m.p, m.n, &l, REASON_NONE, "dynamic axis limit 2");
	l.max_dynamic_axes = 1;
	expect(m.p, m.n, &l, REASON_COUNT_LIMIT, "dynamic axis limit 1");
	free(m.p);
}

/* Each limit of struct model_limits, lowered until the tiny model fails. */
static void
test_limits(void)
{
	struct model_limits l;
	struct pb m = model(&base);
	struct result res;

	model_limits_default(&l);
	l.max_alloc = 512;
	expect(m.p, m.n, &l, REASON_ALLOC_LIMIT, "alloc limit");
	model_limits_default(&l);
	l.max_elements = 5;
	expect(m.p, m.n, &l, REASON_COUNT_LIMIT, "element limit");
	model_limits_default(&l);
	l.max_nodes = 3;
	expect(m.p, m.n, &l, REASON_COUNT_LIMIT, "node limit");
	model_limits_default(&l);
	l.max_entries = 5;
	expect(m.p, m.n, &l, REASON_COUNT_LIMIT, "entries limit");
	model_limits_default(&l);
	l.max_string = 4;
	expect(m.p, m.n, &l, REASON_SIZE_LIMIT, "string limit");
	l.max_string = 0;
	report_init(&res.rep);
	ok(model_parse(m.p, m.n, &l, NULL, REPORT_FORMAT_UNKNOWN,
	    &res.rep, &res.canon, &res.canon_len) == -EINVAL,
	    "bad limits: -EINVAL");
	model_limits_default(&l);
	report_init(&res.rep);
	ok(model_parse(m.p, m.n, &l, NULL, REPORT_FORMAT_ONNX, &res.rep,
	    &res.canon, &res.canon_len) == 0 &&
	    res.rep.verdict == REPORT_REJECT &&
	    res.rep.reasons[0].code == REASON_UNKNOWN_FORMAT,
	    "stated ONNX, content v2: unknown-format");
	free(m.p);
}

/* --- the real corpus ----------------------------------------------------- */

static void
corpus_v2(const char *path, const char *label, const char *p,
    const char *end)
{
	struct model_limits l;
	struct result res;
	uint8_t *buf, *cc = NULL;
	size_t n = 0, nc = 0;

	model_limits_default(&l);
	if ((buf = slurp(path, &n)) == NULL) {
		ok(0, "%s: readable", label);
		return;
	}
	if (!ok(run(buf, n, &l, &res) == REASON_NONE, "%s: accepted", label))
		tap_diag("%s", res.rep.reasons[0].message);
	ok((long long)res.rep.stats.functions ==
	    json_num(p, end, "num_primitive_functions") &&
	    (long long)res.rep.stats.parameters ==
	    json_num(p, end, "parameter_elements") &&
	    (long long)res.rep.stats.constants ==
	    json_num(p, end, "constant_elements") &&
	    ops_match(&res.rep, p, end), "%s: stats and ops match", label);
	ok(res.canon != NULL && canon_of(res.canon, res.canon_len, &cc, &nc) &&
	    same(res.canon, res.canon_len, cc, nc), "%s: idempotent", label);
	free(cc);
	cc = NULL;
	/* A second run from the original bytes: nothing depends on state. */
	ok(res.canon != NULL && canon_of(buf, n, &cc, &nc) &&
	    same(res.canon, res.canon_len, cc, nc), "%s: deterministic", label);
	free(cc);
	free(res.canon);
	free(buf);
}

static void
corpus_other(const char *path, const char *label, const char *kind)
{
	struct model_limits l;
	struct result res;
	enum reason got, want = REASON_NOT_A_MODEL;
	uint8_t *buf;
	size_t n = 0;

	if (strcmp(kind, "v1") == 0)
		want = REASON_NONE;	/* test-cntk-v1 checks it in depth */
	if (strncmp(kind, "onnx", 4) == 0)
		return;		/* test-onnx checks them in depth */
	model_limits_default(&l);
	if ((buf = slurp(path, &n)) == NULL) {
		ok(0, "%s: readable", label);
		return;
	}
	got = run(buf, n, &l, &res);
	/* The v1 SGD checkpoint has no BCN marker: any reject will do. */
	if (strcmp(kind, "v1-checkpoint") == 0)
		ok(got != REASON_NONE, "%s: rejected (%s)", label,
		    reason_code(got) != NULL ? reason_code(got) : "?");
	else
		ok(got == want, "%s: %s", label, reason_code(want));
	free(res.canon);
	free(buf);
}

/* One verification.json entry: v2 models, and the containers that are not. */
static void
corpus_entry(const char *path, const char *file, const char *kind,
    const char *p, const char *end, void *arg)
{
	(void)arg;
	if (strcmp(kind, "v2") == 0)
		corpus_v2(path, file, p, end);
	else
		corpus_other(path, file, kind);
}

static void
test_corpus(const char *dir)
{
	verification_each(dir, corpus_entry, NULL);
}

int
main(void)
{
	const char *corpus = getenv("SAFELOAD_CORPUS");
	FILE *f = NULL;
	char probe[4096];

	test_accept();
	test_canonical();
	test_rejects();
	test_native_udf();
	test_deep();
	test_framing();
	test_limits();
	test_graph_limits();
	if (corpus != NULL) {
		snprintf(probe, sizeof(probe), "%s/verification.json", corpus);
		f = fopen(probe, "r");
	}
	if (f != NULL) {
		fclose(f);
		test_corpus(corpus);
	} else
		tap_skip("corpus absent");
	return tap_done();
}
