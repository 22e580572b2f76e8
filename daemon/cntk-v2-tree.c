/*
 * cntk-v2-tree.c: generic checks over every node of a decoded CNTK v2
 * Dictionary, and the normalisation that makes it canonical (role: worker;
 * internal to the model library).
 *
 * These rules hold for every dictionary, value and tensor whatever its role
 * in the graph: map keys unique (sorted so that the re-serialisation is
 * deterministic), value_type naming the oneof member actually present,
 * tensors dense with a supported data type and exactly as many values as
 * their shape says, no user-defined-function marker anywhere, no unknown
 * fields left.  Recursion depth is bounded by the wire walk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cntk-v2.h"

/* Up to this many entries, sort by insertion (see tree_sort()). */
#define TREE_INSERTION_SORT_MAX	32u

static int	tree_dict(struct cntk_v2 *, CNTK__Proto__Dictionary *);

/*
 * protobuf-c keeps fields it does not know in unknown_fields and would
 * write them back; the canonical form must not carry them.
 */
static void
tree_drop_unknown(struct cntk_v2 *c, ProtobufCMessage *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n_unknown_fields; i++)
		c->alloc->free(c->alloc->allocator_data,
		    m->unknown_fields[i].data);
	if (m->unknown_fields != NULL)
		c->alloc->free(c->alloc->allocator_data, m->unknown_fields);
	m->unknown_fields = NULL;
	m->n_unknown_fields = 0;
}

static int
tree_reject(struct cntk_v2 *c, enum reason code, const char *msg,
    const char *detail)
{
	report_reject(c->rep, code, "%s%s%s%s", msg,
	    detail != NULL ? " '" : "", detail != NULL ? detail : "",
	    detail != NULL ? "'" : "");
	return -EBADMSG;
}

/*
 * Versions 1 and 2 are the only ones CNTK wrote (§2.10); 0 is proto3's
 * "absent", which other writers of the same schema produce.
 */
static int
tree_message_version(struct cntk_v2 *c, const char *what, uint64_t v)
{
	report_reject(c->rep, REASON_UNSUPPORTED_VERSION,
	    "%s message version %llu; CNTK wrote 1 and 2", what,
	    (unsigned long long)v);
	return -EBADMSG;
}

/* Product of the shape's dimensions; -EOVERFLOW past 2^64. */
static int
tree_shape_product(const CNTK__Proto__NDShape *s, uint64_t *ret)
{
	uint64_t p = 1;
	size_t i;

	for (i = 0; s != NULL && i < s->n_shape_dim; i++)
		if (__builtin_mul_overflow(p, s->shape_dim[i], &p))
			return -EOVERFLOW;
	*ret = p;
	return 0;
}

/*
 * Which values member each data type is read from (§2.4): Float16 comes
 * from float_values too, Int8 from bytes, Int16 from zigzag sint32.
 */
static CNTK__Proto__NDArrayView__ValuesCase
tree_values_case(CNTK__Proto__DataType t)
{
	switch (t) {
	case CNTK__PROTO__DATA_TYPE__DATA_FLOAT:
	case CNTK__PROTO__DATA_TYPE__DATA_FLOAT16:
		return CNTK__PROTO__NDARRAY_VIEW__VALUES_FLOAT_VALUES;
	case CNTK__PROTO__DATA_TYPE__DATA_DOUBLE:
		return CNTK__PROTO__NDARRAY_VIEW__VALUES_DOUBLE_VALUES;
	case CNTK__PROTO__DATA_TYPE__DATA_INT8:
		return CNTK__PROTO__NDARRAY_VIEW__VALUES_BYTES_VALUE;
	case CNTK__PROTO__DATA_TYPE__DATA_INT16:
		return CNTK__PROTO__NDARRAY_VIEW__VALUES_SINT32_VALUES;
	default:
		return CNTK__PROTO__NDARRAY_VIEW__VALUES__NOT_SET;
	}
}

uint64_t
cntk_v2_tensor_elements(const CNTK__Proto__NDArrayView *a)
{
	switch (a->values_case) {
	case CNTK__PROTO__NDARRAY_VIEW__VALUES_FLOAT_VALUES:
		return a->float_values->n_value;
	case CNTK__PROTO__NDARRAY_VIEW__VALUES_DOUBLE_VALUES:
		return a->double_values->n_value;
	case CNTK__PROTO__NDARRAY_VIEW__VALUES_BYTES_VALUE:
		return a->bytes_value->value.len;
	case CNTK__PROTO__NDARRAY_VIEW__VALUES_SINT32_VALUES:
		return a->sint32_values->n_value;
	default:
		return 0;
	}
}

