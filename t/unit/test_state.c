/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the state store (mod_eas/state*.c) through apr_dbd.
 *
 * Without EAS_TEST_PGSQL: SQLite, in a temporary directory.  With
 * EAS_TEST_PGSQL set to libpq connection parameters ("host=127.0.0.1
 * port=N dbname=D user=U"): that PostgreSQL database, whose eas_* tables
 * are dropped first (t/integration/test_state_pg.py starts a private
 * server and runs this program so).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_file_io.h>
#include <apr_thread_proc.h>

#include "state.h"
#include "tap.h"

static apr_pool_t *pool;
static const apr_dbd_driver_t *drv;
static const char *params;
static int pgsql;
static char tmpdir[] = "/tmp/eas-state-test-XXXXXX";

#define COUNTER_WORKERS 4
#define COUNTER_ROUNDS 25

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

static apr_status_t close_conn(void *h)
{
    apr_dbd_close(drv, h);
    return APR_SUCCESS;
}

/* A connection closed with p. */
static apr_dbd_t *conn(apr_pool_t *p)
{
    apr_dbd_t *h = NULL;
    const char *err = NULL;

    if (apr_dbd_open_ex(drv, p, params, &h, &err) != APR_SUCCESS) {
        tap_diag("cannot connect (%s): %s", params, err ? err : "?");
        return NULL;
    }
    apr_pool_cleanup_register(p, h, close_conn, apr_pool_cleanup_null);
    return h;
}

static eas_state_t *open_st(apr_pool_t *p, apr_dbd_t *h, const char *user,
                            const char *dev)
{
    eas_state_t *st = NULL;
    const char *err = NULL;

    if (eas_state_open(&st, p, drv, h, user, dev, &err) != APR_SUCCESS)
        tap_diag("open %s/%s: %s", user, dev, err ? err : "?");
    return st;
}

/* The first column of the first row of a parameterised query, or NULL. */
static const char *value(apr_dbd_t *h, apr_pool_t *p, const char *sql,
                         const char *arg)
{
    apr_dbd_prepared_t *ps = NULL;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    const char *v = NULL;
    int rv;

    if (apr_dbd_prepare(drv, p, h, sql, NULL, &ps) != 0)
        return NULL;
    rv = arg ? apr_dbd_pvselect(drv, p, h, &res, ps, 1, arg, NULL)
             : apr_dbd_pvselect(drv, p, h, &res, ps, 1, NULL);
    if (rv != 0 || apr_dbd_get_row(drv, p, res, &row, -1) != 0)
        return NULL;
    v = apr_pstrdup(p, apr_dbd_get_entry(drv, row, 0));
    while (apr_dbd_get_row(drv, p, res, &row, -1) == 0)
        ;
    return v;
}

static int exec(apr_dbd_t *h, const char *sql)
{
    int nrows = 0;

    return apr_dbd_query(drv, h, &nrows, sql);
}

static const char *snap_of(eas_state_t *st, const char *coll, const char *key,
                           apr_status_t *rv)
{
    const char *snap = NULL;

    *rv = eas_state_sync_get(st, coll, key, &snap, pool);
    return snap;
}

static int migrate(apr_dbd_t *h, const char **err)
{
    return eas_state_migrate(pool, drv, h, err) == APR_SUCCESS;
}

static const char *db_path(void)
{
    return apr_pstrcat(pool, tmpdir, "/state.db", NULL);
}

/* Runs fn in n child processes, each with its own pool; how many failed. */
static int in_children(int n, int (*fn)(apr_pool_t *p, int i))
{
    int i, failed = 0;

    fflush(stdout);
    for (i = 0; i < n; i++) {
        if (fork() == 0) {
            apr_pool_t *p;

            int good;

            apr_pool_create(&p, NULL);
            good = fn(p, i);
            fflush(stdout);
            _exit(good ? 0 : 1);
        }
    }
    for (i = 0; i < n; i++) {
        int status = 0;

        if (wait(&status) < 0 || !WIFEXITED(status)
            || WEXITSTATUS(status) != 0)
            failed++;
    }
    return failed;
}

/* ------------------------------------------------------------------ */
/* schema                                                              */
/* ------------------------------------------------------------------ */

static int child_migrate(apr_pool_t *p, int i)
{
    apr_dbd_t *h = conn(p);
    const char *err = NULL;
    int ok = h && eas_state_migrate(p, drv, h, &err) == APR_SUCCESS;

    if (!ok)
        printf("# child %d: %s\n", i, err ? err : "no connection");
    return ok;
}

static void test_schema(apr_dbd_t *h)
{
    const char *err = NULL;

    if (pgsql)
        exec(h, "DROP TABLE IF EXISTS eas_clientadd, eas_idmap, eas_clientid, "
             "eas_synckey, eas_device, eas_schema_version");
    is_int(in_children(4, child_migrate), 0,
           "four processes migrate an empty database at once");
    ok(migrate(h, &err), "migrate again");
    ok(migrate(h, &err), "and again");
    is_str(value(h, pool, "SELECT COUNT(*) FROM eas_schema_version", NULL),
           apr_itoa(pool, EAS_STATE_SCHEMA), "one row per version");
    is_str(value(h, pool, "SELECT MAX(version) FROM eas_schema_version",
                 NULL), apr_itoa(pool, EAS_STATE_SCHEMA),
           "at version EAS_STATE_SCHEMA");
    if (!pgsql)
        is_str(value(h, pool, "PRAGMA journal_mode", NULL), "wal",
               "SQLite is in WAL mode");

    exec(h, apr_psprintf(pool, "INSERT INTO eas_schema_version "
                         "(version, applied) VALUES (%d, 0)",
                         EAS_STATE_SCHEMA + 1));
    ok(!migrate(h, &err), "a newer schema is refused");
    ok(err && strstr(err, "newer"), "saying so: %s", err ? err : "");
    exec(h, apr_psprintf(pool, "DELETE FROM eas_schema_version "
                         "WHERE version = %d", EAS_STATE_SCHEMA + 1));
    ok(migrate(h, &err), "current again");
}

/* What version 1 of the schema made, as a database of that time has it. */
static const char *const schema_v1[] = {
    "CREATE TABLE eas_schema_version ("
    " version INTEGER PRIMARY KEY, applied BIGINT NOT NULL)",
    "CREATE TABLE eas_device ("
    " username TEXT NOT NULL, device_id TEXT NOT NULL,"
    " device_type TEXT NOT NULL DEFAULT '',"
    " policy_key BIGINT NOT NULL DEFAULT 0,"
    " pending_key BIGINT NOT NULL DEFAULT 0, policy_hash TEXT,"
    " wipe INTEGER NOT NULL DEFAULT 0, info TEXT NOT NULL DEFAULT '',"
    " ping_cache TEXT, sync_cache TEXT,"
    " first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL,"
    " PRIMARY KEY (username, device_id))",
    "CREATE TABLE eas_synckey ("
    " username TEXT NOT NULL, device_id TEXT NOT NULL,"
    " collection TEXT NOT NULL, synckey TEXT NOT NULL,"
    " snapshot TEXT NOT NULL, created BIGINT NOT NULL,"
    " PRIMARY KEY (username, device_id, collection, synckey))",
    "INSERT INTO eas_schema_version VALUES (1, 1)",
    "INSERT INTO eas_device (username, device_id, device_type, policy_key,"
    " first_seen, last_seen) VALUES ('old', 'OLDDEV', 'iPhone', 42, 1, 2)",
    "INSERT INTO eas_synckey VALUES ('old', 'OLDDEV', '5', 'k1', 'snap', 3)",
    NULL
};

static void test_migrate_v1(apr_dbd_t *h)
{
    static const char *const tables[] = {
        "eas_clientadd", "eas_idmap", "eas_clientid", "eas_synckey",
        "eas_device",
        "eas_schema_version" };
    const char *const *sql;
    const char *err = NULL;
    eas_state_t *st;
    eas_device_t *dev = NULL;
    apr_status_t rv;
    unsigned i;
    int bad = 0;

    for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
        bad += exec(h, apr_pstrcat(pool, "DROP TABLE IF EXISTS ", tables[i],
                                   NULL)) != 0;
    for (sql = schema_v1; *sql; sql++)
        bad += exec(h, *sql) != 0;
    is_int(bad, 0, "v1: a database of schema version 1");
    ok(migrate(h, &err), "v1: migrated: %s", err ? err : "");
    is_str(value(h, pool, "SELECT MAX(version) FROM eas_schema_version",
                 NULL), apr_itoa(pool, EAS_STATE_SCHEMA),
           "v1: at version EAS_STATE_SCHEMA");
    is_str(value(h, pool, "SELECT COUNT(*) FROM eas_schema_version", NULL),
           apr_itoa(pool, EAS_STATE_SCHEMA), "v1: one row per version");
    st = open_st(pool, h, "old", "OLDDEV");
    ok(st && eas_state_device(st, NULL, &dev) == APR_SUCCESS
       && dev->policy_key == 42 && !strcmp(dev->device_type, "iPhone"),
       "v1: its device row kept");
    is_str(snap_of(st, "5", "k1", &rv), "snap", "v1: its sync key kept");
    ok(eas_state_clientid_put(st, "after-migration") == APR_SUCCESS
       && eas_state_clientid_seen(st, "after-migration") == APR_SUCCESS,
       "v1: sent ClientIds kept from then on: %s", eas_state_error(st));
    ok(migrate(h, &err), "v1: migrating again changes nothing");
}

/* ------------------------------------------------------------------ */
/* devices                                                             */
/* ------------------------------------------------------------------ */

static void test_open_args(apr_dbd_t *h)
{
    eas_state_t *st;
    const char *err = NULL;

    is_int(eas_state_open(&st, pool, drv, h, "", "d", &err), APR_EINVAL,
           "empty user refused");
    is_int(eas_state_open(&st, pool, drv, h, "u", NULL, &err), APR_EINVAL,
           "no device refused");
    ok(st == NULL, "no handle then");
}

static apr_table_t *sample_info(void)
{
    apr_table_t *t = apr_table_make(pool, 4);

    apr_table_add(t, "Model", "iPhone12,1");
    apr_table_add(t, "FriendlyName", "Bob's = phone\nline 2 %41 100%");
    apr_table_add(t, "IMEI", "");
    apr_table_add(t, "UserAgent", "Apple-iPhone12C1/2001.1");
    apr_table_add(t, "Model", "second Model entry");
    return t;
}

static int same_table(const apr_table_t *a, const apr_table_t *b)
{
    const apr_array_header_t *x = apr_table_elts(a), *y = apr_table_elts(b);
    const apr_table_entry_t *ex = (void *)x->elts, *ey = (void *)y->elts;
    int i;

    if (x->nelts != y->nelts)
        return 0;
    for (i = 0; i < x->nelts; i++)
        if (strcmp(ex[i].key, ey[i].key) || strcmp(ex[i].val, ey[i].val))
            return 0;
    return 1;
}

static char *big_text(apr_size_t n, char seed)
{
    char *s = apr_palloc(pool, n + 1);
    apr_size_t i;

    for (i = 0; i < n; i++)
        s[i] = i % 61 == 60 ? '\n' : (char)(' ' + (seed + i * 7) % 95);
    s[n] = '\0';
    return s;
}

static void test_device(apr_dbd_t *h)
{
    apr_pool_t *p;
    eas_state_t *st = open_st(pool, h, "alice", "DEV1"), *st2;
    eas_device_t *dev = NULL, *again = NULL, d;
    char *ping = big_text(70000, 3);

    ok(eas_state_device(st, "iPhone", &dev) == APR_SUCCESS && dev,
       "device row created");
    if (!dev)
        return;
    is_str(dev->device_type, "iPhone", "device type");
    is_int(dev->policy_key, 0, "not provisioned");
    is_int(dev->pending_key, 0, "no pending key");
    ok(dev->policy_hash == NULL, "no policy hash");
    is_int(dev->wipe, 0, "no wipe");
    ok(dev->info && apr_is_empty_table(dev->info), "no device information");
    ok(!dev->ping_cache && !dev->sync_cache, "no caches");
    ok(dev->first_seen > 0 && dev->last_seen >= dev->first_seen,
       "first and last seen");

    d = *dev;
    d.policy_key = 0xFFFFFFFFu;
    d.pending_key = 123456789;
    d.policy_hash = "sha256:0123abcd";
    d.wipe = 2;
    d.info = sample_info();
    d.ping_cache = ping;
    d.sync_cache = "it's \"quoted\" \\ %s %d 100%";
    d.first_seen = 1000001;
    d.last_seen = 2000002;
    ok(eas_state_device_put(st, &d) == APR_SUCCESS, "device written back: %s",
       eas_state_error(st));

    apr_pool_create(&p, pool);
    st2 = open_st(p, h, "alice", "DEV1");
    ok(eas_state_device(st2, NULL, &again) == APR_SUCCESS && again,
       "read by a new handle");
    if (!again)
        return;
    is_str(again->device_type, "iPhone", "type kept when none is given");
    ok(again->policy_key == 0xFFFFFFFFu, "largest policy key round-trips");
    is_int(again->pending_key, 123456789, "pending key");
    is_str(again->policy_hash, "sha256:0123abcd", "policy hash");
    is_int(again->wipe, 2, "wipe state");
    ok(same_table(again->info, d.info), "device information, in order, "
       "with '=', '%%', newlines and empty values");
    is_str(again->ping_cache, ping, "70 KB ping cache");
    is_str(again->sync_cache, d.sync_cache, "sync cache with quotes");
    is_int(again->first_seen, 1000001, "first seen");
    ok(again->last_seen > 2000002, "last seen moved on by the visit");
    {
        apr_time_t seen = again->last_seen;

        ok(eas_state_device(st2, NULL, &again) == APR_SUCCESS
           && again->last_seen == seen, "a visit a moment later writes "
           "nothing: last seen stays");
        ok(eas_state_device(st2, "iPhone", &again) == APR_SUCCESS
           && again->last_seen == seen, "nor with the same device type");
    }

    ok(eas_state_device(st2, "iPad", &again) == APR_SUCCESS
       && !strcmp(again->device_type, "iPad"), "a new device type is taken");
    d = *again;
    d.info = NULL;
    d.ping_cache = d.sync_cache = d.policy_hash = NULL;
    ok(eas_state_device_put(st2, &d) == APR_SUCCESS, "caches cleared");
    ok(eas_state_device(st2, NULL, &again) == APR_SUCCESS
       && !again->ping_cache && !again->sync_cache && !again->policy_hash
       && apr_is_empty_table(again->info), "and read back as none");
    apr_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* sync keys                                                           */
/* ------------------------------------------------------------------ */

static void test_sync(apr_dbd_t *h)
{
    eas_state_t *st = open_st(pool, h, "alice", "DEV1");
    const char *s, *c = "5";
    char *big = big_text(400000, 11);
    char *longkey = apr_pstrcat(pool, big_text(EAS_SYNCKEY_MAX, 1), "x", NULL);
    apr_status_t rv;

    longkey[0] = 'k';
    s = snap_of(st, c, "1", &rv);
    is_int(rv, APR_ENOENT, "unknown key");
    ok(eas_state_sync_put(st, c, NULL, "1", "snap one") == APR_SUCCESS,
       "first key (after SyncKey 0): %s", eas_state_error(st));
    s = snap_of(st, c, "1", &rv);
    is_str(s, "snap one", "its snapshot");
    ok(eas_state_sync_put(st, c, "1", "2", "snap two") == APR_SUCCESS,
       "second key");
    is_str(snap_of(st, c, "1", &rv), "snap one", "previous key kept");
    is_str(snap_of(st, c, "2", &rv), "snap two", "new key");
    ok(eas_state_sync_put(st, c, "2", "3", "snap three") == APR_SUCCESS,
       "third key");
    snap_of(st, c, "1", &rv);
    is_int(rv, APR_ENOENT, "older keys dropped");
    /* The answer that carried 3 was lost: the client repeats 2. */
    is_str(snap_of(st, c, "2", &rv), "snap two", "repeated key answered");
    ok(eas_state_sync_put(st, c, "2", "4", "snap four") == APR_SUCCESS,
       "new key from the repeated one");
    snap_of(st, c, "3", &rv);
    is_int(rv, APR_ENOENT, "the lost key is gone");
    is_str(snap_of(st, c, "2", &rv), "snap two", "repeated key still kept");
    is_str(snap_of(st, c, "4", &rv), "snap four", "newest key");
    ok(eas_state_sync_put(st, c, "4", "4", "snap four bis") == APR_SUCCESS,
       "same key again");
    is_str(snap_of(st, c, "4", &rv), "snap four bis", "replaced");
    snap_of(st, c, "2", &rv);
    is_int(rv, APR_ENOENT, "only that key left");

    ok(eas_state_sync_put(st, c, "4", "5", big) == APR_SUCCESS,
       "400 KB snapshot");
    is_str(snap_of(st, c, "5", &rv), big, "round-trips");
    is_int(eas_state_sync_put(st, c, "5", longkey, "x"), APR_EINVAL,
           "key over EAS_SYNCKEY_MAX refused");
    is_str(snap_of(st, c, "5", &rv), big, "nothing changed then");

    ok(eas_state_sync_put(st, EAS_STATE_HIERARCHY, NULL, "h1",
                          "folders") == APR_SUCCESS, "hierarchy key");
    ok(eas_state_sync_put(st, "7", NULL, "1", "other folder") == APR_SUCCESS,
       "another collection");
    ok(eas_state_sync_reset(st, c) == APR_SUCCESS, "reset collection");
    snap_of(st, c, "5", &rv);
    is_int(rv, APR_ENOENT, "its keys are gone");
    is_str(snap_of(st, "7", "1", &rv), "other folder", "not the others'");
    ok(eas_state_sync_put(st, c, NULL, "1", "again") == APR_SUCCESS,
       "collection starts over");
    ok(eas_state_sync_reset_all(st) == APR_SUCCESS, "reset all");
    snap_of(st, "7", "1", &rv);
    is_int(rv, APR_ENOENT, "every collection gone");
    snap_of(st, c, "1", &rv);
    is_int(rv, APR_ENOENT, "this one too");
    is_str(snap_of(st, EAS_STATE_HIERARCHY, "h1", &rv), "folders",
           "hierarchy kept");
}

/* ------------------------------------------------------------------ */
/* ClientIds of sent messages                                          */
/* ------------------------------------------------------------------ */

static const char *cid_rows(apr_dbd_t *h, const char *dev)
{
    return value(h, pool, "SELECT COUNT(*) FROM eas_clientid "
                 "WHERE username = 'carol' AND device_id = %s", dev);
}

static void test_clientid(apr_dbd_t *h)
{
    eas_state_t *st = open_st(pool, h, "carol", "PHONE");
    eas_state_t *other_dev = open_st(pool, h, "carol", "TABLET");
    eas_state_t *other_user = open_st(pool, h, "dave", "PHONE");
    char *longest = big_text(EAS_CLIENTID_MAX, 5);
    int i, bad = 0;

    is_int(eas_state_clientid_seen(st, "c1"), APR_ENOENT, "clientid: unknown");
    ok(eas_state_clientid_put(st, "c1") == APR_SUCCESS, "clientid: kept: %s",
       eas_state_error(st));
    is_int(eas_state_clientid_seen(st, "c1"), APR_SUCCESS,
           "clientid: found again");
    is_int(eas_state_clientid_seen(st, "C1"), APR_ENOENT,
           "clientid: compared exactly");
    is_int(eas_state_clientid_seen(other_dev, "c1"), APR_ENOENT,
           "clientid: not the user's other device's");
    is_int(eas_state_clientid_seen(other_user, "c1"), APR_ENOENT,
           "clientid: not another user's");
    ok(eas_state_clientid_put(st, "c1") == APR_SUCCESS,
       "clientid: kept twice");
    is_str(cid_rows(h, "PHONE"), "1", "clientid: as one row");
    ok(eas_state_clientid_put(st, longest) == APR_SUCCESS
       && eas_state_clientid_seen(st, longest) == APR_SUCCESS,
       "clientid: EAS_CLIENTID_MAX bytes");
    is_int(eas_state_clientid_put(st, apr_pstrcat(pool, longest, "x", NULL)),
           APR_EINVAL, "clientid: longer refused");
    is_int(eas_state_clientid_put(st, ""), APR_EINVAL, "clientid: empty refused");
    is_int(eas_state_clientid_seen(st, NULL), APR_EINVAL,
           "clientid: none refused");

    /* bounded by number: the newest EAS_CLIENTID_KEEP of the device */
    ok(eas_state_clientid_put(other_dev, "tablet-1") == APR_SUCCESS,
       "clientid: one on the other device");
    for (i = 0; i < EAS_CLIENTID_KEEP + 5; i++)
        bad += eas_state_clientid_put(st, apr_psprintf(pool, "n%d", i))
               != APR_SUCCESS;
    is_int(bad, 0, "clientid: %d more kept", EAS_CLIENTID_KEEP + 5);
    is_str(cid_rows(h, "PHONE"), apr_itoa(pool, EAS_CLIENTID_KEEP),
           "clientid: EAS_CLIENTID_KEEP rows left");
    ok(eas_state_clientid_seen(st, "c1") == APR_ENOENT
       && eas_state_clientid_seen(st, "n4") == APR_ENOENT,
       "clientid: the oldest went");
    ok(eas_state_clientid_seen(st, "n5") == APR_SUCCESS
       && eas_state_clientid_seen(st, apr_psprintf(pool, "n%d",
                                  EAS_CLIENTID_KEEP + 4)) == APR_SUCCESS,
       "clientid: the newest stayed");
    is_int(eas_state_clientid_seen(other_dev, "tablet-1"), APR_SUCCESS,
           "clientid: the other device's untouched");

    /* bounded by age */
    exec(h, apr_psprintf(pool, "INSERT INTO eas_clientid VALUES "
                         "('carol', 'TABLET', 'stale', %" APR_TIME_T_FMT ")",
                         apr_time_now() - EAS_CLIENTID_AGE
                         - apr_time_from_sec(60)));
    is_int(eas_state_clientid_seen(other_dev, "stale"), APR_ENOENT,
           "clientid: older than EAS_CLIENTID_AGE is not found");
    ok(eas_state_clientid_put(other_dev, "tablet-2") == APR_SUCCESS,
       "clientid: another one kept");
    is_str(cid_rows(h, "TABLET"), "2", "clientid: and the stale row dropped");
}

/* ------------------------------------------------------------------ */
/* isolation                                                           */
/* ------------------------------------------------------------------ */

static const char *const owners[][2] = {
    { "A", "dev1" }, { "B", "dev1" }, { "A", "dev2" }, { "a", "dev1" },
    { "A ", "dev1" }, { "a' OR 1=1 --", "dev1" }, { "%", "%" },
    { "_", "_" }, { "A", "dev1' OR '1'='1" }, { "A", "%" },
    { "A\\", "dev1" }, { "\xc3\x84nne", "dev1" },
};
#define N_OWNERS (sizeof(owners) / sizeof(owners[0]))

/* ------------------------------------------------------------------ */
/* the id map                                                          */
/* ------------------------------------------------------------------ */

static const char *idmap_id(eas_state_t *st, const char *ns,
                            const char *native, int create)
{
    const char *id = NULL;
    apr_status_t rv = eas_state_idmap_id(st, ns, native, create, &id, pool);

    return rv == APR_SUCCESS ? id : rv == APR_ENOENT ? "ENOENT" : "error";
}

static const char *idmap_native(eas_state_t *st, const char *ns,
                                const char *id)
{
    const char *n = NULL;

    return eas_state_idmap_native(st, ns, id, &n, pool) == APR_SUCCESS
           ? n : "ENOENT";
}

static eas_state_t *own_st(apr_pool_t *p, const char *user, const char *dev);

/* A child maps the same twenty natives as its siblings, in its order. */
static int child_idmap(apr_pool_t *p, int i)
{
    eas_state_t *st = own_st(p, "dora", apr_psprintf(p, "dev%d", i));
    const char *id;
    int k, good = st != NULL;

    for (k = 0; good && k < 20; k++) {
        const char *nat = apr_psprintf(p, "/dav/dora/cal/%d.ics",
                                       i % 2 ? k : 19 - k);
        good = eas_state_idmap_id(st, "dav:i:1", nat, 1, &id, p)
               == APR_SUCCESS;
    }
    return good;
}

static void test_idmap(apr_dbd_t *h)
{
    eas_state_t *a = open_st(pool, h, "erin", "PHONE");
    eas_state_t *a2 = open_st(pool, h, "erin", "TABLET");
    eas_state_t *b = open_st(pool, h, "frank", "PHONE");
    const char *ns = "dav:c";

    is_str(idmap_id(a, ns, "/dav/erin/cal/", 0), "ENOENT",
           "id map: unknown native without create");
    is_str(idmap_id(a, ns, "/dav/erin/cal/", 1), "1", "first id is 1");
    is_str(idmap_id(a, ns, "/dav/erin/books/", 1), "2", "next is 2");
    is_str(idmap_id(a2, ns, "/dav/erin/cal/", 1), "1",
           "the user's other device sees the same id");
    is_str(idmap_native(a2, ns, "2"), "/dav/erin/books/", "and back");
    is_str(idmap_id(b, ns, "/dav/erin/cal/", 0), "ENOENT",
           "another user does not see it");
    is_str(idmap_native(b, ns, "1"), "ENOENT", "nor by id");
    is_str(idmap_id(b, ns, "/dav/frank/cal/", 1), "1",
           "another user's ids are his own");
    is_str(idmap_id(a, "dav:i:1", "/dav/erin/cal/", 1), "1",
           "name spaces are apart");
    is_str(idmap_native(a, ns, "0"), "ENOENT", "the counter is no id");
    is_str(idmap_native(a, ns, "x1"), "ENOENT", "a malformed id: none");
    {
        apr_hash_t *all = NULL;
        ok(eas_state_idmap_all(a, ns, &all, pool) == APR_SUCCESS
           && apr_hash_count(all) == 2
           && !strcmp(apr_hash_get(all, "/dav/erin/books/",
                                   APR_HASH_KEY_STRING), "2"),
           "all mappings of a name space at once, without the counter");
    }
    ok(eas_state_idmap_forget(a, ns, "/dav/erin/cal/") == APR_SUCCESS,
       "forget one");
    is_str(idmap_native(a, ns, "1"), "ENOENT", "forgotten");
    is_str(idmap_id(a, ns, "/dav/erin/cal/", 1), "3",
           "mapped again: a new id, never the old one");
    ok(eas_state_idmap_rename(a, ns, "/dav/erin/books/", "/dav/erin/b2/")
       == APR_SUCCESS, "rename a native");
    is_str(idmap_id(a, ns, "/dav/erin/b2/", 0), "2", "it keeps its id");
    is_str(idmap_id(a, ns, "/dav/erin/books/", 0), "ENOENT",
           "the old native is gone");
    ok(eas_state_idmap_rename(b, ns, "/dav/erin/b2/", "/x/") == APR_ENOENT,
       "another user cannot rename it");
    is_str(idmap_native(a, ns, "2"), "/dav/erin/b2/", "still the user's");
    ok(eas_state_idmap_rename(a, ns, "/dav/erin/cal/", "/dav/erin/b2/")
       == APR_SUCCESS && !strcmp(idmap_id(a, ns, "/dav/erin/b2/", 0), "3"),
       "a rename onto a mapped native replaces its mapping");
    ok(eas_state_idmap_forget(a, ns, NULL) == APR_SUCCESS, "forget all");
    is_str(idmap_native(a, ns, "2"), "ENOENT", "all gone");
    is_str(idmap_id(a, ns, "/x", 1), "4", "the counter stays");
    is_str(idmap_id(a, ns, "", 1), "error", "an empty native is refused");
    is_int(in_children(4, child_idmap), 0,
           "four processes map the same natives at once");
    {
        eas_state_t *d = open_st(pool, h, "dora", "CHECK");
        int k, bad = 0;
        apr_hash_t *ids = apr_hash_make(pool);

        for (k = 0; k < 20; k++) {
            const char *id = idmap_id(d, "dav:i:1", apr_psprintf(
                                          pool, "/dav/dora/cal/%d.ics", k), 0);
            bad += !apr_isdigit(*id) || apr_hash_get(ids, id,
                                                     APR_HASH_KEY_STRING);
            apr_hash_set(ids, id, APR_HASH_KEY_STRING, id);
        }
        is_int(bad, 0, "each native one id, no id twice");
    }
}

/* Many natives at once: one reservation of numbers, chunked
   transactions, the same ids the one-by-one path would give. */
static void test_idmap_many(apr_dbd_t *h)
{
    eas_state_t *g = open_st(pool, h, "gina", "PHONE");
    const char *ns = "dav:i:7";
    apr_array_header_t *nat = apr_array_make(pool, 1201, sizeof(char *));
    apr_hash_t *known = NULL, *seen = apr_hash_make(pool);
    int k, bad = 0;

    is_str(idmap_id(g, ns, "/g/0.vcf", 1), "1", "many: one mapped before");
    for (k = 0; k < 1201; k++)
        APR_ARRAY_PUSH(nat, const char *) = apr_psprintf(pool, "/g/%d.vcf",
                                                         k);
    ok(eas_state_idmap_all(g, ns, &known, pool) == APR_SUCCESS
       && eas_state_idmap_ids(g, ns, nat, known, pool) == APR_SUCCESS,
       "1,200 new natives mapped in one go");
    is_int((int)apr_hash_count(known), 1201, "every native has an id");
    is_str(apr_hash_get(known, "/g/0.vcf", APR_HASH_KEY_STRING), "1",
           "the one mapped before keeps its id");
    for (k = 1; k < 1201; k++) {
        const char *id = apr_hash_get(known, APR_ARRAY_IDX(nat, k, char *),
                                      APR_HASH_KEY_STRING);
        bad += !id || atoi(id) < 2 || atoi(id) > 1201
               || apr_hash_get(seen, id, APR_HASH_KEY_STRING);
        if (id)
            apr_hash_set(seen, id, APR_HASH_KEY_STRING, id);
    }
    is_int(bad, 0, "new ids 2 to 1201, none twice");
    is_str(idmap_native(g, ns, apr_hash_get(known, "/g/700.vcf",
                                            APR_HASH_KEY_STRING)),
           "/g/700.vcf", "a batch id maps back");
    is_str(idmap_id(g, ns, "/g/700.vcf", 0),
           apr_hash_get(known, "/g/700.vcf", APR_HASH_KEY_STRING),
           "and one by one finds it");
    ok(eas_state_idmap_ids(g, ns, nat, known, pool) == APR_SUCCESS,
       "all known: nothing to do");
    is_str(idmap_id(g, ns, "/g/new.vcf", 1), "1202",
           "the counter moved past the batch, no further");
    APR_ARRAY_PUSH(nat, const char *) = "";
    known = apr_hash_make(pool);
    ok(eas_state_idmap_ids(g, ns, nat, known, pool) == APR_EINVAL
       && apr_hash_count(known) == 0, "an empty native refuses the batch");
    is_str(idmap_id(g, ns, "/g/next.vcf", 1), "1203",
           "and took no number");
}

static void test_isolation(apr_dbd_t *h)
{
    eas_state_t *st[N_OWNERS];
    eas_device_t *dev;
    const char *s;
    apr_status_t rv;
    unsigned i, good = 0, rows = 0;

    for (i = 0; i < N_OWNERS; i++) {
        const char *snap = apr_psprintf(pool, "snap-%u", i);

        st[i] = open_st(pool, h, owners[i][0], owners[i][1]);
        if (st[i] && eas_state_device(st[i], "T", &dev) == APR_SUCCESS) {
            dev->policy_key = i + 1;
            if (eas_state_device_put(st[i], dev) == APR_SUCCESS
                && eas_state_sync_put(st[i], "c", NULL, "1", snap)
                   == APR_SUCCESS
                && eas_state_sync_put(st[i], "d", NULL, "1", snap)
                   == APR_SUCCESS)
                good++;
        }
    }
    is_int(good, N_OWNERS, "%u handles, hostile names among them, write",
           (unsigned)N_OWNERS);
    for (good = 0, i = 0; i < N_OWNERS; i++) {
        s = snap_of(st[i], "c", "1", &rv);
        if (s && !strcmp(s, apr_psprintf(pool, "snap-%u", i))
            && eas_state_device(st[i], NULL, &dev) == APR_SUCCESS
            && dev->policy_key == i + 1)
            good++;
        else
            tap_diag("owner %u (%s/%s) saw %s", i, owners[i][0],
                     owners[i][1], s ? s : "nothing");
    }
    is_int(good, N_OWNERS, "each reads its own device row and snapshot");

    ok(eas_state_sync_put(st[0], "only", NULL, "k", "A/dev1 only")
       == APR_SUCCESS, "a key only A/dev1 has");
    for (good = 0, i = 1; i < N_OWNERS; i++)
        if (snap_of(st[i], "only", "k", &rv) == NULL && rv == APR_ENOENT)
            good++;
    is_int(good, N_OWNERS - 1, "no other handle finds it");

    /* "%" and "_" are LIKE wildcards; hostile quotes would widen a WHERE. */
    ok(eas_state_sync_reset_all(st[6]) == APR_SUCCESS
       && eas_state_sync_reset(st[7], "c") == APR_SUCCESS
       && eas_state_sync_reset_all(st[5]) == APR_SUCCESS
       && eas_state_sync_reset(st[8], "d") == APR_SUCCESS,
       "hostile handles reset their keys");
    for (good = 0, i = 0; i < N_OWNERS; i++) {
        int c_gone = i == 6 || i == 7 || i == 5;
        int d_gone = i == 6 || i == 5 || i == 8;

        snap_of(st[i], "c", "1", &rv);
        good += (rv == APR_ENOENT) == c_gone;
        snap_of(st[i], "d", "1", &rv);
        good += (rv == APR_ENOENT) == d_gone;
    }
    is_int(good, 2 * N_OWNERS, "only their own keys went");
    s = value(h, pool, "SELECT COUNT(*) FROM eas_synckey WHERE username = %s",
              "A");
    for (i = 0; i < N_OWNERS; i++)
        if (!strcmp(owners[i][0], "A"))
            rows += 2 + (i == 0) - (i == 8);
    is_str(s, apr_itoa(pool, rows), "rows of user A counted directly");
    s = value(h, pool, "SELECT COUNT(*) FROM eas_device WHERE username = %s",
              "a' OR 1=1 --");
    is_str(s, "1", "the hostile user name is stored as given");
}

/* ------------------------------------------------------------------ */
/* statement caching, schema changes, errors                           */
/* ------------------------------------------------------------------ */

static void test_cached(apr_dbd_t *h)
{
    apr_pool_t *cp, *p1, *p2;
    apr_hash_t *cache, *fresh;
    eas_state_t *st;
    const char *err = NULL, *s;
    apr_status_t rv;
    unsigned n;

    apr_pool_create(&cp, pool);
    cache = apr_hash_make(cp);
    apr_pool_create(&p1, pool);
    ok(eas_state_open_cached(&st, p1, drv, h, cache, cp, "carol", "D",
                             &err) == APR_SUCCESS, "cached handle");
    ok(eas_state_sync_put(st, "c", NULL, "1", "one") == APR_SUCCESS
       && snap_of(st, "c", "1", &rv) != NULL, "used");
    n = apr_hash_count(cache);
    ok(n >= 3, "statements kept in the caller's hash (%u)", n);
    apr_pool_destroy(p1);

    apr_pool_create(&p2, pool);
    ok(eas_state_open_cached(&st, p2, drv, h, cache, cp, "carol", "D",
                             &err) == APR_SUCCESS
       && eas_state_sync_put(st, "c", "1", "2", "two") == APR_SUCCESS
       && snap_of(st, "c", "2", &rv) != NULL, "a second handle reuses them");
    is_int(apr_hash_count(cache), n, "without preparing again");

    /* A lost cache on a live connection: the names exist on PostgreSQL. */
    fresh = apr_hash_make(p2);
    ok(eas_state_open_cached(&st, p2, drv, h, fresh, p2, "carol", "D",
                             &err) == APR_SUCCESS, "a new cache");
    rv = eas_state_sync_put(st, "c", "2", "3", "three");
    s = snap_of(st, "c", "3", &rv);
    ok(s && !strcmp(s, "three"), "on the same connection works: %s",
       eas_state_error(st));

    /* Another connection changes the schema under the cached statements. */
    ok(eas_state_open_cached(&st, p2, drv, h, cache, cp, "carol", "D",
                             &err) == APR_SUCCESS, "cached handle again");
    {
        apr_pool_t *op;
        apr_dbd_t *other;

        apr_pool_create(&op, pool);
        other = conn(op);
        ok(other && exec(other, "CREATE TABLE eas_test_extra (a INTEGER)")
           == 0 && exec(other, "DROP TABLE eas_test_extra") == 0,
           "another connection changes the schema");
        apr_pool_destroy(op);
    }
    s = snap_of(st, "c", "3", &rv);
    ok(s != NULL, "statements still run: %s", eas_state_error(st));
    ok(eas_state_sync_put(st, "c", "3", "4", "four") == APR_SUCCESS,
       "and write");
    apr_pool_destroy(p2);
    apr_pool_destroy(cp);
}

static void test_sqlite_busy(apr_dbd_t *h)
{
    apr_pool_t *p;
    apr_dbd_t *blocker;
    eas_state_t *st;
    apr_status_t rv;

    apr_pool_create(&p, pool);
    blocker = conn(p);
    st = open_st(p, h, "dave", "D");
    ok(eas_state_sync_put(st, "c", NULL, "1", "one") == APR_SUCCESS,
       "written before");
    ok(blocker && exec(blocker, "BEGIN IMMEDIATE") == 0,
       "another connection holds the write lock");
    eas_state_busy_timeout(st, 0);
    rv = eas_state_sync_put(st, "c", "1", "2", "two");
    ok(rv != APR_SUCCESS && rv != APR_ENOENT,
       "a write fails with an error status: %s", eas_state_error(st));
    is_str(snap_of(st, "c", "1", &rv), "one", "reading goes on (WAL)");
    exec(blocker, "ROLLBACK");
    ok(eas_state_sync_put(st, "c", "1", "2", "two") == APR_SUCCESS,
       "writes again once it is released");
    apr_pool_destroy(p);
}

static void test_sqlite_garbage(void)
{
    apr_pool_t *p;
    apr_file_t *f;
    const char *path = apr_pstrcat(pool, tmpdir, "/garbage.db", NULL);
    const char *saved = params, *err = NULL;
    char junk[8192];
    apr_size_t n = sizeof(junk);
    apr_dbd_t *h;

    memset(junk, 'x', sizeof(junk));
    apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE,
                  APR_FPROT_UREAD | APR_FPROT_UWRITE, pool);
    apr_file_write(f, junk, &n);
    apr_file_close(f);
    apr_pool_create(&p, pool);
    params = path;
    h = conn(p);
    ok(h && eas_state_migrate(p, drv, h, &err) != APR_SUCCESS,
       "a file that is no database: error status");
    ok(err && *err, "with a reason: %s", err ? err : "");
    params = saved;
    apr_pool_destroy(p);
}

static void test_pg_connection_lost(apr_dbd_t *h)
{
    apr_pool_t *p;
    apr_dbd_t *victim;
    eas_state_t *st, *other;
    const char *pid;
    apr_status_t rv;

    apr_pool_create(&p, pool);
    victim = conn(p);
    if (!victim)
        return;
    st = open_st(p, victim, "erin", "D");
    ok(eas_state_sync_put(st, "c", NULL, "1", "one") == APR_SUCCESS,
       "written");
    pid = value(victim, p, "SELECT pg_backend_pid()", NULL);
    ok(pid && exec(h, apr_psprintf(p, "SELECT pg_terminate_backend(%d)",
                                   atoi(pid))) == 0,
       "the server ends that connection");
    if (snap_of(st, "c", "1", &rv))
        rv = APR_SUCCESS;
    ok(rv != APR_SUCCESS && rv != APR_ENOENT,
       "a read fails with an error status: %s", eas_state_error(st));
    rv = eas_state_lock_wait(st, 0);
    ok(rv != APR_SUCCESS, "locking fails too: %s", eas_state_error(st));
    other = open_st(p, h, "erin", "D");
    ok(eas_state_lock_wait(other, 0) == APR_SUCCESS,
       "and has not kept the host lock");
    eas_state_unlock(other);
    apr_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* locks                                                               */
/* ------------------------------------------------------------------ */

/* A handle on its own connection, in p. */
static eas_state_t *own_st(apr_pool_t *p, const char *user, const char *dev)
{
    apr_dbd_t *h = conn(p);

    return h ? open_st(p, h, user, dev) : NULL;
}

typedef struct {
    apr_status_t same, other_dev, other_user;
} probe_t;

static void *APR_THREAD_FUNC probe_thread(apr_thread_t *t, void *data)
{
    probe_t *r = data;
    apr_pool_t *p;
    eas_state_t *st;

    apr_pool_create(&p, NULL);
    r->same = r->other_dev = r->other_user = APR_EGENERAL;
    if ((st = own_st(p, "A", "dev1")))
        r->same = eas_state_lock_wait(st, 0);
    if ((st = own_st(p, "A", "dev2")))
        r->other_dev = eas_state_lock_wait(st, 0);
    if ((st = own_st(p, "B", "dev1")))
        r->other_user = eas_state_lock_wait(st, 0);
    apr_pool_destroy(p);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

/* One read-modify-write of a counter in the device row, under the lock. */
static int count_once(eas_state_t *st, apr_pool_t *p)
{
    eas_device_t *dev;
    int ok;

    if (eas_state_lock(st) != APR_SUCCESS
        || eas_state_device(st, NULL, &dev) != APR_SUCCESS)
        return 0;
    dev->sync_cache = apr_itoa(p, (dev->sync_cache ? atoi(dev->sync_cache)
                                                   : 0) + 1);
    ok = eas_state_device_put(st, dev) == APR_SUCCESS;
    eas_state_unlock(st);
    return ok;
}

static int count_rounds(apr_pool_t *p)
{
    eas_state_t *st = own_st(p, "counter", "C");
    int i, good = 0;

    for (i = 0; st && i < COUNTER_ROUNDS; i++)
        good += count_once(st, p);
    return good == COUNTER_ROUNDS;
}

static void *APR_THREAD_FUNC count_thread(apr_thread_t *t, void *data)
{
    apr_pool_t *p;

    apr_pool_create(&p, NULL);
    *(int *)data = count_rounds(p);
    apr_pool_destroy(p);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static int child_count(apr_pool_t *p, int i)
{
    return count_rounds(p);
}

/* Writes of many devices at once, unlocked: the database copes. */
static int child_write(apr_pool_t *p, int i)
{
    eas_state_t *st = own_st(p, "writer", apr_itoa(p, i));
    const char *prev = NULL;
    eas_device_t *dev;
    int n;

    for (n = 0; st && n < COUNTER_ROUNDS; n++) {
        const char *key = apr_itoa(p, n + 1);

        if (eas_state_sync_put(st, "c", prev, key, big_text(2000, n))
            != APR_SUCCESS
            || eas_state_device(st, "T", &dev) != APR_SUCCESS) {
            printf("# writer %d: %s\n", i, eas_state_error(st));
            return 0;
        }
        prev = key;
    }
    return st != NULL;
}

static void test_writers(void)
{
    is_int(in_children(2 * COUNTER_WORKERS, child_write), 0,
           "%d processes write their devices at once without an error",
           2 * COUNTER_WORKERS);
}

static const char *counter_value(apr_dbd_t *h)
{
    return value(h, pool, "SELECT sync_cache FROM eas_device "
                 "WHERE username = %s", "counter");
}

/* In a child: is (A, dev1) locked, seen from this host or another? */
static int child_probe(apr_pool_t *p, int other_host)
{
    eas_state_t *st;
    apr_status_t rv;
    int want_free = other_host && !pgsql;

    if (other_host
        && eas_state_lock_init(apr_pstrcat(p, tmpdir, "/other-host.lock",
                                           NULL)) != APR_SUCCESS)
        return 0;
    st = own_st(p, "A", "dev1");
    if (!st)
        return 0;
    rv = eas_state_lock_wait(st, 0);
    if (want_free ? rv != APR_SUCCESS : rv != APR_TIMEUP) {
        printf("# probe (other host %d): %d %s\n", other_host, rv,
               eas_state_error(st));
        return 0;
    }
    st = own_st(p, "A", "dev2");
    return st && eas_state_lock_wait(st, 0) == APR_SUCCESS;
}

static void test_lock_init(apr_dbd_t *h)
{
    eas_state_t *st = open_st(pool, h, "A", "dev1");

    is_int(eas_state_lock(st), APR_EINIT, "no lock before eas_state_lock_init");
    ok(eas_state_lock_init(apr_pstrcat(pool, tmpdir, "/state.lock", NULL))
       == APR_SUCCESS, "lock file");
}

static void test_locks(apr_dbd_t *h)
{
    apr_pool_t *p;
    eas_state_t *st, *st2;
    apr_thread_t *threads[COUNTER_WORKERS];
    int results[COUNTER_WORKERS];
    probe_t probe;
    apr_status_t trv;
    int i, good;

    /* Two handles in one thread: the lock belongs to the handle. */
    apr_pool_create(&p, pool);
    st = own_st(p, "A", "dev1");
    st2 = own_st(pool, "A", "dev1");
    ok(st && eas_state_lock(st) == APR_SUCCESS, "locked");
    ok(eas_state_lock(st) == APR_SUCCESS, "locking again is harmless");
    is_int(eas_state_lock_wait(st2, 0), APR_TIMEUP,
           "another handle on the device waits in vain");
    ok(strstr(eas_state_error(st2), "locked"), "saying why: %s",
       eas_state_error(st2));
    apr_pool_destroy(p);
    ok(eas_state_lock_wait(st2, 0) == APR_SUCCESS,
       "destroying the holder's pool released it");
    eas_state_unlock(st2);
    eas_state_unlock(st2);

    /* Threads. */
    st = own_st(pool, "A", "dev1");
    ok(eas_state_lock(st) == APR_SUCCESS, "main thread holds A/dev1");
    apr_thread_create(&threads[0], NULL, probe_thread, &probe, pool);
    apr_thread_join(&trv, threads[0]);
    is_int(probe.same, APR_TIMEUP, "another thread cannot take it");
    is_int(probe.other_dev, APR_SUCCESS, "but locks A/dev2");
    is_int(probe.other_user, APR_SUCCESS, "and B/dev1");

    /* Processes: this host, then another host sharing the database. */
    is_int(in_children(1, child_probe), 0,
           "a child process cannot take it either, but locks A/dev2");
    {
        int failed;

        fflush(stdout);
        if (fork() == 0) {
            apr_pool_t *cp;

            int good;

            apr_pool_create(&cp, NULL);
            good = child_probe(cp, 1);
            fflush(stdout);
            _exit(good ? 0 : 1);
        }
        failed = wait(&i) < 0 || !WIFEXITED(i) || WEXITSTATUS(i) != 0;
        ok(!failed, pgsql ? "another host is kept out by the advisory lock"
                          : "another host's lock file is its own (SQLite)");
    }
    eas_state_unlock(st);
    apr_thread_create(&threads[0], NULL, probe_thread, &probe, pool);
    apr_thread_join(&trv, threads[0]);
    is_int(probe.same, APR_SUCCESS, "released: another thread takes it");

    /* Read-modify-write under the lock loses no update. */
    for (i = 0; i < COUNTER_WORKERS; i++)
        apr_thread_create(&threads[i], NULL, count_thread, &results[i], pool);
    for (good = 0, i = 0; i < COUNTER_WORKERS; i++) {
        apr_thread_join(&trv, threads[i]);
        good += results[i];
    }
    is_int(good, COUNTER_WORKERS, "%d threads counted %d times each",
           COUNTER_WORKERS, COUNTER_ROUNDS);
    is_str(counter_value(h), apr_itoa(pool, COUNTER_WORKERS * COUNTER_ROUNDS),
           "no update lost between threads");
    is_int(in_children(COUNTER_WORKERS, child_count), 0,
           "%d processes counted", COUNTER_WORKERS);
    is_str(counter_value(h),
           apr_itoa(pool, 2 * COUNTER_WORKERS * COUNTER_ROUNDS),
           "no update lost between processes");
}

/* ------------------------------------------------------------------ */

static void cleanup_tmpdir(void)
{
    const char *names[] = { "state.db", "state.db-wal", "state.db-shm",
                            "garbage.db", "state.lock", "other-host.lock" };
    unsigned i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        apr_file_remove(apr_pstrcat(pool, tmpdir, "/", names[i], NULL), pool);
    apr_dir_remove(tmpdir, pool);
}

int main(void)
{
    const char *pg = getenv("EAS_TEST_PGSQL");
    const char *err = NULL;
    apr_dbd_t *h;
    int rc;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    apr_dbd_init(pool);
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    pgsql = pg && *pg;
    params = pgsql ? pg : db_path();
    if (apr_dbd_get_driver(pool, pgsql ? "pgsql" : "sqlite3", &drv)
        != APR_SUCCESS) {
        printf("Bail out! apr_dbd driver %s not available\n",
               pgsql ? "pgsql" : "sqlite3");
        return 1;
    }
    tap_diag("driver %s", apr_dbd_name(drv));
    h = conn(pool);
    if (!h) {
        printf("Bail out! no database connection\n");
        return 1;
    }
    test_schema(h);
    test_migrate_v1(h);
    ok(migrate(h, &err), "schema ready: %s", err ? err : "");
    test_open_args(h);
    test_device(h);
    test_sync(h);
    test_clientid(h);
    test_idmap(h);
    test_idmap_many(h);
    test_isolation(h);
    test_cached(h);
    test_lock_init(h);
    test_writers();
    if (pgsql)
        test_pg_connection_lost(h);
    else {
        test_sqlite_busy(h);
        test_sqlite_garbage();
    }
    test_locks(h);
    rc = tap_done();
    cleanup_tmpdir();
    apr_pool_destroy(pool);
    apr_terminate();
    return rc;
}
