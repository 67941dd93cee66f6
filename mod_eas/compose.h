/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What SendMail, SmartReply and SmartForward share: reading the request
 * in both forms (14.x ComposeMail WBXML, 12.x message/rfc822 body with
 * query parameters), building the message (email.h), submitting it,
 * keeping it in Sent Items and marking the original answered or
 * forwarded; and the answer in both forms.
 */
#ifndef EAS_COMPOSE_H
#define EAS_COMPOSE_H

#include "context.h"
#include "email.h"

/* MS-ASCMD common status codes (2.2.2) the compose commands answer. */
enum {
    EAS_CM_OK = 1,
    EAS_CM_INVALID_XML = 103,
    EAS_CM_INVALID_MIME = 107,
    EAS_CM_SERVER_ERROR = 110,
    EAS_CM_ALREADY_SENT = 118,
    EAS_CM_NO_RECIPIENT = 119,
    EAS_CM_SUBMIT_FAILED = 120,
    EAS_CM_ITEM_NOT_FOUND = 150
};

typedef struct {
    eas_compose_mode_t mode;
    const char *client_id;      /* 14.x ClientId, NULL if none or empty */
    int save_in_sent;
    int replace_mime;
    const char *src_id;         /* Smart*: "folder:item" (ItemId or LongId) */
    const char *src_folder;     /* Smart*: FolderId/CollectionId, may be NULL */
    eas_blob_t mime;            /* the client's message */
} eas_compose_req_t;

/* Read the request; returns EAS_CM_OK or the status to answer with. */
int eas_compose_parse(eas_request_t *req, eas_compose_mode_t mode,
                      eas_compose_req_t *c);

/* Build, send, save, flag; returns EAS_CM_OK or the status (logged). */
int eas_compose_run(eas_request_t *req, const eas_compose_req_t *c);

/*
 * The answer: an empty 200 on success; a Status in the command's root
 * from 14.0; before 14.0, 400 for the client's data and 500 otherwise.
 */
int eas_compose_answer(eas_request_t *req, int status);

/* parse, run, answer */
int eas_compose_command(eas_request_t *req, eas_compose_mode_t mode);

#endif
