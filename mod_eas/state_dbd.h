/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state store inside httpd: connections from mod_dbd, the schema
 * migrated once per process and server, the device lock file in httpd's
 * runtime directory.
 */
#ifndef EAS_STATE_DBD_H
#define EAS_STATE_DBD_H

#include <httpd.h>
#include <http_config.h>

#include "state.h"

/* Called from the module's register_hooks. */
void eas_state_register_hooks(apr_pool_t *p);

/* What the configuration needs for a state database. */
#define EAS_DBD_HINT "LoadModule dbd_module modules/mod_dbd.so, " \
    "DBDriver sqlite3 and DBDParams /var/lib/mod_eas/state.db " \
    "(or DBDriver pgsql and DBDParams \"host=... dbname=... user=...\")"

/*
 * A state handle on (user, device_id) for the life of pool p (the
 * request's, or a shorter one), on a mod_dbd connection that goes back
 * to mod_dbd when p is cleared: a Ping gives it back while it waits.
 * Returns OK, or HTTP 503 (logged) when no database can be had.
 */
int eas_state_for_request(request_rec *r, apr_pool_t *p, const char *user,
                          const char *device_id, eas_state_t **st);

/*
 * A state operation on the connection of pool p (eas_state_for_request's)
 * failed with rv: the connection's statements are prepared afresh next
 * time.  Returns 1 when one more try, on a connection taken anew, may
 * succeed: a database error on PostgreSQL, whose server may have gone
 * away and come back since the connection was last used.
 */
int eas_state_failed(apr_pool_t *p, apr_status_t rv);

/* EASStateBusyTimeout: server-wide, as mod_dbd's database is. */
const char *eas_state_set_busy_timeout(cmd_parms *cmd, void *dconf,
                                       const char *arg);
#define EAS_STATE_DIRECTIVES                                            \
    AP_INIT_TAKE1("EASStateBusyTimeout", eas_state_set_busy_timeout, NULL, \
                  RSRC_CONF, "Seconds a request waits while another "    \
                  "process writes to a SQLite state database before it "  \
                  "answers 503 (default 10)"),

#endif
