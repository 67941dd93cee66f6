/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Email conversion benchmark: how long eas_email_write takes per message
 * for the body preferences phones use, on one and two threads.
 *
 * The messages are generated (deterministically) to look like a mailbox:
 * short personal mail with quoted history, HTML newsletters with a plain
 * alternative, replies with an inline image, mail with a PDF attached, and
 * the t/mail corpus (charsets, S/MIME, meeting requests, broken MIME).
 * The reference column is GMime parsing alone, measured in the same run:
 * the difference is what the conversion itself costs.
 *
 * Usage: bench_email [messages] [distinct]   (default 10000 500)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_thread_proc.h>
#include <apr_base64.h>
#include <gmime/gmime.h>

#include "email.h"

#ifndef EAS_MAIL_DIR
#define EAS_MAIL_DIR "t/mail"
#endif

static apr_pool_t *pool;

/* ------------------------------------------------------------------ */
/* A mailbox                                                           */
/* ------------------------------------------------------------------ */

static apr_uint32_t rng = 0x9E3779B9u;

static apr_uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static const char *const words[] = {
    "the", "meeting", "report", "budget", "tomorrow", "please", "review",
    "attached", "numbers", "quarter", "project", "team", "schedule", "draft",
    "thanks", "regards", "update", "customer", "release", "deadline", "Zürich",
    "café", "naïve", "résumé", "offer", "week", "price", "delivery", "order",
    "question", "answer", "issue", "ticket", "server", "network", "phone",
};

/* A growing buffer (malloc: the messages live for the whole run). */
typedef struct {
    char *d;
    apr_size_t len, cap;
} buf_t;

static void add(buf_t *b, const char *s, apr_size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->d = realloc(b->d, b->cap);
        if (b->d == NULL)
            abort();
    }
    memcpy(b->d + b->len, s, n);
    b->len += n;
}

static void put(buf_t *b, const char *s)
{
    add(b, s, strlen(s));
}

/* n bytes or so of text, lines under 76 characters, some quoted. */
static void text(buf_t *b, apr_size_t n, int quoted)
{
    apr_size_t end = b->len + n, col = 0;

    while (b->len < end) {
        const char *w = words[rnd() % (sizeof words / sizeof *words)];
        apr_size_t wl = strlen(w);

        if (col == 0 && quoted && rnd() % 3 == 0) {
            put(b, "> ");
            col += 2;
        }
        if (col + wl > 72) {
            put(b, "\n");
            col = 0;
            continue;
        }
        add(b, w, wl);
        put(b, " ");
        col += wl + 1;
    }
    put(b, "\n");
}

static void html(buf_t *b, apr_size_t n)
{
    apr_size_t end = b->len + n;

    put(b, "<html><head><style>td{font-family:Arial}p{margin:0}</style>"
           "</head><body><table width=\"600\">\n");
    while (b->len < end) {
        put(b, "<tr><td><h2>Offer</h2><p>");
        text(b, 300, 0);
        put(b, "</p><a href=\"https://shop.example/item?id=");
        put(b, apr_psprintf(pool, "%u", rnd() % 100000));
        put(b, "\">Buy now &amp; save</a></td></tr>\n");
    }
    put(b, "</table></body></html>\n");
}

static void base64_block(buf_t *b, apr_size_t n)
{
    char *raw = malloc(n), *b64;
    apr_size_t i;
    int len;

    for (i = 0; i < n; i++)
        raw[i] = (char)rnd();
    b64 = malloc((apr_size_t)apr_base64_encode_len((int)n));
    len = apr_base64_encode(b64, raw, (int)n) - 1;
    for (i = 0; i < (apr_size_t)len; i += 76) {
        add(b, b64 + i, (apr_size_t)len - i < 76 ? (apr_size_t)len - i : 76);
        put(b, "\n");
    }
    free(raw);
    free(b64);
}

static void headers(buf_t *buf, int i, const char *ctype)
{
    put(buf, apr_psprintf(pool,
        "Return-Path: <sender%d@example.org>\n"
        "Received: from mx%d.example.org (mx.example.org [192.0.2.%d])\n"
        "\tby mail.example.com with ESMTPS id %08x; Mon, 4 Mar 2024 10:%02d:00 +0100\n"
        "Date: Mon, 4 Mar 2024 10:%02d:00 +0100\n"
        "From: Sender %d <sender%d@example.org>\n"
        "To: Bob Builder <bob@example.com>, team@example.com\n"
        "Subject: =?UTF-8?Q?Quarterly_report_=E2=80=94_part_%d?=\n"
        "Message-ID: <msg-%d@example.org>\n"
        "References: <root-%d@example.org>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: %s\n", i % 50, i % 9, i % 250, rnd(), i % 60, i % 60,
        i % 50, i % 50, i, i, i / 7, ctype));
}

