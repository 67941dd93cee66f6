/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Item ServerIds as the device sees them: "<folder id>:<item id>", both
 * backend ids (eas_id_valid, which never contain ':').
 */
#ifndef EAS_SERVER_ID_H
#define EAS_SERVER_ID_H

#include <apr_pools.h>

const char *eas_server_id(apr_pool_t *p, const char *folder, const char *item);
/* Split sid into its two ids, each checked; 0 if sid is malformed. */
int eas_server_id_split(apr_pool_t *p, const char *sid, const char **folder,
                        const char **item);
/* The item id if sid names a well-formed item of folder, else NULL. */
const char *eas_server_id_item(const char *sid, const char *folder);

#endif
