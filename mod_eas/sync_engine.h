/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Sync engine (MS-ASCMD 2.2.1.21 Sync, 2.2.1.9 GetItemEstimate, and
 * Ping's look at folders): its types and what its files share.
 * sync_collection.c works out each collection, sync_client_changes.c
 * applies what the device changed, sync_item.c and sync_pim.c write items,
 * sync_cache.c keeps the collections for empty and partial requests,
 * sync_pending.c tells whether a Sync would send anything, sync_wait.c
 * holds a Sync with Wait.  The commands (cmd_sync.c, cmd_getitemestimate.c,
 * cmd_ping.c) use it; it knows no command.
 *
 * A Sync runs in two phases.  First every collection is worked out: the
 * device's changes applied, the server's changes chosen (at most the
 * window) and the snapshot of the next SyncKey stored.  Then the response
 * is streamed, each message read and converted as it is written.  So no
 * byte leaves before the state it stands for is safe, a lost response
 * only makes the device repeat its key, and an empty response can be
 * chosen when nothing at all is to be said.
 */
#ifndef EAS_SYNC_ENGINE_H
#define EAS_SYNC_ENGINE_H

#include "context.h"
#include "sync_options.h"
#include "sync_snapshot.h"

/* Sync Status values (MS-ASCMD 2.2.3.177.17). */
enum {
    EAS_SYNC_OK = 1,
    EAS_SYNC_BAD_KEY = 3,
    EAS_SYNC_PROTOCOL = 4,
    EAS_SYNC_SERVER_ERROR = 5,
    EAS_SYNC_CONVERSION = 6,
    EAS_SYNC_CONFLICT = 7,
    EAS_SYNC_NOT_FOUND = 8,
    EAS_SYNC_INCOMPLETE = 13,
    EAS_SYNC_BAD_WAIT = 14,
    EAS_SYNC_TOO_MANY = 15
};

/* One entry of a collection's Responses. */
typedef struct {
    eas_tag_t kind;             /* AirSync Add, Change, Delete or Fetch */
    const char *server_id;      /* NULL for a refused Add */
    const char *client_id;      /* Add only */
    int status;
} eas_sync_reply_t;

typedef struct {
    /* as requested (or taken from the cache) */
    const char *id;             /* CollectionId */
    const char *key;            /* SyncKey */
    int get_changes;            /* 0, 1; -1 not given */
    int window;                 /* WindowSize; -1 not given */
    int deletes_as_moves;       /* 0, 1; -1 not given */
    int has_options;            /* Options were sent */
    eas_sync_options_t opts;
    const eas_node_t *commands; /* Commands, NULL if none */
    /* worked out */
    int status;
    const char *new_key;        /* the key to answer with */
    const eas_folder_t *folder;
    apr_array_header_t *replies;    /* eas_sync_reply_t */
    apr_array_header_t *changes;    /* eas_change_t to send */
    int more;                       /* MoreAvailable */
} eas_sync_coll_t;

typedef struct {
    eas_ctx_t *ctx;
    request_rec *r;
    int version;
    apr_array_header_t *colls;  /* eas_sync_coll_t */
    int budget;                 /* items this response may still carry */
    int max_age_filter;         /* the policy's MaxEmailAgeFilter, 0: none */
    int max_cal_filter;         /* its MaxCalendarAgeFilter, 0: none */
    apr_time_t now;
    eas_store_t *store;         /* opened on first use */
    apr_array_header_t *folders;    /* the store's folders, listed once */
    apr_array_header_t *skipped;    /* eas_item_ref_t of Adds refused by
                                       their converter, likewise */
    apr_array_header_t *unsent; /* item ids of Adds left out while writing
                                   the collection being written */
    apr_pool_t *pool;           /* for listings and snapshots; NULL: r's */
} eas_sync_req_t;

/* Where sr's listings and snapshots go: a waiting request looks in a pool
   it destroys before it sleeps again. */
static inline apr_pool_t *eas_sync_pool(const eas_sync_req_t *sr)
{
    return sr->pool ? sr->pool : sr->r->pool;
}

/* ---- sync_collection.c ---- */
/* Phase one for one collection: sets status, new_key, replies, changes. */
void eas_sync_collection_prepare(eas_sync_req_t *sr, eas_sync_coll_t *c);
/* Phase two: the Collection element; scratch is cleared per item. */
void eas_sync_collection_write(eas_sync_req_t *sr, const eas_sync_coll_t *c,
                               eas_wbxml_enc_t *e, apr_pool_t *scratch);
/* Whether the collection has anything to say beyond "nothing new". */
int eas_sync_collection_news(const eas_sync_coll_t *c);
/* The store and its folders, opened and listed once per request. */
int eas_sync_store(eas_sync_req_t *sr);
/* Look a collection up: the folder, or NULL (unknown, or not mail). */
const eas_folder_t *eas_sync_folder(eas_sync_req_t *sr, const char *id);
/*
 * The snapshot of (collection, key): APR_SUCCESS, APR_ENOENT for a key
 * that is unknown, malformed or corrupt, or another error (logged).
 */
apr_status_t eas_sync_snapshot(eas_sync_req_t *sr, const char *collection,
                               const char *key, eas_snapshot_t **s);
/* The changes the device would get (after the window), or NULL (logged). */
apr_array_header_t *eas_sync_pending(eas_sync_req_t *sr, const char *folder,
                                     const eas_snapshot_t *s,
                                     const eas_sync_options_t *o);

/* ---- sync_pending.c ---- */
#define EAS_SYNC_GONE 2
/*
 * Whether a Sync from the device's newest key of collection id would send
 * anything: 1 or 0, EAS_SYNC_GONE if the folder is not (or no longer) a
 * mail folder of the store, -1 on a failure (logged).
 */
int eas_sync_has_changes(eas_sync_req_t *sr, const char *id);

/* ---- sync_wait.c ---- */
/*
 * Hold a Sync that has nothing to send until one of its collections has
 * something (they are then prepared again: returns 1), the time ends or
 * httpd stops (0), or the client hangs up (-1).  *http is OK, or the HTTP
 * status to answer with (a limit of held requests, logged).
 */
int eas_sync_wait(eas_sync_req_t *sr, int seconds, int *http);

/* ---- sync_client_changes.c ---- */
/*
 * Apply the Commands of c to the store and to s (the snapshot of c's
 * key); the outcome of each goes to c->replies.  Returns the number of
 * commands applied (0 if none), or -1 if Commands are malformed.
 */
int eas_sync_client_changes(eas_sync_req_t *sr, eas_sync_coll_t *c,
                            eas_snapshot_t *s);
/* ---- sync_cache.c ---- */
/* The device's cached collections (eas_sync_coll_t), or NULL if none. */
apr_array_header_t *eas_sync_cache_load(eas_sync_req_t *sr);
/* Remember the collections as answered, with their new keys, and the
   request's WindowSize and wait in seconds. */
void eas_sync_cache_save(eas_sync_req_t *sr, int global_window, int wait);
/* The Sync-level WindowSize stored with the cache (-1 if none). */
int eas_sync_cache_window(eas_sync_req_t *sr);
/* The wait in seconds stored with the cache (0 if none). */
int eas_sync_cache_wait(eas_sync_req_t *sr);

#endif
