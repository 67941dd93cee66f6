/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MoveItems (MS-ASCMD 2.2.1.12): move items between folders; the device
 * has already moved them, so the sync state of both folders is told.
 * Items move between folders of one class only (mail to mail, an event
 * to another calendar): any other move is Status 5, as is a move the
 * store cannot make (MS-ASCMD 2.2.3.177.10).
 */
#include "mod_eas.h"
#include "context.h"
#include "folder_state.h"
#include "response.h"
#include "sync_adjust.h"
#include "server_id.h"
#include "sync_conf.h"

#include <apr_strings.h>

#define T(name) EAS_Move_##name

/* Move Status values (MS-ASCMD 2.2.3.177.10). */
enum {
    MOVE_BAD_SOURCE = 1,
    MOVE_BAD_DESTINATION = 2,
    MOVE_OK = 3,
    MOVE_SAME_FOLDER = 4,
    MOVE_FAILED = 5
};

/*
 * The folders' classes allow the move: 0, else its status (logged).
 * Folders the store does not list are left to the store to refuse.
 */
static int classes_allow(eas_ctx_t *ctx, const char *src, const char *dst)
{
    request_rec *r = ctx->req->r;
    apr_array_header_t *all = eas_folder_list(ctx);
    const eas_folder_t *from = all ? eas_folder_find(all, src) : NULL;
    const eas_folder_t *to = all ? eas_folder_find(all, dst) : NULL;

    if (!all)
        return MOVE_FAILED;
    if (!from)
        return MOVE_BAD_SOURCE;
    if (!to)
        return MOVE_BAD_DESTINATION;
    if (from->cls == to->cls)
        return 0;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01770)
                  "MoveItems from folder %s (%s) to folder %s (%s): items "
                  "move only between folders of one class: Status 5", src,
                  eas_class_name(from->cls), dst, eas_class_name(to->cls));
    return MOVE_FAILED;
}

static int move_one(eas_ctx_t *ctx, eas_store_t *st, const char *src_msg,
                    const char *src_fld, const char *dst_fld,
                    const char **dst_msg)
{
    request_rec *r = ctx->req->r;
    const char *folder, *item, *new_id;
    eas_item_ref_t ref;
    apr_status_t rv;

    if (!eas_server_id_split(r->pool, src_msg, &folder, &item)
        || !src_fld || strcmp(folder, src_fld) != 0)
        return MOVE_BAD_SOURCE;
    if (!eas_id_valid(dst_fld))
        return MOVE_BAD_DESTINATION;
    if (strcmp(src_fld, dst_fld) == 0)
        return MOVE_SAME_FOLDER;
    if ((rv = classes_allow(ctx, src_fld, dst_fld)) != 0)
        return (int)rv;
    rv = st->backend->move(st, folder, item, dst_fld, &new_id, r->pool);
    if (rv == APR_ENOENT) {
        /* Which side is missing decides the status. */
        if (st->backend->stat(st, folder, item, &ref, r->pool) == APR_SUCCESS)
            return MOVE_BAD_DESTINATION;
        return MOVE_BAD_SOURCE;
    }
    if (rv == APR_ENOTIMPL) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r, EASLOGNO(01771)
                      "MoveItems: the store cannot move %s to folder %s: "
                      "Status 5", src_msg, dst_fld);
        return MOVE_FAILED;
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(00640)
                      "MoveItems: moving %s to folder %s failed", src_msg,
                      dst_fld);
        return MOVE_FAILED;
    }
    if (st->backend->stat(st, dst_fld, new_id, &ref, r->pool) != APR_SUCCESS)
        ref.token = NULL;
    eas_sync_note_move(ctx, folder, item, dst_fld, new_id, ref.token);
    *dst_msg = eas_server_id(r->pool, dst_fld, new_id);
    return MOVE_OK;
}

static const char *const move_status_text[] = {
    NULL, "no such source item in that folder", "no such destination folder",
    NULL, "source and destination are the same folder", "the store failed"
};

int eas_cmd_moveitems(eas_request_t *req)
{
    eas_ctx_t *ctx = req->ctx;
    /* Each move is a store operation: bounded like the items of a Sync. */
    int max = eas_sync_conf(req->r)->max_window;
    eas_response_t *resp;
    eas_wbxml_enc_t *e;
    eas_store_t *st;
    eas_node_t *m;
    int n = 0, rc;

    for (m = eas_node_child(req->tree, T(Move)); m; m = eas_node_next(m, T(Move)))
        n++;
    if (n == 0 || n > max) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, EASLOGNO(00641)
                      "MoveItems with %d moves (1 to %d allowed by "
                      "EASMaxWindowSize)", n, max);
        return eas_response_malformed(req, EAS_STATUS_INVALID_XML);
    }
    if ((rc = eas_ctx_store(ctx, &st)) != OK)
        return rc;
    resp = eas_response_start(req);
    e = eas_response_enc(resp);
    eas_enc_start(e, T(MoveItems));
    for (m = eas_node_child(req->tree, T(Move)); m; m = eas_node_next(m, T(Move))) {
        const char *src = eas_node_text(m, T(SrcMsgId)), *dst = NULL;
        const char *to = eas_node_text(m, T(DstFldId));
        int status = move_one(ctx, st, src, eas_node_text(m, T(SrcFldId)),
                              to, &dst);

        /* Failures of the store and refusals by class are logged where
           they happen. */
        if (status != MOVE_OK && status != MOVE_FAILED)
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, EASLOGNO(00642)
                          "MoveItems of '%s' to folder '%s': Status %d, %s",
                          src ? src : "", to ? to : "", status,
                          move_status_text[status]);
        eas_enc_start(e, T(Response));
        eas_enc_str(e, T(SrcMsgId), src ? src : "");
        eas_enc_int(e, T(Status), status);
        if (dst)
            eas_enc_str(e, T(DstMsgId), dst);
        eas_enc_end(e);
    }
    eas_enc_end(e);
    return eas_response_finish(resp);
}
