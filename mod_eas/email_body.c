/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A message's body in each form a client may ask for (MS-ASAIRS Type):
 * plain text, HTML and the MIME message itself; UTF-8 cutting and the
 * preview.
 *
 * Several inline parts of one kind (a message text and a list footer in
 * multipart/mixed) are joined.  Plain text falls back to text made from
 * the HTML, HTML to the plain text marked up.
 */
#include <string.h>

#include <apr_strings.h>

#include "email_internal.h"

/* The parts of one kind, converted and joined with sep. */
static eas_text_t join_parts(eas_mail_t *m, apr_array_header_t *parts,
                             const char *sep)
{
    eas_text_t r = { "", 0 }, *t;
    apr_size_t total = 0, seplen = strlen(sep);
    char *buf, *o;
    int i;

    if (parts->nelts == 0)
        return r;
    if (parts->nelts == 1)
        return eas_mail_part_text(APR_ARRAY_IDX(parts, 0, GMimePart *),
                                  m->pool);
    t = apr_palloc(m->pool, sizeof *t * (apr_size_t)parts->nelts);
    for (i = 0; i < parts->nelts; i++) {
        t[i] = eas_mail_part_text(APR_ARRAY_IDX(parts, i, GMimePart *),
                                  m->pool);
        total += t[i].len + seplen;
    }
    o = buf = apr_palloc(m->pool, total + 1);
    for (i = 0; i < parts->nelts; i++) {
        if (i > 0 && t[i].len > 0 && o > buf) {
            memcpy(o, sep, seplen);
            o += seplen;
        }
        memcpy(o, t[i].data, t[i].len);
        o += t[i].len;
    }
    *o = '\0';
    r.data = buf;
    r.len = (apr_size_t)(o - buf);
    return r;
}

eas_text_t eas_mail_plain(eas_mail_t *m)
{
    eas_text_t html;

    if (m->plain->nelts > 0)
        return join_parts(m, m->plain, "\n");
    html = join_parts(m, m->html, "\n");
    return eas_html_to_text(html.data, html.len, m->pool);
}

eas_text_t eas_mail_html(eas_mail_t *m)
{
    eas_text_t plain;

    if (m->html->nelts > 0)
        return join_parts(m, m->html, "\n");
    plain = join_parts(m, m->plain, "\n");
    if (plain.len == 0)
        return plain;           /* no text: no document around nothing */
    return eas_text_to_html(plain.data, plain.len, m->pool);
}

int eas_mail_native_type(const eas_mail_t *m)
{
    return m->html->nelts > 0 ? EAS_BODY_HTML : EAS_BODY_PLAIN;
}

/* Raw 8-bit header values that are not UTF-8 become RFC 2047 words. */
static void encode_8bit_headers(GMimeObject *obj)
{
    GMimeHeaderList *l = g_mime_object_get_header_list(obj);
    int i, n = l ? g_mime_header_list_get_count(l) : 0;

    for (i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(l, i);
        const char *raw = g_mime_header_get_raw_value(h);
        char *v;

        if (raw == NULL || eas_utf8_valid(raw, strlen(raw))
            || g_mime_header_get_value(h) == NULL)
            continue;
        v = g_strdup(g_mime_header_get_value(h));
        g_mime_header_set_value(h, NULL, v, "utf-8");
        g_free(v);
    }
}

/*
 * MIME goes out as a WBXML string, which must be UTF-8.  Most messages
 * are 7-bit or UTF-8 already and go as they are; others are re-encoded
 * with 7-bit transfer encodings so no byte is lost to the encoder's repair.
 */
eas_text_t eas_mail_mime(eas_mail_t *m)
{
    eas_text_t t;
    GMimeStream *mem;
    GByteArray *arr;

    t.data = m->raw->data;
    t.len = m->raw->len;
    if (eas_utf8_valid(t.data, t.len))
        return t;
    encode_8bit_headers((GMimeObject *)m->msg);
    g_mime_object_encode((GMimeObject *)m->msg,
                         GMIME_ENCODING_CONSTRAINT_7BIT);
    mem = g_mime_stream_mem_new();
    g_mime_object_write_to_stream((GMimeObject *)m->msg, NULL, mem);
    arr = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)mem);
    g_mime_stream_mem_set_owner((GMimeStreamMem *)mem, FALSE);
    g_object_unref(mem);
    return eas_mail_take_bytes(m->pool, arr);
}

int eas_utf8_valid(const char *s, apr_size_t len)
{
    apr_size_t n;

    if (!s)
        return 1;
    /* the codec's check stops at NUL, which the encoder handles itself */
    while ((n = eas_utf8_valid_prefix(s, len)) < len) {
        if (s[n] != '\0')
            return 0;
        s += n + 1;
        len -= n + 1;
    }
    return 1;
}

apr_size_t eas_utf8_cut(const char *s, apr_size_t len, apr_size_t max)
{
    apr_size_t i;

    if (len <= max)
        return len;
    /* s[max] starts the first character left out, unless it continues
       one that began before: then that one goes too */
    for (i = max; i > 0 && max - i < 3
                  && ((unsigned char)s[i] & 0xC0) == 0x80; i--)
        ;
    return ((unsigned char)s[i] & 0xC0) == 0x80 ? max : i;
}

eas_text_t eas_text_preview(eas_text_t t, int chars, apr_pool_t *p)
{
    eas_text_t r;
    char *out = apr_palloc(p, (apr_size_t)chars * 4 + 1), *o = out;
    const unsigned char *s = (const unsigned char *)t.data;
    const unsigned char *end = s + t.len;
    int n = 0, space = 0;

    while (s < end && n < chars) {
        apr_size_t len = 1;

        if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
            space = o > out;
            s++;
            continue;
        }
        if (space) {
            *o++ = ' ';
            space = 0;
            if (++n == chars)
                break;
        }
        if (*s >= 0xC0)
            while (s + len < end && len < 4 && (s[len] & 0xC0) == 0x80)
                len++;
        memcpy(o, s, len);
        o += len;
        s += len;
        n++;
    }
    *o = '\0';
    r.data = out;
    r.len = (apr_size_t)(o - out);
    return r;
}