static eas_blob_t make_message(int i)
{
    buf_t bb = { NULL, 0, 0 }, *b = &bb;
    eas_blob_t m;
    int kind = i % 20;

    if (kind < 8) {                     /* personal mail, quoted history */
        headers(b, i, "text/plain; charset=utf-8\n"
                      "Content-Transfer-Encoding: 8bit");
        put(b, "\n");
        text(b, 2000 + rnd() % 4000, 1);
    } else if (kind < 14) {             /* newsletter */
        headers(b, i, "multipart/alternative; boundary=\"nl\"");
        put(b, "\n--nl\nContent-Type: text/plain; charset=utf-8\n\n");
        text(b, 3000, 0);
        put(b, "\n--nl\nContent-Type: text/html; charset=utf-8\n\n");
        html(b, 25000 + rnd() % 30000);
        put(b, "\n--nl--\n");
    } else if (kind < 17) {             /* reply with an inline image */
        headers(b, i, "multipart/related; type=\"text/html\"; boundary=\"rel\"");
        put(b, "\n--rel\nContent-Type: text/html; charset=utf-8\n\n<html><body><p>");
        text(b, 1500, 0);
        put(b, "</p><img src=\"cid:img@example.org\"></body></html>\n"
               "--rel\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n"
               "Content-ID: <img@example.org>\n"
               "Content-Disposition: inline; filename=\"image001.png\"\n\n");
        base64_block(b, 15000 + rnd() % 10000);
        put(b, "--rel--\n");
    } else {                            /* a PDF attached */
        headers(b, i, "multipart/mixed; boundary=\"mix\"");
        put(b, "\n--mix\nContent-Type: text/plain; charset=utf-8\n\n");
        text(b, 800, 0);
        put(b, "\n--mix\nContent-Type: application/pdf; name=\"report.pdf\"\n"
               "Content-Transfer-Encoding: base64\n"
               "Content-Disposition: attachment; filename=\"report.pdf\"\n\n");
        base64_block(b, 100000 + rnd() % 100000);
        put(b, "--mix--\n");
    }
    m.data = b->d;
    m.len = b->len;
    return m;
}

/* The t/mail corpus, if it is there. */
static int load_corpus(eas_blob_t *out, int max)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    int n = 0;

    if (apr_dir_open(&d, EAS_MAIL_DIR, pool) != APR_SUCCESS)
        return 0;
    while (n < max && apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        const char *path;
        apr_file_t *f;
        apr_finfo_t st;
        char *buf;

        if (strlen(fi.name) < 5 || strcmp(fi.name + strlen(fi.name) - 4, ".eml"))
            continue;
        path = apr_pstrcat(pool, EAS_MAIL_DIR "/", fi.name, NULL);
        if (apr_file_open(&f, path, APR_READ, 0, pool) != APR_SUCCESS)
            continue;
        apr_file_info_get(&st, APR_FINFO_SIZE, f);
        buf = apr_palloc(pool, (apr_size_t)st.size);
        apr_file_read_full(f, buf, (apr_size_t)st.size, NULL);
        apr_file_close(f);
        out[n].data = buf;
        out[n].len = (apr_size_t)st.size;
        n++;
    }
    apr_dir_close(d);
    return n;
}

/* ------------------------------------------------------------------ */
/* Runs                                                                */
/* ------------------------------------------------------------------ */

typedef struct {
    const char *name;
    eas_bodypref_t pref;
    int mime_support;
} profile_t;

typedef struct {
    const eas_blob_t *msgs;
    int nmsgs;
    int from, to;               /* conversions [from, to) */
    const profile_t *prof;      /* NULL: GMime parse only */
    apr_off_t out_bytes;
    double cpu;                 /* CPU seconds the thread used */
} job_t;

static double thread_cpu(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void convert_one(const eas_blob_t *m, const profile_t *prof,
                        apr_pool_t *p, apr_bucket_alloc_t *ba, job_t *j)
{
    apr_bucket_brigade *bb = apr_brigade_create(p, ba);
    eas_wbxml_enc_t *e = eas_wbxml_enc_create(p, bb, NULL, NULL);
    eas_email_opts_t o;

    memset(&o, 0, sizeof o);
    o.version = 141;
    o.prefs = &prof->pref;
    o.nprefs = 1;
    o.mime_support = prof->mime_support;
    o.server_id = "inbox:12345";
    o.flags = EAS_ITEM_READ;
    eas_enc_start(e, EAS_AirSync_ApplicationData);
    eas_email_write(e, m, &o, p);
    eas_enc_finish(e);
    j->out_bytes += eas_enc_bytes(e);
    apr_brigade_destroy(bb);
}

static void parse_one(const eas_blob_t *m)
{
    GMimeStream *s = g_mime_stream_mem_new_with_buffer(m->data, m->len);
    GMimeParser *parser = g_mime_parser_new_with_stream(s);
    GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);

    if (msg)
        g_object_unref(msg);
    g_object_unref(parser);
    g_object_unref(s);
}