static void
tree_array_drop_unknown(struct cntk_v2 *c, CNTK__Proto__NDArrayView *a)
{
	tree_drop_unknown(c, &a->base);
	if (a->shape != NULL)
		tree_drop_unknown(c, &a->shape->base);
	/* Every values member is a message; any of them will do. */
	if (a->values_case != CNTK__PROTO__NDARRAY_VIEW__VALUES__NOT_SET)
		tree_drop_unknown(c, (ProtobufCMessage *)a->float_values);
}

/*
 * CNTK allocates from the shape before reading values, and reads past the
 * message when the counts differ (§2.3, §2.4): require equality, with the
 * product computed without overflow, and bound the model's total.
 */
static int
tree_array(struct cntk_v2 *c, CNTK__Proto__NDArrayView *a)
{
	uint64_t want, have;

	tree_array_drop_unknown(c, a);
	if (a->storage_format != CNTK__PROTO__STORAGE_FORMAT__STORAGE_DENSE)
		return tree_reject(c, REASON_BAD_STORAGE_FORMAT,
		    "tensor storage is not dense", NULL);
	if (tree_values_case(a->data_type) ==
	    CNTK__PROTO__NDARRAY_VIEW__VALUES__NOT_SET)
		return tree_reject(c, REASON_BAD_DATA_TYPE,
		    "tensor data type not loadable", NULL);
	if (a->values_case != tree_values_case(a->data_type))
		return tree_reject(c, REASON_BAD_DATA_TYPE,
		    "tensor values stored as the wrong type", NULL);
	if (tree_shape_product(a->shape, &want) < 0)
		return tree_reject(c, REASON_SHAPE_MISMATCH,
		    "tensor shape product overflows", NULL);
	have = cntk_v2_tensor_elements(a);
	if (have != want) {
		report_reject(c->rep, REASON_SHAPE_MISMATCH,
		    "tensor has %llu values, its shape says %llu",
		    (unsigned long long)have, (unsigned long long)want);
		return -EBADMSG;
	}
	if (have > c->l->max_elements - c->elements) {
		report_reject(c->rep, REASON_COUNT_LIMIT,
		    "more than %llu tensor elements in the model",
		    (unsigned long long)c->l->max_elements);
		return -EBADMSG;
	}
	c->elements += have;
	return 0;
}

/*
 * The oneof member a value_type names; value_type None means no member.
 * The generated case numbers are the field numbers, value_type + 2.
 */
static int
tree_type_matches(const CNTK__Proto__DictionaryValue *v)
{
	if (v->value_type == CNTK__PROTO__VALUE_TYPE__VALUE_NONE)
		return v->value_case ==
		    CNTK__PROTO__DICTIONARY_VALUE__VALUE__NOT_SET;
	if (v->value_type < CNTK__PROTO__VALUE_TYPE__VALUE_BOOL ||
	    v->value_type > CNTK__PROTO__VALUE_TYPE__VALUE_ND_ARRAY_VIEW)
		return 0;
	return (int)v->value_case == (int)v->value_type + 2;
}

static int
tree_vector(struct cntk_v2 *c, CNTK__Proto__Vector *vec);

static int
tree_value(struct cntk_v2 *c, CNTK__Proto__DictionaryValue *v)
{
	if (v == NULL)
		return 0;	/* an absent map value decodes as None */
	tree_drop_unknown(c, &v->base);
	if (v->version > CNTK_V2_MESSAGE_VERSION_MAX)
		return tree_message_version(c, "DictionaryValue", v->version);
	if (!tree_type_matches(v)) {
		report_reject(c->rep, REASON_WRONG_TYPE,
		    "value_type %d does not match the value present (field %d)",
		    (int)v->value_type, (int)v->value_case);
		return -EBADMSG;
	}
	switch (v->value_case) {
	case CNTK__PROTO__DICTIONARY_VALUE__VALUE_ND_SHAPE_VALUE:
		tree_drop_unknown(c, &v->nd_shape_value->base);
		return 0;
	case CNTK__PROTO__DICTIONARY_VALUE__VALUE_AXIS_VALUE:
		tree_drop_unknown(c, &v->axis_value->base);
		return 0;
	case CNTK__PROTO__DICTIONARY_VALUE__VALUE_VECTOR_VALUE:
		return tree_vector(c, v->vector_value);
	case CNTK__PROTO__DICTIONARY_VALUE__VALUE_DICTIONARY_VALUE:
		return tree_dict(c, v->dictionary_value);
	case CNTK__PROTO__DICTIONARY_VALUE__VALUE_ND_ARRAY_VIEW_VALUE:
		return tree_array(c, v->nd_array_view_value);
	default:
		return 0;
	}
}

