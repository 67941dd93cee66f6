/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A process's memory of users' DAV homes (dav_backend.h): discovery costs
 * three or four requests, and a user's principal and home sets rarely
 * change, so each process keeps them for DV_HOMES_TTL per (base URL, DAV
 * user), and a store opened meanwhile starts from them.  Paths only: no
 * credentials are kept.  Bounded: past DV_HOMES_MAX entries it starts
 * afresh.
 */
#include "dav_backend.h"

#include <apr_strings.h>
#include <pthread.h>

#define DV_HOMES_TTL apr_time_from_sec(300)
#define DV_HOMES_MAX 10000

typedef struct {
    apr_pool_t *pool;
    apr_time_t expires;
    dav_homes_t homes;
} dv_homes_entry_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static apr_pool_t *cache_pool;
static apr_hash_t *cache;

static const char *key_of(const char *url, const char *user, apr_pool_t *p)
{
    return apr_pstrcat(p, url, "\n", user ? user : "", NULL);
}

static apr_array_header_t *copy_paths(const apr_array_header_t *a,
                                      apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, a ? a->nelts : 0,
                                             sizeof(const char *));
    int i;

    for (i = 0; a && i < a->nelts; i++)
        APR_ARRAY_PUSH(out, const char *) =
            apr_pstrdup(p, APR_ARRAY_IDX(a, i, const char *));
    return out;
}

static void copy_homes(dav_homes_t *to, const dav_homes_t *from,
                       apr_pool_t *p)
{
    to->principal = apr_pstrdup(p, from->principal);
    to->cal_homes = copy_paths(from->cal_homes, p);
    to->card_homes = copy_paths(from->card_homes, p);
}

int dv_homes_get(const char *url, const char *user, dav_homes_t *out,
                 apr_pool_t *p)
{
    dv_homes_entry_t *e;
    int hit = 0;

    pthread_mutex_lock(&lock);
    e = cache ? apr_hash_get(cache, key_of(url, user, p), APR_HASH_KEY_STRING)
              : NULL;
    if (e && e->expires > apr_time_now()) {
        copy_homes(out, &e->homes, p);
        hit = 1;
    }
    pthread_mutex_unlock(&lock);
    return hit;
}

static void drop(const char *key)
{
    dv_homes_entry_t *e = apr_hash_get(cache, key, APR_HASH_KEY_STRING);

    if (e) {
        apr_hash_set(cache, key, APR_HASH_KEY_STRING, NULL);
        apr_pool_destroy(e->pool);
    }
}

void dv_homes_put(const char *url, const char *user, const dav_homes_t *h)
{
    apr_pool_t *ep;
    dv_homes_entry_t *e;
    const char *key;

    pthread_mutex_lock(&lock);
    if (!cache_pool || apr_hash_count(cache) >= DV_HOMES_MAX) {
        if (cache_pool)
            apr_pool_destroy(cache_pool);
        if (apr_pool_create(&cache_pool, NULL) != APR_SUCCESS) {
            cache_pool = NULL;
            cache = NULL;
            pthread_mutex_unlock(&lock);
            return;
        }
        cache = apr_hash_make(cache_pool);
    }
    if (apr_pool_create(&ep, cache_pool) == APR_SUCCESS) {
        key = key_of(url, user, ep);
        drop(key);
        e = apr_pcalloc(ep, sizeof(*e));
        e->pool = ep;
        e->expires = apr_time_now() + DV_HOMES_TTL;
        copy_homes(&e->homes, h, ep);
        apr_hash_set(cache, key, APR_HASH_KEY_STRING, e);
    }
    pthread_mutex_unlock(&lock);
}

void dv_homes_forget(const char *url, const char *user, apr_pool_t *p)
{
    pthread_mutex_lock(&lock);
    if (cache)
        drop(key_of(url, user, p));
    pthread_mutex_unlock(&lock);
}
