/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ActiveSync endpoints (MS-ASHTTP 2.2.1.1.1: a request's URI is the
 * endpoint, /Microsoft-Server-ActiveSync, nothing below it).
 *
 * Once the configuration is read, its tree is walked for "SetHandler eas".
 * Each one inside a <Location> makes that section's path an endpoint
 * (httpd's own reading of it: a plain path, a wildcard pattern, or a
 * regular expression for <LocationMatch> and <Location ~>); elsewhere (the
 * server config, a <VirtualHost>, a <Directory>) it names no path, and
 * every URI it serves is taken as an endpoint.  A section inside a
 * <VirtualHost> holds for that virtual host only.  httpd gives the handler
 * to every URI below a <Location> path too: those are answered 404.
 *
 * The same walk warns at startup (and in "apachectl configtest") about a
 * handler without a state database: a DBDriver in the server config or in
 * the handler's <VirtualHost>.
 */
#include "mod_eas.h"
#include "endpoint.h"
#include "state_dbd.h"

#include <http_config.h>
#include <util_cfgtree.h>
#include <apr_fnmatch.h>
#include <apr_strings.h>

typedef enum {
    EP_PATH,                    /* <Location /path>: the path itself */
    EP_PATTERN,                 /* <Location /wild*card> */
    EP_REGEX,                   /* <LocationMatch>, <Location ~> */
    EP_ANY                      /* outside any <Location>: every URI */
} ep_kind_t;

typedef struct {
    ep_kind_t kind;
    const char *path;           /* normalised path, or the pattern */
    ap_regex_t *re;
    const char *vhost_file;     /* its <VirtualHost>; NULL: every server */
    int vhost_line;
} endpoint_t;

/* Every SetHandler eas of the configuration (in pconf). */
static apr_array_header_t *endpoints;

/* Runs of '/' as one, no '/' at the end but for "/" itself. */
static char *normalise(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) + 1), *o = out;

    for (; *s; s++)
        if (*s != '/' || o == out || o[-1] != '/')
            *o++ = *s;
    if (o - out > 1 && o[-1] == '/')
        o--;
    *o = '\0';
    return out;
}

/* ------------------------------------------------------------------ */
/* The configuration tree                                              */
/* ------------------------------------------------------------------ */

static int is_named(const ap_directive_t *d, const char *name)
{
    return strcasecmp(d->directive, name) == 0;
}

/* SetHandler eas (handler names are case-insensitive, as in httpd). */
static int sets_eas(apr_pool_t *p, const ap_directive_t *d)
{
    const char *args = d->args;

    return is_named(d, "SetHandler")
           && strcasecmp(ap_getword_conf(p, &args), EAS_HANDLER_NAME) == 0;
}

static const ap_directive_t *vhost_of(const ap_directive_t *d)
{
    for (; d; d = d->parent)
        if (is_named(d, "<VirtualHost"))
            return d;
    return NULL;
}

static const ap_directive_t *location_of(const ap_directive_t *d)
{
    for (d = d->parent; d; d = d->parent)
        if (is_named(d, "<Location") || is_named(d, "<LocationMatch"))
            return d;
    return NULL;
}

/* A <Location> section's path, read as httpd's core reads it. */
static void read_location(apr_pool_t *p, const ap_directive_t *sec,
                          endpoint_t *e)
{
    const char *end = ap_strrchr_c(sec->args, '>');
    const char *arg = end ? apr_pstrmemdup(p, sec->args, end - sec->args)
                          : sec->args;
    const char *path = ap_getword_conf(p, &arg);
    int regex = is_named(sec, "<LocationMatch");

    if (!regex && strcmp(path, "~") == 0) {
        path = ap_getword_conf(p, &arg);
        regex = 1;
    }
    e->path = path;
    if (regex) {
        /* httpd has compiled it already: it cannot fail here. */
        e->re = ap_pregcomp(p, path, AP_REG_EXTENDED);
        e->kind = e->re ? EP_REGEX : EP_ANY;
    }
    else if (apr_fnmatch_test(path)) {
        e->kind = EP_PATTERN;
    }
    else {
        e->kind = EP_PATH;
        e->path = normalise(p, path);
    }
}

static void add_endpoint(apr_pool_t *p, const ap_directive_t *d)
{
    const ap_directive_t *loc = location_of(d), *vh = vhost_of(d);
    endpoint_t *e = apr_array_push(endpoints);

    memset(e, 0, sizeof(*e));
    e->kind = EP_ANY;
    if (loc)
        read_location(p, loc, e);
    e->vhost_file = vh ? vh->filename : NULL;
    e->vhost_line = vh ? vh->line_num : 0;
}

