/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UTF-8 checking shared by the WBXML decoder (which rejects bad inline
 * strings) and the encoder (which repairs them).  Internal to the codec.
 *
 * eas_utf8_span() is the one entry point: the length of the longest prefix
 * that is strict UTF-8 (RFC 3629: no overlong forms, surrogates or code
 * points above U+10FFFF) and holds no NUL.  The decoder gives it the rest
 * of the input, so it also finds the NUL that ends an inline string.  It
 * is the hot loop of both directions: message bodies are most of a
 * document.
 *
 * The text is taken in blocks of 16 bytes (SSE2, always there on x86-64)
 * or 32 (AVX2, used when the CPU has it).  A fixed series of compares
 * turns each block into bit masks (bit k for byte k): the continuation
 * bytes must be exactly the positions the lead bytes before them call for,
 * positions called for beyond the block are carried into the next one,
 * and a NUL ends the text there.  There is no separate path for ASCII
 * blocks: in mail text, where an accent or a dash comes every few words,
 * that branch would go the wrong way too often to pay for itself.  What
 * the masks do not settle -- bytes never valid in UTF-8, four-byte
 * sequences, leads E0 and ED (their second byte has a narrower range), or
 * any mismatch -- goes to the byte-wise check from the last sequence
 * boundary, which hands back right after the sequence that ends past the
 * block.
 */
#ifndef EAS_WBXML_UTF8_H
#define EAS_WBXML_UTF8_H

#include <stdint.h>
#include <string.h>

#include <apr.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#if defined(__x86_64__) && defined(__GNUC__)
#define EAS_UTF8_AVX2 1
#include <immintrin.h>
#endif
#endif

