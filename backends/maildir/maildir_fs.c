/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File system helpers of the Maildir backend: locks, atomic writes,
 * directory creation and removal, unique message names.
 */
#include "maildir.h"

#include <apr_lib.h>
#include <apr_strings.h>

#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

apr_status_t md_errno(void)
{
    return errno ? APR_FROM_OS_ERROR(errno) : APR_EGENERAL;
}

apr_status_t md_fail(md_store_t *s, apr_status_t rv, const char *what,
                     const char *path)
{
    char buf[120];

    eas_store_log(&s->base, MD_LOG_ERR, rv, "maildir: %s %s: %s", what,
                  path, apr_strerror(rv, buf, sizeof(buf)));
    return rv;
}

/*
 * Open-file-description locks belong to the open file, not the process,
 * so two threads of one httpd child exclude each other too; flock() has
 * the same property where OFD locks are missing.
 */
int md_lock(md_store_t *s, const char *path)
{
    struct flock fl;
    int fd, rc;

    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, s->file_mode);
    if (fd < 0) {
        md_fail(s, md_errno(), "cannot open lock file", path);
        return -1;
    }
#ifdef F_OFD_SETLKW
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    do
        rc = fcntl(fd, F_OFD_SETLKW, &fl);
    while (rc < 0 && errno == EINTR);
    if (rc == 0)
        return fd;
    if (errno != EINVAL) {
        md_fail(s, md_errno(), "cannot lock", path);
        close(fd);
        return -1;
    }
#else
    (void)fl;
#endif
    do
        rc = flock(fd, LOCK_EX);
    while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        md_fail(s, md_errno(), "cannot lock", path);
        close(fd);
        return -1;
    }
    return fd;
}

void md_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}

static apr_uint32_t name_counter;

static unsigned next_counter(void)
{
    return __atomic_add_fetch(&name_counter, 1, __ATOMIC_RELAXED);
}

static apr_status_t write_all(int fd, const char *data, apr_size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return md_errno();
        }
        data += n;
        len -= (apr_size_t)n;
    }
    return APR_SUCCESS;
}

apr_status_t md_write_atomic(md_store_t *s, const char *path,
                             const char *data, apr_size_t len)
{
    char tmp[4096];
    apr_status_t rv;
    int fd;

    if (apr_snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.%u", path, (long)getpid(),
                     next_counter()) >= (int)sizeof(tmp) - 1)
        return md_fail(s, APR_ENAMETOOLONG, "path too long", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, s->file_mode);
    if (fd < 0)
        return md_fail(s, md_errno(), "cannot create", tmp);
    rv = write_all(fd, data, len);
    if (rv == APR_SUCCESS && fsync(fd) < 0)
        rv = md_errno();
    if (close(fd) < 0 && rv == APR_SUCCESS)
        rv = md_errno();
    if (rv == APR_SUCCESS && rename(tmp, path) < 0)
        rv = md_errno();
    if (rv != APR_SUCCESS) {
        unlink(tmp);
        return md_fail(s, rv, "cannot write", path);
    }
    return APR_SUCCESS;
}

/*
 * Large files (messages of many megabytes) are read into buffers the
 * process keeps for the next read: memory freshly mapped for each one,
 * faulted in page by page and handed back after each item, would cost more
 * than the read itself.  A buffer is lent to the reader's pool and comes
 * back when that pool goes; at most MD_BUF_SPARE wait between reads.
 */
#define MD_BUF_MIN (64 * 1024)          /* smaller: from the pool */
#define MD_BUF_MAX (4 * 1024 * 1024)    /* larger: from the pool */
#define MD_BUF_SPARE 4

typedef struct {
    char *mem;
    apr_size_t size;
} md_buf_t;

static pthread_mutex_t buf_lock = PTHREAD_MUTEX_INITIALIZER;
static md_buf_t spare[MD_BUF_SPARE];

static apr_status_t buf_give(void *data)
{
    md_buf_t *b = data, drop = *b;
    int i, slot = -1;

    pthread_mutex_lock(&buf_lock);
    /* an empty slot, else the smallest kept buffer if b is larger */
    for (i = 0; i < MD_BUF_SPARE; i++) {
        if (!spare[i].mem) {
            slot = i;
            break;
        }
        if (slot < 0 || spare[i].size < spare[slot].size)
            slot = i;
    }
    if (!spare[slot].mem || spare[slot].size < b->size) {
        drop = spare[slot];
        spare[slot] = *b;
    }
    pthread_mutex_unlock(&buf_lock);
    free(drop.mem);
    return APR_SUCCESS;
}

