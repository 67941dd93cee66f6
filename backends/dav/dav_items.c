/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dav backend's items (dav_backend.h): listings with the FilterType
 * decided by the server (a CalDAV time-range query counts an event whose
 * occurrence overlaps the window; "not completed" for to-dos), reads
 * (a GET, or read ahead in calendar-multiget and addressbook-multiget
 * batches of RFC 4791 7.9 and RFC 6352 8.7 when a Sync page goes through
 * a listing), writes with If-Match on the ETag the device last saw, and
 * moves between collections of one kind (MOVE, RFC 4918 section 9.9, or
 * copy and delete).
 */
#include "dav_backend.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

/* Rounds of a truncated sync-collection answer before giving up. */
#define DV_SYNC_ROUNDS 1000

static const char *item_ns(const dv_folder_t *f, apr_pool_t *p)
{
    return apr_pstrcat(p, "dav:i:", f->coll_id, NULL);
}

static const char *href_key(const char *folder, const char *item,
                            apr_pool_t *p)
{
    return apr_pstrcat(p, folder, "\n", item, NULL);
}

static apr_status_t folder_of(eas_store_t *st, const char *id,
                              const dv_folder_t **f)
{
    dv_store_t *s = (dv_store_t *)st;
    apr_status_t rv = dv_folders_load(s);

    if (rv != APR_SUCCESS)
        return rv;
    return (*f = dv_folder(s, id)) ? APR_SUCCESS : APR_ENOENT;
}

/* The key of the folder's collection in the process's listings. */
static const char *list_key(dv_store_t *s, const dv_folder_t *f,
                            apr_pool_t *p)
{
    const eas_user_t *u = s->base.user;

    return dv_lists_key(s->base.ctx.idmap->scope, u->login,
                        apr_table_get(u->params, "url"), f->href, p);
}

/*
 * A sync-collection from token (NULL: all), every round of a truncated
 * answer, as one change set: out->changed (dav_ref_t) and out->removed
 * (hrefs), a later round's word on an href counting over an earlier's.
 */
static apr_status_t sync_from(dv_store_t *s, const dv_folder_t *f,
                              const char *token, dav_changes_t *out,
                              apr_pool_t *p)
{
    static const dav_ref_t gone = { NULL, NULL };
    apr_hash_t *latest = apr_hash_make(p);   /* href -> dav_ref_t, or gone */
    apr_hash_index_t *hi;
    dav_changes_t ch;
    apr_status_t rv;
    int round = 0, i;

    do {
        if ((rv = dav_sync(s->client, f->href, token, &ch, p)))
            return rv;
        for (i = 0; i < ch.removed->nelts; i++)
            apr_hash_set(latest, APR_ARRAY_IDX(ch.removed, i, const char *),
                         APR_HASH_KEY_STRING, &gone);
        for (i = 0; i < ch.changed->nelts; i++) {
            dav_ref_t *r = &APR_ARRAY_IDX(ch.changed, i, dav_ref_t);
            apr_hash_set(latest, r->href, APR_HASH_KEY_STRING, r);
        }
        token = ch.token;
    } while (ch.truncated && ++round < DV_SYNC_ROUNDS);
    if (ch.truncated)
        return DAV_EBADREPLY;
    out->changed = apr_array_make(p, apr_hash_count(latest) + 1,
                                  sizeof(dav_ref_t));
    out->removed = apr_array_make(p, 4, sizeof(const char *));
    out->token = token;
    for (hi = apr_hash_first(p, latest); hi; hi = apr_hash_next(hi)) {
        const dav_ref_t *r = apr_hash_this_val(hi);
        if (r == &gone)
            APR_ARRAY_PUSH(out->removed, const char *) = apr_hash_this_key(hi);
        else
            APR_ARRAY_PUSH(out->changed, dav_ref_t) = *r;
    }
    return APR_SUCCESS;
}

