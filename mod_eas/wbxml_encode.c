/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming WBXML encoder writing into an APR bucket brigade.
 *
 * Bytes collect in a buffer from the bucket allocator; a full buffer becomes
 * a heap bucket that takes ownership of it, so nothing is copied twice.
 * Large opaque values, and large text the caller keeps alive, become
 * buckets of their own that point at the caller's memory: a message body is
 * then checked but never copied.  A start tag is held back until we know
 * whether content follows, because the content bit lives in the tag byte
 * itself: start immediately followed by end is an empty element.
 *
 * Misuse (unknown tag, END with nothing open, text outside an element, too
 * deep nesting) is remembered; later calls do nothing and eas_enc_finish()
 * reports the first error, so callers need no error checks per element.
 *
 * Every write first reserves room with an inline test against the buffer's
 * end; only a full buffer leaves the fast path (new_buffer), and that is
 * also the one place where the flush callback runs, so the callback never
 * sees a buffer the encoder is still writing into.
 */
#include <stddef.h>      /* before APR: its ring macros then use offsetof */
#include <string.h>

#include "wbxml.h"
#include "wbxml_known.h"
#include "wbxml_utf8.h"

#define ENC_BUFSIZE   8000          /* with headers, one 8 KB allocator node */
#define ENC_BIG       2048          /* opaque data or stable text at least this
                                       long gets its own bucket */
#define ENC_INLINE    512           /* valid text up to this long is written
                                       with its tag in one reservation */
#define ENC_FLUSH_AT  (64 * 1024)   /* brigade bytes before calling flush */
#define ENC_MAX_DEPTH 64            /* deeper than any ActiveSync document */

#define NO_TAG 0xFFFF
#define TAG_CONTENT 0x40
#define T_SWITCH_PAGE 0x00
#define T_END 0x01
#define T_STR_I 0x03
#define T_OPAQUE 0xC3

struct eas_wbxml_enc {
    unsigned char *buf;             /* current buffer, NULL if none */
    apr_size_t used;                /* bytes written into buf */
    apr_size_t cap;                 /* ENC_BUFSIZE with a buffer, else 0 */
    unsigned page;                  /* code page in effect on the wire */
    unsigned depth;                 /* open elements, pending one included */
    uint16_t pending;               /* start tag not yet written, or NO_TAG */
    int started;                    /* header written */
    int done;                       /* the root element has been closed */
    apr_status_t err;
    apr_bucket_brigade *bb;
    apr_bucket_alloc_t *list;
    eas_wbxml_flush_fn flush;
    void *flush_ctx;
    apr_off_t pending_bytes;        /* in bb since the last flush call */
    apr_off_t total;                /* bytes handed to bb */
    int fragment;                   /* made by eas_enc_fragment() */
    unsigned start_page;            /* a fragment's page at its start */
};

/*
 * The buffer comes straight from the bucket allocator, which does not
 * track it: an encoder dropped without eas_enc_finish() must give it back.
 */
static apr_status_t enc_cleanup(void *data)
{
    eas_wbxml_enc_t *e = data;

    if (e->buf != NULL) {
        apr_bucket_free(e->buf);
        e->buf = NULL;
        e->used = e->cap = 0;
    }
    return APR_SUCCESS;
}

eas_wbxml_enc_t *eas_wbxml_enc_create(apr_pool_t *pool, apr_bucket_brigade *bb,
                                      eas_wbxml_flush_fn flush, void *flush_ctx)
{
    eas_wbxml_enc_t *e = apr_pcalloc(pool, sizeof *e);

    apr_pool_cleanup_register(pool, e, enc_cleanup, apr_pool_cleanup_null);

    e->bb = bb;
    e->list = bb->bucket_alloc;
    e->flush = flush;
    e->flush_ctx = flush_ctx;
    e->pending = NO_TAG;
    return e;
}

/* ------------------------------------------------------------------ */
/* Buffer and brigade                                                  */
/* ------------------------------------------------------------------ */

static void append(eas_wbxml_enc_t *e, apr_bucket *b, apr_size_t len)
{
    APR_BRIGADE_INSERT_TAIL(e->bb, b);
    e->total += len;
    e->pending_bytes += len;
}

