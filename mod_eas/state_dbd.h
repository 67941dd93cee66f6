/*
 * The state store inside httpd: connections from mod_dbd, the schema
 * migrated once per process and server, the device lock file in httpd's
 * runtime directory.
 */
#ifndef EAS_STATE_DBD_H
#define EAS_STATE_DBD_H

#include <httpd.h>

#include "state.h"

/* Called from the module's register_hooks. */
void eas_state_register_hooks(apr_pool_t *p);

/*
 * A state handle on (user, device_id) for the life of pool p (the
 * request's, or a shorter one), on a mod_dbd connection that goes back
 * to mod_dbd when p is cleared: a Ping gives it back while it waits.
 * Returns OK, or HTTP 503 (logged) when no database can be had.
 */
int eas_state_for_request(request_rec *r, apr_pool_t *p, const char *user,
                          const char *device_id, eas_state_t **st);

#endif
