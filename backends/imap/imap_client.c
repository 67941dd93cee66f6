/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IMAP client's connection (imap_client.h): TCP with timeouts, TLS
 * (implicit, and STARTTLS as in RFC 3501 section 6.2.1 / RFC 9051 6.2.1,
 * with the server's certificate and name verified as RFC 9051 section
 * 11.1 asks), the greeting (section 7.1.1/7.1.4/7.1.5), capabilities,
 * authentication (AUTHENTICATE PLAIN, RFC 4616, with SASL-IR, RFC 4959;
 * LOGIN), ENABLE QRESYNC (RFC 7162), ID (RFC 2971), commands with
 * literals (RFC 3501 section 4.3, LITERAL+ of RFC 7888), IDLE (RFC 2177)
 * and LOGOUT.
 *
 * Responses are read into one growing buffer, framed by im_frame and
 * parsed by im_parse (imap_parse.c); each untagged response lives in a
 * pool cleared after its callback.  Reads and writes go through poll()
 * with the endpoint's timeout, on a non-blocking socket.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <apr_allocator.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_base64.h>
#include <apr_portable.h>

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "imap/imap_client.h"

#define CHUNK (64 * 1024)               /* one read */
#define SHRINK_OVER (1024 * 1024)       /* give back a buffer larger */
#define RESP_KEEP (256 * 1024)          /* response memory kept when free */
#define TIMEOUT_DEFAULT_MS 30000
#define LOGOUT_TIMEOUT_MS 1000
#define TRACE_MAX 200                   /* bytes of a command in a trace */
#define LITERAL_MINUS_MAX 4096          /* RFC 7888 section 5 */

#define LOG_ERR 3
#define LOG_WARNING 4
#define LOG_DEBUG 7

struct im_client {
    apr_pool_t *pool;
    apr_pool_t *resp_pool;      /* one untagged response at a time */
    apr_pool_t *cap_pool;       /* the capabilities */
    apr_pool_t *pending_pool;   /* responses seen before IDLE's "+" */
    im_endpoint_t ep;
    im_log_t log;
    apr_socket_t *sock;
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    char *buf;                  /* read buffer: buf[start..end) unread */
    apr_size_t cap, start, end;
    char *out;                  /* a command being written */
    apr_size_t out_len, out_cap;
    unsigned tag_seq;
    apr_array_header_t *caps;   /* const char *, upper-cased */
    apr_array_header_t *pending; /* im_resp_t * */
    char tag[16];               /* the running command's */
    const char *error;
    const char *bye;            /* the text of a BYE the server sent */
    unsigned caps_seen;         /* how many times capabilities came */
    int preauth, qresync, broken, closed, closing, idling;
    int secret;                 /* the command carries credentials */
    int trace_pending;          /* its first line is not traced yet */
};

/* One command on its way: its tag, the callback and the end. */
typedef struct {
    im_client_t *c;
    const char *tag;
    im_untagged_fn fn;
    void *baton;
    apr_status_t fn_rv;         /* the callback's abort, 0 while none */
    apr_pool_t *done_pool;
    apr_pool_t *into;           /* untagged responses kept here, or NULL */
    const im_resp_t *done;      /* the tagged response, once read */
    apr_status_t rv;            /* its status as an apr_status_t */
    int keep;                   /* untagged responses go to c->pending */
} cmd_t;

/* ---- logging and failure ------------------------------------------------ */

static void log_msg(im_client_t *c, int level, apr_status_t rv,
                    const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (!c->log.log)
        return;
    va_start(ap, fmt);
    apr_vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->log.log(c->log.log_ctx, level, rv, msg);
}

/* The connection cannot be used any more: EAS_EUNAVAIL, logged. */
static apr_status_t broken(im_client_t *c, const char *why)
{
    if (!c->broken)
        log_msg(c, c->closing ? LOG_DEBUG : LOG_ERR, EAS_EUNAVAIL,
                "IMAP %s:%d: %s", c->ep.host, (int)c->ep.port, why);
    c->broken = 1;
    c->error = apr_pstrdup(c->pool, why);
    return EAS_EUNAVAIL;
}

static const char *tls_error(const char *what)
{
    static __thread char msg[256];
    char detail[200];
    unsigned long e = ERR_get_error();

    if (e) {
        ERR_error_string_n(e, detail, sizeof(detail));
        apr_snprintf(msg, sizeof(msg), "%s: %s", what, detail);
    }
    else
        apr_snprintf(msg, sizeof(msg), "%s", what);
    ERR_clear_error();
    return msg;
}

/* ---- the socket --------------------------------------------------------- */

static apr_status_t wait_io(im_client_t *c, short events, int timeout_ms)
{
    struct pollfd pfd;
    int n;

    pfd.fd = c->fd;
    pfd.events = events;
    do
        n = poll(&pfd, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return APR_FROM_OS_ERROR(errno);
    return n == 0 ? APR_TIMEUP : APR_SUCCESS;
}

/* What an SSL call's failure means: poll for events, or an error. */
static apr_status_t ssl_want(im_client_t *c, int r, short *events)
{
    switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ:
        *events = POLLIN;
        return APR_SUCCESS;
    case SSL_ERROR_WANT_WRITE:
        *events = POLLOUT;
        return APR_SUCCESS;
    case SSL_ERROR_ZERO_RETURN:
        return APR_EOF;
    case SSL_ERROR_SYSCALL:
        ERR_clear_error();
        return errno ? APR_FROM_OS_ERROR(errno) : APR_EOF;
    default:
        return APR_EGENERAL;
    }
}

/* One read of at most n bytes (n > 0). */
static apr_status_t io_recv(im_client_t *c, char *buf, apr_size_t n,
                            int timeout_ms, apr_size_t *got)
{
    for (;;) {
        short events = POLLIN;
        apr_status_t rv = APR_SUCCESS;

        if (c->ssl) {
            int r = SSL_read(c->ssl, buf, n > INT_MAX ? INT_MAX : (int)n);

            if (r > 0) {
                *got = (apr_size_t)r;
                return APR_SUCCESS;
            }
            errno = 0;
            rv = ssl_want(c, r, &events);
        }
        else {
            ssize_t r = recv(c->fd, buf, n, 0);

            if (r > 0) {
                *got = (apr_size_t)r;
                return APR_SUCCESS;
            }
            if (r == 0)
                return APR_EOF;
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                return APR_FROM_OS_ERROR(errno);
        }
        if (rv == APR_SUCCESS)
            rv = wait_io(c, events, timeout_ms);
        if (rv != APR_SUCCESS)
            return rv;
    }
}

