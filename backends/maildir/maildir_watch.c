/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Maildir change source: one inotify instance per process, read by one
 * thread that tells the module which keys may have changed.
 *
 * A folder's key is watched on its new/ and cur/: deliveries, flag changes
 * (renames), removals and moves in and out all show there, while our own
 * files (eas-uidlist, eas-folderid and their temporary copies) live in the
 * folder directory beside them and cause no events.  The hierarchy key is
 * watched on the root, where Maildir++ keeps every folder as a ".Name"
 * directory; events on plain files there (eas-folders) are ignored.
 *
 * Watches are counted per key.  inotify itself gives one watch descriptor
 * per directory inode, so two keys can share one (a folder that another
 * program renamed, watched under its old and its new name): each
 * descriptor keeps the list of keys that use it and is removed with the
 * last of them.
 */
#include "maildir.h"
#include "maildir_watch.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define MD_WATCH_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO \
                       | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define MD_SELF_EVENTS (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT \
                        | IN_IGNORED)
/* Room for many events per read (an event is 16 bytes plus its name). */
#define MD_EVENT_BUF 65536

typedef struct md_wd md_wd_t;
typedef struct md_key md_key_t;

/* One key's use of an inotify watch descriptor. */
typedef struct md_slot {
    md_wd_t *wd;
    md_key_t *key;
    struct md_slot *next;       /* the other uses of wd */
} md_slot_t;

struct md_wd {
    int wd;
    int dead;                   /* IN_IGNORED came: the kernel dropped it */
    md_slot_t *slots;
};

struct md_key {
    char *text;                 /* also the table's key */
    int refs;
    int tree;                   /* hierarchy: folder directories only */
    int nslots;
    md_slot_t slot[2];          /* new/ and cur/, or the root */
};

typedef struct {
    eas_notify_fn notify;
    void *baton;
    apr_thread_mutex_t *mutex;  /* everything below but the thread's own */
    apr_hash_t *keys;           /* text -> md_key_t */
    apr_hash_t *wds;            /* int -> md_wd_t, live ones only */
    int ifd;                    /* inotify, made by the first watch */
    int wake;                   /* eventfd: a new ifd, or stop */
    int stopping;
    apr_thread_t *thread;
    apr_pool_t *tables;         /* unmanaged: keys, wds, the thread */
    /* The thread's own: */
    apr_pool_t *scratch;        /* unmanaged, cleared per batch */
    char *buf;                  /* MD_EVENT_BUF, aligned for events */
} md_source_t;

/* ---- the tables (under the mutex) ---- */

static void slot_attach(md_slot_t *sl, md_key_t *k, md_wd_t *w)
{
    sl->wd = w;
    sl->key = k;
    sl->next = w->slots;
    w->slots = sl;
}

static void slot_detach(md_source_t *src, md_slot_t *sl)
{
    md_wd_t *w = sl->wd;
    md_slot_t **pp;

    if (!w)
        return;
    for (pp = &w->slots; *pp && *pp != sl; pp = &(*pp)->next)
        ;
    if (*pp)
        *pp = sl->next;
    sl->wd = NULL;
    sl->next = NULL;
    if (w->slots)
        return;
    if (!w->dead) {
        apr_hash_set(src->wds, &w->wd, sizeof(w->wd), NULL);
        if (src->ifd >= 0)
            inotify_rm_watch(src->ifd, w->wd);
    }
    free(w);
}

static void key_free(md_source_t *src, md_key_t *k)
{
    int i;

    for (i = 0; i < k->nslots; i++)
        slot_detach(src, &k->slot[i]);
    free(k->text);
    free(k);
}

static void wake_thread(md_source_t *src)
{
    apr_uint64_t one = 1;

    if (write(src->wake, &one, sizeof(one)) < 0) {
        /* EAGAIN: the counter is full, so the thread wakes anyway. */
    }
}

static apr_status_t start_inotify(md_source_t *src, md_store_t *s)
{
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC), e = errno;
    apr_status_t rv;

    if (fd < 0) {
        rv = md_errno();
        /* EMFILE is the per-user instance limit or the open file one. */
        eas_store_log(&s->base, MD_LOG_ERR, rv, "maildir: cannot create an "
                      "inotify instance%s", e == EMFILE ? "; raise "
                      "fs.inotify.max_user_instances (or the open file "
                      "limit)" : "");
        return rv;
    }
    src->ifd = fd;
    wake_thread(src);
    return APR_SUCCESS;
}

