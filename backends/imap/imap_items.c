/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Messages of an IMAP mailbox (RFC 3501 6.4, RFC 4315 UIDPLUS, RFC 6851
 * MOVE): listing, reading (one by one, or a Sync page in one UID FETCH),
 * flags, APPEND, delete, move and empty.  Every id a phone sent is a
 * UID here, checked as a number before it reaches the server; new ids
 * come only from the server's APPENDUID and COPYUID, never guessed.
 */
#include "imap_backend.h"

#include <apr_strings.h>

#include <stdlib.h>
#include <string.h>

/* The most a Sync page reads ahead in one UID FETCH (bytes). */
#define IM_AHEAD_MAX (8 * 1024 * 1024)

static const struct {
    unsigned bit;
    const char *name;
} flag_names[] = {
    { EAS_ITEM_READ, "\\Seen" },
    { EAS_ITEM_FLAGGED, "\\Flagged" },
    { EAS_ITEM_ANSWERED, "\\Answered" },
    { EAS_ITEM_FORWARDED, "$Forwarded" },
    { EAS_ITEM_DRAFT, "\\Draft" },
};
#define N_FLAGS (int)(sizeof(flag_names) / sizeof(flag_names[0]))

const char *im_flags_token(unsigned flags, apr_pool_t *p)
{
    return apr_psprintf(p, "f%x", flags);
}

unsigned im_flags_of(const im_val_t *list)
{
    const im_val_t *v;
    unsigned bits = 0;
    int k;

    for (v = list && list->kind == IM_LIST ? list->child : NULL; v;
         v = v->next)
        for (k = 0; k < N_FLAGS; k++)
            if (im_is(v, flag_names[k].name))
                bits |= flag_names[k].bit;
    return bits;
}

/* "\Seen \Flagged" for the bits set. */
static const char *flag_text(unsigned bits, apr_pool_t *p)
{
    const char *t = "";
    int k;

    for (k = 0; k < N_FLAGS; k++)
        if (bits & flag_names[k].bit)
            t = apr_pstrcat(p, t, *t ? " " : "", flag_names[k].name, NULL);
    return t;
}

apr_uint32_t im_uid_of(const char *id)
{
    apr_uint64_t v = 0;
    const char *c;

    if (!id || !*id || *id == '0' || strlen(id) > 10)
        return 0;
    for (c = id; *c; c++) {
        if (*c < '0' || *c > '9')
            return 0;
        v = v * 10 + (apr_uint64_t)(*c - '0');
    }
    return v <= 0xFFFFFFFFu ? (apr_uint32_t)v : 0;
}

/* The folder of id; EAS_EUNAVAIL when the list could not be read. */
static apr_status_t folder_of(im_store_t *s, const char *id,
                              const im_folder_t **f)
{
    if (!(*f = im_folder(s, id)))
        return s->folders ? APR_ENOENT : EAS_EUNAVAIL;
    return APR_SUCCESS;
}

/* The connection with f selected as it is now (selected again only when
   another mailbox is or its UIDVALIDITY differs). */
static apr_status_t selected(im_store_t *s, const im_folder_t *f,
                             im_conn_t **cn)
{
    apr_status_t rv;

    if (f->noselect)
        return APR_ENOENT;
    if ((rv = im_select_fresh(s, f->mailbox, cn)) != APR_SUCCESS)
        return rv;
    if ((*cn)->uidvalidity == f->uidvalidity)
        return APR_SUCCESS;
    if ((rv = im_select(s, f->mailbox, cn)) != APR_SUCCESS)
        return rv;
    return (*cn)->uidvalidity == f->uidvalidity ? APR_SUCCESS : APR_ENOENT;
}

/*
 * A command with a UID set or flag names written into it: texts of our
 * own making (digits, ',', ':', '*'; flag names from flag_names), which
 * im_command's %a would refuse as atoms ('*', '\\').
 */
static const char *raw(apr_pool_t *p, const char *fmt, const char *text)
{
    return apr_psprintf(p, fmt, text);
}

/* ---- listing ---- */

