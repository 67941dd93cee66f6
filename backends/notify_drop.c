/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Change notifications between processes (notify_drop.h): the drop
 * files, their names, the inotify reader and the sweep.  Linux inotify(7)
 * (IN_MOVED_TO); rename(2) makes a drop appear whole.
 */
#include "notify_drop.h"

#include <apr_strings.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define DROP_KIND_MAX 8         /* the longest kind's name, and more */
#define DROP_TEXT_MAX (DROP_KIND_MAX + EAS_DROP_USER_MAX \
                       + EAS_DROP_WHERE_MAX + 4)

struct eas_drop_reader {
    int fd;                     /* inotify */
    eas_drop_kind_t kind;
    const char *dir;
    apr_time_t swept;           /* the last sweep */
};

const char *eas_drop_kind_name(eas_drop_kind_t kind)
{
    switch (kind) {
    case EAS_DROP_DAV:
        return "dav";
    case EAS_DROP_IMAP:
        return "imap";
    }
    return NULL;
}

/* ---- names ---- */

static int is_control(unsigned c)
{
    return c < 0x20 || c == 0x7f;
}

static int user_ok(const char *user)
{
    const unsigned char *c;

    if (!user || !*user || strlen(user) > EAS_DROP_USER_MAX)
        return 0;
    for (c = (const unsigned char *)user; *c; c++)
        if (is_control(*c))
            return 0;
    return 1;
}

static int href_ok(const char *href)
{
    const unsigned char *c;

    if (href[0] != '/')
        return 0;
    for (c = (const unsigned char *)href; *c; c++)
        if (*c == ' ' || is_control(*c))
            return 0;
    return 1;
}

/* The length of the UTF-8 sequence at s (1 to 4), 0: not one (RFC 3629
   section 4: no overlong forms, no surrogates, nothing past U+10FFFF). */
static int utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (s[0] >= 0xe0 && s[0] <= 0xef) {
        unsigned lo = s[0] == 0xe0 ? 0xa0 : 0x80;
        unsigned hi = s[0] == 0xed ? 0x9f : 0xbf;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        unsigned lo = s[0] == 0xf0 ? 0x90 : 0x80;
        unsigned hi = s[0] == 0xf4 ? 0x8f : 0xbf;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80
               && (s[3] & 0xc0) == 0x80 ? 4 : 0;
    }
    return 0;
}

static int mailbox_ok(const char *name)
{
    const unsigned char *c = (const unsigned char *)name;

    while (*c) {
        int n = utf8_len(c);
        if (!n || is_control(*c)
            || (n == 2 && c[0] == 0xc2 && c[1] < 0xa0))   /* C1 */
            return 0;
        c += n;
    }
    return 1;
}

int eas_drop_name_ok(eas_drop_kind_t kind, const char *user,
                     const char *where)
{
    if (!eas_drop_kind_name(kind) || !user_ok(user))
        return 0;
    if (!where || !*where)
        return 1;
    if (strlen(where) > EAS_DROP_WHERE_MAX)
        return 0;
    return kind == EAS_DROP_DAV ? href_ok(where) : mailbox_ok(where);
}

/* ---- writing ---- */

/* FNV-1a over the drop's text: one file name per (kind, user, where). */
static apr_uint64_t text_hash(const char *text)
{
    apr_uint64_t h = APR_UINT64_C(14695981039346656037);
    const unsigned char *c;

    for (c = (const unsigned char *)text; *c; c++)
        h = (h ^ *c) * APR_UINT64_C(1099511628211);
    return h;
}

/* text into a fresh temporary file of dir, renamed to path. */
static apr_status_t write_rename(const char *dir, const char *text,
                                 const char *path, apr_pool_t *p)
{
    static apr_uint32_t seq;
    apr_size_t len = strlen(text);
    const char *tmp = apr_psprintf(
        p, "%s/.%ld.%u", dir, (long)getpid(),
        __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0)
        return APR_FROM_OS_ERROR(errno);
    if (write(fd, text, len) != (ssize_t)len || close(fd) != 0
        || rename(tmp, path) != 0) {
        apr_status_t rv = APR_FROM_OS_ERROR(errno);
        close(fd);
        unlink(tmp);
        return rv;
    }
    return APR_SUCCESS;
}

