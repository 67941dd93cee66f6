/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Outgoing messages: what SendMail, SmartReply and SmartForward send.
 *
 * The client's MIME is the starting point.  The server's part: the sender
 * is the user (a phone may not send as someone else), the envelope comes
 * from To/Cc/Bcc and Bcc leaves the header, Date and Message-ID exist, and
 * for Smart* the original message's text (and, forwarding, its
 * attachments) is added unless the client sent ReplaceMime.
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_hash.h>
#include <apr_lib.h>

#include "email_internal.h"

#define QUOTE_SEP "-----Original Message-----"

/* ------------------------------------------------------------------ */
/* Addresses                                                           */
/* ------------------------------------------------------------------ */

typedef struct {
    apr_array_header_t *list;
    apr_hash_t *seen;
    const char *bad;            /* first unusable address */
} rcpts_t;

static void collect(rcpts_t *r, InternetAddressList *l, int depth)
{
    int i, n = l ? internet_address_list_length(l) : 0;
    apr_pool_t *p = r->list->pool;

    for (i = 0; i < n; i++) {
        InternetAddress *ia = internet_address_list_get_address(l, i);
        const char *addr;
        char *key, *c;

        if (INTERNET_ADDRESS_IS_GROUP(ia)) {
            if (depth < 2)
                collect(r, internet_address_group_get_members(
                               (InternetAddressGroup *)ia), depth + 1);
            continue;
        }
        addr = internet_address_mailbox_get_addr((InternetAddressMailbox *)ia);
        if (!eas_mail_addr_ok(addr)) {
            if (r->bad == NULL)
                r->bad = apr_pstrdup(p, addr ? addr : "");
            continue;
        }
        key = apr_pstrdup(p, addr);
        for (c = key; *c; c++)
            *c = (char)apr_tolower(*c);
        if (apr_hash_get(r->seen, key, APR_HASH_KEY_STRING))
            continue;
        apr_hash_set(r->seen, key, APR_HASH_KEY_STRING, key);
        *(const char **)apr_array_push(r->list) = apr_pstrdup(p, addr);
    }
}

/* The user is the sender: keep the client's From only if it is them. */
static void enforce_from(GMimeMessage *msg, const eas_compose_t *c)
{
    InternetAddressList *from = g_mime_message_get_from(msg);
    InternetAddress *ia = internet_address_list_length(from) == 1
                          ? internet_address_list_get_address(from, 0) : NULL;
    const char *name;

    if (ia && INTERNET_ADDRESS_IS_MAILBOX(ia)
        && !strcasecmp(internet_address_mailbox_get_addr(
                           (InternetAddressMailbox *)ia), c->from_addr)) {
        name = internet_address_get_name(ia);
        if ((name == NULL || !*name) && c->from_name && *c->from_name)
            internet_address_set_name(ia, c->from_name);
    } else {
        internet_address_list_clear(from);
        g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM,
                                   c->from_name ? c->from_name : "",
                                   c->from_addr);
    }
    g_mime_object_remove_header((GMimeObject *)msg, "Sender");
}

/* ------------------------------------------------------------------ */
/* Date, Message-ID, threading                                         */
/* ------------------------------------------------------------------ */

static void ensure_date(GMimeMessage *msg, apr_time_t now)
{
    GDateTime *d;

    if (g_mime_object_get_header((GMimeObject *)msg, "Date") != NULL
        && g_mime_message_get_date(msg) != NULL)
        return;
    d = g_date_time_new_from_unix_utc(apr_time_sec(now ? now
                                                       : apr_time_now()));
    g_mime_message_set_date(msg, d);
    g_date_time_unref(d);
}

