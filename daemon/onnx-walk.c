/*
 * onnx-walk.c: walk an onnx.ModelProto on the wire before protobuf-c
 * decodes it (role: worker; pure, fuzz target via model_parse).
 *
 * protobuf-c recurses without a limit and allocates for whatever counts
 * the input claims, and ONNX nests without bound (graphs inside node
 * attributes, types inside types).  So the whole message is walked here
 * first, iteratively with a fixed stack of at most MODEL_MAX_DEPTH frames,
 * following the schema in onnx.proto: depth, items per message, tensor
 * elements, string bytes and UTF-8, wire types, singular fields at most
 * once.  The parts of ONNX that safeload refuses outright (external data,
 * sparse tensors, functions, training information) are refused here, by
 * field number, before anything is decoded.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "safeload-limits.h"
#include "onnx-internal.h"
#include "protowalk.h"

enum ow_kind {
	OW_VARINT,
	OW_I32,
	OW_STRING,		/* UTF-8 without NUL, at most max_string */
	OW_BYTES,
	OW_MESSAGE,
	OW_PACKED_VARINT,	/* repeated scalars, packed or not */
	OW_PACKED_I32,
	OW_PACKED_I64,
	OW_REFUSED,		/* a field safeload refuses outright */
};

enum ow_msg {
	OW_MODEL, OW_OPSET, OW_ENTRY, OW_ANNOT, OW_GRAPH, OW_NODE, OW_ATTR,
	OW_VALUE_INFO, OW_TENSOR, OW_TYPE, OW_TYPE_TENSOR, OW_TYPE_SEQ,
	OW_TYPE_MAP, OW_TYPE_OPT, OW_SHAPE, OW_DIM, OW__MAX
};

#define OW_REPEATED	0x1
#define OW_ONEOF	0x2
#define OW_VALUES	0x4	/* tensor data: max_elements, not max_entries */

/* Reasons for refused fields (kept in `sub`, which they do not use). */
enum ow_refusal {
	OW_NO_EXTERNAL, OW_NO_SPARSE, OW_NO_SEGMENT, OW_NO_FUNCTIONS,
	OW_NO_TRAINING
};

struct ow_spec {
	uint32_t	number;
	enum ow_kind	kind;
	int		flags;
	int		sub;	/* enum ow_msg, or enum ow_refusal */
};

#define OW_SPECS_MAX	18u

struct ow_schema {
	const char	*name;
	size_t		 n;
	struct ow_spec	 f[OW_SPECS_MAX];
};