/* One write of some of data[0..n). */
static apr_status_t io_send_some(im_client_t *c, const char *data,
                                 apr_size_t n, apr_size_t *sent)
{
    short events = POLLOUT;
    apr_status_t rv;

    if (c->ssl) {
        int r = SSL_write(c->ssl, data, n > INT_MAX ? INT_MAX : (int)n);

        if (r > 0) {
            *sent = (apr_size_t)r;
            return APR_SUCCESS;
        }
        errno = 0;
        rv = ssl_want(c, r, &events);
    }
    else {
        ssize_t r = send(c->fd, data, n, MSG_NOSIGNAL);

        if (r >= 0) {
            *sent = (apr_size_t)r;
            return APR_SUCCESS;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return APR_FROM_OS_ERROR(errno);
        rv = APR_SUCCESS;
    }
    *sent = 0;
    return rv != APR_SUCCESS ? rv : wait_io(c, events, c->ep.timeout_ms);
}

static apr_status_t io_send(im_client_t *c, const char *data, apr_size_t n)
{
    while (n > 0) {
        apr_size_t sent = 0;
        apr_status_t rv = io_send_some(c, data, n, &sent);

        if (rv == APR_TIMEUP)
            return broken(c, "timeout writing");
        if (rv != APR_SUCCESS)
            return broken(c, "connection failed writing");
        data += sent;
        n -= sent;
    }
    return APR_SUCCESS;
}

/* ---- reading responses -------------------------------------------------- */

static apr_size_t buf_max(const im_client_t *c)
{
    const im_limits_t *l = &c->ep.limits;

    return (l->line_max ? l->line_max : IM_LINE_MAX)
           + (l->literal_max ? l->literal_max : IM_LITERAL_MAX) + CHUNK;
}

/* Room for at least need more bytes at the end of the buffer. */
static apr_status_t buf_room(im_client_t *c, apr_size_t need)
{
    apr_size_t cap;
    char *nb;

    if (c->cap - c->end >= need)
        return APR_SUCCESS;
    if (c->start > 0) {
        memmove(c->buf, c->buf + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
        if (c->cap - c->end >= need)
            return APR_SUCCESS;
    }
    for (cap = c->cap ? c->cap : CHUNK; cap - c->end < need; cap *= 2)
        ;
    if (cap > buf_max(c) && c->end + need > buf_max(c))
        return broken(c, "response over the limits");
    nb = realloc(c->buf, cap);
    if (!nb)
        return broken(c, "out of memory for a response");
    c->buf = nb;
    c->cap = cap;
    return APR_SUCCESS;
}

/* After a response was used: an empty buffer that grew large goes. */
static void buf_consumed(im_client_t *c, apr_size_t used)
{
    c->start += used;
    if (c->start < c->end)
        return;
    c->start = c->end = 0;
    if (c->cap > SHRINK_OVER) {
        free(c->buf);
        c->buf = NULL;
        c->cap = 0;
    }
}

/* Reads more bytes: at least want of them when want > 0. */
static apr_status_t buf_fill(im_client_t *c, apr_size_t want, int timeout_ms)
{
    apr_size_t got = 0, have = 0;
    apr_status_t rv = buf_room(c, want > CHUNK / 4 ? want : CHUNK / 4);

    while (rv == APR_SUCCESS && (have == 0 || have < want)) {
        rv = io_recv(c, c->buf + c->end, c->cap - c->end, timeout_ms, &got);
        if (rv == APR_SUCCESS) {
            c->end += got;
            have += got;
        }
    }
    if (rv == APR_TIMEUP)
        return broken(c, "timeout waiting for the server");
    if (rv == APR_EOF)
        return broken(c, c->bye ? c->bye : "the server closed the connection");
    if (rv != APR_SUCCESS && !c->broken)
        return broken(c, c->ssl ? tls_error("TLS read failed")
                                : "connection failed reading");
    return rv;
}

/*
 * The next complete response in the buffer (*used bytes of it), reading
 * when needed; APR_INCOMPLETE with fill 0 when none is there yet.
 */
static apr_status_t next_frame(im_client_t *c, int fill, apr_size_t *used)
{
    for (;;) {
        apr_size_t want = 0;
        apr_status_t rv = APR_INCOMPLETE;

        if (c->end > c->start)
            rv = im_frame(c->buf + c->start, c->end - c->start,
                          &c->ep.limits, used, &want);

        if (rv == APR_SUCCESS)
            return rv;
        if (rv != APR_INCOMPLETE)
            return broken(c, "a response over the limits");
        if (!fill)
            return rv;
        rv = buf_fill(c, want, c->ep.timeout_ms);
        if (rv != APR_SUCCESS)
            return rv;
    }
}

/* Parses the next response (reading when fill says so) into p, leaving
   it in the buffer: *used bytes, for buf_consumed. */
static apr_status_t parse_next(im_client_t *c, int fill, im_resp_t *r,
                               apr_pool_t *p, apr_size_t *used)
{
    const char *err = NULL;
    apr_status_t rv;

    if (c->broken)
        return EAS_EUNAVAIL;
    rv = next_frame(c, fill, used);
    if (rv != APR_SUCCESS)
        return rv;
    if (p == c->resp_pool)
        apr_pool_clear(p);
    rv = im_parse(c->buf + c->start, *used, &c->ep.limits, r, &err, p);
    if (rv != APR_SUCCESS)
        return broken(c, err ? err : "a malformed response");
    return APR_SUCCESS;
}

/* ---- capabilities ------------------------------------------------------ */

static void caps_set(im_client_t *c, const im_val_t *first)
{
    const im_val_t *v;

    apr_pool_clear(c->cap_pool);
    c->caps_seen++;
    c->caps = apr_array_make(c->cap_pool, 24, sizeof(const char *));
    for (v = first; v; v = v->next)
        if (v->kind == IM_ATOM)
            APR_ARRAY_PUSH(c->caps, const char *) =
                apr_pstrdup(c->cap_pool, v->s);
}

int im_has_cap(const im_client_t *c, const char *cap)
{
    int i;

    for (i = 0; c->caps && i < c->caps->nelts; i++)
        if (strcasecmp(APR_ARRAY_IDX(c->caps, i, const char *), cap) == 0)
            return 1;
    return 0;
}

int im_qresync(const im_client_t *c)
{
    return c->qresync;
}

/* Capabilities in a status response's code, if any: 1, else 0. */
static int caps_from_code(im_client_t *c, const im_resp_t *r)
{
    if (!r->code || !im_is(im_nth(r->code, 0), "CAPABILITY"))
        return 0;
    caps_set(c, im_nth(r->code, 1));
    return 1;
}

/* What the client itself learns from an untagged response. */
static void learn(im_client_t *c, const im_resp_t *r)
{
    const im_val_t *v;

    if (!r->name) {
        if (r->status)
            caps_from_code(c, r);
        return;
    }
    if (!strcmp(r->name, "CAPABILITY"))
        caps_set(c, r->args->child);
    else if (!strcmp(r->name, "ENABLED"))
        for (v = r->args->child; v; v = v->next)
            if (im_is(v, "QRESYNC"))
                c->qresync = 1;
}

/* ---- commands: the answer ----------------------------------------------- */

static apr_status_t status_rv(const char *status)
{
    if (!strcmp(status, "OK"))
        return APR_SUCCESS;
    return !strcmp(status, "NO") ? IM_ENO : IM_EBAD;
}

/* A copy of the response raw[0..len) in pool p. */
static im_resp_t *reparse(im_client_t *c, const char *raw, apr_size_t len,
                          apr_pool_t *p)
{
    im_resp_t *copy = apr_palloc(p, sizeof(*copy));

    return im_parse(raw, len, &c->ep.limits, copy, NULL, p) == APR_SUCCESS
           ? copy : NULL;
}

static void untagged(cmd_t *cmd, const im_resp_t *r, const char *raw,
                     apr_size_t len)
{
    im_client_t *c = cmd->c;

    learn(c, r);
    if (r->status && !strcmp(r->status, "BYE")) {
        log_msg(c, LOG_DEBUG, 0, "IMAP S: * BYE %.200s", r->text);
        c->bye = apr_psprintf(c->pool, "the server said BYE: %.200s",
                              r->text);
    }
    if (cmd->keep) {
        im_resp_t *copy = reparse(c, raw, len, c->pending_pool);

        if (copy)
            APR_ARRAY_PUSH(c->pending, im_resp_t *) = copy;
    }
    else if (cmd->fn && cmd->fn_rv == APR_SUCCESS)
        cmd->fn_rv = cmd->fn(cmd->baton, r);
}

/* The tagged response of cmd: parsed again into the caller's pool. */
static apr_status_t tagged(cmd_t *cmd, const im_resp_t *r,
                           const char *raw, apr_size_t len)
{
    im_client_t *c = cmd->c;

    if (strcmp(r->tag, cmd->tag) != 0)
        return broken(c, apr_psprintf(c->resp_pool, "answer to an unknown "
                                      "tag %.40s", r->tag));
    cmd->rv = status_rv(r->status);
    if (cmd->rv == APR_SUCCESS)
        caps_from_code(c, r);
    log_msg(c, cmd->rv == IM_EBAD ? LOG_WARNING : LOG_DEBUG, cmd->rv,
            "IMAP S: %s %s %.200s", r->tag, r->status, r->text);
    cmd->done = cmd->done_pool ? reparse(c, raw, len, cmd->done_pool) : r;
    return cmd->done ? APR_SUCCESS
                     : broken(c, "a response that parses only once");
}

/*
 * Reads responses until the command's end (cmd->done set) or, with
 * until_cont, a continuation request (returns with cmd->done NULL).
 */
static apr_status_t read_until(cmd_t *cmd, int until_cont)
{
    im_client_t *c = cmd->c;

    apr_pool_t *rp = cmd->into ? cmd->into : c->resp_pool;

    for (;;) {
        im_resp_t r;
        apr_size_t used = 0;
        apr_status_t rv = parse_next(c, 1, &r, rp, &used);
        const char *raw = c->buf + c->start;

        int star, plus;

        if (rv != APR_SUCCESS)
            return rv;
        star = !strcmp(r.tag, "*");
        plus = !strcmp(r.tag, "+");
        if (star)
            untagged(cmd, &r, raw, used);
        else if (!plus)
            rv = tagged(cmd, &r, raw, used);
        buf_consumed(c, used);
        if (star && rp == c->resp_pool)
            apr_pool_clear(c->resp_pool);
        if (rv != APR_SUCCESS || cmd->done || (until_cont && plus))
            return rv;
    }
}

/* ---- commands: writing -------------------------------------------------- */

static apr_status_t out_put(im_client_t *c, const char *s, apr_size_t n)
{
    if (c->out_cap - c->out_len < n) {
        apr_size_t cap = c->out_cap ? c->out_cap : 1024;
        char *nb;

        while (cap - c->out_len < n)
            cap *= 2;
        nb = realloc(c->out, cap);
        if (!nb)
            return APR_ENOMEM;
        c->out = nb;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, s, n);
    c->out_len += n;
    return APR_SUCCESS;
}

static apr_status_t out_str(im_client_t *c, const char *s)
{
    return out_put(c, s, strlen(s));
}

/* Writes what out holds. */
static void trace_command(im_client_t *c);

static apr_status_t out_flush(im_client_t *c)
{
    apr_status_t rv;

    trace_command(c);
    rv = io_send(c, c->out, c->out_len);
    if (c->secret)
        OPENSSL_cleanse(c->out, c->out_len);
    c->out_len = 0;
    return rv;
}

/* An atom as %a takes it: printable ASCII without SP ( ) { " (flags,
   sequence sets, fetch items like BODY.PEEK[] pass). */
static int valid_atom(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f
            || strchr("(){\"", *s))
            return 0;
    return 1;
}

/* How %s writes s: 0 atom, 1 quoted string, 2 literal. */
static int astring_form(const char *s)
{
    int form = 0;

    if (!*s || strcasecmp(s, "NIL") == 0)
        form = 1;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch < 0x20 || ch >= 0x7f)
            return 2;
        if (ch == ' ' || strchr("(){\"\\%*", ch))
            form = 1;
    }
    return form;
}

