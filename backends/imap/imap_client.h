/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small IMAP4rev1 client (RFC 3501, with RFC 9051's clarifications):
 * connection, TLS, authentication, commands and the responses they bring.
 * Apache-free (APR and OpenSSL only); one connection is used by one thread
 * at a time.
 *
 * Why our own and not libetpan (the one IMAP client library Debian has):
 * libetpan keeps only the last untagged STATUS of a command, so a
 * LIST-STATUS answer (RFC 5819: every folder's counters in one round trip,
 * the backend's folder list and safety-net check) cannot be read through
 * it; its status parser knows no X-GUID or MAILBOXID (stable folder ids
 * across renames); it has no NOTIFY (RFC 5465); it builds a tree of
 * separately allocated fields per FETCH item; and its -dev package
 * requires the GnuTLS build of libcurl's headers, which conflicts with
 * the OpenSSL one the rest of mod_eas (and httpd's mod_ssl) uses.  What
 * the backend needs of the protocol is small: this file's framing and
 * parser (imap_parse.c) read any response into a generic tree, bounded,
 * and are fuzzed (t/fuzz/fuzz_imap_response.c).
 *
 * Responses.  Every response line, with its literals, becomes an
 * im_resp_t: tag ("*" untagged, "+" continuation, else the command's
 * tag), then for a status response (OK/NO/BAD/PREAUTH/BYE) the status,
 * the optional response code and the text; for "* <n> NAME ..." the
 * number and the name; for "* NAME ..." the name; and the remaining
 * values as a list.  Names and statuses are upper-cased.  Strings
 * (atoms, quoted strings, literals) are NUL-terminated copies that keep
 * their length (a literal may hold NUL bytes).
 */
#ifndef EAS_IMAP_CLIENT_H
#define EAS_IMAP_CLIENT_H

#include <apr_pools.h>
#include <apr_network_io.h>
#include <apr_errno.h>
#include <apr_time.h>

#include "backend.h"            /* EAS_EUNAVAIL */

/* The server answered NO (the command was refused: no such mailbox,
   over quota...) or BAD (it did not understand us). */
#define IM_ENO  (APR_OS_START_USERERR + 20)
#define IM_EBAD (APR_OS_START_USERERR + 21)

/* Default bounds. */
#define IM_LINE_MAX (64 * 1024)         /* one line, without literals */
#define IM_LITERAL_MAX (64 * 1024 * 1024)
#define IM_DEPTH_MAX 32                 /* nested parentheses */
#define IM_VALUES_MAX 100000            /* values in one response */

typedef enum {
    IM_NIL,
    IM_ATOM,                    /* also numbers, flags (\Seen), BODY[] */
    IM_STRING,                  /* quoted string or literal */
    IM_LIST                     /* ( ... ) or a response code's [ ... ] */
} im_kind_t;

typedef struct im_val {
    im_kind_t kind;
    const char *s;              /* ATOM, STRING: NUL-terminated */
    apr_size_t len;
    struct im_val *child;       /* LIST: first element */
    struct im_val *next;        /* next sibling */
    int n;                      /* LIST: number of elements */
} im_val_t;

typedef struct {
    const char *tag;            /* "*", "+", or a command tag */
    const char *status;         /* "OK", "NO", "BAD", "PREAUTH", "BYE",
                                   or NULL */
    long long num;              /* "* 3 EXISTS": 3; else -1 */
    const char *name;           /* "FETCH", "LIST", "CAPABILITY"...; for a
                                   status response NULL */
    im_val_t *code;             /* [CODE args...] as a list, or NULL */
    const char *text;           /* status text, "" when none */
    im_val_t *args;             /* the values after the name (a list,
                                   possibly empty, never NULL) */
} im_resp_t;

/* ---- parsing (imap_parse.c): pure functions, fuzzed ---- */

typedef struct {
    apr_size_t line_max;        /* 0: IM_LINE_MAX */
    apr_size_t literal_max;     /* 0: IM_LITERAL_MAX */
    int depth_max;              /* 0: IM_DEPTH_MAX */
    int values_max;             /* 0: IM_VALUES_MAX */
} im_limits_t;
/* line_max bounds a response's bytes outside its literals (all its
   lines); literal_max the sum of its literals.  A SEARCH answer lists
   every UID on one line: ESEARCH (ranges) or a larger line_max for big
   mailboxes. */

/*
 * Framing: how long the first complete response in buf[0..len) is (its
 * lines and literals, up to and including the final CRLF).  Returns
 * APR_SUCCESS with *used set; APR_INCOMPLETE when more bytes are needed
 * (*want, when not 0, is how many more at least: a literal's size);
 * APR_EINVAL when the data can never become a response (a line or
 * literal over the limits, a malformed literal announcement).
 */
apr_status_t im_frame(const char *buf, apr_size_t len, const im_limits_t *lim,
                      apr_size_t *used, apr_size_t *want);

/* Parse one framed response (as im_frame measured it).  APR_EINVAL, with
   *err, for anything malformed or over the limits. */
apr_status_t im_parse(const char *buf, apr_size_t len, const im_limits_t *lim,
                      im_resp_t *out, const char **err, apr_pool_t *p);

/* The i-th element of a list (from 0), or NULL. */
im_val_t *im_nth(const im_val_t *list, int i);
/* In a list of items (name value name value...: FETCH's, STATUS's), the
   value of the item named (case-insensitive, "BODY[]" as written), or
   NULL. */
im_val_t *im_item(const im_val_t *list, const char *name);
/* The same in a FETCH response's item list. */
im_val_t *im_fetch_item(const im_resp_t *r, const char *name);
/* The mailbox a LIST or STATUS response names, or NULL. */
const im_val_t *im_mailbox_of(const im_resp_t *r);
/* Whether v is an atom or string equal to s (case-insensitive). */
int im_is(const im_val_t *v, const char *s);
/* A number (ATOM of digits, at most 2^63-1): 1, else 0. */
int im_number(const im_val_t *v, apr_uint64_t *out);
/* An IMAP date-time ("17-Jul-1996 02:44:25 -0700"): 1, else 0. */
int im_date_time(const char *s, apr_time_t *out);
/* A sequence set of UIDs ("1:3,7,9:*" with * as max): calls fn for each
   range (lo <= hi), stopping at a non-zero return; APR_EINVAL if
   malformed. */
apr_status_t im_set_each(const char *set, apr_uint32_t max,
                         int (*fn)(void *baton, apr_uint32_t lo,
                                   apr_uint32_t hi),
                         void *baton);

/* ---- the connection (imap_client.c) ---- */

typedef enum {
    IM_TLS_NONE,                /* plain: allowed to loopback only */
    IM_TLS_STARTTLS,
    IM_TLS_IMPLICIT             /* imaps */
} im_tls_t;

typedef struct {
    const char *host;
    apr_port_t port;
    im_tls_t tls;
    const char *ca_file;        /* NULL: the system's trust store */
    int timeout_ms;             /* connect, and each read and write */
    im_limits_t limits;
} im_endpoint_t;

typedef struct im_client im_client_t;

/* Logs through the backend's callback (backend.h eas_log_fn). */
typedef struct {
    eas_log_fn log;
    void *log_ctx;
} im_log_t;

/*
 * Connect, read the greeting, do STARTTLS when asked (verifying the
 * server's certificate and name), and learn the capabilities.  The
 * client lives in p (a pool of its own: the connection pool keeps it
 * across requests); its cleanup closes the socket.  Errors:
 * EAS_EUNAVAIL (cannot connect, timeout, TLS failure, a BYE greeting),
 * with *err saying what happened.
 */
apr_status_t im_connect(im_client_t **c, const im_endpoint_t *ep,
                        const im_log_t *log, apr_pool_t *p,
                        const char **err);

/*
 * Authenticate: AUTHENTICATE PLAIN (with SASL-IR when offered) as authcid
 * with password, acting as authzid when it is not NULL (a SASL proxy
 * identity); LOGIN when the server offers no AUTH=PLAIN and authzid is
 * NULL.  A Dovecot master user is authcid "user*master".  The password
 * is never logged.  Afterwards the capabilities are those of the
 * authenticated state; QRESYNC is ENABLEd when offered.  Errors: IM_ENO
 * (refused: wrong credentials), EAS_EUNAVAIL.
 */
apr_status_t im_login(im_client_t *c, const char *authcid,
                      const char *password, const char *authzid,
                      const char **err);

/* Whether the server offers capability cap (case-insensitive, "AUTH=PLAIN"
   included). */
int im_has_cap(const im_client_t *c, const char *cap);
/* Whether QRESYNC was enabled. */
int im_qresync(const im_client_t *c);

/* Called for each untagged response while a command runs; the response
   and its values live until the next response is read: copy what you
   keep.  A non-zero status aborts the command (the client reads and
   drops the rest of the answer and returns that status). */
typedef apr_status_t (*im_untagged_fn)(void *baton, const im_resp_t *r);

/*
 * Run one command.  fmt is the command after the tag, with conversions:
 *   %a  an atom, written as is (must be a valid atom: checked)
 *   %s  an astring: atom, quoted string or literal as the text needs
 *       (const char *, NUL-terminated)
 *   %S  a string always as a literal (const char *, apr_size_t length):
 *       APPEND's message; LITERAL+ when offered, else a synchronising
 *       literal
 *   %u  unsigned (unsigned int); %U apr_uint64_t
 *   %%  a '%'
 * Returns APR_SUCCESS on a tagged OK; IM_ENO / IM_EBAD on NO / BAD;
 * EAS_EUNAVAIL when the connection failed, timed out or said BYE (the
 * client is then broken: im_broken).  *done (may be NULL) is the tagged
 * response (its code says COPYUID, APPENDUID, NONEXISTENT...), in p.
 *
 * %a takes printable ASCII without SP ( ) { " (so flags, sequence sets
 * and fetch items like BODY.PEEK[] pass); %s writes "" for the empty
 * string and quotes NIL.  A bad fmt or argument returns APR_EINVAL with
 * nothing sent.  *done is set only when p is given.  UID MOVE's COPYUID
 * comes in an untagged OK before the expunges (RFC 6851 section 4.3),
 * not in *done.
 */
apr_status_t im_command(im_client_t *c, im_untagged_fn fn, void *baton,
                        const im_resp_t **done, apr_pool_t *p,
                        const char *fmt, ...);

/* im_command, but the untagged responses are parsed into p (required)
   and stay there, instead of going with the next response: what fn
   keeps of them (a message's BODY[]) needs no copy.  p grows by every
   response of the command: for commands whose answers are kept anyway. */
apr_status_t im_command_into(im_client_t *c, im_untagged_fn fn, void *baton,
                             const im_resp_t **done, apr_pool_t *p,
                             const char *fmt, ...);

/*
 * Wait for untagged responses without a command running (after IDLE's
 * continuation, or with NOTIFY set): calls fn for each one that arrives
 * within timeout_ms, returning after the first batch.  APR_TIMEUP when
 * none came; EAS_EUNAVAIL when the connection failed.
 */
apr_status_t im_wait(im_client_t *c, int timeout_ms, im_untagged_fn fn,
                     void *baton);

/* IDLE (RFC 2177): start (returns after the server's continuation) and
   end (DONE, then the tagged OK; untagged responses go to fn).  Untagged
   responses that come before the continuation are kept for the next
   im_wait or im_idle_done.  No command runs in between: im_command then
   returns APR_EINVAL without sending anything. */
apr_status_t im_idle_start(im_client_t *c);
apr_status_t im_idle_done(im_client_t *c, im_untagged_fn fn, void *baton);

/* The socket, for poll() beside other descriptors; -1 when closed. */
int im_fd(const im_client_t *c);
/* Log through log from now on (NULL: nowhere): a kept connection logs
   for the request that borrowed it. */
void im_set_log(im_client_t *c, const im_log_t *log);
/* Whether the connection failed and must not be used again. */
int im_broken(const im_client_t *c);
/* What made it fail (for a log line or an error message), or NULL. */
const char *im_error(const im_client_t *c);
/* LOGOUT (waiting at most a short time) and close.  Idempotent. */
void im_close(im_client_t *c);

#endif
