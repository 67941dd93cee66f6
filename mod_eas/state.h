/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-device state in SQL through apr_dbd: devices, provisioning, sync
 * keys with the snapshot each key stands for, cached Ping/Sync parameters
 * and the ClientIds of recently sent messages.  Everything is keyed by (user, DeviceId): one state handle
 * can only ever read and write its own user's and device's rows.
 *
 * Usable without Apache: the module hands it a connection from mod_dbd
 * (ap_dbd_acquire), the unit tests one from apr_dbd_open.  SQLite and
 * PostgreSQL speak the same statements here.
 */
#ifndef EAS_STATE_H
#define EAS_STATE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_hash.h>
#include <apr_time.h>
#include <apr_dbd.h>

/* Schema version this code writes; older schemas are migrated. */
#define EAS_STATE_SCHEMA 3

/* SyncKey strings are at most this long (MS-ASCMD: 64). */
#define EAS_SYNCKEY_MAX 64

/* The collection id under which the folder hierarchy (FolderSync) is kept. */
#define EAS_STATE_HIERARCHY ""

typedef struct eas_state eas_state_t;

/*
 * Create or migrate the schema.  Safe to call from several processes at
 * once; cheap when the schema is current.  Fails (with *err saying why)
 * if the database holds a newer schema than this code knows.
 */
apr_status_t eas_state_migrate(apr_pool_t *p, const apr_dbd_driver_t *drv,
                               apr_dbd_t *h, const char **err);

/*
 * A handle on one (user, device)'s state for the life of pool p, which
 * must not outlive the connection h.  user and device_id are compared
 * exactly (byte for byte) and must not be empty.  Statements are prepared
 * once per handle: with apr_dbd's sqlite3 driver each stays allocated
 * until the connection closes, so a caller that reuses connections uses
 * eas_state_open_cached.
 */
apr_status_t eas_state_open(eas_state_t **st, apr_pool_t *p,
                            const apr_dbd_driver_t *drv, apr_dbd_t *h,
                            const char *user, const char *device_id,
                            const char **err);

/*
 * The same, with prepared statements kept in stmts, a hash that lives
 * exactly as long as the connection (mod_dbd's ap_dbd_t.prepared, with
 * ap_dbd_t.pool as stmt_pool), so each is prepared once per connection.
 * Keys are labels starting with "eas_".
 */
apr_status_t eas_state_open_cached(eas_state_t **st, apr_pool_t *p,
                                   const apr_dbd_driver_t *drv, apr_dbd_t *h,
                                   apr_hash_t *stmts, apr_pool_t *stmt_pool,
                                   const char *user, const char *device_id,
                                   const char **err);

/*
 * How long a statement keeps retrying while SQLite reports the database
 * busy (another process writing) before it fails; EAS_STATE_BUSY_WAIT
 * unless set.  PostgreSQL waits for row locks itself.
 */
#define EAS_STATE_BUSY_WAIT apr_time_from_sec(10)
void eas_state_busy_timeout(eas_state_t *st, apr_interval_time_t wait);

/* The last database error, for logs. */
const char *eas_state_error(eas_state_t *st);

/* ---- devices ---- */
typedef struct {
    const char *device_type;
    apr_uint32_t policy_key;        /* acknowledged key, 0: not provisioned */
    apr_uint32_t pending_key;       /* sent in phase 1, not yet acknowledged */
    const char *policy_hash;        /* policy the key was issued for */
    int wipe;                       /* 0 none, 1 requested, 2 acknowledged */
    apr_table_t *info;              /* Settings DeviceInformation */
    const char *ping_cache;         /* last Ping parameters, serialised */
    const char *sync_cache;         /* last Sync collections, serialised */
    apr_time_t first_seen, last_seen;
} eas_device_t;

/* The device row (created on first call, with device_type). */
apr_status_t eas_state_device(eas_state_t *st, const char *device_type,
                              eas_device_t **dev);
/* Write back every field of *dev (info NULL: empty). */
apr_status_t eas_state_device_put(eas_state_t *st, const eas_device_t *dev);

/* ---- sync keys and snapshots ---- */
/*
 * The snapshot stored with (collection, synckey), or APR_ENOENT if that
 * key is unknown for this device.  Snapshots are opaque text to the store.
 */
apr_status_t eas_state_sync_get(eas_state_t *st, const char *collection,
                                const char *synckey, const char **snapshot,
                                apr_pool_t *p);
/*
 * Store the snapshot for a new key, keeping prev_key (the one the client
 * just sent, which it may repeat after a lost response) and dropping every
 * older key of the collection, in one transaction.  prev_key is NULL when
 * the client sent SyncKey 0.  Keys longer than EAS_SYNCKEY_MAX: APR_EINVAL.
 */
apr_status_t eas_state_sync_put(eas_state_t *st, const char *collection,
                                const char *prev_key, const char *new_key,
                                const char *snapshot);
/* Every key stored for the collection (at most two), oldest first. */
apr_status_t eas_state_sync_keys(eas_state_t *st, const char *collection,
                                 apr_array_header_t **keys, apr_pool_t *p);
