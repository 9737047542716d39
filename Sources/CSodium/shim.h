#ifndef AI_MEM_CSODIUM_SHIM_H
#define AI_MEM_CSODIUM_SHIM_H
#include <sodium.h>
#endif
