/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One waiting request: admitted against the limits, registered with the
 * process's hub, asleep in poll() until a watch fires, the client hangs
 * up, a newer wait of the device begins, httpd stops or the deadline.
 */
#include "mod_eas.h"
#include "push_internal.h"
#include "stack_trim.h"

#include <ap_mpm.h>
#include <http_connection.h>
#include <http_core.h>
#include <http_log.h>
#include <apr_network_io.h>
#include <apr_portable.h>
#include <apr_atomic.h>
#include <apr_strings.h>

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#ifndef POLLRDHUP
#define POLLRDHUP 0
#endif

static apr_status_t push_end(void *data)
{
    eas_push_t *w = data;
    int i;

    for (i = 0; i < w->ntags; i++)
        eas_hub_unlink(&w->links[i]);
    eas_hub_remove(w);
    eas_push_limits_leave(w);
    if (w->efd >= 0)
        close(w->efd);
    w->efd = -1;
    return APR_SUCCESS;
}

static int client_socket(request_rec *r)
{
    apr_socket_t *s = ap_get_conn_socket(r->connection);
    apr_os_sock_t fd = -1;

    if (!s || apr_os_sock_get(&fd, s) != APR_SUCCESS)
        return -1;
    return fd;
}

static int refuse(request_rec *r, int over)
{
    const eas_push_conf_t *c = eas_push_conf();

    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, EASLOGNO(01420)
                  "push: %s waiting requests already (%s %d): answering 503",
                  over == 1 ? "too many" : "this user has too many",
                  over == 1 ? "EASPushMax" : "EASPushMaxPerUser",
                  over == 1 ? c->max_waits : c->max_user_waits);
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_itoa(r->pool, c->retry_after));
    return HTTP_SERVICE_UNAVAILABLE;
}

int eas_push_begin(request_rec *r, const char *user, const char *device,
                   int ntags, eas_push_t **out)
{
    static apr_uint32_t seq;
    eas_push_t *w = apr_pcalloc(r->pool, sizeof(*w));
    int i, over;

    w->r = r;
    w->ntags = ntags;
    w->links = apr_pcalloc(r->pool, (ntags ? ntags : 1) * sizeof(*w->links));
    w->fired = apr_pcalloc(r->pool, ntags ? ntags : 1);
    for (i = 0; i < ntags; i++) {
        w->links[i].w = w;
        w->links[i].tag = i;
    }
    w->device = eas_push_hash(user, device);
    w->token = apr_psprintf(r->pool, "%" APR_PID_T_FMT "-%u", getpid(),
                            apr_atomic_inc32(&seq));
    w->sock = client_socket(r);
    if ((w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, APR_FROM_OS_ERROR(errno), r,
                      EASLOGNO(01421) "push: cannot create an eventfd");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    apr_pool_cleanup_register(r->pool, w, push_end, apr_pool_cleanup_null);
    if ((over = eas_push_limits_enter(w, user)) != 0)
        return refuse(r, over);
    eas_hub_add(w);
    eas_hub_ring(r, w);
    *out = w;
    return OK;
}

apr_status_t eas_push_watch(eas_push_t *w, eas_store_t *st,
                            const char *folder_id, int tag)
{
    const char *mf;
    eas_store_t *ms = eas_store_member(st, folder_id, &mf);
    const eas_source_ops_t *ops = ms ? ms->backend->source : NULL;

    if (!ops)
        return APR_ENOTIMPL;
    if (tag < 0 || tag >= w->ntags || w->links[tag].key)
        return APR_EINVAL;
    return eas_hub_link(&w->links[tag], ops, ms, mf);
}

int eas_push_fired(const eas_push_t *w, int tag)
{
    int f;

    eas_hub_lock();
    f = tag >= 0 && tag < w->ntags && w->fired[tag];
    eas_hub_unlock();
    return f;
}

void eas_push_clear(eas_push_t *w)
{
    eas_hub_lock();
    memset(w->fired, 0, w->ntags);
    w->nfired = 0;
    eas_hub_unlock();
}

/* What the hub has said, if anything; -1 if nothing yet. */
static int hub_event(eas_push_t *w)
{
    int ev = -1;

    eas_hub_lock();
    if (w->stopping)
        ev = EAS_PUSH_STOPPING;
    else if (w->superseded)
        ev = EAS_PUSH_SUPERSEDED;
    else if (w->nfired)
        ev = EAS_PUSH_CHANGED;
    eas_hub_unlock();
    return ev;
}

static int mpm_stopping(void)
{
    int state;

    return ap_mpm_query(AP_MPMQ_MPM_STATE, &state) == APR_SUCCESS
           && state == AP_MPMQ_STOPPING;
}

static const char *const event_names[] = {
    "a change", "the heartbeat", "the client's hang-up",
    "a newer wait of the device", "httpd stopping", "an error"
};

static eas_push_event_t sleep_poll(eas_push_t *w, apr_time_t deadline);

eas_push_event_t eas_push_sleep(eas_push_t *w, apr_time_t deadline)
{
    eas_push_event_t ev;

    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, w->r, EASLOGNO(01423)
                  "push: waiting, %" APR_TIME_T_FMT " s left at most",
                  apr_time_sec(deadline - apr_time_now()));
    eas_stack_trim();
    ev = sleep_poll(w, deadline);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, w->r, EASLOGNO(01424)
                  "push: woken by %s", event_names[ev]);
    return ev;
}