/*
 * Rewrite the snapshot of a key that exists (for changes the device made
 * itself outside Sync, e.g. MoveItems).
 */
apr_status_t eas_state_sync_update(eas_state_t *st, const char *collection,
                                   const char *synckey, const char *snapshot);
/* Forget every key of the collection (SyncKey 0, folder deleted). */
apr_status_t eas_state_sync_reset(eas_state_t *st, const char *collection);
/* Forget every key of every collection of this device except hierarchy. */
apr_status_t eas_state_sync_reset_all(eas_state_t *st);

/* ---- messages sent (SendMail, SmartReply, SmartForward) ---- */
/*
 * The ClientIds a device sent messages with, so that a request repeated
 * after a lost answer is not sent twice.  Kept per device: the newest
 * EAS_CLIENTID_KEEP, none older than EAS_CLIENTID_AGE.  Ids longer than
 * EAS_CLIENTID_MAX bytes (MS-ASCMD allows 40 characters): APR_EINVAL.
 */
#define EAS_CLIENTID_MAX 128
#define EAS_CLIENTID_KEEP 100
#define EAS_CLIENTID_AGE apr_time_from_sec(7 * 24 * 3600)
#define EAS_CLIENTADD_KEEP 1000
/* APR_SUCCESS if the device sent one with client_id, else APR_ENOENT. */
apr_status_t eas_state_clientid_seen(eas_state_t *st, const char *client_id);
/* Remember client_id as sent now, dropping what is beyond the bounds. */
apr_status_t eas_state_clientid_put(eas_state_t *st, const char *client_id);

/*
 * Items a device added through Sync, by (collection, ClientId): a Sync
 * repeated after a lost answer finds the item made the first time
 * instead of making it again.  Same bounds as above.
 */
apr_status_t eas_state_clientadd_get(eas_state_t *st, const char *collection,
                                     const char *client_id, const char **item,
                                     apr_pool_t *p);
apr_status_t eas_state_clientadd_put(eas_state_t *st, const char *collection,
                                     const char *client_id, const char *item);

/* ---- the per-user id map (backend.h's eas_idmap_t) ---- */
/*
 * Short decimal ids for a backend's native ids (DAV hrefs...), per user
 * and name space, shared by the user's devices.  Natives are non-empty,
 * at most EAS_IDMAP_NATIVE_MAX bytes.  An id is never given to another
 * native, also after its own was forgotten.
 */
#define EAS_IDMAP_NATIVE_MAX 2048
/* The id of native; a new one when create is set, else APR_ENOENT. */
apr_status_t eas_state_idmap_id(eas_state_t *st, const char *ns,
                                const char *native, int create,
                                const char **id, apr_pool_t *p);
/* The native of id, or APR_ENOENT. */
apr_status_t eas_state_idmap_native(eas_state_t *st, const char *ns,
                                    const char *id, const char **native,
                                    apr_pool_t *p);
/* Every mapping of ns: native -> id, both in p. */
apr_status_t eas_state_idmap_all(eas_state_t *st, const char *ns,
                                 apr_hash_t **native_to_id, apr_pool_t *p);
/*
 * The ids of many natives (const char *) into native_to_id (which may
 * hold some already, as eas_state_idmap_all gave them): those missing are
 * made, numbered in one go and inserted in one transaction.
 */
apr_status_t eas_state_idmap_ids(eas_state_t *st, const char *ns,
                                 const apr_array_header_t *natives,
                                 apr_hash_t *native_to_id, apr_pool_t *p);
/* Drop native's mapping (NULL: all of ns; the counter stays). */
apr_status_t eas_state_idmap_forget(eas_state_t *st, const char *ns,
                                    const char *native);
/* The id of from becomes to's (a mapping to had is dropped); APR_ENOENT
   when from has none. */
apr_status_t eas_state_idmap_rename(eas_state_t *st, const char *ns,
                                    const char *from, const char *to);

/* ---- serialisation of one device's requests ---- */
/*
 * Once per process tree, before the handles that lock: the lock file, one
 * per host, shared by every process that serves the same devices (created
 * mode 0600 if missing; the caller makes it writable for the processes
 * that lock).  path is kept, not copied.
 */
apr_status_t eas_state_lock_init(const char *path);

/*
 * Hold the device's lock until eas_state_unlock or the pool dies, so that
 * two requests of one device never interleave their state updates.
 * Other devices and users are not blocked.  Serialises the threads and
 * processes of one host (a lock on the lock file) and, on PostgreSQL,
 * every host sharing the database (an advisory lock held by the
 * connection).  Waits at most EAS_STATE_LOCK_WAIT, then APR_TIMEUP.
 * Do not hold it across a Ping's or a Sync's wait.
 */
#define EAS_STATE_LOCK_WAIT apr_time_from_sec(30)
apr_status_t eas_state_lock(eas_state_t *st);
/* The same with another bound on the wait; 0 tries once. */
apr_status_t eas_state_lock_wait(eas_state_t *st, apr_interval_time_t wait);
void eas_state_unlock(eas_state_t *st);

#endif
