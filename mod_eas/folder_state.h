/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The folder hierarchy as a device has seen it: a snapshot (see
 * sync_snapshot.h) of folder ids with a token for each folder's parent,
 * name and type, stored under the hierarchy's own SyncKeys.
 */
#ifndef EAS_FOLDER_STATE_H
#define EAS_FOLDER_STATE_H

#include "context.h"
#include "sync_snapshot.h"

/* The token that changes when a folder is renamed, moved or retyped. */
const char *eas_folder_token(apr_pool_t *p, const eas_folder_t *f);

/*
 * The snapshot stored with the device's hierarchy key k.  Returns
 * APR_SUCCESS, APR_ENOENT for an unknown or malformed key, or another
 * error (logged) if the state cannot be read.
 */
apr_status_t eas_folder_state_get(eas_ctx_t *ctx, const char *k,
                                  eas_snapshot_t **s);
/*
 * Store s under the key after k (a fresh lineage when k is "0") and
 * return that key in *next; NULL on failure (logged).
 */
const char *eas_folder_state_put(eas_ctx_t *ctx, const char *k,
                                 const eas_snapshot_t *s);

/*
 * Whether the store's folders differ from what the device was last told
 * by FolderSync (1; also when it never ran one), 0 if not, -1 if the state
 * or the store cannot be read (logged).
 */
int eas_folder_hierarchy_changed(eas_ctx_t *ctx);

/* The user's folders from the store (eas_folder_t), or NULL (logged);
   in the request's pool, or in p. */
apr_array_header_t *eas_folder_list(eas_ctx_t *ctx);
apr_array_header_t *eas_folder_list_in(eas_ctx_t *ctx, apr_pool_t *p);
/* The folder with this id in a list, or NULL. */
const eas_folder_t *eas_folder_find(const apr_array_header_t *folders,
                                    const char *id);
/* The first folder of a type (e.g. EAS_FOLDER_DELETED), or NULL. */
const eas_folder_t *eas_folder_of_type(const apr_array_header_t *folders,
                                       eas_folder_type_t type);

#endif