static apr_status_t out_quoted(im_client_t *c, const char *s)
{
    apr_status_t rv = out_put(c, "\"", 1);

    for (; *s && rv == APR_SUCCESS; s++) {
        if (*s == '"' || *s == '\\')
            rv = out_put(c, "\\", 1);
        if (rv == APR_SUCCESS)
            rv = out_put(c, s, 1);
    }
    return rv == APR_SUCCESS ? out_put(c, "\"", 1) : rv;
}

/*
 * A literal: with LITERAL+ (or LITERAL- when small enough) announced and
 * sent at once; else announced, and sent after the server's continuation
 * request.  The bytes go out
 * from the caller's memory, not through out.
 */
static apr_status_t out_literal(cmd_t *cmd, const char *data, apr_size_t n)
{
    im_client_t *c = cmd->c;
    int plus = im_has_cap(c, "LITERAL+")
               || (n <= LITERAL_MINUS_MAX && im_has_cap(c, "LITERAL-"));
    char head[32];
    apr_status_t rv;

    apr_snprintf(head, sizeof(head), "{%" APR_SIZE_T_FMT "%s}\r\n", n,
                 plus ? "+" : "");
    rv = out_str(c, head);
    if (rv == APR_SUCCESS)
        rv = out_flush(c);
    if (rv == APR_SUCCESS && !plus)
        rv = read_until(cmd, 1);
    if (rv != APR_SUCCESS || cmd->done)
        return rv;
    return io_send(c, data, n);
}

