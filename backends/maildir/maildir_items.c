/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Items: listing, reading, flags, delivery, removal and moves.
 *
 * A message that another program renames between our lookup and our use
 * (flag change, new/ -> cur/) is looked up again; one that is gone is
 * APR_ENOENT.
 */
#include "maildir.h"

#include <apr_lib.h>
#include <apr_strings.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

/* Lookups retried after a concurrent rename. */
#define MD_RETRIES 3

static apr_status_t folder(md_store_t *s, const char *id,
                           const md_folder_t **f)
{
    return (*f = md_folder_find(s, id)) ? APR_SUCCESS : APR_ENOENT;
}

const char *md_msg_path(const md_box_t *b, const md_msg_t *m, apr_pool_t *p)
{
    return apr_pstrcat(p, b->f->dir, m->sub == 'c' ? "/cur/" : "/new/",
                       m->name, NULL);
}

/* Decimal uid without printf: a listing makes thousands. */
static const char *uid_str(apr_uint64_t v, apr_pool_t *p)
{
    char buf[24], *e = buf + sizeof(buf) - 1;

    *e = '\0';
    do
        *--e = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return apr_pstrmemdup(p, e, (apr_size_t)(buf + sizeof(buf) - 1 - e));
}

static void fill_ref(eas_item_ref_t *r, const md_msg_t *m, apr_pool_t *p)
{
    r->id = uid_str(m->uid, p);
    r->token = md_flags_token(m->flags);
    r->time = apr_time_from_sec(m->time);
    r->size = m->size;
    r->flags = m->flags;
}

static void fill_snap_ref(eas_item_ref_t *r, const md_snap_msg_t *m,
                          apr_pool_t *p)
{
    r->id = uid_str(m->uid, p);
    r->token = md_flags_token(m->flags);
    r->time = apr_time_from_sec(m->time);
    r->size = m->size;
    r->flags = m->flags;
}

static apr_status_t snap_unref(void *sn)
{
    md_snap_release(sn);
    return APR_SUCCESS;
}

/* The store uses sn for f's look-ups until its pool goes. */
static void hold(md_store_t *s, const md_folder_t *f, md_snap_t *sn)
{
    if (!s->snaps)
        s->snaps = apr_hash_make(s->pool);
    apr_hash_set(s->snaps, f->id, APR_HASH_KEY_STRING, sn);
    apr_pool_cleanup_register(s->pool, sn, snap_unref, apr_pool_cleanup_null);
}

static void drop_held(md_store_t *s, const md_folder_t *f)
{
    if (s->snaps)
        apr_hash_set(s->snaps, f->id, APR_HASH_KEY_STRING, NULL);
}

/* f changed through us: its kept listing goes now, not at the next stat
   (belt and braces: the rename or unlink changed new/ or cur/ anyway). */
static void changed(md_store_t *s, const md_folder_t *f)
{
    drop_held(s, f);
    md_cache_forget(f->dir);
}

/* The listing read-only look-ups use when the store has no scan of f
   of its own: the one it holds, or a kept one still valid. */
static md_snap_t *snap_for(md_store_t *s, const md_folder_t *f)
{
    md_stamps_t now;
    md_snap_t *sn;

    if (apr_hash_get(s->boxes, f->id, APR_HASH_KEY_STRING))
        return NULL;
    if (s->snaps && (sn = apr_hash_get(s->snaps, f->id, APR_HASH_KEY_STRING)))
        return sn;
    md_stamps_take(f->dir, &now, s->pool);
    if ((sn = md_cache_get(f->dir, &now)) != NULL)
        hold(s, f, sn);
    return sn;
}

/*
 * A listing is the kept one while new/, cur/ and the uid list are as they
 * were; otherwise a fresh scan, kept if nothing changed during it and the
 * directories had settled before it began.
 */
