/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The groupware classes in Sync: contacts, calendars, tasks and notes go
 * through their class's converter (mod_eas/pim), both ways.
 */
#ifndef EAS_SYNC_PIM_H
#define EAS_SYNC_PIM_H

#include "sync_engine.h"
#include "pim.h"

/* A class as Sync and ItemOperations name it: "Email", "Calendar"... */
const char *eas_pim_class_label(eas_class_t cls);
/* The collection's class so named. */
const char *eas_sync_class_name(const eas_sync_coll_t *c);

/*
 * Groupware items outside Sync (ItemOperations Fetch) go through the
 * same two steps as in Sync: the converter's options for the request
 * (its limits, the user, the body preferences given), then the item
 * converted once into a fragment (wbxml.h) of the content of an element
 * in, to splice into the response, or NULL when the converter refuses the
 * item (logged: leave it out, nothing is written).
 */
void eas_pim_opts_init(request_rec *r, const char *user_email, int version,
                       apr_time_t now, const eas_bodypref_t *prefs,
                       int nprefs, eas_pim_opts_t *o);
eas_wbxml_enc_t *eas_pim_convert(request_rec *r, const char *login,
                                 const eas_folder_t *f, const char *item,
                                 const eas_blob_t *blob,
                                 const eas_pim_opts_t *o, eas_tag_t in,
                                 apr_pool_t *p);

/* The converter of the collection's class, or NULL for mail. */
const eas_pim_class_t *eas_sync_pim_class(const eas_sync_coll_t *c);

/*
 * <kind> (AirSync Add or Change) with the item's whole ApplicationData;
 * 0, or -1 when it could not be read, EAS_SYNC_ITEM_INVALID (sync_item.h)
 * when its converter refused it (logged, nothing written: the item is
 * left out).
 */
int eas_sync_pim_write(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                       eas_tag_t kind, const char *item, eas_wbxml_enc_t *e,
                       apr_pool_t *scratch);
/* The ApplicationData of a Fetch, or non-zero as above. */
int eas_sync_pim_fetch(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                       const char *item, eas_wbxml_enc_t *e,
                       apr_pool_t *scratch);

/*
 * The device's Add: a new item from its ApplicationData, once per
 * ClientId (a repeated request finds the first one's).  Returns the Sync
 * status; *item is the new item's id on success.
 */
int eas_sync_pim_add(eas_sync_req_t *sr, eas_sync_coll_t *c,
                     eas_snapshot_t *s, const char *client_id,
                     const eas_node_t *data, const char **item);
/* The device's Change of item: only what EAS carries is rewritten. */
int eas_sync_pim_change(eas_sync_req_t *sr, eas_sync_coll_t *c,
                        eas_snapshot_t *s, const char *item,
                        const eas_node_t *data);
/* The device's Delete of item, unless it changed since the device saw
   it (server wins: Status 7, and the device gets it again). */
int eas_sync_pim_delete(eas_sync_req_t *sr, eas_sync_coll_t *c,
                        eas_snapshot_t *s, const char *item);

#endif
