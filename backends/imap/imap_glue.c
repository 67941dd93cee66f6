/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The imap backend's httpd side (imap_glue.h): its directives, and the
 * store's settings for a request's user.  With EASIMAPAuth user (the
 * default) the server is asked with the credentials the phone sent in its
 * Basic authentication: handed to the store for this request only, never
 * logged and never stored.  Plain IMAP goes to loopback only; any other
 * host is asked over TLS (imaps://, or STARTTLS for imap://).
 */
#include "mod_eas.h"
#include "imap_glue.h"
#include "imap_backend.h"
#include "imap_watch.h"
#include "notify_drop.h"
#include "user_template.h"

#include <http_log.h>
#include <apr_strings.h>

#include <stdlib.h>

typedef enum { AUTH_UNSET, AUTH_USER, AUTH_MASTER, AUTH_PROXY } auth_t;

typedef struct {
    const char *url, *host, *port, *tls;
    const char *login;          /* template */
    auth_t auth;
    const char *svc_user, *svc_password;
    int timeout, check;         /* seconds, 0: not set */
    const char *ca_file, *watch;
} ic_conf_t;

static void *ic_create_conf(apr_pool_t *p)
{
    return apr_pcalloc(p, sizeof(ic_conf_t));
}

static void *ic_merge_conf(apr_pool_t *p, const void *basev, const void *addv)
{
    const ic_conf_t *base = basev, *add = addv;
    ic_conf_t *c = apr_pcalloc(p, sizeof(*c));

#define PICK(f) c->f = add->f ? add->f : base->f
    PICK(url);
    PICK(host);
    PICK(port);
    PICK(tls);
    PICK(login);
    PICK(auth);
    PICK(svc_user);
    PICK(svc_password);
    PICK(timeout);
    PICK(check);
    PICK(ca_file);
    PICK(watch);
#undef PICK
    return c;
}

static const char *bad(cmd_parms *cmd, const char *arg, const char *why)
{
    return apr_psprintf(cmd->pool, "%s: '%s': %s", cmd->cmd->name, arg, why);
}

static int loopback(const char *host)
{
    return !strcasecmp(host, "localhost") || !strncmp(host, "127.", 4)
           || !strcmp(host, "::1");
}

/* imap[s]://host[:port][/] */
static const char *set_url(cmd_parms *cmd, ic_conf_t *c, const char *arg)
{
    int tls = !strncasecmp(arg, "imaps://", 8);
    const char *h = arg + (tls ? 8 : 7), *end, *colon;
    char *host;

    if (!tls && strncasecmp(arg, "imap://", 7) != 0)
        return bad(cmd, arg, "is not an imap:// or imaps:// URL");
    end = h + strcspn(h, "/?#");
    if (*end && strcmp(end, "/") != 0)
        return bad(cmd, arg, "a server URL has no path or query");
    if (*h == '[') {
        const char *rb = memchr(h, ']', end - h);
        if (!rb)
            return bad(cmd, arg, "an unclosed '['");
        host = apr_pstrndup(cmd->pool, h + 1, rb - h - 1);
        colon = rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = memchr(h, ':', end - h);
        host = apr_pstrndup(cmd->pool, h, (colon ? colon : end) - h);
    }
    c->port = colon ? apr_pstrndup(cmd->pool, colon + 1, end - colon - 1)
                    : tls ? "993" : "143";
    if (!*host || atoi(c->port) < 1 || atoi(c->port) > 65535
        || strspn(c->port, "0123456789") != strlen(c->port))
        return bad(cmd, arg, "no host, or a bad port");
    c->url = arg;
    c->host = host;
    c->tls = tls ? "implicit" : loopback(host) ? "none" : "starttls";
    return NULL;
}

static const char *set_auth(cmd_parms *cmd, ic_conf_t *c, const char *arg)
{
    if (!strcasecmp(arg, "user"))
        c->auth = AUTH_USER;
    else if (!strcasecmp(arg, "master"))
        c->auth = AUTH_MASTER;
    else if (!strcasecmp(arg, "proxy"))
        c->auth = AUTH_PROXY;
    else
        return bad(cmd, arg, "is none of user, master, proxy");
    return NULL;
}

static const char *set_watch(cmd_parms *cmd, ic_conf_t *c, const char *arg)
{
    static const char *const modes[] = { "auto", "plugin", "notify", "idle",
                                         NULL };
    int i;

    for (i = 0; modes[i]; i++)
        if (!strcasecmp(arg, modes[i])) {
            c->watch = modes[i];
            return NULL;
        }
    return bad(cmd, arg, "is none of auto, plugin, notify, idle");
}

const char *eas_imap_set1(cmd_parms *cmd, void *dconf, const char *arg)
{
    ic_conf_t *c = eas_backend_dir_conf(dconf, &eas_imap_glue);
    const char *which = cmd->info, *why;

    if (!strcmp(which, "url"))
        return set_url(cmd, c, arg);
    if (!strcmp(which, "login")) {
        if ((why = eas_template_check(cmd->pool, arg)) || !*arg)
            return bad(cmd, arg, why ? why : "is empty");
        c->login = arg;
        return NULL;
    }
    if (!strcmp(which, "auth"))
        return set_auth(cmd, c, arg);
    if (!strcmp(which, "timeout"))
        return eas_glue_seconds(cmd, arg, 1, 600, &c->timeout);
    if (!strcmp(which, "check"))
        return eas_glue_seconds(cmd, arg, 5, 86400, &c->check);
    if (!strcmp(which, "watch"))
        return set_watch(cmd, c, arg);
    c->ca_file = arg;
    return NULL;
}

const char *eas_imap_set_service(cmd_parms *cmd, void *dconf,
                                 const char *user, const char *password)
{
    ic_conf_t *c = eas_backend_dir_conf(dconf, &eas_imap_glue);

    if (!*user || !*password)
        return apr_psprintf(cmd->pool, "%s: an empty name or password",
                            cmd->cmd->name);
    c->svc_user = user;
    c->svc_password = password;
    return NULL;
}

/* ---- server-wide settings, applied in each child ---- */

static struct {
    long conns, per_user, idle, lists;
} glob = { 100, 4, 300, 200000 };

static apr_status_t glob_reset(void *unused)
{
    glob.conns = 100, glob.per_user = 4, glob.idle = 300;
    glob.lists = 200000;
    return APR_SUCCESS;
}

static const char *number(cmd_parms *cmd, const char *arg, long min,
                          long max, long *out)
{
    char *end;
    long v = strtol(arg, &end, 10);

    if (end == arg || *end || v < min || v > max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number from %ld "
                            "to %ld", cmd->cmd->name, arg, min, max);
    *out = v;
    apr_pool_cleanup_register(cmd->pool, NULL, glob_reset,
                              apr_pool_cleanup_null);
    return NULL;
}

const char *eas_imap_set_conns(cmd_parms *cmd, void *dconf,
                               const char *per_process, const char *per_user)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    if (!err)
        err = number(cmd, per_process, 1, 100000, &glob.conns);
    if (!err)
        err = number(cmd, per_user, 1, 1000, &glob.per_user);
    return err;
}

