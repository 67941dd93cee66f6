/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scheduling messages (iMIP, RFC 6047 2.4 and 3): the invitations,
 * cancellations and replies the server sends for the user, built with
 * GMime as a multipart/alternative of a short text and the text/calendar
 * part with its method, then composed like any new message the user
 * sends (email_compose.c), so that From, Date, Message-ID and the
 * envelope follow the same rules.
 */
#include <string.h>

#include <apr_strings.h>

#include "email_internal.h"

static GMimeObject *text_part(const char *text)
{
    GMimeTextPart *t = g_mime_text_part_new_with_subtype("plain");

    g_mime_text_part_set_text(t, text ? text : "");
    g_mime_part_set_content_encoding((GMimePart *)t,
        g_mime_part_get_best_content_encoding((GMimePart *)t,
                                              GMIME_ENCODING_CONSTRAINT_7BIT));
    return (GMimeObject *)t;
}

static GMimeObject *calendar_part(const eas_imip_t *m)
{
    GMimeTextPart *t = g_mime_text_part_new_with_subtype("calendar");
    GMimeStream *s = g_mime_stream_mem_new_with_buffer(m->ical->data,
                                                       m->ical->len);
    GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(
        s, GMIME_CONTENT_ENCODING_DEFAULT);

    g_mime_part_set_content((GMimePart *)t, w);
    g_object_unref(w);
    g_object_unref(s);
    g_mime_object_set_content_type_parameter((GMimeObject *)t, "charset",
                                             "utf-8");
    g_mime_object_set_content_type_parameter((GMimeObject *)t, "method",
                                             m->method);
    g_mime_part_set_content_encoding((GMimePart *)t,
                                     GMIME_CONTENT_ENCODING_BASE64);
    return (GMimeObject *)t;
}

static GMimeMessage *build(const eas_imip_t *m)
{
    GMimeMessage *msg = g_mime_message_new(TRUE);
    GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
    GMimeObject *part;
    int i;

    g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, m->from_name,
                               m->from_addr);
    for (i = 0; i < m->to->nelts; i++)
        g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, NULL,
                                   APR_ARRAY_IDX(m->to, i, const char *));
    g_mime_message_set_subject(msg, m->subject ? m->subject : "", "utf-8");
    part = text_part(m->text);
    g_mime_multipart_add(alt, part);
    g_object_unref(part);
    part = calendar_part(m);
    g_mime_multipart_add(alt, part);
    g_object_unref(part);
    g_mime_message_set_mime_part(msg, (GMimeObject *)alt);
    g_object_unref(alt);
    return msg;
}

apr_status_t eas_email_imip(const eas_imip_t *m, eas_composed_t *out,
                            apr_pool_t *p, const char **err)
{
    GMimeMessage *msg;
    eas_text_t bytes;
    eas_blob_t raw;
    eas_compose_t c;

    if (!m || !m->from_addr || !m->to || !m->to->nelts || !m->method
        || !m->ical || !m->ical->data) {
        if (err)
            *err = "nothing to send";
        return APR_EINVAL;
    }
    msg = build(m);
    bytes = eas_mail_serialize(msg, p);
    g_object_unref(msg);
    raw.data = bytes.data;
    raw.len = bytes.len;
    memset(&c, 0, sizeof c);
    c.mode = EAS_COMPOSE_NEW;
    c.mime = &raw;
    c.from_addr = m->from_addr;
    c.from_name = m->from_name;
    c.now = m->now;
    return eas_email_compose(&c, out, p, err);
}
