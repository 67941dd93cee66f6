/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Maildir++ backend, private declarations.
 *
 * On disk (all our files are plain names, never starting with '.', so
 * Dovecot and Courier ignore them):
 *
 *   ROOT/                 the Inbox (cur/ new/ tmp/)
 *   ROOT/.A.B/            folder B under A; names in modified UTF-7
 *   DIR/eas-folderid      "<id> <inode>\n": the folder's stable id, moved
 *                         along when another program renames DIR
 *   ROOT/eas-folders      "next <n>\n": the folder id counter
 *   ROOT/eas-folders.lock serialises folder changes and id allocation
 *   DIR/eas-uidlist       "EASUID1 <next>\n" then "<uid> <time> <size>
 *                         <base>\n" per message: the item ids
 *   DIR/eas-uidlist.lock  serialises uid allocation in that folder
 *
 * A message's base is its file name up to ':' (the part that survives
 * new/ -> cur/ and flag changes).  Locks are open-file-description locks
 * (or flock), so they exclude threads of one process as well as processes.
 */
#ifndef EAS_MAILDIR_H
#define EAS_MAILDIR_H

#include "backend.h"
#include "mutf7.h"

#include <apr_hash.h>
#include <sys/types.h>
#include <time.h>

/* Log levels as syslog and Apache number them. */
#define MD_LOG_ERR 3
#define MD_LOG_WARNING 4
#define MD_LOG_DEBUG 7

#define MD_ID_FILE "eas-folderid"
#define MD_COUNTER_FILE "eas-folders"
#define MD_FOLDERS_LOCK "eas-folders.lock"
#define MD_UIDLIST "eas-uidlist"
#define MD_UIDLIST_LOCK "eas-uidlist.lock"

typedef enum {
    MD_SPECIAL_NONE = 0,
    MD_SPECIAL_INBOX,
    MD_SPECIAL_DRAFTS,
    MD_SPECIAL_SENT,
    MD_SPECIAL_TRASH,
    MD_SPECIAL_JUNK
} md_special_t;

typedef struct md_folder {
    const char *id;
    const char *parent_id;
    const char *name;           /* display name, UTF-8 */
    const char *mname;          /* on disk: "" (Inbox) or ".A.B" */
    const char *dir;            /* absolute path */
    eas_folder_type_t type;
    md_special_t special;
    ino_t ino;
} md_folder_t;

/* One message as the uid list and the last directory scan know it. */
typedef struct md_msg {
    apr_uint64_t uid;
    apr_int64_t time;           /* seconds */
    apr_off_t size;
    const char *base;
    apr_size_t blen;
    apr_uint32_t hash;          /* of base */
    const char *name;           /* current file name, NULL if not seen */
    char sub;                   /* 'n' (new/) or 'c' (cur/) */
    unsigned flags;             /* EAS_ITEM_* from the name */
} md_msg_t;

/* Open addressing by base name: apr_hash costs a third of a listing. */
typedef struct {
    md_msg_t **slot;
    apr_size_t mask, n;
} md_index_t;

/* A folder's messages: the uid list joined with a scan of new/ and cur/. */
typedef struct md_box {
    apr_pool_t *pool;           /* everything below; replaced on rescan */
    const md_folder_t *f;
    md_index_t by_base;
    apr_hash_t *by_uid;         /* uid -> live md_msg_t, made on demand */
    apr_array_header_t *live;   /* md_msg_t * present on disk */
    apr_uint64_t next_uid;
    int entries;                /* lines in the uid list */
    apr_off_t list_off;         /* its length as read */
    int list_exists;
} md_box_t;

typedef struct md_store {
    eas_store_t base;
    apr_pool_t *pool;
    const char *root;
    mode_t dir_mode, file_mode;
    apr_array_header_t *folders;    /* md_folder_t, parents first */
    apr_hash_t *boxes;              /* folder id -> md_box_t */
    apr_hash_t *snaps;              /* folder id -> md_snap_t held */
} md_store_t;

/* What a listing depends on: one of new/, cur/, the uid list. */
typedef struct {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtim, ctim;
} md_stamp_t;

