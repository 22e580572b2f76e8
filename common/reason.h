/*
 * reason.h: the stable reason codes of safeload (role: library).
 *
 * A reason code is part of the public contract: scripts match on the
 * kebab-case string.  Codes are only ever appended; docs/reason-codes.md
 * documents each one.  On the wire a reason travels as its enum number, so
 * the receiver can check it against this table instead of trusting a string.
 */
#pragma once

enum reason {
	REASON_NONE = 0,
	/* What the worker finds in a model. */
	REASON_NOT_A_MODEL,		/* not-a-model */
	REASON_UNKNOWN_FORMAT,		/* unknown-format */
	REASON_UNSUPPORTED_FORMAT,	/* unsupported-format */
	REASON_EMPTY_FILE,		/* empty-file */
	REASON_DECODE_ERROR,		/* decode-error */
	REASON_SIZE_LIMIT,		/* size-limit */
	REASON_DEPTH_LIMIT,		/* depth-limit */
	REASON_COUNT_LIMIT,		/* count-limit */
	REASON_ALLOC_LIMIT,		/* alloc-limit */
	REASON_UNSUPPORTED_VERSION,	/* unsupported-version */
	REASON_MISSING_KEY,		/* missing-key */
	REASON_WRONG_TYPE,		/* wrong-type */
	REASON_BAD_STRUCTURE,		/* bad-structure */
	REASON_DANGLING_REFERENCE,	/* dangling-reference */
	REASON_USER_DEFINED_FUNCTION,	/* user-defined-function */
	REASON_HOST_FILE_REFERENCE,	/* host-file-reference */
	REASON_UNKNOWN_OP,		/* unknown-op */
	REASON_LARGE_MODEL_LAYOUT,	/* large-model-layout */
	REASON_SHAPE_MISMATCH,		/* shape-mismatch */
	REASON_BAD_DATA_TYPE,		/* bad-data-type */
	REASON_DUPLICATE_KEY,		/* duplicate-key */
	REASON_INVALID_STRING,		/* invalid-string */
	REASON_DUPLICATE_UID,		/* duplicate-uid */
	/* What the supervisor or the client decides about a request. */
	REASON_WORKER_CRASHED,		/* worker-crashed */
	REASON_WORKER_TIMEOUT,		/* worker-timeout */
	REASON_BAD_REPLY,		/* bad-reply */
	REASON_POLICY_DENIED,		/* policy-denied */
	REASON_BUSY,			/* busy */
	REASON_BAD_REQUEST,		/* bad-request */
	REASON_INTERNAL_ERROR,		/* internal-error */
	REASON_IO_ERROR,		/* io-error */
	/* Appended later; the numbers above never change. */
	REASON_EXTERNAL_DATA,		/* external-data */
	REASON_UNKNOWN_DOMAIN,		/* unknown-domain */
	REASON_UNKNOWN_NODE_TYPE,	/* unknown-node-type */
	REASON_OP_NOT_ALLOWED,		/* op-not-allowed */
	REASON_FORMAT_NOT_ALLOWED,	/* format-not-allowed */
	REASON_SIGNATURE_MISSING,	/* signature-missing */
	REASON_SIGNATURE_INVALID,	/* signature-invalid */
	REASON_SANDBOX_FLOOR,		/* sandbox-floor */
	/* CNTK v2 validation (issue 3). */
	REASON_UNKNOWN_KEY,		/* unknown-key */
	REASON_WRONG_OBJECT_TYPE,	/* wrong-object-type */
	REASON_BAD_VARIABLE_KIND,	/* bad-variable-kind */
	REASON_DATA_TYPE_MISMATCH,	/* data-type-mismatch */
	REASON_VARIABLE_SHAPE_MISMATCH,	/* variable-shape-mismatch */
	REASON_BAD_DIMENSION,		/* bad-dimension */
	REASON_DUPLICATE_AXIS,		/* duplicate-axis */
	REASON_FORWARD_REFERENCE,	/* forward-reference */
	REASON_BAD_OUTPUT_INDEX,	/* bad-output-index */
	REASON_GRAPH_CYCLE,		/* graph-cycle */
	REASON_BAD_BLOCK_MAP,		/* bad-block-map */
	REASON_MISSING_ATTRIBUTE,	/* missing-attribute */
	REASON_UNKNOWN_ATTRIBUTE,	/* unknown-attribute */
	REASON_BAD_ATTRIBUTE_VALUE,	/* bad-attribute-value */
	REASON_OP_VERSION_MISMATCH,	/* op-version-mismatch */
	REASON_BAD_STORAGE_FORMAT,	/* bad-storage-format */
	REASON_BAD_ARITY,		/* bad-arity */
	REASON__MAX
};

/* The kebab-case code, or NULL when r is out of range. */
const char	*reason_code(enum reason r);
/* Parse a code back; -EINVAL if unknown. */
int		 reason_from_code(const char *code, enum reason *ret);
