/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The change notification: its query (mod_eas/notify_parse.c), the
 * secret comparison, what a drop may name, and drops written and read
 * back through a reader (backends/notify_drop.c).
 */
#include "notify_parse.h"
#include "notify_drop.h"
#include "tap.h"

#include <apr_general.h>
#include <apr_strings.h>

#include <dirent.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static void parses(apr_pool_t *p)
{
    eas_notify_query_t q;

    ok(!eas_notify_parse("user=alice", &q, p), "user only");
    is_str(q.user, "alice", "its user");
    ok(q.href == NULL && q.mailbox == NULL, "no href, no mailbox");
    ok(!eas_notify_parse("href=%2Fbob%2Fcal%2F&user=bob%40example.org",
                         &q, p), "user and href, encoded");
    is_str(q.user, "bob@example.org", "user decoded");
    is_str(q.href, "/bob/cal/", "href decoded");
    ok(!eas_notify_parse("user=a+b&&", &q, p), "empty pairs");
    is_str(q.user, "a b", "'+' is a space");
    ok(!eas_notify_parse("user=alice&mailbox=INBOX", &q, p), "a mailbox");
    is_str(q.mailbox, "INBOX", "its name");
    ok(q.href == NULL, "no href with it");
    ok(!eas_notify_parse("user=alice&mailbox=Archiv%2F2024%2FB%C3%BCro",
                         &q, p), "a mailbox in UTF-8 with levels");
    is_str(q.mailbox, "Archiv/2024/B\xc3\xbcro", "decoded");
    ok(!eas_notify_parse("mailbox=&user=alice", &q, p), "an empty mailbox");
    is_str(q.mailbox, "", "anything of the user");
    ok(!eas_notify_parse("user=alice&mailbox=a+b%20%F0%9F%93%AC", &q, p),
       "spaces and a four-byte character");
    is_str(q.mailbox, "a b \xf0\x9f\x93\xac", "decoded");
}

static void refuses(apr_pool_t *p)
{
    static const char *const bad[] = {
        "", "href=/x/", "user=", "user=a&user=b", "user=%zz", "user=%4",
        "user=a%00b", "user", "color=blue&user=a", "user=al%0Aice",
        "user=a&href=", "user=a&href=x/", "user=a&href=/a%20b/",
        "user=a&href=/x/&mailbox=INBOX", "user=a&mailbox=x&href=/x/",
        "user=a&mailbox=a&mailbox=b", "user=a&mailbox=a%0Ab",
        "user=a&mailbox=a%09b", "user=a&mailbox=a%7Fb",
        "user=a&mailbox=a%C2%85b", "user=a&mailbox=%FF",
        "user=a&mailbox=%C3", "user=a&mailbox=%C0%AF",
        "user=a&mailbox=%ED%A0%80", "user=a&mailbox=%F4%90%80%80",
        "mailbox=INBOX", NULL
    };
    eas_notify_query_t q;
    char *longq;
    int i;

    for (i = 0; bad[i]; i++)
        ok(eas_notify_parse(bad[i], &q, p) != NULL, "refused: '%s'",
           bad[i]);
    ok(eas_notify_parse(NULL, &q, p) != NULL, "no query");
    longq = apr_palloc(p, EAS_NOTIFY_QUERY_MAX + 10);
    memset(longq, 'a', EAS_NOTIFY_QUERY_MAX + 9);
    memcpy(longq, "user=", 5);
    longq[EAS_NOTIFY_QUERY_MAX + 9] = '\0';
    ok(eas_notify_parse(longq, &q, p) != NULL, "too long");
}

/* A mailbox name of n bytes, every one percent-encoded. */
static const char *encoded_mailbox(apr_size_t n, apr_pool_t *p)
{
    char *q = apr_palloc(p, 3 * EAS_DROP_USER_MAX + 3 * n + 32), *o;
    apr_size_t i;

    o = q + sprintf(q, "user=");
    for (i = 0; i < EAS_DROP_USER_MAX; i++)
        o += sprintf(o, "%%%02X", 'u');
    o += sprintf(o, "&mailbox=");
    for (i = 0; i < n; i++)
        o += sprintf(o, "%%%02X", 'm');
    return q;
}