apr_status_t md_list(eas_store_t *st, const char *folder_id,
                     const eas_filter_t *filter, apr_array_header_t **out,
                     apr_pool_t *p)
{
    apr_time_t since = filter ? filter->since : 0;
    md_store_t *s = (md_store_t *)st;
    md_stamps_t before, after;
    const md_folder_t *f;
    apr_status_t rv;
    md_snap_t *sn;
    md_box_t *b;
    int i, fresh = 0;

    if ((rv = folder(s, folder_id, &f)) != APR_SUCCESS)
        return rv;
    md_stamps_take(f->dir, &before, p);
    if ((sn = md_cache_get(f->dir, &before)) != NULL) {
        md_box_forget(s, f);    /* look-ups follow this listing now */
        hold(s, f, sn);
    }
    else {
        drop_held(s, f);
        if ((rv = md_box_get(s, f, 1, &b)) != APR_SUCCESS)
            return rv;
        if ((sn = md_snap_make(b, &before)) == NULL)
            return APR_ENOMEM;
        fresh = 1;
        md_stamps_take(f->dir, &after, p);
        if (md_stamps_eq(&before, &after) && md_stamps_settled(&before))
            md_cache_put(sn);
    }
    *out = apr_array_make(p, sn->n, sizeof(eas_item_ref_t));
    for (i = 0; i < sn->n; i++) {
        eas_item_ref_t *r = apr_array_push(*out);

        fill_snap_ref(r, &sn->msgs[i], p);
        r->outside = since && r->time < since;
    }
    if (fresh)
        md_snap_release(sn);
    return APR_SUCCESS;
}

apr_status_t md_stat(eas_store_t *st, const char *folder_id,
                     const char *item_id, eas_item_ref_t *out,
                     apr_pool_t *p)
{
    md_store_t *s = (md_store_t *)st;
    const md_snap_msg_t *x = NULL;
    const md_folder_t *f;
    apr_status_t rv;
    md_snap_t *sn;
    md_box_t *b;
    md_msg_t *m;

    if ((rv = folder(s, folder_id, &f)) != APR_SUCCESS)
        return rv;
    if ((sn = snap_for(s, f)) != NULL
        && (x = md_snap_find(sn, md_parse_item_id(item_id))) != NULL) {
        fill_snap_ref(out, x, p);
        return APR_SUCCESS;
    }
    /* Not in the listing: rescan, as a miss in a scan does. */
    if ((rv = md_box_find(s, f, item_id, sn != NULL, &b, &m)))
        return rv;
    fill_ref(out, m, p);
    return APR_SUCCESS;
}

/* Where item_id's file is, from the listing in use (round 0) or a scan
   (fresh from round 1 on). */
static apr_status_t msg_path(md_store_t *s, const md_folder_t *f,
                             const char *item_id, int round,
                             const char **path, apr_pool_t *p)
{
    apr_status_t rv;
    md_snap_t *sn;
    md_box_t *b;
    md_msg_t *m;

    if (round == 0 && (sn = snap_for(s, f)) != NULL) {
        const md_snap_msg_t *x = md_snap_find(sn, md_parse_item_id(item_id));
        if (x) {
            *path = apr_pstrcat(p, f->dir, x->sub == 'c' ? "/cur/" : "/new/",
                                sn->names + x->name, NULL);
            return APR_SUCCESS;
        }
        round = 1;
    }
    if ((rv = md_box_find(s, f, item_id, round > 0, &b, &m)) != APR_SUCCESS)
        return rv;
    *path = md_msg_path(b, m, p);
    return APR_SUCCESS;
}

apr_status_t md_read_msg(const char *path, eas_blob_t *out, apr_pool_t *p)
{
    char *data;
    apr_size_t len;
    apr_status_t rv = md_read_file(path, &data, &len, p);

    if (rv == APR_SUCCESS) {
        out->data = data;
        out->len = len;
    }
    return rv;
}

apr_status_t md_fetch(eas_store_t *st, const char *folder_id,
                      const char *item_id, eas_blob_t *out, apr_pool_t *p)
{
    md_store_t *s = (md_store_t *)st;
    const md_folder_t *f;
    const char *path;
    apr_status_t rv;
    int i;

    if ((rv = folder(s, folder_id, &f)) != APR_SUCCESS)
        return rv;
    for (i = 0; i < MD_RETRIES; i++) {
        if ((rv = msg_path(s, f, item_id, i, &path, p)) != APR_SUCCESS)
            return rv;
        if ((rv = md_read_msg(path, out, p)) == APR_SUCCESS)
            return rv;
        if (rv != APR_ENOENT)
            return md_fail(s, rv, "cannot read message", path);
    }
    return rv;
}

