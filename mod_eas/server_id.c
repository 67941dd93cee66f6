/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ServerIds of items: see server_id.h.
 */
#include "server_id.h"
#include "backend.h"

#include <apr_strings.h>
#include <string.h>

const char *eas_server_id(apr_pool_t *p, const char *folder, const char *item)
{
    return apr_pstrcat(p, folder, ":", item, NULL);
}

int eas_server_id_split(apr_pool_t *p, const char *sid, const char **folder,
                        const char **item)
{
    const char *colon = sid ? strchr(sid, ':') : NULL;

    if (!colon)
        return 0;
    *folder = apr_pstrmemdup(p, sid, (apr_size_t)(colon - sid));
    *item = colon + 1;
    return eas_id_valid(*folder) && eas_id_valid(*item);
}

const char *eas_server_id_item(const char *sid, const char *folder)
{
    const char *colon = sid ? strchr(sid, ':') : NULL;
    apr_size_t n = strlen(folder);

    if (!colon || (apr_size_t)(colon - sid) != n
        || strncmp(sid, folder, n) != 0 || !eas_id_valid(colon + 1))
        return NULL;
    return colon + 1;
}
