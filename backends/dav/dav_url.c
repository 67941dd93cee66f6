/* SPDX-License-Identifier: Apache-2.0 */
/*
 * URLs and hrefs for the DAV client: parsing http(s) URLs, resolving an
 * href against the request URL (RFC 3986 section 5.2), normalising paths
 * (section 6.2.2: percent-encoding case, unreserved characters decoded,
 * dot segments removed), the same-origin and "under this root" checks that
 * keep a user's client inside the user's own space, and XML escaping for
 * request bodies.
 */
#include "dav_client.h"

#include <apr_strings.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAV_PATH_MAX 4096

static int unreserved(int ch)
{
    return isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

/* Characters a path may hold as they are (RFC 3986 pchar and '/'). */
static int path_char(int ch)
{
    return unreserved(ch) || strchr("!$&'()*+,;=:@/", ch) != NULL;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = tolower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Percent-encoding made canonical; NULL for control characters, '?', '#'
   and broken escapes. */
static char *canonical_escapes(const char *in, apr_pool_t *p)
{
    apr_size_t n = strlen(in);
    char *out = apr_palloc(p, 3 * n + 1), *o = out;
    const unsigned char *s;

    for (s = (const unsigned char *)in; *s; s++) {
        if (*s == '%') {
            int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);
            if (lo < 0)
                return NULL;
            if (unreserved(hi * 16 + lo)) {
                *o++ = (char)(hi * 16 + lo);
            } else {
                o += sprintf(o, "%%%02X", hi * 16 + lo);
            }
            s += 2;
        } else if (*s < 0x20 || *s == 0x7f || *s == '?' || *s == '#') {
            return NULL;
        } else if (path_char(*s)) {
            *o++ = (char)*s;
        } else {
            o += sprintf(o, "%%%02X", *s);
        }
    }
    *o = '\0';
    return out;
}

/* RFC 3986 5.2.4 on an absolute path whose escapes are canonical. */
static char *remove_dots(const char *in, apr_pool_t *p)
{
    apr_size_t n = strlen(in);
    char *out = apr_palloc(p, n + 2);
    apr_size_t len = 0;
    const char *s = in;

    while (*s) {
        const char *e;
        apr_size_t sl;

        s++;                            /* the '/' before the segment */
        e = strchr(s, '/');
        sl = e ? (apr_size_t)(e - s) : strlen(s);
        if (sl == 2 && s[0] == '.' && s[1] == '.') {
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--;
            if (!e)
                out[len++] = '/';
        } else if (sl == 1 && s[0] == '.') {
            if (!e)
                out[len++] = '/';
        } else {
            out[len++] = '/';
            memcpy(out + len, s, sl);
            len += sl;
        }
        s += sl;
    }
    if (len == 0)
        out[len++] = '/';
    out[len] = '\0';
    return out;
}

const char *dav_path_normalise(const char *path, apr_pool_t *p)
{
    char *c;

    if (!path || path[0] != '/' || strlen(path) > DAV_PATH_MAX)
        return NULL;
    c = canonical_escapes(path, p);
    return c ? remove_dots(c, p) : NULL;
}

int dav_path_under(const char *path, const char *root)
{
    apr_size_t rl = strlen(root);

    if (rl == 0)
        return 0;
    if (root[rl - 1] == '/')
        rl--;
    if (strncmp(path, root, rl) != 0)
        return 0;
    return path[rl] == '\0' || path[rl] == '/';
}

static apr_status_t parse_authority(const char *a, dav_url_t *u, int dport,
                                    apr_pool_t *p)
{
    const char *port = NULL;
    char *h;

    if (*a == '[') {
        const char *e = strchr(a, ']');
        if (!e || (e[1] != '\0' && e[1] != ':'))
            return APR_EINVAL;
        h = apr_pstrmemdup(p, a + 1, e - a - 1);
        port = e[1] == ':' ? e + 2 : NULL;
    } else {
        const char *e = strchr(a, ':');
        h = e ? apr_pstrmemdup(p, a, e - a) : apr_pstrdup(p, a);
        port = e ? e + 1 : NULL;
    }
    if (!*h || strpbrk(h, "@ %\\?#/"))
        return APR_EINVAL;
    for (char *c = h; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    u->host = h;
    u->port = dport;
    if (port && *port) {
        char *end;
        long v = strtol(port, &end, 10);
        if (*end || v < 1 || v > 65535 || !isdigit((unsigned char)*port))
            return APR_EINVAL;
        u->port = (int)v;
    }
    return APR_SUCCESS;
}

apr_status_t dav_url_parse(const char *s, dav_url_t *u, apr_pool_t *p)
{
    const char *rest, *slash;
    int dport;

    if (!s)
        return APR_EINVAL;
    if (strncasecmp(s, "https://", 8) == 0) {
        u->scheme = "https";
        rest = s + 8;
        dport = 443;
    } else if (strncasecmp(s, "http://", 7) == 0) {
        u->scheme = "http";
        rest = s + 7;
        dport = 80;
    } else {
        return APR_EINVAL;
    }
    slash = strchr(rest, '/');
    if (parse_authority(slash ? apr_pstrmemdup(p, rest, slash - rest) : rest,
                        u, dport, p) != APR_SUCCESS)
        return APR_EINVAL;
    u->path = dav_path_normalise(slash ? slash : "/", p);
    return u->path ? APR_SUCCESS : APR_EINVAL;
}

const char *dav_url_origin(const dav_url_t *u, apr_pool_t *p)
{
    int v6 = strchr(u->host, ':') != NULL;

    return apr_psprintf(p, "%s://%s%s%s:%d", u->scheme, v6 ? "[" : "",
                        u->host, v6 ? "]" : "", u->port);
}

static int same_origin(const dav_url_t *a, const dav_url_t *b)
{
    return strcmp(a->scheme, b->scheme) == 0
           && strcmp(a->host, b->host) == 0 && a->port == b->port;
}

/* The scheme of ref, if it has one (letters then ':' before any '/'). */
static int has_scheme(const char *ref)
{
    const char *c = ref;

    while (isalnum((unsigned char)*c) || *c == '+' || *c == '-' || *c == '.')
        c++;
    return c > ref && *c == ':';
}

const char *dav_url_resolve(const dav_url_t *base, const char *ref,
                            apr_pool_t *p)
{
    dav_url_t u;

    if (!ref || !*ref || strlen(ref) > DAV_PATH_MAX)
        return NULL;
    if (ref[0] == '/' && ref[1] == '/')
        ref = apr_pstrcat(p, base->scheme, ":", ref, NULL);
    if (has_scheme(ref)) {
        if (dav_url_parse(ref, &u, p) != APR_SUCCESS
            || !same_origin(base, &u))
            return NULL;
        return u.path;
    }
    if (ref[0] != '/') {
        const char *slash = strrchr(base->path, '/');
        ref = apr_pstrcat(p, apr_pstrmemdup(p, base->path,
                                            slash - base->path + 1),
                          ref, NULL);
    }
    return dav_path_normalise(ref, p);
}

const char *dav_xml_escape(const char *s, apr_pool_t *p)
{
    apr_size_t n = 0;
    const char *c;
    char *out, *o;

    for (c = s; *c; c++)
        n += strchr("<>&\"'", *c) ? 6 : 1;
    out = o = apr_palloc(p, n + 1);
    for (c = s; *c; c++) {
        const char *rep;

        if ((unsigned char)*c < 0x20 && *c != '\t' && *c != '\n')
            continue;               /* not allowed in XML 1.0 */
        rep = *c == '<' ? "&lt;" : *c == '>' ? "&gt;"
                        : *c == '&' ? "&amp;" : *c == '"' ? "&quot;"
                        : *c == '\'' ? "&apos;" : NULL;
        if (rep) {
            strcpy(o, rep);
            o += strlen(rep);
        } else {
            *o++ = *c;
        }
    }
    *o = '\0';
    return out;
}
