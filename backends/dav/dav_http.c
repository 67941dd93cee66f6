/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP for the DAV client over libcurl: one request (RFC 9110/9112 with
 * the WebDAV methods of RFC 4918, RFC 4791 and RFC 5689), redirects
 * followed by hand and only on the client's origin, Basic authentication
 * (RFC 7617) sent as a header of our own so that it never reaches another
 * origin or a URL, TLS always verified, timeouts, a bounded body, and the
 * mapping of failures to the statuses of dav_client.h.
 *
 * An easy handle lives for one request; the process-wide share of
 * dav_client.c keeps connections, DNS and TLS sessions between requests.
 */
#include "dav_client.h"

#include <apr_strings.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#define DAV_MAX_REDIRECTS 5

/* The process-wide share (dav_client.c); NULL before dav_global_init. */
extern CURLSH *dav_curl_share;

typedef struct {
    char *buf;
    apr_size_t len, cap, max;
    int over;
} dav_sink_t;

typedef struct {
    dav_resp_t *rs;
    apr_pool_t *p;
} dav_heads_t;

static size_t on_body(char *d, size_t sz, size_t n, void *u)
{
    dav_sink_t *s = u;
    size_t k = sz * n;

    if (k > s->max - s->len) {
        s->over = 1;
        return 0;
    }
    if (s->len + k + 1 > s->cap) {
        apr_size_t cap = s->cap ? s->cap : 8192;
        char *nb;
        while (cap < s->len + k + 1)
            cap *= 2;
        nb = realloc(s->buf, cap);
        if (!nb)
            return 0;
        s->buf = nb;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, d, k);
    s->len += k;
    return k;
}

/* The value of header line h if its name is name, trimmed; else NULL. */
static const char *header_value(const char *h, size_t n, const char *name,
                                apr_pool_t *p)
{
    size_t nl = strlen(name);

    if (n <= nl || strncasecmp(h, name, nl) != 0 || h[nl] != ':')
        return NULL;
    h += nl + 1;
    n -= nl + 1;
    while (n && (*h == ' ' || *h == '\t')) {
        h++;
        n--;
    }
    while (n && isspace((unsigned char)h[n - 1]))
        n--;
    return apr_pstrmemdup(p, h, n);
}

static size_t on_header(char *d, size_t sz, size_t n, void *u)
{
    dav_heads_t *hd = u;
    size_t k = sz * n;
    const char *v;

    if (k >= 5 && strncmp(d, "HTTP/", 5) == 0) {
        hd->rs->etag = NULL;            /* a new answer (after 100) */
        hd->rs->location = NULL;
        hd->rs->dav = NULL;
    } else if ((v = header_value(d, k, "DAV", hd->p)) && *v) {
        hd->rs->dav = hd->rs->dav ? apr_pstrcat(hd->p, hd->rs->dav, ", ", v,
                                                NULL) : v;
    } else if ((v = header_value(d, k, "ETag", hd->p)) && *v) {
        hd->rs->etag = v;
    } else if ((v = header_value(d, k, "Location", hd->p)) && *v) {
        hd->rs->location = v;
    }
    return k;
}

static void wipe_list(struct curl_slist *l)
{
    struct curl_slist *i;

    for (i = l; i; i = i->next) {
        volatile char *c = i->data;
        while (*c)
            *c++ = 0;
    }
    curl_slist_free_all(l);
}

