/*
 * onnx-tensor.c: check ONNX tensors and value types after decoding (role:
 * worker; pure).
 *
 * A TensorProto states its shape in dims and carries its data in one of
 * seven fields, chosen by data_type.  Runtimes size buffers from dims and
 * copy from the data field, so a tensor whose data does not fill its dims
 * exactly (a lying shape) is refused, as is data in a field its type does
 * not use, and any pointer to data outside the file.
 */
#include <errno.h>
#include <string.h>

#include "onnx-internal.h"

/* Which field holds a data type's values, and how many per element. */
enum ot_field {
	OT_NONE, OT_FLOAT, OT_INT32, OT_STRING, OT_INT64, OT_DOUBLE,
	OT_UINT64
};

struct ot_type {
	enum ot_field	field;
	unsigned	per_element;	/* values per element (complex: 2) */
	unsigned	raw_size;	/* bytes per element in raw_data */
	int64_t		lo, hi;		/* narrow types stored wide; lo == hi:
					   any value of the field */
};

/* Indexed by TensorProto.DataType (the ONNX IR specification). */
static const struct ot_type ot_types[ONNX_DT_MAX + 1] = {
	[1] = { OT_FLOAT, 1, 4, 0, 0 },			/* FLOAT */
	[2] = { OT_INT32, 1, 1, 0, UINT8_MAX },		/* UINT8 */
	[3] = { OT_INT32, 1, 1, INT8_MIN, INT8_MAX },	/* INT8 */
	[4] = { OT_INT32, 1, 2, 0, UINT16_MAX },	/* UINT16 */
	[5] = { OT_INT32, 1, 2, INT16_MIN, INT16_MAX },	/* INT16 */
	[6] = { OT_INT32, 1, 4, 0, 0 },			/* INT32 */
	[7] = { OT_INT64, 1, 8, 0, 0 },			/* INT64 */
	[8] = { OT_STRING, 1, 0, 0, 0 },		/* STRING: never raw */
	[9] = { OT_INT32, 1, 1, 0, 1 },			/* BOOL */
	[10] = { OT_INT32, 1, 2, 0, UINT16_MAX },	/* FLOAT16, as bits */
	[11] = { OT_DOUBLE, 1, 8, 0, 0 },		/* DOUBLE */
	[12] = { OT_UINT64, 1, 4, 0, UINT32_MAX },	/* UINT32 */
	[13] = { OT_UINT64, 1, 8, 0, 0 },		/* UINT64 */
	[14] = { OT_FLOAT, 2, 8, 0, 0 },		/* COMPLEX64 */
	[15] = { OT_DOUBLE, 2, 16, 0, 0 },		/* COMPLEX128 */
	[16] = { OT_INT32, 1, 2, 0, UINT16_MAX },	/* BFLOAT16, as bits */
};

/* Values in each typed data field of t. */
static void
ot_counts(const Onnx__TensorProto *t, size_t n[OT_UINT64 + 1])
{
	memset(n, 0, sizeof(size_t) * (OT_UINT64 + 1));
	n[OT_FLOAT] = t->n_float_data;
	n[OT_INT32] = t->n_int32_data;
	n[OT_STRING] = t->n_string_data;
	n[OT_INT64] = t->n_int64_data;
	n[OT_DOUBLE] = t->n_double_data;
	n[OT_UINT64] = t->n_uint64_data;
}

static int
ot_reject(struct onnx_ctx *c, enum reason code, const char *what,
    const char *msg)
{
	report_reject(c->rep, code, "%s: %s", what, msg);
	return -EBADMSG;
}

/* The product of dims, refusing negative dims and overflow. */
static int
ot_elements(struct onnx_ctx *c, const Onnx__TensorProto *t, const char *what,
    uint64_t *ret)
{
	uint64_t n = 1;
	size_t i;

	for (i = 0; i < t->n_dims; i++) {
		if (t->dims[i] < 0)
			return ot_reject(c, REASON_SHAPE_MISMATCH, what,
			    "negative dimension");
		if (__builtin_mul_overflow(n, (uint64_t)t->dims[i], &n) ||
		    n > c->l->max_elements) {
			report_reject(c->rep, REASON_COUNT_LIMIT,
			    "%s: dims give more than %llu elements", what,
			    (unsigned long long)c->l->max_elements);
			return -EBADMSG;
		}
	}
	*ret = n;
	return 0;
}

/* Exactly one place holds the data, and it holds exactly n elements. */
static int
ot_check_data(struct onnx_ctx *c, const Onnx__TensorProto *t,
    const struct ot_type *ty, uint64_t n, const char *what)
{
	size_t counts[OT_UINT64 + 1];
	uint64_t want;
	int f;

	ot_counts(t, counts);
	for (f = OT_FLOAT; f <= OT_UINT64; f++)
		if (counts[f] != 0 && f != (int)ty->field)
			return ot_reject(c, REASON_BAD_STRUCTURE, what,
			    "data in a field its data_type does not use");
	if (t->has_raw_data) {
		if (ty->raw_size == 0 || counts[ty->field] != 0)
			return ot_reject(c, REASON_BAD_STRUCTURE, what,
			    "raw_data where it cannot be, or as well as "
			    "typed data");
		/* n * raw_size cannot overflow: n <= max_elements < 2^30. */
		if (t->raw_data.len != n * ty->raw_size)
			return ot_reject(c, REASON_SHAPE_MISMATCH, what,
			    "raw_data size does not match dims");
		return 0;
	}
	want = n * ty->per_element;
	if (counts[ty->field] != want) {
		report_reject(c->rep, REASON_SHAPE_MISMATCH,
		    "%s: dims give %llu values, data holds %zu", what,
		    (unsigned long long)want, counts[ty->field]);
		return -EBADMSG;
	}
	return 0;
}

