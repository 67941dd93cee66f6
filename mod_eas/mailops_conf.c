/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mail commands' directives.  See mailops_conf.h.
 */
#include "mod_eas.h"
#include "config.h"
#include "mailops_conf.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_file_info.h>
#include <apr_uri.h>
#include <errno.h>

#define EAS_SMTP_DEFAULT_TIMEOUT 60

eas_mailops_conf_t *eas_mailops_conf_create(apr_pool_t *p)
{
    eas_mailops_conf_t *c = apr_pcalloc(p, sizeof(*c));

    c->submit.starttls = EAS_SMTP_TLS_TRY;
    c->submit.timeout = EAS_SMTP_DEFAULT_TIMEOUT;
    c->max_fetch = EAS_FETCH_DEFAULT_MAX;
    c->meeting_mail = 1;
    return c;
}

eas_mailops_conf_t *eas_mailops_conf_merge(apr_pool_t *p,
                                           const eas_mailops_conf_t *base,
                                           const eas_mailops_conf_t *add)
{
    eas_mailops_conf_t *c = apr_pcalloc(p, sizeof(*c));

#define MERGE(flag, field) do {                                         \
        c->field = add->flag ? add->field : base->field;                \
        c->flag = add->flag | base->flag;                               \
    } while (0)
    /* sendmail and smtp_url travel together: a section naming one
       transport must not inherit the other, which would win. */
    c->submit.sendmail = add->transport_set ? add->submit.sendmail
                                            : base->submit.sendmail;
    MERGE(transport_set, submit.smtp_url);
    MERGE(starttls_set, submit.starttls);
    MERGE(user_set, submit.smtp_user);
    MERGE(password_set, submit.smtp_password);
    MERGE(ca_set, submit.ca_file);
    MERGE(verify_set, submit.tls_no_verify);
    MERGE(timeout_set, submit.timeout);
    MERGE(max_fetch_set, max_fetch);
    MERGE(meeting_mail_set, meeting_mail);
#undef MERGE
    return c;
}

const eas_mailops_conf_t *eas_mailops_conf(const request_rec *r)
{
    return eas_dir_conf(r)->mailops;
}

int eas_mailops_can_send(const eas_mailops_conf_t *c)
{
    return c->submit.sendmail != NULL || c->submit.smtp_url != NULL;
}

/* A whole number in [1, max]; -1 if arg is not one. */
static apr_int64_t parse_count(const char *arg, apr_int64_t max)
{
    const char *s;
    char *end;
    apr_int64_t v;

    for (s = arg; *s; s++)
        if (!apr_isdigit(*s))
            return -1;
    if (!*arg || strlen(arg) > 12)
        return -1;
    errno = 0;
    v = apr_strtoi64(arg, &end, 10);
    return (errno || v < 1 || v > max) ? -1 : v;
}

static const char *set_sendmail(cmd_parms *cmd, eas_mailops_conf_t *c,
                                const char *arg)
{
    apr_finfo_t fi;

    if (arg[0] != '/')
        return apr_psprintf(cmd->pool, "%s: '%s' is not an absolute path "
                            "(the program is run without a shell, so give "
                            "only its path)", cmd->cmd->name, arg);
    if (apr_stat(&fi, arg, APR_FINFO_TYPE | APR_FINFO_PROT, cmd->temp_pool)
            != APR_SUCCESS || fi.filetype != APR_REG
        || !(fi.protection & (APR_UEXECUTE | APR_GEXECUTE | APR_WEXECUTE)))
        return apr_psprintf(cmd->pool, "%s: '%s' is not an executable file",
                            cmd->cmd->name, arg);
    c->submit.sendmail = arg;
    c->submit.smtp_url = NULL;
    c->transport_set = 1;
    return NULL;
}