/* Length of a valid sequence starting with lead byte s[0], or 0. */
static inline apr_size_t eas_utf8_seq(const unsigned char *s, apr_size_t left)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;

    if (c >= 0xC2 && c <= 0xDF)
        return left >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (c == 0xE0) lo = 0xA0;           /* overlong */
        if (c == 0xED) hi = 0x9F;           /* surrogates */
        return left >= 3 && s[1] >= lo && s[1] <= hi
               && (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (c == 0xF0) lo = 0x90;           /* overlong */
        if (c == 0xF4) hi = 0x8F;           /* above U+10FFFF */
        return left >= 4 && s[1] >= lo && s[1] <= hi
               && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

/*
 * Byte-wise check of s[i..len) until a sequence boundary at or past stop;
 * returns that position, or where the text stops being valid, which *bad
 * then says.
 */
static inline apr_size_t eas_utf8_slow(const unsigned char *s, apr_size_t i,
                                       apr_size_t stop, apr_size_t len,
                                       int *bad)
{
    apr_size_t n;

    *bad = 0;
    if (stop > len)
        stop = len;
    while (i < stop) {
        if (s[i] != 0 && s[i] < 0x80) {
            i++;
            continue;
        }
        if (s[i] == 0 || (n = eas_utf8_seq(s + i, len - i)) == 0) {
            *bad = 1;
            return i;
        }
        i += n;
    }
    return i;
}

/* Start of the sequence still open at i, when continuation bytes are due. */
static inline apr_size_t eas_utf8_open_seq(const unsigned char *s,
                                           apr_size_t i, uint64_t carry)
{
    if (carry == 0)
        return i;
    return i - (s[i - 1] >= 0xC0 ? 1 : s[i - 2] >= 0xE0 ? 2 : 3);
}

/* Block outcomes. */
#define EAS_UTF8_NEXT 0                 /* valid to its end, go on */
#define EAS_UTF8_NUL  1                 /* valid up to a NUL at *at */
#define EAS_UTF8_SLOW 2                 /* leave it to eas_utf8_slow */

/*
 * Settle a block of width bytes from its masks: hi (top bit set), lead
 * (C0..FF), lead3 (E0..FF), rare (bytes the masks cannot judge) and nul.
 * Only what precedes the first NUL counts, and no sequence may be cut by
 * it.  width is a constant once inlined, so the common case -- no NUL,
 * nothing wrong -- is a few scalar operations.
 */
static inline int eas_utf8_settle(uint64_t hi, uint64_t lead, uint64_t lead3,
                                  uint64_t rare, uint64_t nul, unsigned width,
                                  uint64_t *carry, unsigned *at)
{
    uint64_t need = (lead << 1) | (lead3 << 2) | *carry;
    uint64_t bad = (need ^ (hi & ~lead)) | rare | nul;
    unsigned z;

    if ((bad & ((UINT64_C(1) << width) - 1)) == 0) {
        *carry = need >> width;
        return EAS_UTF8_NEXT;
    }
    if (nul == 0)
        return EAS_UTF8_SLOW;
    z = (unsigned)__builtin_ctzll(nul);
    if ((bad & ((UINT64_C(1) << z) - 1)) != 0 || ((need >> z) & 1))
        return EAS_UTF8_SLOW;           /* trouble before, or a sequence
                                           cut by the NUL */
    *at = z;
    return EAS_UTF8_NUL;
}

/*
 * The masks of a block come from signed compares, the only kind SSE2 and
 * AVX2 have: bytes 80..FF are negative, so "v > 0xBF" holds for C0..FF
 * and for ASCII.  ANDing with v keeps only the bytes with the top bit set,
 * which is all a movemask looks at.
 *
 * The constants are set up once per call and hidden from the optimiser
 * (EAS_UTF8_OPAQUE): otherwise gcc rebuilds each of them inside the loop
 * and turns "v > c" into a min and a compare, doubling the work per block.
 */
#define EAS_UTF8_OPAQUE(x) __asm__("" : "+x"(x))

#if defined(__SSE2__)
typedef struct {
    __m128i bf, c1, df, ef, e0, ed;
} eas_utf8_k16;

static inline void eas_utf8_consts16(eas_utf8_k16 *k)
{
    k->bf = _mm_set1_epi8((char)0xBF);
    k->c1 = _mm_set1_epi8((char)0xC1);
    k->df = _mm_set1_epi8((char)0xDF);
    k->ef = _mm_set1_epi8((char)0xEF);
    k->e0 = _mm_set1_epi8((char)0xE0);
    k->ed = _mm_set1_epi8((char)0xED);
    EAS_UTF8_OPAQUE(k->bf);
    EAS_UTF8_OPAQUE(k->c1);
    EAS_UTF8_OPAQUE(k->df);
    EAS_UTF8_OPAQUE(k->ef);
    EAS_UTF8_OPAQUE(k->e0);
    EAS_UTF8_OPAQUE(k->ed);
}

/* The masks of the 16 bytes at s, each in the low bits of a word. */
typedef struct {
    uint64_t hi, lead, lead3, rare, nul;
} eas_utf8_masks;

static inline void eas_utf8_masks16(const unsigned char *s,
                                    const eas_utf8_k16 *k, eas_utf8_masks *m)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    const __m128i gt_bf = _mm_cmpgt_epi8(v, k->bf);

    m->nul = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
                                                        _mm_setzero_si128()));
    m->hi = (unsigned)_mm_movemask_epi8(v);
    m->lead = (unsigned)_mm_movemask_epi8(_mm_and_si128(gt_bf, v));
    m->lead3 = (unsigned)_mm_movemask_epi8(_mm_and_si128(
                   _mm_cmpgt_epi8(v, k->df), v));
    /* F0..FF, C0 and C1 (leads not above C1), E0, ED */
    m->rare = (unsigned)_mm_movemask_epi8(_mm_or_si128(
        _mm_and_si128(_mm_or_si128(_mm_cmpgt_epi8(v, k->ef),
                                   _mm_andnot_si128(_mm_cmpgt_epi8(v, k->c1),
                                                    gt_bf)), v),
        _mm_or_si128(_mm_cmpeq_epi8(v, k->e0), _mm_cmpeq_epi8(v, k->ed))));
}

/* One 16-byte block. */
static inline int eas_utf8_block16(const unsigned char *s,
                                   const eas_utf8_k16 *k, uint64_t *carry,
                                   unsigned *at)
{
    eas_utf8_masks m;

    eas_utf8_masks16(s, k, &m);
    return eas_utf8_settle(m.hi, m.lead, m.lead3, m.rare, m.nul, 16, carry,
                           at);
}

/*
 * The last n bytes (0 < n <= 16) of text at least 16 bytes long, from a
 * sequence boundary: the block that ends with them, its masks shifted so
 * that the bytes already checked fall off.  1 if all n are valid.
 */