/* Every SetHandler eas and every DBDriver below d. */
static void walk(apr_pool_t *p, const ap_directive_t *d,
                 apr_array_header_t *handlers, apr_array_header_t *drivers)
{
    for (; d; d = d->next) {
        if (sets_eas(p, d))
            APR_ARRAY_PUSH(handlers, const ap_directive_t *) = d;
        else if (is_named(d, "DBDriver"))
            APR_ARRAY_PUSH(drivers, const ap_directive_t *) = d;
        walk(p, d->first_child, handlers, drivers);
    }
}

/* ------------------------------------------------------------------ */
/* Startup                                                             */
/* ------------------------------------------------------------------ */

/* A DBDriver for the handler h: server-wide, or in h's <VirtualHost>. */
static int has_database(const ap_directive_t *h,
                        const apr_array_header_t *drivers)
{
    int i;

    for (i = 0; i < drivers->nelts; i++) {
        const ap_directive_t *vh =
            vhost_of(APR_ARRAY_IDX(drivers, i, const ap_directive_t *));

        if (!vh || vh == vhost_of(h))
            return 1;
    }
    return 0;
}

static void warn_no_database(apr_pool_t *p, server_rec *s,
                             const apr_array_header_t *hs,
                             const apr_array_header_t *drivers)
{
    const ap_directive_t *first = NULL;
    int i, n = 0;

    for (i = 0; i < hs->nelts; i++) {
        const ap_directive_t *h = APR_ARRAY_IDX(hs, i, const ap_directive_t *);

        if (!has_database(h, drivers) && n++ == 0)
            first = h;
    }
    if (!first)
        return;
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, EASLOGNO(00101)
                 "SetHandler eas (%s line %d%s) has no state database: no "
                 "device can provision, and every command answers 503 until "
                 "the server config has " EAS_DBD_HINT, first->filename,
                 first->line_num,
                 n > 1 ? apr_psprintf(p, ", and %d more", n - 1) : "");
}

static int endpoint_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                                 apr_pool_t *ptemp, server_rec *s)
{
    apr_array_header_t *handlers = apr_array_make(ptemp, 8, sizeof(void *));
    apr_array_header_t *drivers = apr_array_make(ptemp, 2, sizeof(void *));
    int i;

    walk(ptemp, ap_conftree, handlers, drivers);
    endpoints = apr_array_make(pconf, handlers->nelts, sizeof(endpoint_t));
    for (i = 0; i < handlers->nelts; i++)
        add_endpoint(pconf, APR_ARRAY_IDX(handlers, i, const ap_directive_t *));
    warn_no_database(ptemp, s, handlers, drivers);
    return OK;
}

void eas_endpoint_register_hooks(apr_pool_t *p)
{
    ap_hook_check_config(endpoint_check_config, NULL, NULL, APR_HOOK_MIDDLE);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

static int same_server(const endpoint_t *e, const server_rec *s)
{
    return !e->vhost_file
           || (s->defn_name && (int)s->defn_line_number == e->vhost_line
               && strcmp(s->defn_name, e->vhost_file) == 0);
}

/* The whole of the URI is e, not a path below it. */
static int is_endpoint(const endpoint_t *e, const char *uri, const char *norm)
{
    ap_regmatch_t m;

    switch (e->kind) {
    case EP_PATH:
        return strcmp(norm, e->path) == 0;
    case EP_PATTERN:
        return apr_fnmatch(e->path, norm, APR_FNM_PATHNAME) == APR_SUCCESS;
    case EP_REGEX:
        return ap_regexec(e->re, uri, 1, &m, 0) == 0 && m.rm_so == 0
               && (apr_size_t)m.rm_eo == strlen(uri);
    default:
        return 1;
    }
}

int eas_endpoint_check(request_rec *r)
{
    const char *norm = normalise(r->pool, r->uri);
    int i;

    if (!endpoints)
        return 1;
    for (i = 0; i < endpoints->nelts; i++) {
        const endpoint_t *e = &APR_ARRAY_IDX(endpoints, i, endpoint_t);

        if (same_server(e, r->server) && is_endpoint(e, r->uri, norm))
            return 1;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00406)
                  "%s is a path below an ActiveSync endpoint, not one "
                  "(MS-ASHTTP): answering 404", r->uri);
    return 0;
}
