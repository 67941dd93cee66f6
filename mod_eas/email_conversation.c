/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Conversations (MS-ASCON): ConversationId, ConversationIndex, ThreadTopic.
 *
 * ConversationId must be the same for every message of a thread, whatever
 * program wrote each one.  The thread's root Message-ID is the one thing
 * they all carry (first entry of References, else In-Reply-To, else the
 * message's own Message-ID), so the id is the MD5 of that: 16 bytes, stable
 * across syncs and devices.  Only a message without any of those headers
 * falls back to the GUID of an Outlook Thread-Index, then to its topic.
 *
 * ConversationIndex is Thread-Index without its GUID (5 bytes of time, then
 * 5 bytes per reply level) when the message has one, else 5 bytes from the
 * message's date: the high 40 bits of its FILETIME, big-endian.
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>

#include "email_internal.h"

#define TI_HEADER 22            /* Thread-Index: 1 + 5 time + 16 GUID */
#define TI_LEVEL  5

static const char *thread_root(GMimeMessage *msg, apr_pool_t *p)
{
    GMimeObject *obj = (GMimeObject *)msg;
    const char *hdr, *id = NULL;
    GMimeReferences *refs = NULL;

    if ((hdr = g_mime_object_get_header(obj, "References")) != NULL)
        refs = g_mime_references_parse(eas_mail_parser_options(), hdr);
    if ((refs == NULL || g_mime_references_length(refs) == 0)
        && (hdr = g_mime_object_get_header(obj, "In-Reply-To")) != NULL) {
        if (refs)
            g_mime_references_free(refs);
        refs = g_mime_references_parse(eas_mail_parser_options(), hdr);
    }
    if (refs && g_mime_references_length(refs) > 0)
        id = apr_pstrdup(p, g_mime_references_get_message_id(refs, 0));
    if (refs)
        g_mime_references_free(refs);
    if (id == NULL && (hdr = g_mime_message_get_message_id(msg)) != NULL
        && *hdr)
        id = apr_pstrdup(p, hdr);
    return id;
}

static eas_text_t md5_of(const char *s, apr_pool_t *p)
{
    GChecksum *ck = g_checksum_new(G_CHECKSUM_MD5);
    guint8 *d = apr_palloc(p, 16);
    gsize n = 16;
    eas_text_t r;

    g_checksum_update(ck, (const guchar *)s, (gssize)strlen(s));
    g_checksum_get_digest(ck, d, &n);
    g_checksum_free(ck);
    r.data = (const char *)d;
    r.len = n;
    return r;
}

/* The decoded Thread-Index header, if it has at least its fixed part. */
static int thread_index(GMimeMessage *msg, guchar **ti, gsize *len)
{
    const char *hdr = g_mime_object_get_header((GMimeObject *)msg,
                                               "Thread-Index");
    char *copy;

    *ti = NULL;
    *len = 0;
    if (hdr == NULL)
        return 0;
    copy = g_strdup(hdr);
    g_strstrip(copy);
    *ti = g_base64_decode(copy, len);
    g_free(copy);
    if (*ti != NULL && *len >= TI_HEADER)
        return 1;
    g_free(*ti);
    *ti = NULL;
    return 0;
}

static eas_text_t date_index(apr_time_t date, apr_pool_t *p)
{
    /* FILETIME: 100 ns ticks since 1601-01-01 */
    guint64 ft = ((guint64)apr_time_sec(date) + G_GUINT64_CONSTANT(11644473600))
                 * 10000000u + (guint64)apr_time_usec(date) * 10u;
    unsigned char *b = apr_palloc(p, 5);
    eas_text_t r;
    int i;

    for (i = 0; i < 5; i++)
        b[i] = (unsigned char)(ft >> (56 - 8 * i));
    r.data = (const char *)b;
    r.len = 5;
    return r;
}

void eas_mail_conversation(eas_mail_t *m, apr_time_t date,
                           eas_text_t *id, eas_text_t *index)
{
    const char *root = thread_root(m->msg, m->pool);
    guchar *ti;
    gsize len;
    int have_ti = thread_index(m->msg, &ti, &len);

    if (have_ti) {
        gsize levels = (len - TI_HEADER) / TI_LEVEL;
        char *b = apr_palloc(m->pool, 5 + levels * TI_LEVEL);

        memcpy(b, ti + 1, 5);
        memcpy(b + 5, ti + TI_HEADER, levels * TI_LEVEL);
        index->data = b;
        index->len = 5 + levels * TI_LEVEL;
    } else {
        *index = date_index(date, m->pool);
    }
    if (root != NULL) {
        *id = md5_of(root, m->pool);
    } else if (have_ti) {
        id->data = apr_pmemdup(m->pool, ti + 6, 16);
        id->len = 16;
    } else {
        *id = md5_of(eas_mail_thread_topic(m), m->pool);
    }
    g_free(ti);
}

/* Length of a reply/forward marker at s ("Re:", "AW:", "Fwd[2]:"), or 0. */
static apr_size_t prefix_len(const char *s)
{
    static const char *const words[] = {
        "re", "fwd", "fw", "aw", "wg", "sv", "vs", "tr", "rv", "antw", NULL
    };
    int i;

    for (i = 0; words[i]; i++) {
        apr_size_t n = strlen(words[i]);
        const char *q = s + n;

        if (strncasecmp(s, words[i], n) != 0)
            continue;
        if (*q == '[') {
            while (apr_isdigit(*++q))
                ;
            if (*q++ != ']')
                continue;
        }
        if (*q == ':')
            return (apr_size_t)(q + 1 - s);
    }
    return 0;
}

const char *eas_mail_thread_topic(eas_mail_t *m)
{
    const char *t = g_mime_object_get_header((GMimeObject *)m->msg,
                                             "Thread-Topic");
    apr_size_t n;

    if (t != NULL) {
        char *d = g_mime_utils_header_decode_text(eas_mail_parser_options(), t);
        const char *r = apr_pstrdup(m->pool, g_strstrip(d));

        g_free(d);
        if (*r)
            return r;
    }
    t = g_mime_message_get_subject(m->msg);
    if (t == NULL)
        return "";
    for (;;) {
        while (*t == ' ' || *t == '\t')
            t++;
        if ((n = prefix_len(t)) == 0)
            break;
        t += n;
    }
    return apr_pstrdup(m->pool, t);
}
