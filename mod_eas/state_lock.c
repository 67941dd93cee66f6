/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One device's requests, one at a time.
 *
 * On one host: a write lock on one byte of a shared lock file, at an
 * offset given by a 62-bit hash of (user, device).  The locks are Linux
 * open file description locks (F_OFD_SETLK): each lock opens the file
 * anew, so two threads of one process exclude each other just as two
 * processes do, and the kernel drops the lock when the descriptor is
 * closed or the process dies.
 *
 * Across hosts sharing a PostgreSQL database: a session advisory lock on
 * the same hash, taken after the host lock and released before it.  It
 * belongs to the connection, so it is released before the connection goes
 * back to mod_dbd's pool (the pool cleanup that releases it was registered
 * after the connection was acquired, and cleanups run in reverse order).
 *
 * Both are polled until a deadline rather than waited for blindly, so a
 * stuck request of a device costs the next one a bounded wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <apr_strings.h>

#include "state_internal.h"

#ifndef F_OFD_SETLK
#error "eas_state_lock needs open file description locks (Linux 3.15 or later)"
#endif

/* pg_advisory_lock(class, object): the class is "EAS1". */
#define PG_LOCK_CLASS "1161909041"
#define PAUSE_MIN apr_time_from_msec(1)
#define PAUSE_MAX apr_time_from_msec(25)

static const char *lock_path;

static const eas_stmt_t pg_trylock = {
    "eas_lock_try", "SELECT pg_try_advisory_lock(%d, %d)"
};

static const eas_stmt_t pg_unlock = {
    "eas_lock_release", "SELECT pg_advisory_unlock(%d, %d)"
};

apr_status_t eas_state_lock_init(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    if (fd < 0)
        return APR_FROM_OS_ERROR(errno);
    close(fd);
    lock_path = path;
    return APR_SUCCESS;
}

/* FNV-1a over user, a NUL, device. */
static apr_uint64_t device_key(const char *user, const char *device)
{
    apr_uint64_t h = APR_UINT64_C(14695981039346656037);
    const unsigned char *s;

    for (s = (const unsigned char *)user; *s; s++)
        h = (h ^ *s) * APR_UINT64_C(1099511628211);
    h *= APR_UINT64_C(1099511628211);
    for (s = (const unsigned char *)device; *s; s++)
        h = (h ^ *s) * APR_UINT64_C(1099511628211);
    return h;
}

/* Sleep a little longer each time, never past the deadline; 0 if past. */
static int pause_until(apr_time_t deadline, apr_interval_time_t *pause)
{
    apr_time_t now = apr_time_now();

    if (now >= deadline)
        return 0;
    apr_sleep(deadline - now < *pause ? deadline - now : *pause);
    if (*pause < PAUSE_MAX)
        *pause *= 2;
    return 1;
}

static apr_status_t timed_out(eas_state_t *st, const char *where)
{
    st->err = apr_psprintf(st->pool, "the device's state is locked by "
                           "another request (%s)", where);
    return APR_TIMEUP;
}

static apr_status_t host_lock(eas_state_t *st, apr_time_t deadline)
{
    apr_interval_time_t pause = PAUSE_MIN;
    struct flock fl;
    int fd, err;

    fd = open(lock_path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        err = errno;
        st->err = apr_psprintf(st->pool, "lock file %s: %s", lock_path,
                               strerror(err));
        return APR_FROM_OS_ERROR(err);
    }
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = (off_t)(st->lock_key >> 2);
    fl.l_len = 1;
    for (;;) {
        if (fcntl(fd, F_OFD_SETLK, &fl) == 0) {
            st->lock_fd = fd;
            return APR_SUCCESS;
        }
        err = errno;
        if (err == EINTR)
            continue;
        if ((err != EAGAIN && err != EACCES) || !pause_until(deadline, &pause))
            break;
    }
    close(fd);
    if (err == EAGAIN || err == EACCES)
        return timed_out(st, "on this host");
    st->err = apr_psprintf(st->pool, "lock file %s: %s", lock_path,
                           strerror(err));
    return APR_FROM_OS_ERROR(err);
}

/* Runs a pg_*advisory* statement; *yes gets its boolean result. */
static apr_status_t pg_call(eas_state_t *st, const eas_stmt_t *s, int *yes)
{
    const char *args[] = {
        PG_LOCK_CLASS,
        apr_itoa(st->pool, (int)(apr_int32_t)(st->lock_key & 0xffffffffu))
    };
    apr_dbd_results_t *res;
    apr_dbd_row_t *row = NULL;
    const char *v;
    apr_status_t rv;

    rv = eas_stmt_select_raw(st, s, st->pool, &res, 2, args);
    if (rv != APR_SUCCESS)
        return rv;
    if (!eas_row_next(st, st->pool, res, &row)) {
        st->err = apr_psprintf(st->pool, "%s: no result", s->label);
        return APR_EGENERAL;
    }
    v = eas_row_text(st, row, 0);
    *yes = v && (*v == 't' || *v == '1');
    while (eas_row_next(st, st->pool, res, &row))
        ;
    return APR_SUCCESS;
}

static apr_status_t pg_lock(eas_state_t *st, apr_time_t deadline)
{
    apr_interval_time_t pause = PAUSE_MIN;
    apr_status_t rv;
    int got;

    for (;;) {
        rv = pg_call(st, &pg_trylock, &got);
        if (rv != APR_SUCCESS)
            return rv;
        if (got) {
            st->pg_locked = 1;
            return APR_SUCCESS;
        }
        if (!pause_until(deadline, &pause))
            return timed_out(st, "on another host sharing the database");
    }
}

static apr_status_t release(void *data)
{
    eas_state_t *st = data;
    int released;

    /* If this fails the connection is broken, and its session has taken
       the lock with it. */
    if (st->pg_locked)
        pg_call(st, &pg_unlock, &released);
    st->pg_locked = 0;
    if (st->lock_fd >= 0) {
        close(st->lock_fd);
        st->lock_fd = -1;
    }
    return APR_SUCCESS;
}

apr_status_t eas_state_lock_wait(eas_state_t *st, apr_interval_time_t wait)
{
    apr_time_t deadline = apr_time_now() + (wait > 0 ? wait : 0);
    apr_status_t rv;

    if (st->lock_fd >= 0)
        return APR_SUCCESS;
    if (!lock_path) {
        st->err = "no lock file: eas_state_lock_init was not called";
        return APR_EINIT;
    }
    st->lock_key = device_key(st->user, st->device_id);
    rv = host_lock(st, deadline);
    if (rv == APR_SUCCESS && st->pgsql) {
        rv = pg_lock(st, deadline);
        if (rv != APR_SUCCESS)
            release(st);
    }
    if (rv == APR_SUCCESS)
        apr_pool_cleanup_register(st->pool, st, release,
                                  apr_pool_cleanup_null);
    return rv;
}

apr_status_t eas_state_lock(eas_state_t *st)
{
    return eas_state_lock_wait(st, EAS_STATE_LOCK_WAIT);
}

void eas_state_unlock(eas_state_t *st)
{
    if (st->lock_fd >= 0)
        apr_pool_cleanup_run(st->pool, st, release);
}