/*
 * Narrow types travel widened (a UINT8 in an int32): a value that does not
 * fit is truncated differently by different runtimes, so it is refused.
 */
static int
ot_check_range(struct onnx_ctx *c, const Onnx__TensorProto *t,
    const struct ot_type *ty, const char *what)
{
	size_t i;

	if (ty->lo == ty->hi)
		return 0;
	for (i = 0; ty->field == OT_INT32 && i < t->n_int32_data; i++)
		if (t->int32_data[i] < ty->lo || t->int32_data[i] > ty->hi)
			return ot_reject(c, REASON_BAD_DATA_TYPE, what,
			    "a value does not fit its data_type");
	for (i = 0; ty->field == OT_UINT64 && i < t->n_uint64_data; i++)
		if (t->uint64_data[i] > (uint64_t)ty->hi)
			return ot_reject(c, REASON_BAD_DATA_TYPE, what,
			    "a value does not fit its data_type");
	return 0;
}

int
onnx_check_tensor(struct onnx_ctx *c, const Onnx__TensorProto *t,
    const char *what, uint64_t *ret_elements)
{
	uint64_t n;
	int r;

	/* CNTK reads <model dir>/<location> unchecked (cntk-format.md §4). */
	if (t->n_external_data != 0 || (t->has_data_location &&
	    t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL))
		return ot_reject(c, REASON_EXTERNAL_DATA, what,
		    "data_location is EXTERNAL; the worker has no filesystem");
	if (t->has_data_location &&
	    t->data_location != ONNX__TENSOR_PROTO__DATA_LOCATION__DEFAULT)
		return ot_reject(c, REASON_BAD_STRUCTURE, what,
		    "unknown data_location");
	if (!t->has_data_type || t->data_type < 1 ||
	    t->data_type > ONNX_DT_MAX)
		return ot_reject(c, REASON_BAD_DATA_TYPE, what,
		    "data_type missing or not one of IR 3 to 8");
	if ((r = ot_elements(c, t, what, &n)) < 0 ||
	    (r = ot_check_data(c, t, &ot_types[t->data_type], n, what)) < 0 ||
	    (r = ot_check_range(c, t, &ot_types[t->data_type], what)) < 0)
		return r;
	c->elements += n;
	if (c->elements > c->l->max_elements) {
		report_reject(c->rep, REASON_COUNT_LIMIT,
		    "more than %llu tensor elements in the model",
		    (unsigned long long)c->l->max_elements);
		return -EBADMSG;
	}
	*ret_elements = n;
	return 0;
}

static int
ot_check_shape(struct onnx_ctx *c, const Onnx__TensorShapeProto *s,
    const char *what)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < s->n_dim; i++)
		if (s->dim[i]->value_case ==
		    ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
		    s->dim[i]->dim_value < 0)
			return ot_reject(c, REASON_SHAPE_MISMATCH, what,
			    "negative dimension in a type");
	return 0;
}

/* Map keys are integers or strings (the IR specification). */
static bool
ot_key_type_ok(int32_t t)
{
	return (t >= 2 && t <= 8) || t == 12 || t == 13;
}

/*
 * Recursion follows TypeProto nesting, which the walk has bounded by
 * max_depth.  A type with no value is allowed: the IR leaves a value's
 * type unstated when a runtime infers it.
 */
int
onnx_check_type(struct onnx_ctx *c, const Onnx__TypeProto *tp,
    const char *what)
{
	const Onnx__TypeProto__Tensor *tt;

	if (tp == NULL)
		return 0;
	switch (tp->value_case) {
	case ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE:
		tt = tp->tensor_type;
		if (tt->has_elem_type && (tt->elem_type < 0 ||
		    tt->elem_type > ONNX_DT_MAX))
			return ot_reject(c, REASON_BAD_DATA_TYPE, what,
			    "unknown elem_type");
		return ot_check_shape(c, tt->shape, what);
	case ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE:
		return onnx_check_type(c, tp->sequence_type->elem_type, what);
	case ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE:
		return onnx_check_type(c, tp->optional_type->elem_type, what);
	case ONNX__TYPE_PROTO__VALUE_MAP_TYPE:
		if (!ot_key_type_ok(tp->map_type->key_type))
			return ot_reject(c, REASON_BAD_DATA_TYPE, what,
			    "map key type is not an integer or string");
		return onnx_check_type(c, tp->map_type->value_type, what);
	default:
		return 0;
	}
}
