/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Free-text search: every word of the query must occur, case-insensitively
 * (ASCII letters fold; other characters match exactly), in the Subject,
 * From, To or Cc header or in the text of the message.
 *
 * Headers are unfolded and their RFC 2047 encoded words decoded when the
 * charset is UTF-8, US-ASCII or ISO-8859-1.  The body is searched as
 * stored and, when the message uses quoted-printable anywhere, also
 * QP-decoded; base64 parts (attachments, some text parts) are not decoded.
 */
#include "maildir.h"

#include <apr_lib.h>
#include <apr_strings.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *buf;
    apr_size_t len, cap;
    apr_pool_t *p;
} sbuf_t;

static void sb_put(sbuf_t *b, const char *s, apr_size_t n)
{
    if (b->len + n + 1 > b->cap) {
        apr_size_t cap = (b->len + n + 1) * 2;
        char *nb = apr_palloc(b->p, cap);
        if (b->len)
            memcpy(nb, b->buf, b->len);
        b->buf = nb;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void sb_byte(sbuf_t *b, unsigned char c)
{
    char ch = (char)c;
    sb_put(b, &ch, 1);
}

static void lower_ascii(char *s, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            s[i] = (char)(s[i] + 32);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)apr_tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decoded bytes of one encoded word's text (B or Q). */
static int decode_word(sbuf_t *o, char enc, const char *s, apr_size_t n,
                       int latin1)
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned long bits = 0;
    int nbits = 0;
    apr_size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int v;
        if (enc == 'B') {
            const char *x;
            if (c == '=')
                break;
            if (!c || !(x = strchr(b64, c)))
                return 0;
            bits = (bits << 6) | (unsigned long)(x - b64);
            nbits += 6;
            if (nbits < 8)
                continue;
            nbits -= 8;
            c = (unsigned char)(bits >> nbits);
        } else if (c == '_') {
            c = ' ';
        } else if (c == '=' && i + 2 < n && (v = hexval(s[i + 1])) >= 0
                   && hexval(s[i + 2]) >= 0) {
            c = (unsigned char)(v * 16 + hexval(s[i + 2]));
            i += 2;
        }
        if (latin1 && c >= 0x80) {
            sb_byte(o, (unsigned char)(0xC0 | (c >> 6)));
            sb_byte(o, (unsigned char)(0x80 | (c & 0x3F)));
        } else {
            sb_byte(o, c);
        }
    }
    return 1;
}

/* Append a header value, unfolded, with encoded words decoded. */
static void put_header(sbuf_t *o, const char *v, apr_size_t n)
{
    apr_size_t i = 0;

    while (i < n) {
        const char *w = v + i, *q1, *q2, *end;
        if (v[i] == '\r' || v[i] == '\n') {
            sb_byte(o, ' ');
            i++;
            continue;
        }
        if (v[i] == '=' && i + 1 < n && v[i + 1] == '?'
            && (q1 = memchr(w + 2, '?', n - i - 2)) && q1 + 3 < v + n
            && q1[2] == '?'
            && (end = memchr(q1 + 3, '?', (apr_size_t)(v + n - q1 - 3)))
            && end + 1 < v + n && end[1] == '=') {
            apr_size_t cl = (apr_size_t)(q1 - w - 2);
            char enc = (char)apr_toupper(q1[1]);
            int latin1 = cl == 10 && strncasecmp(w + 2, "iso-8859-1", 10) == 0;
            int known = latin1 || (cl == 5 && strncasecmp(w + 2, "utf-8", 5) == 0)
                        || (cl == 8 && strncasecmp(w + 2, "us-ascii", 8) == 0);
            q2 = q1 + 3;
            if (known && (enc == 'B' || enc == 'Q')
                && decode_word(o, enc, q2, (apr_size_t)(end - q2), latin1)) {
                i = (apr_size_t)(end + 2 - v);
                continue;
            }
        }
        sb_byte(o, (unsigned char)v[i++]);
    }
    sb_byte(o, '\n');
}

static int wanted(const char *name, apr_size_t n)
{
    return (n == 7 && strncasecmp(name, "subject", 7) == 0)
           || (n == 4 && strncasecmp(name, "from", 4) == 0)
           || (n == 2 && (strncasecmp(name, "to", 2) == 0
                          || strncasecmp(name, "cc", 2) == 0));
}

/* Header fields we search; returns where the body starts. */
static apr_size_t headers(const char *m, apr_size_t len, sbuf_t *o, int *qp)
{
    apr_size_t i = 0;

    while (i < len && m[i] != '\n' && !(m[i] == '\r' && i + 1 < len
                                        && m[i + 1] == '\n')) {
        apr_size_t start = i, colon;
        /* the field runs to a newline not followed by white space */
        while (i < len && !(m[i] == '\n' && (i + 1 >= len
                            || (m[i + 1] != ' ' && m[i + 1] != '\t'))))
            i++;
        for (colon = start; colon < i && m[colon] != ':'; colon++)
            ;
        if (colon < i) {
            const char *v = m + colon + 1;
            apr_size_t vn = i - colon - 1;
            if (wanted(m + start, colon - start))
                put_header(o, v, vn);
            else if (colon - start == 25
                     && strncasecmp(m + start, "content-transfer-encoding",
                                    25) == 0) {
                char *val = apr_pstrmemdup(o->p, v, vn);
                lower_ascii(val, vn);
                if (strstr(val, "quoted-printable"))
                    *qp = 1;
            }
        }
        if (i < len)
            i++;
    }
    if (i < len && m[i] == '\r')
        i++;
    return i < len ? i + 1 : len;
}

