/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The imap change source (imap_watch.h).
 *
 * Watches are counted per key ("imap", server, login, mailbox; an empty
 * mailbox is the folder hierarchy) and grouped per user (server and
 * login).  A user's state is every mailbox's STATUS (MESSAGES UIDNEXT
 * UIDVALIDITY HIGHESTMODSEQ) as last seen; the first watch of a user
 * reads it at once, in the watching request, so that nothing that
 * happens after the watch is missed.  The source's thread checks each
 * user when due (EASIMAPCheckInterval after the last check, or at once
 * when a notification names the user) with one LIST-STATUS on a pooled
 * connection, and notifies the keys of the mailboxes whose counters
 * moved, and the hierarchy's key when mailboxes came or went.
 *
 * A notification (a drop of kind imap: Dovecot's push_notification
 * plugin through the eas-notify endpoint) names a login and a mailbox
 * (UTF-8, as Dovecot names it) or nothing: the keys it names are told at
 * once, with no IMAP command in between (the module checks what a Sync
 * would return before it wakes a phone); a mailbox nobody watches tells
 * the hierarchy (it may be new), and an overflow tells everything.
 *
 * For servers that cannot call the endpoint, one process holds a NOTIFY
 * (else IDLE) connection per watched user (imap_hold.c) and turns what it
 * hears into drops; EASIMAPWatch plugin holds none.
 *
 * The user's credentials are kept in this process's memory while the
 * user is watched, for the checks, and wiped when the last watch goes;
 * never written anywhere.
 */
#include "imap_watch.h"
#include "imap_backend.h"
#include "imap_hold.h"
#include "mutf7.h"
#include "notify_drop.h"

#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IW_LOG_EVERY apr_time_from_sec(60)
/* The longest the thread sleeps between two looks at its flags. */
#define IW_ROUND_MS 1000
/* How soon a held connection is tried again after it failed, or while
   another process holds it. */
#define IW_HOLD_RETRY apr_time_from_sec(5)
/* The most held connections one thread polls. */
#define IW_POLL_MAX 1024
/* How long a user stays watched after its last watch went: a phone's
   next Ping follows its last at once, and finds the held connection and
   the counters still there. */
#define IW_LINGER apr_time_from_sec(120)

typedef struct {
    apr_uint64_t messages, uidnext, uidvalidity, modseq;
} iw_sig_t;

typedef struct iw_user {
    apr_pool_t *pool;           /* the user's own; wiped, then destroyed */
    const char *ukey;           /* server "\n" login */
    im_server_t srv;            /* copies; the password wiped at the end */
    char *password;
    apr_hash_t *boxes;          /* mailbox -> iw_sig_t * */
    apr_interval_time_t every;
    apr_time_t due;
    int watches;
    int busy;                   /* being checked by the thread */
    int gone;                   /* unwatched: freed by the thread */
    apr_time_t gone_at;
    const char *mode;           /* EASIMAPWatch */
    iw_hold_t *hold;            /* the thread's only */
    apr_time_t hold_retry;
} iw_user_t;

typedef struct {
    const char *key;
    const char *mailbox;        /* UTF-8; NULL: the hierarchy */
    iw_user_t *user;
    int count;
} iw_key_t;

struct eas_source {
    apr_pool_t *pool;
    eas_notify_fn notify;
    void *baton;
    apr_thread_mutex_t *lock;
    int wake_fd[2];             /* a byte in [1] wakes the thread's poll */
    apr_hash_t *users;          /* ukey -> iw_user_t * */
    apr_hash_t *keys;           /* key -> iw_key_t * */
    apr_thread_t *thread;
    apr_pool_t *pool_thread;    /* the thread's scratch for drops */
    eas_drop_reader_t *drops;
    int stop;
    apr_time_t said;
};

static struct {
    eas_log_fn log;
    void *log_ctx;
    const char *drop_dir;
} g;

void im_watch_configure(eas_log_fn log, void *log_ctx, const char *drop_dir)
{
    g.log = log;
    g.log_ctx = log_ctx;
    g.drop_dir = drop_dir;
}

static void iw_log(eas_source_t *src, int level, apr_status_t rv,
                   const char *msg)
{
    apr_time_t now = apr_time_now();

    if (!g.log)
        return;
    if (level <= IM_LOG_WARNING) {      /* failures: once a minute */
        if (src->said && now - src->said < IW_LOG_EVERY)
            return;
        src->said = now;
    }
    g.log(g.log_ctx, level, rv, msg);
}

