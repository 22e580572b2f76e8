/*
 * test-cntk-v1.c: the CNTK v1 reader, validator and canonical writer,
 * through model_parse() (role: tests).
 *
 *	test-cntk-v1 CASES-DIR
 *
 * CASES-DIR is what tests/tools/gen-v1.py --out wrote at build time:
 * valid/NAME.dnn must be accepted with a byte-identical canonical copy,
 * bad/NAME.CODE.dnn must be rejected with exactly CODE.  The real corpus
 * ($SAFELOAD_CORPUS) is checked against verification.json: every v1 model
 * accepted, its stats and op histogram as recorded, canonical bytes equal
 * to the file; the v1 checkpoint refused as not-a-model.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cntk-v1.h"
#include "model.h"
#include "slurp.h"
#include "tap.h"
#include "verification.h"

/* The node count of gen-v1.py's logreg models. */
#define V1_LOGREG_NODES	8u

struct result {
	struct report	 rep;
	uint8_t		*canon;
	size_t		 canon_len;
	int		 r;
};

/* model_parse() with `l`; the code of the first reason, or REASON_NONE. */
static enum reason
run(const uint8_t *buf, size_t n, const struct model_limits *l,
    struct result *res)
{
	memset(res, 0, sizeof(*res));
	report_init(&res->rep);
	res->r = model_parse(buf, n, l, NULL, REPORT_FORMAT_UNKNOWN,
	    &res->rep, &res->canon, &res->canon_len);
	if (res->r < 0)
		return REASON__MAX;
	if (res->rep.verdict == REPORT_ACCEPT)
		return REASON_NONE;
	return res->rep.n_reasons > 0 ? res->rep.reasons[0].code : REASON__MAX;
}

/* Accepted, format cntk-v1, canonical == input, and a fixed point. */
static bool
accepted_identical(const uint8_t *buf, size_t n, const struct model_limits *l,
    struct result *res)
{
	struct result again = { .canon = NULL };
	bool good;

	if (run(buf, n, l, res) != REASON_NONE)
		return false;
	good = res->rep.format == REPORT_FORMAT_CNTK_V1 &&
	    res->canon_len == n && memcmp(res->canon, buf, n) == 0;
	good = good && run(res->canon, res->canon_len, l, &again) ==
	    REASON_NONE && again.canon_len == n &&
	    memcmp(again.canon, buf, n) == 0;
	free(again.canon);
	return good;
}

static const char *
code_name(enum reason r)
{
	return reason_code(r) != NULL ? reason_code(r) : "(failure)";
}

static void
check_valid(const char *path, const char *name)
{
	struct model_limits l;
	struct result res;
	uint8_t *buf;
	size_t n = 0;

	model_limits_default(&l);
	if ((buf = slurp(path, &n)) == NULL) {
		ok(0, "valid %s: readable", name);
		return;
	}
	if (!ok(accepted_identical(buf, n, &l, &res),
	    "valid %s: accepted, canonical copy byte-identical", name) &&
	    res.rep.n_reasons > 0)
		tap_diag("%s: %s", code_name(res.rep.reasons[0].code),
		    res.rep.reasons[0].message);
	free(res.canon);
	free(buf);
}

/* bad/NAME.CODE.dnn: rejected with exactly CODE. */
static void
check_bad(const char *path, const char *name)
{
	char want[64];
	const char *dot, *code;
	struct model_limits l;
	struct result res;
	enum reason got;
	uint8_t *buf;
	size_t n = 0;

	dot = strrchr(name, '.');
	for (code = dot; code > name && code[-1] != '.'; code--)
		;
	if (dot == NULL || code == name || (size_t)(dot - code) >= sizeof(want))
		return;
	memcpy(want, code, (size_t)(dot - code));
	want[dot - code] = '\0';
	model_limits_default(&l);
	if ((buf = slurp(path, &n)) == NULL) {
		ok(0, "bad %s: readable", name);
		return;
	}
	got = run(buf, n, &l, &res);
	if (!ok(strcmp(code_name(got), want) == 0 && res.canon == NULL,
	    "bad %s: %s", name, want) && res.rep.n_reasons > 0)
		tap_diag("got %s: %s", code_name(got),
		    res.rep.reasons[0].message);
	free(res.canon);
	free(buf);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of dir/sub, in name order so that the TAP output is stable. */
static void
each_case(const char *dir, const char *sub,
    void (*fn)(const char *, const char *))
{
	char path[4096], *names[512];
	struct dirent *e;
	size_t n = 0, i;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if ((d = opendir(path)) == NULL) {
		ok(0, "%s readable", path);
		return;
	}
	while ((e = readdir(d)) != NULL && n < sizeof(names) / sizeof(*names))
		if (e->d_name[0] != '.' && (names[n] = strdup(e->d_name)) !=
		    NULL)
			n++;
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, names[i]);
		fn(path, names[i]);
		free(names[i]);
	}
}

