/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsing a message with GMime and sorting its parts into body text,
 * attachments and the things that decide the message class.
 *
 * Parts are numbered as IMAP does: a single-part message has part "1", the
 * children of a multipart are "1", "2"..., their children "2.1" and so on.
 * The numbering covers every part, so a FileReference built from it finds
 * the same part again however the part was classified.
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>

#include "email_internal.h"

/* ------------------------------------------------------------------ */
/* Parsing                                                             */
/* ------------------------------------------------------------------ */

/* Something readable for input GMime cannot make a message of. */
static GMimeMessage *raw_as_text(const eas_blob_t *raw)
{
    GMimeMessage *msg = g_mime_message_new(TRUE);
    GMimeTextPart *part = g_mime_text_part_new_with_subtype("plain");
    GMimeStream *s = eas_stream_buf_new(raw->data, raw->len);
    GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(
                               s, GMIME_CONTENT_ENCODING_8BIT);

    g_mime_part_set_content((GMimePart *)part, dw);
    g_mime_message_set_mime_part(msg, (GMimeObject *)part);
    g_object_unref(dw);
    g_object_unref(s);
    g_object_unref(part);
    return msg;
}

static void set_empty_content(GMimePart *part)
{
    GMimeStream *s = g_mime_stream_mem_new();
    GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(
                               s, g_mime_part_get_content_encoding(part));

    g_mime_part_set_content(part, dw);
    g_object_unref(dw);
    g_object_unref(s);
}

/*
 * GMime's parser leaves a part whose headers run straight into a boundary
 * (or the end) without content, and GMime's encoders (g_mime_object_encode,
 * the best-encoding check) fail on such a part with a CRITICAL.  Empty
 * content makes it a part like any other, for every later use.  Iterative:
 * nesting depth is the sender's choice.
 */
static void fill_contentless(GMimeMessage *msg)
{
    GPtrArray *todo = g_ptr_array_new();
    GMimeObject *obj = g_mime_message_get_mime_part(msg);
    int i, n;

    if (obj)
        g_ptr_array_add(todo, obj);
    while (todo->len > 0) {
        obj = g_ptr_array_remove_index_fast(todo, todo->len - 1);
        if (GMIME_IS_MULTIPART(obj)) {
            n = g_mime_multipart_get_count((GMimeMultipart *)obj);
            for (i = 0; i < n; i++)
                g_ptr_array_add(todo, g_mime_multipart_get_part(
                                          (GMimeMultipart *)obj, i));
        } else if (GMIME_IS_MESSAGE_PART(obj)) {
            GMimeMessage *inner = g_mime_message_part_get_message(
                                      (GMimeMessagePart *)obj);

            if (inner && (obj = g_mime_message_get_mime_part(inner)))
                g_ptr_array_add(todo, obj);
        } else if (GMIME_IS_PART(obj)
                   && g_mime_part_get_content((GMimePart *)obj) == NULL) {
            set_empty_content((GMimePart *)obj);
        }
    }
    g_ptr_array_free(todo, TRUE);
}

GMimeMessage *eas_mail_try_parse(const eas_blob_t *raw)
{
    GMimeStream *s = eas_stream_buf_new(raw->data, raw->len);
    GMimeParser *parser = g_mime_parser_new_with_stream(s);
    GMimeMessage *msg;

    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    g_mime_parser_set_persist_stream(parser, TRUE);
    msg = g_mime_parser_construct_message(parser, eas_mail_parser_options());
    g_object_unref(parser);
    g_object_unref(s);
    if (msg)
        fill_contentless(msg);
    return msg;
}

GMimeMessage *eas_mail_parse_message(const eas_blob_t *raw, apr_pool_t *p)
{
    GMimeMessage *msg = eas_mail_try_parse(raw);

    if (msg == NULL)
        msg = raw_as_text(raw);
    eas_mail_unref_on(p, msg);
    return msg;
}

/* ------------------------------------------------------------------ */
/* Describing attachments                                              */
/* ------------------------------------------------------------------ */

/* File names end up as file names on phones: no paths, no controls. */
static const char *clean_name(const char *s, apr_pool_t *p)
{
    char *n = apr_pstrdup(p, s), *c;

    for (c = n; *c; c++)
        if (*c == '/' || *c == '\\' || (unsigned char)*c < 0x20 || *c == 0x7F)
            *c = '_';
    return n;
}

