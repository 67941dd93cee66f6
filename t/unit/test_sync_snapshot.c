/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshots, their diff against a listing, paging by applying a window of
 * changes, and SyncKey generation.
 */
#include "sync_snapshot.h"
#include "server_id.h"
#include "tap.h"

#include <apr_general.h>
#include <apr_strings.h>

static apr_array_header_t *listing(apr_pool_t *p, int n, const char *token)
{
    apr_array_header_t *a = apr_array_make(p, n, sizeof(eas_item_ref_t));
    int i;

    for (i = 1; i <= n; i++) {
        eas_item_ref_t *it = apr_array_push(a);
        it->id = apr_itoa(p, i);
        it->token = token;
        it->time = apr_time_from_sec(1000 + i);
        it->size = 100;
        it->flags = 0;
    }
    return a;
}

static void test_round_trip(apr_pool_t *p)
{
    eas_snapshot_t *s = eas_snapshot_parse(p, NULL), *t;

    ok(s && eas_snapshot_count(s) == 0, "empty snapshot from NULL");
    eas_snapshot_set(s, "12", "S");
    eas_snapshot_set(s, "13", "");
    eas_snapshot_set(s, "bad\tid", "x");
    t = eas_snapshot_parse(p, eas_snapshot_text(s, p));
    ok(t != NULL, "stored text parses");
    is_int(eas_snapshot_count(t), 2, "ids with tabs are never stored");
    is_str(eas_snapshot_get(t, "12"), "S", "token kept");
    is_str(eas_snapshot_get(t, "13"), "-", "empty token stored as '-'");
    ok(eas_snapshot_parse(p, "no-tab-here\n") == NULL, "corrupt text refused");
    ok(eas_snapshot_parse(p, "\tx\n") == NULL, "empty id refused");
}

static void test_paging(apr_pool_t *p)
{
    apr_array_header_t *items = listing(p, 25, "");
    eas_snapshot_t *s = eas_snapshot_parse(p, "");
    apr_array_header_t *d;
    int i, rounds = 0, sent = 0;

    do {
        d = eas_snapshot_diff(s, items, p);
        for (i = 0; i < d->nelts && i < 10; i++, sent++)
            eas_snapshot_apply(s, &APR_ARRAY_IDX(d, i, eas_change_t));
        if (rounds == 0)
            is_str(APR_ARRAY_IDX(d, 0, eas_change_t).id, "25",
                   "initial sync starts with the newest item");
        /* Each window goes through storage, as between requests. */
        s = eas_snapshot_parse(p, eas_snapshot_text(s, p));
        rounds++;
    } while (d->nelts > 10 && rounds < 10);
    is_int(rounds, 3, "25 items in windows of 10 take 3 rounds");
    is_int(sent, 25, "every item sent once");
    is_int(eas_snapshot_diff(s, items, p)->nelts, 0, "then nothing left");
}

static void test_changes(apr_pool_t *p)
{
    apr_array_header_t *items = listing(p, 5, "");
    eas_snapshot_t *s = eas_snapshot_parse(p, "");
    apr_array_header_t *d;
    eas_change_t *c;
    int i;

    d = eas_snapshot_diff(s, items, p);
    for (i = 0; i < d->nelts; i++)
        eas_snapshot_apply(s, &APR_ARRAY_IDX(d, i, eas_change_t));
    /* item 2 read elsewhere, item 4 deleted, item 6 delivered */
    APR_ARRAY_IDX(items, 1, eas_item_ref_t).token = "S";
    APR_ARRAY_IDX(items, 3, eas_item_ref_t) =
        APR_ARRAY_IDX(items, 4, eas_item_ref_t);
    APR_ARRAY_IDX(items, 4, eas_item_ref_t).id = "6";
    APR_ARRAY_IDX(items, 4, eas_item_ref_t).time = apr_time_from_sec(2000);
    d = eas_snapshot_diff(s, items, p);
    is_int(d->nelts, 3, "one delete, one change, one add");
    c = &APR_ARRAY_IDX(d, 0, eas_change_t);
    ok(c->kind == EAS_CHANGE_DELETE && strcmp(c->id, "4") == 0,
       "deletes come first");
    c = &APR_ARRAY_IDX(d, 1, eas_change_t);
    ok(c->kind == EAS_CHANGE_CHANGE && strcmp(c->id, "2") == 0,
       "then changes");
    c = &APR_ARRAY_IDX(d, 2, eas_change_t);
    ok(c->kind == EAS_CHANGE_ADD && strcmp(c->id, "6") == 0, "then adds");
}