static void thread_log(void *ctx, int level, apr_status_t rv, const char *msg)
{
    iw_log(ctx, level, rv, msg);
}

/* ---- reading every mailbox's counters ---- */

static apr_status_t on_status(void *baton, const im_resp_t *r)
{
    apr_hash_t *boxes = baton;
    apr_pool_t *p = apr_hash_pool_get(boxes);
    const im_val_t *name, *v;
    iw_sig_t *sig;
    const char *box;

    if (!(name = im_mailbox_of(r)))
        return APR_SUCCESS;
    box = im_is(name, "INBOX") ? "INBOX" : name->s;
    if (!(sig = apr_hash_get(boxes, box, APR_HASH_KEY_STRING))) {
        sig = apr_pcalloc(p, sizeof(*sig));
        apr_hash_set(boxes, apr_pstrdup(p, box), APR_HASH_KEY_STRING, sig);
    }
    if (strcmp(r->name, "STATUS") != 0)
        return APR_SUCCESS;
    v = im_nth(r->args, 1);
    im_number(im_item(v, "MESSAGES"), &sig->messages);
    im_number(im_item(v, "UIDNEXT"), &sig->uidnext);
    im_number(im_item(v, "UIDVALIDITY"), &sig->uidvalidity);
    im_number(im_item(v, "HIGHESTMODSEQ"), &sig->modseq);
    return APR_SUCCESS;
}

/* Every mailbox's counters, into a new hash in p. */
static apr_status_t read_counters(im_conn_t *cn, apr_hash_t **out,
                                  apr_pool_t *p)
{
    apr_hash_t *boxes = apr_hash_make(p);
    int modseq = im_has_cap(cn->c, "CONDSTORE");
    apr_status_t rv;

    if ((rv = im_leave_selected(cn, p)) != APR_SUCCESS)
        return rv;
    rv = im_command(cn->c, on_status, boxes, NULL, p, modseq
                    ? "LIST %s %s RETURN (STATUS (MESSAGES UIDNEXT "
                      "UIDVALIDITY HIGHESTMODSEQ))"
                    : "LIST %s %s RETURN (STATUS (MESSAGES UIDNEXT "
                      "UIDVALIDITY))", "", "*");
    if (rv == APR_SUCCESS)
        *out = boxes;
    return rv;
}

static apr_status_t counters(const im_server_t *srv, eas_source_t *src,
                             apr_hash_t **out, apr_pool_t *p)
{
    im_log_t log = { thread_log, src };
    const char *err = NULL;
    im_conn_t *cn;
    apr_status_t rv;

    if ((rv = im_pool_take(srv, &log, &cn, &err, p)) != APR_SUCCESS) {
        iw_log(src, IM_LOG_WARNING, rv, apr_psprintf(
                   p, "cannot check %s on %s: %s", srv->login, srv->url,
                   err));
        return rv;
    }
    rv = read_counters(cn, out, p);
    im_pool_give(cn);
    return rv;
}

/* ---- keys and users ---- */

static const char *key_of(const im_server_t *srv, const char *mailbox,
                          apr_pool_t *p)
{
    return apr_pstrcat(p, "imap\n", srv->url, "\n", srv->login, "\n",
                       mailbox ? mailbox : "", NULL);
}

static void user_free(iw_user_t *u)
{
    iw_hold_close(u->hold);
    if (u->password)
        memset(u->password, 0, strlen(u->password));
    apr_pool_destroy(u->pool);
}

static iw_user_t *user_new(const im_store_t *s, const char *ukey)
{
    apr_pool_t *p;
    iw_user_t *u;
    const char *every = apr_table_get(s->base.user->params, "imap_check");

    apr_pool_create_unmanaged(&p);
    u = apr_pcalloc(p, sizeof(*u));
    u->pool = p;
    u->ukey = apr_pstrdup(p, ukey);
    u->srv = s->srv;
    u->srv.url = apr_pstrdup(p, s->srv.url);
    u->srv.ep.host = apr_pstrdup(p, s->srv.ep.host);
    u->srv.ep.ca_file = apr_pstrdup(p, s->srv.ep.ca_file);
    u->srv.login = apr_pstrdup(p, s->srv.login);
    u->srv.authcid = apr_pstrdup(p, s->srv.authcid);
    u->srv.authzid = apr_pstrdup(p, s->srv.authzid);
    u->password = apr_pstrdup(p, s->srv.password);
    u->srv.password = u->password;
    u->every = apr_time_from_sec(every ? atoi(every) : 300);
    u->mode = apr_pstrdup(p, apr_table_get(s->base.user->params, "imap_watch"));
    if (!u->mode)
        u->mode = "auto";
    u->due = apr_time_now() + u->every;
    return u;
}

