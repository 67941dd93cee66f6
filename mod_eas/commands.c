/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command and version tables: the single place that says what the
 * server speaks.  OPTIONS, request validation and dispatch all read them,
 * so implementing a command means filling in its handler here and nothing
 * else; MS-ASProtocolCommands then lists it by itself.
 */
#include "mod_eas.h"
#include "commands.h"
#include "request.h"
#include "context.h"
#include "policy.h"
#include "cmd_provision.h"
#include "cmd_settings.h"
#include "cmd_mail.h"
#include "cmd_sync.h"
#include "cmd_folder.h"
#include "cmd_moveitems.h"

#include <apr_strings.h>

/*
 * Protocol versions implemented, oldest first.  Advertised in
 * MS-ASProtocolVersions and accepted in requests; the last one is also
 * the MS-Server-ActiveSync value.
 */
static const eas_version_t eas_versions[] = {
    { 120, "12.0" },
    { 121, "12.1" },
    { 140, "14.0" },
    { 141, "14.1" },
};
#define EAS_NVERSIONS (sizeof(eas_versions) / sizeof(eas_versions[0]))

#define TAG(page, name) EAS_##page##_##name

/*
 * MS-ASCMD commands with their MS-ASHTTP base64 command codes.  The status
 * tag is set wherever the response root may carry a Status child of its
 * own, for a failure of the whole request: that is where a 14.x device
 * gets the common status codes (MS-ASCMD 2.2.2: a malformed body, 142 to
 * 144 from the provisioning gate).  MoveItems and GetItemEstimate have one
 * beside their per-item Status.  Only the commands without one
 * (GetAttachment has no WBXML answer, MeetingResponse reports in each
 * Result) get an HTTP status instead.
 */
static const eas_command_t eas_commands[] = {
    { "Sync", 0, 25, 0, EAS_BODY_WBXML_OPTIONAL,
      TAG(AirSync, Sync), TAG(AirSync, Sync), TAG(AirSync, Status),
      eas_cmd_sync },
    { "SendMail", 1, 25, 0, EAS_BODY_COMPOSE,
      TAG(ComposeMail, SendMail), TAG(ComposeMail, SendMail),
      TAG(ComposeMail, Status), eas_cmd_sendmail },
    { "SmartForward", 2, 25, 0, EAS_BODY_COMPOSE,
      TAG(ComposeMail, SmartForward), TAG(ComposeMail, SmartForward),
      TAG(ComposeMail, Status), eas_cmd_smartforward },
    { "SmartReply", 3, 25, 0, EAS_BODY_COMPOSE,
      TAG(ComposeMail, SmartReply), TAG(ComposeMail, SmartReply),
      TAG(ComposeMail, Status), eas_cmd_smartreply },
    /* Replaced by ItemOperations; gone from 16.0. */
    { "GetAttachment", 4, 25, 141, EAS_BODY_NONE, 0, 0, 0,
      eas_cmd_getattachment },
    { "FolderSync", 9, 25, 0, EAS_BODY_WBXML,
      TAG(FolderHierarchy, FolderSync), TAG(FolderHierarchy, FolderSync),
      TAG(FolderHierarchy, Status), eas_cmd_foldersync },
    { "FolderCreate", 10, 25, 0, EAS_BODY_WBXML,
      TAG(FolderHierarchy, FolderCreate), TAG(FolderHierarchy, FolderCreate),
      TAG(FolderHierarchy, Status), eas_cmd_foldercreate },
    { "FolderDelete", 11, 25, 0, EAS_BODY_WBXML,
      TAG(FolderHierarchy, FolderDelete), TAG(FolderHierarchy, FolderDelete),
      TAG(FolderHierarchy, Status), eas_cmd_folderdelete },
    { "FolderUpdate", 12, 25, 0, EAS_BODY_WBXML,
      TAG(FolderHierarchy, FolderUpdate), TAG(FolderHierarchy, FolderUpdate),
      TAG(FolderHierarchy, Status), eas_cmd_folderupdate },
    { "MoveItems", 13, 25, 0, EAS_BODY_WBXML,
      TAG(Move, MoveItems), TAG(Move, MoveItems), TAG(Move, Status),
      eas_cmd_moveitems },
    { "GetItemEstimate", 14, 25, 0, EAS_BODY_WBXML,
      TAG(GetItemEstimate, GetItemEstimate),
      TAG(GetItemEstimate, GetItemEstimate), TAG(GetItemEstimate, Status),
      eas_cmd_getitemestimate },
    /* Status only inside each Result. */
    { "MeetingResponse", 15, 25, 0, EAS_BODY_WBXML,
      TAG(MeetingResponse, MeetingResponse),
      TAG(MeetingResponse, MeetingResponse), 0, eas_cmd_meetingresponse },
    { "Search", 16, 25, 0, EAS_BODY_WBXML,
      TAG(Search, Search), TAG(Search, Search), TAG(Search, Status), NULL },
    { "Settings", 17, 120, 0, EAS_BODY_WBXML,
      TAG(Settings, Settings), TAG(Settings, Settings),
      TAG(Settings, Status), eas_cmd_settings },
    { "Ping", 18, 25, 0, EAS_BODY_WBXML_OPTIONAL,
      TAG(Ping, Ping), TAG(Ping, Ping), TAG(Ping, Status), eas_cmd_ping },
    { "ItemOperations", 19, 120, 0, EAS_BODY_WBXML,
      TAG(ItemOperations, ItemOperations), TAG(ItemOperations, ItemOperations),
      TAG(ItemOperations, Status), eas_cmd_itemoperations },
    { "Provision", 20, 25, 0, EAS_BODY_WBXML,
      TAG(Provision, Provision), TAG(Provision, Provision),
      TAG(Provision, Status), eas_cmd_provision },
    { "ResolveRecipients", 21, 25, 0, EAS_BODY_WBXML,
      TAG(ResolveRecipients, ResolveRecipients),
      TAG(ResolveRecipients, ResolveRecipients),
      TAG(ResolveRecipients, Status), NULL },
    { "ValidateCert", 22, 25, 0, EAS_BODY_WBXML,
      TAG(ValidateCert, ValidateCert), TAG(ValidateCert, ValidateCert),
      TAG(ValidateCert, Status), NULL },
    { "Find", 23, 161, 0, EAS_BODY_WBXML,
      TAG(Find, Find), TAG(Find, Find), TAG(Find, Status), NULL },
};
#define EAS_NCOMMANDS (sizeof(eas_commands) / sizeof(eas_commands[0]))

