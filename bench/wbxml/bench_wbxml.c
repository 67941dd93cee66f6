/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WBXML codec throughput: ours against libwbxml2, measured in the same run.
 *
 * Workloads: a generated "typical Sync response" (100 messages with headers,
 * flags, attachments and 2-20 KB plain or HTML bodies: what a phone receives
 * on a first sync), the same with 500-byte bodies (where per-element cost
 * dominates), and every t/corpus document both codecs handle.
 *
 *   ours decode       eas_wbxml_decode into a fresh pool per document
 *                     (zero copy: values point into the input; every inline
 *                     string is checked for UTF-8)
 *   libwbxml2 decode  wbxml_tree_from_wbxml + wbxml_tree_destroy (its parser
 *                     building its tree, the counterpart of ours; it copies
 *                     values and checks no UTF-8)
 *   ours encode       walk of a prebuilt tree through eas_enc_* into a
 *                     bucket brigade; the brigade is not flattened.  Two
 *                     variants: "stable" passes text as the server passes
 *                     message bodies (eas_enc_text_stable: checked, and
 *                     referenced in place from 2 KB on); "copying" uses
 *                     eas_enc_text, which checks and copies every byte
 *   libwbxml2 encode  wbxml_tree_to_wbxml of a prebuilt tree (WBXML 1.3,
 *                     anonymous, no string table) + free of its output; it
 *                     copies every byte and checks no UTF-8
 *
 * Throughput is WBXML bytes per second (MB = 10^6 bytes); each figure is the
 * median of several runs of a fixed minimum duration.
 *
 * Usage: bench_wbxml [-t seconds-per-run] [-r runs] [-o operation [-w workload]]
 * -o runs one operation (ours-decode, ours-encode, ours-encode-copy,
 * lw-decode, lw-encode) on
 * one workload (-w typical, previews or corpus; default typical) and prints
 * only its figure, for profiling: perf record bench_wbxml -o ours-decode;
 * -n passes runs it exactly that often, untimed, for callgrind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_buckets.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <wbxml/wbxml.h>

#include "wbxml.h"

#ifndef EAS_CORPUS_DIR
#error "EAS_CORPUS_DIR must name the t/corpus directory"
#endif
#ifndef EAS_BENCH_CFLAGS
#define EAS_BENCH_CFLAGS "(unknown)"
#endif

/*
 * libwbxml2's tree API: exported by the library (0.11.x ABI) but its header,
 * wbxml_tree.h, is not installed by Debian.
 */
typedef struct WBXMLTree_s WBXMLTree;
WBXMLError wbxml_tree_from_wbxml(WB_UTINY *wbxml, WB_ULONG wbxml_len,
                                 WBXMLLanguage lang,
                                 WBXMLCharsetMIBEnum charset,
                                 WBXMLTree **tree);
WBXMLError wbxml_tree_to_wbxml(WBXMLTree *tree, WB_UTINY **wbxml,
                               WB_ULONG *wbxml_len,
                               WBXMLGenWBXMLParams *params);
void wbxml_tree_destroy(WBXMLTree *tree);

typedef struct {
    unsigned char *wbxml;
    apr_size_t len;
    eas_node_t *tree;           /* ours, decoded once for the encode runs */
    WBXMLTree *lw_tree;         /* libwbxml2's, likewise */
} doc_t;

typedef struct {
    const char *name;
    apr_array_header_t *docs;   /* of doc_t */
    apr_size_t bytes;           /* WBXML bytes of one pass over docs */
    int identical;              /* docs libwbxml2 re-encodes byte for byte */
} workload_t;

static double run_seconds = 0.3;
static int runs = 7;

/* ------------------------------------------------------------------ */
/* The typical Sync response                                           */
/* ------------------------------------------------------------------ */

static uint32_t rnd_state = 2463534242u;

static uint32_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

