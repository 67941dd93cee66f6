/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mod_eas: Exchange ActiveSync server as an Apache httpd 2.4 module.
 *
 * Shared by the module's files: the module record and the log tag form.
 * Include it first in every file of the module.
 */
#ifndef MOD_EAS_H
#define MOD_EAS_H

/*
 * configure passes PACKAGE_* on the command line and httpd's
 * ap_config_auto.h defines them again; ours are not used here.
 */
#undef PACKAGE_NAME
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_VERSION
#undef PACKAGE_BUGREPORT
#undef PACKAGE_URL

/*
 * Before any APR header: with offsetof defined, APR's ring and brigade
 * macros use it instead of arithmetic on a null pointer (undefined, and
 * an error under clang's -Wnull-pointer-subtraction).
 */
#include <stddef.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

extern module AP_MODULE_DECLARE_DATA eas_module;

/*
 * Per-file module index for ap_log_*error, so "LogLevel eas:debug" works
 * in every file that logs.
 */
#ifdef APLOG_USE_MODULE
APLOG_USE_MODULE(eas);
#endif

#include "eas_log.h"

/* The handler name to use with SetHandler. */
#define EAS_HANDLER_NAME "eas"

#endif
