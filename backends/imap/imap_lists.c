/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mailbox listings kept per process (imap_backend.h): every message's
 * UID, flags, INTERNALDATE and size, with the HIGHESTMODSEQ they were
 * read at (RFC 7162).  The next listing of the mailbox asks the server
 * only what changed since: nothing when HIGHESTMODSEQ is the same, else
 * UID FETCH 1:* ... (CHANGEDSINCE m VANISHED) (QRESYNC, RFC 7162 3.2.6),
 * and applies it to a copy.  A 10,000-message mailbox costs one SELECT
 * per Sync page instead of 10,000 FETCH responses.
 *
 * A listing is immutable once kept: a request holds a reference until its
 * pool goes, and an update makes a new one.  Keys name the state
 * database's scope, the server, the login, the mailbox and UIDVALIDITY,
 * and a listing is only used after the request's own connection has
 * SELECTed that mailbox with the user's credentials.  The members kept in
 * the process are bounded (least recently used go first).
 *
 * A message the server cannot read (a Maildir file without read
 * permission) makes it refuse a FETCH of its size (Dovecot says BYE and
 * closes the connection, others NO).  The folder is then listed again
 * without sizes, on a new connection, and that listing is not kept: the
 * message is listed, its reading fails alone (the sync engine leaves it
 * for a later Sync, MS-ASCMD Status 1 for the rest), and nothing is lost.
 */
#include "imap_backend.h"

#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include <stdlib.h>
#include <string.h>

struct im_listing {
    char *key;
    apr_uint64_t modseq;
    apr_size_t n;
    im_msg_t *msgs;             /* by UID */
    const im_msg_t **newest;    /* the same, newest first: a Sync page's
                                   order, sorted once per listing */
    int refs;                   /* the table's and each holder's */
    int kept;                   /* in the table */
    apr_time_t used;
};

static struct {
    apr_pool_t *pool;
    apr_thread_mutex_t *lock;
    apr_hash_t *table;          /* key -> im_listing_t * */
    apr_size_t members, limit;
} g = { .limit = 200000 };

static void init_once(void);
static void drop_kept(im_listing_t *l);

void im_lists_set_limit(apr_size_t members)
{
    init_once();                /* before the process's threads */
    g.limit = members;
}

static void init_once(void)
{
    apr_pool_t *p;

    if (g.pool)
        return;
    apr_pool_create_unmanaged(&p);
    apr_thread_mutex_create(&g.lock, APR_THREAD_MUTEX_DEFAULT, p);
    g.table = apr_hash_make(p);
    g.pool = p;
}

void im_lists_clear(void)
{
    apr_hash_index_t *hi;

    if (!g.pool)
        return;
    apr_thread_mutex_lock(g.lock);
    while ((hi = apr_hash_first(NULL, g.table)))
        drop_kept(apr_hash_this_val(hi));
    apr_thread_mutex_unlock(g.lock);
    apr_pool_destroy(g.pool);
    g.pool = NULL;
}

static void unref(im_listing_t *l)
{
    if (--l->refs > 0)
        return;
    free(l->msgs);
    free(l->newest);
    free(l->key);
    free(l);
}

static apr_status_t release(void *data)
{
    apr_thread_mutex_lock(g.lock);
    unref(data);
    apr_thread_mutex_unlock(g.lock);
    return APR_SUCCESS;
}

static void drop_kept(im_listing_t *l)
{
    apr_hash_set(g.table, l->key, APR_HASH_KEY_STRING, NULL);
    g.members -= l->n;
    l->kept = 0;
    unref(l);
}

/* Over the bound: the least recently used go (locked). */
static void trim(void)
{
    while (g.members > g.limit) {
        apr_hash_index_t *hi;
        im_listing_t *old = NULL;
        for (hi = apr_hash_first(NULL, g.table); hi; hi = apr_hash_next(hi)) {
            im_listing_t *l = apr_hash_this_val(hi);
            if (!old || l->used < old->used)
                old = l;
        }
        if (!old)
            return;
        drop_kept(old);
    }
}

/* The kept listing of key, with a reference for the caller, or NULL. */
static im_listing_t *lookup(const char *key)
{
    im_listing_t *l;

    apr_thread_mutex_lock(g.lock);
    if ((l = apr_hash_get(g.table, key, APR_HASH_KEY_STRING))) {
        l->refs++;
        l->used = apr_time_now();
    }
    apr_thread_mutex_unlock(g.lock);
    return l;
}

