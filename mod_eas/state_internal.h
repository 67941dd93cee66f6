/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the state store's files: the handle and the statement
 * helpers.  Not for the rest of the module, which uses state.h.
 *
 * Every statement a handle runs is a constant from one of these files.
 * eas_stmt_query/eas_stmt_select bind the handle's user and device as the
 * first two parameters, so each statement's text starts its WHERE clause
 * (or VALUES list) with "username = %s AND device_id = %s": no call can
 * name another user's or device's rows.
 */
#ifndef EAS_STATE_INTERNAL_H
#define EAS_STATE_INTERNAL_H

#include "state.h"

/* A statement: its label (a PostgreSQL identifier) and apr_dbd text. */
typedef struct {
    const char *label;
    const char *sql;
} eas_stmt_t;

struct eas_state {
    apr_pool_t *pool;
    const apr_dbd_driver_t *drv;
    apr_dbd_t *h;
    int pgsql;                  /* else sqlite3 */
    apr_hash_t *stmts;          /* label -> apr_dbd_prepared_t */
    apr_pool_t *stmt_pool;
    int named;                  /* stmts outlive the handle: label them */
    const char *user, *device_id;
    const char *err;
    apr_interval_time_t busy_wait;
    int in_txn;
    /* lock state (state_lock.c) */
    int lock_fd;                /* -1: no host lock */
    int pg_locked;
    apr_uint64_t lock_key;
};

/* apr_dbd's sqlite3 driver returns SQLite's codes: SQLITE_BUSY. */
#define EAS_SQLITE_BUSY 5

/* Record the driver's message for rv (and what failed) in st->err. */
apr_status_t eas_state_fail(eas_state_t *st, int rv, const char *what);

/* Prepare s (once per cache) before a transaction needs it. */
apr_status_t eas_stmt_prepare(eas_state_t *st, const eas_stmt_t *s,
                              apr_dbd_prepared_t **ps);

/*
 * Run s with the handle's user and device, then the n values in args
 * (NULL binds SQL NULL).  *nrows gets the rows changed (may be NULL).
 */
apr_status_t eas_stmt_query(eas_state_t *st, const eas_stmt_t *s,
                            int *nrows, int n, const char **args);
/* The same for a SELECT; results live in p. */
apr_status_t eas_stmt_select(eas_state_t *st, const eas_stmt_t *s,
                             apr_pool_t *p, apr_dbd_results_t **res,
                             int n, const char **args);
/* With the user only, for what a user's devices share (the id map): the
   statement's text starts its WHERE clause or VALUES with "username = %s". */
apr_status_t eas_stmt_user_query(eas_state_t *st, const eas_stmt_t *s,
                                 int *nrows, int n, const char **args);
apr_status_t eas_stmt_user_select(eas_state_t *st, const eas_stmt_t *s,
                                  apr_pool_t *p, apr_dbd_results_t **res,
                                  int n, const char **args);
/* Without the user and device: only for statements that need neither. */
apr_status_t eas_stmt_select_raw(eas_state_t *st, const eas_stmt_t *s,
                                 apr_pool_t *p, apr_dbd_results_t **res,
                                 int n, const char **args);

/*
 * Step *row (NULL before the first call) to the next row of res; 0 at
 * the end.  On PostgreSQL the values of a result are freed once its end
 * is read: copy what must outlive that.
 */
int eas_row_next(eas_state_t *st, apr_pool_t *p, apr_dbd_results_t *res,
                 apr_dbd_row_t **row);
/* Column n of row: its text, or NULL for SQL NULL. */
const char *eas_row_text(eas_state_t *st, apr_dbd_row_t *row, int n);

/*
 * Transactions that write from their first statement: BEGIN IMMEDIATE on
 * SQLite, so that two writers never deadlock upgrading read locks.
 */
apr_status_t eas_txn_begin(eas_state_t *st);
apr_status_t eas_txn_commit(eas_state_t *st);
void eas_txn_rollback(eas_state_t *st);

/* Plain statements without parameters (DDL, transaction control). */
apr_status_t eas_state_exec(eas_state_t *st, const char *sql);
apr_status_t eas_state_select_sql(eas_state_t *st, apr_pool_t *p,
                                 const char *sql, apr_dbd_results_t **res);

/*
 * A handle without user and device for eas_state_migrate, on pool p.
 */
eas_state_t *eas_state_bare(apr_pool_t *p, const apr_dbd_driver_t *drv,
                            apr_dbd_t *h);

#endif
