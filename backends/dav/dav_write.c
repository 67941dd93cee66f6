/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading and writing single items and collections: GET, PUT with
 * If-None-Match: * for a new item at an href of our own making and with
 * If-Match for a change, DELETE with If-Match (RFC 4918 sections 9.4,
 * 9.6, 9.7; RFC 9110 section 13.1), MOVE of an item to another
 * collection with Overwrite: F (RFC 4918 section 9.9), the new ETag from
 * the answer or asked for when the server sends none (RFC 4791 section
 * 5.3.4); MKCALENDAR (RFC 4791 section 5.3.1), extended MKCOL for address
 * books (RFC 5689, RFC 6352 section 6.3.1), PROPPATCH of the displayname
 * (RFC 4918 section 9.2) and DELETE of a collection.
 */
#include "dav_client.h"

#include <apr_strings.h>
#include <apr_uuid.h>

#include <string.h>

#define XML_CT "application/xml; charset=utf-8"
#define XML_DECL "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"

static const char *content_type(dav_kind_t kind)
{
    return kind == DAV_KIND_CALENDAR ? "text/calendar; charset=utf-8"
                                     : "text/vcard; charset=utf-8";
}

static const char *fresh_name(apr_pool_t *p)
{
    char buf[APR_UUID_FORMATTED_LENGTH + 1];
    apr_uuid_t u;

    apr_uuid_get(&u);
    apr_uuid_format(buf, &u);
    return apr_pstrdup(p, buf);
}

/* rs's status as the result of rq, logged when it is not 2xx. */
static apr_status_t outcome(dav_client_t *c, const dav_req_t *rq,
                            const dav_resp_t *rs)
{
    apr_status_t rv = dav_status_rv(rs->status);

    return rv == APR_SUCCESS ? rv : dav_refused(c, rq, rs, rv, NULL);
}

apr_status_t dav_get(dav_client_t *c, const char *href, dav_item_t *out,
                     apr_pool_t *p)
{
    dav_req_t rq = { "GET", NULL, NULL, NULL, 0, NULL, NULL, NULL,
                     NULL, NULL };
    dav_resp_t rs;
    apr_status_t rv = dav_check_href(c, href, 0, &rq.path, p);

    memset(out, 0, sizeof(*out));
    if (rv == APR_SUCCESS)
        rv = dav_http(c, &rq, &rs, p);
    if (rv == APR_SUCCESS)
        rv = outcome(c, &rq, &rs);
    if (rv != APR_SUCCESS)
        return rv;
    out->href = rq.path;
    out->data = rs.body;
    out->len = rs.len;
    out->etag = rs.etag;
    return rs.etag ? APR_SUCCESS : dav_fetch_etag(c, rq.path, &out->etag, p);
}

/* PUT rq; the new ETag into *etag. */
static apr_status_t put(dav_client_t *c, dav_req_t *rq, const char **etag,
                        apr_pool_t *p)
{
    dav_resp_t rs;
    apr_status_t rv = dav_http(c, rq, &rs, p);

    *etag = NULL;
    /* RFC 4791 5.3.2.1, RFC 6352 6.3.2.1: the collection has an item of
       this UID already (a 409 or 403 that says so) */
    if (rv == APR_SUCCESS && (rs.status == 409 || rs.status == 403)
        && dav_xml_error_has(rs.body, rs.len, "no-uid-conflict"))
        return dav_refused(c, rq, &rs, DAV_ECONFLICT,
                           "an item of this UID is there already");
    if (rv == APR_SUCCESS)
        rv = outcome(c, rq, &rs);
    if (rv != APR_SUCCESS)
        return rv;
    if (rs.etag) {
        *etag = rs.etag;
        return APR_SUCCESS;
    }
    return dav_fetch_etag(c, rq->path, etag, p);
}

apr_status_t dav_put_new(dav_client_t *c, const char *coll, dav_kind_t kind,
                         const char *data, apr_size_t len,
                         const char **href, const char **etag,
                         apr_pool_t *p)
{
    dav_req_t rq = { "PUT", NULL, NULL, data, len, content_type(kind), NULL,
                     "*", NULL, NULL };
    apr_status_t rv = dav_check_href(c, coll, 1, &coll, p);

    *href = *etag = NULL;
    if (rv != APR_SUCCESS)
        return rv;
    rq.path = apr_pstrcat(p, coll, fresh_name(p),
                          kind == DAV_KIND_CALENDAR ? ".ics" : ".vcf", NULL);
    rv = put(c, &rq, etag, p);
    if (rv == APR_SUCCESS)
        *href = rq.path;
    return rv;
}

apr_status_t dav_put(dav_client_t *c, const char *href, dav_kind_t kind,
                     const char *etag, const char *data, apr_size_t len,
                     const char **new_etag, apr_pool_t *p)
{
    dav_req_t rq = { "PUT", NULL, NULL, data, len, content_type(kind), etag,
                     NULL, NULL, NULL };
    apr_status_t rv = dav_check_href(c, href, 0, &rq.path, p);

    *new_etag = NULL;
    if (rv != APR_SUCCESS)
        return rv;
    if (!etag || !*etag || strpbrk(etag, "\r\n"))
        return APR_EINVAL;
    return put(c, &rq, new_etag, p);
}