/*
 * Without threads (prefork) a graceful stop is a signal, which ends a
 * poll under way (EINTR) but not one begun just after it: such a poll
 * lasts at most this long.
 */
#define UNTHREADED_POLL_MS 30000

static eas_push_event_t sleep_poll(eas_push_t *w, apr_time_t deadline)
{
    struct pollfd pf[2];
    apr_uint64_t n;
    int ev, threaded;

    pf[0].fd = w->efd;
    pf[0].events = POLLIN;
    pf[1].fd = w->sock;
    pf[1].events = POLLRDHUP;
    if (ap_mpm_query(AP_MPMQ_IS_THREADED, &threaded) != APR_SUCCESS)
        threaded = AP_MPMQ_NOT_SUPPORTED;
    for (;;) {
        apr_interval_time_t left = deadline - apr_time_now();
        int ms;

        if ((ev = hub_event(w)) >= 0)
            return ev;
        /* prefork: the stop signal may have come before the poll */
        if (mpm_stopping())
            return EAS_PUSH_STOPPING;
        if (left <= 0)
            return EAS_PUSH_TIMEOUT;
        ms = left / 1000 > 0x7fffffff ? 0x7fffffff : (int)(left / 1000) + 1;
        /* ...or between that look and the poll: looked at again soon */
        if (threaded == AP_MPMQ_NOT_SUPPORTED && ms > UNTHREADED_POLL_MS)
            ms = UNTHREADED_POLL_MS;
        if (poll(pf, w->sock >= 0 ? 2 : 1, ms) < 0) {
            if (errno != EINTR) {
                ap_log_rerror(APLOG_MARK, APLOG_ERR,
                              APR_FROM_OS_ERROR(errno), w->r, EASLOGNO(01422)
                              "push: poll failed");
                return EAS_PUSH_ERROR;
            }
            /* prefork: a graceful stop interrupts the only thread */
            if (mpm_stopping())
                return EAS_PUSH_STOPPING;
            continue;
        }
        if (w->sock >= 0 && (pf[1].revents & (POLLRDHUP | POLLHUP | POLLERR)))
            return EAS_PUSH_GONE;
        if (pf[0].revents & POLLIN)
            while (read(w->efd, &n, sizeof(n)) == sizeof(n))
                ;
    }
}

void eas_push_register_hooks(apr_pool_t *p)
{
    eas_push_conf_register_hooks(p);
    eas_push_limits_register_hooks(p);
    eas_hub_register_hooks(p);
}
