/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-directory configuration: the EAS* directives (table in config.c).
 */
#ifndef EAS_CONFIG_H
#define EAS_CONFIG_H

#include <httpd.h>
#include <http_config.h>

#define EAS_DEFAULT_MAX_BODY   ((apr_off_t)32 * 1024 * 1024)
#define EAS_MAX_BODY_CEILING   ((apr_off_t)1024 * 1024 * 1024)
#define EAS_MAX_DEPTH_CEILING  256
#define EAS_MAX_NODES_CEILING  10000000

/*
 * A value and whether it was set in this section, so that merging can tell
 * "not set here" (inherit) from "set to the default" (override).
 */
struct eas_user_conf;
struct eas_backend_conf;
struct eas_policy_conf;
struct eas_sync_conf;
struct eas_mailops_conf;

typedef struct {
    apr_off_t max_body;         /* EASMaxRequestBody */
    unsigned max_depth;         /* EASMaxWBXMLDepth */
    unsigned max_nodes;         /* EASMaxWBXMLNodes */
    int trace_bodies;           /* EASTraceBodies */
    unsigned max_body_set:1;
    unsigned max_depth_set:1;
    unsigned max_nodes_set:1;
    unsigned trace_bodies_set:1;
    struct eas_user_conf *user;     /* users and LDAP (user.h) */
    struct eas_backend_conf *backends; /* EASBackend and the backends'
                                          own (backend_conf.h) */
    struct eas_policy_conf *policy; /* provisioning (policy.h) */
    struct eas_sync_conf *sync;     /* Sync limits (sync_conf.h) */
    struct eas_mailops_conf *mailops; /* sending, fetch limit (mailops_conf.h) */
    const char *notify_secret;      /* EASNotifySecret (notify.h) */
} eas_dir_conf_t;

extern const command_rec eas_directives[];

void *eas_create_dir_conf(apr_pool_t *p, char *dir);
void *eas_merge_dir_conf(apr_pool_t *p, void *base, void *add);

/* The effective configuration for a request. */
const eas_dir_conf_t *eas_dir_conf(const request_rec *r);

#endif
