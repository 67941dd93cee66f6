/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WBXML responses streamed through the output filter chain.
 */
#ifndef EAS_RESPONSE_H
#define EAS_RESPONSE_H

#include <httpd.h>
#include "wbxml.h"

struct eas_request;
typedef struct eas_response eas_response_t;

#define EAS_WBXML_TYPE "application/vnd.ms-sync.wbxml"

/*
 * Start a 200 WBXML response.  Nothing is sent until the encoder's first
 * flush, so a handler may still return an HTTP error before that.
 */
eas_response_t *eas_response_start(struct eas_request *req);
eas_wbxml_enc_t *eas_response_enc(eas_response_t *resp);

/*
 * Close the document and send the rest.  Returns OK, or an HTTP status if
 * encoding failed before anything was sent, or AP_FILTER_ERROR if the
 * client went away.
 */
int eas_response_finish(eas_response_t *resp);

/*
 * Answer the command's response root holding only a Status element with
 * the given code (MS-ASCMD common status codes, 2.2.2).  The command must
 * have a status tag.
 */
int eas_response_status(struct eas_request *req, int status);

/*
 * A request the command cannot use as it is (malformed, or outside the
 * server's limits): from 14.0, where the command's response root has a
 * Status element, that root holding the common status given (OK once
 * sent); before 14.0, or without one, HTTP 400.
 */
int eas_response_malformed(struct eas_request *req, int status);

/* MS-ASCMD common status codes used by the transport. */
#define EAS_STATUS_INVALID_CONTENT 101
#define EAS_STATUS_INVALID_WBXML   102
#define EAS_STATUS_INVALID_XML     103

#endif