static struct curl_slist *headers(dav_client_t *c, const dav_req_t *rq,
                                  apr_pool_t *p)
{
    struct curl_slist *l = curl_slist_append(NULL, "Expect:");

    if (rq->depth)
        l = curl_slist_append(l, apr_pstrcat(p, "Depth: ", rq->depth, NULL));
    if (rq->ctype)
        l = curl_slist_append(l, apr_pstrcat(p, "Content-Type: ", rq->ctype,
                                             NULL));
    if (rq->if_match)
        l = curl_slist_append(l, apr_pstrcat(p, "If-Match: ", rq->if_match,
                                             NULL));
    if (rq->if_none_match)
        l = curl_slist_append(l, apr_pstrcat(p, "If-None-Match: ",
                                             rq->if_none_match, NULL));
    if (rq->destination)
        l = curl_slist_append(l, apr_pstrcat(p, "Destination: ",
                                             rq->destination, NULL));
    if (rq->overwrite)
        l = curl_slist_append(l, apr_pstrcat(p, "Overwrite: ", rq->overwrite,
                                             NULL));
    if (c->auth)
        l = curl_slist_append(l, c->auth);
    return l;
}

static void set_options(CURL *h, dav_client_t *c, const dav_req_t *rq,
                        const char *url, char *errbuf)
{
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    if (c->ca_path)
        curl_easy_setopt(h, CURLOPT_CAPATH, c->ca_path);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mod_eas-dav/1");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    if (dav_curl_share)
        curl_easy_setopt(h, CURLOPT_SHARE, dav_curl_share);
    if (rq->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)rq->blen);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body);
    }
    if (strcmp(rq->method, "GET") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
}

static apr_status_t curl_rv(CURLcode cc, const dav_sink_t *s)
{
    if (cc == CURLE_WRITE_ERROR && s->over)
        return DAV_ETOOBIG;
    if (cc == CURLE_WEIRD_SERVER_REPLY || cc == CURLE_UNSUPPORTED_PROTOCOL
        || cc == CURLE_BAD_CONTENT_ENCODING)
        return DAV_EBADREPLY;
    if (cc == CURLE_OUT_OF_MEMORY)
        return APR_ENOMEM;
    return DAV_EUNAVAIL;
}

/* The exchange itself: the answer's status into rs, its body into sink. */
static CURLcode transfer(dav_client_t *c, const dav_req_t *rq,
                         const char *url, dav_sink_t *sink, dav_resp_t *rs,
                         char *errbuf, apr_pool_t *p)
{
    dav_heads_t hd = { rs, p };
    struct curl_slist *hl = headers(c, rq, p);
    CURL *h = curl_easy_init();
    CURLcode cc = CURLE_OUT_OF_MEMORY;
    long code = 0;

    if (h) {
        set_options(h, c, rq, url, errbuf);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, &hd);
        cc = curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        curl_easy_cleanup(h);
    }
    wipe_list(hl);
    rs->status = (int)code;
    return cc;
}

static apr_status_t free_body(void *buf)
{
    free(buf);
    return APR_SUCCESS;
}

/* One exchange with no redirect handling. */
static apr_status_t perform(dav_client_t *c, const dav_req_t *rq,
                            const char *path, dav_resp_t *rs, apr_pool_t *p)
{
    const char *url = apr_pstrcat(p, dav_url_origin(&c->base, p), path, NULL);
    char errbuf[CURL_ERROR_SIZE] = "";
    dav_sink_t sink = { NULL, 0, 0, c->max_body, 0 };
    CURLcode cc;
    apr_status_t rv;

    memset(rs, 0, sizeof(*rs));
    cc = transfer(c, rq, url, &sink, rs, errbuf, p);
    /* The body stays where it was read (no copy into p: an answer of
       megabytes would cost the pool as much again), freed with p. */
    if (sink.buf) {
        sink.buf[sink.len] = '\0';
        apr_pool_cleanup_register(p, sink.buf, free_body,
                                  apr_pool_cleanup_null);
    }
    rs->body = sink.buf ? sink.buf : "";
    rs->len = sink.len;
    if (cc == CURLE_OK) {
        dav_log(c, DAV_LOG_DEBUG, APR_SUCCESS, "dav: %s %s -> %d",
                rq->method, path, rs->status);
        return APR_SUCCESS;
    }
    rv = curl_rv(cc, &sink);
    dav_log(c, rv == DAV_ETOOBIG ? DAV_LOG_WARNING : DAV_LOG_ERR, rv,
            "dav: %s %s failed: %s", rq->method, path,
            rv == DAV_ETOOBIG ? "response over the size limit"
            : *errbuf ? errbuf : curl_easy_strerror(cc));
    return rv;
}

