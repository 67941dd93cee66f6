/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WBXML responses: the encoder writes into a brigade that is passed down
 * the filter chain whenever it fills, so a large response is never held
 * whole.  A response that fits before the first flush goes out with a
 * Content-Length; a longer one is chunked by httpd.
 */
#include "mod_eas.h"
#include "response.h"
#include "request.h"
#include "commands.h"
#include "trace.h"

#include <http_protocol.h>
#include <util_filter.h>

struct eas_response {
    request_rec *r;
    apr_bucket_brigade *bb;
    eas_wbxml_enc_t *enc;
    int flushed;                /* something has gone to the client */
    int pass_failed;            /* the client went away */
    /* Copy of the bytes sent, kept only while tracing. */
    int trace;
    int trace_truncated;
    unsigned char *trace_buf;
    apr_size_t trace_len, trace_cap;
};

static void capture_bytes(eas_response_t *resp, const char *data, apr_size_t n)
{
    if (resp->trace_len + n > EAS_TRACE_CAPTURE_MAX) {
        resp->trace_truncated = 1;
        return;
    }
    if (resp->trace_len + n > resp->trace_cap) {
        apr_size_t cap = resp->trace_cap ? resp->trace_cap : 4096;
        unsigned char *buf;

        while (cap < resp->trace_len + n)
            cap *= 2;
        buf = apr_palloc(resp->r->pool, cap);
        if (resp->trace_len)
            memcpy(buf, resp->trace_buf, resp->trace_len);
        resp->trace_buf = buf;
        resp->trace_cap = cap;
    }
    memcpy(resp->trace_buf + resp->trace_len, data, n);
    resp->trace_len += n;
}

static void capture_brigade(eas_response_t *resp, apr_bucket_brigade *bb)
{
    apr_bucket *b;

    for (b = APR_BRIGADE_FIRST(bb);
         b != APR_BRIGADE_SENTINEL(bb) && !resp->trace_truncated;
         b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t n;

        if (APR_BUCKET_IS_METADATA(b))
            continue;
        if (apr_bucket_read(b, &data, &n, APR_BLOCK_READ) != APR_SUCCESS)
            resp->trace_truncated = 1;
        else
            capture_bytes(resp, data, n);
    }
}

static apr_status_t pass_on(apr_bucket_brigade *bb, void *ctx)
{
    eas_response_t *resp = ctx;
    apr_status_t rv;

    if (resp->trace)
        capture_brigade(resp, bb);
    resp->flushed = 1;
    rv = ap_pass_brigade(resp->r->output_filters, bb);
    apr_brigade_cleanup(bb);
    if (rv != APR_SUCCESS)
        resp->pass_failed = 1;
    return rv;
}

eas_response_t *eas_response_start(eas_request_t *req)
{
    request_rec *r = req->r;
    eas_response_t *resp = apr_pcalloc(r->pool, sizeof(*resp));

    resp->r = r;
    resp->trace = eas_trace_on(r);
    resp->bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    resp->enc = eas_wbxml_enc_create(r->pool, resp->bb, pass_on, resp);
    r->status = HTTP_OK;
    ap_set_content_type(r, EAS_WBXML_TYPE);
    apr_table_setn(r->headers_out, "Cache-Control", "private");
    apr_table_setn(r->headers_out, "MS-Server-ActiveSync", eas_server_version());
    return resp;
}

eas_wbxml_enc_t *eas_response_enc(eas_response_t *resp)
{
    return resp->enc;
}

int eas_response_finish(eas_response_t *resp)
{
    request_rec *r = resp->r;
    apr_status_t rv = eas_enc_finish(resp->enc);

    if (resp->pass_failed) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, EASLOGNO(00403)
                      "client went away during the response");
        return AP_FILTER_ERROR;
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(00404)
                      "encoding the WBXML response failed");
        apr_brigade_cleanup(resp->bb);
        if (!resp->flushed)
            return HTTP_INTERNAL_SERVER_ERROR;
        /* Part of it is out: the client must not take it as complete. */
        r->connection->keepalive = AP_CONN_CLOSE;
        r->connection->aborted = 1;
        return AP_FILTER_ERROR;
    }
    if (resp->trace)
        capture_brigade(resp, resp->bb);
    APR_BRIGADE_INSERT_TAIL(resp->bb,
                            apr_bucket_eos_create(r->connection->bucket_alloc));
    rv = ap_pass_brigade(r->output_filters, resp->bb);
    if (resp->trace)
        eas_trace_response(r, resp->trace_buf, resp->trace_len,
                           resp->trace_truncated);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, EASLOGNO(00403)
                      "client went away during the response");
        return AP_FILTER_ERROR;
    }
    return OK;
}

int eas_response_status(eas_request_t *req, int status)
{
    eas_response_t *resp = eas_response_start(req);
    eas_wbxml_enc_t *e = eas_response_enc(resp);

    eas_enc_start(e, req->cmd->response_root);
    eas_enc_int(e, req->cmd->status_tag, status);
    eas_enc_end(e);
    return eas_response_finish(resp);
}

int eas_response_malformed(eas_request_t *req, int status)
{
    if (req->version < 140 || !req->cmd->status_tag)
        return HTTP_BAD_REQUEST;
    return eas_response_status(req, status);
}
