/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The push hub's parts (push.h): one hub per httpd process holds every
 * waiting request of the process, the folder watches they share, and
 * the doorbell that tells waits of one device in other processes that a
 * newer one began.
 */
#ifndef EAS_PUSH_INTERNAL_H
#define EAS_PUSH_INTERNAL_H

#include "push.h"

#include <apr_thread_mutex.h>

typedef struct push_key push_key_t;

/* One watch of one waiter, on the list of its key. */
typedef struct push_link {
    struct push_link *prev, *next;
    eas_push_t *w;
    push_key_t *key;            /* NULL: not watching */
    int tag;
} push_link_t;

struct eas_push {
    request_rec *r;
    int efd;                    /* eventfd the hub writes to */
    int sock;                   /* the client's socket */
    int ntags;
    push_link_t *links;         /* ntags of them */
    unsigned char *fired;       /* ntags flags, under the hub mutex */
    int nfired, superseded, stopping;
    apr_uint64_t device;        /* hash of (user, device) */
    const char *token;          /* this wait's doorbell text */
    unsigned user_bucket;
    int admitted;
    eas_push_t *prev, *next;    /* every waiter of the process */
};

/* ---- push_hub.c ---- */
/* Register w (with its device hash and token set) with the hub. */
void eas_hub_add(eas_push_t *w);
void eas_hub_remove(eas_push_t *w);
/* Watch key of source ops (counted by the source already) for link l. */
apr_status_t eas_hub_link(push_link_t *l, const eas_source_ops_t *ops,
                          eas_store_t *st, const char *folder_id);
void eas_hub_unlink(push_link_t *l);
/* Under the mutex: read and reset w's flags. */
void eas_hub_lock(void);
void eas_hub_unlock(void);
/* Tell waits of w's device elsewhere that w is the newest. */
void eas_hub_ring(request_rec *r, const eas_push_t *w);
void eas_hub_register_hooks(apr_pool_t *p);

/* ---- push_limits.c ---- */
/* Count w in; 0, or the limit it is over (1 total, 2 per user). */
int eas_push_limits_enter(eas_push_t *w, const char *user);
void eas_push_limits_leave(eas_push_t *w);
void eas_push_limits_register_hooks(apr_pool_t *p);

/* 64-bit FNV-1a over a, NUL, b. */
apr_uint64_t eas_push_hash(const char *a, const char *b);

#endif
