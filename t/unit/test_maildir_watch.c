/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Maildir change source against real Maildirs and the kernel's
 * inotify: which keys are told of deliveries, flag changes, removals,
 * moves and folder changes (and which are not), shared and counted
 * watches, unwatching while events flow, queue overflow and shutdown.
 *
 * Notifications are awaited for at most WAIT_SEC, returning as soon as
 * they come.  "Not told" is shown with a sentinel: inotify keeps events
 * in order, so once a later change in the sentinel folder has been told,
 * every earlier event has been read.
 */
#include "maildir/maildir_backend.h"
#include "maildir/maildir_watch.h"
#include "tap.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define WAIT_SEC 5
#define MAX_SEEN 256

static apr_pool_t *pool;
static char top[64];
static const eas_backend_t *B;
static const eas_source_ops_t *S;
static int counter;

/* What a source told: distinct keys, "anything" calls, all calls. */
typedef struct {
    apr_thread_mutex_t *m;
    apr_thread_cond_t *c;
    char *seen[MAX_SEEN];
    int n, nulls, calls;
    int hold, held;             /* block the source's thread in notify */
    int closed, late;           /* calls after the source was closed */
} rec_t;

static void notify_cb(void *baton, const char *key)
{
    rec_t *r = baton;
    int i;

    apr_thread_mutex_lock(r->m);
    r->calls++;
    if (r->closed)
        r->late++;
    if (!key)
        r->nulls++;
    else {
        for (i = 0; i < r->n && strcmp(r->seen[i], key) != 0; i++)
            ;
        if (i == r->n && r->n < MAX_SEEN)
            r->seen[r->n++] = strdup(key);
    }
    r->held = r->hold;
    apr_thread_cond_broadcast(r->c);
    while (r->hold)
        apr_thread_cond_wait(r->c, r->m);
    r->held = 0;
    apr_thread_mutex_unlock(r->m);
}

static void rec_init(rec_t *r)
{
    memset(r, 0, sizeof(*r));
    apr_thread_mutex_create(&r->m, APR_THREAD_MUTEX_DEFAULT, pool);
    apr_thread_cond_create(&r->c, pool);
}

static void rec_clear(rec_t *r)
{
    int i;

    for (i = 0; i < r->n; i++)
        free(r->seen[i]);
    r->n = r->nulls = r->calls = 0;
}

static void rec_reset(rec_t *r)
{
    apr_thread_mutex_lock(r->m);
    rec_clear(r);
    apr_thread_mutex_unlock(r->m);
}

/* Under r->m: key was told (NULL: an "anything" was). */
static int seen_locked(rec_t *r, const char *key)
{
    int i;

    if (!key)
        return r->nulls > 0;
    for (i = 0; i < r->n; i++)
        if (strcmp(r->seen[i], key) == 0)
            return 1;
    return 0;
}

static int seen(rec_t *r, const char *key)
{
    int yes;

    apr_thread_mutex_lock(r->m);
    yes = seen_locked(r, key);
    apr_thread_mutex_unlock(r->m);
    return yes;
}

/* Wait until key is told, at most WAIT_SEC. */
static int wait_for(rec_t *r, const char *key)
{
    apr_time_t end = apr_time_now() + apr_time_from_sec(WAIT_SEC);
    int yes;

    apr_thread_mutex_lock(r->m);
    while (!(yes = seen_locked(r, key)) && apr_time_now() < end)
        apr_thread_cond_timedwait(r->c, r->m, apr_time_from_msec(50));
    apr_thread_mutex_unlock(r->m);
    return yes;
}

/* Wait until the source's thread sits in notify_cb with r->hold set. */
static int wait_held(rec_t *r)
{
    apr_time_t end = apr_time_now() + apr_time_from_sec(WAIT_SEC);
    int yes;

    apr_thread_mutex_lock(r->m);
    while (!(yes = r->held) && apr_time_now() < end)
        apr_thread_cond_timedwait(r->c, r->m, apr_time_from_msec(50));
    apr_thread_mutex_unlock(r->m);
    return yes;
}

