/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One Fetch of ItemOperations: an item (its properties, or a byte range
 * of its MIME; a groupware item's through its class's converter, as Sync
 * sends them) or an attachment by FileReference; and the attachment
 * loading GetAttachment shares.  The store is the user's own, so another
 * user's ids simply do not resolve.
 */
#include "mod_eas.h"
#include "itemops.h"
#include "folder_state.h"
#include "policy.h"
#include "mailops_conf.h"
#include "server_id.h"
#include "sync_pim.h"
#include "sync_conf.h"

#include <apr_lib.h>
#include <apr_strings.h>

/* A run of 1 to 15 digits at *s; advances *s. */
static int parse_offset(const char **s, apr_off_t *out)
{
    apr_off_t v = 0;
    int n = 0;

    while (apr_isdigit(**s) && n < 15) {
        v = v * 10 + (**s - '0');
        (*s)++;
        n++;
    }
    *out = v;
    return n > 0 && !apr_isdigit(**s);
}

int eas_io_parse_range(const char *s, apr_off_t *first, apr_off_t *last)
{
    if (!s || !parse_offset(&s, first) || *s++ != '-'
        || !parse_offset(&s, last) || *s)
        return 0;
    return 1;
}

static int store_status(apr_status_t rv, int missing)
{
    return rv == APR_ENOENT ? missing : EAS_IO_SERVER;
}

/* The user's raw message folder:item, or an ItemOperations status. */
static int load_message(eas_ctx_t *ctx, const char *folder, const char *item,
                        eas_blob_t *msg, eas_item_ref_t *ref, int missing)
{
    request_rec *r = ctx->req->r;
    eas_store_t *st;
    apr_status_t rv;

    if (eas_ctx_store(ctx, &st) != OK)
        return EAS_IO_SERVER;       /* logged */
    if (ref && (rv = st->backend->stat(st, folder, item, ref, r->pool))
            != APR_SUCCESS) {
        if (rv != APR_ENOENT)
            ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(01212)
                          "%s: reading item %s:%s failed", ctx->req->cmd->name,
                          folder, item);
        return store_status(rv, missing);
    }
    if ((rv = st->backend->fetch(st, folder, item, msg, r->pool))
            != APR_SUCCESS) {
        if (rv != APR_ENOENT)
            ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(01212)
                          "%s: reading item %s:%s failed", ctx->req->cmd->name,
                          folder, item);
        return store_status(rv, missing);
    }
    return EAS_IO_OK;
}

/* FileReference as the client sent it: ours, or percent-encoded. */
static const char *decode_file_ref(apr_pool_t *p, const char *s)
{
    char *copy;

    if (!strchr(s, '%'))
        return s;
    copy = apr_pstrdup(p, s);
    return ap_unescape_url(copy) == OK ? copy : NULL;
}

/*
 * A MIME type fit for a header and for the client: token/token, else
 * NULL.  It goes out verbatim in GetAttachment's Content-Type.
 */
static const char *clean_type(const char *t)
{
    const char *s;
    int slash = 0;

    if (!t || !*t || strlen(t) > 127)
        return NULL;
    for (s = t; *s; s++) {
        if (*s == '/')
            slash++;
        else if (!apr_isalnum(*s) && !strchr("!#$&^_.+-", *s))
            return NULL;
    }
    return slash == 1 && t[0] != '/' && s[-1] != '/' ? t : NULL;
}

int eas_attachment_load(eas_ctx_t *ctx, const char *file_ref, eas_blob_t *out,
                        const char **content_type, const char **name)
{
    request_rec *r = ctx->req->r;
    const eas_policy_conf_t *pol = eas_policy_conf(r);
    const char *ref = decode_file_ref(r->pool, file_ref);
    const char *folder, *item;
    char *sid, *part;
    eas_blob_t msg;
    apr_status_t rv;
    int st;

    if (!ref || eas_email_fileref_split(ref, &sid, &part, r->pool) != APR_SUCCESS
        || !eas_server_id_split(r->pool, sid, &folder, &item)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01213)
                      "%s: '%s' is not a FileReference of this server",
                      ctx->req->cmd->name, file_ref);
        return EAS_IO_ATTACHMENT;
    }
    if (pol->values[EAS_POL_AllowAttachments] == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01216)
                      "%s: attachments are disabled by EASPolicyAllowAttachments",
                      ctx->req->cmd->name);
        return EAS_IO_DENIED;
    }
    if ((st = load_message(ctx, folder, item, &msg, NULL, EAS_IO_ATTACHMENT))
            != EAS_IO_OK) {
        if (st == EAS_IO_ATTACHMENT)
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01214)
                          "%s: no item %s for attachment %s",
                          ctx->req->cmd->name, sid, file_ref);
        return st;
    }
    rv = eas_email_attachment(&msg, part, out, content_type, name, r->pool);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, rv == APR_ENOENT ? APLOG_INFO : APLOG_ERR,
                      rv, r, EASLOGNO(01215) "%s: item %s has no attachment %s",
                      ctx->req->cmd->name, sid, part);
        return rv == APR_ENOENT || rv == APR_EINVAL ? EAS_IO_ATTACHMENT
                                                    : EAS_IO_CONVERSION;
    }
    if (content_type && !(*content_type = clean_type(*content_type)))
        *content_type = "application/octet-stream";
    if (pol->values[EAS_POL_MaxAttachmentSize] != EAS_PV_NONE
        && out->len > (apr_size_t)pol->values[EAS_POL_MaxAttachmentSize]) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01217)
                      "%s: attachment %s has %" APR_SIZE_T_FMT " bytes, over "
                      "EASPolicyMaxAttachmentSize", ctx->req->cmd->name,
                      file_ref, out->len);
        return EAS_IO_TOO_LARGE;
    }
    return EAS_IO_OK;
}

