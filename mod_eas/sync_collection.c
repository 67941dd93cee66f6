/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One collection of a Sync: SyncKey 0, the device's changes, the server's
 * changes in the window, the snapshot of the next key; then its part of
 * the response, message by message.
 */
#include "mod_eas.h"
#include "sync_engine.h"
#include "sync_pim.h"
#include "folder_state.h"
#include "sync_conf.h"
#include "sync_item.h"
#include "server_id.h"

#include <apr_strings.h>

#define A(name) EAS_AirSync_##name

int eas_sync_store(eas_sync_req_t *sr)
{
    if (sr->folders)
        return OK;
    if (eas_ctx_store(sr->ctx, &sr->store) != OK
        || !(sr->folders = eas_folder_list_in(sr->ctx, eas_sync_pool(sr))))
        return HTTP_SERVICE_UNAVAILABLE;
    return OK;
}

const eas_folder_t *eas_sync_folder(eas_sync_req_t *sr, const char *id)
{
    const eas_folder_t *f;

    if (!eas_id_valid(id) || !(f = eas_folder_find(sr->folders, id)))
        return NULL;
    return f->cls == EAS_CLASS_EMAIL || eas_pim_class(f->cls) ? f : NULL;
}

apr_status_t eas_sync_snapshot(eas_sync_req_t *sr, const char *collection,
                               const char *key, eas_snapshot_t **s)
{
    eas_ctx_t *ctx = sr->ctx;
    const char *text;
    apr_status_t rv;

    if (!eas_synckey_valid(key))
        return APR_ENOENT;
    rv = eas_state_sync_get(ctx->state, collection, key, &text,
                            eas_sync_pool(sr));
    if (rv == APR_ENOENT)
        return rv;
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, sr->r, EASLOGNO(01100)
                      "cannot read the sync state of collection %s: %s",
                      collection, eas_state_error(ctx->state));
        return rv;
    }
    if (!(*s = eas_snapshot_parse(eas_sync_pool(sr), text))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, sr->r, EASLOGNO(01101)
                      "stored sync state of collection %s, key %s, is "
                      "corrupt: the device must resynchronise", collection,
                      key);
        return APR_ENOENT;
    }
    return APR_SUCCESS;
}

/* The policy's widest window for the folder's class (0: none). */
static int max_filter(eas_sync_req_t *sr, const char *folder)
{
    const eas_folder_t *f = eas_sync_folder(sr, folder);

    if (!f || f->cls == EAS_CLASS_EMAIL)
        return sr->max_age_filter;
    return f->cls == EAS_CLASS_CALENDAR ? sr->max_cal_filter : 0;
}

apr_array_header_t *eas_sync_pending(eas_sync_req_t *sr, const char *folder,
                                     const eas_snapshot_t *s,
                                     const eas_sync_options_t *o)
{
    apr_array_header_t *items;
    eas_filter_t f;
    apr_status_t rv;

    /* Everything, old items too: those the device has and the window no
       longer covers become soft deletes. */
    eas_sync_filter(o->filter_type, max_filter(sr, folder), sr->now, &f);
    rv = sr->store->backend->list(sr->store, folder, &f, &items,
                                  eas_sync_pool(sr));
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, sr->r, EASLOGNO(01102)
                      "cannot list folder %s of %s", folder,
                      sr->ctx->user->login);
        return NULL;
    }
    return eas_snapshot_diff(s, items, eas_sync_pool(sr));
}

/*
 * SyncKey 0: a fresh lineage whose snapshot is empty; nothing is sent.
 * The device has nothing to change yet and may not ask for changes
 * (MS-ASCMD GetChanges: Status 4 with SyncKey 0); no key is made then.
 */
static void prime(eas_sync_req_t *sr, eas_sync_coll_t *c)
{
    eas_ctx_t *ctx = sr->ctx;
    const char *key = eas_synckey_first(sr->r->pool);
    apr_status_t rv;

    if (c->commands || c->get_changes == 1) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, sr->r, EASLOGNO(01103)
                      "Sync of collection %s with SyncKey 0 carries %s",
                      c->id, c->commands ? "Commands" : "GetChanges 1");
        c->status = EAS_SYNC_PROTOCOL;
        return;
    }
    /* With no previous key, this drops every older key of the collection. */
    rv = eas_state_sync_put(ctx->state, c->id, NULL, key, "");
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, sr->r, EASLOGNO(01104)
                      "cannot store the sync state of collection %s: %s",
                      c->id, eas_state_error(ctx->state));
        c->status = EAS_SYNC_SERVER_ERROR;
        return;
    }
    c->new_key = key;
}

