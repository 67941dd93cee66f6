/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GetItemEstimate (MS-ASCMD 2.2.1.9): for each collection, how many
 * changes a Sync from the given SyncKey would send, with the same window
 * and snapshot diff as Sync.  Nothing is stored.
 */
#include "mod_eas.h"
#include "cmd_sync.h"
#include "sync_engine.h"
#include "policy.h"
#include "response.h"
#include "sync_conf.h"

#include <apr_strings.h>

#define G(name) EAS_GetItemEstimate_##name
#define A(name) EAS_AirSync_##name

/* GetItemEstimate Status values (MS-ASCMD 2.2.3.177.7). */
enum {
    GIE_OK = 1,
    GIE_BAD_COLLECTION = 2,
    GIE_NOT_PRIMED = 3,
    GIE_BAD_KEY = 4
};

typedef struct {
    const char *id;
    int status;
    int estimate;
} gie_result_t;

/* The window: 12.x names FilterType in the Collection, 14.x in Options. */
static const char *collection_options(const eas_node_t *n,
                                      eas_sync_options_t *o, int *found)
{
    const char *ft = eas_node_text(n, A(FilterType));
    const char *why = eas_sync_options_parse(eas_node_child(n, A(Options)),
                                             o, found);

    if (why || !ft)
        return why;
    *found = 1;
    return eas_sync_filter_parse(ft, &o->filter_type);
}

/* Fills res; -1 on a server-side failure (logged). */
static int estimate(eas_sync_req_t *sr, const eas_node_t *n,
                    apr_array_header_t *cache, gie_result_t *res)
{
    const char *key = eas_node_text(n, A(SyncKey));
    const eas_folder_t *f;
    eas_sync_options_t o;
    eas_snapshot_t *s;
    apr_array_header_t *pending;
    const char *why;
    apr_status_t rv;
    int found, i;

    res->id = eas_node_text(n, G(CollectionId));
    res->estimate = 0;
    if ((why = collection_options(n, &o, &found))) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, sr->r, EASLOGNO(01150)
                      "GetItemEstimate of collection %s: %s",
                      res->id ? res->id : "(none)", why);
        res->status = GIE_BAD_COLLECTION;
        return 0;
    }
    if (eas_sync_store(sr) != OK)
        return -1;
    if (!res->id || !(f = eas_sync_folder(sr, res->id))) {
        res->status = GIE_BAD_COLLECTION;
        return 0;
    }
    if (!key || strcmp(key, "0") == 0) {
        res->status = GIE_NOT_PRIMED;
        return 0;
    }
    /* Without a window of its own, the one the device syncs with. */
    for (i = 0; !found && cache && i < cache->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(cache, i, eas_sync_coll_t).id, res->id) == 0)
            o = APR_ARRAY_IDX(cache, i, eas_sync_coll_t).opts;
    if (o.filter_type == EAS_FILTER_INCOMPLETE && f->cls != EAS_CLASS_TASKS) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, sr->r, EASLOGNO(01772)
                      "GetItemEstimate of collection %s: FilterType 8 "
                      "(incomplete tasks) for a folder of %s", res->id,
                      eas_class_name(f->cls));
        res->status = GIE_BAD_COLLECTION;
        return 0;
    }
    if ((rv = eas_sync_snapshot(sr, res->id, key, &s)) == APR_ENOENT) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, sr->r, EASLOGNO(01152)
                      "GetItemEstimate of collection %s with unknown "
                      "SyncKey '%s'", res->id, key);
        res->status = GIE_BAD_KEY;
        return 0;
    }
    if (rv != APR_SUCCESS || !(pending = eas_sync_pending(sr, res->id, s, &o)))
        return -1;
    res->status = GIE_OK;
    res->estimate = pending->nelts;
    return 0;
}

static void write_result(eas_wbxml_enc_t *e, const gie_result_t *res)
{
    eas_enc_start(e, G(Response));
    eas_enc_int(e, G(Status), res->status);
    eas_enc_start(e, G(Collection));
    eas_enc_str(e, G(CollectionId), res->id ? res->id : "");
    if (res->status == GIE_OK)
        eas_enc_int(e, G(Estimate), res->estimate);
    eas_enc_end(e);
    eas_enc_end(e);
}

int eas_cmd_getitemestimate(eas_request_t *req)
{
    request_rec *r = req->r;
    const eas_sync_conf_t *conf = eas_sync_conf(r);
    const eas_node_t *cols = eas_node_child(req->tree, G(Collections)), *n;
    eas_sync_req_t *sr = apr_pcalloc(r->pool, sizeof(*sr));
    const eas_policy_conf_t *pc = eas_policy_conf(r);
    apr_array_header_t *cache;
    eas_response_t *resp;
    eas_wbxml_enc_t *e;
    gie_result_t *res;
    int count = 0, i = 0;

    for (n = cols ? eas_node_child(cols, G(Collection)) : NULL; n;
         n = eas_node_next(n, G(Collection)))
        count++;
    if (count == 0 || count > conf->max_collections) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01151)
                      "GetItemEstimate with %d collections (1 to %d "
                      "allowed)", count, conf->max_collections);
        return eas_response_malformed(req, EAS_STATUS_INVALID_XML);
    }
    sr->ctx = req->ctx;
    sr->r = r;
    sr->version = req->version;
    sr->now = apr_time_now();
    sr->max_age_filter = pc ? pc->values[EAS_POL_MaxEmailAgeFilter] : 0;
    sr->max_cal_filter = pc ? pc->values[EAS_POL_MaxCalendarAgeFilter] : 0;
    cache = eas_sync_cache_load(sr);
    res = apr_palloc(r->pool, count * sizeof(*res));
    /* All first: a store or database failure is an HTTP error (logged). */
    for (n = eas_node_child(cols, G(Collection)); n;
         n = eas_node_next(n, G(Collection)))
        if (estimate(sr, n, cache, &res[i++]) != 0)
            return HTTP_SERVICE_UNAVAILABLE;
    resp = eas_response_start(req);
    e = eas_response_enc(resp);
    eas_enc_start(e, G(GetItemEstimate));
    for (i = 0; i < count; i++)
        write_result(e, &res[i]);
    eas_enc_end(e);
    return eas_response_finish(resp);
}