static apr_status_t listed(im_store_t *s, const char *folder_id,
                           const im_folder_t **f, im_listing_t **l,
                           apr_pool_t *p)
{
    apr_status_t rv;

    if ((rv = folder_of(s, folder_id, f)) != APR_SUCCESS)
        return rv;
    if ((rv = im_listing(s, *f, l, p)) != APR_SUCCESS)
        return rv;
    s->listed = *l;
    s->listed_folder = (*f)->id;
    return APR_SUCCESS;
}

apr_status_t im_list(eas_store_t *st, const char *folder_id,
                     const eas_filter_t *flt, apr_array_header_t **out,
                     apr_pool_t *p)
{
    im_store_t *s = (im_store_t *)st;
    const im_folder_t *f;
    im_listing_t *l;
    const im_msg_t *const *newest;
    apr_size_t n, i;
    apr_status_t rv;

    if ((rv = listed(s, folder_id, &f, &l, s->pool)) != APR_SUCCESS)
        return rv;
    newest = im_listing_newest(l, &n);
    *out = apr_array_make(p, (int)n + 1, sizeof(eas_item_ref_t));
    for (i = 0; i < n; i++) {
        const im_msg_t *m = newest[i];
        eas_item_ref_t *r = apr_array_push(*out);
        r->id = apr_psprintf(p, "%u", m->uid);
        r->token = im_flags_token(m->flags, p);
        r->time = m->time;
        r->size = m->size;
        r->flags = m->flags;
        r->outside = flt && flt->since && m->time < flt->since;
    }
    return APR_SUCCESS;
}

/* ---- one message's flags ---- */

typedef struct {
    apr_uint32_t uid;
    int seen;
    unsigned flags;
    apr_time_t time;
    apr_uint64_t size;
} one_t;

static apr_status_t on_one(void *baton, const im_resp_t *r)
{
    one_t *o = baton;
    const im_val_t *v;
    apr_uint64_t uid;

    if (!r->name || strcmp(r->name, "FETCH") != 0
        || !im_number(im_fetch_item(r, "UID"), &uid) || uid != o->uid)
        return APR_SUCCESS;
    o->seen = 1;
    if ((v = im_fetch_item(r, "FLAGS")))
        o->flags = im_flags_of(v);
    if ((v = im_fetch_item(r, "INTERNALDATE")) && v->kind == IM_STRING)
        im_date_time(v->s, &o->time);
    im_number(im_fetch_item(r, "RFC822.SIZE"), &o->size);
    return APR_SUCCESS;
}

apr_status_t im_stat(eas_store_t *st, const char *folder_id,
                     const char *item_id, eas_item_ref_t *out, apr_pool_t *p)
{
    im_store_t *s = (im_store_t *)st;
    one_t o = { im_uid_of(item_id), 0, 0, 0, 0 };
    const im_folder_t *f;
    im_conn_t *cn;
    apr_status_t rv;

    if (!o.uid)
        return APR_ENOENT;
    if ((rv = folder_of(s, folder_id, &f)) != APR_SUCCESS
        || (rv = selected(s, f, &cn)) != APR_SUCCESS)
        return rv;
    rv = im_command(cn->c, on_one, &o, NULL, p, "UID FETCH %u (UID FLAGS "
                    "INTERNALDATE RFC822.SIZE)", o.uid);
    if (rv != APR_SUCCESS)
        return im_fail(s, rv, "UID FETCH", f->mailbox);
    if (!o.seen)
        return APR_ENOENT;
    out->id = apr_pstrdup(p, item_id);
    out->token = im_flags_token(o.flags, p);
    out->time = o.time;
    out->size = (apr_off_t)o.size;
    out->flags = o.flags;
    out->outside = 0;
    return APR_SUCCESS;
}

/* ---- reading ---- */

typedef struct {
    im_store_t *s;
    apr_hash_t *got;            /* uid string -> eas_blob_t * */
    apr_pool_t *p;
} bodies_t;