static void qp_decode(sbuf_t *o, const char *s, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] != '=') {
            sb_byte(o, (unsigned char)s[i]);
        } else if (i + 1 < n && s[i + 1] == '\n') {
            i += 1;
        } else if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 2;
        } else if (i + 2 < n && hexval(s[i + 1]) >= 0
                   && hexval(s[i + 2]) >= 0) {
            sb_byte(o, (unsigned char)(hexval(s[i + 1]) * 16
                                       + hexval(s[i + 2])));
            i += 2;
        } else {
            sb_byte(o, '=');
        }
    }
}

int md_search_match(const char *msg, apr_size_t len, const char *text,
                    apr_pool_t *p)
{
    sbuf_t h = { NULL, 0, 0, p }, q = { NULL, 0, 0, p };
    char *words = apr_pstrdup(p, text), *w, *last;
    char *body;
    apr_size_t start, blen;
    int qp = 0, any = 0;

    start = headers(msg, len, &h, &qp);
    sb_put(&h, "", 0);
    lower_ascii(h.buf, h.len);
    blen = len - start;
    body = apr_pstrmemdup(p, msg + start, blen);
    lower_ascii(body, blen);
    if (qp || memmem(body, blen, "quoted-printable", 16)) {
        qp_decode(&q, body, blen);
        sb_put(&q, "", 0);
        lower_ascii(q.buf, q.len);
    }
    lower_ascii(words, strlen(words));
    for (w = apr_strtok(words, " \t\r\n", &last); w;
         w = apr_strtok(NULL, " \t\r\n", &last)) {
        apr_size_t wl = strlen(w);
        any = 1;
        if (!strstr(h.buf, w) && !memmem(body, blen, w, wl)
            && !(q.buf && memmem(q.buf, q.len, w, wl)))
            return 0;
    }
    return any;
}

typedef struct {
    const char *folder_id;
    apr_uint64_t uid;
    apr_int64_t time;
    const char *path;
} cand_t;

static int newest_first(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;

    if (x->time != y->time)
        return x->time > y->time ? -1 : 1;
    return x->uid > y->uid ? -1 : x->uid < y->uid;
}

/* Messages of f within the time range, as candidates. */
static apr_status_t gather(md_store_t *s, const md_folder_t *f,
                           const eas_search_t *q, apr_array_header_t *c,
                           apr_pool_t *p)
{
    md_box_t *b;
    apr_status_t rv;
    int i;

    if ((rv = md_box_get(s, f, 1, &b)) != APR_SUCCESS)
        return rv;
    for (i = 0; i < b->live->nelts; i++) {
        const md_msg_t *m = APR_ARRAY_IDX(b->live, i, md_msg_t *);
        apr_time_t t = apr_time_from_sec(m->time);
        cand_t *x;
        if ((q->since && t < q->since) || (q->until && t > q->until))
            continue;
        x = apr_array_push(c);
        x->folder_id = f->id;
        x->uid = m->uid;
        x->time = m->time;
        x->path = md_msg_path(b, m, p);
    }
    return APR_SUCCESS;
}

apr_status_t md_search(eas_store_t *st, const eas_search_t *q,
                       apr_array_header_t **out, apr_pool_t *p)
{
    md_store_t *s = (md_store_t *)st;
    apr_array_header_t *c;
    apr_pool_t *tp, *ip;
    apr_status_t rv = APR_SUCCESS;
    int i, max;

    if (!q || !q->text || !*q->text)
        return APR_EINVAL;
    apr_pool_create(&tp, p);
    c = apr_array_make(tp, 256, sizeof(cand_t));
    if (q->folder_id) {
        const md_folder_t *f = md_folder_find(s, q->folder_id);
        rv = f ? gather(s, f, q, c, tp) : APR_ENOENT;
    } else if ((rv = md_folders_load(s)) == APR_SUCCESS) {
        for (i = 0; i < s->folders->nelts && rv == APR_SUCCESS; i++) {
            rv = gather(s, &APR_ARRAY_IDX(s->folders, i, md_folder_t), q, c,
                        tp);
            if (rv == APR_ENOENT)
                rv = APR_SUCCESS;   /* deleted meanwhile */
        }
    }
    if (rv != APR_SUCCESS) {
        apr_pool_destroy(tp);
        return rv;
    }
    qsort(c->elts, (size_t)c->nelts, sizeof(cand_t), newest_first);
    max = q->max_hits > 0 ? q->max_hits : INT_MAX;
    *out = apr_array_make(p, 16, sizeof(eas_search_hit_t));
    apr_pool_create(&ip, tp);
    for (i = 0; i < c->nelts && (*out)->nelts < max; i++) {
        const cand_t *x = &APR_ARRAY_IDX(c, i, cand_t);
        eas_blob_t msg;
        if (md_read_msg(x->path, &msg, ip) == APR_SUCCESS
            && md_search_match(msg.data, msg.len, q->text, ip)) {
            eas_search_hit_t *h = apr_array_push(*out);
            h->folder_id = apr_pstrdup(p, x->folder_id);
            h->item_id = apr_psprintf(p, "%" APR_UINT64_T_FMT, x->uid);
            h->time = apr_time_from_sec(x->time);
        }
        apr_pool_clear(ip);
    }
    apr_pool_destroy(tp);
    return APR_SUCCESS;
}