/* The info part "2,<flags>" of a name with flags changed, ASCII-sorted,
   keeping flags we do not manage (T, keywords). */
static const char *new_info(const char *name, unsigned set, unsigned clear,
                            apr_pool_t *p)
{
    static const struct { char c; unsigned bit; } map[] = {
        { 'D', EAS_ITEM_DRAFT }, { 'F', EAS_ITEM_FLAGGED },
        { 'P', EAS_ITEM_FORWARDED }, { 'R', EAS_ITEM_ANSWERED },
        { 'S', EAS_ITEM_READ },
    };
    const char *colon = strchr(name, ':');
    const char *old = (colon && colon[1] == '2' && colon[2] == ',')
                      ? colon + 3 : "";
    unsigned char have[128] = { 0 };
    unsigned flags = (md_flags_from_info(old) | set) & ~clear;
    char *out, *o;
    int c;
    apr_size_t k;

    for (; *old; old++)
        if ((unsigned char)*old < 128 && apr_isalpha(*old))
            have[(unsigned char)*old] = 1;
    for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
        have[(unsigned char)map[k].c] = (flags & map[k].bit) != 0;
    out = o = apr_palloc(p, 2 + 128 + 1);
    *o++ = '2';
    *o++ = ',';
    for (c = 'A'; c <= 'z'; c++)
        if (have[c])
            *o++ = (char)c;
    *o = '\0';
    return out;
}

static const char *base_of(const char *name, apr_pool_t *p)
{
    const char *colon = strchr(name, ':');

    return colon ? apr_pstrmemdup(p, name, (apr_size_t)(colon - name)) : name;
}

apr_status_t md_set_flags(eas_store_t *st, const char *folder_id,
                          const char *item_id, unsigned set, unsigned clear,
                          const char **token, apr_pool_t *p)
{
    md_store_t *s = (md_store_t *)st;
    const md_folder_t *f;
    apr_status_t rv;
    md_box_t *b;
    md_msg_t *m;
    int i;

    if ((rv = folder(s, folder_id, &f)) != APR_SUCCESS)
        return rv;
    for (i = 0; i < MD_RETRIES; i++) {
        const char *info, *from, *name;
        if ((rv = md_box_find(s, f, item_id, i > 0, &b, &m)) != APR_SUCCESS)
            return rv;
        info = new_info(m->name, set, clear, p);
        name = apr_pstrcat(b->pool, base_of(m->name, p), ":", info, NULL);
        if (m->sub == 'c' && strcmp(name, m->name) == 0) {
            *token = md_flags_token(m->flags);
            return APR_SUCCESS;
        }
        from = md_msg_path(b, m, p);
        if (rename(from, apr_pstrcat(p, f->dir, "/cur/", name, NULL)) == 0) {
            changed(s, f);
            m->name = name;
            m->sub = 'c';
            m->flags = md_flags_from_info(info + 2);
            *token = md_flags_token(m->flags);
            return APR_SUCCESS;
        }
        if (errno != ENOENT)
            return md_fail(s, md_errno(), "cannot rename", from);
    }
    return APR_ENOENT;
}

static const char *info_of(unsigned flags, apr_pool_t *p)
{
    const char *t = md_flags_token(flags);

    return apr_pstrcat(p, "2,", strcmp(t, "-") == 0 ? "" : t, NULL);
}

