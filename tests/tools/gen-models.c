/*
 * gen-models.c: write sample CNTK v2 models for tests and demos (role:
 * tests; build-time tool).
 *
 * Usage: gen-models DIR.  Builds each model as protobuf-c structs (the
 * same generated code the worker decodes with) and packs it into DIR:
 * tiny.model and dense-relu.model are accepted; udf.model (native
 * user-defined function), udf-python.model (a Python one, which a profile
 * may admit as mylayers.Gelu), lattice.model (op 90) and deep.model (200
 * nested dictionaries) are rejected.  Output is deterministic.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-pb.h"

#define GEN_DICT_MAX	16u	/* keys in one generated dictionary */
#define GEN_VEC_MAX	8u	/* items in one generated vector */
#define GEN_DEEP	200u	/* nesting of deep.model */

/* Short aliases for the long generated names, for readable lines. */
typedef CNTK__Proto__DictionaryValue	gen_value;
typedef CNTK__Proto__Dictionary		gen_dict;

/* Every allocation, so that one call frees the whole model. */
struct gen {
	void	**ptrs;
	size_t	  n, cap;
};

static void *
gen_new(struct gen *g, size_t size)
{
	void *p;

	if (g->n == g->cap) {
		g->cap = g->cap * 2 + 64;
		if ((g->ptrs = realloc(g->ptrs, g->cap * sizeof(*g->ptrs))) ==
		    NULL)
			abort();
	}
	if ((p = calloc(1, size)) == NULL)
		abort();
	g->ptrs[g->n++] = p;
	return p;
}

static void
gen_free(struct gen *g)
{
	while (g->n > 0)
		free(g->ptrs[--g->n]);
	free(g->ptrs);
	g->ptrs = NULL;
	g->cap = 0;
}

static char *
gen_str(struct gen *g, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = gen_new(g, n);

	memcpy(p, s, n);	/* with its NUL */
	return p;
}

static gen_value *
gv_new(struct gen *g, CNTK__Proto__ValueType type)
{
	gen_value *v = gen_new(g, sizeof(*v));

	cntk__proto__dictionary_value__init(v);
	v->version = 2;
	v->value_type = type;
	return v;
}

static gen_value *
gv_str(struct gen *g, const char *s)
{
	gen_value *v = gv_new(g, CNTK__PROTO__VALUE_TYPE__VALUE_STRING);

	v->value_case = CNTK__PROTO__DICTIONARY_VALUE__VALUE_STRING_VALUE;
	v->string_value = gen_str(g, s);
	return v;
}

static gen_value *
gv_size(struct gen *g, uint64_t n)
{
	gen_value *v = gv_new(g, CNTK__PROTO__VALUE_TYPE__VALUE_SIZE_T);

	v->value_case = CNTK__PROTO__DICTIONARY_VALUE__VALUE_SIZE_T_VALUE;
	v->size_t_value = n;
	return v;
}

static gen_value *
gv_bool(struct gen *g, int b)
{
	gen_value *v = gv_new(g, CNTK__PROTO__VALUE_TYPE__VALUE_BOOL);

	v->value_case = CNTK__PROTO__DICTIONARY_VALUE__VALUE_BOOL_VALUE;
	v->bool_value = b;
	return v;
}

static gen_dict *
gd_new(struct gen *g)
{
	gen_dict *d = gen_new(g, sizeof(*d));

	cntk__proto__dictionary__init(d);
	d->version = 2;
	/* An array of entry pointers. */
	d->data = gen_new(g,
	    GEN_DICT_MAX * sizeof(*d->data)); /* NOLINT(bugprone-sizeof-expression) */
	return d;
}

static void
gd_put(struct gen *g, gen_dict *d, const char *key, gen_value *v)
{
	CNTK__Proto__Dictionary__DataEntry *e = gen_new(g, sizeof(*e));

	if (d->n_data == GEN_DICT_MAX)
		abort();
	cntk__proto__dictionary__data_entry__init(e);
	e->key = gen_str(g, key);
	e->value = v;
	d->data[d->n_data++] = e;
}

