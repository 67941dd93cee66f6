/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The provisioning gate, the policy directives and device information.
 *
 * A device is provisioned when it has acknowledged a policy key (phase 2
 * of Provision) and the policy that key was issued for is still the
 * effective one (same hash).  Every command except Provision passes the
 * gate first:
 *
 * | device state                               | 12.x     | 14.x                 |
 * |--------------------------------------------|----------|----------------------|
 * | remote wipe requested or acknowledged      | HTTP 449 | Status 140           |
 * | EASProvisioning Off, or EASProvisionExempt | passes   | passes               |
 * | no key sent, key 0, or no acknowledged key | HTTP 449 | Status 142           |
 * | key sent is not the device's key           | HTTP 449 | Status 144           |
 * | device's key, policy changed since         | HTTP 449 | Status 143           |
 * | device's key, same policy                  | passes   | passes               |
 *
 * A 14.x command whose response root has no Status element gets 449 too.
 */
#include "mod_eas.h"
#include "policy.h"
#include "config.h"
#include "response.h"

#include <http_protocol.h>
#include <apr_strings.h>

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

eas_policy_conf_t *eas_policy_conf_create(apr_pool_t *p)
{
    eas_policy_conf_t *c = apr_pcalloc(p, sizeof(*c));

    eas_policy_defaults(c->values);
    c->provisioning = 1;
    return c;
}

eas_policy_conf_t *eas_policy_conf_merge(apr_pool_t *p,
                                         const eas_policy_conf_t *base,
                                         const eas_policy_conf_t *add)
{
    eas_policy_conf_t *c = apr_pcalloc(p, sizeof(*c));
    int i;

    for (i = 0; i < EAS_POLICY_NSETTINGS; i++) {
        c->values[i] = add->set[i] ? add->values[i] : base->values[i];
        c->set[i] = add->set[i] | base->set[i];
    }
    c->provisioning = add->provisioning_set ? add->provisioning
                                            : base->provisioning;
    c->provisioning_set = add->provisioning_set | base->provisioning_set;
    c->allow_nonprov = add->allow_nonprov_set ? add->allow_nonprov
                                              : base->allow_nonprov;
    c->allow_nonprov_set = add->allow_nonprov_set | base->allow_nonprov_set;
    c->exempt = add->exempt ? add->exempt : base->exempt;
    return c;
}

const eas_policy_conf_t *eas_policy_conf(const request_rec *r)
{
    return eas_dir_conf(r)->policy;
}

const char *eas_policy_current_hash(const request_rec *r)
{
    return eas_policy_hash(r->pool, eas_policy_conf(r)->values);
}

static eas_policy_conf_t *pconf(void *dconf)
{
    return ((eas_dir_conf_t *)dconf)->policy;
}

const char *eas_policy_set_value(cmd_parms *cmd, void *dconf, const char *arg)
{
    eas_policy_conf_t *c = pconf(dconf);
    int i = (int)(apr_uintptr_t)cmd->info;
    const char *why = eas_policy_parse(cmd->pool, i, arg, &c->values[i]);

    if (why)
        return apr_psprintf(cmd->pool, "%s: '%s' %s", cmd->cmd->name, arg, why);
    c->set[i] = 1;
    return NULL;
}

const char *eas_policy_set_flag(cmd_parms *cmd, void *dconf, int on)
{
    eas_policy_conf_t *c = pconf(dconf);

    if ((apr_uintptr_t)cmd->info == EAS_POLICY_FLAG_PROVISIONING) {
        c->provisioning = on;
        c->provisioning_set = 1;
    }
    else {
        c->allow_nonprov = on;
        c->allow_nonprov_set = 1;
    }
    return NULL;
}

