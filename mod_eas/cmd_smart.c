/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SmartReply and SmartForward (MS-ASCMD 2.2.1.19, 2.2.1.18): send a reply
 * or a forward of a message in the user's store, which the server
 * completes with the original's text (and, forwarding, its attachments)
 * unless the client sent ReplaceMime; the original is then marked
 * answered or forwarded.
 */
#include "mod_eas.h"
#include "cmd_mail.h"
#include "compose.h"

int eas_cmd_smartreply(eas_request_t *req)
{
    return eas_compose_command(req, EAS_COMPOSE_REPLY);
}

int eas_cmd_smartforward(eas_request_t *req)
{
    return eas_compose_command(req, EAS_COMPOSE_FORWARD);
}
