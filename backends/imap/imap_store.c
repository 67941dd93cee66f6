/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IMAP backend: opening a user's store, its connection and selected
 * mailbox, failures, and the vtable (backend.h).
 *
 * The store's parameters (set by imap_glue.c from the directives):
 *   imap_url        imap://host[:port] or imaps://host[:port]
 *   imap_host, imap_port, imap_tls ("none", "starttls", "implicit")
 *   imap_login      the user's name on the server
 *   imap_authcid    who authenticates (the login, "<login>*<master>", or
 *                   the proxy account)
 *   imap_authzid    proxy authorisation identity, or absent
 *   imap_secret     the service account's password (master, proxy);
 *                   absent: the user's own (eas_user_t.password)
 *   imap_timeout    seconds; imap_ca   a CA file
 */
#include "imap_backend.h"
#include "imap_watch.h"

#include <apr_strings.h>

#include <stdlib.h>
#include <string.h>

static void store_log(void *ctx, int level, apr_status_t rv, const char *msg)
{
    eas_store_log(ctx, level, rv, "imap: %s", msg);
}

static const char *param(const eas_user_t *u, const char *name)
{
    return u && u->params ? apr_table_get(u->params, name) : NULL;
}

static im_tls_t tls_of(const char *v)
{
    if (v && !strcmp(v, "implicit"))
        return IM_TLS_IMPLICIT;
    if (v && !strcmp(v, "starttls"))
        return IM_TLS_STARTTLS;
    return IM_TLS_NONE;
}

static apr_status_t server_of(im_store_t *s, const eas_user_t *u,
                              const char **err)
{
    im_server_t *v = &s->srv;
    const char *port = param(u, "imap_port"), *t = param(u, "imap_timeout");

    v->url = param(u, "imap_url");
    v->ep.host = param(u, "imap_host");
    v->login = param(u, "imap_login");
    v->authcid = param(u, "imap_authcid");
    v->authzid = param(u, "imap_authzid");
    v->password = param(u, "imap_secret");
    if (!v->password)
        v->password = u->password;
    if (!v->url || !v->ep.host || !port || !v->login || !v->authcid) {
        *err = "no IMAP server or login configured (EASIMAPServer)";
        return APR_EINVAL;
    }
    if (!v->password) {
        *err = "no password to log in to the IMAP server with";
        return APR_EACCES;
    }
    v->ep.port = (apr_port_t)atoi(port);
    v->ep.tls = tls_of(param(u, "imap_tls"));
    v->ep.ca_file = param(u, "imap_ca");
    v->ep.timeout_ms = (t ? atoi(t) : 30) * 1000;
    return APR_SUCCESS;
}

static apr_status_t im_open(eas_store_t **st, const eas_user_t *user,
                            const eas_store_ctx_t *ctx, const char **err)
{
    im_store_t *s = apr_pcalloc(ctx->pool, sizeof(*s));
    apr_status_t rv;

    s->base.backend = &eas_backend_imap;
    s->base.user = user;
    s->base.ctx = *ctx;
    s->pool = ctx->pool;
    s->log.log = store_log;
    s->log.log_ctx = &s->base;
    *err = NULL;
    if (!user || (rv = server_of(s, user, err)) != APR_SUCCESS) {
        if (!*err)
            *err = "no user";
        eas_store_log(&s->base, IM_LOG_ERR, APR_EINVAL, "imap: %s", *err);
        return APR_EINVAL;
    }
    *st = &s->base;
    return APR_SUCCESS;
}

static apr_status_t give_back(void *data)
{
    im_store_t *s = data;

    if (s->conn)
        im_pool_give(s->conn);
    s->conn = NULL;
    return APR_SUCCESS;
}

apr_status_t im_conn(im_store_t *s, im_conn_t **out)
{
    const char *err = NULL;
    apr_status_t rv;

    if (s->conn && im_broken(s->conn->c)) {
        im_pool_give(s->conn);      /* closes it */
        s->conn = NULL;
        s->fresh = NULL;
    }
    if (!s->conn) {
        rv = im_pool_take(&s->srv, &s->log, &s->conn, &err, s->pool);
        if (rv != APR_SUCCESS) {
            eas_store_log(&s->base, IM_LOG_ERR, rv, "imap: %s as %s: %s",
                          s->srv.url, s->srv.login, err);
            return rv == APR_EACCES ? APR_EACCES : EAS_EUNAVAIL;
        }
        apr_pool_cleanup_register(s->pool, s, give_back,
                                  apr_pool_cleanup_null);
    }
    *out = s->conn;
    return APR_SUCCESS;
}

