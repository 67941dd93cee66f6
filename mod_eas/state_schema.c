/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The schema and its migrations.  Version n's statements bring a database
 * from version n-1 to n; eas_schema_version has one row per version
 * applied.  The same DDL runs on SQLite and PostgreSQL.
 *
 * Several processes may start at once on an empty database: the whole
 * migration runs in one transaction that takes the write lock first
 * (BEGIN IMMEDIATE on SQLite, a transaction-scoped advisory lock on
 * PostgreSQL), and the version is read again under that lock.
 */
#include <stdlib.h>

#include <apr_strings.h>

#include "state_internal.h"

/* Advisory lock key (class, object) of the migration on PostgreSQL. */
#define MIGRATE_LOCK "SELECT pg_advisory_xact_lock(1161909040, 0)"

static const char *const v1[] = {
    "CREATE TABLE eas_device ("
    " username TEXT NOT NULL,"
    " device_id TEXT NOT NULL,"
    " device_type TEXT NOT NULL DEFAULT '',"
    " policy_key BIGINT NOT NULL DEFAULT 0,"
    " pending_key BIGINT NOT NULL DEFAULT 0,"
    " policy_hash TEXT,"
    " wipe INTEGER NOT NULL DEFAULT 0,"
    " info TEXT NOT NULL DEFAULT '',"
    " ping_cache TEXT,"
    " sync_cache TEXT,"
    " first_seen BIGINT NOT NULL,"             /* apr_time_t, microseconds */
    " last_seen BIGINT NOT NULL,"
    " PRIMARY KEY (username, device_id))",
    "CREATE TABLE eas_synckey ("
    " username TEXT NOT NULL,"
    " device_id TEXT NOT NULL,"
    " collection TEXT NOT NULL,"
    " synckey TEXT NOT NULL,"
    " snapshot TEXT NOT NULL,"
    " created BIGINT NOT NULL,"
    " PRIMARY KEY (username, device_id, collection, synckey))",
    NULL
};

/* The ClientIds of recently sent messages (state_clientid.c). */
static const char *const v2[] = {
    "CREATE TABLE eas_clientid ("
    " username TEXT NOT NULL,"
    " device_id TEXT NOT NULL,"
    " client_id TEXT NOT NULL,"
    " created BIGINT NOT NULL,"
    " PRIMARY KEY (username, device_id, client_id))",
    NULL
};

/* The per-user id map (state_idmap.c); native '' holds the counter. */
static const char *const v3[] = {
    "CREATE TABLE eas_idmap ("
    " username TEXT NOT NULL,"
    " ns TEXT NOT NULL,"
    " native TEXT NOT NULL,"
    " id BIGINT NOT NULL,"
    " PRIMARY KEY (username, ns, native))",
    "CREATE INDEX eas_idmap_by_id ON eas_idmap (username, ns, id)",
    /* Items a device added through Sync, by its ClientId. */
    "CREATE TABLE eas_clientadd ("
    " username TEXT NOT NULL,"
    " device_id TEXT NOT NULL,"
    " collection TEXT NOT NULL,"
    " client_id TEXT NOT NULL,"
    " item TEXT NOT NULL,"
    " created BIGINT NOT NULL,"
    " PRIMARY KEY (username, device_id, collection, client_id))",
    NULL
};

/* migrations[n]: the statements of version n. */
static const char *const *const migrations[] = { NULL, v1, v2, v3 };

#if EAS_STATE_SCHEMA + 1 != 4
#error "a schema version without its migration"
#endif

static const eas_stmt_t current_version = {
    "eas_schema_current", "SELECT MAX(version) FROM eas_schema_version"
};