/* "attachment.pdf" style name for a part that has none. */
static const char *default_name(GMimeContentType *ct, apr_pool_t *p)
{
    const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
    const char *type = ct ? g_mime_content_type_get_media_type(ct) : NULL;
    const char *base = type && !strcasecmp(type, "image") ? "image"
                                                          : "attachment";
    apr_size_t i;

    if (sub == NULL || !*sub || strlen(sub) > 8)
        return apr_pstrcat(p, base, ".bin", NULL);
    for (i = 0; sub[i]; i++)
        if (!apr_isalnum(sub[i]))
            return apr_pstrcat(p, base, ".bin", NULL);
    return apr_pstrcat(p, base, ".", apr_pstrdup(p, sub), NULL);
}

/* Encoded length to decoded length, roughly (line breaks counted out). */
static apr_off_t decoded_estimate(apr_off_t n, GMimeContentEncoding enc)
{
    switch (enc) {
    case GMIME_CONTENT_ENCODING_BASE64:
        return (n - n / 77) / 4 * 3;
    case GMIME_CONTENT_ENCODING_UUENCODE:
        return (n - n / 62) / 4 * 3;
    default:
        return n;
    }
}

static apr_off_t part_size(GMimeObject *obj)
{
    GMimeDataWrapper *dw;
    GMimeStream *s;
    gint64 n;

    if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *inner = g_mime_message_part_get_message(
                                  (GMimeMessagePart *)obj);
        GMimeStream *null;

        if (inner == NULL)
            return 0;
        null = g_mime_stream_null_new();
        n = g_mime_object_write_to_stream((GMimeObject *)inner, NULL, null);
        g_object_unref(null);
        return n > 0 ? n : 0;
    }
    if (!GMIME_IS_PART(obj)
        || (dw = g_mime_part_get_content((GMimePart *)obj)) == NULL
        || (s = g_mime_data_wrapper_get_stream(dw)) == NULL)
        return 0;
    n = g_mime_stream_length(s);
    return n > 0 ? decoded_estimate(n, g_mime_data_wrapper_get_encoding(dw))
                 : 0;
}

static const char *message_part_name(GMimeObject *obj, apr_pool_t *p)
{
    GMimeMessage *inner = g_mime_message_part_get_message(
                              (GMimeMessagePart *)obj);
    const char *subj = inner ? g_mime_message_get_subject(inner) : NULL;

    if (subj == NULL || !*subj)
        return "message.eml";
    return apr_pstrcat(p, subj, ".eml", NULL);
}

void eas_mail_describe(eas_mail_att_t *a, GMimeObject *obj, const char *path,
                       apr_pool_t *p)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    GMimeContentDisposition *disp = g_mime_object_get_content_disposition(obj);
    const char *name = NULL, *cid = g_mime_object_get_content_id(obj);
    char *mt = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
    char *c;

    memset(a, 0, sizeof *a);
    a->obj = obj;
    a->path = path;
    a->content_type = apr_pstrdup(p, mt ? mt : "application/octet-stream");
    g_free(mt);
    for (c = (char *)a->content_type; *c; c++)
        *c = (char)apr_tolower(*c);
    if (GMIME_IS_PART(obj)) {
        name = g_mime_part_get_filename((GMimePart *)obj);
        a->content_location = g_mime_part_get_content_location(
                                  (GMimePart *)obj);
        if (a->content_location)
            a->content_location = apr_pstrdup(p, a->content_location);
    } else if (GMIME_IS_MESSAGE_PART(obj)) {
        name = message_part_name(obj, p);
    }
    a->name = clean_name(name && *name ? name : default_name(ct, p), p);
    if (cid && *cid)
        a->content_id = apr_pstrdup(p, cid);
    a->is_inline = a->content_id != NULL
                   && !(disp && g_mime_content_disposition_is_attachment(disp));
    a->size = part_size(obj);
}

/* ------------------------------------------------------------------ */
/* Sorting the parts                                                   */
/* ------------------------------------------------------------------ */

typedef struct {
    apr_array_header_t *plain;
    apr_array_header_t *html;
} bodies_t;