#define R	OW_REPEATED
static const struct ow_schema ow_schemas[OW__MAX] = {
	[OW_MODEL] = { "ModelProto", 11, {
		{ 1, OW_VARINT, 0, 0 }, { 2, OW_STRING, 0, 0 },
		{ 3, OW_STRING, 0, 0 }, { 4, OW_STRING, 0, 0 },
		{ 5, OW_VARINT, 0, 0 }, { 6, OW_STRING, 0, 0 },
		{ 7, OW_MESSAGE, 0, OW_GRAPH },
		{ 8, OW_MESSAGE, R, OW_OPSET },
		{ 14, OW_MESSAGE, R, OW_ENTRY },
		{ 20, OW_REFUSED, 0, OW_NO_TRAINING },
		{ 25, OW_REFUSED, 0, OW_NO_FUNCTIONS } } },
	[OW_OPSET] = { "OperatorSetIdProto", 2, {
		{ 1, OW_STRING, 0, 0 }, { 2, OW_VARINT, 0, 0 } } },
	[OW_ENTRY] = { "StringStringEntryProto", 2, {
		{ 1, OW_STRING, 0, 0 }, { 2, OW_STRING, 0, 0 } } },
	[OW_ANNOT] = { "TensorAnnotation", 2, {
		{ 1, OW_STRING, 0, 0 }, { 2, OW_MESSAGE, R, OW_ENTRY } } },
	[OW_GRAPH] = { "GraphProto", 9, {
		{ 1, OW_MESSAGE, R, OW_NODE }, { 2, OW_STRING, 0, 0 },
		{ 5, OW_MESSAGE, R, OW_TENSOR }, { 10, OW_STRING, 0, 0 },
		{ 11, OW_MESSAGE, R, OW_VALUE_INFO },
		{ 12, OW_MESSAGE, R, OW_VALUE_INFO },
		{ 13, OW_MESSAGE, R, OW_VALUE_INFO },
		{ 14, OW_MESSAGE, R, OW_ANNOT },
		{ 15, OW_REFUSED, 0, OW_NO_SPARSE } } },
	[OW_NODE] = { "NodeProto", 7, {
		{ 1, OW_STRING, R, 0 }, { 2, OW_STRING, R, 0 },
		{ 3, OW_STRING, 0, 0 }, { 4, OW_STRING, 0, 0 },
		{ 5, OW_MESSAGE, R, OW_ATTR }, { 6, OW_STRING, 0, 0 },
		{ 7, OW_STRING, 0, 0 } } },
	[OW_ATTR] = { "AttributeProto", 18, {
		{ 1, OW_STRING, 0, 0 }, { 2, OW_I32, 0, 0 },
		{ 3, OW_VARINT, 0, 0 }, { 4, OW_BYTES, 0, 0 },
		{ 5, OW_MESSAGE, 0, OW_TENSOR }, { 6, OW_MESSAGE, 0, OW_GRAPH },
		{ 7, OW_PACKED_I32, R, 0 }, { 8, OW_PACKED_VARINT, R, 0 },
		{ 9, OW_BYTES, R, 0 }, { 10, OW_MESSAGE, R, OW_TENSOR },
		{ 11, OW_MESSAGE, R, OW_GRAPH }, { 13, OW_STRING, 0, 0 },
		{ 14, OW_MESSAGE, 0, OW_TYPE }, { 15, OW_MESSAGE, R, OW_TYPE },
		{ 20, OW_VARINT, 0, 0 }, { 21, OW_STRING, 0, 0 },
		{ 22, OW_REFUSED, 0, OW_NO_SPARSE },
		{ 23, OW_REFUSED, 0, OW_NO_SPARSE } } },
	[OW_VALUE_INFO] = { "ValueInfoProto", 3, {
		{ 1, OW_STRING, 0, 0 }, { 2, OW_MESSAGE, 0, OW_TYPE },
		{ 3, OW_STRING, 0, 0 } } },
	[OW_TENSOR] = { "TensorProto", 14, {
		{ 1, OW_PACKED_VARINT, R, 0 }, { 2, OW_VARINT, 0, 0 },
		{ 3, OW_REFUSED, 0, OW_NO_SEGMENT },
		{ 4, OW_PACKED_I32, R | OW_VALUES, 0 },
		{ 5, OW_PACKED_VARINT, R | OW_VALUES, 0 },
		{ 6, OW_BYTES, R | OW_VALUES, 0 },
		{ 7, OW_PACKED_VARINT, R | OW_VALUES, 0 },
		{ 8, OW_STRING, 0, 0 }, { 9, OW_BYTES, 0, 0 },
		{ 10, OW_PACKED_I64, R | OW_VALUES, 0 },
		{ 11, OW_PACKED_VARINT, R | OW_VALUES, 0 },
		{ 12, OW_STRING, 0, 0 },
		{ 13, OW_REFUSED, 0, OW_NO_EXTERNAL },
		{ 14, OW_VARINT, 0, 0 } } },
	[OW_TYPE] = { "TypeProto", 6, {
		{ 1, OW_MESSAGE, OW_ONEOF, OW_TYPE_TENSOR },
		{ 4, OW_MESSAGE, OW_ONEOF, OW_TYPE_SEQ },
		{ 5, OW_MESSAGE, OW_ONEOF, OW_TYPE_MAP },
		{ 6, OW_STRING, 0, 0 },
		{ 8, OW_REFUSED, 0, OW_NO_SPARSE },
		{ 9, OW_MESSAGE, OW_ONEOF, OW_TYPE_OPT } } },
	[OW_TYPE_TENSOR] = { "TypeProto.Tensor", 2, {
		{ 1, OW_VARINT, 0, 0 }, { 2, OW_MESSAGE, 0, OW_SHAPE } } },
	[OW_TYPE_SEQ] = { "TypeProto.Sequence", 1, {
		{ 1, OW_MESSAGE, 0, OW_TYPE } } },
	[OW_TYPE_MAP] = { "TypeProto.Map", 2, {
		{ 1, OW_VARINT, 0, 0 }, { 2, OW_MESSAGE, 0, OW_TYPE } } },
	[OW_TYPE_OPT] = { "TypeProto.Optional", 1, {
		{ 1, OW_MESSAGE, 0, OW_TYPE } } },
	[OW_SHAPE] = { "TensorShapeProto", 1, {
		{ 1, OW_MESSAGE, R, OW_DIM } } },
	[OW_DIM] = { "TensorShapeProto.Dimension", 3, {
		{ 1, OW_VARINT, OW_ONEOF, 0 }, { 2, OW_STRING, OW_ONEOF, 0 },
		{ 3, OW_STRING, 0, 0 } } },
};
#undef R

