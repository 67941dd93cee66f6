/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mailbox search through the server (RFC 3501 6.4.4 UID SEARCH, with
 * CHARSET UTF-8): every word must occur in the message's headers or body
 * (TEXT), within the date range by INTERNALDATE (SINCE, BEFORE: whole
 * days, then narrowed to the exact times from the listing).  The server's
 * index does the work; nothing is read here but UIDs.
 */
#include "imap_backend.h"

#include <apr_strings.h>

#include <stdlib.h>
#include <string.h>

/* Words of one search (each a TEXT criterion). */
#define IM_WORDS_MAX 8      /* run_search passes exactly this many */
/* The most UIDs one folder's search yields. */
#define IM_HITS_MAX 100000

typedef struct {
    apr_array_header_t *uids;   /* apr_uint32_t */
} found_t;

static int on_range(void *baton, apr_uint32_t lo, apr_uint32_t hi)
{
    found_t *f = baton;
    apr_uint32_t u;

    for (u = lo; u >= lo && u <= hi && f->uids->nelts < IM_HITS_MAX; u++)
        APR_ARRAY_PUSH(f->uids, apr_uint32_t) = u;
    return f->uids->nelts >= IM_HITS_MAX;
}

/* ESEARCH (RFC 4731): "* ESEARCH (TAG "A5") UID ALL 1:3,7" */
static void on_esearch(found_t *f, const im_resp_t *r)
{
    const im_val_t *v;

    for (v = r->args->child; v && v->next; v = v->next)
        if (im_is(v, "ALL") && v->next->kind == IM_ATOM)
            im_set_each(v->next->s, 0xFFFFFFFFu, on_range, f);
}

static apr_status_t on_search(void *baton, const im_resp_t *r)
{
    found_t *f = baton;
    const im_val_t *v;
    apr_uint64_t n;

    if (r->name && !strcmp(r->name, "ESEARCH"))
        on_esearch(f, r);
    if (!r->name || strcmp(r->name, "SEARCH") != 0)
        return APR_SUCCESS;
    for (v = r->args->child; v && f->uids->nelts < IM_HITS_MAX; v = v->next)
        if (im_number(v, &n) && n && n <= 0xFFFFFFFFu)
            APR_ARRAY_PUSH(f->uids, apr_uint32_t) = (apr_uint32_t)n;
    return APR_SUCCESS;
}

/* "7-Dec-2026" (IMAP date, RFC 3501 9), in UTC. */
static const char *imap_date(apr_time_t t, apr_pool_t *p)
{
    static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
        "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    apr_time_exp_t x;

    apr_time_exp_gmt(&x, t);
    return apr_psprintf(p, "%d-%s-%d", x.tm_mday, mon[x.tm_mon],
                        x.tm_year + 1900);
}

/* The criteria after CHARSET, for nwords words (%s each, strings) and
   the dates (atoms). */
static const char *criteria(const eas_search_t *q, int nwords,
                            apr_pool_t *p)
{
    const char *c = "";
    int n;

    for (n = 0; n < nwords; n++)
        c = apr_pstrcat(p, c, " TEXT %s", NULL);
    if (q->since)
        c = apr_pstrcat(p, c, " SINCE ", imap_date(q->since, p), NULL);
    if (q->until)
        c = apr_pstrcat(p, c, " BEFORE ",
                        imap_date(q->until + apr_time_from_sec(86400), p),
                        NULL);
    return *c ? c : " ALL";
}

/* The words after the first IM_WORDS_MAX are not looked for. */
static apr_status_t run_search(im_conn_t *cn, const eas_search_t *q,
                               found_t *f, apr_pool_t *p)
{
    const char *w[IM_WORDS_MAX] = { NULL };
    char *words = apr_pstrdup(p, q->text ? q->text : ""), *t, *last;
    const char *fmt;
    int n = 0;

    for (t = apr_strtok(words, " \t", &last); t && n < IM_WORDS_MAX;
         t = apr_strtok(NULL, " \t", &last))
        w[n++] = t;
    /* ESEARCH answers with ranges: a plain SEARCH lists every UID on one
       line, over the client's line bound for a large mailbox. */
    fmt = apr_pstrcat(p, im_has_cap(cn->c, "ESEARCH")
                      ? "UID SEARCH RETURN (ALL) CHARSET UTF-8"
                      : "UID SEARCH CHARSET UTF-8", criteria(q, n, p), NULL);
    return im_command(cn->c, on_search, f, NULL, p, fmt, w[0], w[1], w[2],
                      w[3], w[4], w[5], w[6], w[7]);
}

static apr_status_t search_folder(im_store_t *s, const im_folder_t *f,
                                  const eas_search_t *q,
                                  apr_array_header_t *hits, apr_pool_t *p)
{
    found_t found = { apr_array_make(p, 16, sizeof(apr_uint32_t)) };
    im_listing_t *l;
    im_conn_t *cn;
    apr_status_t rv;
    int i;

    if (f->noselect)
        return APR_SUCCESS;
    if ((rv = im_listing(s, f, &l, p)) != APR_SUCCESS
        || (rv = im_conn(s, &cn)) != APR_SUCCESS)
        return rv;
    if ((rv = run_search(cn, q, &found, p)) != APR_SUCCESS)
        return im_fail(s, rv, "UID SEARCH", f->mailbox);
    for (i = 0; i < found.uids->nelts; i++) {
        const im_msg_t *m = im_listing_find(
            l, APR_ARRAY_IDX(found.uids, i, apr_uint32_t));
        eas_search_hit_t *h;
        if (!m || (q->since && m->time < q->since)
            || (q->until && m->time > q->until))
            continue;
        h = apr_array_push(hits);
        h->folder_id = f->id;
        h->item_id = apr_psprintf(p, "%u", m->uid);
        h->time = m->time;
    }
    return APR_SUCCESS;
}

static int newest_first(const void *a, const void *b)
{
    const eas_search_hit_t *x = a, *y = b;
    return x->time > y->time ? -1 : x->time < y->time;
}

apr_status_t im_search(eas_store_t *st, const eas_search_t *q,
                       apr_array_header_t **out, apr_pool_t *p)
{
    im_store_t *s = (im_store_t *)st;
    apr_array_header_t *hits = apr_array_make(p, 16, sizeof(eas_search_hit_t));
    apr_status_t rv = APR_SUCCESS;
    int i;

    if (!im_folder(s, NULL) && !s->folders)
        return EAS_EUNAVAIL;
    if (q->folder_id && !im_folder(s, q->folder_id))
        return APR_ENOENT;
    for (i = 0; i < s->folders->nelts && rv == APR_SUCCESS; i++) {
        const im_folder_t *f = &APR_ARRAY_IDX(s->folders, i, im_folder_t);
        if (!q->folder_id || !strcmp(q->folder_id, f->id))
            rv = search_folder(s, f, q, hits, p);
        if (rv == APR_ENOENT)
            rv = APR_SUCCESS;   /* deleted meanwhile */
    }
    if (rv != APR_SUCCESS)
        return rv;
    if (hits->nelts > 1)
        qsort(hits->elts, hits->nelts, sizeof(eas_search_hit_t),
              newest_first);
    if (q->max_hits > 0 && hits->nelts > q->max_hits)
        hits->nelts = q->max_hits;
    *out = hits;
    return APR_SUCCESS;
}
