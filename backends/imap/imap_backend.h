/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IMAP backend, private declarations.
 *
 * A store is one request's view of one user's mailboxes on one IMAP
 * server.  It borrows a logged-in connection from the process's pool
 * (imap_pool.c) on first use and gives it back when the request ends.
 *
 * Ids.  A folder's id is a short decimal from the id map (name space
 * "imap:f"), for a native naming the mailbox and its UIDVALIDITY:
 * "g:<GUID>/<UIDVALIDITY>" where the server tells a mailbox's GUID (STATUS
 * X-GUID, Dovecot), so that renames by any client keep the id; else
 * "n:<mailbox>/<UIDVALIDITY>", renamed along when the phone renames.  A
 * new UIDVALIDITY makes a new folder for the phone: the old one is
 * deleted and the new one synced from scratch, which is how EAS lets a
 * server start a folder over.  An item's id is its UID (RFC 3501 2.3.1.1).
 *
 * Tokens.  An item's change token is its flags as the phone sees them.
 */
#ifndef EAS_IMAP_BACKEND_H
#define EAS_IMAP_BACKEND_H

#include "backend.h"
#include "imap_client.h"

#include <apr_hash.h>
#include <apr_tables.h>

#define IM_LOG_ERR 3
#define IM_LOG_WARNING 4
#define IM_LOG_DEBUG 7

#define IM_NS_FOLDER "imap:f"

extern const eas_backend_t eas_backend_imap;

typedef enum {
    IM_AUTH_USER,               /* the user's own name and password */
    IM_AUTH_MASTER,             /* Dovecot master user: "<user>*<master>" */
    IM_AUTH_PROXY               /* SASL PLAIN with authzid <user> */
} im_auth_t;

/* How the server is reached and who the store logs in as. */
typedef struct {
    im_endpoint_t ep;
    const char *url;            /* as configured: names the server */
    const char *login;          /* the user on the IMAP server */
    const char *authcid;        /* who authenticates */
    const char *password;       /* never logged, never stored */
    const char *authzid;        /* proxy authorisation, or NULL */
} im_server_t;

/* ---- imap_pool.c: logged-in connections kept per process ---- */

typedef struct im_conn {
    im_client_t *c;
    apr_pool_t *pool;           /* the connection's own */
    const char *key;            /* server, identity, password digest */
    const char *user_key;       /* server and login: the per-user bound */
    const char *selected;       /* the selected mailbox, or NULL */
    apr_uint32_t uidvalidity;
    apr_uint64_t highestmodseq; /* when it was selected */
    apr_uint32_t exists;
    int xguid;                  /* STATUS X-GUID: 1 yes, -1 no, 0 unknown */
    apr_time_t used;            /* last given back */
} im_conn_t;

/* Process-wide bounds (EASIMAPConnections, EASIMAPIdleTimeout). */
void im_pool_configure(int max_conns, int max_per_user,
                       apr_interval_time_t idle);
/* A logged-in connection for srv: one kept idle, or a new one.
   EAS_EUNAVAIL (down, over the bounds), APR_EACCES (login refused);
   *err, in p, says why. */
apr_status_t im_pool_take(const im_server_t *srv, const im_log_t *log,
                          im_conn_t **out, const char **err, apr_pool_t *p);
/* Give it back: kept for the next request unless it broke. */
void im_pool_give(im_conn_t *cn);
/* Close every idle connection (child exit). */
void im_pool_close_all(void);
/* At the process's end: the idle connections closed, and the pool's own
   memory given back (connections still in use keep it). */
void im_pool_shutdown(void);

/* ---- the store ---- */

typedef struct im_folder {
    const char *id;
    const char *parent_id;
    const char *name;           /* display, UTF-8 */
    const char *mailbox;        /* on the server (modified UTF-7) */
    const char *native;         /* in the id map */
    eas_folder_type_t type;
    apr_uint32_t uidvalidity;
    int noselect;
} im_folder_t;

/* A message of a listing (imap_lists.c). */
typedef struct {
    apr_uint32_t uid;
    unsigned flags;             /* EAS_ITEM_* */
    apr_time_t time;            /* INTERNALDATE */
    apr_off_t size;
} im_msg_t;

typedef struct im_listing im_listing_t;

typedef struct {
    eas_store_t base;
    apr_pool_t *pool;
    im_server_t srv;
    im_log_t log;
    im_conn_t *conn;            /* borrowed on first use */
    /* the mailbox whose latest state this store has seen on conn (selected
       or NOOPed in this request), or NULL */
    const char *fresh;
    apr_array_header_t *folders;    /* im_folder_t, once listed */
    apr_hash_t *by_id;          /* id -> im_folder_t * */
    char delim;                 /* the hierarchy separator, '\0' none */
    /* the personal namespace (RFC 2342): its prefix ("" or "INBOX."),
       and the prefixes of the others, whose mailboxes are not the
       user's own (const char *) */
    const char *prefix;
    apr_array_header_t *others;
    /* the last listing the store made, for the sizes of a read-ahead */
    im_listing_t *listed;
    const char *listed_folder;
    /* messages read ahead (prefetch): uid -> eas_blob_t *, of one folder,
       in batches of at most IM_AHEAD_MAX bytes (ahead_pool, gone when the
       next batch is read: a fetch of a later item of the page); the
       page's ids from ahead_next on are not read yet */
    const char *ahead_folder;
    apr_hash_t *ahead;
    apr_pool_t *ahead_pool;
    apr_array_header_t *ahead_ids;
    int ahead_next;
} im_store_t;

