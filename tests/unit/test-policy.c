/*
 * test-policy.c: the policy parser, loader, access checks, profile rules,
 * digests and minisign signature checks (role: tests).
 *
 * Signatures are made here with libsodium exactly as minisign makes them
 * (prehashed "ED"), so this test needs no minisign binary; the
 * integration tests use the real minisign tool.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy-internal.h"
#include "policy.h"
#include "tap.h"

static struct policy *
parse(const char *text, const char **ret_err)
{
	struct policy *p = NULL;

	*ret_err = NULL;
	if (policy_parse(text, strlen(text), "t.conf", &p, ret_err) < 0)
		return NULL;
	return p;
}

/* The text must fail with exactly this "t.conf:LINE: ..." prefix. */
static void
expect_error(const char *text, const char *prefix, const char *what)
{
	const char *err;
	struct policy *p = parse(text, &err);

	ok(p == NULL && err != NULL && strncmp(err, prefix,
	    strlen(prefix)) == 0, "%s: %s", what, err ? err : "(accepted)");
	policy_free(p);
}

static void
test_default(void)
{
	struct policy *p = policy_new_default();
	struct model_limits l;
	struct model_rules r;

	ok(p != NULL, "built-in default");
	ok(policy_profile_limits(p, "", &l) == 0 && l.max_depth ==
	    MODEL_MAX_DEPTH, "default profile has every limit set");
	ok(policy_profile_limits(p, "nope", &l) == -ENOENT,
	    "unknown profile");
	ok(policy_profile_rules(p, "default", &r) == 0 &&
	    r.allow_ops_set == 0 && r.n_deny_ops == 0, "no op lists");
	ok(policy_access(p, 0, 0, NULL, 0) == 0, "root may connect");
	ok(policy_access(p, 4242, 4242, NULL, 0) == -EACCES,
	    "a stranger may not");
	ok(policy_idle_workers(p) <= policy_max_concurrent(p) &&
	    policy_queue_length(p) > 0 && policy_cache_bytes(p) > 0,
	    "[daemon] defaults");
	ok(strlen(policy_digest(p)) == 64, "digest is hex sha256");
	ok(!policy_require_signature(p, ""), "no signature by default");
	policy_free(p);
}

static const char good[] =
    "# a comment\n"
    "[daemon]\n"
    "idle_workers = 1\n"
    "max_concurrent = 4\n"
    "queue_length = 10\n"
    "cache_size = 64M\n"
    "worker_timeout = 1500ms\n"
    "worker_memory = 1G\n"
    "worker_cpu = 5\n"
    "\n"
    "[access]\n"
    "users = 1000, 1001\n"
    "groups = 2000\n"
    "\n"
    "[profile default]\n"
    "max_depth = 10   ; inline comment\n"
    "deny_ops = Times\n"
    "deny_ops = Plus\n"
    "\n"
    "[profile strict]\n"
    "users = 1001\n"
    "formats = cntk-v2\n"
    "allow_ops = Times Plus ReLU\n"
    "user_defined_functions = mylayers.Gelu, libmyop:CreateMyOp\n"
    "max_file_size = 1K\n"
    "max_parameters = 100\n"
    "max_graph_steps = 1000\n"
    "max_dynamic_axes = 2\n"
    "sandbox_floor = seccomp landlock\n";