/* The counters of every mailbox, kept in the user's pool. */
static void keep_counters(iw_user_t *u, apr_hash_t *boxes)
{
    apr_hash_index_t *hi;

    u->boxes = apr_hash_make(u->pool);
    for (hi = apr_hash_first(NULL, boxes); hi; hi = apr_hash_next(hi))
        apr_hash_set(u->boxes, apr_pstrdup(u->pool, apr_hash_this_key(hi)),
                     APR_HASH_KEY_STRING, apr_pmemdup(
                         u->pool, apr_hash_this_val(hi), sizeof(iw_sig_t)));
}

/* Tell the keys of what differs between the user's counters and now. */
static void tell_changes(eas_source_t *src, iw_user_t *u, apr_hash_t *now,
                         apr_array_header_t *keys, apr_pool_t *p)
{
    apr_hash_index_t *hi;
    int hierarchy = apr_hash_count(now) != apr_hash_count(u->boxes);

    for (hi = apr_hash_first(p, now); hi; hi = apr_hash_next(hi)) {
        const char *box = apr_hash_this_key(hi);
        const iw_sig_t *was = apr_hash_get(u->boxes, box,
                                           APR_HASH_KEY_STRING);
        if (!was)
            hierarchy = 1;
        else if (memcmp(was, apr_hash_this_val(hi), sizeof(*was)) != 0)
            APR_ARRAY_PUSH(keys, const char *) = key_of(&u->srv, box, p);
    }
    if (hierarchy)
        APR_ARRAY_PUSH(keys, const char *) = key_of(&u->srv, NULL, p);
}

/* ---- the thread ---- */

/* The users due now, marked busy (locked); the earliest other due time
   in *next. */
static apr_array_header_t *due_users(eas_source_t *src, apr_time_t *next,
                                     apr_pool_t *p)
{
    apr_array_header_t *due = apr_array_make(p, 4, sizeof(iw_user_t *));
    apr_time_t now = apr_time_now();
    apr_hash_index_t *hi;

    *next = now + apr_time_from_sec(3600);
    for (hi = apr_hash_first(p, src->users); hi; hi = apr_hash_next(hi)) {
        iw_user_t *u = apr_hash_this_val(hi);
        if (u->busy || u->gone || !u->boxes)
            continue;
        if (u->due <= now) {
            u->busy = 1;
            APR_ARRAY_PUSH(due, iw_user_t *) = u;
        } else if (u->due < *next) {
            *next = u->due;
        }
    }
    return due;
}

static void check_user(eas_source_t *src, iw_user_t *u, apr_pool_t *p)
{
    apr_array_header_t *keys = apr_array_make(p, 4, sizeof(char *));
    apr_hash_t *now = NULL;
    int i;

    if (counters(&u->srv, src, &now, p) != APR_SUCCESS)
        now = NULL;
    apr_thread_mutex_lock(src->lock);
    u->busy = 0;
    u->due = apr_time_now() + u->every;
    if (now && !u->gone) {
        tell_changes(src, u, now, keys, p);
        keep_counters(u, now);
    }
    apr_thread_mutex_unlock(src->lock);
    for (i = 0; i < keys->nelts; i++)
        src->notify(src->baton, APR_ARRAY_IDX(keys, i, const char *));
}

/* Whether key k is named by a drop of user at where ("" anything). */
static int named(const iw_key_t *k, const char *user, const char *where)
{
    if (!user)
        return 1;               /* an overflow */
    if (strcmp(k->user->srv.login, user) != 0)
        return 0;
    return !*where || !k->mailbox || !strcmp(k->mailbox, where);
}

