/* SPDX-License-Identifier: Apache-2.0 */
/* MoveItems (MS-ASCMD 2.2.1.12). */
#ifndef EAS_CMD_MOVEITEMS_H
#define EAS_CMD_MOVEITEMS_H

#include "request.h"

int eas_cmd_moveitems(eas_request_t *req);

#endif
