/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a device has been told about a collection, and what changed since.
 *
 * A snapshot maps item (or folder) ids to the change token the device last
 * saw.  It is stored as text with each SyncKey (state.h), so a client that
 * repeats a key gets the same starting point again.  The diff against a
 * backend listing yields the adds, changes and deletes to send; each one
 * sent is applied to the snapshot stored with the next key, so paging
 * (WindowSize) never loses or repeats an item.
 */
#ifndef EAS_SYNC_SNAPSHOT_H
#define EAS_SYNC_SNAPSHOT_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include "backend.h"

typedef struct eas_snapshot eas_snapshot_t;

typedef enum {
    EAS_CHANGE_ADD,
    EAS_CHANGE_CHANGE,
    EAS_CHANGE_DELETE,          /* gone from the store */
    EAS_CHANGE_SOFTDELETE       /* still there, but outside the time window */
} eas_change_kind_t;

typedef struct {
    eas_change_kind_t kind;
    const char *id;
    const eas_item_ref_t *item; /* NULL for deletes */
} eas_change_t;

/* Parse stored text; NULL or "" gives an empty snapshot.  NULL if corrupt. */
eas_snapshot_t *eas_snapshot_parse(apr_pool_t *p, const char *text);
/* The text to store. */
const char *eas_snapshot_text(const eas_snapshot_t *s, apr_pool_t *p);

const char *eas_snapshot_get(const eas_snapshot_t *s, const char *id);
void eas_snapshot_set(eas_snapshot_t *s, const char *id, const char *token);
void eas_snapshot_remove(eas_snapshot_t *s, const char *id);
unsigned eas_snapshot_count(const eas_snapshot_t *s);
/* Every id, in no particular order (const char *). */
apr_array_header_t *eas_snapshot_ids(const eas_snapshot_t *s, apr_pool_t *p);
/* Forget every id. */
void eas_snapshot_clear(eas_snapshot_t *s);
/*
 * Mark id as left out at token (an item its converter refused): the diff
 * sends nothing for it while its token stays, an Add when it changes,
 * and nothing when it goes or leaves the window.
 */
void eas_snapshot_skip(eas_snapshot_t *s, const char *id, const char *token);

/*
 * Changes from the snapshot to items (eas_item_ref_t, as a backend lists
 * them: each id once; newest first is fastest, any order is right).
 * Items outside the listing's filter (FilterType) count as absent: known
 * ones become soft deletes, unknown ones are not sent.  Order: deletes, changes,
 * then adds newest first, so that a window of N sends what matters first.
 */
apr_array_header_t *eas_snapshot_diff(const eas_snapshot_t *s,
                                      const apr_array_header_t *items,
                                      apr_pool_t *p);

/* Record in s that change c has been sent to the device. */
void eas_snapshot_apply(eas_snapshot_t *s, const eas_change_t *c);

/*
 * SyncKeys: "{nonce}N".  A fresh lineage starts at N = 1 with a random
 * nonce, so keys from before a reset (SyncKey 0) never match again.
 */
const char *eas_synckey_first(apr_pool_t *p);
/* The key after k, or NULL if k is not one of ours. */
const char *eas_synckey_next(apr_pool_t *p, const char *k);
/* Whether k has our form (checked before it reaches the database). */
int eas_synckey_valid(const char *k);

#endif