static void set_hold(rec_t *r, int hold)
{
    apr_thread_mutex_lock(r->m);
    r->hold = hold;
    apr_thread_cond_broadcast(r->c);
    apr_thread_mutex_unlock(r->m);
}

/* ---- files ---- */

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (!f) {
        tap_diag("cannot write %s: %s", path, strerror(errno));
        return;
    }
    fputs(text, f);
    fclose(f);
}

static int exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

static void rmtree(const char *path)
{
    pid_t pid = fork();

    if (pid == 0) {
        execlp("rm", "rm", "-rf", path, (char *)NULL);
        _exit(127);
    }
    waitpid(pid, NULL, 0);
}

/* Deliver as an MDA does: write in tmp/, rename into new/.  The name. */
static const char *deliver(const char *root, const char *dir)
{
    const char *name = apr_psprintf(pool, "1700000000.M%dP%d.test", ++counter,
                                    (int)getpid());
    const char *tmp = apr_pstrcat(pool, root, "/tmp/", name, NULL);

    put_file(tmp, "Subject: hello\n\nbody\n");
    if (rename(tmp, apr_pstrcat(pool, dir, "/new/", name, NULL)) < 0)
        tap_diag("deliver: %s", strerror(errno));
    return name;
}

/* Whether descriptor name (in /proc/self/fd) is an inotify instance. */
static int is_inotify(DIR *d, const char *name)
{
    char target[64];
    ssize_t len = readlinkat(dirfd(d), name, target, sizeof(target) - 1);

    if (len < 0)
        return 0;
    target[len] = '\0';
    return strcmp(target, "anon_inode:inotify") == 0;
}

/* Inotify instances of this process, and their watch descriptors. */
static int count_inotify(int *wds)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    *wds = 0;
    while (d && (e = readdir(d)) != NULL) {
        char path[320], line[256];
        FILE *f;

        if (!is_inotify(d, e->d_name))
            continue;
        n++;
        snprintf(path, sizeof(path), "/proc/self/fdinfo/%s", e->d_name);
        if (!(f = fopen(path, "r")))
            continue;
        while (fgets(line, sizeof(line), f))
            if (strncmp(line, "inotify wd:", 11) == 0)
                (*wds)++;
        fclose(f);
    }
    if (d)
        closedir(d);
    return n;
}

static int count_wds(void)
{
    int wds;

    count_inotify(&wds);
    return wds;
}

static int count_inotify_fds(void)
{
    int wds;

    return count_inotify(&wds);
}

/* ---- stores ---- */

static char last_log[1024];

static void log_cb(void *ctx, int level, apr_status_t rv, const char *msg)
{
    apr_cpystrn(last_log, msg, sizeof(last_log));
}

static eas_store_t *open_store(const char *root)
{
    eas_user_t *u = apr_pcalloc(pool, sizeof(*u));
    eas_store_ctx_t ctx;
    eas_store_t *st = NULL;
    const char *err = NULL;

    u->login = "user";
    u->params = apr_table_make(pool, 2);
    apr_table_set(u->params, "path", root);
    ctx.pool = pool;
    ctx.log = log_cb;
    ctx.log_ctx = NULL;
    if (B->open(&st, u, &ctx, &err) != APR_SUCCESS) {
        tap_diag("open %s: %s", root, err ? err : "?");
        return NULL;
    }
    return st;
}

static const char *make_folder(eas_store_t *st, const char *name)
{
    const char *id = NULL;

    if (B->folder_create(st, "0", name, EAS_FOLDER_USER_MAIL, &id, pool)
        != APR_SUCCESS)
        tap_diag("cannot create folder %s", name);
    return id;
}

static const char *inbox_id(eas_store_t *st)
{
    apr_array_header_t *a = NULL;
    int i;

    B->folders(st, &a, pool);
    for (i = 0; a && i < a->nelts; i++)
        if (APR_ARRAY_IDX(a, i, eas_folder_t).type == EAS_FOLDER_INBOX)
            return APR_ARRAY_IDX(a, i, eas_folder_t).id;
    return NULL;
}

