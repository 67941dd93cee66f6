/*
 * The per-request context a command works with: user, device state and
 * store, each set up once and torn down with the request pool.
 */
#include "mod_eas.h"
#include "context.h"
#include "pool_own.h"
#include "state_dbd.h"
#include "user.h"

#include <apr_strings.h>

#define EAS_DEFAULT_BACKEND "maildir"

static void store_log(void *log_ctx, int level, apr_status_t rv,
                      const char *msg)
{
    request_rec *r = log_ctx;

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
    if ((rc = state_open(ctx)) != OK)
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

/* create "0": a store that does not exist is not made (APR_ENOENT). */
static apr_status_t store_open(eas_ctx_t *ctx, const eas_backend_t *b,
                               const char *create, const char **err)
{
    request_rec *r = ctx->req->r;
    apr_pool_t *p = ctx->store_pool;
    eas_user_t *u = apr_pmemdup(p, ctx->user, sizeof(*u));
    eas_store_ctx_t sc;

    u->params = u->params ? apr_table_copy(p, u->params)
                          : apr_table_make(p, 1);
    apr_table_setn(u->params, "create", create);
    sc.pool = p;
    sc.log = store_log;
    sc.log_ctx = r;
    *err = NULL;
    return b->open(&ctx->store, u, &sc, err);
}

int eas_ctx_store(eas_ctx_t *ctx, eas_store_t **out)
{
    request_rec *r = ctx->req->r;
    const char *name = apr_table_get(ctx->user->params, "backend");
    const eas_backend_t *b;
    const char *err = NULL;
    apr_status_t rv;

    if (ctx->store) {
        *out = ctx->store;
        return OK;
    }
    if (!name)
        name = EAS_DEFAULT_BACKEND;
    if (!ctx->store_pool)
        ctx->store_pool = eas_pool_own(r->pool);
    if (!(b = eas_backend_find(name))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(00604)
                      "backend '%s' is not available", name);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /*
     * A store is made on first use, but not again once a device has
     * synced it: gone then, it was moved or its file system is missing,
     * and an empty new one would have every phone delete its copy.
     */
    rv = store_open(ctx, b, "0", &err);
    if (rv == APR_ENOENT && device_knows_store(ctx)) {
        ctx->store = NULL;
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(01361)
                      "the %s store of %s is missing (%s) though device %s "
                      "has synced it: not making a new, empty one; the "
                      "device is served again when the store is back",
                      name, ctx->user->login, err ? err : "no detail",
                      ctx->req->device_id);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (rv == APR_ENOENT)
        rv = store_open(ctx, b, "1", &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(00605)
                      "cannot open the %s store of %s: %s", name,
                      ctx->user->login, err ? err : "unknown error");
        ctx->store = NULL;
        return HTTP_SERVICE_UNAVAILABLE;
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