static apr_status_t out_astring(cmd_t *cmd, const char *s)
{
    switch (astring_form(s)) {
    case 0:
        return out_str(cmd->c, s);
    case 1:
        return out_quoted(cmd->c, s);
    default:
        return out_literal(cmd, s, strlen(s));
    }
}

/* One conversion of fmt (the character after '%'); dry: only checks. */
static apr_status_t out_conv(cmd_t *cmd, char conv, va_list *ap, int dry)
{
    char num[32];
    const char *s;
    apr_size_t n;

    switch (conv) {
    case 'a':
        s = va_arg(*ap, const char *);
        if (!s || !valid_atom(s))
            return APR_EINVAL;
        return dry ? APR_SUCCESS : out_str(cmd->c, s);
    case 's':
        s = va_arg(*ap, const char *);
        if (!s)
            return APR_EINVAL;
        return dry ? APR_SUCCESS : out_astring(cmd, s);
    case 'S':
        s = va_arg(*ap, const char *);
        n = va_arg(*ap, apr_size_t);
        if (!s && n)
            return APR_EINVAL;
        return dry ? APR_SUCCESS : out_literal(cmd, s ? s : "", n);
    case 'u':
        apr_snprintf(num, sizeof(num), "%u", va_arg(*ap, unsigned int));
        return dry ? APR_SUCCESS : out_str(cmd->c, num);
    case 'U':
        apr_snprintf(num, sizeof(num), "%" APR_UINT64_T_FMT,
                     va_arg(*ap, apr_uint64_t));
        return dry ? APR_SUCCESS : out_str(cmd->c, num);
    case '%':
        return dry ? APR_SUCCESS : out_put(cmd->c, "%", 1);
    default:
        return APR_EINVAL;
    }
}

/* The command after the tag, as fmt and its arguments say, up to (not
   including) the final CRLF; dry: only checks fmt and the arguments. */
static apr_status_t out_format(cmd_t *cmd, const char *fmt, va_list ap,
                               int dry)
{
    apr_status_t rv = APR_SUCCESS;
    const char *p = fmt;
    va_list aq;

    va_copy(aq, ap);
    while (*p && rv == APR_SUCCESS && !cmd->done) {
        apr_size_t run = strcspn(p, "%\r\n");

        if (run) {
            rv = dry ? APR_SUCCESS : out_put(cmd->c, p, run);
            p += run;
        }
        else if (*p != '%' || !p[1])
            rv = APR_EINVAL;
        else {
            rv = out_conv(cmd, p[1], &aq, dry);
            p += 2;
        }
    }
    va_end(aq);
    return rv;
}

/* A debug trace of a command's first line (up to its first literal),
   once; credentials never. */
static void trace_command(im_client_t *c)
{
    apr_size_t n = c->out_len < TRACE_MAX ? c->out_len : TRACE_MAX;

    if (!c->log.log || !c->trace_pending)
        return;
    c->trace_pending = 0;
    while (n > 0 && (c->out[n - 1] == '\r' || c->out[n - 1] == '\n'))
        n--;
    if (c->secret)
        log_msg(c, LOG_DEBUG, 0, "IMAP C: %s <login: credentials not shown>",
                c->tag);
    else
        log_msg(c, LOG_DEBUG, 0, "IMAP C: %.*s", (int)n, c->out);
}

/* ---- commands: running -------------------------------------------------- */

/* Hands the responses kept before IDLE's continuation to fn. */
static apr_status_t drain_pending(im_client_t *c, im_untagged_fn fn,
                                  void *baton)
{
    apr_status_t rv = APR_SUCCESS;
    int i;

    for (i = 0; i < c->pending->nelts && rv == APR_SUCCESS; i++)
        if (fn)
            rv = fn(baton, APR_ARRAY_IDX(c->pending, i, im_resp_t *));
    if (c->pending->nelts) {
        apr_pool_clear(c->pending_pool);
        c->pending = apr_array_make(c->pending_pool, 4, sizeof(im_resp_t *));
    }
    return rv;
}