static void bounds(apr_pool_t *p)
{
    eas_notify_query_t q;

    ok(!eas_notify_parse(encoded_mailbox(EAS_DROP_WHERE_MAX, p), &q, p),
       "the longest user and mailbox, every byte encoded");
    ok(q.mailbox && strlen(q.mailbox) == EAS_DROP_WHERE_MAX, "whole");
    ok(eas_notify_parse(encoded_mailbox(EAS_DROP_WHERE_MAX + 1, p), &q, p)
       != NULL, "a mailbox one byte longer");
}

static void secrets_and_names(void)
{
    ok(eas_notify_secret_equal("0123456789abcdef", "0123456789abcdef"),
       "equal secrets");
    ok(!eas_notify_secret_equal("0123456789abcdeF", "0123456789abcdef"),
       "one byte differs");
    ok(!eas_notify_secret_equal("0123456789abcde", "0123456789abcdef"),
       "shorter");
    ok(!eas_notify_secret_equal("0123456789abcdef0", "0123456789abcdef"),
       "longer");
    ok(!eas_notify_secret_equal("", "0123456789abcdef"), "empty");
    ok(eas_drop_name_ok(EAS_DROP_DAV, "alice", NULL), "a user");
    ok(eas_drop_name_ok(EAS_DROP_DAV, "alice", "/alice/cal/"),
       "a user and an href");
    ok(!eas_drop_name_ok(EAS_DROP_DAV, "al\nice", NULL),
       "a line break in a user");
    ok(!eas_drop_name_ok(EAS_DROP_DAV, "alice", "alice/cal/"),
       "an href not a path");
    ok(!eas_drop_name_ok(EAS_DROP_DAV, "alice", "/a b/"),
       "a space in an href");
    ok(!eas_drop_name_ok(EAS_DROP_DAV, "", NULL), "no user");
    ok(eas_drop_name_ok(EAS_DROP_IMAP, "alice", "Sent Items"),
       "a mailbox with a space");
    ok(eas_drop_name_ok(EAS_DROP_IMAP, "alice", "/odd/"),
       "a mailbox with slashes");
    ok(!eas_drop_name_ok(EAS_DROP_IMAP, "alice", "a\rb"),
       "a mailbox with a control character");
    ok(!eas_drop_name_ok((eas_drop_kind_t)7, "alice", NULL), "no such kind");
}

/* ---- drops through a reader ---- */

typedef struct {
    int n;
    char got[8][1200];
} seen_t;

static void collect(void *baton, eas_drop_kind_t kind, const char *user,
                    const char *where)
{
    seen_t *s = baton;

    if (s->n < 8)
        snprintf(s->got[s->n], sizeof(s->got[0]), "%s|%s|%s",
                 eas_drop_kind_name(kind), user, where);
    s->n++;
}

static int readable(eas_drop_reader_t *r)
{
    struct pollfd pfd = { eas_drop_reader_fd(r), POLLIN, 0 };

    return poll(&pfd, 1, 0) == 1;
}

/* The files in dir; with age, each one's times set that far back. */
static int files_in(const char *dir, apr_time_t age)
{
    struct timeval tv[2];
    struct dirent *de;
    DIR *d = opendir(dir);
    int n = 0;

    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= (time_t)apr_time_sec(age);
    tv[1] = tv[0];
    while (d && (de = readdir(d))) {
        char path[512];
        if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name,
                                                               "..")))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (age)
            utimes(path, tv);
        n++;
    }
    if (d)
        closedir(d);
    return n;
}

/* An old drop file goes with the first sweep of a reader. */
static void sweeps(const char *dir)
{
    eas_drop_reader_t *r = NULL;
    int before = files_in(dir, 0);

    ok(before == 3, "three drop files (%d)", before);
    eas_drop_reader_open(&r, dir, EAS_DROP_DAV);
    eas_drop_reader_sweep(r);
    ok(files_in(dir, 0) == before, "young files stay");
    eas_drop_reader_close(r);
    files_in(dir, EAS_DROP_AGE + apr_time_from_sec(60));
    eas_drop_reader_open(&r, dir, EAS_DROP_DAV);
    eas_drop_reader_sweep(r);
    ok(files_in(dir, 0) == 0, "old files go");
    eas_drop_reader_close(r);
}

