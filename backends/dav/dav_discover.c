/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Discovery and collection listing: the context path from
 * /.well-known/caldav and /.well-known/carddav (RFC 6764 section 5) or the
 * base URL, the user's principal (current-user-principal, RFC 5397), its
 * calendar-home-set (RFC 4791 section 6.2.1) and addressbook-home-set
 * (RFC 6352 section 7.1.1), then the calendars and address books in each
 * home with what a folder list needs (displayname, component set, color,
 * getctag, sync-token, whether sync-collection is supported), or one
 * collection's (what a change poller compares).
 */
#include "dav_client.h"

#include <apr_strings.h>

#include <string.h>

#define XML_CT "application/xml; charset=utf-8"

static const char principal_body[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:current-user-principal/>"
    "</D:prop></D:propfind>";

static const char homes_body[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<D:propfind xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\""
    " xmlns:CR=\"urn:ietf:params:xml:ns:carddav\"><D:prop>"
    "<C:calendar-home-set/><CR:addressbook-home-set/>"
    "</D:prop></D:propfind>";

static const char list_body[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<D:propfind xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\""
    " xmlns:CS=\"http://calendarserver.org/ns/\""
    " xmlns:I=\"http://apple.com/ns/ical/\"><D:prop>"
    "<D:resourcetype/><D:displayname/><CS:getctag/><D:sync-token/>"
    "<C:supported-calendar-component-set/><D:supported-report-set/>"
    "<I:calendar-color/></D:prop></D:propfind>";

/* The same without the change tags, for the listing of the homes. */
static const char home_body[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<D:propfind xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\""
    " xmlns:I=\"http://apple.com/ns/ical/\"><D:prop>"
    "<D:resourcetype/><D:displayname/>"
    "<C:supported-calendar-component-set/><D:supported-report-set/>"
    "<I:calendar-color/></D:prop></D:propfind>";

/* The principal named by a PROPFIND at path, resolved; NULL if none. */
static const char *principal_at(dav_client_t *c, const char *path,
                                apr_status_t *rv, apr_pool_t *p)
{
    dav_req_t rq = { "PROPFIND", path, "0", principal_body,
                     sizeof(principal_body) - 1, XML_CT, NULL, NULL, NULL,
                     NULL };
    dav_multistatus_t ms;
    dav_resp_t rs;
    dav_url_t at = c->base;
    int i;

    *rv = dav_http_ms(c, &rq, &rs, &ms, p);
    if (*rv != APR_SUCCESS)
        return NULL;
    at.path = rs.path;
    for (i = 0; i < ms.responses->nelts; i++) {
        dav_ms_response_t *r = &APR_ARRAY_IDX(ms.responses, i,
                                              dav_ms_response_t);
        const char *pr = r->principal ? dav_url_resolve(&at, r->principal, p)
                                      : NULL;
        if (pr)
            return pr;
    }
    *rv = dav_refused(c, &rq, &rs, APR_ENOENT, "no current-user-principal");
    return NULL;
}

/* Resolved, same-origin hrefs of in onto out (duplicates left out). */
static void add_homes(dav_client_t *c, const char *at,
                      const apr_array_header_t *in, apr_array_header_t *out)
{
    dav_url_t base = c->base;
    int i, j;

    base.path = at;
    for (i = 0; i < in->nelts; i++) {
        const char *h = dav_url_resolve(&base, APR_ARRAY_IDX(in, i,
                                        const char *), c->pool);
        if (!h) {
            dav_log(c, DAV_LOG_WARNING, DAV_EBADREPLY, "dav: principal %s: "
                    "dropped a home set on another origin", at);
            continue;
        }
        if (h[strlen(h) - 1] != '/')
            h = apr_pstrcat(c->pool, h, "/", NULL);
        for (j = 0; j < out->nelts; j++)
            if (strcmp(APR_ARRAY_IDX(out, j, const char *), h) == 0)
                break;
        if (j == out->nelts)
            APR_ARRAY_PUSH(out, const char *) = h;
    }
}

static apr_status_t read_homes(dav_client_t *c, const char *principal,
                               apr_pool_t *p)
{
    dav_req_t rq = { "PROPFIND", principal, "0", homes_body,
                     sizeof(homes_body) - 1, XML_CT, NULL, NULL, NULL, NULL };
    dav_homes_t *h = apr_pcalloc(c->pool, sizeof(*h));
    dav_multistatus_t ms;
    dav_resp_t rs;
    apr_status_t rv = dav_http_ms(c, &rq, &rs, &ms, p);
    int i;

    if (rv != APR_SUCCESS)
        return rv;
    h->principal = apr_pstrdup(c->pool, principal);
    h->cal_homes = apr_array_make(c->pool, 1, sizeof(const char *));
    h->card_homes = apr_array_make(c->pool, 1, sizeof(const char *));
    for (i = 0; i < ms.responses->nelts; i++) {
        dav_ms_response_t *r = &APR_ARRAY_IDX(ms.responses, i,
                                              dav_ms_response_t);
        add_homes(c, rs.path, r->cal_homes, h->cal_homes);
        add_homes(c, rs.path, r->card_homes, h->card_homes);
    }
    if (h->cal_homes->nelts == 0 && h->card_homes->nelts == 0)
        return dav_refused(c, &rq, &rs, APR_ENOENT,
                           "the principal has no home set");
    c->homes = h;
    return APR_SUCCESS;
}

apr_status_t dav_discover(dav_client_t *c, apr_pool_t *p)
{
    static const char *const wk[] = { "/.well-known/caldav",
                                      "/.well-known/carddav" };
    const char *principal = NULL;
    apr_status_t rv = APR_SUCCESS;
    int i;

    for (i = 0; i < 2 && !principal; i++) {
        principal = principal_at(c, wk[i], &rv, p);
        if (rv == DAV_EUNAVAIL || rv == APR_EACCES)
            return rv;
    }
    if (!principal)
        principal = principal_at(c, c->base.path, &rv, p);
    if (!principal)
        return rv;
    if (principal[strlen(principal) - 1] != '/')
        principal = apr_pstrcat(p, principal, "/", NULL);
    return read_homes(c, principal, p);
}

/* ---- collections ---- */

static int collection_of(dav_client_t *c, const dav_ms_response_t *r,
                         const char *at, const char *home,
                         dav_collection_t *col, apr_pool_t *p)
{
    const char *href;

    if (!(r->rtype & (DAV_RT_CALENDAR | DAV_RT_ADDRESSBOOK))
        || (r->status && r->status != 200))
        return 0;
    href = dav_accept_href(c, at, r->href, p);
    if (!href)
        return 0;
    if (href[strlen(href) - 1] != '/')
        href = apr_pstrcat(p, href, "/", NULL);
    if (strcmp(href, home) == 0)
        return 0;
    memset(col, 0, sizeof(*col));
    col->href = href;
    col->name = r->displayname && *r->displayname ? r->displayname : NULL;
    col->kind = r->rtype & DAV_RT_CALENDAR ? DAV_KIND_CALENDAR
                                           : DAV_KIND_ADDRESSBOOK;
    if (col->kind == DAV_KIND_CALENDAR)
        col->comps = r->has_comps ? r->comps : DAV_COMP_VEVENT
                     | DAV_COMP_VTODO | DAV_COMP_VJOURNAL;
    col->color = r->color && *r->color ? r->color : NULL;
    col->ctag = r->ctag;
    col->sync_token = r->sync_token && *r->sync_token ? r->sync_token : NULL;
    col->can_sync = r->can_sync;
    return 1;
}

static int listed(const apr_array_header_t *out, const char *href)
{
    int i;

    for (i = 0; i < out->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(out, i, dav_collection_t).href, href) == 0)
            return 1;
    return 0;
}

static apr_status_t list_home(dav_client_t *c, const char *home,
                              apr_array_header_t *out, apr_pool_t *p)
{
    dav_req_t rq = { "PROPFIND", home, "1", home_body, sizeof(home_body) - 1,
                     XML_CT, NULL, NULL, NULL, NULL };
    dav_multistatus_t ms;
    dav_resp_t rs;
    apr_status_t rv = dav_http_ms(c, &rq, &rs, &ms, p);
    int i;

    for (i = 0; rv == APR_SUCCESS && i < ms.responses->nelts; i++) {
        dav_collection_t col;
        if (collection_of(c, &APR_ARRAY_IDX(ms.responses, i,
                                            dav_ms_response_t),
                          rs.path, home, &col, p)
            && !listed(out, col.href))
            APR_ARRAY_PUSH(out, dav_collection_t) = col;
    }
    return rv;
}

static int seen(const apr_array_header_t *a, int n, const char *s)
{
    int i;

    for (i = 0; i < n; i++)
        if (strcmp(APR_ARRAY_IDX(a, i, const char *), s) == 0)
            return 1;
    return 0;
}

apr_status_t dav_collections(dav_client_t *c, apr_array_header_t **out,
                             apr_pool_t *p)
{
    apr_array_header_t *homes;
    apr_status_t rv = APR_SUCCESS;
    int i;

    if (!c->homes)
        return APR_EINVAL;
    homes = apr_array_append(p, c->homes->cal_homes, c->homes->card_homes);
    *out = apr_array_make(p, 8, sizeof(dav_collection_t));
    for (i = 0; i < homes->nelts && rv == APR_SUCCESS; i++) {
        const char *h = APR_ARRAY_IDX(homes, i, const char *);
        if (!seen(homes, i, h))
            rv = list_home(c, h, *out, p);
    }
    return rv;
}

apr_status_t dav_collection_get(dav_client_t *c, const char *coll,
                                dav_collection_t *out, apr_pool_t *p)
{
    dav_req_t rq = { "PROPFIND", NULL, "0", list_body, sizeof(list_body) - 1,
                     XML_CT, NULL, NULL, NULL, NULL };
    dav_multistatus_t ms;
    dav_resp_t rs;
    apr_status_t rv = dav_check_href(c, coll, 1, &rq.path, p);
    int i;

    memset(out, 0, sizeof(*out));
    if (rv == APR_SUCCESS)
        rv = dav_http_ms(c, &rq, &rs, &ms, p);
    for (i = 0; rv == APR_SUCCESS && i < ms.responses->nelts; i++)
        if (collection_of(c, &APR_ARRAY_IDX(ms.responses, i,
                                            dav_ms_response_t),
                          rs.path, "", out, p)
            && strcmp(out->href, rs.path) == 0)
            return APR_SUCCESS;
    return rv == APR_SUCCESS ? dav_refused(c, &rq, &rs, APR_ENOENT,
                                           "not a calendar or address book")
                             : rv;
}