/* Mostly ASCII business prose; one word in ten carries a non-ASCII letter. */
static const char *const words[] = {
    "the", "of", "and", "to", "in", "is", "that", "for", "on", "with", "we",
    "delivery", "invoice", "schedule", "meeting", "report", "customer",
    "release", "server", "please", "thanks", "attached", "Monday", "budget",
    "draft", "review", "numbers", "quarter", "shipment", "warehouse",
    "Rotterdam", "agenda", "team", "next", "week", "figures",
    "Zürich", "café", "résumé", "–",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

/* A body of about size bytes: paragraphs of words, as text or HTML. */
static char *make_body(apr_pool_t *p, apr_size_t size, int html)
{
    char *buf = apr_palloc(p, size + 256);
    apr_size_t n = 0;

    if (html)
        n += (apr_size_t)sprintf(buf, "<html><head><meta charset=\"utf-8\">"
                                 "</head><body>");
    while (n < size) {
        int k = 10 + (int)(rnd() % 40);

        n += (apr_size_t)sprintf(buf + n, html ? "<p>" : "");
        while (k-- > 0 && n < size)
            n += (apr_size_t)sprintf(buf + n, "%s ", words[rnd() % NWORDS]);
        n += (apr_size_t)sprintf(buf + n, html ? "</p>\r\n" : "\r\n\r\n");
    }
    if (html)
        n += (apr_size_t)sprintf(buf + n, "</body></html>");
    buf[n] = '\0';
    return buf;
}

static void mail_headers(apr_pool_t *p, eas_wbxml_enc_t *e)
{
    static const char *const people[] = {
        "\"Léa Fontaine\" <lea.fontaine@example.org>",
        "\"Kenji Sato\" <kenji.sato@example.org>",
        "\"Priya Raman\" <priya.raman@partner.example>",
        "\"Tomás Herrera\" <tomas@example.org>",
        "\"Bjørn Halvorsen\" <bjorn@fjord.example>",
    };

    eas_enc_str(e, EAS_Email_To, people[0]);
    eas_enc_str(e, EAS_Email_From, people[1 + rnd() % 4]);
    eas_enc_str(e, EAS_Email_Subject,
                apr_psprintf(p, "Re: shipment %u – revised schedule",
                             rnd() % 10000));
    eas_enc_str(e, EAS_Email_DateReceived,
                apr_psprintf(p, "2026-11-%02uT%02u:%02u:%02u.000Z",
                             1 + rnd() % 28, rnd() % 24, rnd() % 60, rnd() % 60));
    eas_enc_str(e, EAS_Email_DisplayTo, "Léa Fontaine");
    eas_enc_str(e, EAS_Email_ThreadTopic, "shipment – revised schedule");
    eas_enc_int(e, EAS_Email_Importance, 1);
    eas_enc_int(e, EAS_Email_Read, rnd() % 2);
}

/* Two in five messages carry one or two attachments. */
static void mail_attachments(apr_pool_t *p, eas_wbxml_enc_t *e, int i)
{
    int k, natts = (int)(rnd() % 5);

    if (natts == 0 || natts > 2)
        return;
    eas_enc_start(e, EAS_AirSyncBase_Attachments);
    for (k = 0; k < natts; k++) {
        eas_enc_start(e, EAS_AirSyncBase_Attachment);
        eas_enc_str(e, EAS_AirSyncBase_DisplayName,
                    apr_psprintf(p, "report-%d-%d.pdf", i, k));
        eas_enc_str(e, EAS_AirSyncBase_FileReference,
                    apr_psprintf(p, "5%%3a%d%%3a%d", 1000 + i, k));
        eas_enc_int(e, EAS_AirSyncBase_Method, 1);
        eas_enc_int(e, EAS_AirSyncBase_EstimatedDataSize, 10000 + rnd() % 900000);
        eas_enc_end(e);
    }
    eas_enc_end(e);
}

static void mail_body(apr_pool_t *p, eas_wbxml_enc_t *e, int html,
                      apr_size_t body_min, apr_size_t body_max)
{
    apr_size_t size = body_min + rnd() % (body_max - body_min + 1);
    char *body = make_body(p, size, html);

    eas_enc_start(e, EAS_AirSyncBase_Body);
    eas_enc_int(e, EAS_AirSyncBase_Type, html ? 2 : 1);
    eas_enc_int(e, EAS_AirSyncBase_EstimatedDataSize, (long long)strlen(body));
    eas_enc_int(e, EAS_AirSyncBase_Truncated, 0);
    eas_enc_str(e, EAS_AirSyncBase_Data, body);
    eas_enc_end(e);
}

/* What follows the body: class, flag, conversation ids (binary). */
static void mail_trailer(eas_wbxml_enc_t *e, int html)
{
    unsigned char conv[16];
    int k;

    for (k = 0; k < 16; k++)
        conv[k] = (unsigned char)rnd();
    eas_enc_str(e, EAS_Email_MessageClass, "IPM.Note");
    eas_enc_int(e, EAS_Email_InternetCPID, 65001);
    if (rnd() % 5 == 0) {
        eas_enc_start(e, EAS_Email_Flag);
        eas_enc_int(e, EAS_Email_Status, 2);
        eas_enc_str(e, EAS_Email_FlagType, "Flag for follow up");
        eas_enc_end(e);
    } else {
        eas_enc_empty(e, EAS_Email_Flag);
    }
    eas_enc_str(e, EAS_Email_ContentClass, "urn:content-classes:message");
    eas_enc_int(e, EAS_AirSyncBase_NativeBodyType, html ? 2 : 1);
    eas_enc_opaque(e, EAS_Email2_ConversationId, conv, sizeof(conv), 0);
    eas_enc_opaque(e, EAS_Email2_ConversationIndex, conv, 5, 0);
}

/* One <Add> of a new message; two in three bodies are HTML. */
static void make_email(apr_pool_t *p, eas_wbxml_enc_t *e, int i,
                       apr_size_t body_min, apr_size_t body_max)
{
    int html = rnd() % 3 != 0;

    eas_enc_start(e, EAS_AirSync_Add);
    eas_enc_str(e, EAS_AirSync_ServerId, apr_psprintf(p, "5:%d", 1000 + i));
    eas_enc_start(e, EAS_AirSync_ApplicationData);
    mail_headers(p, e);
    mail_attachments(p, e, i);
    mail_body(p, e, html, body_min, body_max);
    mail_trailer(e, html);
    eas_enc_end(e);
    eas_enc_end(e);
}

/* A Sync response of nmail new messages as WBXML, built with our encoder. */
static unsigned char *make_sync(apr_pool_t *p, int nmail, apr_size_t body_min,
                                apr_size_t body_max, apr_size_t *len)
{
    apr_bucket_alloc_t *ba = apr_bucket_alloc_create(p);
    apr_bucket_brigade *bb = apr_brigade_create(p, ba);
    eas_wbxml_enc_t *e = eas_wbxml_enc_create(p, bb, NULL, NULL);
    char *out;
    int i;

    eas_enc_start(e, EAS_AirSync_Sync);
    eas_enc_start(e, EAS_AirSync_Collections);
    eas_enc_start(e, EAS_AirSync_Collection);
    eas_enc_str(e, EAS_AirSync_SyncKey, "{4b1c7e52-93a0-4f6b-8d22-0c5e1f7a9b31}2");
    eas_enc_str(e, EAS_AirSync_CollectionId, "5");
    eas_enc_int(e, EAS_AirSync_Status, 1);
    eas_enc_start(e, EAS_AirSync_Commands);
    for (i = 0; i < nmail; i++)
        make_email(p, e, i, body_min, body_max);
    eas_enc_end(e);
    eas_enc_empty(e, EAS_AirSync_MoreAvailable);
    if (eas_enc_finish(e) != APR_SUCCESS
        || apr_brigade_pflatten(bb, &out, len, p) != APR_SUCCESS) {
        fprintf(stderr, "bench_wbxml: building a Sync response failed\n");
        exit(1);
    }
    return (unsigned char *)out;
}

/* ------------------------------------------------------------------ */
/* Workloads                                                           */
/* ------------------------------------------------------------------ */

static WBXMLGenWBXMLParams lw_params = {
    WBXML_VERSION_13, TRUE /* keep whitespace */, FALSE /* string table */,
    TRUE /* anonymous: no public id, as EAS sends */
};

/*
 * Decode once with each codec and check that libwbxml2 can encode its tree
 * again; a document either codec cannot handle is left out.
 */
static int add_doc(apr_pool_t *p, workload_t *w, unsigned char *wbxml,
                   apr_size_t len)
{
    doc_t *d;
    eas_node_t *tree = NULL;
    WBXMLTree *lw = NULL;
    WB_UTINY *out = NULL;
    WB_ULONG out_len = 0;

    if (eas_wbxml_decode(p, wbxml, len, NULL, &tree, NULL) != EAS_WBXML_OK)
        return 0;
    if (wbxml_tree_from_wbxml(wbxml, (WB_ULONG)len, WBXML_LANG_ACTIVESYNC,
                              WBXML_CHARSET_UTF_8, &lw) != WBXML_OK)
        return 0;
    if (wbxml_tree_to_wbxml(lw, &out, &out_len, &lw_params) != WBXML_OK) {
        wbxml_tree_destroy(lw);
        return 0;
    }
    /* Same bytes back means both trees really hold the whole document. */
    if (out_len == len && memcmp(out, wbxml, len) == 0)
        w->identical++;
    free(out);
    d = apr_array_push(w->docs);
    d->wbxml = wbxml;
    d->len = len;
    d->tree = tree;
    d->lw_tree = lw;
    w->bytes += len;
    return 1;
}

static int corpus_doc(apr_pool_t *p, workload_t *w, const char *name)
{
    char *path = apr_pstrcat(p, EAS_CORPUS_DIR, "/", name, NULL);
    apr_file_t *fh;
    apr_finfo_t fi;
    char *xml;
    unsigned char *wbxml;
    apr_size_t len = 0;
    const char *err = NULL;

    if (apr_file_open(&fh, path, APR_FOPEN_READ, 0, p) != APR_SUCCESS)
        return 0;
    apr_file_info_get(&fi, APR_FINFO_SIZE, fh);
    xml = apr_palloc(p, (apr_size_t)fi.size + 1);
    apr_file_read_full(fh, xml, (apr_size_t)fi.size, NULL);
    xml[fi.size] = '\0';
    apr_file_close(fh);
    wbxml = eas_xml_to_wbxml(p, xml, (apr_size_t)fi.size, &len, &err);
    return wbxml && add_doc(p, w, wbxml, len);
}

static void load_corpus(apr_pool_t *p, workload_t *w, int *skipped,
                        const char **left_out)
{
    apr_dir_t *dir;
    apr_finfo_t fi;
    int n = 0;

    if (apr_dir_open(&dir, EAS_CORPUS_DIR, p) != APR_SUCCESS) {
        fprintf(stderr, "bench_wbxml: cannot open %s\n", EAS_CORPUS_DIR);
        exit(1);
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, dir) == APR_SUCCESS) {
        size_t len = strlen(fi.name);

        if (fi.filetype != APR_REG || len < 5 || strcmp(fi.name + len - 4, ".xml"))
            continue;
        if (!corpus_doc(p, w, fi.name)) {
            *left_out = apr_pstrcat(p, *left_out, n ? ", " : "", fi.name, NULL);
            n++;
        }
    }
    apr_dir_close(dir);
    *skipped = n;
}