/* The hrefs of refs the map lacks, mapped in one go (when the map can). */
static apr_status_t map_new(dv_store_t *s, const dv_folder_t *f,
                            const apr_array_header_t *refs, apr_hash_t *known,
                            apr_pool_t *p)
{
    const eas_idmap_t *m = s->base.ctx.idmap;
    apr_array_header_t *fresh;
    int i;

    if (!m->to_ids)
        return APR_SUCCESS;
    fresh = apr_array_make(p, 16, sizeof(const char *));
    for (i = 0; i < refs->nelts; i++) {
        const char *h = APR_ARRAY_IDX(refs, i, dav_ref_t).href;
        if (!apr_hash_get(known, h, APR_HASH_KEY_STRING))
            APR_ARRAY_PUSH(fresh, const char *) = h;
    }
    return fresh->nelts ? m->to_ids(m, item_ns(f, p), fresh, known, p)
                        : APR_SUCCESS;
}

/* Many new items: the whole map read once, the new ones made in one go;
   a few: a look-up each. */
#define DV_MAP_WHOLE 64

/* refs (dav_ref_t) with their item ids (made when new), as dv_member_t
   in p. */
static apr_status_t members_of(dv_store_t *s, const dv_folder_t *f,
                               const apr_array_header_t *refs,
                               apr_array_header_t **out, apr_pool_t *p)
{
    const eas_idmap_t *m = s->base.ctx.idmap;
    const char *ns = item_ns(f, p);
    apr_hash_t *known = NULL;
    apr_status_t rv;
    int i;

    if (refs->nelts > DV_MAP_WHOLE
        && ((rv = m->all(m, ns, &known, p)) != APR_SUCCESS
            || (rv = map_new(s, f, refs, known, p)) != APR_SUCCESS))
        return rv;
    *out = apr_array_make(p, refs->nelts + 1, sizeof(dv_member_t));
    for (i = 0; i < refs->nelts; i++) {
        const dav_ref_t *r = &APR_ARRAY_IDX(refs, i, dav_ref_t);
        dv_member_t *d = apr_array_push(*out);

        d->href = r->href;
        d->etag = r->etag ? r->etag : "";
        d->id = known ? apr_hash_get(known, r->href, APR_HASH_KEY_STRING)
                      : NULL;
        if (!d->id && (rv = m->to_id(m, ns, r->href, 1, &d->id, p)))
            return rv;
    }
    return APR_SUCCESS;
}

/* The listing kept in this process brought up to date with what changed
   since its token (one small REPORT); DAV_EBADTOKEN: none to start from
   (or the server no longer knows its token). */
static apr_status_t kept_members(dv_store_t *s, const dv_folder_t *f,
                                 const char *key, apr_array_header_t **out,
                                 const char **token, apr_pool_t *p)
{
    apr_array_header_t *changed;
    dav_changes_t d;
    const char *was;
    apr_status_t rv;

    if (!dv_lists_token(key, &was, p))
        return DAV_EBADTOKEN;
    if ((rv = sync_from(s, f, was, &d, p)) != APR_SUCCESS
        || (rv = members_of(s, f, d.changed, &changed, p)) != APR_SUCCESS)
        return rv;
    if (!dv_lists_update(key, was, d.token, d.removed, changed)
        || !dv_lists_members(key, d.token, out, p))
        return DAV_EBADTOKEN;
    *token = d.token;
    return APR_SUCCESS;
}

/* Every member from the server, kept for the next listing. */
static apr_status_t fresh_members(dv_store_t *s, const dv_folder_t *f,
                                  const char *key, apr_array_header_t **out,
                                  const char **token, apr_pool_t *p)
{
    dav_changes_t d;
    apr_status_t rv = sync_from(s, f, NULL, &d, p);

    if (rv == APR_SUCCESS)
        rv = members_of(s, f, d.changed, out, p);
    if (rv != APR_SUCCESS)
        return rv;
    dv_lists_put(key, d.token, *out);
    *token = d.token;
    return APR_SUCCESS;
}

/* Every member of the folder (dv_member_t in p); *token the listing's
   sync-token, NULL when there is none. */
