/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The listings a process keeps per collection (backends/dav/dav_lists.c):
 * kept whole, changed in place between tokens, copies out, the window's
 * inside set, keys per user, and the bound on what is kept.
 */
#include "dav_backend.h"
#include "tap.h"

#include <apr_general.h>
#include <apr_strings.h>

static apr_array_header_t *members(int from, int n, const char *etag,
                                   apr_pool_t *p)
{
    apr_array_header_t *a = apr_array_make(p, n + 1, sizeof(dv_member_t));
    int i;

    for (i = from; i < from + n; i++) {
        dv_member_t *m = apr_array_push(a);
        m->href = apr_psprintf(p, "/c/%d.ics", i);
        m->etag = etag;
        m->id = apr_psprintf(p, "%d", 100 + i);
    }
    return a;
}

static const dv_member_t *member(const apr_array_header_t *a,
                                 const char *href)
{
    int i;

    for (i = 0; i < a->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(a, i, dv_member_t).href, href))
            return &APR_ARRAY_IDX(a, i, dv_member_t);
    return NULL;
}

static void keeps_and_changes(apr_pool_t *p)
{
    const char *k = dv_lists_key("db1", "alice", "http://dav/", "/alice/c/",
                                 p);
    apr_array_header_t *got = NULL, *m = members(0, 3, "\"e1\"", p);
    apr_array_header_t *removed = apr_array_make(p, 1, sizeof(char *));
    const char *tok = NULL;
    const dv_member_t *x;

    ok(!dv_lists_token(k, &tok, p), "nothing kept at first");
    dv_lists_put(k, "t1", m);
    APR_ARRAY_IDX(m, 0, dv_member_t).etag = "\"changed\"";
    ok(dv_lists_token(k, &tok, p) && !strcmp(tok, "t1"), "kept, with its "
       "token");
    ok(dv_lists_members(k, "t1", &got, p) && got->nelts == 3, "every member");
    x = member(got, "/c/0.ics");
    ok(x && !strcmp(x->etag, "\"e1\"") && !strcmp(x->id, "100"),
       "a copy: the caller's later changes are not in it; ids kept");
    ok(!dv_lists_members(k, "t0", &got, p), "not at another token");

    APR_ARRAY_PUSH(removed, const char *) = "/c/1.ics";
    ok(dv_lists_update(k, "t1", "t2", removed, members(2, 2, "\"e2\"", p)),
       "changes between t1 and t2");
    ok(dv_lists_members(k, "t2", &got, p) && got->nelts == 3,
       "one gone, one new");
    ok(!member(got, "/c/1.ics") && member(got, "/c/3.ics")
       && !strcmp(member(got, "/c/2.ics")->etag, "\"e2\""),
       "the removed, the added and the changed member");
    ok(!dv_lists_update(k, "t1", "t3", removed, m), "not from a token that "
       "is not the kept one");
    ok(dv_lists_update(k, "t2", "t2", apr_array_make(p, 1, sizeof(char *)),
                       apr_array_make(p, 1, sizeof(dv_member_t))),
       "no change keeps the token");
    ok(!dv_lists_token(dv_lists_key("db1", "bob", "http://dav/", "/alice/c/",
                                    p), &tok, p),
       "another user's key finds nothing");
    ok(!dv_lists_token(dv_lists_key("db2", "alice", "http://dav/",
                                    "/alice/c/", p), &tok, p),
       "another database's key finds nothing");
    dv_lists_drop(k);
    ok(!dv_lists_token(k, &tok, p), "dropped");
    dv_lists_put(k, "", m);
    ok(!dv_lists_token(k, &tok, p), "no token: nothing kept");
}

static void many_changes(apr_pool_t *p)
{
    const char *k = dv_lists_key("db1", "alice", "http://dav/", "/alice/m/",
                                 p);
    apr_array_header_t *none = apr_array_make(p, 1, sizeof(char *)), *got;
    char from[16], to[16];
    int i;

    dv_lists_put(k, "0", members(0, 10, "a", p));
    for (i = 0; i < 50; i++) {
        apr_snprintf(from, sizeof(from), "%d", i);
        apr_snprintf(to, sizeof(to), "%d", i + 1);
        if (!dv_lists_update(k, from, to, none,
                             members(i % 10, 1, apr_itoa(p, i), p)))
            break;
    }
    ok(i == 50, "fifty changes in place (compacted on the way)");
    ok(dv_lists_members(k, "50", &got, p) && got->nelts == 10
       && !strcmp(member(got, "/c/9.ics")->etag, "49"), "the latest of "
       "each");
    dv_lists_drop(k);
}

