/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The combined store (backend_mux.h): routes each call to the member that
 * holds the folder, and prefixes the ids of members other than mail's.
 */
#include "backend_mux.h"

#include <apr_strings.h>
#include <string.h>

typedef struct {
    eas_store_t *st;
    unsigned classes;           /* EAS_CLASS_BIT()s served */
    char prefix;                /* 0 for the member serving mail */
} mux_member_t;

typedef struct {
    eas_store_t base;
    int n;
    mux_member_t m[EAS_NCLASSES];
} mux_store_t;

static const eas_backend_t mux_backend;

static mux_store_t *mux_of(eas_store_t *st)
{
    return st->backend == &mux_backend ? (mux_store_t *)st : NULL;
}

/* The member holding folder id, and the id there; NULL: no such folder. */
static mux_member_t *route(mux_store_t *x, const char *id, const char **sub)
{
    int i;

    if (id && id[0] && id[1] == '.')
        for (i = 0; i < x->n; i++)
            if (x->m[i].prefix == id[0]) {
                *sub = id + 2;
                return &x->m[i];
            }
    for (i = 0; i < x->n; i++)
        if (!x->m[i].prefix) {
            *sub = id;
            return &x->m[i];
        }
    return NULL;
}

static const char *outer_id(const mux_member_t *m, const char *id,
                            apr_pool_t *p)
{
    if (!m->prefix || !id || strcmp(id, "0") == 0)
        return id;
    return apr_psprintf(p, "%c.%s", m->prefix, id);
}

/* The member serving a class; NULL if none. */
static mux_member_t *member_for(mux_store_t *x, eas_class_t cls)
{
    int i;

    for (i = 0; i < x->n; i++)
        if (x->m[i].classes & EAS_CLASS_BIT(cls))
            return &x->m[i];
    return NULL;
}

eas_store_t *eas_store_member(eas_store_t *st, const char *folder_id,
                              const char **member_folder_id)
{
    mux_store_t *x = mux_of(st);
    mux_member_t *m;

    *member_folder_id = folder_id;
    if (!x)
        return st;
    if (!folder_id)                     /* the hierarchy: mail's member */
        return x->n ? x->m[0].st : NULL;
    m = route(x, folder_id, member_folder_id);
    return m ? m->st : NULL;
}

int eas_mux_members(eas_store_t *st, eas_store_t *members[EAS_NCLASSES],
                    unsigned classes[EAS_NCLASSES])
{
    mux_store_t *x = mux_of(st);
    int i;

    if (!x) {
        members[0] = st;
        classes[0] = st->backend->classes;
        return 1;
    }
    for (i = 0; i < x->n; i++) {
        members[i] = x->m[i].st;
        classes[i] = x->m[i].classes;
    }
    return x->n;
}

/* ---- folders ---- */

static apr_status_t add_folders(mux_member_t *m, apr_array_header_t *out,
                                apr_pool_t *p)
{
    apr_array_header_t *fs;
    apr_status_t rv = m->st->backend->folders(m->st, &fs, p);
    int i;

    if (rv != APR_SUCCESS)
        return rv;
    for (i = 0; i < fs->nelts; i++) {
        eas_folder_t f = APR_ARRAY_IDX(fs, i, eas_folder_t);

        if (!(m->classes & EAS_CLASS_BIT(f.cls)))
            continue;
        f.id = outer_id(m, f.id, p);
        f.parent_id = outer_id(m, f.parent_id, p);
        APR_ARRAY_PUSH(out, eas_folder_t) = f;
    }
    return APR_SUCCESS;
}

static apr_status_t mux_folders(eas_store_t *st, apr_array_header_t **out,
                                apr_pool_t *p)
{
    mux_store_t *x = (mux_store_t *)st;
    apr_status_t rv;
    int i;

    *out = apr_array_make(p, 16, sizeof(eas_folder_t));
    for (i = 0; i < x->n; i++)
        if ((rv = add_folders(&x->m[i], *out, p)) != APR_SUCCESS)
            return rv;
    return APR_SUCCESS;
}

