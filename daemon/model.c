/*
 * model.c: model_parse(), the one entry point of the model library (role:
 * worker; pure, and the fuzz target for every format).
 *
 * The order of the steps is the security argument: pick the format by
 * content, refuse everything but plain CNTK v2, bound the wire data with
 * our own iterative walk (protowalk.c), and only then let protobuf-c decode
 * it, through an allocator that enforces the heap budget.  The decoded
 * tree is checked (cntk-v2-tree.c, cntk-v2.c) and re-serialised in
 * canonical form.  No I/O, no logging, no globals.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "cntk-v1.h"
#include "cntk-v2.h"
#include "format.h"
#include "model.h"
#include "onnx.h"
#include "protowalk.h"
#include "safeload-limits.h"

/*
 * Heap budget of one decode.  Each block carries its size in a header so
 * that frees can be credited back.
 */
struct budget {
	uint64_t	used;
	uint64_t	max;
	bool		over;	/* a request went past max */
	bool		oom;	/* the system said no */
};

union budget_hdr {
	size_t		size;
	max_align_t	align;
};

static void *
budget_alloc(void *data, size_t size)
{
	struct budget *b = data;
	union budget_hdr *h;
	size_t total;

	if (__builtin_add_overflow(size, sizeof(*h), &total) ||
	    total > b->max - b->used) {
		b->over = true;
		return NULL;
	}
	if ((h = malloc(total)) == NULL) {
		b->oom = true;
		return NULL;
	}
	h->size = total;
	b->used += total;
	return h + 1;
}

static void
budget_free(void *data, void *p)
{
	struct budget *b = data;
	union budget_hdr *h;

	if (p == NULL)
		return;
	h = (union budget_hdr *)p - 1;
	b->used -= h->size;
	free(h);
}

/* Formats that are recognised but have no validator yet, and ktnc. */
static int
model_refuse(enum format_kind k, struct report *rep)
{
	switch (k) {
	case FORMAT_EMPTY:
		report_reject(rep, REASON_EMPTY_FILE, "the file is empty");
		break;
	case FORMAT_CNTK_V2_LARGE:
		/* Payload order depends on two hash maps (§2.3). */
		report_reject(rep, REASON_LARGE_MODEL_LAYOUT,
		    "CNTK v2 large-model (ktnc) layout is not accepted");
		break;
	default:
		report_reject(rep, REASON_UNKNOWN_FORMAT,
		    "content is not a known model format");
		break;
	}
	return -EBADMSG;
}

/*
 * The client may state the format; content that says otherwise is refused
 * rather than parsed as something the client did not ask for.
 */
static int
model_check_hint(enum format_kind k, enum report_format hint,
    struct report *rep)
{
	if (hint == REPORT_FORMAT_UNKNOWN || k == FORMAT_EMPTY ||
	    format_report(k) == hint)
		return 0;
	report_reject(rep, REASON_UNKNOWN_FORMAT,
	    "stated format %s, content does not match",
	    report_format_name(hint) != NULL ? report_format_name(hint) : "?");
	return -EBADMSG;
}

static int
model_decode(const uint8_t *buf, size_t len, struct budget *b,
    ProtobufCAllocator *a, struct report *rep, CNTK__Proto__Dictionary **ret)
{
	CNTK__Proto__Dictionary *top;

	top = cntk__proto__dictionary__unpack(a, len, buf);
	if (top != NULL) {
		*ret = top;
		return 0;
	}
	if (b->over) {
		report_reject(rep, REASON_ALLOC_LIMIT,
		    "decoding needs more than %llu bytes of heap",
		    (unsigned long long)b->max);
		return -EBADMSG;
	}
	if (b->oom)
		return -ENOMEM;
	report_reject(rep, REASON_DECODE_ERROR,
	    "protobuf-c could not decode the Dictionary");
	return -EBADMSG;
}

/* Sorted keys and no unknown fields make this deterministic. */
static int
model_pack(const CNTK__Proto__Dictionary *top, uint8_t **ret, size_t *ret_len)
{
	uint8_t *out;
	size_t n;

	n = protobuf_c_message_get_packed_size(&top->base);
	if (n == 0 || (out = malloc(n)) == NULL)
		return -ENOMEM;
	if (protobuf_c_message_pack(&top->base, out) != n) {
		free(out);
		return -EIO;
	}
	*ret = out;
	*ret_len = n;
	return 0;
}

