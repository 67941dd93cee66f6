/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ping (MS-ASCMD 2.2.1.13): wait until one of the device's folders has
 * something for it, the folder hierarchy changes, or the heartbeat ends.
 *
 * The parameters are kept in the device row, so that a request that
 * leaves them out (or an empty one) reuses the last ones.  The watches
 * are set before the first look, so no change falls between the look and
 * the wait.  A watch that fires wakes the phone only if a Sync would
 * bring it something (push.h; sync_pending.c).
 */
#include "mod_eas.h"
#include "cmd_sync.h"
#include "sync_engine.h"
#include "folder_state.h"
#include "pool_own.h"
#include "push.h"
#include "response.h"
#include "backend_mux.h"

#include <apr_strings.h>
#include <stdlib.h>

#define P(name) EAS_Ping_##name

/* Ping Status values (MS-ASCMD 2.2.3.177.11). */
enum {
    PING_EXPIRED = 1,
    PING_CHANGES = 2,
    PING_MISSING = 3,
    PING_SYNTAX = 4,
    PING_BAD_HEARTBEAT = 5,
    PING_TOO_MANY = 6,
    PING_HIERARCHY = 7,
    PING_SERVER_ERROR = 8
};

#define CACHE_MAGIC "EASPING1"
#define HIERARCHY_TAG 0

typedef struct {
    int heartbeat;              /* 0: not given */
    apr_array_header_t *ids;    /* folder ids; NULL: not given */
    apr_array_header_t *classes;
    /* The store's members: each other than the first watches its own
       hierarchy, on tag ids->nelts + k (k from 1). */
    int members;
    eas_store_t *member[EAS_NCLASSES];
} ping_params_t;

static const char *const classes[] = {
    "Email", "Calendar", "Contacts", "Tasks", "Notes", "SMS", NULL
};

static int known_class(const char *c)
{
    int i;

    for (i = 0; c && classes[i]; i++)
        if (strcmp(c, classes[i]) == 0)
            return 1;
    return 0;
}

static int add_folder(ping_params_t *pp, apr_pool_t *p, const char *id,
                      const char *cls)
{
    int i;

    if (!id || !eas_id_valid(id) || !known_class(cls))
        return -1;
    for (i = 0; i < pp->ids->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(pp->ids, i, const char *), id) == 0)
            return 0;
    APR_ARRAY_PUSH(pp->ids, const char *) = apr_pstrdup(p, id);
    APR_ARRAY_PUSH(pp->classes, const char *) = apr_pstrdup(p, cls);
    return 0;
}

/* The request's parameters; NULL, or what is wrong with them. */
static const char *parse(const eas_node_t *t, apr_pool_t *p,
                         ping_params_t *pp)
{
    const char *hb = eas_node_text(t, P(HeartbeatInterval));
    const eas_node_t *fs = eas_node_child(t, P(Folders)), *f;
    char *end;

    memset(pp, 0, sizeof(*pp));
    if (hb) {
        long v = strtol(hb, &end, 10);
        if (end == hb || *end || v < 1 || v > 0x7fffffffL)
            return "HeartbeatInterval is not a positive number";
        pp->heartbeat = (int)v;
    }
    if (!fs)
        return NULL;
    pp->ids = apr_array_make(p, 8, sizeof(const char *));
    pp->classes = apr_array_make(p, 8, sizeof(const char *));
    for (f = eas_node_child(fs, P(Folder)); f; f = eas_node_next(f, P(Folder)))
        if (add_folder(pp, p, eas_node_text(f, P(Id)),
                       eas_node_text(f, P(Class))) != 0)
            return "a Folder without a valid Id and Class";
    if (!pp->ids->nelts)
        return "Folders without a Folder";
    return NULL;
}

/* The cached parameters of the device (zeroed if none or unreadable). */
static void cached(const char *text, apr_pool_t *p, ping_params_t *pp)
{
    char *s, *line, *last, *id, *cls, *l2;

    memset(pp, 0, sizeof(*pp));
    if (!text || strncmp(text, CACHE_MAGIC " ", sizeof(CACHE_MAGIC)) != 0)
        return;
    s = apr_pstrdup(p, text + sizeof(CACHE_MAGIC));
    pp->heartbeat = atoi(s);
    pp->ids = apr_array_make(p, 8, sizeof(const char *));
    pp->classes = apr_array_make(p, 8, sizeof(const char *));
    strtok_r(s, "\n", &last);
    while ((line = strtok_r(NULL, "\n", &last))) {
        id = apr_strtok(line, " ", &l2);
        cls = apr_strtok(NULL, " ", &l2);
        if (add_folder(pp, p, id, cls) != 0)
            break;
    }
    if (!pp->ids->nelts)
        pp->ids = pp->classes = NULL;
}

