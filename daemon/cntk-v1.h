/*
 * cntk-v1.h: the CNTK v1 (legacy BrainScript ComputationNetwork) reader,
 * validator and canonical writer (role: worker; internal to the model
 * library).
 *
 * cntk-format.md §3 describes the format.  A v1 file has no framing: each
 * node type has its own payload layout, chosen by the model version, so
 * the reader knows every payload it accepts (cntk-v1-nodes.c) and rejects
 * any other node type.  Reading and writing are one pass: every primitive
 * is decoded, checked, and re-encoded from its value into the canonical
 * buffer (cntk-v1-io.c); nothing is copied that was not understood.
 *
 * Every function returns 0, or calls report_reject() on c->rep and returns
 * -EBADMSG; other negative values are internal failures (-ENOMEM).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model-limits.h"
#include "reason.h"
#include "report.h"

/* Model versions CNTK wrote (§3.3); no BVersion section means 1. */
#define CNTK_V1_VERSION_MIN	1u
#define CNTK_V1_VERSION_MAX	31u
/* An explicit BVersion section was first written with version 2. */
#define CNTK_V1_VERSION_EXPLICIT_MIN	2u
/* Per-node element-type tags start here; before it CNTK scans for BMAT. */
#define CNTK_V1_VERSION_TAGS	7u

/*
 * CNTK's TensorShape keeps its dims in a SmallVector of 12; a longer
 * shape, axis list or permutation is one that CNTK cannot hold.
 */
#define CNTK_V1_RANK_MAX	12u
/* Node type names are ASCII identifiers; the longest is 33 characters. */
#define CNTK_V1_TYPE_MAX	48u
/*
 * The smallest node record: a 1-unit tag, type and name, each with its
 * terminator.  Bounds the node count by the file size before allocating.
 */
#define CNTK_V1_NODE_MIN_BYTES	12u

/* A UTF-16LE string inside the input: `units` code units, no terminator. */
struct v1_str {
	const uint8_t	*p;
	size_t		 units;
};

/* A TensorShape as read; `legacy` if it used the old three-size_t form. */
struct v1_shape {
	uint32_t	rank;
	uint64_t	dims[CNTK_V1_RANK_MAX];
	uint64_t	elements;	/* product of dims (checked) */
};

/* Versions at which payload fields appeared (§3.3). */
#define V_TENSOR	3u	/* lr multipliers, tensor shapes, axes */
#define V_DELAY_SHAPE	4u	/* PastValue TensorShape (v > 3) */
#define V_ND_CONV	5u
#define V_BN_BLEND	6u
#define V_DYN_AXIS	8u
#define V_CONV_TRANS	9u
#define V_INPUT_LR	10u
#define V_WHERE_AXIS	11u
#define V_TIMES_INFER	12u
#define V_BN_VAR	13u
#define V_RNN_AXIS	14u
#define V_RNG_ULONG	16u	/* seed as unsigned long: 4 or 8 bytes */
#define V_RNG_U64	17u
#define V_DILATION	18u
#define V_BN_RUN_ZERO	19u	/* only this version */
#define V_CONV_OUT	20u
#define V_CEIL_OUT	21u
#define V_MULTI_SLICE	22u
#define V_INCLUDE_PAD	23u
#define V_KEEP_DIMS	24u
#define V_PERMUTE	25u
#define V_ROI_KIND	26u
#define V_STRIDE	27u

/* One node, for the reference and cycle checks. */
struct v1_node {
	struct v1_str	name;
	bool		related;	/* its BRelation record was seen */
	bool		delay;		/* PastValue, FutureValue: loops */
	uint32_t	first;		/* inputs: edges[first, first + n_in) */
	uint32_t	n_in;
};

struct cntk_v1 {
	const struct model_limits	*l;
	struct report			*rep;
	const uint8_t			*in;
	size_t				 len;
	size_t				 pos;	/* read cursor */
	uint8_t				*out;	/* canonical bytes, len long */
	size_t				 opos;	/* write cursor */
	uint64_t			 version;
	unsigned			 elsize;	/* node's: 2, 4, 8 */
	unsigned			 guessed_elsize; /* before v7 */
	uint64_t			 elements;	/* matrix elements */
	uint64_t			 params;	/* LearnableParameter */
	uint64_t			 consts;	/* Mean, InvStdDev */
	struct v1_node			*nodes;		/* sorted by name */
	size_t				 n_nodes;
	uint32_t			*edges;		/* input node indices */
	size_t				 n_edges;
	size_t				 cap_edges;
	const char			*what;	/* node type, for messages */
};

