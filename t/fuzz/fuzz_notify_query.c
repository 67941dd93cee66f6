/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the change notification's query parser
 * (mod_eas/notify_parse.c), the names a drop takes
 * (backends/notify_drop.c) and the secret comparison.
 *
 * The input is a query string.  When it parses, the user is a non-empty
 * string without NUL (it is a C string), href and mailbox are not both
 * there, what is there a drop takes (eas_drop_name_ok of its kind), a
 * mailbox is valid UTF-8 without control characters and no longer than
 * EAS_DROP_WHERE_MAX, and the parse of the same input again gives the
 * same answer; the secret comparison of the input with itself says equal,
 * and with a copy one byte shorter says not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "notify_parse.h"
#include "notify_drop.h"

static apr_pool_t *root_pool;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_notify_query: %s\n", what);
    abort();
}

static int same(const char *a, const char *b)
{
    return (a == NULL) == (b == NULL) && (!a || strcmp(a, b) == 0);
}

/* Valid UTF-8 without C0, DEL or C1, checked here its own way. */
static void check_mailbox(const unsigned char *s)
{
    if (strlen((const char *)s) > EAS_DROP_WHERE_MAX)
        fail("a mailbox too long");
    while (*s) {
        int n = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2
                : (*s & 0xf0) == 0xe0 ? 3 : (*s & 0xf8) == 0xf0 ? 4 : 0;
        int i;
        if (!n || *s < 0x20 || *s == 0x7f || (*s == 0xc2 && s[1] < 0xa0))
            fail("a mailbox with a control character or a bad lead byte");
        for (i = 1; i < n; i++)
            if ((s[i] & 0xc0) != 0x80)
                fail("a mailbox with a bad continuation byte");
        s += n;
    }
}

static void check(const char *q, apr_pool_t *p)
{
    eas_notify_query_t a, b;
    const char *why = eas_notify_parse(q, &a, p);
    const char *why2 = eas_notify_parse(q, &b, p);

    if ((why == NULL) != (why2 == NULL))
        fail("two parses of one query disagree");
    if (why)
        return;
    if (!a.user || !*a.user)
        fail("a parse without a user");
    if (a.href && a.mailbox)
        fail("both href and mailbox");
    if (!same(a.user, b.user) || !same(a.href, b.href)
        || !same(a.mailbox, b.mailbox))
        fail("two parses of one query disagree");
    if (!eas_drop_name_ok(a.mailbox ? EAS_DROP_IMAP : EAS_DROP_DAV, a.user,
                          a.mailbox ? a.mailbox : a.href))
        fail("a parse a drop does not take");
    if (a.mailbox)
        check_mailbox((const unsigned char *)a.mailbox);
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
