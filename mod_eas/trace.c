/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The protocol dump at "LogLevel eas:trace1": each request's parameters
 * and decoded body, and each WBXML response, as XML in the error log.
 * Secret elements (passwords) are always masked by the XML renderer;
 * message and item content only appears with "EASTraceBodies On".  The
 * Authorization header is never looked at here.  When the level is off,
 * all this costs one level test per request.
 */
#include "mod_eas.h"
#include "trace.h"
#include "request.h"

#include <apr_strings.h>

int eas_trace_on(const request_rec *r)
{
    return APLOG_R_IS_LEVEL(r, APLOG_TRACE1);
}

static unsigned xml_flags(const request_rec *r)
{
    return EAS_XML_PRETTY | (eas_dir_conf(r)->trace_bodies ? EAS_XML_SHOW_BODIES : 0);
}

/* One log entry per line: error log entries are single lines. */
static void log_lines(const request_rec *r, const char *what, char *text)
{
    char *state, *line;

    for (line = apr_strtok(text, "\r\n", &state); line;
         line = apr_strtok(NULL, "\r\n", &state))
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, EASLOGNO(00501)
                      "%s: %s", what, line);
}

typedef struct {
    apr_pool_t *pool;
    const char *text;
} params_acc_t;

static int add_param(void *ctx, const char *key, const char *value)
{
    params_acc_t *acc = ctx;

    acc->text = apr_pstrcat(acc->pool, acc->text, " ", key, "=", value, NULL);
    return 1;
}

static const char *params_text(const eas_request_t *req)
{
    params_acc_t acc = { req->r->pool, "" };

    apr_table_do(add_param, &acc, req->params, NULL);
    return acc.text;
}

void eas_trace_request(const eas_request_t *req)
{
    const request_rec *r = req->r;
    char *xml;

    if (!eas_trace_on(r))
        return;
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, EASLOGNO(00502)
                  "request: Cmd=%s version=%s DeviceId=%s params:%s; body %"
                  APR_SIZE_T_FMT " bytes of %s", req->cmd->name,
                  req->version_text, req->device_id, params_text(req),
                  req->body_len,
                  req->content_type ? req->content_type : "(no type)");
    if (!req->tree)
        return;
    xml = eas_wbxml_tree_to_xml(r->pool, req->tree, xml_flags(r));
    if (xml)
        log_lines(r, "request", xml);
}

void eas_trace_response(request_rec *r, const unsigned char *buf,
                        apr_size_t len, int truncated)
{
    eas_wbxml_err_t err = EAS_WBXML_OK;
    char *xml;

    if (truncated) {
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, EASLOGNO(00503)
                      "response: over %d bytes, not shown", EAS_TRACE_CAPTURE_MAX);
        return;
    }
    xml = eas_wbxml_to_xml(r->pool, buf, len, xml_flags(r), &err);
    if (!xml) {
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, EASLOGNO(00503)
                      "response: %" APR_SIZE_T_FMT " bytes, not decodable: %s",
                      len, eas_wbxml_strerror(err));
        return;
    }
    log_lines(r, "response", xml);
}
