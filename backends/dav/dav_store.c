/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dav backend's store and folders (dav_backend.h): discovery, each
 * collection as one folder per kind of item, and folder changes through
 * MKCALENDAR, extended MKCOL, PROPPATCH and DELETE.
 */
#include "dav_backend.h"
#include "dav_watch.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

#define NS_COLL "dav:c"

apr_status_t dv_status(apr_status_t rv)
{
    switch (rv) {
    case APR_SUCCESS:
    case APR_ENOENT:
    case APR_EACCES:
    case APR_ENOTIMPL:
    case APR_EINVAL:
        return rv;
    case DAV_ECONFLICT:
        return EAS_ECONFLICT;
    case DAV_EUNAVAIL:
        return EAS_EUNAVAIL;
    default:
        return APR_EGENERAL;
    }
}

static void client_log(void *log_ctx, int level, apr_status_t rv,
                       const char *msg)
{
    eas_store_log(log_ctx, level, rv, "%s", msg);
}

/*
 * A service account's view: the user's URL is the user's home for
 * calendars and address books alike (discovery would find the account's
 * own principal, not the user's).
 */
static apr_status_t user_home(dv_store_t *s, const char *url)
{
    apr_pool_t *p = s->base.ctx.pool;
    dav_url_t u;
    dav_homes_t h;
    apr_array_header_t *homes = apr_array_make(p, 1, sizeof(const char *));

    if (dav_url_parse(url, &u, p) != APR_SUCCESS)
        return APR_EINVAL;
    if (u.path[strlen(u.path) - 1] != '/')
        u.path = apr_pstrcat(p, u.path, "/", NULL);
    APR_ARRAY_PUSH(homes, const char *) = u.path;
    h.principal = u.path;
    h.cal_homes = homes;
    h.card_homes = homes;
    return dav_set_homes(s->client, &h);
}

/* The homes this process found for the user lately, or discovery. */
static apr_status_t find_homes(dv_store_t *s, const char *url,
                               const char *user)
{
    apr_pool_t *p = s->base.ctx.pool;
    dav_homes_t h;
    apr_status_t rv;

    if (apr_table_get(s->base.user->params, "dav_home"))
        return user_home(s, url);
    if (dv_homes_get(url, user, &h, p)
        && dav_set_homes(s->client, &h) == APR_SUCCESS)
        return APR_SUCCESS;
    if ((rv = dav_discover(s->client, p)) == APR_SUCCESS)
        dv_homes_put(url, user, dav_homes(s->client));
    return rv;
}

static apr_status_t dv_open(eas_store_t **out, const eas_user_t *user,
                            const eas_store_ctx_t *ctx, const char **err)
{
    dv_store_t *s = apr_pcalloc(ctx->pool, sizeof(*s));
    const char *url = apr_table_get(user->params, "url");
    dav_options_t o;
    apr_status_t rv;

    s->base.backend = &eas_backend_dav;
    s->base.user = user;
    s->base.ctx = *ctx;
    s->hrefs = apr_hash_make(ctx->pool);
    s->listed = apr_hash_make(ctx->pool);
    if (!url || !ctx->idmap) {
        *err = url ? "no id map (no state database)" : "no EASDAVURL";
        return APR_EINVAL;
    }
    memset(&o, 0, sizeof(o));
    o.base_url = url;
    o.user = apr_table_get(user->params, "dav_user");
    o.password = apr_table_get(user->params, "dav_password");
    o.ca_file = apr_table_get(user->params, "dav_ca_file");
    o.timeout_ms = atol(apr_table_get(user->params, "dav_timeout_ms")
                        ? apr_table_get(user->params, "dav_timeout_ms")
                        : "0");
    o.log = client_log;
    o.log_ctx = s;
    if ((rv = dav_client_create(&s->client, &o, ctx->pool, err)))
        return rv;
    if ((rv = find_homes(s, url, o.user)) != APR_SUCCESS) {
        *err = "discovery failed";
        return dv_status(rv) == APR_ENOENT ? APR_EGENERAL : dv_status(rv);
    }
    *out = &s->base;
    return APR_SUCCESS;
}

/* ---- folders ---- */

typedef struct {
    char letter;
    const char *comp;
    unsigned bit;
    eas_folder_type_t deflt, user;
} dv_kindinfo_t;

