/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state handle: which connection, which (user, device), and the
 * statement helpers every part of the store runs its SQL through.
 *
 * apr_dbd translates "%s"-style placeholders for each driver; values are
 * always bound, never pasted into SQL.  Results are read in random-access
 * mode (seek = 1) so that a PostgreSQL connection is never left with
 * unread rows.
 */
#include <string.h>

#include <apr_strings.h>

#include "state_internal.h"

/*
 * Pause between retries while SQLite is busy (the driver retries too).
 * SQLite's own busy timeout is not used: apr_dbd's sqlite3 driver holds a
 * process-wide mutex while a statement runs, so waiting inside SQLite
 * would stall every thread's database work, the COMMIT of the writer
 * being waited for included.  Here the wait happens outside that mutex.
 */
#define BUSY_PAUSE apr_time_from_msec(20)

static int driver_is(const apr_dbd_driver_t *drv, const char *name)
{
    return strcmp(apr_dbd_name(drv), name) == 0;
}

eas_state_t *eas_state_bare(apr_pool_t *p, const apr_dbd_driver_t *drv,
                            apr_dbd_t *h)
{
    eas_state_t *st = apr_pcalloc(p, sizeof(*st));

    st->pool = p;
    st->drv = drv;
    st->h = h;
    st->pgsql = driver_is(drv, "pgsql");
    st->stmts = apr_hash_make(p);
    st->stmt_pool = p;
    st->busy_wait = EAS_STATE_BUSY_WAIT;
    st->lock_fd = -1;
    return st;
}

apr_status_t eas_state_open_cached(eas_state_t **out, apr_pool_t *p,
                                   const apr_dbd_driver_t *drv, apr_dbd_t *h,
                                   apr_hash_t *stmts, apr_pool_t *stmt_pool,
                                   const char *user, const char *device_id,
                                   const char **err)
{
    eas_state_t *st;

    *out = NULL;
    if (!drv || !h || !user || !*user || !device_id || !*device_id) {
        if (err)
            *err = "a state handle needs a connection, a user and a device";
        return APR_EINVAL;
    }
    if (!driver_is(drv, "sqlite3") && !driver_is(drv, "pgsql")) {
        if (err)
            *err = apr_psprintf(p, "apr_dbd driver %s is not supported: "
                                "use sqlite3 or pgsql", apr_dbd_name(drv));
        return APR_ENOTIMPL;
    }
    st = eas_state_bare(p, drv, h);
    if (stmts) {
        st->stmts = stmts;
        st->stmt_pool = stmt_pool;
        st->named = 1;
    }
    st->user = apr_pstrdup(p, user);
    st->device_id = apr_pstrdup(p, device_id);
    *out = st;
    return APR_SUCCESS;
}

apr_status_t eas_state_open(eas_state_t **st, apr_pool_t *p,
                            const apr_dbd_driver_t *drv, apr_dbd_t *h,
                            const char *user, const char *device_id,
                            const char **err)
{
    return eas_state_open_cached(st, p, drv, h, NULL, NULL, user, device_id,
                                 err);
}

const char *eas_state_error(eas_state_t *st)
{
    return st->err ? st->err : "no error";
}

void eas_state_busy_timeout(eas_state_t *st, apr_interval_time_t wait)
{
    st->busy_wait = wait < 0 ? 0 : wait;
}

apr_status_t eas_state_fail(eas_state_t *st, int rv, const char *what)
{
    const char *msg = apr_dbd_error(st->drv, st->h, rv);
    char *m = apr_pstrdup(st->pool, msg ? msg : "unknown error");
    apr_size_t n = strlen(m);

    /* libpq ends its messages with a newline. */
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == '\r'))
        m[--n] = '\0';
    st->err = apr_psprintf(st->pool, "%s: %s (%d)", what, m, rv);
    return APR_EGENERAL;
}