/* The applied version, 0 for none; fails if the table is missing. */
static apr_status_t read_version(eas_state_t *st, int *version)
{
    apr_dbd_results_t *res;
    apr_dbd_row_t *row = NULL;
    const char *v;
    apr_status_t rv;

    rv = eas_stmt_select_raw(st, &current_version, st->pool, &res, 0, NULL);
    if (rv != APR_SUCCESS)
        return rv;
    if (!eas_row_next(st, st->pool, res, &row)) {
        st->err = "eas_schema_version: no result";
        return APR_EGENERAL;
    }
    v = eas_row_text(st, row, 0);
    *version = v ? atoi(v) : 0;
    while (eas_row_next(st, st->pool, res, &row))
        ;
    return APR_SUCCESS;
}

static apr_status_t too_new(eas_state_t *st, int version)
{
    st->err = apr_psprintf(st->pool, "the state database has schema "
                           "version %d, newer than this module's %d: "
                           "upgrade mod_eas", version, EAS_STATE_SCHEMA);
    return APR_EGENERAL;
}

static apr_status_t apply(eas_state_t *st, int version)
{
    const char *const *sql;
    apr_status_t rv;

    for (sql = migrations[version]; *sql; sql++) {
        rv = eas_state_exec(st, *sql);
        if (rv != APR_SUCCESS)
            return rv;
    }
    return eas_state_exec(st, apr_psprintf(st->pool,
        "INSERT INTO eas_schema_version (version, applied) "
        "VALUES (%d, %" APR_TIME_T_FMT ")", version, apr_time_now()));
}

/* WAL lets readers go on while one process writes (kept in the file). */
static apr_status_t sqlite_wal(eas_state_t *st)
{
    apr_dbd_results_t *res;
    apr_dbd_row_t *row = NULL;
    apr_status_t rv;

    rv = eas_state_select_sql(st, st->pool, "PRAGMA journal_mode=WAL", &res);
    while (rv == APR_SUCCESS && eas_row_next(st, st->pool, res, &row))
        ;
    return rv;
}

static apr_status_t migrate_locked(eas_state_t *st)
{
    apr_dbd_results_t *res;
    apr_dbd_row_t *row = NULL;
    apr_status_t rv;
    int version, v;

    if (st->pgsql) {
        rv = eas_state_select_sql(st, st->pool, MIGRATE_LOCK, &res);
        if (rv != APR_SUCCESS)
            return rv;
        while (eas_row_next(st, st->pool, res, &row))
            ;
    }
    rv = eas_state_exec(st, "CREATE TABLE IF NOT EXISTS eas_schema_version ("
                        " version INTEGER PRIMARY KEY,"
                        " applied BIGINT NOT NULL)");
    if (rv == APR_SUCCESS)
        rv = read_version(st, &version);
    if (rv != APR_SUCCESS)
        return rv;
    if (version > EAS_STATE_SCHEMA)
        return too_new(st, version);
    for (v = version + 1; v <= EAS_STATE_SCHEMA && rv == APR_SUCCESS; v++)
        rv = apply(st, v);
    return rv;
}

apr_status_t eas_state_migrate(apr_pool_t *p, const apr_dbd_driver_t *drv,
                               apr_dbd_t *h, const char **err)
{
    apr_pool_t *tmp;
    eas_state_t *st;
    apr_status_t rv;
    int version;

    if (err)
        *err = NULL;
    apr_pool_create(&tmp, p);
    st = eas_state_bare(tmp, drv, h);
    /* The common case: already current, nothing locked or written. */
    rv = read_version(st, &version);
    if (rv == APR_SUCCESS && version == EAS_STATE_SCHEMA)
        goto done;
    if (rv == APR_SUCCESS && version > EAS_STATE_SCHEMA) {
        rv = too_new(st, version);
        goto done;
    }
    rv = st->pgsql ? APR_SUCCESS : sqlite_wal(st);
    if (rv == APR_SUCCESS)
        rv = eas_txn_begin(st);
    if (rv == APR_SUCCESS) {
        rv = migrate_locked(st);
        if (rv == APR_SUCCESS)
            rv = eas_txn_commit(st);
        else
            eas_txn_rollback(st);
    }
done:
    if (rv != APR_SUCCESS && err)
        *err = apr_pstrdup(p, eas_state_error(st));
    apr_pool_destroy(tmp);
    return rv;
}
