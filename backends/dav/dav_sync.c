/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Changes and queries in one collection: the sync-collection REPORT (RFC
 * 6578 section 3: changed members with ETags, removed ones as 404, the new
 * token, 507 on the request URI for a truncated answer, the
 * valid-sync-token precondition), the PROPFIND Depth 1 ETag listing for
 * servers without it, calendar-query (RFC 4791 section 7.8: time-range,
 * to-dos not completed) and calendar-multiget / addressbook-multiget (RFC
 * 4791 section 7.9, RFC 6352 section 8.7).
 */
#include "dav_client.h"

#include <apr_strings.h>

#include <string.h>

#define XML_CT "application/xml; charset=utf-8"
#define XML_DECL "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"

static dav_req_t report(const char *path, const char *depth,
                        const char *body)
{
    dav_req_t rq = { "REPORT", path, depth, body, strlen(body), XML_CT,
                     NULL, NULL, NULL, NULL };
    return rq;
}

static dav_ms_response_t *resp(const dav_multistatus_t *ms, int i)
{
    return &APR_ARRAY_IDX(ms->responses, i, dav_ms_response_t);
}

/* A member (not the collection, not a sub-collection) of coll, or NULL. */
static const char *member(dav_client_t *c, const dav_resp_t *rs,
                          const char *coll, const dav_ms_response_t *r,
                          apr_pool_t *p)
{
    const char *h = dav_accept_href(c, rs->path, r->href, p);

    if (!h || (r->rtype & DAV_RT_COLLECTION) || h[strlen(h) - 1] == '/'
        || !dav_path_under(h, coll))
        return NULL;
    return h;
}

/* ---- sync-collection ---- */

static void sync_entry(dav_client_t *c, const dav_resp_t *rs,
                       const char *coll, const dav_ms_response_t *r,
                       dav_changes_t *out, apr_pool_t *p)
{
    const char *h = dav_accept_href(c, rs->path, r->href, p);

    if (h && (strcmp(h, coll) == 0
              || strcmp(apr_pstrcat(p, h, "/", NULL), coll) == 0)) {
        if (r->status == 507)
            out->truncated = 1;
        return;
    }
    if (!(h = member(c, rs, coll, r, p)))
        return;
    if (r->status == 404) {
        APR_ARRAY_PUSH(out->removed, const char *) = h;
    } else if (r->etag) {
        dav_ref_t *ref = apr_array_push(out->changed);
        ref->href = h;
        ref->etag = r->etag;
    }
}

static const char *sync_body(const char *token, apr_pool_t *p)
{
    return apr_pstrcat(p, XML_DECL,
                       "<D:sync-collection xmlns:D=\"DAV:\"><D:sync-token>",
                       token ? dav_xml_escape(token, p) : "",
                       "</D:sync-token><D:sync-level>1</D:sync-level>"
                       "<D:prop><D:getetag/></D:prop></D:sync-collection>",
                       NULL);
}

apr_status_t dav_sync(dav_client_t *c, const char *coll, const char *token,
                      dav_changes_t *out, apr_pool_t *p)
{
    dav_multistatus_t ms;
    dav_resp_t rs;
    dav_req_t rq;
    apr_status_t rv = dav_check_href(c, coll, 1, &coll, p);
    int i;

    memset(out, 0, sizeof(*out));
    out->changed = apr_array_make(p, 16, sizeof(dav_ref_t));
    out->removed = apr_array_make(p, 4, sizeof(const char *));
    if (rv != APR_SUCCESS)
        return rv;
    rq = report(coll, "0", sync_body(token && *token ? token : NULL, p));
    rv = dav_http(c, &rq, &rs, p);
    if (rv == APR_SUCCESS && (rs.status == 403 || rs.status == 409)
        && dav_xml_error_has(rs.body, rs.len, "valid-sync-token"))
        return dav_refused(c, &rq, &rs, DAV_EBADTOKEN, "invalid sync token");
    /* The answer already read, not the request sent again. */
    rv = rv == APR_SUCCESS ? dav_resp_ms(c, &rq, &rs, &ms, p) : rv;
    if (rv != APR_SUCCESS)
        return rv;
    for (i = 0; i < ms.responses->nelts; i++)
        sync_entry(c, &rs, rs.path, resp(&ms, i), out, p);
    out->token = ms.sync_token;
    if (!out->token || !*out->token)
        return dav_refused(c, &rq, &rs, DAV_EBADREPLY, "no sync-token");
    return APR_SUCCESS;
}

/* ---- listings ---- */