apr_status_t eas_stmt_prepare(eas_state_t *st, const eas_stmt_t *s,
                              apr_dbd_prepared_t **ps)
{
    int rv;

    *ps = apr_hash_get(st->stmts, s->label, APR_HASH_KEY_STRING);
    if (*ps)
        return APR_SUCCESS;
    /*
     * Unnamed on PostgreSQL unless the cache lives as long as the
     * session: a second PREPARE of one name would fail.
     */
    rv = apr_dbd_prepare(st->drv, st->stmt_pool, st->h, s->sql,
                         st->named ? s->label : NULL, ps);
    if (rv != 0 && st->pgsql && st->named) {
        /* The name exists already (a cache lost while the session
           lived on): run it unnamed instead. */
        *ps = NULL;
        rv = apr_dbd_prepare(st->drv, st->stmt_pool, st->h, s->sql, NULL,
                             ps);
    }
    if (rv != 0) {
        *ps = NULL;
        return eas_state_fail(st, rv, s->label);
    }
    apr_hash_set(st->stmts, s->label, APR_HASH_KEY_STRING, *ps);
    return APR_SUCCESS;
}

/*
 * apr_dbd's sqlite3 driver prepares with the legacy interface: a
 * statement prepared before another connection changed the schema fails
 * from then on.  Such a statement is prepared again, once.
 */
static int schema_changed(eas_state_t *st, int rv)
{
    const char *msg = apr_dbd_error(st->drv, st->h, rv);

    return !st->pgsql && msg && strstr(msg, "schema has changed");
}

/*
 * SQLITE_BUSY, or what the driver makes of it after its own retries on a
 * SELECT (a plain SQLITE_ERROR with SQLite's message).
 */
static int sqlite_busy(eas_state_t *st, int rv)
{
    const char *msg;

    if (rv == EAS_SQLITE_BUSY)
        return 1;
    msg = apr_dbd_error(st->drv, st->h, rv);
    return msg && strstr(msg, "database is locked");
}

static int busy_again(eas_state_t *st, int rv, apr_time_t deadline)
{
    if (st->pgsql || !sqlite_busy(st, rv) || apr_time_now() >= deadline)
        return 0;
    apr_sleep(BUSY_PAUSE);
    return 1;
}

static apr_status_t run(eas_state_t *st, const eas_stmt_t *s, apr_pool_t *p,
                        apr_dbd_results_t **res, int *nrows,
                        int nvals, const char **vals)
{
    apr_time_t deadline = apr_time_now() + st->busy_wait;
    apr_dbd_prepared_t *ps;
    int rv, changed, reprepared = 0;

    for (;;) {
        apr_status_t prv = eas_stmt_prepare(st, s, &ps);

        if (prv != APR_SUCCESS)
            return prv;
        if (res) {
            *res = NULL;
            rv = apr_dbd_pselect(st->drv, p, st->h, res, ps, 1, nvals, vals);
        }
        else {
            rv = apr_dbd_pquery(st->drv, p, st->h, &changed, ps, nvals, vals);
            if (rv == 0 && nrows)
                *nrows = changed;
        }
        if (rv == 0)
            return APR_SUCCESS;
        if (busy_again(st, rv, deadline))
            continue;
        if (reprepared || !schema_changed(st, rv))
            break;
        apr_hash_set(st->stmts, s->label, APR_HASH_KEY_STRING, NULL);
        reprepared = 1;
    }
    return eas_state_fail(st, rv, s->label);
}

static const char **with_owner(eas_state_t *st, int n, const char **args)
{
    const char **vals = apr_palloc(st->pool, (n + 2) * sizeof(*vals));

    vals[0] = st->user;
    vals[1] = st->device_id;
    if (n > 0)
        memcpy(vals + 2, args, n * sizeof(*vals));
    return vals;
}

apr_status_t eas_stmt_query(eas_state_t *st, const eas_stmt_t *s,
                            int *nrows, int n, const char **args)
{
    return run(st, s, st->pool, NULL, nrows, n + 2, with_owner(st, n, args));
}

apr_status_t eas_stmt_select(eas_state_t *st, const eas_stmt_t *s,
                             apr_pool_t *p, apr_dbd_results_t **res,
                             int n, const char **args)
{
    return run(st, s, p, res, NULL, n + 2, with_owner(st, n, args));
}

