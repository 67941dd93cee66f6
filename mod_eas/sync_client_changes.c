/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the device changed (Sync Commands from the client): Read and Flag
 * changes, deletes (to Deleted Items when DeletesAsMoves), Adds (which
 * mail does not take through Sync) and Fetches.  Each is applied to the
 * store and to the snapshot of the device's key, so the next diff neither
 * echoes it back nor loses a change the server made meanwhile.
 */
#include "mod_eas.h"
#include "sync_engine.h"
#include "folder_state.h"
#include "server_id.h"
#include "sync_pim.h"

#include <apr_strings.h>

#define A(name) EAS_AirSync_##name
#define M(name) EAS_Email_##name

/* Flag Status values (MS-ASEMAIL): 0 cleared, 1 complete, 2 active. */
#define FLAG_ACTIVE 2

static void reply(eas_sync_coll_t *c, eas_tag_t kind, const char *server_id,
                  const char *client_id, int status)
{
    eas_sync_reply_t *rp = apr_array_push(c->replies);

    rp->kind = kind;
    rp->server_id = server_id;
    rp->client_id = client_id;
    rp->status = status;
}

/*
 * The flags a Change asks for: bits to set and to clear.  Other mail
 * properties (Categories...) are not kept by the stores.  -1: malformed.
 */
static int wanted_flags(const eas_node_t *data, unsigned *set, unsigned *clear)
{
    const eas_node_t *n;
    apr_int64_t v;

    *set = *clear = 0;
    for (n = data->child; n; n = n->next) {
        if (n->tag == M(Read)) {
            if (eas_sync_number(n->value, 1, &v) != 0)
                return -1;
            *(v ? set : clear) |= EAS_ITEM_READ;
        }
        else if (n->tag == M(Flag)) {
            const char *st = eas_node_text(n, M(Status));

            /* An empty Flag clears it; Maildir and IMAP have no
               "complete" state, so that clears it too. */
            if (st && eas_sync_number(st, 2, &v) != 0)
                return -1;
            *(st && v == FLAG_ACTIVE ? set : clear) |= EAS_ITEM_FLAGGED;
        }
    }
    return 0;
}

static int change_status(eas_sync_req_t *sr, eas_sync_coll_t *c,
                         eas_snapshot_t *s, const char *item,
                         const eas_node_t *data)
{
    eas_store_t *st = sr->store;
    apr_pool_t *p = sr->r->pool;
    const char *seen, *token;
    unsigned set, clear;
    eas_item_ref_t cur;
    int unchanged;
    apr_status_t rv;

    if (!data || wanted_flags(data, &set, &clear) != 0)
        return EAS_SYNC_CONVERSION;
    rv = st->backend->stat(st, c->id, item, &cur, p);
    if (rv == APR_ENOENT)
        return EAS_SYNC_NOT_FOUND;
    if (rv != APR_SUCCESS)
        return EAS_SYNC_SERVER_ERROR;
    seen = eas_snapshot_get(s, item);
    unchanged = seen && cur.token && strcmp(seen, cur.token) == 0;
    if ((cur.flags & (set | clear)) == set)
        return EAS_SYNC_OK;     /* already so; a server change is echoed */
    /* Changed on the server since the device saw it: by default the
       server wins and its state goes to the device with the next diff. */
    if (seen && !unchanged && c->opts.conflict != 0)
        return EAS_SYNC_CONFLICT;
    rv = st->backend->set_flags(st, c->id, item, set, clear, &token, p);
    if (rv == APR_ENOENT)
        return EAS_SYNC_NOT_FOUND;
    if (rv != APR_SUCCESS)
        return EAS_SYNC_SERVER_ERROR;
    /* The device now holds exactly this state; otherwise it gets the
       whole item state in a Change. */
    if (unchanged)
        eas_snapshot_set(s, item, token);
    return EAS_SYNC_OK;
}

