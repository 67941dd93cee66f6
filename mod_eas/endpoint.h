/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ActiveSync endpoints: the paths where the configuration sets
 * "SetHandler eas" (MS-ASHTTP 2.2.1.1.1: the request URI is the endpoint,
 * nothing below it), and the warnings the configuration earns at startup.
 */
#ifndef EAS_ENDPOINT_H
#define EAS_ENDPOINT_H

#include <httpd.h>

/* Called from the module's register_hooks. */
void eas_endpoint_register_hooks(apr_pool_t *p);

/*
 * Whether the request's URI is an endpoint itself rather than a path
 * below one; logs the refusal (the caller answers 404).
 */
int eas_endpoint_check(request_rec *r);

#endif
