/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Folders: the Maildir++ hierarchy, stable folder ids, special folders,
 * create, rename/move and delete.
 *
 * A folder's id lives in a small file inside its directory, so it moves
 * along when any program renames the directory; a copied directory is
 * recognised by its id file naming another inode, and gets a new id.  Ids
 * come from a counter at the root that only grows, so a deleted folder's
 * id never returns.  Allocation and every change of the hierarchy happen
 * under the root's folder lock.
 */
#include "maildir.h"

#include <apr_strings.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Folders children of the Inbox are ".INBOX.x" on disk. */
#define MD_INBOX_PREFIX ".INBOX"

typedef struct {
    md_special_t kind;
    const char *create;             /* made when none of names exists */
    eas_folder_type_t type;
    const char *const *names;       /* recognised, best first */
} special_def_t;

static const special_def_t specials[] = {
    { MD_SPECIAL_DRAFTS, "Drafts", EAS_FOLDER_DRAFTS, eas_drafts_names },
    { MD_SPECIAL_SENT, "Sent", EAS_FOLDER_SENT, eas_sent_names },
    { MD_SPECIAL_TRASH, "Trash", EAS_FOLDER_DELETED, eas_trash_names },
    /* EAS has no junk type: a user mail folder the phone shows as such. */
    { MD_SPECIAL_JUNK, "Junk", EAS_FOLDER_USER_MAIL, eas_junk_names },
};
#define N_SPECIALS (sizeof(specials) / sizeof(specials[0]))

/* A folder directory as found on disk. */
typedef struct {
    const char *mname;              /* "" for the root */
    const char *dir;
    const char *id;                 /* from its id file, NULL if none */
    ino_t ino, stored_ino;
    int needs_id;
    md_special_t special;
} cand_t;

/* ".A.B": a leading '.', no empty component, nothing we cannot show. */
static int mname_ok(const char *n)
{
    apr_size_t len = strlen(n);

    return len >= 2 && n[0] == '.' && n[len - 1] != '.'
           && !strstr(n, "..") && strcmp(n, MD_INBOX_PREFIX) != 0;
}

static int is_dir(DIR *d, const struct dirent *e, ino_t *ino)
{
    struct stat sb;

    *ino = e->d_ino;
    if (e->d_type == DT_DIR)
        return 1;
    if (e->d_type != DT_UNKNOWN)
        return 0;
    if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
        return 0;
    *ino = sb.st_ino;
    return S_ISDIR(sb.st_mode);
}

/*
 * "<digits> <inode>\n"; anything else, or no file, is no id.  A file
 * that is there but cannot be read is an error: the folder must not get
 * a new id, which the phones would take for another folder.
 */
static apr_status_t read_id(cand_t *c, apr_pool_t *p)
{
    char *data;
    apr_size_t len, i;
    apr_status_t rv = md_read_file(apr_pstrcat(p, c->dir, "/" MD_ID_FILE,
                                               NULL), &data, &len, p);

    if (APR_STATUS_IS_ENOENT(rv) || rv == APR_EINVAL
        || rv == APR_FROM_OS_ERROR(ELOOP))
        return APR_SUCCESS;
    if (rv != APR_SUCCESS)
        return rv;
    for (i = 0; i < len && data[i] >= '0' && data[i] <= '9'; i++)
        ;
    if (i == 0 || i > 10 || data[0] == '0')
        return APR_SUCCESS;
    if (data[i] == ' ')
        c->stored_ino = (ino_t)apr_atoi64(data + i + 1);
    data[i] = '\0';
    c->id = data;
    return APR_SUCCESS;
}

static int cand_cmp(const void *a, const void *b)
{
    return strcmp(((const cand_t *)a)->mname, ((const cand_t *)b)->mname);
}

