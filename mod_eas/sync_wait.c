/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sync with Wait or HeartbeatInterval (MS-ASCMD 2.2.3.191, 2.2.3.84):
 * a Sync that has nothing to send waits, on the same machinery as Ping
 * (push.h), until one of its collections has something or the time ends.
 */
#include "mod_eas.h"
#include "sync_engine.h"
#include "pool_own.h"
#include "push.h"

/*
 * Whether a (fired) collection has something now; -1 on a failure.  What
 * it reads goes with a pool of its own before the request sleeps again.
 */
static int any_news(eas_sync_req_t *sr, eas_push_t *w, int all)
{
    eas_sync_req_t look = *sr;
    int i, rc = 0;

    look.folders = NULL;        /* list them afresh */
    look.pool = eas_pool_own(sr->r->pool);
    for (i = 0; rc == 0 && i < sr->colls->nelts; i++) {
        if (!all && !eas_push_fired(w, i))
            continue;
        rc = eas_sync_has_changes(&look, APR_ARRAY_IDX(sr->colls, i,
                                                       eas_sync_coll_t).id);
    }
    apr_pool_destroy(look.pool);
    return rc == 0 ? 0 : rc < 0 ? -1 : 1;
}

/* Work every collection out again, now that there is something. */
static int prepare_again(eas_sync_req_t *sr)
{
    int i, news = 0;

    sr->folders = NULL;
    for (i = 0; i < sr->colls->nelts; i++) {
        eas_sync_coll_t *c = &APR_ARRAY_IDX(sr->colls, i, eas_sync_coll_t);

        c->commands = NULL;     /* applied already (there were none) */
        eas_sync_collection_prepare(sr, c);
        news |= eas_sync_collection_news(c);
    }
    return news;
}

static int watch_all(eas_sync_req_t *sr, eas_push_t *w)
{
    eas_store_t *st;
    apr_status_t rv = APR_SUCCESS;
    int i;

    if (eas_ctx_store(sr->ctx, &st) != OK)
        return -1;
    /* A collection without a change source waits for the end of the time;
       the others are still watched. */
    for (i = 0; (rv == APR_SUCCESS || rv == APR_ENOTIMPL)
                && i < sr->colls->nelts; i++)
        rv = eas_push_watch(w, st, APR_ARRAY_IDX(sr->colls, i,
                                                 eas_sync_coll_t).id, i);
    if (rv != APR_SUCCESS && rv != APR_ENOTIMPL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, sr->r, EASLOGNO(01142)
                      "Sync with Wait: cannot watch the collections of %s",
                      sr->ctx->user->login);
        return -1;
    }
    return 0;
}

int eas_sync_wait(eas_sync_req_t *sr, int seconds, int *http)
{
    eas_request_t *req = sr->ctx->req;
    apr_time_t deadline = sr->r->request_time + apr_time_from_sec(seconds);
    eas_push_t *w;
    eas_push_event_t ev;
    int rc, all = 1;

    *http = eas_push_begin(sr->r, sr->ctx->user->login, req->device_id,
                           sr->colls->nelts, &w);
    if (*http != OK || watch_all(sr, w) != 0)
        return 0;
    /* The first look comes after the watches: nothing slips between. */
    for (;;) {
        rc = any_news(sr, w, all);
        eas_push_clear(w);
        if (rc != 0)
            return rc > 0 ? prepare_again(sr) : 0;
        all = 0;
        eas_ctx_suspend(sr->ctx);
        ev = eas_push_sleep(w, deadline);
        if (ev == EAS_PUSH_GONE) {
            sr->r->connection->aborted = 1;
            return -1;
        }
        if (ev != EAS_PUSH_CHANGED || eas_ctx_resume(sr->ctx) != OK)
            return 0;
    }
}
