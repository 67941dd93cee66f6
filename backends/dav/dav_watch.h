/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dav backend's change source (backend.h "Change sources"): one
 * poller per process, shared by every waiting request of every user; a
 * DAV server's change hook (the notification endpoint, mod_eas/notify.c)
 * reaches the poller of every httpd process through dav drops in the
 * drop directory (notify_drop.h).  Apache-free.
 */
#ifndef EAS_DAV_WATCH_H
#define EAS_DAV_WATCH_H

#include "backend.h"

extern const eas_source_ops_t dav_source_ops;

/* Bounds and default of a collection's poll interval, in seconds
   (EASDAVPollInterval; the store parameter "dav_poll_interval"). */
#define DAV_POLL_MIN 5
#define DAV_POLL_MAX 3600
#define DAV_POLL_DEFAULT 30

/* How long a notification waits for others of the same collection
   before the one poll they cause (milliseconds). */
#define DAV_NOTIFY_GATHER_MS 250

/*
 * Where the poller logs (failures of the DAV server, at most once a
 * minute) and the drop directory it watches for notifications (NULL:
 * none).  Once per process, from the glue, before or after the source
 * opens; the strings must live as long as the process.
 */
void dav_watch_configure(eas_log_fn log, void *log_ctx,
                         const char *drop_dir);

#endif