/* The root and every folder directory, sorted, with their ids. */
static apr_status_t scan(md_store_t *s, apr_array_header_t **out,
                         apr_pool_t *p)
{
    apr_array_header_t *a = apr_array_make(p, 16, sizeof(cand_t));
    struct dirent *e;
    struct stat sb;
    cand_t *c;
    DIR *d;
    int i;

    if (stat(s->root, &sb) < 0 || !(d = opendir(s->root)))
        return md_fail(s, md_errno(), "cannot read Maildir", s->root);
    c = apr_array_push(a);
    memset(c, 0, sizeof(*c));
    c->mname = "";
    c->dir = s->root;
    c->ino = sb.st_ino;
    while ((e = readdir(d)) != NULL) {
        ino_t ino;
        if (e->d_name[0] != '.' || !mname_ok(e->d_name) || !is_dir(d, e, &ino))
            continue;
        c = apr_array_push(a);
        memset(c, 0, sizeof(*c));
        c->mname = apr_pstrdup(p, e->d_name);
        c->dir = apr_pstrcat(p, s->root, "/", e->d_name, NULL);
        c->ino = ino;
    }
    closedir(d);
    qsort(a->elts, (size_t)a->nelts, sizeof(cand_t), cand_cmp);
    for (i = 0; i < a->nelts; i++) {
        cand_t *c = &APR_ARRAY_IDX(a, i, cand_t);
        apr_status_t rv = read_id(c, p);
        if (rv != APR_SUCCESS)
            return md_fail(s, rv, "cannot read the folder id of", c->dir);
    }
    *out = a;
    return APR_SUCCESS;
}

/* The name of a top-level folder, decoded; NULL for deeper ones. */
static const char *top_name(const char *mname, apr_pool_t *p)
{
    return strchr(mname + 1, '.') ? NULL : eas_mutf7_decode(mname + 1, p);
}

/* Which folders are special; the mnames of those to create. */
static void find_specials(apr_array_header_t *cands,
                          apr_array_header_t *create, apr_pool_t *p)
{
    apr_size_t k;
    int i, j, found;

    APR_ARRAY_IDX(cands, 0, cand_t).special = MD_SPECIAL_INBOX;
    for (k = 0; k < N_SPECIALS; k++) {
        found = 0;
        for (j = 0; specials[k].names[j] && !found; j++) {
            for (i = 1; i < cands->nelts && !found; i++) {
                cand_t *c = &APR_ARRAY_IDX(cands, i, cand_t);
                const char *n = top_name(c->mname, p);
                if (n && !c->special && strcasecmp(n, specials[k].names[j]) == 0) {
                    c->special = specials[k].kind;
                    found = 1;
                }
            }
        }
        if (!found)
            APR_ARRAY_PUSH(create, const char *) =
                apr_pstrcat(p, ".", specials[k].create, NULL);
    }
}

/* Parents that Maildir++ allows to be missing (".A.B" without ".A"). */
static void find_missing_parents(apr_array_header_t *cands,
                                 apr_array_header_t *create, apr_pool_t *p)
{
    apr_hash_t *have = apr_hash_make(p);
    int i;

    for (i = 0; i < cands->nelts; i++)
        apr_hash_set(have, APR_ARRAY_IDX(cands, i, cand_t).mname,
                     APR_HASH_KEY_STRING, "");
    for (i = 1; i < cands->nelts; i++) {
        const char *m = APR_ARRAY_IDX(cands, i, cand_t).mname, *dot;
        for (dot = strchr(m + 1, '.'); dot; dot = strchr(dot + 1, '.')) {
            char *pm = apr_pstrmemdup(p, m, (apr_size_t)(dot - m));
            if (strcmp(pm, MD_INBOX_PREFIX) == 0
                || apr_hash_get(have, pm, APR_HASH_KEY_STRING))
                continue;
            apr_hash_set(have, pm, APR_HASH_KEY_STRING, "");
            APR_ARRAY_PUSH(create, const char *) = pm;
        }
    }
}

