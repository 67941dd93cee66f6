/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EASPushMax and EASPushMaxPerUser across every httpd process: counters
 * in shared memory made once by the parent and kept across restarts.
 *
 * Each process counts in its own row (found by its scoreboard slot), and
 * a new process in a slot starts the row afresh, so a process that died
 * with waits counted leaves nothing behind.  Users are counted by a hash
 * bucket: two users in one bucket share a count, which can only make a
 * limit stricter, never looser.
 */
#include "mod_eas.h"
#include "push_internal.h"

#include <ap_mpm.h>
#include <scoreboard.h>
#include <apr_atomic.h>
#include <apr_shm.h>

#include <unistd.h>

#define USER_BUCKETS 4096
#define ROW_WORDS (2 + USER_BUCKETS)     /* pid, total, buckets */
#define SHM_KEY "mod_eas-push-counts"

static apr_uint32_t *counts;            /* slots x ROW_WORDS */
static int slots;
static apr_uint32_t *row;               /* this process's, once found */

apr_uint64_t eas_push_hash(const char *a, const char *b)
{
    apr_uint64_t h = APR_UINT64_C(14695981039346656037);
    const unsigned char *s;

    for (s = (const unsigned char *)a; *s; s++)
        h = (h ^ *s) * APR_UINT64_C(1099511628211);
    h *= APR_UINT64_C(1099511628211);
    for (s = (const unsigned char *)b; b && *s; s++)
        h = (h ^ *s) * APR_UINT64_C(1099511628211);
    return h;
}

/* This process's row, claimed on first use (under the hub mutex). */
static apr_uint32_t *my_row(void)
{
    apr_proc_t me;
    int slot;

    if (row || !counts)
        return row;
    me.pid = getpid();
    slot = ap_find_child_by_pid(&me);
    if (slot < 0 || slot >= slots)
        slot = 0;               /* httpd -X: one process */
    row = counts + (apr_size_t)slot * ROW_WORDS;
    if (row[0] != (apr_uint32_t)me.pid) {
        memset(row + 1, 0, (ROW_WORDS - 1) * sizeof(*row));
        row[0] = (apr_uint32_t)me.pid;
    }
    return row;
}

static apr_uint32_t sum(int word)
{
    apr_uint32_t n = 0;
    int i;

    for (i = 0; i < slots; i++)
        n += apr_atomic_read32(&counts[(apr_size_t)i * ROW_WORDS + word]);
    return n;
}

int eas_push_limits_enter(eas_push_t *w, const char *user)
{
    const eas_push_conf_t *c = eas_push_conf();
    apr_uint32_t *mine;
    int over = 0;

    eas_hub_lock();
    mine = my_row();
    eas_hub_unlock();
    if (!mine)
        return 0;
    w->user_bucket = 2 + (unsigned)(eas_push_hash(user, NULL) % USER_BUCKETS);
    /* Count first, then look: two racing waits never both squeeze in. */
    apr_atomic_inc32(&mine[1]);
    apr_atomic_inc32(&mine[w->user_bucket]);
    if (c->max_waits && sum(1) > (apr_uint32_t)c->max_waits)
        over = 1;
    else if (c->max_user_waits
             && sum(w->user_bucket) > (apr_uint32_t)c->max_user_waits)
        over = 2;
    if (over) {
        apr_atomic_dec32(&mine[1]);
        apr_atomic_dec32(&mine[w->user_bucket]);
        return over;
    }
    w->admitted = 1;
    return 0;
}

void eas_push_limits_leave(eas_push_t *w)
{
    if (!w->admitted || !row)
        return;
    apr_atomic_dec32(&row[1]);
    apr_atomic_dec32(&row[w->user_bucket]);
    w->admitted = 0;
}

static int limits_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    apr_pool_t *keep = s->process->pool;
    apr_shm_t *shm = NULL;
    apr_status_t rv;
    void *data;

    apr_pool_userdata_get(&data, SHM_KEY, keep);
    if (data) {
        shm = data;
    }
    else {
        if (ap_mpm_query(AP_MPMQ_HARD_LIMIT_DAEMONS, &slots) != APR_SUCCESS
            || slots < 1)
            slots = 1;
        rv = apr_shm_create(&shm, (apr_size_t)slots * ROW_WORDS
                            * sizeof(apr_uint32_t), NULL, keep);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, EASLOGNO(01410)
                         "push: cannot create shared memory for the "
                         "EASPushMax counters");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        memset(apr_shm_baseaddr_get(shm), 0, apr_shm_size_get(shm));
        apr_pool_userdata_set(shm, SHM_KEY, apr_pool_cleanup_null, keep);
    }
    counts = apr_shm_baseaddr_get(shm);
    slots = (int)(apr_shm_size_get(shm) / (ROW_WORDS * sizeof(apr_uint32_t)));
    return OK;
}

void eas_push_limits_register_hooks(apr_pool_t *p)
{
    ap_hook_post_config(limits_post_config, NULL, NULL, APR_HOOK_MIDDLE);
}
