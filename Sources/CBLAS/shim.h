#ifndef AI_MEM_CBLAS_SHIM_H
#define AI_MEM_CBLAS_SHIM_H
// OpenBLAS's CBLAS (Debian: libopenblas-dev).
#include <cblas.h>
#endif
