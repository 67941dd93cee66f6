/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The storage backend interface.
 *
 * A backend serves one user's folders and items (mail, and later calendar,
 * contacts, tasks) to the command code.  It knows nothing of WBXML, HTTP or
 * Apache requests: it sees APR pools, folder and item ids, and raw item
 * data (RFC 5322 messages for mail, iCalendar/vCard for groupware).
 *
 * Backends plug in like mod_dav providers: each fills in an eas_backend_t
 * and registers it by name (eas_backend_register), and carries its own
 * directives in its folder (backend_glue.h: the httpd side).  A user's
 * store may combine backends per class (mail from one, calendars and
 * contacts from another: backend_mux.c); the module opens a per-request
 * store for the authenticated user.
 *
 * Ids.  Folder and item ids are chosen by the backend, stable for the life
 * of the folder or item (across renames and flag changes by other
 * programs), at most EAS_ID_MAX bytes of [A-Za-z0-9_.-] (no ':' or '/', so
 * "folder:item" is unambiguous and no id can be a path).  Every id a client
 * sends reaches a backend only after eas_id_valid(); the backend must still
 * treat it as untrusted and look it up, never use it as a path.
 *
 * Changes.  The backend does not keep per-device state.  It lists a
 * folder's items with a change token each (flags, modseq, ETag: whatever
 * changes when the item changes as the phone sees it); the sync engine
 * compares that listing with what it last told each device.  Writes carry
 * the token the device last saw (if_token): a backend that can tell (DAV's
 * If-Match) refuses a write over someone else's newer change with
 * EAS_ECONFLICT instead of overwriting it, and returns the new token.
 *
 * Native ids that do not fit (DAV hrefs, UIDs, IMAP mailbox names) go
 * through the id map the store context offers (eas_idmap_t): per user,
 * kept in the state database, stable for the life of the item.
 *
 * Errors are apr_status_t: APR_SUCCESS; APR_ENOENT no such folder or item;
 * APR_EEXIST a folder of that name exists there; APR_EINVAL a bad name or
 * argument; APR_ENOTIMPL the backend cannot do it; APR_EACCES not allowed
 * (e.g. deleting a special folder); anything else is a server-side failure,
 * which the backend has already logged through the store's log callback.
 */
#ifndef EAS_BACKEND_H
#define EAS_BACKEND_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_hash.h>
#include <apr_time.h>
#include <apr_errno.h>

#define EAS_ID_MAX 31

/* The item changed since the token the write carried (If-Match failed). */
#define EAS_ECONFLICT (APR_OS_START_USERERR + 1)
/* The server behind the backend is down, slow or answered garbage: the
   request may be retried later (Status 5, or 503 with Retry-After). */
#define EAS_EUNAVAIL  (APR_OS_START_USERERR + 2)

/* Folder types as FolderSync reports them (MS-ASCMD 2.2.3.186.3). */
typedef enum {
    EAS_FOLDER_GENERIC = 1,     /* user-created generic folder */
    EAS_FOLDER_INBOX = 2,
    EAS_FOLDER_DRAFTS = 3,
    EAS_FOLDER_DELETED = 4,
    EAS_FOLDER_SENT = 5,
    EAS_FOLDER_OUTBOX = 6,
    EAS_FOLDER_TASKS = 7,
    EAS_FOLDER_CALENDAR = 8,
    EAS_FOLDER_CONTACTS = 9,
    EAS_FOLDER_NOTES = 10,
    EAS_FOLDER_JOURNAL = 11,
    EAS_FOLDER_USER_MAIL = 12,
    EAS_FOLDER_USER_CALENDAR = 13,
    EAS_FOLDER_USER_CONTACTS = 14,
    EAS_FOLDER_USER_TASKS = 15,
    EAS_FOLDER_USER_JOURNAL = 16,
    EAS_FOLDER_USER_NOTES = 17,
    EAS_FOLDER_UNKNOWN = 18,
    EAS_FOLDER_RECIPIENT_CACHE = 19
} eas_folder_type_t;

/* The content class of a folder's items. */
typedef enum {
    EAS_CLASS_EMAIL,
    EAS_CLASS_CALENDAR,
    EAS_CLASS_CONTACTS,
    EAS_CLASS_TASKS,
    EAS_CLASS_NOTES,
    EAS_NCLASSES
} eas_class_t;

/* A set of classes, as a bit mask. */
#define EAS_CLASS_BIT(c) (1u << (c))
#define EAS_CLASSES_PIM (EAS_CLASS_BIT(EAS_CLASS_CALENDAR) \
    | EAS_CLASS_BIT(EAS_CLASS_CONTACTS) | EAS_CLASS_BIT(EAS_CLASS_TASKS) \
    | EAS_CLASS_BIT(EAS_CLASS_NOTES))

