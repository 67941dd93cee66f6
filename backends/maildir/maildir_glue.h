/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Maildir backend's httpd side: EASMaildir and
 * EASLDAPMaildirAttribute, and the user's Maildir path from them.
 */
#ifndef EAS_MAILDIR_GLUE_H
#define EAS_MAILDIR_GLUE_H

#include "backend_glue.h"

extern const eas_backend_glue_t eas_maildir_glue;

const char *eas_maildir_set_template(cmd_parms *cmd, void *dconf,
                                     const char *arg);
const char *eas_maildir_set_ldap_attr(cmd_parms *cmd, void *dconf,
                                      const char *arg);

/* For the module's directive table (ends with a comma). */
#define EAS_MAILDIR_DIRECTIVES \
    AP_INIT_TAKE1("EASMaildir", eas_maildir_set_template, NULL, \
        RSRC_CONF | ACCESS_CONF, \
        "Maildir path template, e.g. /var/mail/%d/%l/Maildir"), \
    AP_INIT_TAKE1("EASLDAPMaildirAttribute", eas_maildir_set_ldap_attr, \
        NULL, RSRC_CONF | ACCESS_CONF, \
        "LDAP attribute with the absolute Maildir path (default: none)"),

#endif
