/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sync (MS-ASCMD 2.2.1.21): read the request (or take the cached one for
 * an empty or Partial request), work out every collection, then stream
 * the answer.  See sync_engine.h for the two phases.
 *
 * With Wait or HeartbeatInterval, a Sync that has nothing to send waits
 * for a change (sync_wait.c).
 */
#include "mod_eas.h"
#include "cmd_sync.h"
#include "sync_engine.h"
#include "pool_own.h"
#include "policy.h"
#include "push.h"
#include "response.h"
#include "sync_adjust.h"
#include "sync_conf.h"

#include <http_protocol.h>
#include <apr_strings.h>

#define A(name) EAS_AirSync_##name

/* MS-ASCMD: Wait in minutes; HeartbeatInterval in seconds, bounded by
   EASPingHeartbeat like a Ping's. */
#define WAIT_MIN 1
#define WAIT_MAX 59

/* A WindowSize is read up to this and then clamped. */
#define WINDOW_READ_MAX 1000000

/* The Sync element with only a Status (and a Limit when limit >= 0). */
static int sync_status(eas_request_t *req, int status, int limit)
{
    eas_response_t *resp = eas_response_start(req);
    eas_wbxml_enc_t *e = eas_response_enc(resp);

    eas_enc_start(e, A(Sync));
    eas_enc_int(e, A(Status), status);
    if (limit >= 0)
        eas_enc_int(e, A(Limit), limit);
    eas_enc_end(e);
    return eas_response_finish(resp);
}

/* Nothing to say: HTTP 200 without a body (MS-ASCMD 2.2.1.21.2). */
static int respond_empty(eas_request_t *req)
{
    request_rec *r = req->r;

    r->status = HTTP_OK;
    apr_table_setn(r->headers_out, "Cache-Control", "private");
    apr_table_setn(r->headers_out, "MS-Server-ActiveSync",
                   eas_server_version());
    ap_set_content_length(r, 0);
    return OK;
}

/* A boolean that may be empty (meaning 1); -1 if malformed. */
static int flag_value(const eas_node_t *n)
{
    apr_int64_t v;

    if (!n->value)
        return 1;
    return eas_sync_number(n->value, 1, &v) == 0 ? (int)v : -1;
}

static int window_value(const char *s)
{
    apr_int64_t v;

    if (eas_sync_number(s, WINDOW_READ_MAX, &v) != 0)
        return -1;
    /* MS-ASCMD: 0 and values above 512 mean 512. */
    return v == 0 || v > EAS_SYNC_WINDOW_CEILING ? EAS_SYNC_WINDOW_CEILING
                                                 : (int)v;
}

static const char *parse_collection(const eas_node_t *n, eas_sync_coll_t *c)
{
    const eas_node_t *k;
    const char *why;
    int found;

    memset(c, 0, sizeof(*c));
    c->get_changes = c->window = c->deletes_as_moves = -1;
    for (k = n->child; k; k = k->next) {
        if (k->tag == A(SyncKey))
            c->key = k->value;
        else if (k->tag == A(CollectionId))
            c->id = k->value;
        else if (k->tag == A(GetChanges)) {
            if ((c->get_changes = flag_value(k)) < 0)
                return "GetChanges is not 0 or 1";
        }
        else if (k->tag == A(DeletesAsMoves)) {
            if ((c->deletes_as_moves = flag_value(k)) < 0)
                return "DeletesAsMoves is not 0 or 1";
        }
        else if (k->tag == A(WindowSize)) {
            if ((c->window = window_value(k->value)) < 0)
                return "WindowSize is not a number";
        }
        else if (k->tag == A(Commands))
            c->commands = k;
    }
    if (!c->key || !*c->key || !c->id || !*c->id)
        return "a Collection without SyncKey or CollectionId";
    if ((why = eas_sync_options_parse(eas_node_child(n, A(Options)),
                                      &c->opts, &found)))
        return why;
    c->has_options = found;
    return NULL;
}

static const eas_sync_coll_t *find_coll(const apr_array_header_t *colls,
                                        const char *id)
{
    int i;

    for (i = 0; colls && i < colls->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(colls, i, eas_sync_coll_t).id, id) == 0)
            return &APR_ARRAY_IDX(colls, i, eas_sync_coll_t);
    return NULL;
}

