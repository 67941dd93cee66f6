/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DAV client object: the process-wide libcurl share (connections, DNS
 * and TLS sessions shared between threads under mutexes), a user's client
 * with its settings and credentials (wiped when its pool goes), logging,
 * the statuses' texts, and the isolation of a user's space: hrefs are
 * accepted only on the client's origin and under the principal or a home
 * set (RFC 4791 section 6.2.1, RFC 6352 section 7.1.1, RFC 5397).
 */
#include "dav_client.h"

#include <apr_base64.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include <stdarg.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#define DAV_DEF_CONNECT_MS 10000L
#define DAV_DEF_TIMEOUT_MS 60000L
#define DAV_DEF_MAX_BODY (16u * 1024 * 1024)
#define DAV_DEF_MAX_RESPONSES 100000
#define DAV_DEF_BATCH 100

CURLSH *dav_curl_share;
static apr_thread_mutex_t *share_locks[CURL_LOCK_DATA_LAST];

static void share_lock(CURL *h, curl_lock_data d, curl_lock_access a,
                       void *u)
{
    if (d < CURL_LOCK_DATA_LAST)
        apr_thread_mutex_lock(share_locks[d]);
}

static void share_unlock(CURL *h, curl_lock_data d, void *u)
{
    if (d < CURL_LOCK_DATA_LAST)
        apr_thread_mutex_unlock(share_locks[d]);
}

static apr_status_t share_cleanup(void *data)
{
    curl_share_cleanup(dav_curl_share);
    dav_curl_share = NULL;
    return APR_SUCCESS;
}