static apr_status_t add_watch(md_source_t *src, md_store_t *s, md_key_t *k,
                              int i, const char *path)
{
    int wd = inotify_add_watch(src->ifd, path, MD_WATCH_MASK), e = errno;
    apr_status_t rv;
    md_wd_t *w;

    if (wd < 0) {
        rv = md_errno();
        if (e == ENOENT)
            return APR_ENOENT;
        if (e == ENOSPC)
            eas_store_log(&s->base, MD_LOG_ERR, rv, "maildir: out of "
                          "inotify watches; raise "
                          "fs.inotify.max_user_watches");
        return md_fail(s, rv, "cannot watch", path);
    }
    if (!(w = apr_hash_get(src->wds, &wd, sizeof(wd)))) {
        if (!(w = calloc(1, sizeof(*w)))) {
            inotify_rm_watch(src->ifd, wd);
            return APR_ENOMEM;
        }
        w->wd = wd;
        apr_hash_set(src->wds, &w->wd, sizeof(w->wd), w);
    }
    slot_detach(src, &k->slot[i]);
    slot_attach(&k->slot[i], k, w);
    return APR_SUCCESS;
}

/* One more reference to key text on paths; a descriptor the kernel
   dropped (the directory went and may be back) is added again. */
static apr_status_t attach(md_source_t *src, md_store_t *s, const char *text,
                           const char *const *paths, int n, int tree)
{
    md_key_t *k;
    apr_status_t rv = APR_SUCCESS;
    int i, fresh;

    if (src->stopping)
        return APR_EINIT;
    if (src->ifd < 0 && (rv = start_inotify(src, s)) != APR_SUCCESS)
        return rv;
    k = apr_hash_get(src->keys, text, APR_HASH_KEY_STRING);
    if ((fresh = !k)) {
        if (!(k = calloc(1, sizeof(*k))) || !(k->text = strdup(text))) {
            free(k);
            return APR_ENOMEM;
        }
        k->tree = tree;
        k->nslots = n;
    }
    for (i = 0; i < n && rv == APR_SUCCESS; i++)
        if (!k->slot[i].wd || k->slot[i].wd->dead)
            rv = add_watch(src, s, k, i, paths[i]);
    if (rv != APR_SUCCESS) {
        if (fresh)
            key_free(src, k);
        return rv;
    }
    k->refs++;
    if (fresh)
        apr_hash_set(src->keys, k->text, APR_HASH_KEY_STRING, k);
    return APR_SUCCESS;
}

/* ---- the source thread ---- */

static int relevant(const md_key_t *k, const struct inotify_event *ev)
{
    if (ev->mask & MD_SELF_EVENTS)
        return 1;
    if (!k->tree)
        return 1;
    /* Maildir++ folders are ".Name"; cur/ new/ tmp/ and files are not. */
    return (ev->mask & IN_ISDIR) && ev->len > 0 && ev->name[0] == '.'
           && strcmp(ev->name, ".") != 0 && strcmp(ev->name, "..") != 0;
}

/* The keys that n bytes of events touch, copied to scratch; *all on a
   queue overflow. */
static apr_array_header_t *keys_of(md_source_t *src, const char *buf,
                                   ssize_t n, int *all)
{
    apr_array_header_t *out = apr_array_make(src->scratch, 8,
                                             sizeof(const char *));
    apr_hash_t *seen = apr_hash_make(src->scratch);
    const char *c = buf;

    apr_thread_mutex_lock(src->mutex);
    while (c < buf + n) {
        const struct inotify_event *ev = (const struct inotify_event *)c;
        md_wd_t *w = ev->wd >= 0 ? apr_hash_get(src->wds, &ev->wd,
                                                sizeof(ev->wd)) : NULL;
        md_slot_t *sl;

        c += sizeof(*ev) + ev->len;
        if (ev->mask & IN_Q_OVERFLOW)
            *all = 1;
        if (!w)
            continue;
        for (sl = w->slots; sl; sl = sl->next) {
            const char *t = sl->key->text;
            if (!relevant(sl->key, ev)
                || apr_hash_get(seen, t, APR_HASH_KEY_STRING))
                continue;
            t = apr_pstrdup(src->scratch, t);
            apr_hash_set(seen, t, APR_HASH_KEY_STRING, t);
            APR_ARRAY_PUSH(out, const char *) = t;
        }
        if (ev->mask & IN_IGNORED) {
            /* Its keys keep it until they are unwatched or watched anew. */
            w->dead = 1;
            apr_hash_set(src->wds, &w->wd, sizeof(w->wd), NULL);
        }
    }
    apr_thread_mutex_unlock(src->mutex);
    return out;
}

