/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Handing a finished message to the mail system: a sendmail-compatible
 * program (Postfix, Exim, msmtp...) or an SMTP server through libcurl.
 *
 * The program runs without a shell, "-i -f <from> -- <rcpt>...", message
 * on stdin; addresses were checked so none can pass for an option.  SMTP
 * wants CRLF line ends: the upload converts bare LF on the fly instead of
 * copying the message, and libcurl does the dot-stuffing.
 */
#include <string.h>
#include <signal.h>

#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <curl/curl.h>

#include "email_internal.h"

#define DEFAULT_TIMEOUT 60
#define WAIT_STEP       (10 * 1000)     /* poll for the child, microseconds */

int eas_mail_addr_ok(const char *a)
{
    const unsigned char *s = (const unsigned char *)a;

    if (a == NULL || !*a || *a == '-' || strlen(a) > 320
        || strchr(a, '@') == NULL)
        return 0;
    for (; *s; s++)
        if (*s <= ' ' || *s == 0x7F || *s == '<' || *s == '>' || *s == ','
            || *s == ';' || *s == '"' || *s == '\\' || *s == '(' || *s == ')')
            return 0;
    return 1;
}

static apr_status_t fail(const char **err, const char *why, apr_status_t rv)
{
    if (err)
        *err = why;
    return rv;
}

/* ------------------------------------------------------------------ */
/* sendmail                                                            */
/* ------------------------------------------------------------------ */

/* Wait for the child at most until deadline, then kill it. */
static apr_status_t reap(apr_proc_t *proc, apr_time_t deadline, int *code,
                         apr_exit_why_e *why)
{
    apr_status_t rv;

    for (;;) {
        rv = apr_proc_wait(proc, code, why, APR_NOWAIT);
        if (rv == APR_CHILD_DONE)
            return APR_SUCCESS;
        if (rv != APR_CHILD_NOTDONE)
            return rv;
        if (apr_time_now() >= deadline) {
            apr_proc_kill(proc, SIGKILL);
            apr_proc_wait(proc, code, why, APR_WAIT);
            return APR_TIMEUP;
        }
        apr_sleep(WAIT_STEP);
    }
}

