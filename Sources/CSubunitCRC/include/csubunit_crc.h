#ifndef CSUBUNIT_CRC_H
#define CSUBUNIT_CRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CRC-32/ISO-HDLC (zlib's crc32, reflected polynomial 0xEDB88320) by
   carry-less multiplication (x86-64 PCLMULQDQ): what Swift cannot express,
   since it has no access to the instruction. Subunit's CRC32 calls it when
   the processor has it and keeps its table-driven code for everything else. */

/* True when the processor has PCLMULQDQ, SSSE3 and SSE4.1 (CPUID leaf 1).
   False on other architectures. */
bool csubunit_crc32_clmul_available(void);

/* The CRC state (not inverted) after `count` bytes at `bytes`, starting from
   `state`. `count` is at least 16. Call only when
   csubunit_crc32_clmul_available() is true. */
uint32_t csubunit_crc32_clmul(uint32_t state, const void *bytes, size_t count);

#endif