static int is_redirect(int st)
{
    return st == 301 || st == 302 || st == 307 || st == 308;
}

apr_status_t dav_http(dav_client_t *c, const dav_req_t *rq, dav_resp_t *rs,
                      apr_pool_t *p)
{
    const char *path = rq->path;
    int hops;

    for (hops = 0;; hops++) {
        dav_url_t at = c->base;
        apr_status_t rv = perform(c, rq, path, rs, p);

        if (rv != APR_SUCCESS)
            return rv;
        if (!is_redirect(rs->status))
            break;
        at.path = path;
        if (hops == DAV_MAX_REDIRECTS)
            return dav_refused(c, rq, rs, DAV_EBADREPLY, "too many redirects");
        path = rs->location ? dav_url_resolve(&at, rs->location, p) : NULL;
        if (!path)
            return dav_refused(c, rq, rs, DAV_EBADREPLY,
                               "redirect elsewhere than this server refused");
    }
    rs->path = path;
    return APR_SUCCESS;
}

apr_status_t dav_status_rv(int st)
{
    if (st >= 200 && st <= 299)
        return APR_SUCCESS;
    switch (st) {
    case 404: case 410:
        return APR_ENOENT;
    case 412:
        return DAV_ECONFLICT;
    case 401: case 403:
        return APR_EACCES;
    case 405: case 501:
        return APR_ENOTIMPL;
    case 400: case 409: case 413: case 415: case 422:
        return APR_EINVAL;
    case 507:
        return APR_ENOSPC;
    case 408: case 429:
        return DAV_EUNAVAIL;
    }
    return st >= 500 && st <= 599 ? DAV_EUNAVAIL : DAV_EBADREPLY;
}

static int refusal_level(apr_status_t rv)
{
    if (rv == APR_ENOENT || rv == DAV_ECONFLICT)
        return DAV_LOG_INFO;
    if (rv == DAV_EUNAVAIL || rv == DAV_EBADREPLY || rv == DAV_ETOOBIG)
        return DAV_LOG_ERR;
    return DAV_LOG_WARNING;
}

apr_status_t dav_refused(dav_client_t *c, const dav_req_t *rq,
                         const dav_resp_t *rs, apr_status_t rv,
                         const char *why)
{
    dav_log(c, refusal_level(rv), rv, "dav: %s %s: HTTP %d%s%s", rq->method,
            rs->path ? rs->path : rq->path, rs->status, why ? ": " : "",
            why ? why : "");
    return rv;
}

apr_status_t dav_http_ms(dav_client_t *c, const dav_req_t *rq,
                         dav_resp_t *rs, dav_multistatus_t *ms,
                         apr_pool_t *p)
{
    apr_status_t rv = dav_http(c, rq, rs, p);

    return rv == APR_SUCCESS ? dav_resp_ms(c, rq, rs, ms, p) : rv;
}

apr_status_t dav_resp_ms(dav_client_t *c, const dav_req_t *rq,
                         const dav_resp_t *rs, dav_multistatus_t *ms,
                         apr_pool_t *p)
{
    dav_xml_limits_t lim = { c->max_body, 32, c->max_responses };
    const char *err = NULL;
    apr_status_t rv;

    if (rs->status != 207) {
        rv = dav_status_rv(rs->status);
        return dav_refused(c, rq, rs, rv == APR_SUCCESS ? DAV_EBADREPLY : rv,
                           rv == APR_SUCCESS ? "not a multistatus" : NULL);
    }
    rv = dav_multistatus_parse(rs->body, rs->len, &lim, ms, p, &err);
    return rv == APR_SUCCESS ? rv : dav_refused(c, rq, rs, rv, err);
}