/* Sends the command's first line (tag and fmt) and its literals. */
static apr_status_t send_command(cmd_t *cmd, const char *fmt, va_list ap)
{
    im_client_t *c = cmd->c;
    apr_status_t rv;

    apr_snprintf(c->tag, sizeof(c->tag), "A%u", ++c->tag_seq);
    cmd->tag = c->tag;
    c->out_len = 0;
    c->trace_pending = 1;
    rv = out_str(c, c->tag);
    if (rv == APR_SUCCESS)
        rv = out_put(c, " ", 1);
    if (rv == APR_SUCCESS)
        rv = out_format(cmd, fmt, ap, 0);
    if (rv == APR_SUCCESS && !cmd->done)
        rv = out_put(c, "\r\n", 2);
    if (rv == APR_SUCCESS && !cmd->done)
        rv = out_flush(c);
    if (rv != APR_SUCCESS && rv != EAS_EUNAVAIL)
        rv = broken(c, "out of memory writing a command");
    return rv;
}

/* send_command with the arguments given here (the client's own). */
static apr_status_t send_own(cmd_t *cmd, const char *fmt, ...)
{
    apr_status_t rv;
    va_list ap;

    va_start(ap, fmt);
    rv = send_command(cmd, fmt, ap);
    va_end(ap);
    return rv;
}

static apr_status_t run_v(cmd_t *cmd, const char *fmt, va_list ap)
{
    im_client_t *c = cmd->c;
    apr_status_t rv;

    if (out_format(cmd, fmt, ap, 1) != APR_SUCCESS) {
        log_msg(c, LOG_WARNING, APR_EINVAL, "IMAP: a command with a bad "
                "argument not sent: %.40s", fmt);
        return APR_EINVAL;
    }
    if (c->broken || c->closed)
        return EAS_EUNAVAIL;
    if (c->idling) {
        log_msg(c, LOG_WARNING, APR_EINVAL, "IMAP: a command during IDLE "
                "not sent: %.40s", fmt);
        return APR_EINVAL;
    }
    c->secret = strncasecmp(fmt, "LOGIN", 5) == 0
                || strncasecmp(fmt, "AUTHENTICATE", 12) == 0;
    rv = drain_pending(c, cmd->fn, cmd->baton);
    if (rv != APR_SUCCESS)
        cmd->fn_rv = rv;
    rv = send_command(cmd, fmt, ap);
    if (rv == APR_SUCCESS && !cmd->done)
        rv = read_until(cmd, 0);
    c->secret = 0;
    if (rv != APR_SUCCESS)
        return rv;
    return cmd->fn_rv != APR_SUCCESS ? cmd->fn_rv : cmd->rv;
}

static void cmd_init(cmd_t *cmd, im_client_t *c, im_untagged_fn fn,
                     void *baton, apr_pool_t *done_pool)
{
    memset(cmd, 0, sizeof(*cmd));
    cmd->c = c;
    cmd->fn = fn;
    cmd->baton = baton;
    cmd->done_pool = done_pool ? done_pool : c->resp_pool;
}

apr_status_t im_command(im_client_t *c, im_untagged_fn fn, void *baton,
                        const im_resp_t **done, apr_pool_t *p,
                        const char *fmt, ...)
{
    cmd_t cmd;
    apr_status_t rv;
    va_list ap;

    cmd_init(&cmd, c, fn, baton, p);
    if (done)
        *done = NULL;
    va_start(ap, fmt);
    rv = run_v(&cmd, fmt, ap);
    va_end(ap);
    if (done && p)
        *done = cmd.done;
    return rv;
}

apr_status_t im_command_into(im_client_t *c, im_untagged_fn fn, void *baton,
                             const im_resp_t **done, apr_pool_t *p,
                             const char *fmt, ...)
{
    cmd_t cmd;
    apr_status_t rv;
    va_list ap;

    cmd_init(&cmd, c, fn, baton, p);
    cmd.into = p;
    if (done)
        *done = NULL;
    va_start(ap, fmt);
    rv = run_v(&cmd, fmt, ap);
    va_end(ap);
    if (done)
        *done = cmd.done;
    return rv;
}

/* A command of the client's own; *done (in resp_pool) until the next. */
static apr_status_t run(im_client_t *c, const im_resp_t **done,
                        const char *fmt, ...)
{
    cmd_t cmd;
    apr_status_t rv;
    va_list ap;

    cmd_init(&cmd, c, NULL, NULL, NULL);
    va_start(ap, fmt);
    rv = run_v(&cmd, fmt, ap);
    va_end(ap);
    if (done)
        *done = cmd.done;
    return rv;
}

/* ---- TLS ---------------------------------------------------------------- */

static int is_ip_address(const char *host)
{
    unsigned char a[16];

    return inet_pton(AF_INET, host, a) == 1
           || inet_pton(AF_INET6, host, a) == 1;
}

/* A context verifying the server against ca_file or the system's store. */
static apr_status_t tls_context(im_client_t *c)
{
    c->ctx = SSL_CTX_new(TLS_client_method());
    if (!c->ctx)
        return broken(c, tls_error("cannot make a TLS context"));
    SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
    if (c->ep.ca_file) {
        if (SSL_CTX_load_verify_locations(c->ctx, c->ep.ca_file, NULL) != 1)
            return broken(c, apr_psprintf(c->pool, "%s (%s)", tls_error(
                              "cannot read the CA file"), c->ep.ca_file));
    }
    else if (SSL_CTX_set_default_verify_paths(c->ctx) != 1)
        return broken(c, tls_error("cannot read the system's CA store"));
    return APR_SUCCESS;
}

/* The connection's TLS object: SNI and the name to verify. */
static apr_status_t tls_object(im_client_t *c)
{
    const char *host = c->ep.host;
    int ok;

    c->ssl = SSL_new(c->ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
        return broken(c, tls_error("cannot start TLS"));
    SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE
                         | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (is_ip_address(host))
        ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host);
    else {
        SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        ok = SSL_set_tlsext_host_name(c->ssl, host) == 1
             && SSL_set1_host(c->ssl, host) == 1;
    }
    return ok ? APR_SUCCESS : broken(c, tls_error("cannot set the TLS name"));
}

