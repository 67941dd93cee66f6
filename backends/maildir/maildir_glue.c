/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Maildir backend's httpd side (maildir_glue.h).  A user's Maildir is
 * the LDAP attribute EASLDAPMaildirAttribute when the entry has it (an
 * absolute path without ".."), else EASMaildir expanded for the login
 * (user_template.h), given to the store as the parameter "path".
 */
#include "mod_eas.h"
#include "maildir_glue.h"
#include "maildir_backend.h"
#include "user_template.h"

#include <http_log.h>
#include <apr_strings.h>

typedef struct {
    const char *tmpl;           /* EASMaildir */
    const char *ldap_attr;      /* EASLDAPMaildirAttribute */
} md_conf_t;

static void *md_create_conf(apr_pool_t *p)
{
    return apr_pcalloc(p, sizeof(md_conf_t));
}

static void *md_merge_conf(apr_pool_t *p, const void *basev, const void *addv)
{
    const md_conf_t *base = basev, *add = addv;
    md_conf_t *c = apr_pcalloc(p, sizeof(*c));

    c->tmpl = add->tmpl ? add->tmpl : base->tmpl;
    c->ldap_attr = add->ldap_attr ? add->ldap_attr : base->ldap_attr;
    return c;
}

const char *eas_maildir_set_template(cmd_parms *cmd, void *dconf,
                                     const char *arg)
{
    md_conf_t *c = eas_backend_dir_conf(dconf, &eas_maildir_glue);
    const char *why = eas_template_check(cmd->pool, arg);

    if (!*arg)
        why = "the value is empty";
    else if (!why && *arg != '/')
        why = "must be an absolute path";
    if (why)
        return apr_psprintf(cmd->pool, "%s: '%s': %s", cmd->cmd->name, arg,
                            why);
    c->tmpl = arg;
    return NULL;
}

const char *eas_maildir_set_ldap_attr(cmd_parms *cmd, void *dconf,
                                      const char *arg)
{
    md_conf_t *c = eas_backend_dir_conf(dconf, &eas_maildir_glue);

    if (!*arg)
        return apr_psprintf(cmd->pool, "%s: the value is empty",
                            cmd->cmd->name);
    c->ldap_attr = arg;
    return NULL;
}

static const char *md_ldap_attr(const void *conf)
{
    return ((const md_conf_t *)conf)->ldap_attr;
}

/* A Maildir path from LDAP: absolute, no ".." component. */
static int ldap_path_ok(const char *s)
{
    const char *p;

    if (*s != '/')
        return 0;
    for (p = s; (p = strstr(p, "..")); p += 2)
        if ((p == s || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
            return 0;
    return 1;
}

static int logged(request_rec *r, const eas_user_t *u, const char *path)
{
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, EASLOGNO(00913)
                  "user %s: Maildir %s", u->login, path);
    return OK;
}

static int md_user_params(request_rec *r, const void *conf, eas_user_t *u)
{
    const md_conf_t *c = conf;
    const char *err = NULL, *v;
    char *path;

    v = c->ldap_attr ? apr_table_get(u->params, apr_pstrcat(
                           r->pool, "ldap:", c->ldap_attr, NULL)) : NULL;
    if (v) {
        if (!ldap_path_ok(v)) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(00905)
                          "LDAP attribute %s of %s ('%s') is not an absolute "
                          "path without '..'", c->ldap_attr, u->login, v);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        apr_table_setn(u->params, "path", v);
        return logged(r, u, v);
    }
    if (!c->tmpl)
        return OK;
    if (!(path = eas_template_expand(r->pool, c->tmpl, u->login, &err))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(00904)
                      "EASMaildir %s for user '%s': %s; refusing with 403",
                      c->tmpl, u->login, err);
        return HTTP_FORBIDDEN;
    }
    apr_table_setn(u->params, "path", path);
    return logged(r, u, path);
}

const eas_backend_glue_t eas_maildir_glue = {
    .backend = &eas_backend_maildir,
    .create_conf = md_create_conf,
    .merge_conf = md_merge_conf,
    .ldap_attr = md_ldap_attr,
    .user_params = md_user_params,
};