/* The parent's id in member m ("0" stays); NULL if it is in another. */
static const char *parent_in(mux_store_t *x, mux_member_t *m,
                             const char *parent_id)
{
    const char *sub;

    if (!parent_id || strcmp(parent_id, "0") == 0)
        return "0";
    return route(x, parent_id, &sub) == m ? sub : NULL;
}

static apr_status_t mux_folder_create(eas_store_t *st, const char *parent_id,
                                      const char *name, eas_folder_type_t type,
                                      const char **new_id, apr_pool_t *p)
{
    mux_store_t *x = (mux_store_t *)st;
    mux_member_t *m = member_for(x, eas_folder_class(type));
    const char *parent = m ? parent_in(x, m, parent_id) : NULL;
    apr_status_t rv;

    if (!m)
        return APR_ENOTIMPL;
    if (!parent)
        return APR_ENOENT;
    rv = m->st->backend->folder_create(m->st, parent, name, type, new_id, p);
    if (rv == APR_SUCCESS)
        *new_id = outer_id(m, *new_id, p);
    return rv;
}

static apr_status_t mux_folder_update(eas_store_t *st, const char *id,
                                      const char *parent_id, const char *name,
                                      apr_pool_t *p)
{
    mux_store_t *x = (mux_store_t *)st;
    const char *sub, *parent;
    mux_member_t *m = route(x, id, &sub);

    if (!m)
        return APR_ENOENT;
    if (!(parent = parent_in(x, m, parent_id)))
        return APR_ENOTIMPL;
    return m->st->backend->folder_update(m->st, sub, parent, name, p);
}

static apr_status_t mux_folder_delete(eas_store_t *st, const char *id,
                                      apr_pool_t *p)
{
    const char *sub;
    mux_member_t *m = route((mux_store_t *)st, id, &sub);

    return m ? m->st->backend->folder_delete(m->st, sub, p) : APR_ENOENT;
}

/* ---- items: the member holding the folder does it ---- */

#define ROUTE(st, folder, sub, m) \
    const char *sub; \
    mux_member_t *m = route((mux_store_t *)(st), (folder), &sub); \
    if (!m) \
        return APR_ENOENT

static apr_status_t mux_list(eas_store_t *st, const char *folder_id,
                             const eas_filter_t *f, apr_array_header_t **out,
                             apr_pool_t *p)
{
    ROUTE(st, folder_id, sub, m);
    return m->st->backend->list(m->st, sub, f, out, p);
}

static apr_status_t mux_stat(eas_store_t *st, const char *folder_id,
                             const char *item_id, eas_item_ref_t *out,
                             apr_pool_t *p)
{
    ROUTE(st, folder_id, sub, m);
    return m->st->backend->stat(m->st, sub, item_id, out, p);
}

static apr_status_t mux_fetch(eas_store_t *st, const char *folder_id,
                              const char *item_id, eas_blob_t *out,
                              apr_pool_t *p)
{
    ROUTE(st, folder_id, sub, m);
    return m->st->backend->fetch(m->st, sub, item_id, out, p);
}

static apr_status_t mux_set_flags(eas_store_t *st, const char *folder_id,
                                  const char *item_id, unsigned set,
                                  unsigned clear, const char **token,
                                  apr_pool_t *p)
{
    ROUTE(st, folder_id, sub, m);
    return m->st->backend->set_flags(m->st, sub, item_id, set, clear, token,
                                     p);
}

static apr_status_t mux_add(eas_store_t *st, const char *folder_id,
                            const eas_blob_t *data, unsigned flags,
                            const char **new_id, const char **token,
                            apr_pool_t *p)
{
    ROUTE(st, folder_id, sub, m);
    return m->st->backend->add(m->st, sub, data, flags, new_id, token, p);
}