static apr_status_t tls_handshake(im_client_t *c)
{
    for (;;) {
        short events = POLLIN;
        int r = SSL_connect(c->ssl);
        long vr;
        apr_status_t rv;

        if (r == 1)
            return APR_SUCCESS;
        vr = SSL_get_verify_result(c->ssl);
        if (vr != X509_V_OK)
            return broken(c, apr_psprintf(c->pool, "TLS: the server's "
                          "certificate is not trusted for %s: %s", c->ep.host,
                          X509_verify_cert_error_string(vr)));
        errno = 0;
        rv = ssl_want(c, r, &events);
        if (rv == APR_SUCCESS)
            rv = wait_io(c, events, c->ep.timeout_ms);
        if (rv == APR_TIMEUP)
            return broken(c, "timeout in the TLS handshake");
        if (rv != APR_SUCCESS)
            return broken(c, tls_error("TLS handshake failed"));
    }
}

static apr_status_t tls_start(im_client_t *c)
{
    apr_status_t rv = tls_context(c);

    if (rv == APR_SUCCESS)
        rv = tls_object(c);
    if (rv == APR_SUCCESS)
        rv = tls_handshake(c);
    if (rv == APR_SUCCESS)
        log_msg(c, LOG_DEBUG, 0, "IMAP: %s with %s", SSL_get_version(c->ssl),
                SSL_get_cipher_name(c->ssl));
    return rv;
}

/* ---- connecting --------------------------------------------------------- */

static apr_status_t tcp_connect(im_client_t *c)
{
    apr_sockaddr_t *sa;
    apr_status_t rv;
    char msg[120];

    rv = apr_sockaddr_info_get(&sa, c->ep.host, APR_UNSPEC, c->ep.port, 0,
                               c->pool);
    if (rv != APR_SUCCESS)
        return broken(c, "cannot resolve the host name");
    for (; sa; sa = sa->next) {
        rv = apr_socket_create(&c->sock, sa->family, SOCK_STREAM,
                               APR_PROTO_TCP, c->pool);
        if (rv != APR_SUCCESS)
            continue;
        apr_socket_opt_set(c->sock, APR_TCP_NODELAY, 1);
        apr_socket_timeout_set(c->sock,
                               (apr_interval_time_t)c->ep.timeout_ms * 1000);
        rv = apr_socket_connect(c->sock, sa);
        if (rv == APR_SUCCESS)
            break;
        apr_socket_close(c->sock);
        c->sock = NULL;
    }
    if (!c->sock)
        return broken(c, apr_psprintf(c->pool, "cannot connect: %s",
                                      apr_strerror(rv, msg, sizeof(msg))));
    apr_socket_timeout_set(c->sock, 0);         /* poll() waits */
    apr_os_sock_get(&c->fd, c->sock);
    return APR_SUCCESS;
}

/* The greeting: OK or PREAUTH, perhaps with the capabilities. */
static apr_status_t greeting(im_client_t *c)
{
    im_resp_t r;
    apr_size_t used = 0;
    apr_status_t rv = parse_next(c, 1, &r, c->resp_pool, &used);

    if (rv != APR_SUCCESS)
        return rv;
    buf_consumed(c, used);
    if (strcmp(r.tag, "*") != 0 || !r.status)
        return broken(c, "no greeting");
    if (!strcmp(r.status, "BYE"))
        return broken(c, apr_psprintf(c->pool, "the server refused the "
                                      "connection: %.200s", r.text));
    if (strcmp(r.status, "OK") != 0 && strcmp(r.status, "PREAUTH") != 0)
        return broken(c, "a greeting neither OK nor PREAUTH");
    c->preauth = !strcmp(r.status, "PREAUTH");
    caps_from_code(c, &r);
    return APR_SUCCESS;
}

/* STARTTLS; nothing may have come after its OK (RFC 9051 section 6.2.1),
   and the capabilities from before do not count. */
static apr_status_t starttls(im_client_t *c)
{
    apr_status_t rv;

    if (c->preauth)
        return broken(c, "PREAUTH greeting: STARTTLS is not possible");
    rv = run(c, NULL, "STARTTLS");
    if (rv == IM_ENO || rv == IM_EBAD)
        return broken(c, "the server refused STARTTLS");
    if (rv != APR_SUCCESS)
        return rv;
    if (c->end > c->start)
        return broken(c, "data after STARTTLS's answer");
    rv = tls_start(c);
    if (rv == APR_SUCCESS) {
        c->caps = NULL;
        c->caps_seen = 0;
    }
    return rv;
}

static apr_status_t capability(im_client_t *c)
{
    apr_status_t rv = run(c, NULL, "CAPABILITY");

    if (rv == IM_ENO || rv == IM_EBAD)
        return broken(c, "CAPABILITY failed");
    return rv;
}

static apr_status_t client_cleanup(void *data)
{
    im_close(data);
    return APR_SUCCESS;
}

/* A subpool of parent with an allocator of its own that gives back to
   the system what it holds beyond RESP_KEEP once cleared: a pooled
   connection does not keep the peak of its largest response. */
static apr_pool_t *pool_giving_back(apr_pool_t *parent)
{
    apr_allocator_t *a;
    apr_pool_t *p;

    if (apr_allocator_create(&a) != APR_SUCCESS) {
        apr_pool_create(&p, parent);
        return p;
    }
    apr_allocator_max_free_set(a, RESP_KEEP);
    apr_pool_create_ex(&p, parent, NULL, a);
    apr_allocator_owner_set(a, p);
    return p;
}

static im_client_t *client_new(const im_endpoint_t *ep, const im_log_t *log,
                               apr_pool_t *p)
{
    im_client_t *c = apr_pcalloc(p, sizeof(*c));

    c->pool = p;
    c->ep = *ep;
    c->ep.host = apr_pstrdup(p, ep->host ? ep->host : "");
    c->ep.ca_file = ep->ca_file ? apr_pstrdup(p, ep->ca_file) : NULL;
    if (c->ep.timeout_ms <= 0)
        c->ep.timeout_ms = TIMEOUT_DEFAULT_MS;
    if (log)
        c->log = *log;
    c->fd = -1;
    c->resp_pool = pool_giving_back(p);
    apr_pool_create(&c->cap_pool, p);
    apr_pool_create(&c->pending_pool, p);
    c->pending = apr_array_make(c->pending_pool, 4, sizeof(im_resp_t *));
    apr_pool_pre_cleanup_register(p, c, client_cleanup);
    return c;
}

