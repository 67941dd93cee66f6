/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who the authenticated user is to the backends: login, mail address,
 * display name and backend settings, from LDAP attributes (through the
 * OpenLDAP client, connections reused, results cached briefly) or from
 * templates.  Directives: EASMailTemplate, EASLDAPURL, EASLDAPBindDN,
 * EASLDAPBindPassword, EASLDAPMailAttribute, EASLDAPNameAttribute,
 * EASLDAPCacheTTL, EASLDAPTimeout.
 */
#ifndef EAS_USER_H
#define EAS_USER_H

#include <httpd.h>
#include <http_config.h>
#include "backend.h"

/*
 * The user of request r (r->user, as Apache authenticated it).  params
 * holds further addresses from LDAP as "alias" entries and the values of
 * the attributes the backends ask for (eas_backend_ldap_attrs) as
 * "ldap:<attribute>"; password is the request's Basic password, if any.  Returns OK, or the HTTP status to answer with
 * (logged): 503 when LDAP cannot be reached and no fresh cached entry
 * exists, 403 when the login is unusable or ambiguous in LDAP, 500 when
 * the configuration gives an unusable path.
 */
int eas_user_lookup(request_rec *r, eas_user_t **out);

/* Called from the module's register_hooks. */
void eas_user_register_hooks(apr_pool_t *p);

/* ---- configuration, part of eas_dir_conf_t ---- */
typedef struct eas_user_conf eas_user_conf_t;

eas_user_conf_t *eas_user_conf_create(apr_pool_t *p);
eas_user_conf_t *eas_user_conf_merge(apr_pool_t *p, const eas_user_conf_t *base,
                                     const eas_user_conf_t *add);

const char *eas_user_set_take1(cmd_parms *cmd, void *dconf, const char *arg);
const char *eas_user_set_iterate(cmd_parms *cmd, void *dconf, const char *arg);

enum {
    EAS_UC_MAIL_TEMPLATE, EAS_UC_LDAP_URL, EAS_UC_BIND_DN, EAS_UC_BIND_PW,
    EAS_UC_MAIL_ATTR, EAS_UC_NAME_ATTR, EAS_UC_CACHE_TTL, EAS_UC_TIMEOUT
};

#define EAS_USER_DIRECTIVE(name, which, help) \
    AP_INIT_TAKE1(name, eas_user_set_take1, (void *)(apr_uintptr_t)(which), \
                  RSRC_CONF | ACCESS_CONF, help)

/* For config.c's directive table (ends with a comma). */
#define EAS_USER_DIRECTIVES \
    EAS_USER_DIRECTIVE("EASMailTemplate", EAS_UC_MAIL_TEMPLATE, \
        "Mail address template when LDAP gives none, e.g. %u@example.org"), \
    EAS_USER_DIRECTIVE("EASLDAPURL", EAS_UC_LDAP_URL, \
        "ldap://host:port/base?attribute?scope?filter to look users up in"), \
    EAS_USER_DIRECTIVE("EASLDAPBindDN", EAS_UC_BIND_DN, \
        "DN to bind as for user look-ups (default: anonymous)"), \
    EAS_USER_DIRECTIVE("EASLDAPBindPassword", EAS_UC_BIND_PW, \
        "Password of EASLDAPBindDN"), \
    EAS_USER_DIRECTIVE("EASLDAPMailAttribute", EAS_UC_MAIL_ATTR, \
        "LDAP attribute with the mail addresses (default mail)"), \
    AP_INIT_ITERATE("EASLDAPNameAttribute", eas_user_set_iterate, NULL, \
        RSRC_CONF | ACCESS_CONF, \
        "LDAP attributes for the display name, first present wins " \
        "(default displayName cn)"), \
    EAS_USER_DIRECTIVE("EASLDAPCacheTTL", EAS_UC_CACHE_TTL, \
        "Seconds a user's LDAP attributes are cached, 0 to 86400 (default 60)"), \
    EAS_USER_DIRECTIVE("EASLDAPTimeout", EAS_UC_TIMEOUT, \
        "Seconds to wait for the LDAP server, 1 to 300 (default 5)"),

#endif
