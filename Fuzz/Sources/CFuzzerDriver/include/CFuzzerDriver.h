#include <stddef.h>
#include <stdint.h>
/* libFuzzer's entry for programs that have their own main (LLVM >= 11). */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