static const dv_kindinfo_t kinds[] = {
    { 'e', "VEVENT", DAV_COMP_VEVENT, EAS_FOLDER_CALENDAR,
      EAS_FOLDER_USER_CALENDAR },
    { 't', "VTODO", DAV_COMP_VTODO, EAS_FOLDER_TASKS, EAS_FOLDER_USER_TASKS },
    { 'j', "VJOURNAL", DAV_COMP_VJOURNAL, EAS_FOLDER_NOTES,
      EAS_FOLDER_USER_NOTES },
    { 'a', NULL, 0, EAS_FOLDER_CONTACTS, EAS_FOLDER_USER_CONTACTS },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static const char *coll_name(const dav_collection_t *c, apr_pool_t *p)
{
    const char *n = c->name, *e;

    if (n && *n)
        return n;
    /* The last segment of the href, without its slash. */
    e = c->href + strlen(c->href) - 1;
    for (n = e; n > c->href && n[-1] != '/'; n--)
        ;
    return n < e ? apr_pstrndup(p, n, e - n) : c->href;
}

static void add_folder(dv_store_t *s, const dav_collection_t *c,
                       const char *cid, const dv_kindinfo_t *k, int mixed)
{
    apr_pool_t *p = s->base.ctx.pool;
    dv_folder_t *f = apr_array_push(s->folders);

    f->f.id = apr_psprintf(p, "%c%s", k->letter, cid);
    f->f.parent_id = "0";
    f->f.name = coll_name(c, p);
    f->f.type = k->user;
    f->f.cls = eas_folder_class(k->deflt);
    f->href = c->href;
    f->coll_id = cid;
    f->kind = c->kind;
    f->comp = k->comp;
    f->mixed = mixed;
    f->can_sync = c->can_sync;
}

static void add_collection(dv_store_t *s, const dav_collection_t *c,
                           const char *cid)
{
    unsigned i, n = 0;

    if (c->kind == DAV_KIND_ADDRESSBOOK) {
        add_folder(s, c, cid, &kinds[NKINDS - 1], 0);
        return;
    }
    for (i = 0; i < NKINDS - 1; i++)
        n += (c->comps & kinds[i].bit) != 0;
    for (i = 0; i < NKINDS - 1; i++)
        if (c->comps & kinds[i].bit)
            add_folder(s, c, cid, &kinds[i], n > 1);
}

static int by_coll_id(const void *a, const void *b)
{
    const dv_folder_t *x = a, *y = b;
    long d = atol(x->coll_id) - atol(y->coll_id);

    return d < 0 ? -1 : d > 0;
}

/* The first folder of each kind is the default one of its type. */
static void choose_defaults(dv_store_t *s)
{
    int i, seen[NKINDS] = { 0 };
    unsigned k;

    qsort(s->folders->elts, s->folders->nelts, sizeof(dv_folder_t),
          by_coll_id);
    for (i = 0; i < s->folders->nelts; i++) {
        dv_folder_t *f = &APR_ARRAY_IDX(s->folders, i, dv_folder_t);
        for (k = 0; k < NKINDS; k++)
            if (f->f.type == kinds[k].user && !seen[k]++)
                f->f.type = kinds[k].deflt;
    }
}

apr_status_t dv_folders_load(dv_store_t *s)
{
    const eas_idmap_t *m = s->base.ctx.idmap;
    apr_pool_t *p = s->base.ctx.pool;
    apr_array_header_t *colls;
    apr_status_t rv;
    int i;

    if (s->folders)
        return APR_SUCCESS;
    if ((rv = dav_collections(s->client, &colls, p)) != APR_SUCCESS)
        return dv_status(rv);
    s->folders = apr_array_make(p, colls->nelts * 2 + 1, sizeof(dv_folder_t));
    for (i = 0; i < colls->nelts; i++) {
        const dav_collection_t *c = &APR_ARRAY_IDX(colls, i,
                                                   dav_collection_t);
        const char *cid;

        if ((rv = m->to_id(m, NS_COLL, c->href, 1, &cid, p)) != APR_SUCCESS) {
            s->folders = NULL;
            return rv;
        }
        add_collection(s, c, cid);
    }
    choose_defaults(s);
    return APR_SUCCESS;
}

const dv_folder_t *dv_folder(dv_store_t *s, const char *id)
{
    int i;

    if (!id || dv_folders_load(s) != APR_SUCCESS)
        return NULL;
    for (i = 0; i < s->folders->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(s->folders, i, dv_folder_t).f.id, id) == 0)
            return &APR_ARRAY_IDX(s->folders, i, dv_folder_t);
    return NULL;
}

static apr_status_t dv_folders(eas_store_t *st, apr_array_header_t **out,
                               apr_pool_t *p)
{
    dv_store_t *s = (dv_store_t *)st;
    apr_status_t rv = dv_folders_load(s);
    int i;

    if (rv != APR_SUCCESS)
        return rv;
    *out = apr_array_make(p, s->folders->nelts, sizeof(eas_folder_t));
    for (i = 0; i < s->folders->nelts; i++)
        APR_ARRAY_PUSH(*out, eas_folder_t) =
            APR_ARRAY_IDX(s->folders, i, dv_folder_t).f;
    return APR_SUCCESS;
}

