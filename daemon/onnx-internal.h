/*
 * onnx-internal.h: what the ONNX checker's files share (role: worker;
 * internal to the model library, included only by onnx*.c).
 *
 * Every check either passes (0) or calls report_reject() on c->rep and
 * returns -EBADMSG; -ENOMEM is an allocation through c->alloc that failed.
 * The decoded tree is at most l->max_depth messages deep (onnx-walk.c has
 * checked that on the wire), so recursion over it is bounded.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "onnx.h"
#include "onnx.pb-c.h"
#include "protowalk.h"

/* TensorProto.DataType values of IR 3 to 8: 1 (FLOAT) to 16 (BFLOAT16). */
#define ONNX_DT_FLOAT		1
#define ONNX_DT_STRING		8
#define ONNX_DT_COMPLEX64	14
#define ONNX_DT_COMPLEX128	15
#define ONNX_DT_MAX		16

struct onnx_ctx {
	const struct model_limits	*l;
	const struct onnx_allow		*allow;
	struct report			*rep;
	ProtobufCAllocator		*alloc;
	int64_t				 ir_version;
	int64_t				 opset;		/* default domain */
	uint64_t			 elements;	/* tensor elements */
	uint64_t			 nodes;		/* in every graph */
	uint64_t			 hash_key[2];	/* onnx_hash_key() */
};

/* What the top-level fields say before anything is decoded. */
struct onnx_top {
	int64_t		ir_version;	/* 0 when absent */
	uint64_t	opset_imports;
};

/*
 * onnx-walk.c: before decoding.  The top-level fields, then the schema
 * that pw_walk() walks the whole message by.
 */
int	onnx_walk_top(const uint8_t *buf, size_t len, struct onnx_top *ret);
extern const struct pw_schema onnx_wire_schema;

/* onnx-tensor.c: a tensor's type, dims and data; `what` names it. */
int	onnx_check_tensor(struct onnx_ctx *c, const Onnx__TensorProto *t,
	    const char *what, uint64_t *ret_elements);
/* A value's type: elem types, shapes, sequence/map/optional nesting. */
int	onnx_check_type(struct onnx_ctx *c, const Onnx__TypeProto *tp,
	    const char *what);

/* onnx-graph.c: a graph, its nodes and their subgraphs. */
struct onnx_scope;
int	onnx_check_graph(struct onnx_ctx *c, const Onnx__GraphProto *g,
	    struct onnx_scope *outer);
/* The key of the name tables' hash, for c->hash_key. */
void	onnx_hash_key(uint64_t ret[2]);
/* metadata_props: keys unique and not empty. */
int	onnx_check_metadata(struct onnx_ctx *c, const Onnx__ModelProto *m);

/* onnx-ops.c: is op_type known in the default domain at `opset`? */
bool	onnx_op_known(const char *op_type, int64_t opset);
