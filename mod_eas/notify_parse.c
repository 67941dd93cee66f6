/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The change notification's query and secret (notify_parse.h): the query
 * as application/x-www-form-urlencoded pairs (HTML 4.01 section 17.13.4),
 * and a comparison of secrets that takes no less time for a near miss.
 */
#include "notify_parse.h"

#include <apr_strings.h>
#include <string.h>

static int hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* s[0, len) decoded ('+' a space, %XX a byte); NULL: a bad escape or
   a NUL. */
static char *decode(const char *s, apr_size_t len, apr_pool_t *p)
{
    char *out = apr_palloc(p, len + 1), *o = out;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= len || (hi = hex(s[i + 1])) < 0
                || (lo = hex(s[i + 2])) < 0)
                return NULL;
            c = hi * 16 + lo;
            i += 2;
        }
        else if (c == '+')
            c = ' ';
        if (c == 0)
            return NULL;
        *o++ = (char)c;
    }
    *o = '\0';
    return out;
}

/* One "name=value" pair into *user or *href. */
static const char *pair(const char *s, apr_size_t len, const char **user,
                        const char **href, apr_pool_t *p)
{
    const char *eq = memchr(s, '=', len), **slot;
    char *v;

    if (!eq)
        return "a parameter without '='";
    if ((apr_size_t)(eq - s) == 4 && !memcmp(s, "user", 4))
        slot = user;
    else if ((apr_size_t)(eq - s) == 4 && !memcmp(s, "href", 4))
        slot = href;
    else
        return "an unknown parameter";
    if (*slot)
        return "a parameter given twice";
    if (!(v = decode(eq + 1, len - (eq + 1 - s), p)))
        return "a bad %-escape";
    *slot = v;
    return NULL;
}

const char *eas_notify_parse(const char *query, const char **user,
                             const char **href, apr_pool_t *p)
{
    const char *s = query ? query : "", *why;

    *user = *href = NULL;
    if (strlen(s) > EAS_NOTIFY_QUERY_MAX)
        return "the query is too long";
    while (*s) {
        const char *amp = strchr(s, '&');
        apr_size_t len = amp ? (apr_size_t)(amp - s) : strlen(s);
        if (len && (why = pair(s, len, user, href, p)))
            return why;
        s += len + (amp != NULL);
    }
    if (!*user || !**user)
        return "no user";
    return NULL;
}

int eas_notify_secret_equal(const char *a, const char *b)
{
    apr_size_t la = strlen(a), lb = strlen(b), i;
    unsigned char d = la != lb;

    for (i = 0; i < lb; i++)
        d |= (unsigned char)(b[i] ^ (i < la ? a[i] : 0));
    return d == 0;
}