static apr_status_t mux_replace(eas_store_t *st, const char *folder_id,
                                const char *item_id, const eas_blob_t *data,
                                const char *if_token, const char **token,
                                apr_pool_t *p)
{
    ROUTE(st, folder_id, sub, m);
    return m->st->backend->replace(m->st, sub, item_id, data, if_token,
                                   token, p);
}

static apr_status_t mux_remove(eas_store_t *st, const char *folder_id,
                               const char *item_id, const char *if_token,
                               apr_pool_t *p)
{
    ROUTE(st, folder_id, sub, m);
    return m->st->backend->remove(m->st, sub, item_id, if_token, p);
}

static apr_status_t mux_move(eas_store_t *st, const char *folder_id,
                             const char *item_id, const char *to_folder_id,
                             const char **new_id, apr_pool_t *p)
{
    const char *to_sub;
    ROUTE(st, folder_id, sub, m);

    if (route((mux_store_t *)st, to_folder_id, &to_sub) != m)
        return APR_ENOTIMPL;
    return m->st->backend->move(m->st, sub, item_id, to_sub, new_id, p);
}

static apr_status_t mux_empty(eas_store_t *st, const char *folder_id,
                              int subfolders, apr_pool_t *p)
{
    ROUTE(st, folder_id, sub, m);
    return m->st->backend->empty(m->st, sub, subfolders, p);
}

/* ---- what belongs to mail ---- */

static eas_store_t *mail_store(eas_store_t *st)
{
    mux_member_t *m = member_for((mux_store_t *)st, EAS_CLASS_EMAIL);

    return m ? m->st : NULL;
}

static apr_status_t mux_send(eas_store_t *st, const eas_blob_t *msg,
                             apr_pool_t *p)
{
    eas_store_t *ms = mail_store(st);

    if (!ms || !ms->backend->send)
        return APR_ENOTIMPL;
    return ms->backend->send(ms, msg, p);
}

static apr_status_t mux_search(eas_store_t *st, const eas_search_t *q,
                               apr_array_header_t **out, apr_pool_t *p)
{
    mux_member_t *m = member_for((mux_store_t *)st, EAS_CLASS_EMAIL);
    eas_search_t sq = *q;
    apr_status_t rv;
    int i;

    if (q->folder_id && !(m = route((mux_store_t *)st, q->folder_id,
                                    &sq.folder_id)))
        return APR_ENOENT;
    if (!m || !m->st->backend->search)
        return APR_ENOTIMPL;
    rv = m->st->backend->search(m->st, &sq, out, p);
    for (i = 0; rv == APR_SUCCESS && m->prefix && i < (*out)->nelts; i++) {
        eas_search_hit_t *h = &APR_ARRAY_IDX(*out, i, eas_search_hit_t);
        h->folder_id = outer_id(m, h->folder_id, p);
    }
    return rv;
}

static apr_status_t mux_oof_get(eas_store_t *st, int *enabled,
                                const char **message, apr_pool_t *p)
{
    eas_store_t *ms = mail_store(st);

    if (!ms || !ms->backend->oof_get)
        return APR_ENOTIMPL;
    return ms->backend->oof_get(ms, enabled, message, p);
}

static apr_status_t mux_oof_set(eas_store_t *st, int enabled,
                                const char *message, apr_pool_t *p)
{
    eas_store_t *ms = mail_store(st);

    if (!ms || !ms->backend->oof_set)
        return APR_ENOTIMPL;
    return ms->backend->oof_set(ms, enabled, message, p);
}

static apr_status_t mux_find_uid(eas_store_t *st, const char *folder_id,
                                 const char *uid, apr_array_header_t **items,
                                 apr_pool_t *p)
{
    ROUTE(st, folder_id, sub, m);
    if (!m->st->backend->find_uid)
        return APR_ENOTIMPL;
    return m->st->backend->find_uid(m->st, sub, uid, items, p);
}

