/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ActiveSync commands (MS-ASCMD) and protocol versions the server knows,
 * and dispatch to the command handlers.
 */
#ifndef EAS_COMMANDS_H
#define EAS_COMMANDS_H

#include <httpd.h>
#include "wbxml.h"

struct eas_request;

/* What a command's request body is. */
typedef enum {
    EAS_BODY_NONE,          /* no body (GetAttachment) */
    EAS_BODY_WBXML,         /* WBXML, required */
    EAS_BODY_WBXML_OPTIONAL,/* WBXML, or empty to repeat the last request */
    EAS_BODY_COMPOSE        /* message/rfc822 before 14.0, WBXML from 14.0 */
} eas_body_kind_t;

/*
 * Runs a command whose request has been parsed, checked and decoded;
 * returns OK when it has sent its response, or an HTTP status.  The
 * handler finds the user, the device's state (locked for the request)
 * and the store in req->ctx (context.h): eas_dispatch opens that context
 * and, for every command but Provision, runs the provisioning gate
 * (policy.h) before calling the handler.
 */
typedef int (*eas_cmd_handler_fn)(struct eas_request *req);

typedef struct {
    const char *name;           /* Cmd= value, as in MS-ASCMD */
    int code;                   /* command code of the base64 query form */
    int min_version;            /* first protocol version with the command */
    int max_version;            /* last one (0: still current) */
    eas_body_kind_t body;
    eas_tag_t request_root;     /* root element of a WBXML request */
    eas_tag_t response_root;    /* root element of a WBXML response */
    eas_tag_t status_tag;       /* Status directly under the response root,
                                   0 if the response has none there */
    eas_cmd_handler_fn handler; /* NULL: not implemented yet */
} eas_command_t;

typedef struct {
    int num;                    /* 141 */
    const char *text;           /* "14.1" */
} eas_version_t;

/* Look a command up by its Cmd= name (case-sensitive) or base64 code. */
const eas_command_t *eas_command_by_name(const char *name);
const eas_command_t *eas_command_by_code(int code);
/* Whether the command exists in protocol version v. */
int eas_command_in_version(const eas_command_t *c, int v);
/* Whether a WBXML body of this command is allowed in version v. */
int eas_command_wbxml_body(const eas_command_t *c, int v);

/* A version the server implements, or NULL. */
const eas_version_t *eas_version_by_text(const char *text);
const eas_version_t *eas_version_by_num(int num);

/* Header values for OPTIONS, built from the tables. */
const char *eas_versions_header(apr_pool_t *p);
const char *eas_commands_header(apr_pool_t *p);
/* MS-Server-ActiveSync: the newest version implemented. */
const char *eas_server_version(void);

/*
 * Open the request's context (req->ctx), pass the provisioning gate and
 * run the command's handler; 501 (logged) if it has none.
 */
int eas_dispatch(struct eas_request *req);

#endif
