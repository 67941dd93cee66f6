/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Direct Push directives.  They are server-wide (the main server's
 * configuration), since the limits count every request of every virtual
 * host in every process.
 */
#include "mod_eas.h"
#include "push.h"

#include <apr_lib.h>
#include <apr_strings.h>

#define HEARTBEAT_CEILING 86400
#define FOLDERS_CEILING 5000
#define WAITS_CEILING 10000000

static eas_push_conf_t conf;

static void defaults(void)
{
    conf.heartbeat_min = EAS_PUSH_HEARTBEAT_MIN;
    conf.heartbeat_max = EAS_PUSH_HEARTBEAT_MAX;
    conf.max_folders = EAS_PUSH_DEFAULT_FOLDERS;
    conf.max_waits = 0;
    conf.max_user_waits = 10;
    conf.retry_after = 60;
}

const eas_push_conf_t *eas_push_conf(void)
{
    if (!conf.heartbeat_max)
        defaults();
    return &conf;
}

/* A whole number in [min, max]; NULL, or the message. */
static const char *number(cmd_parms *cmd, const char *arg, int min, int max,
                          int *out)
{
    const char *s, *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    apr_int64_t v = -1;

    if (err)
        return err;
    for (s = arg; *s && apr_isdigit(*s); s++)
        ;
    if (*arg && !*s && s - arg < 10)
        v = apr_atoi64(arg);
    if (v < min || v > max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number from "
                            "%d to %d", cmd->cmd->name, arg, min, max);
    *out = (int)v;
    return NULL;
}

const char *eas_push_set_heartbeat(cmd_parms *cmd, void *d, const char *lo,
                                 const char *hi)
{
    const char *err;
    int min, max;

    eas_push_conf();
    if ((err = number(cmd, lo, 1, HEARTBEAT_CEILING, &min))
        || (err = number(cmd, hi, 1, HEARTBEAT_CEILING, &max)))
        return err;
    if (min > max)
        return "EASPingHeartbeat: the minimum is above the maximum";
    conf.heartbeat_min = min;
    conf.heartbeat_max = max;
    return NULL;
}

const char *eas_push_set_int(cmd_parms *cmd, void *d, const char *arg)
{
    int *field = (int *)((char *)eas_push_conf() + (apr_size_t)cmd->info);
    int min = field == &conf.max_folders || field == &conf.retry_after;

    return number(cmd, arg, min, field == &conf.max_folders
                  ? FOLDERS_CEILING : WAITS_CEILING, field);
}

/* Each configuration read starts from the defaults (graceful restart). */
static int push_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp)
{
    defaults();
    return OK;
}

void eas_push_conf_register_hooks(apr_pool_t *p)
{
    ap_hook_pre_config(push_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
}
