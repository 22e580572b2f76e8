/*
 * model-pb.h: the one way to include the protoc-c output (role: worker).
 *
 * Everything that needs the generated CNTK.proto types includes this, so
 * the generated header's name and quirks stay in one place.
 */
#pragma once

#include "model.pb-c.h"