/* A new collection for a folder type; its folder id in *new_id. */
static apr_status_t dv_folder_create(eas_store_t *st, const char *parent_id,
                                     const char *name, eas_folder_type_t type,
                                     const char **new_id, apr_pool_t *p)
{
    dv_store_t *s = (dv_store_t *)st;
    const eas_idmap_t *m = st->ctx.idmap;
    eas_class_t cls = eas_folder_class(type);
    const char *href = NULL, *cid;
    unsigned comp = cls == EAS_CLASS_TASKS ? DAV_COMP_VTODO
                    : cls == EAS_CLASS_NOTES ? DAV_COMP_VJOURNAL
                    : DAV_COMP_VEVENT;
    apr_status_t rv;

    if (parent_id && strcmp(parent_id, "0") != 0)
        return APR_ENOTIMPL;    /* collections have no folder tree */
    if (!name || !*name)
        return APR_EINVAL;
    rv = cls == EAS_CLASS_CONTACTS
         ? dav_mkaddressbook(s->client, NULL, name, &href, p)
         : dav_mkcalendar(s->client, NULL, name, comp, &href, p);
    if (rv != APR_SUCCESS)
        return dv_status(rv);
    if ((rv = m->to_id(m, NS_COLL, href, 1, &cid, p)) != APR_SUCCESS)
        return rv;
    *new_id = apr_psprintf(p, "%c%s", cls == EAS_CLASS_CONTACTS ? 'a'
                           : cls == EAS_CLASS_TASKS ? 't'
                           : cls == EAS_CLASS_NOTES ? 'j' : 'e', cid);
    s->folders = NULL;          /* listed again when asked */
    return APR_SUCCESS;
}

static apr_status_t dv_folder_update(eas_store_t *st, const char *id,
                                     const char *parent_id, const char *name,
                                     apr_pool_t *p)
{
    dv_store_t *s = (dv_store_t *)st;
    const dv_folder_t *f = dv_folder(s, id);

    if (!f)
        return APR_ENOENT;
    if (parent_id && strcmp(parent_id, "0") != 0)
        return APR_ENOTIMPL;
    if (!name || !*name)
        return APR_EINVAL;
    return dv_status(dav_rename(s->client, f->href, name, p));
}

static apr_status_t dv_folder_delete(eas_store_t *st, const char *id,
                                     apr_pool_t *p)
{
    dv_store_t *s = (dv_store_t *)st;
    const dv_folder_t *f = dv_folder(s, id);

    if (!f)
        return APR_ENOENT;
    /* The default folders stay, as Exchange's do. */
    if (f->f.type == EAS_FOLDER_CALENDAR || f->f.type == EAS_FOLDER_TASKS
        || f->f.type == EAS_FOLDER_CONTACTS || f->f.type == EAS_FOLDER_NOTES)
        return APR_EACCES;
    if (f->mixed)
        return APR_EACCES;      /* it holds other folders' items too */
    return dv_status(dav_delete_collection(s->client, f->href, p));
}

static apr_status_t dv_set_flags(eas_store_t *st, const char *folder_id,
                                 const char *item_id, unsigned set,
                                 unsigned clear, const char **token,
                                 apr_pool_t *p)
{
    return APR_ENOTIMPL;        /* flags are mail's */
}

static apr_status_t dv_empty(eas_store_t *st, const char *folder_id,
                             int subfolders, apr_pool_t *p)
{
    return APR_ENOTIMPL;
}

static int dv_schedules(eas_store_t *st, const char *folder_id,
                        apr_pool_t *p)
{
    dv_store_t *s = (dv_store_t *)st;
    const dv_folder_t *f = dv_folder(s, folder_id);

    return f && f->kind == DAV_KIND_CALENDAR
           && dav_auto_schedule(s->client, f->href, p);
}

const eas_backend_t eas_backend_dav = {
    .name = "dav",
    .classes = EAS_CLASSES_PIM,
    .open = dv_open,
    .folders = dv_folders,
    .folder_create = dv_folder_create,
    .folder_update = dv_folder_update,
    .folder_delete = dv_folder_delete,
    .list = dv_list,
    .stat = dv_stat,
    .fetch = dv_fetch,
    .set_flags = dv_set_flags,
    .add = dv_add,
    .replace = dv_replace,
    .remove = dv_remove,
    .move = dv_move,
    .empty = dv_empty,
    .find_uid = dv_find_uid,
    .prefetch = dv_prefetch,
    .schedules = dv_schedules,
    .source = &dav_source_ops,
};