apr_status_t im_fail(im_store_t *s, apr_status_t rv, const char *what,
                     const char *mailbox)
{
    if (rv == APR_SUCCESS || rv == APR_ENOENT || rv == APR_EEXIST
        || rv == APR_EINVAL || rv == APR_EACCES || rv == EAS_ECONFLICT)
        return rv;
    eas_store_log(&s->base, rv == EAS_EUNAVAIL ? IM_LOG_ERR : IM_LOG_WARNING,
                  rv, "imap: %s%s%s for %s on %s %s", what,
                  mailbox ? " of " : "", mailbox ? mailbox : "",
                  s->srv.login, s->srv.url,
                  rv == IM_ENO ? "was refused" : rv == IM_EBAD
                  ? "was not understood" : "failed");
    return rv == IM_ENO || rv == IM_EBAD ? APR_EGENERAL : EAS_EUNAVAIL;
}

/* SELECT's untagged answers: UIDVALIDITY, HIGHESTMODSEQ, EXISTS. */
static apr_status_t on_select(void *baton, const im_resp_t *r)
{
    im_conn_t *cn = baton;
    apr_uint64_t v;

    if (r->name && !strcmp(r->name, "EXISTS") && r->num >= 0)
        cn->exists = (apr_uint32_t)r->num;
    if (!r->status || !r->code || !r->code->child)
        return APR_SUCCESS;
    if (im_is(r->code->child, "UIDVALIDITY")
        && im_number(im_nth(r->code, 1), &v))
        cn->uidvalidity = (apr_uint32_t)v;
    else if (im_is(r->code->child, "HIGHESTMODSEQ")
             && im_number(im_nth(r->code, 1), &v))
        cn->highestmodseq = v;
    else if (im_is(r->code->child, "NOMODSEQ"))
        cn->highestmodseq = 0;
    return APR_SUCCESS;
}

apr_status_t im_select(im_store_t *s, const char *mailbox, im_conn_t **out)
{
    im_conn_t *cn;
    const im_resp_t *done = NULL;
    apr_status_t rv;

    if ((rv = im_conn(s, &cn)) != APR_SUCCESS)
        return rv;
    cn->selected = NULL;
    s->fresh = NULL;
    cn->uidvalidity = 0;
    cn->highestmodseq = 0;
    cn->exists = 0;
    rv = im_command(cn->c, on_select, cn, &done, s->pool,
                    im_has_cap(cn->c, "CONDSTORE") ? "SELECT %s (CONDSTORE)"
                                                   : "SELECT %s", mailbox);
    if (rv == IM_ENO)
        return APR_ENOENT;      /* deleted meanwhile, or never there */
    if (rv != APR_SUCCESS)
        return im_fail(s, rv, "SELECT", mailbox);
    cn->selected = apr_pstrdup(cn->pool, mailbox);
    s->fresh = cn->selected;
    *out = cn;
    return APR_SUCCESS;
}

apr_status_t im_leave_selected(im_conn_t *cn, apr_pool_t *p)
{
    int unselect = im_has_cap(cn->c, "UNSELECT");
    apr_status_t rv;

    if (!cn->selected)
        return APR_SUCCESS;
    rv = im_command(cn->c, NULL, NULL, NULL, p, unselect ? "UNSELECT"
                                                         : "NOOP");
    if (rv == APR_SUCCESS && unselect)
        cn->selected = NULL;
    return rv;
}

apr_status_t im_select_fresh(im_store_t *s, const char *mailbox,
                             im_conn_t **out)
{
    im_conn_t *cn;
    apr_status_t rv;

    if ((rv = im_conn(s, &cn)) != APR_SUCCESS)
        return rv;
    if (!cn->selected || strcmp(cn->selected, mailbox) != 0)
        return im_select(s, mailbox, out);
    if (s->fresh != cn->selected) {
        rv = im_command(cn->c, NULL, NULL, NULL, s->pool, "NOOP");
        if (rv != APR_SUCCESS)
            return im_fail(s, rv, "NOOP", mailbox);
        s->fresh = cn->selected;
    }
    *out = cn;
    return APR_SUCCESS;
}

const eas_backend_t eas_backend_imap = {
    .name = "imap",
    .classes = EAS_CLASS_BIT(EAS_CLASS_EMAIL),
    .open = im_open,
    .folders = im_folders,
    .folder_create = im_folder_create,
    .folder_update = im_folder_update,
    .folder_delete = im_folder_delete,
    .list = im_list,
    .stat = im_stat,
    .fetch = im_fetch,
    .set_flags = im_set_flags,
    .add = im_add,
    .replace = im_replace,
    .remove = im_remove,
    .move = im_move,
    .empty = im_empty,
    .send = NULL,               /* the module submits mail itself */
    .search = im_search,
    .prefetch = im_prefetch,
    .source = &im_source_ops,
};
