/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the IMAP response framing and parser
 * (backends/imap/imap_parse.c; RFC 3501 / RFC 9051 section 9).
 *
 * The input is what a server could send: the first byte picks tight or
 * default limits, the rest is framed response by response, each framed
 * response is parsed, and the whole rest is also parsed as one response.
 * Invariants: a framed response is no longer than the data, each of its
 * proper prefixes is incomplete, framing it alone measures it again; a
 * parsed tree keeps every string NUL-terminated at its length, has no
 * more values than allowed, and no deeper lists.  The readers of values
 * (numbers, date-time, sequence sets, FETCH items) run on every atom.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "imap/imap_client.h"

static apr_pool_t *root_pool;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_imap_response: %s\n", what);
    abort();
}

static int count_range(void *baton, apr_uint32_t lo, apr_uint32_t hi)
{
    if (lo > hi)
        fail("a range with lo > hi");
    return ++*(int *)baton > 1000;
}

static void read_atom(const im_val_t *v)
{
    apr_uint64_t n;
    apr_time_t t;
    int calls = 0;

    if (im_number(v, &n) && n > (apr_uint64_t)APR_INT64_MAX)
        fail("a number over 2^63-1");
    im_date_time(v->s, &t);
    im_set_each(v->s, 100, count_range, &calls);
}

/* Checks a tree; returns the number of values in it. */
static int check_tree(const im_val_t *v, int depth, int depth_max)
{
    int count = 0, n;
    const im_val_t *c;

    for (; v; v = v->next, count++) {
        if ((v->kind == IM_ATOM || v->kind == IM_STRING)
            && (!v->s || v->s[v->len] != '\0'))
            fail("a string not NUL-terminated at its length");
        if (v->kind == IM_ATOM)
            read_atom(v);
        if (v->kind != IM_LIST)
            continue;
        if (depth + 1 > depth_max)
            fail("a list deeper than allowed");
        for (n = 0, c = v->child; c; c = c->next)
            n++;
        if (n != v->n)
            fail("a list's count differs from its elements");
        count += check_tree(v->child, depth + 1, depth_max);
    }
    return count;
}

static void check_resp(const im_resp_t *r, const im_limits_t *lim)
{
    int depth_max = lim->depth_max ? lim->depth_max : IM_DEPTH_MAX;
    int values = check_tree(r->args, -1, depth_max)
                 + (r->code ? check_tree(r->code, -1, depth_max) : 0);

    if (!r->tag || !r->text || !r->args || r->args->kind != IM_LIST)
        fail("a response without tag, text or args");
    if (values > (lim->values_max ? lim->values_max : IM_VALUES_MAX))
        fail("more values than allowed");
    im_fetch_item(r, "BODY[]");
    im_fetch_item(r, "UID");
}

static void parse_one(const char *buf, apr_size_t len,
                      const im_limits_t *lim, apr_pool_t *p)
{
    im_resp_t r;
    const char *err = NULL;

    if (im_parse(buf, len, lim, &r, &err, p) == APR_SUCCESS)
        check_resp(&r, lim);
    else if (!err)
        fail("a parse failure without a message");
}

/* The framed response buf[0..used): its prefixes are incomplete. */
static void check_frame(const char *buf, apr_size_t used,
                        const im_limits_t *lim)
{
    apr_size_t again = 0, i, want;

    if (im_frame(buf, used, lim, &again, NULL) != APR_SUCCESS
        || again != used)
        fail("a framed response framed alone differs");
    for (i = used > 64 ? used - 64 : 0; i < used; i++)
        if (im_frame(buf, i, lim, &again, &want) != APR_INCOMPLETE)
            fail("a prefix of a response is not incomplete");
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    im_limits_t tight = {256, 128, 4, 64}, deflt = {0, 0, 0, 0};
    const im_limits_t *lim;
    const char *buf = (const char *)data + 1;
    apr_size_t len, used = 0;
    apr_pool_t *p;

    if (size < 1)
        return 0;
    if (!root_pool) {
        apr_initialize();
        apr_pool_create(&root_pool, NULL);
    }
    lim = data[0] & 1 ? &tight : &deflt;
    len = size - 1;
    apr_pool_create(&p, root_pool);
    parse_one(buf, len, lim, p);
    while (len > 0 && im_frame(buf, len, lim, &used, NULL) == APR_SUCCESS) {
        if (used == 0 || used > len)
            fail("a framed length out of the data");
        check_frame(buf, used, lim);
        parse_one(buf, used, lim, p);
        apr_pool_clear(p);
        buf += used;
        len -= used;
    }
    apr_pool_destroy(p);
    return 0;
}
