/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tests' SMTP server; see smtp_sink.h.
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_base64.h>
#include <apr_lib.h>
#include <apr_poll.h>

#include "smtp_sink.h"

#define SINK_TIMEOUT apr_time_from_sec(20)
#define LINE_MAX_LEN 65536

typedef struct {
    apr_socket_t *sock;
    char buf[8192];
    apr_size_t len, off;
} conn_t;

/* One line without its line end; *lf_only says whether it ended in LF
   alone.  NULL at end of input. */
static char *read_line(conn_t *c, apr_pool_t *p, int *lf_only)
{
    char *line = apr_palloc(p, LINE_MAX_LEN + 1);
    apr_size_t n = 0;

    for (;;) {
        if (c->off == c->len) {
            apr_size_t got = sizeof c->buf;

            if (apr_socket_recv(c->sock, c->buf, &got) != APR_SUCCESS
                || got == 0)
                return NULL;
            c->len = got;
            c->off = 0;
        }
        while (c->off < c->len) {
            char ch = c->buf[c->off++];

            if (ch == '\n') {
                *lf_only = !(n > 0 && line[n - 1] == '\r');
                if (!*lf_only)
                    n--;
                line[n] = '\0';
                return line;
            }
            if (n < LINE_MAX_LEN)
                line[n++] = ch;
        }
    }
}

static void say(conn_t *c, const char *s)
{
    apr_size_t n = strlen(s);

    apr_socket_send(c->sock, s, &n);
}

/* The address inside <...> after a "MAIL FROM:" or "RCPT TO:" verb. */
static const char *angle_addr(const char *s, apr_pool_t *p)
{
    const char *a = strchr(s, '<'), *b = a ? strchr(a, '>') : NULL;

    return b ? apr_pstrmemdup(p, a + 1, (apr_size_t)(b - a - 1)) : "";
}

static void record_auth(smtp_sink_t *s, const char *b64)
{
    char *dec = apr_palloc(s->pool, apr_base64_decode_len(b64) + 1);
    int n = apr_base64_decode(dec, b64), i;

    for (i = 0; i < n; i++)
        if (dec[i] == '\0')
            dec[i] = '|';
    dec[n] = '\0';
    s->auth = dec;
}

static void read_data(smtp_sink_t *s, conn_t *c)
{
    apr_size_t cap = 1 << 20;
    char *line;
    int lf_only;

    s->data = apr_palloc(s->pool, cap);
    s->data_len = 0;
    while ((line = read_line(c, s->pool, &lf_only)) != NULL) {
        apr_size_t n;

        if (!strcmp(line, "."))
            break;
        if (lf_only)
            s->bare_lf++;
        if (line[0] == '.')
            line++;
        n = strlen(line);
        if (s->data_len + n + 2 > cap) {
            char *bigger = apr_palloc(s->pool, cap * 2 + n);

            memcpy(bigger, s->data, s->data_len);
            s->data = bigger;
            cap = cap * 2 + n;
        }
        memcpy(s->data + s->data_len, line, n);
        s->data_len += n;
        s->data[s->data_len++] = '\n';
    }
    s->data[s->data_len] = '\0';
}