typedef struct {
    md_stamp_t sub[2];          /* new/, cur/ */
    md_stamp_t list;
    struct timespec at;         /* the clock before the stats */
} md_stamps_t;

/* One message of a kept listing. */
typedef struct {
    apr_uint64_t uid;
    apr_int64_t time;
    apr_off_t size;
    apr_uint32_t name;          /* offset of its file name in names */
    unsigned char flags;
    char sub;                   /* 'n' or 'c' */
} md_snap_msg_t;

typedef struct {
    apr_uint64_t uid;
    apr_uint32_t idx;           /* into msgs */
} md_snap_uid_t;

/* A folder's listing, read-only once made; one malloc'd block. */
typedef struct md_snap {
    const char *dir;
    md_stamps_t stamps;         /* as before the scan it came from */
    md_snap_msg_t *msgs;        /* newest first */
    md_snap_uid_t *uids;        /* by uid */
    const char *names;
    int n;
    /* the cache's own, under its lock */
    int refs, linked;
    apr_uint64_t used;
    apr_size_t bytes;
} md_snap_t;

/* ---- maildir_fs.c: files, locks, names ---- */
int md_lock(md_store_t *s, const char *path);      /* fd, or -1 (logged) */
void md_unlock(int fd);
/* Write data to path atomically (temp file in the same dir + rename). */
apr_status_t md_write_atomic(md_store_t *s, const char *path,
                             const char *data, apr_size_t len);
/* Read a whole small file; APR_ENOENT if missing. */
apr_status_t md_read_file(const char *path, char **data, apr_size_t *len,
                          apr_pool_t *p);
apr_status_t md_mkdir(md_store_t *s, const char *path);   /* EEXIST is fine */
/* Create a maildir: dir (must not exist unless may_exist), cur/new/tmp. */
apr_status_t md_make_maildir(md_store_t *s, const char *dir, int subfolder,
                             int may_exist);
/* Remove a directory tree (symlinks are unlinked, never followed). */
apr_status_t md_rmtree(const char *path);
/* rename(2) that never replaces an existing target. */
int md_rename_noreplace(const char *from, const char *to);
/* A fresh unique base name for a message delivered now. */
const char *md_unique_base(apr_pool_t *p, apr_int64_t sec);
apr_status_t md_errno(void);
apr_status_t md_fail(md_store_t *s, apr_status_t rv, const char *what,
                     const char *path);

/* ---- maildir_cache.c: listings kept between requests ---- */
void md_stamps_take(const char *dir, md_stamps_t *st, apr_pool_t *p);
int md_stamps_eq(const md_stamps_t *a, const md_stamps_t *b);
/* Whether new/ and cur/ last changed well before the stamps were taken. */
int md_stamps_settled(const md_stamps_t *st);
/* A listing of b's scan (one reference), or NULL without memory. */
md_snap_t *md_snap_make(const md_box_t *b, const md_stamps_t *st);
const md_snap_msg_t *md_snap_find(const md_snap_t *sn, apr_uint64_t uid);
void md_snap_release(md_snap_t *sn);
/* The kept listing of dir if its stamps equal now (a new reference). */
md_snap_t *md_cache_get(const char *dir, const md_stamps_t *now);
/* Keep sn (takes a reference of its own). */
void md_cache_put(md_snap_t *sn);
void md_cache_forget(const char *dir);

/* A client name becomes one component of ".A.B" (mutf7.h), so it may
   hold neither the separator '.' nor '/'. */
#define MD_NAME_FORBID "./"

/* ---- maildir_folders.c ---- */
apr_status_t md_folders_load(md_store_t *s);
const md_folder_t *md_folder_find(md_store_t *s, const char *id);
apr_status_t md_folders(eas_store_t *st, apr_array_header_t **out,
                        apr_pool_t *p);
apr_status_t md_folder_create(eas_store_t *st, const char *parent_id,
                              const char *name, eas_folder_type_t type,
                              const char **new_id, apr_pool_t *p);
apr_status_t md_folder_update(eas_store_t *st, const char *id,
                              const char *parent_id, const char *name,
                              apr_pool_t *p);