/* A buffer of at least need bytes lent until p goes, or NULL. */
static char *buf_take(apr_size_t need, apr_pool_t *p)
{
    md_buf_t *b = apr_palloc(p, sizeof(*b));
    int i, best = -1;

    b->mem = NULL;
    pthread_mutex_lock(&buf_lock);
    for (i = 0; i < MD_BUF_SPARE; i++)
        if (spare[i].mem && spare[i].size >= need
            && (best < 0 || spare[i].size < spare[best].size))
            best = i;
    if (best >= 0) {
        *b = spare[best];
        spare[best].mem = NULL;
        spare[best].size = 0;
    }
    pthread_mutex_unlock(&buf_lock);
    if (!b->mem) {
        /* in steps of 1 MB, so one buffer serves messages of near sizes */
        b->size = (need + 0xFFFFF) & ~(apr_size_t)0xFFFFF;
        if ((b->mem = malloc(b->size)) == NULL)
            return NULL;
    }
    apr_pool_cleanup_register(p, b, buf_give, apr_pool_cleanup_null);
    return b->mem;
}

apr_status_t md_read_file(const char *path, char **data, apr_size_t *len,
                          apr_pool_t *p)
{
    struct stat sb;
    apr_size_t got = 0, size;
    char *buf = NULL;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        return md_errno();
    if (fstat(fd, &sb) < 0) {
        apr_status_t rv = md_errno();
        close(fd);
        return rv;
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return APR_EINVAL;
    }
    size = (apr_size_t)sb.st_size;
    if (size >= MD_BUF_MIN && size < MD_BUF_MAX)
        buf = buf_take(size + 1, p);
    if (!buf)
        buf = apr_palloc(p, size + 1);
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            apr_status_t rv = md_errno();
            close(fd);
            return rv;
        }
        if (n == 0)
            break;
        got += (apr_size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return APR_SUCCESS;
}

apr_status_t md_mkdir(md_store_t *s, const char *path)
{
    if (mkdir(path, s->dir_mode) == 0 || errno == EEXIST)
        return APR_SUCCESS;
    return md_fail(s, md_errno(), "cannot create directory", path);
}

apr_status_t md_make_maildir(md_store_t *s, const char *dir, int subfolder,
                             int may_exist)
{
    static const char *const subs[] = { "cur", "new", "tmp" };
    apr_pool_t *p = s->pool;
    apr_status_t rv;
    int i, fd;

    if (mkdir(dir, s->dir_mode) < 0) {
        if (errno != EEXIST)
            return md_fail(s, md_errno(), "cannot create directory", dir);
        if (!may_exist)
            return APR_EEXIST;
    }
    for (i = 0; i < 3; i++)
        if ((rv = md_mkdir(s, apr_pstrcat(p, dir, "/", subs[i], NULL))))
            return rv;
    if (subfolder) {
        /* The Maildir++ marker Courier and Dovecot write (quota). */
        const char *mark = apr_pstrcat(p, dir, "/maildirfolder", NULL);
        fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, s->file_mode);
        if (fd >= 0)
            close(fd);
    }
    return APR_SUCCESS;
}

/* Depth-first removal below dfd; never follows symbolic links. */
static int rmtree_at(int dfd, const char *name, int depth)
{
    int fd, pass, rc;

    if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
        return 0;
    if (errno != EISDIR && errno != EPERM)
        return -1;
    if (depth > 16) {
        errno = ELOOP;
        return -1;
    }
    for (pass = 0; pass < 3; pass++) {
        DIR *d;
        struct dirent *e;

        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW
                    | O_CLOEXEC);
        if (fd < 0)
            return errno == ENOENT ? 0 : -1;
        if (!(d = fdopendir(fd))) {
            close(fd);
            return -1;
        }
        rc = 0;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            if (rmtree_at(dirfd(d), e->d_name, depth + 1) < 0)
                rc = -1;
        }
        closedir(d);
        if (rc < 0)
            return -1;
        if (unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
            return 0;
        if (errno != ENOTEMPTY && errno != EEXIST)
            return -1;
        /* Something was delivered meanwhile: go again. */
    }
    return -1;
}

apr_status_t md_rmtree(const char *path)
{
    return rmtree_at(AT_FDCWD, path, 0) == 0 ? APR_SUCCESS : md_errno();
}

int md_rename_noreplace(const char *from, const char *to)
{
    struct stat sb;

#ifdef RENAME_NOREPLACE
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
#endif
    /* File systems without it: callers hold the folder lock. */
    if (lstat(to, &sb) == 0) {
        errno = EEXIST;
        return -1;
    }
    return rename(from, to);
}

/* The host part of a Maildir name: no '/', ':', ',' or blanks. */
static const char *host_part(apr_pool_t *p)
{
    char host[256], *c;

    if (gethostname(host, sizeof(host)) < 0)
        return "localhost";
    host[sizeof(host) - 1] = '\0';
    for (c = host; *c; c++)
        if (!apr_isalnum(*c) && *c != '-' && *c != '.' && *c != '_')
            *c = '_';
    return host[0] ? apr_pstrdup(p, host) : "localhost";
}

const char *md_unique_base(apr_pool_t *p, apr_int64_t sec)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    if (sec <= 0)
        sec = tv.tv_sec;
    return apr_psprintf(p, "%" APR_INT64_T_FMT ".M%ldP%ldQ%u.%s", sec,
                        (long)tv.tv_usec, (long)getpid(), next_counter(),
                        host_part(p));
}
