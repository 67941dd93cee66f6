/*
 * Limits of the Sync and GetItemEstimate commands: EASMaxSyncCollections
 * and EASMaxWindowSize.  Part of eas_dir_conf_t (config.h).
 */
#ifndef EAS_SYNC_CONF_H
#define EAS_SYNC_CONF_H

#include <httpd.h>
#include <http_config.h>

#define EAS_SYNC_DEFAULT_COLLECTIONS 100
#define EAS_SYNC_COLLECTIONS_CEILING 1000
/* MS-ASCMD: a WindowSize above 512 is treated as 512. */
#define EAS_SYNC_WINDOW_CEILING 512
#define EAS_SYNC_DEFAULT_WINDOW 100

typedef struct eas_sync_conf {
    int max_collections;        /* EASMaxSyncCollections */
    int max_window;             /* EASMaxWindowSize */
    unsigned max_collections_set:1, max_window_set:1;
} eas_sync_conf_t;

eas_sync_conf_t *eas_sync_conf_create(apr_pool_t *p);
eas_sync_conf_t *eas_sync_conf_merge(apr_pool_t *p, const eas_sync_conf_t *base,
                                     const eas_sync_conf_t *add);
/* The effective limits of a request. */
const eas_sync_conf_t *eas_sync_conf(const request_rec *r);

const char *eas_sync_set_collections(cmd_parms *cmd, void *dconf,
                                     const char *arg);
const char *eas_sync_set_window(cmd_parms *cmd, void *dconf, const char *arg);

/* For config.c's directive table (ends with a comma). */
#define EAS_SYNC_DIRECTIVES \
    AP_INIT_TAKE1("EASMaxSyncCollections", eas_sync_set_collections, NULL, \
                  RSRC_CONF | ACCESS_CONF, \
                  "Most collections in one Sync or GetItemEstimate, 1 to 1000 " \
                  "(default 100)"), \
    AP_INIT_TAKE1("EASMaxWindowSize", eas_sync_set_window, NULL, \
                  RSRC_CONF | ACCESS_CONF, \
                  "Most items in one Sync response, 1 to 512 (default 512)"),

#endif
