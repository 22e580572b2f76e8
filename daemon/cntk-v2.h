/*
 * cntk-v2.h: checks on a CNTK v2 Dictionary, shared by model.c and
 * cntk-v2*.c (role: worker; internal to the model library): the schema the
 * wire walk follows before decoding, and the checks on the decoded tree.
 *
 * Every check either passes (0) or calls report_reject() on c->rep and
 * returns -EBADMSG; other negative values are internal failures (-ENOMEM).
 * The decoded tree is at most limits->max_depth messages deep (the wire
 * walk, protowalk.c, has checked that), so recursion over it is bounded.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model-limits.h"
#include "model-rules.h"
#include "model-pb.h"
#include "protowalk.h"
#include "report.h"

/* PrimitiveOpType values CNTK accepts: 0..CNTK_V2_OPS-1 (§2.9). */
#define CNTK_V2_OPS			98u
#define CNTK_V2_OP_PAST_VALUE		37u
#define CNTK_V2_OP_FUTURE_VALUE		38u
#define CNTK_V2_OP_COMBINE		44u
#define CNTK_V2_OP_BLOCK		57u
#define CNTK_V2_OP_UNPACK_SEQUENCE	72u
#define CNTK_V2_OP_TOP_K		87u
#define CNTK_V2_OP_LATTICE		90u	/* LatticeSequenceWithSoftmax */
#define CNTK_V2_OP_CUSTOM_PROXY		93u	/* CustomProxyOp */
#define CNTK_V2_OP_UDF			UINT64_MAX	/* an admitted UDF */

/* Serialisation versions CNTK wrote (§2.10). */
#define CNTK_V2_COMPOSITE_VERSION_MIN	1u
#define CNTK_V2_COMPOSITE_VERSION_MAX	3u
#define CNTK_V2_STATE_VERSION_MAX	2u	/* `state` key up to here */
#define CNTK_V2_FUNCTION_VERSION_MIN	1u
#define CNTK_V2_FUNCTION_VERSION_MAX	24u
#define CNTK_V2_VARIABLE_VERSION	1u
#define CNTK_V2_MESSAGE_VERSION_MAX	2u	/* protobuf version fields */
#define CNTK_V2_UDF_VERSION		0u	/* a UDF's function entry */
#define CNTK_V2_UDF_STATE_VERSION	1u	/* its payload, either kind */

/* VariableKind (§2.7). */
#define CNTK_V2_KIND_INPUT		0u
#define CNTK_V2_KIND_OUTPUT		1u
#define CNTK_V2_KIND_PARAMETER		2u
#define CNTK_V2_KIND_CONSTANT		3u
#define CNTK_V2_KIND_PLACEHOLDER	4u

/* Special NDShape dimensions (§2.4). */
#define CNTK_V2_DIM_INFERRED		UINT64_MAX
#define CNTK_V2_DIM_UNKNOWN		(UINT64_MAX - 1)
#define CNTK_V2_DIM_FREE		(UINT64_MAX - 2)
#define CNTK_V2_ELEMENT_MAX		8u	/* bytes of the widest (Double) */

struct cntk_v2 {
	const struct model_limits	*l;
	const struct model_udfs		*udfs;	/* admitted UDFs, or NULL */
	struct report			*rep;
	ProtobufCAllocator		*alloc;	/* the decoder's, for frees */
	uint64_t			 elements;	/* tensor elements so far */
	/*
	 * UDF `type` markers: every one the tree pass saw must belong to a
	 * function entry that cntk-v2-udf.c admitted.
	 */
	uint64_t			 udf_markers;
	uint64_t			 udf_markers_admitted;
};

/* One key of an object: its value type and whether it must be there. */
enum cntk_v2_need { K_REQ, K_OPT, K_VAR_REQ, K_VAR_OPT };

struct cntk_v2_key {
	const char		*key;
	CNTK__Proto__ValueType	 type;
	enum cntk_v2_need	 need;
};

/* A leaf Variable of the graph (an entry of the top-level `inputs`). */
struct cntk_v2_leaf {
	const char	*uid;
	uint64_t	 kind;
};

