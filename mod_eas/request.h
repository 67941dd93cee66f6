/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One ActiveSync request (MS-ASHTTP 2.2.1): what the request line, the
 * headers and the body said, checked and decoded.
 */
#ifndef EAS_REQUEST_H
#define EAS_REQUEST_H

#include <httpd.h>
#include "config.h"
#include "commands.h"
#include "wbxml.h"

/* MS-ASHTTP device-id = 1*32(ALPHA / DIGIT); it becomes a state key. */
#define EAS_DEVICE_ID_MAX   32
/* Not limited by the spec; bounded so that logs and state stay sane. */
#define EAS_DEVICE_TYPE_MAX 64
#define EAS_USER_MAX        256
#define EAS_PARAM_MAX       1024

typedef struct eas_request eas_request_t;

struct eas_request {
    request_rec *r;
    const eas_dir_conf_t *conf;
    const char *cmd_name;       /* as sent (for logs), set even if unknown */
    const eas_command_t *cmd;   /* NULL until the command is known */

    int base64_query;           /* the query came in the base64 form */
    int version;                /* protocol version, e.g. 141 */
    const char *version_text;   /* "14.1" */

    const char *user;           /* User parameter (r->user if absent) */
    const char *device_id;
    const char *device_type;
    int has_policy_key;         /* a policy key was sent (0 is a value) */
    apr_uint32_t policy_key;
    unsigned locale;            /* base64 form only, else 0 */
    int accept_multipart;       /* MS-ASAcceptMultiPart / Options 0x02 */
    int save_in_sent;           /* SaveInSent=T / Options 0x01 */
    apr_table_t *params;        /* command parameters by name: CollectionId,
                                   ItemId, LongId, Occurrence, AttachmentName... */

    const char *content_type;   /* NULL if none */
    const unsigned char *body;  /* request body, body_len bytes */
    apr_size_t body_len;
    eas_node_t *tree;           /* decoded WBXML body, NULL if none */
    struct eas_ctx *ctx;        /* user, device state, store: set by
                                   eas_dispatch before the handler runs */
};

/*
 * Parse and check everything about a POST up to and including the body.
 * Returns OK with *out filled, DONE if an error response was already sent
 * (a Status answer), or the HTTP status to answer with.  Every failure is
 * logged once.
 */
int eas_request_read(request_rec *r, eas_request_t **out);

/* Whether the User parameter names the authenticated user (see request.c). */
int eas_user_matches(const char *param, const char *auth_user);

#endif