static apr_status_t all_members(dv_store_t *s, const dv_folder_t *f,
                                apr_array_header_t **out, const char **token,
                                apr_pool_t *p)
{
    apr_array_header_t *refs;
    const char *key;
    apr_status_t rv;

    *token = NULL;
    if (f->mixed || !f->can_sync) {
        rv = f->mixed ? dav_query_range(s->client, f->href, f->comp, 0, 0,
                                        &refs, p)
                      : dav_etags(s->client, f->href, &refs, p);
        return rv == APR_SUCCESS ? members_of(s, f, refs, out, p) : rv;
    }
    key = list_key(s, f, p);
    rv = kept_members(s, f, key, out, token, p);
    if (rv == DAV_EBADTOKEN)
        rv = fresh_members(s, f, key, out, token, p);
    if (rv != APR_SUCCESS)
        dv_lists_drop(key);
    return rv;
}

/* What of the folder a filter leaves inside: DV_IN_*, or 0. */
static int filter_kind(const dv_folder_t *f, const eas_filter_t *flt)
{
    if (flt && flt->since && f->comp && !strcmp(f->comp, "VEVENT"))
        return DV_IN_SINCE;
    if (flt && flt->incomplete_only && f->comp && !strcmp(f->comp, "VTODO"))
        return DV_IN_OPEN;
    return 0;
}

/* The window's start, on the hour before it: a window a little wider, the
   same for an hour of requests, and so asked of the server once. */
static apr_time_t window_start(const eas_filter_t *flt)
{
    apr_time_t hour = apr_time_from_sec(3600);

    return flt->since - flt->since % hour;
}

/* The hrefs inside the filter (NULL: no filter applies to the folder),
   from the server, or kept with the listing's token. */
static apr_status_t inside(dv_store_t *s, const dv_folder_t *f,
                           const eas_filter_t *flt, const char *token,
                           apr_hash_t **in, apr_pool_t *p)
{
    int kind = filter_kind(f, flt);
    apr_time_t since = kind == DV_IN_SINCE ? window_start(flt) : 0;
    const char *key = token ? list_key(s, f, p) : NULL;
    apr_array_header_t *refs = NULL;
    apr_status_t rv;
    int i;

    *in = NULL;
    if (!kind || (key && dv_lists_get_inside(key, token, kind, since, in, p)))
        return APR_SUCCESS;
    rv = kind == DV_IN_SINCE
         ? dav_query_range(s->client, f->href, "VEVENT", since, 0, &refs, p)
         : dav_query_open_todos(s->client, f->href, &refs, p);
    if (rv != APR_SUCCESS)
        return rv;
    *in = apr_hash_make(p);
    for (i = 0; i < refs->nelts; i++)
        apr_hash_set(*in, APR_ARRAY_IDX(refs, i, dav_ref_t).href,
                     APR_HASH_KEY_STRING, "");
    if (key)
        dv_lists_put_inside(key, token, kind, since, *in);
    return APR_SUCCESS;
}

/* The item id of href, made when new. */
static const char *id_of(dv_store_t *s, const dv_folder_t *f,
                         apr_hash_t *known, const char *href, apr_pool_t *p)
{
    const eas_idmap_t *m = s->base.ctx.idmap;
    const char *id = apr_hash_get(known, href, APR_HASH_KEY_STRING);

    if (!id && m->to_id(m, item_ns(f, p), href, 1, &id, p) != APR_SUCCESS)
        return NULL;
    apr_hash_set(s->hrefs, href_key(f->f.id, id, s->base.ctx.pool),
                 APR_HASH_KEY_STRING, apr_pstrdup(s->base.ctx.pool, href));
    return id;
}

/* By id, as the sync engine orders items of equal time (all of ours). */
static int by_id(const void *a, const void *b)
{
    return strcmp(((const dv_member_t *)a)->id, ((const dv_member_t *)b)->id);
}