/* The members with an ETag in a 207 answer, as dav_ref_t. */
static apr_array_header_t *refs(dav_client_t *c, const dav_resp_t *rs,
                                const char *coll, const dav_multistatus_t *ms,
                                apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 16, sizeof(dav_ref_t));
    int i;

    for (i = 0; i < ms->responses->nelts; i++) {
        const dav_ms_response_t *r = resp(ms, i);
        const char *h = member(c, rs, coll, r, p);
        if (h && r->etag && (!r->status || r->status == 200)) {
            dav_ref_t *ref = apr_array_push(out);
            ref->href = h;
            ref->etag = r->etag;
        }
    }
    return out;
}

/* rq (a PROPFIND or REPORT on coll) answered as a list of refs. */
static apr_status_t ref_request(dav_client_t *c, dav_req_t *rq,
                                apr_array_header_t **out, apr_pool_t *p)
{
    dav_multistatus_t ms;
    dav_resp_t rs;
    apr_status_t rv = dav_http_ms(c, rq, &rs, &ms, p);

    *out = rv == APR_SUCCESS ? refs(c, &rs, rs.path, &ms, p)
                             : apr_array_make(p, 1, sizeof(dav_ref_t));
    return rv;
}

apr_status_t dav_etags(dav_client_t *c, const char *coll,
                       apr_array_header_t **out, apr_pool_t *p)
{
    static const char body[] = XML_DECL
        "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:getetag/><D:resourcetype/>"
        "</D:prop></D:propfind>";
    dav_req_t rq = { "PROPFIND", NULL, "1", body, sizeof(body) - 1, XML_CT,
                     NULL, NULL, NULL, NULL };
    apr_status_t rv = dav_check_href(c, coll, 1, &rq.path, p);

    *out = apr_array_make(p, 1, sizeof(dav_ref_t));
    return rv == APR_SUCCESS ? ref_request(c, &rq, out, p) : rv;
}

/* "20260101T000000Z" */
static const char *ical_utc(apr_time_t t, apr_pool_t *p)
{
    apr_time_exp_t e;

    apr_time_exp_gmt(&e, t);
    return apr_psprintf(p, "%04d%02d%02dT%02d%02d%02dZ", e.tm_year + 1900,
                        e.tm_mon + 1, e.tm_mday, e.tm_hour, e.tm_min,
                        e.tm_sec);
}

static const char *query_body(const char *filter, apr_pool_t *p)
{
    return apr_pstrcat(p, XML_DECL,
                       "<C:calendar-query xmlns:D=\"DAV:\" "
                       "xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
                       "<D:prop><D:getetag/></D:prop><C:filter>"
                       "<C:comp-filter name=\"VCALENDAR\">", filter,
                       "</C:comp-filter></C:filter></C:calendar-query>",
                       NULL);
}

static int comp_ok(const char *comp)
{
    return comp && (strcmp(comp, "VEVENT") == 0 || strcmp(comp, "VTODO") == 0
                    || strcmp(comp, "VJOURNAL") == 0);
}

apr_status_t dav_query_range(dav_client_t *c, const char *coll,
                             const char *comp, apr_time_t start,
                             apr_time_t end, apr_array_header_t **out,
                             apr_pool_t *p)
{
    dav_req_t rq;
    const char *range = "", *path;
    apr_status_t rv = dav_check_href(c, coll, 1, &path, p);

    *out = apr_array_make(p, 1, sizeof(dav_ref_t));
    if (rv != APR_SUCCESS)
        return rv;
    if (!comp_ok(comp) || (start && end && end <= start))
        return APR_EINVAL;
    if (start || end)
        range = apr_pstrcat(p, "<C:time-range",
                            start ? apr_pstrcat(p, " start=\"",
                                                ical_utc(start, p), "\"", NULL)
                                  : "",
                            end ? apr_pstrcat(p, " end=\"", ical_utc(end, p),
                                              "\"", NULL) : "",
                            "/>", NULL);
    rq = report(path, "1", query_body(apr_pstrcat(p, "<C:comp-filter name=\"",
                                                  comp, "\">", range,
                                                  "</C:comp-filter>", NULL),
                                      p));
    return ref_request(c, &rq, out, p);
}

apr_status_t dav_query_uid(dav_client_t *c, const char *coll,
                           const char *comp, const char *uid,
                           apr_array_header_t **out, apr_pool_t *p)
{
    dav_req_t rq;
    const char *path;
    apr_status_t rv = dav_check_href(c, coll, 1, &path, p);

    *out = apr_array_make(p, 1, sizeof(dav_ref_t));
    if (rv != APR_SUCCESS)
        return rv;
    if (!comp_ok(comp) || !uid || !*uid)
        return APR_EINVAL;
    rq = report(path, "1", query_body(apr_pstrcat(p,
        "<C:comp-filter name=\"", comp, "\"><C:prop-filter name=\"UID\">"
        "<C:text-match collation=\"i;octet\">", dav_xml_escape(uid, p),
        "</C:text-match></C:prop-filter></C:comp-filter>", NULL), p));
    return ref_request(c, &rq, out, p);
}

