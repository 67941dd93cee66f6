/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A process's memory of collection listings (dav_backend.h), so that a
 * listing asks the server only what changed: RFC 6578 section 3.2, a
 * sync-collection REPORT from the token of the last listing.
 *
 * Each entry is one collection as one user saw it: the sync-token, every
 * member's href, ETag and item id at that token and, for a calendar
 * listed with a FilterType, the members inside the window at that token
 * (a time-range query costs the server a pass over every event; asked
 * again only when the token or the window's start moves).  Entries are
 * keyed by the id map's database, the EAS user, the server and the
 * collection, so no user is ever answered from another's entry; and
 * nothing is served from an entry without a request to the server that
 * the user's credentials passed just now.
 *
 * A listing's changes are applied to its entry in place; the strings
 * they replace stay in the entry's pool until they outnumber the live
 * members, when the entry is copied afresh.  Strings in an entry's pool
 * never change, so a listing handed out points into it: the entry counts
 * its readers (each until its pool goes), and an entry dropped while
 * read goes when its last reader does.
 *
 * Bounded: the entries hold at most dv_lists_set_limit() members in all;
 * past it the least recently used entries go.  Thread-safe (one mutex);
 * what a caller gets is a copy in its own pool.
 */
#include "dav_backend.h"

#include <apr_strings.h>
#include <pthread.h>
#include <string.h>

typedef struct dv_entry dv_entry_t;

struct dv_entry {
    apr_pool_t *pool;
    const char *key;
    const char *token;
    apr_hash_t *members;        /* href -> dv_member_t */
    long garbage;               /* replaced strings in pool, in members */
    int filter;                 /* what inside is for: DV_IN_*, 0 none */
    apr_time_t since;
    apr_pool_t *in_pool;        /* inside's, cleared when it is replaced */
    apr_hash_t *inside;         /* href -> "" */
    int readers;                /* listings handed out, not yet done */
    int dead;                   /* dropped: goes with its last reader */
    dv_entry_t *prev, *next;    /* most recently used first */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static apr_pool_t *lists_pool;
static apr_hash_t *lists;
static dv_entry_t *newest, *oldest;
static long held;               /* members and inside hrefs, in all */
static long limit = DV_LISTS_DEFAULT;

void dv_lists_set_limit(long items)
{
    pthread_mutex_lock(&lock);
    limit = items;
    pthread_mutex_unlock(&lock);
}

const char *dv_lists_key(const char *scope, const char *login,
                         const char *url, const char *href, apr_pool_t *p)
{
    return apr_pstrcat(p, scope ? scope : "", "\n", login, "\n", url, "\n",
                       href, NULL);
}

static dv_member_t *member_copy(const dv_member_t *m, apr_pool_t *p)
{
    dv_member_t *c = apr_palloc(p, sizeof(*c));

    c->href = apr_pstrdup(p, m->href);
    c->etag = apr_pstrdup(p, m->etag ? m->etag : "");
    c->id = apr_pstrdup(p, m->id);
    return c;
}

static void unlink_entry(dv_entry_t *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        newest = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        oldest = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(dv_entry_t *e)
{
    e->next = newest;
    e->prev = NULL;
    if (newest)
        newest->prev = e;
    newest = e;
    if (!oldest)
        oldest = e;
}

static void touch(dv_entry_t *e)
{
    unlink_entry(e);
    push_front(e);
}

static long inside_count(const dv_entry_t *e)
{
    return e->inside ? (long)apr_hash_count(e->inside) : 0;
}

/* Under the lock: e's memory gone now, or with its last reader. */
static void release(dv_entry_t *e)
{
    if (e->readers)
        e->dead = 1;
    else
        apr_pool_destroy(e->pool);
}

/* Under the lock: e out of the table and its memory released. */
static void retire(dv_entry_t *e)
{
    unlink_entry(e);
    apr_hash_set(lists, e->key, APR_HASH_KEY_STRING, NULL);
    release(e);
}

/* Under the lock. */
static void drop_entry(dv_entry_t *e)
{
    held -= (long)apr_hash_count(e->members) + inside_count(e);
    retire(e);
}

static apr_status_t reader_done(void *data)
{
    dv_entry_t *e = data;

    pthread_mutex_lock(&lock);
    if (--e->readers == 0 && e->dead)
        apr_pool_destroy(e->pool);
    pthread_mutex_unlock(&lock);
    return APR_SUCCESS;
}

static void drop_inside(dv_entry_t *e)
{
    if (!e->inside)
        return;
    held -= inside_count(e);
    e->inside = NULL;
    apr_pool_clear(e->in_pool);
}

static dv_entry_t *find(const char *key)
{
    return lists ? apr_hash_get(lists, key, APR_HASH_KEY_STRING) : NULL;
}

/* Under the lock: room for n more members, the oldest entries dropped
   (keep, moved to the front first, goes last). */
static int make_room(long n, dv_entry_t *keep)
{
    if (keep)
        touch(keep);
    while (oldest && held + n > limit)
        drop_entry(oldest);
    return held + n <= limit;
}

static int open_lists(void)
{
    if (lists)
        return 1;
    if (apr_pool_create(&lists_pool, NULL) != APR_SUCCESS)
        return 0;
    lists = apr_hash_make(lists_pool);
    return 1;
}

/* Under the lock: a new entry for key at token, empty; NULL if none can
   be made. */
static dv_entry_t *new_entry(const char *key, const char *token)
{
    apr_pool_t *ep;
    dv_entry_t *e;

    if (!open_lists() || apr_pool_create(&ep, lists_pool) != APR_SUCCESS)
        return NULL;
    e = apr_pcalloc(ep, sizeof(*e));
    e->pool = ep;
    e->key = apr_pstrdup(ep, key);
    e->token = apr_pstrdup(ep, token);
    e->members = apr_hash_make(ep);
    if (apr_pool_create(&e->in_pool, ep) != APR_SUCCESS) {
        apr_pool_destroy(ep);
        return NULL;
    }
    apr_hash_set(lists, e->key, APR_HASH_KEY_STRING, e);
    push_front(e);
    return e;
}

int dv_lists_token(const char *key, const char **token, apr_pool_t *p)
{
    dv_entry_t *e;

    pthread_mutex_lock(&lock);
    if ((e = find(key))) {
        touch(e);
        *token = apr_pstrdup(p, e->token);
    }
    pthread_mutex_unlock(&lock);
    return e != NULL;
}

void dv_lists_put(const char *key, const char *token,
                  const apr_array_header_t *members)
{
    dv_entry_t *e;
    int i;

    pthread_mutex_lock(&lock);
    if ((e = find(key)))
        drop_entry(e);
    if (token && *token && make_room(members->nelts, NULL)
        && (e = new_entry(key, token))) {
        for (i = 0; i < members->nelts; i++) {
            dv_member_t *m = member_copy(&APR_ARRAY_IDX(members, i,
                                                        dv_member_t),
                                         e->pool);
            apr_hash_set(e->members, m->href, APR_HASH_KEY_STRING, m);
        }
        held += (long)apr_hash_count(e->members);
    }
    pthread_mutex_unlock(&lock);
}

/* Under the lock: e copied into a fresh pool, without its garbage. */
static dv_entry_t *compact(dv_entry_t *e)
{
    dv_entry_t *c;
    apr_hash_index_t *hi;

    drop_inside(e);
    unlink_entry(e);
    apr_hash_set(lists, e->key, APR_HASH_KEY_STRING, NULL);
    if ((c = new_entry(e->key, e->token)))
        for (hi = apr_hash_first(NULL, e->members); hi;
             hi = apr_hash_next(hi)) {
            dv_member_t *m = member_copy(apr_hash_this_val(hi), c->pool);
            apr_hash_set(c->members, m->href, APR_HASH_KEY_STRING, m);
        }
    else
        held -= (long)apr_hash_count(e->members);
    release(e);
    return c;
}

int dv_lists_update(const char *key, const char *from, const char *to,
                    const apr_array_header_t *removed,
                    const apr_array_header_t *changed)
{
    dv_entry_t *e;
    long before;
    int i;

    pthread_mutex_lock(&lock);
    if (!(e = find(key)) || strcmp(e->token, from) != 0 || !to || !*to) {
        pthread_mutex_unlock(&lock);
        return 0;
    }
    touch(e);
    if (strcmp(from, to) != 0) {
        drop_inside(e);
        e->token = apr_pstrdup(e->pool, to);
    }
    before = (long)apr_hash_count(e->members);
    for (i = 0; i < removed->nelts; i++)
        apr_hash_set(e->members, APR_ARRAY_IDX(removed, i, const char *),
                     APR_HASH_KEY_STRING, NULL);
    for (i = 0; i < changed->nelts; i++) {
        dv_member_t *m = member_copy(&APR_ARRAY_IDX(changed, i, dv_member_t),
                                     e->pool);
        apr_hash_set(e->members, m->href, APR_HASH_KEY_STRING, m);
    }
    e->garbage += removed->nelts + changed->nelts;
    held += (long)apr_hash_count(e->members) - before;
    if (e->garbage > (long)apr_hash_count(e->members) + 64)
        e = compact(e);
    if (e && held > limit && !make_room(0, e))
        e = NULL;               /* it alone is over the bound */
    pthread_mutex_unlock(&lock);
    return e != NULL;
}

int dv_lists_members(const char *key, const char *token,
                     apr_array_header_t **out, apr_pool_t *p)
{
    apr_hash_index_t *hi;
    dv_entry_t *e;

    pthread_mutex_lock(&lock);
    if (!(e = find(key)) || strcmp(e->token, token) != 0) {
        pthread_mutex_unlock(&lock);
        return 0;
    }
    /* The members' strings stay where they are, read until p goes. */
    *out = apr_array_make(p, (int)apr_hash_count(e->members) + 1,
                          sizeof(dv_member_t));
    for (hi = apr_hash_first(NULL, e->members); hi; hi = apr_hash_next(hi))
        APR_ARRAY_PUSH(*out, dv_member_t) =
            *(const dv_member_t *)apr_hash_this_val(hi);
    e->readers++;
    apr_pool_cleanup_register(p, e, reader_done, apr_pool_cleanup_null);
    pthread_mutex_unlock(&lock);
    return 1;
}

static apr_hash_t *copy_set(apr_hash_t *from, apr_pool_t *p)
{
    apr_hash_t *to = apr_hash_make(p);
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(NULL, from); hi; hi = apr_hash_next(hi))
        apr_hash_set(to, apr_pstrdup(p, apr_hash_this_key(hi)),
                     APR_HASH_KEY_STRING, "");
    return to;
}

int dv_lists_get_inside(const char *key, const char *token, int filter,
                        apr_time_t since, apr_hash_t **inside, apr_pool_t *p)
{
    dv_entry_t *e;
    int hit = 0;

    pthread_mutex_lock(&lock);
    if ((e = find(key)) && e->inside && e->filter == filter
        && e->since == since && strcmp(e->token, token) == 0) {
        *inside = copy_set(e->inside, p);
        hit = 1;
    }
    pthread_mutex_unlock(&lock);
    return hit;
}

void dv_lists_put_inside(const char *key, const char *token, int filter,
                         apr_time_t since, apr_hash_t *inside)
{
    dv_entry_t *e;

    pthread_mutex_lock(&lock);
    if ((e = find(key)) && strcmp(e->token, token) == 0) {
        drop_inside(e);
        if (make_room((long)apr_hash_count(inside), e) && find(key) == e) {
            e->filter = filter;
            e->since = since;
            e->inside = copy_set(inside, e->in_pool);
            held += inside_count(e);
        }
    }
    pthread_mutex_unlock(&lock);
}

void dv_lists_drop(const char *key)
{
    dv_entry_t *e;

    pthread_mutex_lock(&lock);
    if ((e = find(key)))
        drop_entry(e);
    pthread_mutex_unlock(&lock);
}
