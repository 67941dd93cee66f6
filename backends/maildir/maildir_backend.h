/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Maildir++ backend, as the module sees it: register it at load time
 * (eas_maildir_register) and open stores by the name "maildir" with the
 * user parameter "path" (the Maildir root, already resolved).
 */
#ifndef EAS_MAILDIR_BACKEND_H
#define EAS_MAILDIR_BACKEND_H

#include "backend.h"

extern const eas_backend_t eas_backend_maildir;

void eas_maildir_register(void);

/* The process's cache of folder listings (see maildir_cache.c). */
typedef struct {
    apr_uint64_t hits, misses;  /* listings and look-ups since start */
    apr_size_t bytes;
    int folders;
} eas_maildir_cache_stats_t;

void eas_maildir_cache_stats(eas_maildir_cache_stats_t *out);

#endif