static apr_status_t on_body(void *baton, const im_resp_t *r)
{
    bodies_t *b = baton;
    const im_val_t *v;
    apr_uint64_t uid;
    eas_blob_t *blob;

    if (!r->name || strcmp(r->name, "FETCH") != 0
        || !im_number(im_fetch_item(r, "UID"), &uid)
        || !(v = im_fetch_item(r, "BODY[]")) || v->kind != IM_STRING)
        return APR_SUCCESS;
    blob = apr_palloc(b->p, sizeof(*blob));
    blob->data = v->s;          /* parsed into b->p (im_command_into) */
    blob->len = v->len;
    apr_hash_set(b->got, apr_psprintf(b->p, "%u", (apr_uint32_t)uid),
                 APR_HASH_KEY_STRING, blob);
    return APR_SUCCESS;
}

static apr_status_t read_bodies(im_store_t *s, const im_folder_t *f,
                                const char *set, apr_hash_t *got,
                                apr_pool_t *p)
{
    bodies_t b = { s, got, p };
    im_conn_t *cn;
    apr_status_t rv;

    if ((rv = selected(s, f, &cn)) != APR_SUCCESS)
        return rv;
    rv = im_command_into(cn->c, on_body, &b, NULL, p, raw(p, "UID FETCH %s "
                         "(UID BODY.PEEK[])", set));
    return rv == APR_SUCCESS ? rv : im_fail(s, rv, "UID FETCH", f->mailbox);
}

static void read_batch(im_store_t *s, const im_folder_t *f, apr_pool_t *p);
static int ahead_later(const im_store_t *s, const char *id);

/* Whether the item was read ahead (into *out). */
static int from_ahead(const im_store_t *s, const char *folder_id,
                      const char *item_id, eas_blob_t *out)
{
    const eas_blob_t *b;

    if (!s->ahead || !s->ahead_folder || strcmp(s->ahead_folder, folder_id)
        || !(b = apr_hash_get(s->ahead, item_id, APR_HASH_KEY_STRING)))
        return 0;
    *out = *b;
    return 1;
}

apr_status_t im_fetch(eas_store_t *st, const char *folder_id,
                      const char *item_id, eas_blob_t *out, apr_pool_t *p)
{
    im_store_t *s = (im_store_t *)st;
    apr_uint32_t uid = im_uid_of(item_id);
    const im_folder_t *f;
    const eas_blob_t *b = NULL;
    apr_hash_t *got;
    apr_status_t rv;

    if (!uid)
        return APR_ENOENT;
    if (from_ahead(s, folder_id, item_id, out))
        return APR_SUCCESS;
    if ((rv = folder_of(s, folder_id, &f)) != APR_SUCCESS)
        return rv;
    /* a later item of the page: the next batch, the last one going */
    if (s->ahead_folder && !strcmp(s->ahead_folder, folder_id)
        && ahead_later(s, item_id)) {
        read_batch(s, f, p);
        if (from_ahead(s, folder_id, item_id, out))
            return APR_SUCCESS;
    }
    got = apr_hash_make(p);
    if ((rv = read_bodies(s, f, apr_psprintf(p, "%u", uid), got, p))
        != APR_SUCCESS)
        return rv;
    if (!(b = apr_hash_get(got, apr_psprintf(p, "%u", uid),
                           APR_HASH_KEY_STRING)))
        return APR_ENOENT;
    *out = *b;
    return APR_SUCCESS;
}

/* The size the last listing gives uid (0: unknown). */
static apr_off_t listed_size(im_store_t *s, const char *folder_id,
                             apr_uint32_t uid)
{
    const im_msg_t *m;

    if (!s->listed || !s->listed_folder
        || strcmp(s->listed_folder, folder_id) != 0
        || !(m = im_listing_find(s->listed, uid)))
        return 0;
    return m->size;
}

/* Reads the next batch of the page's items (at most IM_AHEAD_MAX bytes,
   at least one item of known size) into a new ahead_pool, the previous
   batch's memory going; items of unknown size are left to be read one
   by one. */