/* Read one buffer of events and tell of them, without the mutex held:
   notify may unwatch.  0 when the descriptor fails. */
static int read_events(md_source_t *src, int ifd)
{
    ssize_t n = read(ifd, src->buf, MD_EVENT_BUF);
    apr_array_header_t *keys;
    int all = 0, i;

    if (n < 0)
        return errno == EAGAIN || errno == EINTR;
    keys = keys_of(src, src->buf, n, &all);
    if (all)
        src->notify(src->baton, NULL);
    else
        for (i = 0; i < keys->nelts; i++)
            src->notify(src->baton, APR_ARRAY_IDX(keys, i, const char *));
    apr_pool_clear(src->scratch);
    return 1;
}

static void *APR_THREAD_FUNC run(apr_thread_t *t, void *data)
{
    md_source_t *src = data;
    int failed = 0;

    for (;;) {
        struct pollfd pfd[2];
        apr_uint64_t count;
        int ifd, stop;

        apr_thread_mutex_lock(src->mutex);
        stop = src->stopping;
        ifd = src->ifd;
        apr_thread_mutex_unlock(src->mutex);
        if (stop)
            break;
        pfd[0].fd = src->wake;
        pfd[1].fd = ifd;            /* -1 until the first watch: ignored */
        pfd[0].events = pfd[1].events = POLLIN;
        pfd[0].revents = pfd[1].revents = 0;
        /* After a read error, look again in a while rather than spin. */
        if (poll(pfd, 2, failed ? 1000 : -1) < 0) {
            if (errno != EINTR)
                apr_sleep(apr_time_from_msec(100));
            continue;
        }
        if (pfd[0].revents & POLLIN)
            while (read(src->wake, &count, sizeof(count)) > 0)
                ;
        if (pfd[1].revents & (POLLIN | POLLERR)) {
            failed = !read_events(src, ifd);
            if (failed)
                src->notify(src->baton, NULL);
        }
    }
    /* Returning, not apr_thread_exit(): ASan misreads pthread_exit's
       unwinding, and apr_thread_join needs nothing more. */
    return NULL;
}

/* ---- the ops ---- */

/* A pre-cleanup: the thread is joined before whatever the baton points
   to goes.  The source itself (and its mutex) stays until p is freed, so
   that a request pool cleaned up later may still unwatch: it finds the
   source stopped and does nothing. */
static apr_status_t source_stop(void *data)
{
    md_source_t *src = data;
    apr_hash_index_t *hi;
    apr_status_t trv;

    if (src->thread) {
        apr_thread_mutex_lock(src->mutex);
        src->stopping = 1;
        apr_thread_mutex_unlock(src->mutex);
        wake_thread(src);
        apr_thread_join(&trv, src->thread);
        src->thread = NULL;
    }
    if (src->mutex)
        apr_thread_mutex_lock(src->mutex);
    src->stopping = 1;
    /* Deleting the current entry is safe while iterating. */
    for (hi = src->keys ? apr_hash_first(NULL, src->keys) : NULL; hi;
         hi = apr_hash_next(hi)) {
        md_key_t *k = apr_hash_this_val(hi);
        apr_hash_set(src->keys, k->text, APR_HASH_KEY_STRING, NULL);
        key_free(src, k);
    }
    if (src->ifd >= 0)
        close(src->ifd);
    src->ifd = -1;
    src->keys = src->wds = NULL;
    if (src->scratch)
        apr_pool_destroy(src->scratch);
    if (src->tables)
        apr_pool_destroy(src->tables);
    src->scratch = src->tables = NULL;
    if (src->mutex)
        apr_thread_mutex_unlock(src->mutex);
    if (src->wake >= 0)
        close(src->wake);
    src->wake = -1;
    return APR_SUCCESS;
}

