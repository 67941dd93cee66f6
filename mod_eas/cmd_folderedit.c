/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FolderCreate, FolderUpdate and FolderDelete (MS-ASCMD 2.2.1.2-2.2.1.4):
 * change the store, then record the change in the hierarchy state under a
 * new key, since the device has made the change itself.
 */
#include "mod_eas.h"
#include "cmd_folder.h"
#include "folder_state.h"
#include "response.h"

#include <apr_strings.h>

#define T(name) EAS_FolderHierarchy_##name

/* What the request names, checked before anything reaches the store. */
typedef struct {
    const char *key;
    const char *server_id;
    const char *parent_id;
    const char *name;
    int type;
} folder_req_t;

static int id_ok(const char *id)
{
    return id && (strcmp(id, "0") == 0 || eas_id_valid(id));
}

/* Display names: 1-256 bytes, no control characters or path separators
   a store could trip over; the backend enforces its own rules too. */
static int name_ok(const char *s)
{
    apr_size_t n = 0;

    if (!s || !*s)
        return 0;
    for (; *s; s++, n++)
        if ((unsigned char)*s < 0x20 || *s == '/' || *s == '\\' || n >= 256)
            return 0;
    return 1;
}

static int parse(eas_request_t *req, folder_req_t *f, int need_id,
                 int need_parent, int need_name, int need_type)
{
    const char *type;

    memset(f, 0, sizeof(*f));
    f->key = eas_node_text(req->tree, T(SyncKey));
    f->server_id = eas_node_text(req->tree, T(ServerId));
    f->parent_id = eas_node_text(req->tree, T(ParentId));
    f->name = eas_node_text(req->tree, T(DisplayName));
    type = eas_node_text(req->tree, T(Type));
    f->type = type ? atoi(type) : 0;
    if (!f->key || (need_id && !eas_id_valid(f->server_id))
        || (need_parent && !id_ok(f->parent_id))
        || (need_name && !name_ok(f->name))
        || (need_type && (f->type < EAS_FOLDER_GENERIC
                          || f->type > EAS_FOLDER_USER_NOTES))
        || (need_id && need_parent && strcmp(f->parent_id, f->server_id) == 0)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, EASLOGNO(00630)
                      "%s: missing or malformed SyncKey, ServerId, ParentId, "
                      "DisplayName or Type", req->cmd->name);
        return 0;
    }
    return 1;
}

/* The hierarchy state of the request's key, or a Status to answer. */
static int load(eas_request_t *req, const char *key, eas_snapshot_t **s)
{
    apr_status_t rv = eas_folder_state_get(req->ctx, key, s);

    if (rv == APR_SUCCESS && strcmp(key, "0") != 0)
        return 0;
    if (rv == APR_SUCCESS || rv == APR_ENOENT) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, EASLOGNO(00631)
                      "%s with unknown SyncKey '%s'", req->cmd->name, key);
        return EAS_FOLDER_BAD_KEY;
    }
    return EAS_FOLDER_SERVER_ERROR;
}

/* The Status for the store's answer; every refusal is logged once. */
static int store_status(eas_request_t *req, apr_status_t rv, int not_found)
{
    int status;

    switch (rv) {
    case APR_SUCCESS:
        return EAS_FOLDER_OK;
    case APR_EEXIST:
        status = EAS_FOLDER_EXISTS;
        break;
    case APR_EACCES:
        status = EAS_FOLDER_SPECIAL;
        break;
    case APR_ENOENT:
        status = not_found;
        break;
    case APR_EINVAL:
    case APR_ENOTIMPL:
        status = EAS_FOLDER_BAD_REQUEST;
        break;
    default:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, req->r, EASLOGNO(00633)
                      "%s failed in the store", req->cmd->name);
        return EAS_FOLDER_SERVER_ERROR;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, req->r, EASLOGNO(00632)
                  "%s refused by the store: Status %d", req->cmd->name,
                  status);
    return status;
}

/* Answer Status 1 with the next key (and ServerId for FolderCreate). */
static int respond_ok(eas_request_t *req, const char *key, const char *id)
{
    eas_response_t *resp = eas_response_start(req);
    eas_wbxml_enc_t *e = eas_response_enc(resp);

    eas_enc_start(e, req->cmd->response_root);
    eas_enc_int(e, T(Status), EAS_FOLDER_OK);
    eas_enc_str(e, T(SyncKey), key);
    if (id)
        eas_enc_str(e, T(ServerId), id);
    eas_enc_end(e);
    return eas_response_finish(resp);
}

