/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A backend's httpd side, as mod_dav_fs is to mod_dav: its directives,
 * its per-directory configuration, and how a request's user becomes the
 * settings its store opens with.  A backend's own code (backend.h) stays
 * free of httpd; its glue lives beside it in <name>_glue.c.
 *
 * The module knows the built-in backends only through backends.h: the
 * list of glues and the table of their directives.
 */
#ifndef EAS_BACKEND_GLUE_H
#define EAS_BACKEND_GLUE_H

#include "mod_eas.h"     /* httpd's headers, first */
#include "backend.h"

typedef struct eas_backend_glue {
    const eas_backend_t *backend;
    /* Per-directory configuration: made, merged (add over base). */
    void *(*create_conf)(apr_pool_t *p);
    void *(*merge_conf)(apr_pool_t *p, const void *base, const void *add);
    /* The LDAP attribute that holds a user's settings for this backend
       (the user look-up fetches it), or NULL. */
    const char *(*ldap_attr)(const void *conf);
    /*
     * The store's settings in u->params (u is the store's own copy of
     * the user; the LDAP attribute's value, when there is one, is in
     * u->params as "ldap:<attribute>").  Returns OK or an HTTP status,
     * logged (403 for a user the settings cannot serve, 500 for a
     * configuration that cannot work).
     */
    int (*user_params)(request_rec *r, const void *conf, eas_user_t *u);
    /* Per child process, before its threads (may be NULL). */
    void (*child_init)(apr_pool_t *p, server_rec *s);
} eas_backend_glue_t;

/* For directive handlers: a whole number of seconds in [min, max] into
   *out, or the message that says what is wrong. */
const char *eas_glue_seconds(cmd_parms *cmd, const char *arg, long min,
                             long max, int *out);

/* The built-in backends, NULL-terminated (backends.c). */
extern const eas_backend_glue_t *const eas_backends_builtin[];

/* A backend's configuration in a directory configuration, for directive
   handlers (dconf as httpd passes it) and for requests. */
void *eas_backend_dir_conf(void *dconf, const eas_backend_glue_t *g);
const void *eas_backend_req_conf(const request_rec *r,
                                 const eas_backend_glue_t *g);

#endif