static const char *watch(eas_source_t *src, eas_store_t *st, const char *id)
{
    const char *key = NULL;
    apr_status_t rv = S->watch(src, st, id, &key, pool);

    if (rv != APR_SUCCESS)
        tap_diag("watch %s: %d", id ? id : "(tree)", rv);
    return rv == APR_SUCCESS ? key : NULL;
}

/* The shared fixture: one Maildir, a source, a sentinel folder. */
static struct {
    const char *root;
    eas_store_t *st;
    eas_source_t *src;
    rec_t rec;
    const char *sentinel_dir, *sentinel_key;
} fx;

/* Every event before this call has been read once it returns 1. */
static int settle(void)
{
    const char *name = deliver(fx.root, fx.sentinel_dir);
    int yes = wait_for(&fx.rec, fx.sentinel_key);

    unlink(apr_pstrcat(pool, fx.sentinel_dir, "/new/", name, NULL));
    return yes;
}

/* ---- tests ---- */

static void test_folder_events(void)
{
    const char *in = inbox_id(fx.st), *a = make_folder(fx.st, "Alpha");
    const char *kin, *ka, *name, *cur, *to;

    kin = watch(fx.src, fx.st, in);
    ka = watch(fx.src, fx.st, a);
    is_str(kin, apr_pstrcat(pool, MD_KEY_FOLDER, fx.root, NULL),
           "the Inbox's key names its directory");
    is_str(ka, apr_pstrcat(pool, MD_KEY_FOLDER, fx.root, "/.Alpha", NULL),
           "a folder's key names its directory");
    ok(kin && ka && strcmp(kin, ka) != 0, "two folders, two keys");
    if (!kin || !ka)
        return;

    rec_reset(&fx.rec);
    name = deliver(fx.root, fx.root);
    ok(wait_for(&fx.rec, kin), "delivery into new/ is told");
    ok(settle() && !seen(&fx.rec, ka), "... and only for that folder");

    rec_reset(&fx.rec);
    cur = apr_pstrcat(pool, fx.root, "/cur/", name, ":2,", NULL);
    rename(apr_pstrcat(pool, fx.root, "/new/", name, NULL), cur);
    ok(wait_for(&fx.rec, kin), "new/ to cur/ is told");

    rec_reset(&fx.rec);
    to = apr_pstrcat(pool, fx.root, "/cur/", name, ":2,FS", NULL);
    rename(cur, to);
    ok(wait_for(&fx.rec, kin), "a flag change (rename in cur/) is told");

    rec_reset(&fx.rec);
    cur = apr_pstrcat(pool, fx.root, "/.Alpha/cur/", name, ":2,FS", NULL);
    rename(to, cur);
    ok(wait_for(&fx.rec, kin) && wait_for(&fx.rec, ka),
       "a move between folders is told for both");

    rec_reset(&fx.rec);
    unlink(cur);
    ok(wait_for(&fx.rec, ka), "a removal is told");
    ok(settle() && !seen(&fx.rec, kin), "... and only for its folder");

    /* Our own files: listing writes the uid list beside new/ and cur/. */
    deliver(fx.root, fx.root);
    ok(wait_for(&fx.rec, kin), "another delivery");
    ok(settle(), "settled");
    rec_reset(&fx.rec);
    {
        apr_array_header_t *items = NULL;
        is_int(B->list(fx.st, in, NULL, &items, pool), APR_SUCCESS,
               "list the Inbox (writes its uid list)");
        ok(exists(apr_pstrcat(pool, fx.root, "/eas-uidlist", NULL)),
           "the uid list exists");
        ok(settle() && !seen(&fx.rec, kin),
           "the uid list written by list() is not told");
        if (items && items->nelts > 0) {
            const eas_item_ref_t *it = &APR_ARRAY_IDX(items, 0,
                                                      eas_item_ref_t);
            const char *token = NULL;
            rec_reset(&fx.rec);
            is_int(B->set_flags(fx.st, in, it->id, EAS_ITEM_FLAGGED, 0,
                                &token, pool), APR_SUCCESS,
                   "set a flag through the backend");
            ok(wait_for(&fx.rec, kin), "... is told");
        }
        else
            ok(0, "the Inbox lists the delivered message");
    }

    /* Unwatched folders stay silent. */
    {
        const char *b = make_folder(fx.st, "Beta");
        ok(b != NULL, "folder Beta");
        rec_reset(&fx.rec);
        deliver(fx.root, apr_pstrcat(pool, fx.root, "/.Beta", NULL));
        ok(settle() && !seen(&fx.rec, apr_pstrcat(pool, MD_KEY_FOLDER,
                                                  fx.root, "/.Beta", NULL)),
           "a delivery into an unwatched folder is not told");
    }
    S->unwatch(fx.src, kin);
    S->unwatch(fx.src, ka);
    rec_reset(&fx.rec);
    deliver(fx.root, fx.root);
    ok(settle() && !seen(&fx.rec, kin), "unwatched: not told");

    {
        const char *key = (const char *)1;
        is_int(S->watch(fx.src, fx.st, "31337", &key, pool), APR_ENOENT,
               "watching an unknown folder: ENOENT");
        ok(key == (const char *)1, "no key then");
    }
    {
        int n = count_wds();
        S->unwatch(fx.src, "maildir:/no/such/key");
        is_int(count_wds(), n, "unwatching an unknown key changes nothing");
    }
}

