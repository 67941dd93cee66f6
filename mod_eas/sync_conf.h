/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Limits of the Sync and GetItemEstimate commands: EASMaxSyncCollections
 * and EASMaxWindowSize; and of groupware items (contacts, events, tasks,
 * notes) both ways: EASMaxItemSize, EASMaxPhotoSize, EASMaxAttendees, with
 * EASTimeZone for what has no zone of its own (birthdays, all-day
 * events).  Part of eas_dir_conf_t (config.h).
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
#define EAS_PIM_DEFAULT_ITEM (1024 * 1024)
#define EAS_PIM_ITEM_CEILING (64 * 1024 * 1024)
#define EAS_PIM_DEFAULT_PHOTO (256 * 1024)
#define EAS_PIM_DEFAULT_ATTENDEES 500
#define EAS_PIM_ATTENDEES_CEILING 100000

typedef struct eas_sync_conf {
    int max_collections;        /* EASMaxSyncCollections */
    int max_window;             /* EASMaxWindowSize */
    int max_item;               /* EASMaxItemSize, bytes */
    int max_photo;              /* EASMaxPhotoSize, bytes */
    int max_attendees;          /* EASMaxAttendees */
    const char *tzid;           /* EASTimeZone, NULL: UTC */
    unsigned max_collections_set:1, max_window_set:1, max_item_set:1,
        max_photo_set:1, max_attendees_set:1;
} eas_sync_conf_t;

eas_sync_conf_t *eas_sync_conf_create(apr_pool_t *p);
eas_sync_conf_t *eas_sync_conf_merge(apr_pool_t *p, const eas_sync_conf_t *base,
                                     const eas_sync_conf_t *add);
/* The effective limits of a request. */
const eas_sync_conf_t *eas_sync_conf(const request_rec *r);

const char *eas_sync_set_collections(cmd_parms *cmd, void *dconf,
                                     const char *arg);
const char *eas_sync_set_window(cmd_parms *cmd, void *dconf, const char *arg);
const char *eas_sync_set_pim_limit(cmd_parms *cmd, void *dconf,
                                   const char *arg);
const char *eas_sync_set_tz(cmd_parms *cmd, void *dconf, const char *arg);

/* For config.c's directive table (ends with a comma). */
#define EAS_SYNC_DIRECTIVES \
    AP_INIT_TAKE1("EASMaxSyncCollections", eas_sync_set_collections, NULL, \
                  RSRC_CONF | ACCESS_CONF, \
                  "Most collections in one Sync or GetItemEstimate, 1 to 1000 " \
                  "(default 100)"), \
    AP_INIT_TAKE1("EASMaxWindowSize", eas_sync_set_window, NULL, \
                  RSRC_CONF | ACCESS_CONF, \
                  "Most items in one Sync response, 1 to 512 (default 512)"), \
    AP_INIT_TAKE1("EASMaxItemSize", eas_sync_set_pim_limit, "item", \
                  RSRC_CONF | ACCESS_CONF, \
                  "Largest contact, event, task or note accepted from a " \
                  "phone, bytes (default 1048576)"), \
    AP_INIT_TAKE1("EASMaxPhotoSize", eas_sync_set_pim_limit, "photo", \
                  RSRC_CONF | ACCESS_CONF, \
                  "Largest contact photo sent or accepted, bytes " \
                  "(default 262144)"), \
    AP_INIT_TAKE1("EASMaxAttendees", eas_sync_set_pim_limit, "attendees", \
                  RSRC_CONF | ACCESS_CONF, \
                  "Most attendees of an event sent or accepted " \
                  "(default 500)"), \
    AP_INIT_TAKE1("EASTimeZone", eas_sync_set_tz, NULL, \
                  RSRC_CONF | ACCESS_CONF, \
                  "The users' time zone for dates without one (birthdays, " \
                  "all-day events), e.g. Europe/Berlin (default UTC)"),

#endif