static gen_value *
gv_dict(struct gen *g, gen_dict *d)
{
	gen_value *v = gv_new(g, CNTK__PROTO__VALUE_TYPE__VALUE_DICTIONARY);

	v->value_case = CNTK__PROTO__DICTIONARY_VALUE__VALUE_DICTIONARY_VALUE;
	v->dictionary_value = d;
	return v;
}

/* An empty Vector value; gvec_add() appends. */
static gen_value *
gv_vec(struct gen *g)
{
	gen_value *v = gv_new(g, CNTK__PROTO__VALUE_TYPE__VALUE_VECTOR);

	v->value_case = CNTK__PROTO__DICTIONARY_VALUE__VALUE_VECTOR_VALUE;
	v->vector_value = gen_new(g, sizeof(*v->vector_value));
	cntk__proto__vector__init(v->vector_value);
	v->vector_value->value = gen_new(g, GEN_VEC_MAX *
	    sizeof(*v->vector_value->value)); /* NOLINT(bugprone-sizeof-expression) */
	return v;
}

static void
gvec_add(gen_value *vec, gen_value *item)
{
	CNTK__Proto__Vector *v = vec->vector_value;

	if (v->n_value == GEN_VEC_MAX)
		abort();
	v->value[v->n_value++] = item;
}

static CNTK__Proto__NDShape *
gen_shape(struct gen *g, uint64_t d0, uint64_t d1)
{
	CNTK__Proto__NDShape *s = gen_new(g, sizeof(*s));

	cntk__proto__ndshape__init(s);
	s->shape_dim = gen_new(g, 2 * sizeof(*s->shape_dim));
	s->shape_dim[s->n_shape_dim++] = d0;
	if (d1 > 0)
		s->shape_dim[s->n_shape_dim++] = d1;
	return s;
}

/* A Float tensor of shape [d0] or [d0, d1] with small made-up values. */
static gen_value *
gv_tensor(struct gen *g, uint64_t d0, uint64_t d1)
{
	gen_value *v = gv_new(g, CNTK__PROTO__VALUE_TYPE__VALUE_ND_ARRAY_VIEW);
	CNTK__Proto__NDArrayView *a = gen_new(g, sizeof(*a));
	CNTK__Proto__FloatValues *f = gen_new(g, sizeof(*f));
	size_t i, n = d0 * (d1 > 0 ? d1 : 1);

	cntk__proto__ndarray_view__init(a);
	cntk__proto__float_values__init(f);
	a->data_type = CNTK__PROTO__DATA_TYPE__DATA_FLOAT;
	a->shape = gen_shape(g, d0, d1);
	f->value = gen_new(g, n * sizeof(*f->value));
	for (i = 0; i < n; i++)
		f->value[i] = (float)((int)(i * 7 % 13) - 6) / 16;
	f->n_value = n;
	a->values_case = CNTK__PROTO__NDARRAY_VIEW__VALUES_FLOAT_VALUES;
	a->float_values = f;
	v->value_case =
	    CNTK__PROTO__DICTIONARY_VALUE__VALUE_ND_ARRAY_VIEW_VALUE;
	v->nd_array_view_value = a;
	return v;
}

/* A Variable (§2.7): kind 0 Input or 2 Parameter of shape [d0, d1]. */
static gen_value *
gen_variable(struct gen *g, const char *uid, uint64_t kind, uint64_t d0,
    uint64_t d1)
{
	gen_dict *d = gd_new(g);
	gen_value *shape = gv_new(g, CNTK__PROTO__VALUE_TYPE__VALUE_ND_SHAPE);

	shape->value_case =
	    CNTK__PROTO__DICTIONARY_VALUE__VALUE_ND_SHAPE_VALUE;
	shape->nd_shape_value = gen_shape(g, d0, d1);
	gd_put(g, d, "version", gv_size(g, 1));
	gd_put(g, d, "type", gv_str(g, "Variable"));
	gd_put(g, d, "uid", gv_str(g, uid));
	gd_put(g, d, "kind", gv_size(g, kind));
	gd_put(g, d, "data_type", gv_size(g, 1));
	gd_put(g, d, "dynamic_axis", gv_vec(g));
	gd_put(g, d, "is_sparse", gv_bool(g, 0));
	gd_put(g, d, "needs_gradient", gv_bool(g, kind == 2));
	gd_put(g, d, "shape", shape);
	if (kind == 2)
		gd_put(g, d, "value", gv_tensor(g, d0, d1));
	return gv_dict(g, d);
}