/* ------------------------------------------------------------------ */
/* The four operations, over every document of a workload             */
/* ------------------------------------------------------------------ */

static apr_pool_t *bench_pool;
static volatile unsigned long sink;     /* keeps results observable */

static void ours_decode(workload_t *w)
{
    int i;

    for (i = 0; i < w->docs->nelts; i++) {
        doc_t *d = &APR_ARRAY_IDX(w->docs, i, doc_t);
        apr_pool_t *p;
        eas_node_t *root = NULL;

        apr_pool_create(&p, bench_pool);
        if (eas_wbxml_decode(p, d->wbxml, d->len, NULL, &root, NULL) != EAS_WBXML_OK)
            abort();
        sink += root->tag;
        apr_pool_destroy(p);
    }
}

static void lw_decode(workload_t *w)
{
    int i;

    for (i = 0; i < w->docs->nelts; i++) {
        doc_t *d = &APR_ARRAY_IDX(w->docs, i, doc_t);
        WBXMLTree *t = NULL;

        if (wbxml_tree_from_wbxml(d->wbxml, (WB_ULONG)d->len,
                                  WBXML_LANG_ACTIVESYNC, WBXML_CHARSET_UTF_8,
                                  &t) != WBXML_OK)
            abort();
        sink += (unsigned long)(size_t)t;
        wbxml_tree_destroy(t);
    }
}

