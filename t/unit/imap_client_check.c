/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IMAP client (backends/imap/imap_client.c) against a real server:
 * runs a script of operations and prints one line per result, for
 * t/integration/test_imap_client.py to check against a private Dovecot.
 *
 *   imap_client_check [--tls none|starttls|implicit] [--ca FILE]
 *                     [--timeout MS] [--authzid USER]
 *                     SCRIPT HOST PORT USER PASSWORD
 *
 * SCRIPT: connect (connect only), login, fetch (SELECT INBOX and fetch
 * every body), fetch100 (the same 100 UIDs at a time), full (the backend's operations: CREATE, APPEND, SELECT
 * with CONDSTORE, FETCH, STORE, CHANGEDSINCE/VANISHED, MOVE, LIST-STATUS,
 * STATUS X-GUID, an 8-bit name, IDLE; the test delivers a message when
 * "idle: started" is printed).  Log lines go to stderr, debug included.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "imap/imap_client.h"

static const char MESSAGE[] =
    "From: Sender <sender@example.org>\r\n"
    "To: alice@example.org\r\n"
    "Subject: appended by imap_client_check\r\n"
    "Message-ID: <check-1@example.org>\r\n"
    "\r\n"
    "Hello from the IMAP client.\r\n";

/* What the untagged responses of a command said. */
typedef struct {
    int fetches, exists, expunges;
    apr_uint64_t uid, modseq, size, highestmodseq, uidvalidity;
    apr_time_t date;
    char flags[128], vanished[64], copyuid[64], guid[80];
    int body_same;
    apr_uint64_t bytes;         /* of every BODY[] */
    apr_pool_t *p;
} seen_t;

typedef struct {
    const char *host, *user, *password, *script, *authzid;
    apr_port_t port;
    im_endpoint_t ep;
    apr_pool_t *p;
} opts_t;

static void log_line(void *ctx, int level, apr_status_t rv, const char *msg)
{
    fprintf(stderr, "log %d: %s\n", level, msg);
}

static const char *rv_name(apr_status_t rv)
{
    static char other[32];

    switch (rv) {
    case APR_SUCCESS:
        return "ok";
    case IM_ENO:
        return "NO";
    case IM_EBAD:
        return "BAD";
    case EAS_EUNAVAIL:
        return "EUNAVAIL";
    case APR_TIMEUP:
        return "TIMEUP";
    default:
        snprintf(other, sizeof(other), "status-%d", rv);
        return other;
    }
}

static const char *str_or(const im_val_t *v)
{
    return v && v->s ? v->s : "-";
}

static void flags_text(const im_val_t *list, char *out, size_t n)
{
    const im_val_t *v;

    out[0] = '\0';
    for (v = list ? list->child : NULL; v; v = v->next)
        if (v->kind == IM_ATOM && strlen(out) + v->len + 2 < n) {
            strcat(out, out[0] ? " " : "");
            strcat(out, v->s);
        }
}

static void seen_fetch(seen_t *s, const im_resp_t *r)
{
    const im_val_t *v;

    s->fetches++;
    im_number(im_fetch_item(r, "UID"), &s->uid);
    im_number(im_nth(im_fetch_item(r, "MODSEQ"), 0), &s->modseq);
    im_number(im_fetch_item(r, "RFC822.SIZE"), &s->size);
    if ((v = im_fetch_item(r, "FLAGS")))
        flags_text(v, s->flags, sizeof(s->flags));
    if ((v = im_fetch_item(r, "INTERNALDATE")) && v->kind == IM_STRING)
        im_date_time(v->s, &s->date);
    if ((v = im_fetch_item(r, "BODY[]")))
        s->bytes += v->len;
    if (v)
        s->body_same = v->len == sizeof(MESSAGE) - 1
                       && memcmp(v->s, MESSAGE, v->len) == 0;
}

static void seen_status_code(seen_t *s, const im_resp_t *r)
{
    const im_val_t *name = im_nth(r->code, 0);

    if (im_is(name, "HIGHESTMODSEQ"))
        im_number(im_nth(r->code, 1), &s->highestmodseq);
    else if (im_is(name, "UIDVALIDITY"))
        im_number(im_nth(r->code, 1), &s->uidvalidity);
    else if (im_is(name, "COPYUID") && r->code->n == 4)
        snprintf(s->copyuid, sizeof(s->copyuid), "%s %s %s",
                 im_nth(r->code, 1)->s, im_nth(r->code, 2)->s,
                 im_nth(r->code, 3)->s);
}

