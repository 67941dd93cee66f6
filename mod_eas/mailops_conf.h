/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Directives of the mail commands: how SendMail, SmartReply and
 * SmartForward submit (EASSendmail, or EASSMTPServer with its options)
 * and how much ItemOperations and GetAttachment hand out at once
 * (EASMaxFetchSize); whether invitations and cancellations are mailed for
 * the events the user organizes (EASMeetingMail).  Part of eas_dir_conf_t (config.h).
 */
#ifndef EAS_MAILOPS_CONF_H
#define EAS_MAILOPS_CONF_H

#include <httpd.h>
#include <http_config.h>
#include "email.h"

#define EAS_FETCH_DEFAULT_MAX ((apr_off_t)16 * 1024 * 1024)
#define EAS_FETCH_CEILING     ((apr_off_t)1024 * 1024 * 1024)
#define EAS_SMTP_TIMEOUT_CEILING 3600

typedef struct eas_mailops_conf {
    /* The transport (sendmail or smtp_url, never both) and its options.
       A section that names a transport replaces the inherited one whole. */
    eas_submit_conf_t submit;
    apr_off_t max_fetch;        /* EASMaxFetchSize */
    int meeting_mail;           /* EASMeetingMail (default On) */
    unsigned transport_set:1, starttls_set:1, user_set:1, password_set:1,
             ca_set:1, verify_set:1, timeout_set:1, max_fetch_set:1,
             meeting_mail_set:1;
} eas_mailops_conf_t;

eas_mailops_conf_t *eas_mailops_conf_create(apr_pool_t *p);
eas_mailops_conf_t *eas_mailops_conf_merge(apr_pool_t *p,
                                           const eas_mailops_conf_t *base,
                                           const eas_mailops_conf_t *add);
/* The effective settings of a request. */
const eas_mailops_conf_t *eas_mailops_conf(const request_rec *r);
/* Whether a transport is configured. */
int eas_mailops_can_send(const eas_mailops_conf_t *c);

const char *eas_mailops_set_take1(cmd_parms *cmd, void *dconf, const char *arg);
const char *eas_mailops_set_flag(cmd_parms *cmd, void *dconf, int on);

enum {
    EAS_MC_SENDMAIL, EAS_MC_SMTP_SERVER, EAS_MC_SMTP_USER, EAS_MC_SMTP_PASSWORD,
    EAS_MC_SMTP_STARTTLS, EAS_MC_SMTP_CA, EAS_MC_SMTP_VERIFY,
    EAS_MC_SMTP_TIMEOUT, EAS_MC_MAX_FETCH, EAS_MC_MEETING_MAIL
};

#define EAS_MAILOPS_DIRECTIVE(name, which, help) \
    AP_INIT_TAKE1(name, eas_mailops_set_take1, (void *)(apr_uintptr_t)(which), \
                  RSRC_CONF | ACCESS_CONF, help)

/* For config.c's directive table (ends with a comma). */
#define EAS_MAILOPS_DIRECTIVES \
    EAS_MAILOPS_DIRECTIVE("EASSendmail", EAS_MC_SENDMAIL, \
        "Absolute path of a sendmail-compatible program to submit mail with"), \
    EAS_MAILOPS_DIRECTIVE("EASSMTPServer", EAS_MC_SMTP_SERVER, \
        "smtp://host:port or smtps://host:port to submit mail to"), \
    EAS_MAILOPS_DIRECTIVE("EASSMTPUser", EAS_MC_SMTP_USER, \
        "User name for SMTP AUTH (default: no authentication)"), \
    EAS_MAILOPS_DIRECTIVE("EASSMTPPassword", EAS_MC_SMTP_PASSWORD, \
        "Password for SMTP AUTH"), \
    EAS_MAILOPS_DIRECTIVE("EASSMTPStartTLS", EAS_MC_SMTP_STARTTLS, \
        "Off, Try or Require: STARTTLS on smtp:// (default Try)"), \
    EAS_MAILOPS_DIRECTIVE("EASSMTPCAFile", EAS_MC_SMTP_CA, \
        "CA bundle to check the SMTP server's certificate (default: system)"), \
    AP_INIT_FLAG("EASSMTPVerifyCert", eas_mailops_set_flag, \
        (void *)(apr_uintptr_t)EAS_MC_SMTP_VERIFY, RSRC_CONF | ACCESS_CONF, \
        "Off: do not check the SMTP server's certificate (default On)"), \
    EAS_MAILOPS_DIRECTIVE("EASSMTPTimeout", EAS_MC_SMTP_TIMEOUT, \
        "Seconds one submission may take, 1 to 3600 (default 60)"), \
    EAS_MAILOPS_DIRECTIVE("EASMaxFetchSize", EAS_MC_MAX_FETCH, \
        "Most attachment or item bytes one ItemOperations or GetAttachment " \
        "hands out (default 16777216)"), \
    AP_INIT_FLAG("EASMeetingMail", eas_mailops_set_flag, \
        (void *)(apr_uintptr_t)EAS_MC_MEETING_MAIL, RSRC_CONF | ACCESS_CONF, \
        "Off: do not mail invitations and cancellations for the events the " \
        "user organizes from the phone (default On)"),

#endif