apr_status_t im_connect(im_client_t **cp, const im_endpoint_t *ep,
                        const im_log_t *log, apr_pool_t *p,
                        const char **err)
{
    im_client_t *c = client_new(ep, log, p);
    apr_status_t rv = tcp_connect(c);

    if (rv == APR_SUCCESS && ep->tls == IM_TLS_IMPLICIT)
        rv = tls_start(c);
    if (rv == APR_SUCCESS)
        rv = greeting(c);
    if (rv == APR_SUCCESS && ep->tls == IM_TLS_STARTTLS)
        rv = starttls(c);
    if (rv == APR_SUCCESS && !c->caps_seen)
        rv = capability(c);
    if (rv != APR_SUCCESS) {
        if (err)
            *err = c->error ? c->error : "cannot connect";
        im_close(c);
        *cp = NULL;
        return EAS_EUNAVAIL;
    }
    *cp = c;
    return APR_SUCCESS;
}

/* ---- authentication ----------------------------------------------------- */

/* The SASL PLAIN message (RFC 4616), base64, in p. */
static char *plain_message(const char *authzid, const char *authcid,
                           const char *password, apr_pool_t *p)
{
    apr_size_t lz = authzid ? strlen(authzid) : 0, la = strlen(authcid);
    apr_size_t lp = strlen(password), n = lz + la + lp + 2;
    char *msg = apr_palloc(p, n), *b64;

    if (lz)
        memcpy(msg, authzid, lz);
    msg[lz] = '\0';
    memcpy(msg + lz + 1, authcid, la);
    msg[lz + 1 + la] = '\0';
    memcpy(msg + lz + la + 2, password, lp);
    b64 = apr_palloc(p, apr_base64_encode_len((int)n));
    apr_base64_encode(b64, msg, (int)n);
    OPENSSL_cleanse(msg, n);
    return b64;
}

/* AUTHENTICATE PLAIN without SASL-IR: the message after the "+". */
static apr_status_t auth_plain_cont(im_client_t *c, const char *b64,
                                    const im_resp_t **done)
{
    cmd_t cmd;
    apr_status_t rv;

    cmd_init(&cmd, c, NULL, NULL, NULL);
    c->secret = 1;
    rv = send_own(&cmd, "AUTHENTICATE PLAIN");
    if (rv == APR_SUCCESS)
        rv = read_until(&cmd, 1);
    if (rv == APR_SUCCESS && !cmd.done) {
        if (out_str(c, b64) != APR_SUCCESS
            || out_put(c, "\r\n", 2) != APR_SUCCESS)
            rv = broken(c, "out of memory writing a command");
        if (rv == APR_SUCCESS)
            rv = out_flush(c);
        if (rv == APR_SUCCESS)
            rv = read_until(&cmd, 0);
    }
    c->secret = 0;
    *done = cmd.done;
    return rv != APR_SUCCESS ? rv : cmd.rv;
}

static apr_status_t auth_plain(im_client_t *c, const char *authcid,
                               const char *password, const char *authzid,
                               const im_resp_t **done)
{
    apr_pool_t *tmp;
    char *b64;
    apr_status_t rv;

    apr_pool_create(&tmp, c->pool);
    b64 = plain_message(authzid, authcid, password, tmp);
    if (im_has_cap(c, "SASL-IR"))
        rv = run(c, done, "AUTHENTICATE PLAIN %a", b64);
    else
        rv = auth_plain_cont(c, b64, done);
    OPENSSL_cleanse(b64, strlen(b64));
    apr_pool_destroy(tmp);
    return rv;
}

/* After authentication: the capabilities of the authenticated state,
   ENABLE QRESYNC, ID. */
static apr_status_t after_login(im_client_t *c, unsigned caps_before)
{
    apr_status_t rv = APR_SUCCESS;

    if (c->caps_seen == caps_before)
        rv = capability(c);
    if (rv == APR_SUCCESS && im_has_cap(c, "QRESYNC")
        && im_has_cap(c, "ENABLE"))
        rv = run(c, NULL, "ENABLE QRESYNC");
    if ((rv == APR_SUCCESS || rv == IM_ENO || rv == IM_EBAD)
        && im_has_cap(c, "ID"))
        rv = run(c, NULL, "ID (\"name\" \"mod_eas\")");
    return rv == IM_ENO || rv == IM_EBAD ? APR_SUCCESS : rv;
}

/* Which way to authenticate: NULL for one, else why none fits. */
static const char *login_refusal(const im_client_t *c, const char *authzid)
{
    if (im_has_cap(c, "AUTH=PLAIN"))
        return NULL;
    if (authzid)
        return "the server offers no AUTH=PLAIN, needed to act as another "
               "user";
    if (im_has_cap(c, "LOGINDISABLED"))
        return "the server allows no login here (LOGINDISABLED)";
    return NULL;
}

apr_status_t im_login(im_client_t *c, const char *authcid,
                      const char *password, const char *authzid,
                      const char **errp)
{
    const char *ignored, **err = errp ? errp : &ignored;
    const im_resp_t *done = NULL;
    unsigned caps_before = c->caps_seen;
    const char *why = login_refusal(c, authzid);
    apr_status_t rv;

    if (c->broken || c->closed) {
        *err = c->error ? c->error : "the connection is closed";
        return EAS_EUNAVAIL;
    }
    if (why) {
        log_msg(c, LOG_ERR, IM_ENO, "IMAP %s: %s", c->ep.host, why);
        *err = why;
        return IM_ENO;
    }
    if (c->preauth)
        rv = APR_SUCCESS;
    else if (im_has_cap(c, "AUTH=PLAIN"))
        rv = auth_plain(c, authcid, password, authzid, &done);
    else
        rv = run(c, &done, "LOGIN %s %s", authcid, password);
    if (rv == IM_ENO || rv == IM_EBAD) {
        *err = apr_psprintf(c->pool, "login refused: %.200s",
                            done ? done->text : "");
        log_msg(c, LOG_WARNING, rv, "IMAP %s: %s", c->ep.host, *err);
        return rv;
    }
    if (rv == APR_SUCCESS)
        rv = after_login(c, caps_before);
    if (rv != APR_SUCCESS)
        *err = c->error ? c->error : "login failed";
    return rv;
}

