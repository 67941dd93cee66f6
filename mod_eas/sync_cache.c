/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The collections of the device's last Sync, kept in its device row
 * (sync_cache) so that an empty Sync request, or a Partial one, can stand
 * for the full request (MS-ASCMD 2.2.1.21.1).  Each collection is kept
 * with the key it was last answered with and its options, which also
 * carry over to a later request that leaves Options out.
 *
 * Text form:
 *   EASSYNC1 <Sync-level WindowSize or -1> [<seconds of Wait or
 *   HeartbeatInterval, 0 if none>]
 *   <id> <key> <GetChanges> <WindowSize> <DeletesAsMoves> <options>
 * one line per collection; -1 where the request gave no value.
 */
#include "mod_eas.h"
#include "sync_engine.h"

#include <apr_strings.h>
#include <stdlib.h>

#define MAGIC "EASSYNC1"

static int number(const char *s, int min, int max, int *out)
{
    char *end;
    long v;

    if (!s)
        return -1;
    v = strtol(s, &end, 10);
    if (end == s || *end || v < min || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

/* One collection line; 0 or -1 if it is not one of ours. */
static int parse_line(apr_pool_t *p, char *line, eas_sync_coll_t *c)
{
    char *f[6], *last;
    int i;

    memset(c, 0, sizeof(*c));
    for (i = 0; i < 6; i++)
        if (!(f[i] = apr_strtok(i ? NULL : line, " ", &last)))
            return -1;
    if (apr_strtok(NULL, " ", &last) || !eas_id_valid(f[0])
        || (strcmp(f[1], "0") != 0 && !eas_synckey_valid(f[1]))
        || number(f[2], -1, 1, &c->get_changes)
        || number(f[3], -1, 100000, &c->window)
        || number(f[4], -1, 1, &c->deletes_as_moves)
        || eas_sync_options_from_text(f[5], &c->opts))
        return -1;
    c->id = apr_pstrdup(p, f[0]);
    c->key = apr_pstrdup(p, f[1]);
    c->has_options = 1;
    return 0;
}

static const char *cache_text(eas_sync_req_t *sr)
{
    const char *t = sr->ctx->device ? sr->ctx->device->sync_cache : NULL;

    return t && strncmp(t, MAGIC " ", sizeof(MAGIC)) == 0 ? t : NULL;
}

apr_array_header_t *eas_sync_cache_load(eas_sync_req_t *sr)
{
    apr_pool_t *p = eas_sync_pool(sr);
    const char *text = cache_text(sr);
    apr_array_header_t *colls;
    char *copy, *line, *last;

    if (!text)
        return NULL;
    colls = apr_array_make(p, 4, sizeof(eas_sync_coll_t));
    copy = apr_pstrdup(p, text);
    line = apr_strtok(copy, "\n", &last);           /* the header */
    while ((line = apr_strtok(NULL, "\n", &last))) {
        eas_sync_coll_t c;

        if (parse_line(p, line, &c) != 0) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, sr->r, EASLOGNO(01120)
                          "the cached Sync request of device %s is "
                          "unreadable: ignored",
                          sr->ctx->req->device_id);
            return NULL;
        }
        APR_ARRAY_PUSH(colls, eas_sync_coll_t) = c;
    }
    return colls->nelts ? colls : NULL;
}

/* Field i (0, 1) of the header line, or -1. */
static int header_field(eas_sync_req_t *sr, int i, int max)
{
    const char *text = cache_text(sr);
    char *h, *f, *last;
    int v;

    if (!text)
        return -1;
    h = apr_pstrndup(sr->r->pool, text + sizeof(MAGIC),
                     strcspn(text + sizeof(MAGIC), "\n"));
    f = apr_strtok(h, " ", &last);
    if (i == 1)
        f = apr_strtok(NULL, " ", &last);
    return number(f, -1, max, &v) == 0 ? v : -1;
}

int eas_sync_cache_window(eas_sync_req_t *sr)
{
    return header_field(sr, 0, 100000);
}

int eas_sync_cache_wait(eas_sync_req_t *sr)
{
    int w = header_field(sr, 1, 86400);

    return w > 0 ? w : 0;
}

void eas_sync_cache_save(eas_sync_req_t *sr, int global_window, int wait)
{
    apr_pool_t *p = sr->r->pool;
    eas_device_t *dev = sr->ctx->device;
    const char *text = apr_psprintf(p, MAGIC " %d %d\n", global_window, wait);
    int i, n = 0;

    for (i = 0; i < sr->colls->nelts; i++) {
        const eas_sync_coll_t *c = &APR_ARRAY_IDX(sr->colls, i,
                                                  eas_sync_coll_t);
        /* A failed collection must be sent in full again. */
        if (c->status != EAS_SYNC_OK)
            continue;
        text = apr_psprintf(p, "%s%s %s %d %d %d %s\n", text, c->id,
                            c->new_key, c->get_changes, c->window,
                            c->deletes_as_moves,
                            eas_sync_options_text(&c->opts, p));
        n++;
    }
    if (!n)
        text = NULL;
    if ((!text && !dev->sync_cache)
        || (text && dev->sync_cache && strcmp(text, dev->sync_cache) == 0))
        return;
    dev->sync_cache = text;
    /* Logged there; the Sync itself has been done. */
    eas_ctx_save_device(sr->ctx);
}
