/*
 * test-udf.c: CNTK v2 user-defined functions under a profile's allow-list
 * (role: tests).
 *
 * By default every UDF is rejected; test-model.c shows that.  Here a
 * profile admits some by the exact name of the code CNTK would run, and
 * model_parse() must admit exactly those: never a name spelled by a
 * library path, an injected statement or a split the name does not say,
 * never a UDF marker outside an admitted entry.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cntk-v2-build.h"
#include "model.h"
#include "tap.h"

/* The UDF entry under test: Times1 -> UserFunction2 -> Plus3. */
struct udf {
	bool		 native;
	const char	*module;	/* library (native) or Python module */
	const char	*symbol;	/* deserialize_method or class */
	bool		 version_int;	/* Python payload version as an Int */
	uint64_t	 state_version;	/* of the payload; 0 means 1 */
	uint64_t	 entry_version;
	const char	*type;		/* of the entry; NULL: UDF */
	const char	*payload_type;	/* native; NULL: NativeUDF */
	const char	*extra_key;	/* added to the entry */
	bool		 hidden_marker;	/* a marker inside the UDF's own state */
	const char	*plus_in;	/* Plus3's first operand */
};

static const struct udf native_udf = {
	.native = true, .module = "libmyop", .symbol = "CreateMyOp",
};
static const struct udf python_udf = {
	.module = "mylayers", .symbol = "Gelu", .version_int = true,
};

/* The UDF's own state: arbitrary, here with one optional hidden marker. */
static struct pb
own_state(const struct udf *u)
{
	struct pb s = { 0 }, inner = { 0 };

	d_put(&s, "alpha", v_size(3));
	if (u->hidden_marker) {
		d_put(&inner, "type", v_str("NativeUserDefinedFunction"));
		d_put(&s, "nested", v_dict(inner));
	}
	return v_dict(s);
}

static struct pb
payload(const struct udf *u)
{
	struct pb p = { 0 }, ver;
	uint64_t sv = u->state_version != 0 ? u->state_version : 1;

	if (u->native) {
		d_put(&p, "version", v_size(sv));
		d_put(&p, "type", v_str(u->payload_type != NULL ?
		    u->payload_type : "NativeUserDefinedFunction"));
		d_put(&p, "op", v_str("MyOp"));
		d_put(&p, "module", v_str(u->module));
		d_put(&p, "deserialize_method", v_str(u->symbol));
		d_put(&p, "user_defined_state", own_state(u));
		return v_dict(p);
	}
	if (u->version_int) {	/* value_type Int, int_value (field 4) */
		ver = (struct pb){ 0 };
		pb_uint(&ver, 2, 2);
		pb_uint(&ver, 4, sv);
	} else
		ver = v_size(sv);
	d_put(&p, "class", v_str(u->symbol));
	d_put(&p, "module", v_str(u->module));
	d_put(&p, "op_name", v_str("MyGelu"));
	d_put(&p, "state", own_state(u));
	d_put(&p, "version", ver);
	return v_dict(p);
}

static struct pb
udf_entry(const struct udf *u)
{
	struct pb d = { 0 }, ins[1];

	ins[0] = v_str("Times1_Output_0");
	d_put(&d, "version", v_size(u->entry_version));
	d_put(&d, "type", v_str(u->type != NULL ? u->type :
	    "UserDefinedFunction"));
	d_put(&d, "uid", v_str("UserFunction2"));
	d_put(&d, "inputs", v_vec(ins, 1));
	if (u->native)
		d_put(&d, "native", v_bool(true));
	d_put(&d, "user_defined_state", payload(u));
	if (u->extra_key != NULL)
		d_put(&d, u->extra_key, v_size(1));
	return v_dict(d);
}

static struct pb
udf_model(const struct udf *u)
{
	struct pb d = { 0 }, ins[2], fns[3], attrs = { 0 };

	ins[0] = variable("Input0", 0, 0);
	ins[1] = variable("Parameter1", 2, 6);
	d_put(&attrs, "outputRank", v_size(1));
	fns[0] = function("PrimitiveFunction", "Times1", 31, "Parameter1",
	    "Input0", attrs);
	fns[1] = udf_entry(u);
	fns[2] = function("PrimitiveFunction", "Plus3", 19,
	    u->plus_in != NULL ? u->plus_in : "UserFunction2_Output_0",
	    "Parameter1", (struct pb){ 0 });
	pb_uint(&d, 1, 2);
	d_put(&d, "version", v_size(3));
	d_put(&d, "type", v_str("CompositeFunction"));
	d_put(&d, "uid", v_str("CompositeFunction4"));
	d_put(&d, "root", v_str("Plus3"));
	d_put(&d, "inputs", v_vec(ins, 2));
	d_put(&d, "primitive_functions", v_vec(fns, 3));
	return d;
}