/* Why each refused field is refused; docs/onnx.md says the same. */
static const struct {
	enum reason	 code;
	const char	*what;
} ow_refusals[] = {
	[OW_NO_EXTERNAL] = { REASON_EXTERNAL_DATA,
	    "tensor data in an external file (the worker has no filesystem)" },
	[OW_NO_SPARSE] = { REASON_UNSUPPORTED_FORMAT,
	    "sparse tensors (CNTK's ONNX importer does not read them)" },
	[OW_NO_SEGMENT] = { REASON_BAD_STRUCTURE,
	    "a segmented tensor (a tensor split across several protos)" },
	[OW_NO_FUNCTIONS] = { REASON_UNSUPPORTED_FORMAT,
	    "model-local functions (IR 8; CNTK cannot import them)" },
	[OW_NO_TRAINING] = { REASON_UNSUPPORTED_FORMAT,
	    "training information (IR 7; CNTK cannot import it)" },
};

struct ow_frame {
	enum ow_msg	msg;
	size_t		end;		/* offset just past this message */
	uint64_t	items;		/* repeated items so far */
	uint64_t	seen;		/* singular field numbers seen (bit n) */
	bool		oneof_seen;
};

struct ow_walk {
	const uint8_t			*buf;
	const struct model_limits	*l;
	struct report			*rep;
	struct ow_frame			 stack[MODEL_MAX_DEPTH];
	size_t				 sp;
	size_t				 pos;
	uint64_t			 max_depth;
	uint64_t			 values;
};

static const char *
ow_name(const struct ow_walk *w)
{
	return ow_schemas[w->stack[w->sp - 1].msg].name;
}

static int
ow_reject(struct ow_walk *w, enum reason code, const char *what,
    const struct pw_field *f)
{
	report_reject(w->rep, code, "%s in field %u of %s at offset %zu",
	    what, f->number, ow_name(w), f->off);
	return -EBADMSG;
}

static const struct ow_spec *
ow_spec_find(enum ow_msg msg, uint32_t number)
{
	const struct ow_schema *s = &ow_schemas[msg];
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->f[i].number == number)
			return &s->f[i];
	return NULL;
}

