/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Maildir change source (see eas_source_ops_t in backend.h): one
 * inotify instance and one thread per process.
 *
 * Keys: "maildir:<folder directory>" for a folder (events in its new/ and
 * cur/: deliveries, flag changes, removals, moves in and out) and
 * "maildir-tree:<root>" for the folder hierarchy (Maildir++ ".Name"
 * directories created, removed or renamed under the root).
 */
#ifndef EAS_MAILDIR_WATCH_H
#define EAS_MAILDIR_WATCH_H

#include "backend.h"

#define MD_KEY_FOLDER "maildir:"
#define MD_KEY_TREE "maildir-tree:"

extern const eas_source_ops_t md_source_ops;

#endif