static void mux_prefetch(eas_store_t *st, const char *folder_id,
                         const apr_array_header_t *item_ids, apr_pool_t *p)
{
    const char *id;
    eas_store_t *ms = eas_store_member(st, folder_id, &id);

    if (ms && ms->backend->prefetch)
        ms->backend->prefetch(ms, id, item_ids, p);
}

static int mux_schedules(eas_store_t *st, const char *folder_id,
                         apr_pool_t *p)
{
    const char *id;
    eas_store_t *ms = eas_store_member(st, folder_id, &id);

    return ms && ms->backend->schedules && ms->backend->schedules(ms, id, p);
}

static const eas_backend_t mux_backend = {
    .name = "combined",
    .classes = EAS_CLASS_BIT(EAS_CLASS_EMAIL) | EAS_CLASSES_PIM,
    .open = NULL,               /* made by eas_mux_open */
    .folders = mux_folders,
    .folder_create = mux_folder_create,
    .folder_update = mux_folder_update,
    .folder_delete = mux_folder_delete,
    .list = mux_list,
    .stat = mux_stat,
    .fetch = mux_fetch,
    .set_flags = mux_set_flags,
    .add = mux_add,
    .replace = mux_replace,
    .remove = mux_remove,
    .move = mux_move,
    .empty = mux_empty,
    .send = mux_send,
    .search = mux_search,
    .find_uid = mux_find_uid,
    .prefetch = mux_prefetch,
    .schedules = mux_schedules,
    .oof_get = mux_oof_get,
    .oof_set = mux_oof_set,
    .source = NULL,             /* each member's own: eas_store_member() */
};

/* ---- opening ---- */

/* Add st for class c: a new member, or one more class of a known one. */
static apr_status_t join(mux_store_t *x, eas_store_t *st, eas_class_t c)
{
    int i;

    for (i = 0; i < x->n; i++)
        if (x->m[i].st == st) {
            x->m[i].classes |= EAS_CLASS_BIT(c);
            return APR_SUCCESS;
        }
    x->m[x->n].st = st;
    x->m[x->n].classes = EAS_CLASS_BIT(c);
    x->m[x->n].prefix = st->backend->name[0];
    x->n++;
    return APR_SUCCESS;
}

/* The mail member first and unprefixed; the others' prefixes distinct. */
static apr_status_t arrange(mux_store_t *x)
{
    int i, j;

    for (i = 1; i < x->n; i++)
        if (x->m[i].classes & EAS_CLASS_BIT(EAS_CLASS_EMAIL)) {
            mux_member_t t = x->m[0];
            x->m[0] = x->m[i];
            x->m[i] = t;
        }
    if (x->m[0].classes & EAS_CLASS_BIT(EAS_CLASS_EMAIL))
        x->m[0].prefix = 0;
    for (i = 0; i < x->n; i++)
        for (j = i + 1; j < x->n; j++)
            if (x->m[i].prefix && x->m[i].prefix == x->m[j].prefix)
                return APR_EINVAL;
    return APR_SUCCESS;
}

apr_status_t eas_mux_open(eas_store_t **out,
                          eas_store_t *const by_class[EAS_NCLASSES],
                          const eas_user_t *user, const eas_store_ctx_t *ctx)
{
    mux_store_t *x = apr_pcalloc(ctx->pool, sizeof(*x));
    int c;

    for (c = 0; c < EAS_NCLASSES; c++)
        if (by_class[c])
            join(x, by_class[c], (eas_class_t)c);
    if (x->n == 0)
        return APR_EINVAL;
    /* One store serving mail (or alone): no combination is needed. */
    if (x->n == 1 && (x->m[0].classes & EAS_CLASS_BIT(EAS_CLASS_EMAIL))) {
        *out = x->m[0].st;
        return APR_SUCCESS;
    }
    if (arrange(x) != APR_SUCCESS)
        return APR_EINVAL;
    x->base.backend = &mux_backend;
    x->base.user = user;
    x->base.ctx = *ctx;
    *out = &x->base;
    return APR_SUCCESS;
}