static void test_missing_dirs(void)
{
    const char *g = make_folder(fx.st, "Gamma"), *k;
    const char *dir = apr_pstrcat(pool, fx.root, "/.Gamma", NULL);


    rmtree(apr_pstrcat(pool, dir, "/cur", NULL));
    rmtree(apr_pstrcat(pool, dir, "/new", NULL));
    k = watch(fx.src, fx.st, g);
    ok(k != NULL, "a folder without new/ and cur/ can be watched");
    ok(exists(apr_pstrcat(pool, dir, "/new", NULL))
       && exists(apr_pstrcat(pool, dir, "/cur", NULL)),
       "... they were made");
    rec_reset(&fx.rec);
    deliver(fx.root, dir);
    ok(k && wait_for(&fx.rec, k), "... and deliveries there are told");

    /* The directory goes (IN_IGNORED), comes back, and is watched again. */
    rec_reset(&fx.rec);
    rmtree(dir);
    ok(k && wait_for(&fx.rec, k), "its directory removed: told");
    mkdir(dir, 0700);
    mkdir(apr_pstrcat(pool, dir, "/new", NULL), 0700);
    mkdir(apr_pstrcat(pool, dir, "/cur", NULL), 0700);
    mkdir(apr_pstrcat(pool, dir, "/tmp", NULL), 0700);
    {
        const char *again = watch(fx.src, fx.st, g);
        ok(k && again && strcmp(again, k) == 0,
           "watched again (second reference) after it came back");
    }
    rec_reset(&fx.rec);
    deliver(fx.root, dir);
    ok(k && wait_for(&fx.rec, k), "deliveries into the new one are told");
    if (k) {
        S->unwatch(fx.src, k);
        S->unwatch(fx.src, k);
    }

    /* A folder another program removed is not made again. */
    g = make_folder(fx.st, "Gamma2");
    dir = apr_pstrcat(pool, fx.root, "/.Gamma2", NULL);
    rmtree(dir);
    {
        const char *key = NULL;
        is_int(S->watch(fx.src, fx.st, g, &key, pool), APR_ENOENT,
               "watching a folder whose directory is gone: ENOENT");
        ok(!exists(dir), "... and it is not made again");
    }
}

