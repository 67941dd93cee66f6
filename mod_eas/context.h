/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a command works with: the request, the user (with the settings
 * from LDAP or the path templates), the device's state (locked for the
 * request) and the user's store, opened on first use.
 */
#ifndef EAS_CONTEXT_H
#define EAS_CONTEXT_H

#include "request.h"
#include "state.h"
#include "backend.h"

typedef struct eas_ctx {
    eas_request_t *req;
    /* login is the canonical user name; params what the look-up found
       (user.h); each backend's store gets its own copy with its settings. */
    const eas_user_t *user;
    /* The backend serving each class (NULL: none) and, at the first
       class it serves, the user with that backend's settings. */
    const struct eas_backend_glue *glue[EAS_NCLASSES];
    const eas_user_t *users[EAS_NCLASSES];
    eas_state_t *state;         /* locked until the request ends */
    apr_pool_t *state_pool;     /* the state's, with its connection */
    eas_device_t *device;       /* the device row, created on first contact */
    eas_store_t *store;         /* NULL until eas_ctx_store() */
    apr_pool_t *store_pool;     /* the store's */
    eas_idmap_t idmap;          /* the user's id map, for the backends */
} eas_ctx_t;

/*
 * Look the user up, open and lock the device's state, load the device
 * row.  Returns OK, or the HTTP status to answer with (logged).
 */
int eas_ctx_open(eas_request_t *req, eas_ctx_t **out);

/*
 * The user's store, opened on first call: the backends serving its
 * classes (EASBackend), combined into one hierarchy (backend_mux.h).  Returns OK or an HTTP
 * status (logged) if the store cannot be opened.
 */
int eas_ctx_store(eas_ctx_t *ctx, eas_store_t **out);

/*
 * While a request waits (Ping, Sync with Wait): unlock the device's state,
 * give its database connection back and close the store, with all their
 * memory; then take the state again and read the device row afresh (OK,
 * or an HTTP status, logged).  The store opens again on its next use:
 * what was taken from it before is gone.
 */
void eas_ctx_suspend(eas_ctx_t *ctx);
int eas_ctx_resume(eas_ctx_t *ctx);

/* Write the device row back (after a command changed it). */
int eas_ctx_save_device(eas_ctx_t *ctx);

#endif
