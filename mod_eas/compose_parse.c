/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two request forms of SendMail, SmartReply and SmartForward
 * (MS-ASCMD 2.2.1.17-19): from 14.0 a ComposeMail WBXML document with the
 * message as Mime, before it the message itself as the body and the rest
 * in query parameters (SaveInSent, ItemId, CollectionId, LongId).
 */
#include "mod_eas.h"
#include "compose.h"

#define CM(name) EAS_ComposeMail_##name

static int parse_bad(eas_request_t *req, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, EASLOGNO(01250)
                  "%s: %s", req->cmd->name, why);
    return req->version >= 140 ? EAS_CM_INVALID_XML : EAS_CM_INVALID_MIME;
}

static int parse_wbxml(eas_request_t *req, eas_compose_req_t *c)
{
    const eas_node_t *root = req->tree, *mime, *src;

    c->client_id = eas_node_text(root, CM(ClientId));
    if (c->client_id && !*c->client_id)
        c->client_id = NULL;
    if (c->client_id && strlen(c->client_id) > EAS_CLIENTID_MAX)
        return parse_bad(req, "ClientId too long");
    c->save_in_sent = eas_node_child(root, CM(SaveInSentItems)) != NULL;
    c->replace_mime = eas_node_child(root, CM(ReplaceMime)) != NULL;
    if (!(mime = eas_node_child(root, CM(Mime))) || !mime->value)
        return parse_bad(req, "no Mime element");
    c->mime.data = mime->value;
    c->mime.len = mime->len;
    if (c->mode == EAS_COMPOSE_NEW)
        return EAS_CM_OK;
    if (!(src = eas_node_child(root, CM(Source))))
        return parse_bad(req, "no Source element");
    c->src_folder = eas_node_text(src, CM(FolderId));
    c->src_id = eas_node_text(src, CM(ItemId));
    if (!c->src_id)
        c->src_id = eas_node_text(src, CM(LongId));
    if (!c->src_id)
        return parse_bad(req, "Source names neither ItemId nor LongId");
    return EAS_CM_OK;
}

static int parse_query(eas_request_t *req, eas_compose_req_t *c)
{
    c->save_in_sent = req->save_in_sent;
    c->mime.data = (const char *)req->body;
    c->mime.len = req->body_len;
    if (c->mode == EAS_COMPOSE_NEW)
        return EAS_CM_OK;
    c->src_folder = apr_table_get(req->params, "CollectionId");
    c->src_id = apr_table_get(req->params, "ItemId");
    if (!c->src_id)
        c->src_id = apr_table_get(req->params, "LongId");
    if (!c->src_id)
        return parse_bad(req, "no ItemId or LongId parameter");
    return EAS_CM_OK;
}

int eas_compose_parse(eas_request_t *req, eas_compose_mode_t mode,
                      eas_compose_req_t *c)
{
    memset(c, 0, sizeof(*c));
    c->mode = mode;
    return req->tree ? parse_wbxml(req, c) : parse_query(req, c);
}