static void
test_good(void)
{
	const char *err;
	struct policy *p = parse(good, &err);
	struct model_limits l;
	struct model_rules r;

	ok(p != NULL, "good policy parses (%s)", err ? err : "ok");
	if (p == NULL)
		return;
	ok(policy_idle_workers(p) == 1 && policy_max_concurrent(p) == 4 &&
	    policy_max_workers(p) == 4 && policy_queue_length(p) == 10,
	    "[daemon] counts");
	ok(policy_cache_bytes(p) == 64ull << 20 && policy_worker_mem(p) ==
	    1ull << 30, "sizes with units");
	ok(policy_worker_timeout_ms(p) == 1500 && policy_worker_cpu(p) == 5,
	    "durations");
	ok(policy_access(p, 1001, 5, NULL, 0) == 0, "listed user");
	ok(policy_access(p, 1002, 2000, NULL, 0) == 0, "listed primary group");
	ok(policy_access(p, 1002, 5, (const gid_t[]){ 7, 2000 }, 2) == 0,
	    "listed supplementary group");
	ok(policy_access(p, 1002, 5, NULL, 0) == -EACCES, "unlisted");
	ok(policy_profile_limits(p, "", &l) == 0 && l.max_depth == 10 &&
	    l.max_nodes == MODEL_MAX_NODES, "default profile, one limit set");
	ok(policy_profile_rules(p, "", &r) == 0 && r.n_deny_ops == 2 &&
	    strcmp(r.deny_ops[1], "Plus") == 0, "repeated list key appends");
	ok(policy_profile_limits(p, "strict", &l) == 0 &&
	    l.max_bytes == 1024 && l.max_graph_steps == 1000 &&
	    l.max_dynamic_axes == 2, "strict limits");
	ok(policy_profile_rules(p, "strict", &r) == 0 && r.allow_ops_set &&
	    r.n_allow_ops == 3 && r.formats == 1u << REPORT_FORMAT_CNTK_V2 &&
	    r.max_parameters == 100 && r.udfs.n == 2 &&
	    strcmp(r.udfs.names[1], "libmyop:CreateMyOp") == 0,
	    "strict rules, with the UDF names");
	ok(policy_profile_rules(p, "", &r) == 0 && r.udfs.n == 0,
	    "default profile: no UDF admitted");
	ok(policy_profile_allowed(p, "strict", 1001, 1, NULL, 0) == 0 &&
	    policy_profile_allowed(p, "strict", 1000, 1, NULL, 0) == -EACCES &&
	    policy_profile_allowed(p, "default", 1000, 1, NULL, 0) == 0 &&
	    policy_profile_allowed(p, "x", 0, 0, NULL, 0) == -ENOENT,
	    "who may use which profile");
	ok(policy_sandbox_floor(p, "strict") == (1u << POLICY_LAYER_SECCOMP |
	    1u << POLICY_LAYER_LANDLOCK), "sandbox floor replaces default");
	ok(policy_explain(p, stdout, (uid_t)-1, "nope") == -ENOENT,
	    "explain: unknown profile");
	policy_free(p);
	p = parse("[profile p]\nsandbox_floor = seccomp pidns\n", &err);
	ok(p != NULL && policy_sandbox_floor(p, "p") ==
	    (1u << POLICY_LAYER_SECCOMP | 1u << POLICY_LAYER_PIDNS) &&
	    strcmp(policy_layer_name(POLICY_LAYER_PIDNS), "pidns") == 0,
	    "sandbox floor names the PID namespace: pidns");
	policy_free(p);
	p = parse("[profile p]\nsandbox_floor = netns mntns userns ipcns "
	    "utsns cgroupns\n", &err);
	ok(p != NULL && policy_sandbox_floor(p, "p") ==
	    (1u << POLICY_LAYER_NETNS | 1u << POLICY_LAYER_MNTNS |
	    1u << POLICY_LAYER_USERNS | 1u << POLICY_LAYER_IPCNS |
	    1u << POLICY_LAYER_UTSNS | 1u << POLICY_LAYER_CGROUPNS) &&
	    strcmp(policy_layer_name(POLICY_LAYER_CGROUPNS), "cgroupns") == 0,
	    "sandbox floor names every other namespace");
	policy_free(p);
}