/*
 * gen-v1.py's zoo-v10: the logreg core (two inputs, W 2x3, b 2x1 and an
 * ErrorPrediction) plus one node of every type (another 2x3 parameter,
 * Mean and InvStdDev of 3x1 each): 14 parameter and 6 constant elements.
 */
static void
check_zoo_stats(const char *dir)
{
	char path[4096];
	struct model_limits l;
	struct result res;
	uint8_t *buf;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/valid/zoo-v10.dnn", dir);
	model_limits_default(&l);
	if ((buf = slurp(path, &n)) == NULL) {
		ok(0, "zoo-v10 readable");
		return;
	}
	ok(run(buf, n, &l, &res) == REASON_NONE &&
	    res.rep.stats.parameters == 14 && res.rep.stats.constants == 6 &&
	    report_op_uses(&res.rep, "LearnableParameter") == 3 &&
	    report_op_uses(&res.rep, "InputValue") == 3 &&
	    report_op_uses(&res.rep, "Trace") == 1 &&
	    report_op_uses(&res.rep, "ErrorPrediction") == 2 &&
	    report_op_uses(&res.rep, "ClassificationError") == 1,
	    "zoo-v10: 14 parameter and 6 constant elements, ops by type "
	    "name");
	tap_diag("zoo-v10: %llu nodes, %zu node types",
	    (unsigned long long)res.rep.stats.functions, res.rep.n_ops);
	free(res.canon);
	free(buf);
}

/*
 * Every proper prefix of a valid model is refused, and every one-byte
 * change is either refused or gives a canonical copy that is a fixed
 * point; neither may crash (ASan and UBSan watch this in CI).
 */
static void
check_mutations(const char *dir)
{
	char path[4096];
	struct model_limits l;
	struct result res;
	bool prefixes = true, flips = true;
	uint8_t *buf, *copy;
	size_t n = 0, i;

	snprintf(path, sizeof(path), "%s/valid/logreg-v10.dnn", dir);
	model_limits_default(&l);
	if ((buf = slurp(path, &n)) == NULL || (copy = malloc(n)) == NULL) {
		ok(0, "logreg-v10 readable");
		free(buf);
		return;
	}
	for (i = 0; i < n; i++) {
		if (run(buf, i, &l, &res) == REASON_NONE)
			prefixes = false;
		free(res.canon);
	}
	ok(prefixes, "all %zu proper prefixes rejected", n);
	for (i = 0; i < n; i++) {
		memcpy(copy, buf, n);
		copy[i] ^= 0x41;
		if (run(copy, n, &l, &res) == REASON_NONE &&
		    (res.canon_len != n || memcmp(res.canon, copy, n) != 0))
			flips = false;
		free(res.canon);
	}
	ok(flips, "%zu one-byte changes: rejected or byte-identical", n);
	free(copy);
	free(buf);
}

static void
limit_case(const uint8_t *buf, size_t n, const struct model_limits *l,
    const char *what, enum reason want)
{
	struct result res;
	enum reason got;

	got = run(buf, n, l, &res);
	ok(got == want, "%s: %s (got %s)", what, code_name(want),
	    code_name(got));
	free(res.canon);
}

