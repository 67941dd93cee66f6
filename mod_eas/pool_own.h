/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pools with an allocator of their own.  Every pool of a request shares
 * its connection's allocator, which keeps what they free for the life of
 * the connection (up to MaxMemFree): a held Ping would keep the peak of
 * its own set-up for an hour.  What a pool made here frees goes back to
 * the system when the pool goes.
 */
#ifndef EAS_POOL_OWN_H
#define EAS_POOL_OWN_H

#include <apr_pools.h>

/* A subpool of parent (destroyed with it at the latest) that has its own
   allocator, which keeps what the pool frees until the pool is destroyed
   or cleared. */
apr_pool_t *eas_pool_own(apr_pool_t *parent);

#endif