const char *eas_imap_set_global(cmd_parms *cmd, void *dconf, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    if (err)
        return err;
    if (!strcmp(cmd->info, "idle"))
        return number(cmd, arg, 0, 3600, &glob.idle);
    return number(cmd, arg, 0, 100000000L, &glob.lists);
}

/* ---- a request's user ---- */

static int credentials(request_rec *r, const ic_conf_t *c, eas_user_t *u,
                       const char *login)
{
    if (c->auth == AUTH_USER || c->auth == AUTH_UNSET) {
        if (!u->password) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(01800)
                          "user %s: the IMAP server is asked with the user's "
                          "own password (EASIMAPAuth user), but the request "
                          "carries none (Basic authentication is needed): "
                          "refusing with 403", u->login);
            return HTTP_FORBIDDEN;
        }
        apr_table_setn(u->params, "imap_authcid", login);
        return OK;
    }
    if (!c->svc_user) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(01801)
                      "EASIMAPAuth %s without EASIMAPServiceAccount",
                      c->auth == AUTH_MASTER ? "master" : "proxy");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_table_setn(u->params, "imap_secret", c->svc_password);
    if (c->auth == AUTH_MASTER) {
        apr_table_setn(u->params, "imap_authcid", apr_pstrcat(
                           r->pool, login, "*", c->svc_user, NULL));
        return OK;
    }
    apr_table_setn(u->params, "imap_authcid", c->svc_user);
    apr_table_setn(u->params, "imap_authzid", login);
    return OK;
}

static void set_server(request_rec *r, const ic_conf_t *c, eas_user_t *u)
{
    apr_table_setn(u->params, "imap_url", c->url);
    apr_table_setn(u->params, "imap_host", c->host);
    apr_table_setn(u->params, "imap_port", c->port);
    apr_table_setn(u->params, "imap_tls", c->tls);
    apr_table_setn(u->params, "imap_timeout",
                   apr_itoa(r->pool, c->timeout ? c->timeout : 30));
    apr_table_setn(u->params, "imap_check",
                   apr_itoa(r->pool, c->check ? c->check : 300));
    apr_table_setn(u->params, "imap_watch", c->watch ? c->watch : "auto");
    if (c->ca_file)
        apr_table_setn(u->params, "imap_ca", c->ca_file);
}

static int ic_user_params(request_rec *r, const void *conf, eas_user_t *u)
{
    const ic_conf_t *c = conf;
    const char *err = NULL;
    char *login;

    if (!c->url) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(01802)
                      "EASBackend imap without EASIMAPServer");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (!(login = eas_template_expand(r->pool, c->login ? c->login : "%u",
                                      u->login, &err))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(01803)
                      "EASIMAPLogin %s for user '%s': %s; refusing with 403",
                      c->login ? c->login : "%u", u->login, err);
        return HTTP_FORBIDDEN;
    }
    set_server(r, c, u);
    apr_table_setn(u->params, "imap_login", login);
    return credentials(r, c, u, login);
}

/* The change source's messages (never credentials: imap_watch.c). */
static void watch_log(void *ctx, int level, apr_status_t rv, const char *msg)
{
    if (rv >= APR_OS_START_USERERR && rv < APR_OS_START_USERERR + 1000)
        rv = APR_SUCCESS;       /* our own codes: the message says it */
    ap_log_error(APLOG_MARK, level, rv, ctx, EASLOGNO(01804)
                 "imap change source: %s", msg);
}

static apr_status_t close_all(void *unused)
{
    im_pool_close_all();
    return APR_SUCCESS;
}

static void ic_child_init(apr_pool_t *p, server_rec *s)
{
    im_pool_configure((int)glob.conns, (int)glob.per_user,
                      apr_time_from_sec(glob.idle));
    im_lists_set_limit((apr_size_t)glob.lists);
    im_watch_configure(watch_log, s, ap_runtime_dir_relative(
                           p, EAS_DROP_DIR));
    apr_pool_cleanup_register(p, NULL, close_all, apr_pool_cleanup_null);
}

const eas_backend_glue_t eas_imap_glue = {
    .backend = &eas_backend_imap,
    .create_conf = ic_create_conf,
    .merge_conf = ic_merge_conf,
    .ldap_attr = NULL,
    .user_params = ic_user_params,
    .child_init = ic_child_init,
};