static const char *ensure_message_id(GMimeMessage *msg, const char *from,
                                     apr_pool_t *p)
{
    const char *id = g_mime_message_get_message_id(msg);
    const char *at = strrchr(from, '@');
    unsigned char rnd[12];
    char hex[25];
    int i;

    if (id != NULL && *id)
        return apr_pstrcat(p, "<", id, ">", NULL);
    if (apr_generate_random_bytes(rnd, sizeof rnd) != APR_SUCCESS)
        for (i = 0; i < (int)sizeof rnd; i++)
            rnd[i] = (unsigned char)g_random_int();
    for (i = 0; i < (int)sizeof rnd; i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    id = apr_psprintf(p, "%s.%" APR_TIME_T_FMT "@%s", hex,
                      apr_time_sec(apr_time_now()),
                      at && at[1] ? at + 1 : "localhost");
    g_mime_message_set_message_id(msg, id);
    return apr_pstrcat(p, "<", id, ">", NULL);
}

/* In-Reply-To (replies) and References, unless the client set them. */
static void set_threading(GMimeMessage *msg, GMimeMessage *orig, int reply,
                          apr_pool_t *p)
{
    GMimeObject *obj = (GMimeObject *)msg;
    const char *oid = g_mime_message_get_message_id(orig);
    const char *refs;
    GMimeReferences *list;
    int i, n;

    if (oid == NULL || !*oid)
        return;
    if (reply && g_mime_object_get_header(obj, "In-Reply-To") == NULL)
        g_mime_object_set_header(obj, "In-Reply-To",
                                 apr_pstrcat(p, "<", oid, ">", NULL), NULL);
    if (g_mime_object_get_header(obj, "References") != NULL)
        return;
    refs = g_mime_object_get_header((GMimeObject *)orig, "References");
    if (refs == NULL)
        refs = g_mime_object_get_header((GMimeObject *)orig, "In-Reply-To");
    list = g_mime_references_parse(eas_mail_parser_options(), refs ? refs : "");
    n = list ? g_mime_references_length(list) : 0;
    refs = "";
    for (i = 0; i < n; i++)
        refs = apr_pstrcat(p, refs, "<",
                           g_mime_references_get_message_id(list, i), "> ",
                           NULL);
    if (list)
        g_mime_references_free(list);
    g_mime_object_set_header(obj, "References",
                             apr_pstrcat(p, refs, "<", oid, ">", NULL), NULL);
}

/* ------------------------------------------------------------------ */
/* The original's text under the new text                              */
/* ------------------------------------------------------------------ */

/* "From: ...", "Sent: ...", "To: ...", "Cc: ...", "Subject: ..." */
static apr_array_header_t *orig_header_lines(GMimeMessage *orig,
                                             apr_pool_t *p)
{
    apr_array_header_t *l = apr_array_make(p, 5, sizeof(const char *));
    struct { const char *label; InternetAddressList *list; } a[3];
    GDateTime *d = g_mime_message_get_date(orig);
    const char *subj = g_mime_message_get_subject(orig);
    int i;

    a[0].label = "From: ";
    a[0].list = g_mime_message_get_from(orig);
    a[1].label = "To: ";
    a[1].list = g_mime_message_get_to(orig);
    a[2].label = "Cc: ";
    a[2].list = g_mime_message_get_cc(orig);
    for (i = 0; i < 3; i++) {
        char *s;

        if (internet_address_list_length(a[i].list) == 0)
            continue;
        s = internet_address_list_to_string(a[i].list, NULL, FALSE);
        *(const char **)apr_array_push(l) = apr_pstrcat(p, a[i].label, s,
                                                        NULL);
        g_free(s);
        if (i == 0 && d != NULL) {
            char *ds = g_mime_utils_header_format_date(d);

            *(const char **)apr_array_push(l) = apr_pstrcat(p, "Sent: ", ds,
                                                            NULL);
            g_free(ds);
        }
    }
    *(const char **)apr_array_push(l) = apr_pstrcat(p, "Subject: ",
                                                    subj ? subj : "", NULL);
    return l;
}

/* Every line of t prefixed with "> " (">" for empty lines). */
static const char *quote_lines(eas_text_t t, apr_pool_t *p)
{
    apr_size_t i, lines = 1;
    char *out, *o;

    for (i = 0; i < t.len; i++)
        lines += t.data[i] == '\n';
    o = out = apr_palloc(p, t.len + lines * 2 + 1);
    *o++ = '>';
    if (t.len > 0 && t.data[0] != '\n')
        *o++ = ' ';
    for (i = 0; i < t.len; i++) {
        *o++ = t.data[i];
        if (t.data[i] == '\n' && i + 1 < t.len) {
            *o++ = '>';
            if (t.data[i + 1] != '\n' && t.data[i + 1] != '\r')
                *o++ = ' ';
        }
    }
    *o = '\0';
    return out;
}

static const char *plain_block(eas_mail_t *orig, apr_array_header_t *hdr,
                               int reply, apr_pool_t *p)
{
    eas_text_t text = eas_mail_plain(orig);
    int i;
    const char *s = "\n\n" QUOTE_SEP "\n";

    for (i = 0; i < hdr->nelts; i++)
        s = apr_pstrcat(p, s, APR_ARRAY_IDX(hdr, i, const char *), "\n",
                        NULL);
    return apr_pstrcat(p, s, "\n", reply ? quote_lines(text, p)
                       : apr_pstrmemdup(p, text.data, text.len), "\n", NULL);
}

/* Case-insensitive search for needle in s[0..len), last occurrence. */
static const char *rfind_ci(const char *s, apr_size_t len, const char *needle)
{
    apr_size_t n = strlen(needle), i;

    if (len < n)
        return NULL;
    for (i = len - n + 1; i-- > 0;)
        if (!strncasecmp(s + i, needle, n))
            return s + i;
    return NULL;
}

/* What is between <body ...> and </body>, or the whole text. */
static eas_text_t body_inner(eas_text_t h)
{
    const char *b = rfind_ci(h.data, h.len, "<body");
    const char *e;

    if (b != NULL && (b = memchr(b, '>', h.len - (apr_size_t)(b - h.data)))) {
        b++;
        e = rfind_ci(b, h.len - (apr_size_t)(b - h.data), "</body");
        h.len = (e ? (apr_size_t)(e - b) : h.len - (apr_size_t)(b - h.data));
        h.data = b;
    }
    return h;
}

static const char *html_block(eas_mail_t *orig, apr_array_header_t *hdr,
                              int reply, apr_pool_t *p)
{
    eas_text_t inner = body_inner(eas_mail_html(orig));
    const char *s = "<hr><div>";
    int i;

    for (i = 0; i < hdr->nelts; i++) {
        const char *l = APR_ARRAY_IDX(hdr, i, const char *);

        s = apr_pstrcat(p, s, eas_html_escape(l, strlen(l), p), "<br>", NULL);
    }
    return apr_pstrcat(p, s, "</div>",
                       reply ? "<blockquote style=\"margin:0 0 0 .8ex;"
                               "border-left:1px solid #ccc;padding-left:1ex\">"
                             : "<div>",
                       apr_pstrmemdup(p, inner.data, inner.len),
                       reply ? "</blockquote>" : "</div>", NULL);
}

/* Replace a text part's content with UTF-8 text, suitably encoded. */
static void set_part_text(GMimePart *part, const char *text)
{
    g_mime_text_part_set_text((GMimeTextPart *)part, text);
    g_mime_part_set_content_encoding(part, g_mime_part_get_best_content_encoding(
                                               part, GMIME_ENCODING_CONSTRAINT_7BIT));
}

static GMimePart *new_text_part(const char *subtype, const char *text)
{
    GMimeTextPart *t = g_mime_text_part_new_with_subtype(subtype);

    set_part_text((GMimePart *)t, text);
    return (GMimePart *)t;
}

/* Put part first in the message, in a multipart/mixed if need be. */
static void prepend_part(GMimeMessage *msg, GMimeObject *part)
{
    GMimeObject *top = g_mime_message_get_mime_part(msg);
    GMimeMultipart *mixed;

    if (top == NULL) {
        g_mime_message_set_mime_part(msg, part);
        return;
    }
    if (GMIME_IS_MULTIPART(top)
        && g_mime_content_type_is_type(g_mime_object_get_content_type(top),
                                       "multipart", "mixed")) {
        g_mime_multipart_insert((GMimeMultipart *)top, 0, part);
        return;
    }
    mixed = g_mime_multipart_new_with_subtype("mixed");
    g_mime_multipart_add(mixed, part);
    g_mime_multipart_add(mixed, top);
    g_mime_message_set_mime_part(msg, (GMimeObject *)mixed);
    g_object_unref(mixed);
}

static void add_original_text(eas_mail_t *nm, eas_mail_t *orig, int reply,
                              apr_pool_t *p)
{
    apr_array_header_t *hdr = orig_header_lines(orig->msg, p);
    int done = 0;

    if (nm->plain->nelts > 0) {
        GMimePart *part = APR_ARRAY_IDX(nm->plain, nm->plain->nelts - 1,
                                        GMimePart *);

        if (GMIME_IS_TEXT_PART(part)) {
            eas_text_t t = eas_mail_part_text(part, p);

            set_part_text(part, apr_pstrcat(p, apr_pstrmemdup(p, t.data, t.len),
                                            plain_block(orig, hdr, reply, p),
                                            NULL));
            done = 1;
        }
    }
    if (nm->html->nelts > 0) {
        GMimePart *part = APR_ARRAY_IDX(nm->html, nm->html->nelts - 1,
                                        GMimePart *);

        if (GMIME_IS_TEXT_PART(part)) {
            eas_text_t t = eas_mail_part_text(part, p);
            const char *end = rfind_ci(t.data, t.len, "</body");
            apr_size_t at = end ? (apr_size_t)(end - t.data) : t.len;

            set_part_text(part, apr_pstrcat(p, apr_pstrmemdup(p, t.data, at),
                                            html_block(orig, hdr, reply, p),
                                            apr_pstrmemdup(p, t.data + at,
                                                           t.len - at),
                                            NULL));
            done = 1;
        }
    }
    if (!done) {
        GMimePart *part = new_text_part("plain",
                                        plain_block(orig, hdr, reply, p) + 2);

        prepend_part(nm->msg, (GMimeObject *)part);
        g_object_unref(part);
    }
}

/* SmartForward: the original's attachments go along. */
static void add_original_attachments(GMimeMessage *msg, eas_mail_t *orig)
{
    GMimeObject *top = g_mime_message_get_mime_part(msg);
    GMimeMultipart *mixed;
    int i;

    if (orig->atts->nelts == 0)
        return;
    if (top && GMIME_IS_MULTIPART(top)
        && g_mime_content_type_is_type(g_mime_object_get_content_type(top),
                                       "multipart", "mixed")) {
        mixed = (GMimeMultipart *)top;
    } else {
        mixed = g_mime_multipart_new_with_subtype("mixed");
        if (top)
            g_mime_multipart_add(mixed, top);
        g_mime_message_set_mime_part(msg, (GMimeObject *)mixed);
        g_object_unref(mixed);
    }
    for (i = 0; i < orig->atts->nelts; i++)
        g_mime_multipart_add(mixed, APR_ARRAY_IDX(orig->atts, i,
                                                  eas_mail_att_t).obj);
}

/* ------------------------------------------------------------------ */
/* Putting it together                                                 */
/* ------------------------------------------------------------------ */

/* The message with LF line ends, in memory the pool owns. */
eas_text_t eas_mail_serialize(GMimeMessage *msg, apr_pool_t *p)
{
    GMimeStream *mem = g_mime_stream_mem_new();
    GMimeStream *f = g_mime_stream_filter_new(mem);
    GMimeFilter *lf = g_mime_filter_dos2unix_new(TRUE);
    GByteArray *arr;

    g_mime_stream_filter_add((GMimeStreamFilter *)f, lf);
    g_object_unref(lf);
    g_mime_object_write_to_stream((GMimeObject *)msg, NULL, f);
    g_mime_stream_flush(f);
    g_object_unref(f);
    arr = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)mem);
    g_mime_stream_mem_set_owner((GMimeStreamMem *)mem, FALSE);
    g_object_unref(mem);
    return eas_mail_take_bytes(p, arr);
}

