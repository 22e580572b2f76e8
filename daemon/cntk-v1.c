/*
 * cntk-v1.c: the file layout of a CNTK v1 model, its references, and the
 * entry point from model.c (role: worker; internal to the model library).
 *
 * cntk-format.md §3.2: BCN, an optional version, the node list (tagged
 * records whose payloads cntk-v1-nodes.c reads), the relation (each node's
 * inputs by name), the root groups, ECN, and nothing after it.  Every name
 * in the relation and the groups must be a node of the list; names are
 * unique; counts are bounded by the policy and by the bytes left before
 * anything is sized from them.  The canonical copy is written as we read
 * (cntk-v1-io.c) and handed out only when the whole file passed.
 */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cntk-v1.h"

/* The shortest name on disk: one code unit and its terminator. */
#define V1_NAME_MIN_BYTES	4u

/* A root group: its markers, and the legacy spelling CNTK also reads. */
struct v1_group {
	const char	*begin;
	const char	*end;
	const char	*legacy_begin;
	const char	*legacy_end;
	bool		 must_be_empty;
};

/* §3.2 item 6, in file order; labels are handled on their own. */
static const struct v1_group v1_groups_head[] = {
	{ "BFeatureNodes", "EFeatureNodes", NULL, NULL, false },
};
static const struct v1_group v1_groups_tail[] = {
	{ "BCriterionNodes", "ECriterionNodes", "BCriteriaNodes",
	    "ECriteriaNodes", false },
	/* Read and ignored by CNTK; the names must still be nodes. */
	{ "BNodesReqMultiSeqHandling", "ENodesReqMultiSeqHandling", NULL, NULL,
	    false },
	{ "BEvalNodes", "EEvalNodes", NULL, NULL, false },
	{ "BOutputNodes", "EOutputNodes", NULL, NULL, false },
	{ "BPairNodes", "EPairNodes", NULL, NULL, true },
};

static int
v1_name_cmp(const void *a, const void *b)
{
	const struct v1_node *x = a, *y = b;

	return v1_str_cmp(&x->name, &y->name);
}

static struct v1_node *
v1_lookup(struct cntk_v1 *c, const struct v1_str *name)
{
	struct v1_node key = { .name = *name };

	return bsearch(&key, c->nodes, c->n_nodes, sizeof(*c->nodes),
	    v1_name_cmp);
}

/* Read a name that must be a node of the list. */
static int
v1_ref(struct cntk_v1 *c, const char *where, struct v1_node **ret)
{
	struct v1_str s;
	struct v1_node *n;
	char pr[64];
	int r;

	if ((r = v1_wstr(c, false, &s)) < 0)
		return r;
	if ((n = v1_lookup(c, &s)) == NULL) {
		v1_str_print(&s, pr, sizeof(pr));
		return v1_fail(c, REASON_DANGLING_REFERENCE,
		    "%s names '%s', which is not a node", where, pr);
	}
	if (ret != NULL)
		*ret = n;
	return 0;
}

/* A count of names that follow: bounded before the loop runs. */
static int
v1_count(struct cntk_v1 *c, const char *what, uint64_t *ret)
{
	int r;

	if ((r = v1_u64(c, ret)) < 0)
		return r;
	if (*ret > c->l->max_entries)
		return v1_fail(c, REASON_COUNT_LIMIT,
		    "%llu %s, limit %u", (unsigned long long)*ret, what,
		    c->l->max_entries);
	if (*ret > (c->len - c->pos) / V1_NAME_MIN_BYTES)
		return v1_fail(c, REASON_DECODE_ERROR,
		    "%llu %s do not fit in the %zu bytes left",
		    (unsigned long long)*ret, what, c->len - c->pos);
	return 0;
}

static int
v1_version(struct cntk_v1 *c)
{
	int r;

	c->version = CNTK_V1_VERSION_MIN;
	if (!v1_peek(c, "BVersion"))
		return 0;
	if ((r = v1_marker(c, "BVersion")) < 0 ||
	    (r = v1_u64(c, &c->version)) < 0)
		return r;
	if (c->version < CNTK_V1_VERSION_EXPLICIT_MIN ||
	    c->version > CNTK_V1_VERSION_MAX)
		return v1_fail(c, REASON_UNSUPPORTED_VERSION,
		    "model version %llu (CNTK wrote %u to %u)",
		    (unsigned long long)c->version,
		    CNTK_V1_VERSION_EXPLICIT_MIN, CNTK_V1_VERSION_MAX);
	return v1_marker(c, "EVersion");
}

