/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A combined store: one user's folders from several backends, one per
 * class (mail from Maildir or IMAP, calendars, contacts, tasks and notes
 * from a DAV server), in one folder hierarchy.
 *
 * Ids.  The member that serves mail keeps its folder ids as they are (a
 * device that synced before another backend was added keeps its state);
 * every other member's folder ids get the prefix "<c>." where c is the
 * first letter of its backend's name ("d.7" for the DAV backend's folder
 * 7).  A mail backend's ids therefore never have '.' as their second
 * character, and other members' ids fit EAS_ID_MAX - 2.  Item ids are the
 * members' own: they are unique within a folder.
 *
 * Every operation goes to the member that holds the folder; a folder is
 * created in the member that serves its type's class.  Items and folders
 * never move between members (APR_ENOTIMPL).  Sending, searching and
 * out-of-office go to the mail member.
 */
#ifndef EAS_BACKEND_MUX_H
#define EAS_BACKEND_MUX_H

#include "backend.h"

/*
 * Combine stores: by_class[c] is the store serving class c, or NULL; a
 * store may serve several classes.  The combined store lives in
 * ctx->pool; a single store serving every class it is given is returned
 * as it is.  APR_EINVAL: two members whose backends' names begin with
 * the same letter, or no store at all.
 */
apr_status_t eas_mux_open(eas_store_t **out,
                          eas_store_t *const by_class[EAS_NCLASSES],
                          const eas_user_t *user, const eas_store_ctx_t *ctx);

/* The members of a store (st itself when it is not combined), with the
   classes each serves; returns how many (at most EAS_NCLASSES). */
int eas_mux_members(eas_store_t *st, eas_store_t *members[EAS_NCLASSES],
                    unsigned classes[EAS_NCLASSES]);

#endif