/*
 * The entry point from model.c.  On accept *ret_canon is a malloc'd
 * canonical copy in v1 format.
 */
int	cntk_v1_parse(const uint8_t *buf, size_t len,
	    const struct model_limits *l, struct report *rep,
	    uint8_t **ret_canon, size_t *ret_canon_len);

/*
 * cntk-v1-graph.c: append one input edge (budgeted), and check that every
 * cycle of the graph passes through a delay node.
 */
int	v1_edge_add(struct cntk_v1 *c, uint32_t to);
int	v1_graph_check(struct cntk_v1 *c);

/* cntk-v1-io.c: primitives; each reads, checks and re-emits. */
void	v1_reject(struct cntk_v1 *c, enum reason code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Reject, and evaluate to -EBADMSG where the analyzers can see it. */
#define v1_fail(...)	(v1_reject(__VA_ARGS__), -EBADMSG)
int	v1_u32(struct cntk_v1 *c, uint32_t *ret);
int	v1_i32(struct cntk_v1 *c, int32_t *ret);
int	v1_u64(struct cntk_v1 *c, uint64_t *ret);
int	v1_i64(struct cntk_v1 *c, int64_t *ret);
int	v1_f32(struct cntk_v1 *c);
int	v1_f64(struct cntk_v1 *c);
/* One value of the node's element type (2, 4 or 8 bytes). */
int	v1_elem(struct cntk_v1 *c);
/* A C++ bool: one byte, 0 or 1. */
int	v1_bool(struct cntk_v1 *c, bool *ret);
/* A UTF-16 string; `empty_ok` false rejects "". */
int	v1_wstr(struct cntk_v1 *c, bool empty_ok, struct v1_str *ret);
/* An 8-bit string terminated by one NUL. */
int	v1_cstr(struct cntk_v1 *c, size_t *ret_len);
/* True when the next string is the ASCII marker m (nothing consumed). */
bool	v1_peek(const struct cntk_v1 *c, const char *m);
/* Read the marker m, or reject with bad-structure. */
int	v1_marker(struct cntk_v1 *c, const char *m);
/* A TensorShape; `legacy_ok` allows the old [c, a, b] size_t form. */
int	v1_shape(struct cntk_v1 *c, bool legacy_ok, struct v1_shape *ret);
/* vector<bool>: a size_t count (1..CNTK_V1_RANK_MAX), then the bools. */
int	v1_bools(struct cntk_v1 *c);
/* A dense matrix of the node's element type; its element count. */
int	v1_matrix(struct cntk_v1 *c, uint64_t *ret_elements);
/* Counted reads of n values (n TensorShapes in the modern form). */
int	v1_u32s(struct cntk_v1 *c, unsigned n);
int	v1_i32s(struct cntk_v1 *c, unsigned n);
int	v1_u64s(struct cntk_v1 *c, unsigned n);
int	v1_f32s(struct cntk_v1 *c, unsigned n);
int	v1_f64s(struct cntk_v1 *c, unsigned n);
int	v1_bools_n(struct cntk_v1 *c, unsigned n);
int	v1_shapes(struct cntk_v1 *c, unsigned n);
/* str as printable ASCII (others become '?'), cut to fit out[n]. */
void	v1_str_print(const struct v1_str *s, char *out, size_t n);
/* True when s is exactly the ASCII string a. */
bool	v1_str_is(const struct v1_str *s, const char *a);
/* memcmp-style order of two strings, for the name table. */
int	v1_str_cmp(const struct v1_str *a, const struct v1_str *b);

/* cntk-v1-conv.c: payload readers for the table in cntk-v1-nodes.c. */
int	v1_read_convolution(struct cntk_v1 *c);
int	v1_read_pooling(struct cntk_v1 *c);
int	v1_read_legacy_pooling(struct cntk_v1 *c);
int	v1_read_roi_pooling(struct cntk_v1 *c);
int	v1_read_batchnorm(struct cntk_v1 *c);

/* cntk-v1-nodes.c: the payload table. */
struct v1_node_type;
/* The reader for a node type named `type` (ASCII), or NULL. */
const struct v1_node_type *v1_node_type_find(const char *type);
/* True for the types that delay their input: PastValue and FutureValue. */
bool	v1_node_type_delays(const struct v1_node_type *t);
/* The name the table spells it with (as in the file). */
const char *v1_node_type_name(const struct v1_node_type *t);
/* Read, check and re-emit one payload of type t. */
int	v1_node_payload(struct cntk_v1 *c, const struct v1_node_type *t);
/* The table is sorted by name (bsearch needs it); for the unit test. */
bool	v1_node_table_sorted(void);