/* The wire type a field of this kind must have; packed kinds allow two. */
static bool
ow_wire_ok(enum ow_kind kind, enum pw_wire wire)
{
	switch (kind) {
	case OW_VARINT:
		return wire == PW_WIRE_VARINT;
	case OW_I32:
		return wire == PW_WIRE_I32;
	case OW_STRING:
	case OW_BYTES:
	case OW_MESSAGE:
		return wire == PW_WIRE_LEN;
	case OW_PACKED_VARINT:
		return wire == PW_WIRE_LEN || wire == PW_WIRE_VARINT;
	case OW_PACKED_I32:
		return wire == PW_WIRE_LEN || wire == PW_WIRE_I32;
	case OW_PACKED_I64:
		return wire == PW_WIRE_LEN || wire == PW_WIRE_I64;
	case OW_REFUSED:
		return true;
	}
	return false;
}

/* Items in one occurrence of a repeated field. */
static int
ow_items(struct ow_walk *w, const struct ow_spec *s, const struct pw_field *f,
    uint64_t *ret)
{
	size_t p = f->off, end = f->off + (size_t)f->value;
	uint64_t n = 0, v, size;

	if (f->wire != PW_WIRE_LEN || s->kind == OW_BYTES ||
	    s->kind == OW_STRING || s->kind == OW_MESSAGE) {
		*ret = 1;
		return 0;
	}
	if (s->kind == OW_PACKED_I32 || s->kind == OW_PACKED_I64) {
		size = s->kind == OW_PACKED_I32 ? 4 : 8;
		if (f->value % size != 0)
			return ow_reject(w, REASON_DECODE_ERROR,
			    "ragged packed array", f);
		*ret = f->value / size;
		return 0;
	}
	while (p < end) {
		if (pw_varint(w->buf, end, &p, &v) < 0)
			return ow_reject(w, REASON_DECODE_ERROR,
			    "bad packed varint", f);
		n++;
	}
	*ret = n;
	return 0;
}

/*
 * One message more on the stack.  protobuf-c would recurse as deep as the
 * input nests, so the limit is checked here, before it decodes.
 */
