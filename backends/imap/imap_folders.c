/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Folders of an IMAP account: the mailbox list with special uses and
 * stable ids, create, rename/move and delete (RFC 3501 6.3, RFC 5819
 * LIST-STATUS, RFC 6154 SPECIAL-USE, Dovecot's STATUS X-GUID).
 *
 * NAMESPACE (RFC 2342) says where the user's own mailboxes are: the
 * personal namespace's prefix ("INBOX." on some servers) is not shown,
 * and other users' and shared mailboxes are left out.
 *
 * One LIST ... RETURN (SPECIAL-USE STATUS (UIDVALIDITY X-GUID)) gives the
 * whole hierarchy with what the ids are made of; a server without
 * LIST-STATUS is asked STATUS per mailbox.  Special folders come from the
 * special-use attributes, else (a server without SPECIAL-USE) from the
 * usual names at the top level, as the Maildir backend knows them; the
 * special folders a phone needs (Drafts, Sent, Trash, Junk) are created
 * when missing.
 */
#include "imap_backend.h"
#include "mutf7.h"

#include <apr_strings.h>

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *attr;           /* RFC 6154 */
    const char *create;         /* made when missing */
    eas_folder_type_t type;
    const char *const *names;   /* recognised without SPECIAL-USE */
} special_t;

static const special_t specials[] = {
    { "\\Drafts", "Drafts", EAS_FOLDER_DRAFTS, eas_drafts_names },
    { "\\Sent", "Sent", EAS_FOLDER_SENT, eas_sent_names },
    { "\\Trash", "Trash", EAS_FOLDER_DELETED, eas_trash_names },
    /* EAS has no junk type: a user mail folder the phone shows as such. */
    { "\\Junk", "Junk", EAS_FOLDER_USER_MAIL, eas_junk_names },
};
#define N_SPECIALS (int)(sizeof(specials) / sizeof(specials[0]))

/* One mailbox as LIST and STATUS told it. */
typedef struct {
    const char *mailbox;
    unsigned attrs;             /* bit k: specials[k]; IM_NOSELECT */
    apr_uint32_t uidvalidity;
    const char *guid;
} box_t;

#define IM_NOSELECT 0x100u

typedef struct {
    im_store_t *s;
    apr_array_header_t *boxes;  /* box_t */
    apr_hash_t *by_name;        /* mailbox -> box_t * */
    apr_pool_t *p;
} listing_t;

static unsigned attrs_of(const im_val_t *list)
{
    const im_val_t *a;
    unsigned bits = 0;
    int k;

    for (a = list ? list->child : NULL; a; a = a->next) {
        if (im_is(a, "\\Noselect") || im_is(a, "\\NonExistent"))
            bits |= IM_NOSELECT;
        for (k = 0; k < N_SPECIALS; k++)
            if (im_is(a, specials[k].attr))
                bits |= 1u << k;
    }
    return bits;
}

static box_t *box_named(listing_t *l, const char *mailbox)
{
    box_t *b = apr_hash_get(l->by_name, mailbox, APR_HASH_KEY_STRING);

    if (!b) {
        b = apr_array_push(l->boxes);
        memset(b, 0, sizeof(*b));
        b->mailbox = apr_pstrdup(l->p, mailbox);
        apr_hash_set(l->by_name, b->mailbox, APR_HASH_KEY_STRING, b);
    }
    return b;
}

/* Whether mailbox is in another namespace than the personal one. */
static int foreign(const im_store_t *s, const char *mailbox)
{
    int i;

    if (!strcasecmp(mailbox, "INBOX"))
        return 0;
    if (*s->prefix && strncmp(mailbox, s->prefix, strlen(s->prefix)) != 0)
        return 1;
    for (i = 0; s->others && i < s->others->nelts; i++) {
        const char *o = APR_ARRAY_IDX(s->others, i, const char *);
        size_t n = strlen(o);
        if (!n || n <= strlen(s->prefix))
            continue;
        /* "Public/x", and "Public", the namespace's own root */
        if (!strncmp(mailbox, o, n)
            || (strlen(mailbox) == n - 1 && !strncmp(mailbox, o, n - 1)))
            return 1;
    }
    return 0;
}

