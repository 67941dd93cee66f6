/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GMime plumbing: process initialisation, where GLib's messages go, shared
 * parser options, and a read-only stream over memory we already hold.
 *
 * GMime's own memory stream copies its input into a GByteArray.  Messages
 * come from the backend already in memory, often megabytes long, so this
 * stream reads them in place; parts parsed from it keep substreams of it
 * (the parser's persistent mode), so part contents are not copied either.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "email_internal.h"

/* ------------------------------------------------------------------ */
/* Stream over caller memory                                           */
/* ------------------------------------------------------------------ */

typedef struct {
    GMimeStream parent;
    const char *data;
    gint64 len;
} EasStreamBuf;

typedef struct {
    GMimeStreamClass parent_class;
} EasStreamBufClass;

G_DEFINE_TYPE(EasStreamBuf, eas_stream_buf, GMIME_TYPE_STREAM)

/* End of the readable window: the bound if set, else the data's end. */
static gint64 buf_end(GMimeStream *s)
{
    EasStreamBuf *b = (EasStreamBuf *)s;

    return s->bound_end != -1 && s->bound_end < b->len ? s->bound_end
                                                        : b->len;
}

static ssize_t buf_read(GMimeStream *s, char *out, size_t len)
{
    EasStreamBuf *b = (EasStreamBuf *)s;
    gint64 end = buf_end(s), n;

    if (s->position > end)
        return -1;
    n = end - s->position;
    if ((gint64)len < n)
        n = (gint64)len;
    if (n > 0) {
        memcpy(out, b->data + s->position, (size_t)n);
        s->position += n;
    }
    return (ssize_t)n;
}

static ssize_t buf_write(GMimeStream *s, const char *in, size_t len)
{
    errno = EBADF;
    return -1;
}

static int buf_flush(GMimeStream *s)
{
    return 0;
}

static int buf_close(GMimeStream *s)
{
    return 0;
}

static gboolean buf_eos(GMimeStream *s)
{
    return s->position >= buf_end(s);
}

static int buf_reset(GMimeStream *s)
{
    s->position = s->bound_start;
    return 0;
}

static gint64 buf_seek(GMimeStream *s, gint64 offset, GMimeSeekWhence whence)
{
    gint64 end = buf_end(s), to;

    switch (whence) {
    case GMIME_STREAM_SEEK_SET:
        to = offset;
        break;
    case GMIME_STREAM_SEEK_CUR:
        to = s->position + offset;
        break;
    case GMIME_STREAM_SEEK_END:
        to = end + offset;
        break;
    default:
        errno = EINVAL;
        return -1;
    }
    if (to < s->bound_start || to > end) {
        errno = EINVAL;
        return -1;
    }
    s->position = to;
    return to;
}

static gint64 buf_tell(GMimeStream *s)
{
    return s->position;
}

static gint64 buf_length(GMimeStream *s)
{
    return buf_end(s) - s->bound_start;
}

static GMimeStream *buf_substream(GMimeStream *s, gint64 start, gint64 end)
{
    EasStreamBuf *b = (EasStreamBuf *)s;
    EasStreamBuf *sub = g_object_new(eas_stream_buf_get_type(), NULL);

    sub->data = b->data;
    sub->len = b->len;
    g_mime_stream_construct((GMimeStream *)sub, start, end);
    return (GMimeStream *)sub;
}

static void eas_stream_buf_class_init(EasStreamBufClass *klass)
{
    GMimeStreamClass *sc = GMIME_STREAM_CLASS(klass);

    sc->read = buf_read;
    sc->write = buf_write;
    sc->flush = buf_flush;
    sc->close = buf_close;
    sc->eos = buf_eos;
    sc->reset = buf_reset;
    sc->seek = buf_seek;
    sc->tell = buf_tell;
    sc->length = buf_length;
    sc->substream = buf_substream;
}

static void eas_stream_buf_init(EasStreamBuf *b)
{
    b->data = "";
    b->len = 0;
}

GMimeStream *eas_stream_buf_new(const char *data, apr_size_t len)
{
    EasStreamBuf *b = g_object_new(eas_stream_buf_get_type(), NULL);

    b->data = data ? data : "";
    b->len = data ? (gint64)len : 0;
    g_mime_stream_construct((GMimeStream *)b, 0, -1);
    return (GMimeStream *)b;
}

/* ------------------------------------------------------------------ */
/* Initialisation and shared options                                   */
/* ------------------------------------------------------------------ */

static GMimeParserOptions *parser_opts;

/*
 * Raw 8-bit header text is most often UTF-8, then Windows-1252 (which
 * also covers Latin-1): try them in that order.
 */
static const char *fallback_charsets[] = { "UTF-8", "windows-1252", NULL };

void eas_email_init(void)
{
    static int done;

    if (done)
        return;
    done = 1;
    g_mime_init();
    xmlInitParser();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    parser_opts = g_mime_parser_options_new();
    g_mime_parser_options_set_fallback_charsets(parser_opts,
                                                fallback_charsets);
    g_mime_parser_options_set_rfc2047_compliance_mode(parser_opts,
                                                      GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(parser_opts,
                                                        GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(parser_opts,
                                                      GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_allow_addresses_without_domain(parser_opts,
                                                             TRUE);
}

static eas_email_log_fn log_fn;
static void *log_data;

static int glib_severity(GLogLevelFlags level)
{
    if (level & G_LOG_LEVEL_ERROR)
        return LOG_CRIT;
    if (level & G_LOG_LEVEL_CRITICAL)
        return LOG_ERR;
    if (level & G_LOG_LEVEL_WARNING)
        return LOG_WARNING;
    if (level & G_LOG_LEVEL_MESSAGE)
        return LOG_NOTICE;
    if (level & G_LOG_LEVEL_INFO)
        return LOG_INFO;
    return LOG_DEBUG;
}

/* Both GLib log APIs end here (g_log goes through the default handler). */
static GLogWriterOutput glib_writer(GLogLevelFlags level,
                                    const GLogField *fields, gsize n,
                                    gpointer unused)
{
    const char *domain = "GLib", *msg = "";
    gsize i;

    if (log_fn == NULL)
        return g_log_writer_default(level, fields, n, unused);
    for (i = 0; i < n; i++) {
        if (fields[i].length >= 0 || fields[i].value == NULL)
            continue;           /* not a NUL-terminated string */
        if (!strcmp(fields[i].key, "GLIB_DOMAIN"))
            domain = fields[i].value;
        else if (!strcmp(fields[i].key, "MESSAGE"))
            msg = fields[i].value;
    }
    log_fn(log_data, glib_severity(level), domain, msg);
    return G_LOG_WRITER_HANDLED;
}

void eas_email_log_to(eas_email_log_fn fn, void *data)
{
    static int installed;

    log_fn = fn;
    log_data = data;
    /* GLib takes a writer once per process */
    if (!installed) {
        installed = 1;
        g_log_set_writer_func(glib_writer, NULL, NULL);
    }
}

GMimeParserOptions *eas_mail_parser_options(void)
{
    return parser_opts;
}

static apr_status_t unref_cleanup(void *obj)
{
    g_object_unref(obj);
    return APR_SUCCESS;
}

void eas_mail_unref_on(apr_pool_t *p, gpointer obj)
{
    if (obj != NULL)
        apr_pool_cleanup_register(p, obj, unref_cleanup,
                                  apr_pool_cleanup_null);
}

static apr_status_t bytes_cleanup(void *arr)
{
    g_byte_array_free(arr, TRUE);
    return APR_SUCCESS;
}

eas_text_t eas_mail_take_bytes(apr_pool_t *p, GByteArray *arr)
{
    eas_text_t t = { "", 0 };

    if (arr == NULL)
        return t;
    apr_pool_cleanup_register(p, arr, bytes_cleanup, apr_pool_cleanup_null);
    if (arr->len > 0) {
        t.data = (const char *)arr->data;
        t.len = arr->len;
    }
    return t;
}