/*
 * protobuf-c turns a 2-byte empty submessage into a struct of some 70
 * bytes, so a small file can ask for far more heap than its size: the
 * budget grows with the input and never passes the policy's max_alloc.
 */
static uint64_t
model_budget(const struct model_limits *l, size_t len)
{
	uint64_t b = (uint64_t)MODEL_ALLOC_FACTOR * len + MODEL_ALLOC_SLACK;

	return b < l->max_alloc ? b : l->max_alloc;
}

static int
model_cntk_v2(const uint8_t *buf, size_t len, const struct model_limits *l,
    const struct model_udfs *udfs, struct report *rep, uint8_t **ret_canon,
    size_t *ret_canon_len)
{
	struct budget b = { .max = model_budget(l, len) };
	ProtobufCAllocator a = { budget_alloc, budget_free, &b };
	struct cntk_v2 c = { .l = l, .udfs = udfs, .rep = rep, .alloc = &a };
	CNTK__Proto__Dictionary *top = NULL;
	int r;

	if ((r = pw_walk(buf, len, l, &cntk_v2_wire_schema, rep,
	    &rep->stats.max_depth)) < 0 ||
	    (r = model_decode(buf, len, &b, &a, rep, &top)) < 0)
		goto out;
	/* Checkpoints and test dictionaries share the container (§2.6). */
	if (!cntk_v2_is_model(top)) {
		report_reject(rep, REASON_NOT_A_MODEL,
		    "top-level type is not CompositeFunction");
		r = -EBADMSG;
		goto out;
	}
	if ((r = cntk_v2_check_tree(&c, top)) < 0 ||
	    (r = cntk_v2_check_model(&c, top)) < 0)
		goto out;
	report_sort_ops(rep);
	r = model_pack(top, ret_canon, ret_canon_len);
out:
	if (top != NULL)
		cntk__proto__dictionary__free_unpacked(top, &a);
	return r;
}

/* ONNX is checked by onnx.c under the same heap budget. */
static int
model_onnx(const uint8_t *buf, size_t len, const struct model_limits *l,
    struct report *rep, uint8_t **ret_canon, size_t *ret_canon_len)
{
	struct budget b = { .max = l->max_alloc };
	ProtobufCAllocator a = { budget_alloc, budget_free, &b };
	int r;

	r = onnx_parse(buf, len, l, NULL, &a, rep, ret_canon, ret_canon_len);
	if ((r == -ENOMEM || r == -EPROTO) && b.over) {
		report_reject(rep, REASON_ALLOC_LIMIT,
		    "decoding needs more than %llu bytes of heap",
		    (unsigned long long)b.max);
		return -EBADMSG;
	}
	if (r == -EPROTO && !b.oom) {
		report_reject(rep, REASON_DECODE_ERROR,
		    "protobuf-c could not decode the ModelProto");
		return -EBADMSG;
	}
	return r == -EPROTO ? -ENOMEM : r;
}

int
model_parse(const uint8_t *buf, size_t len, const struct model_limits *limits,
    const struct model_udfs *udfs, enum report_format hint,
    struct report *rep, uint8_t **ret_canon, size_t *ret_canon_len)
{
	enum format_kind k;
	int r;

	if (model_limits_check(limits) < 0)
		return -EINVAL;
	if (len > limits->max_bytes) {
		report_reject(rep, REASON_SIZE_LIMIT,
		    "%zu bytes, limit %llu", len,
		    (unsigned long long)limits->max_bytes);
		return 0;
	}
	k = format_detect(buf, len);
	rep->format = format_report(k);
	if ((r = model_check_hint(k, hint, rep)) == 0) {
		if (k == FORMAT_CNTK_V2)
			r = model_cntk_v2(buf, len, limits, udfs, rep,
			    ret_canon, ret_canon_len);
		else if (k == FORMAT_CNTK_V1)
			r = cntk_v1_parse(buf, len, limits, rep, ret_canon,
			    ret_canon_len);
		else if (k == FORMAT_ONNX)
			r = model_onnx(buf, len, limits, rep, ret_canon,
			    ret_canon_len);
		else
			r = model_refuse(k, rep);
	}
	/* A reject is a verdict, not a failure. */
	return r == -EBADMSG ? 0 : r;
}