/* A LIST or STATUS answer of LIST-STATUS, printed at once. */
static void print_list_status(const im_resp_t *r)
{
    char attrs[128];
    const im_val_t *v;

    if (!strcmp(r->name, "LIST")) {
        flags_text(im_nth(r->args, 0), attrs, sizeof(attrs));
        printf("list: %s attrs=%s\n", str_or(im_nth(r->args, 2)), attrs);
        return;
    }
    printf("list-status: %s", str_or(im_nth(r->args, 0)));
    for (v = im_nth(im_nth(r->args, 1), 0); v && v->next; v = v->next->next)
        printf(" %s=%s", v->s, v->next->s);
    printf("\n");
}

static apr_status_t on_untagged(void *baton, const im_resp_t *r)
{
    seen_t *s = baton;

    if (r->status && r->code)
        seen_status_code(s, r);
    if (!r->name)
        return APR_SUCCESS;
    if (!strcmp(r->name, "FETCH"))
        seen_fetch(s, r);
    else if (!strcmp(r->name, "EXISTS"))
        s->exists = (int)r->num;
    else if (!strcmp(r->name, "EXPUNGE"))
        s->expunges++;
    else if (!strcmp(r->name, "VANISHED"))
        snprintf(s->vanished, sizeof(s->vanished), "%s",
                 str_or(im_nth(r->args, r->args->n - 1)));
    else if (!strcmp(r->name, "LIST") || !strcmp(r->name, "STATUS"))
        print_list_status(r);
    if (!strcmp(r->name, "STATUS") && im_is(im_nth(r->args, 0), "INBOX")) {
        const im_val_t *v;

        for (v = im_nth(im_nth(r->args, 1), 0); v && v->next;
             v = v->next->next)
            if (im_is(v, "X-GUID"))
                snprintf(s->guid, sizeof(s->guid), "%s", str_or(v->next));
    }
    return APR_SUCCESS;
}

static seen_t *seen_new(apr_pool_t *p)
{
    seen_t *s = apr_pcalloc(p, sizeof(*s));

    s->p = p;
    return s;
}

/* Runs a command, its untagged answers into a fresh s; prints a failure
   as "<label>: <status> <text>". */
#define CMD(c, s, done, label, ...) \
    cmd_report((c), (label), (s), (done), \
               im_command((c), on_untagged, (s), (done), (s)->p, __VA_ARGS__))

static apr_status_t cmd_report(im_client_t *c, const char *label, seen_t *s,
                               const im_resp_t **done, apr_status_t rv)
{
    if (rv != APR_SUCCESS)
        printf("%s: %s %s\n", label, rv_name(rv),
               *done ? (*done)->text : (im_error(c) ? im_error(c) : ""));
    return rv;
}

/* ---- the steps of the full script --------------------------------------- */

static void step_caps(im_client_t *c)
{
    static const char *names[] = {"IMAP4REV1", "LITERAL+", "UIDPLUS",
        "CONDSTORE", "QRESYNC", "MOVE", "SPECIAL-USE", "LIST-STATUS",
        "IDLE", "ENABLE", "AUTH=PLAIN", "NO-SUCH-CAPABILITY"};
    size_t i;

    printf("caps:");
    for (i = 0; i < sizeof(names) / sizeof(*names); i++)
        printf(" %s=%d", names[i], im_has_cap(c, names[i]));
    printf("\nqresync: %d\n", im_qresync(c));
}

static apr_uint64_t step_append(im_client_t *c, apr_pool_t *p,
                                const char *label, const char *flags)
{
    seen_t *s = seen_new(p);
    const im_resp_t *done = NULL;
    apr_uint64_t uid = 0, validity = 0;

    if (CMD(c, s, &done, label, "APPEND %s (%a) \"17-Jul-1996 02:44:25 "
            "-0700\" %S", "Test Box", flags, MESSAGE, sizeof(MESSAGE) - 1))
        return 0;
    if (done && im_is(im_nth(done->code, 0), "APPENDUID")) {
        im_number(im_nth(done->code, 1), &validity);
        im_number(im_nth(done->code, 2), &uid);
    }
    printf("%s: ok uidvalidity=%s uid=%llu\n", label,
           validity ? "yes" : "no", (unsigned long long)uid);
    return uid;
}

static apr_uint64_t step_select(im_client_t *c, apr_pool_t *p,
                                apr_uint64_t *validity)
{
    seen_t *s = seen_new(p);
    const im_resp_t *done = NULL;

    if (CMD(c, s, &done, "select", "SELECT %s (CONDSTORE)", "Test Box"))
        return 0;
    printf("select: exists=%d uidvalidity=%s highestmodseq=%s\n", s->exists,
           s->uidvalidity ? "yes" : "no", s->highestmodseq ? "yes" : "no");
    *validity = s->uidvalidity;
    return s->highestmodseq;
}