/* Mark folders without an id, or with one another directory owns. */
static int find_unnamed(apr_array_header_t *cands, apr_uint64_t *max,
                        apr_pool_t *p)
{
    apr_hash_t *seen = apr_hash_make(p);
    int i, n = 0;

    *max = 0;
    for (i = 0; i < cands->nelts; i++) {
        cand_t *c = &APR_ARRAY_IDX(cands, i, cand_t), *o;
        if (!c->id) {
            c->needs_id = 1;
            n++;
            continue;
        }
        if ((apr_uint64_t)apr_atoi64(c->id) > *max)
            *max = (apr_uint64_t)apr_atoi64(c->id);
        if (!(o = apr_hash_get(seen, c->id, APR_HASH_KEY_STRING))) {
            apr_hash_set(seen, c->id, APR_HASH_KEY_STRING, c);
            continue;
        }
        /* A copy: the directory the id file was written for keeps it. */
        if (c->stored_ino == c->ino && o->stored_ino != o->ino) {
            o->needs_id = 1;
            apr_hash_set(seen, c->id, APR_HASH_KEY_STRING, c);
        } else {
            c->needs_id = 1;
        }
        n++;
    }
    return n;
}

static apr_status_t write_id(md_store_t *s, const char *dir, const char *id,
                             ino_t ino, apr_pool_t *p)
{
    const char *text = apr_psprintf(p, "%s %lu\n", id, (unsigned long)ino);

    return md_write_atomic(s, apr_pstrcat(p, dir, "/" MD_ID_FILE, NULL), text,
                           strlen(text));
}

/* Reserve n ids after max (under the folder lock); the first in *first. */
static apr_status_t alloc_ids(md_store_t *s, apr_uint64_t max, int n,
                              apr_uint64_t *first, apr_pool_t *p)
{
    const char *path = apr_pstrcat(p, s->root, "/" MD_COUNTER_FILE, NULL);
    apr_uint64_t next = max + 1;
    const char *text;
    apr_size_t len;
    char *data;

    if (md_read_file(path, &data, &len, p) == APR_SUCCESS
        && strncmp(data, "next ", 5) == 0
        && (apr_uint64_t)apr_atoi64(data + 5) > next)
        next = (apr_uint64_t)apr_atoi64(data + 5);
    *first = next;
    text = apr_psprintf(p, "next %" APR_UINT64_T_FMT "\n", next + (unsigned)n);
    return md_write_atomic(s, path, text, strlen(text));
}

/* Give ids to the folders that need one (under the folder lock). */
static apr_status_t name_folders(md_store_t *s, apr_array_header_t *cands,
                                 apr_uint64_t max, int n, apr_pool_t *p)
{
    apr_uint64_t id;
    apr_status_t rv;
    int i;

    if ((rv = alloc_ids(s, max, n, &id, p)) != APR_SUCCESS)
        return rv;
    for (i = 0; i < cands->nelts; i++) {
        cand_t *c = &APR_ARRAY_IDX(cands, i, cand_t);
        if (c->needs_id)
            c->id = apr_psprintf(p, "%" APR_UINT64_T_FMT, id++);
        else if (c->stored_ino == c->ino)
            continue;
        /* New ids, and old ones whose inode changed (restored, moved to
           another file system): written so that a copy is told apart. */
        if ((rv = write_id(s, c->dir, c->id, c->ino, p)) != APR_SUCCESS)
            return rv;
        c->needs_id = 0;
    }
    return APR_SUCCESS;
}

static const char *parent_mname(const char *mname, apr_pool_t *p)
{
    const char *dot = strrchr(mname, '.');

    return apr_pstrmemdup(p, mname, (apr_size_t)(dot - mname));
}

