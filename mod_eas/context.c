/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-request context a command works with: user, device state and
 * store, each set up once and torn down with the request pool.
 */
#include "mod_eas.h"
#include "context.h"
#include "pool_own.h"
#include "state_dbd.h"
#include "user.h"
#include "backend_conf.h"
#include "backend_mux.h"

#include <apr_strings.h>

static void store_log(void *log_ctx, int level, apr_status_t rv,
                      const char *msg)
{
    request_rec *r = log_ctx;

    /* A backend's own codes (EAS_EUNAVAIL...) mean nothing to APR's
       strerror ("APR does not understand this error code"): the message
       says what happened. */
    if (rv >= APR_OS_START_USERERR && rv < APR_OS_START_USERERR + 1000)
        rv = APR_SUCCESS;
    ap_log_rerror(APLOG_MARK, level, rv, r, EASLOGNO(00601) "store: %s", msg);
}

#define STATE_AGAIN (-1)

/* A state operation failed: STATE_AGAIN if one more try on a connection
   taken anew may succeed (first try only), else 503, logged.  what is
   "open" (logged already), "lock" or "read". */
static int state_failed(eas_ctx_t *ctx, apr_status_t rv, int first,
                        const char *what)
{
    eas_request_t *req = ctx->req;
    request_rec *r = req->r;
    const char *why = ctx->state ? eas_state_error(ctx->state)
                                 : "see the line above";

    if (eas_state_failed(ctx->state_pool, rv) && first) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r, EASLOGNO(01360)
                      "cannot %s the state of device %s (%s): trying once "
                      "more on a new connection", what, req->device_id, why);
        eas_ctx_suspend(ctx);
        return STATE_AGAIN;
    }
    if (*what == 'l')
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(00602)
                      "cannot lock the state of device %s: %s",
                      req->device_id, why);
    else if (*what == 'r')
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(00603)
                      "cannot read the state of device %s: %s",
                      req->device_id, why);
    return HTTP_SERVICE_UNAVAILABLE;
}

static int state_try(eas_ctx_t *ctx, int first)
{
    eas_request_t *req = ctx->req;
    request_rec *r = req->r;
    apr_status_t rv;
    int rc;

    ctx->state_pool = eas_pool_own(r->pool);
    rc = eas_state_for_request(r, ctx->state_pool, ctx->user->login,
                               req->device_id, &ctx->state);
    /* With a connection but no state (the schema could not be read on
       it): a database error like the others. */
    if (rc != OK)
        return state_failed(ctx, APR_EGENERAL, first, "open");
    if ((rv = eas_state_lock(ctx->state)) != APR_SUCCESS)
        return state_failed(ctx, rv, first, "lock");
    rv = eas_state_device(ctx->state, req->device_type, &ctx->device);
    if (rv != APR_SUCCESS)
        return state_failed(ctx, rv, first, "read");
    return OK;
}

/*
 * The device's state on a connection of its own, locked; OK or HTTP.
 * A PostgreSQL connection kept by mod_dbd may have lost its server since
 * it was last used (a restart): its first statement fails, and a second
 * try gets a connection mod_dbd re-establishes.
 */
static int state_open(eas_ctx_t *ctx)
{
    int rc = state_try(ctx, 1);

    return rc == STATE_AGAIN ? state_try(ctx, 0) : rc;
}

/*
 * The user as each backend serving r sees it (backend_glue.h): its own
 * copy with its settings, made once per request; a user whom a backend's
 * settings cannot serve is refused here, before any command runs.
 */
static int backend_users(eas_ctx_t *ctx)
{
    request_rec *r = ctx->req->r;
    int c, k, rc;

    for (c = 0; c < EAS_NCLASSES; c++) {
        const eas_backend_glue_t *g = eas_backend_for(r, c);
        eas_user_t *u;

        ctx->glue[c] = g;
        for (k = 0; k < c && g && ctx->glue[k] != g; k++)
            ;
        if (!g || k < c)
            continue;
        u = apr_pmemdup(r->pool, ctx->user, sizeof(*u));
        u->params = apr_table_copy(r->pool, ctx->user->params);
        if (g->user_params
            && (rc = g->user_params(r, eas_backend_req_conf(r, g), u)) != OK)
            return rc;
        ctx->users[c] = u;
    }
    return OK;
}