/*
 * Before version 7 there are no per-node tags: CNTK takes the element
 * size that follows the first BMAT in the file, wherever it is (§3.2).
 * We do the same, so that we read the file as CNTK will.
 */
static int
v1_guess_elsize(struct cntk_v1 *c)
{
	static const uint8_t bmat[] = "B\0M\0A\0T\0\0";	/* + final NUL */
	const uint8_t *p;
	uint64_t v = 0;
	unsigned i;

	p = memmem(c->in, c->len, bmat, sizeof(bmat));
	if (p == NULL || (size_t)(c->in + c->len - p) < sizeof(bmat) + 8)
		return v1_fail(c, REASON_BAD_DATA_TYPE,
		    "version %llu file with no matrix: element type unknown",
		    (unsigned long long)c->version);
	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[sizeof(bmat) + i] << (8 * i);
	if (v != 4 && v != 8)
		return v1_fail(c, REASON_BAD_DATA_TYPE,
		    "first matrix has element size %llu",
		    (unsigned long long)v);
	c->guessed_elsize = (unsigned)v;
	return 0;
}

static unsigned
v1_tag_size(const struct v1_str *s)
{
	if (v1_str_is(s, "float"))
		return 4;
	if (v1_str_is(s, "double"))
		return 8;
	if (v1_str_is(s, "half"))
		return 2;
	return 0;
}

/*
 * The precision tag (v >= 7).  Version 31 Cast nodes carry a pair such
 * as "half,float"; the first half is the node's own type.  *ret_pair
 * says so, because only Cast may have one.
 */
static int
v1_tag(struct cntk_v1 *c, bool *ret_pair)
{
	struct v1_str s, a, b;
	size_t i;
	int r;

	*ret_pair = false;
	if (c->version < CNTK_V1_VERSION_TAGS) {
		c->elsize = c->guessed_elsize;
		return 0;
	}
	if ((r = v1_wstr(c, false, &s)) < 0)
		return r;
	if ((c->elsize = v1_tag_size(&s)) != 0)
		return 0;
	for (i = 0; i < s.units; i++)
		if (s.p[2 * i] == ',' && s.p[2 * i + 1] == 0)
			break;
	a = (struct v1_str){ s.p, i };
	b = (struct v1_str){ s.p + 2 * (i + 1), i < s.units ?
	    s.units - i - 1 : 0 };
	if (c->version == CNTK_V1_VERSION_MAX && i < s.units &&
	    (c->elsize = v1_tag_size(&a)) != 0 && v1_tag_size(&b) != 0) {
		*ret_pair = true;
		return 0;
	}
	return v1_fail(c, REASON_BAD_DATA_TYPE,
	    "unknown precision tag at byte %zu", c->pos);
}

/* The type name as ASCII; anything else is no type CNTK has. */
static int
v1_type(struct cntk_v1 *c, const struct v1_node_type **ret)
{
	char ascii[CNTK_V1_TYPE_MAX + 1];
	struct v1_str s;
	size_t i;
	int r;

	if ((r = v1_wstr(c, false, &s)) < 0)
		return r;
	for (i = 0; i < s.units && i < CNTK_V1_TYPE_MAX; i++) {
		if (s.p[2 * i + 1] != 0 || s.p[2 * i] < 0x20 ||
		    s.p[2 * i] >= 0x7f)
			break;
		ascii[i] = (char)s.p[2 * i];
	}
	ascii[i] = '\0';
	if (i != s.units || (*ret = v1_node_type_find(ascii)) == NULL) {
		v1_str_print(&s, ascii, sizeof(ascii));
		return v1_fail(c, REASON_UNKNOWN_NODE_TYPE,
		    "node type '%s' at byte %zu is not one we can read",
		    ascii, c->pos);
	}
	return 0;
}