/* Adds come newest first, ties by id, whatever the listing's order. */
static void test_add_order(apr_pool_t *p)
{
    /* newest first as a backend lists, equal times in uid order */
    static const struct { const char *id; int t; } in[] = {
        { "90", 9 }, { "12", 7 }, { "111", 7 }, { "7", 7 }, { "30", 5 },
        { "4", 3 }, { "31", 3 }, { "2", 1 },
    };
    static const char *const want =
        "90 111 12 7 30 31 4 2";
    enum { N = sizeof in / sizeof in[0] };
    apr_array_header_t *a = apr_array_make(p, N, sizeof(eas_item_ref_t));
    apr_array_header_t *b = apr_array_make(p, N, sizeof(eas_item_ref_t));
    eas_snapshot_t *s = eas_snapshot_parse(p, "");
    const char *got_a = "", *got_b = "";
    apr_array_header_t *d;
    int i;

    for (i = 0; i < N; i++) {
        eas_item_ref_t *x = apr_array_push(a);
        x->id = in[i].id;
        x->token = "-";
        x->time = apr_time_from_sec(in[i].t);
    }
    for (i = 0; i < N; i++)     /* the same, in another order */
        *(eas_item_ref_t *)apr_array_push(b) =
            APR_ARRAY_IDX(a, (i * 3) % N, eas_item_ref_t);
    d = eas_snapshot_diff(s, a, p);
    for (i = 0; i < d->nelts; i++)
        got_a = apr_pstrcat(p, got_a, i ? " " : "",
                            APR_ARRAY_IDX(d, i, eas_change_t).id, NULL);
    d = eas_snapshot_diff(s, b, p);
    for (i = 0; i < d->nelts; i++)
        got_b = apr_pstrcat(p, got_b, i ? " " : "",
                            APR_ARRAY_IDX(d, i, eas_change_t).id, NULL);
    is_str(got_a, want, "adds of a newest-first listing: ties by id");
    is_str(got_b, want, "the same from a listing in any order");

    /* all known: no deletes; one known id missing: its delete */
    for (i = 0; i < N; i++)
        eas_snapshot_set(s, in[i].id, "-");
    is_int(eas_snapshot_diff(s, a, p)->nelts, 0, "all known: nothing");
    eas_snapshot_set(s, "555", "-");
    d = eas_snapshot_diff(s, a, p);
    ok(d->nelts == 1 && APR_ARRAY_IDX(d, 0, eas_change_t).kind
       == EAS_CHANGE_DELETE && !strcmp(APR_ARRAY_IDX(d, 0, eas_change_t).id,
                                       "555"), "one known id gone: deleted");
    a->nelts--;                 /* "2" gone too, "555" still */
    d = eas_snapshot_diff(s, a, p);
    is_int(d->nelts, 2, "two gone: two deletes");
}

/* What a backend's listing marks for a FilterType window from since. */
static void outside_before(apr_array_header_t *items, apr_time_t since)
{
    int i;

    for (i = 0; i < items->nelts; i++) {
        eas_item_ref_t *it = &APR_ARRAY_IDX(items, i, eas_item_ref_t);
        it->outside = it->time < since;
    }
}

static void test_window(apr_pool_t *p)
{
    apr_array_header_t *items = listing(p, 10, "");
    eas_snapshot_t *s = eas_snapshot_parse(p, "");
    apr_array_header_t *d;
    int i;

    outside_before(items, apr_time_from_sec(1006));
    d = eas_snapshot_diff(s, items, p);
    is_int(d->nelts, 5, "only items inside the time window are added");
    for (i = 0; i < d->nelts; i++)
        eas_snapshot_apply(s, &APR_ARRAY_IDX(d, i, eas_change_t));
    outside_before(items, apr_time_from_sec(1009));
    d = eas_snapshot_diff(s, items, p);
    is_int(d->nelts, 3, "a narrower window soft-deletes what fell out");
    ok(APR_ARRAY_IDX(d, 0, eas_change_t).kind == EAS_CHANGE_SOFTDELETE,
       "as soft deletes");
}