static void test_hierarchy(void)
{
    const char *kt = watch(fx.src, fx.st, NULL), *id, *k2;
    const char *dir;

    is_str(kt, apr_pstrcat(pool, MD_KEY_TREE, fx.root, NULL),
           "the hierarchy key names the root");
    k2 = watch(fx.src, fx.st, NULL);
    ok(kt && k2 && strcmp(kt, k2) == 0, "watched twice: the same key");
    if (!kt)
        return;
    S->unwatch(fx.src, k2);

    rec_reset(&fx.rec);
    id = make_folder(fx.st, "Delta");
    ok(id && wait_for(&fx.rec, kt), "folder created: told");
    rec_reset(&fx.rec);
    ok(B->folder_update(fx.st, id, "0", "Epsilon", pool) == APR_SUCCESS
       && wait_for(&fx.rec, kt), "folder renamed: told");
    rec_reset(&fx.rec);
    ok(B->folder_delete(fx.st, id, pool) == APR_SUCCESS
       && wait_for(&fx.rec, kt), "folder deleted: told");

    rec_reset(&fx.rec);
    dir = apr_pstrcat(pool, fx.root, "/.Other", NULL);
    mkdir(dir, 0700);
    ok(wait_for(&fx.rec, kt), "a folder made by another program: told");
    rec_reset(&fx.rec);
    rename(dir, apr_pstrcat(pool, fx.root, "/.Other2", NULL));
    ok(wait_for(&fx.rec, kt), "renamed by another program: told");
    rec_reset(&fx.rec);
    rmdir(apr_pstrcat(pool, fx.root, "/.Other2", NULL));
    ok(wait_for(&fx.rec, kt), "removed by another program: told");

    rec_reset(&fx.rec);
    put_file(apr_pstrcat(pool, fx.root, "/somefile", NULL), "x");
    unlink(apr_pstrcat(pool, fx.root, "/somefile", NULL));
    mkdir(apr_pstrcat(pool, fx.root, "/notafolder", NULL), 0700);
    rmdir(apr_pstrcat(pool, fx.root, "/notafolder", NULL));
    deliver(fx.root, fx.root);
    ok(settle() && !seen(&fx.rec, kt),
       "files, non-folder directories and mail in the root: not told");

    /* A subfolder of a subfolder is ".A.B" under the root too. */
    {
        const char *parent = make_folder(fx.st, "Zeta"), *sub = NULL;
        rec_reset(&fx.rec);
        ok(parent && B->folder_create(fx.st, parent, "Sub",
                                      EAS_FOLDER_USER_MAIL, &sub, pool)
           == APR_SUCCESS && wait_for(&fx.rec, kt), "a subfolder: told");
    }
    S->unwatch(fx.src, kt);
    rec_reset(&fx.rec);
    make_folder(fx.st, "Eta");
    ok(settle() && !seen(&fx.rec, kt), "hierarchy unwatched: not told");
}

static void test_shared(void)
{
    eas_store_t *st2 = open_store(fx.root);
    const char *in = inbox_id(fx.st), *k1, *k2;
    int base = count_wds(), one;

    ok(st2 != NULL, "a second store of the same user");
    if (!st2)
        return;
    k1 = watch(fx.src, fx.st, in);
    one = count_wds();
    is_int(one - base, 2, "one folder: two inotify watches (new/, cur/)");
    k2 = watch(fx.src, st2, inbox_id(st2));
    ok(k1 && k2 && strcmp(k1, k2) == 0, "both stores: the same key");
    is_int(count_wds(), one, "watched twice: no more inotify watches");
    if (!k1 || !k2)
        return;
    S->unwatch(fx.src, k1);
    is_int(count_wds(), one, "one unwatch: still watched");
    rec_reset(&fx.rec);
    deliver(fx.root, fx.root);
    ok(wait_for(&fx.rec, k2), "one unwatch: still told");
    S->unwatch(fx.src, k2);
    is_int(count_wds(), base, "both unwatched: the inotify watches are gone");
    rec_reset(&fx.rec);
    deliver(fx.root, fx.root);
    ok(settle() && !seen(&fx.rec, k2), "both unwatched: not told");
}

/* A folder renamed by another program keeps its inotify watches; watched
   under its new name too, the two keys share them. */