/* The tree outlives every encoder run, so its values are stable. */
static void encode_leaf(eas_wbxml_enc_t *e, const eas_node_t *n, int stable)
{
    if (n->opaque) {
        eas_enc_opaque(e, n->tag, n->value, n->len, stable);
    } else if (n->value) {
        eas_enc_start(e, n->tag);
        if (stable)
            eas_enc_text_stable(e, n->value, n->len);
        else
            eas_enc_text(e, n->value, n->len);
        eas_enc_end(e);
    } else {
        eas_enc_empty(e, n->tag);
    }
}

/* Replay a decoded tree as encoder calls, depth first without recursion. */
static void encode_tree(eas_wbxml_enc_t *e, const eas_node_t *root,
                        int stable)
{
    const eas_node_t *n = root;

    for (;;) {
        if (n->child) {
            eas_enc_start(e, n->tag);
            n = n->child;
            continue;
        }
        encode_leaf(e, n, stable);
        for (;;) {
            if (n == root)
                return;
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
            eas_enc_end(e);
        }
    }
}

static void encode_all(workload_t *w, int stable)
{
    int i;

    for (i = 0; i < w->docs->nelts; i++) {
        doc_t *d = &APR_ARRAY_IDX(w->docs, i, doc_t);
        apr_pool_t *p;
        apr_bucket_brigade *bb;
        eas_wbxml_enc_t *e;

        apr_pool_create(&p, bench_pool);
        bb = apr_brigade_create(p, apr_bucket_alloc_create(p));
        e = eas_wbxml_enc_create(p, bb, NULL, NULL);
        encode_tree(e, d->tree, stable);
        if (eas_enc_finish(e) != APR_SUCCESS)
            abort();
        sink += (unsigned long)eas_enc_bytes(e);
        apr_pool_destroy(p);
    }
}

