/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stable item ids: the per-folder uid list.
 *
 * DIR/eas-uidlist maps each message's base name (its file name up to
 * ':') to a uid, with the message's received time (mtime, which Dovecot
 * sets to the IMAP INTERNALDATE) and size cached so that a listing needs
 * no stat() per message.  The base survives delivery new/ -> cur/ and
 * flag changes by any mail program, so the uid does too.
 *
 * Readers read the list without a lock: writers only append whole lines
 * under the folder's lock (a partial last line is ignored) or replace the
 * file by rename.  A file we do not know yet gets its uid under the lock,
 * after the list has been read again, so two processes never give one
 * message two uids nor two messages one uid.  Our own deliveries take
 * their uid and appear in cur/ while the lock is held.  Uids only grow.
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
#include <time.h>
#include <unistd.h>

#define MD_UIDLIST_MAGIC "EASUID1"
/* Rewrite the list when it holds this many more dead lines than live. */
#define MD_COMPACT_MIN 1000

static const char *const tokens[32] = {
    "-", "S", "F", "FS", "R", "RS", "FR", "FRS",
    "P", "PS", "FP", "FPS", "PR", "PRS", "FPR", "FPRS",
    "D", "DS", "DF", "DFS", "DR", "DRS", "DFR", "DFRS",
    "DP", "DPS", "DFP", "DFPS", "DPR", "DPRS", "DFPR", "DFPRS",
};

const char *md_flags_token(unsigned flags)
{
    return tokens[flags & 0x1F];
}

unsigned md_flags_from_info(const char *info)
{
    unsigned f = 0;

    for (; *info; info++) {
        switch (*info) {
        case 'S': f |= EAS_ITEM_READ; break;
        case 'F': f |= EAS_ITEM_FLAGGED; break;
        case 'R': f |= EAS_ITEM_ANSWERED; break;
        case 'P': f |= EAS_ITEM_FORWARDED; break;
        case 'D': f |= EAS_ITEM_DRAFT; break;
        default: break;
        }
    }
    return f;
}

static apr_uint32_t hash_of(const char *k, apr_size_t n)
{
    apr_uint32_t h = 2166136261u;

    while (n--)
        h = (h ^ (unsigned char)*k++) * 16777619u;
    return h;
}

static void idx_init(md_box_t *b, apr_size_t expect)
{
    apr_size_t size = 64;

    while (size < expect * 2)
        size <<= 1;
    b->by_base.slot = apr_pcalloc(b->pool, size * sizeof(md_msg_t *));
    b->by_base.mask = size - 1;
    b->by_base.n = 0;
}

static md_msg_t *idx_get(const md_box_t *b, const char *k, apr_size_t n)
{
    apr_uint32_t h = hash_of(k, n);
    apr_size_t i = h & b->by_base.mask;
    md_msg_t *m;

    while ((m = b->by_base.slot[i]) != NULL) {
        if (m->hash == h && m->blen == n && memcmp(m->base, k, n) == 0)
            return m;
        i = (i + 1) & b->by_base.mask;
    }
    return NULL;
}

/* Add m (its base not yet present). */
static void idx_put(md_box_t *b, md_msg_t *m)
{
    md_index_t *x = &b->by_base;
    apr_size_t i;

    if ((x->n + 1) * 2 > x->mask + 1) {
        md_index_t old = *x;
        idx_init(b, (x->mask + 1));
        for (i = 0; i <= old.mask; i++)
            if (old.slot[i])
                idx_put(b, old.slot[i]);
    }
    m->hash = hash_of(m->base, m->blen);
    for (i = m->hash & x->mask; x->slot[i]; i = (i + 1) & x->mask)
        ;
    x->slot[i] = m;
    x->n++;
}

/* An unsigned decimal field ending at sep; NULL if malformed. */
static char *parse_num(char *c, char sep, apr_uint64_t *v)
{
    apr_uint64_t n = 0;
    char *start = c;

    while (*c >= '0' && *c <= '9' && c - start < 19)
        n = n * 10 + (apr_uint64_t)(*c++ - '0');
    if (c == start || *c != sep)
        return NULL;
    *v = n;
    return c + 1;
}