/* The hint's hrefs as the read-ahead's order (dav_backend.h). */
static void ahead_order(dv_store_t *s, const dv_folder_t *f,
                        const apr_array_header_t *hrefs)
{
    dv_ahead_t *a = &s->ahead;
    int i;

    if (a->list_pool)
        apr_pool_clear(a->list_pool);
    else
        apr_pool_create(&a->list_pool, s->base.ctx.pool);
    a->folder = apr_pstrdup(a->list_pool, f->f.id);
    a->order = apr_array_make(a->list_pool, hrefs->nelts + 1,
                              sizeof(const char *));
    a->pos = apr_hash_make(a->list_pool);
    a->items = NULL;
    for (i = 0; i < hrefs->nelts; i++) {
        const char *h = apr_pstrdup(a->list_pool,
                                    APR_ARRAY_IDX(hrefs, i, const char *));
        APR_ARRAY_PUSH(a->order, const char *) = h;
        apr_hash_set(a->pos, h, APR_HASH_KEY_STRING,
                     (void *)(apr_uintptr_t)a->order->nelts);
    }
}

/* The folder's record of its last listing in this store, made anew.
   Each listing has a pool of its own that lives as long as the store:
   what a caller got from an earlier one stays valid. */
static dv_listed_t *listed_anew(dv_store_t *s, const dv_folder_t *f)
{
    apr_pool_t *sp = s->base.ctx.pool;
    dv_listed_t *l = apr_pcalloc(sp, sizeof(*l));

    if (apr_pool_create(&l->pool, sp) != APR_SUCCESS)
        return NULL;
    apr_hash_set(s->listed, apr_pstrdup(sp, f->f.id), APR_HASH_KEY_STRING, l);
    return l;
}

apr_status_t dv_list(eas_store_t *st, const char *folder_id,
                     const eas_filter_t *flt, apr_array_header_t **out,
                     apr_pool_t *p)
{
    dv_store_t *s = (dv_store_t *)st;
    apr_array_header_t *members;
    apr_hash_t *in;
    const char *token;
    const dv_folder_t *f;
    dv_listed_t *ld;
    eas_item_ref_t *l;
    apr_status_t rv;
    int i;

    if ((rv = folder_of(st, folder_id, &f)) != APR_SUCCESS)
        return rv;
    if (!(ld = listed_anew(s, f)))
        return APR_ENOMEM;
    /* In the store's memory: the listing's ids and hrefs serve the
       fetches that follow (href_of), as long as the store lives. */
    if ((rv = all_members(s, f, &members, &token, ld->pool)) != APR_SUCCESS
        || (rv = inside(s, f, flt, token, &in, p)) != APR_SUCCESS)
        return dv_status(rv);
    /* Sorted by id: the listing's order, and href_of's look-up. */
    qsort(members->elts, members->nelts, sizeof(dv_member_t), by_id);
    ld->members = members;
    *out = apr_array_make(p, members->nelts + 1, sizeof(eas_item_ref_t));
    l = (eas_item_ref_t *)(*out)->elts;
    memset(l, 0, sizeof(*l) * members->nelts);
    for (i = 0; i < members->nelts; i++) {
        const dv_member_t *d = &APR_ARRAY_IDX(members, i, dv_member_t);

        l[i].id = d->id;
        l[i].token = d->etag;
        l[i].outside = in && !apr_hash_get(in, d->href, APR_HASH_KEY_STRING);
    }
    (*out)->nelts = members->nelts;
    return APR_SUCCESS;
}

/* The href of item in the folder's last listing in this store (sorted
   by id), or NULL. */
static const char *listed_href(dv_store_t *s, const dv_folder_t *f,
                               const char *item)
{
    dv_listed_t *l = apr_hash_get(s->listed, f->f.id, APR_HASH_KEY_STRING);
    dv_member_t want, *hit;

    if (!l || !l->members)
        return NULL;
    want.id = item;
    hit = bsearch(&want, l->members->elts, l->members->nelts,
                  sizeof(dv_member_t), by_id);
    return hit ? hit->href : NULL;
}