/* The last segment of an item's path ("x.ics"), or NULL. */
static const char *item_name(const char *path)
{
    const char *n = strrchr(path, '/');

    return n && n[1] ? n + 1 : NULL;
}

/*
 * The Destination of a MOVE: the URL of path on the client's origin, with
 * the authority as the request's Host header has it (no default port), as
 * a server compares the two.
 */
static const char *destination(const dav_client_t *c, const char *path,
                               apr_pool_t *p)
{
    const dav_url_t *u = &c->base;
    int v6 = strchr(u->host, ':') != NULL;
    int deflt = (u->port == 80 && strcmp(u->scheme, "http") == 0)
                || (u->port == 443 && strcmp(u->scheme, "https") == 0);

    return apr_psprintf(p, "%s://%s%s%s%s%s", u->scheme, v6 ? "[" : "",
                        u->host, v6 ? "]" : "",
                        deflt ? "" : apr_psprintf(p, ":%d", u->port), path);
}

/* MOVE rq.path to dest (checked), never over an existing item. */
static apr_status_t move_to(dav_client_t *c, dav_req_t *rq, const char *dest,
                            apr_pool_t *p)
{
    dav_resp_t rs;
    apr_status_t rv = dav_check_href(c, dest, 0, &dest, p);

    if (rv != APR_SUCCESS)
        return rv;
    rq->destination = destination(c, dest, p);
    rq->overwrite = "F";
    rv = dav_http(c, rq, &rs, p);
    return rv == APR_SUCCESS ? outcome(c, rq, &rs) : rv;
}

apr_status_t dav_move(dav_client_t *c, const char *from, const char *coll,
                      dav_kind_t kind, const char **href, apr_pool_t *p)
{
    dav_req_t rq = { "MOVE", NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL,
                     NULL };
    const char *name, *dest;
    apr_status_t rv = dav_check_href(c, from, 0, &rq.path, p);

    *href = NULL;
    if (rv == APR_SUCCESS)
        rv = dav_check_href(c, coll, 1, &coll, p);
    if (rv != APR_SUCCESS)
        return rv;
    if (!(name = item_name(rq.path)))
        return APR_EINVAL;
    dest = apr_pstrcat(p, coll, name, NULL);
    rv = move_to(c, &rq, dest, p);
    if (rv == DAV_ECONFLICT) {          /* that name is taken there */
        dest = apr_pstrcat(p, coll, fresh_name(p),
                           kind == DAV_KIND_CALENDAR ? ".ics" : ".vcf", NULL);
        rv = move_to(c, &rq, dest, p);
    }
    if (rv == APR_SUCCESS)
        *href = dest;
    return rv;
}

apr_status_t dav_delete(dav_client_t *c, const char *href, const char *etag,
                        apr_pool_t *p)
{
    dav_req_t rq = { "DELETE", NULL, NULL, NULL, 0, NULL, etag, NULL,
                     NULL, NULL };
    dav_resp_t rs;
    apr_status_t rv = dav_check_href(c, href, 0, &rq.path, p);

    if (rv != APR_SUCCESS)
        return rv;
    if (etag && (!*etag || strpbrk(etag, "\r\n")))
        return APR_EINVAL;
    rv = dav_http(c, &rq, &rs, p);
    return rv == APR_SUCCESS ? outcome(c, &rq, &rs) : rv;
}

/* ---- collections ---- */

static apr_status_t pick_home(dav_client_t *c, const char *home,
                              const apr_array_header_t *homes,
                              const char **path, apr_pool_t *p)
{
    if (home)
        return dav_check_href(c, home, 1, path, p);
    if (!c->homes || homes->nelts == 0)
        return APR_ENOENT;
    *path = APR_ARRAY_IDX(homes, 0, const char *);
    return APR_SUCCESS;
}

/* A collection-making request on a fresh href under home. */
static apr_status_t make(dav_client_t *c, const char *method,
                         const char *home, const char *body,
                         const char **href, apr_pool_t *p)
{
    dav_req_t rq = { method, NULL, NULL, body, strlen(body), XML_CT, NULL,
                     NULL, NULL, NULL };
    dav_resp_t rs;
    apr_status_t rv;

    rq.path = apr_pstrcat(p, home, fresh_name(p), "/", NULL);
    rv = dav_http(c, &rq, &rs, p);
    if (rv == APR_SUCCESS)
        rv = outcome(c, &rq, &rs);
    *href = rv == APR_SUCCESS ? rq.path : NULL;
    return rv;
}

static const char *comp_set(unsigned comps, apr_pool_t *p)
{
    return apr_pstrcat(p, "<C:supported-calendar-component-set>",
                       comps & DAV_COMP_VEVENT ? "<C:comp name=\"VEVENT\"/>"
                                               : "",
                       comps & DAV_COMP_VTODO ? "<C:comp name=\"VTODO\"/>"
                                              : "",
                       comps & DAV_COMP_VJOURNAL
                           ? "<C:comp name=\"VJOURNAL\"/>" : "",
                       "</C:supported-calendar-component-set>", NULL);
}

