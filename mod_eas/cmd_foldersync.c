/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FolderSync (MS-ASCMD 2.2.1.5): the folder hierarchy and its changes
 * since the device's hierarchy SyncKey.
 */
#include "mod_eas.h"
#include "cmd_folder.h"
#include "folder_state.h"
#include "response.h"

#define T(name) EAS_FolderHierarchy_##name

typedef struct {
    apr_array_header_t *deleted;    /* ids */
    apr_array_header_t *updated;    /* const eas_folder_t * */
    apr_array_header_t *added;      /* const eas_folder_t *, parents first */
    eas_snapshot_t *now;            /* what the device knows once told */
} folder_changes_t;

static int changed(const folder_changes_t *c)
{
    return c->deleted->nelts || c->updated->nelts || c->added->nelts;
}

/* Compare the store's folders with what the device has seen. */
static folder_changes_t *diff(apr_pool_t *p, const eas_snapshot_t *seen,
                              const apr_array_header_t *folders)
{
    folder_changes_t *c = apr_palloc(p, sizeof(*c));
    apr_array_header_t *known = eas_snapshot_ids(seen, p);
    int i;

    c->deleted = apr_array_make(p, 4, sizeof(const char *));
    c->updated = apr_array_make(p, 4, sizeof(const eas_folder_t *));
    c->added = apr_array_make(p, 8, sizeof(const eas_folder_t *));
    c->now = eas_snapshot_parse(p, NULL);
    for (i = 0; i < folders->nelts; i++) {
        const eas_folder_t *f = &APR_ARRAY_IDX(folders, i, eas_folder_t);
        const char *tok = eas_folder_token(p, f);
        const char *was = eas_snapshot_get(seen, f->id);

        eas_snapshot_set(c->now, f->id, tok);
        if (!was)
            APR_ARRAY_PUSH(c->added, const eas_folder_t *) = f;
        else if (strcmp(was, tok) != 0)
            APR_ARRAY_PUSH(c->updated, const eas_folder_t *) = f;
    }
    for (i = 0; i < known->nelts; i++) {
        const char *id = APR_ARRAY_IDX(known, i, const char *);
        if (!eas_snapshot_get(c->now, id))
            APR_ARRAY_PUSH(c->deleted, const char *) = id;
    }
    return c;
}

static void write_folder(eas_wbxml_enc_t *e, eas_tag_t tag,
                         const eas_folder_t *f)
{
    eas_enc_start(e, tag);
    eas_enc_str(e, T(ServerId), f->id);
    eas_enc_str(e, T(ParentId), f->parent_id);
    eas_enc_str(e, T(DisplayName), f->name);
    eas_enc_int(e, T(Type), f->type);
    eas_enc_end(e);
}

static int respond(eas_request_t *req, const char *key, folder_changes_t *c)
{
    eas_response_t *resp = eas_response_start(req);
    eas_wbxml_enc_t *e = eas_response_enc(resp);
    int i;

    eas_enc_start(e, T(FolderSync));
    eas_enc_int(e, T(Status), EAS_FOLDER_OK);
    eas_enc_str(e, T(SyncKey), key);
    eas_enc_start(e, T(Changes));
    eas_enc_int(e, T(Count), c->deleted->nelts + c->updated->nelts
                             + c->added->nelts);
    for (i = 0; i < c->deleted->nelts; i++) {
        eas_enc_start(e, T(Delete));
        eas_enc_str(e, T(ServerId), APR_ARRAY_IDX(c->deleted, i, const char *));
        eas_enc_end(e);
    }
    for (i = 0; i < c->updated->nelts; i++)
        write_folder(e, T(Update),
                     APR_ARRAY_IDX(c->updated, i, const eas_folder_t *));
    for (i = 0; i < c->added->nelts; i++)
        write_folder(e, T(Add),
                     APR_ARRAY_IDX(c->added, i, const eas_folder_t *));
    eas_enc_end(e);
    eas_enc_end(e);
    return eas_response_finish(resp);
}

/* A new hierarchy lineage makes every collection key of the device stale. */
static int reset_device(eas_ctx_t *ctx)
{
    apr_status_t rv = eas_state_sync_reset_all(ctx->state);

    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, ctx->req->r, EASLOGNO(00620)
                      "cannot reset the sync state of device %s: %s",
                      ctx->req->device_id, eas_state_error(ctx->state));
        return 0;
    }
    return 1;
}

int eas_cmd_foldersync(eas_request_t *req)
{
    eas_ctx_t *ctx = req->ctx;
    request_rec *r = req->r;
    const char *key = eas_node_text(req->tree, T(SyncKey));
    apr_array_header_t *folders;
    eas_snapshot_t *s;
    folder_changes_t *c;
    apr_status_t rv;

    if (!key) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00621)
                      "FolderSync without SyncKey");
        return eas_response_status(req, EAS_FOLDER_BAD_REQUEST);
    }
    rv = eas_folder_state_get(ctx, key, &s);
    if (rv == APR_ENOENT) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00622)
                      "FolderSync with unknown SyncKey '%s': the device "
                      "must start over", key);
        return eas_response_status(req, EAS_FOLDER_BAD_KEY);
    }
    if (rv != APR_SUCCESS)
        return eas_response_status(req, EAS_FOLDER_SERVER_ERROR);
    if (!(folders = eas_folder_list(ctx)))
        return eas_response_status(req, EAS_FOLDER_SERVER_ERROR);
    if (strcmp(key, "0") == 0 && !reset_device(ctx))
        return eas_response_status(req, EAS_FOLDER_SERVER_ERROR);
    c = diff(r->pool, s, folders);
    /* Nothing new: the key stays, and no state is written. */
    if (strcmp(key, "0") != 0 && !changed(c))
        return respond(req, key, c);
    if (!(key = eas_folder_state_put(ctx, key, c->now)))
        return eas_response_status(req, EAS_FOLDER_SERVER_ERROR);
    return respond(req, key, c);
}