/* The class of a folder type's items. */
eas_class_t eas_folder_class(eas_folder_type_t type);
/* "mail", "calendar", "contacts", "tasks", "notes" and back (-1: none). */
const char *eas_class_name(eas_class_t cls);
int eas_class_lookup(const char *name);

/* The names mail programs give the special mail folders, best first,
   NULL-terminated: how a store without other marks (Maildir, an IMAP
   server without SPECIAL-USE) knows them. */
extern const char *const eas_drafts_names[];
extern const char *const eas_sent_names[];
extern const char *const eas_trash_names[];
extern const char *const eas_junk_names[];

/* Item flags the phone can see and change. */
#define EAS_ITEM_READ      0x01u    /* Maildir S, IMAP \Seen */
#define EAS_ITEM_FLAGGED   0x02u    /* Maildir F, IMAP \Flagged */
#define EAS_ITEM_ANSWERED  0x04u    /* Maildir R, IMAP \Answered */
#define EAS_ITEM_FORWARDED 0x08u    /* Maildir P, IMAP $Forwarded */
#define EAS_ITEM_DRAFT     0x10u    /* Maildir D, IMAP \Draft */

typedef struct {
    const char *id;             /* stable folder id */
    const char *parent_id;      /* "0" for a top-level folder */
    const char *name;           /* display name, UTF-8, no separators */
    eas_folder_type_t type;
    eas_class_t cls;
} eas_folder_t;

typedef struct {
    const char *id;             /* stable item id within its folder */
    const char *token;          /* change token: differs when it changed */
    apr_time_t time;            /* received (mail) or last modified */
    apr_off_t size;             /* raw size in bytes */
    unsigned flags;             /* EAS_ITEM_* */
    int outside;                /* excluded by the listing's filter */
} eas_item_ref_t;

/*
 * What a device asked to see of a folder (FilterType), by class: mail
 * received at or after since; events that end at or after since, an
 * occurrence of a recurring event counting as the event; tasks not
 * completed.  The backend decides with the item's own data (or asks its
 * server, as a CalDAV time-range query does).
 */
typedef struct {
    apr_time_t since;           /* 0: no time limit */
    int incomplete_only;        /* tasks: completed ones are outside */
} eas_filter_t;

/* Raw item data.  It stays valid until the pool it was read into dies. */
typedef struct {
    const char *data;
    apr_size_t len;
} eas_blob_t;

/* Free-text search over a folder (NULL: all mail folders). */
typedef struct {
    const char *folder_id;      /* NULL: every folder of the class */
    const char *text;           /* words to find, UTF-8 */
    apr_time_t since, until;    /* 0: unbounded */
    int max_hits;
} eas_search_t;

typedef struct {
    const char *folder_id;
    const char *item_id;
    apr_time_t time;
} eas_search_hit_t;

/* Who the store is for: filled from Apache's user and LDAP attributes. */
typedef struct {
    const char *login;          /* the authenticated user name */
    const char *email;          /* primary address, may be NULL */
    const char *display_name;   /* may be NULL */
    apr_table_t *params;        /* backend settings, e.g. "path" for maildir */
    /* The password of the request's Basic authentication, for a backend
       that acts as the user (NULL when there is none).  It lives in the
       request's memory only: never logged, never stored. */
    const char *password;
} eas_user_t;

typedef struct eas_store eas_store_t;

/* Called by a backend to log a failure; ctx is eas_store_ctx_t.log_ctx. */
typedef void (*eas_log_fn)(void *log_ctx, int level, apr_status_t rv,
                           const char *msg);

/*
 * The per-user id map (kept in the state database).  ns names a space of
 * native ids, chosen by the backend ("dav:c" for collections, "dav:i:<id>"
 * for the items of collection <id>...).  to_id gives the short id of a
 * native one, making a new one when create is set (APR_ENOENT otherwise);
 * ids are decimal, unique within (user, ns), never reused.  to_native is
 * the reverse (APR_ENOENT: not mapped); forget drops one mapping (native
 * NULL: every mapping of ns); all gives every mapping of ns at once
 * (native -> id, for a listing of many items); to_ids adds to such a
 * table the ids of natives (const char *) it lacks, making them all in one
 * go (a first listing of many items).
 */
