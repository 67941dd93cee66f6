/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshots of what a device has seen, their diff against a listing, and
 * SyncKey generation.  See sync_snapshot.h.
 */
#include "sync_snapshot.h"
#include "state.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_general.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct eas_snapshot {
    apr_pool_t *pool;
    apr_hash_t *map;            /* id -> token */
};

static eas_snapshot_t *snapshot_new(apr_pool_t *p)
{
    eas_snapshot_t *s = apr_palloc(p, sizeof(*s));

    s->pool = p;
    s->map = apr_hash_make(p);
    return s;
}

/* Tokens and ids are stored as "id\ttoken\n": keep them to one field. */
static int field_ok(const char *f)
{
    return f && *f && !strpbrk(f, "\t\n\r");
}

eas_snapshot_t *eas_snapshot_parse(apr_pool_t *p, const char *text)
{
    eas_snapshot_t *s = snapshot_new(p);
    char *copy, *line, *last;

    if (!text || !*text)
        return s;
    copy = apr_pstrdup(p, text);
    for (line = apr_strtok(copy, "\n", &last); line;
         line = apr_strtok(NULL, "\n", &last)) {
        char *tab = strchr(line, '\t');
        if (!tab || tab == line || !tab[1])
            return NULL;
        *tab = '\0';
        apr_hash_set(s->map, line, APR_HASH_KEY_STRING, tab + 1);
    }
    return s;
}

const char *eas_snapshot_text(const eas_snapshot_t *s, apr_pool_t *p)
{
    apr_size_t len = 0;
    apr_hash_index_t *hi;
    char *out, *w;

    for (hi = apr_hash_first(p, s->map); hi; hi = apr_hash_next(hi)) {
        const void *k;
        void *v;
        apr_hash_this(hi, &k, NULL, &v);
        len += strlen(k) + strlen(v) + 2;
    }
    w = out = apr_palloc(p, len + 1);
    for (hi = apr_hash_first(p, s->map); hi; hi = apr_hash_next(hi)) {
        const void *k;
        void *v;
        apr_size_t kl, vl;
        apr_hash_this(hi, &k, NULL, &v);
        kl = strlen(k);
        vl = strlen(v);
        memcpy(w, k, kl);
        w[kl] = '\t';
        memcpy(w + kl + 1, v, vl);
        w[kl + 1 + vl] = '\n';
        w += kl + vl + 2;
    }
    *w = '\0';
    return out;
}

const char *eas_snapshot_get(const eas_snapshot_t *s, const char *id)
{
    return apr_hash_get(s->map, id, APR_HASH_KEY_STRING);
}

/* A token that cannot be stored still has to differ from "unseen". */
static const char *storable(const char *token)
{
    return field_ok(token) ? token : "-";
}

void eas_snapshot_set(eas_snapshot_t *s, const char *id, const char *token)
{
    if (!field_ok(id))
        return;
    apr_hash_set(s->map, apr_pstrdup(s->pool, id), APR_HASH_KEY_STRING,
                 apr_pstrdup(s->pool, storable(token)));
}

/* A skipped item's token: the mark, then the token it was skipped at.
   Change tokens (ETags, flags) never begin so. */
#define SKIP_MARK "~skip~"
#define SKIP_LEN (sizeof(SKIP_MARK) - 1)

static int is_skip(const char *token)
{
    return strncmp(token, SKIP_MARK, SKIP_LEN) == 0;
}

void eas_snapshot_skip(eas_snapshot_t *s, const char *id, const char *token)
{
    eas_snapshot_set(s, id, apr_pstrcat(s->pool, SKIP_MARK, storable(token),
                                        NULL));
}

void eas_snapshot_remove(eas_snapshot_t *s, const char *id)
{
    apr_hash_set(s->map, id, APR_HASH_KEY_STRING, NULL);
}

unsigned eas_snapshot_count(const eas_snapshot_t *s)
{
    return apr_hash_count(s->map);
}

apr_array_header_t *eas_snapshot_ids(const eas_snapshot_t *s, apr_pool_t *p)
{
    apr_array_header_t *ids = apr_array_make(p, apr_hash_count(s->map) + 1,
                                             sizeof(const char *));
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(p, s->map); hi; hi = apr_hash_next(hi)) {
        const void *k;
        apr_hash_this(hi, &k, NULL, NULL);
        APR_ARRAY_PUSH(ids, const char *) = k;
    }
    return ids;
}

void eas_snapshot_clear(eas_snapshot_t *s)
{
    apr_hash_clear(s->map);
}

static void push(apr_array_header_t *a, eas_change_kind_t kind,
                 const char *id, const eas_item_ref_t *item)
{
    eas_change_t *c = apr_array_push(a);

    c->kind = kind;
    c->id = id;
    c->item = item;
}

/* Newest first; ties by id so the order is stable across calls. */
static int by_time_desc(const void *a, const void *b)
{
    const eas_change_t *x = a, *y = b;

    if (x->item->time != y->item->time)
        return x->item->time > y->item->time ? -1 : 1;
    return strcmp(x->id, y->id);
}

/*
 * Backends list newest first, so the adds mostly come in order already:
 * then only runs of equal times are sorted (by id), in one pass; any
 * other order gets a full sort.  Same result either way.
 */
