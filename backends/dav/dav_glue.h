/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dav backend's httpd side: EASDAVURL, EASDAVAuth,
 * EASDAVServiceAccount, EASDAVTimeout, EASDAVCAFile, EASDAVPollInterval,
 * EASDAVListCache.
 */
#ifndef EAS_DAV_GLUE_H
#define EAS_DAV_GLUE_H

#include "backend_glue.h"

extern const eas_backend_glue_t eas_dav_glue;

const char *eas_dav_set1(cmd_parms *cmd, void *dconf, const char *arg);
const char *eas_dav_set_list_cache(cmd_parms *cmd, void *dconf,
                                   const char *arg);
const char *eas_dav_set_service(cmd_parms *cmd, void *dconf, const char *user,
                                const char *password);

/* For the module's directive table (ends with a comma). */
#define EAS_DAV_DIRECTIVES \
    AP_INIT_TAKE1("EASDAVURL", eas_dav_set1, "url", RSRC_CONF | ACCESS_CONF, \
        "Base URL of the CalDAV/CardDAV server, e.g. " \
        "https://dav.example.org/ (%u, %l, %d as in EASMaildir)"), \
    AP_INIT_TAKE1("EASDAVAuth", eas_dav_set1, "auth", RSRC_CONF | ACCESS_CONF, \
        "user: the user's own Basic credentials (default); service: " \
        "EASDAVServiceAccount"), \
    AP_INIT_TAKE2("EASDAVServiceAccount", eas_dav_set_service, NULL, \
        RSRC_CONF | ACCESS_CONF, \
        "User and password the server is asked as with EASDAVAuth service"), \
    AP_INIT_TAKE1("EASDAVTimeout", eas_dav_set1, "timeout", \
        RSRC_CONF | ACCESS_CONF, \
        "Seconds a request to the DAV server may take, 1 to 600 " \
        "(default 30)"), \
    AP_INIT_TAKE1("EASDAVCAFile", eas_dav_set1, "ca", RSRC_CONF | ACCESS_CONF, \
        "CA certificates to verify the DAV server with (default: the " \
        "system's)"), \
    AP_INIT_TAKE1("EASDAVPollInterval", eas_dav_set1, "poll", \
        RSRC_CONF | ACCESS_CONF, \
        "Seconds between two polls of a collection a Ping waits on, 5 to " \
        "3600 (default 30)"), \
    AP_INIT_TAKE1("EASDAVListCache", eas_dav_set_list_cache, NULL, RSRC_CONF, \
        "Most collection members each process keeps listed between " \
        "requests, 0 to 100000000 (default 200000; 0: none)"),

#endif
