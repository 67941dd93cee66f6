/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which backend serves which class (EASBackend), and each backend's own
 * configuration inside the module's per-directory configuration.
 *
 *   EASBackend maildir                 mail from Maildir (the default)
 *   EASBackend dav calendar contacts   those classes from a DAV server
 *
 * A backend named without classes serves every class it can; a later
 * EASBackend for a class replaces an earlier one, and a section inherits
 * the classes it does not set.  Unknown backends and classes a backend
 * cannot serve stop the start with a message that names what exists.
 */
#ifndef EAS_BACKEND_CONF_H
#define EAS_BACKEND_CONF_H

#include <httpd.h>
#include <http_config.h>

#include "backends.h"

typedef struct eas_backend_conf eas_backend_conf_t;

eas_backend_conf_t *eas_backend_conf_create(apr_pool_t *p);
eas_backend_conf_t *eas_backend_conf_merge(apr_pool_t *p,
                                           const eas_backend_conf_t *base,
                                           const eas_backend_conf_t *add);

const char *eas_backend_set(cmd_parms *cmd, void *dconf, int argc,
                            char *const argv[]);

/* For config.c's directive table (ends with a comma). */
#define EAS_BACKEND_DIRECTIVES \
    AP_INIT_TAKE_ARGV("EASBackend", eas_backend_set, NULL, \
        RSRC_CONF | ACCESS_CONF, \
        "A backend and the classes it serves (mail calendar contacts " \
        "tasks notes; default: all it can), e.g. EASBackend maildir mail"), \
    EAS_BACKENDS_DIRECTIVES

/* Register the built-in backends (the module's register_hooks). */
void eas_backends_register(void);
/* Their per-process set-up (the module's child_init). */
void eas_backends_child_init(apr_pool_t *p, server_rec *s);

/* The backend serving class cls for r; NULL when none does. */
const eas_backend_glue_t *eas_backend_for(const request_rec *r,
                                          eas_class_t cls);

/* The LDAP attributes the backends of r ask for (const char *). */
apr_array_header_t *eas_backend_ldap_attrs(const request_rec *r,
                                           apr_pool_t *p);

#endif
