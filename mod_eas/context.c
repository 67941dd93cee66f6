/*
 * The per-request context a command works with: user, device state and
 * store, each set up once and torn down with the request pool.
 */
#include "mod_eas.h"
#include "context.h"
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

/* The device's state on a connection of its own, locked; OK or HTTP. */
static int state_open(eas_ctx_t *ctx)
{
    eas_request_t *req = ctx->req;
    request_rec *r = req->r;
    apr_status_t rv;
    int rc;

    apr_pool_create(&ctx->state_pool, r->pool);
    rc = eas_state_for_request(r, ctx->state_pool, ctx->user->login,
                               req->device_id, &ctx->state);
    if (rc != OK)
        return rc;
    if ((rv = eas_state_lock(ctx->state)) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(00602)
                      "cannot lock the state of device %s: %s",
                      req->device_id, eas_state_error(ctx->state));
        return HTTP_SERVICE_UNAVAILABLE;
    }
    rv = eas_state_device(ctx->state, req->device_type, &ctx->device);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(00603)
                      "cannot read the state of device %s: %s",
                      req->device_id, eas_state_error(ctx->state));
        return HTTP_SERVICE_UNAVAILABLE;
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
}

int eas_ctx_resume(eas_ctx_t *ctx)
{
    int rc = state_open(ctx);

    if (rc != OK)
        eas_ctx_suspend(ctx);
    return rc;
}

int eas_ctx_store(eas_ctx_t *ctx, eas_store_t **out)
{
    request_rec *r = ctx->req->r;
    const char *name = apr_table_get(ctx->user->params, "backend");
    const eas_backend_t *b;
    eas_store_ctx_t sc;
    const char *err = NULL;
    apr_status_t rv;

    if (ctx->store) {
        *out = ctx->store;
        return OK;
    }
    if (!name)
        name = EAS_DEFAULT_BACKEND;
    if (!(b = eas_backend_find(name))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(00604)
                      "backend '%s' is not available", name);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    sc.pool = r->pool;
    sc.log = store_log;
    sc.log_ctx = r;
    if ((rv = b->open(&ctx->store, ctx->user, &sc, &err)) != APR_SUCCESS) {
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
