/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The change-notification endpoint (SetHandler eas-notify): notify.c.
 */
#ifndef EAS_NOTIFY_H
#define EAS_NOTIFY_H

#include <apr_pools.h>

void eas_notify_register_hooks(apr_pool_t *p);

#endif
