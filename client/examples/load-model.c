/*
 * load-model.c: an application loading an untrusted CNTK model through
 * safeload (role: example client; public API only).
 *
 * The model file is checked by a sandboxed worker; CNTK only ever sees the
 * canonical copy that the worker wrote, mapped read-only from a sealed
 * memfd.  Build and run:
 *
 *	cc load-model.c $(pkg-config --cflags --libs safeload)
 *	./a.out [--local] model.dnn
 *
 * With -DSAFELOAD_WITH_CNTK (and CNTK's CNTKLibraryC.h and library) the
 * canonical bytes go to CNTK's C API, CNTK_LoadModel_FromArray(); without
 * it the example stops after the check.  Exit 0 accepted (and loaded),
 * 1 rejected, 2 error: the same codes as `safeload check`.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <safeload.h>

#ifdef SAFELOAD_WITH_CNTK
#include <CNTKLibraryC.h>

/* The one CNTK call: load from memory, never from the untrusted path. */
static int
cntk_load(const void *data, size_t len)
{
	CNTK_DeviceDescriptor dev;
	CNTK_ModelHandle model = CNTK_INVALID_MODEL_HANDLE;
	CNTK_StatusCode st;

	if (len > INT_MAX)
		return -EFBIG;
	st = CNTK_DefaultDevice(&dev);
	if (st.value == CNTK_SUCCESS)
		st = CNTK_LoadModel_FromArray(data, (int)len, &dev, &model);
	if (st.value != CNTK_SUCCESS) {
		fprintf(stderr, "CNTK: %s\n", st.description);
		return -EINVAL;
	}
	printf("CNTK loaded the canonical model\n");
	CNTK_ReleaseModel(model);
	return 0;
}
#else
static int
cntk_load(const void *data, size_t len)
{
	(void)data;
	printf("canonical model: %zu bytes (built without CNTK: "
	    "-DSAFELOAD_WITH_CNTK hands them to CNTK_LoadModel_FromArray)\n",
	    len);
	return 0;
}
#endif

static int
report(struct sl_result *r, const char *path)
{
	const void *data;
	size_t i, len;
	int e;

	if (!sl_result_accepted(r)) {
		for (i = 0; i < sl_result_reason_count(r); i++)
			printf("%s: reject: %s: %s\n", path,
			    sl_result_reason_code(r, i),
			    sl_result_reason_message(r, i));
		return 1;
	}
	printf("%s: accept (%s, sha256 %s)\n", path, sl_result_format(r),
	    sl_result_canonical_sha256(r));
	/* Checks the memfd's seals and size before mapping it. */
	if ((e = sl_result_canonical(r, &data, &len)) < 0) {
		fprintf(stderr, "%s: canonical model: %s\n", path,
		    sl_strerror(e));
		return 2;
	}
	return cntk_load(data, len) < 0 ? 2 : 0;
}

int
main(int argc, char *argv[])
{
	struct sl_client *c = NULL;
	struct sl_result *r = NULL;
	const char *path;
	int local = argc == 3 && strcmp(argv[1], "--local") == 0;
	int e, status;

	if (argc != 2 + local) {
		fprintf(stderr, "usage: load-model [--local] MODEL\n");
		return 2;
	}
	path = argv[1 + local];
	e = local ? sl_client_new_local(&c) : sl_client_new(NULL, &c);
	if (e < 0) {
		fprintf(stderr, "safeload: %s\n", sl_strerror(e));
		return 2;
	}
	if ((e = sl_check_path(c, path, NULL, SL_CHECK_CANONICAL, &r)) < 0) {
		fprintf(stderr, "%s: %s\n", path, sl_strerror(e));
		sl_client_free(c);
		return 2;
	}
	status = report(r, path);
	sl_result_free(r);
	sl_client_free(c);
	return status;
}
