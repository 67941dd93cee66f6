/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Contacts, calendars, tasks and notes in Sync (MS-ASCMD 2.2.3.7.2 Add,
 * 2.2.3.24 Change, 2.2.3.42 Delete, 2.2.3.63 Fetch; the items as
 * MS-ASCNTC, MS-ASCAL, MS-ASTASK and MS-ASNOTE give them, converted by
 * mod_eas/pim).  See sync_pim.h.
 *
 * Writes carry the change token the device last saw: a backend that can
 * tell (DAV's If-Match) refuses a change over another client's newer one,
 * which the device then gets (Status 7, the server wins) instead of
 * overwriting it.  After an event is written, meeting.h mails the
 * attendees of an event the user organizes.
 */
#include "mod_eas.h"
#include "sync_pim.h"
#include "sync_conf.h"
#include "sync_item.h"
#include "server_id.h"
#include "meeting.h"

#include <apr_buckets.h>
#include <apr_strings.h>

#define A(name) EAS_AirSync_##name

const char *eas_pim_class_label(eas_class_t cls)
{
    static const char *const names[EAS_NCLASSES] = {
        "Email", "Calendar", "Contacts", "Tasks", "Notes"
    };

    return (unsigned)cls < EAS_NCLASSES ? names[cls] : "Email";
}

const char *eas_sync_class_name(const eas_sync_coll_t *c)
{
    return c->folder ? eas_pim_class_label(c->folder->cls) : "Email";
}

const eas_pim_class_t *eas_sync_pim_class(const eas_sync_coll_t *c)
{
    return c->folder ? eas_pim_class(c->folder->cls) : NULL;
}

void eas_pim_opts_init(request_rec *r, const char *user_email, int version,
                       apr_time_t now, const eas_bodypref_t *prefs,
                       int nprefs, eas_pim_opts_t *o)
{
    const eas_sync_conf_t *conf = eas_sync_conf(r);

    memset(o, 0, sizeof(*o));
    o->version = version;
    o->prefs = prefs;
    o->nprefs = nprefs;
    o->max_item = (apr_size_t)conf->max_item;
    o->max_photo = (apr_size_t)conf->max_photo;
    o->max_attendees = conf->max_attendees;
    o->user_email = user_email;
    o->tzid = conf->tzid;
    o->now = now;
}

/* The collection's options in the converter's terms. */
static void pim_opts(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                     eas_bodypref_t *prefs, eas_pim_opts_t *o)
{
    const eas_sync_options_t *so = &c->opts;
    int i;

    for (i = 0; i < so->nprefs; i++) {
        prefs[i].type = so->prefs[i].type;
        prefs[i].truncation = so->prefs[i].has_truncation
                              ? so->prefs[i].truncation : 0;
        prefs[i].all_or_none = so->prefs[i].all_or_none;
        prefs[i].preview = so->prefs[i].preview;
    }
    eas_pim_opts_init(sr->r, sr->ctx->user->email, sr->version, sr->now,
                      prefs, so->nprefs, o);
}

eas_wbxml_enc_t *eas_pim_convert(request_rec *r, const char *login,
                                 const eas_folder_t *f, const char *item,
                                 const eas_blob_t *blob,
                                 const eas_pim_opts_t *o, eas_tag_t in,
                                 apr_pool_t *p)
{
    const eas_pim_class_t *pc = eas_pim_class(f->cls);
    eas_wbxml_enc_t *frag = eas_enc_fragment(r->connection->bucket_alloc,
                                             in, p);
    const char *err = NULL;
    apr_status_t rv = pc ? pc->write(frag, blob, o, &err, p) : APR_EINVAL;

    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r, EASLOGNO(01761)
                      "item %s:%s of %s is not a valid %s item (%s): "
                      "left out", f->id, item, login,
                      eas_class_name(f->cls), err ? err : "?");
    return rv == APR_SUCCESS ? frag : NULL;
}

static int is_calendar(const eas_sync_coll_t *c)
{
    return c->folder && c->folder->cls == EAS_CLASS_CALENDAR;
}

/* The item's bytes; APR_ENOENT if it is gone (logged otherwise). */
static apr_status_t read_item(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                              const char *item, eas_blob_t *blob,
                              apr_pool_t *p)
{
    eas_store_t *st = sr->store;
    apr_status_t rv = st->backend->fetch(st, c->id, item, blob, p);

    if (rv != APR_SUCCESS && rv != APR_ENOENT)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, sr->r, EASLOGNO(01760)
                      "cannot read item %s:%s of %s", c->id, item,
                      sr->ctx->user->login);
    return rv;
}

/* The converted item inside <ApplicationData>; a refused item is left
   out whole (logged). */
