/*
 * reason.c: the table behind reason.h (role: library).
 */
#include <errno.h>
#include <string.h>

#include "reason.h"

static const char *const reason_codes[REASON__MAX] = {
	[REASON_NONE] = "none",
	[REASON_NOT_A_MODEL] = "not-a-model",
	[REASON_UNKNOWN_FORMAT] = "unknown-format",
	[REASON_UNSUPPORTED_FORMAT] = "unsupported-format",
	[REASON_EMPTY_FILE] = "empty-file",
	[REASON_DECODE_ERROR] = "decode-error",
	[REASON_SIZE_LIMIT] = "size-limit",
	[REASON_DEPTH_LIMIT] = "depth-limit",
	[REASON_COUNT_LIMIT] = "count-limit",
	[REASON_ALLOC_LIMIT] = "alloc-limit",
	[REASON_UNSUPPORTED_VERSION] = "unsupported-version",
	[REASON_MISSING_KEY] = "missing-key",
	[REASON_WRONG_TYPE] = "wrong-type",
	[REASON_BAD_STRUCTURE] = "bad-structure",
	[REASON_DANGLING_REFERENCE] = "dangling-reference",
	[REASON_USER_DEFINED_FUNCTION] = "user-defined-function",
	[REASON_HOST_FILE_REFERENCE] = "host-file-reference",
	[REASON_UNKNOWN_OP] = "unknown-op",
	[REASON_LARGE_MODEL_LAYOUT] = "large-model-layout",
	[REASON_SHAPE_MISMATCH] = "shape-mismatch",
	[REASON_BAD_DATA_TYPE] = "bad-data-type",
	[REASON_DUPLICATE_KEY] = "duplicate-key",
	[REASON_INVALID_STRING] = "invalid-string",
	[REASON_DUPLICATE_UID] = "duplicate-uid",
	[REASON_WORKER_CRASHED] = "worker-crashed",
	[REASON_WORKER_TIMEOUT] = "worker-timeout",
	[REASON_BAD_REPLY] = "bad-reply",
	[REASON_POLICY_DENIED] = "policy-denied",
	[REASON_BUSY] = "busy",
	[REASON_BAD_REQUEST] = "bad-request",
	[REASON_INTERNAL_ERROR] = "internal-error",
	[REASON_IO_ERROR] = "io-error",
	[REASON_EXTERNAL_DATA] = "external-data",
	[REASON_UNKNOWN_DOMAIN] = "unknown-domain",
	[REASON_UNKNOWN_NODE_TYPE] = "unknown-node-type",
	[REASON_OP_NOT_ALLOWED] = "op-not-allowed",
	[REASON_FORMAT_NOT_ALLOWED] = "format-not-allowed",
	[REASON_SIGNATURE_MISSING] = "signature-missing",
	[REASON_SIGNATURE_INVALID] = "signature-invalid",
	[REASON_SANDBOX_FLOOR] = "sandbox-floor",
	[REASON_UNKNOWN_KEY] = "unknown-key",
	[REASON_WRONG_OBJECT_TYPE] = "wrong-object-type",
	[REASON_BAD_VARIABLE_KIND] = "bad-variable-kind",
	[REASON_DATA_TYPE_MISMATCH] = "data-type-mismatch",
	[REASON_VARIABLE_SHAPE_MISMATCH] = "variable-shape-mismatch",
	[REASON_BAD_DIMENSION] = "bad-dimension",
	[REASON_DUPLICATE_AXIS] = "duplicate-axis",
	[REASON_FORWARD_REFERENCE] = "forward-reference",
	[REASON_BAD_OUTPUT_INDEX] = "bad-output-index",
	[REASON_GRAPH_CYCLE] = "graph-cycle",
	[REASON_BAD_BLOCK_MAP] = "bad-block-map",
	[REASON_MISSING_ATTRIBUTE] = "missing-attribute",
	[REASON_UNKNOWN_ATTRIBUTE] = "unknown-attribute",
	[REASON_BAD_ATTRIBUTE_VALUE] = "bad-attribute-value",
	[REASON_OP_VERSION_MISMATCH] = "op-version-mismatch",
	[REASON_BAD_STORAGE_FORMAT] = "bad-storage-format",
	[REASON_BAD_ARITY] = "bad-arity",
};

const char *
reason_code(enum reason r)
{
	if ((unsigned)r >= REASON__MAX)
		return NULL;
	return reason_codes[r];
}

int
reason_from_code(const char *code, enum reason *ret)
{
	unsigned i;

	for (i = 0; i < REASON__MAX; i++) {
		if (strcmp(reason_codes[i], code) == 0) {
			*ret = (enum reason)i;
			return 0;
		}
	}
	return -EINVAL;
}