static void walk(eas_mail_t *m, GMimeObject *obj, const char *path,
                 int depth, bodies_t *b);

static int is_type(GMimeObject *obj, const char *type, const char *sub)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);

    return ct != NULL && g_mime_content_type_is_type(ct, type, sub);
}

static int is_signature(GMimeObject *obj)
{
    return is_type(obj, "application", "pkcs7-signature")
           || is_type(obj, "application", "x-pkcs7-signature")
           || is_type(obj, "application", "pgp-signature");
}

static void add_attachment(eas_mail_t *m, GMimeObject *obj, const char *path)
{
    eas_mail_att_t *a = apr_array_push(m->atts);

    eas_mail_describe(a, obj, path, m->pool);
}

/* A leaf: body text, the meeting part, or an attachment. */
static void walk_leaf(eas_mail_t *m, GMimeObject *obj, const char *path,
                      bodies_t *b)
{
    GMimeContentDisposition *disp;
    int attached;

    if (GMIME_IS_MESSAGE_PART(obj)) {
        add_attachment(m, obj, path);
        return;
    }
    if (!GMIME_IS_PART(obj))
        return;
    disp = g_mime_object_get_content_disposition(obj);
    attached = (disp && g_mime_content_disposition_is_attachment(disp))
               || g_mime_part_get_filename((GMimePart *)obj) != NULL;
    /* iMIP (RFC 6047 2.4): a method names the scheduling part, attached
       or not (Apple's invitations come as invite.ics) */
    if (attached && m->calendar == NULL && is_type(obj, "text", "calendar")
        && g_mime_object_get_content_type_parameter(obj, "method"))
        m->calendar = (GMimePart *)obj;
    if (!attached) {
        if (is_type(obj, "text", "plain")) {
            *(GMimePart **)apr_array_push(b->plain) = (GMimePart *)obj;
            return;
        }
        if (is_type(obj, "text", "html")) {
            *(GMimePart **)apr_array_push(b->html) = (GMimePart *)obj;
            return;
        }
        if (is_type(obj, "text", "calendar")) {
            if (m->calendar == NULL)
                m->calendar = (GMimePart *)obj;
            return;
        }
    }
    add_attachment(m, obj, path);
}

static const char *child_path(const char *path, int i, apr_pool_t *p)
{
    return *path ? apr_psprintf(p, "%s.%d", path, i + 1)
                 : apr_psprintf(p, "%d", i + 1);
}

/*
 * multipart/alternative: each child is the same content in another form.
 * Plain text comes from the last child that has any, HTML likewise (the
 * last is the richest, RFC 2046); attachments come from every child, since
 * an HTML alternative carries its inline images.
 */
static void walk_alternative(eas_mail_t *m, GMimeMultipart *mp,
                             const char *path, int depth, bodies_t *b)
{
    int i, n = g_mime_multipart_get_count(mp);
    bodies_t pick = { NULL, NULL };

    for (i = 0; i < n; i++) {
        bodies_t sub;

        sub.plain = apr_array_make(m->pool, 1, sizeof(GMimePart *));
        sub.html = apr_array_make(m->pool, 1, sizeof(GMimePart *));
        walk(m, g_mime_multipart_get_part(mp, i), child_path(path, i, m->pool),
             depth + 1, &sub);
        if (sub.plain->nelts > 0)
            pick.plain = sub.plain;
        if (sub.html->nelts > 0)
            pick.html = sub.html;
    }
    if (pick.plain)
        apr_array_cat(b->plain, pick.plain);
    if (pick.html)
        apr_array_cat(b->html, pick.html);
}

/*
 * A multipart whose parts could not be found (no boundary parameter):
 * GMime keeps its content as the prologue, which is all there is to show.
 */
static void walk_partless(eas_mail_t *m, GMimeMultipart *mp, bodies_t *b)
{
    const char *text = g_mime_multipart_get_prologue(mp);
    GMimeTextPart *part;
    GMimeStream *s;
    GMimeDataWrapper *dw;

    if (text == NULL || !*text)
        return;
    part = g_mime_text_part_new_with_subtype("plain");
    s = g_mime_stream_mem_new_with_buffer(text, strlen(text));
    dw = g_mime_data_wrapper_new_with_stream(s, GMIME_CONTENT_ENCODING_8BIT);
    g_mime_part_set_content((GMimePart *)part, dw);
    g_object_unref(dw);
    g_object_unref(s);
    eas_mail_unref_on(m->pool, part);
    *(GMimePart **)apr_array_push(b->plain) = (GMimePart *)part;
}

