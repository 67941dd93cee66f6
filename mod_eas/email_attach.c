/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attachments by file reference (ItemOperations Fetch, GetAttachment), and
 * the calendar part of a meeting message (MeetingResponse).
 *
 * A FileReference is "<folder>:<item>:<part path>"; the part path is the
 * position in the MIME tree that eas_email_write gave the attachment.  The
 * message is parsed again and the part decoded into memory the pool owns.
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>

#include "email_internal.h"

apr_status_t eas_email_fileref_split(const char *fileref, char **server_id,
                                     char **part, apr_pool_t *p)
{
    const char *colon = fileref ? strrchr(fileref, ':') : NULL;
    const char *s;

    if (colon == NULL || colon == fileref || !colon[1])
        return APR_EINVAL;
    for (s = colon + 1; *s; s++)
        if (!apr_isdigit(*s) && *s != '.')
            return APR_EINVAL;
    *server_id = apr_pstrmemdup(p, fileref, (apr_size_t)(colon - fileref));
    *part = apr_pstrdup(p, colon + 1);
    return APR_SUCCESS;
}

apr_status_t eas_email_attachment(const eas_blob_t *msg, const char *part_ref,
                                  eas_blob_t *out, const char **content_type,
                                  const char **name, apr_pool_t *p)
{
    apr_pool_t *sp;
    GMimeMessage *m;
    GMimeObject *obj;
    eas_mail_att_t a;
    eas_text_t t;

    if (msg == NULL || part_ref == NULL || out == NULL
        || (msg->data == NULL && msg->len > 0))
        return APR_EINVAL;
    /* the parsed message goes as soon as the content is out of it */
    apr_pool_create(&sp, p);
    m = eas_mail_parse_message(msg, sp);
    obj = eas_mail_find_part(m, part_ref);
    if (obj == NULL) {
        apr_pool_destroy(sp);
        return APR_ENOENT;
    }
    eas_mail_describe(&a, obj, part_ref, p);
    t = eas_mail_part_bytes(obj, p);
    out->data = t.data;
    out->len = t.len;
    if (content_type)
        *content_type = a.content_type;
    if (name)
        *name = a.name;
    apr_pool_destroy(sp);
    return APR_SUCCESS;
}

apr_status_t eas_email_calendar(const eas_blob_t *msg, eas_blob_t *out,
                                apr_pool_t *p)
{
    eas_mail_t *m;
    eas_text_t t;

    if (msg == NULL || out == NULL || (msg->data == NULL && msg->len > 0))
        return APR_EINVAL;
    m = eas_mail_parse(msg, p);
    if (m->calendar == NULL)
        return APR_ENOENT;
    t = eas_mail_part_text(m->calendar, p);
    out->data = t.data;
    out->len = t.len;
    return APR_SUCCESS;
}