static const char *set_smtp_server(cmd_parms *cmd, eas_mailops_conf_t *c,
                                   const char *arg)
{
    apr_uri_t uri;

    if (apr_uri_parse(cmd->temp_pool, arg, &uri) != APR_SUCCESS
        || !uri.scheme || !uri.hostname || !*uri.hostname
        || (strcasecmp(uri.scheme, "smtp") != 0
            && strcasecmp(uri.scheme, "smtps") != 0)
        || (uri.path && *uri.path && strcmp(uri.path, "/") != 0)
        || uri.user || uri.query)
        return apr_psprintf(cmd->pool, "%s: '%s' is not smtp://host[:port] "
                            "or smtps://host[:port] (credentials go in "
                            "EASSMTPUser and EASSMTPPassword)",
                            cmd->cmd->name, arg);
    c->submit.smtp_url = arg;
    c->submit.sendmail = NULL;
    c->transport_set = 1;
    return NULL;
}

static const char *set_starttls(cmd_parms *cmd, eas_mailops_conf_t *c,
                                const char *arg)
{
    if (strcasecmp(arg, "Off") == 0)
        c->submit.starttls = EAS_SMTP_TLS_NONE;
    else if (strcasecmp(arg, "Try") == 0)
        c->submit.starttls = EAS_SMTP_TLS_TRY;
    else if (strcasecmp(arg, "Require") == 0)
        c->submit.starttls = EAS_SMTP_TLS_REQUIRE;
    else
        return apr_psprintf(cmd->pool, "%s: '%s' is not Off, Try or Require",
                            cmd->cmd->name, arg);
    c->starttls_set = 1;
    return NULL;
}

static const char *set_number(cmd_parms *cmd, eas_mailops_conf_t *c,
                              int which, const char *arg)
{
    apr_int64_t max = which == EAS_MC_MAX_FETCH ? EAS_FETCH_CEILING
                                                : EAS_SMTP_TIMEOUT_CEILING;
    apr_int64_t v = parse_count(arg, max);

    if (v < 0)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number from "
                            "1 to %" APR_INT64_T_FMT, cmd->cmd->name, arg, max);
    if (which == EAS_MC_MAX_FETCH) {
        c->max_fetch = (apr_off_t)v;
        c->max_fetch_set = 1;
    }
    else {
        c->submit.timeout = (long)v;
        c->timeout_set = 1;
    }
    return NULL;
}

const char *eas_mailops_set_take1(cmd_parms *cmd, void *dconf, const char *arg)
{
    eas_mailops_conf_t *c = ((eas_dir_conf_t *)dconf)->mailops;
    int which = (int)(apr_uintptr_t)cmd->info;

    switch (which) {
    case EAS_MC_SENDMAIL:
        return set_sendmail(cmd, c, arg);
    case EAS_MC_SMTP_SERVER:
        return set_smtp_server(cmd, c, arg);
    case EAS_MC_SMTP_STARTTLS:
        return set_starttls(cmd, c, arg);
    case EAS_MC_SMTP_TIMEOUT:
    case EAS_MC_MAX_FETCH:
        return set_number(cmd, c, which, arg);
    case EAS_MC_SMTP_CA:
        if (arg[0] != '/')
            return apr_psprintf(cmd->pool, "%s: '%s' is not an absolute path",
                                cmd->cmd->name, arg);
        c->submit.ca_file = arg;
        c->ca_set = 1;
        return NULL;
    case EAS_MC_SMTP_USER:
        c->submit.smtp_user = *arg ? arg : NULL;
        c->user_set = 1;
        return NULL;
    case EAS_MC_SMTP_PASSWORD:
        c->submit.smtp_password = arg;
        c->password_set = 1;
        return NULL;
    }
    return "unknown mail directive";
}

const char *eas_mailops_set_flag(cmd_parms *cmd, void *dconf, int on)
{
    eas_mailops_conf_t *c = ((eas_dir_conf_t *)dconf)->mailops;

    if ((int)(apr_uintptr_t)cmd->info == EAS_MC_MEETING_MAIL) {
        c->meeting_mail = on;
        c->meeting_mail_set = 1;
        return NULL;
    }
    c->submit.tls_no_verify = !on;
    c->verify_set = 1;
    return NULL;
}
