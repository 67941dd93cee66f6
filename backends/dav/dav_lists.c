/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A process's memory of collection listings (dav_backend.h), so that a
 * listing asks the server only what changed: RFC 6578 section 3.2, a
 * sync-collection REPORT from the token of the last listing.
 *
 * Each entry is one collection as one user saw it: the sync-token, every
 * member's href and ETag at that token and, for a calendar listed with a
 * FilterType, the members inside the window at that token (a time-range
 * query costs the server a pass over every event; asked again only when
 * the token or the window's start moves).  Entries are keyed by the EAS
 * user, the server and the collection, so no user is ever answered from
 * another's entry; and nothing is served from an entry without a request
 * to the server that the user's credentials passed just now.
 *
 * Bounded: the entries hold at most dv_lists_limit items in all; past it
 * the least recently used entries go.  Thread-safe (one mutex); what a
 * caller gets is a copy in its own pool.
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
    apr_hash_t *etags;          /* href -> ETag */
    int filter;                 /* what inside is for: DV_IN_*, 0 none */
    apr_time_t since;
    apr_pool_t *in_pool;        /* inside's, cleared when it is replaced */
    apr_hash_t *inside;         /* href -> "" */
    dv_entry_t *prev, *next;    /* most recently used first */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static apr_pool_t *lists_pool;
static apr_hash_t *lists;
static dv_entry_t *newest, *oldest;
static long held;               /* items in all entries */
static long limit = DV_LISTS_DEFAULT;

void dv_lists_set_limit(long items)
{
    pthread_mutex_lock(&lock);
    limit = items;
    pthread_mutex_unlock(&lock);
}

const char *dv_lists_key(const char *login, const char *url,
                         const char *href, apr_pool_t *p)
{
    return apr_pstrcat(p, login, "\n", url, "\n", href, NULL);
}

static apr_hash_t *copy_set(apr_hash_t *from, apr_pool_t *p)
{
    apr_hash_t *to = apr_hash_make(p);
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(NULL, from); hi; hi = apr_hash_next(hi)) {
        const void *k;
        void *v;
        apr_hash_this(hi, &k, NULL, &v);
        apr_hash_set(to, apr_pstrdup(p, k), APR_HASH_KEY_STRING,
                     apr_pstrdup(p, v));
    }
    return to;
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

static long size_of(const dv_entry_t *e)
{
    return (long)apr_hash_count(e->etags)
           + (e->inside ? (long)apr_hash_count(e->inside) : 0);
}

/* Under the lock. */
static void drop_entry(dv_entry_t *e)
{
    unlink_entry(e);
    apr_hash_set(lists, e->key, APR_HASH_KEY_STRING, NULL);
    held -= size_of(e);
    apr_pool_destroy(e->pool);
}

static dv_entry_t *find(const char *key)
{
    return lists ? apr_hash_get(lists, key, APR_HASH_KEY_STRING) : NULL;
}

int dv_lists_get(const char *key, const char **token, apr_hash_t **etags,
                 apr_pool_t *p)
{
    dv_entry_t *e;

    pthread_mutex_lock(&lock);
    if ((e = find(key))) {
        unlink_entry(e);
        push_front(e);
        *token = apr_pstrdup(p, e->token);
        *etags = copy_set(e->etags, p);
    }
    pthread_mutex_unlock(&lock);
    return e != NULL;
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

/* Under the lock: room for n more items, the oldest entries dropped. */
static int make_room(long n)
{
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

void dv_lists_put(const char *key, const char *token, apr_hash_t *etags)
{
    apr_pool_t *ep;
    dv_entry_t *e;

    pthread_mutex_lock(&lock);
    if ((e = find(key)) && token && strcmp(e->token, token) == 0) {
        /* Nothing changed: what the caller has is what the entry holds. */
        unlink_entry(e);
        push_front(e);
        pthread_mutex_unlock(&lock);
        return;
    }
    if (e)
        drop_entry(e);
    if (token && *token && open_lists()
        && make_room((long)apr_hash_count(etags))
        && apr_pool_create(&ep, lists_pool) == APR_SUCCESS) {
        e = apr_pcalloc(ep, sizeof(*e));
        e->pool = ep;
        e->key = apr_pstrdup(ep, key);
        e->token = apr_pstrdup(ep, token);
        e->etags = copy_set(etags, ep);
        apr_hash_set(lists, e->key, APR_HASH_KEY_STRING, e);
        push_front(e);
        held += size_of(e);
    }
    pthread_mutex_unlock(&lock);
}

void dv_lists_put_inside(const char *key, const char *token, int filter,
                         apr_time_t since, apr_hash_t *inside)
{
    dv_entry_t *e;

    pthread_mutex_lock(&lock);
    if ((e = find(key)) && strcmp(e->token, token) == 0) {
        unlink_entry(e);
        push_front(e);          /* the last make_room drops */
        if (e->inside) {
            held -= apr_hash_count(e->inside);
            e->inside = NULL;
        }
        if (make_room((long)apr_hash_count(inside)) && find(key) == e
            && (e->in_pool
                || apr_pool_create(&e->in_pool, e->pool) == APR_SUCCESS)) {
            apr_pool_clear(e->in_pool);
            e->filter = filter;
            e->since = since;
            e->inside = copy_set(inside, e->in_pool);
            held += apr_hash_count(inside);
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
