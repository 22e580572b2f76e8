/*
 * protowalk.c: walk a CNTK v2 Dictionary before protobuf-c decodes it
 * (role: worker; pure, fuzz target via model_parse).
 *
 * The walk follows the schema in model.proto with an explicit stack of at
 * most MODEL_MAX_DEPTH frames, so hostile nesting costs neither recursion
 * nor heap.  It is the only place where untrusted lengths, depths, counts
 * and string bytes are checked before protobuf-c allocates for them.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "safeload-limits.h"
#include "protowalk.h"

/* What a known field holds, which decides how its payload is checked. */
enum pw_kind {
	PW_SCALAR_VARINT,
	PW_SCALAR_I32,
	PW_SCALAR_I64,
	PW_STRING,		/* UTF-8, bounded by max_string */
	PW_BYTES,
	PW_MESSAGE,
	PW_PACKED_VARINT,	/* repeated, packed or not */
	PW_PACKED_I32,
	PW_PACKED_I64,
};

enum pw_msg {
	PW_MSG_DICT,
	PW_MSG_ENTRY,
	PW_MSG_VALUE,
	PW_MSG_VECTOR,
	PW_MSG_SHAPE,
	PW_MSG_AXIS,
	PW_MSG_ARRAY,
	PW_MSG_FLOATS,
	PW_MSG_DOUBLES,
	PW_MSG_BYTES,
	PW_MSG_INTS,
	PW_MSG__MAX
};

#define PW_REPEATED	0x1
#define PW_ONEOF	0x2
#define PW_VALUES	0x4	/* tensor values: max_elements, not entries */

struct pw_spec {
	uint32_t	number;
	enum pw_kind	kind;
	int		flags;
	enum pw_msg	sub;	/* for PW_MESSAGE */
};

#define PW_SPECS_MAX	13u

struct pw_schema {
	const char	*name;
	size_t		n;
	struct pw_spec	f[PW_SPECS_MAX];
};

/* model.proto, field by field. */
static const struct pw_schema pw_schemas[PW_MSG__MAX] = {
	[PW_MSG_DICT] = { "Dictionary", 2, {
		{ 1, PW_SCALAR_VARINT, 0, 0 },
		{ 2, PW_MESSAGE, PW_REPEATED, PW_MSG_ENTRY } } },
	[PW_MSG_ENTRY] = { "Dictionary.DataEntry", 2, {
		{ 1, PW_STRING, 0, 0 },
		{ 2, PW_MESSAGE, 0, PW_MSG_VALUE } } },
	[PW_MSG_VALUE] = { "DictionaryValue", 13, {
		{ 1, PW_SCALAR_VARINT, 0, 0 },
		{ 2, PW_SCALAR_VARINT, 0, 0 },
		{ 3, PW_SCALAR_VARINT, PW_ONEOF, 0 },
		{ 4, PW_SCALAR_VARINT, PW_ONEOF, 0 },
		{ 5, PW_SCALAR_VARINT, PW_ONEOF, 0 },
		{ 6, PW_SCALAR_I32, PW_ONEOF, 0 },
		{ 7, PW_SCALAR_I64, PW_ONEOF, 0 },
		{ 8, PW_STRING, PW_ONEOF, 0 },
		{ 9, PW_MESSAGE, PW_ONEOF, PW_MSG_SHAPE },
		{ 10, PW_MESSAGE, PW_ONEOF, PW_MSG_AXIS },
		{ 11, PW_MESSAGE, PW_ONEOF, PW_MSG_VECTOR },
		{ 12, PW_MESSAGE, PW_ONEOF, PW_MSG_DICT },
		{ 13, PW_MESSAGE, PW_ONEOF, PW_MSG_ARRAY } } },
	[PW_MSG_VECTOR] = { "Vector", 1, {
		{ 1, PW_MESSAGE, PW_REPEATED, PW_MSG_VALUE } } },
	[PW_MSG_SHAPE] = { "NDShape", 1, {
		{ 1, PW_PACKED_VARINT, PW_REPEATED, 0 } } },
	[PW_MSG_AXIS] = { "Axis", 3, {
		{ 1, PW_SCALAR_VARINT, 0, 0 },
		{ 2, PW_STRING, 0, 0 },
		{ 3, PW_SCALAR_VARINT, 0, 0 } } },
	[PW_MSG_ARRAY] = { "NDArrayView", 7, {
		{ 1, PW_SCALAR_VARINT, 0, 0 },
		{ 2, PW_SCALAR_VARINT, 0, 0 },
		{ 3, PW_MESSAGE, 0, PW_MSG_SHAPE },
		{ 4, PW_MESSAGE, PW_ONEOF, PW_MSG_FLOATS },
		{ 5, PW_MESSAGE, PW_ONEOF, PW_MSG_DOUBLES },
		{ 6, PW_MESSAGE, PW_ONEOF, PW_MSG_BYTES },
		{ 7, PW_MESSAGE, PW_ONEOF, PW_MSG_INTS } } },
	[PW_MSG_FLOATS] = { "FloatValues", 1, {
		{ 1, PW_PACKED_I32, PW_REPEATED | PW_VALUES, 0 } } },
	[PW_MSG_DOUBLES] = { "DoubleValues", 1, {
		{ 1, PW_PACKED_I64, PW_REPEATED | PW_VALUES, 0 } } },
	[PW_MSG_BYTES] = { "BytesValue", 1, {
		{ 1, PW_BYTES, 0, 0 } } },
	[PW_MSG_INTS] = { "IntValues", 1, {
		{ 1, PW_PACKED_VARINT, PW_REPEATED | PW_VALUES, 0 } } },
};