/* Each policy limit, lowered below what logreg-v10 needs. */
static void
check_limits(const char *dir)
{
	char path[4096];
	struct model_limits d, l;
	struct result res;
	uint8_t *buf;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/valid/logreg-v10.dnn", dir);
	if ((buf = slurp(path, &n)) == NULL) {
		ok(0, "logreg-v10 readable");
		return;
	}
	model_limits_default(&d);
	l = d, l.max_nodes = 3;
	limit_case(buf, n, &l, "max_nodes 3", REASON_COUNT_LIMIT);
	l = d, l.max_string = 4;
	limit_case(buf, n, &l, "max_string 4", REASON_SIZE_LIMIT);
	l = d, l.max_elements = 5;
	limit_case(buf, n, &l, "max_elements 5", REASON_COUNT_LIMIT);
	l = d, l.max_entries = 1;
	limit_case(buf, n, &l, "max_entries 1", REASON_COUNT_LIMIT);
	l = d, l.max_alloc = 64;
	limit_case(buf, n, &l, "max_alloc 64", REASON_ALLOC_LIMIT);
	l = d, l.max_bytes = 64;
	limit_case(buf, n, &l, "max_bytes 64", REASON_SIZE_LIMIT);
	/* Room for the canonical copy, not for the name table... */
	l = d, l.max_alloc = n + 1;
	limit_case(buf, n, &l, "max_alloc: no room for the nodes",
	    REASON_ALLOC_LIMIT);
	/* ...for both, not for the first block of input references. */
	l = d, l.max_alloc = n + V1_LOGREG_NODES * sizeof(struct v1_node) + 8;
	limit_case(buf, n, &l, "max_alloc: no room for the edges",
	    REASON_ALLOC_LIMIT);
	report_init(&res.rep);
	res.canon = NULL;
	model_parse(buf, n, &d, NULL, REPORT_FORMAT_CNTK_V2, &res.rep,
	    &res.canon, &res.canon_len);
	ok(res.rep.verdict == REPORT_REJECT && res.rep.n_reasons > 0 &&
	    res.rep.reasons[0].code == REASON_UNKNOWN_FORMAT,
	    "v1 bytes stated as cntk-v2: unknown-format");
	free(res.canon);
	free(buf);
}

static void
corpus_model(const char *path, const char *label, const char *p,
    const char *end)
{
	struct model_limits l;
	struct result res;
	uint8_t *buf;
	size_t n = 0;

	model_limits_default(&l);
	if ((buf = slurp(path, &n)) == NULL) {
		ok(0, "%s: readable", label);
		return;
	}
	if (!ok(accepted_identical(buf, n, &l, &res),
	    "%s: accepted as cntk-v1, canonical copy byte-identical (%zu "
	    "bytes)", label, n) && res.rep.n_reasons > 0)
		tap_diag("%s: %s", code_name(res.rep.reasons[0].code),
		    res.rep.reasons[0].message);
	ok((long long)res.rep.stats.functions == json_num(p, end,
	    "num_nodes") && (long long)res.rep.stats.parameters ==
	    json_num(p, end, "parameter_elements") &&
	    ops_match(&res.rep, p, end),
	    "%s: %llu nodes, %llu parameter elements, op histogram as "
	    "verified", label, (unsigned long long)res.rep.stats.functions,
	    (unsigned long long)res.rep.stats.parameters);
	free(res.canon);
	free(buf);
}

static void
corpus_checkpoint(const char *path, const char *label)
{
	struct model_limits l;
	struct result res;
	enum reason got;
	uint8_t *buf;
	size_t n = 0;

	model_limits_default(&l);
	if ((buf = slurp(path, &n)) == NULL) {
		ok(0, "%s: readable", label);
		return;
	}
	got = run(buf, n, &l, &res);
	ok(got == REASON_NOT_A_MODEL && res.rep.format == REPORT_FORMAT_CNTK_V1,
	    "%s: cntk-v1 not-a-model (got %s)", label, code_name(got));
	free(res.canon);
	free(buf);
}

/* One verification.json entry: v1 models and v1 checkpoints. */
static void
corpus_entry(const char *path, const char *file, const char *kind,
    const char *p, const char *end, void *arg)
{
	if (strcmp(kind, "v1") == 0) {
		corpus_model(path, file, p, end);
		(*(size_t *)arg)++;
	} else if (strcmp(kind, "v1-checkpoint") == 0)
		corpus_checkpoint(path, file);
}

static void
check_corpus(const char *dir)
{
	size_t models = 0;

	verification_each(dir, corpus_entry, &models);
	ok(models > 0, "%zu real v1 models checked", models);
}

int
main(int argc, char **argv)
{
	const char *corpus = getenv("SAFELOAD_CORPUS");

	if (argc != 2) {
		fprintf(stderr, "usage: test-cntk-v1 CASES-DIR\n");
		return 2;
	}
	ok(v1_node_table_sorted(), "node type table sorted for bsearch");
	ok(v1_node_type_find("LearnableParameter") != NULL &&
	    v1_node_type_find("ErrorPrediction") != NULL &&
	    v1_node_type_find("Frobnicate") == NULL &&
	    v1_node_type_find("") == NULL, "node type lookup");
	each_case(argv[1], "valid", check_valid);
	each_case(argv[1], "bad", check_bad);
	check_zoo_stats(argv[1]);
	check_mutations(argv[1]);
	check_limits(argv[1]);
	if (corpus != NULL && *corpus != '\0')
		check_corpus(corpus);
	else
		tap_skip("SAFELOAD_CORPUS is not set");
	return tap_done();
}