static long max_queued(void)
{
    FILE *f = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
    long n = -1;

    if (f) {
        if (fscanf(f, "%ld", &n) != 1)
            n = -1;
        fclose(f);
    }
    return n;
}

typedef struct {
    int drops, lost;
} counted_t;

static void count(void *baton, eas_drop_kind_t kind, const char *user,
                  const char *where)
{
    counted_t *c = baton;

    (void)kind;
    (void)where;
    if (user)
        c->drops++;
    else
        c->lost++;
}

/* More drops than the kernel queues: the reader says so (user NULL). */
static void overflows(const char *dir, apr_pool_t *p)
{
    long n = max_queued(), i;
    eas_drop_reader_t *r = NULL;
    counted_t c = { 0, 0 };

    if (n <= 0 || n > 100000) {
        ok(1, "# SKIP max_queued_events %ld", n);
        return;
    }
    eas_drop_reader_open(&r, dir, EAS_DROP_IMAP);
    for (i = 0; i < n + 10; i++)
        eas_drop_write(dir, EAS_DROP_IMAP, apr_psprintf(p, "u%ld", i),
                       NULL, p);
    eas_drop_reader_read(r, count, &c);
    ok(c.lost == 1 && c.drops > 0 && c.drops <= n,
       "an overflow is told once (%d drops, %d overflows)", c.drops, c.lost);
    files_in(dir, EAS_DROP_AGE + apr_time_from_sec(60));
    eas_drop_reader_close(r);
    eas_drop_reader_open(&r, dir, EAS_DROP_IMAP);
    eas_drop_reader_sweep(r);
    eas_drop_reader_close(r);
}

static void drops(apr_pool_t *p)
{
    char tmpl[] = "/tmp/eas-drop-XXXXXX";
    const char *dir = mkdtemp(tmpl);
    eas_drop_reader_t *imap = NULL, *dav = NULL;
    seen_t si = { 0 }, sd = { 0 };

    ok(dir != NULL, "a drop directory");
    ok(eas_drop_reader_open(&imap, dir, EAS_DROP_IMAP) == APR_SUCCESS
       && eas_drop_reader_open(&dav, dir, EAS_DROP_DAV) == APR_SUCCESS,
       "two readers");
    ok(!readable(imap), "nothing yet");
    ok(eas_drop_write(dir, EAS_DROP_IMAP, "alice", "B\xc3\xbcro/2024", p)
       == APR_SUCCESS, "an imap drop");
    ok(eas_drop_write(dir, EAS_DROP_IMAP, "bob", NULL, p) == APR_SUCCESS,
       "an imap drop for anything");
    ok(eas_drop_write(dir, EAS_DROP_DAV, "alice", "/alice/cal/", p)
       == APR_SUCCESS, "a dav drop");
    ok(eas_drop_write(dir, EAS_DROP_IMAP, "al\nice", NULL, p) == APR_EINVAL,
       "a name refused");
    ok(readable(imap), "the imap reader is readable");
    ok(eas_drop_reader_read(imap, collect, &si) == 2, "two imap drops");
    is_str(si.got[0], "imap|alice|B\xc3\xbcro/2024", "the first");
    is_str(si.got[1], "imap|bob|", "the second");
    ok(eas_drop_reader_read(dav, collect, &sd) == 1, "one dav drop");
    is_str(sd.got[0], "dav|alice|/alice/cal/", "its names");
    ok(eas_drop_reader_read(imap, collect, &si) == 0 && si.n == 2,
       "nothing more");
    eas_drop_reader_close(imap);
    eas_drop_reader_close(dav);
    sweeps(dir);
    overflows(dir, p);
    ok(eas_drop_reader_open(&imap, "/nonexistent/eas-drop", EAS_DROP_IMAP)
       != APR_SUCCESS, "no reader on a missing directory");
    rmdir(dir);
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    parses(p);
    refuses(p);
    bounds(p);
    secrets_and_names();
    drops(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
