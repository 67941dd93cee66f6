/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Settings (MS-ASCMD 2.2.1.18): user information, device information,
 * out-of-office, device recovery password, rights management templates.
 */
#ifndef EAS_CMD_SETTINGS_H
#define EAS_CMD_SETTINGS_H

#include "request.h"

int eas_cmd_settings(eas_request_t *req);

#endif