/* The href of an item: seen in a listing of this store, or mapped. */
static apr_status_t href_of(dv_store_t *s, const dv_folder_t *f,
                            const char *item, const char **href,
                            apr_pool_t *p)
{
    const eas_idmap_t *m = s->base.ctx.idmap;

    if ((*href = listed_href(s, f, item)))
        return APR_SUCCESS;
    *href = apr_hash_get(s->hrefs, href_key(f->f.id, item, p),
                         APR_HASH_KEY_STRING);
    if (*href)
        return APR_SUCCESS;
    return m->to_native(m, item_ns(f, p), item, href, p);
}

static apr_status_t item_of(eas_store_t *st, const char *folder_id,
                            const char *item, const dv_folder_t **f,
                            const char **href, apr_pool_t *p)
{
    apr_status_t rv = folder_of(st, folder_id, f);

    if (rv == APR_SUCCESS)
        rv = href_of((dv_store_t *)st, *f, item, href, p);
    return rv;
}

apr_status_t dv_stat(eas_store_t *st, const char *folder_id,
                     const char *item_id, eas_item_ref_t *out, apr_pool_t *p)
{
    const dv_folder_t *f;
    const char *href, *etag = NULL;
    apr_status_t rv = item_of(st, folder_id, item_id, &f, &href, p);

    if (rv != APR_SUCCESS)
        return rv;
    rv = dav_fetch_etag(((dv_store_t *)st)->client, href, &etag, p);
    if (rv != APR_SUCCESS)
        return dv_status(rv);
    memset(out, 0, sizeof(*out));
    out->id = item_id;
    out->token = etag ? etag : "";
    return APR_SUCCESS;
}

/* Items from index from of the hint's order in one multiget, as the
   read-ahead's batch; 0 when there is no batch (a failed multiget turns
   reading ahead off for the rest of the request: GETs then). */
static int ahead_read(dv_store_t *s, const dv_folder_t *f, int from)
{
    dv_ahead_t *a = &s->ahead;
    apr_array_header_t *hrefs, *items;
    int n = a->order->nelts - from, i;

    if (n > DV_READ_AHEAD)
        n = DV_READ_AHEAD;
    if (a->off || n < 2)
        return 0;
    if (a->pool)
        apr_pool_clear(a->pool);
    else
        apr_pool_create(&a->pool, s->base.ctx.pool);
    hrefs = apr_array_make(a->pool, n, sizeof(const char *));
    for (i = 0; i < n; i++)
        APR_ARRAY_PUSH(hrefs, const char *) =
            APR_ARRAY_IDX(a->order, from + i, const char *);
    a->items = NULL;
    a->from = from;
    a->n = n;
    if (dav_multiget(s->client, f->href, f->kind, hrefs, &items, a->pool)
        != APR_SUCCESS) {
        a->off = 1;
        return 0;
    }
    a->items = apr_hash_make(a->pool);
    for (i = 0; i < items->nelts; i++) {
        dav_item_t *it = &APR_ARRAY_IDX(items, i, dav_item_t);
        if (it->data)
            apr_hash_set(a->items, it->href, APR_HASH_KEY_STRING, it);
    }
    return 1;
}

/* The item from the read-ahead (its batch read now if the hint named it),
   copied into p; 0 when it is not there. */
static int ahead_fetch(dv_store_t *s, const dv_folder_t *f, const char *href,
                       eas_blob_t *out, apr_pool_t *p)
{
    dv_ahead_t *a = &s->ahead;
    const dav_item_t *it = NULL;
    int i;

    if (!a->folder || strcmp(a->folder, f->f.id) != 0)
        return 0;
    i = (int)(apr_uintptr_t)apr_hash_get(a->pos, href, APR_HASH_KEY_STRING)
        - 1;
    if (i < 0)
        return 0;
    if (a->items)
        it = apr_hash_get(a->items, href, APR_HASH_KEY_STRING);
    /* Not in the batch that should hold it: the server had no data. */
    if (!it && a->items && i >= a->from && i < a->from + a->n)
        return 0;
    if (!it && ahead_read(s, f, i))
        it = apr_hash_get(a->items, href, APR_HASH_KEY_STRING);
    if (!it)
        return 0;
    out->data = apr_pstrmemdup(p, it->data, it->len);
    out->len = it->len;
    return 1;
}