/* The folder list from the candidates (parents sort before children). */
static void build(md_store_t *s, apr_array_header_t *cands)
{
    apr_array_header_t *fs = apr_array_make(s->pool, cands->nelts,
                                            sizeof(md_folder_t));
    apr_hash_t *ids = apr_hash_make(s->pool);
    const char *root_id = APR_ARRAY_IDX(cands, 0, cand_t).id;
    apr_size_t k;
    int i;

    for (i = 0; i < cands->nelts; i++) {
        const cand_t *c = &APR_ARRAY_IDX(cands, i, cand_t);
        const char *pm, *name;
        md_folder_t *f;

        if (!c->id)
            continue;
        f = apr_array_push(fs);
        memset(f, 0, sizeof(*f));
        f->id = apr_pstrdup(s->pool, c->id);
        f->mname = apr_pstrdup(s->pool, c->mname);
        f->dir = apr_pstrdup(s->pool, c->dir);
        f->ino = c->ino;
        f->special = c->special;
        f->type = EAS_FOLDER_USER_MAIL;
        if (i == 0) {
            f->parent_id = "0";
            f->name = "Inbox";
            f->type = EAS_FOLDER_INBOX;
            continue;
        }
        for (k = 0; k < N_SPECIALS; k++)
            if (specials[k].kind == c->special)
                f->type = specials[k].type;
        name = eas_mutf7_decode(strrchr(c->mname, '.') + 1, s->pool);
        pm = parent_mname(c->mname, s->pool);
        if (!name) {
            fs->nelts--;        /* a name we cannot show: left alone */
            continue;
        }
        f->name = name;
        if (!*pm)
            f->parent_id = "0";
        else if (strcmp(pm, MD_INBOX_PREFIX) == 0)
            f->parent_id = root_id;
        else if (!(f->parent_id = apr_hash_get(ids, pm, APR_HASH_KEY_STRING)))
            f->parent_id = "0"; /* its parent could not be made */
        apr_hash_set(ids, f->mname, APR_HASH_KEY_STRING, f->id);
    }
    s->folders = fs;
}

/*
 * Scan the hierarchy; create what is missing and name what has no id,
 * taking the folder lock for that (lockfd >= 0: already held).
 */
static apr_status_t load(md_store_t *s, int lockfd, int round)
{
    apr_array_header_t *cands, *create;
    apr_uint64_t max;
    apr_pool_t *p;
    apr_status_t rv;
    int i, unnamed, fd;

    apr_pool_create(&p, s->pool);
    if ((rv = scan(s, &cands, p)) != APR_SUCCESS)
        goto done;
    create = apr_array_make(p, 4, sizeof(const char *));
    find_specials(cands, create, p);
    find_missing_parents(cands, create, p);
    unnamed = find_unnamed(cands, &max, p);
    if ((create->nelts && round == 0) || unnamed) {
        if (lockfd < 0) {
            fd = md_lock(s, apr_pstrcat(p, s->root, "/" MD_FOLDERS_LOCK, NULL));
            if (fd >= 0) {
                rv = load(s, fd, 0);
                md_unlock(fd);
                goto done;
            }
            /* A read-only Maildir: serve what has ids (logged). */
            if (unnamed) {
                rv = APR_EGENERAL;
                goto done;
            }
        } else if (create->nelts && round == 0) {
            for (i = 0; i < create->nelts; i++)
                md_make_maildir(s, apr_pstrcat(p, s->root, "/",
                                APR_ARRAY_IDX(create, i, const char *), NULL),
                                1, 1);
            rv = load(s, lockfd, 1);
            goto done;
        } else if ((rv = name_folders(s, cands, max, unnamed, p))) {
            goto done;
        }
    }
    build(s, cands);
done:
    apr_pool_destroy(p);
    return rv;
}

apr_status_t md_folders_load(md_store_t *s)
{
    return load(s, -1, 0);
}

static const md_folder_t *find_loaded(md_store_t *s, const char *id)
{
    int i;

    for (i = 0; id && s->folders && i < s->folders->nelts; i++) {
        const md_folder_t *f = &APR_ARRAY_IDX(s->folders, i, md_folder_t);
        if (strcmp(f->id, id) == 0)
            return f;
    }
    return NULL;
}