/* Keep l in place of what key held (l has the caller's reference). */
static void keep(im_listing_t *l)
{
    im_listing_t *old;

    apr_thread_mutex_lock(g.lock);
    if ((old = apr_hash_get(g.table, l->key, APR_HASH_KEY_STRING)))
        drop_kept(old);
    if (l->n <= g.limit) {
        l->refs++;
        l->kept = 1;
        l->used = apr_time_now();
        apr_hash_set(g.table, l->key, APR_HASH_KEY_STRING, l);
        g.members += l->n;
        trim();
    }
    apr_thread_mutex_unlock(g.lock);
}

static im_listing_t *listing_new(const char *key, apr_size_t cap)
{
    im_listing_t *l = calloc(1, sizeof(*l));

    if (!l || !(l->key = strdup(key))
        || !(l->msgs = malloc((cap ? cap : 1) * sizeof(im_msg_t)))) {
        if (l)
            free(l->key);
        free(l);
        return NULL;
    }
    l->refs = 1;
    return l;
}

/* ---- reading FETCH answers ---- */

typedef struct {
    im_msg_t *msgs;
    apr_size_t n, cap;
    apr_uint32_t *gone;         /* VANISHED */
    apr_size_t ngone, capgone;
    apr_status_t rv;
    int bye;                    /* the server said BYE meanwhile */
} changes_t;

static int grow(void **v, apr_size_t *cap, apr_size_t need, apr_size_t sz)
{
    void *n;

    if (need <= *cap)
        return 1;
    *cap = need < 64 ? 64 : need * 2;
    if (!(n = realloc(*v, *cap * sz)))
        return 0;
    *v = n;
    return 1;
}

static int on_vanished_range(void *baton, apr_uint32_t lo, apr_uint32_t hi)
{
    changes_t *c = baton;
    apr_uint32_t u;

    if (hi - lo > 10000000)
        return 1;               /* absurd: the caller lists anew */
    for (u = lo; ; u++) {
        if (!grow((void **)&c->gone, &c->capgone, c->ngone + 1,
                  sizeof(*c->gone)))
            return 1;
        c->gone[c->ngone++] = u;
        if (u == hi)
            break;
    }
    return 0;
}

static apr_status_t on_vanished(changes_t *c, const im_resp_t *r)
{
    const im_val_t *v = r->args ? r->args->child : NULL;

    if (v && v->kind == IM_LIST)
        v = v->next;            /* (EARLIER) */
    if (!v || v->kind != IM_ATOM
        || im_set_each(v->s, 0xFFFFFFFFu, on_vanished_range, c)
           != APR_SUCCESS)
        c->rv = APR_EGENERAL;
    return APR_SUCCESS;
}

static apr_status_t on_fetch(void *baton, const im_resp_t *r)
{
    changes_t *c = baton;
    const im_val_t *v;
    apr_uint64_t uid, size = 0;
    im_msg_t *m;

    if (r->status && !strcmp(r->status, "BYE"))
        c->bye = 1;
    if (r->name && !strcmp(r->name, "VANISHED"))
        return on_vanished(c, r);
    if (!r->name || strcmp(r->name, "FETCH") != 0
        || !im_number(im_fetch_item(r, "UID"), &uid) || !uid
        || uid > 0xFFFFFFFFu)
        return APR_SUCCESS;
    if (!grow((void **)&c->msgs, &c->cap, c->n + 1, sizeof(im_msg_t)))
        return APR_ENOMEM;
    m = &c->msgs[c->n++];
    m->uid = (apr_uint32_t)uid;
    m->flags = im_flags_of(im_fetch_item(r, "FLAGS"));
    m->time = 0;
    if ((v = im_fetch_item(r, "INTERNALDATE")) && v->kind == IM_STRING)
        im_date_time(v->s, &m->time);
    im_number(im_fetch_item(r, "RFC822.SIZE"), &size);
    m->size = (apr_off_t)size;
    return APR_SUCCESS;
}

static int by_uid(const void *a, const void *b)
{
    apr_uint32_t x = ((const im_msg_t *)a)->uid, y = ((const im_msg_t *)b)->uid;
    return x < y ? -1 : x > y;
}

