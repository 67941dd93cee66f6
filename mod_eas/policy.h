/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provisioning (MS-ASPROV) on the module side: the policy directives, the
 * gate every command but Provision passes, and the device information a
 * phone reports (Settings and Provision DeviceInformation).
 */
#ifndef EAS_POLICY_H
#define EAS_POLICY_H

#include <httpd.h>
#include <http_config.h>
#include "policy_doc.h"
#include "context.h"

/* MS-ASCMD common status codes of provisioning (14.0 and later). */
#define EAS_STATUS_NOT_FULLY_PROVISIONABLE 139
#define EAS_STATUS_REMOTE_WIPE             140
#define EAS_STATUS_NOT_PROVISIONED         142
#define EAS_STATUS_POLICY_REFRESH          143
#define EAS_STATUS_INVALID_POLICY_KEY      144
#define EAS_STATUS_EXTERNALLY_MANAGED      145

/* What 12.x clients get instead: "provision first" (MS-ASHTTP). */
#define EAS_HTTP_RETRY_PROVISION 449

typedef struct eas_policy_conf {
    int values[EAS_POLICY_NSETTINGS];
    unsigned char set[EAS_POLICY_NSETTINGS];
    int provisioning;               /* EASProvisioning */
    int allow_nonprov;              /* EASPolicyAllowNonProvisionableDevices */
    apr_array_header_t *exempt;     /* EASProvisionExempt, as const char * */
    const void *exempt_from;        /* the directive that made the list */
    unsigned provisioning_set:1, allow_nonprov_set:1;
} eas_policy_conf_t;

eas_policy_conf_t *eas_policy_conf_create(apr_pool_t *p);
eas_policy_conf_t *eas_policy_conf_merge(apr_pool_t *p,
                                         const eas_policy_conf_t *base,
                                         const eas_policy_conf_t *add);
/* The effective policy of a request. */
const eas_policy_conf_t *eas_policy_conf(const request_rec *r);
/* Its hash (eas_policy_hash of the effective values). */
const char *eas_policy_current_hash(const request_rec *r);

/*
 * Whether the request may run its command as far as provisioning goes.
 * Returns OK to go on; otherwise the answer has been sent or is to be
 * sent: DONE (a 14.x Status response went out) or an HTTP status.  The
 * table of answers is in policy.c.  Logs one line when it refuses.
 */
int eas_policy_gate(eas_ctx_t *ctx);

/*
 * Apply a DeviceInformation <Set> (Settings code page) to the device row
 * in memory; the caller saves it.  Returns the Settings status: 1, 2 (not
 * a Set of known elements), 5 (a value too long).
 */
int eas_device_info_set(eas_ctx_t *ctx, const eas_node_t *set);

/* Set up an empty 449 answer (12.x "provision first"); returns OK. */
int eas_policy_send_449(request_rec *r);

const char *eas_policy_set_value(cmd_parms *cmd, void *dconf, const char *arg);
const char *eas_policy_set_flag(cmd_parms *cmd, void *dconf, int on);
const char *eas_policy_set_exempt(cmd_parms *cmd, void *dconf, const char *arg);

#define EAS_POLICY_FLAG_PROVISIONING 0
#define EAS_POLICY_FLAG_NONPROV      1

#define EAS_POLICY_DIRECTIVE(name, elem, kind, min, max, def, since) \
    AP_INIT_TAKE1("EASPolicy" #name, eas_policy_set_value, \
                  (void *)(apr_uintptr_t)EAS_POL_##name, \
                  RSRC_CONF | ACCESS_CONF, \
                  "Provisioning policy element " #elem),

/* For config.c's directive table (ends with a comma). */
#define EAS_POLICY_DIRECTIVES \
    AP_INIT_FLAG("EASProvisioning", eas_policy_set_flag, \
                 (void *)(apr_uintptr_t)EAS_POLICY_FLAG_PROVISIONING, \
                 RSRC_CONF | ACCESS_CONF, \
                 "On: devices must accept the policy before other commands " \
                 "(default On)"), \
    AP_INIT_FLAG("EASPolicyAllowNonProvisionableDevices", eas_policy_set_flag, \
                 (void *)(apr_uintptr_t)EAS_POLICY_FLAG_NONPROV, \
                 RSRC_CONF | ACCESS_CONF, \
                 "On: accept devices that apply the policy partly or not " \
                 "at all (default Off)"), \
    AP_INIT_ITERATE("EASProvisionExempt", eas_policy_set_exempt, NULL, \
                    RSRC_CONF | ACCESS_CONF, \
                    "DeviceIds or DeviceTypes that need no provisioning"), \
    EAS_POLICY_SETTINGS(EAS_POLICY_DIRECTIVE)

#endif