/* A PrimitiveFunction, in file order, with its checked keys. */
struct cntk_v2_fn {
	const CNTK__Proto__Dictionary	*d;
	const char			*uid;
	uint64_t			 op;
	const CNTK__Proto__Vector	*inputs;	/* of Strings */
	const CNTK__Proto__Dictionary	*attrs;
	uint64_t			 n_outputs;	/* set by the graph pass */
};

struct cntk_v2_graph {
	struct cntk_v2_leaf	*leaves;
	size_t			 n_leaves;
	struct cntk_v2_fn	*fns;
	size_t			 n_fns;
	const char		*root;
};

/* cntk-v2-walk.c: model.proto for pw_walk(), before decoding. */
extern const struct pw_schema cntk_v2_wire_schema;

/*
 * Exactly the keys of `rules` (sorted bytewise; the variant ones only when
 * `variant`), each with its value type.  With `slots` (n of them, zeroed),
 * slots[j] receives the value of rules[j].
 */
int	cntk_v2_check_keys(struct cntk_v2 *c, const CNTK__Proto__Dictionary *d,
	    const struct cntk_v2_key *rules, size_t n, bool variant,
	    const char *where, const CNTK__Proto__DictionaryValue **slots);
/* The value under `key`, of value_type `type`, or a reject. */
int	cntk_v2_need(struct cntk_v2 *c, const CNTK__Proto__Dictionary *d,
	    const char *key, CNTK__Proto__ValueType type, const char *where,
	    const CNTK__Proto__DictionaryValue **ret);
/* A function's operand list holds String uids (§2.8). */
int	cntk_v2_check_inputs(struct cntk_v2 *c, const CNTK__Proto__Vector *v,
	    const char *uid);
/*
 * A function entry whose type is not PrimitiveFunction (§2.13): rejected,
 * unless it is a user-defined function whose exact name the profile
 * admits.  Fills f (op CNTK_V2_OP_UDF) when admitted.
 */
int	cntk_v2_check_udf(struct cntk_v2 *c, const CNTK__Proto__Dictionary *d,
	    const char *type, const char *uid, struct cntk_v2_fn *f);
/* Every UDF marker the tree pass met was in an admitted entry. */
int	cntk_v2_check_udf_markers(struct cntk_v2 *c);
/* True when the top-level `type` is the String "CompositeFunction". */
int	cntk_v2_is_model(const CNTK__Proto__Dictionary *top);
/*
 * Over the whole tree: sort map entries by key and reject duplicates,
 * match value_type to the oneof member, check every tensor, reject UDF
 * markers anywhere (or count them, when the profile admits UDFs), and drop unknown fields (the canonical form keeps only
 * what the schema knows).
 */
int	cntk_v2_check_tree(struct cntk_v2 *c, CNTK__Proto__Dictionary *top);
/*
 * The CompositeFunction: exact key sets, variables, functions, ops,
 * attributes, uids, references and the graph; fills rep->stats and the op
 * histogram.
 */
int	cntk_v2_check_model(struct cntk_v2 *c,
	    const CNTK__Proto__Dictionary *top);
/*
 * The attributes of function f (§2.12): names CNTK defines, value types,
 * the attributes the op needs, and values in range.
 */
int	cntk_v2_check_attrs(struct cntk_v2 *c, const struct cntk_v2_fn *f);
/*
 * Uids unique, every reference resolving (leaf, earlier function output
 * with a valid index), the root, block argument maps, and no cycle except
 * through PastValue/FutureValue (§2.11).  Sets fns[].n_outputs.
 */
int	cntk_v2_check_graph(struct cntk_v2 *c, struct cntk_v2_graph *g);
/*
 * The value under `key`, or NULL.  Borrowed from d.  Binary search: d must
 * have been sorted by cntk_v2_check_tree().
 */
const CNTK__Proto__DictionaryValue *
	cntk_v2_get(const CNTK__Proto__Dictionary *d, const char *key);
/* The §2.9 enum name of op (< CNTK_V2_OPS). */
const char *cntk_v2_op_name(uint64_t op);
/* Elements a checked tensor holds (its value count). */
uint64_t cntk_v2_tensor_elements(const CNTK__Proto__NDArrayView *a);
/*
 * Reject with `code`; the expression is -EBADMSG.  A macro, so that static
 * analysers see the constant (they do not follow variadic calls).
 */
#define cntk_v2_reject(c, code, ...) \
	(report_reject((c)->rep, (code), __VA_ARGS__), -EBADMSG)
