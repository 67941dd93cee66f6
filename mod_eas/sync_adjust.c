/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Record changes the device made itself outside Sync in every stored
 * snapshot of the folders involved (the newest key and the one the
 * device may still repeat), so that no Sync reports them back.
 */
#include "mod_eas.h"
#include "sync_adjust.h"
#include "sync_snapshot.h"

#include <apr_strings.h>

typedef void (*edit_fn)(eas_snapshot_t *s, const void *baton);

static void edit_all(eas_ctx_t *ctx, const char *collection, edit_fn fn,
                     const void *baton)
{
    request_rec *r = ctx->req->r;
    apr_array_header_t *keys;
    apr_status_t rv;
    int i;

    rv = eas_state_sync_keys(ctx->state, collection, &keys, r->pool);
    for (i = 0; rv == APR_SUCCESS && i < keys->nelts; i++) {
        const char *key = APR_ARRAY_IDX(keys, i, const char *), *text;
        eas_snapshot_t *s;

        rv = eas_state_sync_get(ctx->state, collection, key, &text, r->pool);
        if (rv != APR_SUCCESS || !(s = eas_snapshot_parse(r->pool, text)))
            continue;
        fn(s, baton);
        rv = eas_state_sync_update(ctx->state, collection, key,
                                   eas_snapshot_text(s, r->pool));
    }
    /* Not fatal: the device then sees its own change once more. */
    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r, EASLOGNO(00650)
                      "cannot record a change of folder %s in the sync "
                      "state: %s", collection, eas_state_error(ctx->state));
}

typedef struct {
    const char *id;
    const char *token;
} entry_t;

static void drop(eas_snapshot_t *s, const void *baton)
{
    eas_snapshot_remove(s, ((const entry_t *)baton)->id);
}

static void put(eas_snapshot_t *s, const void *baton)
{
    const entry_t *e = baton;

    eas_snapshot_set(s, e->id, e->token);
}

static void clear(eas_snapshot_t *s, const void *baton)
{
    eas_snapshot_clear(s);
}

void eas_sync_note_move(eas_ctx_t *ctx, const char *src, const char *src_item,
                        const char *dst, const char *dst_item,
                        const char *token)
{
    entry_t from = { src_item, NULL }, to = { dst_item, token };

    edit_all(ctx, src, drop, &from);
    edit_all(ctx, dst, put, &to);
}

void eas_sync_note_emptied(eas_ctx_t *ctx, const char *folder)
{
    edit_all(ctx, folder, clear, NULL);
}

static void skip_all(eas_snapshot_t *s, const void *baton)
{
    const apr_array_header_t *items = baton;
    int i;

    for (i = 0; i < items->nelts; i++) {
        const eas_item_ref_t *it = &APR_ARRAY_IDX(items, i, eas_item_ref_t);
        eas_snapshot_skip(s, it->id, it->token);
    }
}

void eas_sync_note_skipped(eas_ctx_t *ctx, const char *folder,
                           const apr_array_header_t *items)
{
    if (items->nelts)
        edit_all(ctx, folder, skip_all, items);
}

static void drop_all(eas_snapshot_t *s, const void *baton)
{
    const apr_array_header_t *ids = baton;
    int i;

    for (i = 0; i < ids->nelts; i++)
        eas_snapshot_remove(s, APR_ARRAY_IDX(ids, i, const char *));
}

void eas_sync_note_unsent(eas_ctx_t *ctx, const char *folder,
                          const apr_array_header_t *ids)
{
    if (ids->nelts)
        edit_all(ctx, folder, drop_all, ids);
}
