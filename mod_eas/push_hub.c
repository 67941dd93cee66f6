/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The push hub of one httpd process: the waiting requests, the folder
 * keys they watch (each watched once at the backend's change source, for
 * however many waiters), the change sources themselves, and the doorbell.
 *
 * The doorbell ends a device's older waits when a newer one begins, in
 * whatever process they sleep: a new wait writes its token into a file
 * named for the device in the doorbell directory (write and rename, so a
 * reader sees all of it), and every process's hub thread, woken by
 * inotify, ends its waits of that device whose token is not the one in
 * the file.
 */
#include "mod_eas.h"
#include "push_internal.h"

#include <ap_mpm.h>
#include <http_log.h>
#include <mpm_common.h>
#include <unixd.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define DOORBELL_DIR "mod_eas-push"

/* configure: whether this httpd's MPM could park a waiting connection. */
#ifndef HAVE_DECL_AP_MPM_REGISTER_POLL_CALLBACK_TIMEOUT
#define HAVE_DECL_AP_MPM_REGISTER_POLL_CALLBACK_TIMEOUT 0
#endif

struct push_key {
    char *key;                  /* owned */
    eas_source_t *src;
    push_link_t head;           /* ring of links */
};

typedef struct {
    const eas_source_ops_t *ops;
    eas_source_t *src;
} push_source_t;

/* How many waits of one device this process holds (owned). */
typedef struct {
    apr_uint64_t device;        /* the key */
    int waits;
} push_device_t;

static struct {
    apr_pool_t *pool;           /* the child's */
    apr_pool_t *tables;         /* the hub's own, used under the mutex */
    apr_thread_mutex_t *mutex;
    apr_hash_t *keys;           /* key text -> push_key_t */
    apr_hash_t *devices;        /* device hash -> push_device_t */
    int devices_lost;           /* a count could not be kept: scan */
    apr_array_header_t *sources;    /* push_source_t */
    int sources_gone;           /* the child pool, and the sources, go */
    int in_sources;             /* calls into a source under way */
    eas_push_t waiters;         /* ring head */
    int stopping;
    const char *dir;            /* doorbell directory */
    int inotify, wake;          /* doorbell watch; stop of its thread */
    int bell_tried;             /* started with the first wait */
    apr_thread_t *thread;
    server_rec *s;
} hub;

static const char *doorbell_dir;   /* set in post_config */

void eas_hub_lock(void)
{
    apr_thread_mutex_lock(hub.mutex);
}

void eas_hub_unlock(void)
{
    apr_thread_mutex_unlock(hub.mutex);
}

