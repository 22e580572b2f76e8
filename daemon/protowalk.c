/*
 * protowalk.c: walk a protobuf message before protobuf-c decodes it, as a
 * format's schema tables describe it (role: worker; pure, fuzz target via
 * model_parse).
 *
 * The walk keeps an explicit stack of at most MODEL_MAX_DEPTH frames, so
 * hostile nesting costs neither recursion nor heap.  It is the only place
 * where untrusted lengths, depths, counts and string bytes are checked
 * before protobuf-c allocates for them.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "safeload-limits.h"
#include "protowalk.h"

/* `seen` has one bit per table slot. */
_Static_assert(PW_SPECS_MAX <= 32, "pw_frame.seen is 32 bits");

struct pw_frame {
	const struct pw_message	*msg;
	size_t			 end;	/* offset just past this message */
	uint64_t		 items;	/* repeated items seen so far */
	uint32_t		 seen;	/* singular fields seen, by slot */
	bool			 oneof_seen;
};

struct pw_walk {
	const uint8_t			*buf;
	const struct model_limits	*l;
	const struct pw_schema		*schema;
	struct report			*rep;
	struct pw_frame			 stack[MODEL_MAX_DEPTH];
	size_t				 sp;	/* frames in use */
	size_t				 pos;
	uint64_t			 max_depth;
	uint64_t			 values;	/* tensor values so far */
};

static struct pw_frame *
pw_top(struct pw_walk *w)
{
	return &w->stack[w->sp - 1];
}

static const struct pw_spec *
pw_spec_find(const struct pw_message *m, uint32_t number)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->f[i].number == number)
			return &m->f[i];
	return NULL;
}

static int
pw_reject(struct pw_walk *w, enum reason code, const char *what,
    const struct pw_field *f)
{
	size_t at = w->schema->offset == PW_AT_PAYLOAD ? f->off : w->pos;

	report_reject(w->rep, code, "%s in field %u of %s at offset %zu",
	    what, f->number, pw_top(w)->msg->name, at);
	return -EBADMSG;
}

/* The wire type a field of this kind must have; packed kinds allow two. */
static bool
pw_wire_ok(enum pw_kind kind, enum pw_wire wire)
{
	switch (kind) {
	case PW_VARINT:
		return wire == PW_WIRE_VARINT;
	case PW_I32:
		return wire == PW_WIRE_I32;
	case PW_I64:
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
	case PW_REFUSED:	/* refused before its wire type matters */
		break;
	}
	return false;
}

/* Items in one occurrence of a repeated field: a packed run or one. */
static int
pw_items(struct pw_walk *w, const struct pw_spec *s, const struct pw_field *f,
    uint64_t *ret)
{
	size_t p = f->off, end = f->off + (size_t)f->value;
	uint64_t n = 0, v;

	if (f->wire != PW_WIRE_LEN || s->kind == PW_STRING ||
	    s->kind == PW_BYTES || s->kind == PW_MESSAGE) {
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
 * protobuf-c would recurse as deep as the input nests, so the limit is
 * checked here, before it decodes.  `off` is where the message starts.
 */
static int
pw_push(struct pw_walk *w, const struct pw_message *msg, size_t end,
    size_t off)
{
	struct pw_frame *fr;

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
 * Singular fields and oneof members may appear once: decoders disagree on
 * how to merge repeats (last wins, merge, or error), so a repeat could
 * mean two things; neither CNTK nor an ONNX exporter writes one.
 */
static int
pw_check_once(struct pw_walk *w, const struct pw_spec *s,
    const struct pw_field *f)
{
	struct pw_frame *fr = pw_top(w);
	uint32_t bit = UINT32_C(1) << (size_t)(s - fr->msg->f);

	if (s->flags & PW_REPEATED)
		return 0;
	if (fr->seen & bit)
		return pw_reject(w, REASON_DECODE_ERROR, "repeated singular",
		    f);
	if ((s->flags & PW_ONEOF) && fr->oneof_seen)
		return pw_reject(w, REASON_DECODE_ERROR, "second oneof member",
		    f);
	fr->seen |= bit;
	if (s->flags & PW_ONEOF)
		fr->oneof_seen = true;
	return 0;
}

/*
 * Tensor values are bounded by max_elements over the whole model (as the
 * checks after decoding do), so that a big tensor is refused before
 * protobuf-c allocates for it; max_entries is for everything else
 * repeated, per message.
 */
static int
pw_count(struct pw_walk *w, const struct pw_spec *s, const struct pw_field *f)
{
	struct pw_frame *fr = pw_top(w);
	uint64_t n;
	int r;

	if ((r = pw_items(w, s, f, &n)) < 0)
		return r;
	if (s->flags & PW_VALUES) {
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
	    fr->msg->name, f->number);
	return -EBADMSG;
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
		    pw_top(w)->msg->name, w->l->max_string);
		return -EBADMSG;
	}
	if (!pw_utf8_ok(w->buf + f->off, (size_t)f->value))
		return pw_reject(w, REASON_INVALID_STRING,
		    "NUL or invalid UTF-8", f);
	return 0;
}

/* Check one known field; a submessage is entered rather than skipped. */
static int
pw_known(struct pw_walk *w, const struct pw_spec *s, const struct pw_field *f)
{
	const struct pw_refusal *no;
	int r;

	if (s->kind == PW_REFUSED) {
		no = &w->schema->refusals[s->sub];
		return pw_reject(w, no->code, no->what, f);
	}
	if (!pw_wire_ok(s->kind, f->wire))
		return pw_reject(w, REASON_DECODE_ERROR, "wrong wire type", f);
	if ((r = pw_check_once(w, s, f)) < 0)
		return r;
	if ((s->flags & PW_REPEATED) && (r = pw_count(w, s, f)) < 0)
		return r;
	if (s->kind == PW_STRING)
		return pw_check_string(w, f);
	if (s->kind != PW_MESSAGE)
		return 0;
	/* Resume inside the payload, which the new frame bounds. */
	w->pos = f->off;
	return pw_push(w, &w->schema->msgs[s->sub], f->off + (size_t)f->value,
	    f->off);
}

int
pw_walk(const uint8_t *buf, size_t len, const struct model_limits *l,
    const struct pw_schema *schema, struct report *rep, uint64_t *ret_depth)
{
	struct pw_walk w = { .buf = buf, .l = l, .schema = schema, .rep = rep };
	const struct pw_spec *s;
	struct pw_field f;
	int r;

	if ((r = pw_push(&w, &schema->msgs[schema->root], len, 0)) < 0)
		return r;
	while (w.sp > 0) {
		if (w.pos == pw_top(&w)->end) {
			w.sp--;
			continue;
		}
		if (pw_field_next(buf, pw_top(&w)->end, &w.pos, &f) < 0) {
			report_reject(rep, REASON_DECODE_ERROR,
			    "malformed field in %s at offset %zu",
			    pw_top(&w)->msg->name, w.pos);
			return -EBADMSG;
		}
		s = pw_spec_find(pw_top(&w)->msg, f.number);
		if (s != NULL && (r = pw_known(&w, s, &f)) < 0)
			return r;
	}
	*ret_depth = w.max_depth;
	return 0;
}