static void on_status(listing_t *l, const im_resp_t *r)
{
    const im_val_t *name = im_nth(r->args, 0), *v;
    apr_uint64_t n;
    box_t *b;

    if (!name || name->kind == IM_NIL || !(v = im_nth(r->args, 1))
        || v->kind != IM_LIST || foreign(l->s, name->s))
        return;
    b = box_named(l, im_is(name, "INBOX") ? "INBOX" : name->s);
    if (im_number(im_item(v, "UIDVALIDITY"), &n))
        b->uidvalidity = (apr_uint32_t)n;
    if ((v = im_item(v, "X-GUID")) && v->kind != IM_NIL)
        b->guid = apr_pstrdup(l->p, v->s);
}

static apr_status_t on_list(void *baton, const im_resp_t *r)
{
    listing_t *l = baton;
    const im_val_t *attrs, *delim, *name;
    box_t *b;

    if (r->name && !strcmp(r->name, "STATUS")) {
        on_status(l, r);
        return APR_SUCCESS;
    }
    if (!r->name || strcmp(r->name, "LIST") != 0
        || !(attrs = im_nth(r->args, 0)) || !(delim = im_nth(r->args, 1))
        || !(name = im_nth(r->args, 2)) || name->kind == IM_NIL)
        return APR_SUCCESS;
    if (delim->kind == IM_STRING && delim->len == 1 && !l->s->delim)
        l->s->delim = delim->s[0];
    if (foreign(l->s, name->s))
        return APR_SUCCESS;
    b = box_named(l, im_is(name, "INBOX") ? "INBOX" : name->s);
    b->attrs = attrs_of(attrs);
    return APR_SUCCESS;
}

static apr_status_t list_status(listing_t *l, im_conn_t *cn)
{
    apr_status_t rv = APR_EINVAL;

    if (cn->xguid >= 0) {
        rv = im_command(cn->c, on_list, l, NULL, l->p, "LIST %s %s RETURN "
                        "(SPECIAL-USE STATUS (UIDVALIDITY X-GUID))", "", "*");
        if (rv == IM_EBAD || rv == IM_ENO)
            cn->xguid = -1;
        else if (rv == APR_SUCCESS)
            cn->xguid = 1;
    }
    if (cn->xguid < 0)
        rv = im_command(cn->c, on_list, l, NULL, l->p, "LIST %s %s RETURN "
                        "(SPECIAL-USE STATUS (UIDVALIDITY))", "", "*");
    return rv;
}

/* A server without LIST-STATUS: LIST, then STATUS per mailbox. */
static apr_status_t list_then_status(listing_t *l, im_conn_t *cn)
{
    apr_status_t rv;
    int i;

    rv = im_command(cn->c, on_list, l, NULL, l->p, "LIST %s %s", "", "*");
    for (i = 0; rv == APR_SUCCESS && i < l->boxes->nelts; i++) {
        box_t *b = &APR_ARRAY_IDX(l->boxes, i, box_t);
        if (b->attrs & IM_NOSELECT)
            continue;
        rv = im_command(cn->c, on_list, l, NULL, l->p, "STATUS %s "
                        "(UIDVALIDITY)", b->mailbox);
        if (rv == IM_ENO)
            rv = APR_SUCCESS;   /* gone meanwhile */
    }
    return rv;
}

/* One namespace list of a NAMESPACE answer: its prefixes into out;
   the first one's prefix and separator, when personal is set. */
static void ns_list(im_store_t *s, const im_val_t *v, int personal,
                    apr_array_header_t *out)
{
    const im_val_t *ns;

    for (ns = v && v->kind == IM_LIST ? v->child : NULL; ns; ns = ns->next) {
        const im_val_t *pre = im_nth(ns, 0), *sep = im_nth(ns, 1);
        if (!pre || pre->kind != IM_STRING)
            continue;
        if (personal && ns == v->child) {
            s->prefix = apr_pstrdup(s->pool, pre->s);
            if (sep && sep->kind == IM_STRING && sep->len == 1)
                s->delim = sep->s[0];
        } else {
            APR_ARRAY_PUSH(out, const char *) = apr_pstrdup(s->pool, pre->s);
        }
    }
}

static apr_status_t on_namespace(void *baton, const im_resp_t *r)
{
    im_store_t *s = baton;

    if (r->name && !strcmp(r->name, "NAMESPACE")) {
        ns_list(s, im_nth(r->args, 0), 1, s->others);
        ns_list(s, im_nth(r->args, 1), 0, s->others);
        ns_list(s, im_nth(r->args, 2), 0, s->others);
    }
    return APR_SUCCESS;
}