static void on_drop(void *baton, eas_drop_kind_t kind, const char *user,
                    const char *where)
{
    eas_source_t *src = baton;
    apr_array_header_t *keys = apr_array_make(src->pool_thread, 8,
                                              sizeof(char *));
    apr_hash_index_t *hi;
    int i;

    apr_thread_mutex_lock(src->lock);
    for (hi = apr_hash_first(src->pool_thread, src->keys); hi;
         hi = apr_hash_next(hi)) {
        const iw_key_t *k = apr_hash_this_val(hi);
        if (named(k, user, where ? where : ""))
            APR_ARRAY_PUSH(keys, const char *) = apr_pstrdup(
                src->pool_thread, k->key);
    }
    apr_thread_mutex_unlock(src->lock);
    for (i = 0; i < keys->nelts; i++)
        src->notify(src->baton, APR_ARRAY_IDX(keys, i, const char *));
}

/* ---- held connections (the thread's) ---- */

/* Free the users unwatched meanwhile; start the holds that are due. */
static void manage_holds(eas_source_t *src, apr_pool_t *p)
{
    apr_array_header_t *gone = apr_array_make(p, 4, sizeof(iw_user_t *));
    apr_array_header_t *try = apr_array_make(p, 4, sizeof(iw_user_t *));
    apr_time_t now = apr_time_now();
    apr_hash_index_t *hi;
    int i;

    apr_thread_mutex_lock(src->lock);
    for (hi = apr_hash_first(p, src->users); hi; hi = apr_hash_next(hi)) {
        iw_user_t *u = apr_hash_this_val(hi);
        if (u->gone && !u->busy && (!u->hold
                                     || now - u->gone_at >= IW_LINGER)) {
            APR_ARRAY_PUSH(gone, iw_user_t *) = u;
        } else if (!u->gone && !u->busy && !u->hold
                   && strcmp(u->mode, "plugin") != 0 && u->hold_retry <= now
                   && g.drop_dir) {
            u->busy = 1;
            APR_ARRAY_PUSH(try, iw_user_t *) = u;
        }
    }
    for (i = 0; i < gone->nelts; i++)
        apr_hash_set(src->users, APR_ARRAY_IDX(gone, i, iw_user_t *)->ukey,
                     APR_HASH_KEY_STRING, NULL);
    apr_thread_mutex_unlock(src->lock);
    for (i = 0; i < gone->nelts; i++)
        user_free(APR_ARRAY_IDX(gone, i, iw_user_t *));
    for (i = 0; i < try->nelts; i++) {
        iw_user_t *u = APR_ARRAY_IDX(try, i, iw_user_t *);
        im_log_t log = { thread_log, src };
        iw_hold_t *h = iw_hold_try(&u->srv, u->mode, g.drop_dir, &log);
        apr_thread_mutex_lock(src->lock);
        u->hold = h;
        u->hold_retry = apr_time_now() + IW_HOLD_RETRY;
        u->busy = 0;
        if (h)
            u->due = apr_time_now();    /* what came before it was held */
        apr_thread_mutex_unlock(src->lock);
    }
}

/* The users with a held connection (locked by the caller). */
static int held(eas_source_t *src, iw_user_t **users, int max)
{
    apr_hash_index_t *hi;
    int n = 0;

    for (hi = apr_hash_first(NULL, src->users); hi && n < max;
         hi = apr_hash_next(hi)) {
        iw_user_t *u = apr_hash_this_val(hi);
        if (u->hold)
            users[n++] = u;
    }
    return n;
}

/* Read every held connection; one that failed is closed, and its user
   checked at once (something may have been missed). */
static void read_holds(eas_source_t *src, iw_user_t **users, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        iw_user_t *u = users[i];
        if (iw_hold_read(u->hold) == APR_SUCCESS)
            continue;
        iw_log(src, IM_LOG_WARNING, EAS_EUNAVAIL, "a held NOTIFY/IDLE "
               "connection failed; it is made again");
        iw_hold_close(u->hold);
        apr_thread_mutex_lock(src->lock);
        u->hold = NULL;
        u->hold_retry = apr_time_now() + IW_HOLD_RETRY;
        u->due = apr_time_now();
        apr_thread_mutex_unlock(src->lock);
    }
}

/* Wait for drops and held connections until next (at most a round),
   reading what came. */
