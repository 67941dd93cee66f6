/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-user id map (state.h): backends whose native ids do not fit
 * EAS ids (DAV hrefs, UIDs) keep short decimal ids here.
 *
 * Each name space has a counter in the row whose native is '': a new id
 * is the counter after one atomic increment (an upsert that returns the
 * value), so two requests of the user's devices never get the same one,
 * and no id is given twice even after its mapping was forgotten.  Two
 * requests mapping the same new native at once each take a number; the
 * first insert wins and both answer with its id.
 *
 * Many new natives at once (a first listing of a large collection) take
 * their numbers with one increment of the counter and are inserted in one
 * transaction: one commit (one sync of the database) instead of two per
 * native.
 */
#include <string.h>

#include <apr_strings.h>

#include "state_internal.h"

static const eas_stmt_t idmap_get = {
    "eas_idmap_get",
    "SELECT id FROM eas_idmap WHERE username = %s AND ns = %s"
    " AND native = %s"
};

static const eas_stmt_t idmap_native = {
    "eas_idmap_native",
    "SELECT native FROM eas_idmap WHERE username = %s AND ns = %s"
    " AND id = %lld AND native <> ''"
};

static const eas_stmt_t idmap_next = {
    "eas_idmap_next",
    "INSERT INTO eas_idmap (username, ns, native, id) VALUES (%s, %s, '', 1)"
    " ON CONFLICT (username, ns, native) DO UPDATE SET id = eas_idmap.id + 1"
    " RETURNING id"
};

static const eas_stmt_t idmap_reserve = {
    "eas_idmap_reserve",
    "INSERT INTO eas_idmap (username, ns, native, id) VALUES (%s, %s, '',"
    " %lld) ON CONFLICT (username, ns, native) DO UPDATE SET id ="
    " eas_idmap.id + %lld RETURNING id"
};

static const eas_stmt_t idmap_put = {
    "eas_idmap_put",
    "INSERT INTO eas_idmap (username, ns, native, id) VALUES (%s, %s, %s,"
    " %lld) ON CONFLICT (username, ns, native) DO NOTHING"
};

static const eas_stmt_t idmap_all = {
    "eas_idmap_all",
    "SELECT native, id FROM eas_idmap WHERE username = %s AND ns = %s"
    " AND native <> ''"
};

static const eas_stmt_t idmap_forget = {
    "eas_idmap_forget",
    "DELETE FROM eas_idmap WHERE username = %s AND ns = %s AND native = %s"
};

static const eas_stmt_t idmap_forget_ns = {
    "eas_idmap_forget_ns",
    "DELETE FROM eas_idmap WHERE username = %s AND ns = %s AND native <> ''"
};

/* Arguments in the order the statement names them, username first. */
static const eas_stmt_t idmap_rename = {
    "eas_idmap_rename",
    "WITH a(u, n, o, w) AS (VALUES (%s, %s, %s, %s))"
    " UPDATE eas_idmap SET native = (SELECT w FROM a)"
    " WHERE username = (SELECT u FROM a) AND ns = (SELECT n FROM a)"
    " AND native = (SELECT o FROM a)"
};

