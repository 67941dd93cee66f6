/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The imap backend's httpd side: EASIMAPServer, EASIMAPLogin,
 * EASIMAPAuth, EASIMAPServiceAccount, EASIMAPTimeout, EASIMAPCAFile,
 * EASIMAPWatch, EASIMAPCheckInterval (per directory), and the
 * server-wide EASIMAPConnections, EASIMAPIdleTimeout, EASIMAPListCache.
 */
#ifndef EAS_IMAP_GLUE_H
#define EAS_IMAP_GLUE_H

#include "backend_glue.h"

extern const eas_backend_glue_t eas_imap_glue;

const char *eas_imap_set1(cmd_parms *cmd, void *dconf, const char *arg);
const char *eas_imap_set_service(cmd_parms *cmd, void *dconf,
                                 const char *user, const char *password);
const char *eas_imap_set_conns(cmd_parms *cmd, void *dconf,
                               const char *per_process, const char *per_user);
const char *eas_imap_set_global(cmd_parms *cmd, void *dconf,
                                const char *arg);

/* For the module's directive table (ends with a comma). */
#define EAS_IMAP_DIRECTIVES \
    AP_INIT_TAKE1("EASIMAPServer", eas_imap_set1, "url", \
        RSRC_CONF | ACCESS_CONF, \
        "The IMAP server: imaps://host[:port], or imap://host[:port] " \
        "(STARTTLS, required unless the host is a loopback address)"), \
    AP_INIT_TAKE1("EASIMAPLogin", eas_imap_set1, "login", \
        RSRC_CONF | ACCESS_CONF, \
        "The user's IMAP login, a template as EASMaildir's (default %u)"), \
    AP_INIT_TAKE1("EASIMAPAuth", eas_imap_set1, "auth", \
        RSRC_CONF | ACCESS_CONF, \
        "user: the user's own Basic credentials (default); master: a " \
        "Dovecot master user (<login>*<account>); proxy: SASL PLAIN as " \
        "the account, authorised as the user"), \
    AP_INIT_TAKE2("EASIMAPServiceAccount", eas_imap_set_service, NULL, \
        RSRC_CONF | ACCESS_CONF, \
        "The master or proxy account's name and password"), \
    AP_INIT_TAKE1("EASIMAPTimeout", eas_imap_set1, "timeout", \
        RSRC_CONF | ACCESS_CONF, \
        "Seconds the IMAP server may take to answer, 1 to 600 (default " \
        "30)"), \
    AP_INIT_TAKE1("EASIMAPCAFile", eas_imap_set1, "ca", \
        RSRC_CONF | ACCESS_CONF, \
        "CA certificates to verify the IMAP server with (default: the " \
        "system's)"), \
    AP_INIT_TAKE1("EASIMAPWatch", eas_imap_set1, "watch", \
        RSRC_CONF | ACCESS_CONF, \
        "How Ping learns of changes: plugin (Dovecot's push_notification " \
        "through eas-notify, and the check), notify (IMAP NOTIFY, else " \
        "IDLE), idle, or auto (default: notify where offered)"), \
    AP_INIT_TAKE1("EASIMAPCheckInterval", eas_imap_set1, "check", \
        RSRC_CONF | ACCESS_CONF, \
        "Seconds between two safety-net checks of a watched user's " \
        "mailboxes (one LIST-STATUS), 5 to 86400 (default 300)"), \
    AP_INIT_TAKE2("EASIMAPConnections", eas_imap_set_conns, NULL, RSRC_CONF, \
        "Most IMAP connections kept per process, and per user in a " \
        "process (default 100 4)"), \
    AP_INIT_TAKE1("EASIMAPIdleTimeout", eas_imap_set_global, "idle", \
        RSRC_CONF, \
        "Seconds an unused IMAP connection is kept, 0 to 3600 (default " \
        "300; 0: none kept)"), \
    AP_INIT_TAKE1("EASIMAPListCache", eas_imap_set_global, "lists", \
        RSRC_CONF, \
        "Most messages each process keeps listed between requests, 0 to " \
        "100000000 (default 200000)"),

#endif
