/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WebDAV multistatus bodies (RFC 4918 section 13, 14.16) as PROPFIND and
 * REPORT return them, with the properties this client asks for: DAV
 * (getetag, displayname, resourcetype, sync-token of RFC 6578,
 * supported-report-set of RFC 3253, current-user-principal of RFC 5397),
 * CalDAV (RFC 4791: calendar-data, calendar-home-set,
 * supported-calendar-component-set), CardDAV (RFC 6352: address-data,
 * addressbook-home-set), getctag and calendar-color.  Also the DAV:error
 * body of a failed precondition (RFC 4918 section 16).
 *
 * The parser is strict and bounded: UTF-8 only, no DTD (so no entities),
 * no network, a size, depth and response count limit.  Hrefs come out as the server
 * wrote them; resolving and checking them is the caller's work.
 */
#include "dav_client.h"

#include <apr_strings.h>

#include <ctype.h>
#include <limits.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define NS_DAV "DAV:"
#define NS_CAL "urn:ietf:params:xml:ns:caldav"
#define NS_CARD "urn:ietf:params:xml:ns:carddav"
#define NS_CS "http://calendarserver.org/ns/"
#define NS_APPLE "http://apple.com/ns/ical/"

#define XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

static int is(const xmlNode *n, const char *ns, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href
           && strcmp((const char *)n->ns->href, ns) == 0
           && strcmp((const char *)n->name, name) == 0;
}

/* The node's text, whole (for item data) or trimmed. */
static const char *text(const xmlNode *n, int trim, apr_size_t *len,
                        apr_pool_t *p)
{
    xmlChar *t = xmlNodeGetContent(n);
    const char *s = t ? (const char *)t : "";
    apr_size_t l = strlen(s);
    char *out;

    if (trim) {
        while (l && isspace((unsigned char)s[l - 1]))
            l--;
        while (l && isspace((unsigned char)*s)) {
            s++;
            l--;
        }
    }
    out = apr_pstrmemdup(p, s, l);
    xmlFree(t);
    if (len)
        *len = l;
    return out;
}

