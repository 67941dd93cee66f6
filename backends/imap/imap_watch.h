/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The imap backend's change source (backend.h "Change sources"): one per
 * process, shared by every waiting request of every user, holding no
 * IMAP connection per waiting request.  It learns of changes from
 * notifications (Dovecot's push_notification plugin through the
 * eas-notify endpoint, read from the drop directory) and from a
 * safety-net check per watched user: one LIST ... RETURN (STATUS ...)
 * every EASIMAPCheckInterval, compared with the last.  Apache-free.
 */
#ifndef EAS_IMAP_WATCH_H
#define EAS_IMAP_WATCH_H

#include "backend.h"

extern const eas_source_ops_t im_source_ops;

/* Where the source logs (at most once a minute per failure) and the drop
   directory of notifications (NULL: none).  Once per process. */
void im_watch_configure(eas_log_fn log, void *log_ctx, const char *drop_dir);

#endif
