/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mail items in a Sync response.  See sync_item.h.
 */
#include "mod_eas.h"
#include "sync_item.h"
#include "sync_pim.h"
#include "email.h"
#include "server_id.h"
#include "sync_conf.h"

#include <apr_strings.h>

#define A(name) EAS_AirSync_##name

/* The collection's options in the converter's terms. */
static void email_opts(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                       eas_bodypref_t *prefs, eas_email_opts_t *o)
{
    const eas_sync_options_t *so = &c->opts;
    int i;

    memset(o, 0, sizeof(*o));
    for (i = 0; i < so->nprefs; i++) {
        prefs[i].type = so->prefs[i].type;
        prefs[i].truncation = so->prefs[i].has_truncation
                              ? so->prefs[i].truncation : 0;
        prefs[i].all_or_none = so->prefs[i].all_or_none;
        prefs[i].preview = so->prefs[i].preview;
    }
    o->version = sr->version;
    o->prefs = prefs;
    o->nprefs = so->nprefs;
    o->mime_support = so->mime_support;
    /* MIMETruncation 0 ("truncate all") sends no MIME at all. */
    o->mime_truncate = so->mime_truncation >= 0;
    o->mime_truncation = o->mime_truncate ? (apr_size_t)so->mime_truncation
                                          : 0;
    o->tzid = eas_sync_conf(sr->r)->tzid;
    o->user_email = sr->ctx->user->email;
}

/* Read the message; APR_ENOENT if it is gone (logged otherwise). */
static apr_status_t read_item(eas_sync_req_t *sr, const char *folder,
                              const char *item, eas_blob_t *blob,
                              apr_pool_t *p)
{
    eas_store_t *st = sr->store;
    apr_status_t rv = st->backend->fetch(st, folder, item, blob, p);

    if (rv != APR_SUCCESS && rv != APR_ENOENT)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, sr->r, EASLOGNO(01140)
                      "cannot read item %s:%s of %s", folder, item,
                      sr->ctx->user->login);
    return rv;
}

static void write_data(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                       const char *server_id, const eas_blob_t *blob,
                       unsigned flags, apr_time_t received,
                       eas_wbxml_enc_t *e, apr_pool_t *p)
{
    eas_bodypref_t prefs[EAS_SYNC_MAX_PREFS];
    eas_email_opts_t o;

    email_opts(sr, c, prefs, &o);
    o.server_id = server_id;
    o.flags = flags;
    o.received = received;
    eas_enc_start(e, A(ApplicationData));
    eas_email_write(e, blob, &o, p);
    eas_enc_end(e);
}

int eas_sync_item_add(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                      const eas_item_ref_t *item, eas_wbxml_enc_t *e,
                      apr_pool_t *scratch)
{
    const char *sid = eas_server_id(scratch, c->id, item->id);
    eas_blob_t blob;

    if (eas_sync_pim_class(c))
        return eas_sync_pim_write(sr, c, A(Add), item->id, e, scratch);
    if (read_item(sr, c->id, item->id, &blob, scratch) != APR_SUCCESS)
        return -1;
    eas_enc_start(e, A(Add));
    eas_enc_str(e, A(ServerId), sid);
    write_data(sr, c, sid, &blob, item->flags, item->time, e, scratch);
    eas_enc_end(e);
    return 0;
}

/* A Fetch of a groupware item: its data when it can be read. */
static void fetch_pim(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                      const eas_sync_reply_t *rp, const char *item,
                      eas_wbxml_enc_t *e, apr_pool_t *scratch)
{
    eas_store_t *st = sr->store;
    eas_item_ref_t ref;
    int status = rp->status;

    if (status == EAS_SYNC_OK
        && (!item || st->backend->stat(st, c->id, item, &ref, scratch)
                     != APR_SUCCESS))
        status = EAS_SYNC_NOT_FOUND;
    eas_enc_start(e, A(Fetch));
    eas_enc_str(e, A(ServerId), rp->server_id);
    eas_enc_int(e, A(Status), status);
    if (status == EAS_SYNC_OK)
        eas_sync_pim_fetch(sr, c, item, e, scratch);
    eas_enc_end(e);
}

void eas_sync_item_fetch(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                         const eas_sync_reply_t *rp, eas_wbxml_enc_t *e,
                         apr_pool_t *scratch)
{
    const char *item = eas_server_id_item(rp->server_id, c->id);
    eas_store_t *st = sr->store;
    eas_item_ref_t ref;
    eas_blob_t blob;
    int status = rp->status;

    if (eas_sync_pim_class(c)) {
        fetch_pim(sr, c, rp, item, e, scratch);
        return;
    }
    if (status == EAS_SYNC_OK
        && (!item || st->backend->stat(st, c->id, item, &ref, scratch)
                     != APR_SUCCESS
            || read_item(sr, c->id, item, &blob, scratch) != APR_SUCCESS))
        status = EAS_SYNC_NOT_FOUND;
    eas_enc_start(e, A(Fetch));
    eas_enc_str(e, A(ServerId), rp->server_id);
    eas_enc_int(e, A(Status), status);
    if (status == EAS_SYNC_OK)
        write_data(sr, c, rp->server_id, &blob, ref.flags, ref.time, e,
                   scratch);
    eas_enc_end(e);
}

void eas_sync_item_flags(eas_sync_req_t *sr, const eas_item_ref_t *item,
                         eas_wbxml_enc_t *e)
{
    eas_email_write_flags(e, item->flags, sr->version);
}