static void ours_encode(workload_t *w)
{
    encode_all(w, 1);
}

static void ours_encode_copy(workload_t *w)
{
    encode_all(w, 0);
}

static void lw_encode(workload_t *w)
{
    int i;

    for (i = 0; i < w->docs->nelts; i++) {
        doc_t *d = &APR_ARRAY_IDX(w->docs, i, doc_t);
        WB_UTINY *out = NULL;
        WB_ULONG len = 0;

        if (wbxml_tree_to_wbxml(d->lw_tree, &out, &len, &lw_params) != WBXML_OK)
            abort();
        sink += len;
        free(out);
    }
}

/* ------------------------------------------------------------------ */
/* Timing                                                              */
/* ------------------------------------------------------------------ */

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Median MB/s over runs, each run repeating op for at least run_seconds. */
static double measure(void (*op)(workload_t *), workload_t *w)
{
    double mbs[32], t0, t;
    long reps, iters = 1;
    int r;

    /* Size one run: double the repetitions until it lasts long enough. */
    for (;;) {
        t0 = now();
        for (reps = 0; reps < iters; reps++)
            op(w);
        t = now() - t0;
        if (t >= run_seconds)
            break;
        iters = t > 0.01 ? (long)(iters * run_seconds / t * 1.1) + 1 : iters * 4;
    }
    for (r = 0; r < runs; r++) {
        t0 = now();
        for (reps = 0; reps < iters; reps++)
            op(w);
        t = now() - t0;
        mbs[r] = (double)w->bytes * (double)iters / t / 1e6;
    }
    qsort(mbs, (size_t)runs, sizeof(double), cmp_double);
    return mbs[runs / 2];
}

/* ------------------------------------------------------------------ */
/* Report                                                              */
/* ------------------------------------------------------------------ */

