/*
 * load-model.cpp: a C++ CNTK application loading an untrusted model
 * through safeload (role: example client; public API only).
 *
 * The one-line change for an existing CNTK program is to replace
 *	auto f = CNTK::Function::Load(L"model.dnn", device);
 * with a safeload check and
 *	auto f = CNTK::Function::Load(buffer, length, device);
 * on the canonical bytes, which a sandboxed worker wrote.  Build and run:
 *
 *	c++ load-model.cpp $(pkg-config --cflags --libs safeload)
 *	./a.out [--local] model.dnn
 *
 * The CNTK part needs -DSAFELOAD_WITH_CNTK, CNTKLibrary.h and -lCntk.Core;
 * without it the example stops after the check.  Exit 0 accepted (and
 * loaded), 1 rejected, 2 error, as `safeload check`.
 */
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include <safeload.h>

#ifdef SAFELOAD_WITH_CNTK
#include <CNTKLibrary.h>
#endif

namespace {

struct client_free {
	void operator()(sl_client *c) const { sl_client_free(c); }
};
struct result_free {
	void operator()(sl_result *r) const { sl_result_free(r); }
};
using client_ptr = std::unique_ptr<sl_client, client_free>;
using result_ptr = std::unique_ptr<sl_result, result_free>;

/* A safeload error that got no verdict; exit code 2. */
struct safeload_error : std::runtime_error {
	explicit safeload_error(const std::string &what, int err)
	    : std::runtime_error(what + ": " + sl_strerror(err)) {}
};

client_ptr
connect(bool local)
{
	sl_client *c = nullptr;
	int e = local ? sl_client_new_local(&c) : sl_client_new(nullptr, &c);

	if (e < 0)
		throw safeload_error("safeload", e);
	return client_ptr(c);
}

/* The verdict, with the canonical model kept in the result. */
result_ptr
check(sl_client *c, const char *path)
{
	sl_result *r = nullptr;
	int e = sl_check_path(c, path, nullptr, SL_CHECK_CANONICAL, &r);

	if (e < 0)
		throw safeload_error(path, e);
	return result_ptr(r);
}

void
hand_to_cntk(const void *data, size_t len)
{
#ifdef SAFELOAD_WITH_CNTK
	auto f = CNTK::Function::Load(static_cast<const char *>(data), len,
	    CNTK::DeviceDescriptor::CPUDevice());
	std::printf("CNTK loaded '%ls': %zu outputs\n", f->Name().c_str(),
	    f->Outputs().size());
#else
	(void)data;
	std::printf("canonical model: %zu bytes (built without CNTK: "
	    "-DSAFELOAD_WITH_CNTK hands them to Function::Load)\n", len);
#endif
}

int
run(bool local, const char *path)
{
	client_ptr c = connect(local);
	result_ptr r = check(c.get(), path);
	const void *data;
	size_t len;

	if (!sl_result_accepted(r.get())) {
		for (size_t i = 0; i < sl_result_reason_count(r.get()); i++)
			std::printf("%s: reject: %s: %s\n", path,
			    sl_result_reason_code(r.get(), i),
			    sl_result_reason_message(r.get(), i));
		return 1;
	}
	std::printf("%s: accept (%s)\n", path, sl_result_format(r.get()));
	/* Seals and size are checked before the memfd is mapped. */
	if (int e = sl_result_canonical(r.get(), &data, &len); e < 0)
		throw safeload_error("canonical model", e);
	hand_to_cntk(data, len);
	return 0;
}

} // namespace

int
main(int argc, char *argv[])
{
	bool local = argc == 3 && std::strcmp(argv[1], "--local") == 0;

	if (argc != 2 + (local ? 1 : 0)) {
		std::fprintf(stderr, "usage: load-model [--local] MODEL\n");
		return 2;
	}
	try {
		return run(local, argv[local ? 2 : 1]);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "%s\n", e.what());
		return 2;
	}
}