static int uid_cmp(const void *a, const void *b)
{
    apr_uint32_t x = *(const apr_uint32_t *)a, y = *(const apr_uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sort and drop repeated UIDs (the last answer wins). */
static void sort_unique(im_msg_t *m, apr_size_t *n)
{
    apr_size_t i, o = 0;

    if (!*n)
        return;
    qsort(m, *n, sizeof(*m), by_uid);
    for (i = 0; i < *n; i++) {
        if (o && m[o - 1].uid == m[i].uid)
            m[o - 1] = m[i];
        else
            m[o++] = m[i];
    }
    *n = o;
}

static int vanished(const changes_t *c, apr_uint32_t uid)
{
    return c->ngone && bsearch(&uid, c->gone, c->ngone, sizeof(*c->gone),
                               uid_cmp) != NULL;
}

/* old + changes -> a new listing (key, modseq set by the caller). */
static im_listing_t *merge(const im_listing_t *old, changes_t *c)
{
    im_listing_t *l = listing_new(old->key, old->n + c->n);
    apr_size_t i = 0, j = 0;

    if (!l)
        return NULL;
    sort_unique(c->msgs, &c->n);
    if (c->ngone)
        qsort(c->gone, c->ngone, sizeof(*c->gone), uid_cmp);
    while (i < old->n || j < c->n) {
        const im_msg_t *m;
        if (j >= c->n || (i < old->n && old->msgs[i].uid < c->msgs[j].uid))
            m = &old->msgs[i++];
        else {
            if (i < old->n && old->msgs[i].uid == c->msgs[j].uid)
                i++;
            m = &c->msgs[j++];
        }
        if (!vanished(c, m->uid))
            l->msgs[l->n++] = *m;
    }
    return l;
}

static void changes_free(changes_t *c)
{
    free(c->msgs);
    free(c->gone);
}

/* ---- the listing of a folder ---- */

static const char *key_of(im_store_t *s, const im_folder_t *f, apr_pool_t *p)
{
    const eas_idmap_t *m = s->base.ctx.idmap;

    return apr_psprintf(p, "%s\n%s\n%s\n%s\n%u", m && m->scope ? m->scope
                        : "", s->srv.url, s->srv.login, f->mailbox,
                        f->uidvalidity);
}

/* Whether a FETCH failed as the server's refusal (NO, or a BYE in its
   answer) rather than as a lost connection. */
static int refused(apr_status_t rv, const changes_t *c)
{
    return rv == IM_ENO || (rv != APR_SUCCESS && c->bye);
}

/* Every message; sized: with RFC822.SIZE.  *no (may be NULL) tells
   whether a failure was the server's refusal. */
static apr_status_t fetch_all(im_store_t *s, im_conn_t *cn, const char *key,
                              int sized, im_listing_t **out, int *no)
{
    changes_t c = { 0 };
    apr_status_t rv = APR_SUCCESS;
    im_listing_t *l;

    if (cn->exists)
        rv = im_command(cn->c, on_fetch, &c, NULL, s->pool, sized
                        ? "UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE)"
                        : "UID FETCH 1:* (UID FLAGS INTERNALDATE)");
    if (no)
        *no = refused(rv, &c);
    if (rv != APR_SUCCESS || !(l = listing_new(key, c.n))) {
        changes_free(&c);
        return rv != APR_SUCCESS ? rv : APR_ENOMEM;
    }
    sort_unique(c.msgs, &c.n);
    if (c.n)
        memcpy(l->msgs, c.msgs, c.n * sizeof(im_msg_t));
    l->n = c.n;
    l->modseq = cn->highestmodseq;
    changes_free(&c);
    *out = l;
    return APR_SUCCESS;
}

/* What changed since old's modseq; NULL *out when it cannot be told. */
static apr_status_t fetch_changes(im_store_t *s, im_conn_t *cn,
                                  const im_listing_t *old, im_listing_t **out,
                                  int *no)
{
    changes_t c = { 0 };
    apr_status_t rv = APR_SUCCESS;

    *out = NULL;
    if (cn->exists)
        rv = im_command(cn->c, on_fetch, &c, NULL, s->pool,
                        "UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE) "
                        "(CHANGEDSINCE %U VANISHED)", old->modseq);
    *no = refused(rv, &c);
    if (rv == APR_SUCCESS && c.rv == APR_SUCCESS) {
        if (!cn->exists) {
            *out = listing_new(old->key, 0);
        } else if ((*out = merge(old, &c))) {
            if ((*out)->n != cn->exists) {      /* not as the server says */
                unref(*out);
                *out = NULL;
            }
        }
        if (*out)
            (*out)->modseq = cn->highestmodseq;
    }
    changes_free(&c);
    return rv;
}

/* *no: a failure was the server's refusal (see above). */
/* Newest first: by INTERNALDATE, then by UID, both descending. */
static int newer(const void *a, const void *b)
{
    const im_msg_t *x = *(const im_msg_t *const *)a;
    const im_msg_t *y = *(const im_msg_t *const *)b;

    if (x->time != y->time)
        return x->time > y->time ? -1 : 1;
    return x->uid > y->uid ? -1 : x->uid < y->uid;
}

/* The listing's newest-first order, before anyone else sees it. */
static apr_status_t with_order(im_listing_t *l)
{
    apr_size_t i;

    if (!l->n)
        return APR_SUCCESS;
    if (!(l->newest = malloc(l->n * sizeof(*l->newest))))
        return APR_ENOMEM;
    for (i = 0; i < l->n; i++)
        l->newest[i] = &l->msgs[i];
    qsort(l->newest, l->n, sizeof(*l->newest), newer);
    return APR_SUCCESS;
}

static apr_status_t bring_up_to_date(im_store_t *s, im_conn_t *cn,
                                     const char *key, im_listing_t **l,
                                     int *no)
{
    im_listing_t *old = *l, *fresh = NULL;
    apr_status_t rv = APR_SUCCESS;

    *no = 0;
    if (old && old->modseq && old->modseq == cn->highestmodseq
        && old->n == cn->exists)
        return APR_SUCCESS;
    if (old && old->modseq && cn->highestmodseq && im_qresync(cn->c))
        rv = fetch_changes(s, cn, old, &fresh, no);
    if (rv == APR_SUCCESS && !fresh)
        rv = fetch_all(s, cn, key, 1, &fresh, no);
    if (old)
        release(old);
    *l = NULL;
    if (rv == APR_SUCCESS && (rv = with_order(fresh)) != APR_SUCCESS)
        release(fresh);
    if (rv != APR_SUCCESS)
        return rv;
    if (cn->highestmodseq)
        keep(fresh);
    *l = fresh;
    return APR_SUCCESS;
}

/* The listing without sizes, after the server refused the one with
   (see above), on the connection as it is now: a new one after a BYE. */
static apr_status_t list_unsized(im_store_t *s, const im_folder_t *f,
                                 const char *key, im_listing_t **l)
{
    im_conn_t *cn;
    apr_status_t rv;

    eas_store_log(&s->base, IM_LOG_WARNING, APR_SUCCESS, "imap: %s on %s "
                  "refused to tell the sizes of the messages of %s (one it "
                  "cannot read?): listed without them", s->srv.login,
                  s->srv.url, f->mailbox);
    if ((rv = im_select(s, f->mailbox, &cn)) != APR_SUCCESS)
        return rv;              /* logged */
    if (cn->uidvalidity != f->uidvalidity)
        return APR_ENOENT;
    rv = fetch_all(s, cn, key, 0, l, NULL);
    if (rv == APR_SUCCESS && (rv = with_order(*l)) != APR_SUCCESS)
        release(*l);
    return rv == APR_SUCCESS ? rv : im_fail(s, rv, "UID FETCH", f->mailbox);
}

/* The listing of a selectable mailbox. */
static apr_status_t list_selectable(im_store_t *s, const im_folder_t *f,
                                    const char *key, im_listing_t **l)
{
    im_conn_t *cn;
    apr_status_t rv;
    int no;

    if ((rv = im_select(s, f->mailbox, &cn)) != APR_SUCCESS)
        return rv;              /* logged */
    if (cn->uidvalidity != f->uidvalidity)
        return APR_ENOENT;      /* started over: a new folder for EAS */
    *l = lookup(key);
    rv = bring_up_to_date(s, cn, key, l, &no);
    if (rv != APR_SUCCESS && no)
        return list_unsized(s, f, key, l);
    return rv == APR_SUCCESS ? rv : im_fail(s, rv, "UID FETCH", f->mailbox);
}

apr_status_t im_listing(im_store_t *s, const im_folder_t *f,
                        im_listing_t **out, apr_pool_t *p)
{
    const char *key = key_of(s, f, p);
    im_listing_t *l;
    apr_status_t rv;

    init_once();
    if (f->noselect) {
        if (!(l = listing_new(key, 0)))
            return APR_ENOMEM;
    } else if ((rv = list_selectable(s, f, key, &l)) != APR_SUCCESS) {
        return rv;
    }
    apr_pool_cleanup_register(p, l, release, apr_pool_cleanup_null);
    *out = l;
    return APR_SUCCESS;
}

const im_msg_t *const *im_listing_newest(const im_listing_t *l,
                                         apr_size_t *n)
{
    *n = l->n;
    return l->newest;
}

const im_msg_t *im_listing_find(const im_listing_t *l, apr_uint32_t uid)
{
    im_msg_t k;

    k.uid = uid;
    return bsearch(&k, l->msgs, l->n, sizeof(im_msg_t), by_uid);
}