/* The store's connection, logged in (taken from the pool when needed). */
apr_status_t im_conn(im_store_t *s, im_conn_t **out);
/* Log a failure of the server and say what to tell the phone. */
apr_status_t im_fail(im_store_t *s, apr_status_t rv, const char *what,
                     const char *mailbox);
/* Select mailbox (again, to see its latest state).  APR_ENOENT: gone. */
apr_status_t im_select(im_store_t *s, const char *mailbox, im_conn_t **out);
/*
 * Before a STATUS of every mailbox (LIST-STATUS): a session's STATUS of
 * its own selected mailbox may be as old as its last look (RFC 3501
 * 6.3.10; Dovecot answers from the view it selected, even after another
 * client deleted and re-created the mailbox), and a kept connection
 * still has an earlier request's mailbox selected: leave it (UNSELECT),
 * or bring the view up to date (NOOP) where the server cannot.
 */
apr_status_t im_leave_selected(im_conn_t *cn, apr_pool_t *p);
/* The connection with mailbox selected as it is now: selected, or, when a
   kept connection has it selected since an earlier request, brought up to
   date with NOOP (Dovecot reads a Maildir again only then, not for a
   FETCH).  APR_ENOENT: gone. */
apr_status_t im_select_fresh(im_store_t *s, const char *mailbox,
                             im_conn_t **out);

/* ---- imap_folders.c ---- */
apr_status_t im_folders_load(im_store_t *s);
const im_folder_t *im_folder(im_store_t *s, const char *id);
apr_status_t im_folders(eas_store_t *st, apr_array_header_t **out,
                        apr_pool_t *p);
apr_status_t im_folder_create(eas_store_t *st, const char *parent_id,
                              const char *name, eas_folder_type_t type,
                              const char **new_id, apr_pool_t *p);
apr_status_t im_folder_update(eas_store_t *st, const char *id,
                              const char *parent_id, const char *name,
                              apr_pool_t *p);
apr_status_t im_folder_delete(eas_store_t *st, const char *id,
                              apr_pool_t *p);

/* ---- imap_lists.c: listings kept per process ---- */
/* Bound of the members kept (EASIMAPListCache); 0 keeps none. */
void im_lists_set_limit(apr_size_t members);
/* The folder's listing, brought up to date (QRESYNC when the server has
   it); released with the pool p. */
apr_status_t im_listing(im_store_t *s, const im_folder_t *f,
                        im_listing_t **out, apr_pool_t *p);
/* Its messages, newest first (INTERNALDATE, then UID, descending). */
const im_msg_t *const *im_listing_newest(const im_listing_t *l,
                                         apr_size_t *n);
/* One message by UID, or NULL. */
const im_msg_t *im_listing_find(const im_listing_t *l, apr_uint32_t uid);
/* Forget every kept listing and the table (the process's end, when no
   request runs). */
void im_lists_clear(void);

/* ---- imap_items.c ---- */
const char *im_flags_token(unsigned flags, apr_pool_t *p);
/* IMAP flags of a FETCH FLAGS list -> EAS_ITEM_* */
unsigned im_flags_of(const im_val_t *list);
/* An item id -> UID; 0 when it is not one. */
apr_uint32_t im_uid_of(const char *item_id);
apr_status_t im_list(eas_store_t *st, const char *folder_id,
                     const eas_filter_t *f, apr_array_header_t **out,
                     apr_pool_t *p);
apr_status_t im_stat(eas_store_t *st, const char *folder_id,
                     const char *item_id, eas_item_ref_t *out, apr_pool_t *p);
apr_status_t im_fetch(eas_store_t *st, const char *folder_id,
                      const char *item_id, eas_blob_t *out, apr_pool_t *p);
void im_prefetch(eas_store_t *st, const char *folder_id,
                 const apr_array_header_t *item_ids, apr_pool_t *p);
apr_status_t im_set_flags(eas_store_t *st, const char *folder_id,
                          const char *item_id, unsigned set, unsigned clear,
                          const char **token, apr_pool_t *p);
apr_status_t im_add(eas_store_t *st, const char *folder_id,
                    const eas_blob_t *data, unsigned flags,
                    const char **new_id, const char **token, apr_pool_t *p);
apr_status_t im_replace(eas_store_t *st, const char *folder_id,
                        const char *item_id, const eas_blob_t *data,
                        const char *if_token, const char **token,
                        apr_pool_t *p);
apr_status_t im_remove(eas_store_t *st, const char *folder_id,
                       const char *item_id, const char *if_token,
                       apr_pool_t *p);
apr_status_t im_move(eas_store_t *st, const char *folder_id,
                     const char *item_id, const char *to_folder_id,
                     const char **new_id, apr_pool_t *p);
apr_status_t im_empty(eas_store_t *st, const char *folder_id, int subfolders,
                      apr_pool_t *p);

/* ---- imap_search.c ---- */
apr_status_t im_search(eas_store_t *st, const eas_search_t *q,
                       apr_array_header_t **out, apr_pool_t *p);

#endif
