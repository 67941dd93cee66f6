/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Changes a device made itself outside Sync (MoveItems, ItemOperations
 * EmptyFolderContents), recorded in the device's latest sync state of each
 * folder so the next Sync does not send them back as news; and Adds a
 * Sync response had to leave out, so the next Sync sends them.
 */
#ifndef EAS_SYNC_ADJUST_H
#define EAS_SYNC_ADJUST_H

#include "context.h"

/* The device moved src_item of src to dst, where it is now dst_item. */
void eas_sync_note_move(eas_ctx_t *ctx, const char *src, const char *src_item,
                        const char *dst, const char *dst_item,
                        const char *token);
/* The device emptied the folder itself. */
void eas_sync_note_emptied(eas_ctx_t *ctx, const char *folder);
/* The items (eas_item_ref_t) were left out for good at their tokens:
   skipped until they change (eas_snapshot_skip). */
void eas_sync_note_skipped(eas_ctx_t *ctx, const char *folder,
                           const apr_array_header_t *items);
/* The items (ids) were not sent after all, though the new key has them. */
void eas_sync_note_unsent(eas_ctx_t *ctx, const char *folder,
                          const apr_array_header_t *ids);

#endif