static void print_machine(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256], model[200] = "unknown";

    while (f && fgets(line, sizeof(line), f)) {
        char *colon = strchr(line, ':');

        if (strncmp(line, "model name", 10) == 0 && colon) {
            snprintf(model, sizeof(model), "%s", colon + 2);
            model[strcspn(model, "\n")] = '\0';
            break;
        }
    }
    if (f)
        fclose(f);
    printf("machine:  %s, %ld cores online\n", model, sysconf(_SC_NPROCESSORS_ONLN));
#ifdef __VERSION__
    printf("compiler: %s %s\n",
#ifdef __clang__
           "clang",
#else
           "gcc",
#endif
           __VERSION__);
#endif
    printf("CFLAGS:   %s\n", EAS_BENCH_CFLAGS);
}

/* One row per workload; with ours2, a second column of ours and its ratio. */
static void print_table(const char *title, workload_t **ws, int n,
                        void (*ours)(workload_t *), void (*ours2)(workload_t *),
                        void (*theirs)(workload_t *))
{
    int i;

    printf("\n%s\n", title);
    if (ours2)
        printf("  %-28s %8s %9s %9s %10s %7s %7s\n", "workload", "bytes",
               "stable", "copying", "libwbxml2", "ratio", "ratio");
    printf("  %-28s %8s %9s %9s %10s %7s %7s\n", ours2 ? "" : "workload",
           ours2 ? "" : "bytes", ours2 ? "MB/s" : "ours MB/s",
           ours2 ? "MB/s" : "", ours2 ? "MB/s" : "libwbxml2",
           ours2 ? "stable" : "", ours2 ? "copying" : "ratio");
    for (i = 0; i < n; i++) {
        double a = measure(ours, ws[i]), b = measure(theirs, ws[i]);

        if (ours2) {
            double c = measure(ours2, ws[i]);

            printf("  %-28s %8lu %9.1f %9.1f %10.1f %6.1fx %6.1fx\n",
                   ws[i]->name, (unsigned long)ws[i]->bytes, a, c, b,
                   a / b, c / b);
        } else {
            printf("  %-28s %8lu %9.1f %9s %10.1f %7s %6.1fx\n",
                   ws[i]->name, (unsigned long)ws[i]->bytes, a, "", b, "",
                   a / b);
        }
        fflush(stdout);
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_wbxml [-t seconds-per-run] [-r runs (1-31)]"
            " [-o ours-decode|ours-encode|ours-encode-copy|lw-decode|lw-encode"
            " [-w typical|previews|corpus] [-n passes]]\n");
    exit(2);
}

static const struct {
    const char *name;
    void (*op)(workload_t *);
} ops[] = {
    {"ours-decode", ours_decode}, {"ours-encode", ours_encode},
    {"ours-encode-copy", ours_encode_copy},
    {"lw-decode", lw_decode}, {"lw-encode", lw_encode},
};

static void (*find_op(const char *name))(workload_t *)
{
    size_t i;

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (strcmp(ops[i].name, name) == 0)
            return ops[i].op;
    usage();
    return NULL;
}

static void print_setup(workload_t **all, int n, int skipped,
                        const char *left_out)
{
    int i;

    printf("WBXML codec benchmark: mod_eas codec vs libwbxml2 0.11, same run\n");
    print_machine();
    printf("workloads:\n"
           "  typical Sync response: 100 new messages with headers, flags,\n"
           "    attachments and a 2-20 KB plain or HTML body each\n"
           "  Sync response, 500 B bodies: the same with truncated bodies\n"
           "    (structure-bound rather than text-bound)\n"
           "  corpus: every t/corpus document both codecs handle; %d left out%s%s\n",
           skipped, skipped ? ": " : "", left_out);
    for (i = 0; i < n; i++)
        printf("  %s: libwbxml2 re-encodes %d of %d byte for byte\n",
               all[i]->name, all[i]->identical, all[i]->docs->nelts);
    printf("operations:\n"
           "  ours decode:      eas_wbxml_decode into a fresh pool per document;\n"
           "                    zero copy, every string checked for UTF-8\n"
           "  libwbxml2 decode: wbxml_tree_from_wbxml + wbxml_tree_destroy;\n"
           "                    copies values, no UTF-8 check\n"
           "  ours encode:      prebuilt tree through eas_enc_* into a brigade,\n"
           "                    pool destroyed (brigade not flattened); text\n"
           "                    always checked for UTF-8, then\n"
           "    stable:         eas_enc_text_stable, as for message bodies:\n"
           "                    text from 2 KB on referenced, not copied\n"
           "    copying:        eas_enc_text: every byte copied\n"
           "  libwbxml2 encode: wbxml_tree_to_wbxml of a prebuilt tree + free;\n"
           "                    copies every byte, no UTF-8 check\n");
    printf("MB/s = 10^6 WBXML bytes per second; median of %d runs of >= %.2f s\n",
           runs, run_seconds);
}