/* Hand the buffer to the brigade; ownership passes to the heap bucket. */
static void emit_buffer(eas_wbxml_enc_t *e)
{
    apr_bucket *b;

    if (e->buf == NULL)
        return;
    if (e->used == 0) {
        apr_bucket_free(e->buf);
    } else {
        b = apr_bucket_heap_create((const char *)e->buf, e->used,
                                   apr_bucket_free, e->list);
        append(e, b, e->used);
    }
    e->buf = NULL;
    e->used = e->cap = 0;
}

/* Called only when the encoder holds no buffer of its own. */
static void maybe_flush(eas_wbxml_enc_t *e)
{
    apr_status_t rv;

    if (e->flush == NULL || e->pending_bytes < ENC_FLUSH_AT || e->err)
        return;
    e->pending_bytes = 0;
    rv = e->flush(e->bb, e->flush_ctx);
    if (rv != APR_SUCCESS)
        e->err = rv;
}

/* The slow side of reserve(): emit the full buffer, flush, start anew. */
static int new_buffer(eas_wbxml_enc_t *e)
{
    emit_buffer(e);
    maybe_flush(e);
    if (e->err)
        return 0;
    e->buf = apr_bucket_alloc(ENC_BUFSIZE, e->list);
    if (e->buf == NULL) {
        e->err = APR_ENOMEM;
        return 0;
    }
    e->cap = ENC_BUFSIZE;
    return 1;
}

/* Make room for n bytes (n <= ENC_BUFSIZE); 0 after an error. */
static inline int reserve(eas_wbxml_enc_t *e, apr_size_t n)
{
    return e->cap - e->used >= n || new_buffer(e);
}

static inline void put_byte(eas_wbxml_enc_t *e, unsigned char c)
{
    if (reserve(e, 1))
        e->buf[e->used++] = c;
}

/* Copy any length, spilling into new buffers as they fill. */
static void put_bytes(eas_wbxml_enc_t *e, const void *data, apr_size_t len)
{
    const unsigned char *p = data;

    while (len > 0 && reserve(e, 1)) {
        apr_size_t room = e->cap - e->used;

        if (room > len)
            room = len;
        memcpy(e->buf + e->used, p, room);
        e->used += room;
        p += room;
        len -= room;
    }
}

/* Large data: its own bucket, referenced in place when it outlives bb. */
static void put_big(eas_wbxml_enc_t *e, const void *data, apr_size_t len,
                    int stable)
{
    apr_bucket *b;

    if (e->err)
        return;
    emit_buffer(e);
    if (stable)
        b = apr_bucket_immortal_create(data, len, e->list);
    else
        b = apr_bucket_heap_create(data, len, NULL, e->list);
    append(e, b, len);
    maybe_flush(e);
}

/* ------------------------------------------------------------------ */
/* Tags                                                                */
/* ------------------------------------------------------------------ */

/*
 * The tag byte at w, after a SWITCH_PAGE when the tag's page is not the
 * one in effect; the caller has reserved 3 bytes.  The switch is always
 * stored and the tag written over it when it is not needed, which leaves
 * one predictable comparison and no branch.
 */
static inline unsigned char *put_tag(eas_wbxml_enc_t *e, unsigned char *w,
                                     unsigned tag, unsigned content)
{
    unsigned page = EAS_TAG_PAGE(tag);

    w[0] = T_SWITCH_PAGE;
    w[1] = (unsigned char)page;
    w += page != e->page ? 2 : 0;
    w[0] = (unsigned char)(EAS_TAG_TOKEN(tag) | content);
    e->page = page;
    return w + 1;
}

/* Write the held-back start tag, with the content bit if content follows. */
static inline void write_pending(eas_wbxml_enc_t *e, unsigned content)
{
    if (!reserve(e, 3))
        return;
    e->used = (apr_size_t)(put_tag(e, e->buf + e->used, e->pending, content)
                           - e->buf);
    e->pending = NO_TAG;
}

static void write_header(eas_wbxml_enc_t *e)
{
    static const unsigned char hdr[4] = { 0x03, 0x01, 0x6A, 0x00 };

    put_bytes(e, hdr, sizeof hdr);
    e->started = 1;
    e->page = 0;                    /* WBXML starts in code page 0 */
}