static int
v1_node(struct cntk_v1 *c, struct v1_node *n)
{
	const struct v1_node_type *t;
	bool pair;
	int r;

	if ((r = v1_tag(c, &pair)) < 0 || (r = v1_type(c, &t)) < 0)
		return r;
	if (pair && strcmp(v1_node_type_name(t), "Cast") != 0)
		return v1_fail(c, REASON_BAD_DATA_TYPE,
		    "a precision pair on a %s node", v1_node_type_name(t));
	if ((r = v1_wstr(c, false, &n->name)) < 0)
		return r;
	n->delay = v1_node_type_delays(t);
	c->what = v1_node_type_name(t);
	r = v1_node_payload(c, t);
	c->what = NULL;
	if (r < 0)
		return r;
	report_count_op(c->rep, v1_node_type_name(t));
	return 0;
}

static int
v1_unique(struct cntk_v1 *c)
{
	char pr[64];
	size_t i;

	qsort(c->nodes, c->n_nodes, sizeof(*c->nodes), v1_name_cmp);
	for (i = 1; i < c->n_nodes; i++) {
		if (v1_name_cmp(&c->nodes[i - 1], &c->nodes[i]) == 0) {
			v1_str_print(&c->nodes[i].name, pr, sizeof(pr));
			return v1_fail(c, REASON_DUPLICATE_UID,
			    "two nodes are named '%s'", pr);
		}
	}
	return 0;
}

/* The node count is bounded by policy and by the file before calloc. */
static int
v1_node_list(struct cntk_v1 *c)
{
	uint64_t n, i;
	int r;

	if ((r = v1_u64(c, &n)) < 0)
		return r;
	if (n == 0 || n > c->l->max_nodes)
		return v1_fail(c, n == 0 ? REASON_BAD_STRUCTURE :
		    REASON_COUNT_LIMIT, "%llu nodes (1 to %u)",
		    (unsigned long long)n, c->l->max_nodes);
	if (n > (c->len - c->pos) / CNTK_V1_NODE_MIN_BYTES)
		return v1_fail(c, REASON_DECODE_ERROR,
		    "%llu nodes do not fit in the %zu bytes left",
		    (unsigned long long)n, c->len - c->pos);
	if (n * sizeof(*c->nodes) > c->l->max_alloc - c->len)
		return v1_fail(c, REASON_ALLOC_LIMIT,
		    "%llu nodes need more than the heap budget",
		    (unsigned long long)n);
	if ((c->nodes = calloc(n, sizeof(*c->nodes))) == NULL)
		return -ENOMEM;
	c->n_nodes = n;
	if ((r = v1_marker(c, "BNodeList")) < 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = v1_node(c, &c->nodes[i])) < 0)
			return r;
	if ((r = v1_marker(c, "ENodeList")) < 0)
		return r;
	return v1_unique(c);
}

static int
v1_relation_record(struct cntk_v1 *c)
{
	struct v1_node *n, *in;
	uint64_t k, i;
	char pr[64];
	int r;

	if ((r = v1_ref(c, "a BRelation record", &n)) < 0)
		return r;
	if (n->related) {
		v1_str_print(&n->name, pr, sizeof(pr));
		return v1_fail(c, REASON_BAD_STRUCTURE,
		    "two BRelation records for '%s'", pr);
	}
	n->related = true;
	if ((r = v1_count(c, "inputs", &k)) < 0)
		return r;
	n->first = (uint32_t)c->n_edges;
	n->n_in = (uint32_t)k;
	for (i = 0; i < k; i++)
		if ((r = v1_ref(c, "an input", &in)) < 0 ||
		    (r = v1_edge_add(c, (uint32_t)(in - c->nodes))) < 0)
			return r;
	return 0;
}

/* One record per node: with unique names, N records cover every node. */
static int
v1_relation(struct cntk_v1 *c)
{
	size_t i;
	int r;

	if ((r = v1_marker(c, "BRelation")) < 0)
		return r;
	for (i = 0; i < c->n_nodes; i++)
		if ((r = v1_relation_record(c)) < 0)
			return r;
	if ((r = v1_marker(c, "ERelation")) < 0)
		return r;
	return v1_graph_check(c);
}

static int
v1_group_names(struct cntk_v1 *c, const char *group, bool must_be_empty)
{
	uint64_t n, i;
	int r;

	if ((r = v1_count(c, "group entries", &n)) < 0)
		return r;
	if (must_be_empty && n != 0)
		return v1_fail(c, REASON_BAD_STRUCTURE,
		    "%s must be empty", group);
	for (i = 0; i < n; i++)
		if ((r = v1_ref(c, group, NULL)) < 0)
			return r;
	return 0;
}