static int
ow_push(struct ow_walk *w, enum ow_msg msg, size_t end, size_t off)
{
	struct ow_frame *fr;

	if (w->sp >= w->l->max_depth || w->sp >= MODEL_MAX_DEPTH) {
		report_reject(w->rep, REASON_DEPTH_LIMIT,
		    "messages nested deeper than %u levels at offset %zu",
		    w->l->max_depth, off);
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
 * A singular field or oneof member appears once: decoders disagree about
 * repeats (last wins, or merge), so a repeat could mean two things.
 */
static int
ow_check_once(struct ow_walk *w, const struct ow_spec *s,
    const struct pw_field *f)
{
	struct ow_frame *fr = &w->stack[w->sp - 1];

	if (s->flags & OW_REPEATED)
		return 0;
	if (fr->seen & (1ull << s->number))
		return ow_reject(w, REASON_DECODE_ERROR, "repeated singular",
		    f);
	if ((s->flags & OW_ONEOF) && fr->oneof_seen)
		return ow_reject(w, REASON_DECODE_ERROR, "second oneof member",
		    f);
	fr->seen |= 1ull << s->number;
	if (s->flags & OW_ONEOF)
		fr->oneof_seen = true;
	return 0;
}

/*
 * Tensor data counts against max_elements over the whole model, so a big
 * tensor is refused before protobuf-c allocates for it; everything else
 * repeated counts against max_entries per message.
 */
static int
ow_count(struct ow_walk *w, const struct ow_spec *s, const struct pw_field *f)
{
	struct ow_frame *fr = &w->stack[w->sp - 1];
	uint64_t n;
	int r;

	if ((r = ow_items(w, s, f, &n)) < 0)
		return r;
	if (s->flags & OW_VALUES) {
		w->values += n;
		if (w->values <= w->l->max_elements)
			return 0;
		report_reject(w->rep, REASON_COUNT_LIMIT,
		    "more than %llu tensor elements in the model",
		    (unsigned long long)w->l->max_elements);
		return -EBADMSG;
	}
	fr->items += n;
	if (fr->items <= w->l->max_entries)
		return 0;
	report_reject(w->rep, REASON_COUNT_LIMIT,
	    "more than %u items in one %s (field %u)", w->l->max_entries,
	    ow_name(w), f->number);
	return -EBADMSG;
}

static int
ow_check_string(struct ow_walk *w, const struct pw_field *f)
{
	if (f->value > w->l->max_string) {
		report_reject(w->rep, REASON_SIZE_LIMIT,
		    "string of %llu bytes in field %u of %s (limit %u)",
		    (unsigned long long)f->value, f->number, ow_name(w),
		    w->l->max_string);
		return -EBADMSG;
	}
	if (!pw_utf8_ok(w->buf + f->off, (size_t)f->value))
		return ow_reject(w, REASON_INVALID_STRING,
		    "NUL or invalid UTF-8", f);
	return 0;
}

/* Check one known field; a submessage is entered rather than skipped. */
static int
ow_known(struct ow_walk *w, const struct ow_spec *s, const struct pw_field *f)
{
	int r;

	if (s->kind == OW_REFUSED)
		return ow_reject(w, ow_refusals[s->sub].code,
		    ow_refusals[s->sub].what, f);
	if (!ow_wire_ok(s->kind, f->wire))
		return ow_reject(w, REASON_DECODE_ERROR, "wrong wire type", f);
	if ((r = ow_check_once(w, s, f)) < 0)
		return r;
	if ((s->flags & OW_REPEATED) && (r = ow_count(w, s, f)) < 0)
		return r;
	if (s->kind == OW_STRING)
		return ow_check_string(w, f);
	if (s->kind != OW_MESSAGE)
		return 0;
	/* Resume inside the payload, which the new frame bounds. */
	w->pos = f->off;
	return ow_push(w, (enum ow_msg)s->sub, f->off + (size_t)f->value,
	    f->off);
}

int
onnx_walk(const uint8_t *buf, size_t len, const struct model_limits *l,
    struct report *rep, uint64_t *ret_depth)
{
	struct ow_walk w = { .buf = buf, .l = l, .rep = rep };
	const struct ow_spec *s;
	struct pw_field f;
	int r;

	if ((r = ow_push(&w, OW_MODEL, len, 0)) < 0)
		return r;
	while (w.sp > 0) {
		if (w.pos == w.stack[w.sp - 1].end) {
			w.sp--;
			continue;
		}
		if (pw_field_next(buf, w.stack[w.sp - 1].end, &w.pos, &f) < 0) {
			report_reject(rep, REASON_DECODE_ERROR,
			    "malformed field in %s at offset %zu", ow_name(&w),
			    w.pos);
			return -EBADMSG;
		}
		s = ow_spec_find(w.stack[w.sp - 1].msg, f.number);
		if (s != NULL && (r = ow_known(&w, s, &f)) < 0)
			return r;
	}
	*ret_depth = w.max_depth;
	return 0;
}

/*
 * The version decides how the rest is read: the pre-1.0 drafts that early
 * CNTK wrote have no ir_version and a different schema underneath, and the
 * CNTK 2.4 export has no opset_import (and bytes after its graph that do
 * not fit the schema), so both must be recognised before the walk would
 * call them merely malformed.
 */
int
onnx_walk_top(const uint8_t *buf, size_t len, struct onnx_top *ret)
{
	struct pw_field f;
	size_t pos = 0;

	memset(ret, 0, sizeof(*ret));
	while (pos < len) {
		if (pw_field_next(buf, len, &pos, &f) < 0)
			return -EBADMSG;
		if (f.number == 1 && f.wire == PW_WIRE_VARINT)
			ret->ir_version = (int64_t)f.value;
		if (f.number == 8 && f.wire == PW_WIRE_LEN)
			ret->opset_imports++;
	}
	return 0;
}