static void read_batch(im_store_t *s, const im_folder_t *f, apr_pool_t *p)
{
    const apr_array_header_t *ids = s->ahead_ids;
    const char *set = NULL;
    apr_off_t total = 0;

    if (s->ahead_pool)
        apr_pool_destroy(s->ahead_pool);
    apr_pool_create(&s->ahead_pool, s->pool);
    s->ahead = apr_hash_make(s->ahead_pool);
    for (; s->ahead_next < ids->nelts; s->ahead_next++) {
        const char *id = APR_ARRAY_IDX(ids, s->ahead_next, const char *);
        apr_uint32_t uid = im_uid_of(id);
        apr_off_t size = uid ? listed_size(s, s->ahead_folder, uid) : 0;

        if (!size)
            continue;
        if (set && total + size > IM_AHEAD_MAX)
            break;
        total += size;
        set = set ? apr_psprintf(p, "%s,%u", set, uid)
                  : apr_psprintf(p, "%u", uid);
    }
    if (set)
        read_bodies(s, f, set, s->ahead, s->ahead_pool);
}

/* Whether id is among the page's items not read ahead yet. */
static int ahead_later(const im_store_t *s, const char *id)
{
    int i;

    for (i = s->ahead_next; s->ahead_ids && i < s->ahead_ids->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(s->ahead_ids, i, const char *), id))
            return 1;
    return 0;
}

void im_prefetch(eas_store_t *st, const char *folder_id,
                 const apr_array_header_t *ids, apr_pool_t *p)
{
    im_store_t *s = (im_store_t *)st;
    const im_folder_t *f;
    int i;

    if (folder_of(s, folder_id, &f) != APR_SUCCESS)
        return;
    s->ahead_folder = apr_pstrdup(s->pool, folder_id);
    s->ahead_ids = apr_array_make(s->pool, ids->nelts, sizeof(char *));
    for (i = 0; i < ids->nelts; i++)
        APR_ARRAY_PUSH(s->ahead_ids, const char *) = apr_pstrdup(
            s->pool, APR_ARRAY_IDX(ids, i, const char *));
    s->ahead_next = 0;
    read_batch(s, f, p);
}

/* ---- changes ---- */

apr_status_t im_set_flags(eas_store_t *st, const char *folder_id,
                          const char *item_id, unsigned set, unsigned clear,
                          const char **token, apr_pool_t *p)
{
    im_store_t *s = (im_store_t *)st;
    one_t o = { im_uid_of(item_id), 0, 0, 0, 0 };
    const im_folder_t *f;
    im_conn_t *cn;
    apr_status_t rv = APR_SUCCESS;

    if (!o.uid)
        return APR_ENOENT;
    if ((rv = folder_of(s, folder_id, &f)) != APR_SUCCESS
        || (rv = selected(s, f, &cn)) != APR_SUCCESS)
        return rv;
    if (set)
        rv = im_command(cn->c, on_one, &o, NULL, p, apr_psprintf(
                            p, "UID STORE %%u +FLAGS (%s)",
                            flag_text(set, p)), o.uid);
    if (rv == APR_SUCCESS && clear)
        rv = im_command(cn->c, on_one, &o, NULL, p, apr_psprintf(
                            p, "UID STORE %%u -FLAGS (%s)",
                            flag_text(clear, p)), o.uid);
    if (rv == APR_SUCCESS && !set && !clear)
        rv = im_command(cn->c, on_one, &o, NULL, p, "UID FETCH %u (UID "
                        "FLAGS)", o.uid);
    if (rv != APR_SUCCESS)
        return im_fail(s, rv, "UID STORE", f->mailbox);
    if (!o.seen)
        return APR_ENOENT;
    *token = im_flags_token(o.flags, p);
    return APR_SUCCESS;
}

/* The number after name in a response code ("APPENDUID v uid"), from the
   tagged answer or one seen before it. */
static apr_uint32_t code_uid(const im_val_t *code, const char *name,
                             int nth)
{
    apr_uint64_t v;

    if (!code || !im_is(code->child, name)
        || !im_number(im_nth(code, nth), &v) || v > 0xFFFFFFFFu)
        return 0;
    return (apr_uint32_t)v;
}

