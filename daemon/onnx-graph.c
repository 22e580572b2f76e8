/*
 * onnx-graph.c: check ONNX graphs, nodes and attributes after decoding
 * (role: worker; pure).
 *
 * An ONNX graph is a list of nodes that must already be in topological
 * order, with every value named exactly once (single static assignment)
 * across the graph and the graphs that enclose it.  Runtimes resolve names
 * with maps and trust the order, so a name read before it is written, or
 * written twice, is refused here.  Subgraphs (If, Loop, Scan bodies) see
 * the names their enclosing graphs defined before the node that holds
 * them; recursion follows the nesting, which onnx-walk.c has bounded.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/auxv.h>

#include "onnx-internal.h"

/* Who defined a name in one graph. */
#define OS_INPUT	0x1u
#define OS_INIT		0x2u
#define OS_NODE		0x4u

#define OS_MIN_SLOTS	8u

struct os_slot {
	const char	*name;		/* borrowed from the decoded model */
	unsigned	 tags;
};

/* The names one graph defines: open addressing, at most half full. */
struct onnx_scope {
	struct onnx_scope	*outer;
	struct os_slot		*slot;
	size_t			 mask;
	const uint64_t		*key;	/* the hash key, c->hash_key */
};

static const char *
os_str(const char *s)
{
	return s != NULL ? s : "";
}

#define OS_ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))

static void
os_sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = OS_ROTL(v[1], 13) ^ v[0];
	v[0] = OS_ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = OS_ROTL(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = OS_ROTL(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = OS_ROTL(v[1], 17) ^ v[2];
	v[2] = OS_ROTL(v[2], 32);
}

/*
 * SipHash-2-4.  Names are chosen by the attacker: with an unkeyed hash a
 * model could put all its names in one probe chain and make every lookup
 * linear, the whole check quadratic.  The key changes only the cost of a
 * lookup, never a verdict or the canonical bytes.
 */
static uint64_t
os_hash(const uint64_t key[2], const char *s)
{
	uint64_t v[4], m, last;
	size_t n = strlen(s), i, k;

	v[0] = key[0] ^ 0x736f6d6570736575ull;
	v[1] = key[1] ^ 0x646f72616e646f6dull;
	v[2] = key[0] ^ 0x6c7967656e657261ull;
	v[3] = key[1] ^ 0x7465646279746573ull;
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&m, s + i, sizeof(m));
		v[3] ^= m;
		os_sip_round(v);
		os_sip_round(v);
		v[0] ^= m;
	}
	last = (uint64_t)n << 56;
	for (k = 0; i + k < n; k++)
		last |= (uint64_t)(uint8_t)s[i + k] << (8 * k);
	v[3] ^= last;
	os_sip_round(v);
	os_sip_round(v);
	v[0] ^= last;
	v[2] ^= 0xff;
	for (k = 0; k < 4; k++)
		os_sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/*
 * The kernel's 16 random bytes for this process (AT_RANDOM, read from the
 * auxiliary vector without a system call) key the hash; a fixed key only
 * where there are none.
 */
void
onnx_hash_key(uint64_t ret[2])
{
	const void *r = (const void *)getauxval(AT_RANDOM);

	ret[0] = 0x0706050403020100ull;
	ret[1] = 0x0f0e0d0c0b0a0908ull;
	if (r != NULL)
		memcpy(ret, r, 2 * sizeof(uint64_t));
}

static struct os_slot *
os_slot(struct onnx_scope *s, const char *name)
{
	size_t i = (size_t)os_hash(s->key, name) & s->mask;

	while (s->slot[i].name != NULL && strcmp(s->slot[i].name, name) != 0)
		i = (i + 1) & s->mask;
	return &s->slot[i];
}

/* Is `name` defined here or in an enclosing graph? */
static bool
os_defined(struct onnx_scope *s, const char *name)
{
	for (; s != NULL; s = s->outer)
		if (os_slot(s, name)->name != NULL)
			return true;
	return false;
}

