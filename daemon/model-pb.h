/*
 * model-pb.h: the one way to include the protoc-c output (role: worker).
 *
 * common/limits.h is found before the system <limits.h> on the include
 * path, so protobuf-c.h's <limits.h> misses INT_MAX, which the generated
 * enums need.  The compiler's own macro stands in for it.
 */
#pragma once

#ifndef INT_MAX
#define INT_MAX	__INT_MAX__
#endif

#include "model.pb-c.h"