void dv_prefetch(eas_store_t *st, const char *folder_id,
                 const apr_array_header_t *item_ids, apr_pool_t *p)
{
    dv_store_t *s = (dv_store_t *)st;
    apr_array_header_t *hrefs;
    const dv_folder_t *f;
    const char *href;
    int i;

    if (folder_of(st, folder_id, &f) != APR_SUCCESS)
        return;
    hrefs = apr_array_make(p, item_ids->nelts, sizeof(const char *));
    for (i = 0; i < item_ids->nelts; i++)
        if (href_of(s, f, APR_ARRAY_IDX(item_ids, i, const char *), &href, p)
            == APR_SUCCESS)
            APR_ARRAY_PUSH(hrefs, const char *) = href;
    ahead_order(s, f, hrefs);
}

/* A write: what was read ahead may be stale. */
static void ahead_drop(dv_store_t *s)
{
    s->ahead.items = NULL;
}

apr_status_t dv_fetch(eas_store_t *st, const char *folder_id,
                      const char *item_id, eas_blob_t *out, apr_pool_t *p)
{
    const dv_folder_t *f;
    const char *href;
    dav_item_t it;
    apr_status_t rv = item_of(st, folder_id, item_id, &f, &href, p);

    if (rv != APR_SUCCESS)
        return rv;
    if (ahead_fetch((dv_store_t *)st, f, href, out, p))
        return APR_SUCCESS;
    if ((rv = dav_get(((dv_store_t *)st)->client, href, &it, p)))
        return dv_status(rv);
    out->data = it.data;
    out->len = it.len;
    return APR_SUCCESS;
}

/* An ETag for a write the server answered without one. */
static const char *etag_after(dv_store_t *s, const char *href,
                              const char *etag, apr_pool_t *p)
{
    if (!etag && dav_fetch_etag(s->client, href, &etag, p) != APR_SUCCESS)
        etag = NULL;
    return etag ? etag : "";
}

apr_status_t dv_add(eas_store_t *st, const char *folder_id,
                    const eas_blob_t *data, unsigned flags,
                    const char **new_id, const char **token, apr_pool_t *p)
{
    dv_store_t *s = (dv_store_t *)st;
    const eas_idmap_t *m = st->ctx.idmap;
    const dv_folder_t *f;
    const char *href, *etag = NULL;
    apr_status_t rv = folder_of(st, folder_id, &f);

    if (rv != APR_SUCCESS)
        return rv;
    ahead_drop(s);
    rv = dav_put_new(s->client, f->href, f->kind, data->data, data->len,
                     &href, &etag, p);
    if (rv != APR_SUCCESS)
        return dv_status(rv);
    if ((rv = m->to_id(m, item_ns(f, p), href, 1, new_id, p)) != APR_SUCCESS)
        return rv;
    if (token)
        *token = etag_after(s, href, etag, p);
    return APR_SUCCESS;
}

apr_status_t dv_replace(eas_store_t *st, const char *folder_id,
                        const char *item_id, const eas_blob_t *data,
                        const char *if_token, const char **token,
                        apr_pool_t *p)
{
    dv_store_t *s = (dv_store_t *)st;
    const dv_folder_t *f;
    const char *href, *etag = NULL;
    apr_status_t rv = item_of(st, folder_id, item_id, &f, &href, p);

    if (rv != APR_SUCCESS)
        return rv;
    ahead_drop(s);
    rv = dav_put(s->client, href, f->kind, if_token && *if_token ? if_token
                 : NULL, data->data, data->len, &etag, p);
    if (rv != APR_SUCCESS)
        return dv_status(rv);
    if (token)
        *token = etag_after(s, href, etag, p);
    return APR_SUCCESS;
}

/* A deleted item's id is not kept (ids are never given again). */
static void m_forget(eas_store_t *st, const dv_folder_t *f, const char *href,
                     apr_pool_t *p)
{
    const eas_idmap_t *m = st->ctx.idmap;

    m->forget(m, item_ns(f, p), href);
}

