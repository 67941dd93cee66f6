/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The held connection of a watched user, for servers that cannot call
 * the notification endpoint (imap_watch.h): IMAP NOTIFY (RFC 5465) where
 * the server offers it, else IDLE (RFC 2177) on the Inbox.
 *
 * One per user and server across every httpd process: the process that
 * takes the user's lock file (flock, in the drop directory's "locks"
 * folder) holds the connection; what it hears becomes a drop (the same
 * as a Dovecot plugin's notification), which every process's change
 * source reads.  The lock goes with the connection, or with the process:
 * another process then takes over at its next round.
 */
#include "imap_hold.h"
#include "mutf7.h"
#include "notify_drop.h"

#include <apr_sha1.h>
#include <apr_strings.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* IDLE is renewed before servers' 30-minute limit (RFC 2177). */
#define IH_RENEW apr_time_from_sec(25 * 60)

struct iw_hold {
    apr_pool_t *pool;
    im_client_t *c;
    int lock_fd;
    int idle;                   /* IDLE (1) or NOTIFY (0) */
    apr_time_t since;           /* IDLE started */
    const char *login;
    const char *drop_dir;
};

static const char *lock_path(const im_server_t *srv, const char *dir,
                             apr_pool_t *p)
{
    unsigned char d[APR_SHA1_DIGESTSIZE];
    char hex[2 * APR_SHA1_DIGESTSIZE + 1];
    apr_sha1_ctx_t ctx;
    int i;

    apr_sha1_init(&ctx);
    apr_sha1_update(&ctx, srv->url, (unsigned)strlen(srv->url));
    apr_sha1_update(&ctx, "\n", 1);
    apr_sha1_update(&ctx, srv->login, (unsigned)strlen(srv->login));
    apr_sha1_final(d, &ctx);
    for (i = 0; i < APR_SHA1_DIGESTSIZE; i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return apr_pstrcat(p, dir, "/locks/imap-", hex, NULL);
}

/* The user's lock, or -1 when another process has it. */
static int take_lock(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ENOENT) {
        char buf[4096];
        const char *slash = strrchr(path, '/');
        if (slash && (size_t)(slash - path) < sizeof(buf)) {
            memcpy(buf, path, slash - path);
            buf[slash - path] = '\0';
            mkdir(buf, 0700);
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        }
    }
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static apr_status_t start(iw_hold_t *h, const im_server_t *srv,
                          const char *mode, const im_log_t *log)
{
    const char *err = NULL;
    apr_status_t rv;

    if ((rv = im_connect(&h->c, &srv->ep, log, h->pool, &err))
        || (rv = im_login(h->c, srv->authcid, srv->password, srv->authzid,
                          &err)))
        return rv;
    if (strcmp(mode, "idle") != 0 && im_has_cap(h->c, "NOTIFY"))
        return im_command(h->c, NULL, NULL, NULL, h->pool, "NOTIFY SET "
                          "(personal (MessageNew MessageExpunge FlagChange "
                          "MailboxName SubscriptionChange))");
    if (!im_has_cap(h->c, "IDLE"))
        return APR_ENOTIMPL;
    h->idle = 1;
    if ((rv = im_command(h->c, NULL, NULL, NULL, h->pool, "SELECT INBOX"))
        != APR_SUCCESS)
        return rv;
    h->since = apr_time_now();
    return im_idle_start(h->c);
}

iw_hold_t *iw_hold_try(const im_server_t *srv, const char *mode,
                       const char *drop_dir, const im_log_t *log)
{
    apr_pool_t *p;
    iw_hold_t *h;
    int fd;

    if (!drop_dir || !strcmp(mode, "plugin"))
        return NULL;
    apr_pool_create_unmanaged(&p);
    if ((fd = take_lock(lock_path(srv, drop_dir, p))) < 0) {
        apr_pool_destroy(p);
        return NULL;
    }
    h = apr_pcalloc(p, sizeof(*h));
    h->pool = p;
    h->lock_fd = fd;
    h->login = apr_pstrdup(p, srv->login);
    h->drop_dir = drop_dir;
    if (start(h, srv, mode, log) != APR_SUCCESS) {
        iw_hold_close(h);
        return NULL;
    }
    return h;
}

int iw_hold_fd(const iw_hold_t *h)
{
    return h && h->c ? im_fd(h->c) : -1;
}

/* What a response names: a mailbox (STATUS, LIST), else "" (anything). */
static const char *where_of(const im_resp_t *r, apr_pool_t *p)
{
    const im_val_t *v = im_mailbox_of(r);
    const char *utf8;

    if (!v)
        return "";
    if (im_is(v, "INBOX"))
        return "INBOX";
    utf8 = eas_mutf7_decode(v->s, p);
    return utf8 ? utf8 : "";
}

static apr_status_t heard(void *baton, const im_resp_t *r)
{
    iw_hold_t *h = baton;
    const char *where = h->idle ? "INBOX" : where_of(r, h->pool);

    if (r->status)
        return APR_SUCCESS;     /* "* OK still here" and the like */
    eas_drop_write(h->drop_dir, EAS_DROP_IMAP, h->login, where, h->pool);
    return APR_SUCCESS;
}

apr_status_t iw_hold_read(iw_hold_t *h)
{
    apr_status_t rv = im_wait(h->c, 0, heard, h);

    if (rv == APR_TIMEUP)
        rv = APR_SUCCESS;
    if (rv == APR_SUCCESS && h->idle
        && apr_time_now() - h->since >= IH_RENEW) {
        rv = im_idle_done(h->c, heard, h);
        h->since = apr_time_now();
        if (rv == APR_SUCCESS)
            rv = im_idle_start(h->c);
    }
    return rv;
}

void iw_hold_close(iw_hold_t *h)
{
    if (!h)
        return;
    if (h->c) {
        im_set_log(h->c, NULL);
        im_close(h->c);
    }
    if (h->lock_fd >= 0)
        close(h->lock_fd);      /* releases the lock */
    apr_pool_destroy(h->pool);
}
