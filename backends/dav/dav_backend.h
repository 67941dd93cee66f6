/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dav backend: a user's calendars, task lists, journals and address
 * books on a CalDAV (RFC 4791) / CardDAV (RFC 6352) server as EAS folders,
 * on top of the client in dav_client.h.  Private declarations.
 *
 * Folders.  A collection is a folder per kind of item it holds: its
 * events ("e<n>"), to-dos ("t<n>"), journal entries ("j<n>") or cards
 * ("a<n>"), n being the collection's id in the user's id map (name space
 * "dav:c", native the collection's href).  The first collection of each
 * kind (the lowest id: the one seen first) is the default folder of its
 * type (Calendar, Tasks, Notes, Contacts), the others user folders.
 *
 * Items.  An item's id is its href's id in the id map (name space
 * "dav:i:<n>"); its change token is its ETag.
 *
 * Store parameters (u->params, set by dav_glue.c): "url" the base URL for
 * discovery, "dav_user" and "dav_password" the credentials (the user's
 * own, or a service account).
 */
#ifndef EAS_DAV_BACKEND_H
#define EAS_DAV_BACKEND_H

#include "backend.h"
#include "dav_client.h"

#include <apr_hash.h>

extern const eas_backend_t eas_backend_dav;

/* One folder: a collection seen as one kind of item. */
typedef struct {
    eas_folder_t f;             /* f.id as above, parent "0" */
    const char *href;           /* the collection */
    const char *coll_id;        /* its id in the map */
    dav_kind_t kind;
    const char *comp;           /* "VEVENT", "VTODO", "VJOURNAL"; NULL for
                                   an address book */
    int mixed;                  /* the collection holds other kinds too */
    int can_sync;
} dv_folder_t;

/*
 * Reading ahead (dav_items.c).  A Sync page names the items it will
 * fetch (the prefetch hint of backend.h); a fetch of one of them brings
 * it and the next DV_READ_AHEAD - 1 of the hint in one multiget instead
 * of a GET each.  Only the last batch is kept (in a pool of its own), and
 * any write of the store drops it.  A fetch the hint did not name is a
 * GET.
 */
#define DV_READ_AHEAD 100

typedef struct {
    const char *folder;             /* the hint's folder id; NULL: none */
    apr_pool_t *list_pool;          /* folder, order and pos */
    apr_array_header_t *order;      /* the hint's hrefs */
    apr_hash_t *pos;                /* href -> its index in order + 1 */
    int off;                        /* multiget failed: GETs only */
    apr_pool_t *pool;               /* the batch read ahead; NULL: none */
    apr_hash_t *items;              /* href -> dav_item_t of the batch */
    int from, n;                    /* the batch's place in order */
} dv_ahead_t;

/* A folder's last listing in a store (dav_items.c), for the fetches. */
typedef struct {
    apr_pool_t *pool;
    apr_array_header_t *members;    /* dv_member_t, sorted by id */
} dv_listed_t;

typedef struct {
    eas_store_t base;
    dav_client_t *client;
    apr_hash_t *listed;             /* folder id -> dv_listed_t */
    apr_array_header_t *folders;    /* dv_folder_t, NULL until listed */
    apr_hash_t *hrefs;              /* "<folder>\n<item>" -> href seen */
    dv_ahead_t ahead;
} dv_store_t;

/* dav_store.c */
apr_status_t dv_folders_load(dv_store_t *s);
const dv_folder_t *dv_folder(dv_store_t *s, const char *id);
/* The client's status as the backend interface's (backend.h). */
apr_status_t dv_status(apr_status_t rv);

/* dav_homes.c: the homes found for (base URL, DAV user), kept a while */
int dv_homes_get(const char *url, const char *user, dav_homes_t *out,
                 apr_pool_t *p);
void dv_homes_put(const char *url, const char *user, const dav_homes_t *h);
void dv_homes_forget(const char *url, const char *user, apr_pool_t *p);

/*
 * dav_lists.c: collection listings kept per process, so that a listing
 * asks only for what changed since the token of the last one (RFC 6578).
 * Keys from dv_lists_key(): the id map's scope, the EAS user, the server
 * and the collection.  A listing is kept whole (put) and then changed in
 * place (update: the changes between the tokens from and to; 0 when the
 * kept one is not at from); members gives a copy in p of the one kept at
 * token (0: none).  The inside set (href -> "") of a filter is kept with
 * the token it was asked at.  At most dv_lists_set_limit() members in all
 * (0: nothing is kept).
 */
#define DV_LISTS_DEFAULT 200000L
#define DV_IN_SINCE 1           /* events overlapping [since, ...) */
#define DV_IN_OPEN 2            /* to-dos not completed */

typedef struct {
    const char *href;
    const char *etag;
    const char *id;             /* its item id in the map */
} dv_member_t;

const char *dv_lists_key(const char *scope, const char *login,
                         const char *url, const char *href, apr_pool_t *p);
int dv_lists_token(const char *key, const char **token, apr_pool_t *p);
void dv_lists_put(const char *key, const char *token,
                  const apr_array_header_t *members);
int dv_lists_update(const char *key, const char *from, const char *to,
                    const apr_array_header_t *removed,
                    const apr_array_header_t *changed);
int dv_lists_members(const char *key, const char *token,
                     apr_array_header_t **out, apr_pool_t *p);
int dv_lists_get_inside(const char *key, const char *token, int filter,
                        apr_time_t since, apr_hash_t **inside, apr_pool_t *p);
void dv_lists_put_inside(const char *key, const char *token, int filter,
                         apr_time_t since, apr_hash_t *inside);
void dv_lists_drop(const char *key);
void dv_lists_set_limit(long items);

/* dav_items.c */
apr_status_t dv_list(eas_store_t *st, const char *folder_id,
                     const eas_filter_t *f, apr_array_header_t **out,
                     apr_pool_t *p);
/* The calendar's items whose UID contains uid (calendar-query). */
apr_status_t dv_find_uid(eas_store_t *st, const char *folder_id,
                         const char *uid, apr_array_header_t **items,
                         apr_pool_t *p);
void dv_prefetch(eas_store_t *st, const char *folder_id,
                 const apr_array_header_t *item_ids, apr_pool_t *p);
apr_status_t dv_stat(eas_store_t *st, const char *folder_id,
                     const char *item_id, eas_item_ref_t *out, apr_pool_t *p);
apr_status_t dv_fetch(eas_store_t *st, const char *folder_id,
                      const char *item_id, eas_blob_t *out, apr_pool_t *p);
apr_status_t dv_add(eas_store_t *st, const char *folder_id,
                    const eas_blob_t *data, unsigned flags,
                    const char **new_id, const char **token, apr_pool_t *p);
apr_status_t dv_replace(eas_store_t *st, const char *folder_id,
                        const char *item_id, const eas_blob_t *data,
                        const char *if_token, const char **token,
                        apr_pool_t *p);
apr_status_t dv_remove(eas_store_t *st, const char *folder_id,
                       const char *item_id, const char *if_token,
                       apr_pool_t *p);
apr_status_t dv_move(eas_store_t *st, const char *folder_id,
                     const char *item_id, const char *to_folder_id,
                     const char **new_id, apr_pool_t *p);

#endif