/* Parse list lines in place; a line without '\n' (being written) stops.
   Without an index only the next uid is wanted. */
static void parse_lines(md_box_t *b, char *c, char *end, int index)
{
    apr_uint64_t uid, t, size;

    while (c < end) {
        char *nl = memchr(c, '\n', (apr_size_t)(end - c)), *base;
        md_msg_t *m;

        if (!nl)
            break;
        *nl = '\0';
        if ((base = parse_num(c, ' ', &uid)) && (base = parse_num(base, ' ', &t))
            && (base = parse_num(base, ' ', &size)) && *base && uid > 0) {
            b->entries++;
            if (uid >= b->next_uid)
                b->next_uid = uid + 1;
            apr_size_t blen = (apr_size_t)(nl - base);
            if (index && !idx_get(b, base, blen)) {
                m = apr_pcalloc(b->pool, sizeof(*m));
                m->uid = uid;
                m->time = (apr_int64_t)t;
                m->size = (apr_off_t)size;
                m->base = base;
                m->blen = blen;
                idx_put(b, m);
            }
        }
        c = nl + 1;
    }
}

static const char *list_path(const md_box_t *b, apr_pool_t *p)
{
    return apr_pstrcat(p, b->f->dir, "/" MD_UIDLIST, NULL);
}

/* Read the whole list into b; a missing list is an empty one. */
static apr_status_t list_read(md_store_t *s, md_box_t *b, int *ends_nl,
                              int index)
{
    const char *path = list_path(b, b->pool);
    apr_uint64_t next;
    apr_size_t len;
    char *data, *c;
    apr_status_t rv;

    b->next_uid = 1;
    *ends_nl = 1;
    rv = md_read_file(path, &data, &len, b->pool);
    if (rv == APR_ENOENT)
        return APR_SUCCESS;
    if (rv != APR_SUCCESS)
        return md_fail(s, rv, "cannot read", path);
    b->list_exists = 1;
    b->list_off = (apr_off_t)len;
    if (len == 0)
        return APR_SUCCESS;
    *ends_nl = data[len - 1] == '\n';
    if (index)
        idx_init(b, len / 40 + 16);
    c = data + sizeof(MD_UIDLIST_MAGIC);
    if (len < sizeof(MD_UIDLIST_MAGIC) + 2
        || memcmp(data, MD_UIDLIST_MAGIC " ", sizeof(MD_UIDLIST_MAGIC)) != 0
        || !(c = parse_num(c, '\n', &next))) {
        eas_store_log(&s->base, MD_LOG_ERR, APR_EGENERAL,
                      "maildir: %s is not a uid list; move it away to "
                      "renumber the folder's items", path);
        return APR_EGENERAL;
    }
    if (next > b->next_uid)
        b->next_uid = next;
    parse_lines(b, c, data + len, index);
    return APR_SUCCESS;
}

/* Whether cur/ or new/ holds any message (a lost list must not restart
   uids at 1: old ids would come back for other messages). */
static int has_mail(const md_folder_t *f, apr_pool_t *p)
{
    static const char *const subs[] = { "/cur", "/new" };
    int i, found = 0;

    for (i = 0; i < 2 && !found; i++) {
        DIR *d = opendir(apr_pstrcat(p, f->dir, subs[i], NULL));
        struct dirent *e;
        if (!d)
            continue;
        while (!found && (e = readdir(d)) != NULL)
            found = e->d_name[0] != '.';
        closedir(d);
    }
    return found;
}

static void fresh_list_start(md_box_t *b, int has_messages)
{
    apr_uint64_t now = (apr_uint64_t)apr_time_sec(apr_time_now());

    if (!b->list_exists && has_messages && b->next_uid < now)
        b->next_uid = now;
}