static void test_renamed(void)
{
    const char *id = make_folder(fx.st, "Theta"), *k1, *k2;
    const char *dir = apr_pstrcat(pool, fx.root, "/.Theta", NULL);
    const char *dir2 = apr_pstrcat(pool, fx.root, "/.Iota", NULL);
    eas_store_t *st2;
    int base = count_wds();

    k1 = watch(fx.src, fx.st, id);
    rename(dir, dir2);
    st2 = open_store(fx.root);
    k2 = st2 ? watch(fx.src, st2, id) : NULL;
    ok(k1 && k2 && strcmp(k1, k2) != 0, "old and new name: two keys");
    is_int(count_wds() - base, 2, "... on the same two inotify watches");
    if (!k1 || !k2)
        return;
    rec_reset(&fx.rec);
    deliver(fx.root, dir2);
    ok(wait_for(&fx.rec, k1) && wait_for(&fx.rec, k2), "both are told");
    S->unwatch(fx.src, k1);
    is_int(count_wds() - base, 2, "old key unwatched: watches kept");
    rec_reset(&fx.rec);
    deliver(fx.root, dir2);
    ok(wait_for(&fx.rec, k2), "the new key is still told");
    S->unwatch(fx.src, k2);
    is_int(count_wds(), base, "both unwatched: gone");
}

/* ---- threads ---- */

typedef struct {
    const char *dir;            /* new/ of the folder to churn */
    volatile int stop;
    int rounds;
} churn_t;

/* Rename a message back and forth in new/ until told to stop. */
static void *APR_THREAD_FUNC churn(apr_thread_t *t, void *data)
{
    churn_t *c = data;
    char a[512], b[512];

    snprintf(a, sizeof(a), "%s/churn-a", c->dir);
    snprintf(b, sizeof(b), "%s/churn-b", c->dir);
    put_file(a, "x");
    while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
        rename(a, b);
        rename(b, a);
        c->rounds++;
    }
    unlink(a);
    return NULL;    /* not apr_thread_exit(): ASan misreads pthread_exit */
}

typedef struct {
    eas_source_t *src;
    eas_store_t *st;
    const char *ids[2];
    int rounds, failed;
} flipper_t;

static void *APR_THREAD_FUNC flip(apr_thread_t *t, void *data)
{
    flipper_t *f = data;
    apr_pool_t *p;
    int i, j;

    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    for (i = 0; i < f->rounds; i++) {
        const char *keys[2];
        for (j = 0; j < 2; j++)
            if (S->watch(f->src, f->st, f->ids[j], &keys[j], p)
                != APR_SUCCESS)
                f->failed++, keys[j] = NULL;
        for (j = 0; j < 2; j++)
            if (keys[j])
                S->unwatch(f->src, keys[j]);
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    return NULL;    /* not apr_thread_exit(): ASan misreads pthread_exit */
}

static void test_threads(void)
{
    const char *y = make_folder(fx.st, "Kappa"), *z = make_folder(fx.st,
                                                                  "Lambda");
    churn_t c = { apr_pstrcat(pool, fx.root, "/.Kappa/new", NULL), 0, 0 };
    flipper_t f[2];
    apr_thread_t *tc, *tf[2];
    apr_status_t trv;
    int base = count_wds(), i;
    const char *ky;

    ky = watch(fx.src, fx.st, y);
    rec_reset(&fx.rec);
    apr_thread_create(&tc, NULL, churn, &c, pool);
    ok(ky && wait_for(&fx.rec, ky), "events flow");
    for (i = 0; i < 2; i++) {
        f[i].src = fx.src;
        f[i].st = open_store(fx.root);
        f[i].ids[0] = y;
        f[i].ids[1] = z;
        f[i].rounds = 400;
        f[i].failed = 0;
        apr_thread_create(&tf[i], NULL, flip, &f[i], pool);
    }
    for (i = 0; i < 2; i++)
        apr_thread_join(&trv, tf[i]);
    /* The last reference goes while the churn goes on. */
    if (ky)
        S->unwatch(fx.src, ky);
    __atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
    apr_thread_join(&trv, tc);
    is_int(f[0].failed + f[1].failed, 0,
           "800 watch/unwatch pairs from two threads while events flow");
    ok(c.rounds > 0, "the churn renamed %d times", c.rounds);
    is_int(count_wds(), base, "all unwatched: no inotify watch left");
    rec_reset(&fx.rec);
    deliver(fx.root, apr_pstrcat(pool, fx.root, "/.Kappa", NULL));
    ok(settle() && !seen(&fx.rec, ky), "and nothing told for it");
}

static int max_queued(void)
{
    FILE *f = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
    int n = -1;

    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = -1;
        fclose(f);
    }
    return n;
}

