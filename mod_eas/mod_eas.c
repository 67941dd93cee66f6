/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mod_eas: the module record, its hook and the handler entry.
 *
 * Enabled per location with "SetHandler eas"; a path below the location is
 * 404 (endpoint.c).  OPTIONS advertises what the server speaks (MS-ASHTTP
 * 2.2.3/2.2.4), POST carries the commands (request.c reads them,
 * commands.c dispatches), every other method is 405.
 */
#include "mod_eas.h"
#include "config.h"
#include "commands.h"
#include "request.h"
#include "backend_conf.h"
#include "endpoint.h"
#include "state_dbd.h"
#include "email.h"
#include "pim.h"
#include "user.h"
#include "push.h"
#include "notify.h"

#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>

#define EAS_ALLOW "OPTIONS,POST"

static void set_allow(request_rec *r)
{
    apr_table_setn(r->headers_out, "Allow", EAS_ALLOW);
}

static int eas_options(request_rec *r)
{
    set_allow(r);
    apr_table_setn(r->headers_out, "Public", EAS_ALLOW);
    apr_table_setn(r->headers_out, "Cache-Control", "private");
    apr_table_setn(r->headers_out, "MS-Server-ActiveSync", eas_server_version());
    apr_table_setn(r->headers_out, "MS-ASProtocolVersions",
                   eas_versions_header(r->pool));
    apr_table_setn(r->headers_out, "MS-ASProtocolCommands",
                   eas_commands_header(r->pool));
    ap_set_content_length(r, 0);
    return OK;
}

/*
 * A 405 or 501 of our own: a short text rather than httpd's HTML page,
 * which would also say the POST method is unsupported and add TRACE to
 * the Allow header (its answers list every method the core takes).
 */
static int eas_refuse(request_rec *r, int status, const char *text)
{
    set_allow(r);
    r->status = status;
    ap_set_content_type(r, "text/plain; charset=utf-8");
    if (!r->header_only)
        ap_rputs(text, r);
    return OK;
}

static int eas_method_not_allowed(request_rec *r)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00405)
                  "method %s not allowed: ActiveSync uses OPTIONS and POST",
                  r->method);
    return eas_refuse(r, HTTP_METHOD_NOT_ALLOWED, "This is an Exchange "
                      "ActiveSync endpoint: use OPTIONS or POST.\n");
}

static int eas_post(request_rec *r)
{
    eas_request_t *req = NULL;
    int rc = eas_request_read(r, &req);

    if (rc == DONE)
        return OK;              /* already answered with a Status */
    if (rc == OK)
        rc = eas_dispatch(req);
    if (rc == HTTP_NOT_IMPLEMENTED)
        return eas_refuse(r, rc, "This ActiveSync command is not "
                          "implemented by this server.\n");
    return rc;
}

static int eas_handler(request_rec *r)
{
    if (!r->handler || strcmp(r->handler, EAS_HANDLER_NAME) != 0)
        return DECLINED;
    if (!eas_endpoint_check(r))
        return HTTP_NOT_FOUND;
    /* What httpd's own 405/501 answers put in Allow. */
    ap_allow_standard_methods(r, REPLACE_ALLOW, M_OPTIONS, M_POST, -1);
    if (r->method_number == M_OPTIONS)
        return eas_options(r);
    if (r->method_number == M_POST)
        return eas_post(r);
    return eas_method_not_allowed(r);
}

/* GLib's and GMime's messages (levels are syslog's, as APLOG_*). */
static void eas_glib_log(void *data, int level, const char *domain,
                         const char *msg)
{
    ap_log_error(APLOG_MARK, level, 0, data, EASLOGNO(01261) "%s: %s",
                 domain, msg);
}

/*
 * GMime and the other MIME libraries, once per child before its threads;
 * their messages go to the error log, tagged, rather than bare to stderr.
 */
static void eas_child_init(apr_pool_t *p, server_rec *s)
{
    eas_email_init();
    eas_email_log_to(eas_glib_log, s);
    eas_pim_init();
    eas_backends_child_init(p, s);
}

static void eas_register_hooks(apr_pool_t *p)
{
    ap_hook_child_init(eas_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(eas_handler, NULL, NULL, APR_HOOK_MIDDLE);
    eas_endpoint_register_hooks(p);
    eas_state_register_hooks(p);
    /* Backends register by name before any request can open a store. */
    eas_backends_register();
    eas_user_register_hooks(p);
    eas_push_register_hooks(p);
    eas_notify_register_hooks(p);
    eas_glib_slices_register_hooks(p);
}

/* Not AP_DECLARE_MODULE: mod_eas.h already has APLOG_USE_MODULE(eas). */
module AP_MODULE_DECLARE_DATA eas_module = {
    STANDARD20_MODULE_STUFF,
    eas_create_dir_conf,
    eas_merge_dir_conf,
    NULL,
    NULL,
    eas_directives,
    eas_register_hooks,
    AP_MODULE_FLAG_NONE
};
