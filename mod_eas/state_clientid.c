/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ClientIds of messages a device has sent, and of items it added
 * through Sync.  A phone that never saw
 * the answer to a SendMail, SmartReply or SmartForward sends the same
 * request again, with the same ClientId; finding it here, the command
 * answers that the message was already sent instead of sending it twice.
 *
 * Bounded per device: writing an id drops those older than
 * EAS_CLIENTID_AGE and all but the newest EAS_CLIENTID_KEEP.  The device's
 * lock keeps its requests apart, so the check and the write of one
 * request see no other request of the device in between.
 */
#include <string.h>

#include <apr_strings.h>

#include "state_internal.h"

static const eas_stmt_t cid_seen = {
    "eas_cid_seen",
    "SELECT created FROM eas_clientid"
    " WHERE username = %s AND device_id = %s AND client_id = %s"
    " AND created >= %lld"
};

static const eas_stmt_t cid_put = {
    "eas_cid_put",
    "INSERT INTO eas_clientid (username, device_id, client_id, created)"
    " VALUES (%s, %s, %s, %lld)"
    " ON CONFLICT (username, device_id, client_id) DO UPDATE SET"
    " created = excluded.created"
};

/* Older than the cutoff, or older than the device's n-th newest (OFFSET). */
static const eas_stmt_t cid_trim = {
    "eas_cid_trim",
    "DELETE FROM eas_clientid"
    " WHERE username = %s AND device_id = %s AND (created < %lld"
    " OR created < (SELECT k.created FROM eas_clientid k"
    "  WHERE k.username = eas_clientid.username"
    "  AND k.device_id = eas_clientid.device_id"
    "  ORDER BY k.created DESC LIMIT 1 OFFSET %d))"
};

static apr_status_t bad_id(eas_state_t *st, const char *id)
{
    if (id && *id && strlen(id) <= EAS_CLIENTID_MAX)
        return APR_SUCCESS;
    st->err = id && *id ? "ClientId longer than EAS_CLIENTID_MAX"
                        : "no ClientId";
    return APR_EINVAL;
}

static const char *time_arg(eas_state_t *st, apr_time_t t)
{
    return apr_psprintf(st->pool, "%" APR_TIME_T_FMT, t);
}

apr_status_t eas_state_clientid_seen(eas_state_t *st, const char *client_id)
{
    const char *args[] = {
        client_id, time_arg(st, apr_time_now() - EAS_CLIENTID_AGE) };
    apr_dbd_results_t *res;
    apr_dbd_row_t *row = NULL;
    apr_status_t rv;
    int found = 0;

    if ((rv = bad_id(st, client_id)) != APR_SUCCESS
        || (rv = eas_stmt_select(st, &cid_seen, st->pool, &res, 2, args)))
        return rv;
    while (eas_row_next(st, st->pool, res, &row))
        found = 1;
    return found ? APR_SUCCESS : APR_ENOENT;
}

apr_status_t eas_state_clientid_put(eas_state_t *st, const char *client_id)
{
    apr_time_t now = apr_time_now();
    const char *put[] = { client_id, time_arg(st, now) };
    const char *trim[] = { time_arg(st, now - EAS_CLIENTID_AGE),
                           apr_itoa(st->pool, EAS_CLIENTID_KEEP - 1) };
    apr_status_t rv;

    /* No transaction: the id is worth keeping even if trimming fails. */
    if ((rv = bad_id(st, client_id)) == APR_SUCCESS
        && (rv = eas_stmt_query(st, &cid_put, NULL, 2, put)) == APR_SUCCESS)
        rv = eas_stmt_query(st, &cid_trim, NULL, 2, trim);
    return rv;
}

/* ---- items added through Sync ---- */

static const eas_stmt_t add_get = {
    "eas_cadd_get",
    "SELECT item FROM eas_clientadd"
    " WHERE username = %s AND device_id = %s AND collection = %s"
    " AND client_id = %s AND created >= %lld"
};

static const eas_stmt_t add_put = {
    "eas_cadd_put",
    "INSERT INTO eas_clientadd (username, device_id, collection, client_id,"
    " item, created) VALUES (%s, %s, %s, %s, %s, %lld)"
    " ON CONFLICT (username, device_id, collection, client_id) DO UPDATE"
    " SET item = excluded.item, created = excluded.created"
};

static const eas_stmt_t add_trim = {
    "eas_cadd_trim",
    "DELETE FROM eas_clientadd"
    " WHERE username = %s AND device_id = %s AND (created < %lld"
    " OR created < (SELECT k.created FROM eas_clientadd k"
    "  WHERE k.username = eas_clientadd.username"
    "  AND k.device_id = eas_clientadd.device_id"
    "  ORDER BY k.created DESC LIMIT 1 OFFSET %d))"
};

apr_status_t eas_state_clientadd_get(eas_state_t *st, const char *collection,
                                     const char *client_id, const char **item,
                                     apr_pool_t *p)
{
    const char *args[] = {
        collection, client_id,
        time_arg(st, apr_time_now() - EAS_CLIENTID_AGE) };
    apr_dbd_results_t *res;
    apr_dbd_row_t *row = NULL;
    apr_status_t rv;

    *item = NULL;
    if ((rv = bad_id(st, client_id)) != APR_SUCCESS
        || (rv = eas_stmt_select(st, &add_get, st->pool, &res, 3, args)))
        return rv;
    while (eas_row_next(st, st->pool, res, &row))
        if (!*item)
            *item = apr_pstrdup(p, eas_row_text(st, row, 0));
    return *item ? APR_SUCCESS : APR_ENOENT;
}

apr_status_t eas_state_clientadd_put(eas_state_t *st, const char *collection,
                                     const char *client_id, const char *item)
{
    apr_time_t now = apr_time_now();
    const char *put[] = { collection, client_id, item, time_arg(st, now) };
    const char *trim[] = { time_arg(st, now - EAS_CLIENTID_AGE),
                           apr_itoa(st->pool, EAS_CLIENTADD_KEEP - 1) };
    apr_status_t rv;

    if ((rv = bad_id(st, client_id)) == APR_SUCCESS
        && (rv = eas_stmt_query(st, &add_put, NULL, 4, put)) == APR_SUCCESS)
        rv = eas_stmt_query(st, &add_trim, NULL, 2, trim);
    return rv;
}