const md_folder_t *md_folder_find(md_store_t *s, const char *id)
{
    const md_folder_t *f = find_loaded(s, id);

    /* Another program may have made it since the store was opened. */
    if (!f && id && eas_id_valid(id) && md_folders_load(s) == APR_SUCCESS)
        f = find_loaded(s, id);
    return f;
}

apr_status_t md_folders(eas_store_t *st, apr_array_header_t **out,
                        apr_pool_t *p)
{
    md_store_t *s = (md_store_t *)st;
    apr_status_t rv;
    int i;

    if ((rv = md_folders_load(s)) != APR_SUCCESS)
        return rv;
    *out = apr_array_make(p, s->folders->nelts, sizeof(eas_folder_t));
    for (i = 0; i < s->folders->nelts; i++) {
        const md_folder_t *f = &APR_ARRAY_IDX(s->folders, i, md_folder_t);
        eas_folder_t *o = apr_array_push(*out);
        o->id = apr_pstrdup(p, f->id);
        o->parent_id = apr_pstrdup(p, f->parent_id);
        o->name = apr_pstrdup(p, f->name);
        o->type = f->type;
        o->cls = EAS_CLASS_EMAIL;
    }
    return APR_SUCCESS;
}

apr_array_header_t *md_folder_subtree(md_store_t *s, const md_folder_t *f,
                                      apr_pool_t *p)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(md_folder_t *));
    apr_hash_t *in = apr_hash_make(p);
    int i;

    APR_ARRAY_PUSH(a, const md_folder_t *) = f;
    apr_hash_set(in, f->id, APR_HASH_KEY_STRING, f);
    for (i = 0; i < s->folders->nelts; i++) {
        const md_folder_t *g = &APR_ARRAY_IDX(s->folders, i, md_folder_t);
        if (g != f && apr_hash_get(in, g->parent_id, APR_HASH_KEY_STRING)) {
            APR_ARRAY_PUSH(a, const md_folder_t *) = g;
            apr_hash_set(in, g->id, APR_HASH_KEY_STRING, g);
        }
    }
    return a;
}

static int in_subtree(apr_array_header_t *sub, const md_folder_t *g)
{
    int i;

    for (i = 0; i < sub->nelts; i++)
        if (APR_ARRAY_IDX(sub, i, const md_folder_t *) == g)
            return 1;
    return 0;
}

/*
 * The on-disk name for name under parent_id; self is the folder being
 * renamed (NULL when creating).
 */
static apr_status_t new_mname(md_store_t *s, const char *parent_id,
                              const char *name, const md_folder_t *self,
                              const char **out, apr_pool_t *p)
{
    const md_folder_t *pf = NULL;
    const char *prefix = "", *enc;
    apr_status_t rv;
    int i;

    if (!parent_id || !name)
        return APR_EINVAL;
    if (strcmp(parent_id, "0") != 0) {
        if (!(pf = md_folder_find(s, parent_id)))
            return APR_ENOENT;
        prefix = pf->special == MD_SPECIAL_INBOX ? MD_INBOX_PREFIX : pf->mname;
        if (self && in_subtree(md_folder_subtree(s, self, p), pf))
            return APR_EINVAL;
    } else if (strcasecmp(name, "INBOX") == 0) {
        return APR_EEXIST;
    }
    if ((rv = eas_mutf7_encode(name, MD_NAME_FORBID, &enc, p)) != APR_SUCCESS)
        return rv;
    *out = apr_pstrcat(p, prefix, ".", enc, NULL);
    if (strlen(*out) > 255)
        return APR_EINVAL;
    /* The same name written another way (UTF-8 on disk) is taken too. */
    for (i = 0; i < s->folders->nelts; i++) {
        const md_folder_t *g = &APR_ARRAY_IDX(s->folders, i, md_folder_t);
        if (g != self && strcmp(g->parent_id, pf ? pf->id : "0") == 0
            && strcmp(g->name, name) == 0)
            return APR_EEXIST;
    }
    return APR_SUCCESS;
}