static const char *cache_text(const ping_params_t *pp, apr_pool_t *p)
{
    char *t = apr_psprintf(p, CACHE_MAGIC " %d\n", pp->heartbeat);
    int i;

    for (i = 0; i < pp->ids->nelts; i++)
        t = apr_pstrcat(p, t, APR_ARRAY_IDX(pp->ids, i, const char *), " ",
                        APR_ARRAY_IDX(pp->classes, i, const char *), "\n",
                        NULL);
    return t;
}

static int respond(eas_request_t *req, int status, int number,
                   const apr_array_header_t *changed)
{
    eas_response_t *resp = eas_response_start(req);
    eas_wbxml_enc_t *e = eas_response_enc(resp);
    int i;

    eas_enc_start(e, P(Ping));
    eas_enc_int(e, P(Status), status);
    if (status == PING_BAD_HEARTBEAT)
        eas_enc_int(e, P(HeartbeatInterval), number);
    if (status == PING_TOO_MANY)
        eas_enc_int(e, P(MaxFolders), number);
    if (status == PING_CHANGES) {
        eas_enc_start(e, P(Folders));
        for (i = 0; i < changed->nelts; i++)
            eas_enc_str(e, P(Folder), APR_ARRAY_IDX(changed, i, const char *));
        eas_enc_end(e);
    }
    eas_enc_end(e);
    return eas_response_finish(resp);
}

/* Merge the request with the cache and check; 0, or the Status to answer. */
static int settle(eas_request_t *req, ping_params_t *pp, int *number)
{
    const eas_push_conf_t *pc = eas_push_conf();
    eas_ctx_t *ctx = req->ctx;
    request_rec *r = req->r;
    ping_params_t old;
    const char *text;

    cached(ctx->device->ping_cache, r->pool, &old);
    if (!pp->heartbeat)
        pp->heartbeat = old.heartbeat;
    if (!pp->ids) {
        pp->ids = old.ids;
        pp->classes = old.classes;
    }
    if (!pp->heartbeat || !pp->ids) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01431)
                      "Ping without %s, and none kept from an earlier Ping",
                      pp->heartbeat ? "Folders" : "HeartbeatInterval");
        return PING_MISSING;
    }
    if (pp->heartbeat < pc->heartbeat_min
        || pp->heartbeat > pc->heartbeat_max) {
        *number = pp->heartbeat < pc->heartbeat_min ? pc->heartbeat_min
                                                    : pc->heartbeat_max;
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01432)
                      "Ping HeartbeatInterval %d outside %d to %d "
                      "(EASPingHeartbeat)", pp->heartbeat, pc->heartbeat_min,
                      pc->heartbeat_max);
        return PING_BAD_HEARTBEAT;
    }
    if (pp->ids->nelts > pc->max_folders) {
        *number = pc->max_folders;
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01433)
                      "Ping of %d folders (EASPingMaxFolders %d)",
                      pp->ids->nelts, pc->max_folders);
        return PING_TOO_MANY;
    }
    text = cache_text(pp, r->pool);
    if (!ctx->device->ping_cache || strcmp(text, ctx->device->ping_cache)) {
        ctx->device->ping_cache = text;
        if (eas_ctx_save_device(ctx) != OK)
            return PING_SERVER_ERROR;
    }
    return 0;
}

/*
 * Look at the hierarchy (if all) and at the folders whose watch fired
 * (or all): 0 nothing, or the Status to answer, with the changed folders
 * in *changed.
 */
static int look_folders(eas_sync_req_t *sr, const ping_params_t *pp,
                        eas_push_t *w, int all, apr_array_header_t *changed)
{
    int i, rc;

    for (i = 0; i < pp->ids->nelts; i++) {
        const char *id = APR_ARRAY_IDX(pp->ids, i, const char *);

        if (!all && !eas_push_fired(w, i + 1))
            continue;
        if ((rc = eas_sync_has_changes(sr, id)) < 0)
            return PING_SERVER_ERROR;
        if (rc == EAS_SYNC_GONE) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, sr->r, EASLOGNO(01434)
                          "Ping of folder %s, which the store does not have "
                          "(or not as mail): the device must FolderSync", id);
            return PING_HIERARCHY;
        }
        if (rc)
            APR_ARRAY_PUSH(changed, const char *) = id;
    }
    return changed->nelts ? PING_CHANGES : 0;
}

/* Whether the hierarchy of any member of the store fired. */
static int hierarchy_fired(const ping_params_t *pp, eas_push_t *w)
{
    int k;

    if (eas_push_fired(w, HIERARCHY_TAG))
        return 1;
    for (k = 1; k < pp->members; k++)
        if (eas_push_fired(w, pp->ids->nelts + k))
            return 1;
    return 0;
}

/*
 * Folder listings and snapshots are read in a pool of the look's own,
 * gone before the request sleeps again: a large mailbox would otherwise
 * stay in memory for the whole wait.
 */
