/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GLib before 2.76 keeps a cache of freed slices (GSlice magazines) in
 * every thread that used it, and GMime allocates its objects there: once
 * a worker thread has parsed mail, 16-28 KB stay with it for good.  On
 * an event MPM sized for push (thousands of threads) that is a sixth to
 * a third of httpd's memory.  GLib reads G_SLICE when it is loaded, before
 * any module code runs, so httpd's environment must carry it: say so.
 */
#include "mod_eas.h"
#include "email.h"

#include <ap_mpm.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>

#include <glib.h>
#include <stdlib.h>
#include <string.h>

/* Below this many threads per child the caches do not matter. */
#define SLICES_THREADS_NOTED 64

static int slices_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    const char *env = getenv("G_SLICE");
    int threads = 0;

    (void)pconf; (void)plog; (void)ptemp;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;              /* the first of two passes at start */
    if (glib_check_version(2, 76, 0) == NULL
        || (env && strstr(env, "always-malloc")))
        return OK;
    if (ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS
        || threads < SLICES_THREADS_NOTED)
        return OK;
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, EASLOGNO(01411)
                 "GLib %u.%u keeps freed memory in each thread that has "
                 "parsed mail (16-28 KB each, %d threads per child "
                 "here): set G_SLICE=always-malloc in httpd's environment "
                 "(Debian: /etc/apache2/envvars)", glib_major_version,
                 glib_minor_version, threads);
    return OK;
}

void eas_glib_slices_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_post_config(slices_post_config, NULL, NULL, APR_HOOK_MIDDLE);
}
