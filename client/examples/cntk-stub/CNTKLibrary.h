/*
 * CNTKLibrary.h (stub): the part of CNTK's C++ API that load-model.cpp
 * uses, with CNTK 2.7's signatures, so that CI compiles the
 * SAFELOAD_WITH_CNTK part of the example without CNTK installed.  Never
 * linked.
 */
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace CNTK {

class DeviceDescriptor {
public:
	static DeviceDescriptor CPUDevice();
	static DeviceDescriptor UseDefaultDevice();
};

class Variable {};

class Function;
using FunctionPtr = std::shared_ptr<Function>;

class Function {
public:
	static FunctionPtr Load(const char *buffer, size_t length,
	    const DeviceDescriptor &computeDevice =
	    DeviceDescriptor::UseDefaultDevice());
	const std::wstring &Name() const;
	std::vector<Variable> &Outputs();
};

} // namespace CNTK