/* A table for `names` names, sized so that it is never over half full. */
static int
os_init(struct onnx_ctx *c, struct onnx_scope *s, struct onnx_scope *outer,
    size_t names)
{
	size_t slots = OS_MIN_SLOTS, bytes;

	while (slots / 2 < names) {
		if (__builtin_mul_overflow(slots, 2, &slots))
			return -ENOMEM;
	}
	if (__builtin_mul_overflow(slots, sizeof(*s->slot), &bytes))
		return -ENOMEM;
	s->slot = c->alloc->alloc(c->alloc->allocator_data, bytes);
	if (s->slot == NULL)
		return -ENOMEM;
	memset(s->slot, 0, bytes);
	s->mask = slots - 1;
	s->outer = outer;
	s->key = c->hash_key;
	return 0;
}

static void
os_clear(struct onnx_ctx *c, struct onnx_scope *s)
{
	if (s->slot != NULL)
		c->alloc->free(c->alloc->allocator_data, s->slot);
	s->slot = NULL;
}

/* Names a graph may define: inputs, initializers, node outputs. */
static size_t
og_name_count(const Onnx__GraphProto *g)
{
	size_t n = g->n_input + g->n_initializer, i;

	/* Each count is bounded by max_entries, and the file by its size. */
	for (i = 0; i < g->n_node; i++)
		n += g->node[i]->n_output;
	return n;
}

static int __attribute__((format(printf, 3, 4)))
og_reject(struct onnx_ctx *c, enum reason code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_vreject(c->rep, code, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* A graph input; an initializer may later give it a default (IR < 4). */
static int
og_inputs(struct onnx_ctx *c, const Onnx__GraphProto *g, struct onnx_scope *s)
{
	struct os_slot *sl;
	const char *name;
	size_t i;
	int r;

	for (i = 0; i < g->n_input; i++) {
		name = os_str(g->input[i]->name);
		if (*name == '\0')
			return og_reject(c, REASON_MISSING_KEY,
			    "graph '%s': input %zu has no name",
			    os_str(g->name), i);
		if (os_defined(s, name))
			return og_reject(c, REASON_DUPLICATE_UID,
			    "value '%s' is defined twice", name);
		if ((r = onnx_check_type(c, g->input[i]->type, name)) < 0)
			return r;
		sl = os_slot(s, name);
		sl->name = name;
		sl->tags = OS_INPUT;
	}
	return 0;
}

static int
og_initializers(struct onnx_ctx *c, const Onnx__GraphProto *g,
    struct onnx_scope *s)
{
	struct os_slot *sl;
	const char *name;
	uint64_t n;
	size_t i;
	int r;

	for (i = 0; i < g->n_initializer; i++) {
		name = os_str(g->initializer[i]->name);
		if (*name == '\0')
			return og_reject(c, REASON_MISSING_KEY,
			    "graph '%s': initializer %zu has no name",
			    os_str(g->name), i);
		if ((r = onnx_check_tensor(c, g->initializer[i], name,
		    &n)) < 0)
			return r;
		c->rep->stats.parameters += n;
		sl = os_slot(s, name);
		if ((sl->name != NULL && sl->tags != OS_INPUT) ||
		    (sl->name == NULL && os_defined(s->outer, name)))
			return og_reject(c, REASON_DUPLICATE_UID,
			    "value '%s' is defined twice", name);
		/* IR 3 has no initializers that are not inputs. */
		if (sl->name == NULL && c->ir_version < 4)
			return og_reject(c, REASON_BAD_STRUCTURE,
			    "initializer '%s' is not a graph input (IR 3)",
			    name);
		sl->name = name;
		sl->tags |= OS_INIT;
	}
	return 0;
}

static int
og_outputs(struct onnx_ctx *c, const Onnx__GraphProto *g,
    struct onnx_scope *s)
{
	const char *name;
	size_t i;
	int r;

	for (i = 0; i < g->n_output; i++) {
		name = os_str(g->output[i]->name);
		if (!os_defined(s, name))
			return og_reject(c, REASON_DANGLING_REFERENCE,
			    "graph '%s': output '%s' is never computed",
			    os_str(g->name), name);
		if ((r = onnx_check_type(c, g->output[i]->type, name)) < 0)
			return r;
	}
	for (i = 0; i < g->n_value_info; i++)
		if ((r = onnx_check_type(c, g->value_info[i]->type,
		    os_str(g->value_info[i]->name))) < 0)
			return r;
	return 0;
}

#define OA_BIT(t)	(1u << (ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__ ## t))
/* Types that hold one value, which must then be present. */
#define OA_SINGULAR	(OA_BIT(FLOAT) | OA_BIT(INT) | OA_BIT(STRING) | \
	OA_BIT(TENSOR) | OA_BIT(GRAPH) | OA_BIT(TYPE_PROTO))
/* Types safeload reads; sparse tensors are refused by the walk. */
#define OA_KNOWN	(OA_SINGULAR | OA_BIT(FLOATS) | OA_BIT(INTS) | \
	OA_BIT(STRINGS) | OA_BIT(TENSORS) | OA_BIT(GRAPHS) | \
	OA_BIT(TYPE_PROTOS))

