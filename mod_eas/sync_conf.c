/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EASMaxSyncCollections, EASMaxWindowSize and the groupware item limits.
 * See sync_conf.h.
 */
#include "mod_eas.h"
#include "config.h"
#include "sync_conf.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <libical/ical.h>

eas_sync_conf_t *eas_sync_conf_create(apr_pool_t *p)
{
    eas_sync_conf_t *c = apr_pcalloc(p, sizeof(*c));

    c->max_collections = EAS_SYNC_DEFAULT_COLLECTIONS;
    c->max_window = EAS_SYNC_WINDOW_CEILING;
    c->max_item = EAS_PIM_DEFAULT_ITEM;
    c->max_photo = EAS_PIM_DEFAULT_PHOTO;
    c->max_attendees = EAS_PIM_DEFAULT_ATTENDEES;
    return c;
}

eas_sync_conf_t *eas_sync_conf_merge(apr_pool_t *p, const eas_sync_conf_t *base,
                                     const eas_sync_conf_t *add)
{
    eas_sync_conf_t *c = apr_pcalloc(p, sizeof(*c));

    c->max_collections = add->max_collections_set ? add->max_collections
                                                  : base->max_collections;
    c->max_collections_set = add->max_collections_set
                             | base->max_collections_set;
    c->max_window = add->max_window_set ? add->max_window : base->max_window;
    c->max_window_set = add->max_window_set | base->max_window_set;
#define EAS_MERGE(f) do { \
        c->f = add->f##_set ? add->f : base->f; \
        c->f##_set = add->f##_set | base->f##_set; \
    } while (0)
    EAS_MERGE(max_item);
    EAS_MERGE(max_photo);
    EAS_MERGE(max_attendees);
#undef EAS_MERGE
    c->tzid = add->tzid ? add->tzid : base->tzid;
    return c;
}

const eas_sync_conf_t *eas_sync_conf(const request_rec *r)
{
    return eas_dir_conf(r)->sync;
}

/* A whole number in [1, max]; NULL, or the message. */
static const char *limit(cmd_parms *cmd, const char *arg, int max, int *out)
{
    const char *s;
    char *end;
    apr_int64_t v = 0;

    for (s = arg; *s && apr_isdigit(*s); s++)
        ;
    if (*arg && !*s)
        v = apr_strtoi64(arg, &end, 10);
    if (v < 1 || v > max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number from "
                            "1 to %d", cmd->cmd->name, arg, max);
    *out = (int)v;
    return NULL;
}

const char *eas_sync_set_collections(cmd_parms *cmd, void *dconf,
                                     const char *arg)
{
    eas_sync_conf_t *c = ((eas_dir_conf_t *)dconf)->sync;

    c->max_collections_set = 1;
    return limit(cmd, arg, EAS_SYNC_COLLECTIONS_CEILING, &c->max_collections);
}

const char *eas_sync_set_window(cmd_parms *cmd, void *dconf, const char *arg)
{
    eas_sync_conf_t *c = ((eas_dir_conf_t *)dconf)->sync;

    c->max_window_set = 1;
    return limit(cmd, arg, EAS_SYNC_WINDOW_CEILING, &c->max_window);
}

const char *eas_sync_set_pim_limit(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    eas_sync_conf_t *c = ((eas_dir_conf_t *)dconf)->sync;
    const char *which = cmd->info;

    if (strcmp(which, "item") == 0) {
        c->max_item_set = 1;
        return limit(cmd, arg, EAS_PIM_ITEM_CEILING, &c->max_item);
    }
    if (strcmp(which, "photo") == 0) {
        c->max_photo_set = 1;
        return limit(cmd, arg, EAS_PIM_ITEM_CEILING, &c->max_photo);
    }
    c->max_attendees_set = 1;
    return limit(cmd, arg, EAS_PIM_ATTENDEES_CEILING, &c->max_attendees);
}

/* An Olson name libical knows ("Europe/Berlin", "UTC"). */
const char *eas_sync_set_tz(cmd_parms *cmd, void *dconf, const char *arg)
{
    eas_sync_conf_t *c = ((eas_dir_conf_t *)dconf)->sync;

    if (strcmp(arg, "UTC") != 0
        && !icaltimezone_get_builtin_timezone(arg))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a time zone name "
                            "such as Europe/Berlin or UTC", cmd->cmd->name,
                            arg);
    c->tzid = strcmp(arg, "UTC") == 0 ? NULL : arg;
    return NULL;
}
