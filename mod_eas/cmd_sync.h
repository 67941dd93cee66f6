/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The commands built on the Sync engine (sync_engine.h): Sync (MS-ASCMD
 * 2.2.1.21), GetItemEstimate (2.2.1.9) and Ping (2.2.1.13), as the
 * command table calls them.
 */
#ifndef EAS_CMD_SYNC_H
#define EAS_CMD_SYNC_H

#include "request.h"

int eas_cmd_sync(eas_request_t *req);
int eas_cmd_getitemestimate(eas_request_t *req);
int eas_cmd_ping(eas_request_t *req);

#endif
