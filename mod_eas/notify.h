/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The change-notification endpoint (SetHandler eas-notify) and its
 * directive, EASNotifySecret: notify.c.
 */
#ifndef EAS_NOTIFY_H
#define EAS_NOTIFY_H

#include <httpd.h>
#include <http_config.h>

/* The shortest secret EASNotifySecret takes. */
#define EAS_NOTIFY_SECRET_MIN 16

void eas_notify_register_hooks(apr_pool_t *p);

const char *eas_notify_set_secret(cmd_parms *cmd, void *dconf,
                                  const char *arg);

/* For config.c's directive table (ends with a comma). */
#define EAS_NOTIFY_DIRECTIVES \
    AP_INIT_TAKE1("EASNotifySecret", eas_notify_set_secret, NULL, \
        RSRC_CONF | ACCESS_CONF, \
        "The secret (16 characters at least) a change notification " \
        "(SetHandler eas-notify) must carry in its X-EAS-Notify-Secret " \
        "header"),

#endif
