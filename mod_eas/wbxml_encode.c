/*
 * Streaming WBXML encoder writing into an APR bucket brigade.
 *
 * Bytes collect in a buffer from the bucket allocator; a full buffer becomes
 * a heap bucket that takes ownership of it, so nothing is copied twice.
 * Large opaque values become buckets of their own.  A start tag is held back
 * until we know whether content follows, because the content bit lives in
 * the tag byte itself: start immediately followed by end is an empty element.
 *
 * Misuse (unknown tag, END with nothing open, text outside an element, too
 * deep nesting) is remembered; later calls do nothing and eas_enc_finish()
 * reports the first error, so callers need no error checks per element.
 */
#include <string.h>

#include "wbxml.h"
#include "wbxml_utf8.h"

#define ENC_BUFSIZE   8000          /* with headers, one 8 KB allocator node */
#define ENC_BIG       2048          /* opaque data at least this long gets
                                       its own bucket */
#define ENC_FLUSH_AT  (64 * 1024)   /* brigade bytes before calling flush */
#define ENC_MAX_DEPTH 64            /* deeper than any ActiveSync document */

#define NO_TAG 0xFFFF
#define TAG_CONTENT 0x40

struct eas_wbxml_enc {
    apr_bucket_brigade *bb;
    apr_bucket_alloc_t *list;
    eas_wbxml_flush_fn flush;
    void *flush_ctx;
    unsigned char *buf;             /* current buffer, NULL if none */
    apr_size_t used;
    apr_off_t pending_bytes;        /* in bb since the last flush call */
    apr_off_t total;                /* bytes handed to bb */
    unsigned page;                  /* code page in effect on the wire */
    unsigned depth;                 /* open elements, pending one included */
    uint16_t pending;               /* start tag not yet written, or NO_TAG */
    int started;                    /* header written */
    int done;                       /* the root element has been closed */
    apr_status_t err;
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

/*
 * APR's ring macros compute offsets from a null pointer, which clang
 * warns about; keep that to this one place.
 */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wnull-pointer-subtraction"
#endif
static void append(eas_wbxml_enc_t *e, apr_bucket *b, apr_size_t len)
{
    APR_BRIGADE_INSERT_TAIL(e->bb, b);
    e->total += len;
    e->pending_bytes += len;
}
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

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
    e->used = 0;
}

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

/* Make room for at least n bytes (n <= ENC_BUFSIZE). */
static int reserve(eas_wbxml_enc_t *e, apr_size_t n)
{
    if (e->buf != NULL && ENC_BUFSIZE - e->used >= n)
        return 1;
    emit_buffer(e);
    maybe_flush(e);
    if (e->err)
        return 0;
    e->buf = apr_bucket_alloc(ENC_BUFSIZE, e->list);
    if (e->buf == NULL) {
        e->err = APR_ENOMEM;
        return 0;
    }
    return 1;
}

static void put_byte(eas_wbxml_enc_t *e, unsigned char c)
{
    if (reserve(e, 1))
        e->buf[e->used++] = c;
}

/* Copy any length, spilling into new buffers as they fill. */
static void put_bytes(eas_wbxml_enc_t *e, const void *data, apr_size_t len)
{
    const unsigned char *p = data;

    while (len > 0 && !e->err) {
        apr_size_t room;

        if (!reserve(e, 1))
            return;
        room = ENC_BUFSIZE - e->used;
        if (room > len)
            room = len;
        memcpy(e->buf + e->used, p, room);
        e->used += room;
        p += room;
        len -= room;
    }
}

static void put_mbuint(eas_wbxml_enc_t *e, uint32_t v)
{
    unsigned char tmp[5];
    int i = 4;

    tmp[i] = v & 0x7F;
    while ((v >>= 7) != 0)
        tmp[--i] = 0x80 | (v & 0x7F);
    put_bytes(e, tmp + i, (apr_size_t)(5 - i));
}

static void write_header(eas_wbxml_enc_t *e)
{
    static const unsigned char hdr[4] = { 0x03, 0x01, 0x6A, 0x00 };

    put_bytes(e, hdr, sizeof hdr);
    e->started = 1;
    e->page = 0;                    /* WBXML starts in code page 0 */
}

