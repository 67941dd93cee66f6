/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the change notification's query parser
 * (mod_eas/notify_parse.c) and the secret comparison.
 *
 * The input is a query string.  When it parses, the user is a non-empty
 * string without NUL (it is a C string) and the parse of the same input
 * again gives the same answer; the secret comparison of the input with
 * itself says equal, and with a copy one byte shorter says not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "notify_parse.h"

static apr_pool_t *root_pool;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_notify_query: %s\n", what);
    abort();
}

static void check(const char *q, apr_pool_t *p)
{
    const char *user, *href, *user2, *href2;
    const char *why = eas_notify_parse(q, &user, &href, p);
    const char *why2 = eas_notify_parse(q, &user2, &href2, p);

    if ((why == NULL) != (why2 == NULL))
        fail("two parses of one query disagree");
    if (why)
        return;
    if (!user || !*user)
        fail("a parse without a user");
    if (strcmp(user, user2) != 0 || (href == NULL) != (href2 == NULL)
        || (href && strcmp(href, href2) != 0))
        fail("two parses of one query disagree");
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    apr_pool_t *p;
    char *q;

    if (!root_pool) {
        apr_initialize();
        apr_pool_create(&root_pool, NULL);
    }
    apr_pool_create(&p, root_pool);
    q = apr_pstrmemdup(p, (const char *)data, size);
    check(q, p);
    if (!eas_notify_secret_equal(q, q))
        fail("a secret differs from itself");
    if (*q && eas_notify_secret_equal(apr_pstrndup(p, q, strlen(q) - 1), q))
        fail("a shorter secret matches");
    apr_pool_destroy(p);
    return 0;
}
