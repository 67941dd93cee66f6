/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One message as ActiveSync Email properties (MS-ASEMAIL) with its body
 * and attachments in AirSyncBase (MS-ASAIRS), for protocol 12.0 to 14.1.
 *
 * Each call parses the message once in a subpool and frees everything
 * before returning: a Sync response with a hundred large messages holds at
 * most one parsed message at a time.  The encoder copies what it keeps.
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>

#include "email_internal.h"
#include "pim_meeting.h"

#define FLAG_TYPE "Flag for follow up"
#define CPID_UTF8 65001
#define PREVIEW_MAX 255

/* ------------------------------------------------------------------ */
/* Header values                                                       */
/* ------------------------------------------------------------------ */

static void put_str(eas_wbxml_enc_t *enc, eas_tag_t tag, const char *s)
{
    if (s != NULL && *s)
        eas_enc_str(enc, tag, s);
}

/* Addresses as text ("Name" <addr>), joined with sep; NULL if none. */
static const char *addr_list(InternetAddressList *l, const char *sep,
                             apr_pool_t *p)
{
    int i, n = l ? internet_address_list_length(l) : 0;
    const char *out = NULL;

    for (i = 0; i < n; i++) {
        InternetAddress *ia = internet_address_list_get_address(l, i);
        char *s = internet_address_to_string(ia, NULL, FALSE);

        if (s && *s)
            out = out ? apr_pstrcat(p, out, sep, s, NULL) : apr_pstrdup(p, s);
        g_free(s);
    }
    return out;
}

/* Display names (or addresses, for mailboxes without one) of a list. */
static void display_names(InternetAddressList *l, apr_array_header_t *out,
                          int depth)
{
    int i, n = l ? internet_address_list_length(l) : 0;

    for (i = 0; i < n; i++) {
        InternetAddress *ia = internet_address_list_get_address(l, i);
        const char *name = internet_address_get_name(ia);

        if (INTERNET_ADDRESS_IS_GROUP(ia) && depth < 2) {
            display_names(internet_address_group_get_members(
                              (InternetAddressGroup *)ia), out, depth + 1);
            continue;
        }
        if ((name == NULL || !*name) && INTERNET_ADDRESS_IS_MAILBOX(ia))
            name = internet_address_mailbox_get_addr(
                       (InternetAddressMailbox *)ia);
        if (name && *name)
            *(const char **)apr_array_push(out) = apr_pstrdup(out->pool, name);
    }
}

static const char *display_to(GMimeMessage *msg, apr_pool_t *p)
{
    apr_array_header_t *names = apr_array_make(p, 4, sizeof(const char *));
    const char *out = NULL;
    int i;

    display_names(g_mime_message_get_to(msg), names, 0);
    for (i = 0; i < names->nelts; i++)
        out = out ? apr_pstrcat(p, out, "; ",
                                APR_ARRAY_IDX(names, i, const char *), NULL)
                  : APR_ARRAY_IDX(names, i, const char *);
    return out;
}

/* 0 low, 1 normal, 2 high, from Importance, X-Priority or Priority. */
static int importance(GMimeObject *obj)
{
    const char *h;

    if ((h = g_mime_object_get_header(obj, "Importance")) != NULL) {
        while (apr_isspace(*h))
            h++;
        if (!strncasecmp(h, "high", 4))
            return 2;
        if (!strncasecmp(h, "low", 3))
            return 0;
        return 1;
    }
    if ((h = g_mime_object_get_header(obj, "X-Priority")) != NULL) {
        while (apr_isspace(*h))
            h++;
        if (*h == '1' || *h == '2')
            return 2;
        if (*h == '4' || *h == '5')
            return 0;
        return 1;
    }
    if ((h = g_mime_object_get_header(obj, "Priority")) != NULL) {
        while (apr_isspace(*h))
            h++;
        if (!strncasecmp(h, "urgent", 6))
            return 2;
        if (!strncasecmp(h, "non-urgent", 10))
            return 0;
    }
    return 1;
}

apr_time_t eas_mail_date(GMimeMessage *msg, apr_time_t fallback)
{
    GDateTime *d = g_mime_message_get_date(msg);

    if (d != NULL)
        return apr_time_from_sec(g_date_time_to_unix(d));
    return fallback ? fallback : apr_time_now();
}