static void sort_adds(apr_array_header_t *adds)
{
    eas_change_t *c = (eas_change_t *)adds->elts;
    int i, start, n = adds->nelts;

    for (i = 1; i < n; i++)
        if (c[i].item->time > c[i - 1].item->time) {
            qsort(c, (size_t)n, sizeof(*c), by_time_desc);
            return;
        }
    for (start = 0; start < n; start = i) {
        for (i = start + 1; i < n && c[i].item->time == c[start].item->time;
             i++)
            ;
        if (i - start > 1)
            qsort(c + start, (size_t)(i - start), sizeof(*c), by_time_desc);
    }
}

/* Deletes: the snapshot's ids that items lack; only looked for when
   fewer of them were matched than the snapshot holds. */
static void find_deletes(const eas_snapshot_t *s,
                         const apr_array_header_t *items,
                         apr_array_header_t *dels, apr_pool_t *p)
{
    apr_hash_t *present = apr_hash_make(p);
    apr_hash_index_t *hi;
    int i;

    for (i = 0; i < items->nelts; i++) {
        const eas_item_ref_t *it = &APR_ARRAY_IDX(items, i, eas_item_ref_t);
        apr_hash_set(present, it->id, APR_HASH_KEY_STRING, it);
    }
    for (hi = apr_hash_first(p, s->map); hi; hi = apr_hash_next(hi)) {
        const void *k;
        void *v;
        apr_hash_this(hi, &k, NULL, &v);
        if (!apr_hash_get(present, k, APR_HASH_KEY_STRING) && !is_skip(v))
            push(dels, EAS_CHANGE_DELETE, k, NULL);
    }
}

apr_array_header_t *eas_snapshot_diff(const eas_snapshot_t *s,
                                      const apr_array_header_t *items,
                                      apr_pool_t *p)
{
    apr_array_header_t *dels = apr_array_make(p, 16, sizeof(eas_change_t));
    apr_array_header_t *chg = apr_array_make(p, 16, sizeof(eas_change_t));
    apr_array_header_t *adds, *out;
    unsigned matched = 0;
    int i;

    adds = apr_array_make(p, items->nelts > 16 ? items->nelts : 16,
                          sizeof(eas_change_t));
    for (i = 0; i < items->nelts; i++) {
        const eas_item_ref_t *it = &APR_ARRAY_IDX(items, i, eas_item_ref_t);
        const char *seen = eas_snapshot_get(s, it->id);
        int in_window = !it->outside;

        if (!seen) {
            if (in_window)
                push(adds, EAS_CHANGE_ADD, it->id, it);
            continue;
        }
        matched++;
        if (is_skip(seen)) {
            if (in_window && strcmp(seen + SKIP_LEN, storable(it->token)))
                push(adds, EAS_CHANGE_ADD, it->id, it);
            continue;
        }
        if (!in_window)
            push(dels, EAS_CHANGE_SOFTDELETE, it->id, NULL);
        else if (strcmp(seen, storable(it->token)) != 0)
            push(chg, EAS_CHANGE_CHANGE, it->id, it);
    }
    if (matched < eas_snapshot_count(s))
        find_deletes(s, items, dels, p);
    sort_adds(adds);
    out = apr_array_make(p, dels->nelts + chg->nelts + adds->nelts + 1,
                         sizeof(eas_change_t));
    apr_array_cat(out, dels);
    apr_array_cat(out, chg);
    apr_array_cat(out, adds);
    return out;
}

void eas_snapshot_apply(eas_snapshot_t *s, const eas_change_t *c)
{
    switch (c->kind) {
    case EAS_CHANGE_ADD:
    case EAS_CHANGE_CHANGE:
        eas_snapshot_set(s, c->id, c->item->token);
        break;
    case EAS_CHANGE_DELETE:
    case EAS_CHANGE_SOFTDELETE:
        eas_snapshot_remove(s, c->id);
        break;
    }
}

/* ---- SyncKeys ---- */

#define NONCE_HEX 8

const char *eas_synckey_first(apr_pool_t *p)
{
    unsigned char b[NONCE_HEX / 2];
    char hex[NONCE_HEX + 1];
    int i;

    if (apr_generate_random_bytes(b, sizeof(b)) != APR_SUCCESS) {
        apr_uint64_t t = (apr_uint64_t)apr_time_now();
        for (i = 0; i < (int)sizeof(b); i++)
            b[i] = (unsigned char)(t >> (8 * i));
    }
    for (i = 0; i < (int)sizeof(b); i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", b[i]);
    return apr_psprintf(p, "{%s}1", hex);
}

int eas_synckey_valid(const char *k)
{
    const char *d;
    int i;

    if (!k || k[0] != '{' || strlen(k) > EAS_SYNCKEY_MAX)
        return 0;
    for (i = 1; i <= NONCE_HEX; i++)
        if (!apr_isxdigit(k[i]))
            return 0;
    if (k[NONCE_HEX + 1] != '}')
        return 0;
    d = k + NONCE_HEX + 2;
    if (!*d || *d == '0' || strlen(d) > 9)
        return 0;
    for (; *d; d++)
        if (!apr_isdigit(*d))
            return 0;
    return 1;
}

const char *eas_synckey_next(apr_pool_t *p, const char *k)
{
    unsigned long n;

    if (!eas_synckey_valid(k))
        return NULL;
    n = strtoul(k + NONCE_HEX + 2, NULL, 10);
    /* Wrap before the ten-digit limit rather than grow the key. */
    if (n >= 999999999UL)
        n = 0;
    return apr_psprintf(p, "%.*s%lu", NONCE_HEX + 2, k, n + 1);
}