static void step_fetch(im_client_t *c, apr_pool_t *p)
{
    seen_t *s = seen_new(p);
    const im_resp_t *done = NULL;

    if (CMD(c, s, &done, "fetch", "UID FETCH 1:* (UID FLAGS INTERNALDATE "
            "RFC822.SIZE BODY.PEEK[])"))
        return;
    printf("fetch: count=%d lastuid=%llu flags=%s size=%llu date=%lld "
           "body=%s\n", s->fetches, (unsigned long long)s->uid, s->flags,
           (unsigned long long)s->size, (long long)apr_time_sec(s->date),
           s->body_same ? "same" : "different");
}

static apr_uint64_t step_store(im_client_t *c, apr_pool_t *p,
                               apr_uint64_t before)
{
    seen_t *s = seen_new(p);
    const im_resp_t *done = NULL;

    if (CMD(c, s, &done, "store", "UID STORE %u +FLAGS (%a)", 1u,
            "\\Flagged"))
        return 0;
    printf("store: ok uid=%llu flags=%s modseq=%s\n",
           (unsigned long long)s->uid, s->flags,
           s->modseq > before ? "higher" : "not higher");
    return s->modseq;
}

static void step_expunge(im_client_t *c, apr_pool_t *p, apr_uint64_t uid)
{
    seen_t *s = seen_new(p);
    const im_resp_t *done = NULL;

    if (CMD(c, s, &done, "expunge", "UID STORE %U +FLAGS.SILENT (\\Deleted)",
            uid)
        || CMD(c, s, &done, "expunge", "UID EXPUNGE %U", uid))
        return;
    printf("expunge: vanished=%s expunges=%d\n", s->vanished, s->expunges);
}

static void step_changedsince(im_client_t *c, apr_pool_t *p,
                              apr_uint64_t modseq)
{
    seen_t *s = seen_new(p);
    const im_resp_t *done = NULL;

    if (CMD(c, s, &done, "changedsince", "UID FETCH 1:* (FLAGS) "
            "(CHANGEDSINCE %U VANISHED)", modseq))
        return;
    printf("changedsince: fetched=%d uid=%llu vanished=%s\n", s->fetches,
           (unsigned long long)s->uid, s->vanished);
}

static void step_move(im_client_t *c, apr_pool_t *p)
{
    seen_t *s = seen_new(p);
    const im_resp_t *done = NULL;
    char src[32] = "-";

    if (CMD(c, s, &done, "move", "UID MOVE %u %s", 1u, "INBOX"))
        return;
    if (!s->copyuid[0] && done && im_is(im_nth(done->code, 0), "COPYUID"))
        snprintf(s->copyuid, sizeof(s->copyuid), "%s %s %s",
                 im_nth(done->code, 1)->s, im_nth(done->code, 2)->s,
                 im_nth(done->code, 3)->s);
    sscanf(s->copyuid, "%*s %31s", src);
    printf("move: ok copyuid_src=%s vanished=%s\n", src, s->vanished);
}

static void step_list(im_client_t *c, apr_pool_t *p)
{
    seen_t *s = seen_new(p);
    const im_resp_t *done = NULL;

    if (CMD(c, s, &done, "list", "LIST \"\" \"*\" RETURN (SPECIAL-USE "
            "STATUS (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ))"))
        return;
    printf("list: done\n");
}

static void step_status(im_client_t *c, apr_pool_t *p)
{
    seen_t *s = seen_new(p);
    const im_resp_t *done = NULL;

    if (CMD(c, s, &done, "status", "STATUS %s (MESSAGES X-GUID)", "INBOX"))
        return;
    printf("status: guid_len=%d\n", (int)strlen(s->guid));
}

/* A mailbox name with 8-bit bytes goes as a literal (UTF8=ACCEPT makes it
   valid; without it the server refuses it, and the connection goes on). */
