/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dav backend's httpd side (dav_glue.h): its directives, the store's
 * settings for a request's user, and the change source's logging and
 * drop directory (dav_watch.h).  With EASDAVAuth user (the
 * default) the server is asked with the credentials the phone sent in its
 * Basic authentication; they are handed to the client for this request
 * only, never logged and never stored.
 */
#include "mod_eas.h"
#include "dav_glue.h"
#include "dav_backend.h"
#include "dav_watch.h"
#include "notify_drop.h"
#include "user_template.h"

#include <http_log.h>
#include <apr_strings.h>

#define DV_DEFAULT_TIMEOUT 30

typedef struct {
    const char *url;            /* template */
    int service;                /* EASDAVAuth service */
    int service_set;
    const char *svc_user, *svc_password;
    int timeout;                /* seconds, 0: not set */
    const char *ca_file;
    int poll;                   /* EASDAVPollInterval, 0: not set */
} dv_conf_t;

static void *dv_create_conf(apr_pool_t *p)
{
    return apr_pcalloc(p, sizeof(dv_conf_t));
}

static void *dv_merge_conf(apr_pool_t *p, const void *basev, const void *addv)
{
    const dv_conf_t *base = basev, *add = addv;
    dv_conf_t *c = apr_pcalloc(p, sizeof(*c));

#define PICK(f) c->f = add->f ? add->f : base->f
    PICK(url);
    PICK(svc_user);
    PICK(svc_password);
    PICK(timeout);
    PICK(ca_file);
    PICK(poll);
#undef PICK
    c->service = add->service_set ? add->service : base->service;
    c->service_set = add->service_set | base->service_set;
    return c;
}

static const char *set_url(cmd_parms *cmd, dv_conf_t *c, const char *arg)
{
    const char *why = eas_template_check(cmd->pool, arg);

    if (!why && strncmp(arg, "https://", 8) != 0
        && strncmp(arg, "http://", 7) != 0)
        why = "is not an http:// or https:// URL";
    if (why)
        return apr_psprintf(cmd->pool, "%s: '%s': %s", cmd->cmd->name, arg,
                            why);
    c->url = arg;
    return NULL;
}

const char *eas_dav_set1(cmd_parms *cmd, void *dconf, const char *arg)
{
    dv_conf_t *c = eas_backend_dir_conf(dconf, &eas_dav_glue);
    const char *which = cmd->info;

    if (!strcmp(which, "url"))
        return set_url(cmd, c, arg);
    if (!strcmp(which, "timeout"))
        return eas_glue_seconds(cmd, arg, 1, 600, &c->timeout);
    if (!strcmp(which, "poll"))
        return eas_glue_seconds(cmd, arg, DAV_POLL_MIN, DAV_POLL_MAX,
                                &c->poll);
    if (!strcmp(which, "ca")) {
        c->ca_file = arg;
        return NULL;
    }
    if (strcasecmp(arg, "user") && strcasecmp(arg, "service"))
        return apr_psprintf(cmd->pool, "%s: '%s' is neither user nor service",
                            cmd->cmd->name, arg);
    c->service = !strcasecmp(arg, "service");
    c->service_set = 1;
    return NULL;
}

/* EASDAVListCache: server-wide, applied in each child (dav_lists.c). */
static long list_cache = DV_LISTS_DEFAULT;

static apr_status_t list_cache_reset(void *unused)
{
    list_cache = DV_LISTS_DEFAULT;
    return APR_SUCCESS;
}

const char *eas_dav_set_list_cache(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end;
    long v;

    if (err)
        return err;
    v = strtol(arg, &end, 10);
    if (end == arg || *end || v < 0 || v > 100000000L)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of items "
                            "from 0 to 100000000", cmd->cmd->name, arg);
    list_cache = v;
    apr_pool_cleanup_register(cmd->pool, NULL, list_cache_reset,
                              apr_pool_cleanup_null);
    return NULL;
}

const char *eas_dav_set_service(cmd_parms *cmd, void *dconf, const char *user,
                                const char *password)
{
    dv_conf_t *c = eas_backend_dir_conf(dconf, &eas_dav_glue);

    c->svc_user = user;
    c->svc_password = password;
    return NULL;
}

static int credentials(request_rec *r, const dv_conf_t *c, eas_user_t *u)
{
    if (c->service) {
        /* One account for every user: each user's collections are then
           found under the user's own URL, never the account's own. */
        if (!strstr(c->url, "%u") && !strstr(c->url, "%l")) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(01626)
                          "EASDAVAuth service needs an EASDAVURL with the "
                          "user in it (%%u or %%l): without it every user "
                          "would see the same collections");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        apr_table_setn(u->params, "dav_home", "1");
        if (!c->svc_user) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(01620)
                          "EASDAVAuth service without EASDAVServiceAccount");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        apr_table_setn(u->params, "dav_user", c->svc_user);
        apr_table_setn(u->params, "dav_password", c->svc_password);
        return OK;
    }
    if (!u->password) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(01621)
                      "user %s: the DAV server is asked with the user's own "
                      "password (EASDAVAuth user), but the request carries "
                      "none (Basic authentication is needed): refusing with "
                      "403", u->login);
        return HTTP_FORBIDDEN;
    }
    apr_table_setn(u->params, "dav_user", u->login);
    apr_table_setn(u->params, "dav_password", u->password);
    return OK;
}

static int dv_user_params(request_rec *r, const void *conf, eas_user_t *u)
{
    const dv_conf_t *c = conf;
    const char *err = NULL;
    char *url;

    if (!c->url) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(01622)
                      "EASBackend dav without EASDAVURL");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (!(url = eas_template_expand(r->pool, c->url, u->login, &err))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(01623)
                      "EASDAVURL %s for user '%s': %s; refusing with 403",
                      c->url, u->login, err);
        return HTTP_FORBIDDEN;
    }
    apr_table_setn(u->params, "url", url);
    apr_table_setn(u->params, "dav_timeout_ms", apr_itoa(
                       r->pool, 1000 * (c->timeout ? c->timeout
                                                   : DV_DEFAULT_TIMEOUT)));
    if (c->ca_file)
        apr_table_setn(u->params, "dav_ca_file", c->ca_file);
    apr_table_setn(u->params, "dav_poll_interval", apr_itoa(
                       r->pool, c->poll ? c->poll : DAV_POLL_DEFAULT));
    return credentials(r, c, u);
}

/* The change source's messages (never credentials: dav_watch.c). */
static void watch_log(void *ctx, int level, apr_status_t rv, const char *msg)
{
    ap_log_error(APLOG_MARK, level, rv, ctx, EASLOGNO(01625) "change source: %s",
                 msg);
}

static void dv_child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t rv = dav_global_init(p);

    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, EASLOGNO(01624)
                     "the DAV client cannot start in this process");
    dv_lists_set_limit(list_cache);
    dav_watch_configure(watch_log, s,
                        ap_runtime_dir_relative(p, EAS_DROP_DIR));
}

const eas_backend_glue_t eas_dav_glue = {
    .backend = &eas_backend_dav,
    .create_conf = dv_create_conf,
    .merge_conf = dv_merge_conf,
    .ldap_attr = NULL,
    .user_params = dv_user_params,
    .child_init = dv_child_init,
};