typedef struct eas_idmap {
    apr_status_t (*to_id)(const struct eas_idmap *m, const char *ns,
                          const char *native, int create, const char **id,
                          apr_pool_t *p);
    apr_status_t (*to_native)(const struct eas_idmap *m, const char *ns,
                              const char *id, const char **native,
                              apr_pool_t *p);
    apr_status_t (*forget)(const struct eas_idmap *m, const char *ns,
                           const char *native);
    apr_status_t (*rename)(const struct eas_idmap *m, const char *ns,
                           const char *from, const char *to);
    apr_status_t (*all)(const struct eas_idmap *m, const char *ns,
                        apr_hash_t **native_to_id, apr_pool_t *p);
    apr_status_t (*to_ids)(const struct eas_idmap *m, const char *ns,
                           const apr_array_header_t *natives,
                           apr_hash_t *native_to_id, apr_pool_t *p);
    void *baton;
    /* Names the database the map is kept in, the same for every request
       that sees the same map in this process: a backend that keeps ids
       between requests keys them by it. */
    const char *scope;
} eas_idmap_t;

typedef struct {
    apr_pool_t *pool;           /* lifetime of the store (one request) */
    eas_log_fn log;             /* may be NULL */
    void *log_ctx;
    const eas_idmap_t *idmap;   /* NULL where no state database is open */
} eas_store_ctx_t;

/*
 * Change sources.  A source is process-wide: the module opens one per
 * backend per process, and every waiting request of every user shares it.
 * A watch names what it is on by a key: a string the backend derives from
 * the folder (its directory, its IMAP mailbox and server...), the same for
 * every store and request that watches that folder, so that one folder
 * watched by many devices costs the source one watch.  Watches are
 * counted: each watch call is matched by one unwatch of the same key.
 *
 * The source tells of a possible change by calling notify(baton, key)
 * from a thread of its own, soon after it happens (Maildir: inotify, within
 * milliseconds).  False alarms are allowed: the module checks whether a
 * Sync would return anything before it wakes a phone.  A lost change is
 * not: when the source cannot be sure (queue overflow, a reconnect), it
 * notifies with key NULL, meaning "anything may have changed".
 */
typedef struct eas_source eas_source_t;
typedef void (*eas_notify_fn)(void *baton, const char *key);

typedef struct eas_source_ops {
    /* Start the source; p lives as long as the process, and its cleanup
       stops the source's threads before anything it notifies goes away. */
    apr_status_t (*open)(eas_source_t **src, eas_notify_fn notify,
                         void *baton, apr_pool_t *p);
    /* Watch a folder of st (folder_id NULL: the folder hierarchy: folders
       created, deleted or renamed).  *key is allocated from p.
       APR_ENOENT: no such folder. */
    apr_status_t (*watch)(eas_source_t *src, eas_store_t *st,
                          const char *folder_id, const char **key,
                          apr_pool_t *p);
    /* Drop one watch of key (from any thread). */
    void (*unwatch)(eas_source_t *src, const char *key);
} eas_source_ops_t;

typedef struct eas_backend eas_backend_t;

struct eas_backend {
    const char *name;           /* "maildir", "imap", "dav" */
    unsigned classes;           /* EAS_CLASS_BIT()s it can serve */

    /* Open the user's store; *err says why it failed. */
    apr_status_t (*open)(eas_store_t **st, const eas_user_t *user,
                         const eas_store_ctx_t *ctx, const char **err);

    /* ---- folders ---- */
    /* Every folder, parents before children, as eas_folder_t. */
    apr_status_t (*folders)(eas_store_t *st, apr_array_header_t **out,
                            apr_pool_t *p);
    apr_status_t (*folder_create)(eas_store_t *st, const char *parent_id,
                                  const char *name, eas_folder_type_t type,
                                  const char **new_id, apr_pool_t *p);
    /* Rename and/or move under another parent ("0": top level). */
    apr_status_t (*folder_update)(eas_store_t *st, const char *id,
                                  const char *parent_id, const char *name,
                                  apr_pool_t *p);
    /* Delete a folder with its items and subfolders. */
    apr_status_t (*folder_delete)(eas_store_t *st, const char *id,
                                  apr_pool_t *p);