apr_status_t md_folder_delete(eas_store_t *st, const char *id,
                              apr_pool_t *p);
/* f and its subfolders, parents first (md_folder_t *). */
apr_array_header_t *md_folder_subtree(md_store_t *s, const md_folder_t *f,
                                      apr_pool_t *p);
/* Delete the subfolders of a folder (EmptyFolderContents). */
apr_status_t md_folder_delete_children(md_store_t *s, const char *id,
                                       apr_pool_t *p);
/* Remove a folder directory (renamed into ROOT/tmp first). */
apr_status_t md_folder_remove_dir(md_store_t *s, const md_folder_t *f);

/* ---- maildir_uid.c ---- */
/* The folder's messages, rescanned now (fresh) or as last scanned. */
apr_status_t md_box_get(md_store_t *s, const md_folder_t *f, int fresh,
                        md_box_t **out);
/* An item id's uid (decimal, no leading zeros), or 0 if it is not one. */
apr_uint64_t md_parse_item_id(const char *id);
/* A live message by item id (from the last scan unless fresh; a miss
   rescans once). */
apr_status_t md_box_find(md_store_t *s, const md_folder_t *f,
                         const char *item_id, int fresh, md_box_t **box,
                         md_msg_t **m);
/* Make tmp_path visible as cur/<base>:2,<flags> with a uid, atomically
   with respect to uid allocation; *uid receives it. */
apr_status_t md_box_deliver(md_store_t *s, const md_folder_t *f,
                            const char *tmp_path, const char *base,
                            const char *info, apr_int64_t time,
                            apr_off_t size, apr_uint64_t *uid);
void md_box_forget(md_store_t *s, const md_folder_t *f);
/* Parse the name parts of a message file. */
unsigned md_flags_from_info(const char *info);
const char *md_flags_token(unsigned flags);

/* ---- maildir_items.c ---- */
apr_status_t md_list(eas_store_t *st, const char *folder_id,
                     const eas_filter_t *filter, apr_array_header_t **out,
                     apr_pool_t *p);
apr_status_t md_stat(eas_store_t *st, const char *folder_id,
                     const char *item_id, eas_item_ref_t *out,
                     apr_pool_t *p);
apr_status_t md_fetch(eas_store_t *st, const char *folder_id,
                      const char *item_id, eas_blob_t *out, apr_pool_t *p);
apr_status_t md_set_flags(eas_store_t *st, const char *folder_id,
                          const char *item_id, unsigned set, unsigned clear,
                          const char **token, apr_pool_t *p);
apr_status_t md_add(eas_store_t *st, const char *folder_id,
                    const eas_blob_t *data, unsigned flags,
                    const char **new_id, const char **token, apr_pool_t *p);
apr_status_t md_replace(eas_store_t *st, const char *folder_id,
                        const char *item_id, const eas_blob_t *data,
                        const char *if_token, const char **token,
                        apr_pool_t *p);
apr_status_t md_remove(eas_store_t *st, const char *folder_id,
                       const char *item_id, const char *if_token,
                       apr_pool_t *p);
apr_status_t md_move(eas_store_t *st, const char *folder_id,
                     const char *item_id, const char *to_folder_id,
                     const char **new_id, apr_pool_t *p);
apr_status_t md_empty(eas_store_t *st, const char *folder_id,
                      int subfolders, apr_pool_t *p);
/* The path of a live message. */
const char *md_msg_path(const md_box_t *b, const md_msg_t *m,
                        apr_pool_t *p);
/* Read a message file whole (NUL-terminated); APR_ENOENT if gone. */
apr_status_t md_read_msg(const char *path, eas_blob_t *out, apr_pool_t *p);

/* ---- maildir_search.c ---- */
apr_status_t md_search(eas_store_t *st, const eas_search_t *q,
                       apr_array_header_t **out, apr_pool_t *p);
/* Whether every word of text occurs in msg's searchable parts. */
int md_search_match(const char *msg, apr_size_t len, const char *text,
                    apr_pool_t *p);

#endif
