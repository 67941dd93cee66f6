/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hierarchy snapshots and folder look-ups shared by FolderSync and the
 * folder editing commands.
 */
#include "mod_eas.h"
#include "folder_state.h"

#include <apr_md5.h>
#include <apr_strings.h>

const char *eas_folder_token(apr_pool_t *p, const eas_folder_t *f)
{
    unsigned char d[APR_MD5_DIGESTSIZE];
    char type[16], *hex = apr_palloc(p, 2 * 8 + 1);
    apr_md5_ctx_t md5;
    int i;

    apr_snprintf(type, sizeof(type), "%d", (int)f->type);
    apr_md5_init(&md5);
    /* NUL separators: no name can shift bytes into the next field. */
    apr_md5_update(&md5, f->parent_id, strlen(f->parent_id) + 1);
    apr_md5_update(&md5, f->name, strlen(f->name) + 1);
    apr_md5_update(&md5, type, strlen(type));
    apr_md5_final(d, &md5);
    /* 64 bits are plenty to tell one folder's versions apart. */
    for (i = 0; i < 8; i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return hex;
}

apr_status_t eas_folder_state_get(eas_ctx_t *ctx, const char *k,
                                  eas_snapshot_t **s)
{
    request_rec *r = ctx->req->r;
    const char *text;
    apr_status_t rv;

    if (strcmp(k, "0") == 0) {
        *s = eas_snapshot_parse(r->pool, NULL);
        return APR_SUCCESS;
    }
    if (!eas_synckey_valid(k))
        return APR_ENOENT;
    rv = eas_state_sync_get(ctx->state, EAS_STATE_HIERARCHY, k, &text,
                            r->pool);
    if (rv == APR_ENOENT)
        return rv;
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(00610)
                      "cannot read the folder state: %s",
                      eas_state_error(ctx->state));
        return rv;
    }
    if (!(*s = eas_snapshot_parse(r->pool, text))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(00611)
                      "stored folder state of key %s is corrupt: the device "
                      "must resynchronise", k);
        return APR_ENOENT;
    }
    return APR_SUCCESS;
}

const char *eas_folder_state_put(eas_ctx_t *ctx, const char *k,
                                 const eas_snapshot_t *s)
{
    request_rec *r = ctx->req->r;
    int fresh = strcmp(k, "0") == 0;
    const char *next = fresh ? eas_synckey_first(r->pool)
                             : eas_synckey_next(r->pool, k);
    apr_status_t rv;

    if (fresh && (rv = eas_state_sync_reset(ctx->state,
                                            EAS_STATE_HIERARCHY))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(00612)
                      "cannot reset the folder state: %s",
                      eas_state_error(ctx->state));
        return NULL;
    }
    rv = eas_state_sync_put(ctx->state, EAS_STATE_HIERARCHY,
                            fresh ? NULL : k, next,
                            eas_snapshot_text(s, r->pool));
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(00613)
                      "cannot store the folder state: %s",
                      eas_state_error(ctx->state));
        return NULL;
    }
    return next;
}

apr_array_header_t *eas_folder_list(eas_ctx_t *ctx)
{
    return eas_folder_list_in(ctx, ctx->req->r->pool);
}

apr_array_header_t *eas_folder_list_in(eas_ctx_t *ctx, apr_pool_t *p)
{
    request_rec *r = ctx->req->r;
    apr_array_header_t *folders;
    eas_store_t *st;
    apr_status_t rv;

    if (eas_ctx_store(ctx, &st) != OK)
        return NULL;
    rv = st->backend->folders(st, &folders, p);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(00614)
                      "cannot list the folders of %s", ctx->user->login);
        return NULL;
    }
    return folders;
}

const eas_folder_t *eas_folder_find(const apr_array_header_t *folders,
                                    const char *id)
{
    int i;

    for (i = 0; id && i < folders->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(folders, i, eas_folder_t).id, id) == 0)
            return &APR_ARRAY_IDX(folders, i, eas_folder_t);
    return NULL;
}

const eas_folder_t *eas_folder_of_type(const apr_array_header_t *folders,
                                       eas_folder_type_t type)
{
    int i;

    for (i = 0; i < folders->nelts; i++)
        if (APR_ARRAY_IDX(folders, i, eas_folder_t).type == type)
            return &APR_ARRAY_IDX(folders, i, eas_folder_t);
    return NULL;
}

int eas_folder_hierarchy_changed(eas_ctx_t *ctx)
{
    request_rec *r = ctx->req->r;
    apr_array_header_t *keys, *folders;
    eas_snapshot_t *s;
    apr_status_t rv;
    int i;

    rv = eas_state_sync_keys(ctx->state, EAS_STATE_HIERARCHY, &keys, r->pool);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(00615)
                      "cannot read the folder state: %s",
                      eas_state_error(ctx->state));
        return -1;
    }
    if (keys->nelts == 0)
        return 1;               /* never synchronised */
    rv = eas_folder_state_get(ctx, APR_ARRAY_IDX(keys, keys->nelts - 1,
                                                 const char *), &s);
    if (rv == APR_ENOENT)
        return 1;
    if (rv != APR_SUCCESS || !(folders = eas_folder_list(ctx)))
        return -1;
    if ((unsigned)folders->nelts != eas_snapshot_count(s))
        return 1;
    for (i = 0; i < folders->nelts; i++) {
        const eas_folder_t *f = &APR_ARRAY_IDX(folders, i, eas_folder_t);
        const char *was = eas_snapshot_get(s, f->id);

        if (!was || strcmp(was, eas_folder_token(r->pool, f)) != 0)
            return 1;
    }
    return 0;
}