/* The personal namespace, once per store ("" where the server has no
   NAMESPACE or will not say). */
static void namespaces(im_store_t *s, im_conn_t *cn)
{
    if (s->prefix)
        return;
    s->others = apr_array_make(s->pool, 2, sizeof(char *));
    if (im_has_cap(cn->c, "NAMESPACE"))
        im_command(cn->c, on_namespace, s, NULL, s->pool, "NAMESPACE");
    if (!s->prefix)
        s->prefix = "";
}

static apr_status_t list_boxes(im_store_t *s, listing_t *l)
{
    im_conn_t *cn;
    apr_status_t rv;

    l->s = s;
    l->p = s->pool;
    l->boxes = apr_array_make(s->pool, 16, sizeof(box_t));
    l->by_name = apr_hash_make(s->pool);
    if ((rv = im_conn(s, &cn)) != APR_SUCCESS)
        return rv;
    namespaces(s, cn);
    s->fresh = NULL;
    if ((rv = im_leave_selected(cn, s->pool)) != APR_SUCCESS)
        return im_fail(s, rv, "UNSELECT", cn->selected);
    if (im_has_cap(cn->c, "LIST-STATUS"))
        rv = list_status(l, cn);
    else
        rv = list_then_status(l, cn);
    return im_fail(s, rv, "LIST", NULL);
}

/* ---- the folders ---- */

static const char *native_of(const box_t *b, apr_pool_t *p)
{
    return b->guid ? apr_psprintf(p, "g:%s/%u", b->guid, b->uidvalidity)
                   : apr_psprintf(p, "n:%s/%u", b->mailbox, b->uidvalidity);
}

/* The name under the personal namespace's prefix. */
static const char *relative(im_store_t *s, const char *mailbox)
{
    size_t n = s->prefix ? strlen(s->prefix) : 0;

    return n && !strncmp(mailbox, s->prefix, n) && mailbox[n] ? mailbox + n
                                                               : mailbox;
}

static const char *last_part(im_store_t *s, const char *mailbox)
{
    const char *rel = relative(s, mailbox);
    const char *c = s->delim ? strrchr(rel, s->delim) : NULL;
    return c ? c + 1 : rel;
}

/* The parent mailbox, or NULL at the top (of the personal namespace). */
static const char *parent_box(im_store_t *s, const char *mailbox,
                              apr_pool_t *p)
{
    const char *rel = relative(s, mailbox);
    const char *c = s->delim ? strrchr(rel, s->delim) : NULL;
    return c ? apr_pstrndup(p, mailbox, c - mailbox) : NULL;
}

static int depth_of(im_store_t *s, const char *mailbox)
{
    int d = 0;

    for (mailbox = relative(s, mailbox); s->delim && *mailbox; mailbox++)
        d += *mailbox == s->delim;
    return d;
}

/* Special kind k of box b, by attribute, else by a top-level name. */
static int is_special(im_store_t *s, const box_t *b, int k, int by_attr)
{
    const char *const *n;

    if (by_attr)
        return (b->attrs >> k) & 1;
    if (depth_of(s, b->mailbox) != 0)
        return 0;
    for (n = specials[k].names; *n; n++)
        if (!strcasecmp(relative(s, b->mailbox), *n))
            return 1;
    return 0;
}

/* Whether any mailbox carries special-use attributes. */
static int any_attrs(const listing_t *l)
{
    int i;

    for (i = 0; i < l->boxes->nelts; i++)
        if (APR_ARRAY_IDX(l->boxes, i, box_t).attrs & ~IM_NOSELECT)
            return 1;
    return 0;
}

/* Each special kind: the box index that serves it, -1 none. */
static void find_specials(im_store_t *s, const listing_t *l, int *which)
{
    int k, i, by_attr = any_attrs(l);

    for (k = 0; k < N_SPECIALS; k++) {
        which[k] = -1;
        for (i = 0; i < l->boxes->nelts && which[k] < 0; i++)
            if (is_special(s, &APR_ARRAY_IDX(l->boxes, i, box_t), k,
                           by_attr))
                which[k] = i;
    }
}

