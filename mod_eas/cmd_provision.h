/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provision (MS-ASPROV): policy key exchange, device information, remote
 * wipe.  The one command that runs without the provisioning gate.
 */
#ifndef EAS_CMD_PROVISION_H
#define EAS_CMD_PROVISION_H

#include "request.h"

int eas_cmd_provision(eas_request_t *req);

#endif
