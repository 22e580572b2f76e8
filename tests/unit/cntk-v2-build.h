/*
 * cntk-v2-build.h: hand-built CNTK v2 Dictionary pieces for the unit tests
 * (role: tests; header-only, included by test-model.c and test-udf.c).
 *
 * Field numbers are those of daemon/model.proto (cntk-format.md §2).  Each
 * constructor returns a DictionaryValue as bytes; containers consume the
 * values they are given.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pb-encode.h"

/* Append sub as a length-delimited field and free it. */
__attribute__((unused)) static void
pb_sub(struct pb *b, uint32_t field, struct pb sub)
{
	pb_msg(b, field, &sub);
}

/* DictionaryValue constructors (value_type, member). */
__attribute__((unused)) static struct pb
v_str(const char *s)
{
	struct pb v = { 0 };

	pb_uint(&v, 1, 2);
	pb_uint(&v, 2, 6);
	pb_bytes(&v, 8, s, strlen(s));
	return v;
}

__attribute__((unused)) static struct pb
v_size(uint64_t n)
{
	struct pb v = { 0 };

	pb_uint(&v, 2, 3);
	pb_uint(&v, 5, n);
	return v;
}

__attribute__((unused)) static struct pb
v_bool(bool t)
{
	struct pb v = { 0 };

	pb_uint(&v, 2, 1);
	pb_uint(&v, 3, t);
	return v;
}

__attribute__((unused)) static struct pb
v_dict(struct pb d)
{
	struct pb v = { 0 };

	pb_uint(&v, 2, 10);
	pb_sub(&v, 12, d);
	return v;
}

/* A Vector value; items[] are DictionaryValues, consumed. */
__attribute__((unused)) static struct pb
v_vec(struct pb *items, size_t n)
{
	struct pb v = { 0 }, vec = { 0 };
	size_t i;

	for (i = 0; i < n; i++)
		pb_sub(&vec, 1, items[i]);
	pb_uint(&v, 2, 9);
	pb_sub(&v, 11, vec);
	return v;
}

/* A Float tensor with `n` values and shape dims[0..rank). */
__attribute__((unused)) static struct pb
v_tensor(size_t n, const uint64_t *dims, size_t rank)
{
	struct pb v = { 0 }, a = { 0 }, shape = { 0 }, dimv = { 0 },
	    fv = { 0 }, raw = { 0 };
	float f;
	size_t i;

	for (i = 0; i < rank; i++)
		pb_varint(&dimv, dims[i]);
	pb_sub(&shape, 1, dimv);
	for (i = 0; i < n; i++) {
		f = (float)i / 4;
		pb_put(&raw, &f, sizeof(f));
	}
	pb_sub(&fv, 1, raw);
	pb_uint(&a, 1, 1);
	pb_sub(&a, 3, shape);
	pb_sub(&a, 4, fv);
	pb_uint(&v, 2, 11);
	pb_sub(&v, 13, a);
	return v;
}

/* An NDShape value of dims[0..rank). */
__attribute__((unused)) static struct pb
v_shape(const uint64_t *dims, size_t rank)
{
	struct pb v = { 0 }, shape = { 0 }, dimv = { 0 };
	size_t i;

	for (i = 0; i < rank; i++)
		pb_varint(&dimv, dims[i]);
	pb_sub(&shape, 1, dimv);
	pb_uint(&v, 2, 7);
	pb_sub(&v, 9, shape);
	return v;
}

/* Add entry {key: value} to a Dictionary under construction. */
__attribute__((unused)) static void
d_put(struct pb *d, const char *key, struct pb value)
{
	struct pb e = { 0 };

	pb_bytes(&e, 1, key, strlen(key));
	pb_sub(&e, 2, value);
	pb_sub(d, 2, e);
}

/* A dynamic Axis value named `name` (value_type Axis, axis_value). */
__attribute__((unused)) static struct pb
v_axis(const char *name)
{
	struct pb v = { 0 }, a = { 0 };

	pb_bytes(&a, 2, name, strlen(name));
	pb_uint(&a, 3, 1);		/* is_ordered_dynamic_axis */
	pb_uint(&v, 2, 8);
	pb_sub(&v, 10, a);
	return v;
}

#define CNTK_V2_BUILD_AXES_MAX	4u	/* dynamic axes variable() can add */

/*
 * A Variable with `n_axes` dynamic axes; a Parameter (kind 2) has
 * `values` floats of shape 2x3.
 */
__attribute__((unused)) static struct pb
variable_axes(const char *uid, uint64_t kind, size_t values, size_t n_axes)
{
	static const char *const names[CNTK_V2_BUILD_AXES_MAX] = {
		"defaultBatchAxis", "defaultDynamicAxis", "axis2", "axis3" };
	static const uint64_t dims[] = { 2, 3 };
	struct pb d = { 0 }, axes[CNTK_V2_BUILD_AXES_MAX];
	size_t i;

	for (i = 0; i < n_axes && i < CNTK_V2_BUILD_AXES_MAX; i++)
		axes[i] = v_axis(names[i]);

	pb_uint(&d, 1, 2);
	d_put(&d, "version", v_size(1));
	d_put(&d, "type", v_str("Variable"));
	d_put(&d, "uid", v_str(uid));
	d_put(&d, "kind", v_size(kind));
	d_put(&d, "data_type", v_size(1));
	d_put(&d, "is_sparse", v_bool(false));
	d_put(&d, "needs_gradient", v_bool(kind == 2));
	d_put(&d, "dynamic_axis", v_vec(axes, i));
	d_put(&d, "shape", v_shape(dims, 2));
	if (kind == 2)
		d_put(&d, "value", v_tensor(values, dims, 2));
	return v_dict(d);
}

/* A Variable without dynamic axes. */
__attribute__((unused)) static struct pb
variable(const char *uid, uint64_t kind, size_t values)
{
	return variable_axes(uid, kind, values, 0);
}

/* A function entry of `type` with two operands and `attrs`. */
__attribute__((unused)) static struct pb
function(const char *type, const char *uid, uint64_t op, const char *in0,
    const char *in1, struct pb attrs)
{
	struct pb d = { 0 }, ins[2];

	ins[0] = v_str(in0);
	ins[1] = v_str(in1);
	d_put(&d, "version", v_size(20));
	d_put(&d, "type", v_str(type));
	d_put(&d, "uid", v_str(uid));
	d_put(&d, "op", v_size(op));
	d_put(&d, "inputs", v_vec(ins, 2));
	d_put(&d, "attributes", v_dict(attrs));
	return v_dict(d);
}
