/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Folder listings kept between requests, per process.
 *
 * A phone's first sync lists the same folder once per page; rescanning
 * new/ and cur/ and reading the uid list each time is most of a page's
 * work.  So a listing is kept, keyed by the folder's directory, and used
 * again only while new/, cur/ and the uid list have the same identity and
 * times (nanoseconds) as when it was taken.
 *
 * Coarse timestamps: a change in the same clock tick as the scan leaves a
 * directory's times unchanged.  A listing is therefore kept only if both
 * directories were last changed well before the scan began (MD_SETTLE_NS,
 * or MD_SETTLE_COARSE_NS on file systems with whole-second times); any
 * later change gives them a later time.  The file system's clock must
 * agree with the host's within that margin (local disks do).
 *
 * Memory: at most MD_CACHE_SLOTS folders and MD_CACHE_BYTES per process,
 * the least recently used dropped first.  A listing in use by a request
 * lives on (reference count) until that request's store is gone.
 */
#include "maildir.h"
#include "maildir_backend.h"

#include <apr_strings.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MD_CACHE_SLOTS 64
#define MD_CACHE_BYTES (16 * 1024 * 1024)
#define MD_SETTLE_NS 100000000LL            /* 100 ms */
#define MD_SETTLE_COARSE_NS 2100000000LL    /* 2 s and a bit */

/* No init hook runs before the threads start: a static mutex needs none. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static md_snap_t *slots[MD_CACHE_SLOTS];
static apr_size_t total_bytes;
static apr_uint64_t clock_now, hits, misses;

static void stamp(const char *path, md_stamp_t *st)
{
    struct stat sb;

    memset(st, 0, sizeof(*st));
    if (stat(path, &sb) < 0)
        return;                 /* missing: all zero, as it will stay */
    st->dev = sb.st_dev;
    st->ino = sb.st_ino;
    st->size = sb.st_size;
    st->mtim = sb.st_mtim;
    st->ctim = sb.st_ctim;
}

void md_stamps_take(const char *dir, md_stamps_t *st, apr_pool_t *p)
{
    clock_gettime(CLOCK_REALTIME, &st->at);
    stamp(apr_pstrcat(p, dir, "/new", NULL), &st->sub[0]);
    stamp(apr_pstrcat(p, dir, "/cur", NULL), &st->sub[1]);
    stamp(apr_pstrcat(p, dir, "/" MD_UIDLIST, NULL), &st->list);
}