struct pw_frame {
	enum pw_msg	msg;
	size_t		end;		/* offset just past this message */
	uint64_t	items;		/* repeated items seen so far */
	uint32_t	seen;		/* singular field numbers seen (bit n) */
	bool		oneof_seen;
};

struct pw_walk {
	const uint8_t			*buf;
	const struct model_limits	*l;
	struct report			*rep;
	struct pw_frame			 stack[MODEL_MAX_DEPTH + 1];
	size_t				 sp;	/* frames in use */
	size_t				 pos;
	uint64_t			 max_depth;
	uint64_t			 values;	/* tensor values so far */
};

static const struct pw_spec *
pw_spec_find(enum pw_msg msg, uint32_t number)
{
	const struct pw_schema *s = &pw_schemas[msg];
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->f[i].number == number)
			return &s->f[i];
	return NULL;
}

static int
pw_reject(struct pw_walk *w, enum reason code, const char *what,
    const struct pw_field *f)
{
	report_reject(w->rep, code, "%s in field %u of %s at offset %zu",
	    what, f->number, pw_schemas[w->stack[w->sp - 1].msg].name, w->pos);
	return -EBADMSG;
}

/* The wire type a field of this kind must have; packed kinds allow two. */
static bool
pw_wire_ok(enum pw_kind kind, enum pw_wire wire)
{
	switch (kind) {
	case PW_SCALAR_VARINT:
		return wire == PW_WIRE_VARINT;
	case PW_SCALAR_I32:
		return wire == PW_WIRE_I32;
	case PW_SCALAR_I64:
		return wire == PW_WIRE_I64;
	case PW_STRING:
	case PW_BYTES:
	case PW_MESSAGE:
		return wire == PW_WIRE_LEN;
	case PW_PACKED_VARINT:
		return wire == PW_WIRE_LEN || wire == PW_WIRE_VARINT;
	case PW_PACKED_I32:
		return wire == PW_WIRE_LEN || wire == PW_WIRE_I32;
	case PW_PACKED_I64:
		return wire == PW_WIRE_LEN || wire == PW_WIRE_I64;
	}
	return false;
}

/* Items in one occurrence of a repeated scalar field. */
static int
pw_packed_items(struct pw_walk *w, const struct pw_spec *s,
    const struct pw_field *f, uint64_t *ret)
{
	size_t p = f->off, end = f->off + (size_t)f->value;
	uint64_t n = 0, v;

	if (f->wire != PW_WIRE_LEN) {
		*ret = 1;
		return 0;
	}
	if (s->kind == PW_PACKED_I32 || s->kind == PW_PACKED_I64) {
		v = s->kind == PW_PACKED_I32 ? 4 : 8;
		if (f->value % v != 0)
			return pw_reject(w, REASON_DECODE_ERROR,
			    "ragged packed array", f);
		*ret = f->value / v;
		return 0;
	}
	while (p < end) {
		if (pw_varint(w->buf, end, &p, &v) < 0)
			return pw_reject(w, REASON_DECODE_ERROR,
			    "bad packed varint", f);
		n++;
	}
	*ret = n;
	return 0;
}

/*
 * One message more on the stack.  CNTK itself stops near 100 levels;
 * protobuf-c would recurse without bound, so the limit is checked here.
 */
static int
pw_push(struct pw_walk *w, enum pw_msg msg, size_t end,
    const struct pw_field *f)
{
	struct pw_frame *fr;

	if (w->sp >= w->l->max_depth || w->sp >= MODEL_MAX_DEPTH) {
		report_reject(w->rep, REASON_DEPTH_LIMIT,
		    "messages nested deeper than %u levels at offset %zu",
		    w->l->max_depth, f != NULL ? f->off : 0);
		return -EBADMSG;
	}
	fr = &w->stack[w->sp++];
	memset(fr, 0, sizeof(*fr));
	fr->msg = msg;
	fr->end = end;
	if (w->sp > w->max_depth)
		w->max_depth = w->sp;
	return 0;
}

/*
 * Singular fields and oneof members may appear once: decoders disagree on
 * how to merge repeats (last wins, merge, or error), and CNTK never writes
 * them twice.
 */
