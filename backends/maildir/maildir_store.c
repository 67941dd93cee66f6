/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Maildir++ backend: opening a user's store, and the vtable.
 */
#include "maildir.h"
#include "maildir_backend.h"
#include "maildir_watch.h"

#include <apr_strings.h>

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

/* Room under the root for ".folder/cur/<message name>". */
#define MD_ROOT_MAX (PATH_MAX - 768)

/* Absolute, no "." or ".." component: the module resolved it already,
   but a template filled with odd user data must not wander. */
static int root_ok(const char *path)
{
    const char *c = path;

    if (path[0] != '/' || strlen(path) > MD_ROOT_MAX)
        return 0;
    while (*c) {
        const char *e;
        while (*c == '/')
            c++;
        e = strchr(c, '/');
        if (!e)
            e = c + strlen(c);
        if ((e - c == 1 && c[0] == '.') || (e - c == 2 && c[0] == '.'
                                            && c[1] == '.'))
            return 0;
        c = e;
    }
    return 1;
}

static apr_status_t refuse(md_store_t *s, apr_status_t rv, const char **err,
                           const char *fmt, const char *path)
{
    char buf[120];

    *err = apr_psprintf(s->pool, "%s: %s", apr_psprintf(s->pool, fmt, path),
                        apr_strerror(rv, buf, sizeof(buf)));
    eas_store_log(&s->base, MD_LOG_ERR, rv, "maildir: %s", *err);
    return rv;
}

/*
 * The root exists (made if only it is missing and may_create) and is a
 * directory.  Missing and not to be made: APR_ENOENT, for the caller to
 * log or to try again with may_create.
 */
static apr_status_t check_root(md_store_t *s, int may_create,
                               const char **err)
{
    struct stat sb;

    if (stat(s->root, &sb) < 0) {
        if (errno != ENOENT)
            return refuse(s, md_errno(), err, "cannot use Maildir %s",
                          s->root);
        if (!may_create) {
            *err = apr_psprintf(s->pool, "Maildir %s does not exist",
                                s->root);
            return APR_ENOENT;
        }
        /* A new user's Maildir; never a whole path, which could mask an
           unmounted mail file system. */
        if (mkdir(s->root, 0700) < 0 && errno != EEXIST)
            return refuse(s, md_errno(), err, "cannot create Maildir %s",
                          s->root);
        if (stat(s->root, &sb) < 0)
            return refuse(s, md_errno(), err, "cannot use Maildir %s",
                          s->root);
    }
    if (!S_ISDIR(sb.st_mode))
        return refuse(s, APR_ENOTDIR, err, "Maildir %s", s->root);
    /* New folders and files get the root's permissions, as Dovecot's. */
    s->dir_mode = sb.st_mode & 02777;
    s->file_mode = sb.st_mode & 0666;
    return APR_SUCCESS;
}

static apr_status_t md_open(eas_store_t **st, const eas_user_t *user,
                            const eas_store_ctx_t *ctx, const char **err)
{
    md_store_t *s = apr_pcalloc(ctx->pool, sizeof(*s));
    const char *path = user && user->params
                       ? apr_table_get(user->params, "path") : NULL;
    /* "create" "0": the Maildir must exist already (see check_root). */
    const char *create = user && user->params
                         ? apr_table_get(user->params, "create") : NULL;
    static const char *const subs[] = { "/cur", "/new", "/tmp" };
    apr_status_t rv;
    char *root;
    int i;

    s->base.backend = &eas_backend_maildir;
    s->base.user = user;
    s->base.ctx = *ctx;
    s->pool = ctx->pool;
    s->boxes = apr_hash_make(s->pool);
    *err = NULL;
    if (!path || !root_ok(path)) {
        *err = apr_psprintf(s->pool, "the Maildir path '%s' is not an "
                            "absolute path without '.' or '..'",
                            path ? path : "");
        eas_store_log(&s->base, MD_LOG_ERR, APR_EINVAL, "maildir: %s", *err);
        return APR_EINVAL;
    }
    root = apr_pstrdup(s->pool, path);
    for (i = (int)strlen(root) - 1; i > 0 && root[i] == '/'; i--)
        root[i] = '\0';
    s->root = root;
    if ((rv = check_root(s, !create || strcmp(create, "0") != 0, err))
        != APR_SUCCESS)
        return rv;
    for (i = 0; i < 3; i++) {
        if ((rv = md_mkdir(s, apr_pstrcat(s->pool, root, subs[i], NULL)))) {
            *err = apr_psprintf(s->pool, "cannot set up Maildir %s", root);
            return rv;
        }
    }
    if ((rv = md_folders_load(s)) != APR_SUCCESS) {
        *err = apr_psprintf(s->pool, "cannot read the folders of %s", root);
        return rv;
    }
    *st = &s->base;
    return APR_SUCCESS;
}

const eas_backend_t eas_backend_maildir = {
    .name = "maildir",
    .classes = EAS_CLASS_BIT(EAS_CLASS_EMAIL),
    .open = md_open,
    .folders = md_folders,
    .folder_create = md_folder_create,
    .folder_update = md_folder_update,
    .folder_delete = md_folder_delete,
    .list = md_list,
    .stat = md_stat,
    .fetch = md_fetch,
    .set_flags = md_set_flags,
    .add = md_add,
    .replace = md_replace,
    .remove = md_remove,
    .move = md_move,
    .empty = md_empty,
    .send = NULL,               /* the module submits mail itself */
    .search = md_search,
    .oof_get = NULL,
    .oof_set = NULL,
    .source = &md_source_ops,
};

void eas_maildir_register(void)
{
    eas_backend_register(&eas_backend_maildir);
}