static int write_data(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                      const char *item, eas_tag_t kind, eas_wbxml_enc_t *e,
                      apr_pool_t *p)
{
    eas_bodypref_t prefs[EAS_SYNC_MAX_PREFS];
    eas_wbxml_enc_t *frag;
    eas_pim_opts_t o;
    eas_blob_t blob;

    if (!eas_sync_pim_class(c)
        || read_item(sr, c, item, &blob, p) != APR_SUCCESS)
        return -1;
    pim_opts(sr, c, prefs, &o);
    if (!(frag = eas_pim_convert(sr->r, sr->ctx->user->login, c->folder,
                                 item, &blob, &o, A(ApplicationData), p)))
        return EAS_SYNC_ITEM_INVALID;
    if (kind) {
        eas_enc_start(e, kind);
        eas_enc_str(e, A(ServerId), eas_server_id(p, c->id, item));
    }
    eas_enc_start(e, A(ApplicationData));
    eas_enc_splice(e, frag);
    eas_enc_end(e);
    if (kind)
        eas_enc_end(e);
    return 0;
}

int eas_sync_pim_write(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                       eas_tag_t kind, const char *item, eas_wbxml_enc_t *e,
                       apr_pool_t *scratch)
{
    return write_data(sr, c, item, kind, e, scratch);
}

int eas_sync_pim_fetch(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                       const char *item, eas_wbxml_enc_t *e,
                       apr_pool_t *scratch)
{
    return write_data(sr, c, item, 0, e, scratch);
}

/* ---- what the device changed ---- */

/* The status of a failed backend write. */
static int write_status(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                        const char *what, apr_status_t rv)
{
    int status;

    switch (rv) {
    case EAS_ECONFLICT:
        status = EAS_SYNC_CONFLICT;
        break;
    case APR_ENOENT:
        status = EAS_SYNC_NOT_FOUND;
        break;
    case APR_EINVAL:            /* the server refused the item as invalid */
        status = EAS_SYNC_CONVERSION;
        break;
    default:
        status = EAS_SYNC_SERVER_ERROR;
        break;
    }
    ap_log_rerror(APLOG_MARK, status == EAS_SYNC_SERVER_ERROR ? APLOG_ERR
                  : APLOG_INFO, rv, sr->r, EASLOGNO(01762)
                  "Sync %s in collection %s of %s: the store refused it, "
                  "status %d", what, c->id, sr->ctx->user->login, status);
    return status;
}

/* The device's data as an item (onto old for a Change); a Sync status. */
static int convert(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                   const eas_node_t *data, const eas_blob_t *old,
                   eas_pim_item_t *out)
{
    const eas_pim_class_t *pc = eas_sync_pim_class(c);
    eas_bodypref_t prefs[EAS_SYNC_MAX_PREFS];
    eas_pim_opts_t o;
    const char *err = NULL;
    apr_status_t rv;

    if (!data)
        return EAS_SYNC_PROTOCOL;
    pim_opts(sr, c, prefs, &o);
    /* An item without a single property is not one (MS-ASCMD: Status 6,
       an invalid item), whatever a converter would make of it. */
    if (!data->child) {
        rv = APR_EINVAL;
        err = "empty ApplicationData";
    }
    else
        rv = pc->read(data, old, &o, out, &err, sr->r->pool);
    if (rv == APR_SUCCESS && o.max_item && out->data.len > o.max_item) {
        rv = APR_EINVAL;
        err = apr_psprintf(sr->r->pool, "%" APR_SIZE_T_FMT " bytes, over "
                           "EASMaxItemSize", out->data.len);
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, sr->r, EASLOGNO(01763)
                      "Sync %s in collection %s: the device's %s item "
                      "cannot be converted (%s): status 6",
                      old ? "Change" : "Add", c->id,
                      eas_class_name(c->folder->cls), err ? err : "?");
        return EAS_SYNC_CONVERSION;
    }
    return EAS_SYNC_OK;
}

/* A ClientId's earlier Add still there: its item id, else NULL. */
static const char *added_before(eas_sync_req_t *sr, eas_sync_coll_t *c,
                                const char *client_id, eas_item_ref_t *ref)
{
    eas_store_t *st = sr->store;
    const char *item;

    if (!client_id || eas_state_clientadd_get(sr->ctx->state, c->id,
                                              client_id, &item, sr->r->pool)
                      != APR_SUCCESS)
        return NULL;
    if (st->backend->stat(st, c->id, item, ref, sr->r->pool) != APR_SUCCESS)
        return NULL;
    return item;
}

