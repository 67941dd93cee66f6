/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Direct Push: a request (Ping, Sync with Wait) that waits for a change.
 *
 * A waiting request sleeps on its worker thread in one poll() over three
 * things: the client's socket (hang-up), an eventfd the process's push hub
 * writes to when a watched folder may have changed, a newer wait of the
 * same device began or httpd stops, and the deadline.  Nothing else runs
 * for it while it sleeps, and it holds no database connection and no
 * device lock.  A poll-callback MPM could take over eas_push_sleep
 * without the commands noticing.
 *
 * Folder watches go to the backend's process-wide change source
 * (backend.h), shared by every request of the process that watches the
 * same folder.  Limits (EASPushMax, EASPushMaxPerUser) hold across all
 * httpd processes.
 */
#ifndef EAS_PUSH_H
#define EAS_PUSH_H

#include <httpd.h>
#include <http_config.h>
#include "backend.h"

typedef struct eas_push eas_push_t;

typedef enum {
    EAS_PUSH_CHANGED,           /* a watch fired: eas_push_fired says which */
    EAS_PUSH_TIMEOUT,           /* the deadline passed */
    EAS_PUSH_GONE,              /* the client hung up */
    EAS_PUSH_SUPERSEDED,        /* a newer wait of the same device began */
    EAS_PUSH_STOPPING,          /* httpd stops or restarts */
    EAS_PUSH_ERROR              /* cannot wait (logged) */
} eas_push_event_t;

/* Server-wide settings (directives in push_conf.c). */
typedef struct {
    int heartbeat_min, heartbeat_max;   /* EASPingHeartbeat min max, s */
    int max_folders;                    /* EASPingMaxFolders */
    int max_waits;                      /* EASPushMax: all processes */
    int max_user_waits;                 /* EASPushMaxPerUser */
    int retry_after;                    /* EASPushRetryAfter, s */
} eas_push_conf_t;

#define EAS_PUSH_HEARTBEAT_MIN 60
#define EAS_PUSH_HEARTBEAT_MAX 3540
#define EAS_PUSH_DEFAULT_FOLDERS 300

const eas_push_conf_t *eas_push_conf(void);
const char *eas_push_set_heartbeat(cmd_parms *cmd, void *d, const char *lo,
                                   const char *hi);
/* cmd->info: the field's offset in eas_push_conf_t. */
const char *eas_push_set_int(cmd_parms *cmd, void *d, const char *arg);

/* For config.c's directive table (ends with a comma). */
#define EAS_PUSH_INT(name, field, help) \
    AP_INIT_TAKE1(name, eas_push_set_int, \
                  (void *)APR_OFFSETOF(eas_push_conf_t, field), RSRC_CONF, help)
#define EAS_PUSH_DIRECTIVES \
    AP_INIT_TAKE2("EASPingHeartbeat", eas_push_set_heartbeat, NULL, \
                  RSRC_CONF, "Shortest and longest heartbeat of a Ping or a " \
                  "Sync with Wait, in seconds (default 60 3540)"), \
    EAS_PUSH_INT("EASPingMaxFolders", max_folders, \
                 "Most folders one Ping may watch (default 300)"), \
    EAS_PUSH_INT("EASPushMax", max_waits, "Most waiting Pings and Syncs in " \
                 "all of httpd; 0: no limit but MaxRequestWorkers (default 0)"), \
    EAS_PUSH_INT("EASPushMaxPerUser", max_user_waits, "Most waiting Pings " \
                 "and Syncs of one user; 0: no limit (default 10)"), \
    EAS_PUSH_INT("EASPushRetryAfter", retry_after, "Retry-After in seconds " \
                 "of a 503 answer to a wait over a limit (default 60)"),

/*
 * Admit a wait of (user, device) for request r with ntags watches to
 * come: checks the limits, ends every older wait of the same device (in
 * any process), and registers the waiter; it ends with r->pool.  Returns
 * OK or HTTP 503 (logged; Retry-After set) when over a limit.
 */
int eas_push_begin(request_rec *r, const char *user, const char *device,
                   int ntags, eas_push_t **w);
/*
 * Watch a folder of st (folder_id NULL: the hierarchy) under tag
 * 0..ntags-1.  APR_ENOTIMPL if the backend has no change source,
 * APR_ENOENT for an unknown folder, else as the source says (logged by it).
 */
apr_status_t eas_push_watch(eas_push_t *w, eas_store_t *st,
                            const char *folder_id, int tag);
/* Sleep until one of the events or the deadline. */
eas_push_event_t eas_push_sleep(eas_push_t *w, apr_time_t deadline);
/*
 * Whether tag fired since the last eas_push_clear (a source that lost
 * track fires every tag).
 */
int eas_push_fired(const eas_push_t *w, int tag);
void eas_push_clear(eas_push_t *w);

/* Hooks: settings, shared counters, the hub (mod_eas.c). */
void eas_push_register_hooks(apr_pool_t *p);
void eas_push_conf_register_hooks(apr_pool_t *p);

#endif