static void session(smtp_sink_t *s, conn_t *c)
{
    char *line;
    int lf_only;

    say(c, "220 sink.test ESMTP\r\n");
    while ((line = read_line(c, s->pool, &lf_only)) != NULL) {
        if (!strncasecmp(line, "EHLO ", 5)) {
            s->helo = apr_pstrdup(s->pool, line + 5);
            say(c, "250-sink.test\r\n250-AUTH PLAIN\r\n250-8BITMIME\r\n"
                   "250 SIZE 104857600\r\n");
        } else if (!strncasecmp(line, "HELO ", 5)) {
            s->helo = apr_pstrdup(s->pool, line + 5);
            say(c, "250 sink.test\r\n");
        } else if (!strncasecmp(line, "AUTH PLAIN ", 11)) {
            record_auth(s, line + 11);
            say(c, "235 2.7.0 accepted\r\n");
        } else if (!strcasecmp(line, "AUTH PLAIN")) {
            say(c, "334 \r\n");
            if ((line = read_line(c, s->pool, &lf_only)) == NULL)
                break;
            record_auth(s, line);
            say(c, "235 2.7.0 accepted\r\n");
        } else if (!strncasecmp(line, "MAIL FROM:", 10)) {
            s->mail_from = angle_addr(line, s->pool);
            say(c, "250 2.1.0 ok\r\n");
        } else if (!strncasecmp(line, "RCPT TO:", 8)) {
            const char *a = angle_addr(line, s->pool);

            if (!strncasecmp(a, "reject", 6)) {
                say(c, "550 5.1.1 no such user\r\n");
            } else {
                *(const char **)apr_array_push(s->rcpts) = a;
                say(c, "250 2.1.5 ok\r\n");
            }
        } else if (!strcasecmp(line, "DATA")) {
            say(c, "354 go ahead\r\n");
            read_data(s, c);
            say(c, "250 2.0.0 queued\r\n");
        } else if (!strcasecmp(line, "RSET") || !strcasecmp(line, "NOOP")) {
            say(c, "250 2.0.0 ok\r\n");
        } else if (!strcasecmp(line, "QUIT")) {
            s->quit = 1;
            say(c, "221 2.0.0 bye\r\n");
            break;
        } else {
            say(c, "502 5.5.2 not implemented\r\n");
        }
    }
}

static void *APR_THREAD_FUNC serve(apr_thread_t *t, void *data)
{
    smtp_sink_t *s = data;
    conn_t *c = apr_pcalloc(s->pool, sizeof *c);
    apr_pollfd_t pfd;
    apr_int32_t n = 0;

    /* apr_socket_accept does not wait on a socket with a timeout */
    memset(&pfd, 0, sizeof pfd);
    pfd.p = s->pool;
    pfd.desc_type = APR_POLL_SOCKET;
    pfd.reqevents = APR_POLLIN;
    pfd.desc.s = s->listener;
    if (apr_poll(&pfd, 1, &n, SINK_TIMEOUT) == APR_SUCCESS && n == 1
        && apr_socket_accept(&c->sock, s->listener, s->pool) == APR_SUCCESS) {
        apr_socket_timeout_set(c->sock, SINK_TIMEOUT);
        session(s, c);
        apr_socket_close(c->sock);
    }
    apr_socket_close(s->listener);
    /* returning, not apr_thread_exit(): ASan misreads pthread_exit's unwinding */
    return NULL;
}

smtp_sink_t *smtp_sink_start(apr_pool_t *p)
{
    smtp_sink_t *s = apr_pcalloc(p, sizeof *s);
    apr_sockaddr_t *sa;

    /* the thread allocates from a pool of its own: pools are not shared */
    if (apr_pool_create(&s->pool, p) != APR_SUCCESS)
        return NULL;
    p = s->pool;
    s->rcpts = apr_array_make(p, 4, sizeof(const char *));
    if (apr_sockaddr_info_get(&sa, "127.0.0.1", APR_INET, 0, 0, p)
        || apr_socket_create(&s->listener, APR_INET, SOCK_STREAM,
                             APR_PROTO_TCP, p)
        || apr_socket_opt_set(s->listener, APR_SO_REUSEADDR, 1)
        || apr_socket_bind(s->listener, sa)
        || apr_socket_listen(s->listener, 4)
        || apr_socket_addr_get(&sa, APR_LOCAL, s->listener))
        return NULL;
    s->port = sa->port;
    apr_socket_timeout_set(s->listener, SINK_TIMEOUT);
    if (apr_thread_create(&s->thread, NULL, serve, s, p) != APR_SUCCESS)
        return NULL;
    return s;
}

void smtp_sink_wait(smtp_sink_t *s)
{
    apr_status_t rv;

    apr_thread_join(&rv, s->thread);
}