static apr_status_t bad_native(eas_state_t *st, const char *ns,
                               const char *native)
{
    if (!ns || !native || !*native || strlen(native) > EAS_IDMAP_NATIVE_MAX) {
        st->err = "id map: empty or oversized native id";
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

/* The first column of the first row of s, copied into p; APR_ENOENT if
   there is no row. */
static apr_status_t select_one(eas_state_t *st, const eas_stmt_t *s, int n,
                               const char **args, const char **out,
                               apr_pool_t *p)
{
    apr_dbd_results_t *res;
    apr_dbd_row_t *row = NULL;
    apr_status_t rv;

    *out = NULL;
    if ((rv = eas_stmt_user_select(st, s, st->pool, &res, n, args)))
        return rv;
    while (eas_row_next(st, st->pool, res, &row))
        if (!*out) {
            const char *v = eas_row_text(st, row, 0);
            *out = v ? apr_pstrdup(p, v) : NULL;
        }
    return *out ? APR_SUCCESS : APR_ENOENT;
}

apr_status_t eas_state_idmap_id(eas_state_t *st, const char *ns,
                                const char *native, int create,
                                const char **id, apr_pool_t *p)
{
    const char *args[3] = { ns, native, NULL }, *next;
    apr_status_t rv;

    if ((rv = bad_native(st, ns, native)) != APR_SUCCESS)
        return rv;
    rv = select_one(st, &idmap_get, 2, args, id, p);
    if (rv != APR_ENOENT || !create)
        return rv;
    if ((rv = select_one(st, &idmap_next, 1, args, &next, st->pool)))
        return rv == APR_ENOENT ? APR_EGENERAL : rv;
    args[2] = next;
    if ((rv = eas_stmt_user_query(st, &idmap_put, NULL, 3, args)))
        return rv;
    return select_one(st, &idmap_get, 2, args, id, p);
}

apr_status_t eas_state_idmap_native(eas_state_t *st, const char *ns,
                                    const char *id, const char **native,
                                    apr_pool_t *p)
{
    const char *args[2] = { ns, id };
    const char *c;

    for (c = id; c && *c >= '0' && *c <= '9'; c++)
        ;
    if (!ns || !id || !*id || *c || strlen(id) > 18)
        return APR_ENOENT;      /* never one of ours */
    return select_one(st, &idmap_native, 2, args, native, p);
}

apr_status_t eas_state_idmap_forget(eas_state_t *st, const char *ns,
                                    const char *native)
{
    const char *args[2] = { ns, native };

    if (!ns)
        return APR_EINVAL;
    if (!native)
        return eas_stmt_user_query(st, &idmap_forget_ns, NULL, 1, args);
    return eas_stmt_user_query(st, &idmap_forget, NULL, 2, args);
}

apr_status_t eas_state_idmap_rename(eas_state_t *st, const char *ns,
                                    const char *from, const char *to)
{
    const char *args[3] = { ns, from, to };
    apr_status_t rv;
    int n = 0;

    if ((rv = bad_native(st, ns, from)) || (rv = bad_native(st, ns, to)))
        return rv;
    if ((rv = eas_state_idmap_forget(st, ns, to)) != APR_SUCCESS
        || (rv = eas_stmt_user_query(st, &idmap_rename, &n, 3, args))
           != APR_SUCCESS)
        return rv;
    return n ? APR_SUCCESS : APR_ENOENT;
}

apr_status_t eas_state_idmap_all(eas_state_t *st, const char *ns,
                                 apr_hash_t **native_to_id, apr_pool_t *p)
{
    const char *args[1] = { ns };
    apr_dbd_results_t *res;
    apr_dbd_row_t *row = NULL;
    apr_status_t rv;

    *native_to_id = apr_hash_make(p);
    if (!ns)
        return APR_EINVAL;
    if ((rv = eas_stmt_user_select(st, &idmap_all, p, &res, 1, args)))
        return rv;
    while (eas_row_next(st, p, res, &row)) {
        const char *n = eas_row_text(st, row, 0), *id = eas_row_text(st, row, 1);
        if (n && id)
            apr_hash_set(*native_to_id, apr_pstrdup(p, n),
                         APR_HASH_KEY_STRING, apr_pstrdup(p, id));
    }
    return APR_SUCCESS;
}

/* Numbers first..first+n-1 reserved for natives[0..n-1], each inserted
   unless mapped meanwhile (its number is then never used); in one
   transaction. */
static apr_status_t reserve_put(eas_state_t *st, const char *ns,
                                const apr_array_header_t *natives)
{
    const char *n = apr_psprintf(st->pool, "%d", natives->nelts);
    const char *args[3] = { ns, n, n }, *last;
    apr_dbd_prepared_t *ps;
    apr_int64_t first;
    apr_status_t rv;
    int i;

    /* Prepared first: a failed PREPARE would abort the transaction. */
    if ((rv = eas_stmt_prepare(st, &idmap_reserve, &ps)) != APR_SUCCESS
        || (rv = eas_stmt_prepare(st, &idmap_put, &ps)) != APR_SUCCESS
        || (rv = eas_txn_begin(st)) != APR_SUCCESS)
        return rv;
    rv = select_one(st, &idmap_reserve, 3, args, &last, st->pool);
    first = rv == APR_SUCCESS ? apr_atoi64(last) - natives->nelts + 1 : 0;
    for (i = 0; rv == APR_SUCCESS && i < natives->nelts; i++) {
        args[1] = APR_ARRAY_IDX(natives, i, const char *);
        args[2] = apr_psprintf(st->pool, "%" APR_INT64_T_FMT, first + i);
        rv = eas_stmt_user_query(st, &idmap_put, NULL, 3, args);
    }
    if (rv != APR_SUCCESS) {
        const char *err = st->err;

        eas_txn_rollback(st);
        st->err = err;
        return rv == APR_ENOENT ? APR_EGENERAL : rv;
    }
    return eas_txn_commit(st);
}

/* At most IDMAP_CHUNK natives per transaction, so that no transaction
   holds SQLite's write lock for long. */
#define IDMAP_CHUNK 500

static apr_status_t reserve_in_chunks(eas_state_t *st, const char *ns,
                                      const apr_array_header_t *fresh)
{
    apr_array_header_t chunk = *fresh;
    apr_status_t rv = APR_SUCCESS;
    int from;

    for (from = 0; rv == APR_SUCCESS && from < fresh->nelts;
         from += IDMAP_CHUNK) {
        chunk.elts = fresh->elts + (apr_size_t)from * fresh->elt_size;
        chunk.nelts = fresh->nelts - from < IDMAP_CHUNK
                      ? fresh->nelts - from : IDMAP_CHUNK;
        rv = reserve_put(st, ns, &chunk);
    }
    return rv;
}

apr_status_t eas_state_idmap_ids(eas_state_t *st, const char *ns,
                                 const apr_array_header_t *natives,
                                 apr_hash_t *native_to_id, apr_pool_t *p)
{
    apr_array_header_t *fresh;
    apr_hash_t *all;
    apr_status_t rv;
    int i;

    if (!ns || !natives)
        return APR_EINVAL;
    fresh = apr_array_make(st->pool, natives->nelts + 1, sizeof(char *));
    for (i = 0; i < natives->nelts; i++) {
        const char *n = APR_ARRAY_IDX(natives, i, const char *);

        if ((rv = bad_native(st, ns, n)) != APR_SUCCESS)
            return rv;
        if (!apr_hash_get(native_to_id, n, APR_HASH_KEY_STRING))
            APR_ARRAY_PUSH(fresh, const char *) = n;
    }
    if (!fresh->nelts)
        return APR_SUCCESS;
    if ((rv = reserve_in_chunks(st, ns, fresh)) != APR_SUCCESS
        || (rv = eas_state_idmap_all(st, ns, &all, p)) != APR_SUCCESS)
        return rv;
    for (i = 0; i < fresh->nelts; i++) {
        const char *n = APR_ARRAY_IDX(fresh, i, const char *);
        const char *id = apr_hash_get(all, n, APR_HASH_KEY_STRING);

        if (!id)
            return APR_EGENERAL;    /* forgotten meanwhile: ask again */
        apr_hash_set(native_to_id, apr_pstrdup(p, n), APR_HASH_KEY_STRING,
                     id);
    }
    return APR_SUCCESS;
}