apr_status_t eas_stmt_user_query(eas_state_t *st, const eas_stmt_t *s,
                                 int *nrows, int n, const char **args)
{
    const char **vals = apr_palloc(st->pool, (n + 1) * sizeof(*vals));

    vals[0] = st->user;
    if (n > 0)
        memcpy(vals + 1, args, n * sizeof(*vals));
    return run(st, s, st->pool, NULL, nrows, n + 1, vals);
}

apr_status_t eas_stmt_user_select(eas_state_t *st, const eas_stmt_t *s,
                                  apr_pool_t *p, apr_dbd_results_t **res,
                                  int n, const char **args)
{
    const char **vals = apr_palloc(st->pool, (n + 1) * sizeof(*vals));

    vals[0] = st->user;
    if (n > 0)
        memcpy(vals + 1, args, n * sizeof(*vals));
    return run(st, s, p, res, NULL, n + 1, vals);
}

apr_status_t eas_stmt_select_raw(eas_state_t *st, const eas_stmt_t *s,
                                 apr_pool_t *p, apr_dbd_results_t **res,
                                 int n, const char **args)
{
    return run(st, s, p, res, NULL, n, args);
}

int eas_row_next(eas_state_t *st, apr_pool_t *p, apr_dbd_results_t *res,
                 apr_dbd_row_t **row)
{
    return apr_dbd_get_row(st->drv, p, res, row, -1) == 0;
}

const char *eas_row_text(eas_state_t *st, apr_dbd_row_t *row, int n)
{
    const char *v = NULL;

    if (apr_dbd_datum_get(st->drv, row, n, APR_DBD_TYPE_STRING, &v)
        != APR_SUCCESS)
        return NULL;
    return v;
}

/* Whether to run a plain statement again after failure rv. */
static int plain_again(eas_state_t *st, int rv, apr_time_t deadline,
                       int *reprepared)
{
    if (busy_again(st, rv, deadline))
        return 1;
    /* Compiled against a schema another process has just changed. */
    if (*reprepared || !schema_changed(st, rv))
        return 0;
    *reprepared = 1;
    return 1;
}

apr_status_t eas_state_exec(eas_state_t *st, const char *sql)
{
    apr_time_t deadline = apr_time_now() + st->busy_wait;
    int rv, nrows, reprepared = 0;

    do {
        rv = apr_dbd_query(st->drv, st->h, &nrows, sql);
        if (rv == 0)
            return APR_SUCCESS;
    } while (plain_again(st, rv, deadline, &reprepared));
    return eas_state_fail(st, rv, sql);
}

apr_status_t eas_state_select_sql(eas_state_t *st, apr_pool_t *p,
                                 const char *sql, apr_dbd_results_t **res)
{
    apr_time_t deadline = apr_time_now() + st->busy_wait;
    int rv, reprepared = 0;

    do {
        *res = NULL;
        rv = apr_dbd_select(st->drv, p, st->h, res, sql, 1);
        if (rv == 0)
            return APR_SUCCESS;
    } while (plain_again(st, rv, deadline, &reprepared));
    return eas_state_fail(st, rv, sql);
}

apr_status_t eas_txn_begin(eas_state_t *st)
{
    apr_status_t rv = eas_state_exec(st, st->pgsql ? "BEGIN"
                                                   : "BEGIN IMMEDIATE");

    st->in_txn = rv == APR_SUCCESS;
    return rv;
}

apr_status_t eas_txn_commit(eas_state_t *st)
{
    apr_status_t rv = eas_state_exec(st, "COMMIT");

    if (rv != APR_SUCCESS) {
        const char *err = st->err;

        eas_txn_rollback(st);
        st->err = err;
        return rv;
    }
    st->in_txn = 0;
    return APR_SUCCESS;
}

void eas_txn_rollback(eas_state_t *st)
{
    int nrows;

    if (st->in_txn)
        apr_dbd_query(st->drv, st->h, &nrows, "ROLLBACK");
    st->in_txn = 0;
}