/* ---- waiting, IDLE ------------------------------------------------------ */

/* Hands every complete response in the buffer to cmd (at least one when
   first says so, reading for it). */
static apr_status_t deliver_batch(cmd_t *cmd, int first)
{
    im_client_t *c = cmd->c;
    int bye = 0;

    for (;;) {
        im_resp_t r;
        apr_size_t used = 0;
        apr_status_t rv = parse_next(c, first, &r, c->resp_pool, &used);

        if (rv == APR_INCOMPLETE)
            break;
        if (rv != APR_SUCCESS)
            return rv;
        first = 0;
        if (!strcmp(r.tag, "*"))
            untagged(cmd, &r, c->buf + c->start, used);
        else
            log_msg(c, LOG_DEBUG, 0, "IMAP: an answer while waiting: %.20s",
                    r.tag);
        bye |= r.status && !strcmp(r.status, "BYE");
        buf_consumed(c, used);
        apr_pool_clear(c->resp_pool);
    }
    if (bye)
        return broken(c, "the server said BYE");
    return cmd->fn_rv;
}

/* Whether bytes came within timeout_ms (APR_TIMEUP when none). */
static apr_status_t wait_bytes(im_client_t *c, int timeout_ms)
{
    apr_size_t got = 0;
    apr_status_t rv;

    if (c->ssl && SSL_pending(c->ssl) > 0)
        timeout_ms = 0;
    else {
        rv = wait_io(c, POLLIN, timeout_ms);
        if (rv != APR_SUCCESS)
            return rv == APR_TIMEUP ? rv : broken(c, "poll failed");
    }
    rv = buf_room(c, CHUNK / 4);
    if (rv == APR_SUCCESS)
        rv = io_recv(c, c->buf + c->end, c->cap - c->end,
                     timeout_ms > 0 ? timeout_ms : 1, &got);
    if (rv == APR_SUCCESS)
        c->end += got;
    else if (rv == APR_EOF)
        rv = broken(c, "the server closed the connection");
    else if (rv != APR_TIMEUP && !c->broken)
        rv = broken(c, "connection failed reading");
    return rv;
}

apr_status_t im_wait(im_client_t *c, int timeout_ms, im_untagged_fn fn,
                     void *baton)
{
    cmd_t cmd;
    apr_size_t used;
    apr_status_t rv;

    if (c->broken || c->closed)
        return EAS_EUNAVAIL;
    if (c->pending->nelts)
        return drain_pending(c, fn, baton);
    cmd_init(&cmd, c, fn, baton, NULL);
    rv = next_frame(c, 0, &used);
    if (rv == APR_INCOMPLETE)
        rv = wait_bytes(c, timeout_ms);
    if (rv != APR_SUCCESS)
        return rv;
    return deliver_batch(&cmd, 1);
}

apr_status_t im_idle_start(im_client_t *c)
{
    cmd_t cmd;
    apr_status_t rv;

    cmd_init(&cmd, c, NULL, NULL, NULL);
    cmd.keep = 1;
    if (c->broken || c->closed)
        return EAS_EUNAVAIL;
    if (c->idling)
        return APR_SUCCESS;
    rv = send_own(&cmd, "IDLE");
    if (rv == APR_SUCCESS)
        rv = read_until(&cmd, 1);
    if (rv != APR_SUCCESS)
        return rv;
    if (cmd.done)
        return cmd.rv == APR_SUCCESS ? IM_EBAD : cmd.rv;
    c->idling = 1;
    return APR_SUCCESS;
}

apr_status_t im_idle_done(im_client_t *c, im_untagged_fn fn, void *baton)
{
    cmd_t cmd;
    apr_status_t rv;

    if (c->broken || c->closed)
        return EAS_EUNAVAIL;
    if (!c->idling)
        return APR_SUCCESS;
    cmd_init(&cmd, c, fn, baton, NULL);
    cmd.tag = c->tag;
    cmd.fn_rv = drain_pending(c, fn, baton);
    c->idling = 0;
    rv = io_send(c, "DONE\r\n", 6);
    if (rv == APR_SUCCESS)
        rv = read_until(&cmd, 0);
    if (rv != APR_SUCCESS)
        return rv;
    return cmd.fn_rv != APR_SUCCESS ? cmd.fn_rv : cmd.rv;
}

/* ---- the end ------------------------------------------------------------ */

int im_fd(const im_client_t *c)
{
    return c && !c->closed ? c->fd : -1;
}

int im_broken(const im_client_t *c)
{
    return !c || c->broken;
}

const char *im_error(const im_client_t *c)
{
    return c ? c->error : NULL;
}

/* LOGOUT, waiting a short time for its answer; failures are quiet. */
static void logout(im_client_t *c)
{
    cmd_t cmd;

    c->closing = 1;
    if (c->ep.timeout_ms > LOGOUT_TIMEOUT_MS)
        c->ep.timeout_ms = LOGOUT_TIMEOUT_MS;
    if (c->idling && io_send(c, "DONE\r\n", 6) == APR_SUCCESS) {
        cmd_init(&cmd, c, NULL, NULL, NULL);
        cmd.tag = c->tag;
        c->idling = 0;
        read_until(&cmd, 0);
    }
    if (c->broken)
        return;
    cmd_init(&cmd, c, NULL, NULL, NULL);
    if (send_own(&cmd, "LOGOUT") == APR_SUCCESS)
        read_until(&cmd, 0);
}

void im_close(im_client_t *c)
{
    if (!c || c->closed)
        return;
    if (!c->broken && c->fd >= 0)
        logout(c);
    c->closed = 1;
    if (c->ssl) {
        if (!c->broken)
            SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->ctx)
        SSL_CTX_free(c->ctx);
    c->ctx = NULL;
    ERR_clear_error();
    if (c->sock)
        apr_socket_close(c->sock);
    c->sock = NULL;
    c->fd = -1;
    free(c->buf);
    free(c->out);
    c->buf = c->out = NULL;
    c->cap = c->start = c->end = c->out_len = c->out_cap = 0;
}

void im_set_log(im_client_t *c, const im_log_t *log)
{
    if (log)
        c->log = *log;
    else
        memset(&c->log, 0, sizeof(c->log));
}