/* The folder's token as the store now has it, or NULL (logged). */
static const char *token_now(eas_ctx_t *ctx, const char *id)
{
    apr_array_header_t *folders = eas_folder_list(ctx);
    const eas_folder_t *f = folders ? eas_folder_find(folders, id) : NULL;

    return f ? eas_folder_token(ctx->req->r->pool, f) : NULL;
}

/* Store s under the next key and answer with it. */
static int finish(eas_request_t *req, const folder_req_t *f,
                  const eas_snapshot_t *s, const char *new_id)
{
    const char *next = eas_folder_state_put(req->ctx, f->key, s);

    if (!next)
        return eas_response_status(req, EAS_FOLDER_SERVER_ERROR);
    return respond_ok(req, next, new_id);
}

/*
 * Check the request, its hierarchy key and open the store: 0 when all is
 * well, else the Status to answer.
 */
static int begin(eas_request_t *req, folder_req_t *f, int need_id,
                 int need_parent, int need_name, int need_type,
                 eas_snapshot_t **s, eas_store_t **st)
{
    int status;

    if (!parse(req, f, need_id, need_parent, need_name, need_type))
        return EAS_FOLDER_BAD_REQUEST;
    if ((status = load(req, f->key, s)))
        return status;
    return eas_ctx_store(req->ctx, st) == OK ? 0 : EAS_FOLDER_SERVER_ERROR;
}

/* Record what the device changed itself, as the store now has it. */
static int record_and_finish(eas_request_t *req, const folder_req_t *f,
                             eas_snapshot_t *s, const char *id,
                             const char *new_id)
{
    const char *tok = token_now(req->ctx, id);

    if (!tok)
        return eas_response_status(req, EAS_FOLDER_SERVER_ERROR);
    eas_snapshot_set(s, id, tok);
    return finish(req, f, s, new_id);
}

int eas_cmd_foldercreate(eas_request_t *req)
{
    folder_req_t f;
    eas_snapshot_t *s;
    eas_store_t *st;
    const char *id;
    int status;

    if ((status = begin(req, &f, 0, 1, 1, 1, &s, &st)))
        return eas_response_status(req, status);
    status = store_status(req, st->backend->folder_create(
                              st, f.parent_id, f.name, f.type, &id,
                              req->r->pool), EAS_FOLDER_PARENT_NOT_FOUND);
    if (status != EAS_FOLDER_OK)
        return eas_response_status(req, status);
    return record_and_finish(req, &f, s, id, id);
}

int eas_cmd_folderupdate(eas_request_t *req)
{
    folder_req_t f;
    eas_snapshot_t *s;
    eas_store_t *st;
    int status;

    if ((status = begin(req, &f, 1, 1, 1, 0, &s, &st)))
        return eas_response_status(req, status);
    status = store_status(req, st->backend->folder_update(
                              st, f.server_id, f.parent_id, f.name,
                              req->r->pool), EAS_FOLDER_NOT_FOUND);
    if (status != EAS_FOLDER_OK)
        return eas_response_status(req, status);
    return record_and_finish(req, &f, s, f.server_id, NULL);
}

/* Subfolders go with their parent, on the device as in the store: out of
   the hierarchy state, and their own sync keys with them. */
static void forget_subtree(eas_ctx_t *ctx, eas_snapshot_t *s,
                           const apr_array_header_t *all, const char *id)
{
    int i;

    eas_snapshot_remove(s, id);
    eas_state_sync_reset(ctx->state, id);
    for (i = 0; i < all->nelts; i++) {
        const eas_folder_t *f = &APR_ARRAY_IDX(all, i, eas_folder_t);
        if (strcmp(f->parent_id, id) == 0)
            forget_subtree(ctx, s, all, f->id);
    }
}

int eas_cmd_folderdelete(eas_request_t *req)
{
    folder_req_t f;
    eas_snapshot_t *s;
    eas_store_t *st;
    apr_array_header_t *before;
    int status;

    if ((status = begin(req, &f, 1, 0, 0, 0, &s, &st)))
        return eas_response_status(req, status);
    if (!(before = eas_folder_list(req->ctx)))
        return eas_response_status(req, EAS_FOLDER_SERVER_ERROR);
    status = store_status(req, st->backend->folder_delete(
                              st, f.server_id, req->r->pool),
                          EAS_FOLDER_NOT_FOUND);
    if (status != EAS_FOLDER_OK)
        return eas_response_status(req, status);
    forget_subtree(req->ctx, s, before, f.server_id);
    return finish(req, &f, s, NULL);
}