static void signal_waiter(eas_push_t *w)
{
    apr_uint64_t one = 1;

    if (write(w->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        ap_log_error(APLOG_MARK, APLOG_ERR, APR_FROM_OS_ERROR(errno), hub.s,
                     EASLOGNO(01401) "push: cannot wake a waiting request");
}

static void fire(push_link_t *l)
{
    eas_push_t *w = l->w;

    if (!w->fired[l->tag]) {
        w->fired[l->tag] = 1;
        w->nfired++;
    }
    signal_waiter(w);
}

/* Said at most once a minute: each time, every wait of the process looks. */
static void lost_track(void)
{
    static apr_time_t said;
    apr_time_t now = apr_time_now();

    if (now - said < apr_time_from_sec(60))
        return;
    said = now;
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, hub.s, EASLOGNO(01408)
                 "push: a change source lost track of changes (Maildir: the "
                 "inotify queue overflowed; raise fs.inotify.max_queued_events)"
                 ": every waiting request of this process looks again");
}

/* From a source's thread: key (NULL: all of the source) may have changed. */
static void notify(void *baton, const char *key)
{
    const push_source_t *ps = baton;
    push_link_t *l;
    eas_push_t *w;
    int i;

    eas_hub_lock();
    if (key) {
        push_key_t *k = apr_hash_get(hub.keys, key, APR_HASH_KEY_STRING);
        for (l = k ? k->head.next : NULL; l && l != &k->head; l = l->next)
            fire(l);
    }
    else {
        lost_track();
        for (w = hub.waiters.next; w != &hub.waiters; w = w->next)
            for (i = 0; i < w->ntags; i++)
                if (w->links[i].key && w->links[i].key->src == ps->src)
                    fire(&w->links[i]);
    }
    eas_hub_unlock();
}

/* The process's source for ops, opened on first use (under the mutex). */
static apr_status_t source_of(const eas_source_ops_t *ops, eas_source_t **out)
{
    push_source_t *ps;
    apr_status_t rv;
    int i;

    for (i = 0; i < hub.sources->nelts; i++) {
        ps = APR_ARRAY_IDX(hub.sources, i, push_source_t *);
        if (ps->ops == ops) {
            *out = ps->src;
            return APR_SUCCESS;
        }
    }
    /* The baton tells notify whose "anything changed" it hears. */
    ps = apr_pcalloc(hub.tables, sizeof(*ps));
    ps->ops = ops;
    if ((rv = ops->open(&ps->src, notify, ps, hub.pool)) != APR_SUCCESS)
        return rv;
    APR_ARRAY_PUSH(hub.sources, push_source_t *) = ps;
    *out = ps->src;
    return APR_SUCCESS;
}

/*
 * Calls into a source are made outside the hub's lock (a source's thread
 * notifies under its own lock).  A request pool may be cleaned up after
 * the child pool, with the sources in it, is gone (a connection still
 * writing when the child exits): such a call must then not be made, and
 * the child pool must wait for the calls under way.
 */
static int source_enter(void)
{
    int ok;

    eas_hub_lock();
    if ((ok = !hub.sources_gone))
        hub.in_sources++;
    eas_hub_unlock();
    return ok;
}

static void source_leave(void)
{
    eas_hub_lock();
    hub.in_sources--;
    eas_hub_unlock();
}

static apr_status_t sources_close(void *data)
{
    (void)data;
    eas_hub_lock();
    hub.sources_gone = 1;
    while (hub.in_sources > 0) {
        eas_hub_unlock();
        apr_sleep(apr_time_from_msec(1));
        eas_hub_lock();
    }
    eas_hub_unlock();
    return APR_SUCCESS;
}

apr_status_t eas_hub_link(push_link_t *l, const eas_source_ops_t *ops,
                          eas_store_t *st, const char *folder_id)
{
    eas_source_t *src;
    const char *key;
    push_key_t *k;
    apr_status_t rv;

    eas_hub_lock();
    rv = hub.pool ? source_of(ops, &src) : APR_EINIT;
    eas_hub_unlock();
    if (rv != APR_SUCCESS)
        return rv;
    if (!source_enter())
        return APR_EINIT;
    rv = ops->watch(src, st, folder_id, &key, l->w->r->pool);
    source_leave();
    if (rv != APR_SUCCESS)
        return rv;
    eas_hub_lock();
    if (!(k = apr_hash_get(hub.keys, key, APR_HASH_KEY_STRING))) {
        k = calloc(1, sizeof(*k));
        k->key = k ? strdup(key) : NULL;
        if (!k || !k->key) {
            free(k);
            eas_hub_unlock();
            if (source_enter()) {
                ops->unwatch(src, key);
                source_leave();
            }
            return APR_ENOMEM;
        }
        k->src = src;
        k->head.next = k->head.prev = &k->head;
        apr_hash_set(hub.keys, k->key, APR_HASH_KEY_STRING, k);
    }
    l->key = k;
    l->next = &k->head;
    l->prev = k->head.prev;
    k->head.prev->next = l;
    k->head.prev = l;
    eas_hub_unlock();
    return APR_SUCCESS;
}

static const eas_source_ops_t *ops_of(eas_source_t *src)
{
    int i;

    for (i = 0; i < hub.sources->nelts; i++)
        if (APR_ARRAY_IDX(hub.sources, i, push_source_t *)->src == src)
            return APR_ARRAY_IDX(hub.sources, i, push_source_t *)->ops;
    return NULL;
}

void eas_hub_unlink(push_link_t *l)
{
    push_key_t *k = l->key;
    const eas_source_ops_t *ops;
    eas_source_t *src;
    char *key;

    if (!k)
        return;
    eas_hub_lock();
    l->prev->next = l->next;
    l->next->prev = l->prev;
    l->key = NULL;
    src = k->src;
    ops = ops_of(src);
    key = apr_pstrdup(l->w->r->pool, k->key);
    if (k->head.next == &k->head) {
        apr_hash_set(hub.keys, k->key, APR_HASH_KEY_STRING, NULL);
        free(k->key);
        free(k);
    }
    eas_hub_unlock();
    if (ops && source_enter()) {
        ops->unwatch(src, key);
        source_leave();
    }
}

static void bell_start(void);

/*
 * Every process hears every device's bell, once per Ping anywhere: the
 * devices it holds waits of are counted, so that the answer for the
 * others is one look-up (under the hub's lock).
 */
static void count_device(apr_uint64_t device, int delta)
{
    push_device_t *d = apr_hash_get(hub.devices, &device, sizeof(device));

    if (!d && delta > 0) {
        if (!(d = calloc(1, sizeof(*d)))) {
            hub.devices_lost = 1;
            return;
        }
        d->device = device;
        apr_hash_set(hub.devices, &d->device, sizeof(d->device), d);
    }
    if (!d)
        return;
    d->waits += delta;
    if (d->waits <= 0) {
        apr_hash_set(hub.devices, &d->device, sizeof(d->device), NULL);
        free(d);
    }
}

void eas_hub_add(eas_push_t *w)
{
    eas_hub_lock();
    /* Processes that never hold a wait use no inotify instance for it. */
    if (!hub.bell_tried) {
        hub.bell_tried = 1;
        bell_start();
    }
    w->next = &hub.waiters;
    w->prev = hub.waiters.prev;
    hub.waiters.prev->next = w;
    hub.waiters.prev = w;
    w->stopping = hub.stopping;
    count_device(w->device, 1);
    eas_hub_unlock();
}

void eas_hub_remove(eas_push_t *w)
{
    eas_hub_lock();
    if (w->next) {
        w->prev->next = w->next;
        w->next->prev = w->prev;
        w->next = w->prev = NULL;
        count_device(w->device, -1);
    }
    eas_hub_unlock();
}

/* ---- doorbell ---- */

static const char *bell_name(apr_pool_t *p, apr_uint64_t device)
{
    return apr_psprintf(p, "%016" APR_UINT64_T_HEX_FMT, device);
}

void eas_hub_ring(request_rec *r, const eas_push_t *w)
{
    const char *path, *tmp;
    apr_size_t len = strlen(w->token);
    int fd;

    if (!hub.dir)
        return;
    path = apr_pstrcat(r->pool, hub.dir, "/", bell_name(r->pool, w->device),
                       NULL);
    tmp = apr_pstrcat(r->pool, path, ".", w->token, NULL);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, w->token, len) != (ssize_t)len
        || close(fd) != 0 || rename(tmp, path) != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, APR_FROM_OS_ERROR(errno), r,
                      EASLOGNO(01402) "push: cannot ring the doorbell %s: an "
                      "older wait of this device in another process ends "
                      "only at its heartbeat", path);
        if (fd >= 0)
            close(fd);
        unlink(tmp);
    }
}