/* Write the held-back start tag, with the content bit if content follows. */
static void write_pending(eas_wbxml_enc_t *e, int content)
{
    unsigned page = EAS_TAG_PAGE(e->pending);

    if (!reserve(e, 3))
        return;
    if (page != e->page) {
        e->buf[e->used++] = 0x00;   /* SWITCH_PAGE */
        e->buf[e->used++] = (unsigned char)page;
        e->page = page;
    }
    e->buf[e->used++] = (unsigned char)(EAS_TAG_TOKEN(e->pending)
                                        | (content ? TAG_CONTENT : 0));
    e->pending = NO_TAG;
}

/* Prepare for content inside the current element. */
static int content_follows(eas_wbxml_enc_t *e)
{
    if (e->err)
        return 0;
    if (e->depth == 0) {
        e->err = APR_EINVAL;        /* content outside any element */
        return 0;
    }
    if (e->pending != NO_TAG)
        write_pending(e, 1);
    return !e->err;
}

void eas_enc_start(eas_wbxml_enc_t *e, eas_tag_t tag)
{
    if (e->err)
        return;
    if (!eas_tag_known(tag) || e->done || e->depth >= ENC_MAX_DEPTH) {
        e->err = APR_EINVAL;
        return;
    }
    if (!e->started)
        write_header(e);
    if (e->pending != NO_TAG)
        write_pending(e, 1);
    e->pending = tag;
    e->depth++;
}

void eas_enc_end(eas_wbxml_enc_t *e)
{
    if (e->err)
        return;
    if (e->depth == 0) {
        e->err = APR_EINVAL;
        return;
    }
    if (e->pending != NO_TAG)
        write_pending(e, 0);
    else
        put_byte(e, 0x01);          /* END */
    if (--e->depth == 0)
        e->done = 1;
}

void eas_enc_empty(eas_wbxml_enc_t *e, eas_tag_t tag)
{
    eas_enc_start(e, tag);
    eas_enc_end(e);
}

/*
 * Inline strings must be UTF-8 without NUL.  Rather than fail a whole
 * response over one badly encoded header from a backend, each offending
 * byte becomes U+FFFD: strict clients reject invalid UTF-8 outright.
 */
void eas_enc_text(eas_wbxml_enc_t *e, const char *s, apr_size_t len)
{
    const unsigned char *p = (const unsigned char *)s;

    if (!content_follows(e))
        return;
    put_byte(e, 0x03);              /* STR_I */
    while (len > 0 && reserve(e, 1)) {
        apr_size_t room = ENC_BUFSIZE - e->used;
        apr_size_t chunk = len < room ? len : room;
        apr_size_t n = eas_utf8_copy(e->buf + e->used, p, chunk);

        e->used += n;
        p += n;
        len -= n;
        if (n == chunk)
            continue;
        /* a valid sequence cut by the buffer's end, or a bad byte */
        n = *p ? eas_utf8_seq(p, len) : 0;
        if (n > 0) {
            put_bytes(e, p, n);
        } else {
            put_bytes(e, "\xEF\xBF\xBD", 3);
            n = 1;
        }
        p += n;
        len -= n;
    }
    put_byte(e, 0x00);
}

/* A NULL string gives an empty element rather than a crash. */
void eas_enc_str(eas_wbxml_enc_t *e, eas_tag_t tag, const char *s)
{
    eas_enc_start(e, tag);
    if (s != NULL)
        eas_enc_text(e, s, strlen(s));
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
    eas_enc_text(e, p, (apr_size_t)(tmp + sizeof tmp - p));
    eas_enc_end(e);
}

/* Large data: its own bucket, referenced in place when it outlives bb. */
static void put_big(eas_wbxml_enc_t *e, const void *data, apr_size_t len,
                    int stable)
{
    apr_bucket *b;

    emit_buffer(e);
    if (stable)
        b = apr_bucket_immortal_create(data, len, e->list);
    else
        b = apr_bucket_heap_create(data, len, NULL, e->list);
    append(e, b, len);
    maybe_flush(e);
}

void eas_enc_opaque_data(eas_wbxml_enc_t *e, const void *data,
                         apr_size_t len, int stable)
{
    if (!content_follows(e))
        return;
    if (len > UINT32_MAX) {
        e->err = APR_EINVAL;
        return;
    }
    put_byte(e, 0xC3);              /* OPAQUE */
    put_mbuint(e, (uint32_t)len);
    if (len >= ENC_BIG && !e->err)
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
