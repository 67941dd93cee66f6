/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The EAS* directives.  All are per-directory (<Location>, <Directory>,
 * <VirtualHost>, server config), merged so that a section inherits what it
 * does not set itself.
 *
 * | Directive         | Argument        | Default  | Meaning                          |
 * |-------------------|-----------------|----------|----------------------------------|
 * | EASMaxRequestBody | bytes, 1..2^30  | 33554432 | Largest request body read.  A    |
 * |                   |                 | (32 MiB) | larger Content-Length, or a      |
 * |                   |                 |          | chunked body that grows past it, |
 * |                   |                 |          | is refused with 413.  Bodies are |
 * |                   |                 |          | held in memory, hence the cap.   |
 * | EASMaxWBXMLDepth  | 1..256          | 32       | Deepest element nesting accepted |
 * |                   |                 |          | in a WBXML request body.         |
 * | EASMaxWBXMLNodes  | 1..10000000     | 100000   | Most elements accepted in one    |
 * |                   |                 |          | WBXML request body.              |
 * | EASTraceBodies    | On|Off          | Off      | At "LogLevel eas:trace1" the     |
 * |                   |                 |          | request/response XML dump shows  |
 * |                   |                 |          | message and item content only if |
 * |                   |                 |          | On.  Passwords are never shown.  |
 *
 * The module is enabled with "SetHandler eas"; there is no on/off directive.
 */
#include "mod_eas.h"
#include "config.h"
#include "wbxml.h"
#include "user.h"
#include "backend_conf.h"
#include "policy.h"
#include "sync_conf.h"
#include "push.h"
#include "mailops_conf.h"
#include "state_dbd.h"
#include "notify.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <errno.h>

void *eas_create_dir_conf(apr_pool_t *p, char *dir)
{
    eas_dir_conf_t *c = apr_pcalloc(p, sizeof(*c));

    c->max_body = EAS_DEFAULT_MAX_BODY;
    c->max_depth = EAS_WBXML_DEFAULT_DEPTH;
    c->max_nodes = EAS_WBXML_DEFAULT_NODES;
    c->trace_bodies = 0;
    c->user = eas_user_conf_create(p);
    c->backends = eas_backend_conf_create(p);
    c->policy = eas_policy_conf_create(p);
    c->sync = eas_sync_conf_create(p);
    c->mailops = eas_mailops_conf_create(p);
    return c;
}

void *eas_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    const eas_dir_conf_t *base = basev, *add = addv;
    eas_dir_conf_t *c = apr_pcalloc(p, sizeof(*c));

#define EAS_MERGE(field) do {                                   \
        c->field = add->field##_set ? add->field : base->field; \
        c->field##_set = add->field##_set | base->field##_set;  \
    } while (0)
    EAS_MERGE(max_body);
    EAS_MERGE(max_depth);
    EAS_MERGE(max_nodes);
    EAS_MERGE(trace_bodies);
#undef EAS_MERGE
    c->user = eas_user_conf_merge(p, base->user, add->user);
    c->backends = eas_backend_conf_merge(p, base->backends, add->backends);
    c->policy = eas_policy_conf_merge(p, base->policy, add->policy);
    c->sync = eas_sync_conf_merge(p, base->sync, add->sync);
    c->mailops = eas_mailops_conf_merge(p, base->mailops, add->mailops);
    c->notify_secret = add->notify_secret ? add->notify_secret
                                          : base->notify_secret;
    return c;
}

const eas_dir_conf_t *eas_dir_conf(const request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &eas_module);
}

/*
 * A whole decimal number in [min, max]; NULL on success, else the reason
 * for the message.
 */
static const char *parse_bounded(const char *arg, apr_int64_t min,
                                 apr_int64_t max, apr_int64_t *out)
{
    char *end;
    apr_int64_t v;

    if (!apr_isdigit(*arg))
        return "is not a whole number";
    errno = 0;
    v = apr_strtoi64(arg, &end, 10);
    if (*end != '\0')
        return "is not a whole number";
    if (errno == ERANGE || v < min || v > max)
        return "is out of range";
    *out = v;
    return NULL;
}

static const char *bounded_error(cmd_parms *cmd, const char *arg,
                                 const char *why, apr_int64_t min,
                                 apr_int64_t max)
{
    return apr_psprintf(cmd->pool, "%s: '%s' %s (allowed: %" APR_INT64_T_FMT
                        " to %" APR_INT64_T_FMT ")", cmd->cmd->name, arg, why,
                        min, max);
}

static const char *set_max_body(cmd_parms *cmd, void *dconf, const char *arg)
{
    eas_dir_conf_t *c = dconf;
    apr_int64_t v;
    const char *why = parse_bounded(arg, 1, EAS_MAX_BODY_CEILING, &v);

    if (why)
        return bounded_error(cmd, arg, why, 1, EAS_MAX_BODY_CEILING);
    c->max_body = (apr_off_t)v;
    c->max_body_set = 1;
    return NULL;
}

static const char *set_max_depth(cmd_parms *cmd, void *dconf, const char *arg)
{
    eas_dir_conf_t *c = dconf;
    apr_int64_t v;
    const char *why = parse_bounded(arg, 1, EAS_MAX_DEPTH_CEILING, &v);

    if (why)
        return bounded_error(cmd, arg, why, 1, EAS_MAX_DEPTH_CEILING);
    c->max_depth = (unsigned)v;
    c->max_depth_set = 1;
    return NULL;
}

static const char *set_max_nodes(cmd_parms *cmd, void *dconf, const char *arg)
{
    eas_dir_conf_t *c = dconf;
    apr_int64_t v;
    const char *why = parse_bounded(arg, 1, EAS_MAX_NODES_CEILING, &v);

    if (why)
        return bounded_error(cmd, arg, why, 1, EAS_MAX_NODES_CEILING);
    c->max_nodes = (unsigned)v;
    c->max_nodes_set = 1;
    return NULL;
}

static const char *set_trace_bodies(cmd_parms *cmd, void *dconf, int on)
{
    eas_dir_conf_t *c = dconf;

    c->trace_bodies = on;
    c->trace_bodies_set = 1;
    return NULL;
}

const command_rec eas_directives[] = {
    AP_INIT_TAKE1("EASMaxRequestBody", set_max_body, NULL, RSRC_CONF | ACCESS_CONF,
                  "Largest request body in bytes (default 33554432)"),
    AP_INIT_TAKE1("EASMaxWBXMLDepth", set_max_depth, NULL, RSRC_CONF | ACCESS_CONF,
                  "Deepest element nesting in a WBXML request (default 32)"),
    AP_INIT_TAKE1("EASMaxWBXMLNodes", set_max_nodes, NULL, RSRC_CONF | ACCESS_CONF,
                  "Most elements in a WBXML request (default 100000)"),
    AP_INIT_FLAG("EASTraceBodies", set_trace_bodies, NULL, RSRC_CONF | ACCESS_CONF,
                 "On: the trace1 XML dump shows message and item content (default Off)"),
    EAS_USER_DIRECTIVES
    EAS_BACKEND_DIRECTIVES
    EAS_POLICY_DIRECTIVES
    EAS_SYNC_DIRECTIVES
    EAS_MAILOPS_DIRECTIVES
    EAS_STATE_DIRECTIVES
    EAS_PUSH_DIRECTIVES
    EAS_NOTIFY_DIRECTIVES
    { NULL, { NULL }, NULL, 0, RAW_ARGS, NULL }
};