int eas_sync_pim_add(eas_sync_req_t *sr, eas_sync_coll_t *c,
                     eas_snapshot_t *s, const char *client_id,
                     const eas_node_t *data, const char **item)
{
    eas_store_t *st = sr->store;
    eas_item_ref_t ref;
    eas_pim_item_t out;
    const char *token = NULL;
    apr_status_t rv;
    int status;

    if ((*item = added_before(sr, c, client_id, &ref))) {
        eas_snapshot_set(s, *item, ref.token);
        return EAS_SYNC_OK;
    }
    if ((status = convert(sr, c, data, NULL, &out)) != EAS_SYNC_OK)
        return status;
    if (is_calendar(c))
        eas_meeting_before_add(sr->ctx, &out.data);
    rv = st->backend->add(st, c->id, &out.data, 0, item, &token,
                          sr->r->pool);
    if (rv != APR_SUCCESS)
        return write_status(sr, c, "Add", rv);
    if (client_id
        && eas_state_clientadd_put(sr->ctx->state, c->id, client_id, *item)
           != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, sr->r, EASLOGNO(01764)
                      "cannot remember the ClientId of an Add in collection "
                      "%s: %s", c->id, eas_state_error(sr->ctx->state));
    /* The device has it as it sent it: not echoed back. */
    if (token)
        eas_snapshot_set(s, *item, token);
    if (is_calendar(c))
        eas_meeting_after_write(sr->ctx, st, c->id, NULL, &out.data, 1);
    return EAS_SYNC_OK;
}

/* The item's current reference and whether the device has seen it. */
static int current(eas_sync_req_t *sr, eas_sync_coll_t *c, eas_snapshot_t *s,
                   const char *item, eas_item_ref_t *cur, int *unchanged)
{
    eas_store_t *st = sr->store;
    const char *seen = eas_snapshot_get(s, item);
    apr_status_t rv = st->backend->stat(st, c->id, item, cur, sr->r->pool);

    if (rv == APR_ENOENT)
        return EAS_SYNC_NOT_FOUND;
    if (rv != APR_SUCCESS)
        return write_status(sr, c, "Change", rv);
    *unchanged = seen && cur->token && strcmp(seen, cur->token) == 0;
    /* Changed on the server since the device saw it: by default the
       server wins and its version goes to the device with the next diff. */
    if (seen && !*unchanged && c->opts.conflict != 0)
        return EAS_SYNC_CONFLICT;
    return EAS_SYNC_OK;
}

int eas_sync_pim_change(eas_sync_req_t *sr, eas_sync_coll_t *c,
                        eas_snapshot_t *s, const char *item,
                        const eas_node_t *data)
{
    eas_store_t *st = sr->store;
    eas_item_ref_t cur;
    eas_pim_item_t out;
    eas_blob_t old;
    const char *token = NULL;
    int status, unchanged = 0, due = 0;
    apr_status_t rv;

    if ((status = current(sr, c, s, item, &cur, &unchanged)) != EAS_SYNC_OK)
        return status;
    if ((rv = read_item(sr, c, item, &old, sr->r->pool)) != APR_SUCCESS)
        return rv == APR_ENOENT ? EAS_SYNC_NOT_FOUND : EAS_SYNC_SERVER_ERROR;
    if ((status = convert(sr, c, data, &old, &out)) != EAS_SYNC_OK)
        return status;
    if (is_calendar(c))
        due = eas_meeting_before_change(sr->ctx, st, c->id, &old, &out.data);
    rv = st->backend->replace(st, c->id, item, &out.data, cur.token, &token,
                              sr->r->pool);
    if (rv != APR_SUCCESS)
        return write_status(sr, c, "Change", rv);
    /* The device holds exactly this version now. */
    if (unchanged && token)
        eas_snapshot_set(s, item, token);
    if (due)
        eas_meeting_after_write(sr->ctx, st, c->id, &old, &out.data, 1);
    return EAS_SYNC_OK;
}

int eas_sync_pim_delete(eas_sync_req_t *sr, eas_sync_coll_t *c,
                        eas_snapshot_t *s, const char *item)
{
    eas_store_t *st = sr->store;
    const char *seen = eas_snapshot_get(s, item);
    eas_blob_t old = { NULL, 0 };
    int event = is_calendar(c);
    apr_status_t rv;

    /* a meeting's cancellation is made from the event as it was */
    if (event && st->backend->fetch(st, c->id, item, &old, sr->r->pool)
                 != APR_SUCCESS)
        old.data = NULL;
    rv = st->backend->remove(st, c->id, item,
                             c->opts.conflict != 0 ? seen : NULL,
                             sr->r->pool);
    if (rv == APR_ENOENT) {
        /* Gone already (or a repeated request): fine if the device had it. */
        if (!seen)
            return EAS_SYNC_NOT_FOUND;
    }
    else if (rv != APR_SUCCESS) {
        return write_status(sr, c, "Delete", rv);
    }
    else if (event && old.data) {
        eas_meeting_after_write(sr->ctx, st, c->id, &old, NULL, 1);
    }
    eas_snapshot_remove(s, item);
    return EAS_SYNC_OK;
}