static void forget_boxes(md_store_t *s)
{
    int i;

    for (i = 0; s->folders && i < s->folders->nelts; i++)
        md_box_forget(s, &APR_ARRAY_IDX(s->folders, i, md_folder_t));
}

/* Take the folder lock and reload under it; -1 if that failed. */
static int lock_and_load(md_store_t *s, apr_status_t *rv, apr_pool_t *p)
{
    int fd = md_lock(s, apr_pstrcat(p, s->root, "/" MD_FOLDERS_LOCK, NULL));

    if (fd < 0) {
        *rv = APR_EGENERAL;
        return -1;
    }
    forget_boxes(s);
    if ((*rv = load(s, fd, 0)) != APR_SUCCESS) {
        md_unlock(fd);
        return -1;
    }
    return fd;
}

static apr_status_t unlock_and_load(md_store_t *s, int fd, apr_status_t rv)
{
    apr_status_t rv2;

    md_unlock(fd);
    rv2 = md_folders_load(s);
    return rv != APR_SUCCESS ? rv : rv2;
}

apr_status_t md_folder_create(eas_store_t *st, const char *parent_id,
                              const char *name, eas_folder_type_t type,
                              const char **new_id, apr_pool_t *p)
{
    md_store_t *s = (md_store_t *)st;
    const char *mname, *tmp, *dir;
    apr_uint64_t max = 0, id;
    apr_status_t rv;
    struct stat sb;
    int fd, i;

    if (type != EAS_FOLDER_USER_MAIL && type != EAS_FOLDER_GENERIC)
        return APR_ENOTIMPL;    /* a Maildir holds mail only */
    if ((fd = lock_and_load(s, &rv, p)) < 0)
        return rv;
    if ((rv = new_mname(s, parent_id, name, NULL, &mname, p)) != APR_SUCCESS)
        return unlock_and_load(s, fd, rv);
    for (i = 0; i < s->folders->nelts; i++) {
        const char *fid = APR_ARRAY_IDX(s->folders, i, md_folder_t).id;
        if ((apr_uint64_t)apr_atoi64(fid) > max)
            max = (apr_uint64_t)apr_atoi64(fid);
    }
    /* Built in tmp/ and renamed into place: it appears complete. */
    tmp = apr_pstrcat(p, s->root, "/tmp/eas-folder.", md_unique_base(p, 0),
                      NULL);
    dir = apr_pstrcat(p, s->root, "/", mname, NULL);
    if ((rv = md_make_maildir(s, tmp, 1, 0)) != APR_SUCCESS
        || (rv = alloc_ids(s, max, 1, &id, p)) != APR_SUCCESS)
        goto fail;
    *new_id = apr_psprintf(p, "%" APR_UINT64_T_FMT, id);
    if (stat(tmp, &sb) < 0) {
        rv = md_fail(s, md_errno(), "cannot stat", tmp);
        goto fail;
    }
    if ((rv = write_id(s, tmp, *new_id, sb.st_ino, p)) != APR_SUCCESS)
        goto fail;
    if (md_rename_noreplace(tmp, dir) < 0) {
        rv = errno == EEXIST || errno == ENOTEMPTY ? APR_EEXIST
             : md_fail(s, md_errno(), "cannot create folder", dir);
        goto fail;
    }
    return unlock_and_load(s, fd, APR_SUCCESS);
fail:
    md_rmtree(tmp);
    return unlock_and_load(s, fd, rv);
}