static void inside_sets(apr_pool_t *p)
{
    const char *k = dv_lists_key("db1", "alice", "http://dav/", "/alice/e/",
                                 p);
    apr_hash_t *in = apr_hash_make(p), *got = NULL;

    apr_hash_set(in, "/c/0.ics", APR_HASH_KEY_STRING, "");
    apr_hash_set(in, "/c/1.ics", APR_HASH_KEY_STRING, "");
    dv_lists_put(k, "t1", members(0, 4, "\"e\"", p));
    dv_lists_put_inside(k, "t1", DV_IN_SINCE, 3600, in);
    ok(dv_lists_get_inside(k, "t1", DV_IN_SINCE, 3600, &got, p)
       && apr_hash_count(got) == 2, "the window's members kept");
    ok(!dv_lists_get_inside(k, "t1", DV_IN_SINCE, 7200, &got, p),
       "not for another window");
    ok(!dv_lists_get_inside(k, "t1", DV_IN_OPEN, 3600, &got, p),
       "not for another filter");
    dv_lists_put_inside(k, "t0", DV_IN_OPEN, 0, in);
    ok(dv_lists_get_inside(k, "t1", DV_IN_SINCE, 3600, &got, p),
       "a set at a stale token is not kept");
    dv_lists_update(k, "t1", "t2", apr_array_make(p, 1, sizeof(char *)),
                    members(0, 1, "\"f\"", p));
    ok(!dv_lists_get_inside(k, "t2", DV_IN_SINCE, 3600, &got, p),
       "a change drops the set");
    dv_lists_drop(k);
}

static void readers(apr_pool_t *p)
{
    const char *k = dv_lists_key("db1", "alice", "http://dav/", "/alice/r/",
                                 p);
    apr_array_header_t *none = apr_array_make(p, 1, sizeof(char *));
    apr_array_header_t *got, *later;
    apr_pool_t *r;
    int i;

    apr_pool_create(&r, p);
    dv_lists_put(k, "t1", members(0, 3, "\"e\"", p));
    ok(dv_lists_members(k, "t1", &got, r), "a listing handed out");
    for (i = 0; i < 200; i++)           /* compacted meanwhile, often */
        dv_lists_update(k, apr_itoa(p, i ? i + 1 : 1), apr_itoa(p, i + 2),
                        none, members(0, 1, apr_itoa(p, i), p));
    dv_lists_put(k, "t9", members(5, 2, "\"f\"", p));
    dv_lists_drop(k);
    ok(got->nelts == 3 && !strcmp(member(got, "/c/0.ics")->etag, "\"e\"")
       && !strcmp(member(got, "/c/2.ics")->id, "102"),
       "stays whole while its entry changes, is replaced and dropped");
    apr_pool_destroy(r);
    dv_lists_put(k, "t1", members(0, 2, "x", p));
    ok(dv_lists_members(k, "t1", &later, p) && later->nelts == 2,
       "the key serves anew once the reader is done");
    dv_lists_drop(k);
}

static void bounded(apr_pool_t *p)
{
    const char *a = dv_lists_key("s", "u", "http://dav/", "/u/a/", p);
    const char *b = dv_lists_key("s", "u", "http://dav/", "/u/b/", p);
    const char *c = dv_lists_key("s", "u", "http://dav/", "/u/c/", p);
    const char *tok;

    dv_lists_set_limit(10);
    dv_lists_put(a, "t", members(0, 4, "x", p));
    dv_lists_put(b, "t", members(0, 4, "x", p));
    dv_lists_token(a, &tok, p);             /* a is now the newer */
    dv_lists_put(c, "t", members(0, 4, "x", p));
    ok(dv_lists_token(a, &tok, p) && dv_lists_token(c, &tok, p),
       "the recently used stay");
    ok(!dv_lists_token(b, &tok, p), "the least recently used went");
    dv_lists_put(b, "t", members(0, 11, "x", p));
    ok(!dv_lists_token(b, &tok, p), "a listing over the bound is not kept");
    ok(!dv_lists_update(a, "t", "u", apr_array_make(p, 1, sizeof(char *)),
                        members(10, 8, "y", p)),
       "nor one that grows over it");
    dv_lists_set_limit(0);
    dv_lists_put(b, "t", members(0, 1, "x", p));
    ok(!dv_lists_token(b, &tok, p), "bound 0: nothing kept");
    dv_lists_set_limit(DV_LISTS_DEFAULT);
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    keeps_and_changes(p);
    many_changes(p);
    inside_sets(p);
    readers(p);
    bounded(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
