/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device row: provisioning, remote wipe, DeviceInformation and the
 * cached Ping/Sync parameters of one (user, device).
 *
 * DeviceInformation is kept as text, one "name=value" line per entry,
 * with '%', '=', and control characters written as %XX, so any value
 * round-trips and entries keep their order.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>

#include "state_internal.h"

static const eas_stmt_t dev_touch = {
    "eas_dev_touch",
    "INSERT INTO eas_device (username, device_id, device_type,"
    " first_seen, last_seen) VALUES (%s, %s, %s, %lld, %lld)"
    " ON CONFLICT (username, device_id) DO UPDATE SET"
    " last_seen = excluded.last_seen,"
    " device_type = CASE WHEN excluded.device_type = ''"
    "  THEN eas_device.device_type ELSE excluded.device_type END"
};

static const eas_stmt_t dev_get = {
    "eas_dev_get",
    "SELECT device_type, policy_key, pending_key, policy_hash, wipe, info,"
    " ping_cache, sync_cache, first_seen, last_seen FROM eas_device"
    " WHERE username = %s AND device_id = %s"
};

static const eas_stmt_t dev_put = {
    "eas_dev_put",
    "INSERT INTO eas_device (username, device_id, device_type, policy_key,"
    " pending_key, policy_hash, wipe, info, ping_cache, sync_cache,"
    " first_seen, last_seen)"
    " VALUES (%s, %s, %s, %lld, %lld, %s, %d, %pDt, %pDt, %pDt, %lld, %lld)"
    " ON CONFLICT (username, device_id) DO UPDATE SET"
    " device_type = excluded.device_type,"
    " policy_key = excluded.policy_key,"
    " pending_key = excluded.pending_key,"
    " policy_hash = excluded.policy_hash,"
    " wipe = excluded.wipe,"
    " info = excluded.info,"
    " ping_cache = excluded.ping_cache,"
    " sync_cache = excluded.sync_cache,"
    " first_seen = excluded.first_seen,"
    " last_seen = excluded.last_seen"
};

/* ---- DeviceInformation as text ---- */

static int needs_escape(unsigned char c)
{
    return c == '%' || c == '=' || c < 0x20 || c == 0x7f;
}

static void put_escaped(apr_array_header_t *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (needs_escape(c)) {
            *(char *)apr_array_push(out) = '%';
            *(char *)apr_array_push(out) = hex[c >> 4];
            *(char *)apr_array_push(out) = hex[c & 15];
        }
        else
            *(char *)apr_array_push(out) = (char)c;
    }
}

static int put_entry(void *data, const char *key, const char *val)
{
    apr_array_header_t *out = data;

    put_escaped(out, key);
    *(char *)apr_array_push(out) = '=';
    put_escaped(out, val ? val : "");
    *(char *)apr_array_push(out) = '\n';
    return 1;
}

static const char *info_text(apr_pool_t *p, const apr_table_t *info)
{
    apr_array_header_t *out = apr_array_make(p, 256, 1);

    if (info)
        apr_table_do(put_entry, out, info, NULL);
    *(char *)apr_array_push(out) = '\0';
    return out->elts;
}

/* Undo put_escaped on [s, end), into a new string. */
static char *unescape(apr_pool_t *p, const char *s, const char *end)
{
    char *out = apr_palloc(p, end - s + 1), *o = out;

    while (s < end) {
        if (*s == '%' && end - s >= 3 && apr_isxdigit(s[1])
            && apr_isxdigit(s[2])) {
            char hex[3] = { s[1], s[2], '\0' };

            *o++ = (char)strtol(hex, NULL, 16);
            s += 3;
        }
        else
            *o++ = *s++;
    }
    *o = '\0';
    return out;
}

static apr_table_t *info_parse(apr_pool_t *p, const char *text)
{
    apr_table_t *t = apr_table_make(p, 8);

    while (text && *text) {
        const char *nl = strchr(text, '\n'), *eq;

        if (!nl)
            nl = text + strlen(text);
        eq = memchr(text, '=', nl - text);
        if (eq)
            apr_table_addn(t, unescape(p, text, eq), unescape(p, eq + 1, nl));
        text = *nl ? nl + 1 : nl;
    }
    return t;
}