static const char *format_date(apr_time_t t, apr_pool_t *p)
{
    apr_time_exp_t tm;

    if (apr_time_exp_gmt(&tm, t) != APR_SUCCESS)
        apr_time_exp_gmt(&tm, 0);
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02d.000Z",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                        tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ------------------------------------------------------------------ */
/* Message class                                                       */
/* ------------------------------------------------------------------ */

/* Value of the first line "NAME:value" or "NAME;...:value" in text. */
static const char *ical_prop(eas_text_t t, const char *name, apr_pool_t *p)
{
    const char *s = t.data, *end = t.data + t.len;
    apr_size_t n = strlen(name);

    while (s < end) {
        const char *eol = memchr(s, '\n', (apr_size_t)(end - s));

        if (eol == NULL)
            eol = end;
        if ((apr_size_t)(eol - s) > n && !strncasecmp(s, name, n)
            && (s[n] == ':' || s[n] == ';')) {
            const char *v = memchr(s, ':', (apr_size_t)(eol - s));
            const char *ve = eol;

            if (v == NULL)
                return "";
            while (ve > v + 1 && (ve[-1] == '\r' || ve[-1] == ' '))
                ve--;
            return apr_pstrmemdup(p, v + 1, (apr_size_t)(ve - v - 1));
        }
        s = eol + 1;
    }
    return NULL;
}

static const char *meeting_class(eas_mail_t *m, apr_pool_t *p)
{
    const char *method = g_mime_object_get_content_type_parameter(
                             (GMimeObject *)m->calendar, "method");
    eas_text_t cal = eas_mail_part_text(m->calendar, p);

    if (method == NULL)
        method = ical_prop(cal, "METHOD", p);
    if (method == NULL)
        return NULL;
    if (!strcasecmp(method, "REQUEST"))
        return "IPM.Schedule.Meeting.Request";
    if (!strcasecmp(method, "CANCEL"))
        return "IPM.Schedule.Meeting.Canceled";
    if (!strcasecmp(method, "REPLY")) {
        const char *att = ical_prop(cal, "ATTENDEE", p);

        if (att && strstr(att, "PARTSTAT=DECLINED"))
            return "IPM.Schedule.Meeting.Resp.Neg";
        if (att && strstr(att, "PARTSTAT=TENTATIVE"))
            return "IPM.Schedule.Meeting.Resp.Tent";
        return "IPM.Schedule.Meeting.Resp.Pos";
    }
    return NULL;
}

static const char *message_class(eas_mail_t *m, apr_pool_t *p)
{
    const char *c;

    if (m->smime == EAS_SMIME_SIGNED)
        return "IPM.Note.SMIME.MultipartSigned";
    if (m->smime == EAS_SMIME_OPAQUE)
        return "IPM.Note.SMIME";
    if (m->calendar && (c = meeting_class(m, p)) != NULL)
        return c;
    return "IPM.Note";
}

/*
 * An invitation's or cancellation's MeetingRequest element; nothing when
 * the calendar part is not an event we can read (the message class then
 * stays as the METHOD says: the phone shows it as mail).
 */
static void write_meeting(eas_wbxml_enc_t *enc, eas_mail_t *m,
                          const eas_email_opts_t *o, const char *cls,
                          apr_pool_t *p)
{
    eas_pim_opts_t po;
    eas_text_t cal;
    eas_blob_t blob;
    const char *err;

    if (strcmp(cls, "IPM.Schedule.Meeting.Request") != 0
        && strcmp(cls, "IPM.Schedule.Meeting.Canceled") != 0)
        return;
    cal = eas_mail_part_text(m->calendar, p);
    blob.data = cal.data;
    blob.len = cal.len;
    memset(&po, 0, sizeof po);
    po.version = o->version;
    po.tzid = o->tzid;
    po.user_email = o->user_email;
    po.now = eas_mail_date(m->msg, o->received);
    eas_meeting_write_request(enc, &blob, &po, &err, p);
}

/* ------------------------------------------------------------------ */
/* Body                                                                */
/* ------------------------------------------------------------------ */

/* The preference to answer (see email.h); def when none can be met. */
static const eas_bodypref_t *choose_pref(const eas_email_opts_t *o,
                                         const eas_mail_t *m,
                                         const eas_bodypref_t *def)
{
    const eas_bodypref_t *mime = NULL, *other = NULL;
    int i, want_mime = o->mime_support == 2
                       || (o->mime_support == 1 && m->smime != EAS_SMIME_NONE);

    for (i = 0; i < o->nprefs; i++) {
        int t = o->prefs[i].type;

        if (t == EAS_BODY_MIME && mime == NULL)
            mime = &o->prefs[i];
        else if ((t == EAS_BODY_PLAIN || t == EAS_BODY_HTML) && other == NULL)
            other = &o->prefs[i];
    }
    if (mime && (want_mime || other == NULL))
        return mime;
    return other ? other : def;
}

/*
 * The message as it is, when the part of it that is sent is UTF-8 (only
 * that part need be: checking all of a large message for a 32 KB prefix
 * would cost more than the rest of the conversion); otherwise re-encoded.
 */
static eas_text_t mime_data(eas_mail_t *m, int limited, apr_size_t limit,
                            int all_or_none)
{
    eas_text_t raw;
    apr_size_t sent;

    raw.data = m->raw->data;
    raw.len = m->raw->len;
    sent = raw.len;
    if (limited && raw.len > limit)
        sent = all_or_none ? 0 : eas_utf8_cut(raw.data, raw.len, limit);
    if (eas_utf8_valid(raw.data, sent))
        return raw;
    return eas_mail_mime(m);
}

static eas_text_t body_data(eas_mail_t *m, const eas_bodypref_t *pref,
                            int limited, apr_size_t limit)
{
    switch (pref->type) {
    case EAS_BODY_HTML:
        return eas_mail_html(m);
    case EAS_BODY_MIME:
        return mime_data(m, limited, limit, pref->all_or_none);
    default:
        return eas_mail_plain(m);
    }
}

static void write_body(eas_wbxml_enc_t *enc, eas_mail_t *m,
                       const eas_email_opts_t *o, apr_pool_t *p)
{
    static const eas_bodypref_t plain = { EAS_BODY_PLAIN, 0, 0, 0 };
    const eas_bodypref_t *pref = choose_pref(o, m, &plain);
    apr_size_t limit = pref->truncation, send;
    int limited = limit > 0, truncated = 0;
    eas_text_t full;

    /* MIMETruncation may be 0: all of the body is left out */
    if (!limited && pref->type == EAS_BODY_MIME && o->mime_truncate) {
        limited = 1;
        limit = o->mime_truncation;
    }
    full = body_data(m, pref, limited, limit);
    send = full.len;
    if (limited && full.len > limit) {
        truncated = 1;
        send = pref->all_or_none ? 0 : eas_utf8_cut(full.data, full.len, limit);
    }
    eas_enc_start(enc, EAS_AirSyncBase_Body);
    eas_enc_int(enc, EAS_AirSyncBase_Type, pref->type);
    eas_enc_int(enc, EAS_AirSyncBase_EstimatedDataSize, (long long)full.len);
    eas_enc_int(enc, EAS_AirSyncBase_Truncated, truncated);
    if (!(truncated && pref->all_or_none)) {
        eas_enc_start(enc, EAS_AirSyncBase_Data);
        eas_enc_text(enc, full.data, send);
        eas_enc_end(enc);
    }
    if (o->version >= 140 && pref->preview > 0) {
        eas_text_t text = pref->type == EAS_BODY_PLAIN ? full : eas_mail_plain(m);
        eas_text_t pv = eas_text_preview(text, pref->preview > PREVIEW_MAX
                                         ? PREVIEW_MAX : pref->preview, p);

        eas_enc_start(enc, EAS_AirSyncBase_Preview);
        eas_enc_text(enc, pv.data, pv.len);
        eas_enc_end(enc);
    }
    eas_enc_end(enc);
}

/* ------------------------------------------------------------------ */
/* Attachments                                                         */
/* ------------------------------------------------------------------ */

static void write_attachments(eas_wbxml_enc_t *enc, eas_mail_t *m,
                              const eas_email_opts_t *o, apr_pool_t *p)
{
    int i;

    if (m->atts->nelts == 0)
        return;
    eas_enc_start(enc, EAS_AirSyncBase_Attachments);
    for (i = 0; i < m->atts->nelts; i++) {
        const eas_mail_att_t *a = &APR_ARRAY_IDX(m->atts, i, eas_mail_att_t);

        eas_enc_start(enc, EAS_AirSyncBase_Attachment);
        eas_enc_str(enc, EAS_AirSyncBase_DisplayName, a->name);
        eas_enc_str(enc, EAS_AirSyncBase_FileReference,
                    o->server_id ? apr_pstrcat(p, o->server_id, ":", a->path,
                                               NULL)
                                 : a->path);
        eas_enc_int(enc, EAS_AirSyncBase_Method, 1);
        eas_enc_int(enc, EAS_AirSyncBase_EstimatedDataSize, a->size);
        put_str(enc, EAS_AirSyncBase_ContentId, a->content_id);
        put_str(enc, EAS_AirSyncBase_ContentLocation, a->content_location);
        if (a->is_inline)
            eas_enc_int(enc, EAS_AirSyncBase_IsInline, 1);
        eas_enc_end(enc);
    }
    eas_enc_end(enc);
}

/* ------------------------------------------------------------------ */
/* The whole item                                                      */
/* ------------------------------------------------------------------ */

static void write_flag(eas_wbxml_enc_t *enc, unsigned flags)
{
    if (!(flags & EAS_ITEM_FLAGGED)) {
        eas_enc_empty(enc, EAS_Email_Flag);
        return;
    }
    eas_enc_start(enc, EAS_Email_Flag);
    eas_enc_int(enc, EAS_Email_Status, 2);
    eas_enc_str(enc, EAS_Email_FlagType, FLAG_TYPE);
    eas_enc_end(enc);
}

void eas_email_write_flags(eas_wbxml_enc_t *enc, unsigned flags, int version)
{
    eas_enc_int(enc, EAS_Email_Read, (flags & EAS_ITEM_READ) ? 1 : 0);
    write_flag(enc, flags);
}

static void write_headers(eas_wbxml_enc_t *enc, eas_mail_t *m,
                          const eas_email_opts_t *o, apr_time_t date,
                          apr_pool_t *p)
{
    GMimeMessage *msg = m->msg;

    put_str(enc, EAS_Email_To, addr_list(g_mime_message_get_to(msg), ", ", p));
    put_str(enc, EAS_Email_Cc, addr_list(g_mime_message_get_cc(msg), ", ", p));
    put_str(enc, EAS_Email_From,
            addr_list(g_mime_message_get_from(msg), ", ", p));
    eas_enc_str(enc, EAS_Email_Subject, g_mime_message_get_subject(msg));
    put_str(enc, EAS_Email_ReplyTo,
            addr_list(g_mime_message_get_reply_to(msg), "; ", p));
    eas_enc_str(enc, EAS_Email_DateReceived, format_date(date, p));
    put_str(enc, EAS_Email_DisplayTo, display_to(msg, p));
    eas_enc_str(enc, EAS_Email_ThreadTopic, eas_mail_thread_topic(m));
    eas_enc_int(enc, EAS_Email_Importance, importance((GMimeObject *)msg));
    eas_enc_int(enc, EAS_Email_Read, (o->flags & EAS_ITEM_READ) ? 1 : 0);
}

apr_status_t eas_email_write(eas_wbxml_enc_t *enc, const eas_blob_t *msg,
                             const eas_email_opts_t *o, apr_pool_t *p)
{
    apr_pool_t *sp;
    eas_mail_t *m;
    apr_time_t date;
    const char *cls;

    if (enc == NULL || msg == NULL || o == NULL
        || (msg->data == NULL && msg->len > 0))
        return APR_EINVAL;
    apr_pool_create(&sp, p);
    m = eas_mail_parse(msg, sp);
    date = eas_mail_date(m->msg, o->received);
    write_headers(enc, m, o, date, sp);
    write_attachments(enc, m, o, sp);
    write_body(enc, m, o, sp);
    cls = message_class(m, sp);
    eas_enc_str(enc, EAS_Email_MessageClass, cls);
    if (m->calendar)
        write_meeting(enc, m, o, cls, sp);
    eas_enc_int(enc, EAS_Email_InternetCPID, CPID_UTF8);
    write_flag(enc, o->flags);
    eas_enc_str(enc, EAS_Email_ContentClass,
                !strncmp(cls, "IPM.Schedule", 12)
                    ? "urn:content-classes:calendarmessage"
                    : "urn:content-classes:message");
    eas_enc_int(enc, EAS_AirSyncBase_NativeBodyType, eas_mail_native_type(m));
    if (o->version >= 140) {
        eas_text_t id, index;

        eas_mail_conversation(m, date, &id, &index);
        eas_enc_opaque(enc, EAS_Email2_ConversationId, id.data, id.len, 0);
        eas_enc_opaque(enc, EAS_Email2_ConversationIndex, index.data,
                       index.len, 0);
    }
    apr_pool_destroy(sp);
    return APR_SUCCESS;
}
