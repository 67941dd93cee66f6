/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Apache glue of the state store.
 *
 * Connections come from mod_dbd (ap_dbd_open on a pool of the request's,
 * back to mod_dbd's pool when that pool is cleared: at the end of the
 * request, or while a Ping waits).  Prepared statements are kept in
 * the connection's own hash, so they are prepared once per connection.
 * After a failed statement those are prepared afresh, since libpq may
 * have re-established the session behind mod_dbd's back (PQreset in its
 * connection check), and the statements went with the old session.
 * The schema is migrated on the first request of each process and server;
 * the lock file is created before the children start, writable for them.
 */
#include "mod_eas.h"
#include "state_dbd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_atomic.h>
#include <apr_lib.h>
#include <apr_optional.h>
#include <apr_strings.h>
#include <http_log.h>
#include <mod_dbd.h>
#include <unixd.h>

#define LOCK_FILE "mod_eas-state.lock"
#define HELD_KEY "eas_state_conn"
/* Our statements' labels (state*.c) all begin so. */
#define LABEL_PREFIX "eas_"
#define BUSY_CEILING 3600

static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;

/* server_rec -> apr_uint32_t, 1 once this process has migrated. */
static apr_hash_t *migrated;

/* EASStateBusyTimeout in microseconds; -1: not set (the store's default). */
static apr_interval_time_t busy_wait = -1;

const char *eas_state_set_busy_timeout(cmd_parms *cmd, void *dconf,
                                       const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY), *c;

    if (err)
        return err;
    for (c = arg; apr_isdigit(*c); c++)
        ;
    if (!*arg || *c || c - arg > 4 || atoi(arg) > BUSY_CEILING)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number of "
                            "seconds from 0 to %d", cmd->cmd->name, arg,
                            BUSY_CEILING);
    busy_wait = apr_time_from_sec(atoi(arg));
    return NULL;
}

/* A directive removed on a graceful restart goes back to the default. */
static int state_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp)
{
    busy_wait = -1;
    return OK;
}

static int lock_file_init(apr_pool_t *pconf, server_rec *s)
{
    const char *path = ap_runtime_dir_relative(pconf, LOCK_FILE);
    apr_status_t rv = eas_state_lock_init(path);

    if (rv == APR_SUCCESS && geteuid() == 0
        && chown(path, ap_unixd_config.user_id, ap_unixd_config.group_id))
        rv = APR_FROM_OS_ERROR(errno);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, EASLOGNO(00705)
                     "cannot create the device lock file %s for the "
                     "httpd user", path);
    return rv == APR_SUCCESS ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

static int state_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    server_rec *sv;

    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    migrated = apr_hash_make(pconf);
    for (sv = s; sv; sv = sv->next)
        apr_hash_set(migrated, sv, sizeof(sv),
                     apr_pcalloc(pconf, sizeof(apr_uint32_t)));
    return lock_file_init(pconf, s);
}

void eas_state_register_hooks(apr_pool_t *p)
{
    ap_hook_pre_config(state_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(state_post_config, NULL, NULL, APR_HOOK_MIDDLE);
}

/* Once per process and server; again after a failure. */
static apr_status_t migrate_once(request_rec *r, ap_dbd_t *dbd)
{
    apr_uint32_t *done = apr_hash_get(migrated, r->server,
                                      sizeof(r->server));
    const char *err;
    apr_status_t rv;

    if (done && apr_atomic_read32(done))
        return APR_SUCCESS;
    rv = eas_state_migrate(r->pool, dbd->driver, dbd->handle, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(00703)
                      "state database (%s): cannot create or migrate the "
                      "schema: %s", apr_dbd_name(dbd->driver), err);
        return rv;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, EASLOGNO(00706)
                  "state database (%s): schema version %d",
                  apr_dbd_name(dbd->driver), EAS_STATE_SCHEMA);
    if (done)
        apr_atomic_set32(done, 1);
    return APR_SUCCESS;
}

typedef struct {
    server_rec *s;
    ap_dbd_t *dbd;
    int stale;                  /* a statement failed on it */
} held_conn_t;

/* Only ours: other modules' statements (DBDPrepareSQL) stay. */
static void forget_statements(apr_hash_t *prepared)
{
    apr_hash_index_t *hi;
    const void *key;

    for (hi = apr_hash_first(NULL, prepared); hi; hi = apr_hash_next(hi)) {
        apr_hash_this(hi, &key, NULL, NULL);
        if (strncmp(key, LABEL_PREFIX, sizeof(LABEL_PREFIX) - 1) == 0)
            apr_hash_set(prepared, key, APR_HASH_KEY_STRING, NULL);
    }
}

static apr_status_t give_back(void *data)
{
    held_conn_t *h = data;

    if (h->stale)
        forget_statements(h->dbd->prepared);
    dbd_close(h->s, h->dbd);
    return APR_SUCCESS;
}

int eas_state_failed(apr_pool_t *p, apr_status_t rv)
{
    held_conn_t *h = NULL;

    apr_pool_userdata_get((void **)&h, HELD_KEY, p);
    if (!h || rv != APR_EGENERAL)
        return 0;
    h->stale = 1;
    return strcmp(apr_dbd_name(h->dbd->driver), "pgsql") == 0;
}

int eas_state_for_request(request_rec *r, apr_pool_t *p, const char *user,
                          const char *device_id, eas_state_t **st)
{
    const char *err = NULL;
    held_conn_t *h;
    ap_dbd_t *dbd;
    apr_status_t rv;

    *st = NULL;
    if (!dbd_open || !dbd_close) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(00701)
                      "mod_eas keeps device state in a database through "
                      "mod_dbd, which is not loaded: add " EAS_DBD_HINT);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    dbd = dbd_open(p, r->server);
    if (!dbd) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(00702)
                      "no connection to the state database (mod_dbd's "
                      "message above says why: is the database up and "
                      "reachable?); the configuration needs " EAS_DBD_HINT);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    /* Registered first, so it runs after the state's own cleanups. */
    h = apr_palloc(p, sizeof(*h));
    h->s = r->server;
    h->dbd = dbd;
    h->stale = 0;
    apr_pool_cleanup_register(p, h, give_back, apr_pool_cleanup_null);
    apr_pool_userdata_setn(h, HELD_KEY, NULL, p);
    if (migrate_once(r, dbd) != APR_SUCCESS)
        return HTTP_SERVICE_UNAVAILABLE;
    rv = eas_state_open_cached(st, p, dbd->driver, dbd->handle,
                               dbd->prepared, dbd->pool, user, device_id,
                               &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(00704)
                      "state database: %s", err);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (busy_wait >= 0)
        eas_state_busy_timeout(*st, busy_wait);
    return OK;
}
