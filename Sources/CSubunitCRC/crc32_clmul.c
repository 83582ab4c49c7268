/* CRC-32 (reflected 0xEDB88320) by folding with carry-less multiplication,
   after Intel's "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ
   Instruction" (Gopal et al., 2009); the constants are those of the Linux
   kernel's crc32-pclmul (arch/x86/crypto), for the same polynomial.

   The message is processed as 16-byte blocks. A length that is not a
   multiple of 16 is handled at the front: zero bytes before a message do not
   change a CRC whose state is zero, and a state s at the start is the same as
   xoring s into the first four bytes with state zero, so the message is read
   as (16 - r) zero bytes followed by itself, r = count % 16. */

#include "csubunit_crc.h"

#if defined(__x86_64__)

#include <cpuid.h>
#include <immintrin.h>

bool csubunit_crc32_clmul_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
    return (c & bit_PCLMUL) && (c & bit_SSSE3) && (c & bit_SSE4_1);
}

#define CLMUL __attribute__((target("pclmul,ssse3,sse4.1")))

/* x^(4*128+32) and x^(4*128-32) mod P, bit-reflected: folds one block over
   the next 64 bytes. */
#define K1 0x154442bd4ull
#define K2 0x1c6e41596ull
/* x^(128+32) and x^(128-32) mod P: folds one block over the next 16 bytes. */
#define K3 0x1751997d0ull
#define K4 0x0ccaa009eull
/* x^64 mod P: the 64-to-32-bit step. */
#define K5 0x163cd6124ull
/* P and floor(x^64 / P), bit-reflected, for the Barrett reduction. */
#define POLY 0x1db710641ull
#define MU 0x1f7011641ull

/* The block `x` carried 16 bytes further (k = K4:K3) or 64 (k = K2:K1). */
CLMUL static inline __m128i fold(__m128i x, __m128i k) {
    return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

/* Byte shuffles for a shift by r bytes: at offset r, a shift towards the top
   (zeros enter at the bottom, for the zero-padded first block); at offset
   16 + r, a shift towards the bottom. 0x80 makes a zero byte. */
static const uint8_t shifts[48] = {
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
};

CLMUL uint32_t csubunit_crc32_clmul(uint32_t state, const void *bytes, size_t count) {
    const uint8_t *p = bytes;
    const size_t r = count % 16;
    const __m128i s = _mm_cvtsi32_si128((int)state);
    const __m128i k34 = _mm_set_epi64x(K4, K3);
    /* The first two blocks of the padded message: zeros then p[0..<r], and
       p[r..<r+16]; both within p[0..<count] since count >= 16 + r. The state
       is xored into p[0..<4], which reaches into the second block when r < 4. */
    __m128i head = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), s);
    __m128i x;
    if (r == 0) {
        x = head;
    } else {
        __m128i up = _mm_loadu_si128((const __m128i *)(shifts + r));
        __m128i down = _mm_loadu_si128((const __m128i *)(shifts + 16 + r));
        __m128i second = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(p + r)), _mm_shuffle_epi8(s, down));
        x = _mm_xor_si128(fold(_mm_shuffle_epi8(head, up), k34), second);
    }
    p += r + 16;
    size_t n = count - r - 16; /* a multiple of 16 */

    if (n >= 64) {
        /* Four blocks in flight, each carried 64 bytes per step. */
        const __m128i k12 = _mm_set_epi64x(K2, K1);
        __m128i x1 = x;
        __m128i x2 = _mm_loadu_si128((const __m128i *)p);
        __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 16));
        __m128i x4 = _mm_loadu_si128((const __m128i *)(p + 32));
        p += 48;
        n -= 48;
        while (n >= 64) {
            x1 = _mm_xor_si128(fold(x1, k12), _mm_loadu_si128((const __m128i *)p));
            x2 = _mm_xor_si128(fold(x2, k12), _mm_loadu_si128((const __m128i *)(p + 16)));
            x3 = _mm_xor_si128(fold(x3, k12), _mm_loadu_si128((const __m128i *)(p + 32)));
            x4 = _mm_xor_si128(fold(x4, k12), _mm_loadu_si128((const __m128i *)(p + 48)));
            p += 64;
            n -= 64;
        }
        x = _mm_xor_si128(fold(x1, k34), x2);
        x = _mm_xor_si128(fold(x, k34), x3);
        x = _mm_xor_si128(fold(x, k34), x4);
    }
    while (n > 0) {
        x = _mm_xor_si128(fold(x, k34), _mm_loadu_si128((const __m128i *)p));
        p += 16;
        n -= 16;
    }

    /* 128 bits to 64: the low half carried over the high one, 32 zero bits appended. */
    x = _mm_xor_si128(_mm_clmulepi64_si128(x, k34, 0x10), _mm_srli_si128(x, 8));
    /* 64 bits to 32. */
    const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
    x = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x, mask32), _mm_set_epi64x(0, K5), 0x00),
                      _mm_srli_si128(x, 4));
    /* Barrett reduction to the 32-bit remainder. */
    const __m128i poly = _mm_set_epi64x(MU, POLY);
    __m128i t = _mm_clmulepi64_si128(_mm_and_si128(x, mask32), poly, 0x10);
    t = _mm_clmulepi64_si128(_mm_and_si128(t, mask32), poly, 0x00);
    return (uint32_t)_mm_extract_epi32(_mm_xor_si128(x, t), 1);
}

#else

bool csubunit_crc32_clmul_available(void) { return false; }

uint32_t csubunit_crc32_clmul(uint32_t state, const void *bytes, size_t count) {
    (void)bytes;
    (void)count;
    return state; /* never called: csubunit_crc32_clmul_available() is false */
}

#endif