struct result {
	struct report	 rep;
	uint8_t		*canon;
	size_t		 canon_len;
};

/* model_parse() under `allow`; the first reason, or REASON_NONE. */
static enum reason
run(const uint8_t *p, size_t n, const struct model_udfs *allow,
    struct result *res)
{
	struct model_limits l;
	int r;

	model_limits_default(&l);
	memset(res, 0, sizeof(*res));
	report_init(&res->rep);
	r = model_parse(p, n, &l, allow, REPORT_FORMAT_UNKNOWN, &res->rep,
	    &res->canon, &res->canon_len);
	if (r < 0)
		return REASON__MAX;
	if (res->rep.verdict == REPORT_ACCEPT)
		return res->canon != NULL ? REASON_NONE : REASON__MAX;
	return res->rep.n_reasons > 0 ? res->rep.reasons[0].code : REASON__MAX;
}

static struct model_udfs
allow_list(const char *a, const char *b)
{
	struct model_udfs u;

	memset(&u, 0, sizeof(u));
	if (a != NULL)
		strcpy(u.names[u.n++], a);
	if (b != NULL)
		strcpy(u.names[u.n++], b);
	return u;
}

static void
expect(const struct udf *u, const struct model_udfs *allow, enum reason want,
    const char *what)
{
	struct pb m = udf_model(u);
	struct result res;
	enum reason got = run(m.p, m.n, allow, &res);

	if (!ok(got == want, "%s: %s", what, reason_code(want) != NULL ?
	    reason_code(want) : "accept"))
		tap_diag("got %s: %s", reason_code(got) != NULL ?
		    reason_code(got) : "accept/other",
		    res.rep.n_reasons > 0 ? res.rep.reasons[0].message : "");
	free(res.canon);
	free(m.p);
}

static void
test_default_rejects(void)
{
	struct model_udfs none = allow_list(NULL, NULL);

	expect(&native_udf, NULL, REASON_USER_DEFINED_FUNCTION,
	    "no profile list: native UDF");
	expect(&python_udf, NULL, REASON_USER_DEFINED_FUNCTION,
	    "no profile list: Python UDF");
	expect(&native_udf, &none, REASON_USER_DEFINED_FUNCTION,
	    "an empty list: native UDF");
}

/* Admitted: counted, kept in the canonical form, which is a fixed point. */
static void
test_admitted(const struct udf *u, const struct model_udfs *allow,
    const char *what)
{
	struct pb m = udf_model(u);
	struct result a, b = { 0 };

	ok(run(m.p, m.n, allow, &a) == REASON_NONE &&
	    report_op_uses(&a.rep, "UserDefinedFunction") == 1 &&
	    a.rep.stats.functions == 3, "%s: admitted, counted as "
	    "UserDefinedFunction", what);
	ok(a.canon != NULL && run(a.canon, a.canon_len, allow, &b) ==
	    REASON_NONE && b.canon_len == a.canon_len &&
	    memcmp(a.canon, b.canon, a.canon_len) == 0,
	    "%s: the canonical form keeps it and is a fixed point", what);
	free(b.canon);
	ok(a.canon != NULL && run(a.canon, a.canon_len, NULL, &b) ==
	    REASON_USER_DEFINED_FUNCTION, "%s: the canonical form is still "
	    "rejected by a profile without the name", what);
	free(a.canon);
	free(m.p);
}

static void
test_allowed(void)
{
	struct model_udfs nat = allow_list("libmyop:CreateMyOp", NULL);
	struct model_udfs py = allow_list("other.Thing", "mylayers.Gelu");
	struct udf u;

	test_admitted(&native_udf, &nat, "native libmyop:CreateMyOp");
	test_admitted(&python_udf, &py, "Python mylayers.Gelu (Int version)");
	u = python_udf, u.version_int = false;
	test_admitted(&u, &py, "Python mylayers.Gelu (SizeT version)");
	u = native_udf, u.plus_in = "UserFunction2_Output_63";
	expect(&u, &nat, REASON_NONE, "output 63 of a UDF may be used");
	u = native_udf, u.plus_in = "UserFunction2_Output_64";
	expect(&u, &nat, REASON_BAD_OUTPUT_INDEX, "output 64 may not");
}

