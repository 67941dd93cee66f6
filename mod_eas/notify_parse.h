/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The change notification's query (notify.c): "user=<name>" and
 * optionally "href=<path>" (a DAV collection) or "mailbox=<name>" (an
 * IMAP mailbox, UTF-8; empty: anything of the user), percent-encoded as
 * in a form.  Apache-free.
 */
#ifndef EAS_NOTIFY_PARSE_H
#define EAS_NOTIFY_PARSE_H

#include <apr_pools.h>

/* The most a query may take, in bytes: a user and a mailbox name at
   their longest (notify_drop.h), every byte percent-encoded. */
#define EAS_NOTIFY_QUERY_MAX 4096

typedef struct {
    const char *user;           /* never NULL nor empty once parsed */
    const char *href;           /* NULL: absent */
    const char *mailbox;        /* NULL: absent; "": anything */
} eas_notify_query_t;

/*
 * The parameters of query (NULL: none) into *q, decoded and checked as a
 * drop takes them (eas_drop_name_ok).  NULL when it parses, or a few
 * words saying why not: a parameter twice, one unknown, a bad %-escape,
 * a NUL, a missing user, both href and mailbox, an empty href, a name a
 * drop cannot take (too long, control characters, a mailbox not UTF-8,
 * an href not a path), too long.
 */
const char *eas_notify_parse(const char *query, eas_notify_query_t *q,
                             apr_pool_t *p);

/* Whether a and b are equal, in a time that depends on b's length only. */
int eas_notify_secret_equal(const char *a, const char *b);

#endif