apr_status_t dav_query_open_todos(dav_client_t *c, const char *coll,
                                  apr_array_header_t **out, apr_pool_t *p)
{
    dav_req_t rq;
    const char *path;
    apr_status_t rv = dav_check_href(c, coll, 1, &path, p);

    *out = apr_array_make(p, 1, sizeof(dav_ref_t));
    if (rv != APR_SUCCESS)
        return rv;
    rq = report(path, "1", query_body(
        "<C:comp-filter name=\"VTODO\"><C:prop-filter name=\"COMPLETED\">"
        "<C:is-not-defined/></C:prop-filter></C:comp-filter>", p));
    return ref_request(c, &rq, out, p);
}

/* ---- multiget ---- */

static const char *multiget_body(dav_kind_t kind,
                                 const apr_array_header_t *paths, int from,
                                 int n, apr_pool_t *p)
{
    int cal = kind == DAV_KIND_CALENDAR, i;
    apr_array_header_t *parts = apr_array_make(p, 3 * n + 3, sizeof(char *));

    APR_ARRAY_PUSH(parts, const char *) = cal
        ? XML_DECL "<C:calendar-multiget xmlns:D=\"DAV:\" "
          "xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><D:prop><D:getetag/>"
          "<C:calendar-data/></D:prop>"
        : XML_DECL "<C:addressbook-multiget xmlns:D=\"DAV:\" "
          "xmlns:C=\"urn:ietf:params:xml:ns:carddav\"><D:prop><D:getetag/>"
          "<C:address-data/></D:prop>";
    for (i = from; i < from + n; i++) {
        APR_ARRAY_PUSH(parts, const char *) = "<D:href>";
        APR_ARRAY_PUSH(parts, const char *) =
            dav_xml_escape(APR_ARRAY_IDX(paths, i, const char *), p);
        APR_ARRAY_PUSH(parts, const char *) = "</D:href>";
    }
    APR_ARRAY_PUSH(parts, const char *) = cal ? "</C:calendar-multiget>"
                                              : "</C:addressbook-multiget>";
    return apr_array_pstrcat(p, parts, 0);
}

static void add_items(dav_client_t *c, const dav_resp_t *rs,
                      const char *coll, const dav_multistatus_t *ms,
                      apr_array_header_t *out, apr_pool_t *p)
{
    int i;

    for (i = 0; i < ms->responses->nelts; i++) {
        const dav_ms_response_t *r = resp(ms, i);
        const char *h = member(c, rs, coll, r, p);
        dav_item_t *it;

        if (!h)
            continue;
        it = apr_array_push(out);
        memset(it, 0, sizeof(*it));
        it->href = h;
        if ((r->status && r->status != 200) || !r->data)
            continue;                   /* gone (404) or unreadable */
        it->etag = r->etag;
        it->data = r->data;
        it->len = r->data_len;
    }
}

/* The caller's hrefs checked, each a member of coll. */
static apr_status_t check_members(dav_client_t *c, const char *coll,
                                  const apr_array_header_t *hrefs,
                                  apr_array_header_t **paths, apr_pool_t *p)
{
    int i;

    *paths = apr_array_make(p, hrefs->nelts, sizeof(const char *));
    for (i = 0; i < hrefs->nelts; i++) {
        const char *h;
        apr_status_t rv = dav_check_href(c, APR_ARRAY_IDX(hrefs, i,
                                         const char *), 0, &h, p);
        if (rv != APR_SUCCESS)
            return rv;
        if (!dav_path_under(h, coll) || strcmp(h, coll) == 0)
            return APR_EINVAL;
        APR_ARRAY_PUSH(*paths, const char *) = h;
    }
    return APR_SUCCESS;
}

apr_status_t dav_multiget(dav_client_t *c, const char *coll, dav_kind_t kind,
                          const apr_array_header_t *hrefs,
                          apr_array_header_t **out, apr_pool_t *p)
{
    apr_array_header_t *paths;
    apr_status_t rv = dav_check_href(c, coll, 1, &coll, p);
    int from;

    *out = apr_array_make(p, hrefs->nelts ? hrefs->nelts : 1,
                          sizeof(dav_item_t));
    if (rv == APR_SUCCESS)
        rv = check_members(c, coll, hrefs, &paths, p);
    for (from = 0; rv == APR_SUCCESS && from < hrefs->nelts;
         from += c->batch) {
        int n = hrefs->nelts - from < c->batch ? hrefs->nelts - from
                                               : c->batch;
        dav_req_t rq = report(coll, "1", multiget_body(kind, paths, from, n,
                                                       p));
        dav_multistatus_t ms;
        dav_resp_t rs;

        rv = dav_http_ms(c, &rq, &rs, &ms, p);
        if (rv == APR_SUCCESS)
            add_items(c, &rs, rs.path, &ms, *out, p);
    }
    return rv;
}
