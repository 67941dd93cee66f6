/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GetAttachment (MS-ASCMD 2.2.1.6, protocol 12.x and 14.x): the raw bytes
 * of the attachment named by the AttachmentName parameter (a
 * FileReference), with its Content-Type.  Errors are HTTP statuses: 400
 * without a name, 500 when the attachment does not exist (the spec's
 * answer for a deleted one) or cannot be read, 403 when the policy
 * forbids attachments, 413 over EASMaxFetchSize or the policy's size.
 */
#include "mod_eas.h"
#include "itemops.h"
#include "cmd_mail.h"
#include "mailops_conf.h"

#include <http_protocol.h>

static int http_status(int io_status)
{
    switch (io_status) {
    case EAS_IO_DENIED:
        return HTTP_FORBIDDEN;
    case EAS_IO_TOO_LARGE:
        return HTTP_REQUEST_ENTITY_TOO_LARGE;
    default:
        return HTTP_INTERNAL_SERVER_ERROR;
    }
}

int eas_cmd_getattachment(eas_request_t *req)
{
    request_rec *r = req->r;
    const char *name = apr_table_get(req->params, "AttachmentName");
    const char *ctype = NULL;
    apr_off_t max = eas_mailops_conf(r)->max_fetch;
    apr_bucket_brigade *bb;
    eas_blob_t data;
    int st;

    if (!name || !*name) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01240)
                      "GetAttachment without an AttachmentName");
        return HTTP_BAD_REQUEST;
    }
    st = eas_attachment_load(req->ctx, name, &data, &ctype, NULL);
    if (st == EAS_IO_OK && (apr_off_t)data.len > max) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01241)
                      "GetAttachment: %s has %" APR_SIZE_T_FMT " bytes, over "
                      "EASMaxFetchSize", name, data.len);
        st = EAS_IO_TOO_LARGE;
    }
    if (st != EAS_IO_OK)
        return http_status(st);
    r->status = HTTP_OK;
    ap_set_content_type(r, ctype ? ctype : "application/octet-stream");
    ap_set_content_length(r, (apr_off_t)data.len);
    apr_table_setn(r->headers_out, "Cache-Control", "private");
    apr_table_setn(r->headers_out, "MS-Server-ActiveSync", eas_server_version());
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    if (data.len > 0)
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_pool_create(
            data.data, data.len, r->pool, r->connection->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(bb,
                            apr_bucket_eos_create(r->connection->bucket_alloc));
    if (ap_pass_brigade(r->output_filters, bb) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, EASLOGNO(01242)
                      "GetAttachment: client went away");
        return AP_FILTER_ERROR;
    }
    return OK;
}