/* Whether this process holds a wait of the device. */
static int holds(apr_uint64_t device)
{
    eas_push_t *w;
    int found = 0;

    eas_hub_lock();
    if (!hub.devices_lost)
        found = apr_hash_get(hub.devices, &device, sizeof(device)) != NULL;
    else
        for (w = hub.waiters.next; w != &hub.waiters && !found; w = w->next)
            found = w->device == device;
    eas_hub_unlock();
    return found;
}

/* A device's bell rang: end its waits whose token is not the file's. */
static void bell_rang(const char *name)
{
    char token[64], path[4096], *end;
    apr_uint64_t device;
    eas_push_t *w;
    ssize_t n;
    int fd;

    if (strlen(name) != 16)
        return;
    device = strtoull(name, &end, 16);
    /* Every process hears every bell: read the file only if it matters. */
    if (*end || !holds(device))
        return;
    snprintf(path, sizeof(path), "%s/%s", hub.dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    n = read(fd, token, sizeof(token) - 1);
    close(fd);
    if (n <= 0)
        return;
    token[n] = '\0';
    eas_hub_lock();
    for (w = hub.waiters.next; w != &hub.waiters; w = w->next)
        if (w->device == device && strcmp(w->token, token) != 0
            && !w->superseded) {
            w->superseded = 1;
            signal_waiter(w);
        }
    eas_hub_unlock();
}

static void read_bells(void)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;

    while ((n = read(hub.inotify, buf, sizeof(buf))) > 0) {
        char *c = buf;
        while (c < buf + n) {
            const struct inotify_event *ev = (const void *)c;
            if (ev->len)
                bell_rang(ev->name);
            c += sizeof(*ev) + ev->len;
        }
    }
}

static void *APR_THREAD_FUNC bell_thread(apr_thread_t *t, void *data)
{
    struct pollfd pf[2] = { { hub.inotify, POLLIN, 0 }, { hub.wake, POLLIN, 0 } };

    for (;;) {
        if (poll(pf, 2, -1) < 0 && errno != EINTR)
            break;
        if (pf[1].revents)
            break;
        if (pf[0].revents)
            read_bells();
    }
    /* Returning, not apr_thread_exit(): ASan takes pthread_exit's unwind
       for a stack overflow. */
    return NULL;
}