/* Append lines (under the lock), with a header if the list is new. */
static apr_status_t list_append(md_store_t *s, md_box_t *b, int ends_nl,
                                apr_uint64_t first_uid, const char *lines)
{
    const char *path = list_path(b, b->pool), *pre = "";
    apr_size_t len, off = 0;
    int fd;

    if (!b->list_exists || b->list_off == 0)
        pre = apr_psprintf(b->pool, MD_UIDLIST_MAGIC " %" APR_UINT64_T_FMT
                           "\n", first_uid);
    else if (!ends_nl)
        pre = "\n";     /* seal a line cut short by a crash */
    lines = apr_pstrcat(b->pool, pre, lines, NULL);
    len = strlen(lines);
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, s->file_mode);
    if (fd < 0)
        return md_fail(s, md_errno(), "cannot open", path);
    while (off < len) {
        ssize_t n = write(fd, lines + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            apr_status_t rv = md_errno();
            close(fd);
            return md_fail(s, rv, "cannot write", path);
        }
        off += (apr_size_t)n;
    }
    if (close(fd) < 0)
        return md_fail(s, md_errno(), "cannot write", path);
    b->list_exists = 1;
    b->list_off += (apr_off_t)len;
    return APR_SUCCESS;
}

typedef struct {
    const char *name;
    apr_size_t blen;
    char sub;
} pending_t;

static int name_ok(const char *n)
{
    for (; *n; n++)
        if ((unsigned char)*n < 0x20 || *n == 0x7F)
            return 0;
    return 1;
}

/* Join one of cur/ and new/ with the list. */
static apr_status_t scan_sub(md_store_t *s, md_box_t *b, const char *sub,
                             apr_array_header_t *pending)
{
    const char *path = apr_pstrcat(b->pool, b->f->dir, "/", sub, NULL);
    DIR *d = opendir(path);
    struct dirent *e;

    if (!d) {
        if (errno == ENOENT)
            return APR_SUCCESS;     /* a folder without messages yet */
        return md_fail(s, md_errno(), "cannot read", path);
    }
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name, *colon;
        apr_size_t blen;
        md_msg_t *m;

        if (name[0] == '.' || !name_ok(name))
            continue;
        if (e->d_type != DT_REG) {
            struct stat sb;
            if (e->d_type != DT_UNKNOWN
                || fstatat(dirfd(d), name, &sb, AT_SYMLINK_NOFOLLOW) < 0
                || !S_ISREG(sb.st_mode))
                continue;
        }
        colon = strchr(name, ':');
        blen = colon ? (apr_size_t)(colon - name) : strlen(name);
        if (blen == 0)
            continue;
        m = idx_get(b, name, blen);
        if (m && m->name && !(sub[0] == 'c' && m->sub == 'n'))
            continue;
        if (!m) {
            pending_t *pd = apr_array_push(pending);
            pd->name = apr_pstrdup(b->pool, name);
            pd->blen = blen;
            pd->sub = sub[0];
            continue;
        }
        /* The same message in new/ and cur/ (a copy half done): cur/
           wins, as it does for every Maildir reader. */
        if (!m->name)
            APR_ARRAY_PUSH(b->live, md_msg_t *) = m;
        m->name = apr_pstrdup(b->pool, name);
        m->sub = sub[0];
        m->flags = (colon && colon[1] == '2' && colon[2] == ',')
                   ? md_flags_from_info(colon + 3) : 0;
    }
    closedir(d);
    return APR_SUCCESS;
}