static apr_status_t fail(const char **err, const char *why, apr_status_t rv)
{
    if (err)
        *err = why;
    return rv;
}

static apr_status_t envelope(GMimeMessage *msg, eas_composed_t *out,
                             apr_pool_t *p, const char **err)
{
    rcpts_t r;

    r.list = apr_array_make(p, 4, sizeof(const char *));
    r.seen = apr_hash_make(p);
    r.bad = NULL;
    collect(&r, g_mime_message_get_to(msg), 0);
    collect(&r, g_mime_message_get_cc(msg), 0);
    collect(&r, g_mime_message_get_bcc(msg), 0);
    if (r.bad != NULL)
        return fail(err, apr_psprintf(p, "unusable recipient address \"%s\"",
                                      r.bad), EAS_EMAIL_EBADRCPT);
    if (r.list->nelts == 0)
        return fail(err, "the message has no recipients", EAS_EMAIL_EBADRCPT);
    g_mime_object_remove_header((GMimeObject *)msg, "Bcc");
    out->rcpts = r.list;
    return APR_SUCCESS;
}

apr_status_t eas_email_compose(const eas_compose_t *c, eas_composed_t *out,
                               apr_pool_t *p, const char **err)
{
    apr_pool_t *sp;
    GMimeMessage *msg;
    eas_mail_t *nm;
    eas_text_t bytes;
    apr_status_t rv;

    if (c == NULL || out == NULL || c->mime == NULL
        || (c->mime->data == NULL && c->mime->len > 0))
        return fail(err, "no message", APR_EINVAL);
    if (!eas_mail_addr_ok(c->from_addr))
        return fail(err, "the user has no usable email address", APR_EINVAL);
    memset(out, 0, sizeof *out);
    apr_pool_create(&sp, p);
    if (c->mime->len == 0 || (msg = eas_mail_try_parse(c->mime)) == NULL) {
        apr_pool_destroy(sp);
        return fail(err, "the client's data is not a MIME message",
                    APR_EINVAL);
    }
    eas_mail_unref_on(sp, msg);
    if ((rv = envelope(msg, out, p, err)) != APR_SUCCESS) {
        apr_pool_destroy(sp);
        return rv;
    }
    enforce_from(msg, c);
    ensure_date(msg, c->now);
    out->message_id = ensure_message_id(msg, c->from_addr, p);
    out->from = apr_pstrdup(p, c->from_addr);
    if (c->mode != EAS_COMPOSE_NEW && c->original != NULL) {
        eas_mail_t *orig = eas_mail_parse(c->original, sp);
        int reply = c->mode == EAS_COMPOSE_REPLY;

        set_threading(msg, orig->msg, reply, sp);
        if (!c->replace_mime) {
            nm = eas_mail_sort(msg, c->mime, sp);
            add_original_text(nm, orig, reply, sp);
            if (!reply)
                add_original_attachments(msg, orig);
        }
    }
    bytes = eas_mail_serialize(msg, p);
    out->message.data = bytes.data;
    out->message.len = bytes.len;
    apr_pool_destroy(sp);
    return APR_SUCCESS;
}