    /* ---- items ---- */
    /*
     * Every item of the folder, as eas_item_ref_t, newest first; those
     * the filter excludes have outside set (f NULL: none is outside).
     */
    apr_status_t (*list)(eas_store_t *st, const char *folder_id,
                         const eas_filter_t *f, apr_array_header_t **out,
                         apr_pool_t *p);
    /* One item's reference (token, flags), or APR_ENOENT. */
    apr_status_t (*stat)(eas_store_t *st, const char *folder_id,
                         const char *item_id, eas_item_ref_t *out,
                         apr_pool_t *p);
    /* The raw item, whole. */
    apr_status_t (*fetch)(eas_store_t *st, const char *folder_id,
                          const char *item_id, eas_blob_t *out,
                          apr_pool_t *p);
    /* Set and clear EAS_ITEM_* flags; the new token is in *token. */
    apr_status_t (*set_flags)(eas_store_t *st, const char *folder_id,
                              const char *item_id, unsigned set,
                              unsigned clear, const char **token,
                              apr_pool_t *p);
    /* Store a new item (a sent message, a draft, an event); its change
       token in *token (token may be NULL). */
    apr_status_t (*add)(eas_store_t *st, const char *folder_id,
                        const eas_blob_t *data, unsigned flags,
                        const char **new_id, const char **token,
                        apr_pool_t *p);
    /* Replace an item's content (groupware items; mail: APR_ENOTIMPL),
       unless it changed since if_token (NULL: whatever it is now):
       EAS_ECONFLICT.  The new token in *token (may be NULL). */
    apr_status_t (*replace)(eas_store_t *st, const char *folder_id,
                            const char *item_id, const eas_blob_t *data,
                            const char *if_token, const char **token,
                            apr_pool_t *p);
    /* Delete an item, unless it changed since if_token (NULL: whatever it
       is now): EAS_ECONFLICT.  Mail backends delete whatever the flags
       are now. */
    apr_status_t (*remove)(eas_store_t *st, const char *folder_id,
                           const char *item_id, const char *if_token,
                           apr_pool_t *p);
    /* Move to another folder; the item's id there is in *new_id. */
    apr_status_t (*move)(eas_store_t *st, const char *folder_id,
                         const char *item_id, const char *to_folder_id,
                         const char **new_id, apr_pool_t *p);
    /* Delete every item (and with subfolders set, every subfolder). */
    apr_status_t (*empty)(eas_store_t *st, const char *folder_id,
                          int subfolders, apr_pool_t *p);

    /* ---- optional: NULL when the backend cannot ---- */
    /* Submit a message (RFC 5322) for delivery; NULL or APR_ENOTIMPL (a
       combined store whose mail backend has none): the module's own
       transport (sendmail or SMTP) is used. */
    apr_status_t (*send)(eas_store_t *st, const eas_blob_t *msg,
                         apr_pool_t *p);
    /* Hits as eas_search_hit_t, newest first. */
    apr_status_t (*search)(eas_store_t *st, const eas_search_t *q,
                           apr_array_header_t **out, apr_pool_t *p);
    /* The items of a groupware folder that may be the one with this UID
       (const char * item ids; the caller reads them to be sure), asked of
       the server rather than read one by one.  NULL: list and read. */
    apr_status_t (*find_uid)(eas_store_t *st, const char *folder_id,
                             const char *uid, apr_array_header_t **items,
                             apr_pool_t *p);
    /* A hint: these items of the folder (const char * ids) are about to
       be fetched, in this order (a Sync page), so that a backend that can
       read many in one request does.  Nothing is returned; a fetch of an
       item the hint named works as any other. */
    void (*prefetch)(eas_store_t *st, const char *folder_id,
                     const apr_array_header_t *item_ids, apr_pool_t *p);
    /* Whether the server behind the folder schedules by itself (CalDAV
       Scheduling, RFC 6638: it sends the invitations and cancellations of
       the events written to it), so that the module must not. */
    int (*schedules)(eas_store_t *st, const char *folder_id, apr_pool_t *p);
    /* Out-of-office: get and set (text, enabled). */
    apr_status_t (*oof_get)(eas_store_t *st, int *enabled,
                            const char **message, apr_pool_t *p);
    apr_status_t (*oof_set)(eas_store_t *st, int enabled,
                            const char *message, apr_pool_t *p);

    /*
     * Change source for Ping and Sync with Wait (see eas_source_t above);
     * NULL when the backend cannot tell changes, and Ping then answers
     * only at the heartbeat.
     */
    const struct eas_source_ops *source;
};

/* Register a backend under its name (at module load). */
void eas_backend_register(const eas_backend_t *b);
/* A registered backend by name, or NULL. */
const eas_backend_t *eas_backend_find(const char *name);
/* The i-th registered backend (from 0), or NULL past the last. */
const eas_backend_t *eas_backend_nth(int i);

/*
 * An open store: the backend and its private state.  Backends allocate
 * this as the first member of their own struct.
 */
struct eas_store {
    const eas_backend_t *backend;
    const eas_user_t *user;
    eas_store_ctx_t ctx;
};

/*
 * The store that holds folder_id and that folder's id there: st itself,
 * or the member of a combined store (backend_mux.c).  For what works per
 * backend rather than per store, such as change sources.
 */
eas_store_t *eas_store_member(eas_store_t *st, const char *folder_id,
                              const char **member_folder_id);

/* Whether s is a well-formed folder or item id (see above). */
int eas_id_valid(const char *s);

/* Log through the store's callback. */
void eas_store_log(eas_store_t *st, int level, apr_status_t rv,
                   const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
