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
