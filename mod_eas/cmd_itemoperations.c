/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ItemOperations (MS-ASCMD 2.2.1.10): Fetch an item, a byte range of its
 * MIME or an attachment; EmptyFolderContents; Move of a conversation
 * (answered as not supported).  The whole request is checked first: a
 * malformed operation makes the answer a single global Status 2, as the
 * spec's Options rule says.  Then each operation runs in order and gets
 * its own Status.
 */
#include "mod_eas.h"
#include "itemops.h"
#include "cmd_mail.h"
#include "mailops_conf.h"
#include "response.h"
#include "sync_adjust.h"

#include <apr_strings.h>

#define IO(name) EAS_ItemOperations_##name
#define ASB(name) EAS_AirSyncBase_##name

typedef enum { OP_FETCH, OP_EMPTY, OP_MOVE } op_kind_t;

typedef struct {
    op_kind_t kind;
    eas_fetch_t fetch;
    const char *collection_id;  /* EmptyFolderContents */
    int subfolders;
    const eas_node_t *conversation; /* Move */
    int status;
} op_t;

/* A whole number of at most 9 digits in [min, max], else -1. */
static long small_number(const char *s, long min, long max)
{
    long v = 0;
    int n = 0;

    if (!s)
        return -1;
    for (; *s >= '0' && *s <= '9' && n < 10; s++, n++)
        v = v * 10 + (*s - '0');
    return (*s || n == 0 || n > 9 || v < min || v > max) ? -1 : v;
}

static const char *parse_bodypref(eas_fetch_t *f, const eas_node_t *bp)
{
    eas_bodypref_t *pref;
    const char *s;
    long v;

    if (f->nprefs == EAS_ITEMOPS_MAX_PREFS)
        return "too many BodyPreference elements";
    pref = &f->prefs[f->nprefs++];
    memset(pref, 0, sizeof(*pref));
    if ((v = small_number(eas_node_text(bp, ASB(Type)), 1, 4)) < 0)
        return "BodyPreference without a Type of 1 to 4";
    pref->type = (int)v;
    if ((s = eas_node_text(bp, ASB(TruncationSize)))) {
        if ((v = small_number(s, 0, 999999999)) < 0)
            return "bad TruncationSize";
        pref->truncation = (apr_size_t)v;
    }
    if ((s = eas_node_text(bp, ASB(AllOrNone)))) {
        if ((v = small_number(s, 0, 1)) < 0)
            return "bad AllOrNone";
        pref->all_or_none = (int)v;
    }
    if ((s = eas_node_text(bp, ASB(Preview)))) {
        if ((v = small_number(s, 0, 255)) < 0)
            return "bad Preview";
        pref->preview = (int)v;
    }
    return NULL;
}

static const char *parse_fetch_options(eas_fetch_t *f, const eas_node_t *opt)
{
    const eas_node_t *n;
    const char *why;
    long v;

    for (n = opt->child; n; n = n->next) {
        switch (n->tag) {
        case IO(Range):
            if (!eas_io_parse_range(n->value, &f->range_first,
                                    &f->range_last))
                return "Range is not first-last";
            f->has_range = 1;
            break;
        case EAS_AirSync_MIMESupport:
            if ((v = small_number(n->value, 0, 2)) < 0)
                return "MIMESupport is not 0, 1 or 2";
            f->mime_support = (int)v;
            break;
        case ASB(BodyPreference):
            if ((why = parse_bodypref(f, n)))
                return why;
            break;
        default:
            /* Schema, credentials, BodyPartPreference, rights management:
               every property is sent, no credentials are needed. */
            break;
        }
    }
    return NULL;
}

static const char *parse_fetch(eas_fetch_t *f, const eas_node_t *n)
{
    const eas_node_t *opt;
    int sources;

    memset(f, 0, sizeof(*f));
    f->store = eas_node_text(n, IO(Store));
    f->collection_id = eas_node_text(n, EAS_AirSync_CollectionId);
    f->server_id = eas_node_text(n, EAS_AirSync_ServerId);
    f->file_ref = eas_node_text(n, ASB(FileReference));
    f->long_id = eas_node_text(n, EAS_Search_LongId);
    f->link_id = eas_node_text(n, EAS_DocumentLibrary_LinkId);
    if (!f->store || !*f->store)
        return "Fetch without a Store";
    if (strcasecmp(f->store, "Mailbox") != 0)
        return NULL;            /* answered: store not supported */
    sources = !!f->server_id + !!f->file_ref + !!f->long_id;
    if (sources != 1)
        return "Fetch needs exactly one of ServerId, FileReference, LongId";
    if (f->file_ref && f->collection_id)
        return "Fetch of a FileReference with a CollectionId";
    if ((opt = eas_node_child(n, IO(Options))))
        return parse_fetch_options(f, opt);
    return NULL;
}

static const char *parse_op(op_t *op, const eas_node_t *n)
{
    const eas_node_t *opt;

    memset(op, 0, sizeof(*op));
    switch (n->tag) {
    case IO(Fetch):
        op->kind = OP_FETCH;
        return parse_fetch(&op->fetch, n);
    case IO(EmptyFolderContents):
        op->kind = OP_EMPTY;
        op->collection_id = eas_node_text(n, EAS_AirSync_CollectionId);
        if (!op->collection_id)
            return "EmptyFolderContents without a CollectionId";
        opt = eas_node_child(n, IO(Options));
        op->subfolders = opt && eas_node_child(opt, IO(DeleteSubFolders));
        return NULL;
    case IO(Move):
        op->kind = OP_MOVE;
        op->conversation = eas_node_child(n, IO(ConversationId));
        if (!op->conversation || !eas_node_child(n, IO(DstFldId)))
            return "Move without ConversationId and DstFldId";
        return NULL;
    }
    return "unknown operation";
}

