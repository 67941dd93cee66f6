/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request/response dump at "LogLevel eas:trace1".
 */
#ifndef EAS_TRACE_H
#define EAS_TRACE_H

#include <httpd.h>
#include "config.h"

struct eas_request;

/* Whether the dump is on for this request (cheap: a level test). */
int eas_trace_on(const request_rec *r);

/* Log the parsed request line and the decoded body as XML. */
void eas_trace_request(const struct eas_request *req);

/*
 * Log a WBXML response given its bytes; truncated says the capture stopped
 * short, in which case only the size is logged.
 */
void eas_trace_response(request_rec *r, const unsigned char *buf,
                        apr_size_t len, int truncated);

/* Most response bytes kept for the dump. */
#define EAS_TRACE_CAPTURE_MAX (1024 * 1024)

#endif