/* Prepare for content inside the current element. */
static inline int content_follows(eas_wbxml_enc_t *e)
{
    if (e->err)
        return 0;
    if (e->depth == 0) {
        e->err = APR_EINVAL;        /* content outside any element */
        return 0;
    }
    if (e->pending != NO_TAG)
        write_pending(e, TAG_CONTENT);
    return !e->err;
}

void eas_enc_start(eas_wbxml_enc_t *e, eas_tag_t tag)
{
    if (e->err)
        return;
    if (!eas_known(tag) || e->done || e->depth >= ENC_MAX_DEPTH) {
        e->err = APR_EINVAL;
        return;
    }
    if (e->pending != NO_TAG)
        write_pending(e, TAG_CONTENT);
    else if (!e->started)
        write_header(e);
    e->pending = tag;
    e->depth++;
}

void eas_enc_end(eas_wbxml_enc_t *e)
{
    unsigned char *w;

    if (e->err)
        return;
    if (e->depth == 0) {
        e->err = APR_EINVAL;
        return;
    }
    if (!reserve(e, 3))
        return;
    w = e->buf + e->used;
    if (e->pending != NO_TAG) {
        w = put_tag(e, w, e->pending, 0);
        e->pending = NO_TAG;
    } else {
        *w++ = T_END;
    }
    e->used = (apr_size_t)(w - e->buf);
    if (--e->depth == 0)
        e->done = 1;
}

void eas_enc_empty(eas_wbxml_enc_t *e, eas_tag_t tag)
{
    eas_enc_start(e, tag);
    eas_enc_end(e);
}

/* ------------------------------------------------------------------ */
/* Text                                                                */
/* ------------------------------------------------------------------ */

/*
 * Short text known to be valid: pending start tag, STR_I, the text and
 * its NUL in one reservation.  Returns 0 if len is too long for that.
 */
static inline int put_short_text(eas_wbxml_enc_t *e, const void *s,
                                 apr_size_t len)
{
    unsigned char *w;

    if (len > ENC_INLINE)
        return 0;
    if (!reserve(e, 3 + 1 + len + 1))
        return 1;
    w = e->buf + e->used;
    if (e->pending != NO_TAG) {
        w = put_tag(e, w, e->pending, TAG_CONTENT);
        e->pending = NO_TAG;
    }
    *w++ = T_STR_I;
    if (len > 0)                    /* s may be NULL for empty text */
        memcpy(w, s, len);
    w += len;
    *w++ = 0x00;
    e->used = (apr_size_t)(w - e->buf);
    return 1;
}

/*
 * Inline strings must be UTF-8 without NUL.  Rather than fail a whole
 * response over one badly encoded header from a backend, each offending
 * byte becomes U+FFFD: strict clients reject invalid UTF-8 outright.  One
 * check of the whole text comes first; the common valid case then costs
 * one copy, or none for large stable text.
 */
static void put_text(eas_wbxml_enc_t *e, const char *s, apr_size_t len,
                     int stable)
{
    const unsigned char *p = (const unsigned char *)s;
    apr_size_t n;

    if (e->err)
        return;
    if (e->depth == 0) {
        e->err = APR_EINVAL;        /* content outside any element */
        return;
    }
    n = eas_utf8_span(p, len);
    if (n == len && put_short_text(e, p, len))
        return;
    if (!content_follows(e))
        return;
    put_byte(e, T_STR_I);
    if (n == len && stable && len >= ENC_BIG) {
        put_big(e, p, len, 1);
    } else {
        for (;;) {
            put_bytes(e, p, n);
            p += n;
            len -= n;
            if (len == 0 || e->err)
                break;
            put_bytes(e, "\xEF\xBF\xBD", 3);
            p++;
            len--;
            n = eas_utf8_span(p, len);
        }
    }
    put_byte(e, 0x00);
}

apr_size_t eas_utf8_valid_prefix(const char *s, apr_size_t len)
{
    return s ? eas_utf8_span((const unsigned char *)s, len) : 0;
}

void eas_enc_text(eas_wbxml_enc_t *e, const char *s, apr_size_t len)
{
    put_text(e, s, len, 0);
}

void eas_enc_text_stable(eas_wbxml_enc_t *e, const char *s, apr_size_t len)
{
    put_text(e, s, len, 1);
}