const char *eas_policy_set_exempt(cmd_parms *cmd, void *dconf, const char *arg)
{
    eas_policy_conf_t *c = pconf(dconf);
    const char *s;

    for (s = arg; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7F)
            return apr_psprintf(cmd->pool, "%s: '%s' is not a DeviceId or "
                                "DeviceType (visible ASCII)", cmd->cmd->name,
                                arg);
    if (!c->exempt || c->exempt_from != cmd->directive) {
        c->exempt = apr_array_make(cmd->pool, 4, sizeof(const char *));
        c->exempt_from = cmd->directive;
    }
    APR_ARRAY_PUSH(c->exempt, const char *) = arg;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* The gate                                                            */
/* ------------------------------------------------------------------ */

static int exempt(const eas_policy_conf_t *c, const eas_request_t *req)
{
    int i;

    for (i = 0; c->exempt && i < c->exempt->nelts; i++) {
        const char *e = APR_ARRAY_IDX(c->exempt, i, const char *);

        if (strcasecmp(e, req->device_id) == 0
            || strcasecmp(e, req->device_type) == 0)
            return 1;
    }
    return 0;
}

int eas_policy_send_449(request_rec *r)
{
    /* httpd has no reason phrase for 449: give the line ourselves. */
    r->status = EAS_HTTP_RETRY_PROVISION;
    r->status_line = "449 Retry After Sending a PROVISION Command";
    apr_table_setn(r->headers_out, "Cache-Control", "private");
    ap_set_content_length(r, 0);
    return OK;
}

int eas_policy_gate(eas_ctx_t *ctx)
{
    eas_request_t *req = ctx->req;
    request_rec *r = req->r;
    const eas_policy_conf_t *c = eas_policy_conf(r);
    const eas_device_t *d = ctx->device;
    const char *why;
    int status, rc;

    if (d->wipe) {
        status = EAS_STATUS_REMOTE_WIPE;
        why = "a remote wipe is requested";
    }
    else if (!c->provisioning || exempt(c, req)) {
        return OK;
    }
    else if (!req->has_policy_key || req->policy_key == 0
             || d->policy_key == 0) {
        status = EAS_STATUS_NOT_PROVISIONED;
        why = "the device is not provisioned";
    }
    else if (req->policy_key != d->policy_key) {
        status = EAS_STATUS_INVALID_POLICY_KEY;
        why = apr_psprintf(r->pool, "policy key %u is not the device's",
                           (unsigned)req->policy_key);
    }
    else if (!d->policy_hash
             || strcmp(d->policy_hash, eas_policy_current_hash(r)) != 0) {
        status = EAS_STATUS_POLICY_REFRESH;
        why = "the policy changed since the device accepted it";
    }
    else {
        return OK;
    }
    if (req->version < 140 || !req->cmd->status_tag) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00920)
                      "%s from device %s of %s: %s: answering 449",
                      req->cmd->name, req->device_id, ctx->user->login, why);
        eas_policy_send_449(r);
        return DONE;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00920)
                  "%s from device %s of %s: %s: answering Status %d",
                  req->cmd->name, req->device_id, ctx->user->login, why,
                  status);
    rc = eas_response_status(req, status);
    return rc == OK ? DONE : rc;
}

/* ------------------------------------------------------------------ */
/* Device information                                                  */
/* ------------------------------------------------------------------ */

#define EAS_DEVICE_INFO_MAX 1024

int eas_device_info_set(eas_ctx_t *ctx, const eas_node_t *set)
{
    eas_device_t *d = ctx->device;
    const eas_node_t *n;
    apr_pool_t *p = ctx->req->r->pool;

    if (!set || set->tag != EAS_Settings_Set || !set->child)
        return 2;
    for (n = set->child; n; n = n->next) {
        switch (n->tag) {
        case EAS_Settings_Model: case EAS_Settings_IMEI:
        case EAS_Settings_FriendlyName: case EAS_Settings_OS:
        case EAS_Settings_OSLanguage: case EAS_Settings_PhoneNumber:
        case EAS_Settings_UserAgent: case EAS_Settings_EnableOutboundSMS:
        case EAS_Settings_MobileOperator:
            break;
        default:
            return 2;
        }
        if (n->child || n->opaque)
            return 2;
        if (n->len > EAS_DEVICE_INFO_MAX)
            return 5;
    }
    if (!d->info)
        d->info = apr_table_make(p, 8);
    for (n = set->child; n; n = n->next)
        apr_table_set(d->info, eas_tag_name(n->tag), n->value ? n->value : "");
    return 1;
}