/* Which value fields an attribute sets, one bit per AttributeType. */
static unsigned
oa_fields(const Onnx__AttributeProto *a)
{
	unsigned m = 0;

	m |= a->has_f ? OA_BIT(FLOAT) : 0;
	m |= a->has_i ? OA_BIT(INT) : 0;
	m |= a->has_s ? OA_BIT(STRING) : 0;
	m |= a->t != NULL ? OA_BIT(TENSOR) : 0;
	m |= a->g != NULL ? OA_BIT(GRAPH) : 0;
	m |= a->tp != NULL ? OA_BIT(TYPE_PROTO) : 0;
	m |= a->n_floats != 0 ? OA_BIT(FLOATS) : 0;
	m |= a->n_ints != 0 ? OA_BIT(INTS) : 0;
	m |= a->n_strings != 0 ? OA_BIT(STRINGS) : 0;
	m |= a->n_tensors != 0 ? OA_BIT(TENSORS) : 0;
	m |= a->n_graphs != 0 ? OA_BIT(GRAPHS) : 0;
	m |= a->n_type_protos != 0 ? OA_BIT(TYPE_PROTOS) : 0;
	return m;
}

/* The declared type says which one field holds the value. */
static int
oa_check_kind(struct onnx_ctx *c, const Onnx__AttributeProto *a,
    const char *name)
{
	unsigned bit, set = oa_fields(a);

	if (a->ref_attr_name != NULL)
		return og_reject(c, REASON_BAD_STRUCTURE, "attribute '%s' "
		    "refers to a function attribute outside a function", name);
	if (!a->has_type || a->type < 0 || a->type > 31 ||
	    ((bit = 1u << a->type) & OA_KNOWN) == 0)
		return og_reject(c, REASON_WRONG_TYPE,
		    "attribute '%s' has no known type", name);
	if ((set & ~bit) != 0)
		return og_reject(c, REASON_WRONG_TYPE,
		    "attribute '%s' sets a value its type does not use", name);
	if ((bit & OA_SINGULAR) && (set & bit) == 0)
		return og_reject(c, REASON_WRONG_TYPE,
		    "attribute '%s' has no value", name);
	return 0;
}

/* Tensors, graphs and types inside one attribute. */
static int
oa_check_values(struct onnx_ctx *c, const Onnx__AttributeProto *a,
    const char *name, struct onnx_scope *s)
{
	uint64_t n;
	size_t i;
	int r = 0;

	if (a->t != NULL && (r = onnx_check_tensor(c, a->t, name, &n)) == 0)
		c->rep->stats.constants += n;
	for (i = 0; r == 0 && i < a->n_tensors; i++)
		if ((r = onnx_check_tensor(c, a->tensors[i], name, &n)) == 0)
			c->rep->stats.constants += n;
	if (r == 0 && a->g != NULL)
		r = onnx_check_graph(c, a->g, s);
	for (i = 0; r == 0 && i < a->n_graphs; i++)
		r = onnx_check_graph(c, a->graphs[i], s);
	if (r == 0)
		r = onnx_check_type(c, a->tp, name);
	for (i = 0; r == 0 && i < a->n_type_protos; i++)
		r = onnx_check_type(c, a->type_protos[i], name);
	return r;
}

static int
og_attributes(struct onnx_ctx *c, const Onnx__NodeProto *n,
    struct onnx_scope *s)
{
	struct onnx_scope names = { 0 };
	struct os_slot *sl;
	const char *name;
	size_t i;
	int r;