/* An optional group: absent, or begin, names, end. */
static int
v1_group(struct cntk_v1 *c, const struct v1_group *g)
{
	const char *end = g->end;
	int r;

	if (g->legacy_begin != NULL && v1_peek(c, g->legacy_begin)) {
		if ((r = v1_marker(c, g->legacy_begin)) < 0)
			return r;
		end = g->legacy_end;
	} else if (v1_peek(c, g->begin)) {
		if ((r = v1_marker(c, g->begin)) < 0)
			return r;
	} else
		return 0;
	if ((r = v1_group_names(c, g->begin, g->must_be_empty)) < 0)
		return r;
	return v1_marker(c, end);
}

/* CNTK expects ELabelNodes even when BLabelNodes is absent (§3.2). */
static int
v1_roots(struct cntk_v1 *c)
{
	size_t i;
	int r;

	if ((r = v1_marker(c, "BRootNodes")) < 0)
		return r;
	for (i = 0; i < sizeof(v1_groups_head) / sizeof(*v1_groups_head); i++)
		if ((r = v1_group(c, &v1_groups_head[i])) < 0)
			return r;
	if (v1_peek(c, "BLabelNodes") &&
	    ((r = v1_marker(c, "BLabelNodes")) < 0 ||
	    (r = v1_group_names(c, "BLabelNodes", false)) < 0))
		return r;
	if ((r = v1_marker(c, "ELabelNodes")) < 0)
		return r;
	for (i = 0; i < sizeof(v1_groups_tail) / sizeof(*v1_groups_tail); i++)
		if ((r = v1_group(c, &v1_groups_tail[i])) < 0)
			return r;
	return v1_marker(c, "ERootNodes");
}

/*
 * An SGD checkpoint (BVersion ... BCKP ... ECKP) holds training state, not
 * a network: it is the v1 family's not-a-model.
 */
static int
v1_checkpoint(struct cntk_v1 *c)
{
	uint64_t v;
	int r;

	if ((r = v1_marker(c, "BVersion")) < 0 || (r = v1_u64(c, &v)) < 0 ||
	    (r = v1_marker(c, "EVersion")) < 0)
		return r;
	if (!v1_peek(c, "BCKP"))
		return v1_fail(c, REASON_BAD_STRUCTURE,
		    "BVersion without BCN or BCKP");
	return v1_fail(c, REASON_NOT_A_MODEL,
	    "a CNTK v1 SGD checkpoint (BCKP), not a model");
}

static int
v1_file(struct cntk_v1 *c)
{
	int r;

	if (v1_peek(c, "BVersion"))
		return v1_checkpoint(c);
	if ((r = v1_marker(c, "BCN")) < 0 || (r = v1_version(c)) < 0)
		return r;
	if (c->version < CNTK_V1_VERSION_TAGS && (r = v1_guess_elsize(c)) < 0)
		return r;
	if ((r = v1_node_list(c)) < 0 || (r = v1_relation(c)) < 0 ||
	    (r = v1_roots(c)) < 0 || (r = v1_marker(c, "ECN")) < 0)
		return r;
	if (c->pos != c->len)
		return v1_fail(c, REASON_BAD_STRUCTURE,
		    "%zu trailing bytes after ECN", c->len - c->pos);
	return 0;
}

int
cntk_v1_parse(const uint8_t *buf, size_t len, const struct model_limits *l,
    struct report *rep, uint8_t **ret_canon, size_t *ret_canon_len)
{
	struct cntk_v1 c = { .l = l, .rep = rep, .in = buf, .len = len };
	int r;

	/* The canonical copy is as long as the input; it counts as heap. */
	if (len > l->max_alloc) {
		report_reject(rep, REASON_ALLOC_LIMIT,
		    "the canonical copy needs %zu bytes, budget %llu", len,
		    (unsigned long long)l->max_alloc);
		return -EBADMSG;
	}
	if ((c.out = malloc(len)) == NULL)
		return -ENOMEM;
	if ((r = v1_file(&c)) < 0)
		goto out;
	if (c.opos != len) {
		r = -EIO;
		goto out;
	}
	rep->stats.functions = c.n_nodes;
	rep->stats.parameters = c.params;
	rep->stats.constants = c.consts;
	report_sort_ops(rep);
	*ret_canon = c.out;
	*ret_canon_len = len;
	c.out = NULL;
out:
	free(c.out);
	free(c.nodes);
	free(c.edges);
	return r;
}
