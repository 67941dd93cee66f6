/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dav change source (dav_watch.h): one poller thread per process.
 *
 * What is polled.  A collection's sync-token (RFC 6578 section 4), or its
 * getctag where there is none, read with one PROPFIND Depth 0, compared
 * with the last one seen; a hierarchy watch compares the listing of the
 * home sets (PROPFIND Depth 1 of each: the collections, their names and
 * kinds) through a digest.  One collection is polled once per interval
 * however many devices of however many users wait on it.
 *
 * Keys.  A watch's key names the collection (server origin, href, kind
 * of item) and the user, whose credentials the poll uses: unwatch names
 * only the key, and must tell whose watch it drops.  Keys of several
 * users on one collection share its poll.
 *
 * Credentials.  A user's are copied into the source when the first of
 * its watches begins and wiped (overwritten, then freed) when the last
 * ends; they are never logged and never written anywhere.
 *
 * A failing server.  A poll that fails keeps the last value seen, logs at
 * most once a minute, and polls again at the interval; the first poll
 * that succeeds again notifies every key of the collection.
 *
 * Notifications.  A dav drop (notify_drop.h: user, href) renamed into
 * the drop directory reaches every process's poller through its drop
 * reader, which tells the keys of the named collections of that user at
 * once, then at most once per DAV_NOTIFY_GATHER_MS however many
 * notifications come meanwhile.  A notification for a user without
 * watches costs one hash look-up.  The poller sweeps old drop files
 * (eas_drop_reader_sweep).
 */
#include "dav_backend.h"
#include "dav_watch.h"
#include "notify_drop.h"

#include <apr_escape.h>
#include <apr_hash.h>
#include <apr_md5.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define DW_LOG_EVERY apr_time_from_sec(60)
/* A poll's request takes at most this long, whatever EASDAVTimeout says:
   one slow server delays the others' polls no more. */
#define DW_POLL_TIMEOUT_MS 10000L
#define DW_GONE "\n(gone)"

typedef struct dw_key dw_key_t;

typedef struct {
    char *login;                /* also the table's key */
    int refs;                   /* its keys, and polls under way */
    char *url, *dav_user, *password, *ca_file;
    long timeout_ms;
    apr_pool_t *pool;           /* unmanaged: the homes */
    dav_homes_t *homes;
    dw_key_t *keys;
} dw_user_t;

typedef struct {
    char *id;                   /* origin + href, or "tree " + origin +
                                   principal; the table's key */
    char *href;                 /* NULL: a hierarchy */
    char *seen;                 /* last value, NULL: unknown */
    int failing, busy;
    int held;                   /* a notification waits for quiet */
    int refs;                   /* its keys, and a poll under way */
    apr_interval_time_t interval;
    apr_time_t due;
    apr_time_t quiet;           /* notifications held until then */
    dw_key_t *keys;
} dw_coll_t;

struct dw_key {
    char *text;                 /* the table's key */
    int refs;                   /* watches */
    dw_coll_t *coll;
    dw_user_t *user;
    dw_key_t *cnext, *unext;    /* the collection's, the user's */
};

typedef struct {
    eas_notify_fn notify;
    void *baton;
    apr_thread_mutex_t *mutex;  /* everything below */
    apr_hash_t *keys, *colls, *users;
    int wake;                   /* eventfd: configured, or stop */
    eas_drop_reader_t *drops;   /* the drop directory's dav drops */
    const char *dropped;        /* the directory drops watches */
    int stopping, down;
    apr_time_t said;            /* the last failure logged */
    apr_thread_t *thread;
    apr_pool_t *tables;         /* unmanaged: tables, the thread */
    apr_pool_t *scratch;        /* the thread's, cleared per round */
} dw_source_t;

/* The process's configuration and source (one each). */
static struct {
    eas_log_fn log;
    void *log_ctx;
    const char *drop_dir;
    dw_source_t *src;
} g;

/* ---- small things ---- */

