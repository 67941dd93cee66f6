/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SendMail (MS-ASCMD 2.2.1.17): send a new message the client composed.
 * Both request forms and the answers are in compose_*.c.
 */
#include "mod_eas.h"
#include "cmd_mail.h"
#include "compose.h"

int eas_cmd_sendmail(eas_request_t *req)
{
    return eas_compose_command(req, EAS_COMPOSE_NEW);
}