apr_status_t im_add(eas_store_t *st, const char *folder_id,
                    const eas_blob_t *data, unsigned flags,
                    const char **new_id, const char **token, apr_pool_t *p)
{
    im_store_t *s = (im_store_t *)st;
    const im_resp_t *done = NULL;
    const im_folder_t *f;
    apr_uint32_t uid;
    im_conn_t *cn;
    apr_status_t rv;

    if ((rv = folder_of(s, folder_id, &f)) != APR_SUCCESS
        || (rv = im_conn(s, &cn)) != APR_SUCCESS)
        return rv;
    rv = im_command(cn->c, NULL, NULL, &done, p, apr_psprintf(
                        p, "APPEND %%s (%s) %%S", flag_text(flags, p)),
                    f->mailbox, data->data, data->len);
    if (rv == IM_ENO)
        return APR_ENOENT;
    if (rv != APR_SUCCESS)
        return im_fail(s, rv, "APPEND", f->mailbox);
    if (!(uid = code_uid(done->code, "APPENDUID", 2))) {
        eas_store_log(st, IM_LOG_ERR, APR_ENOTIMPL, "imap: %s gives no "
                      "APPENDUID (UIDPLUS, RFC 4315): the new message's id "
                      "is unknown", s->srv.url);
        return EAS_EUNAVAIL;
    }
    *new_id = apr_psprintf(p, "%u", uid);
    if (token)
        *token = im_flags_token(flags, p);
    return APR_SUCCESS;
}

apr_status_t im_replace(eas_store_t *st, const char *folder_id,
                        const char *item_id, const eas_blob_t *data,
                        const char *if_token, const char **token,
                        apr_pool_t *p)
{
    return APR_ENOTIMPL;
}

/* Mark uid_set \Deleted and expunge exactly those (UID EXPUNGE); how
   many existed in *found (may be NULL). */
static apr_status_t expunge(im_store_t *s, im_conn_t *cn, const char *set,
                            int *found, apr_pool_t *p)
{
    one_t o = { 0, 0, 0, 0, 0 };
    apr_status_t rv;

    o.uid = im_uid_of(set);
    rv = im_command(cn->c, found ? on_one : NULL, &o, NULL, p,
                    raw(p, found ? "UID STORE %s +FLAGS (\\Deleted)"
                                 : "UID STORE %s +FLAGS.SILENT (\\Deleted)",
                        set));
    if (found)
        *found = o.seen;
    if (rv != APR_SUCCESS || (found && !o.seen))
        return rv;
    if (im_has_cap(cn->c, "UIDPLUS"))
        return im_command(cn->c, NULL, NULL, NULL, p,
                          raw(p, "UID EXPUNGE %s", set));
    return im_command(cn->c, NULL, NULL, NULL, p, "EXPUNGE");
}

apr_status_t im_remove(eas_store_t *st, const char *folder_id,
                       const char *item_id, const char *if_token,
                       apr_pool_t *p)
{
    im_store_t *s = (im_store_t *)st;
    const im_folder_t *f;
    im_conn_t *cn;
    apr_status_t rv;
    int found = 0;

    if (!im_uid_of(item_id))
        return APR_ENOENT;
    if ((rv = folder_of(s, folder_id, &f)) != APR_SUCCESS
        || (rv = selected(s, f, &cn)) != APR_SUCCESS)
        return rv;
    rv = expunge(s, cn, apr_psprintf(p, "%u", im_uid_of(item_id)), &found,
                 p);
    if (rv != APR_SUCCESS)
        return im_fail(s, rv, "UID EXPUNGE", f->mailbox);
    return found ? APR_SUCCESS : APR_ENOENT;
}

/* COPYUID's destination UID, from an untagged OK or the tagged one. */
static apr_status_t on_copyuid(void *baton, const im_resp_t *r)
{
    apr_uint32_t *uid = baton;
    apr_uint64_t v;
    const im_val_t *dst;

    if (r->status && r->code && im_is(r->code->child, "COPYUID")
        && (dst = im_nth(r->code, 3)) && im_number(dst, &v)
        && v <= 0xFFFFFFFFu)
        *uid = (apr_uint32_t)v;
    return APR_SUCCESS;
}