/* How many of the pending changes this response carries. */
static int window_of(eas_sync_req_t *sr, const eas_sync_coll_t *c)
{
    int max = eas_sync_conf(sr->r)->max_window;
    int w = c->window < 0 ? EAS_SYNC_DEFAULT_WINDOW
            : c->window == 0 ? EAS_SYNC_WINDOW_CEILING : c->window;

    if (w > max)
        w = max;
    return w < sr->budget ? w : sr->budget;
}

/* Take the first changes of the window and record them as sent. */
static void take_changes(eas_sync_req_t *sr, eas_sync_coll_t *c,
                         eas_snapshot_t *s, apr_array_header_t *pending)
{
    int n = window_of(sr, c), i;

    if (n > pending->nelts)
        n = pending->nelts;
    for (i = 0; i < n; i++) {
        const eas_change_t *ch = &APR_ARRAY_IDX(pending, i, eas_change_t);
        eas_snapshot_apply(s, ch);
        APR_ARRAY_PUSH(c->changes, eas_change_t) = *ch;
    }
    c->more = pending->nelts > n;
    sr->budget -= n;
}

static void store_next(eas_sync_req_t *sr, eas_sync_coll_t *c,
                       const eas_snapshot_t *s)
{
    eas_ctx_t *ctx = sr->ctx;
    const char *next = eas_synckey_next(sr->r->pool, c->key);
    apr_status_t rv;

    rv = eas_state_sync_put(ctx->state, c->id, c->key, next,
                            eas_snapshot_text(s, sr->r->pool));
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, sr->r, EASLOGNO(01105)
                      "cannot store the sync state of collection %s: %s",
                      c->id, eas_state_error(ctx->state));
        c->status = EAS_SYNC_SERVER_ERROR;
        apr_array_clear(c->replies);
        apr_array_clear(c->changes);
        c->more = 0;
        return;
    }
    c->new_key = next;
}

void eas_sync_collection_prepare(eas_sync_req_t *sr, eas_sync_coll_t *c)
{
    apr_pool_t *p = sr->r->pool;
    eas_snapshot_t *s;
    apr_array_header_t *pending;
    apr_status_t rv;
    int applied = 0;

    c->status = EAS_SYNC_OK;
    c->new_key = c->key;
    c->replies = apr_array_make(p, 4, sizeof(eas_sync_reply_t));
    c->changes = apr_array_make(p, 16, sizeof(eas_change_t));
    c->more = 0;
    if (eas_sync_store(sr) != OK) {
        c->status = EAS_SYNC_SERVER_ERROR;
        return;
    }
    if (!(c->folder = eas_sync_folder(sr, c->id))) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, sr->r, EASLOGNO(01106)
                      "Sync of unknown collection '%s'", c->id);
        c->status = EAS_SYNC_NOT_FOUND;
        return;
    }
    if (c->opts.filter_type == EAS_FILTER_INCOMPLETE
        && c->folder->cls != EAS_CLASS_TASKS) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, sr->r, EASLOGNO(01108)
                      "Sync of collection %s: FilterType 8 (incomplete "
                      "tasks) for a folder of %s", c->id,
                      eas_class_name(c->folder->cls));
        c->status = EAS_SYNC_PROTOCOL;
        return;
    }
    if (strcmp(c->key, "0") == 0) {
        prime(sr, c);
        return;
    }
    rv = eas_sync_snapshot(sr, c->id, c->key, &s);
    if (rv != APR_SUCCESS) {
        if (rv == APR_ENOENT)
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, sr->r, EASLOGNO(01107)
                          "Sync of collection %s with unknown SyncKey '%s': "
                          "the device must start over", c->id, c->key);
        c->status = rv == APR_ENOENT ? EAS_SYNC_BAD_KEY : EAS_SYNC_SERVER_ERROR;
        return;
    }
    if (c->commands && (applied = eas_sync_client_changes(sr, c, s)) < 0) {
        c->status = EAS_SYNC_PROTOCOL;
        apr_array_clear(c->replies);
        return;
    }
    if (c->get_changes != 0) {
        if (!(pending = eas_sync_pending(sr, c->id, s, &c->opts))) {
            c->status = EAS_SYNC_SERVER_ERROR;
            apr_array_clear(c->replies);
            return;
        }
        take_changes(sr, c, s, pending);
    }
    /* Nothing done and nothing sent: the key stays, nothing is written. */
    if (applied > 0 || c->changes->nelts > 0)
        store_next(sr, c, s);
}

int eas_sync_collection_news(const eas_sync_coll_t *c)
{
    return c->status != EAS_SYNC_OK || strcmp(c->key, c->new_key) != 0
           || c->replies->nelts || c->changes->nelts || c->more;
}

/* ---- the response ---- */

