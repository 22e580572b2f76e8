/*
 * onnx.c: onnx_parse(), the ONNX path of the model library (role: worker;
 * pure, fuzz target via model_parse).
 *
 * The order is the security argument, as for CNTK v2: the IR version from
 * the top-level fields (pre-1.0 drafts are refused before their unfamiliar
 * schema is read), the bounded wire walk (onnx-walk.c), only then
 * protobuf-c, through the caller's budgeted allocator, then the checks on
 * the decoded model (versions and opsets here, graphs in onnx-graph.c,
 * tensors and types in onnx-tensor.c) and the canonical re-serialisation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "onnx-internal.h"

/* The default operator set has two names (the IR specification). */
static bool
onnx_is_default_domain(const char *d)
{
	return d == NULL || *d == '\0' || strcmp(d, "ai.onnx") == 0;
}

/*
 * ONNX 1.0 (IR 3) made opset_import mandatory: without it the op types
 * have no defined meaning.  The CNTK 2.4 exporter left it out; such a file
 * is refused rather than given an opset we would have to guess.
 */
static int
onnx_check_top(const struct onnx_top *top, struct report *rep)
{
	int64_t ir = top->ir_version;

	if (ir <= 0) {
		report_reject(rep, REASON_UNSUPPORTED_VERSION,
		    "no ir_version: a pre-1.0 ONNX draft (as CNTK wrote in "
		    "2017), not ONNX 1.0 or later; re-export with CNTK 2.5 "
		    "or later");
		return -EBADMSG;
	}
	if (ir < ONNX_IR_MIN || ir > ONNX_IR_MAX) {
		report_reject(rep, REASON_UNSUPPORTED_VERSION,
		    "ir_version %lld, supported %d to %d", (long long)ir,
		    ONNX_IR_MIN, ONNX_IR_MAX);
		return -EBADMSG;
	}
	if (top->opset_imports == 0) {
		report_reject(rep, REASON_MISSING_KEY,
		    "no opset_import, which ONNX 1.0 (IR 3) requires; the "
		    "CNTK 2.4 exporter left it out: re-export with CNTK 2.5 "
		    "or later");
		return -EBADMSG;
	}
	return 0;
}

static int
onnx_check_opset(struct onnx_ctx *c, const Onnx__OperatorSetIdProto *o)
{
	if (!onnx_is_default_domain(o->domain)) {
		report_reject(c->rep, REASON_UNKNOWN_DOMAIN,
		    "opset_import of domain '%s': only ai.onnx is allowed",
		    o->domain);
		return -EBADMSG;
	}
	if (c->opset != 0) {
		report_reject(c->rep, REASON_DUPLICATE_KEY,
		    "ai.onnx is imported twice");
		return -EBADMSG;
	}
	if (!o->has_version || o->version < c->allow->opset_min ||
	    o->version > c->allow->opset_max) {
		report_reject(c->rep, REASON_UNSUPPORTED_VERSION,
		    "ai.onnx opset %lld, allowed %lld to %lld",
		    (long long)o->version, (long long)c->allow->opset_min,
		    (long long)c->allow->opset_max);
		return -EBADMSG;
	}
	c->opset = o->version;
	return 0;
}

/* The top-level checks have found at least one opset_import. */
static int
onnx_check_model(struct onnx_ctx *c, const Onnx__ModelProto *m)
{
	size_t i;
	int r;

	for (i = 0; i < m->n_opset_import; i++)
		if ((r = onnx_check_opset(c, m->opset_import[i])) < 0)
			return r;
	if (m->graph == NULL) {
		report_reject(c->rep, REASON_MISSING_KEY, "no graph");
		return -EBADMSG;
	}
	if ((r = onnx_check_metadata(c, m)) < 0)
		return r;
	return onnx_check_graph(c, m->graph, NULL);
}

static void
onnx_drop_unknown_here(ProtobufCMessage *m, ProtobufCAllocator *a)
{
	size_t i;

	for (i = 0; i < m->n_unknown_fields; i++)
		a->free(a->allocator_data, m->unknown_fields[i].data);
	if (m->unknown_fields != NULL)
		a->free(a->allocator_data, m->unknown_fields);
	m->unknown_fields = NULL;
	m->n_unknown_fields = 0;
}

/*
 * protobuf-c keeps the fields it does not know and would write them back;
 * the canonical copy carries only what onnx.proto names.  Generic over the
 * descriptors, so no message type is forgotten; the recursion follows the
 * nesting, which the walk has bounded.
 */
static void
onnx_drop_unknown(ProtobufCMessage *m, ProtobufCAllocator *a)
{
	const ProtobufCFieldDescriptor *f;
	ProtobufCMessage **sub;
	size_t i, k, n;
	char *base = (char *)m;

	onnx_drop_unknown_here(m, a);
	for (i = 0; i < m->descriptor->n_fields; i++) {
		f = &m->descriptor->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(uint32_t *)(void *)(base + f->quantifier_offset) !=
		    f->id)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			n = *(size_t *)(void *)(base + f->quantifier_offset);
			sub = *(ProtobufCMessage ***)(void *)(base + f->offset);
		} else {
			n = 1;
			sub = (ProtobufCMessage **)(void *)(base + f->offset);
		}
		for (k = 0; k < n; k++)
			if (sub[k] != NULL)
				onnx_drop_unknown(sub[k], a);
	}
}

/*
 * protobuf-c writes fields in number order and repeated fields in their
 * order, with no unknown fields left: the same model gives the same bytes,
 * and decoding them again gives the same model (idempotent).
 */
static int
onnx_pack(const Onnx__ModelProto *m, uint8_t **ret, size_t *ret_len)
{
	uint8_t *out;
	size_t n;

	n = onnx__model_proto__get_packed_size(m);
	if (n == 0 || (out = malloc(n)) == NULL)
		return -ENOMEM;
	if (onnx__model_proto__pack(m, out) != n) {
		free(out);
		return -EIO;
	}
	*ret = out;
	*ret_len = n;
	return 0;
}

int
onnx_parse(const uint8_t *buf, size_t len, const struct model_limits *l,
    const struct onnx_allow *allow, ProtobufCAllocator *a,
    struct report *rep, uint8_t **ret_canon, size_t *ret_canon_len)
{
	struct onnx_ctx c = { .l = l, .rep = rep, .alloc = a,
	    .allow = allow != NULL ? allow : onnx_allow_default() };
	Onnx__ModelProto *m = NULL;
	struct onnx_top top;
	int r;

	if ((r = onnx_walk_top(buf, len, &top)) < 0) {
		report_reject(rep, REASON_DECODE_ERROR,
		    "malformed top-level field");
		goto out;
	}
	c.ir_version = top.ir_version;
	onnx_hash_key(c.hash_key);
	if ((r = onnx_check_top(&top, rep)) < 0 ||
	    (r = pw_walk(buf, len, l, &onnx_wire_schema, rep,
	    &rep->stats.max_depth)) < 0)
		goto out;
	if ((m = onnx__model_proto__unpack(a, len, buf)) == NULL) {
		r = -EPROTO;
		goto out;
	}
	onnx_drop_unknown(&m->base, a);
	if ((r = onnx_check_model(&c, m)) < 0)
		goto out;
	report_sort_ops(rep);
	r = onnx_pack(m, ret_canon, ret_canon_len);
out:
	if (m != NULL)
		onnx__model_proto__free_unpacked(m, a);
	return r;
}
