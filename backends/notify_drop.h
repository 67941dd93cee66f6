/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Change notifications between processes ("drops"), shared by the
 * backends' change sources (backend.h "Change sources").  Apache-free.
 *
 * A drop says "user's data of this kind may have changed (there)": a
 * small file written and renamed into the drop directory (under httpd's
 * runtime directory, made by the notification endpoint,
 * mod_eas/notify.c).  Every httpd process's change source of that kind
 * watches the directory with inotify (IN_MOVED_TO) and wakes the waiting
 * requests of that user at once.  A drop carries no content: a kind, a
 * user and a place.
 *
 * Kinds and what "where" names:
 * - EAS_DROP_DAV: a collection's href (an absolute path, as the DAV
 *   server names it), or "" for every collection of the user.
 * - EAS_DROP_IMAP: a mailbox name as Dovecot gives it to its
 *   push_notification plugin: the mailbox's virtual name, in UTF-8 (not
 *   modified UTF-7), the namespace's prefix included, levels joined by
 *   the namespace's separator ("INBOX", "Archive/2024", "Büro"); or ""
 *   for anything of the user (the hierarchy included).  The user is the
 *   IMAP login name as Dovecot knows it (its %u).
 *
 * The file holds three lines: the kind's name ("dav", "imap"), the user,
 * where.  Its name is the kind's name, '-', and a hash of the three:
 * notifications of one place coming faster than readers read overwrite
 * one another.  Files unchanged for EAS_DROP_AGE are swept.
 *
 * Threads.  eas_drop_write() and eas_drop_name_ok() may be called from
 * any thread of any process.  A reader belongs to one thread at a time:
 * typically a change source opens it from its poller thread (or before
 * starting it), polls eas_drop_reader_fd() for POLLIN with its other fds,
 * calls eas_drop_reader_read() when readable and eas_drop_reader_sweep()
 * once per round, and closes it from that thread (or after joining it).
 * Callbacks run on the thread that calls eas_drop_reader_read().
 */
#ifndef EAS_NOTIFY_DROP_H
#define EAS_NOTIFY_DROP_H

#include <apr_pools.h>
#include <apr_time.h>

/* The drop directory's name under httpd's runtime directory: made (mode
   0700, httpd's user) by the endpoint's post_config (mod_eas/notify.c);
   a backend's glue finds it with ap_runtime_dir_relative(p,
   EAS_DROP_DIR) in child_init and hands it to its change source. */
#define EAS_DROP_DIR "mod_eas-notify"

/* The most a user, or where, may take in a drop, in bytes. */
#define EAS_DROP_USER_MAX 256
#define EAS_DROP_WHERE_MAX 1024

/* Drop files older than this are removed by the sweep. */
#define EAS_DROP_AGE apr_time_from_sec(600)

typedef enum {
    EAS_DROP_DAV,
    EAS_DROP_IMAP
} eas_drop_kind_t;

/* The kind's name in a drop ("dav", "imap"); NULL for none. */
const char *eas_drop_kind_name(eas_drop_kind_t kind);

/*
 * Whether user and where (NULL or "": everything of the user) can be
 * named in a drop of kind: user non-empty, at most EAS_DROP_USER_MAX
 * bytes, no control characters; where at most EAS_DROP_WHERE_MAX bytes,
 * for dav an absolute path without spaces or control characters, for
 * imap valid UTF-8 without control characters (C0, DEL, C1).
 */
int eas_drop_name_ok(eas_drop_kind_t kind, const char *user,
                     const char *where);

/*
 * Tell every process's reader of kind that user's data (at where; NULL
 * or "": anywhere) may have changed: a file written in dir under a
 * temporary name, then renamed.  APR_EINVAL: names eas_drop_name_ok()
 * refuses; else an errno of open, write or rename.  p: scratch.
 */
apr_status_t eas_drop_write(const char *dir, eas_drop_kind_t kind,
                            const char *user, const char *where,
                            apr_pool_t *p);

/* ---- the reading side ---- */

typedef struct eas_drop_reader eas_drop_reader_t;

/*
 * One drop: its kind (the reader's), the user, and where ("" for
 * everything of the user).  The strings live until the callback returns.
 * user and where NULL: the kernel's queue of the reader overflowed
 * (IN_Q_OVERFLOW), drops may have been lost: anything of any user may
 * have changed.
 */
typedef void (*eas_drop_fn)(void *baton, eas_drop_kind_t kind,
                            const char *user, const char *where);

/*
 * A reader of the drops of kind that arrive in dir from now on: an
 * inotify watch (IN_MOVED_TO) on dir.  dir must live as long as the
 * reader.  The reader is malloc'ed; *out is set only on success.
 * Errors: an errno of inotify_init1 or inotify_add_watch (ENOENT: no such
 * directory), APR_ENOMEM.
 */
apr_status_t eas_drop_reader_open(eas_drop_reader_t **out, const char *dir,
                                  eas_drop_kind_t kind);

/* The descriptor to poll for POLLIN (non-blocking, close-on-exec). */
int eas_drop_reader_fd(const eas_drop_reader_t *r);

/*
 * Read what arrived (never blocks) and call fn once per drop of the
 * reader's kind, in arrival order, and once with user NULL for an
 * overflow.  Drops of other kinds, unreadable or malformed files and
 * files gone meanwhile are skipped.  Returns how many calls were made.
 */
int eas_drop_reader_read(eas_drop_reader_t *r, eas_drop_fn fn, void *baton);

/*
 * Remove the directory's drop files (and a crashed writer's temporary
 * ones) unchanged for EAS_DROP_AGE, of any kind; does nothing when this
 * reader swept less than EAS_DROP_AGE ago.  Cheap to call every round.
 */
void eas_drop_reader_sweep(eas_drop_reader_t *r);

/* Close the watch and free the reader (NULL: nothing). */
void eas_drop_reader_close(eas_drop_reader_t *r);

#endif