static void *APR_THREAD_FUNC worker(apr_thread_t *t, void *data)
{
    job_t *j = data;
    apr_pool_t *tp, *p;
    apr_bucket_alloc_t *ba;
    double c0 = thread_cpu();
    int i;

    apr_pool_create(&tp, NULL);
    ba = apr_bucket_alloc_create(tp);
    for (i = j->from; i < j->to; i++) {
        const eas_blob_t *m = &j->msgs[i % j->nmsgs];

        if (j->prof == NULL) {
            parse_one(m);
            continue;
        }
        apr_pool_create(&p, tp);
        convert_one(m, j->prof, p, ba, j);
        apr_pool_destroy(p);
    }
    apr_pool_destroy(tp);
    j->cpu = thread_cpu() - c0;
    return NULL;
}

/* Seconds for n conversions over nthreads threads; *cpu: CPU seconds. */
static double run(const eas_blob_t *msgs, int nmsgs, int n, int nthreads,
                  const profile_t *prof, apr_off_t *out_bytes, double *cpu)
{
    apr_thread_t *th[2];
    job_t jobs[2];
    apr_time_t t0 = apr_time_now();
    apr_status_t rv;
    int i;

    *out_bytes = 0;
    *cpu = 0;
    for (i = 0; i < nthreads; i++) {
        jobs[i].msgs = msgs;
        jobs[i].nmsgs = nmsgs;
        jobs[i].from = n * i / nthreads;
        jobs[i].to = n * (i + 1) / nthreads;
        jobs[i].prof = prof;
        jobs[i].out_bytes = 0;
        apr_thread_create(&th[i], NULL, worker, &jobs[i], pool);
    }
    for (i = 0; i < nthreads; i++) {
        apr_thread_join(&rv, th[i]);
        *out_bytes += jobs[i].out_bytes;
        *cpu += jobs[i].cpu;
    }
    return (double)(apr_time_now() - t0) / APR_USEC_PER_SEC;
}

static const char *cpu_model(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    const char *m = "unknown CPU";

    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
            m = apr_pstrdup(pool, strchr(line, ':') + 2);
            *strchr(m, '\n') = '\0';
            break;
        }
    if (f)
        fclose(f);
    return m;
}

int main(int argc, char **argv)
{
    static const profile_t profiles[] = {
        { "plain, 5 KB, preview", { EAS_BODY_PLAIN, 5120, 0, 255 }, 0 },
        { "HTML, 200 KB", { EAS_BODY_HTML, 204800, 0, 0 }, 0 },
        { "MIME, 100 KB", { EAS_BODY_MIME, 102400, 0, 0 }, 2 },
        { "MIME, whole", { EAS_BODY_MIME, 0, 0, 0 }, 2 },
    };
    int n = argc > 1 ? atoi(argv[1]) : 10000;
    int distinct = argc > 2 ? atoi(argv[2]) : 500;
    eas_blob_t *msgs;
    apr_off_t total = 0, out;
    struct utsname u;
    int i, k, nmsgs;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    eas_email_init();
    if (n < 1 || distinct < 1) {
        fprintf(stderr, "usage: %s [messages] [distinct]\n", argv[0]);
        return 2;
    }
    msgs = apr_palloc(pool, sizeof *msgs * (apr_size_t)(distinct + 64));
    nmsgs = load_corpus(msgs, 64);
    for (i = 0; i < distinct; i++)
        msgs[nmsgs++] = make_message(i);
    for (i = 0; i < nmsgs; i++)
        total += (apr_off_t)msgs[i].len;
    uname(&u);
    printf("# email conversion: %d conversions over %d distinct messages "
           "(average %.1f KB)\n", n, nmsgs, (double)total / nmsgs / 1024);
    printf("# machine: %s, %s %s, %ld CPUs online\n", cpu_model(), u.sysname,
           u.release, sysconf(_SC_NPROCESSORS_ONLN));
    printf("# command: %s %d %d\n\n", argv[0], n, distinct);
    printf("# wall: elapsed time; cpu: CPU time of the converting threads\n"
           "# (on a busy machine cpu us/msg is the figure to compare)\n\n");
    printf("%-24s %7s %9s %9s %9s %9s %9s\n", "body preference", "threads",
           "wall s", "msgs/s", "MB out/s", "cpu s", "cpu us/msg");
    for (k = -1; k < (int)(sizeof profiles / sizeof *profiles); k++) {
        const profile_t *prof = k < 0 ? NULL : &profiles[k];
        int threads;

        for (threads = 1; threads <= 2; threads++) {
            double cpu, s = run(msgs, nmsgs, n, threads, prof, &out, &cpu);

            printf("%-24s %7d %9.3f %9.0f %9.1f %9.3f %9.1f\n",
                   prof ? prof->name : "(reference) GMime parse", threads, s,
                   n / s, (double)out / s / 1048576, cpu, cpu * 1e6 / n);
        }
    }
    return 0;
}