/* An item its converter refused: nothing while it stays, an Add when it
   changes, nothing when it goes. */
static void test_skipped(apr_pool_t *p)
{
    eas_snapshot_t *s = eas_snapshot_parse(p, NULL), *t;
    apr_array_header_t *items = listing(p, 2, "A"), *d;

    eas_snapshot_set(s, "1", "A");
    eas_snapshot_skip(s, "2", "A");
    t = eas_snapshot_parse(p, eas_snapshot_text(s, p));
    d = eas_snapshot_diff(t, items, p);
    is_int(d->nelts, 0, "a skipped item is not sent while it stays");
    APR_ARRAY_IDX(items, 1, eas_item_ref_t).token = "B";
    d = eas_snapshot_diff(t, items, p);
    is_int(d->nelts, 1, "a skipped item that changed is sent");
    ok(d->nelts == 1 && APR_ARRAY_IDX(d, 0, eas_change_t).kind
       == EAS_CHANGE_ADD, "as an Add, not a Change");
    apr_array_pop(items);
    d = eas_snapshot_diff(t, items, p);
    is_int(d->nelts, 0, "a skipped item that went is not deleted");
}

static void test_synckeys(apr_pool_t *p)
{
    const char *a = eas_synckey_first(p), *b = eas_synckey_first(p), *n;

    ok(eas_synckey_valid(a), "first key is valid: %s", a);
    ok(strcmp(a, b) != 0, "two lineages differ");
    n = eas_synckey_next(p, a);
    ok(n && eas_synckey_valid(n) && strncmp(n, a, 10) == 0
       && strcmp(n + 10, "2") == 0, "next keeps the nonce, counts up: %s", n);
    ok(!eas_synckey_valid("0"), "0 is not a stored key");
    ok(!eas_synckey_valid("{12345678}0"), "counter 0 refused");
    ok(!eas_synckey_valid("{1234567g}1"), "non-hex nonce refused");
    ok(!eas_synckey_valid("{12345678}1x"), "trailing junk refused");
    ok(!eas_synckey_valid("{12345678}1234567890"), "ten digits refused");
    ok(eas_synckey_next(p, "'; drop table x") == NULL, "garbage has no next");
    is_str(eas_synckey_next(p, "{00000000}999999999"), "{00000000}1",
           "counter wraps before growing");
}

static void test_server_ids(apr_pool_t *p)
{
    const char *f = NULL, *i = NULL;

    is_str(eas_server_id(p, "12", "345"), "12:345", "ServerId joins folder and item");
    ok(eas_server_id_split(p, "12:345", &f, &i) && strcmp(f, "12") == 0
       && strcmp(i, "345") == 0, "and splits back");
    ok(!eas_server_id_split(p, "12345", &f, &i), "no colon: malformed");
    ok(!eas_server_id_split(p, ":345", &f, &i), "empty folder: malformed");
    ok(!eas_server_id_split(p, "12:", &f, &i), "empty item: malformed");
    ok(!eas_server_id_split(p, "../x:1", &f, &i), "a path is never an id");
    ok(!eas_server_id_split(p, "1:2:3", &f, &i), "one colon only");
    ok(!eas_server_id_split(p, NULL, &f, &i), "NULL: malformed");
    is_str(eas_server_id_item("12:345", "12"), "345", "item of its folder");
    ok(eas_server_id_item("12:345", "1") == NULL, "not of a folder prefix");
    ok(eas_server_id_item("12:345", "123") == NULL, "not of a longer folder");
    ok(eas_server_id_item("12:..", "12") == NULL, "'..' is not an item");
    ok(eas_server_id_item(NULL, "12") == NULL, "NULL names no item");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_round_trip(p);
    test_paging(p);
    test_changes(p);
    test_window(p);
    test_add_order(p);
    test_synckeys(p);
    test_skipped(p);
    test_server_ids(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