static int
pw_check_once(struct pw_walk *w, const struct pw_spec *s,
    const struct pw_field *f)
{
	struct pw_frame *fr = &w->stack[w->sp - 1];

	if (s->flags & PW_REPEATED)
		return 0;
	if (fr->seen & (1u << s->number))
		return pw_reject(w, REASON_DECODE_ERROR, "repeated singular",
		    f);
	if ((s->flags & PW_ONEOF) && fr->oneof_seen)
		return pw_reject(w, REASON_DECODE_ERROR, "second oneof member",
		    f);
	fr->seen |= 1u << s->number;
	if (s->flags & PW_ONEOF)
		fr->oneof_seen = true;
	return 0;
}

/*
 * Tensor values are bounded by max_elements over the whole model (as the
 * checks after decoding do), so that a big tensor is refused before
 * protobuf-c allocates for it; max_entries is for everything else.
 */
static int
pw_count_values(struct pw_walk *w, uint64_t n)
{
	w->values += n;
	if (w->values > w->l->max_elements) {
		report_reject(w->rep, REASON_COUNT_LIMIT,
		    "more than %llu tensor elements in the model",
		    (unsigned long long)w->l->max_elements);
		return -EBADMSG;
	}
	return 0;
}

static int
pw_count(struct pw_walk *w, const struct pw_spec *s, uint64_t n,
    const struct pw_field *f)
{
	struct pw_frame *fr = &w->stack[w->sp - 1];

	if (s->flags & PW_VALUES)
		return pw_count_values(w, n);
	fr->items += n;
	if (fr->items > w->l->max_entries) {
		report_reject(w->rep, REASON_COUNT_LIMIT,
		    "more than %u items in one %s (field %u)",
		    w->l->max_entries, pw_schemas[fr->msg].name, f->number);
		return -EBADMSG;
	}
	return 0;
}

/*
 * An over-long string is a size-limit reject (it is about bytes, like the
 * file size), not a count-limit one.
 */
static int
pw_check_string(struct pw_walk *w, const struct pw_field *f)
{
	if (f->value > w->l->max_string) {
		report_reject(w->rep, REASON_SIZE_LIMIT,
		    "string of %llu bytes in field %u of %s (limit %u)",
		    (unsigned long long)f->value, f->number,
		    pw_schemas[w->stack[w->sp - 1].msg].name,
		    w->l->max_string);
		return -EBADMSG;
	}
	if (!pw_utf8_ok(w->buf + f->off, (size_t)f->value))
		return pw_reject(w, REASON_INVALID_STRING,
		    "NUL or invalid UTF-8", f);
	return 0;
}

/* Check one known field; a submessage is entered rather than skipped. */
static int
pw_known(struct pw_walk *w, const struct pw_spec *s, struct pw_field *f)
{
	uint64_t n;
	int r;

	if (!pw_wire_ok(s->kind, f->wire))
		return pw_reject(w, REASON_DECODE_ERROR, "wrong wire type", f);
	if ((r = pw_check_once(w, s, f)) < 0)
		return r;
	switch (s->kind) {
	case PW_STRING:
		return pw_check_string(w, f);
	case PW_MESSAGE:
		if (s->flags & PW_REPEATED && (r = pw_count(w, s, 1, f)) < 0)
			return r;
		/* Resume inside the payload, which the new frame bounds. */
		w->pos = f->off;
		return pw_push(w, s->sub, f->off + (size_t)f->value, f);
	case PW_PACKED_VARINT:
	case PW_PACKED_I32:
	case PW_PACKED_I64:
		if ((r = pw_packed_items(w, s, f, &n)) < 0)
			return r;
		return pw_count(w, s, n, f);
	default:
		return 0;
	}
}

int
pw_walk_cntk(const uint8_t *buf, size_t len, const struct model_limits *l,
    struct report *rep, uint64_t *ret_depth)
{
	struct pw_walk w = { .buf = buf, .l = l, .rep = rep };
	const struct pw_spec *s;
	struct pw_field f;
	int r;

	if ((r = pw_push(&w, PW_MSG_DICT, len, NULL)) < 0)
		return r;
	while (w.sp > 0) {
		if (w.pos == w.stack[w.sp - 1].end) {
			w.sp--;
			continue;
		}
		if (pw_field_next(buf, w.stack[w.sp - 1].end, &w.pos, &f) < 0) {
			report_reject(rep, REASON_DECODE_ERROR,
			    "malformed field in %s at offset %zu",
			    pw_schemas[w.stack[w.sp - 1].msg].name, w.pos);
			return -EBADMSG;
		}
		s = pw_spec_find(w.stack[w.sp - 1].msg, f.number);
		if (s != NULL && (r = pw_known(&w, s, &f)) < 0)
			return r;
	}
	*ret_depth = w.max_depth;
	return 0;
}
