/*
 * cntk-v2.h: checks on a decoded CNTK v2 Dictionary, shared by model.c and
 * cntk-v2*.c (role: worker; internal to the model library).
 *
 * Every check either passes (0) or calls report_reject() on c->rep and
 * returns -EBADMSG; other negative values are internal failures (-ENOMEM).
 * The decoded tree is at most limits->max_depth messages deep (the wire
 * walk in protowalk.c has checked that), so recursion over it is bounded.
 */
#pragma once

#include <stdint.h>

#include "model-limits.h"
#include "model-pb.h"
#include "report.h"

/* PrimitiveOpType values CNTK accepts: 0..CNTK_V2_OPS-1 (§2.9). */
#define CNTK_V2_OPS			98u
#define CNTK_V2_OP_LATTICE		90u	/* LatticeSequenceWithSoftmax */
#define CNTK_V2_OP_CUSTOM_PROXY		93u	/* CustomProxyOp */

/* CompositeFunction serialisation versions CNTK wrote (§2.10). */
#define CNTK_V2_COMPOSITE_VERSION_MIN	1u
#define CNTK_V2_COMPOSITE_VERSION_MAX	3u

/* VariableKind (§2.7). */
#define CNTK_V2_KIND_INPUT		0u
#define CNTK_V2_KIND_OUTPUT		1u
#define CNTK_V2_KIND_PARAMETER		2u
#define CNTK_V2_KIND_CONSTANT		3u
#define CNTK_V2_KIND_PLACEHOLDER	4u

struct cntk_v2 {
	const struct model_limits	*l;
	struct report			*rep;
	ProtobufCAllocator		*alloc;	/* the decoder's, for frees */
	uint64_t			 elements;	/* tensor elements so far */
};

/* True when the top-level `type` is the String "CompositeFunction". */
int	cntk_v2_is_model(const CNTK__Proto__Dictionary *top);
/*
 * Over the whole tree: sort map entries by key and reject duplicates,
 * match value_type to the oneof member, check every tensor, reject UDF
 * markers anywhere, and drop unknown fields (the canonical form keeps only
 * what the schema knows).
 */
int	cntk_v2_check_tree(struct cntk_v2 *c, CNTK__Proto__Dictionary *top);
/*
 * The CompositeFunction: required keys, variables, functions, ops, uids,
 * root; fills rep->stats and the op histogram.
 */
int	cntk_v2_check_model(struct cntk_v2 *c,
	    const CNTK__Proto__Dictionary *top);
/* The value under `key`, or NULL.  Borrowed from d. */
const CNTK__Proto__DictionaryValue *
	cntk_v2_get(const CNTK__Proto__Dictionary *d, const char *key);
/* The §2.9 enum name of op (< CNTK_V2_OPS). */
const char *cntk_v2_op_name(uint64_t op);
/* Elements a checked tensor holds (its value count). */
uint64_t cntk_v2_tensor_elements(const CNTK__Proto__NDArrayView *a);