static int look(eas_request_t *req, const ping_params_t *pp, eas_push_t *w,
                int all, apr_array_header_t **changed)
{
    eas_sync_req_t sr;
    int rc;

    if (all || hierarchy_fired(pp, w)) {
        if ((rc = eas_folder_hierarchy_changed(req->ctx)) != 0)
            return rc > 0 ? PING_HIERARCHY : PING_SERVER_ERROR;
    }
    memset(&sr, 0, sizeof(sr));
    sr.ctx = req->ctx;
    sr.r = req->r;
    sr.version = req->version;
    sr.now = apr_time_now();
    sr.pool = eas_pool_own(req->r->pool);
    *changed = apr_array_make(req->r->pool, 4, sizeof(const char *));
    rc = look_folders(&sr, pp, w, all, *changed);
    apr_pool_destroy(sr.pool);
    return rc;
}

/* The store and its members (pp->member). */
static int members(eas_request_t *req, ping_params_t *pp, eas_store_t **st)
{
    unsigned classes[EAS_NCLASSES];

    if (eas_ctx_store(req->ctx, st) != OK)
        return PING_SERVER_ERROR;
    pp->members = eas_mux_members(*st, pp->member, classes);
    return 0;
}

/*
 * Watch the hierarchy (tag 0: the mail member's, or the only store's),
 * each folder (tag i + 1), and each other member's hierarchy (after the
 * folders); a member without a change source is left to the heartbeat.
 */
static int watch(eas_request_t *req, const ping_params_t *pp, eas_push_t *w)
{
    eas_store_t *st;
    apr_status_t rv;
    int i, k;

    if (eas_ctx_store(req->ctx, &st) != OK)
        return PING_SERVER_ERROR;
    /* A folder whose backend has no change source is looked at again only
       at the heartbeat; the others are still watched. */
    rv = eas_push_watch(w, st, NULL, HIERARCHY_TAG);
    for (i = 0; (rv == APR_SUCCESS || rv == APR_ENOTIMPL)
                && i < pp->ids->nelts; i++)
        rv = eas_push_watch(w, st, APR_ARRAY_IDX(pp->ids, i, const char *),
                            i + 1);
    /* Not watched: its changes show at the heartbeat's look. */
    for (k = 1; rv == APR_SUCCESS && k < pp->members; k++)
        (void)eas_push_watch(w, pp->member[k], NULL, pp->ids->nelts + k);
    if (rv == APR_ENOENT)
        return PING_HIERARCHY;
    if (rv != APR_SUCCESS && rv != APR_ENOTIMPL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, req->r, EASLOGNO(01435)
                      "Ping: cannot watch the folders of %s",
                      req->ctx->user->login);
        return PING_SERVER_ERROR;
    }
    return 0;
}

/* Sleep and look until there is something to answer. */
static int wait_loop(eas_request_t *req, const ping_params_t *pp,
                     eas_push_t *w, apr_array_header_t **changed)
{
    apr_time_t deadline = req->r->request_time
                          + apr_time_from_sec(pp->heartbeat);
    eas_push_event_t ev;
    int status;

    for (;;) {
        eas_ctx_suspend(req->ctx);
        ev = eas_push_sleep(w, deadline);
        if (ev == EAS_PUSH_GONE) {
            req->r->connection->aborted = 1;
            return -1;
        }
        if (ev == EAS_PUSH_ERROR)
            return PING_SERVER_ERROR;
        if (ev != EAS_PUSH_CHANGED)
            return PING_EXPIRED;
        if (eas_ctx_resume(req->ctx) != OK)
            return PING_SERVER_ERROR;
        status = look(req, pp, w, 0, changed);
        eas_push_clear(w);
        if (status)
            return status;
    }
}

int eas_cmd_ping(eas_request_t *req)
{
    request_rec *r = req->r;
    apr_array_header_t *changed = NULL;
    ping_params_t pp;
    eas_store_t *st;
    eas_push_t *w;
    const char *why;
    int status, number = 0, rc;

    if (req->tree && (why = parse(req->tree, r->pool, &pp))) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01430)
                      "malformed Ping request: %s", why);
        return respond(req, PING_SYNTAX, 0, NULL);
    }
    if (!req->tree)
        memset(&pp, 0, sizeof(pp));
    if ((status = settle(req, &pp, &number)))
        return respond(req, status, number, NULL);
    if ((status = members(req, &pp, &st)))
        return respond(req, status, 0, NULL);
    rc = eas_push_begin(r, req->ctx->user->login, req->device_id,
                        pp.ids->nelts + pp.members, &w);
    if (rc != OK)
        return rc;
    if ((status = watch(req, &pp, w))
        || (status = look(req, &pp, w, 1, &changed))
        || (status = wait_loop(req, &pp, w, &changed)) > 0)
        return respond(req, status, 0, changed);
    return OK;                  /* the client is gone */
}