apr_status_t dav_global_init(apr_pool_t *p)
{
    int i;

    if (dav_curl_share)
        return APR_SUCCESS;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return APR_EGENERAL;
    xmlInitParser();
    for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
        if (apr_thread_mutex_create(&share_locks[i], APR_THREAD_MUTEX_DEFAULT,
                                    p) != APR_SUCCESS)
            return APR_EGENERAL;
    dav_curl_share = curl_share_init();
    if (!dav_curl_share)
        return APR_ENOMEM;
    curl_share_setopt(dav_curl_share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(dav_curl_share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(dav_curl_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(dav_curl_share, CURLSHOPT_SHARE,
                      CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(dav_curl_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    apr_pool_cleanup_register(p, NULL, share_cleanup,
                              apr_pool_cleanup_null);
    return APR_SUCCESS;
}

static void wipe(char *s)
{
    volatile char *c = s;

    while (c && *c)
        *c++ = 0;
}

static apr_status_t wipe_auth(void *data)
{
    dav_client_t *c = data;

    wipe(c->auth);
    c->auth = NULL;
    return APR_SUCCESS;
}

/* "Authorization: Basic <user:password in base64>" */
static char *basic_auth(const char *user, const char *pw, apr_pool_t *p)
{
    apr_size_t ul = strlen(user), pl = strlen(pw);
    char *plain = apr_palloc(p, ul + pl + 2);
    char *hdr = apr_palloc(p, 21 + apr_base64_encode_len((int)(ul + pl + 1)));

    memcpy(plain, user, ul);
    plain[ul] = ':';
    memcpy(plain + ul + 1, pw, pl + 1);
    strcpy(hdr, "Authorization: Basic ");
    apr_base64_encode(hdr + 21, plain, (int)(ul + pl + 1));
    wipe(plain);
    return hdr;
}

static apr_status_t check_options(const dav_options_t *o, dav_url_t *u,
                                  apr_pool_t *p, const char **err)
{
    if (!o->base_url || dav_url_parse(o->base_url, u, p) != APR_SUCCESS) {
        *err = "the DAV URL must be http(s)://host[:port]/path without "
               "user, query or fragment";
        return APR_EINVAL;
    }
    if (o->user && (strchr(o->user, ':') || strpbrk(o->user, "\r\n"))) {
        *err = "the DAV user name may not hold ':' or line breaks";
        return APR_EINVAL;
    }
    if (o->user && strlen(o->user) + (o->password ? strlen(o->password) : 0)
        > 4096) {
        *err = "the DAV credentials are too long";
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

apr_status_t dav_client_create(dav_client_t **out, const dav_options_t *o,
                               apr_pool_t *p, const char **err)
{
    dav_client_t *c = apr_pcalloc(p, sizeof(*c));
    apr_status_t rv = check_options(o, &c->base, p, err);

    if (rv != APR_SUCCESS)
        return rv;
    c->pool = p;
    c->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms
                                                      : DAV_DEF_CONNECT_MS;
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DAV_DEF_TIMEOUT_MS;
    c->ca_file = o->ca_file ? apr_pstrdup(p, o->ca_file) : NULL;
    c->ca_path = o->ca_path ? apr_pstrdup(p, o->ca_path) : NULL;
    c->max_body = o->max_body ? o->max_body : DAV_DEF_MAX_BODY;
    c->max_responses = o->max_responses > 0 ? o->max_responses
                                            : DAV_DEF_MAX_RESPONSES;
    c->batch = o->multiget_batch > 0 ? o->multiget_batch : DAV_DEF_BATCH;
    c->log = o->log;
    c->log_ctx = o->log_ctx;
    if (o->user && *o->user) {
        c->auth = basic_auth(o->user, o->password ? o->password : "", p);
        apr_pool_cleanup_register(p, c, wipe_auth, apr_pool_cleanup_null);
    }
    *out = c;
    return APR_SUCCESS;
}

const char *dav_strerror(apr_status_t rv, char *buf, apr_size_t len)
{
    const char *s;

    switch (rv) {
    case DAV_ECONFLICT: s = "the item changed on the server"; break;
    case DAV_EUNAVAIL: s = "the DAV server is unavailable"; break;
    case DAV_EBADTOKEN: s = "the sync token is no longer valid"; break;
    case DAV_ETOOBIG: s = "the DAV response is too large"; break;
    case DAV_EBADREPLY: s = "the DAV server answered unexpectedly"; break;
    default:
        return apr_strerror(rv, buf, len);
    }
    apr_cpystrn(buf, s, len);
    return buf;
}

void dav_log(dav_client_t *c, int level, apr_status_t rv, const char *fmt,
             ...)
{
    char msg[1024];
    va_list ap;

    if (!c->log)
        return;
    va_start(ap, fmt);
    apr_vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->log(c->log_ctx, level, rv, msg);
}

/* ---- the user's space ---- */

static int under_any(const apr_array_header_t *roots, const char *path)
{
    int i;

    for (i = 0; roots && i < roots->nelts; i++)
        if (dav_path_under(path, APR_ARRAY_IDX(roots, i, const char *)))
            return 1;
    return 0;
}

static int in_user_space(const dav_client_t *c, const char *path)
{
    const dav_homes_t *h = c->homes;

    return h && ((h->principal && dav_path_under(path, h->principal))
                 || under_any(h->cal_homes, path)
                 || under_any(h->card_homes, path));
}

const char *dav_accept_href(dav_client_t *c, const char *at,
                            const char *href, apr_pool_t *p)
{
    dav_url_t base = c->base;
    const char *path;

    base.path = at;
    path = dav_url_resolve(&base, href, p);
    if (!path) {
        dav_log(c, DAV_LOG_WARNING, DAV_EBADREPLY, "dav: answer for %s: "
                "dropped a malformed href or one on another origin", at);
        return NULL;
    }
    if (!in_user_space(c, path)) {
        dav_log(c, DAV_LOG_WARNING, APR_EACCES, "dav: answer for %s: "
                "dropped href %s outside the user's space", at, path);
        return NULL;
    }
    return path;
}

apr_status_t dav_check_href(dav_client_t *c, const char *href, int coll,
                            const char **path, apr_pool_t *p)
{
    dav_url_t base = c->base;
    const char *n;

    base.path = "/";
    n = href ? dav_url_resolve(&base, href, p) : NULL;
    if (!n || (href[0] != '/' && strncasecmp(href, "http", 4) != 0)) {
        dav_log(c, DAV_LOG_WARNING, APR_EINVAL, "dav: refused a malformed "
                "href or one on another origin");
        return APR_EACCES;
    }
    if (!in_user_space(c, n)) {
        dav_log(c, DAV_LOG_WARNING, APR_EACCES,
                "dav: refused href %s outside the user's space", n);
        return APR_EACCES;
    }
    if (coll && n[strlen(n) - 1] != '/')
        n = apr_pstrcat(p, n, "/", NULL);
    *path = n;
    return APR_SUCCESS;
}

/* Normalised copies of paths (absolute, same origin); APR_EINVAL if one
   is not. */
static apr_status_t copy_roots(dav_client_t *c, const apr_array_header_t *in,
                               apr_array_header_t **out)
{
    dav_url_t base = c->base;
    int i;

    base.path = "/";
    *out = apr_array_make(c->pool, in ? in->nelts : 1, sizeof(const char *));
    for (i = 0; in && i < in->nelts; i++) {
        const char *s = dav_url_resolve(&base, APR_ARRAY_IDX(in, i,
                                        const char *), c->pool);
        if (!s)
            return APR_EINVAL;
        if (s[strlen(s) - 1] != '/')
            s = apr_pstrcat(c->pool, s, "/", NULL);
        APR_ARRAY_PUSH(*out, const char *) = s;
    }
    return APR_SUCCESS;
}

apr_status_t dav_set_homes(dav_client_t *c, const dav_homes_t *h)
{
    dav_homes_t *n = apr_pcalloc(c->pool, sizeof(*n));
    apr_array_header_t *pr = apr_array_make(c->pool, 1, sizeof(char *));

    if (!h->principal || h->principal[0] != '/')
        return APR_EINVAL;
    APR_ARRAY_PUSH(pr, const char *) = h->principal;
    if (copy_roots(c, pr, &pr) != APR_SUCCESS
        || copy_roots(c, h->cal_homes, &n->cal_homes) != APR_SUCCESS
        || copy_roots(c, h->card_homes, &n->card_homes) != APR_SUCCESS)
        return APR_EINVAL;
    n->principal = APR_ARRAY_IDX(pr, 0, const char *);
    c->homes = n;
    return APR_SUCCESS;
}

const dav_homes_t *dav_homes(const dav_client_t *c)
{
    return c->homes;
}

int dav_auto_schedule(dav_client_t *c, const char *path, apr_pool_t *p)
{
    dav_req_t rq = { "OPTIONS", path, NULL, NULL, 0, NULL, NULL, NULL, NULL,
                     NULL };
    dav_resp_t rs;

    if (dav_http(c, &rq, &rs, p) != APR_SUCCESS || rs.status / 100 != 2
        || !rs.dav)
        return 0;
    return strstr(rs.dav, "calendar-auto-schedule") != NULL;
}

apr_status_t dav_fetch_etag(dav_client_t *c, const char *path,
                            const char **etag, apr_pool_t *p)
{
    static const char body[] =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:getetag/></D:prop>"
        "</D:propfind>";
    dav_req_t rq = { "PROPFIND", path, "0", body, sizeof(body) - 1,
                     "application/xml; charset=utf-8", NULL, NULL, NULL,
                     NULL };
    dav_multistatus_t ms;
    dav_resp_t rs;
    apr_status_t rv = dav_http_ms(c, &rq, &rs, &ms, p);
    int i;

    *etag = NULL;
    if (rv != APR_SUCCESS)
        return rv;
    for (i = 0; i < ms.responses->nelts; i++) {
        dav_ms_response_t *r = &APR_ARRAY_IDX(ms.responses, i,
                                              dav_ms_response_t);
        const char *h = dav_accept_href(c, rs.path, r->href, p);
        if (h && strcmp(h, path) == 0 && r->etag)
            *etag = r->etag;
    }
    return *etag ? APR_SUCCESS
                 : dav_refused(c, &rq, &rs, DAV_EBADREPLY, "no ETag");
}