static void wait_round(eas_source_t *src, apr_time_t next)
{
    apr_interval_time_t left = next - apr_time_now();
    int ms = left <= 0 ? 0 : left >= apr_time_from_msec(IW_ROUND_MS)
             ? IW_ROUND_MS : (int)apr_time_as_msec(left);
    static struct pollfd pf[IW_POLL_MAX + 2];
    static iw_user_t *users[IW_POLL_MAX];
    int n, i;

    if (!src->drops && g.drop_dir)
        eas_drop_reader_open(&src->drops, g.drop_dir, EAS_DROP_IMAP);
    apr_thread_mutex_lock(src->lock);
    n = held(src, users, IW_POLL_MAX);
    apr_thread_mutex_unlock(src->lock);
    for (i = 0; i < n; i++) {
        pf[i].fd = iw_hold_fd(users[i]->hold);
        pf[i].events = POLLIN;
    }
    pf[n].fd = src->drops ? eas_drop_reader_fd(src->drops) : -1;
    pf[n].events = POLLIN;
    pf[n + 1].fd = src->wake_fd[0];
    pf[n + 1].events = POLLIN;
    if (poll(pf, n + 2, ms) > 0 && src->drops && pf[n].revents)
        eas_drop_reader_read(src->drops, on_drop, src);
    if (pf[n + 1].revents) {
        char buf[64];
        while (read(src->wake_fd[0], buf, sizeof(buf)) > 0)
            ;
    }
    read_holds(src, users, n);
    if (src->drops) {
        if (eas_drop_reader_read(src->drops, on_drop, src) < 0)
            return;
        eas_drop_reader_sweep(src->drops);
    }
}

static void *APR_THREAD_FUNC run(apr_thread_t *t, void *data)
{
    eas_source_t *src = data;
    apr_pool_t *p;
    apr_time_t next;

    apr_pool_create_unmanaged(&p);
    apr_pool_create_unmanaged(&src->pool_thread);
    apr_thread_mutex_lock(src->lock);
    while (!src->stop) {
        apr_array_header_t *due = due_users(src, &next, p);
        int i;
        apr_thread_mutex_unlock(src->lock);
        for (i = 0; i < due->nelts && !src->stop; i++)
            check_user(src, APR_ARRAY_IDX(due, i, iw_user_t *), p);
        apr_pool_clear(p);
        manage_holds(src, p);
        if (!due->nelts && !src->stop)
            wait_round(src, next);
        apr_pool_clear(src->pool_thread);
        apr_thread_mutex_lock(src->lock);
    }
    apr_thread_mutex_unlock(src->lock);
    eas_drop_reader_close(src->drops);
    src->drops = NULL;
    apr_pool_destroy(src->pool_thread);
    apr_pool_destroy(p);
    return NULL;
}

/* A byte for the thread's poll (a full pipe: it is woken already). */
static void wake_thread(eas_source_t *src)
{
    ssize_t n = write(src->wake_fd[1], "", 1);

    (void)n;
}

static apr_status_t source_stop(void *data)
{
    eas_source_t *src = data;
    apr_hash_index_t *hi;
    apr_status_t trv;

    apr_thread_mutex_lock(src->lock);
    src->stop = 1;
    apr_thread_mutex_unlock(src->lock);
    wake_thread(src);
    if (src->thread)
        apr_thread_join(&trv, src->thread);
    close(src->wake_fd[0]);
    close(src->wake_fd[1]);
    /* The keys live in the users' pools: forget them before those go. */
    apr_hash_clear(src->keys);
    while ((hi = apr_hash_first(NULL, src->users))) {
        iw_user_t *u = apr_hash_this_val(hi);
        apr_hash_set(src->users, u->ukey, APR_HASH_KEY_STRING, NULL);
        user_free(u);
    }
    return APR_SUCCESS;
}

static apr_status_t iw_open(eas_source_t **out, eas_notify_fn notify,
                            void *baton, apr_pool_t *p)
{
    eas_source_t *src = apr_pcalloc(p, sizeof(*src));
    apr_status_t rv;

    src->pool = p;
    src->notify = notify;
    src->baton = baton;
    src->users = apr_hash_make(p);
    src->keys = apr_hash_make(p);
    if (pipe2(src->wake_fd, O_NONBLOCK | O_CLOEXEC) != 0)
        return APR_FROM_OS_ERROR(errno);
    if ((rv = apr_thread_mutex_create(&src->lock, APR_THREAD_MUTEX_DEFAULT,
                                      p)) != APR_SUCCESS
        || (rv = apr_thread_create(&src->thread, NULL, run, src, p))
           != APR_SUCCESS)
        return rv;
    apr_pool_cleanup_register(p, src, source_stop, apr_pool_cleanup_null);
    *out = src;
    return APR_SUCCESS;
}

