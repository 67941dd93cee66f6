/*
 * UTF-8 checking shared by the WBXML decoder (which rejects bad inline
 * strings) and the encoder (which repairs them).  Internal to the codec.
 */
#ifndef EAS_WBXML_UTF8_H
#define EAS_WBXML_UTF8_H

#include <stdint.h>
#include <string.h>

#include <apr.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/*
 * Leading bytes that are ASCII and not NUL, the common case, checked 16 at
 * a time with SSE2 (always there on x86-64), else 8 at a time.  With dst,
 * they are also copied there (dst has room for len bytes): the encoder
 * checks and buffers text in one pass.
 */
static inline apr_size_t eas_utf8_ascii_run(unsigned char *dst,
                                            const unsigned char *s,
                                            apr_size_t len)
{
    apr_size_t i = 0;
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128();

    for (; i + 16 <= len; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        unsigned m = (unsigned)_mm_movemask_epi8(
                         _mm_or_si128(v, _mm_cmpeq_epi8(v, zero)));

        if (dst)
            _mm_storeu_si128((__m128i *)(void *)(dst + i), v);
        if (m != 0)
            return i + (apr_size_t)__builtin_ctz(m);
    }
#else
    const uint64_t ones = UINT64_C(0x0101010101010101);
    const uint64_t highs = UINT64_C(0x8080808080808080);

    for (; i + 8 <= len; i += 8) {
        uint64_t w;

        memcpy(&w, s + i, 8);
        if (((w | ((w - ones) & ~w)) & highs) != 0)
            break;
        if (dst)
            memcpy(dst + i, &w, 8);
    }
#endif
    for (; i < len && s[i] != 0 && s[i] < 0x80; i++)
        if (dst)
            dst[i] = s[i];
    return i;
}

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
 * Length of the longest prefix of s that is strict UTF-8 (RFC 3629: no
 * overlong forms, surrogates or code points above U+10FFFF) without NUL;
 * copied to dst as well unless dst is NULL.
 */
static inline apr_size_t eas_utf8_copy(unsigned char *dst,
                                       const unsigned char *s, apr_size_t len)
{
    apr_size_t i = 0, n;

    for (;;) {
        i += eas_utf8_ascii_run(dst ? dst + i : NULL, s + i, len - i);
        if (i == len || s[i] == 0 || (n = eas_utf8_seq(s + i, len - i)) == 0)
            return i;
        if (dst)
            memcpy(dst + i, s + i, n);
        i += n;
    }
}

static inline apr_size_t eas_utf8_span(const unsigned char *s, apr_size_t len)
{
    return eas_utf8_copy(NULL, s, len);
}

#endif