/* A function entry (§2.8) with up to two operands. */
static gen_dict *
gen_function(struct gen *g, const char *type, const char *uid, uint64_t op,
    const char *in0, const char *in1)
{
	gen_dict *d = gd_new(g), *attrs;
	gen_value *ins = gv_vec(g);

	gvec_add(ins, gv_str(g, in0));
	if (in1 != NULL)
		gvec_add(ins, gv_str(g, in1));
	gd_put(g, d, "version", gv_size(g, 20));
	gd_put(g, d, "type", gv_str(g, type));
	gd_put(g, d, "uid", gv_str(g, uid));
	gd_put(g, d, "op", gv_size(g, op));
	gd_put(g, d, "inputs", ins);
	attrs = gd_new(g);
	/* Times needs its output rank (cntk-format.md §2.12). */
	if (op == 31)
		gd_put(g, attrs, "outputRank", gv_size(g, 1));
	gd_put(g, d, "attributes", gv_dict(g, attrs));
	return d;
}

/* The CompositeFunction around `inputs` and `funcs` (§2.6). */
static gen_dict *
gen_composite(struct gen *g, gen_value *inputs, gen_value *funcs,
    const char *root)
{
	gen_dict *top = gd_new(g);

	gd_put(g, top, "version", gv_size(g, 3));
	gd_put(g, top, "type", gv_str(g, "CompositeFunction"));
	gd_put(g, top, "uid", gv_str(g, "CompositeFunction1"));
	gd_put(g, top, "root", gv_str(g, root));
	gd_put(g, top, "inputs", inputs);
	gd_put(g, top, "primitive_functions", funcs);
	return top;
}

/* x (in) -> Times(W) -> Plus(b); extra, if any, is appended last. */
static gen_dict *
gen_linear(struct gen *g, uint64_t in, uint64_t out, gen_dict *extra,
    const char *root)
{
	gen_value *inputs = gv_vec(g), *funcs = gv_vec(g);

	gvec_add(inputs, gen_variable(g, "Input0", 0, in, 0));
	gvec_add(inputs, gen_variable(g, "Parameter1", 2, out, in));
	gvec_add(inputs, gen_variable(g, "Parameter2", 2, out, 0));
	gvec_add(funcs, gv_dict(g, gen_function(g, "PrimitiveFunction",
	    "Times3", 31, "Parameter1", "Input0")));
	gvec_add(funcs, gv_dict(g, gen_function(g, "PrimitiveFunction",
	    "Plus4", 19, "Times3_Output_0", "Parameter2")));
	if (extra != NULL)
		gvec_add(funcs, gv_dict(g, extra));
	return gen_composite(g, inputs, funcs, root);
}

/* A native UDF entry: CNTK would dlopen `module` (§2.13). */
static gen_dict *
gen_udf(struct gen *g)
{
	gen_dict *f = gd_new(g), *state = gd_new(g);
	gen_value *ins = gv_vec(g);

	gvec_add(ins, gv_str(g, "Plus4_Output_0"));
	gd_put(g, state, "version", gv_size(g, 1));
	gd_put(g, state, "type", gv_str(g, "NativeUserDefinedFunction"));
	gd_put(g, state, "op", gv_str(g, "MyOp"));
	gd_put(g, state, "module", gv_str(g, "/tmp/libsafeload-test-udf"));
	gd_put(g, state, "deserialize_method", gv_str(g, "CreateMyOp"));
	gd_put(g, state, "user_defined_state", gv_dict(g, gd_new(g)));
	gd_put(g, f, "version", gv_size(g, 0));
	gd_put(g, f, "type", gv_str(g, "UserDefinedFunction"));
	gd_put(g, f, "uid", gv_str(g, "UserFunction5"));
	gd_put(g, f, "inputs", ins);
	gd_put(g, f, "native", gv_bool(g, 1));
	gd_put(g, f, "user_defined_state", gv_dict(g, state));
	return f;
}

/*
 * A Python UDF entry: CNTK's Python binding would exec "from mylayers
 * import Gelu" (§2.13).  Rejected by default; a profile may list
 * mylayers.Gelu.
 */