/* Make the special folders that are missing; 1 when one was made. */
static int make_specials(im_store_t *s, const listing_t *l)
{
    int which[N_SPECIALS], k, made = 0;
    im_conn_t *cn;

    find_specials(s, l, which);
    if (im_conn(s, &cn) != APR_SUCCESS)
        return 0;
    for (k = 0; k < N_SPECIALS; k++) {
        apr_status_t rv;
        const char *box;
        if (which[k] >= 0)
            continue;
        box = apr_pstrcat(s->pool, s->prefix, specials[k].create, NULL);
        if (im_has_cap(cn->c, "CREATE-SPECIAL-USE"))
            rv = im_command(cn->c, NULL, NULL, NULL, s->pool,
                            apr_psprintf(s->pool, "CREATE %%s (USE (%s))",
                                         specials[k].attr), box);
        else
            rv = im_command(cn->c, NULL, NULL, NULL, s->pool, "CREATE %s",
                            box);
        made |= rv == APR_SUCCESS;
    }
    return made;
}

static int by_depth(const void *a, const void *b)
{
    const im_folder_t *x = a, *y = b;
    size_t dx = strlen(x->mailbox), dy = strlen(y->mailbox);

    /* A parent's name is a prefix of its child's: shorter first. */
    return dx < dy ? -1 : dx > dy ? 1 : strcmp(x->mailbox, y->mailbox);
}

static apr_status_t map_ids(im_store_t *s, const listing_t *l,
                            apr_hash_t **ids)
{
    const eas_idmap_t *m = s->base.ctx.idmap;
    apr_array_header_t *natives;
    apr_status_t rv;
    int i;

    if (!m)
        return APR_EINIT;
    if ((rv = m->all(m, IM_NS_FOLDER, ids, s->pool)) != APR_SUCCESS)
        return rv;
    natives = apr_array_make(s->pool, l->boxes->nelts, sizeof(char *));
    for (i = 0; i < l->boxes->nelts; i++) {
        const char *n = native_of(&APR_ARRAY_IDX(l->boxes, i, box_t),
                                  s->pool);
        if (!apr_hash_get(*ids, n, APR_HASH_KEY_STRING))
            APR_ARRAY_PUSH(natives, const char *) = n;
    }
    return natives->nelts ? m->to_ids(m, IM_NS_FOLDER, natives, *ids,
                                      s->pool) : APR_SUCCESS;
}

static void add_folder(im_store_t *s, const box_t *b, const char *id,
                       eas_folder_type_t type)
{
    im_folder_t *f = apr_array_push(s->folders);
    const char *name = !strcmp(b->mailbox, "INBOX") ? "Inbox"
                       : eas_mutf7_decode(last_part(s, b->mailbox), s->pool);

    if (!name) {
        s->folders->nelts--;    /* a name we cannot show: left alone */
        return;
    }
    f->id = id;
    f->name = name;
    f->mailbox = b->mailbox;
    f->native = native_of(b, s->pool);
    f->type = type;
    f->uidvalidity = b->uidvalidity;
    f->noselect = !!(b->attrs & IM_NOSELECT);
}

static void link_parents(im_store_t *s)
{
    apr_hash_t *by_box = apr_hash_make(s->pool);
    int i;

    qsort(s->folders->elts, s->folders->nelts, sizeof(im_folder_t),
          by_depth);
    for (i = 0; i < s->folders->nelts; i++) {
        im_folder_t *f = &APR_ARRAY_IDX(s->folders, i, im_folder_t);
        const char *pb = parent_box(s, f->mailbox, s->pool);
        const im_folder_t *pf = pb ? apr_hash_get(by_box, pb,
                                                  APR_HASH_KEY_STRING) : NULL;
        f->parent_id = pf ? pf->id : "0";
        apr_hash_set(by_box, f->mailbox, APR_HASH_KEY_STRING, f);
        apr_hash_set(s->by_id, f->id, APR_HASH_KEY_STRING, f);
    }
}

static void build(im_store_t *s, const listing_t *l, apr_hash_t *ids)
{
    int which[N_SPECIALS], i, k;

    find_specials(s, l, which);
    s->folders = apr_array_make(s->pool, l->boxes->nelts, sizeof(im_folder_t));
    s->by_id = apr_hash_make(s->pool);
    for (i = 0; i < l->boxes->nelts; i++) {
        const box_t *b = &APR_ARRAY_IDX(l->boxes, i, box_t);
        eas_folder_type_t type = !strcmp(b->mailbox, "INBOX")
                                 ? EAS_FOLDER_INBOX : EAS_FOLDER_USER_MAIL;
        for (k = 0; k < N_SPECIALS; k++)
            if (which[k] == i)
                type = specials[k].type;
        add_folder(s, b, apr_hash_get(ids, native_of(b, s->pool),
                                      APR_HASH_KEY_STRING), type);
    }
    link_parents(s);
}