static void
test_not_admitted(void)
{
	struct model_udfs nat = allow_list("libmyop:CreateMyOp", NULL);
	struct model_udfs py = allow_list("mylayers.Gelu", "mylayers.a.Gelu");
	struct model_udfs raw;
	struct udf u;

	expect(&python_udf, &nat, REASON_USER_DEFINED_FUNCTION,
	    "a Python UDF the list does not name");
	u = native_udf, u.symbol = "CreateOther";
	expect(&u, &nat, REASON_USER_DEFINED_FUNCTION,
	    "the right library, another symbol");
	/*
	 * The policy parser refuses such names; a list that has them anyway
	 * (a bad work order) still admits nothing the name check refuses.
	 */
	raw = allow_list("/tmp/libmyop:CreateMyOp", "mylayers; import os.Gelu");
	u = native_udf, u.module = "/tmp/libmyop";
	expect(&u, &raw, REASON_USER_DEFINED_FUNCTION,
	    "a library path the model chose");
	u = native_udf, u.module = "libmyop:CreateMyOp", u.symbol = "x";
	expect(&u, &nat, REASON_USER_DEFINED_FUNCTION,
	    "a ':' in the library name");
	u = python_udf, u.module = "mylayers; import os";
	expect(&u, &raw, REASON_USER_DEFINED_FUNCTION,
	    "a statement pasted after the module");
	u = python_udf, u.symbol = "Gelu\nimport os";
	expect(&u, &py, REASON_USER_DEFINED_FUNCTION,
	    "a statement after the class");
	u = python_udf, u.module = "mylayers", u.symbol = "a.Gelu";
	expect(&u, &py, REASON_USER_DEFINED_FUNCTION,
	    "a dotted class that would spell a listed name");
	u = python_udf, u.type = "PythonFunction";
	expect(&u, &py, REASON_USER_DEFINED_FUNCTION,
	    "an entry type that is neither primitive nor UDF");
}

static void
test_malformed(void)
{
	struct model_udfs nat = allow_list("libmyop:CreateMyOp", NULL);
	struct model_udfs py = allow_list("mylayers.Gelu", NULL);
	struct udf u;

	u = native_udf, u.entry_version = 1;
	expect(&u, &nat, REASON_UNSUPPORTED_VERSION, "entry version 1");
	u = native_udf, u.state_version = 2;
	expect(&u, &nat, REASON_UNSUPPORTED_VERSION, "native payload v2");
	u = python_udf, u.state_version = 2;
	expect(&u, &py, REASON_UNSUPPORTED_VERSION, "Python payload v2");
	u = native_udf, u.payload_type = "Something";
	expect(&u, &nat, REASON_USER_DEFINED_FUNCTION, "native payload type");
	u = native_udf, u.extra_key = "attributes";
	expect(&u, &nat, REASON_UNKNOWN_KEY, "a key CNTK does not write");
	u = native_udf, u.hidden_marker = true;
	expect(&u, &nat, REASON_USER_DEFINED_FUNCTION,
	    "a second marker inside the UDF's own state");
}

static void
test_names(void)
{
	static const struct {
		const char	*name;
		int		 good;
	} cases[] = {
		{ "mylayers.Gelu", 1 }, { "a.b.c.D_1", 1 }, { "_m._C", 1 },
		{ "libmyop:CreateMyOp", 1 }, { "libgelu.so.1:make", 1 },
		{ "lib-x+y:f", 1 },
		{ "Gelu", 0 }, { "mylayers.", 0 }, { ".Gelu", 0 },
		{ "my layers.Gelu", 0 }, { "m.1Gelu", 0 }, { "m..G", 0 },
		{ "/lib/x:f", 0 }, { "../x:f", 0 }, { "x:", 0 }, { ":f", 0 },
		{ "x:f:g", 0 }, { "x:f.g", 0 }, { ".x:f", 0 }, { "-x:f", 0 },
		{ "m;os.G", 0 }, { "", 0 },
	};
	char long_name[MODEL_UDF_NAME_MAX + 2];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(model_udf_name_ok(cases[i].name) == cases[i].good,
		    "name '%s' is %s", cases[i].name,
		    cases[i].good ? "well-formed" : "refused");
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	long_name[1] = '.';
	ok(!model_udf_name_ok(long_name), "a name over %u bytes is refused",
	    MODEL_UDF_NAME_MAX);
}

int
main(void)
{
	test_names();
	test_default_rejects();
	test_allowed();
	test_not_admitted();
	test_malformed();
	return tap_done();
}