static apr_status_t move_one(im_store_t *s, im_conn_t *cn, apr_uint32_t uid,
                             const char *to, apr_uint32_t *new_uid,
                             apr_pool_t *p)
{
    const im_resp_t *done = NULL;
    apr_status_t rv;
    const char *set = apr_psprintf(p, "%u", uid);

    if (im_has_cap(cn->c, "MOVE")) {
        rv = im_command(cn->c, on_copyuid, new_uid, &done, p,
                        raw(p, "UID MOVE %s %%s", set), to);
        if (rv == APR_SUCCESS && done)
            on_copyuid(new_uid, done);
        return rv;
    }
    rv = im_command(cn->c, on_copyuid, new_uid, &done, p,
                    raw(p, "UID COPY %s %%s", set), to);
    if (rv == APR_SUCCESS && done)
        on_copyuid(new_uid, done);
    if (rv == APR_SUCCESS && *new_uid)
        rv = expunge(s, cn, set, NULL, p);
    return rv;
}

apr_status_t im_move(eas_store_t *st, const char *folder_id,
                     const char *item_id, const char *to_folder_id,
                     const char **new_id, apr_pool_t *p)
{
    im_store_t *s = (im_store_t *)st;
    apr_uint32_t uid = im_uid_of(item_id), nuid = 0;
    const im_folder_t *f, *to;
    im_conn_t *cn;
    apr_status_t rv;

    if (!uid)
        return APR_ENOENT;
    if ((rv = folder_of(s, folder_id, &f)) != APR_SUCCESS
        || (rv = folder_of(s, to_folder_id, &to)) != APR_SUCCESS
        || (rv = selected(s, f, &cn)) != APR_SUCCESS)
        return rv;
    if (to->noselect)
        return APR_EINVAL;
    rv = move_one(s, cn, uid, to->mailbox, &nuid, p);
    if (rv == IM_ENO)
        return APR_ENOENT;      /* the destination went away */
    if (rv != APR_SUCCESS)
        return im_fail(s, rv, "UID MOVE", f->mailbox);
    if (!nuid)
        return APR_ENOENT;      /* nothing was moved: no such message */
    *new_id = apr_psprintf(p, "%u", nuid);
    return APR_SUCCESS;
}

static apr_status_t delete_children(im_store_t *s, const im_folder_t *f,
                                    apr_pool_t *p)
{
    apr_array_header_t *kids = apr_array_make(p, 4, sizeof(char *));
    apr_status_t rv = APR_SUCCESS;
    int i;

    for (i = 0; i < s->folders->nelts; i++) {
        const im_folder_t *c = &APR_ARRAY_IDX(s->folders, i, im_folder_t);
        if (!strcmp(c->parent_id, f->id))
            APR_ARRAY_PUSH(kids, const char *) = c->id;
    }
    for (i = 0; i < kids->nelts && rv == APR_SUCCESS; i++) {
        rv = im_folder_delete(&s->base, APR_ARRAY_IDX(kids, i, const char *),
                              p);
        if (rv == APR_ENOENT || rv == APR_EACCES)
            rv = APR_SUCCESS;   /* gone already; a special one stays */
    }
    return rv;
}

apr_status_t im_empty(eas_store_t *st, const char *folder_id, int subfolders,
                      apr_pool_t *p)
{
    im_store_t *s = (im_store_t *)st;
    const im_folder_t *f;
    im_conn_t *cn;
    apr_status_t rv;
    const char *mailbox;

    if ((rv = folder_of(s, folder_id, &f)) != APR_SUCCESS)
        return rv;
    mailbox = f->mailbox;
    if (subfolders && (rv = delete_children(s, f, p)) != APR_SUCCESS)
        return rv;
    if (subfolders && (rv = folder_of(s, folder_id, &f)) != APR_SUCCESS)
        return rv;
    if (f->noselect)
        return APR_SUCCESS;
    if ((rv = im_select(s, f->mailbox, &cn)) != APR_SUCCESS)
        return rv;
    if (cn->exists)
        rv = expunge(s, cn, "1:*", NULL, p);
    return rv == APR_SUCCESS ? rv : im_fail(s, rv, "EXPUNGE", mailbox);
}