static int
tree_vector(struct cntk_v2 *c, CNTK__Proto__Vector *vec)
{
	size_t i;
	int r;

	tree_drop_unknown(c, &vec->base);
	for (i = 0; i < vec->n_value; i++)
		if ((r = tree_value(c, vec->value[i])) < 0)
			return r;
	return 0;
}

static int
tree_entry_cmp(const void *a, const void *b)
{
	const CNTK__Proto__Dictionary__DataEntry *x =
	    *(CNTK__Proto__Dictionary__DataEntry *const *)a;
	const CNTK__Proto__Dictionary__DataEntry *y =
	    *(CNTK__Proto__Dictionary__DataEntry *const *)b;

	/* strcmp orders as unsigned char: bytewise, as documented. */
	return strcmp(x->key, y->key);
}

/*
 * Sort entries by key and return a key that appears twice, or NULL.
 * Objects have a dozen keys at most, often already in order (a canonical
 * input): insertion sort is linear then, needs no temporary buffer, and
 * compares every pair that ends up adjacent, so it sees duplicates on the
 * way.  Large dictionaries go to qsort and a scan.
 */
static const char *
tree_sort(CNTK__Proto__Dictionary *d)
{
	CNTK__Proto__Dictionary__DataEntry *e;
	const char *dup = NULL;
	size_t i, j;
	int cmp = 1;

	if (d->n_data > TREE_INSERTION_SORT_MAX) {
		qsort(d->data, d->n_data, sizeof(d->data[0]), /* NOLINT(bugprone-sizeof-expression): pointers */
		    tree_entry_cmp);
		for (i = 1; i < d->n_data && dup == NULL; i++)
			if (strcmp(d->data[i - 1]->key, d->data[i]->key) == 0)
				dup = d->data[i]->key;
		return dup;
	}
	for (i = 1; i < d->n_data; i++) {
		e = d->data[i];
		for (j = i; j > 0 && (cmp = strcmp(d->data[j - 1]->key,
		    e->key)) > 0; j--)
			d->data[j] = d->data[j - 1];
		d->data[j] = e;
		if (j > 0 && cmp == 0 && dup == NULL)
			dup = e->key;
	}
	return dup;
}

/*
 * A dictionary anywhere that calls itself a user-defined function would
 * make CNTK dlopen a library or exec Python (§2.13).  When the profile
 * admits UDFs by name, the markers are only counted here: each must then
 * belong to a function entry that cntk-v2-udf.c admits.
 */
static int
tree_udf_marker(struct cntk_v2 *c, const CNTK__Proto__Dictionary__DataEntry *e)
{
	const CNTK__Proto__DictionaryValue *v = e->value;

	if (e->key[0] != 't' || strcmp(e->key, "type") != 0 || v == NULL ||
	    v->value_case !=
	    CNTK__PROTO__DICTIONARY_VALUE__VALUE_STRING_VALUE)
		return 0;
	if (strcmp(v->string_value, "UserDefinedFunction") != 0 &&
	    strcmp(v->string_value, "NativeUserDefinedFunction") != 0)
		return 0;
	if (c->udfs == NULL || c->udfs->n == 0)
		return tree_reject(c, REASON_USER_DEFINED_FUNCTION,
		    "dictionary of type", v->string_value);
	c->udf_markers++;
	return 0;
}

static int
tree_dict(struct cntk_v2 *c, CNTK__Proto__Dictionary *d)
{
	const char *dup;
	size_t i;
	int r;

	tree_drop_unknown(c, &d->base);
	if (d->version > CNTK_V2_MESSAGE_VERSION_MAX)
		return tree_message_version(c, "Dictionary", d->version);
	for (i = 0; i < d->n_data; i++) {
		tree_drop_unknown(c, &d->data[i]->base);
		if ((r = tree_udf_marker(c, d->data[i])) < 0 ||
		    (r = tree_value(c, d->data[i]->value)) < 0)
			return r;
	}
	/* Protobuf says "last one wins"; we refuse to pick. */
	if ((dup = tree_sort(d)) != NULL)
		return tree_reject(c, REASON_DUPLICATE_KEY, "duplicate key",
		    dup);
	return 0;
}

int
cntk_v2_check_tree(struct cntk_v2 *c, CNTK__Proto__Dictionary *top)
{
	return tree_dict(c, top);
}
