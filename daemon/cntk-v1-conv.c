/*
 * cntk-v1-conv.c: the payloads of the CNTK v1 convolution, pooling and
 * batch-normalization nodes (role: worker; internal to the model library).
 *
 * These are the node types whose layout changed most across model
 * versions (cntk-format.md §3.4): the N-d convolution base of version 5,
 * the fields that versions 9 to 23 appended to it, and BatchNormalization's
 * own version pair before model version 6.  cntk-v1-nodes.c's table points
 * here.
 */
#include "cntk-v1.h"

/*
 * BatchNormalization's own versions before model version 6: CNTK reads
 * 0x00010001 to 0x00010004; 2 added layout and minibatch count, 3 epsilon
 * and the engine flag.
 */
#define V1_BN_OLD_MIN		0x00010001
#define V1_BN_OLD_LAYOUT	0x00010002
#define V1_BN_OLD_EPSILON	0x00010003
#define V1_BN_OLD_MAX		0x00010004

/* The ConvolutionNodeBase part (§3.4): Pooling's whole payload. */
int
v1_read_pooling(struct cntk_v1 *c)
{
	int r;

	if (c->version < V_ND_CONV)
		return 0;
	/* kernel, map count, stride; sharing, auto-pad; lower, upper pad */
	if ((r = v1_shapes(c, 3)) < 0 || (r = v1_bools(c)) < 0)
		return r;
	if ((r = v1_bools(c)) < 0 || (r = v1_shapes(c, 2)) < 0)
		return r;
	/* pool kind, image layout; max temp memory */
	if ((r = v1_i32s(c, 2)) < 0 || (r = v1_u64s(c, 1)) < 0)
		return r;
	if (c->version >= V_CONV_TRANS && (r = v1_bool(c, NULL)) < 0)
		return r;
	if (c->version >= V_CONV_OUT && (r = v1_shape(c, false, NULL)) < 0)
		return r;
	if (c->version >= V_CEIL_OUT && (r = v1_bool(c, NULL)) < 0)
		return r;
	if (c->version >= V_INCLUDE_PAD && (r = v1_bool(c, NULL)) < 0)
		return r;
	return 0;
}

int
v1_read_convolution(struct cntk_v1 *c)
{
	int r;

	if ((r = v1_read_pooling(c)) < 0)
		return r;
	if (c->version < V_ND_CONV) {
		/* kW, kH, sW, sH; map count, layout; zero pad */
		if ((r = v1_u64s(c, 4)) < 0 || (r = v1_u32s(c, 2)) < 0 ||
		    (r = v1_bool(c, NULL)) < 0)
			return r;
		return v1_u64s(c, 1);
	}
	if ((r = v1_bool(c, NULL)) < 0)
		return r;
	if (c->version >= V_DILATION)
		return v1_shape(c, false, NULL);
	return 0;
}

int
v1_read_legacy_pooling(struct cntk_v1 *c)
{
	int r;

	/* window width, image layout; window height, strides */
	if ((r = v1_u32s(c, 2)) < 0)
		return r;
	return v1_u64s(c, 3);
}

int
v1_read_roi_pooling(struct cntk_v1 *c)
{
	int r;

	if ((r = v1_shape(c, false, NULL)) < 0)
		return r;
	if (c->version >= V_ROI_KIND && ((r = v1_i32s(c, 1)) < 0 ||
	    (r = v1_f64(c)) < 0))
		return r;
	return 0;
}

/*
 * Before model version 6 BatchNormalization carried its own version pair
 * (written, readable) and fields that depend on it.  CNTK refuses a pair
 * that is corrupt, older than it can read or newer than it knows; so do
 * we.
 */
static int
read_batchnorm_legacy(struct cntk_v1 *c)
{
	int32_t written, readable;
	int r;

	if ((r = v1_i32(c, &written)) < 0 || (r = v1_i32(c, &readable)) < 0)
		return r;
	if (readable > written || written < V1_BN_OLD_MIN ||
	    readable > V1_BN_OLD_MAX)
		return v1_fail(c, REASON_UNSUPPORTED_VERSION,
		    "node version 0x%08x readable as 0x%08x (CNTK reads "
		    "0x%08x to 0x%08x)", (unsigned)written, (unsigned)readable,
		    V1_BN_OLD_MIN, V1_BN_OLD_MAX);
	/* eval, spatial; time constant (or the old averaging factor) */
	if ((r = v1_bools_n(c, 2)) < 0 || (r = v1_f64(c)) < 0)
		return r;
	/* image layout, minibatch count */
	if (written >= V1_BN_OLD_LAYOUT && ((r = v1_i32s(c, 1)) < 0 ||
	    (r = v1_u64s(c, 1)) < 0))
		return r;
	/* epsilon, use-CNTK-engine */
	if (written >= V1_BN_OLD_EPSILON && ((r = v1_f64(c)) < 0 ||
	    (r = v1_bool(c, NULL)) < 0))
		return r;
	return 0;
}

int
v1_read_batchnorm(struct cntk_v1 *c)
{
	int r;

	if (c->version < V_BN_BLEND)
		return read_batchnorm_legacy(c);
	if ((r = v1_bool(c, NULL)) < 0 || (r = v1_f64s(c, 2)) < 0 ||
	    (r = v1_i32s(c, 1)) < 0)
		return r;
	if (c->version == V_BN_RUN_ZERO)
		r = v1_bool(c, NULL);
	else
		r = v1_u64s(c, 1);	/* run count, or minibatch count */
	if (r < 0 || (r = v1_f64(c)) < 0)
		return r;
	return v1_bool(c, NULL);
}