static void write_replies(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                          eas_wbxml_enc_t *e, apr_pool_t *scratch)
{
    int i;

    eas_enc_start(e, A(Responses));
    for (i = 0; i < c->replies->nelts; i++) {
        const eas_sync_reply_t *rp = &APR_ARRAY_IDX(c->replies, i,
                                                    eas_sync_reply_t);
        if (rp->kind == A(Fetch)) {
            eas_sync_item_fetch(sr, c, rp, e, scratch);
            apr_pool_clear(scratch);
            continue;
        }
        eas_enc_start(e, rp->kind);
        if (rp->client_id)
            eas_enc_str(e, A(ClientId), rp->client_id);
        if (rp->server_id)
            eas_enc_str(e, A(ServerId), rp->server_id);
        eas_enc_int(e, A(Status), rp->status);
        eas_enc_end(e);
    }
    eas_enc_end(e);
}

static void skipped(eas_sync_req_t *sr, const eas_item_ref_t *item)
{
    eas_item_ref_t *r = apr_array_push(sr->skipped);

    memset(r, 0, sizeof(*r));
    r->id = apr_pstrdup(sr->r->pool, item->id);
    r->token = apr_pstrdup(sr->r->pool, item->token ? item->token : "");
}

static void write_change(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                         const eas_change_t *ch, eas_wbxml_enc_t *e,
                         apr_pool_t *scratch)
{
    switch (ch->kind) {
    case EAS_CHANGE_ADD:
        /* Left out: the key's snapshot must not claim it (cmd_sync.c),
           or, refused by its converter, claims it as skipped. */
        switch (eas_sync_item_add(sr, c, ch->item, e, scratch)) {
        case 0:
            break;
        case EAS_SYNC_ITEM_INVALID:
            skipped(sr, ch->item);
            break;
        default:
            APR_ARRAY_PUSH(sr->unsent, const char *) =
                apr_pstrdup(sr->r->pool, ch->id);
        }
        break;
    case EAS_CHANGE_CHANGE:
        if (eas_sync_pim_class(c)) {
            eas_sync_pim_write(sr, c, A(Change), ch->id, e, scratch);
            break;
        }
        eas_enc_start(e, A(Change));
        eas_enc_str(e, A(ServerId), eas_server_id(scratch, c->id, ch->id));
        eas_enc_start(e, A(ApplicationData));
        eas_sync_item_flags(sr, ch->item, e);
        eas_enc_end(e);
        eas_enc_end(e);
        break;
    case EAS_CHANGE_DELETE:
    case EAS_CHANGE_SOFTDELETE:
        eas_enc_start(e, ch->kind == EAS_CHANGE_DELETE ? A(Delete)
                                                       : A(SoftDelete));
        eas_enc_str(e, A(ServerId), eas_server_id(scratch, c->id, ch->id));
        eas_enc_end(e);
        break;
    }
}

/* Tell the store which items the page will read (backend.h prefetch). */
static void prefetch(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                     apr_pool_t *scratch)
{
    eas_store_t *st = sr->store;
    apr_array_header_t *ids;
    int i, pim = eas_sync_pim_class(c) != NULL;

    if (!st->backend->prefetch)
        return;
    ids = apr_array_make(scratch, c->changes->nelts, sizeof(const char *));
    for (i = 0; i < c->changes->nelts; i++) {
        const eas_change_t *ch = &APR_ARRAY_IDX(c->changes, i, eas_change_t);
        if (ch->kind == EAS_CHANGE_ADD
            || (pim && ch->kind == EAS_CHANGE_CHANGE))
            APR_ARRAY_PUSH(ids, const char *) = ch->id;
    }
    if (ids->nelts > 1)
        st->backend->prefetch(st, c->id, ids, sr->r->pool);
}

void eas_sync_collection_write(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                               eas_wbxml_enc_t *e, apr_pool_t *scratch)
{
    int i;

    eas_enc_start(e, A(Collection));
    /* 12.x clients expect the class back (MS-ASCMD Class, Sync). */
    if (sr->version < 140 && c->status == EAS_SYNC_OK)
        eas_enc_str(e, A(Class), eas_sync_class_name(c));
    eas_enc_str(e, A(SyncKey), c->status == EAS_SYNC_BAD_KEY ? "0"
                                                             : c->new_key);
    eas_enc_str(e, A(CollectionId), c->id);
    eas_enc_int(e, A(Status), c->status);
    if (c->status == EAS_SYNC_OK) {
        if (c->replies->nelts)
            write_replies(sr, c, e, scratch);
        if (c->changes->nelts) {
            prefetch(sr, c, scratch);
            apr_pool_clear(scratch);
            eas_enc_start(e, A(Commands));
            for (i = 0; i < c->changes->nelts; i++) {
                write_change(sr, c, &APR_ARRAY_IDX(c->changes, i,
                                                   eas_change_t), e, scratch);
                apr_pool_clear(scratch);
            }
            eas_enc_end(e);
        }
        if (c->more)
            eas_enc_empty(e, A(MoreAvailable));
    }
    eas_enc_end(e);
}