/* Write data to a new file in the folder's tmp/. */
static apr_status_t write_tmp(md_store_t *s, const md_folder_t *f,
                              const char *base, const eas_blob_t *data,
                              const char **path, apr_pool_t *p)
{
    apr_size_t off = 0;
    apr_status_t rv = APR_SUCCESS;
    int fd, tries;

    *path = apr_pstrcat(p, f->dir, "/tmp/", base, NULL);
    for (tries = 0; tries < 2; tries++) {
        fd = open(*path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, s->file_mode);
        if (fd >= 0 || errno != ENOENT || tries)
            break;
        /* A folder made by a program that left out tmp/ or cur/. */
        md_make_maildir(s, f->dir, f->special != MD_SPECIAL_INBOX, 1);
    }
    if (fd < 0)
        return md_fail(s, md_errno(), "cannot create", *path);
    while (off < data->len && rv == APR_SUCCESS) {
        ssize_t n = write(fd, data->data + off, data->len - off);
        if (n < 0 && errno != EINTR)
            rv = md_errno();
        else if (n > 0)
            off += (apr_size_t)n;
    }
    if (rv == APR_SUCCESS && fsync(fd) < 0)
        rv = md_errno();
    if (close(fd) < 0 && rv == APR_SUCCESS)
        rv = md_errno();
    if (rv != APR_SUCCESS) {
        unlink(*path);
        return md_fail(s, rv, "cannot write", *path);
    }
    return APR_SUCCESS;
}

apr_status_t md_add(eas_store_t *st, const char *folder_id,
                    const eas_blob_t *data, unsigned flags,
                    const char **new_id, const char **token, apr_pool_t *p)
{
    md_store_t *s = (md_store_t *)st;
    const md_folder_t *f;
    const char *base, *tmp;
    apr_uint64_t uid;
    apr_status_t rv;

    if (!data || (!data->data && data->len))
        return APR_EINVAL;
    if ((rv = folder(s, folder_id, &f)) != APR_SUCCESS)
        return rv;
    base = apr_psprintf(p, "%s,S=%" APR_SIZE_T_FMT, md_unique_base(p, 0),
                        data->len);
    if ((rv = write_tmp(s, f, base, data, &tmp, p)) != APR_SUCCESS)
        return rv;
    rv = md_box_deliver(s, f, tmp, base, info_of(flags, p),
                        apr_time_sec(apr_time_now()), (apr_off_t)data->len,
                        &uid);
    changed(s, f);
    if (rv != APR_SUCCESS) {
        unlink(tmp);
        return md_fail(s, rv, "cannot deliver into", f->dir);
    }
    *new_id = apr_psprintf(p, "%" APR_UINT64_T_FMT, uid);
    if (token)
        *token = md_flags_token(flags);
    return APR_SUCCESS;
}

apr_status_t md_replace(eas_store_t *st, const char *folder_id,
                        const char *item_id, const eas_blob_t *data,
                        const char *if_token, const char **token,
                        apr_pool_t *p)
{
    return APR_ENOTIMPL;        /* mail is never changed, only replaced */
}

static void drop(md_box_t *b, md_msg_t *m)
{
    if (b->by_uid)
        apr_hash_set(b->by_uid, &m->uid, sizeof(m->uid), NULL);
}

/* Mail is deleted whatever its flags are now: if_token is not looked at. */
apr_status_t md_remove(eas_store_t *st, const char *folder_id,
                       const char *item_id, const char *if_token,
                       apr_pool_t *p)
{
    md_store_t *s = (md_store_t *)st;
    const md_folder_t *f;
    apr_status_t rv;
    md_box_t *b;
    md_msg_t *m;
    int i;

    if ((rv = folder(s, folder_id, &f)) != APR_SUCCESS)
        return rv;
    for (i = 0; i < MD_RETRIES; i++) {
        const char *path;
        if ((rv = md_box_find(s, f, item_id, i > 0, &b, &m)) != APR_SUCCESS)
            return rv;
        path = md_msg_path(b, m, p);
        if (unlink(path) == 0) {
            changed(s, f);
            drop(b, m);
            return APR_SUCCESS;
        }
        if (errno != ENOENT)
            return md_fail(s, md_errno(), "cannot remove", path);
    }
    return APR_ENOENT;
}

/* The message's flags for another folder: keywords (lower case) are
   numbered per folder, so only the standard flags travel. */
static const char *moved_info(const char *name, apr_pool_t *p)
{
    const char *info = new_info(name, 0, 0, p);
    char *out = apr_pstrdup(p, info), *o = out + 2;

    for (info += 2; *info; info++)
        if (apr_isupper(*info))
            *o++ = *info;
    *o = '\0';
    return out;
}