static void
test_errors(void)
{
	expect_error("[daemon]\nbogus = 1\n", "t.conf:2: unknown key",
	    "unknown key");
	expect_error("\n[demon]\n", "t.conf:2: unknown section",
	    "unknown section, even empty");
	expect_error("[daemon]\nmax_concurrent = 0\n", "t.conf:2: ",
	    "out of range");
	expect_error("[daemon]\nmax_concurrent = 4x\n", "t.conf:2: ",
	    "bad unit");
	expect_error("[daemon]\nworker_memory = 99G\n", "t.conf:2: ",
	    "above the ceiling");
	expect_error("[daemon]\nqueue_length = 1\nqueue_length = 2\n",
	    "t.conf:3: 'queue_length' is set twice", "scalar twice");
	expect_error("users = root\n", "t.conf:1: ", "key before a section");
	expect_error("[access]\nusers = no-such-user-xyz\n",
	    "t.conf:2: unknown user", "unknown user");
	expect_error("[access]\ngroups = no-such-group-xyz\n",
	    "t.conf:2: unknown group", "unknown group");
	expect_error("[profile a]\n[profile a]\n", "t.conf:2: ",
	    "duplicate profile");
	expect_error("[daemon]\n[daemon]\n", "t.conf:2: ", "duplicate section");
	expect_error("[profile a]\nformats = cntk-v3\n", "t.conf:2: ",
	    "unknown format");
	expect_error("[profile a]\nrequire_signature = maybe\n", "t.conf:2: ",
	    "bad boolean");
	expect_error("[profile a]\nrequire_signature = yes\n", "t.conf:1: ",
	    "signature without keys");
	expect_error("[profile a]\npublic_key = RWQnotakey\n", "t.conf:2: ",
	    "bad public key");
	expect_error("[profile a]\ntrusted_digests = /nonexistent/x\n",
	    "t.conf:2: trusted_digests", "missing digests file");
	expect_error("[profile a]\ntrusted_digests = relative\n", "t.conf:2: ",
	    "relative path");
	expect_error("[profile a]\nsandbox_floor = chroot\n", "t.conf:2: ",
	    "unknown layer");
	expect_error("[profile a]\nuser_defined_functions = reject Foo\n",
	    "t.conf:2: ", "reject mixed with names");
	expect_error("[profile a]\nuser_defined_functions = Gelu\n",
	    "t.conf:2: user_defined_functions: 'Gelu' is neither",
	    "a UDF name that is not MODULE.CLASS");
	expect_error("[profile a]\nuser_defined_functions = /opt/l.so:f\n",
	    "t.conf:2: ", "a native UDF with a library path");
	expect_error("[profile a]\nuser_defined_functions = m.C m.C\n",
	    "t.conf:2: ", "a UDF listed twice");
	expect_error("[profile a]\nallow_ops = Times Times\n", "t.conf:2: ",
	    "op listed twice");
	expect_error("[profile a]\nmax_dynamic_axes = 65\n", "t.conf:2: ",
	    "dynamic axes above the ceiling");
	expect_error("[profile a]\nmax_graph_steps = 0\n", "t.conf:2: ",
	    "zero graph steps");
	expect_error("[profile bad/name]\n", "t.conf:1: ", "bad profile name");
	expect_error("[daemon]\nno equals sign\n", "t.conf:2: syntax error",
	    "syntax error");
	expect_error("[daemon]\nidle_workers = 9\nmax_concurrent = 2\n",
	    "t.conf: [daemon]: idle_workers", "idle above concurrent");
}

