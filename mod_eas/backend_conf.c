/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EASBackend and the backends' own configurations (backend_conf.h).
 */
#include "mod_eas.h"
#include "config.h"
#include "backend_conf.h"

#include <apr_strings.h>

#include <stdlib.h>

#define NGLUES 8                /* built-in backends, at most */

struct eas_backend_conf {
    const eas_backend_glue_t *by_class[EAS_NCLASSES];
    unsigned set;               /* EAS_CLASS_BIT()s set in this section */
    void *conf[NGLUES];         /* per glue, as eas_backends_builtin */
};

static int glue_index(const eas_backend_glue_t *g)
{
    int i;

    for (i = 0; i < NGLUES && eas_backends_builtin[i]; i++)
        if (eas_backends_builtin[i] == g)
            return i;
    return -1;
}

static const eas_backend_glue_t *glue_named(const char *name)
{
    int i;

    for (i = 0; eas_backends_builtin[i]; i++)
        if (strcasecmp(eas_backends_builtin[i]->backend->name, name) == 0)
            return eas_backends_builtin[i];
    return NULL;
}

eas_backend_conf_t *eas_backend_conf_create(apr_pool_t *p)
{
    eas_backend_conf_t *c = apr_pcalloc(p, sizeof(*c));
    int i;

    for (i = 0; i < NGLUES && eas_backends_builtin[i]; i++)
        c->conf[i] = eas_backends_builtin[i]->create_conf(p);
    return c;
}

eas_backend_conf_t *eas_backend_conf_merge(apr_pool_t *p,
                                           const eas_backend_conf_t *base,
                                           const eas_backend_conf_t *add)
{
    eas_backend_conf_t *c = apr_pcalloc(p, sizeof(*c));
    int i;

    for (i = 0; i < EAS_NCLASSES; i++)
        c->by_class[i] = add->set & EAS_CLASS_BIT(i) ? add->by_class[i]
                                                     : base->by_class[i];
    c->set = base->set | add->set;
    for (i = 0; i < NGLUES && eas_backends_builtin[i]; i++)
        c->conf[i] = eas_backends_builtin[i]->merge_conf(p, base->conf[i],
                                                         add->conf[i]);
    return c;
}

void *eas_backend_dir_conf(void *dconf, const eas_backend_glue_t *g)
{
    return ((eas_dir_conf_t *)dconf)->backends->conf[glue_index(g)];
}

const void *eas_backend_req_conf(const request_rec *r,
                                 const eas_backend_glue_t *g)
{
    return eas_dir_conf(r)->backends->conf[glue_index(g)];
}

/* "maildir, dav" */
static const char *glue_names(apr_pool_t *p)
{
    const char *s = NULL;
    int i;

    for (i = 0; eas_backends_builtin[i]; i++)
        s = s ? apr_pstrcat(p, s, ", ", eas_backends_builtin[i]->backend->name,
                            NULL)
              : eas_backends_builtin[i]->backend->name;
    return s;
}

/* The classes g can serve, by name: "calendar, contacts" */
static const char *class_names(apr_pool_t *p, unsigned classes)
{
    const char *s = NULL;
    int i;

    for (i = 0; i < EAS_NCLASSES; i++)
        if (classes & EAS_CLASS_BIT(i))
            s = s ? apr_pstrcat(p, s, ", ", eas_class_name(i), NULL)
                  : eas_class_name(i);
    return s ? s : "none";
}

static const char *set_class(cmd_parms *cmd, eas_backend_conf_t *c,
                             const eas_backend_glue_t *g, const char *name)
{
    int cls = eas_class_lookup(name);

    if (cls < 0)
        return apr_psprintf(cmd->pool, "EASBackend: unknown class '%s' "
                            "(classes: mail, calendar, contacts, tasks, "
                            "notes)", name);
    if (!(g->backend->classes & EAS_CLASS_BIT(cls)))
        return apr_psprintf(cmd->pool, "EASBackend: the %s backend cannot "
                            "serve %s (it serves: %s)", g->backend->name,
                            name, class_names(cmd->pool,
                                              g->backend->classes));
    c->by_class[cls] = g;
    c->set |= EAS_CLASS_BIT(cls);
    return NULL;
}

const char *eas_backend_set(cmd_parms *cmd, void *dconf, int argc,
                            char *const argv[])
{
    eas_backend_conf_t *c = ((eas_dir_conf_t *)dconf)->backends;
    const eas_backend_glue_t *g;
    const char *err = NULL;
    int i;

    if (argc < 1)
        return "EASBackend: name a backend";
    if (!(g = glue_named(argv[0])))
        return apr_psprintf(cmd->pool, "EASBackend: unknown backend '%s' "
                            "(this mod_eas has: %s)", argv[0],
                            glue_names(cmd->pool));
    for (i = 1; i < argc && !err; i++)
        err = set_class(cmd, c, g, argv[i]);
    for (i = 0; argc == 1 && i < EAS_NCLASSES; i++)
        if (g->backend->classes & EAS_CLASS_BIT(i)) {
            c->by_class[i] = g;
            c->set |= EAS_CLASS_BIT(i);
        }
    return err;
}

void eas_backends_register(void)
{
    int i;

    for (i = 0; eas_backends_builtin[i]; i++)
        eas_backend_register(eas_backends_builtin[i]->backend);
}

void eas_backends_child_init(apr_pool_t *p, server_rec *s)
{
    int i;

    for (i = 0; eas_backends_builtin[i]; i++)
        if (eas_backends_builtin[i]->child_init)
            eas_backends_builtin[i]->child_init(p, s);
}

const eas_backend_glue_t *eas_backend_for(const request_rec *r,
                                          eas_class_t cls)
{
    const eas_backend_conf_t *c = eas_dir_conf(r)->backends;

    if (c->set & EAS_CLASS_BIT(cls))
        return c->by_class[cls];
    return cls == EAS_CLASS_EMAIL ? glue_named(EAS_DEFAULT_BACKEND) : NULL;
}

apr_array_header_t *eas_backend_ldap_attrs(const request_rec *r,
                                           apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 2, sizeof(const char *));
    const eas_backend_glue_t *seen[EAS_NCLASSES];
    int i, j, n = 0;

    for (i = 0; i < EAS_NCLASSES; i++) {
        const eas_backend_glue_t *g = eas_backend_for(r, i);
        const char *a;

        for (j = 0; j < n && g && seen[j] != g; j++)
            ;
        if (!g || j < n || !g->ldap_attr)
            continue;
        seen[n++] = g;
        if ((a = g->ldap_attr(eas_backend_req_conf(r, g))))
            APR_ARRAY_PUSH(out, const char *) = a;
    }
    return out;
}

const char *eas_glue_seconds(cmd_parms *cmd, const char *arg, long min,
                             long max, int *out)
{
    char *end;
    long v = strtol(arg, &end, 10);

    if (!*arg || *end || v < min || v > max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number of "
                            "seconds from %ld to %ld", cmd->cmd->name, arg,
                            min, max);
    *out = (int)v;
    return NULL;
}