/* Across file systems: copy, deliver, then remove the original. */
static apr_status_t move_copy(md_store_t *s, const md_box_t *b,
                              const md_msg_t *m, const md_folder_t *to,
                              const char *base, const char *info,
                              apr_uint64_t *uid, apr_pool_t *p)
{
    const char *from = md_msg_path(b, m, p), *tmp;
    struct timeval tv[2];
    eas_blob_t data;
    apr_status_t rv;

    if ((rv = md_read_msg(from, &data, p)) != APR_SUCCESS)
        return rv;
    if ((rv = write_tmp(s, to, base, &data, &tmp, p)) != APR_SUCCESS)
        return rv;
    tv[0].tv_sec = tv[1].tv_sec = (time_t)m->time;
    tv[0].tv_usec = tv[1].tv_usec = 0;
    utimes(tmp, tv);            /* the received date, as rename keeps it */
    rv = md_box_deliver(s, to, tmp, base, info, m->time, m->size, uid);
    if (rv != APR_SUCCESS) {
        unlink(tmp);
        return md_fail(s, rv, "cannot deliver into", to->dir);
    }
    unlink(from);
    return APR_SUCCESS;
}

apr_status_t md_move(eas_store_t *st, const char *folder_id,
                     const char *item_id, const char *to_folder_id,
                     const char **new_id, apr_pool_t *p)
{
    md_store_t *s = (md_store_t *)st;
    const md_folder_t *f, *to;
    apr_uint64_t uid;
    apr_status_t rv;
    md_box_t *b;
    md_msg_t *m;
    int i;

    if ((rv = folder(s, folder_id, &f)) || (rv = folder(s, to_folder_id, &to)))
        return rv;
    if (f == to)
        return APR_EINVAL;
    for (i = 0; i < MD_RETRIES; i++) {
        const char *base, *info, *from;
        if ((rv = md_box_find(s, f, item_id, i > 0, &b, &m)) != APR_SUCCESS)
            return rv;
        /* A fresh name: the target's uid list may know the old one. */
        base = apr_psprintf(p, "%s,S=%" APR_OFF_T_FMT, md_unique_base(p, 0),
                            m->size);
        info = moved_info(m->name, p);
        from = md_msg_path(b, m, p);
        rv = md_box_deliver(s, to, from, base, info, m->time, m->size, &uid);
        if (rv == APR_EXDEV)
            rv = move_copy(s, b, m, to, base, info, &uid, p);
        changed(s, f);
        changed(s, to);
        if (rv == APR_SUCCESS) {
            drop(b, m);
            *new_id = apr_psprintf(p, "%" APR_UINT64_T_FMT, uid);
            return APR_SUCCESS;
        }
        if (rv != APR_ENOENT)
            return md_fail(s, rv, "cannot move", from);
    }
    return APR_ENOENT;
}

/* Unlink every message file of one of cur/ and new/. */
static apr_status_t empty_sub(md_store_t *s, const md_folder_t *f,
                              const char *sub, apr_pool_t *p)
{
    const char *path = apr_pstrcat(p, f->dir, "/", sub, NULL);
    apr_status_t rv = APR_SUCCESS;
    DIR *d = opendir(path);
    struct dirent *e;

    if (!d)
        return errno == ENOENT ? APR_SUCCESS
               : md_fail(s, md_errno(), "cannot read", path);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || e->d_type == DT_DIR)
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT
            && errno != EISDIR && rv == APR_SUCCESS)
            rv = md_fail(s, md_errno(), "cannot remove a message in", path);
    }
    closedir(d);
    return rv;
}

apr_status_t md_empty(eas_store_t *st, const char *folder_id,
                      int subfolders, apr_pool_t *p)
{
    md_store_t *s = (md_store_t *)st;
    const md_folder_t *f;
    apr_status_t rv;

    if ((rv = folder(s, folder_id, &f)) != APR_SUCCESS)
        return rv;
    rv = empty_sub(s, f, "cur", p);
    if (rv == APR_SUCCESS)
        rv = empty_sub(s, f, "new", p);
    changed(s, f);
    if (rv != APR_SUCCESS)
        return rv;
    md_box_forget(s, f);
    return subfolders ? md_folder_delete_children(s, f->id, p) : APR_SUCCESS;
}
