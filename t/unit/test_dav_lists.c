/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The listings a process keeps per collection (backends/dav/dav_lists.c):
 * copies in and out, the token rule, the window's inside set, keys per
 * user, and the bound on what is kept.
 */
#include "dav_backend.h"
#include "tap.h"

#include <apr_general.h>
#include <apr_strings.h>

static apr_hash_t *members(int n, const char *etag, apr_pool_t *p)
{
    apr_hash_t *h = apr_hash_make(p);
    int i;

    for (i = 0; i < n; i++)
        apr_hash_set(h, apr_psprintf(p, "/c/%d.ics", i), APR_HASH_KEY_STRING,
                     etag);
    return h;
}

static void keeps_and_copies(apr_pool_t *p)
{
    const char *k = dv_lists_key("alice", "http://dav/", "/alice/c/", p);
    const char *tok = NULL;
    apr_hash_t *h = members(3, "\"e1\"", p), *got = NULL;

    ok(!dv_lists_get(k, &tok, &got, p), "nothing kept at first");
    dv_lists_put(k, "t1", h);
    apr_hash_set(h, "/c/0.ics", APR_HASH_KEY_STRING, "\"changed\"");
    ok(dv_lists_get(k, &tok, &got, p), "kept");
    is_str(tok, "t1", "with its token");
    is_int(apr_hash_count(got), 3, "every member");
    is_str(apr_hash_get(got, "/c/0.ics", APR_HASH_KEY_STRING), "\"e1\"",
           "a copy: the caller's later changes are not in it");
    apr_hash_set(got, "/c/1.ics", APR_HASH_KEY_STRING, NULL);
    dv_lists_put(k, "t1", got);
    dv_lists_get(k, &tok, &got, p);
    is_int(apr_hash_count(got), 3, "the same token keeps what is kept");
    dv_lists_put(k, "t2", members(5, "\"e2\"", p));
    dv_lists_get(k, &tok, &got, p);
    ok(!strcmp(tok, "t2") && apr_hash_count(got) == 5, "a new token "
       "replaces it");
    ok(!dv_lists_get(dv_lists_key("bob", "http://dav/", "/alice/c/", p),
                     &tok, &got, p), "another user's key finds nothing");
    dv_lists_drop(k);
    ok(!dv_lists_get(k, &tok, &got, p), "dropped");
    dv_lists_put(k, "", h);
    ok(!dv_lists_get(k, &tok, &got, p), "no token: nothing kept");
}

static void inside_sets(apr_pool_t *p)
{
    const char *k = dv_lists_key("alice", "http://dav/", "/alice/e/", p);
    apr_hash_t *in = members(2, "", p), *got = NULL;

    dv_lists_put(k, "t1", members(4, "\"e\"", p));
    dv_lists_put_inside(k, "t1", DV_IN_SINCE, 3600, in);
    ok(dv_lists_get_inside(k, "t1", DV_IN_SINCE, 3600, &got, p)
       && apr_hash_count(got) == 2, "the window's members kept");
    ok(!dv_lists_get_inside(k, "t1", DV_IN_SINCE, 7200, &got, p),
       "not for another window");
    ok(!dv_lists_get_inside(k, "t1", DV_IN_OPEN, 3600, &got, p),
       "not for another filter");
    ok(!dv_lists_get_inside(k, "t0", DV_IN_SINCE, 3600, &got, p),
       "not at another token");
    dv_lists_put_inside(k, "t0", DV_IN_OPEN, 0, in);
    ok(dv_lists_get_inside(k, "t1", DV_IN_SINCE, 3600, &got, p),
       "a set at a stale token is not kept");
    dv_lists_put(k, "t2", members(4, "\"f\"", p));
    ok(!dv_lists_get_inside(k, "t2", DV_IN_SINCE, 3600, &got, p),
       "a new listing drops the set");
    dv_lists_drop(k);
}

static void bounded(apr_pool_t *p)
{
    const char *a = dv_lists_key("u", "http://dav/", "/u/a/", p);
    const char *b = dv_lists_key("u", "http://dav/", "/u/b/", p);
    const char *c = dv_lists_key("u", "http://dav/", "/u/c/", p);
    const char *tok;
    apr_hash_t *got;

    dv_lists_set_limit(10);
    dv_lists_put(a, "t", members(4, "x", p));
    dv_lists_put(b, "t", members(4, "x", p));
    dv_lists_get(a, &tok, &got, p);          /* a is now the newer */
    dv_lists_put(c, "t", members(4, "x", p));
    ok(dv_lists_get(a, &tok, &got, p) && dv_lists_get(c, &tok, &got, p),
       "the recently used stay");
    ok(!dv_lists_get(b, &tok, &got, p), "the least recently used went");
    dv_lists_put(b, "t", members(11, "x", p));
    ok(!dv_lists_get(b, &tok, &got, p), "a listing over the bound is not "
       "kept");
    dv_lists_set_limit(0);
    dv_lists_put(b, "t", members(1, "x", p));
    ok(!dv_lists_get(b, &tok, &got, p), "bound 0: nothing kept");
    dv_lists_set_limit(DV_LISTS_DEFAULT);
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    keeps_and_copies(p);
    inside_sets(p);
    bounded(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