static int same_time(const struct stat *a, const struct stat *b)
{
    return a->st_mtim.tv_sec == b->st_mtim.tv_sec
           && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec
           && a->st_ctim.tv_sec == b->st_ctim.tv_sec
           && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void dir_times(const md_box_t *b, struct stat *st)
{
    if (stat(apr_pstrcat(b->pool, b->f->dir, "/new", NULL), &st[0]) < 0)
        memset(&st[0], 0, sizeof(st[0]));
    if (stat(apr_pstrcat(b->pool, b->f->dir, "/cur", NULL), &st[1]) < 0)
        memset(&st[1], 0, sizeof(st[1]));
}

/*
 * Scan new/ then cur/: a message moving new/ -> cur/ meanwhile is seen
 * at least once.  A rename inside a directory during readdir() may hide
 * a file from it, so a scan during which a directory changed is done
 * again.  *quiet: the last scan saw no change, and nothing changed for
 * a while, so a message missing from it is really gone.
 */
static apr_status_t scan_all(md_store_t *s, md_box_t *b,
                             apr_array_header_t *pending, int *quiet)
{
    struct stat before[2], after[2];
    apr_status_t rv;
    int round, i, stable = 0;

    for (round = 0; round < 3 && !stable; round++) {
        for (i = 0; i < b->live->nelts; i++)
            APR_ARRAY_IDX(b->live, i, md_msg_t *)->name = NULL;
        b->live->nelts = 0;
        pending->nelts = 0;
        dir_times(b, before);
        if ((rv = scan_sub(s, b, "new", pending))
            || (rv = scan_sub(s, b, "cur", pending)))
            return rv;
        dir_times(b, after);
        stable = same_time(&before[0], &after[0])
                 && same_time(&before[1], &after[1]);
    }
    *quiet = stable && after[0].st_mtime < time(NULL) - 2
             && after[1].st_mtime < time(NULL) - 2;
    return APR_SUCCESS;
}

/* Give uids to new files (under the lock). */
static apr_status_t assign(md_store_t *s, md_box_t *b, int ends_nl,
                           const apr_array_header_t *pending)
{
    apr_array_header_t *lines = apr_array_make(b->pool, pending->nelts,
                                               sizeof(char *));
    apr_uint64_t first;
    int i;

    fresh_list_start(b, pending->nelts > 0);
    first = b->next_uid;
    for (i = 0; i < pending->nelts; i++) {
        const pending_t *pd = &APR_ARRAY_IDX(pending, i, pending_t);
        const char *colon = pd->name + pd->blen;
        struct stat sb;
        md_msg_t *m;

        if ((m = idx_get(b, pd->name, pd->blen)) != NULL) {
            if (pd->sub == 'c' && m->sub == 'n') {
                m->name = pd->name;     /* cur/ wins */
                m->sub = 'c';
                m->flags = (*colon == ':' && colon[1] == '2'
                            && colon[2] == ',')
                           ? md_flags_from_info(colon + 3) : 0;
            }
            continue;
        }
        if (stat(apr_pstrcat(b->pool, b->f->dir, pd->sub == 'c' ? "/cur/"
                             : "/new/", pd->name, NULL), &sb) < 0)
            continue;           /* gone meanwhile */
        m = apr_pcalloc(b->pool, sizeof(*m));
        m->uid = b->next_uid++;
        m->time = (apr_int64_t)sb.st_mtime;
        m->size = (apr_off_t)sb.st_size;
        m->base = apr_pstrmemdup(b->pool, pd->name, pd->blen);
        m->blen = pd->blen;
        m->name = pd->name;
        m->sub = pd->sub;
        m->flags = (*colon == ':' && colon[1] == '2' && colon[2] == ',')
                   ? md_flags_from_info(colon + 3) : 0;
        idx_put(b, m);
        APR_ARRAY_PUSH(b->live, md_msg_t *) = m;
        APR_ARRAY_PUSH(lines, char *) = apr_psprintf(b->pool,
            "%" APR_UINT64_T_FMT " %" APR_INT64_T_FMT " %" APR_OFF_T_FMT
            " %s\n", m->uid, m->time, m->size, m->base);
        b->entries++;
    }
    if (lines->nelts == 0)
        return APR_SUCCESS;
    return list_append(s, b, ends_nl, first,
                       apr_array_pstrcat(b->pool, lines, 0));
}

static int by_uid_cmp(const void *a, const void *b)
{
    const md_msg_t *x = *(md_msg_t *const *)a, *y = *(md_msg_t *const *)b;

    return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* Rewrite the list with the live messages only (under the lock). */
static apr_status_t compact(md_store_t *s, md_box_t *b)
{
    apr_array_header_t *lines = apr_array_make(b->pool, b->live->nelts + 1,
                                               sizeof(char *));
    apr_array_header_t *sorted = apr_array_copy(b->pool, b->live);
    const char *text;
    apr_status_t rv;
    int i;

    qsort(sorted->elts, (size_t)sorted->nelts, sizeof(md_msg_t *),
          by_uid_cmp);
    APR_ARRAY_PUSH(lines, char *) = apr_psprintf(b->pool,
        MD_UIDLIST_MAGIC " %" APR_UINT64_T_FMT "\n", b->next_uid);
    for (i = 0; i < sorted->nelts; i++) {
        const md_msg_t *m = APR_ARRAY_IDX(sorted, i, md_msg_t *);
        APR_ARRAY_PUSH(lines, char *) = apr_psprintf(b->pool,
            "%" APR_UINT64_T_FMT " %" APR_INT64_T_FMT " %" APR_OFF_T_FMT
            " %s\n", m->uid, m->time, m->size, m->base);
    }
    text = apr_array_pstrcat(b->pool, lines, 0);
    rv = md_write_atomic(s, list_path(b, b->pool), text, strlen(text));
    if (rv == APR_SUCCESS)
        b->entries = sorted->nelts;
    return rv;
}

static apr_status_t box_build(md_store_t *s, const md_folder_t *f,
                              int lockfd, md_box_t **out)
{
    apr_array_header_t *pending;
    apr_pool_t *bp;
    apr_status_t rv;
    struct stat sb;
    md_box_t *b;
    int ends_nl, dead, fd, quiet, compact_now;

    apr_pool_create(&bp, s->pool);
    b = apr_pcalloc(bp, sizeof(*b));
    b->pool = bp;
    b->f = f;
    idx_init(b, 16);
    b->live = apr_array_make(bp, 256, sizeof(md_msg_t *));
    pending = apr_array_make(bp, 16, sizeof(pending_t));
    if (stat(f->dir, &sb) < 0) {
        rv = md_fail(s, md_errno(), "folder vanished:", f->dir);
        goto fail;
    }
    if ((rv = list_read(s, b, &ends_nl, 1))
        || (rv = scan_all(s, b, pending, &quiet)))
        goto fail;
    dead = b->entries - b->live->nelts;
    compact_now = quiet && dead > MD_COMPACT_MIN && dead > b->live->nelts;
    if (pending->nelts || compact_now) {
        if (lockfd < 0) {
            apr_pool_destroy(bp);
            fd = md_lock(s, apr_pstrcat(s->pool, f->dir, "/" MD_UIDLIST_LOCK,
                                        NULL));
            if (fd < 0)
                return APR_EGENERAL;
            rv = box_build(s, f, fd, out);
            md_unlock(fd);
            return rv;
        }
        if ((rv = assign(s, b, ends_nl, pending)))
            goto fail;
        if (compact_now && (rv = compact(s, b)))
            goto fail;
    }
    *out = b;
    return APR_SUCCESS;
fail:
    apr_pool_destroy(bp);
    return rv;
}

void md_box_forget(md_store_t *s, const md_folder_t *f)
{
    md_box_t *b = apr_hash_get(s->boxes, f->id, APR_HASH_KEY_STRING);

    if (b) {
        apr_hash_set(s->boxes, f->id, APR_HASH_KEY_STRING, NULL);
        apr_pool_destroy(b->pool);
    }
}

apr_status_t md_box_get(md_store_t *s, const md_folder_t *f, int fresh,
                        md_box_t **out)
{
    md_box_t *b = apr_hash_get(s->boxes, f->id, APR_HASH_KEY_STRING);
    apr_status_t rv;

    if (b && !fresh && b->f == f) {
        *out = b;
        return APR_SUCCESS;
    }
    md_box_forget(s, f);
    if ((rv = box_build(s, f, -1, &b)) != APR_SUCCESS)
        return rv;
    apr_hash_set(s->boxes, f->id, APR_HASH_KEY_STRING, b);
    *out = b;
    return APR_SUCCESS;
}

apr_uint64_t md_parse_item_id(const char *id)
{
    apr_uint64_t v = 0;
    int n = 0;

    if (!id || *id < '1' || *id > '9')
        return 0;
    for (; *id; id++, n++) {
        if (*id < '0' || *id > '9' || n >= 19)
            return 0;
        v = v * 10 + (apr_uint64_t)(*id - '0');
    }
    return v;
}

apr_status_t md_box_find(md_store_t *s, const md_folder_t *f,
                         const char *item_id, int fresh, md_box_t **box,
                         md_msg_t **m)
{
    apr_uint64_t uid = md_parse_item_id(item_id);
    apr_status_t rv;
    int round;

    if (!uid)
        return APR_ENOENT;
    for (round = 0; round < 2; round++, fresh = 1) {
        if ((rv = md_box_get(s, f, fresh, box)) != APR_SUCCESS)
            return rv;
        if (!(*box)->by_uid) {
            md_box_t *b = *box;
            int i;
            b->by_uid = apr_hash_make(b->pool);
            for (i = 0; i < b->live->nelts; i++) {
                md_msg_t *x = APR_ARRAY_IDX(b->live, i, md_msg_t *);
                apr_hash_set(b->by_uid, &x->uid, sizeof(x->uid), x);
            }
        }
        if ((*m = apr_hash_get((*box)->by_uid, &uid, sizeof(uid))))
            return APR_SUCCESS;
        if (fresh)
            break;
    }
    return APR_ENOENT;
}

/* Our own delivery joins the cached scan: no rescan to find it. */
static void box_insert(md_store_t *s, const md_folder_t *f, apr_uint64_t uid,
                       const char *base, const char *info, apr_int64_t time,
                       apr_off_t size)
{
    md_box_t *b = apr_hash_get(s->boxes, f->id, APR_HASH_KEY_STRING);
    md_msg_t *m;

    if (!b || b->f != f || idx_get(b, base, strlen(base))) {
        md_box_forget(s, f);
        return;
    }
    m = apr_pcalloc(b->pool, sizeof(*m));
    m->uid = uid;
    m->time = time;
    m->size = size;
    m->base = apr_pstrdup(b->pool, base);
    m->blen = strlen(base);
    m->name = apr_pstrcat(b->pool, base, ":", info, NULL);
    m->sub = 'c';
    m->flags = md_flags_from_info(info + 2);
    idx_put(b, m);
    APR_ARRAY_PUSH(b->live, md_msg_t *) = m;
    if (b->by_uid)
        apr_hash_set(b->by_uid, &m->uid, sizeof(m->uid), m);
    b->entries++;
    if (uid >= b->next_uid)
        b->next_uid = uid + 1;
}

apr_status_t md_box_deliver(md_store_t *s, const md_folder_t *f,
                            const char *from, const char *base,
                            const char *info, apr_int64_t time,
                            apr_off_t size, apr_uint64_t *uid)
{
    apr_pool_t *bp;
    apr_status_t rv;
    md_box_t *b;
    int fd, ends_nl;
    const char *to;

    fd = md_lock(s, apr_pstrcat(s->pool, f->dir, "/" MD_UIDLIST_LOCK, NULL));
    if (fd < 0)
        return APR_EGENERAL;
    apr_pool_create(&bp, s->pool);
    b = apr_pcalloc(bp, sizeof(*b));
    b->pool = bp;
    b->f = f;
    if ((rv = list_read(s, b, &ends_nl, 0)) != APR_SUCCESS)
        goto done;
    fresh_list_start(b, !b->list_exists && has_mail(f, bp));
    *uid = b->next_uid;
    rv = list_append(s, b, ends_nl, *uid, apr_psprintf(bp,
        "%" APR_UINT64_T_FMT " %" APR_INT64_T_FMT " %" APR_OFF_T_FMT " %s\n",
        *uid, time, size, base));
    if (rv != APR_SUCCESS)
        goto done;
    to = apr_pstrcat(bp, f->dir, "/cur/", base, ":", info, NULL);
    if (rename(from, to) < 0)
        rv = md_errno();        /* the caller logs or falls back */
done:
    md_unlock(fd);
    apr_pool_destroy(bp);
    if (rv == APR_SUCCESS)
        box_insert(s, f, *uid, base, info, time, size);
    else
        md_box_forget(s, f);
    return rv;
}