apr_status_t dav_mkcalendar(dav_client_t *c, const char *home,
                            const char *name, unsigned comps,
                            const char **href, apr_pool_t *p)
{
    apr_status_t rv;

    *href = NULL;
    if (!(comps & (DAV_COMP_VEVENT | DAV_COMP_VTODO | DAV_COMP_VJOURNAL)))
        return APR_EINVAL;
    rv = pick_home(c, home, c->homes ? c->homes->cal_homes : NULL, &home, p);
    if (rv != APR_SUCCESS)
        return rv;
    return make(c, "MKCALENDAR", home, apr_pstrcat(p, XML_DECL,
                "<C:mkcalendar xmlns:D=\"DAV:\" "
                "xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><D:set><D:prop>"
                "<D:displayname>", dav_xml_escape(name ? name : "", p),
                "</D:displayname>", comp_set(comps, p),
                "</D:prop></D:set></C:mkcalendar>", NULL), href, p);
}

apr_status_t dav_mkaddressbook(dav_client_t *c, const char *home,
                               const char *name, const char **href,
                               apr_pool_t *p)
{
    apr_status_t rv;

    *href = NULL;
    rv = pick_home(c, home, c->homes ? c->homes->card_homes : NULL, &home, p);
    if (rv != APR_SUCCESS)
        return rv;
    return make(c, "MKCOL", home, apr_pstrcat(p, XML_DECL,
                "<D:mkcol xmlns:D=\"DAV:\" "
                "xmlns:CR=\"urn:ietf:params:xml:ns:carddav\"><D:set><D:prop>"
                "<D:resourcetype><D:collection/><CR:addressbook/>"
                "</D:resourcetype><D:displayname>",
                dav_xml_escape(name ? name : "", p),
                "</D:displayname></D:prop></D:set></D:mkcol>", NULL),
                href, p);
}

apr_status_t dav_rename(dav_client_t *c, const char *coll, const char *name,
                        apr_pool_t *p)
{
    dav_req_t rq = { "PROPPATCH", NULL, NULL, NULL, 0, XML_CT, NULL, NULL,
                     NULL, NULL };
    dav_multistatus_t ms;
    dav_resp_t rs;
    apr_status_t rv = dav_check_href(c, coll, 1, &rq.path, p);
    int i;

    if (rv != APR_SUCCESS)
        return rv;
    rq.body = apr_pstrcat(p, XML_DECL, "<D:propertyupdate xmlns:D=\"DAV:\">"
                          "<D:set><D:prop><D:displayname>",
                          dav_xml_escape(name ? name : "", p),
                          "</D:displayname></D:prop></D:set>"
                          "</D:propertyupdate>", NULL);
    rq.blen = strlen(rq.body);
    rv = dav_http_ms(c, &rq, &rs, &ms, p);
    for (i = 0; rv == APR_SUCCESS && i < ms.responses->nelts; i++) {
        const dav_ms_response_t *r = &APR_ARRAY_IDX(ms.responses, i,
                                                    dav_ms_response_t);
        int st = r->prop_status ? r->prop_status : r->status;
        if (st && (st < 200 || st > 299))
            rv = dav_refused(c, &rq, &rs, dav_status_rv(st) == APR_SUCCESS
                             ? DAV_EBADREPLY : dav_status_rv(st),
                             "property not set");
    }
    return rv;
}

static int is_root(const dav_client_t *c, const char *path)
{
    const dav_homes_t *h = c->homes;
    int i;

    if (strcmp(path, "/") == 0 || strcmp(path, h->principal) == 0)
        return 1;
    for (i = 0; i < h->cal_homes->nelts; i++)
        if (strcmp(path, APR_ARRAY_IDX(h->cal_homes, i, const char *)) == 0)
            return 1;
    for (i = 0; i < h->card_homes->nelts; i++)
        if (strcmp(path, APR_ARRAY_IDX(h->card_homes, i, const char *)) == 0)
            return 1;
    return 0;
}

apr_status_t dav_delete_collection(dav_client_t *c, const char *coll,
                                   apr_pool_t *p)
{
    dav_req_t rq = { "DELETE", NULL, NULL, NULL, 0, NULL, NULL, NULL,
                     NULL, NULL };
    dav_resp_t rs;
    apr_status_t rv = dav_check_href(c, coll, 1, &rq.path, p);

    if (rv != APR_SUCCESS)
        return rv;
    if (is_root(c, rq.path)) {
        dav_log(c, DAV_LOG_WARNING, APR_EACCES,
                "dav: refused to delete the home or principal %s", rq.path);
        return APR_EACCES;
    }
    rv = dav_http(c, &rq, &rs, p);
    if (rv != APR_SUCCESS)
        return rv;
    if (rs.status == 207)               /* some members could not go */
        return dav_refused(c, &rq, &rs, APR_EACCES, "partly deleted");
    return outcome(c, &rq, &rs);
}