apr_status_t im_folders_load(im_store_t *s)
{
    listing_t l;
    apr_hash_t *ids;
    apr_status_t rv;

    if ((rv = list_boxes(s, &l)) != APR_SUCCESS)
        return rv;
    if (make_specials(s, &l) && (rv = list_boxes(s, &l)) != APR_SUCCESS)
        return rv;
    if ((rv = map_ids(s, &l, &ids)) != APR_SUCCESS) {
        eas_store_log(&s->base, IM_LOG_ERR, rv, "imap: cannot map the "
                      "folder ids of %s", s->srv.login);
        return rv;
    }
    build(s, &l, ids);
    return APR_SUCCESS;
}

const im_folder_t *im_folder(im_store_t *s, const char *id)
{
    if (!s->folders && im_folders_load(s) != APR_SUCCESS)
        return NULL;
    return id ? apr_hash_get(s->by_id, id, APR_HASH_KEY_STRING) : NULL;
}

apr_status_t im_folders(eas_store_t *st, apr_array_header_t **out,
                        apr_pool_t *p)
{
    im_store_t *s = (im_store_t *)st;
    apr_status_t rv;
    int i;

    if (!s->folders && (rv = im_folders_load(s)) != APR_SUCCESS)
        return rv;
    *out = apr_array_make(p, s->folders->nelts, sizeof(eas_folder_t));
    for (i = 0; i < s->folders->nelts; i++) {
        const im_folder_t *f = &APR_ARRAY_IDX(s->folders, i, im_folder_t);
        eas_folder_t *o = apr_array_push(*out);
        o->id = f->id;
        o->parent_id = f->parent_id;
        o->name = f->name;
        o->type = f->type;
        o->cls = EAS_CLASS_EMAIL;
    }
    return APR_SUCCESS;
}

/* ---- changes ---- */

/* The mailbox name of name under parent_id ("0": top level). */
static apr_status_t child_box(im_store_t *s, const char *parent_id,
                              const char *name, const char **out,
                              apr_pool_t *p)
{
    char forbid[3] = { s->delim ? s->delim : '/', '\0', '\0' };
    const im_folder_t *pf = NULL;
    const char *enc;

    if (strcmp(parent_id, "0") != 0 && !(pf = im_folder(s, parent_id)))
        return APR_ENOENT;
    if (!strcasecmp(name, "INBOX") && !pf)
        return APR_EEXIST;
    if (eas_mutf7_encode(name, forbid, &enc, p) != APR_SUCCESS)
        return APR_EINVAL;
    if (pf && !s->delim)
        return APR_EINVAL;      /* a flat server: no subfolders */
    *out = pf ? apr_pstrcat(p, pf->mailbox, forbid, enc, NULL)
              : apr_pstrcat(p, s->prefix ? s->prefix : "", enc, NULL);
    return APR_SUCCESS;
}

static apr_status_t changed(im_store_t *s, apr_status_t rv, const char *what,
                            const char *mailbox)
{
    if (rv == IM_ENO)
        return APR_EEXIST;      /* exists, or the server will not */
    return im_fail(s, rv, what, mailbox);
}

static const im_folder_t *by_mailbox(im_store_t *s, const char *mailbox)
{
    int i;

    for (i = 0; i < s->folders->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(s->folders, i, im_folder_t).mailbox,
                    mailbox))
            return &APR_ARRAY_IDX(s->folders, i, im_folder_t);
    return NULL;
}

