/*
 * cntk-v2-graph.c: the function graph of a CNTK v2 model: uids, operand
 * references, block argument maps and cycles (role: worker; internal to
 * the model library).
 *
 * CNTK rebuilds the graph by looking uids up in hash maps and trusts what
 * it finds: a root or block argument that is not there is an end-iterator
 * dereference, a cycle without a delay op recurses until the stack ends
 * (cntk-format.md §2.5, §2.11).  Everything here is iterative and linear or
 * n log n in the number of uids, except the block argument walk, which has
 * its own step budget.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "safeload-limits.h"
#include "cntk-v2.h"

#define OUTPUT_SEP	"_Output_"
#define OUTPUT_DIGITS	10u	/* output indices are below 2^32 */

/* One uid in the sorted index: a leaf or a function. */
struct ix {
	const char	*uid;
	size_t		 idx;
	bool		 fn;
};

/* What an operand string names. */
struct ref {
	bool		 fn;		/* function output, else leaf */
	size_t		 idx;
	uint64_t	 k;		/* output index */
};

struct gctx {
	struct cntk_v2		*c;
	struct cntk_v2_graph	*g;
	struct ix		*ix;
	size_t			 n_ix;
	size_t			*bound;	/* per leaf: function + 1, or 0 */
	struct ref		*refs;	/* every operand, resolved once */
	size_t			*ref_start;	/* per function, into refs */
	uint64_t		 steps;	/* block argument walk */
};

static int
ix_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ix *)a)->uid, ((const struct ix *)b)->uid);
}

