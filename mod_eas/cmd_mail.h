/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mail commands beside Sync: ItemOperations, GetAttachment (12.x),
 * SendMail, SmartReply, SmartForward, and MeetingResponse.
 */
#ifndef EAS_CMD_MAIL_H
#define EAS_CMD_MAIL_H

#include "request.h"

int eas_cmd_itemoperations(eas_request_t *req);
int eas_cmd_getattachment(eas_request_t *req);
int eas_cmd_sendmail(eas_request_t *req);
int eas_cmd_smartreply(eas_request_t *req);
int eas_cmd_smartforward(eas_request_t *req);
int eas_cmd_meetingresponse(eas_request_t *req);

#endif
