/*
 * fuzz-common.h - what every harness shares: quiet logging (a critical
 * aborts, as G_DEBUG=fatal-criticals does in the unit tests) and a
 * configuration whose workers cannot start, so that PDFs, images,
 * archives and office documents fail closed at once instead of spawning.
 */
#ifndef MUGAI_FUZZ_COMMON_H
#define MUGAI_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerInitialize (fuzz-common.c, shared by every harness) calls
 * fuzz_init. */

/* fuzz_init - once per process: logging, environment (idempotent) */
void fuzz_init(void);

/* fuzz_config - the shared default configuration, its worker a path that
 * does not exist (transfer none) */
const MugaiConfig *fuzz_config(void);

/* fuzz_check_utf8 - abort unless S (LEN bytes, -1: NUL-terminated) is valid
 * UTF-8: everything mugai writes must be */
void fuzz_check_utf8(const char *what, const char *s, long len);

#endif /* MUGAI_FUZZ_COMMON_H */