static inline int eas_utf8_tail16(const unsigned char *end, unsigned n,
                                  const eas_utf8_k16 *k)
{
    eas_utf8_masks m;
    unsigned sh = 16 - n;
    uint64_t need, bad;

    eas_utf8_masks16(end - 16, k, &m);
    m.hi >>= sh, m.lead >>= sh, m.lead3 >>= sh;
    need = (m.lead << 1) | (m.lead3 << 2);
    bad = (need ^ (m.hi & ~m.lead)) | (m.rare >> sh) | (m.nul >> sh);
    return bad == 0;        /* need has no bit at n or above: nothing cut */
}
#endif

/*
 * Whether the 8 or 4 bytes at s are ASCII without NUL: a byte-parallel
 * test in a word, for text too short for a vector.
 */
static inline int eas_utf8_ascii8(const unsigned char *s)
{
    uint64_t w;

    memcpy(&w, s, 8);
    return ((w | ((w - UINT64_C(0x0101010101010101)) & ~w))
            & UINT64_C(0x8080808080808080)) == 0;
}

static inline int eas_utf8_ascii4(const unsigned char *s)
{
    uint32_t w;

    memcpy(&w, s, 4);
    return ((w | ((w - 0x01010101u) & ~w)) & 0x80808080u) == 0;
}


#if defined(EAS_UTF8_AVX2)
typedef struct {
    __m256i bf, c1, df, ef, e0, ed;
} eas_utf8_k32;

__attribute__((target("avx2")))
static inline void eas_utf8_consts32(eas_utf8_k32 *k)
{
    k->bf = _mm256_set1_epi8((char)0xBF);
    k->c1 = _mm256_set1_epi8((char)0xC1);
    k->df = _mm256_set1_epi8((char)0xDF);
    k->ef = _mm256_set1_epi8((char)0xEF);
    k->e0 = _mm256_set1_epi8((char)0xE0);
    k->ed = _mm256_set1_epi8((char)0xED);
    EAS_UTF8_OPAQUE(k->bf);
    EAS_UTF8_OPAQUE(k->c1);
    EAS_UTF8_OPAQUE(k->df);
    EAS_UTF8_OPAQUE(k->ef);
    EAS_UTF8_OPAQUE(k->e0);
    EAS_UTF8_OPAQUE(k->ed);
}

/* The same for 32 bytes with AVX2. */
__attribute__((target("avx2")))
static inline int eas_utf8_block32(const unsigned char *s,
                                   const eas_utf8_k32 *k, uint64_t *carry,
                                   unsigned *at)
{
    const __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)s);
    const __m256i nul = _mm256_cmpeq_epi8(v, _mm256_setzero_si256());
    uint64_t nulm = (uint32_t)_mm256_movemask_epi8(nul);
    uint64_t hi = (uint32_t)_mm256_movemask_epi8(v), lead, lead3, rare;
    __m256i gt_bf;

    gt_bf = _mm256_cmpgt_epi8(v, k->bf);
    lead = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(gt_bf, v));
    lead3 = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(
                _mm256_cmpgt_epi8(v, k->df), v));
    rare = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(
        _mm256_and_si256(_mm256_or_si256(
            _mm256_cmpgt_epi8(v, k->ef),
            _mm256_andnot_si256(_mm256_cmpgt_epi8(v, k->c1), gt_bf)), v),
        _mm256_or_si256(_mm256_cmpeq_epi8(v, k->e0),
                        _mm256_cmpeq_epi8(v, k->ed))));
    return eas_utf8_settle(hi, lead, lead3, rare, nulm, 32, carry, at);
}

/*
 * The 32-byte loop; returns where it stopped: at a sequence boundary with
 * fewer than 32 bytes left (*ended 0), or at the end of the valid text
 * (*ended 1).
 */
__attribute__((target("avx2")))
static apr_size_t eas_utf8_run32(const unsigned char *s, apr_size_t len,
                                 int *ended)
{
    eas_utf8_k32 k;
    apr_size_t i = 0;
    uint64_t carry = 0;
    unsigned at = 0;
    int bad;

    eas_utf8_consts32(&k);
    *ended = 0;
    while (len - i >= 32) {
        switch (eas_utf8_block32(s + i, &k, &carry, &at)) {
        case EAS_UTF8_NEXT:
            i += 32;
            continue;
        case EAS_UTF8_NUL:
            *ended = 1;
            return i + at;
        default:
            i = eas_utf8_slow(s, eas_utf8_open_seq(s, i, carry), i + 32,
                              len, &bad);
            carry = 0;
            if (bad) {
                *ended = 1;
                return i;
            }
        }
    }
    return eas_utf8_open_seq(s, i, carry);
}
#endif