static void
test_long_line(void)
{
	char text[600];
	const char *err;
	struct policy *p;

	memset(text, 'a', sizeof(text));
	memcpy(text, "[daemon]\n# ", 11);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	p = parse(text, &err);
	ok(p == NULL && err != NULL && strncmp(err, "t.conf:2: line longer",
	    21) == 0, "overlong line: %s", err ? err : "(accepted)");
	policy_free(p);
	ok(policy_parse("[daemon]\n\0x", 11, "t.conf", &p, &err) < 0 &&
	    strncmp(err, "t.conf:2: NUL", 13) == 0, "NUL byte: %s", err);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

/* explain prints the effective rules; capture them, not into TAP. */
static void
test_explain(const struct policy *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r;

	if (f == NULL || p == NULL) {
		ok(0, "explain");
		return;
	}
	r = policy_explain(p, f, 0, NULL);
	fclose(f);
	ok(r == 0 && strstr(text, "[profile d]\n") != NULL &&
	    strstr(text, "require_signature = yes\n") != NULL &&
	    strstr(text, "# uid 0: may connect\n") != NULL &&
	    strstr(text, "max_depth = 64\n") != NULL, "explain");
	free(text);
}

static void
test_load(const char *dir)
{
	char path[512], dpath[512], text[1024], digest[65];
	struct policy *p = NULL;
	const char *err = NULL;
	uint8_t d[32];

	(void)snprintf(path, sizeof(path), "%s/none.conf", dir);
	ok(policy_load(path, 1, &p, &err) == 0 && p != NULL,
	    "missing default path: built-in default");
	policy_free(p);
	p = NULL;
	ok(policy_load(path, 0, &p, &err) == -ENOENT && p == NULL,
	    "missing named path: %s", err);
	(void)snprintf(dpath, sizeof(dpath), "%s/digests", dir);
	memset(d, 0xab, sizeof(d));
	write_file(dpath, "# trusted\n"
	    "abababababababababababababababababababababababababababababababab"
	    "  model.dnn\n\n"
	    "00000000000000000000000000000000"
	    "00000000000000000000000000000001\n");
	(void)snprintf(text, sizeof(text), "[access]\nusers = root\n"
	    "groups = root\n[profile d]\ntrusted_digests = %s\n"
	    "require_signature = yes\n", dpath);
	write_file(path, text);
	ok(policy_load(path, 0, &p, &err) == 0, "load with digests (%s)",
	    err ? err : "ok");
	ok(p != NULL && policy_digest_trusted(p, "d", d) == 1,
	    "digest listed");
	d[0] = 0;
	ok(p != NULL && policy_digest_trusted(p, "d", d) == 0 &&
	    policy_digest_trusted(p, "", d) == 0, "digest not listed");
	test_explain(p);
	(void)snprintf(digest, sizeof(digest), "%s", p ? policy_digest(p) :
	    "");
	policy_free(p);
	p = NULL;
	write_file(dpath, "0000000000000000000000000000000000000000000000000000"
	    "000000000002\n");
	ok(policy_load(path, 0, &p, &err) == 0 &&
	    strcmp(policy_digest(p), digest) != 0,
	    "the policy digest covers the trusted_digests file");
	policy_free(p);
	p = NULL;
	write_file(dpath, "abab\n");
	ok(policy_load(path, 0, &p, &err) < 0 && strstr(err, "digests:1: ")
	    != NULL, "bad digest line: %s", err);
	(void)unlink(dpath);
	(void)unlink(path);
}

/* Build a minisign "ED" signature of msg with sk, keyed by id. */
static void
minisign(char *out, size_t cap, const uint8_t sk[64], const uint8_t id[8],
    const void *msg, size_t len)
{
	uint8_t h[64], bin[74], gmsg[64 + 64], gsig[64];
	char b1[128], b2[128];
	static const char tc[] = "timestamp:0 file:m hashed";

	crypto_generichash(h, 64, msg, len, NULL, 0);
	bin[0] = 'E';	/* prehashed: BLAKE2b-512 of the file */
	bin[1] = 'D';
	memcpy(bin + 2, id, 8);
	crypto_sign_detached(bin + 10, NULL, h, 64, sk);
	memcpy(gmsg, bin + 10, 64);
	memcpy(gmsg + 64, tc, sizeof(tc) - 1);	/* no NUL: signed bytes */
	crypto_sign_detached(gsig, NULL, gmsg, 64 + sizeof(tc) - 1, sk);
	sodium_bin2base64(b1, sizeof(b1), bin, sizeof(bin),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b2, sizeof(b2), gsig, sizeof(gsig),
	    sodium_base64_VARIANT_ORIGINAL);
	(void)snprintf(out, cap, "untrusted comment: x\n%s\n"
	    "trusted comment: %s\n%s\n", b1, tc, b2);
}

static void
test_signature(void)
{
	uint8_t pk[32], sk[64], pk2[32], sk2[64], id[8] = { 1, 2, 3, 4, 5, 6,
	    7, 8 }, kbin[42], h[64];
	char kb64[80], text[256], sig[1024];
	const char *err, *why = NULL;
	const char model[] = "model bytes";
	struct policy *p;

	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	kbin[0] = 'E';
	kbin[1] = 'd';
	memcpy(kbin + 2, id, 8);
	memcpy(kbin + 10, pk, 32);
	sodium_bin2base64(kb64, sizeof(kb64), kbin, sizeof(kbin),
	    sodium_base64_VARIANT_ORIGINAL);
	(void)snprintf(text, sizeof(text), "[profile s]\nrequire_signature ="
	    " yes\npublic_key = %s\n", kb64);
	p = parse(text, &err);
	ok(p != NULL && policy_require_signature(p, "s"), "key parses (%s)",
	    err ? err : "ok");
	if (p == NULL)
		return;
	crypto_generichash(h, 64, (const uint8_t *)model, sizeof(model), NULL,
	    0);
	minisign(sig, sizeof(sig), sk, id, model, sizeof(model));
	ok(policy_verify_signature(p, "s", sig, h, &why) == 0,
	    "good signature");
	minisign(sig, sizeof(sig), sk, id, "other", 5);
	ok(policy_verify_signature(p, "s", sig, h, &why) == -EKEYREJECTED,
	    "tampered model: %s", why);
	minisign(sig, sizeof(sig), sk2, id, model, sizeof(model));
	ok(policy_verify_signature(p, "s", sig, h, &why) == -EKEYREJECTED,
	    "wrong key, same id: %s", why);
	id[0] = 9;
	minisign(sig, sizeof(sig), sk2, id, model, sizeof(model));
	ok(policy_verify_signature(p, "s", sig, h, &why) == -ENOKEY,
	    "unknown key id: %s", why);
	ok(policy_verify_signature(p, "s", "garbage", h, &why) == -EBADMSG,
	    "malformed: %s", why);
	ok(policy_verify_signature(p, "nope", sig, h, &why) == -ENOENT,
	    "unknown profile");
	policy_free(p);
}

static void
test_rules_apply(void)
{
	struct model_rules r;
	struct report rep;

	model_rules_default(&r);
	report_init(&rep);
	rep.format = REPORT_FORMAT_CNTK_V2;
	rep.stats.parameters = 50;
	report_count_op(&rep, "Times");
	report_count_op(&rep, "Plus");
	model_rules_apply(&r, &rep);
	ok(rep.verdict == REPORT_ACCEPT, "no rules: accept");
	r.n_deny_ops = 1;
	strcpy(r.deny_ops[0], "Plus");
	model_rules_apply(&r, &rep);
	ok(rep.verdict == REPORT_REJECT && rep.reasons[0].code ==
	    REASON_OP_NOT_ALLOWED, "deny_ops: %s", rep.reasons[0].message);
	model_rules_default(&r);
	rep.verdict = REPORT_ACCEPT;
	rep.n_reasons = 0;
	r.allow_ops_set = 1;
	r.n_allow_ops = 1;
	strcpy(r.allow_ops[0], "Times");
	model_rules_apply(&r, &rep);
	ok(rep.verdict == REPORT_REJECT && rep.n_reasons == 1 &&
	    strstr(rep.reasons[0].message, "'Plus'") != NULL,
	    "allow_ops: %s", rep.reasons[0].message);
	model_rules_default(&r);
	rep.verdict = REPORT_ACCEPT;
	rep.n_reasons = 0;
	r.formats = 1u << REPORT_FORMAT_ONNX;
	r.max_parameters = 49;
	model_rules_apply(&r, &rep);
	ok(rep.verdict == REPORT_REJECT && rep.n_reasons == 2 &&
	    rep.reasons[0].code == REASON_FORMAT_NOT_ALLOWED &&
	    rep.reasons[1].code == REASON_COUNT_LIMIT,
	    "formats and max_parameters");
	model_rules_default(&r);
	rep.verdict = REPORT_ACCEPT;
	rep.n_reasons = 0;
	strcpy(rep.ops[0].name, "(other)");
	r.allow_ops_set = 1;
	r.n_allow_ops = 1;
	strcpy(r.allow_ops[0], "Plus");
	model_rules_apply(&r, &rep);
	ok(rep.verdict == REPORT_REJECT, "the overflow bucket fails closed");
}

/* The shipped example must parse (names stay unresolved: no NSS here). */
static void
test_example(void)
{
	const char *src = getenv("SAFELOAD_SOURCE_ROOT");
	struct policy_err err = { .file = "policy.conf.example" };
	static struct policy p;
	char path[1024], *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (src == NULL) {
		tap_skip("SAFELOAD_SOURCE_ROOT is not set");
		return;
	}
	(void)snprintf(path, sizeof(path), "%s/policy/policy.conf.example",
	    src);
	if ((f = fopen(path, "r")) == NULL ||
	    (text = calloc(1, POLICY_FILE_MAX + 1)) == NULL) {
		ok(0, "read %s", path);
		if (f != NULL)
			fclose(f);
		return;
	}
	len = fread(text, 1, POLICY_FILE_MAX, f);
	fclose(f);
	policy_init_defaults(&p);
	r = policy_parse_text(text, len, &p, &err);
	ok(r == 0 && p.n_profiles == 3 &&
	    policy_find_profile(&p, "production")->require_signature,
	    "policy.conf.example parses (%u: %s)", err.line, err.msg);
	free(text);
}

static void
test_lint(void)
{
	const char *err;
	struct policy *p = parse("[access]\nusers = root\n[profile x]\n"
	    "users = 4242\nallow_ops = Times\ndeny_ops = Times\n", &err);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int n;

	if (p == NULL || f == NULL) {
		ok(0, "lint: %s", err ? err : "no memstream");
		if (f != NULL)
			fclose(f);
		policy_free(p);
		return;
	}
	n = policy_lint(p, "t.conf", f);
	fclose(f);
	ok(n == 2 && strstr(text, "t.conf:3: warning: [profile x]: 'Times' "
	    "is in allow_ops and deny_ops") != NULL, "lint: %d warnings", n);
	free(text);
	/* A second reference keeps the policy alive past one free. */
	ok(policy_ref(p) == p, "policy_ref");
	policy_free(p);
	ok(policy_digest(p)[0] != '\0', "still alive after one free");
	policy_free(p);
}

int
main(void)
{
	char dir[] = "/tmp/test-policy-XXXXXX";

	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		tap_skip_all("no libsodium or no temp dir");
	test_default();
	test_good();
	test_errors();
	test_long_line();
	test_load(dir);
	test_signature();
	test_rules_apply();
	test_example();
	test_lint();
	(void)rmdir(dir);
	return tap_done();
}