static int delete_status(eas_sync_req_t *sr, eas_sync_coll_t *c,
                         eas_snapshot_t *s, const char *item)
{
    eas_store_t *st = sr->store;
    const eas_folder_t *trash = eas_folder_of_type(sr->folders,
                                                   EAS_FOLDER_DELETED);
    const char *new_id;
    apr_status_t rv;

    if (c->deletes_as_moves != 0 && trash && strcmp(trash->id, c->id) != 0)
        rv = st->backend->move(st, c->id, item, trash->id, &new_id,
                               sr->r->pool);
    else
        rv = st->backend->remove(st, c->id, item, NULL, sr->r->pool);
    if (rv == APR_ENOENT) {
        /* Gone already (or a repeated request): fine if the device had it. */
        if (!eas_snapshot_get(s, item))
            return EAS_SYNC_NOT_FOUND;
    }
    else if (rv != APR_SUCCESS) {
        return EAS_SYNC_SERVER_ERROR;
    }
    eas_snapshot_remove(s, item);
    return EAS_SYNC_OK;
}

static void log_failure(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                        const char *what, const char *sid, int status)
{
    int level = status == EAS_SYNC_SERVER_ERROR ? APLOG_ERR : APLOG_INFO;

    ap_log_rerror(APLOG_MARK, level, 0, sr->r, EASLOGNO(01110)
                  "Sync %s of '%s' in collection %s: status %d", what,
                  sid ? sid : "(no ServerId)", c->id, status);
}

/*
 * An Add is always answered: with the new ServerId, or the status that
 * says why not.  Mail reaches a folder by delivery, SendMail or a move,
 * never by Sync.
 */
static void add(eas_sync_req_t *sr, eas_sync_coll_t *c, eas_snapshot_t *s,
                const eas_node_t *n)
{
    const char *cid = eas_node_text(n, A(ClientId)), *item = NULL;
    int status = EAS_SYNC_CONVERSION;

    if (eas_sync_pim_class(c) && cid && *cid)
        status = eas_sync_pim_add(sr, c, s, cid,
                                  eas_node_child(n, A(ApplicationData)),
                                  &item);
    else if (eas_sync_pim_class(c))
        status = EAS_SYNC_PROTOCOL;     /* an Add needs its ClientId */
    reply(c, A(Add), item ? eas_server_id(sr->r->pool, c->id, item) : NULL,
          cid ? cid : "", status);
    if (status != EAS_SYNC_OK)
        log_failure(sr, c, "Add", cid, status);
}

int eas_sync_client_changes(eas_sync_req_t *sr, eas_sync_coll_t *c,
                            eas_snapshot_t *s)
{
    const eas_node_t *n;
    int count = 0;

    for (n = c->commands->child; n; n = n->next) {
        const char *sid = eas_node_text(n, A(ServerId));
        const char *item = eas_server_id_item(sid, c->id);
        int status;

        count++;
        if (n->tag == A(Add)) {
            add(sr, c, s, n);
            continue;
        }
        if (n->tag != A(Change) && n->tag != A(Delete) && n->tag != A(Fetch)) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, sr->r, EASLOGNO(01111)
                          "Sync Commands of collection %s hold a %s element",
                          c->id, eas_tag_name(n->tag) ? eas_tag_name(n->tag)
                                                      : "unknown");
            return -1;
        }
        if (!sid) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, sr->r, EASLOGNO(01112)
                          "Sync %s without ServerId in collection %s",
                          eas_tag_name(n->tag), c->id);
            return -1;
        }
        if (n->tag == A(Fetch)) {
            reply(c, A(Fetch), sid, NULL,
                  item ? EAS_SYNC_OK : EAS_SYNC_NOT_FOUND);
            continue;
        }
        if (!item)
            status = EAS_SYNC_NOT_FOUND;
        else if (n->tag == A(Change) && eas_sync_pim_class(c))
            status = eas_sync_pim_change(sr, c, s, item,
                                         eas_node_child(n, A(ApplicationData)));
        else if (n->tag == A(Change))
            status = change_status(sr, c, s, item,
                                   eas_node_child(n, A(ApplicationData)));
        else if (eas_sync_pim_class(c))
            status = eas_sync_pim_delete(sr, c, s, item);
        else
            status = delete_status(sr, c, s, item);
        /* Changes and deletes are answered only when they failed. */
        if (status != EAS_SYNC_OK) {
            reply(c, n->tag, sid, NULL, status);
            log_failure(sr, c, eas_tag_name(n->tag), sid, status);
        }
    }
    return count;
}