static void step_literal_name(im_client_t *c, apr_pool_t *p)
{
    static const char name[] = "Fr\xc3\xbch \"Box\"";
    seen_t *s = seen_new(p);
    const im_resp_t *done = NULL;
    apr_status_t rv;
    int utf8 = im_has_cap(c, "UTF8=ACCEPT");

    if (utf8 && CMD(c, s, &done, "literal", "ENABLE UTF8=ACCEPT"))
        return;
    rv = im_command(c, on_untagged, s, &done, p, "CREATE %s", name);
    printf("literal: create=%s utf8=%d\n", rv_name(rv), utf8);
    if (rv == APR_SUCCESS) {
        rv = im_command(c, on_untagged, s, &done, p, "STATUS %s (MESSAGES)",
                        name);
        printf("literal: status=%s\n", rv_name(rv));
    }
    rv = im_command(c, NULL, NULL, &done, p, "NOOP");
    printf("literal: then=%s\n", rv_name(rv));
}

/* A 3 MB message through APPEND and FETCH: a literal much larger than a
   read, and back to the small buffer afterwards. */
typedef struct {
    const char *msg;
    apr_size_t len;
    int same;
} big_t;

static apr_status_t on_big(void *baton, const im_resp_t *r)
{
    big_t *b = baton;
    const im_val_t *v = im_fetch_item(r, "BODY[]");

    if (v)
        b->same = v->len == b->len && memcmp(v->s, b->msg, v->len) == 0;
    return APR_SUCCESS;
}

static char *big_message(apr_size_t n, apr_pool_t *p)
{
    char *msg = apr_palloc(p, n + 1);
    apr_size_t i = (apr_size_t)snprintf(msg, n, "Subject: big\r\n\r\n");

    for (; i < n; i++)
        msg[i] = i % 78 == 76 ? '\r' : i % 78 == 77 ? '\n'
                 : (char)('a' + i % 26);
    msg[n] = '\0';
    return msg;
}

static void step_big(im_client_t *c, apr_pool_t *p)
{
    big_t b = {NULL, 3 * 1024 * 1024, 0};
    const im_resp_t *done = NULL;
    apr_status_t rv;

    b.msg = big_message(b.len, p);
    rv = im_command(c, NULL, NULL, &done, p, "CREATE %s", "Big");
    if (rv == APR_SUCCESS)
        rv = im_command(c, NULL, NULL, &done, p, "APPEND %s %S", "Big",
                        b.msg, b.len);
    if (rv == APR_SUCCESS)
        rv = im_command(c, NULL, NULL, &done, p, "SELECT %s", "Big");
    if (rv == APR_SUCCESS)
        rv = im_command(c, on_big, &b, &done, p, "UID FETCH 1 BODY.PEEK[]");
    printf("big: %s body=%s\n", rv_name(rv), b.same ? "same" : "different");
}

static void step_idle(im_client_t *c, apr_pool_t *p)
{
    seen_t *s = seen_new(p);
    const im_resp_t *done = NULL;
    apr_status_t rv;
    int i;

    if (CMD(c, s, &done, "idle", "SELECT %s", "INBOX"))
        return;
    rv = im_idle_start(c);
    printf("idle: %s\n", rv == APR_SUCCESS ? "started" : rv_name(rv));
    fflush(stdout);
    if (rv != APR_SUCCESS)
        return;
    s->exists = 0;
    for (i = 0; i < 30 && !s->exists && rv == APR_SUCCESS; i++)
        if ((rv = im_wait(c, 1000, on_untagged, s)) == APR_TIMEUP)
            rv = APR_SUCCESS;
    printf("idle: exists=%d wait=%s fd=%s\n", s->exists, rv_name(rv),
           im_fd(c) >= 0 ? "yes" : "no");
    rv = im_idle_done(c, on_untagged, s);
    printf("idle: done=%s\n", rv_name(rv));
}

static void script_full(im_client_t *c, apr_pool_t *p)
{
    seen_t *s = seen_new(p);
    const im_resp_t *done = NULL;
    apr_uint64_t validity = 0, modseq, uid2;

    step_caps(c);
    if (CMD(c, s, &done, "create", "CREATE %s", "Test Box"))
        return;
    printf("create: ok\n");
    step_append(c, p, "append", "\\Seen");
    uid2 = step_append(c, p, "append2", "$Forwarded");
    modseq = step_select(c, p, &validity);
    step_fetch(c, p);
    step_store(c, p, modseq);
    step_expunge(c, p, uid2);
    step_changedsince(c, p, modseq);
    step_move(c, p);
    step_list(c, p);
    step_status(c, p);
    step_literal_name(c, p);
    step_big(c, p);
    step_idle(c, p);
}