static int ts_eq(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static int stamp_eq(const md_stamp_t *a, const md_stamp_t *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size
           && ts_eq(&a->mtim, &b->mtim) && ts_eq(&a->ctim, &b->ctim);
}

int md_stamps_eq(const md_stamps_t *a, const md_stamps_t *b)
{
    return stamp_eq(&a->sub[0], &b->sub[0]) && stamp_eq(&a->sub[1], &b->sub[1])
           && stamp_eq(&a->list, &b->list);
}

static long long ns_of(const struct timespec *t)
{
    return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

int md_stamps_settled(const md_stamps_t *st)
{
    int i;

    for (i = 0; i < 2; i++) {
        const md_stamp_t *d = &st->sub[i];
        long long last = ns_of(&d->mtim), margin = MD_SETTLE_NS;
        if (ns_of(&d->ctim) > last)
            last = ns_of(&d->ctim);
        if (d->mtim.tv_nsec == 0 && d->ctim.tv_nsec == 0)
            margin = MD_SETTLE_COARSE_NS;
        if (last + margin >= ns_of(&st->at))
            return 0;
    }
    return 1;
}

/* Newest first; among equal times the later delivery (higher uid). */
static int newest_first(const void *a, const void *b)
{
    const md_snap_msg_t *x = a, *y = b;

    if (x->time != y->time)
        return x->time > y->time ? -1 : 1;
    return x->uid > y->uid ? -1 : x->uid < y->uid;
}

static int by_uid(const void *a, const void *b)
{
    const md_snap_uid_t *x = a, *y = b;

    return x->uid < y->uid ? -1 : x->uid > y->uid;
}

#define MD_ALIGN(n) (((n) + 7) & ~(apr_size_t)7)

md_snap_t *md_snap_make(const md_box_t *b, const md_stamps_t *st)
{
    apr_size_t n = (apr_size_t)b->live->nelts, names = 0, dlen, size, off;
    md_snap_t *sn;
    char *mem, *np;
    apr_size_t i;

    for (i = 0; i < n; i++)
        names += strlen(APR_ARRAY_IDX(b->live, i, md_msg_t *)->name) + 1;
    dlen = strlen(b->f->dir) + 1;
    size = MD_ALIGN(sizeof(*sn)) + MD_ALIGN(n * sizeof(md_snap_msg_t))
           + MD_ALIGN(n * sizeof(md_snap_uid_t)) + names + dlen;
    if ((mem = malloc(size)) == NULL)
        return NULL;
    sn = (md_snap_t *)mem;
    memset(sn, 0, sizeof(*sn));
    off = MD_ALIGN(sizeof(*sn));
    sn->msgs = (md_snap_msg_t *)(mem + off);
    off += MD_ALIGN(n * sizeof(md_snap_msg_t));
    sn->uids = (md_snap_uid_t *)(mem + off);
    off += MD_ALIGN(n * sizeof(md_snap_uid_t));
    sn->names = np = mem + off;
    sn->dir = memcpy(mem + off + names, b->f->dir, dlen);
    sn->n = (int)n;
    sn->bytes = size;
    sn->stamps = *st;
    sn->refs = 1;
    for (i = 0; i < n; i++) {
        const md_msg_t *m = APR_ARRAY_IDX(b->live, i, md_msg_t *);
        md_snap_msg_t *x = &sn->msgs[i];
        apr_size_t len = strlen(m->name) + 1;
        x->uid = m->uid;
        x->time = m->time;
        x->size = m->size;
        x->name = (apr_uint32_t)(np - sn->names);
        x->flags = (unsigned char)m->flags;
        x->sub = m->sub;
        memcpy(np, m->name, len);
        np += len;
    }
    qsort(sn->msgs, n, sizeof(*sn->msgs), newest_first);
    for (i = 0; i < n; i++) {
        sn->uids[i].uid = sn->msgs[i].uid;
        sn->uids[i].idx = (apr_uint32_t)i;
    }
    qsort(sn->uids, n, sizeof(*sn->uids), by_uid);
    return sn;
}

const md_snap_msg_t *md_snap_find(const md_snap_t *sn, apr_uint64_t uid)
{
    apr_size_t lo = 0, hi = (apr_size_t)sn->n;

    while (lo < hi) {
        apr_size_t mid = lo + (hi - lo) / 2;
        if (sn->uids[mid].uid == uid)
            return &sn->msgs[sn->uids[mid].idx];
        if (sn->uids[mid].uid < uid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Under the lock: take sn out of the index. */
static void unlink_slot(int i)
{
    md_snap_t *sn = slots[i];

    slots[i] = NULL;
    sn->linked = 0;
    total_bytes -= sn->bytes;
    if (--sn->refs == 0)
        free(sn);
}

static int slot_of(const char *dir)
{
    int i;

    for (i = 0; i < MD_CACHE_SLOTS; i++)
        if (slots[i] && strcmp(slots[i]->dir, dir) == 0)
            return i;
    return -1;
}

md_snap_t *md_cache_get(const char *dir, const md_stamps_t *now)
{
    md_snap_t *sn = NULL;
    int i;

    pthread_mutex_lock(&lock);
    if ((i = slot_of(dir)) >= 0) {
        if (md_stamps_eq(&slots[i]->stamps, now)) {
            sn = slots[i];
            sn->refs++;
            sn->used = ++clock_now;
        }
        else {
            unlink_slot(i);     /* changed: never good again */
        }
    }
    if (sn)
        hits++;
    else
        misses++;
    pthread_mutex_unlock(&lock);
    return sn;
}

void md_cache_put(md_snap_t *sn)
{
    int i, free_slot = -1;

    if (sn->bytes > MD_CACHE_BYTES / 2)
        return;
    pthread_mutex_lock(&lock);
    if ((i = slot_of(sn->dir)) >= 0)
        unlink_slot(i);
    for (;;) {
        int lru = -1;
        free_slot = -1;
        for (i = 0; i < MD_CACHE_SLOTS; i++) {
            if (!slots[i])
                free_slot = i;
            else if (lru < 0 || slots[i]->used < slots[lru]->used)
                lru = i;
        }
        if (free_slot >= 0 && total_bytes + sn->bytes <= MD_CACHE_BYTES)
            break;
        unlink_slot(lru);       /* some slot is taken, or we would fit */
    }
    sn->refs++;
    sn->linked = 1;
    sn->used = ++clock_now;
    slots[free_slot] = sn;
    total_bytes += sn->bytes;
    pthread_mutex_unlock(&lock);
}

void md_snap_release(md_snap_t *sn)
{
    pthread_mutex_lock(&lock);
    if (--sn->refs == 0)
        free(sn);
    pthread_mutex_unlock(&lock);
}

void md_cache_forget(const char *dir)
{
    int i;

    pthread_mutex_lock(&lock);
    if ((i = slot_of(dir)) >= 0)
        unlink_slot(i);
    pthread_mutex_unlock(&lock);
}

void eas_maildir_cache_stats(eas_maildir_cache_stats_t *out)
{
    int i;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&lock);
    out->hits = hits;
    out->misses = misses;
    out->bytes = total_bytes;
    for (i = 0; i < MD_CACHE_SLOTS; i++)
        out->folders += slots[i] != NULL;
    pthread_mutex_unlock(&lock);
}