int eas_ctx_open(eas_request_t *req, eas_ctx_t **out)
{
    request_rec *r = req->r;
    eas_ctx_t *ctx = apr_pcalloc(r->pool, sizeof(*ctx));
    eas_user_t *user;
    int rc;

    ctx->req = req;
    if ((rc = eas_user_lookup(r, &user)) != OK)
        return rc;
    ctx->user = user;
    if ((rc = backend_users(ctx)) != OK || (rc = state_open(ctx)) != OK)
        return rc;
    req->ctx = ctx;
    *out = ctx;
    return OK;
}

void eas_ctx_suspend(eas_ctx_t *ctx)
{
    if (ctx->state_pool)
        apr_pool_destroy(ctx->state_pool);
    ctx->state_pool = NULL;
    ctx->state = NULL;
    /* A store holds its folders' listings, a megabyte for a large Inbox. */
    if (ctx->store_pool)
        apr_pool_destroy(ctx->store_pool);
    ctx->store_pool = NULL;
    ctx->store = NULL;
}

int eas_ctx_resume(eas_ctx_t *ctx)
{
    int rc = state_open(ctx);

    if (rc != OK)
        eas_ctx_suspend(ctx);
    return rc;
}

/* The device has listed this user's folders before (a FolderSync key). */
static int device_knows_store(eas_ctx_t *ctx)
{
    apr_array_header_t *keys;

    return ctx->state
           && eas_state_sync_keys(ctx->state, EAS_STATE_HIERARCHY, &keys,
                                  ctx->req->r->pool) == APR_SUCCESS
           && keys->nelts > 0;
}

/* The id map of the user's state (backend.h), while the state is open. */
static apr_status_t idmap_to_id(const eas_idmap_t *m, const char *ns,
                                const char *native, int create,
                                const char **id, apr_pool_t *p)
{
    eas_ctx_t *ctx = m->baton;

    return ctx->state ? eas_state_idmap_id(ctx->state, ns, native, create,
                                           id, p) : APR_EINIT;
}

static apr_status_t idmap_to_native(const eas_idmap_t *m, const char *ns,
                                    const char *id, const char **native,
                                    apr_pool_t *p)
{
    eas_ctx_t *ctx = m->baton;

    return ctx->state ? eas_state_idmap_native(ctx->state, ns, id, native, p)
                      : APR_EINIT;
}

static apr_status_t idmap_forget(const eas_idmap_t *m, const char *ns,
                                 const char *native)
{
    eas_ctx_t *ctx = m->baton;

    return ctx->state ? eas_state_idmap_forget(ctx->state, ns, native)
                      : APR_EINIT;
}

static apr_status_t idmap_rename(const eas_idmap_t *m, const char *ns,
                                 const char *from, const char *to)
{
    eas_ctx_t *ctx = m->baton;

    return ctx->state ? eas_state_idmap_rename(ctx->state, ns, from, to)
                      : APR_EINIT;
}

static apr_status_t idmap_all(const eas_idmap_t *m, const char *ns,
                              apr_hash_t **native_to_id, apr_pool_t *p)
{
    eas_ctx_t *ctx = m->baton;

    return ctx->state ? eas_state_idmap_all(ctx->state, ns, native_to_id, p)
                      : APR_EINIT;
}

static apr_status_t idmap_to_ids(const eas_idmap_t *m, const char *ns,
                                 const apr_array_header_t *natives,
                                 apr_hash_t *native_to_id, apr_pool_t *p)
{
    eas_ctx_t *ctx = m->baton;

    return ctx->state ? eas_state_idmap_ids(ctx->state, ns, natives,
                                            native_to_id, p) : APR_EINIT;
}

static void store_ctx(eas_ctx_t *ctx, eas_store_ctx_t *sc)
{
    ctx->idmap.to_id = idmap_to_id;
    ctx->idmap.to_native = idmap_to_native;
    ctx->idmap.forget = idmap_forget;
    ctx->idmap.rename = idmap_rename;
    ctx->idmap.all = idmap_all;
    ctx->idmap.to_ids = idmap_to_ids;
    ctx->idmap.baton = ctx;
    /* mod_dbd's database is the server's: one per server_rec */
    ctx->idmap.scope = apr_psprintf(ctx->req->r->pool, "%pp",
                                    (void *)ctx->req->r->server);
    sc->pool = ctx->store_pool;
    sc->log = store_log;
    sc->log_ctx = ctx->req->r;
    sc->idmap = &ctx->idmap;
}