static void walk_multipart(eas_mail_t *m, GMimeObject *obj, const char *path,
                           int depth, bodies_t *b)
{
    GMimeMultipart *mp = (GMimeMultipart *)obj;
    int i, n = g_mime_multipart_get_count(mp);
    int is_signed = GMIME_IS_MULTIPART_SIGNED(obj)
                    || is_type(obj, "multipart", "signed");

    if (n == 0) {
        walk_partless(m, mp, b);
        return;
    }
    if (is_type(obj, "multipart", "alternative")) {
        walk_alternative(m, mp, path, depth, b);
        return;
    }
    if (is_signed && depth == 0) {
        const char *proto = g_mime_object_get_content_type_parameter(
                                obj, "protocol");

        if (proto && strstr(proto, "pkcs7-signature"))
            m->smime = EAS_SMIME_SIGNED;
    }
    for (i = 0; i < n; i++) {
        GMimeObject *child = g_mime_multipart_get_part(mp, i);

        /* the signature is not something to show or open */
        if (is_signed && i > 0 && is_signature(child))
            continue;
        walk(m, child, child_path(path, i, m->pool), depth + 1, b);
    }
}

static void walk(eas_mail_t *m, GMimeObject *obj, const char *path,
                 int depth, bodies_t *b)
{
    if (obj == NULL || depth > EAS_MAIL_MAX_DEPTH)
        return;
    if (GMIME_IS_MULTIPART(obj)) {
        walk_multipart(m, obj, path, depth, b);
        return;
    }
    if (depth == 0 && (is_type(obj, "application", "pkcs7-mime")
                       || is_type(obj, "application", "x-pkcs7-mime")))
        m->smime = EAS_SMIME_OPAQUE;
    walk_leaf(m, obj, *path ? path : "1", b);
}

eas_mail_t *eas_mail_sort(GMimeMessage *msg, const eas_blob_t *raw,
                          apr_pool_t *p)
{
    eas_mail_t *m = apr_pcalloc(p, sizeof *m);
    bodies_t b;

    m->pool = p;
    m->raw = raw;
    m->msg = msg;
    m->plain = apr_array_make(p, 2, sizeof(GMimePart *));
    m->html = apr_array_make(p, 2, sizeof(GMimePart *));
    m->atts = apr_array_make(p, 4, sizeof(eas_mail_att_t));
    b.plain = m->plain;
    b.html = m->html;
    walk(m, g_mime_message_get_mime_part(msg), "", 0, &b);
    return m;
}

eas_mail_t *eas_mail_parse(const eas_blob_t *raw, apr_pool_t *p)
{
    return eas_mail_sort(eas_mail_parse_message(raw, p), raw, p);
}

/* ------------------------------------------------------------------ */
/* Finding a part again                                                */
/* ------------------------------------------------------------------ */

GMimeObject *eas_mail_find_part(GMimeMessage *msg, const char *path)
{
    GMimeObject *obj = g_mime_message_get_mime_part(msg);
    const char *s = path;
    int depth = 0;

    if (obj == NULL || path == NULL || !*path)
        return NULL;
    if (!GMIME_IS_MULTIPART(obj))
        return strcmp(path, "1") == 0 ? obj : NULL;
    while (*s) {
        long idx = 0;
        int digits = 0;

        if (!GMIME_IS_MULTIPART(obj) || ++depth > EAS_MAIL_MAX_DEPTH + 1)
            return NULL;
        while (apr_isdigit(*s) && idx <= 100000) {
            idx = idx * 10 + (*s++ - '0');
            digits++;
        }
        if (digits == 0 || idx < 1
            || idx > g_mime_multipart_get_count((GMimeMultipart *)obj))
            return NULL;
        obj = g_mime_multipart_get_part((GMimeMultipart *)obj, (int)idx - 1);
        if (*s == '.' && s[1])
            s++;
        else if (*s)
            return NULL;
    }
    return GMIME_IS_MULTIPART(obj) ? NULL : obj;
}

