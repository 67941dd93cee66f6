/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pools with an allocator of their own (see pool_own.h).
 */
#include "pool_own.h"

#include <apr_allocator.h>

apr_pool_t *eas_pool_own(apr_pool_t *parent)
{
    apr_allocator_t *a;
    apr_pool_t *p;

    if (apr_allocator_create(&a) == APR_SUCCESS) {
        if (apr_pool_create_ex(&p, parent, NULL, a) == APR_SUCCESS) {
            apr_allocator_owner_set(a, p);
            return p;
        }
        apr_allocator_destroy(a);
    }
    /* Without an allocator of its own, an ordinary subpool still works. */
    apr_pool_create(&p, parent);
    return p;
}