/* The queue overflows while the thread is held in notify: "anything". */
static void test_overflow(void)
{
    int q = max_queued(), i;
    const char *mu = make_folder(fx.st, "Mu"), *k = watch(fx.src, fx.st, mu);
    const char *a = apr_pstrcat(pool, fx.root, "/.Mu/new/over-a", NULL);
    const char *b = apr_pstrcat(pool, fx.root, "/.Mu/new/over-b", NULL);

    ok(q > 0, "max_queued_events is %d", q);
    if (q <= 0 || q > 1000000 || !k) {
        tap_diag("skipped: cannot fill the inotify queue here");
        return;
    }
    rec_reset(&fx.rec);
    set_hold(&fx.rec, 1);
    deliver(fx.root, apr_pstrcat(pool, fx.root, "/.Mu", NULL));
    ok(wait_held(&fx.rec), "the source's thread is held in notify");
    put_file(a, "x");
    /* Two events per rename, and room for the tail. */
    for (i = 0; i < q / 2 + 64; i++) {
        rename(a, b);
        rename(b, a);
    }
    set_hold(&fx.rec, 0);
    ok(wait_for(&fx.rec, NULL), "overflow: told that anything may have "
       "changed");
    unlink(a);
    S->unwatch(fx.src, k);
    ok(settle(), "the source goes on after an overflow");
    rec_reset(&fx.rec);
}

/* Out of descriptors when the first watch makes the inotify instance:
   the error names the limit to raise, and a later watch tries again. */
static void test_no_instance(void)
{
    struct rlimit old, low;
    apr_pool_t *sp;
    eas_source_t *src = NULL;
    const char *key = NULL, *in = inbox_id(fx.st);
    apr_status_t rv;
    rec_t r;
    int next;

    rec_init(&r);
    apr_pool_create(&sp, pool);
    is_int(S->open(&src, notify_cb, &r, sp), APR_SUCCESS, "a fresh source");
    if (!src || getrlimit(RLIMIT_NOFILE, &old) < 0 || (next = dup(0)) < 0) {
        apr_pool_destroy(sp);
        return;
    }
    close(next);
    /* The lowest free descriptor is next: allow none from there on. */
    low = old;
    low.rlim_cur = (rlim_t)next;
    last_log[0] = '\0';
    setrlimit(RLIMIT_NOFILE, &low);
    rv = S->watch(src, fx.st, in, &key, pool);
    setrlimit(RLIMIT_NOFILE, &old);
    is_int(rv, APR_FROM_OS_ERROR(EMFILE), "no descriptor left: EMFILE");
    ok(strstr(last_log, "fs.inotify.max_user_instances") != NULL,
       "the log names the sysctl to raise (%s)", last_log);
    key = watch(src, fx.st, in);
    ok(key != NULL, "the next watch makes the instance");
    rec_reset(&r);
    deliver(fx.root, fx.root);
    ok(key && wait_for(&r, key), "... and is told of a delivery");
    apr_pool_destroy(sp);
    rec_reset(&r);
}

/* A request pool under the source's pool, cleaned up after the source
   stopped (prefork keeps its requests under the child's pool). */
static struct {
    eas_source_t *src;
    const char *key, *folder_id;
    int ran;
    apr_status_t watch_rv;
} late;