/* "HTTP/1.1 200 OK" -> 200; 0 when unreadable. */
static int status_code(const char *s)
{
    const char *sp = strchr(s, ' ');

    if (!sp || !isdigit((unsigned char)sp[1]) || !isdigit((unsigned char)sp[2])
        || !isdigit((unsigned char)sp[3]))
        return 0;
    return (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
}

/* The DAV:href children of n, trimmed, onto arr. */
static void hrefs(const xmlNode *n, apr_array_header_t *arr, apr_pool_t *p)
{
    const xmlNode *c;

    for (c = n->children; c; c = c->next)
        if (is(c, NS_DAV, "href"))
            APR_ARRAY_PUSH(arr, const char *) = text(c, 1, NULL, p);
}

static void read_rtype(dav_ms_response_t *r, const xmlNode *n)
{
    const xmlNode *c;

    for (c = n->children; c; c = c->next) {
        if (is(c, NS_DAV, "collection"))
            r->rtype |= DAV_RT_COLLECTION;
        else if (is(c, NS_CAL, "calendar"))
            r->rtype |= DAV_RT_CALENDAR;
        else if (is(c, NS_CARD, "addressbook"))
            r->rtype |= DAV_RT_ADDRESSBOOK;
        else if (is(c, NS_DAV, "principal"))
            r->rtype |= DAV_RT_PRINCIPAL;
    }
}

static void read_comps(dav_ms_response_t *r, const xmlNode *n)
{
    const xmlNode *c;

    r->has_comps = 1;
    for (c = n->children; c; c = c->next) {
        xmlChar *name;

        if (!is(c, NS_CAL, "comp"))
            continue;
        name = xmlGetNoNsProp(c, (const xmlChar *)"name");
        if (name && strcasecmp((const char *)name, "VEVENT") == 0)
            r->comps |= DAV_COMP_VEVENT;
        else if (name && strcasecmp((const char *)name, "VTODO") == 0)
            r->comps |= DAV_COMP_VTODO;
        else if (name && strcasecmp((const char *)name, "VJOURNAL") == 0)
            r->comps |= DAV_COMP_VJOURNAL;
        xmlFree(name);
    }
}

/* supported-report/report/sync-collection anywhere below n. */
static int has_sync_report(const xmlNode *n)
{
    const xmlNode *sr, *rep, *c;

    for (sr = n->children; sr; sr = sr->next) {
        if (!is(sr, NS_DAV, "supported-report"))
            continue;
        for (rep = sr->children; rep; rep = rep->next) {
            if (!is(rep, NS_DAV, "report"))
                continue;
            for (c = rep->children; c; c = c->next)
                if (is(c, NS_DAV, "sync-collection"))
                    return 1;
        }
    }
    return 0;
}

static const char *first_href(const xmlNode *n, apr_pool_t *p)
{
    const xmlNode *c;

    for (c = n->children; c; c = c->next)
        if (is(c, NS_DAV, "href"))
            return text(c, 1, NULL, p);
    return NULL;
}

/* The properties of one 2xx DAV:prop. */
static void read_prop(dav_ms_response_t *r, const xmlNode *prop,
                      apr_pool_t *p)
{
    const xmlNode *c;

    for (c = prop->children; c; c = c->next) {
        if (is(c, NS_DAV, "getetag"))
            r->etag = text(c, 1, NULL, p);
        else if (is(c, NS_DAV, "displayname"))
            r->displayname = text(c, 1, NULL, p);
        else if (is(c, NS_DAV, "sync-token"))
            r->sync_token = text(c, 1, NULL, p);
        else if (is(c, NS_CS, "getctag"))
            r->ctag = text(c, 1, NULL, p);
        else if (is(c, NS_APPLE, "calendar-color"))
            r->color = text(c, 1, NULL, p);
        else if (is(c, NS_CAL, "calendar-data")
                 || is(c, NS_CARD, "address-data"))
            r->data = text(c, 0, &r->data_len, p);
        else if (is(c, NS_DAV, "resourcetype"))
            read_rtype(r, c);
        else if (is(c, NS_CAL, "supported-calendar-component-set"))
            read_comps(r, c);
        else if (is(c, NS_DAV, "supported-report-set"))
            r->can_sync |= has_sync_report(c);
        else if (is(c, NS_DAV, "current-user-principal"))
            r->principal = first_href(c, p);
        else if (is(c, NS_CAL, "calendar-home-set"))
            hrefs(c, r->cal_homes, p);
        else if (is(c, NS_CARD, "addressbook-home-set"))
            hrefs(c, r->card_homes, p);
    }
}

static void read_propstat(dav_ms_response_t *r, const xmlNode *ps,
                          apr_pool_t *p)
{
    const xmlNode *c;
    int st = 0;

    for (c = ps->children; c; c = c->next)
        if (is(c, NS_DAV, "status"))
            st = status_code(text(c, 1, NULL, p));
    if (st < 200 || st > 299) {
        if (!r->prop_status)
            r->prop_status = st ? st : 500;
        return;
    }
    for (c = ps->children; c; c = c->next)
        if (is(c, NS_DAV, "prop"))
            read_prop(r, c, p);
}

/* One DAV:response: one entry per href it names. */
static apr_status_t read_response(dav_multistatus_t *ms, const xmlNode *n,
                                  int max, apr_pool_t *p, const char **err)
{
    apr_array_header_t *names = apr_array_make(p, 1, sizeof(const char *));
    dav_ms_response_t r;
    const xmlNode *c;
    int i;

    memset(&r, 0, sizeof(r));
    r.cal_homes = apr_array_make(p, 1, sizeof(const char *));
    r.card_homes = apr_array_make(p, 1, sizeof(const char *));
    hrefs(n, names, p);
    for (c = n->children; c; c = c->next) {
        if (is(c, NS_DAV, "status"))
            r.status = status_code(text(c, 1, NULL, p));
        else if (is(c, NS_DAV, "propstat"))
            read_propstat(&r, c, p);
    }
    if (names->nelts == 0) {
        *err = "a response without href";
        return DAV_EBADREPLY;
    }
    for (i = 0; i < names->nelts; i++) {
        if (ms->responses->nelts >= max) {
            *err = "too many responses";
            return DAV_ETOOBIG;
        }
        r.href = APR_ARRAY_IDX(names, i, const char *);
        APR_ARRAY_PUSH(ms->responses, dav_ms_response_t) = r;
    }
    return APR_SUCCESS;
}

/* Whether the element tree below root goes deeper than max levels. */
static int too_deep(const xmlNode *root, int max)
{
    const xmlNode *n = root;
    int d = 1;

    while (n) {
        if (n->children) {
            n = n->children;
            if (++d > max)
                return 1;
            continue;
        }
        while (n != root && !n->next) {
            n = n->parent;
            d--;
        }
        if (n == root)
            break;
        n = n->next;
    }
    return 0;
}

/* Parse body into a document, refusing anything with a DTD. */
static xmlDoc *read_doc(const char *body, apr_size_t len,
                        const dav_xml_limits_t *lim, apr_status_t *rv,
                        const char **err)
{
    xmlDoc *doc;

    *rv = DAV_EBADREPLY;
    if (len > lim->max_size || len > INT_MAX) {
        *err = "XML body too large";
        *rv = DAV_ETOOBIG;
        return NULL;
    }
    if (len == 0 || memmem(body, len, "<!DOCTYPE", 9)) {
        *err = len ? "XML with a DTD" : "empty XML body";
        return NULL;
    }
    /* Read as UTF-8 whatever it declares, so that the DTD check above
       cannot be passed in UTF-16. */
    doc = xmlReadMemory(body, (int)len, NULL, "UTF-8", XML_OPTIONS);
    if (!doc || !xmlDocGetRootElement(doc) || doc->intSubset
        || doc->extSubset) {
        *err = "not well-formed XML";
        xmlFreeDoc(doc);
        return NULL;
    }
    if (too_deep(xmlDocGetRootElement(doc), lim->max_depth)) {
        *err = "XML nested too deep";
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

static apr_status_t read_multistatus(dav_multistatus_t *ms,
                                     const xmlNode *root,
                                     const dav_xml_limits_t *lim,
                                     apr_pool_t *p, const char **err)
{
    const xmlNode *c;
    apr_status_t rv;

    if (!is(root, NS_DAV, "multistatus")) {
        *err = "not a multistatus";
        return DAV_EBADREPLY;
    }
    for (c = root->children; c; c = c->next) {
        if (is(c, NS_DAV, "response")) {
            rv = read_response(ms, c, lim->max_responses, p, err);
            if (rv != APR_SUCCESS)
                return rv;
        } else if (is(c, NS_DAV, "sync-token")) {
            ms->sync_token = text(c, 1, NULL, p);
        }
    }
    return APR_SUCCESS;
}

apr_status_t dav_multistatus_parse(const char *body, apr_size_t len,
                                   const dav_xml_limits_t *lim,
                                   dav_multistatus_t *out, apr_pool_t *p,
                                   const char **err)
{
    apr_status_t rv;
    xmlDoc *doc = read_doc(body, len, lim, &rv, err);

    out->responses = apr_array_make(p, 8, sizeof(dav_ms_response_t));
    out->sync_token = NULL;
    if (!doc)
        return rv;
    rv = read_multistatus(out, xmlDocGetRootElement(doc), lim, p, err);
    xmlFreeDoc(doc);
    return rv;
}

int dav_xml_error_has(const char *body, apr_size_t len, const char *name)
{
    dav_xml_limits_t lim = { 65536, 16, 0 };
    const char *err;
    apr_status_t rv;
    xmlDoc *doc = read_doc(body, len, &lim, &rv, &err);
    const xmlNode *root, *c;
    int found = 0;

    if (!doc)
        return 0;
    root = xmlDocGetRootElement(doc);
    if (is(root, NS_DAV, "error"))
        for (c = root->children; c && !found; c = c->next)
            found = is(c, NS_DAV, name) || is(c, NS_CAL, name)
                    || is(c, NS_CARD, name);
    xmlFreeDoc(doc);
    return found;
}