static void free_lw_trees(workload_t *w)
{
    int i;

    for (i = 0; i < w->docs->nelts; i++)
        wbxml_tree_destroy(APR_ARRAY_IDX(w->docs, i, doc_t).lw_tree);
}

static void add_sync(workload_t *w, const char *name, apr_size_t body_min,
                     apr_size_t body_max)
{
    apr_size_t len;
    unsigned char *wbxml = make_sync(bench_pool, 100, body_min, body_max, &len);

    w->name = name;
    w->docs = apr_array_make(bench_pool, 1, sizeof(doc_t));
    if (!add_doc(bench_pool, w, wbxml, len)) {
        fprintf(stderr, "bench_wbxml: a codec cannot decode \"%s\"\n", name);
        exit(1);
    }
}

/*
 * -o: one operation on one workload, for a profiler; with -n, exactly n
 * passes and no timing (valgrind --tool=callgrind counts per pass).
 */
static int run_one(const char *only, const char *which, long passes,
                   workload_t **all)
{
    static const char *const names[] = { "typical", "previews", "corpus" };
    void (*op)(workload_t *) = find_op(only);
    int i;
    long k;

    for (i = 0; i < 3; i++)
        if (strcmp(which, names[i]) == 0) {
            if (passes > 0) {
                for (k = 0; k < passes; k++)
                    op(all[i]);
                printf("%s, %s: %ld passes\n", only, all[i]->name, passes);
            } else {
                printf("%s, %s: %.1f MB/s\n", only, all[i]->name,
                       measure(op, all[i]));
            }
            return 0;
        }
    usage();
    return 2;
}

int main(int argc, char **argv)
{
    workload_t typical = { 0 }, previews = { 0 }, corpus = { 0 };
    workload_t *all[3] = { &typical, &previews, &corpus };
    const char *left_out = "", *only = NULL, *which = "typical";
    int opt, skipped = 0, i, rc = 0;
    long passes = 0;

    while ((opt = getopt(argc, argv, "t:r:o:w:n:")) != -1) {
        if (opt == 't')
            run_seconds = atof(optarg);
        else if (opt == 'r')
            runs = atoi(optarg);
        else if (opt == 'o')
            only = optarg;
        else if (opt == 'w')
            which = optarg;
        else if (opt == 'n')
            passes = atol(optarg);
        else
            usage();
    }
    if (run_seconds <= 0 || runs < 1 || runs > 31)
        usage();

    apr_initialize();
    apr_pool_create(&bench_pool, NULL);
    add_sync(&typical, "typical Sync response", 2048, 20 * 1024);
    add_sync(&previews, "Sync response, 500 B bodies", 400, 600);
    corpus.docs = apr_array_make(bench_pool, 128, sizeof(doc_t));
    load_corpus(bench_pool, &corpus, &skipped, &left_out);
    corpus.name = apr_psprintf(bench_pool, "corpus (%d documents)",
                               corpus.docs->nelts);

    if (only) {
        rc = run_one(only, which, passes, all);
    } else {
        print_setup(all, 3, skipped, left_out);
        print_table("decode", all, 3, ours_decode, NULL, lw_decode);
        print_table("encode", all, 3, ours_encode, ours_encode_copy, lw_encode);
        printf("\nreproduce: make bench   "
               "(runs ./bench/wbxml/bench_wbxml -t %.2f -r %d)\n",
               run_seconds, runs);
    }
    for (i = 0; i < 3; i++)
        free_lw_trees(all[i]);
    apr_pool_destroy(bench_pool);
    apr_terminate();
    return rc;
}
