/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal SMTP server for the tests: listens on 127.0.0.1 on a free port,
 * serves one session in a thread and records what the client sent.
 * AUTH PLAIN is offered; recipients starting with "reject" get a 550.
 */
#ifndef EAS_SMTP_SINK_H
#define EAS_SMTP_SINK_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_network_io.h>
#include <apr_thread_proc.h>

typedef struct {
    apr_pool_t *pool;
    apr_socket_t *listener;
    apr_thread_t *thread;
    apr_port_t port;
    /* what the session recorded */
    const char *helo;           /* EHLO/HELO argument */
    const char *auth;           /* AUTH PLAIN credentials, NUL as '|' */
    const char *mail_from;      /* inside the angle brackets */
    apr_array_header_t *rcpts;  /* const char *, accepted ones */
    char *data;                 /* DATA, unstuffed, CRLF as LF */
    apr_size_t data_len;
    int bare_lf;                /* data lines that ended in LF only */
    int quit;                   /* the client said QUIT */
} smtp_sink_t;

/* Start listening and serving; NULL on failure. */
smtp_sink_t *smtp_sink_start(apr_pool_t *p);
/* Wait until the session is over (or timed out). */
void smtp_sink_wait(smtp_sink_t *s);

#endif