apr_status_t dv_remove(eas_store_t *st, const char *folder_id,
                       const char *item_id, const char *if_token,
                       apr_pool_t *p)
{
    dv_store_t *s = (dv_store_t *)st;
    const dv_folder_t *f;
    const char *href;
    apr_status_t rv = item_of(st, folder_id, item_id, &f, &href, p);

    if (rv != APR_SUCCESS)
        return rv;
    ahead_drop(s);
    rv = dav_delete(s->client, href, if_token && *if_token ? if_token : NULL,
                    p);
    if (rv == APR_SUCCESS || rv == APR_ENOENT)
        m_forget(st, f, href, p);
    return dv_status(rv);
}

/*
 * A move by copy for a server without MOVE: the item is stored in the
 * other collection, then deleted where it was unless it changed
 * meanwhile (then the copy goes again and the item stays).
 */
static apr_status_t copy_move(dv_store_t *s, const dv_folder_t *t,
                              const char *href, const char **to,
                              apr_pool_t *p)
{
    const char *etag = NULL;
    dav_item_t it;
    apr_status_t rv = dav_get(s->client, href, &it, p);

    if (rv == APR_SUCCESS)
        rv = dav_put_new(s->client, t->href, t->kind, it.data, it.len, to,
                         &etag, p);
    if (rv != APR_SUCCESS)
        return rv;
    rv = dav_delete(s->client, href, it.etag, p);
    if (rv == APR_SUCCESS || rv == APR_ENOENT)
        return APR_SUCCESS;
    dav_delete(s->client, *to, etag, p);
    return rv;
}

static int same_kind(const dv_folder_t *a, const dv_folder_t *b)
{
    return a->kind == b->kind && (a->comp == b->comp
                                  || (a->comp && b->comp
                                      && strcmp(a->comp, b->comp) == 0));
}

/*
 * MOVE on the server where it can (one request, the item's data and
 * name kept, never two copies or none), else a copy then a delete.
 * Items keep their kind: an event moves only to another calendar.
 */
apr_status_t dv_move(eas_store_t *st, const char *folder_id,
                     const char *item_id, const char *to_folder_id,
                     const char **new_id, apr_pool_t *p)
{
    dv_store_t *s = (dv_store_t *)st;
    const eas_idmap_t *m = st->ctx.idmap;
    const dv_folder_t *f, *t;
    const char *href, *to = NULL;
    apr_status_t rv = item_of(st, folder_id, item_id, &f, &href, p);

    if (rv == APR_SUCCESS)
        rv = folder_of(st, to_folder_id, &t);
    if (rv != APR_SUCCESS)
        return rv;
    if (!same_kind(f, t) || strcmp(f->href, t->href) == 0)
        return APR_ENOTIMPL;
    rv = dav_move(s->client, href, t->href, t->kind, &to, p);
    if (rv == APR_ENOTIMPL)
        rv = copy_move(s, t, href, &to, p);
    if (rv != APR_SUCCESS)
        return dv_status(rv);
    m_forget(st, f, href, p);
    return m->to_id(m, item_ns(t, p), to, 1, new_id, p);
}

apr_status_t dv_find_uid(eas_store_t *st, const char *folder_id,
                         const char *uid, apr_array_header_t **items,
                         apr_pool_t *p)
{
    dv_store_t *s = (dv_store_t *)st;
    apr_array_header_t *refs;
    const dv_folder_t *f;
    const char *id;
    apr_status_t rv;
    int i;

    *items = apr_array_make(p, 1, sizeof(const char *));
    if ((rv = folder_of(st, folder_id, &f)) != APR_SUCCESS)
        return rv;
    if (f->kind != DAV_KIND_CALENDAR || !f->comp)
        return APR_ENOTIMPL;
    rv = dav_query_uid(s->client, f->href, f->comp, uid, &refs, p);
    for (i = 0; rv == APR_SUCCESS && i < refs->nelts; i++)
        if ((id = id_of(s, f, apr_hash_make(p),
                        APR_ARRAY_IDX(refs, i, dav_ref_t).href, p)))
            APR_ARRAY_PUSH(*items, const char *) = id;
    return dv_status(rv);
}