/* create "0": a store that does not exist is not made (APR_ENOENT). */
static apr_status_t store_open(eas_ctx_t *ctx, const eas_backend_t *b,
                               const eas_user_t *user, const char *create,
                               eas_store_t **st, const char **err)
{
    eas_user_t *u = apr_pmemdup(ctx->store_pool, user, sizeof(*u));
    eas_store_ctx_t sc;

    store_ctx(ctx, &sc);
    u->params = apr_table_copy(ctx->store_pool, user->params);
    apr_table_setn(u->params, "create", create);
    *err = NULL;
    return b->open(st, u, &sc, err);
}

/* The store of the backend serving class c: OK, or an HTTP status
   (logged). */
static int member_open(eas_ctx_t *ctx, int c, eas_store_t **st)
{
    request_rec *r = ctx->req->r;
    const eas_backend_glue_t *g = ctx->glue[c];
    const eas_user_t *u = ctx->users[c];
    const char *name = g->backend->name, *err = NULL;
    apr_status_t rv;

    /*
     * A store is made on first use, but not again once a device has
     * synced it: gone then, it was moved or its file system is missing,
     * and an empty new one would have every phone delete its copy.
     */
    rv = store_open(ctx, g->backend, u, "0", st, &err);
    if (rv == APR_ENOENT && device_knows_store(ctx)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(01361)
                      "the %s store of %s is missing (%s) though device %s "
                      "has synced it: not making a new, empty one; the "
                      "device is served again when the store is back",
                      name, ctx->user->login, err ? err : "no detail",
                      ctx->req->device_id);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (rv == APR_ENOENT)
        rv = store_open(ctx, g->backend, u, "1", st, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(00605)
                      "cannot open the %s store of %s: %s", name,
                      ctx->user->login, err ? err : "unknown error");
        if (rv == EAS_EUNAVAIL)
            apr_table_setn(r->err_headers_out, "Retry-After", "60");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    return OK;
}

/* by_class[c]: the store of the backend serving class c, each opened once. */
static int members_open(eas_ctx_t *ctx, eas_store_t *by_class[EAS_NCLASSES])
{
    int c, k, rc;

    for (c = 0; c < EAS_NCLASSES; c++) {
        by_class[c] = NULL;
        for (k = 0; k < c && ctx->glue[c] && ctx->glue[k] != ctx->glue[c]; k++)
            ;
        if (ctx->glue[c] && k < c)
            by_class[c] = by_class[k];
        else if (ctx->glue[c] && (rc = member_open(ctx, c, &by_class[c])))
            return rc;
    }
    return OK;
}

int eas_ctx_store(eas_ctx_t *ctx, eas_store_t **out)
{
    request_rec *r = ctx->req->r;
    eas_store_t *by_class[EAS_NCLASSES];
    eas_store_ctx_t sc;
    int rc;

    if (ctx->store) {
        *out = ctx->store;
        return OK;
    }
    if (!ctx->store_pool)
        ctx->store_pool = eas_pool_own(r->pool);
    if ((rc = members_open(ctx, by_class)) != OK)
        return rc;
    store_ctx(ctx, &sc);
    if (eas_mux_open(&ctx->store, by_class, ctx->user, &sc) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(00604)
                      "no backend serves this location, or two of its "
                      "backends' names begin with the same letter");
        ctx->store = NULL;
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    *out = ctx->store;
    return OK;
}

int eas_ctx_save_device(eas_ctx_t *ctx)
{
    apr_status_t rv = eas_state_device_put(ctx->state, ctx->device);

    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, ctx->req->r, EASLOGNO(00606)
                      "cannot save the state of device %s: %s",
                      ctx->req->device_id, eas_state_error(ctx->state));
        return HTTP_SERVICE_UNAVAILABLE;
    }
    return OK;
}