/*
 * The 16-byte loop and the tail, from sequence boundary i.  Short text and
 * the tail take the same masks on the 16 bytes that end the text, or word
 * tests when the text is shorter; only what these find suspect is checked
 * byte by byte.
 */
static inline apr_size_t eas_utf8_span16(const unsigned char *s, apr_size_t i,
                                         apr_size_t len)
{
    int bad;

    if (len - i < 16 && len - i >= 4 && (len - i >= 8
            ? eas_utf8_ascii8(s + i) && eas_utf8_ascii8(s + len - 8)
            : eas_utf8_ascii4(s + i) && eas_utf8_ascii4(s + len - 4)))
        return len;
#if defined(__SSE2__)
    eas_utf8_k16 k;
    uint64_t carry = 0;
    unsigned at = 0;

    eas_utf8_consts16(&k);
    while (len - i >= 16) {
        switch (eas_utf8_block16(s + i, &k, &carry, &at)) {
        case EAS_UTF8_NEXT:
            i += 16;
            continue;
        case EAS_UTF8_NUL:
            return i + at;
        default:
            i = eas_utf8_slow(s, eas_utf8_open_seq(s, i, carry), i + 16,
                              len, &bad);
            carry = 0;
            if (bad)
                return i;
        }
    }
    i = eas_utf8_open_seq(s, i, carry);
    if (len - i >= 16) {                /* first the sequence backed up to */
        i = eas_utf8_slow(s, i, i + 1, len, &bad);
        if (bad)
            return i;
    }
    if (i < len && len >= 16
        && eas_utf8_tail16(s + len, (unsigned)(len - i), &k))
        return len;
#endif
    return eas_utf8_slow(s, i, len, len, &bad);
}

/* Everything the inline tests in eas_utf8_span() leave open. */
static apr_size_t eas_utf8_span_blocks(const unsigned char *s, apr_size_t len)
{
    apr_size_t i = 0;

#if defined(EAS_UTF8_AVX2)
    if (len >= 64 && __builtin_cpu_supports("avx2")) {
        int ended;

        i = eas_utf8_run32(s, len, &ended);
        if (ended)
            return i;
    }
#endif
    return eas_utf8_span16(s, i, len);
}

/*
 * Length of the longest prefix of s[0..len) that is strict UTF-8 without
 * NUL.  A valid sequence cut by len is not part of it.
 *
 * Most inline strings are short and ASCII: a header field the encoder
 * gets with its length, or a string the decoder finds ended by a NUL in
 * its first 16 bytes.  Those are settled here, inline, by a few word or
 * vector operations; the rest goes to the block loops.
 */
__attribute__((always_inline))
static inline apr_size_t eas_utf8_span(const unsigned char *s, apr_size_t len)
{
    int bad;

    if (len < 16) {
        if (len >= 8 ? eas_utf8_ascii8(s) && eas_utf8_ascii8(s + len - 8)
            : len >= 4 && eas_utf8_ascii4(s) && eas_utf8_ascii4(s + len - 4))
            return len;
        return eas_utf8_slow(s, 0, len, len, &bad);
    }
#if defined(__SSE2__)
    {
        const __m128i zero = _mm_setzero_si128();
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
        __m128i nul = _mm_cmpeq_epi8(v, zero);
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(v, nul));

        if ((m & (0u - m) & (unsigned)_mm_movemask_epi8(nul)) != 0)
            return (apr_size_t)__builtin_ctz(m);    /* ASCII, then NUL */
        if (len <= 64) {
            /* all ASCII without NUL: no top bit in the OR, no zero in
               the minimum of the blocks (the last one overlapping) */
            __m128i acc = v, lo = v;
            apr_size_t j;

            for (j = 16; j < len; j += 16) {
                v = _mm_loadu_si128((const __m128i *)(const void *)
                                    (s + (j + 16 <= len ? j : len - 16)));
                acc = _mm_or_si128(acc, v);
                lo = _mm_min_epu8(lo, v);
            }
            if (_mm_movemask_epi8(_mm_or_si128(acc, _mm_cmpeq_epi8(lo, zero)))
                == 0)
                return len;
        }
    }
#endif
    return eas_utf8_span_blocks(s, len);
}

#endif
