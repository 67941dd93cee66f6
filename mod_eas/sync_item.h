/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One item in a Sync response: an Add with the converted message, a
 * Fetch answer, or the Read/Flag state of a Change; groupware items go
 * to their class's converter (sync_pim.h).  The item is read and
 * converted into the scratch pool the caller clears after each item.
 */
#ifndef EAS_SYNC_ITEM_H
#define EAS_SYNC_ITEM_H

#include "sync_engine.h"

/*
 * <Add> for item; 0, or -1 if it could not be read (gone by now, or
 * unreadable: logged) and was left out, or EAS_SYNC_ITEM_INVALID if its
 * converter refused it (logged; left out until it changes).
 */
#define EAS_SYNC_ITEM_INVALID (-2)
int eas_sync_item_add(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                      const eas_item_ref_t *item, eas_wbxml_enc_t *e,
                      apr_pool_t *scratch);
/* <Fetch> in Responses for the reply rp (its ServerId and status). */
void eas_sync_item_fetch(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                         const eas_sync_reply_t *rp, eas_wbxml_enc_t *e,
                         apr_pool_t *scratch);
/* The children of <ApplicationData> in a <Change>: Read and Flag. */
void eas_sync_item_flags(eas_sync_req_t *sr, const eas_item_ref_t *item,
                         eas_wbxml_enc_t *e);

#endif
