/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The change notification's query (notify.c): "user=<name>" and
 * optionally "href=<path>", percent-encoded as in a form.  Apache-free.
 */
#ifndef EAS_NOTIFY_PARSE_H
#define EAS_NOTIFY_PARSE_H

#include <apr_pools.h>

/* The most a query may take, in bytes. */
#define EAS_NOTIFY_QUERY_MAX 2048

/*
 * The user and the href (NULL when absent) of query (NULL: none).
 * NULL when it parses, or a few words saying why not: a parameter twice,
 * one unknown, a bad %-escape, a NUL, a missing user, too long.
 */
const char *eas_notify_parse(const char *query, const char **user,
                             const char **href, apr_pool_t *p);

/* Whether a and b are equal, in a time that depends on b's length only. */
int eas_notify_secret_equal(const char *a, const char *b);

#endif