static void wipe(char *s)
{
    volatile char *c = s;

    while (c && *c)
        *c++ = 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void dw_log(int level, apr_status_t rv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void dw_log(int level, apr_status_t rv, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (!g.log)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    g.log(g.log_ctx, level, rv, msg);
}

/* Whether a failure may be logged now (once a minute); under the mutex
   or from the poller thread, the only one that fails polls. */
static int may_say(dw_source_t *src)
{
    apr_time_t now = apr_time_now();

    if (src->said && now - src->said < DW_LOG_EVERY)
        return 0;
    src->said = now;
    return 1;
}

/* The poll client's failures, as the gate lets them through. */
static void poll_client_log(void *ctx, int level, apr_status_t rv,
                            const char *msg)
{
    dw_source_t *src = ctx;

    if (level <= DAV_LOG_WARNING && may_say(src))
        dw_log(DAV_LOG_WARNING, 0, "dav poll: %s (Pings on the server's "
               "folders wait for it; said at most once a minute)", msg);
}

static void wake_thread(dw_source_t *src)
{
    apr_uint64_t one = 1;

    if (write(src->wake, &one, sizeof(one)) < 0) {
        /* EAGAIN: the counter is full, so the thread wakes anyway. */
    }
}

void dav_watch_configure(eas_log_fn log, void *log_ctx, const char *drop_dir)
{
    g.log = log;
    g.log_ctx = log_ctx;
    g.drop_dir = drop_dir;
    if (g.src && g.src->wake >= 0)
        wake_thread(g.src);
}

/* ---- the tables (under the mutex) ---- */

static void user_release(dw_source_t *src, dw_user_t *u)
{
    if (--u->refs > 0)
        return;
    apr_hash_set(src->users, u->login, APR_HASH_KEY_STRING, NULL);
    wipe(u->password);
    free(u->password);
    free(u->dav_user);
    free(u->url);
    free(u->ca_file);
    free(u->login);
    if (u->pool)
        apr_pool_destroy(u->pool);
    free(u);
}

static void coll_release(dw_source_t *src, dw_coll_t *c)
{
    if (--c->refs > 0)
        return;
    apr_hash_set(src->colls, c->id, APR_HASH_KEY_STRING, NULL);
    free(c->id);
    free(c->href);
    free(c->seen);
    free(c);
}

static void key_unlink(dw_source_t *src, dw_key_t *k)
{
    dw_key_t **pp;

    for (pp = &k->coll->keys; *pp && *pp != k; pp = &(*pp)->cnext)
        ;
    if (*pp)
        *pp = k->cnext;
    for (pp = &k->user->keys; *pp && *pp != k; pp = &(*pp)->unext)
        ;
    if (*pp)
        *pp = k->unext;
    apr_hash_set(src->keys, k->text, APR_HASH_KEY_STRING, NULL);
    coll_release(src, k->coll);
    user_release(src, k->user);
    free(k->text);
    free(k);
}

/* A deep copy of homes in a pool of the user's own. */
static apr_status_t copy_homes(dw_user_t *u, const dav_homes_t *h)
{
    apr_array_header_t *arrs[2];
    const apr_array_header_t *from[2];
    apr_status_t rv;
    int i, j;

    if (!h)
        return APR_EINVAL;
    if ((rv = apr_pool_create_unmanaged_ex(&u->pool, NULL, NULL)))
        return rv;
    u->homes = apr_pcalloc(u->pool, sizeof(*u->homes));
    u->homes->principal = apr_pstrdup(u->pool, h->principal);
    from[0] = h->cal_homes;
    from[1] = h->card_homes;
    for (i = 0; i < 2; i++) {
        arrs[i] = apr_array_make(u->pool, from[i] ? from[i]->nelts : 0,
                                 sizeof(const char *));
        for (j = 0; from[i] && j < from[i]->nelts; j++)
            APR_ARRAY_PUSH(arrs[i], const char *) = apr_pstrdup(
                u->pool, APR_ARRAY_IDX(from[i], j, const char *));
    }
    u->homes->cal_homes = arrs[0];
    u->homes->card_homes = arrs[1];
    return APR_SUCCESS;
}

/* The settings a poll needs, from the store's parameters. */
static apr_status_t user_settings(dw_user_t *u, const dv_store_t *s)
{
    apr_table_t *t = s->base.user->params;
    const char *pw = apr_table_get(t, "dav_password");
    const char *tm = apr_table_get(t, "dav_timeout_ms");

    if (u->password && pw && strcmp(u->password, pw) == 0)
        return APR_SUCCESS;     /* the same: nothing to do */
    wipe(u->password);
    free(u->password);
    free(u->dav_user);
    u->password = dup_or_null(pw);
    u->dav_user = dup_or_null(apr_table_get(t, "dav_user"));
    if (!u->url) {
        u->url = dup_or_null(apr_table_get(t, "url"));
        u->ca_file = dup_or_null(apr_table_get(t, "dav_ca_file"));
        u->timeout_ms = tm ? atol(tm) : 0;
    }
    if ((pw && !u->password) || !u->url)
        return APR_ENOMEM;
    return APR_SUCCESS;
}

static apr_status_t user_get(dw_source_t *src, const dv_store_t *s,
                             dw_user_t **out)
{
    const char *login = s->base.user->login;
    dw_user_t *u = apr_hash_get(src->users, login, APR_HASH_KEY_STRING);
    apr_status_t rv;

    if (u) {
        *out = u;
        return user_settings(u, s);
    }
    if (!(u = calloc(1, sizeof(*u))) || !(u->login = strdup(login))) {
        free(u);
        return APR_ENOMEM;
    }
    u->refs = 1;                /* until the caller links a key */
    apr_hash_set(src->users, u->login, APR_HASH_KEY_STRING, u);
    if ((rv = user_settings(u, s)) != APR_SUCCESS
        || (rv = copy_homes(u, dav_homes(s->client))) != APR_SUCCESS) {
        user_release(src, u);
        return rv;
    }
    u->refs = 0;
    *out = u;
    return APR_SUCCESS;
}

static apr_status_t coll_get(dw_source_t *src, const char *id,
                             const char *href, const char *seen,
                             apr_interval_time_t interval, dw_coll_t **out)
{
    dw_coll_t *c = apr_hash_get(src->colls, id, APR_HASH_KEY_STRING);

    if (c) {
        if (interval < c->interval)
            c->interval = interval;
        *out = c;
        return APR_SUCCESS;
    }
    if (!(c = calloc(1, sizeof(*c))) || !(c->id = strdup(id))
        || (href && !(c->href = strdup(href)))
        || (seen && !(c->seen = strdup(seen)))) {
        if (c)
            free(c->id), free(c->href);
        free(c);
        return APR_ENOMEM;
    }
    c->failing = !seen;         /* the first poll that works notifies */
    c->interval = interval;
    c->due = apr_time_now() + interval;
    apr_hash_set(src->colls, c->id, APR_HASH_KEY_STRING, c);
    *out = c;
    return APR_SUCCESS;
}

/* One more watch of text, on collection id for the store's user. */
static apr_status_t attach(dw_source_t *src, const dv_store_t *s,
                           const char *text, const char *id,
                           const char *href, const char *seen,
                           apr_interval_time_t interval)
{
    dw_key_t *k = apr_hash_get(src->keys, text, APR_HASH_KEY_STRING);
    dw_user_t *u;
    dw_coll_t *c;
    apr_status_t rv;

    if (src->stopping)
        return APR_EINIT;
    if ((rv = user_get(src, s, &u)) != APR_SUCCESS)
        return rv;
    if (k) {
        k->refs++;
        return APR_SUCCESS;
    }
    if ((rv = coll_get(src, id, href, seen, interval, &c)) != APR_SUCCESS) {
        u->refs++;
        user_release(src, u);   /* a fresh one goes again */
        return rv;
    }
    if (!(k = calloc(1, sizeof(*k))) || !(k->text = strdup(text))) {
        free(k);
        c->refs++;
        coll_release(src, c);   /* a fresh one goes again */
        u->refs++;
        user_release(src, u);
        return APR_ENOMEM;
    }
    k->refs = 1;
    k->coll = c;
    k->user = u;
    k->cnext = c->keys;
    c->keys = k;
    k->unext = u->keys;
    u->keys = k;
    c->refs++;
    u->refs++;
    apr_hash_set(src->keys, k->text, APR_HASH_KEY_STRING, k);
    return APR_SUCCESS;
}

/* ---- what a poll reads ---- */

static int by_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A digest of the collections: hrefs, names, kinds, components. */
static const char *listing_digest(const apr_array_header_t *colls,
                                  apr_pool_t *p)
{
    apr_array_header_t *lines = apr_array_make(p, colls->nelts,
                                               sizeof(const char *));
    unsigned char md[APR_MD5_DIGESTSIZE];
    apr_md5_ctx_t ctx;
    int i;

    for (i = 0; i < colls->nelts; i++) {
        const dav_collection_t *c = &APR_ARRAY_IDX(colls, i,
                                                   dav_collection_t);
        APR_ARRAY_PUSH(lines, const char *) = apr_psprintf(
            p, "%s\t%s\t%d\t%u\n", c->href, c->name ? c->name : "",
            (int)c->kind, c->comps);
    }
    qsort(lines->elts, lines->nelts, sizeof(const char *), by_text);
    apr_md5_init(&ctx);
    for (i = 0; i < lines->nelts; i++) {
        const char *l = APR_ARRAY_IDX(lines, i, const char *);
        apr_md5_update(&ctx, l, strlen(l));
    }
    apr_md5_final(md, &ctx);
    return apr_pescape_hex(p, md, sizeof(md), 0);
}

/* What a collection's poll compares: its sync-token, or its getctag. */
static const char *collection_value(const dav_collection_t *c)
{
    if (c->sync_token && *c->sync_token)
        return c->sync_token;
    if (c->ctag && *c->ctag)
        return c->ctag;
    return "";                  /* neither: no change can be told */
}

/* The value of href (NULL: the listing) as client c sees it now. */
static apr_status_t read_value(dav_client_t *c, const char *href,
                               const char **out, apr_pool_t *p)
{
    apr_array_header_t *colls;
    dav_collection_t one;
    apr_status_t rv;

    if (!href) {
        if ((rv = dav_collections(c, &colls, p)) == APR_SUCCESS)
            *out = listing_digest(colls, p);
        return rv;
    }
    rv = dav_collection_get(c, href, &one, p);
    if (rv == APR_ENOENT) {
        *out = DW_GONE;         /* a change: the Ping finds it gone */
        return APR_SUCCESS;
    }
    if (rv == APR_SUCCESS)
        *out = collection_value(&one);
    return rv;
}

/* ---- the poller thread ---- */

/* One collection's poll, as taken from the tables under the mutex. */
typedef struct {
    dw_coll_t *coll;
    dw_user_t *user;
    char *href, *url, *dav_user, *password, *ca_file;
    long timeout_ms;
} dw_job_t;

static void job_take(dw_job_t *j, dw_coll_t *c, apr_pool_t *p)
{
    dw_user_t *u = c->keys->user;

    j->coll = c;
    j->user = u;
    j->href = c->href ? apr_pstrdup(p, c->href) : NULL;
    j->url = apr_pstrdup(p, u->url);
    j->dav_user = u->dav_user ? apr_pstrdup(p, u->dav_user) : NULL;
    j->password = u->password ? apr_pstrdup(p, u->password) : NULL;
    j->ca_file = u->ca_file ? apr_pstrdup(p, u->ca_file) : NULL;
    j->timeout_ms = u->timeout_ms > 0 && u->timeout_ms < DW_POLL_TIMEOUT_MS
                    ? u->timeout_ms : DW_POLL_TIMEOUT_MS;
    c->busy = 1;
    c->refs++;
    u->refs++;
}

/* Without the mutex: the user is held, so its homes stay. */
static apr_status_t job_run(dw_source_t *src, const dw_job_t *j,
                            const char **value, apr_pool_t *p)
{
    dav_options_t o;
    dav_client_t *c;
    const char *err;
    apr_status_t rv;

    memset(&o, 0, sizeof(o));
    o.base_url = j->url;
    o.user = j->dav_user;
    o.password = j->password;
    o.ca_file = j->ca_file;
    o.timeout_ms = j->timeout_ms;
    o.connect_timeout_ms = j->timeout_ms;
    o.log = poll_client_log;
    o.log_ctx = src;
    if ((rv = dav_client_create(&c, &o, p, &err)) != APR_SUCCESS
        || (rv = dav_set_homes(c, j->user->homes)) != APR_SUCCESS)
        return rv;
    return read_value(c, j->href, value, p);
}

/* Under the mutex: the poll's outcome; the keys to notify pushed on out. */
static void job_done(dw_source_t *src, dw_job_t *j, apr_status_t rv,
                     const char *value, apr_array_header_t *out)
{
    dw_coll_t *c = j->coll;
    apr_time_t now = apr_time_now();
    dw_key_t *k;
    int changed = 0;

    if (rv == APR_SUCCESS) {
        changed = c->failing || !c->seen || strcmp(c->seen, value) != 0;
        if (!c->seen || strcmp(c->seen, value) != 0) {
            free(c->seen);
            c->seen = strdup(value);
        }
        c->failing = 0;
    }
    else
        c->failing = 1;
    for (k = changed ? c->keys : NULL; k; k = k->cnext)
        APR_ARRAY_PUSH(out, const char *) = apr_pstrdup(out->pool, k->text);
    c->busy = 0;
    c->due = now + c->interval;
    user_release(src, j->user);
    coll_release(src, c);
}

/* Log a change of the server's state (down, or back). */
static void say_state(dw_source_t *src, apr_status_t rv)
{
    if (rv != APR_SUCCESS && !src->down) {
        src->down = 1;
        if (may_say(src))
            dw_log(DAV_LOG_WARNING, 0, "dav poll: the DAV server does not "
                   "answer; Pings on its folders end at their heartbeat "
                   "until it does (said at most once a minute)");
    }
    else if (rv == APR_SUCCESS && src->down) {
        src->down = 0;
        dw_log(DAV_LOG_INFO, 0, "dav poll: the DAV server answers again: "
               "the waiting requests on its folders look now");
    }
}

/* Run one job; the keys to notify pushed on out. */
static void run_job(dw_source_t *src, dw_job_t *j, apr_array_header_t *out,
                    apr_pool_t *p)
{
    const char *value = NULL;
    apr_status_t rv = job_run(src, j, &value, p);

    if (j->password)
        wipe(j->password);
    apr_thread_mutex_lock(src->mutex);
    say_state(src, rv);
    job_done(src, j, rv, value, out);
    apr_thread_mutex_unlock(src->mutex);
}

/* Under the mutex: c's keys pushed on keys; no more until gather ms. */
static void tell_now(dw_source_t *src, dw_coll_t *c, apr_array_header_t *keys,
                     apr_time_t now)
{
    dw_key_t *k;

    for (k = c->keys; k; k = k->cnext)
        APR_ARRAY_PUSH(keys, const char *) = apr_pstrdup(keys->pool, k->text);
    c->held = 0;
    c->quiet = now + apr_time_from_msec(DAV_NOTIFY_GATHER_MS);
}

/* Under the mutex: the collections due now as jobs, the held notifications
   due now pushed on keys; *next the time of the first one due later (0:
   none). */
static apr_array_header_t *due_jobs(dw_source_t *src, apr_time_t *next,
                                    apr_array_header_t *keys)
{
    apr_array_header_t *jobs = apr_array_make(src->scratch, 8,
                                              sizeof(dw_job_t));
    apr_time_t now = apr_time_now();
    apr_hash_index_t *hi;

    *next = 0;
    for (hi = apr_hash_first(NULL, src->colls); hi; hi = apr_hash_next(hi)) {
        dw_coll_t *c = apr_hash_this_val(hi);
        apr_time_t at = c->due;

        if (c->held && c->keys && c->quiet <= now)
            tell_now(src, c, keys, now);
        if (c->held && (!*next || c->quiet < *next))
            *next = c->quiet;
        if (c->busy || !c->keys)
            continue;
        if (at <= now)
            job_take(apr_array_push(jobs), c, src->scratch);
        else if (!*next || at < *next)
            *next = at;
    }
    return jobs;
}

static void notify_all(dw_source_t *src, const apr_array_header_t *keys)
{
    int i;

    for (i = 0; i < keys->nelts; i++)
        src->notify(src->baton, APR_ARRAY_IDX(keys, i, const char *));
}

/* Poll what is due; the time of the next poll (0: none). */
static apr_time_t poll_round(dw_source_t *src)
{
    apr_array_header_t *jobs, *keys;
    apr_time_t next;
    int i, stop = 0;

    keys = apr_array_make(src->scratch, 8, sizeof(const char *));
    apr_thread_mutex_lock(src->mutex);
    jobs = due_jobs(src, &next, keys);
    apr_thread_mutex_unlock(src->mutex);
    for (i = 0; i < jobs->nelts; i++) {
        dw_job_t *j = &APR_ARRAY_IDX(jobs, i, dw_job_t);
        if (stop) {             /* give the holds back unpolled */
            apr_thread_mutex_lock(src->mutex);
            job_done(src, j, APR_EINIT, NULL, keys);
            apr_thread_mutex_unlock(src->mutex);
            continue;
        }
        run_job(src, j, keys, src->scratch);
        apr_thread_mutex_lock(src->mutex);
        stop = src->stopping;
        apr_thread_mutex_unlock(src->mutex);
    }
    notify_all(src, keys);
    apr_pool_clear(src->scratch);
    return jobs->nelts ? apr_time_now() : next;
}

/* ---- notifications ---- */

/*
 * A drop for user (and href, or "" for every collection): the keys of
 * the collections it names are told at once, with no poll first (a false
 * alarm costs the waiting Pings one look at their folders; a poll would
 * cost every notification the server's time to compute a sync-token).
 * Notifications of one collection closer than DAV_NOTIFY_GATHER_MS are
 * held and told once at the end of that time: a flood of writes wakes
 * a Ping at the first and then at most once per that time.
 */
static void dropped(dw_source_t *src, const char *user, const char *href)
{
    apr_array_header_t *keys = apr_array_make(src->scratch, 8,
                                              sizeof(const char *));
    apr_hash_t *seen = apr_hash_make(src->scratch);  /* the user's keys
                                                         may share one */
    apr_time_t now = apr_time_now();
    dw_user_t *u;
    dw_key_t *k;

    apr_thread_mutex_lock(src->mutex);
    u = apr_hash_get(src->users, user, APR_HASH_KEY_STRING);
    for (k = u ? u->keys : NULL; k; k = k->unext) {
        dw_coll_t *c = k->coll;
        if ((*href && c->href && !dav_path_under(href, c->href))
            || apr_hash_get(seen, &k->coll, sizeof(c)))
            continue;
        apr_hash_set(seen, &k->coll, sizeof(c), c);
        if (c->quiet <= now)
            tell_now(src, c, keys, now);
        else
            c->held = 1;
    }
    apr_thread_mutex_unlock(src->mutex);
    notify_all(src, keys);
}

/* The drop reader's callback (notify_drop.h).  An overflow (user NULL)
   tells nothing: the polls catch up. */
static void on_drop(void *baton, eas_drop_kind_t kind, const char *user,
                    const char *href)
{
    (void)kind;                 /* the reader's: dav */
    if (user)
        dropped(baton, user, href);
}

/* Watch the drop directory once it is known. */
static void start_drops(dw_source_t *src)
{
    const char *dir = g.drop_dir;
    apr_status_t rv;

    if (!dir || src->dropped)
        return;
    src->dropped = dir;
    if ((rv = eas_drop_reader_open(&src->drops, dir, EAS_DROP_DAV))
        != APR_SUCCESS)
        dw_log(DAV_LOG_ERR, rv, "dav poll: cannot watch the notification "
               "directory %s: notifications of the DAV server reach no "
               "Ping of this process; polls do", dir);
}

/* ---- the thread ---- */

static int wait_ms(apr_time_t next)
{
    apr_interval_time_t left;

    if (!next)
        return 60000;
    left = next - apr_time_now();
    return left <= 0 ? 0 : left > apr_time_from_sec(60) ? 60000
                                                         : (int)(left / 1000) + 1;
}

static void *APR_THREAD_FUNC run(apr_thread_t *t, void *data)
{
    dw_source_t *src = data;
    apr_time_t next = 0;
    apr_uint64_t count;

    for (;;) {
        struct pollfd pfd[2];
        int stop;

        apr_thread_mutex_lock(src->mutex);
        stop = src->stopping;
        apr_thread_mutex_unlock(src->mutex);
        if (stop)
            break;
        start_drops(src);
        pfd[0].fd = src->wake;
        pfd[1].fd = src->drops ? eas_drop_reader_fd(src->drops)
                               : -1;    /* -1: ignored */
        pfd[0].events = pfd[1].events = POLLIN;
        pfd[0].revents = pfd[1].revents = 0;
        if (poll(pfd, 2, wait_ms(next)) < 0 && errno != EINTR)
            apr_sleep(apr_time_from_msec(100));
        if (pfd[0].revents & POLLIN)
            while (read(src->wake, &count, sizeof(count)) > 0)
                ;
        if (pfd[1].revents & POLLIN)
            eas_drop_reader_read(src->drops, on_drop, src);
        if (src->drops)
            eas_drop_reader_sweep(src->drops);
        next = poll_round(src);
    }
    /* Returning, not apr_thread_exit(): see maildir_watch.c. */
    return NULL;
}

/* ---- the ops ---- */

static void free_tables(dw_source_t *src)
{
    apr_hash_index_t *hi;

    /* Every key goes, and with the last of theirs, users and
       collections (wiping the credentials). */
    for (hi = src->keys ? apr_hash_first(NULL, src->keys) : NULL; hi;
         hi = apr_hash_next(hi))
        key_unlink(src, apr_hash_this_val(hi));
    src->keys = src->colls = src->users = NULL;
}

/* A pre-cleanup: as the Maildir source's, the thread is joined before
   what the baton points to goes; the source stays, stopped. */
static apr_status_t source_stop(void *data)
{
    dw_source_t *src = data;
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
    free_tables(src);
    eas_drop_reader_close(src->drops);
    src->drops = NULL;
    if (src->scratch)
        apr_pool_destroy(src->scratch);
    if (src->tables)
        apr_pool_destroy(src->tables);
    src->scratch = src->tables = NULL;
    if (src->mutex)
        apr_thread_mutex_unlock(src->mutex);
    if (g.src == src)
        g.src = NULL;
    if (src->wake >= 0)
        close(src->wake);
    src->wake = -1;
    return APR_SUCCESS;
}

static apr_status_t dw_open(eas_source_t **out, eas_notify_fn notify,
                            void *baton, apr_pool_t *p)
{
    dw_source_t *src = apr_pcalloc(p, sizeof(*src));
    apr_status_t rv;

    src->notify = notify;
    src->baton = baton;
    if ((src->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
        return APR_FROM_OS_ERROR(errno);
    apr_pool_pre_cleanup_register(p, src, source_stop);
    if ((rv = apr_thread_mutex_create(&src->mutex, APR_THREAD_MUTEX_DEFAULT,
                                      p)) != APR_SUCCESS
        || (rv = apr_pool_create_unmanaged_ex(&src->tables, NULL, NULL))
           != APR_SUCCESS
        || (rv = apr_pool_create_unmanaged_ex(&src->scratch, NULL, NULL))
           != APR_SUCCESS)
        return rv;
    src->keys = apr_hash_make(src->tables);
    src->colls = apr_hash_make(src->tables);
    src->users = apr_hash_make(src->tables);
    g.src = src;
    if ((rv = apr_thread_create(&src->thread, NULL, run, src, src->tables))
        != APR_SUCCESS)
        return rv;
    *out = (eas_source_t *)src;
    return APR_SUCCESS;
}

/* The value a new collection starts from, read with the store's own
   client before the request's first look: a change between that look
   and the first poll is then not missed.  NULL when it cannot be read
   (the first poll that works notifies). */
static const char *baseline(dv_store_t *s, const char *href, apr_pool_t *p)
{
    const char *v = NULL;

    return read_value(s->client, href, &v, p) == APR_SUCCESS ? v : NULL;
}

static apr_interval_time_t interval_of(const dv_store_t *s)
{
    const char *v = apr_table_get(s->base.user->params, "dav_poll_interval");
    long n = v ? atol(v) : DAV_POLL_DEFAULT;

    if (n < DAV_POLL_MIN || n > DAV_POLL_MAX)
        n = DAV_POLL_DEFAULT;
    return apr_time_from_sec(n);
}

static apr_status_t dw_watch(eas_source_t *src_, eas_store_t *st,
                             const char *folder_id, const char **key,
                             apr_pool_t *p)
{
    dw_source_t *src = (dw_source_t *)src_;
    dv_store_t *s = (dv_store_t *)st;
    const dav_homes_t *h = dav_homes(s->client);
    const char *origin = dav_url_origin(&s->client->base, p);
    const dv_folder_t *f = NULL;
    const char *id, *text, *seen = NULL, *href;
    apr_status_t rv;
    int known;

    if (folder_id && !(f = dv_folder(s, folder_id)))
        return APR_ENOENT;
    if (!h)
        return APR_EINVAL;
    href = f ? f->href : NULL;
    id = f ? apr_pstrcat(p, origin, href, NULL)
           : apr_pstrcat(p, "tree ", origin, h->principal, NULL);
    text = apr_psprintf(p, "dav\n%s\n%c\n%s", id, f ? f->f.id[0] : '*',
                        st->user->login);
    apr_thread_mutex_lock(src->mutex);
    known = apr_hash_get(src->colls, id, APR_HASH_KEY_STRING) != NULL;
    apr_thread_mutex_unlock(src->mutex);
    if (!known)
        seen = baseline(s, href, p);
    apr_thread_mutex_lock(src->mutex);
    rv = attach(src, s, text, id, href, seen, interval_of(s));
    apr_thread_mutex_unlock(src->mutex);
    if (rv != APR_SUCCESS)
        return rv;
    if (!known)
        wake_thread(src);       /* its first poll may come before the
                                   poller's next */
    *key = text;
    return APR_SUCCESS;
}

static void dw_unwatch(eas_source_t *src_, const char *key)
{
    dw_source_t *src = (dw_source_t *)src_;
    dw_key_t *k;

    apr_thread_mutex_lock(src->mutex);
    k = src->stopping ? NULL : apr_hash_get(src->keys, key,
                                            APR_HASH_KEY_STRING);
    if (k && --k->refs == 0)
        key_unlink(src, k);
    apr_thread_mutex_unlock(src->mutex);
}

const eas_source_ops_t dav_source_ops = {
    .open = dw_open,
    .watch = dw_watch,
    .unwatch = dw_unwatch,
};