	if ((r = os_init(c, &names, NULL, n->n_attribute)) < 0)
		return r;
	for (i = 0; i < n->n_attribute; i++) {
		name = os_str(n->attribute[i]->name);
		sl = os_slot(&names, name);
		if (*name == '\0' || sl->name != NULL) {
			r = og_reject(c, REASON_DUPLICATE_KEY, "node '%s': "
			    "attribute name '%s' empty or repeated",
			    os_str(n->name), name);
			break;
		}
		sl->name = name;
		if ((r = oa_check_kind(c, n->attribute[i], name)) < 0 ||
		    (r = oa_check_values(c, n->attribute[i], name, s)) < 0)
			break;
	}
	os_clear(c, &names);
	return r;
}

/* The op must be known in the model's opset. */
static int
og_op(struct onnx_ctx *c, const Onnx__NodeProto *n)
{
	const char *op = os_str(n->op_type), *dom = os_str(n->domain);

	if (*dom != '\0' && strcmp(dom, "ai.onnx") != 0)
		return og_reject(c, REASON_UNKNOWN_DOMAIN,
		    "node '%s': op domain '%s' is not allowed",
		    os_str(n->name), dom);
	if (!onnx_op_known(op, c->opset)) {
		report_reject(c->rep, REASON_UNKNOWN_OP,
		    "node '%s': op '%s' is not in ai.onnx opset %lld",
		    os_str(n->name), op, (long long)c->opset);
		return -EBADMSG;
	}
	report_count_op(c->rep, op);
	if (++c->nodes > c->l->max_nodes) {
		report_reject(c->rep, REASON_COUNT_LIMIT,
		    "more than %u nodes", c->l->max_nodes);
		return -EBADMSG;
	}
	return 0;
}

/* Inputs must exist already (topological order); outputs must be new. */
static int
og_node(struct onnx_ctx *c, const Onnx__NodeProto *n, struct onnx_scope *s)
{
	struct os_slot *sl;
	const char *name;
	size_t i;
	int r;

	if ((r = og_op(c, n)) < 0)
		return r;
	for (i = 0; i < n->n_input; i++) {
		name = os_str(n->input[i]);
		/* "" stands for an optional input left out. */
		if (*name != '\0' && !os_defined(s, name))
			return og_reject(c, REASON_DANGLING_REFERENCE,
			    "node '%s' reads '%s' before anything defines it",
			    os_str(n->name), name);
	}
	if ((r = og_attributes(c, n, s)) < 0)
		return r;
	for (i = 0; i < n->n_output; i++) {
		name = os_str(n->output[i]);
		if (*name == '\0')
			continue;
		if (os_defined(s, name))
			return og_reject(c, REASON_DUPLICATE_UID,
			    "value '%s' is defined twice", name);
		sl = os_slot(s, name);
		sl->name = name;
		sl->tags = OS_NODE;
	}
	return 0;
}

int
onnx_check_graph(struct onnx_ctx *c, const Onnx__GraphProto *g,
    struct onnx_scope *outer)
{
	struct onnx_scope s = { 0 };
	size_t i;
	int r;

	c->rep->stats.functions += g->n_node;
	if ((r = os_init(c, &s, outer, og_name_count(g))) < 0)
		goto out;
	if ((r = og_inputs(c, g, &s)) < 0 ||
	    (r = og_initializers(c, g, &s)) < 0)
		goto out;
	for (i = 0; i < g->n_node; i++)
		if ((r = og_node(c, g->node[i], &s)) < 0)
			goto out;
	r = og_outputs(c, g, &s);
out:
	os_clear(c, &s);
	return r;
}

/* Metadata keys are a map: unique and non-empty (the IR specification). */
int
onnx_check_metadata(struct onnx_ctx *c, const Onnx__ModelProto *m)
{
	struct onnx_scope keys = { 0 };
	struct os_slot *sl;
	const char *key;
	size_t i;
	int r;

	if ((r = os_init(c, &keys, NULL, m->n_metadata_props)) < 0)
		return r;
	for (i = 0; i < m->n_metadata_props; i++) {
		key = os_str(m->metadata_props[i]->key);
		sl = os_slot(&keys, key);
		if (*key == '\0' || sl->name != NULL) {
			r = og_reject(c, REASON_DUPLICATE_KEY,
			    "metadata key '%s' empty or repeated", key);
			break;
		}
		sl->name = key;
	}
	os_clear(c, &keys);
	return r;
}