static gen_dict *
gen_python_udf(struct gen *g)
{
	gen_dict *f = gd_new(g), *state = gd_new(g);
	gen_value *ins = gv_vec(g);

	gvec_add(ins, gv_str(g, "Plus4_Output_0"));
	gd_put(g, state, "class", gv_str(g, "Gelu"));
	gd_put(g, state, "module", gv_str(g, "mylayers"));
	gd_put(g, state, "op_name", gv_str(g, "Gelu"));
	gd_put(g, state, "state", gv_dict(g, gd_new(g)));
	gd_put(g, state, "version", gv_size(g, 1));
	gd_put(g, f, "version", gv_size(g, 0));
	gd_put(g, f, "type", gv_str(g, "UserDefinedFunction"));
	gd_put(g, f, "uid", gv_str(g, "UserFunction5"));
	gd_put(g, f, "inputs", ins);
	gd_put(g, f, "user_defined_state", gv_dict(g, state));
	return f;
}

/* LatticeSequenceWithSoftmax names host files in its attributes (§2.14). */
static gen_dict *
gen_lattice(struct gen *g)
{
	gen_dict *f = gen_function(g, "PrimitiveFunction", "Lattice5", 90,
	    "Plus4_Output_0", "Input0");
	gen_dict *attrs = f->data[f->n_data - 1]->value->dictionary_value;

	gd_put(g, attrs, "SymListPath", gv_str(g, "/etc/passwd"));
	gd_put(g, attrs, "PhonePath", gv_str(g, "/etc/shadow"));
	gd_put(g, attrs, "StateListPath", gv_str(g, "/etc/hosts"));
	gd_put(g, attrs, "TransProbPath", gv_str(g, "/etc/group"));
	gd_put(g, attrs, "LatticeConfigPath", gv_str(g, "/etc/fstab"));
	return f;
}

/* tiny.model with GEN_DEEP dictionaries nested in its attributes. */
static gen_dict *
gen_deep(struct gen *g)
{
	gen_dict *f = gen_function(g, "PrimitiveFunction", "ReLU5", 3,
	    "Plus4_Output_0", NULL);
	gen_dict *d = f->data[f->n_data - 1]->value->dictionary_value;
	size_t i;

	for (i = 0; i < GEN_DEEP; i++) {
		gen_dict *inner = gd_new(g);

		gd_put(g, d, "nested", gv_dict(g, inner));
		d = inner;
	}
	return f;
}

static int
gen_write(const char *dir, const char *name, const gen_dict *top)
{
	char path[4096];
	uint8_t *buf;
	size_t n = protobuf_c_message_get_packed_size(&top->base);
	FILE *f;
	int r = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((buf = malloc(n)) == NULL)
		return -ENOMEM;
	protobuf_c_message_pack(&top->base, buf);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(buf, 1, n, f) != n)
		r = -errno;
	if (f != NULL && fclose(f) != 0 && r == 0)
		r = -errno;
	if (r < 0)
		fprintf(stderr, "gen-models: %s: %s\n", path, strerror(-r));
	free(buf);
	return r;
}

int
main(int argc, char **argv)
{
	struct gen g = { NULL, 0, 0 };
	int r = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: gen-models DIR\n");
		return 2;
	}
	r |= gen_write(argv[1], "tiny.model",
	    gen_linear(&g, 2, 3, NULL, "Plus4"));
	r |= gen_write(argv[1], "dense-relu.model", gen_linear(&g, 16, 32,
	    gen_function(&g, "PrimitiveFunction", "ReLU5", 3,
	    "Plus4_Output_0", NULL), "ReLU5"));
	r |= gen_write(argv[1], "udf.model",
	    gen_linear(&g, 2, 3, gen_udf(&g), "UserFunction5"));
	r |= gen_write(argv[1], "udf-python.model",
	    gen_linear(&g, 2, 3, gen_python_udf(&g), "UserFunction5"));
	r |= gen_write(argv[1], "lattice.model",
	    gen_linear(&g, 2, 3, gen_lattice(&g), "Lattice5"));
	r |= gen_write(argv[1], "deep.model",
	    gen_linear(&g, 2, 3, gen_deep(&g), "ReLU5"));
	gen_free(&g);
	return r == 0 ? 0 : 1;
}
