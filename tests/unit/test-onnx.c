/*
 * test-onnx.c: model_parse() on hand-built ONNX models: the canonical form,
 * detection, IR and opset versions, external data, tensor dims against
 * data, domains and ops per opset (role: tests).
 *
 * test-onnx-graph.c covers graphs, attributes, refused fields, the wire,
 * depth, limits and the real corpus; onnx-build.h builds the models.
 */
#include "onnx-build.h"

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
	res.r = model_parse(m.p, m.n, &(struct model_limits){ 0 }, NULL,
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
	res.r = model_parse(m.p, m.n, &l, NULL, REPORT_FORMAT_UNKNOWN,
	    &res.rep, &res.canon, &res.canon_len);
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

/* A [3] tensor of `data_type` holding v0, v1, v2 in int32_data. */
static struct pb
tensor_int32(int data_type, int32_t v0, int32_t v1, int32_t v2)
{
	struct pb t = { 0 }, packed = { 0 };

	pb_uint(&t, 1, 3);
	pb_uint(&t, 2, (uint64_t)data_type);
	/* int32 travels sign-extended to 64 bits. */
	pb_varint(&packed, (uint64_t)(int64_t)v0);
	pb_varint(&packed, (uint64_t)(int64_t)v1);
	pb_varint(&packed, (uint64_t)(int64_t)v2);
	pb_msg(&t, 5, &packed);
	pb_str(&t, 8, "W");
	return t;
}

/* Narrow types stored in int32_data must fit. */
static void
test_ranges(void)
{
	struct pb t, m;

	t = tensor_int32(2, 0, 128, 255);		/* UINT8 */
	m = model_init(&t);
	expect(&m, REASON_NONE, "UINT8 0, 128, 255");
	t = tensor_int32(2, 0, 256, 1);
	m = model_init(&t);
	expect(&m, REASON_BAD_DATA_TYPE, "UINT8 256");
	t = tensor_int32(3, -128, 0, 127);		/* INT8 */
	m = model_init(&t);
	expect(&m, REASON_NONE, "INT8 -128, 0, 127");
	t = tensor_int32(3, -129, 0, 0);
	m = model_init(&t);
	expect(&m, REASON_BAD_DATA_TYPE, "INT8 -129");
	t = tensor_int32(9, 0, 1, 2);			/* BOOL */
	m = model_init(&t);
	expect(&m, REASON_BAD_DATA_TYPE, "BOOL 2");
	t = tensor_int32(6, INT32_MIN, 0, INT32_MAX);	/* INT32 */
	m = model_init(&t);
	expect(&m, REASON_NONE, "INT32 extremes");
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
	test_ranges();
	test_ops();
	return tap_done();
}
