/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The change-notification endpoint ("SetHandler eas-notify") and its
 * directive EASNotifySecret: a server's hook POSTs here when a user's
 * data changed, and the change source of every httpd process wakes that
 * user's waiting requests at once, through a drop (notify_drop.h).
 *
 * POST <location>?user=<name>[&href=<collection path>]: a DAV server
 * (Radicale's storage hook, build/radicale-hook): a dav drop; every
 * process's dav poller looks at that user's watched collections (or the
 * one at href) at once instead of at its next interval (dav_watch.h).
 * POST <location>?user=<name>&mailbox=<name>: Dovecot's push_notification
 * plugin (build/dovecot-push.lua): an imap drop for that mailbox (UTF-8,
 * as Dovecot names it; empty: anything of the user).  Both href and
 * mailbox: 400.
 *
 * The location's EASNotifySecret in the X-EAS-Notify-Secret header
 * (compared in constant time) and/or the administrator's own Require ip.
 * No body is read, nothing is said back: 204.  A flood costs a file
 * rename per request and, in each process, a hash look-up; the polls it
 * causes are gathered to one per collection (DAV_NOTIFY_GATHER_MS).
 */
#include "mod_eas.h"
#include "config.h"
#include "notify.h"
#include "notify_parse.h"
#include "notify_drop.h"

#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <unixd.h>

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_strings.h>

#define NOTIFY_HANDLER "eas-notify"
#define NOTIFY_SECRET_HEADER "X-EAS-Notify-Secret"

static const char *drop_dir;    /* made in post_config */

/* Refusals are said at most once a minute: a flood fills no log. */
static int may_say(void)
{
    static apr_time_t said;
    apr_time_t now = apr_time_now();

    if (said && now - said < apr_time_from_sec(60))
        return 0;
    said = now;
    return 1;
}

static int refuse(request_rec *r, int status, const char *why)
{
    if (may_say())
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, EASLOGNO(01640)
                      "change notification from %s refused with %d: %s "
                      "(said at most once a minute)", r->useragent_ip,
                      status, why);
    return status;
}

const char *eas_notify_set_secret(cmd_parms *cmd, void *dconf,
                                  const char *arg)
{
    eas_dir_conf_t *c = dconf;

    if (strlen(arg) < EAS_NOTIFY_SECRET_MIN)
        return apr_psprintf(cmd->pool, "%s: the secret must be %d "
                            "characters at least", cmd->cmd->name,
                            EAS_NOTIFY_SECRET_MIN);
    c->notify_secret = arg;
    return NULL;
}

static int secret_ok(request_rec *r)
{
    const char *want = eas_dir_conf(r)->notify_secret;
    const char *got = apr_table_get(r->headers_in, NOTIFY_SECRET_HEADER);

    if (!want)
        return 1;               /* the location's access control only */
    return got && eas_notify_secret_equal(got, want);
}

/* The drop a parsed query asks for, written; OK or an HTTP status. */
static int drop(request_rec *r, const eas_notify_query_t *q)
{
    eas_drop_kind_t kind = q->mailbox ? EAS_DROP_IMAP : EAS_DROP_DAV;
    const char *where = q->mailbox ? q->mailbox : q->href;
    apr_status_t rv;

    if (!drop_dir
        || (rv = eas_drop_write(drop_dir, kind, q->user, where, r->pool))
           != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, drop_dir ? rv : 0, r,
                      EASLOGNO(01641) "change notification: cannot write "
                      "into %s", drop_dir ? drop_dir : "(no directory)");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, EASLOGNO(01642)
                  "change notification for %s%s%s%s", q->user,
                  where && *where ? " at " : "",
                  where && *where ? where : "",
                  q->mailbox ? " (imap)" : "");
    return OK;
}

static int notify_post(request_rec *r)
{
    eas_notify_query_t q;
    const char *why;
    int status;

    if (!secret_ok(r))
        return refuse(r, HTTP_FORBIDDEN, "wrong or missing "
                      NOTIFY_SECRET_HEADER);
    if ((why = eas_notify_parse(r->args, &q, r->pool)))
        return refuse(r, HTTP_BAD_REQUEST, why);
    if (ap_discard_request_body(r) != OK)
        return refuse(r, HTTP_BAD_REQUEST, "an unreadable body");
    if ((status = drop(r, &q)) != OK)
        return status;
    r->status = HTTP_NO_CONTENT;
    return OK;
}

static int notify_handler(request_rec *r)
{
    if (!r->handler || strcasecmp(r->handler, NOTIFY_HANDLER) != 0)
        return DECLINED;
    ap_allow_standard_methods(r, REPLACE_ALLOW, M_POST, -1);
    if (r->method_number != M_POST)
        return refuse(r, HTTP_METHOD_NOT_ALLOWED, "not a POST");
    return notify_post(r);
}

/* The drop directory, for the httpd user, as the push hub's doorbell. */
static int notify_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    const char *dir = ap_runtime_dir_relative(pconf, EAS_DROP_DIR);

    if ((mkdir(dir, 0700) != 0 && errno != EEXIST)
        || (geteuid() == 0 && chown(dir, ap_unixd_config.user_id,
                                    ap_unixd_config.group_id) != 0)) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, APR_FROM_OS_ERROR(errno), s,
                     EASLOGNO(01643) "cannot create the change notification "
                     "directory %s for the httpd user", dir);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    drop_dir = dir;
    return OK;
}

void eas_notify_register_hooks(apr_pool_t *p)
{
    ap_hook_post_config(notify_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(notify_handler, NULL, NULL, APR_HOOK_MIDDLE);
}
