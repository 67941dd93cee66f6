/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The change notification's query and secret (notify_parse.h): the query
 * as application/x-www-form-urlencoded pairs (HTML 4.01 section 17.13.4),
 * the names checked as a drop takes them (notify_drop.h), and a
 * comparison of secrets that takes no less time for a near miss.
 */
#include "notify_parse.h"
#include "notify_drop.h"

#include <apr_strings.h>
#include <stddef.h>
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

/* The slot of q a parameter's name [s, s + len) fills; NULL: none. */
static const char **slot_of(const char *s, apr_size_t len,
                            eas_notify_query_t *q)
{
    static const struct {
        const char *name;
        apr_size_t off;
    } names[] = {
        { "user", offsetof(eas_notify_query_t, user) },
        { "href", offsetof(eas_notify_query_t, href) },
        { "mailbox", offsetof(eas_notify_query_t, mailbox) },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i].name) == len && !memcmp(s, names[i].name, len))
            return (const char **)((char *)q + names[i].off);
    return NULL;
}

/* One "name=value" pair into its slot of q. */
static const char *pair(const char *s, apr_size_t len, eas_notify_query_t *q,
                        apr_pool_t *p)
{
    const char *eq = memchr(s, '=', len), **slot;
    char *v;

    if (!eq)
        return "a parameter without '='";
    if (!(slot = slot_of(s, (apr_size_t)(eq - s), q)))
        return "an unknown parameter";
    if (*slot)
        return "a parameter given twice";
    if (!(v = decode(eq + 1, len - (eq + 1 - s), p)))
        return "a bad %-escape";
    *slot = v;
    return NULL;
}

/* What the parameters name, checked as a drop takes them. */
static const char *names_ok(const eas_notify_query_t *q)
{
    if (!q->user || !*q->user)
        return "no user";
    if (q->href && q->mailbox)
        return "both href and mailbox";
    if (q->href && !*q->href)
        return "an empty href";
    if (!eas_drop_name_ok(EAS_DROP_DAV, q->user, NULL))
        return "a user that cannot be named (too long, control characters)";
    if (q->href && !eas_drop_name_ok(EAS_DROP_DAV, q->user, q->href))
        return "an href that cannot be named (not a path, spaces, "
               "control characters, too long)";
    if (q->mailbox && !eas_drop_name_ok(EAS_DROP_IMAP, q->user, q->mailbox))
        return "a mailbox that cannot be named (not UTF-8, control "
               "characters, too long)";
    return NULL;
}

const char *eas_notify_parse(const char *query, eas_notify_query_t *q,
                             apr_pool_t *p)
{
    const char *s = query ? query : "", *why;

    q->user = q->href = q->mailbox = NULL;
    if (strlen(s) > EAS_NOTIFY_QUERY_MAX)
        return "the query is too long";
    while (*s) {
        const char *amp = strchr(s, '&');
        apr_size_t len = amp ? (apr_size_t)(amp - s) : strlen(s);
        if (len && (why = pair(s, len, q, p)))
            return why;
        s += len + (amp != NULL);
    }
    return names_ok(q);
}

int eas_notify_secret_equal(const char *a, const char *b)
{
    apr_size_t la = strlen(a), lb = strlen(b), i;
    unsigned char d = la != lb;

    for (i = 0; i < lb; i++)
        d |= (unsigned char)(b[i] ^ (i < la ? a[i] : 0));
    return d == 0;
}
