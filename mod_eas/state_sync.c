/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sync keys and the snapshot each stands for.
 *
 * A collection keeps at most two keys: the newest one handed out and the
 * one before it, which the client repeats when it never saw the answer
 * that carried the newest.  Writing a key drops every other one, in the
 * same transaction.
 */
#include <string.h>

#include <apr_strings.h>

#include "state_internal.h"

static const eas_stmt_t sync_get = {
    "eas_sync_get",
    "SELECT snapshot FROM eas_synckey"
    " WHERE username = %s AND device_id = %s AND collection = %s"
    " AND synckey = %s"
};

/* Keeps prev and new; with no prev, new is passed twice. */
static const eas_stmt_t sync_trim = {
    "eas_sync_trim",
    "DELETE FROM eas_synckey"
    " WHERE username = %s AND device_id = %s AND collection = %s"
    " AND synckey <> %s AND synckey <> %s"
};

static const eas_stmt_t sync_put = {
    "eas_sync_put",
    "INSERT INTO eas_synckey (username, device_id, collection, synckey,"
    " snapshot, created) VALUES (%s, %s, %s, %s, %pDt, %lld)"
    " ON CONFLICT (username, device_id, collection, synckey) DO UPDATE SET"
    " snapshot = excluded.snapshot, created = excluded.created"
};

static const eas_stmt_t sync_reset = {
    "eas_sync_reset",
    "DELETE FROM eas_synckey"
    " WHERE username = %s AND device_id = %s AND collection = %s"
};

static const eas_stmt_t sync_reset_all = {
    "eas_sync_reset_all",
    "DELETE FROM eas_synckey"
    " WHERE username = %s AND device_id = %s AND collection <> %s"
};

static const eas_stmt_t sync_keys = {
    "eas_sync_keys",
    "SELECT synckey FROM eas_synckey"
    " WHERE username = %s AND device_id = %s AND collection = %s"
    " ORDER BY created"
};

static apr_status_t bad_key(eas_state_t *st, const char *key)
{
    if (key && strlen(key) <= EAS_SYNCKEY_MAX)
        return APR_SUCCESS;
    st->err = key ? "SyncKey longer than EAS_SYNCKEY_MAX" : "no SyncKey";
    return APR_EINVAL;
}

apr_status_t eas_state_sync_get(eas_state_t *st, const char *collection,
                                const char *synckey, const char **snapshot,
                                apr_pool_t *p)
{
    const char *args[] = { collection, synckey };
    apr_dbd_results_t *res;
    apr_dbd_row_t *row = NULL;
    apr_status_t rv;

    *snapshot = NULL;
    if (!collection)
        return APR_EINVAL;
    rv = bad_key(st, synckey);
    if (rv == APR_SUCCESS)
        rv = eas_stmt_select(st, &sync_get, p, &res, 2, args);
    if (rv != APR_SUCCESS)
        return rv;
    if (!eas_row_next(st, p, res, &row))
        return APR_ENOENT;
    /* The key is unique: the row's text stays valid as long as p. */
    *snapshot = eas_row_text(st, row, 0);
    return *snapshot ? APR_SUCCESS : APR_ENOENT;
}

apr_status_t eas_state_sync_put(eas_state_t *st, const char *collection,
                                const char *prev_key, const char *new_key,
                                const char *snapshot)
{
    const char *keep = prev_key ? prev_key : new_key;
    const char *trim[] = { collection, keep, new_key };
    const char *put[] = { collection, new_key, snapshot,
                          apr_psprintf(st->pool, "%" APR_TIME_T_FMT,
                                       apr_time_now()) };
    apr_dbd_prepared_t *ps;
    apr_status_t rv;

    if (!collection || !snapshot)
        return APR_EINVAL;
    if ((rv = bad_key(st, new_key)) != APR_SUCCESS
        || (rv = bad_key(st, keep)) != APR_SUCCESS)
        return rv;
    /* Prepared first: a failed PREPARE would abort the transaction. */
    if ((rv = eas_stmt_prepare(st, &sync_trim, &ps)) != APR_SUCCESS
        || (rv = eas_stmt_prepare(st, &sync_put, &ps)) != APR_SUCCESS
        || (rv = eas_txn_begin(st)) != APR_SUCCESS)
        return rv;
    rv = eas_stmt_query(st, &sync_trim, NULL, 3, trim);
    if (rv == APR_SUCCESS)
        rv = eas_stmt_query(st, &sync_put, NULL, 4, put);
    if (rv != APR_SUCCESS) {
        const char *err = st->err;

        eas_txn_rollback(st);
        st->err = err;
        return rv;
    }
    return eas_txn_commit(st);
}

apr_status_t eas_state_sync_reset(eas_state_t *st, const char *collection)
{
    const char *args[] = { collection };

    if (!collection)
        return APR_EINVAL;
    return eas_stmt_query(st, &sync_reset, NULL, 1, args);
}

apr_status_t eas_state_sync_reset_all(eas_state_t *st)
{
    const char *args[] = { EAS_STATE_HIERARCHY };

    return eas_stmt_query(st, &sync_reset_all, NULL, 1, args);
}

apr_status_t eas_state_sync_keys(eas_state_t *st, const char *collection,
                                 apr_array_header_t **keys, apr_pool_t *p)
{
    const char *args[] = { collection };
    apr_dbd_results_t *res;
    apr_dbd_row_t *row = NULL;
    apr_status_t rv;

    *keys = apr_array_make(p, 2, sizeof(const char *));
    if (!collection)
        return APR_EINVAL;
    if ((rv = eas_stmt_select(st, &sync_keys, p, &res, 1, args)))
        return rv;
    while (eas_row_next(st, p, res, &row)) {
        const char *k = eas_row_text(st, row, 0);
        /* Copied: PostgreSQL frees a result's values at its end. */
        if (k)
            APR_ARRAY_PUSH(*keys, const char *) = apr_pstrdup(p, k);
    }
    return APR_SUCCESS;
}

apr_status_t eas_state_sync_update(eas_state_t *st, const char *collection,
                                   const char *synckey, const char *snapshot)
{
    const char *args[] = { collection, synckey, snapshot,
                           apr_psprintf(st->pool, "%" APR_TIME_T_FMT,
                                        apr_time_now()) };
    apr_status_t rv;

    if (!collection || !snapshot)
        return APR_EINVAL;
    if ((rv = bad_key(st, synckey)))
        return rv;
    /* The key was just listed: the upsert rewrites it in place. */
    return eas_stmt_query(st, &sync_put, NULL, 4, args);
}