/* ------------------------------------------------------------------ */
/* Content                                                             */
/* ------------------------------------------------------------------ */

eas_text_t eas_mail_part_bytes(GMimeObject *obj, apr_pool_t *p)
{
    GMimeStream *mem = g_mime_stream_mem_new();
    GByteArray *arr;

    if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *inner = g_mime_message_part_get_message(
                                  (GMimeMessagePart *)obj);

        if (inner)
            g_mime_object_write_to_stream((GMimeObject *)inner, NULL, mem);
    } else if (GMIME_IS_PART(obj)) {
        GMimeDataWrapper *dw = g_mime_part_get_content((GMimePart *)obj);

        if (dw)
            g_mime_data_wrapper_write_to_stream(dw, mem);
    }
    arr = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)mem);
    g_mime_stream_mem_set_owner((GMimeStreamMem *)mem, FALSE);
    g_object_unref(mem);
    return eas_mail_take_bytes(p, arr);
}

static apr_status_t gfree_cleanup(void *data)
{
    g_free(data);
    return APR_SUCCESS;
}

/* Text that claims no charset (or ASCII) but has 8-bit bytes. */
static eas_text_t guess_8bit(eas_text_t t, apr_pool_t *p)
{
    static const char *const guesses[] = { "WINDOWS-1252", "ISO-8859-1" };
    gsize n;
    gchar *s;
    int i;

    for (i = 0; i < 2; i++) {
        s = g_convert(t.data, (gssize)t.len, "UTF-8", guesses[i], NULL, &n,
                      NULL);
        if (s != NULL) {
            apr_pool_cleanup_register(p, s, gfree_cleanup,
                                      apr_pool_cleanup_null);
            t.data = s;
            t.len = n;
            break;
        }
    }
    return t;
}

/*
 * The charset to convert from, or NULL when the bytes are to be taken as
 * they are (UTF-8, ASCII, none given).  ISO-8859-1 is read as its superset
 * Windows-1252, as mail programs and browsers do.
 */
static const char *source_charset(GMimeObject *obj)
{
    const char *cs = g_mime_object_get_content_type_parameter(obj, "charset");
    const char *canon;

    if (cs == NULL || !*cs)
        return NULL;
    canon = g_mime_charset_canon_name(cs);
    if (canon == NULL || !g_ascii_strcasecmp(canon, "utf-8")
        || !g_ascii_strcasecmp(canon, "us-ascii")
        || !g_ascii_strcasecmp(canon, "ascii"))
        return NULL;
    if (!g_ascii_strcasecmp(canon, "iso-8859-1"))
        return "windows-1252";
    return canon;
}

eas_text_t eas_mail_part_text(GMimePart *part, apr_pool_t *p)
{
    GMimeObject *obj = (GMimeObject *)part;
    GMimeDataWrapper *dw = g_mime_part_get_content(part);
    const char *cs = source_charset(obj);
    GMimeStream *mem = g_mime_stream_mem_new(), *out = mem;
    GMimeFilter *f = cs ? g_mime_filter_charset_new(cs, "UTF-8") : NULL;
    const char *declared;
    eas_text_t t;
    GByteArray *arr;

    if (f != NULL) {
        out = g_mime_stream_filter_new(mem);
        g_mime_stream_filter_add((GMimeStreamFilter *)out, f);
        g_object_unref(f);
    }
    if (dw)
        g_mime_data_wrapper_write_to_stream(dw, out);
    if (out != mem) {
        g_mime_stream_flush(out);
        g_object_unref(out);
    }
    arr = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)mem);
    g_mime_stream_mem_set_owner((GMimeStreamMem *)mem, FALSE);
    g_object_unref(mem);
    t = eas_mail_take_bytes(p, arr);
    declared = g_mime_object_get_content_type_parameter(obj, "charset");
    /* undeclared 8-bit text: guess, rather than show replacement marks */
    if (f == NULL && t.len > 0
        && !(declared && !g_ascii_strncasecmp(declared, "utf", 3))
        && !eas_utf8_valid(t.data, t.len))
        t = guess_8bit(t, p);
    return t;
}
