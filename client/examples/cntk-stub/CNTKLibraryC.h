/*
 * CNTKLibraryC.h (stub): the few declarations of CNTK's plain C API that
 * load-model.c uses, with CNTK 2.7's signatures, so that CI compiles the
 * SAFELOAD_WITH_CNTK part of the example without CNTK installed.  Never
 * linked.
 */
#pragma once

#include <stdint.h>

typedef void *CNTK_ModelHandle;

#define CNTK_STATUSCODE_DescriptionSize 4096u
#define CNTK_SUCCESS 0
#define CNTK_INVALID_MODEL_HANDLE 0

typedef struct CNTK_StatusCode {
	int32_t	value;
	char	description[CNTK_STATUSCODE_DescriptionSize];
} CNTK_StatusCode;

typedef enum CNTK_DeviceKind {
	CNTK_DeviceKind_CPU,
	CNTK_DeviceKind_GPU,
} CNTK_DeviceKind;

typedef struct CNTK_DeviceDescriptor {
	CNTK_DeviceKind	kind;
	uint32_t	id;
} CNTK_DeviceDescriptor;

CNTK_StatusCode	CNTK_DefaultDevice(CNTK_DeviceDescriptor *device);
CNTK_StatusCode	CNTK_LoadModel_FromArray(const void *modelData,
		    int modelDataLen, const CNTK_DeviceDescriptor *device,
		    CNTK_ModelHandle *model);
void		CNTK_ReleaseModel(CNTK_ModelHandle model);
