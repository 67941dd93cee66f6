/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The held NOTIFY/IDLE connection of a watched user (imap_hold.c), one
 * per user and server across the httpd processes.  Used by the change
 * source's thread only.
 */
#ifndef EAS_IMAP_HOLD_H
#define EAS_IMAP_HOLD_H

#include "imap_backend.h"

typedef struct iw_hold iw_hold_t;

/* Hold srv's user's connection (mode "auto", "notify" or "idle"; "plugin"
   holds none), or NULL: another process holds it, or it cannot be made
   now (logged through log). */
iw_hold_t *iw_hold_try(const im_server_t *srv, const char *mode,
                       const char *drop_dir, const im_log_t *log);
/* The socket to poll, or -1. */
int iw_hold_fd(const iw_hold_t *h);
/* Read what arrived (never waits), telling it as drops; renews IDLE when
   due.  Anything but APR_SUCCESS: the connection failed, close it. */
apr_status_t iw_hold_read(iw_hold_t *h);
/* Close it and let another process take over (NULL: nothing). */
void iw_hold_close(iw_hold_t *h);

#endif
