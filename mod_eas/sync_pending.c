/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whether a Sync would send a device anything for a collection now: the
 * test a waiting Ping or Sync makes before it wakes the phone, so that a
 * change the device made itself, or one outside its time window, wakes
 * nobody.
 */
#include "mod_eas.h"
#include "sync_engine.h"

/* The options the device last synced the collection with, or defaults. */
static void options_of(eas_sync_req_t *sr, const char *id,
                       eas_sync_options_t *o)
{
    apr_array_header_t *cache = eas_sync_cache_load(sr);
    int i;

    eas_sync_options_default(o);
    for (i = 0; cache && i < cache->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(cache, i, eas_sync_coll_t).id, id) == 0
            && APR_ARRAY_IDX(cache, i, eas_sync_coll_t).has_options)
            *o = APR_ARRAY_IDX(cache, i, eas_sync_coll_t).opts;
}

int eas_sync_has_changes(eas_sync_req_t *sr, const char *id)
{
    apr_array_header_t *keys, *pending;
    eas_sync_options_t o;
    eas_snapshot_t *s;
    apr_status_t rv;

    if (eas_sync_store(sr) != OK)
        return -1;
    if (!eas_sync_folder(sr, id))
        return EAS_SYNC_GONE;
    rv = eas_state_sync_keys(sr->ctx->state, id, &keys, eas_sync_pool(sr));
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, sr->r, EASLOGNO(01160)
                      "cannot read the sync keys of collection %s: %s", id,
                      eas_state_error(sr->ctx->state));
        return -1;
    }
    /* Never synchronised: a Sync would start it. */
    if (keys->nelts == 0)
        return 1;
    rv = eas_sync_snapshot(sr, id, APR_ARRAY_IDX(keys, keys->nelts - 1,
                                                 const char *), &s);
    if (rv == APR_ENOENT)
        return 1;
    if (rv != APR_SUCCESS)
        return -1;
    options_of(sr, id, &o);
    if (!(pending = eas_sync_pending(sr, id, s, &o)))
        return -1;
    return pending->nelts > 0;
}