/* SELECT INBOX and fetch every body: for a server that fails meanwhile. */
static void script_fetch(im_client_t *c, apr_pool_t *p)
{
    seen_t *s = seen_new(p);
    const im_resp_t *done = NULL;
    apr_status_t rv = im_command(c, on_untagged, s, &done, p, "SELECT INBOX");

    if (rv == APR_SUCCESS)
        rv = im_command(c, on_untagged, s, &done, p,
                        "UID FETCH 1:* (BODY.PEEK[])");
    printf("fetch: %s broken=%d fd=%s fetched=%d bytes=%llu\n", rv_name(rv),
           im_broken(c), im_fd(c) >= 0 ? "yes" : "no", s->fetches,
           (unsigned long long)s->bytes);
    rv = im_command(c, NULL, NULL, &done, p, "NOOP");
    printf("fetch: then=%s\n", rv_name(rv));
}

/* SELECT INBOX and fetch every body 100 UIDs at a time (UID ranges, each
   answer in a pool of its own), as a client paging through a mailbox
   does: the floor bench/sync/bench_sync.py measures the backend against.
   Stops at the first range with nothing in it. */
static void script_fetch100(im_client_t *c, apr_pool_t *p)
{
    seen_t *s = seen_new(p);
    const im_resp_t *done = NULL;
    apr_status_t rv = im_command(c, on_untagged, s, &done, p, "SELECT INBOX");
    apr_uint64_t lo, bytes = 0;
    int fetched = 0, n = 1;

    for (lo = 1; rv == APR_SUCCESS && n > 0; lo += 100) {
        apr_pool_t *sub;

        apr_pool_create(&sub, p);
        s = seen_new(sub);
        rv = im_command(c, on_untagged, s, &done, sub, "UID FETCH %U:%U (BODY.PEEK[])",
                        lo, lo + 99);
        n = s->fetches;
        fetched += n;
        bytes += s->bytes;
        apr_pool_destroy(sub);
    }
    printf("fetch100: %s fetched=%d bytes=%llu\n", rv_name(rv), fetched,
           (unsigned long long)bytes);
}

/* ---- main --------------------------------------------------------------- */

static int parse_opts(int argc, char **argv, opts_t *o)
{
    int i;

    for (i = 1; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
        if (!strcmp(argv[i], "--tls"))
            o->ep.tls = !strcmp(argv[i + 1], "implicit") ? IM_TLS_IMPLICIT
                : !strcmp(argv[i + 1], "starttls") ? IM_TLS_STARTTLS
                : IM_TLS_NONE;
        else if (!strcmp(argv[i], "--ca"))
            o->ep.ca_file = argv[i + 1];
        else if (!strcmp(argv[i], "--authzid"))
            o->authzid = argv[i + 1];
        else if (!strcmp(argv[i], "--timeout"))
            o->ep.timeout_ms = atoi(argv[i + 1]);
        else
            return 0;
    }
    if (argc - i != 5)
        return 0;
    o->script = argv[i];
    o->ep.host = argv[i + 1];
    o->ep.port = (apr_port_t)atoi(argv[i + 2]);
    o->user = argv[i + 3];
    o->password = argv[i + 4];
    return 1;
}

static void run_script(const opts_t *o, apr_pool_t *p)
{
    im_log_t log = {log_line, NULL};
    im_client_t *c = NULL;
    const char *err = NULL;
    apr_status_t rv = im_connect(&c, &o->ep, &log, p, &err);

    printf("connect: %s%s%s\n", rv_name(rv), err ? " " : "", err ? err : "");
    if (rv != APR_SUCCESS || !strcmp(o->script, "connect"))
        return;
    err = NULL;
    rv = im_login(c, o->user, o->password, o->authzid, &err);
    printf("login: %s%s%s\n", rv_name(rv), err ? " " : "", err ? err : "");
    if (rv != APR_SUCCESS || !strcmp(o->script, "login"))
        return;
    if (!strcmp(o->script, "fetch"))
        script_fetch(c, p);
    else if (!strcmp(o->script, "fetch100"))
        script_fetch100(c, p);
    else
        script_full(c, p);
    im_close(c);
    im_close(c);
    printf("logout: %s\n", im_fd(c) < 0 ? "closed" : "open");
}

int main(int argc, char **argv)
{
    opts_t o;
    apr_pool_t *p;

    memset(&o, 0, sizeof(o));
    o.ep.timeout_ms = 10000;
    if (!parse_opts(argc, argv, &o)) {
        fprintf(stderr, "usage: imap_client_check [--tls none|starttls|"
                "implicit] [--ca FILE] [--timeout MS] [--authzid USER] "
                "connect|login|fetch|fetch100|full HOST PORT USER PASSWORD\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    apr_initialize();
    apr_pool_create(&p, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    run_script(&o, p);
    apr_pool_destroy(p);
    apr_terminate();
    return 0;
}