const eas_command_t *eas_command_by_name(const char *name)
{
    apr_size_t i;

    for (i = 0; i < EAS_NCOMMANDS; i++)
        if (strcmp(eas_commands[i].name, name) == 0)
            return &eas_commands[i];
    return NULL;
}

const eas_command_t *eas_command_by_code(int code)
{
    apr_size_t i;

    for (i = 0; i < EAS_NCOMMANDS; i++)
        if (eas_commands[i].code == code)
            return &eas_commands[i];
    return NULL;
}

int eas_command_in_version(const eas_command_t *c, int v)
{
    return v >= c->min_version && (c->max_version == 0 || v <= c->max_version);
}

int eas_command_wbxml_body(const eas_command_t *c, int v)
{
    switch (c->body) {
    case EAS_BODY_WBXML:
    case EAS_BODY_WBXML_OPTIONAL:
        return 1;
    case EAS_BODY_COMPOSE:
        return v >= 140;
    default:
        return 0;
    }
}

const eas_version_t *eas_version_by_text(const char *text)
{
    apr_size_t i;

    for (i = 0; i < EAS_NVERSIONS; i++)
        if (strcmp(eas_versions[i].text, text) == 0)
            return &eas_versions[i];
    return NULL;
}

const eas_version_t *eas_version_by_num(int num)
{
    apr_size_t i;

    for (i = 0; i < EAS_NVERSIONS; i++)
        if (eas_versions[i].num == num)
            return &eas_versions[i];
    return NULL;
}

const char *eas_versions_header(apr_pool_t *p)
{
    const char *s = eas_versions[0].text;
    apr_size_t i;

    for (i = 1; i < EAS_NVERSIONS; i++)
        s = apr_pstrcat(p, s, ",", eas_versions[i].text, NULL);
    return s;
}

const char *eas_commands_header(apr_pool_t *p)
{
    const char *s = "";
    apr_size_t i;

    for (i = 0; i < EAS_NCOMMANDS; i++) {
        if (!eas_commands[i].handler)
            continue;
        s = *s ? apr_pstrcat(p, s, ",", eas_commands[i].name, NULL)
               : eas_commands[i].name;
    }
    return s;
}

const char *eas_server_version(void)
{
    return eas_versions[EAS_NVERSIONS - 1].text;
}

int eas_dispatch(eas_request_t *req)
{
    eas_ctx_t *ctx;
    int rc;

    if (!req->cmd->handler) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, EASLOGNO(00401)
                      "command %s is not implemented: answering 501",
                      req->cmd->name);
        return HTTP_NOT_IMPLEMENTED;
    }
    if ((rc = eas_ctx_open(req, &ctx)) != OK)
        return rc;
    /* Provision is how a device gets through the gate. */
    if (req->cmd->handler != eas_cmd_provision
        && (rc = eas_policy_gate(ctx)) != OK)
        return rc == DONE ? OK : rc;
    return req->cmd->handler(req);
}