static int run_empty(eas_ctx_t *ctx, op_t *op)
{
    request_rec *r = ctx->req->r;
    eas_store_t *st;
    apr_status_t rv;

    if (!eas_id_valid(op->collection_id)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01221)
                      "EmptyFolderContents: '%s' is not a folder id",
                      op->collection_id);
        return EAS_IO_NOT_FOUND;
    }
    if (eas_ctx_store(ctx, &st) != OK)
        return EAS_IO_SERVER;
    rv = st->backend->empty(st, op->collection_id, op->subfolders, r->pool);
    if (rv == APR_SUCCESS) {
        eas_sync_note_emptied(ctx, op->collection_id);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, EASLOGNO(01222)
                      "EmptyFolderContents: emptied folder %s%s",
                      op->collection_id, op->subfolders ? " and subfolders" : "");
        return EAS_IO_OK;
    }
    ap_log_rerror(APLOG_MARK, rv == APR_ENOENT ? APLOG_INFO : APLOG_ERR, rv, r,
                  EASLOGNO(01223) "EmptyFolderContents of folder %s failed",
                  op->collection_id);
    if (rv == APR_ENOENT)
        return EAS_IO_NOT_FOUND;
    if (rv == APR_EACCES)
        return EAS_IO_DENIED;
    if (rv == APR_ENOTIMPL)
        return EAS_IO_UNSUPPORTED;
    return EAS_IO_SERVER;
}

static void write_op(eas_fetch_out_t *out, const op_t *op, int version,
                     apr_pool_t *p)
{
    eas_wbxml_enc_t *e = out->enc;

    switch (op->kind) {
    case OP_FETCH:
        eas_fetch_write(out, &op->fetch, version, p);
        return;
    case OP_EMPTY:
        eas_enc_start(e, IO(EmptyFolderContents));
        eas_enc_int(e, IO(Status), op->status);
        eas_enc_str(e, EAS_AirSync_CollectionId, op->collection_id);
        eas_enc_end(e);
        return;
    case OP_MOVE:
        eas_enc_start(e, IO(Move));
        eas_enc_int(e, IO(Status), op->status);
        eas_enc_opaque(e, IO(ConversationId), op->conversation->value,
                       op->conversation->len, 1);
        eas_enc_end(e);
        return;
    }
}

static void run_op(eas_ctx_t *ctx, op_t *op, eas_fetch_budget_t *budget)
{
    switch (op->kind) {
    case OP_FETCH:
        eas_fetch_run(ctx, &op->fetch, budget);
        return;
    case OP_EMPTY:
        op->status = run_empty(ctx, op);
        return;
    case OP_MOVE:
        /* Moving a whole conversation needs a conversation index the
           stores do not keep. */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, ctx->req->r, EASLOGNO(01224)
                      "ItemOperations Move of a conversation is not supported");
        op->status = EAS_IO_UNSUPPORTED;
        return;
    }
}

/* Check every operation; NULL and the list, or why the request is bad. */
static const char *parse_all(eas_request_t *req, apr_array_header_t **ops)
{
    const eas_node_t *n;
    const char *why;

    *ops = apr_array_make(req->r->pool, 4, sizeof(op_t));
    for (n = req->tree->child; n; n = n->next) {
        if ((*ops)->nelts == EAS_ITEMOPS_MAX_OPS)
            return apr_psprintf(req->r->pool, "more than %d operations",
                                EAS_ITEMOPS_MAX_OPS);
        if ((why = parse_op((op_t *)apr_array_push(*ops), n)))
            return why;
    }
    return (*ops)->nelts ? NULL : "no operation";
}

int eas_cmd_itemoperations(eas_request_t *req)
{
    request_rec *r = req->r;
    eas_fetch_budget_t budget = { eas_mailops_conf(r)->max_fetch, 0 };
    apr_bucket_brigade *bb = NULL;
    eas_response_t *resp = NULL;
    eas_fetch_out_t out;
    apr_array_header_t *ops;
    const char *why;
    apr_status_t rv;
    int i;

    if ((why = parse_all(req, &ops))) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01220)
                      "ItemOperations: %s: answering Status 2", why);
        return eas_response_status(req, EAS_IO_PROTOCOL);
    }
    out.parts = NULL;
    if (req->accept_multipart) {
        /* The WBXML goes first but holds the parts' table: keep it whole. */
        bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
        out.enc = eas_wbxml_enc_create(r->pool, bb, NULL, NULL);
        out.parts = apr_array_make(r->pool, 4, sizeof(eas_blob_t));
    }
    else {
        resp = eas_response_start(req);
        out.enc = eas_response_enc(resp);
    }
    eas_enc_start(out.enc, IO(ItemOperations));
    eas_enc_int(out.enc, IO(Status), EAS_IO_OK);
    eas_enc_start(out.enc, IO(Response));
    for (i = 0; i < ops->nelts; i++) {
        op_t *op = &APR_ARRAY_IDX(ops, i, op_t);

        run_op(req->ctx, op, &budget);
        write_op(&out, op, req->version, r->pool);
    }
    eas_enc_end(out.enc);
    eas_enc_end(out.enc);
    if (resp)
        return eas_response_finish(resp);
    if ((rv = eas_enc_finish(out.enc)) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(01225)
                      "ItemOperations: encoding the response failed");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return eas_multipart_send(r, bb, out.parts);
}