static apr_status_t run_sendmail(const eas_submit_conf_t *c, const char *from,
                                 const apr_array_header_t *rcpts,
                                 const eas_blob_t *msg, long timeout,
                                 apr_pool_t *p, const char **err)
{
    const char **argv = apr_palloc(p, sizeof(char *)
                                      * (apr_size_t)(rcpts->nelts + 6));
    apr_procattr_t *attr;
    apr_proc_t proc;
    apr_exit_why_e why;
    apr_status_t rv, wrv;
    apr_size_t written;
    int i, n = 0, code = 0;

    argv[n++] = c->sendmail;
    argv[n++] = "-i";
    argv[n++] = "-f";
    argv[n++] = from;
    argv[n++] = "--";
    for (i = 0; i < rcpts->nelts; i++)
        argv[n++] = APR_ARRAY_IDX(rcpts, i, const char *);
    argv[n] = NULL;

    /* stdin: non-blocking on our side so the write can time out;
       stdout to /dev/null; stderr is ours (the server's error log) */
    if ((rv = apr_procattr_create(&attr, p)) != APR_SUCCESS
        || (rv = apr_procattr_io_set(attr, APR_CHILD_BLOCK, APR_NO_FILE,
                                     APR_NO_PIPE)) != APR_SUCCESS
        || (rv = apr_procattr_cmdtype_set(attr, APR_PROGRAM_ENV)) != APR_SUCCESS
        || (rv = apr_procattr_error_check_set(attr, 1)) != APR_SUCCESS)
        return fail(err, "cannot prepare the sendmail program", APR_EGENERAL);
    rv = apr_proc_create(&proc, c->sendmail, argv, NULL, attr, p);
    if (rv != APR_SUCCESS)
        return fail(err, apr_psprintf(p, "cannot run %s", c->sendmail),
                    APR_EGENERAL);
    apr_file_pipe_timeout_set(proc.in, apr_time_from_sec(timeout));
    wrv = apr_file_write_full(proc.in, msg->data, msg->len, &written);
    apr_file_close(proc.in);
    rv = reap(&proc, apr_time_now() + apr_time_from_sec(timeout), &code, &why);
    if (rv == APR_TIMEUP)
        return fail(err, apr_psprintf(p, "%s timed out", c->sendmail),
                    APR_EGENERAL);
    if (rv != APR_SUCCESS || !APR_PROC_CHECK_EXIT(why))
        return fail(err, apr_psprintf(p, "%s did not exit normally",
                                      c->sendmail), APR_EGENERAL);
    if (code != 0)
        return fail(err, apr_psprintf(p, "%s exited with status %d",
                                      c->sendmail, code), APR_EGENERAL);
    if (wrv != APR_SUCCESS)
        return fail(err, apr_psprintf(p, "%s did not read the whole message",
                                      c->sendmail), APR_EGENERAL);
    return APR_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* SMTP                                                                */
/* ------------------------------------------------------------------ */

typedef struct {
    const char *data;
    apr_size_t len, off;
    char last;                  /* last byte handed out */
    int pending_lf;             /* CR written, its LF still due */
    int ended;                  /* the final line end was added */
} upload_t;

/* Copy the message out with every bare LF made CRLF, ending in CRLF. */
static size_t upload_read(char *buf, size_t size, size_t nitems, void *ctx)
{
    upload_t *u = ctx;
    size_t room = size * nitems, n = 0;

    while (n < room) {
        char ch;

        if (u->pending_lf) {
            buf[n++] = '\n';
            u->pending_lf = 0;
            u->last = '\n';
            continue;
        }
        if (u->off == u->len) {
            if (u->ended || u->len == 0 || u->last == '\n')
                break;
            u->ended = 1;           /* the last line needs its line end */
            buf[n++] = '\r';
            u->pending_lf = 1;
            continue;
        }
        ch = u->data[u->off++];
        if (ch == '\n' && u->last != '\r') {
            buf[n++] = '\r';
            u->pending_lf = 1;
            continue;
        }
        buf[n++] = ch;
        u->last = ch;
    }
    return n;
}

static apr_status_t run_smtp(const eas_submit_conf_t *c, const char *from,
                             const apr_array_header_t *rcpts,
                             const eas_blob_t *msg, long timeout,
                             apr_pool_t *p, const char **err)
{
    CURL *h = curl_easy_init();
    struct curl_slist *to = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    upload_t up;
    CURLcode rc;
    long code = 0;
    int i;

    if (h == NULL)
        return fail(err, "cannot start an SMTP session", APR_EGENERAL);
    memset(&up, 0, sizeof up);
    up.data = msg->data;
    up.len = msg->len;
    for (i = 0; i < rcpts->nelts; i++)
        to = curl_slist_append(to, apr_pstrcat(p, "<",
                               APR_ARRAY_IDX(rcpts, i, const char *), ">",
                               NULL));
    curl_easy_setopt(h, CURLOPT_URL, c->smtp_url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, apr_pstrcat(p, "<", from, ">", NULL));
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, to);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, upload_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     c->starttls == EAS_SMTP_TLS_REQUIRE ? (long)CURLUSESSL_ALL
                     : c->starttls == EAS_SMTP_TLS_TRY ? (long)CURLUSESSL_TRY
                     : (long)CURLUSESSL_NONE);
    if (c->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    if (c->tls_no_verify) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (c->smtp_user) {
        curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD,
                         c->smtp_password ? c->smtp_password : "");
    }
    rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(h);
    curl_slist_free_all(to);
    if (rc != CURLE_OK)
        return fail(err, apr_psprintf(p, "SMTP %s: %s (last reply %ld)",
                                      c->smtp_url, *errbuf ? errbuf
                                      : curl_easy_strerror(rc), code),
                    APR_EGENERAL);
    return APR_SUCCESS;
}

apr_status_t eas_submit(const eas_submit_conf_t *c, const char *from,
                        const apr_array_header_t *rcpts,
                        const eas_blob_t *msg, apr_pool_t *p,
                        const char **err)
{
    long timeout;
    int i;

    if (c == NULL || msg == NULL || (msg->data == NULL && msg->len > 0))
        return fail(err, "nothing to send", APR_EINVAL);
    if (!eas_mail_addr_ok(from))
        return fail(err, "unusable sender address", APR_EINVAL);
    if (rcpts == NULL || rcpts->nelts == 0)
        return fail(err, "no recipients", EAS_EMAIL_EBADRCPT);
    for (i = 0; i < rcpts->nelts; i++)
        if (!eas_mail_addr_ok(APR_ARRAY_IDX(rcpts, i, const char *)))
            return fail(err, "unusable recipient address",
                        EAS_EMAIL_EBADRCPT);
    timeout = c->timeout > 0 ? c->timeout : DEFAULT_TIMEOUT;
    if (c->smtp_url)
        return run_smtp(c, from, rcpts, msg, timeout, p, err);
    if (c->sendmail)
        return run_sendmail(c, from, rcpts, msg, timeout, p, err);
    return fail(err, "no mail transport configured", APR_EINVAL);
}