static apr_status_t md_source_open(eas_source_t **out, eas_notify_fn notify,
                                   void *baton, apr_pool_t *p)
{
    md_source_t *src = apr_pcalloc(p, sizeof(*src));
    apr_status_t rv;

    src->notify = notify;
    src->baton = baton;
    src->ifd = -1;
    if ((src->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
        return md_errno();
    apr_pool_pre_cleanup_register(p, src, source_stop);
    /* p is shared with other threads and has no lock of its own: what
       the source allocates later comes from unmanaged pools. */
    if ((rv = apr_thread_mutex_create(&src->mutex, APR_THREAD_MUTEX_DEFAULT,
                                      p)) != APR_SUCCESS
        || (rv = apr_pool_create_unmanaged_ex(&src->tables, NULL, NULL))
           != APR_SUCCESS
        || (rv = apr_pool_create_unmanaged_ex(&src->scratch, NULL, NULL))
           != APR_SUCCESS)
        return rv;
    src->buf = apr_palloc(src->tables, MD_EVENT_BUF);
    src->keys = apr_hash_make(src->tables);
    src->wds = apr_hash_make(src->tables);
    if ((rv = apr_thread_create(&src->thread, NULL, run, src, src->tables))
        != APR_SUCCESS)
        return rv;
    *out = (eas_source_t *)src;
    return APR_SUCCESS;
}

/* A folder made by a program that left out new/ or cur/ gets them; one
   that is gone stays gone (APR_ENOENT). */
static apr_status_t make_subdirs(md_store_t *s, const md_folder_t *f,
                                 apr_pool_t *p)
{
    static const char *const subs[] = { "/cur", "/new", "/tmp" };
    int i;

    for (i = 0; i < 3; i++) {
        const char *path = apr_pstrcat(p, f->dir, subs[i], NULL);
        if (mkdir(path, s->dir_mode) == 0 || errno == EEXIST)
            continue;
        if (errno == ENOENT)
            return APR_ENOENT;
        return md_fail(s, md_errno(), "cannot create directory", path);
    }
    return APR_SUCCESS;
}

static apr_status_t md_source_watch(eas_source_t *src_, eas_store_t *st,
                                   const char *folder_id, const char **key,
                                   apr_pool_t *p)
{
    md_source_t *src = (md_source_t *)src_;
    md_store_t *s = (md_store_t *)st;
    const md_folder_t *f = NULL;
    const char *text, *paths[2];
    apr_status_t rv;
    int n, tries;

    if (folder_id) {
        if (!(f = md_folder_find(s, folder_id)))
            return APR_ENOENT;
        text = apr_pstrcat(p, MD_KEY_FOLDER, f->dir, NULL);
        paths[0] = apr_pstrcat(p, f->dir, "/new", NULL);
        paths[1] = apr_pstrcat(p, f->dir, "/cur", NULL);
        n = 2;
    }
    else {
        text = apr_pstrcat(p, MD_KEY_TREE, s->root, NULL);
        paths[0] = s->root;
        n = 1;
    }
    for (tries = 0; ; tries++) {
        apr_thread_mutex_lock(src->mutex);
        rv = attach(src, s, text, paths, n, f == NULL);
        apr_thread_mutex_unlock(src->mutex);
        if (rv != APR_ENOENT || !f || tries)
            break;
        if ((rv = make_subdirs(s, f, p)) != APR_SUCCESS)
            break;
    }
    if (rv == APR_SUCCESS)
        *key = text;
    return rv;
}

static void md_source_unwatch(eas_source_t *src_, const char *key)
{
    md_source_t *src = (md_source_t *)src_;
    md_key_t *k;

    apr_thread_mutex_lock(src->mutex);
    k = src->stopping ? NULL : apr_hash_get(src->keys, key,
                                            APR_HASH_KEY_STRING);
    if (k && --k->refs == 0) {
        apr_hash_set(src->keys, k->text, APR_HASH_KEY_STRING, NULL);
        key_free(src, k);
    }
    apr_thread_mutex_unlock(src->mutex);
}

const eas_source_ops_t md_source_ops = {
    .open = md_source_open,
    .watch = md_source_watch,
    .unwatch = md_source_unwatch,
};