apr_status_t md_folder_update(eas_store_t *st, const char *id,
                              const char *parent_id, const char *name,
                              apr_pool_t *p)
{
    md_store_t *s = (md_store_t *)st;
    const md_folder_t *f;
    apr_array_header_t *sub;
    const char *mname, *dir;
    apr_status_t rv;
    apr_size_t olen;
    int fd, i;

    if ((fd = lock_and_load(s, &rv, p)) < 0)
        return rv;
    if (!(f = find_loaded(s, id)))
        return unlock_and_load(s, fd, APR_ENOENT);
    if (f->special)
        return unlock_and_load(s, fd, APR_EACCES);
    rv = new_mname(s, parent_id ? parent_id : f->parent_id,
                   name ? name : f->name, f, &mname, p);
    if (rv != APR_SUCCESS || strcmp(mname, f->mname) == 0)
        return unlock_and_load(s, fd, rv);
    sub = md_folder_subtree(s, f, p);
    olen = strlen(f->mname);
    for (i = 1; i < sub->nelts; i++)
        if (strlen(mname) + strlen(APR_ARRAY_IDX(sub, i, md_folder_t *)->mname)
            - olen > 255)
            return unlock_and_load(s, fd, APR_EINVAL);
    dir = apr_pstrcat(p, s->root, "/", mname, NULL);
    if (md_rename_noreplace(f->dir, dir) < 0) {
        rv = errno == EEXIST || errno == ENOTEMPTY ? APR_EEXIST
             : md_fail(s, md_errno(), "cannot rename folder", f->dir);
        return unlock_and_load(s, fd, rv);
    }
    /* Maildir++ keeps subfolders beside their parent: they follow. */
    for (i = 1; i < sub->nelts; i++) {
        const md_folder_t *g = APR_ARRAY_IDX(sub, i, md_folder_t *);
        const char *to;
        if (strncmp(g->mname, f->mname, olen) != 0 || g->mname[olen] != '.')
            continue;
        to = apr_pstrcat(p, s->root, "/", mname, g->mname + olen, NULL);
        if (md_rename_noreplace(g->dir, to) < 0)
            md_fail(s, md_errno(), "cannot move subfolder", g->dir);
    }
    return unlock_and_load(s, fd, APR_SUCCESS);
}

apr_status_t md_folder_remove_dir(md_store_t *s, const md_folder_t *f)
{
    apr_pool_t *p;
    const char *trash;
    apr_status_t rv = APR_SUCCESS;

    apr_pool_create(&p, s->pool);
    /* Out of sight in one step, then removed at leisure. */
    trash = apr_pstrcat(p, s->root, "/tmp/eas-deleted.", md_unique_base(p, 0),
                        NULL);
    if (rename(f->dir, trash) < 0) {
        if (errno != ENOENT)
            rv = md_fail(s, md_errno(), "cannot delete folder", f->dir);
    } else if (md_rmtree(trash) != APR_SUCCESS) {
        eas_store_log(&s->base, MD_LOG_WARNING, md_errno(),
                      "maildir: could not remove all of %s", trash);
    }
    md_box_forget(s, f);
    apr_pool_destroy(p);
    return rv;
}

/* Delete f's subtree, f itself too unless children_only. */
static apr_status_t delete_tree(md_store_t *s, const char *id,
                                int children_only, apr_pool_t *p)
{
    const md_folder_t *f;
    apr_array_header_t *sub;
    apr_status_t rv = APR_SUCCESS, rv2;
    int fd, i;

    if ((fd = lock_and_load(s, &rv, p)) < 0)
        return rv;
    if (!(f = find_loaded(s, id)))
        return unlock_and_load(s, fd, APR_ENOENT);
    if (f->special && !children_only)
        return unlock_and_load(s, fd, APR_EACCES);
    sub = md_folder_subtree(s, f, p);
    for (i = sub->nelts - 1; i >= (children_only ? 1 : 0); i--) {
        const md_folder_t *g = APR_ARRAY_IDX(sub, i, md_folder_t *);
        if (g->special && g != f)
            continue;
        if ((rv2 = md_folder_remove_dir(s, g)) != APR_SUCCESS)
            rv = rv2;
    }
    return unlock_and_load(s, fd, rv);
}

apr_status_t md_folder_delete(eas_store_t *st, const char *id,
                              apr_pool_t *p)
{
    return delete_tree((md_store_t *)st, id, 0, p);
}

apr_status_t md_folder_delete_children(md_store_t *s, const char *id,
                                       apr_pool_t *p)
{
    return delete_tree(s, id, 1, p);
}