/* Every Collection of the request into sr->colls; NULL or what is wrong. */
static const char *parse_collections(eas_sync_req_t *sr,
                                     const eas_node_t *cols)
{
    const eas_node_t *n;
    const char *why;

    for (n = eas_node_child(cols, A(Collection)); n;
         n = eas_node_next(n, A(Collection))) {
        eas_sync_coll_t c;

        if ((why = parse_collection(n, &c)))
            return why;
        if (find_coll(sr->colls, c.id))
            return apr_psprintf(sr->r->pool, "collection %s appears twice",
                                c.id);
        APR_ARRAY_PUSH(sr->colls, eas_sync_coll_t) = c;
    }
    return NULL;
}

/*
 * Wait and HeartbeatInterval: 0 when acceptable (*seconds set, 0 if
 * neither), else the answer sent.
 */
static int check_wait(eas_sync_req_t *sr, const eas_node_t *t, int *seconds,
                      int *rc)
{
    eas_request_t *req = sr->ctx->req;
    const eas_push_conf_t *pc = eas_push_conf();
    const char *wait = eas_node_text(t, A(Wait));
    const char *hb = eas_node_text(t, A(HeartbeatInterval));
    const char *s = wait ? wait : hb;
    int min = wait ? WAIT_MIN : pc->heartbeat_min;
    int max = wait ? WAIT_MAX : pc->heartbeat_max;
    apr_int64_t v;

    *seconds = 0;
    if (!s)
        return 0;
    if (wait && hb) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, sr->r, EASLOGNO(01130)
                      "Sync with both Wait and HeartbeatInterval");
        *rc = sync_status(req, EAS_SYNC_PROTOCOL, -1);
        return 1;
    }
    if (eas_sync_number(s, 0x7fffffff, &v) != 0 || v < min || v > max) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, sr->r, EASLOGNO(01131)
                      "Sync %s '%s' outside %d to %d",
                      wait ? "Wait" : "HeartbeatInterval", s, min, max);
        *rc = sync_status(req, EAS_SYNC_BAD_WAIT,
                          eas_sync_number(s, 0x7fffffff, &v) == 0 && v < min
                          ? min : max);
        return 1;
    }
    *seconds = (int)v * (wait ? 60 : 1);
    return 0;
}

/*
 * Add the cached collections the request does not name, and give each
 * collection without Options its cached ones.  Returns -1 if the request
 * needs the cache and there is none.
 */
static int use_cache(eas_sync_req_t *sr, int needed)
{
    apr_array_header_t *cache = eas_sync_cache_load(sr);
    int i, n = sr->colls->nelts;

    if (!cache)
        return needed ? -1 : 0;
    for (i = 0; i < n; i++) {
        eas_sync_coll_t *c = &APR_ARRAY_IDX(sr->colls, i, eas_sync_coll_t);
        const eas_sync_coll_t *old = find_coll(cache, c->id);

        if (!c->has_options && old) {
            c->opts = old->opts;
            c->has_options = 1;
        }
    }
    if (needed)
        for (i = 0; i < cache->nelts; i++) {
            const eas_sync_coll_t *old = &APR_ARRAY_IDX(cache, i,
                                                        eas_sync_coll_t);
            if (!find_coll(sr->colls, old->id))
                APR_ARRAY_PUSH(sr->colls, eas_sync_coll_t) = *old;
        }
    return 0;
}

/* The policy's widest windows for mail and for calendars (0: none). */
static void max_age_filters(eas_sync_req_t *sr)
{
    const eas_policy_conf_t *pc = eas_policy_conf(sr->r);

    sr->max_age_filter = pc ? pc->values[EAS_POL_MaxEmailAgeFilter] : 0;
    sr->max_cal_filter = pc ? pc->values[EAS_POL_MaxCalendarAgeFilter] : 0;
}

/*
 * Each item is read and converted in a pool cleared after every item.
 * It has its own allocator, which keeps what it frees until the pool
 * goes (httpd's MaxMemFree would hand multi-megabyte message buffers back
 * to the kernel after each item and fault them in again for the next).
 */