/* The user of s, made (with its counters read now) when new (locked on
   return). */
static apr_status_t user_get(eas_source_t *src, im_store_t *s,
                             iw_user_t **out, apr_pool_t *p)
{
    const char *ukey = apr_pstrcat(p, s->srv.url, "\n", s->srv.login, NULL);
    apr_hash_t *now = NULL;
    im_conn_t *cn;
    apr_status_t rv;

    apr_thread_mutex_lock(src->lock);
    if ((*out = apr_hash_get(src->users, ukey, APR_HASH_KEY_STRING))) {
        (*out)->gone = 0;
        return APR_SUCCESS;
    }
    apr_thread_mutex_unlock(src->lock);
    if ((rv = im_conn(s, &cn)) != APR_SUCCESS
        || (rv = read_counters(cn, &now, p)) != APR_SUCCESS) {
        apr_thread_mutex_lock(src->lock);
        return im_fail(s, rv, "LIST-STATUS", NULL);
    }
    apr_thread_mutex_lock(src->lock);
    if ((*out = apr_hash_get(src->users, ukey, APR_HASH_KEY_STRING))) {
        (*out)->gone = 0;
        return APR_SUCCESS;     /* made meanwhile */
    }
    *out = user_new(s, ukey);
    keep_counters(*out, now);
    apr_hash_set(src->users, (*out)->ukey, APR_HASH_KEY_STRING, *out);
    wake_thread(src);
    return APR_SUCCESS;
}

static apr_status_t iw_watch(eas_source_t *src, eas_store_t *st,
                             const char *folder_id, const char **key,
                             apr_pool_t *p)
{
    im_store_t *s = (im_store_t *)st;
    const im_folder_t *f = NULL;
    iw_user_t *u;
    iw_key_t *k;
    apr_status_t rv;

    if (folder_id && !(f = im_folder(s, folder_id)))
        return s->folders ? APR_ENOENT : EAS_EUNAVAIL;
    if ((rv = user_get(src, s, &u, p)) != APR_SUCCESS) {
        apr_thread_mutex_unlock(src->lock);
        return rv;
    }
    *key = key_of(&s->srv, f ? f->mailbox : NULL, p);
    if (!(k = apr_hash_get(src->keys, *key, APR_HASH_KEY_STRING))) {
        k = apr_pcalloc(u->pool, sizeof(*k));
        k->key = apr_pstrdup(u->pool, *key);
        k->mailbox = f ? eas_mutf7_decode(f->mailbox, u->pool) : NULL;
        if (f && !k->mailbox)
            k->mailbox = apr_pstrdup(u->pool, f->mailbox);
        k->user = u;
        apr_hash_set(src->keys, k->key, APR_HASH_KEY_STRING, k);
    }
    k->count++;
    u->watches++;
    apr_thread_mutex_unlock(src->lock);
    return APR_SUCCESS;
}

static void iw_unwatch(eas_source_t *src, const char *key)
{
    iw_key_t *k;
    iw_user_t *u;

    apr_thread_mutex_lock(src->lock);
    if ((k = apr_hash_get(src->keys, key, APR_HASH_KEY_STRING))) {
        u = k->user;
        if (--k->count == 0)
            apr_hash_set(src->keys, k->key, APR_HASH_KEY_STRING, NULL);
        if (--u->watches == 0) {
            if (u->busy || u->hold
                || strcmp(u->mode, "plugin") != 0) {
                u->gone = 1;    /* freed by the thread, after IW_LINGER */
                u->gone_at = apr_time_now();
            } else {
                apr_hash_set(src->users, u->ukey, APR_HASH_KEY_STRING, NULL);
                user_free(u);
            }
        }
    }
    apr_thread_mutex_unlock(src->lock);
}

const eas_source_ops_t im_source_ops = {
    .open = iw_open,
    .watch = iw_watch,
    .unwatch = iw_unwatch,
};