/* The index entry whose uid is exactly s[0..n), or NULL. */
static const struct ix *
ix_find(const struct gctx *x, const char *s, size_t n)
{
	size_t lo = 0, hi = x->n_ix, mid;
	int d;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		d = strncmp(s, x->ix[mid].uid, n);
		if (d == 0 && x->ix[mid].uid[n] != '\0')
			d = -1;		/* s is a proper prefix: it sorts first */
		if (d == 0)
			return &x->ix[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Split "F_Output_k" at the last separator; k is plain decimal, as CNTK
 * prints it (no sign, no leading zero).  -ENOENT if s is not of that form.
 */
static int
split_output(const char *s, size_t *ret_len, uint64_t *ret_k)
{
	const char *p, *sep = NULL, *d;
	uint64_t k = 0;

	for (p = s; (p = strstr(p, OUTPUT_SEP)) != NULL; p++)
		sep = p;
	if (sep == NULL)
		return -ENOENT;
	d = sep + strlen(OUTPUT_SEP);
	if (*d == '\0' || strlen(d) > OUTPUT_DIGITS || (d[0] == '0' &&
	    d[1] != '\0'))
		return -ENOENT;
	for (; *d != '\0'; d++) {
		if (*d < '0' || *d > '9')
			return -ENOENT;
		k = k * 10 + (uint64_t)(*d - '0');
	}
	*ret_len = (size_t)(sep - s);
	*ret_k = k;
	return 0;
}

/*
 * Resolve an operand of function `at` (or of a block map): a leaf uid, or
 * output k of a function listed before `at`.
 */
static int
resolve(struct gctx *x, const char *s, size_t at, const char *who,
    struct ref *ret)
{
	const struct ix *e;
	size_t n;
	uint64_t k;

	if ((e = ix_find(x, s, strlen(s))) != NULL && !e->fn) {
		*ret = (struct ref){ false, e->idx, 0 };
		return 0;
	}
	if (split_output(s, &n, &k) < 0 || (e = ix_find(x, s, n)) == NULL ||
	    !e->fn)
		return cntk_v2_reject(x->c, REASON_DANGLING_REFERENCE,
		    "'%s' refers to '%s', which names nothing", who, s);
	if (e->idx >= at)
		return cntk_v2_reject(x->c, REASON_FORWARD_REFERENCE,
		    "'%s' refers to '%s' before that function is defined",
		    who, s);
	if (k >= x->g->fns[e->idx].n_outputs)
		return cntk_v2_reject(x->c, REASON_BAD_OUTPUT_INDEX,
		    "'%s' refers to output %llu of '%s', which has %llu", who,
		    (unsigned long long)k, x->g->fns[e->idx].uid,
		    (unsigned long long)x->g->fns[e->idx].n_outputs);
	*ret = (struct ref){ true, e->idx, k };
	return 0;
}

static int
build_index(struct gctx *x)
{
	struct cntk_v2_graph *g = x->g;
	size_t i, n = 0;

	for (i = 0; i < g->n_leaves; i++)
		x->ix[n++] = (struct ix){ g->leaves[i].uid, i, false };
	for (i = 0; i < g->n_fns; i++)
		x->ix[n++] = (struct ix){ g->fns[i].uid, i, true };
	x->n_ix = n;
	qsort(x->ix, n, sizeof(x->ix[0]), ix_cmp);
	/* One uid naming two objects makes every reference ambiguous. */
	for (i = 1; i < n; i++)
		if (strcmp(x->ix[i - 1].uid, x->ix[i].uid) == 0)
			return cntk_v2_reject(x->c, REASON_DUPLICATE_UID,
			    "uid '%s' is used twice", x->ix[i].uid);
	return 0;
}

/* The function that the uid string names, defined before `at`. */
static int
earlier_fn(struct gctx *x, const char *uid, size_t at, const char *who,
    size_t *ret)
{
	const struct ix *e;

	if ((e = ix_find(x, uid, strlen(uid))) == NULL || !e->fn)
		return cntk_v2_reject(x->c, REASON_DANGLING_REFERENCE,
		    "%s '%s' is not a function of the model", who, uid);
	if (e->idx >= at)
		return cntk_v2_reject(x->c, REASON_FORWARD_REFERENCE,
		    "%s '%s' is defined after its user", who, uid);
	*ret = e->idx;
	return 0;
}

/*
 * Outputs CNTK's shape inference gives f (§2.11): Combine forwards its
 * operands, a block has its composite root's, UnpackSequence has a mask
 * output unless suppressed, TopK has values and indices.  An admitted UDF
 * has as many as its code makes (§2.13): up to a fixed bound.
 */
static int
count_outputs(struct gctx *x, size_t i)
{
	struct cntk_v2_fn *f = &x->g->fns[i];
	const CNTK__Proto__DictionaryValue *v, *comp;
	size_t root;
	int r;

	f->n_outputs = 1;
	if (f->op == CNTK_V2_OP_UDF)
		f->n_outputs = MODEL_UDF_OUTPUTS_MAX;
	else if (f->op == CNTK_V2_OP_COMBINE)
		f->n_outputs = f->inputs->n_value;
	else if (f->op == CNTK_V2_OP_TOP_K)
		f->n_outputs = 2;
	else if (f->op == CNTK_V2_OP_UNPACK_SEQUENCE) {
		v = cntk_v2_get(f->attrs, "sequenceUnpackSuppressMaskOutput");
		f->n_outputs = v != NULL && v->bool_value ? 1 : 2;
	} else if (f->op == CNTK_V2_OP_BLOCK) {
		comp = cntk_v2_get(f->d, "block_function_composite");
		v = cntk_v2_get(comp->dictionary_value, "root");
		if ((r = earlier_fn(x, v->string_value, i, "block root",
		    &root)) < 0)
			return r;
		f->n_outputs = x->g->fns[root].n_outputs;
	}
	return 0;
}

/*
 * If uid has the form of output k of a function F that has that output,
 * F's index; SIZE_MAX otherwise.  Run from the uid's side, this costs the
 * uid's length, where spelling out every output of every function would
 * cost outputs times uid length (a Combine of millions of operands).
 */
static size_t
output_owner(const struct gctx *x, const char *uid)
{
	const struct ix *e;
	size_t n;
	uint64_t k;

	if (split_output(uid, &n, &k) < 0 || (e = ix_find(x, uid, n)) ==
	    NULL || !e->fn || k >= x->g->fns[e->idx].n_outputs)
		return SIZE_MAX;
	return e->idx;
}

/*
 * A function's output uid must not also name a leaf that is not a
 * Placeholder standing for it, nor another function (§2.11).  Placeholders
 * that do stand for an output are bound to its function here.
 */
static int
check_collisions(struct gctx *x)
{
	const struct cntk_v2_graph *g = x->g;
	size_t i, f;

	for (i = 0; i < g->n_fns; i++)
		if ((f = output_owner(x, g->fns[i].uid)) != SIZE_MAX)
			return cntk_v2_reject(x->c, REASON_DUPLICATE_UID,
			    "function uid '%s' is an output uid of '%s'",
			    g->fns[i].uid, g->fns[f].uid);
	for (i = 0; i < g->n_leaves; i++) {
		if ((f = output_owner(x, g->leaves[i].uid)) == SIZE_MAX)
			continue;
		if (g->leaves[i].kind != CNTK_V2_KIND_PLACEHOLDER)
			return cntk_v2_reject(x->c, REASON_DUPLICATE_UID,
			    "output uid '%s' is also a non-placeholder "
			    "variable", g->leaves[i].uid);
		x->bound[i] = f + 1;
	}
	return 0;
}

static int
check_operands(struct gctx *x, size_t i)
{
	const struct cntk_v2_fn *f = &x->g->fns[i];
	struct ref *refs = x->refs + x->ref_start[i];
	size_t j;
	int r;

	for (j = 0; j < f->inputs->n_value; j++)
		if ((r = resolve(x, f->inputs->value[j]->string_value, i,
		    f->uid, &refs[j])) < 0)
			return r;
	return 0;
}

static int
check_functions(struct gctx *x)
{
	size_t i;
	int r;

	/* Output counts first: uid clashes are the more basic defect. */
	for (i = 0; i < x->g->n_fns; i++)
		if ((r = count_outputs(x, i)) < 0)
			return r;
	if ((r = check_collisions(x)) < 0)
		return r;
	for (i = 0; i < x->g->n_fns; i++)
		if ((r = check_operands(x, i)) < 0)
			return r;
	return earlier_fn(x, x->g->root, x->g->n_fns, "root",
	    &(size_t){ 0 });
}

/* Items of a Vector that must hold Strings (a block map). */
static int
string_vector(struct gctx *x, const CNTK__Proto__Vector *v, const char *who)
{
	size_t i;

	for (i = 0; i < v->n_value; i++)
		if (v->value[i]->value_type != CNTK__PROTO__VALUE_TYPE__VALUE_STRING)
			return cntk_v2_reject(x->c, REASON_WRONG_TYPE,
			    "block '%s' argument map item %zu is not a String",
			    who, i);
	return 0;
}

/*
 * Mark the Placeholders reachable from `root` through functions listed
 * before the block: the block composite's arguments.  Stamps (block index
 * + 1) make every walk linear; the step budget bounds them all together.
 */
static int
block_arguments(struct gctx *x, size_t root, size_t stamp, size_t *stack,
    size_t *fn_mark, size_t *leaf_mark)
{
	struct ref ref;
	size_t sp = 0, j, cur;

	stack[sp++] = root;
	fn_mark[root] = stamp;
	while (sp > 0) {
		cur = stack[--sp];
		for (j = x->ref_start[cur]; j < x->ref_start[cur + 1]; j++) {
			if (++x->steps > x->c->l->max_graph_steps)
				return cntk_v2_reject(x->c, REASON_COUNT_LIMIT,
				    "block argument walk over %llu steps",
				    (unsigned long long)
				    x->c->l->max_graph_steps);
			ref = x->refs[j];
			if (!ref.fn) {
				leaf_mark[ref.idx] = stamp;
				/* A Placeholder standing for an output. */
				if (x->bound[ref.idx] == 0 ||
				    x->bound[ref.idx] >= stamp)
					continue;
				ref.idx = x->bound[ref.idx] - 1;
			}
			if (fn_mark[ref.idx] != stamp) {
				fn_mark[ref.idx] = stamp;
				stack[sp++] = ref.idx;
			}
		}
	}
	return 0;
}

/* Keys: distinct argument Placeholders; values: resolvable operands. */
static int
block_map(struct gctx *x, size_t i, const CNTK__Proto__Vector *keys,
    const CNTK__Proto__Vector *vals, size_t *leaf_mark, size_t *key_mark)
{
	const struct cntk_v2_fn *f = &x->g->fns[i];
	const struct ix *e;
	const char *k;
	struct ref ref;
	size_t j;
	int r;

	for (j = 0; j < keys->n_value; j++) {
		k = keys->value[j]->string_value;
		e = ix_find(x, k, strlen(k));
		if (e == NULL || e->fn || x->g->leaves[e->idx].kind !=
		    CNTK_V2_KIND_PLACEHOLDER || leaf_mark[e->idx] != i + 1 ||
		    key_mark[e->idx] == i + 1)
			return cntk_v2_reject(x->c, REASON_BAD_BLOCK_MAP,
			    "block '%s' maps '%s', which is not one of its "
			    "composite's arguments (or is mapped twice)",
			    f->uid, k);
		key_mark[e->idx] = i + 1;
		if ((r = resolve(x, vals->value[j]->string_value, i, f->uid,
		    &ref)) < 0)
			return r;
	}
	return 0;
}

static int
check_block(struct gctx *x, size_t i, size_t *stack, size_t *fn_mark,
    size_t *leaf_mark, size_t *key_mark)
{
	const struct cntk_v2_fn *f = &x->g->fns[i];
	const CNTK__Proto__Vector *keys, *vals;
	const CNTK__Proto__DictionaryValue *comp;
	size_t root;
	int r;

	keys = cntk_v2_get(f->d,
	    "block_function_composite_arguments_map_keys")->vector_value;
	vals = cntk_v2_get(f->d,
	    "block_function_composite_arguments_map_values")->vector_value;
	if (keys->n_value != vals->n_value)
		return cntk_v2_reject(x->c, REASON_BAD_BLOCK_MAP,
		    "block '%s' maps %zu arguments to %zu values", f->uid,
		    keys->n_value, vals->n_value);
	if ((r = string_vector(x, keys, f->uid)) < 0 ||
	    (r = string_vector(x, vals, f->uid)) < 0)
		return r;
	comp = cntk_v2_get(f->d, "block_function_composite");
	if ((r = earlier_fn(x, cntk_v2_get(comp->dictionary_value,
	    "root")->string_value, i, "block root", &root)) < 0 ||
	    (r = block_arguments(x, root, i + 1, stack, fn_mark,
	    leaf_mark)) < 0)
		return r;
	return block_map(x, i, keys, vals, leaf_mark, key_mark);
}

static int
check_blocks(struct gctx *x)
{
	size_t *stack, *fn_mark, *leaf_mark, *key_mark, i;
	size_t nf = x->g->n_fns + 1, nl = x->g->n_leaves + 1;
	int r = 0;

	stack = calloc(nf, sizeof(*stack));
	fn_mark = calloc(nf, sizeof(*fn_mark));
	leaf_mark = calloc(nl, sizeof(*leaf_mark));
	key_mark = calloc(nl, sizeof(*key_mark));
	if (stack == NULL || fn_mark == NULL || leaf_mark == NULL ||
	    key_mark == NULL)
		r = -ENOMEM;
	for (i = 0; r == 0 && i < x->g->n_fns; i++)
		if (x->g->fns[i].op == CNTK_V2_OP_BLOCK)
			r = check_block(x, i, stack, fn_mark, leaf_mark,
			    key_mark);
	free(stack);
	free(fn_mark);
	free(leaf_mark);
	free(key_mark);
	return r;
}

/* Edges into a node, as CSR: the producers of each function's operands. */
struct edges {
	size_t	*start;		/* n_fns + 1 offsets into to[] */
	size_t	*to;		/* consumers, grouped by producer */
	size_t	*indeg;
	size_t	 n;
};

/*
 * The function producing operand s of function `at`, directly or through
 * a Placeholder that stands for its output; SIZE_MAX for a plain leaf.
 */
static size_t
ref_producer(const struct gctx *x, const struct ref *ref)
{
	if (ref->fn)
		return ref->idx;
	return x->bound[ref->idx] != 0 ? x->bound[ref->idx] - 1 : SIZE_MAX;
}

static size_t
producer(struct gctx *x, const char *s, size_t at)
{
	struct ref ref;

	/* Already resolved once, so this cannot fail. */
	if (resolve(x, s, at, "", &ref) < 0)
		return SIZE_MAX;
	return ref_producer(x, &ref);
}

/*
 * Call fn(x, e, producer, consumer) for every edge.  A delay op reads its
 * operand from the previous step, so edges into PastValue and FutureValue
 * are the ones recurrence may close; a block depends on its composite
 * root and on the outer values bound to its arguments.
 */
static void
each_edge(struct gctx *x, struct edges *e,
    void (*fn)(struct edges *, size_t, size_t))
{
	const struct cntk_v2_fn *f;
	const CNTK__Proto__Vector *vals;
	const CNTK__Proto__DictionaryValue *comp;
	const struct ix *ix;
	const char *root;
	size_t i, j, p;

	for (i = 0; i < x->g->n_fns; i++) {
		f = &x->g->fns[i];
		if (f->op == CNTK_V2_OP_PAST_VALUE ||
		    f->op == CNTK_V2_OP_FUTURE_VALUE)
			continue;
		for (j = x->ref_start[i]; j < x->ref_start[i + 1]; j++)
			if ((p = ref_producer(x, &x->refs[j])) != SIZE_MAX)
				fn(e, p, i);
		if (f->op != CNTK_V2_OP_BLOCK)
			continue;
		vals = cntk_v2_get(f->d,
		    "block_function_composite_arguments_map_values")->vector_value;
		for (j = 0; j < vals->n_value; j++)
			if ((p = producer(x, vals->value[j]->string_value,
			    i)) != SIZE_MAX)
				fn(e, p, i);
		comp = cntk_v2_get(f->d, "block_function_composite");
		root = cntk_v2_get(comp->dictionary_value,
		    "root")->string_value;
		if ((ix = ix_find(x, root, strlen(root))) != NULL && ix->fn)
			fn(e, ix->idx, i);
	}
}

static void
edge_count(struct edges *e, size_t from, size_t to)
{
	(void)to;
	e->start[from + 1]++;
	e->n++;
}

static void
edge_fill(struct edges *e, size_t from, size_t to)
{
	/* start[from] is used as the fill cursor, restored afterwards. */
	e->to[e->start[from]++] = to;
	e->indeg[to]++;
}

/* Kahn's algorithm: every function sorted means no cycle. */
static size_t
sort_count(struct gctx *x, struct edges *e, size_t *queue)
{
	size_t head = 0, tail = 0, i, j, cur;

	for (i = 0; i < x->g->n_fns; i++)
		if (e->indeg[i] == 0)
			queue[tail++] = i;
	while (head < tail) {
		cur = queue[head++];
		for (j = e->start[cur]; j < e->start[cur + 1]; j++)
			if (--e->indeg[e->to[j]] == 0)
				queue[tail++] = e->to[j];
	}
	return tail;
}

static int
check_cycles(struct gctx *x)
{
	struct edges e = { 0 };
	size_t *queue = NULL, i, n = x->g->n_fns;
	int r = -ENOMEM;

	e.start = calloc(n + 2, sizeof(*e.start));
	e.indeg = calloc(n + 1, sizeof(*e.indeg));
	queue = calloc(n + 1, sizeof(*queue));
	if (e.start == NULL || e.indeg == NULL || queue == NULL)
		goto out;
	each_edge(x, &e, edge_count);
	for (i = 0; i < n; i++)
		e.start[i + 1] += e.start[i];
	if ((e.to = calloc(e.n + 1, sizeof(*e.to))) == NULL)
		goto out;
	each_edge(x, &e, edge_fill);
	/* The fill moved each start to the next one's; shift back. */
	memmove(e.start + 1, e.start, n * sizeof(*e.start));
	e.start[0] = 0;
	r = 0;
	if (sort_count(x, &e, queue) != n)
		r = cntk_v2_reject(x->c, REASON_GRAPH_CYCLE,
		    "the graph has a cycle that no PastValue or FutureValue "
		    "breaks");
out:
	free(e.start);
	free(e.to);
	free(e.indeg);
	free(queue);
	return r;
}

int
cntk_v2_check_graph(struct cntk_v2 *c, struct cntk_v2_graph *g)
{
	struct gctx x = { .c = c, .g = g };
	size_t i, n = 0;
	int r = -ENOMEM;

	x.ix = calloc(g->n_leaves + g->n_fns + 1, sizeof(x.ix[0]));
	x.bound = calloc(g->n_leaves + 1, sizeof(x.bound[0]));
	if ((x.ref_start = calloc(g->n_fns + 1, sizeof(size_t))) == NULL ||
	    x.ix == NULL || x.bound == NULL)
		goto out;
	for (i = 0; i < g->n_fns; i++) {
		x.ref_start[i] = n;
		n += g->fns[i].inputs->n_value;
	}
	x.ref_start[g->n_fns] = n;
	if ((x.refs = calloc(n + 1, sizeof(x.refs[0]))) == NULL)
		goto out;
	if ((r = build_index(&x)) < 0 || (r = check_functions(&x)) < 0)
		goto out;
	if ((r = check_blocks(&x)) < 0)
		goto out;
	r = check_cycles(&x);
out:
	free(x.ix);
	free(x.bound);
	free(x.refs);
	free(x.ref_start);
	return r;
}
