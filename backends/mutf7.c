/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Modified UTF-7 names (mutf7.h, RFC 3501 5.1.3).
 */
#include "mutf7.h"

#include <apr_strings.h>
#include <string.h>


static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* Next code point of a UTF-8 string, or -1 if malformed. */
static long utf8_next(const unsigned char **s)
{
    const unsigned char *c = *s;
    long cp;
    int n, i;

    if (c[0] < 0x80) {
        *s = c + 1;
        return c[0];
    }
    if (c[0] >= 0xC2 && c[0] <= 0xDF)
        n = 1, cp = c[0] & 0x1F;
    else if (c[0] >= 0xE0 && c[0] <= 0xEF)
        n = 2, cp = c[0] & 0x0F;
    else if (c[0] >= 0xF0 && c[0] <= 0xF4)
        n = 3, cp = c[0] & 0x07;
    else
        return -1;
    for (i = 1; i <= n; i++) {
        if ((c[i] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (c[i] & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))
        || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *s = c + n + 1;
    return cp;
}

static char *utf8_put(char *o, long cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* Characters no folder name may hold, whatever the encoding. */
static int forbidden(long cp, const char *forbid)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)
           || (cp < 0x80 && forbid && strchr(forbid, (int)cp));
}

/* Base64 bits pending in a shift sequence. */
typedef struct {
    char *o;
    unsigned long bits;
    int nbits;
} b64_out_t;

static void b64_unit(b64_out_t *b, unsigned u)
{
    b->bits = (b->bits << 16) | u;
    b->nbits += 16;
    while (b->nbits >= 6) {
        b->nbits -= 6;
        *b->o++ = b64[(b->bits >> b->nbits) & 0x3F];
    }
}

apr_status_t eas_mutf7_encode(const char *utf8, const char *forbid,
                              const char **out, apr_pool_t *p)
{
    const unsigned char *s = (const unsigned char *)utf8;
    apr_size_t len;
    b64_out_t b = { NULL, 0, 0 };
    char *buf;
    int shifted = 0;

    if (!utf8 || !*utf8 || (len = strlen(utf8)) > EAS_MUTF7_MAX)
        return APR_EINVAL;
    /* Worst case: every character a 4-byte one becomes 16/3 characters. */
    buf = apr_palloc(p, len * 3 + 8);
    b.o = buf;
    while (*s) {
        long cp = utf8_next(&s);
        if (cp < 0 || forbidden(cp, forbid))
            return APR_EINVAL;
        if (cp >= 0x20 && cp < 0x7F) {
            if (shifted) {
                if (b.nbits)
                    *b.o++ = b64[(b.bits << (6 - b.nbits)) & 0x3F];
                *b.o++ = '-';
                shifted = 0, b.bits = 0, b.nbits = 0;
            }
            *b.o++ = (char)cp;
            if (cp == '&')
                *b.o++ = '-';
            continue;
        }
        if (!shifted) {
            *b.o++ = '&';
            shifted = 1;
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            b64_unit(&b, 0xD800 | (unsigned)(cp >> 10));
            b64_unit(&b, 0xDC00 | (unsigned)(cp & 0x3FF));
        } else {
            b64_unit(&b, (unsigned)cp);
        }
    }
    if (shifted) {
        if (b.nbits)
            *b.o++ = b64[(b.bits << (6 - b.nbits)) & 0x3F];
        *b.o++ = '-';
    }
    *b.o = '\0';
    if ((apr_size_t)(b.o - buf) > EAS_MUTF7_MAX)
        return APR_EINVAL;
    *out = buf;
    return APR_SUCCESS;
}

static int b64_val(char c)
{
    const char *x = c ? strchr(b64, c) : NULL;
    return x ? (int)(x - b64) : -1;
}

/* Decode one shift sequence s..'-' into o; NULL if malformed. */
static char *decode_shift(const char **sp, char *o)
{
    const char *s = *sp;
    unsigned long bits = 0;
    int nbits = 0, v;
    unsigned hi = 0;

    for (; *s != '-'; s++) {
        if ((v = b64_val(*s)) < 0)
            return NULL;
        bits = (bits << 6) | (unsigned)v;
        nbits += 6;
        if (nbits >= 16) {
            unsigned u = (bits >> (nbits - 16)) & 0xFFFF;
            nbits -= 16;
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (hi)
                    return NULL;
                hi = u;
                continue;
            }
            if (u >= 0xDC00 && u <= 0xDFFF) {
                if (!hi)
                    return NULL;
                o = utf8_put(o, 0x10000 + (((long)hi - 0xD800) << 10)
                                + (u - 0xDC00));
                hi = 0;
                continue;
            }
            if (hi || u < 0x20 || u == 0x7F)
                return NULL;
            o = utf8_put(o, u);
        }
    }
    /* Leftover bits are padding: fewer than 6 and all zero. */
    if (hi || nbits >= 6 || (bits & ((1UL << nbits) - 1)))
        return NULL;
    *sp = s + 1;
    return o;
}

static int utf8_clean(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;

    while (*u) {
        long cp = utf8_next(&u);
        if (cp < 0 || cp < 0x20 || cp == 0x7F)
            return 0;
    }
    return 1;
}

const char *eas_mutf7_decode(const char *m, apr_pool_t *p)
{
    apr_size_t len = strlen(m);
    char *buf = apr_palloc(p, len * 2 + 4), *o = buf;
    const char *s = m;

    if (!len)
        return NULL;
    while (*s) {
        unsigned char c = (unsigned char)*s;
        if (c == '&' && s[1] == '-') {
            *o++ = '&';
            s += 2;
        } else if (c == '&') {
            s++;
            if (*s == '-' || !(o = decode_shift(&s, o)))
                goto raw;
        } else if (c >= 0x20 && c < 0x7F) {
            *o++ = (char)c;
            s++;
        } else {
            goto raw;
        }
    }
    *o = '\0';
    return buf;
raw:
    /* Not modified UTF-7: a name written in UTF-8 is shown as it is. */
    return utf8_clean(m) ? m : NULL;
}
