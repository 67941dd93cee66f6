/*
 * Change watch for Ping: one inotify descriptor per watch, watching new/
 * and cur/ of each folder.  Deliveries, flag changes (renames), removals
 * and moves all show there; our own uid list files live beside them and
 * cause no events.
 */
#include "maildir.h"

#include <apr_strings.h>

#include <errno.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define MD_WATCH_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO \
                       | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

struct eas_watch {
    md_store_t *s;
    int fd;
    apr_hash_t *by_wd;              /* int -> folder id */
    apr_array_header_t *ids;        /* every watched folder id */
};

static apr_status_t watch_close(void *data)
{
    eas_watch_t *w = data;

    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    return APR_SUCCESS;
}

static apr_status_t add(eas_watch_t *w, const md_folder_t *f, const char *sub,
                        apr_pool_t *p)
{
    const char *path = apr_pstrcat(p, f->dir, "/", sub, NULL);
    int wd = inotify_add_watch(w->fd, path, MD_WATCH_MASK), *key;

    if (wd < 0 && errno == ENOENT) {
        md_make_maildir(w->s, f->dir, f->special != MD_SPECIAL_INBOX, 1);
        wd = inotify_add_watch(w->fd, path, MD_WATCH_MASK);
    }
    if (wd < 0) {
        apr_status_t rv = md_errno();
        if (errno == ENOSPC)
            eas_store_log(&w->s->base, MD_LOG_ERR, rv, "maildir: out of "
                          "inotify watches; raise fs.inotify.max_user_watches");
        return md_fail(w->s, rv, "cannot watch", path);
    }
    key = apr_palloc(p, sizeof(*key));
    *key = wd;
    apr_hash_set(w->by_wd, key, sizeof(*key), f->id);
    return APR_SUCCESS;
}

apr_status_t md_watch_open(eas_store_t *st,
                           const apr_array_header_t *folder_ids,
                           eas_watch_t **out, int *fd, apr_pool_t *p)
{
    md_store_t *s = (md_store_t *)st;
    eas_watch_t *w = apr_pcalloc(p, sizeof(*w));
    apr_status_t rv;
    int i;

    w->s = s;
    w->by_wd = apr_hash_make(p);
    w->ids = apr_array_make(p, folder_ids->nelts, sizeof(const char *));
    if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
        rv = md_errno();
        eas_store_log(&s->base, MD_LOG_ERR, rv, "maildir: cannot create an "
                      "inotify instance%s", errno == EMFILE ? "; raise "
                      "fs.inotify.max_user_instances" : "");
        return rv;
    }
    apr_pool_cleanup_register(p, w, watch_close, apr_pool_cleanup_null);
    for (i = 0; i < folder_ids->nelts; i++) {
        const char *id = APR_ARRAY_IDX(folder_ids, i, const char *);
        const md_folder_t *f = md_folder_find(s, id);
        rv = f ? add(w, f, "new", p) : APR_ENOENT;
        if (rv == APR_SUCCESS)
            rv = add(w, f, "cur", p);
        if (rv != APR_SUCCESS) {
            apr_pool_cleanup_run(p, w, watch_close);
            return rv;
        }
        APR_ARRAY_PUSH(w->ids, const char *) = apr_pstrdup(p, f->id);
    }
    *out = w;
    *fd = w->fd;
    return APR_SUCCESS;
}

apr_status_t md_watch_changed(eas_watch_t *w, apr_array_header_t **ids,
                              apr_pool_t *p)
{
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    apr_hash_t *seen = apr_hash_make(p);
    int all = 0, i;
    ssize_t n;

    *ids = apr_array_make(p, 4, sizeof(const char *));
    if (w->fd < 0)
        return APR_EBADF;
    while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
        char *c = buf;
        while (c < buf + n) {
            const struct inotify_event *ev = (const struct inotify_event *)c;
            const char *id = apr_hash_get(w->by_wd, &ev->wd, sizeof(ev->wd));
            if (ev->mask & IN_Q_OVERFLOW)
                all = 1;
            else if (id && !apr_hash_get(seen, id, APR_HASH_KEY_STRING)) {
                apr_hash_set(seen, id, APR_HASH_KEY_STRING, id);
                APR_ARRAY_PUSH(*ids, const char *) = apr_pstrdup(p, id);
            }
            c += sizeof(*ev) + ev->len;
        }
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR)
        return md_fail(w->s, md_errno(), "cannot read the inotify watch", "");
    if (all) {
        (*ids)->nelts = 0;
        for (i = 0; i < w->ids->nelts; i++)
            APR_ARRAY_PUSH(*ids, const char *) =
                apr_pstrdup(p, APR_ARRAY_IDX(w->ids, i, const char *));
    }
    return APR_SUCCESS;
}