/*
 * The part of whole to send: the requested range, clamped to the data
 * and to what the request may still load.  Without a range, data that
 * does not fit is refused (the client can ask for ranges).
 */
static int take_range(request_rec *r, eas_fetch_t *f, const eas_blob_t *whole,
                      eas_fetch_budget_t *b)
{
    apr_off_t total = (apr_off_t)whole->len, first = 0, last = total - 1;
    apr_off_t avail = b->max - b->used;

    f->total = total;
    if (f->has_range) {
        if (total == 0)
            return EAS_IO_EMPTY;
        if (f->range_first > f->range_last || f->range_first >= total) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01218)
                          "ItemOperations: range %" APR_OFF_T_FMT "-%"
                          APR_OFF_T_FMT " is outside the %" APR_OFF_T_FMT
                          " bytes", f->range_first,
                          f->range_last, total);
            return EAS_IO_RANGE;
        }
        first = f->range_first;
        if (f->range_last < last)
            last = f->range_last;
    }
    if (last - first + 1 > avail) {
        if (!f->has_range || avail <= 0) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01217)
                          "ItemOperations: %" APR_OFF_T_FMT " bytes asked, "
                          "%" APR_OFF_T_FMT " left of EASMaxFetchSize",
                          last - first + 1, avail);
            return EAS_IO_TOO_LARGE;
        }
        last = first + avail - 1;
    }
    f->first = first;
    f->data.data = whole->data + first;
    f->data.len = total ? (apr_size_t)(last - first + 1) : 0;
    b->used += (apr_off_t)f->data.len;
    return EAS_IO_OK;
}

static int fetch_attachment(eas_ctx_t *ctx, eas_fetch_t *f,
                            eas_fetch_budget_t *b)
{
    eas_blob_t whole;
    int st;

    f->kind = EAS_FETCH_ATTACHMENT;
    st = eas_attachment_load(ctx, f->file_ref, &whole, &f->content_type, NULL);
    if (st != EAS_IO_OK)
        return st;
    return take_range(ctx->req->r, f, &whole, b);
}

/*
 * A contact, event, task or note: its properties as Sync would send them,
 * through its class's converter with the Fetch's body preferences.  The
 * status, or -1 for a mail item.
 */
static int groupware(eas_ctx_t *ctx, eas_fetch_t *f, const char *folder,
                     const char *item)
{
    request_rec *r = ctx->req->r;
    apr_array_header_t *all = eas_folder_list(ctx);

    if (!all)
        return EAS_IO_SERVER;       /* logged */
    f->folder = eas_folder_find(all, folder);
    if (!f->folder || !eas_pim_class(f->folder->cls))
        return -1;
    f->kind = EAS_FETCH_PIM;
    eas_pim_opts_init(r, ctx->user->email, ctx->req->version,
                      apr_time_now(), f->prefs, f->nprefs, &f->pim);
    f->props = eas_pim_convert(r, ctx->user->login, f->folder, item,
                               &f->msg, &f->pim, EAS_ItemOperations_Properties,
                               r->pool);
    if (!f->props)
        return EAS_IO_CONVERSION;
    return EAS_IO_OK;
}

static int fetch_item(eas_ctx_t *ctx, eas_fetch_t *f, eas_fetch_budget_t *b)
{
    request_rec *r = ctx->req->r;
    const char *sid = f->server_id ? f->server_id : f->long_id;
    const char *folder, *item;
    eas_item_ref_t ref;
    int st;

    if (!eas_server_id_split(r->pool, sid, &folder, &item)
        || (f->collection_id && strcmp(f->collection_id, folder) != 0)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01211)
                      "ItemOperations: '%s' in collection '%s' is not an item "
                      "id of this server", sid,
                      f->collection_id ? f->collection_id : "");
        return EAS_IO_NOT_FOUND;
    }
    st = load_message(ctx, folder, item, &f->msg, &ref, EAS_IO_NOT_FOUND);
    if (st == EAS_IO_NOT_FOUND)
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01211)
                      "ItemOperations: no item %s", sid);
    if (st != EAS_IO_OK)
        return st;
    if (f->has_range) {
        f->kind = EAS_FETCH_RAW;
        return take_range(r, f, &f->msg, b);
    }
    b->used += (apr_off_t)f->msg.len;
    if ((st = groupware(ctx, f, folder, item)) >= 0)
        return st;
    f->kind = EAS_FETCH_ITEM;
    f->opts.version = ctx->req->version;
    f->opts.prefs = f->prefs;
    f->opts.nprefs = f->nprefs;
    f->opts.mime_support = f->mime_support;
    f->opts.server_id = eas_server_id(r->pool, folder, item);
    f->opts.flags = ref.flags;
    f->opts.received = ref.time;
    f->opts.tzid = eas_sync_conf(r)->tzid;
    f->opts.user_email = ctx->user->email;
    return EAS_IO_OK;
}

void eas_fetch_run(eas_ctx_t *ctx, eas_fetch_t *f, eas_fetch_budget_t *b)
{
    request_rec *r = ctx->req->r;

    if (strcasecmp(f->store, "Mailbox") != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01219)
                      "ItemOperations: store '%s' is not supported", f->store);
        f->status = EAS_IO_STORE;
        return;
    }
    if (b->used >= b->max) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01217)
                      "ItemOperations: EASMaxFetchSize (%" APR_OFF_T_FMT
                      " bytes) used up by earlier fetches", b->max);
        f->status = EAS_IO_TOO_LARGE;
        return;
    }
    f->status = f->file_ref ? fetch_attachment(ctx, f, b)
                            : fetch_item(ctx, f, b);
}