apr_status_t eas_drop_write(const char *dir, eas_drop_kind_t kind,
                            const char *user, const char *where,
                            apr_pool_t *p)
{
    const char *kname = eas_drop_kind_name(kind), *text;

    if (!eas_drop_name_ok(kind, user, where))
        return APR_EINVAL;
    text = apr_pstrcat(p, kname, "\n", user, "\n", where ? where : "", "\n",
                       NULL);
    return write_rename(dir, text, apr_psprintf(
                            p, "%s/%s-%016" APR_UINT64_T_HEX_FMT, dir,
                            kname, text_hash(text)), p);
}

/* ---- reading ---- */

apr_status_t eas_drop_reader_open(eas_drop_reader_t **out, const char *dir,
                                  eas_drop_kind_t kind)
{
    eas_drop_reader_t *r;
    apr_status_t rv;

    if (!eas_drop_kind_name(kind))
        return APR_EINVAL;
    if (!(r = calloc(1, sizeof(*r))))
        return APR_ENOMEM;
    r->kind = kind;
    r->dir = dir;
    r->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (r->fd < 0 || inotify_add_watch(r->fd, dir, IN_MOVED_TO) < 0) {
        rv = APR_FROM_OS_ERROR(errno);
        if (r->fd >= 0)
            close(r->fd);
        free(r);
        return rv;
    }
    *out = r;
    return APR_SUCCESS;
}

int eas_drop_reader_fd(const eas_drop_reader_t *r)
{
    return r->fd;
}

/* Split the text of a drop in place: kind, user, where; 0: malformed. */
static int split(char *buf, char **kind, char **user, char **where)
{
    char *nl;

    *kind = buf;
    if (!(nl = strchr(buf, '\n')))
        return 0;
    *nl = '\0';
    *user = nl + 1;
    if (!(nl = strchr(*user, '\n')))
        return 0;
    *nl = '\0';
    *where = nl + 1;
    if ((nl = strchr(*where, '\n')))
        *nl = '\0';
    return 1;
}

/* The drop file name: told when of the reader's kind; 1 when told. */
static int read_one(eas_drop_reader_t *r, const char *name, eas_drop_fn fn,
                    void *baton)
{
    const char *kname = eas_drop_kind_name(r->kind);
    apr_size_t klen = strlen(kname);
    char path[4096], buf[DROP_TEXT_MAX + 1], *kind, *user, *where;
    ssize_t n;
    int fd;

    if (strncmp(name, kname, klen) != 0 || name[klen] != '-'
        || snprintf(path, sizeof(path), "%s/%s", r->dir, name)
           >= (int)sizeof(path))
        return 0;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    if (!split(buf, &kind, &user, &where) || strcmp(kind, kname) != 0
        || !eas_drop_name_ok(r->kind, user, where))
        return 0;
    fn(baton, r->kind, user, where);
    return 1;
}

int eas_drop_reader_read(eas_drop_reader_t *r, eas_drop_fn fn, void *baton)
{
    char buf[8192]
        __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    int told = 0;

    while ((n = read(r->fd, buf, sizeof(buf))) > 0) {
        char *c = buf;
        while (c < buf + n) {
            const struct inotify_event *ev = (const void *)c;
            if (ev->mask & IN_Q_OVERFLOW) {
                fn(baton, r->kind, NULL, NULL);
                told++;
            }
            else if (ev->len && (ev->mask & IN_MOVED_TO))
                told += read_one(r, ev->name, fn, baton);
            c += sizeof(*ev) + ev->len;
        }
    }
    return told;
}

void eas_drop_reader_sweep(eas_drop_reader_t *r)
{
    apr_time_t now = apr_time_now();
    struct dirent *de;
    struct stat st;
    DIR *d;

    if (r->swept + EAS_DROP_AGE > now)
        return;
    r->swept = now;
    if (!(d = opendir(r->dir)))
        return;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0
            && S_ISREG(st.st_mode)
            && apr_time_from_sec(st.st_mtime) + EAS_DROP_AGE <= now)
            unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

void eas_drop_reader_close(eas_drop_reader_t *r)
{
    if (!r)
        return;
    close(r->fd);
    free(r);
}
