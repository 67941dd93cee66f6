/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logged-in IMAP connections kept per process between requests
 * (imap_backend.h).  A request borrows one for its whole run and gives it
 * back at its end; the next request of the same user with the same
 * credentials finds it selected and logged in, and pays no TCP, TLS or
 * authentication round trip.
 *
 * Bounds: at most max_conns connections in the process (in use or idle)
 * and max_per_user for one user on one server; a request over a bound
 * waits a moment for one to come back, then fails with EAS_EUNAVAIL
 * (503 and Retry-After).  Idle connections older than the idle timeout
 * are closed (before the server's own autologout), and a connection idle
 * for a while, or one the server has written to or closed while it was
 * idle (a BYE at a restart or shutdown), is checked with NOOP before
 * use, so a request never starts on a connection the server has dropped.
 *
 * Keys: an idle connection is only given to the same server, login
 * identity and password: the password enters the key as a salted digest
 * (per-process random salt), never as itself.
 */
#include "imap_backend.h"

#include <apr_sha1.h>
#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A connection idle longer than this is checked with NOOP first. */
#define IM_CHECK_AFTER apr_time_from_sec(20)
/* How long a request waits for a connection over the bounds. */
#define IM_WAIT_BOUND apr_time_from_sec(5)

typedef struct idle_conn {
    im_conn_t *cn;
    struct idle_conn *next;
} idle_conn_t;

static struct {
    apr_pool_t *pool;
    apr_thread_mutex_t *lock;
    apr_thread_cond_t *freed;
    apr_hash_t *users;          /* user_key -> int * (open for the user) */
    idle_conn_t *idle;          /* most recently given back first */
    int open;                   /* connections of the process */
    int max_conns, max_per_user;
    apr_interval_time_t idle_for;
    unsigned char salt[16];
} g = { .max_conns = 100, .max_per_user = 4,
        .idle_for = apr_time_from_sec(300) };

static void init_once(void);

void im_pool_configure(int max_conns, int max_per_user,
                       apr_interval_time_t idle)
{
    init_once();                /* before the process's threads */
    g.max_conns = max_conns > 0 ? max_conns : 1;
    g.max_per_user = max_per_user > 0 ? max_per_user : 1;
    g.idle_for = idle;
}

static void init_once(void)
{
    static int done;
    apr_pool_t *p;

    if (done)
        return;
    apr_pool_create_unmanaged(&p);
    apr_thread_mutex_create(&g.lock, APR_THREAD_MUTEX_DEFAULT, p);
    apr_thread_cond_create(&g.freed, p);
    g.users = apr_hash_make(p);
    if (apr_generate_random_bytes(g.salt, sizeof(g.salt)) != APR_SUCCESS)
        abort();
    g.pool = p;
    done = 1;
}

static const char *digest(const char *password, apr_pool_t *p)
{
    apr_sha1_ctx_t ctx;
    unsigned char d[APR_SHA1_DIGESTSIZE];
    char *hex = apr_palloc(p, 2 * sizeof(d) + 1);
    int i;

    apr_sha1_init(&ctx);
    apr_sha1_update_binary(&ctx, g.salt, sizeof(g.salt));
    apr_sha1_update(&ctx, password ? password : "", password ?
                    (unsigned)strlen(password) : 0);
    apr_sha1_final(d, &ctx);
    for (i = 0; i < (int)sizeof(d); i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return hex;
}

static int *user_count(const char *user_key)
{
    int *n = apr_hash_get(g.users, user_key, APR_HASH_KEY_STRING);

    if (!n) {
        n = apr_pcalloc(g.pool, sizeof(*n));
        apr_hash_set(g.users, apr_pstrdup(g.pool, user_key),
                     APR_HASH_KEY_STRING, n);
    }
    return n;
}

/* Unlink and return an idle connection with key (locked). */
static im_conn_t *idle_take(const char *key)
{
    idle_conn_t **pp, *e;

    for (pp = &g.idle; (e = *pp); pp = &e->next)
        if (!strcmp(e->cn->key, key)) {
            *pp = e->next;
            return e->cn;
        }
    return NULL;
}

static void conn_destroy(im_conn_t *cn)
{
    if (cn->c) {
        im_set_log(cn->c, NULL);
        im_close(cn->c);
    }
    apr_pool_destroy(cn->pool);
}

/* Forget one connection in the counts (locked). */
static void uncount(im_conn_t *cn)
{
    g.open--;
    (*user_count(cn->user_key))--;
    apr_thread_cond_broadcast(g.freed);
}

/* Idle connections past the idle timeout, unlinked (locked); closed by
   the caller outside the lock. */
static idle_conn_t *idle_expired(apr_time_t now)
{
    idle_conn_t **pp = &g.idle, *e, *gone = NULL;

    while ((e = *pp)) {
        if (now - e->cn->used >= g.idle_for) {
            *pp = e->next;
            uncount(e->cn);
            e->next = gone;
            gone = e;
        } else {
            pp = &e->next;
        }
    }
    return gone;
}

/* The oldest idle connection of another key, to make room (locked). */
static im_conn_t *idle_evict(void)
{
    idle_conn_t **pp, **last = NULL;
    im_conn_t *cn;

    for (pp = &g.idle; *pp; pp = &(*pp)->next)
        last = pp;
    if (!last)
        return NULL;
    cn = (*last)->cn;
    *last = NULL;
    uncount(cn);
    return cn;
}

static void close_list(idle_conn_t *e)
{
    while (e) {
        idle_conn_t *next = e->next;    /* e lives in the connection */
        conn_destroy(e->cn);
        e = next;
    }
}

/*
 * Under the lock: an idle connection of key (*cn), or room counted for a
 * new one (*cn NULL), waiting up to IM_WAIT_BOUND; *evicted is an idle
 * connection closed to make room.  EAS_EUNAVAIL past the wait.
 */
static apr_status_t reserve(const char *key, const char *user_key,
                            im_conn_t **cn, im_conn_t **evicted)
{
    apr_time_t until = apr_time_now() + IM_WAIT_BOUND;
    int *mine = user_count(user_key);

    *evicted = NULL;
    for (;;) {
        if ((*cn = idle_take(key)))
            return APR_SUCCESS;
        if (g.open >= g.max_conns && *mine < g.max_per_user && !*evicted)
            *evicted = idle_evict();
        if (g.open < g.max_conns && *mine < g.max_per_user) {
            g.open++;
            (*mine)++;
            return APR_SUCCESS;
        }
        if (apr_time_now() >= until)
            return EAS_EUNAVAIL;
        apr_thread_cond_timedwait(g.freed, g.lock, until - apr_time_now());
    }
}

static void unreserve(const char *user_key)
{
    apr_thread_mutex_lock(g.lock);
    g.open--;
    (*user_count(user_key))--;
    apr_thread_cond_broadcast(g.freed);
    apr_thread_mutex_unlock(g.lock);
}

static apr_status_t login(const im_server_t *srv, const im_log_t *log,
                          im_conn_t *cn, const char **err)
{
    apr_status_t rv;

    rv = im_connect(&cn->c, &srv->ep, log, cn->pool, err);
    if (rv == APR_SUCCESS)
        rv = im_login(cn->c, srv->authcid, srv->password, srv->authzid, err);
    if (rv == IM_ENO || rv == IM_EBAD)
        return APR_EACCES;
    return rv;
}

static apr_status_t open_new(const im_server_t *srv, const im_log_t *log,
                             const char *key, const char *user_key,
                             im_conn_t **out, const char **err)
{
    apr_pool_t *p;
    im_conn_t *cn;

    apr_pool_create_unmanaged(&p);
    cn = apr_pcalloc(p, sizeof(*cn));
    cn->pool = p;
    cn->key = apr_pstrdup(p, key);
    cn->user_key = apr_pstrdup(p, user_key);
    *out = cn;
    return login(srv, log, cn, err);
}

/* Whether the server has said something (BYE) or closed the connection
   while it was idle: nothing is due from it between commands. */
static int spoke_while_idle(im_conn_t *cn)
{
    struct pollfd pfd = { .fd = im_fd(cn->c), .events = POLLIN };

    return pfd.fd < 0 || poll(&pfd, 1, 0) != 0;
}

/* A kept connection still answers, or is closed. */
static int still_good(im_conn_t *cn)
{
    if (im_broken(cn->c))
        return 0;
    if (apr_time_now() - cn->used < IM_CHECK_AFTER && !spoke_while_idle(cn))
        return 1;
    return im_command(cn->c, NULL, NULL, NULL, cn->pool, "NOOP")
           == APR_SUCCESS;
}

apr_status_t im_pool_take(const im_server_t *srv, const im_log_t *log,
                          im_conn_t **out, const char **err, apr_pool_t *p)
{
    apr_pool_t *tmp;
    const char *key, *user_key;
    im_conn_t *cn, *evicted;
    idle_conn_t *gone;
    apr_status_t rv;

    apr_pool_create_unmanaged(&tmp);
    init_once();
    user_key = apr_pstrcat(tmp, srv->url, "\n", srv->login, NULL);
    key = apr_pstrcat(tmp, user_key, "\n", srv->authcid, "\n",
                      srv->authzid ? srv->authzid : "", "\n",
                      digest(srv->password, tmp), NULL);
    for (;;) {
        apr_thread_mutex_lock(g.lock);
        gone = idle_expired(apr_time_now());
        rv = reserve(key, user_key, &cn, &evicted);
        apr_thread_mutex_unlock(g.lock);
        close_list(gone);
        if (evicted)
            conn_destroy(evicted);
        if (rv != APR_SUCCESS) {
            *err = "too many IMAP connections in this process or for "
                   "this user (EASIMAPConnections)";
            break;
        }
        if (!cn) {
            *err = NULL;
            rv = open_new(srv, log, key, user_key, &cn, err);
            if (rv != APR_SUCCESS) {
                unreserve(user_key);
                *err = apr_pstrdup(p, *err ? *err : "cannot log in");
                conn_destroy(cn);
            }
            break;
        }
        im_set_log(cn->c, log);
        if (still_good(cn))
            break;
        apr_thread_mutex_lock(g.lock);
        uncount(cn);
        apr_thread_mutex_unlock(g.lock);
        conn_destroy(cn);
    }
    apr_pool_destroy(tmp);
    *out = rv == APR_SUCCESS ? cn : NULL;
    return rv;
}

void im_pool_give(im_conn_t *cn)
{
    idle_conn_t *e;

    im_set_log(cn->c, NULL);
    if (im_broken(cn->c) || g.idle_for <= 0) {
        apr_thread_mutex_lock(g.lock);
        uncount(cn);
        apr_thread_mutex_unlock(g.lock);
        conn_destroy(cn);
        return;
    }
    cn->used = apr_time_now();
    e = apr_palloc(cn->pool, sizeof(*e));
    e->cn = cn;
    apr_thread_mutex_lock(g.lock);
    e->next = g.idle;
    g.idle = e;
    apr_thread_cond_broadcast(g.freed);
    apr_thread_mutex_unlock(g.lock);
}

void im_pool_shutdown(void)
{
    im_pool_close_all();
    if (g.pool && !g.open)
        apr_pool_destroy(g.pool);
    g.pool = NULL;
}

void im_pool_close_all(void)
{
    idle_conn_t *all, *e;

    if (!g.pool)
        return;
    apr_thread_mutex_lock(g.lock);
    all = g.idle;
    g.idle = NULL;
    for (e = all; e; e = e->next)
        uncount(e->cn);
    apr_thread_mutex_unlock(g.lock);
    close_list(all);
}