/* A NULL string gives an empty element rather than a crash. */
void eas_enc_str(eas_wbxml_enc_t *e, eas_tag_t tag, const char *s)
{
    eas_enc_start(e, tag);
    if (s != NULL)
        put_text(e, s, strlen(s), 0);
    eas_enc_end(e);
}

void eas_enc_str_stable(eas_wbxml_enc_t *e, eas_tag_t tag, const char *s)
{
    eas_enc_start(e, tag);
    if (s != NULL)
        put_text(e, s, strlen(s), 1);
    eas_enc_end(e);
}

void eas_enc_int(eas_wbxml_enc_t *e, eas_tag_t tag, long long v)
{
    char tmp[24];
    char *p = tmp + sizeof tmp;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
                                 : (unsigned long long)v;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    eas_enc_start(e, tag);
    if (!e->err)                    /* digits need no UTF-8 check */
        put_short_text(e, p, (apr_size_t)(tmp + sizeof tmp - p));
    eas_enc_end(e);
}

/* ------------------------------------------------------------------ */
/* Opaque data                                                         */
/* ------------------------------------------------------------------ */

void eas_enc_opaque_data(eas_wbxml_enc_t *e, const void *data,
                         apr_size_t len, int stable)
{
    unsigned char tmp[5];
    int i = 4;
    uint32_t v;

    if (!content_follows(e))
        return;
    if (len > UINT32_MAX) {
        e->err = APR_EINVAL;
        return;
    }
    v = (uint32_t)len;              /* mb_u_int32, most significant first */
    tmp[i] = v & 0x7F;
    while ((v >>= 7) != 0)
        tmp[--i] = 0x80 | (v & 0x7F);
    put_byte(e, T_OPAQUE);
    put_bytes(e, tmp + i, (apr_size_t)(5 - i));
    if (len >= ENC_BIG)
        put_big(e, data, len, stable);
    else
        put_bytes(e, data, len);
}

void eas_enc_opaque(eas_wbxml_enc_t *e, eas_tag_t tag,
                    const void *data, apr_size_t len, int stable)
{
    eas_enc_start(e, tag);
    eas_enc_opaque_data(e, data, len, stable);
    eas_enc_end(e);
}

/* ------------------------------------------------------------------ */
/* Fragments                                                           */
/* ------------------------------------------------------------------ */

eas_wbxml_enc_t *eas_enc_fragment(apr_bucket_alloc_t *list, eas_tag_t in,
                                  apr_pool_t *pool)
{
    eas_wbxml_enc_t *f = eas_wbxml_enc_create(
        pool, apr_brigade_create(pool, list), NULL, NULL);

    f->fragment = 1;
    f->started = 1;                 /* no header of its own */
    f->depth = 1;                   /* inside in: content may come */
    f->page = f->start_page = EAS_TAG_PAGE(in);
    return f;
}

apr_status_t eas_enc_splice(eas_wbxml_enc_t *e, eas_wbxml_enc_t *f)
{
    apr_off_t len;

    if (!f->fragment || f->err || f->depth != 1 || f->pending != NO_TAG) {
        if (!e->err)
            e->err = f->err ? f->err : APR_EINVAL;
        return e->err;
    }
    emit_buffer(f);
    if (APR_BRIGADE_EMPTY(f->bb) || !content_follows(e))
        return e->err;
    if (e->page != f->start_page && reserve(e, 2)) {
        e->buf[e->used++] = T_SWITCH_PAGE;
        e->buf[e->used++] = (unsigned char)f->start_page;
    }
    emit_buffer(e);
    if (e->err)
        return e->err;
    len = f->total;
    APR_BRIGADE_CONCAT(e->bb, f->bb);
    e->total += len;
    e->pending_bytes += len;
    e->page = f->page;
    maybe_flush(e);
    return e->err;
}

apr_status_t eas_enc_finish(eas_wbxml_enc_t *e)
{
    while (!e->err && e->depth > 0)
        eas_enc_end(e);
    emit_buffer(e);
    return e->err;
}

apr_off_t eas_enc_bytes(const eas_wbxml_enc_t *e)
{
    return e->total + (apr_off_t)e->used;
}