static apr_status_t late_cleanup(void *data)
{
    const char *key = NULL;

    S->unwatch(late.src, late.key);
    late.watch_rv = S->watch(late.src, fx.st, late.folder_id, &key, pool);
    late.ran = 1;
    return APR_SUCCESS;
}

/* Destroying the pool stops the thread while events flow: nothing is
   told afterwards, the descriptors are closed. */
static void test_shutdown(void)
{
    const char *nu = make_folder(fx.st, "Nu");
    churn_t c = { apr_pstrcat(pool, fx.root, "/.Nu/new", NULL), 0, 0 };
    int fds = count_inotify_fds();
    apr_thread_t *tc;
    apr_status_t trv;
    apr_pool_t *sp;
    eas_source_t *src = NULL;
    const char *k, *k2;
    rec_t r;

    apr_pool_t *req;

    rec_init(&r);
    apr_pool_create(&sp, pool);
    apr_pool_create(&req, sp);
    is_int(S->open(&src, notify_cb, &r, sp), APR_SUCCESS, "a second source");
    k = watch(src, fx.st, nu);
    k2 = watch(src, fx.st, NULL);
    late.src = src;
    late.key = k;
    late.folder_id = nu;
    apr_pool_cleanup_register(req, NULL, late_cleanup,
                              apr_pool_cleanup_null);
    is_int(count_inotify_fds(), fds + 1, "it has its own inotify instance");
    apr_thread_create(&tc, NULL, churn, &c, pool);
    ok(k && k2 && wait_for(&r, k), "events flow to it");
    apr_pool_destroy(sp);
    apr_thread_mutex_lock(r.m);
    r.closed = 1;
    apr_thread_mutex_unlock(r.m);
    make_folder(fx.st, "Xi");
    __atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
    apr_thread_join(&trv, tc);
    ok(settle(), "the first source is unaffected");
    is_int(r.late, 0, "nothing told after the pool is gone");
    ok(late.ran, "a request pool under it was cleaned up after it stopped");
    ok(late.watch_rv != APR_SUCCESS, "... where a watch fails (%d) and an "
       "unwatch does nothing", late.watch_rv);
    is_int(count_inotify_fds(), fds, "its inotify instance is closed");
    rec_reset(&r);
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    eas_maildir_register();
    B = eas_backend_find("maildir");
    S = B ? B->source : NULL;
    ok(S == &md_source_ops, "the maildir backend has a change source");
    if (!S)
        return tap_done();
    snprintf(top, sizeof(top), "/tmp/eas-mdwatch-XXXXXX");
    if (!mkdtemp(top)) {
        tap_diag("mkdtemp: %s", strerror(errno));
        return 1;
    }
    fx.root = apr_pstrcat(pool, top, "/mail", NULL);
    fx.st = open_store(fx.root);
    rec_init(&fx.rec);
    ok(fx.st != NULL, "open a Maildir");
    is_int(count_inotify_fds(), 0, "no inotify instance before a source");
    is_int(S->open(&fx.src, notify_cb, &fx.rec, pool), APR_SUCCESS,
           "open the source");
    if (fx.st && fx.src) {
        const char *sid = make_folder(fx.st, "Sentinel");
        fx.sentinel_dir = apr_pstrcat(pool, fx.root, "/.Sentinel", NULL);
        fx.sentinel_key = sid ? watch(fx.src, fx.st, sid) : NULL;
        ok(fx.sentinel_key != NULL, "watch the sentinel folder");
        ok(fx.sentinel_key && settle(), "a delivery is told");
        if (fx.sentinel_key) {
            test_folder_events();
            test_missing_dirs();
            test_hierarchy();
            test_shared();
            test_renamed();
            test_threads();
            test_overflow();
            test_no_instance();
            test_shutdown();
        }
    }
    if (!getenv("EAS_KEEP_TMP"))
        rmtree(top);
    apr_pool_destroy(pool);     /* stops the source */
    rec_clear(&fx.rec);
    apr_terminate();
    return tap_done();
}