apr_status_t im_folder_create(eas_store_t *st, const char *parent_id,
                              const char *name, eas_folder_type_t type,
                              const char **new_id, apr_pool_t *p)
{
    im_store_t *s = (im_store_t *)st;
    const im_folder_t *f;
    const char *box;
    im_conn_t *cn;
    apr_status_t rv;

    if (eas_folder_class(type) != EAS_CLASS_EMAIL)
        return APR_ENOTIMPL;
    if (!im_folder(s, NULL) && !s->folders)
        return EAS_EUNAVAIL;
    if ((rv = child_box(s, parent_id, name, &box, p)) != APR_SUCCESS)
        return rv;
    if (by_mailbox(s, box))
        return APR_EEXIST;
    if ((rv = im_conn(s, &cn)) != APR_SUCCESS)
        return rv;
    rv = im_command(cn->c, NULL, NULL, NULL, p, "CREATE %s", box);
    if (rv != APR_SUCCESS)
        return changed(s, rv, "CREATE", box);
    if ((rv = im_folders_load(s)) != APR_SUCCESS)
        return rv;
    if (!(f = by_mailbox(s, box)))
        return APR_EGENERAL;
    *new_id = apr_pstrdup(p, f->id);
    return APR_SUCCESS;
}

static int is_special_type(eas_folder_type_t t)
{
    return t == EAS_FOLDER_INBOX || t == EAS_FOLDER_DRAFTS
           || t == EAS_FOLDER_DELETED || t == EAS_FOLDER_SENT;
}

/* Name-based natives follow a rename: the folder's and its children's. */
static void rename_natives(im_store_t *s, const char *from, const char *to)
{
    const eas_idmap_t *m = s->base.ctx.idmap;
    apr_size_t n = strlen(from);
    int i;

    for (i = 0; m && m->rename && i < s->folders->nelts; i++) {
        const im_folder_t *f = &APR_ARRAY_IDX(s->folders, i, im_folder_t);
        if (strncmp(f->native, "n:", 2) != 0
            || strncmp(f->mailbox, from, n) != 0
            || (f->mailbox[n] && f->mailbox[n] != s->delim))
            continue;
        m->rename(m, IM_NS_FOLDER, f->native, apr_psprintf(
                      s->pool, "n:%s%s/%u", to, f->mailbox + n,
                      f->uidvalidity));
    }
}

apr_status_t im_folder_update(eas_store_t *st, const char *id,
                              const char *parent_id, const char *name,
                              apr_pool_t *p)
{
    im_store_t *s = (im_store_t *)st;
    const im_folder_t *f = im_folder(s, id);
    const char *box;
    im_conn_t *cn;
    apr_status_t rv;

    if (!f)
        return s->folders ? APR_ENOENT : EAS_EUNAVAIL;
    if (is_special_type(f->type))
        return APR_EACCES;
    if ((rv = child_box(s, parent_id, name, &box, p)) != APR_SUCCESS)
        return rv;
    if (!strcmp(box, f->mailbox))
        return APR_SUCCESS;
    if (by_mailbox(s, box))
        return APR_EEXIST;
    if ((rv = im_conn(s, &cn)) != APR_SUCCESS)
        return rv;
    rv = im_command(cn->c, NULL, NULL, NULL, p, "RENAME %s %s", f->mailbox,
                    box);
    if (rv != APR_SUCCESS)
        return changed(s, rv, "RENAME", f->mailbox);
    rename_natives(s, f->mailbox, box);
    return im_folders_load(s);
}

apr_status_t im_folder_delete(eas_store_t *st, const char *id, apr_pool_t *p)
{
    im_store_t *s = (im_store_t *)st;
    const im_folder_t *f = im_folder(s, id);
    apr_size_t n;
    im_conn_t *cn;
    apr_status_t rv = APR_SUCCESS;
    int i;

    if (!f)
        return s->folders ? APR_ENOENT : EAS_EUNAVAIL;
    if (is_special_type(f->type))
        return APR_EACCES;
    if ((rv = im_conn(s, &cn)) != APR_SUCCESS)
        return rv;
    n = strlen(f->mailbox);
    /* Children first (deepest first: the list is sorted by length). */
    for (i = s->folders->nelts - 1; i >= 0 && rv == APR_SUCCESS; i--) {
        const im_folder_t *c = &APR_ARRAY_IDX(s->folders, i, im_folder_t);
        if (strncmp(c->mailbox, f->mailbox, n) != 0
            || (c->mailbox[n] && c->mailbox[n] != s->delim))
            continue;
        if (cn->selected && !strcmp(cn->selected, c->mailbox))
            cn->selected = NULL;
        rv = im_command(cn->c, NULL, NULL, NULL, p, "DELETE %s", c->mailbox);
        if (rv == IM_ENO)
            rv = APR_SUCCESS;   /* gone already */
    }
    if (rv != APR_SUCCESS)
        return im_fail(s, rv, "DELETE", f->mailbox);
    return im_folders_load(s);
}