static int stream(eas_sync_req_t *sr)
{
    eas_response_t *resp = eas_response_start(sr->ctx->req);
    eas_wbxml_enc_t *e = eas_response_enc(resp);
    apr_pool_t *scratch;
    int i;

    scratch = eas_pool_own(sr->r->pool);
    sr->unsent = apr_array_make(sr->r->pool, 4, sizeof(const char *));
    sr->skipped = apr_array_make(sr->r->pool, 4, sizeof(eas_item_ref_t));
    eas_enc_start(e, A(Sync));
    eas_enc_start(e, A(Collections));
    for (i = 0; i < sr->colls->nelts; i++) {
        const eas_sync_coll_t *c = &APR_ARRAY_IDX(sr->colls, i,
                                                  eas_sync_coll_t);

        apr_array_clear(sr->unsent);
        apr_array_clear(sr->skipped);
        eas_sync_collection_write(sr, c, e, scratch);
        /* Stored with the key before writing: take back what failed,
           and keep what is invalid out until it changes. */
        eas_sync_note_unsent(sr->ctx, c->id, sr->unsent);
        eas_sync_note_skipped(sr->ctx, c->id, sr->skipped);
    }
    eas_enc_end(e);
    eas_enc_end(e);
    apr_pool_destroy(scratch);
    return eas_response_finish(resp);
}

int eas_cmd_sync(eas_request_t *req)
{
    request_rec *r = req->r;
    const eas_sync_conf_t *conf = eas_sync_conf(r);
    const eas_node_t *t = req->tree, *cols = NULL;
    eas_sync_req_t *sr = apr_pcalloc(r->pool, sizeof(*sr));
    int i, rc, window = -1, partial = 0, news = 0, wait = 0, may_wait;
    const char *why = NULL;

    sr->ctx = req->ctx;
    sr->r = r;
    sr->version = req->version;
    sr->now = apr_time_now();
    sr->colls = apr_array_make(r->pool, 4, sizeof(eas_sync_coll_t));
    max_age_filters(sr);
    if (t) {
        const char *w = eas_node_text(t, A(WindowSize));

        if (check_wait(sr, t, &wait, &rc))
            return rc;
        partial = eas_node_child(t, A(Partial)) != NULL;
        if (w && (window = window_value(w)) < 0)
            why = "the Sync WindowSize is not a number";
        if (!why && (cols = eas_node_child(t, A(Collections))))
            why = parse_collections(sr, cols);
        if (why) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01132)
                          "malformed Sync request: %s", why);
            return sync_status(req, EAS_SYNC_PROTOCOL, -1);
        }
    }
    else {
        window = eas_sync_cache_window(sr);
        wait = eas_sync_cache_wait(sr);
    }
    if (use_cache(sr, !t || partial || !sr->colls->nelts) != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01133)
                      "%s Sync request and no cached collections: the "
                      "device must send the full request",
                      t ? "partial" : "empty");
        return sync_status(req, EAS_SYNC_INCOMPLETE, -1);
    }
    if (sr->colls->nelts > conf->max_collections) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01134)
                      "Sync of %d collections (EASMaxSyncCollections %d)",
                      sr->colls->nelts, conf->max_collections);
        return sync_status(req, EAS_SYNC_TOO_MANY, conf->max_collections);
    }
    sr->budget = window > 0 && window < conf->max_window ? window
                                                         : conf->max_window;
    /* A Sync that may wait reads listings and snapshots in a pool that
       goes before it sleeps: sync_wait.c reads again when there is news. */
    may_wait = wait && req->version >= 121;
    if (may_wait)
        sr->pool = eas_pool_own(r->pool);
    for (i = 0; i < sr->colls->nelts; i++) {
        eas_sync_coll_t *c = &APR_ARRAY_IDX(sr->colls, i, eas_sync_coll_t);
        eas_sync_collection_prepare(sr, c);
        news |= eas_sync_collection_news(c);
    }
    eas_sync_cache_save(sr, window, wait);
    if (!news && may_wait) {
        apr_pool_destroy(sr->pool);
        sr->pool = NULL;
        sr->folders = NULL;     /* the collections' folders went with it */
        if ((news = eas_sync_wait(sr, wait, &rc)) < 0)
            return OK;          /* the client is gone */
        if (rc != OK)
            return rc;
        if (news)               /* the keys moved on while it waited */
            eas_sync_cache_save(sr, window, wait);
    }
    if (!news && req->version >= 121)
        return respond_empty(req);
    return stream(sr);
}