/* ---- rows ---- */

static const char *copy(apr_pool_t *p, const char *s)
{
    return s ? apr_pstrdup(p, s) : NULL;
}

static apr_int64_t num(eas_state_t *st, apr_dbd_row_t *row, int n)
{
    const char *v = eas_row_text(st, row, n);

    return v ? apr_atoi64(v) : 0;
}

static void read_device(eas_state_t *st, apr_dbd_row_t *row,
                        eas_device_t *dev)
{
    apr_pool_t *p = st->pool;
    const char *type = eas_row_text(st, row, 0);

    dev->device_type = apr_pstrdup(p, type ? type : "");
    dev->policy_key = (apr_uint32_t)num(st, row, 1);
    dev->pending_key = (apr_uint32_t)num(st, row, 2);
    dev->policy_hash = copy(p, eas_row_text(st, row, 3));
    dev->wipe = (int)num(st, row, 4);
    dev->info = info_parse(p, eas_row_text(st, row, 5));
    dev->ping_cache = copy(p, eas_row_text(st, row, 6));
    dev->sync_cache = copy(p, eas_row_text(st, row, 7));
    dev->first_seen = num(st, row, 8);
    dev->last_seen = num(st, row, 9);
}

static const char *i64(apr_pool_t *p, apr_int64_t v)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, v);
}

/*
 * last_seen is written at most this often: a device's every request
 * otherwise writes (a held Ping's renewals from thousands of phones),
 * and SQLite serialises all writers.
 */
#define TOUCH_EVERY apr_time_from_sec(60)

/* The row, or NULL (rv APR_SUCCESS) if there is none. */
static apr_status_t get_row(eas_state_t *st, eas_device_t **out)
{
    apr_dbd_results_t *res;
    apr_dbd_row_t *row = NULL;
    apr_status_t rv;

    *out = NULL;
    if ((rv = eas_stmt_select(st, &dev_get, st->pool, &res, 0, NULL))
        != APR_SUCCESS)
        return rv;
    if (!eas_row_next(st, st->pool, res, &row))
        return APR_SUCCESS;
    *out = apr_pcalloc(st->pool, sizeof(**out));
    read_device(st, row, *out);
    while (eas_row_next(st, st->pool, res, &row))
        ;
    return APR_SUCCESS;
}

static int fresh(const eas_device_t *dev, const char *device_type,
                 apr_time_t now)
{
    return dev && now - dev->last_seen < TOUCH_EVERY
           && now >= dev->last_seen
           && (!device_type || !*device_type
               || strcmp(device_type, dev->device_type) == 0);
}

apr_status_t eas_state_device(eas_state_t *st, const char *device_type,
                              eas_device_t **out)
{
    apr_time_t t = apr_time_now();
    const char *now = i64(st->pool, t);
    const char *touch[] = { device_type ? device_type : "", now, now };
    apr_status_t rv;

    *out = NULL;
    /* Read first: seen a moment ago, nothing to write. */
    if ((rv = get_row(st, out)) != APR_SUCCESS || fresh(*out, device_type, t))
        return rv;
    rv = eas_stmt_query(st, &dev_touch, NULL, 3, touch);
    if (rv == APR_SUCCESS)
        rv = get_row(st, out);
    if (rv == APR_SUCCESS && !*out) {
        st->err = "the device row vanished after it was written";
        return APR_EGENERAL;
    }
    return rv;
}

apr_status_t eas_state_device_put(eas_state_t *st, const eas_device_t *dev)
{
    apr_pool_t *p = st->pool;
    const char *args[] = {
        dev->device_type ? dev->device_type : "",
        i64(p, dev->policy_key),
        i64(p, dev->pending_key),
        dev->policy_hash,
        apr_itoa(p, dev->wipe),
        info_text(p, dev->info),
        dev->ping_cache,
        dev->sync_cache,
        i64(p, dev->first_seen),
        i64(p, dev->last_seen),
    };

    return eas_stmt_query(st, &dev_put, NULL, 10, args);
}