static apr_status_t bell_stop(void *data)
{
    apr_uint64_t one = 1;
    apr_status_t rv;

    if (hub.thread) {
        if (write(hub.wake, &one, sizeof(one)) == sizeof(one))
            apr_thread_join(&rv, hub.thread);
        hub.thread = NULL;
    }
    if (hub.inotify >= 0)
        close(hub.inotify);
    if (hub.wake >= 0)
        close(hub.wake);
    hub.inotify = hub.wake = -1;
    return APR_SUCCESS;
}

static void bell_start(void)
{
    server_rec *s = hub.s;
    apr_status_t rv;

    hub.inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    hub.wake = eventfd(0, EFD_CLOEXEC);
    if (hub.inotify < 0 || hub.wake < 0
        || inotify_add_watch(hub.inotify, doorbell_dir, IN_MOVED_TO) < 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, APR_FROM_OS_ERROR(errno), s,
                     EASLOGNO(01403) "push: cannot watch the doorbell "
                     "directory %s: a device's older wait in another process "
                     "ends only at its heartbeat", doorbell_dir);
        bell_stop(NULL);
        return;
    }
    rv = apr_thread_create(&hub.thread, NULL, bell_thread, NULL, hub.tables);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, EASLOGNO(01404)
                     "push: cannot start the doorbell thread");
        hub.thread = NULL;
        return;
    }
    hub.dir = doorbell_dir;
}

/* ---- hooks ---- */

static int hub_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s)
{
    const char *dir = ap_runtime_dir_relative(pconf, DOORBELL_DIR);

    if ((mkdir(dir, 0700) != 0 && errno != EEXIST)
        || (geteuid() == 0 && chown(dir, ap_unixd_config.user_id,
                                    ap_unixd_config.group_id) != 0)) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, APR_FROM_OS_ERROR(errno), s,
                     EASLOGNO(01405) "push: cannot create the doorbell "
                     "directory %s for the httpd user", dir);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    doorbell_dir = dir;
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, EASLOGNO(01407)
                 "push: each waiting Ping or Sync holds a worker thread%s",
                 HAVE_DECL_AP_MPM_REGISTER_POLL_CALLBACK_TIMEOUT
                 ? " (this httpd has a poll-callback MPM API, not used)" : "");
    return OK;
}

/*
 * The hub allocates from request threads, under its mutex, and a request
 * pool cleaned up while the child pool goes (prefork) still unlinks: its
 * tables and mutex are in a pool of its own that lives as long as the
 * process.  The change sources are opened here, in the child's main
 * thread, on the child pool, whose pre-cleanups stop their threads.
 */
static void hub_child_init(apr_pool_t *pchild, server_rec *s)
{
    const eas_backend_t *b;
    eas_source_t *src;
    apr_status_t rv;
    int i;

    hub.s = s;
    hub.pool = NULL;
    if (apr_pool_create_unmanaged_ex(&hub.tables, NULL, NULL) != APR_SUCCESS
        || apr_thread_mutex_create(&hub.mutex, APR_THREAD_MUTEX_DEFAULT,
                                   hub.tables) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, EASLOGNO(01406)
                     "push: cannot create the hub's pool or mutex");
        return;
    }
    hub.keys = apr_hash_make(hub.tables);
    hub.devices = apr_hash_make(hub.tables);
    hub.sources = apr_array_make(hub.tables, 2, sizeof(push_source_t *));
    hub.waiters.next = hub.waiters.prev = &hub.waiters;
    hub.inotify = hub.wake = -1;
    /* Before the subpools go: the thread must not outlive what it reads. */
    apr_pool_pre_cleanup_register(pchild, NULL, bell_stop);
    /* Registered before the sources open: runs after they stop, before
       their memory goes. */
    apr_pool_pre_cleanup_register(pchild, NULL, sources_close);
    hub.pool = pchild;
    for (i = 0; (b = eas_backend_nth(i)); i++)
        if (b->source && (rv = source_of(b->source, &src)) != APR_SUCCESS)
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, EASLOGNO(01409)
                         "push: cannot start the %s change source: its "
                         "Pings end only at their heartbeat", b->name);
}

/* httpd begins to stop this process: every wait answers now. */
static void hub_child_stopping(apr_pool_t *pchild, int graceful)
{
    eas_push_t *w;

    if (!hub.pool)
        return;
    eas_hub_lock();
    hub.stopping = 1;
    for (w = hub.waiters.next; w != &hub.waiters; w = w->next) {
        w->stopping = 1;
        signal_waiter(w);
    }
    eas_hub_unlock();
}

void eas_hub_register_hooks(apr_pool_t *p)
{
    ap_hook_post_config(hub_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(hub_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_stopping(hub_child_stopping, NULL, NULL, APR_HOOK_MIDDLE);
}
