/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sending a composed message: the user's own address as From (email.h
 * enforces it), submission through the store's own transport if it has
 * one, else EASSendmail or EASSMTPServer; then the copy in Sent Items
 * (marked read) and the Answered/Forwarded flag on the original.  Once
 * the message is out, a failure to file it or flag the original is
 * logged but not reported: the client must not send it again.  Nor is
 * it sent again when the client repeats the request (it never saw the
 * answer): the device's state keeps the ClientIds it sent.
 */
#include "mod_eas.h"
#include "compose.h"
#include "folder_state.h"
#include "itemops.h"
#include "mailops_conf.h"
#include "response.h"
#include "server_id.h"

#include <http_protocol.h>
#include <apr_strings.h>

/* The original of a SmartReply/SmartForward. */
static int load_source(eas_request_t *req, eas_store_t *st,
                       const eas_compose_req_t *c, const char **folder,
                       const char **item, eas_blob_t *orig)
{
    request_rec *r = req->r;
    apr_status_t rv;

    if (!eas_server_id_split(r->pool, c->src_id, folder, item)
        || (c->src_folder && strcmp(c->src_folder, *folder) != 0)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01253)
                      "%s: '%s' in folder '%s' is not an item id of this "
                      "server", req->cmd->name, c->src_id,
                      c->src_folder ? c->src_folder : "");
        return EAS_CM_ITEM_NOT_FOUND;
    }
    rv = st->backend->fetch(st, *folder, *item, orig, r->pool);
    if (rv == APR_SUCCESS)
        return EAS_CM_OK;
    ap_log_rerror(APLOG_MARK, rv == APR_ENOENT ? APLOG_INFO : APLOG_ERR, rv, r,
                  EASLOGNO(01254) "%s: cannot read the original %s",
                  req->cmd->name, c->src_id);
    return rv == APR_ENOENT ? EAS_CM_ITEM_NOT_FOUND : EAS_CM_SERVER_ERROR;
}

static int build(eas_request_t *req, const eas_compose_req_t *c,
                 const eas_blob_t *orig, eas_composed_t *out)
{
    request_rec *r = req->r;
    const eas_user_t *user = req->ctx->user;
    const char *err = NULL;
    eas_compose_t in;
    apr_status_t rv;

    memset(&in, 0, sizeof(in));
    in.mode = c->mode;
    in.mime = &c->mime;
    in.original = orig;
    in.replace_mime = c->replace_mime;
    in.from_addr = user->email;
    in.from_name = user->display_name;
    if ((rv = eas_email_compose(&in, out, r->pool, &err)) == APR_SUCCESS)
        return EAS_CM_OK;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01255)
                  "%s: message not sent: %s", req->cmd->name,
                  err ? err : "invalid message");
    return rv == EAS_EMAIL_EBADRCPT ? EAS_CM_NO_RECIPIENT
                                    : EAS_CM_INVALID_MIME;
}

static int submit(eas_request_t *req, eas_store_t *st,
                  const eas_composed_t *m)
{
    request_rec *r = req->r;
    const eas_mailops_conf_t *conf = eas_mailops_conf(r);
    const char *err = NULL;
    apr_status_t rv;

    /* A combined store has send, but its mail backend may have none. */
    rv = st->backend->send ? st->backend->send(st, &m->message, r->pool)
                           : APR_ENOTIMPL;
    if (rv == APR_ENOTIMPL)
        rv = eas_submit(&conf->submit, m->from, m->rcpts, &m->message,
                        r->pool, &err);
    if (rv == APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, EASLOGNO(01256)
                      "%s: submitted %s from %s to %d recipient(s)",
                      req->cmd->name, m->message_id, m->from, m->rcpts->nelts);
        return EAS_CM_OK;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(01257)
                  "%s: submitting %s from %s failed: %s", req->cmd->name,
                  m->message_id, m->from, err ? err : "the store refused it");
    return rv == EAS_EMAIL_EBADRCPT ? EAS_CM_NO_RECIPIENT
                                    : EAS_CM_SUBMIT_FAILED;
}

static void save_in_sent(eas_request_t *req, eas_store_t *st,
                         const eas_composed_t *m)
{
    request_rec *r = req->r;
    apr_array_header_t *folders = eas_folder_list(req->ctx);   /* logged */
    const eas_folder_t *sent;
    const char *id;
    apr_status_t rv;

    if (!folders)
        return;
    if (!(sent = eas_folder_of_type(folders, EAS_FOLDER_SENT))) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, EASLOGNO(01258)
                      "%s: sent %s, but the user has no Sent Items folder to "
                      "keep it in", req->cmd->name, m->message_id);
        return;
    }
    rv = st->backend->add(st, sent->id, &m->message, EAS_ITEM_READ, &id,
                          NULL, r->pool);
    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(01259)
                      "%s: sent %s, but keeping it in Sent Items failed",
                      req->cmd->name, m->message_id);
}

static void mark_original(eas_request_t *req, eas_store_t *st,
                          eas_compose_mode_t mode, const char *folder,
                          const char *item)
{
    unsigned flag = mode == EAS_COMPOSE_REPLY ? EAS_ITEM_ANSWERED
                                              : EAS_ITEM_FORWARDED;
    const char *token;
    apr_status_t rv;

    rv = st->backend->set_flags(st, folder, item, flag, 0, &token,
                                req->r->pool);
    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, req->r, EASLOGNO(01260)
                      "%s: sent, but flagging the original %s:%s failed",
                      req->cmd->name, folder, item);
}

/* A repeated request: its ClientId was sent by this device before. */
static int already_sent(eas_request_t *req, const eas_compose_req_t *c)
{
    eas_state_t *state = req->ctx->state;
    apr_status_t rv;

    if (!c->client_id
        || (rv = eas_state_clientid_seen(state, c->client_id)) == APR_ENOENT)
        return EAS_CM_OK;
    if (rv == APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, EASLOGNO(01262)
                      "%s: ClientId %s was sent before by this device: not "
                      "sent again", req->cmd->name, c->client_id);
        return EAS_CM_ALREADY_SENT;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, req->r, EASLOGNO(01263)
                  "%s: cannot look up ClientId %s: %s", req->cmd->name,
                  c->client_id, eas_state_error(state));
    return EAS_CM_SERVER_ERROR;
}

static void remember_sent(eas_request_t *req, const eas_compose_req_t *c)
{
    eas_state_t *state = req->ctx->state;
    apr_status_t rv;

    if (c->client_id
        && (rv = eas_state_clientid_put(state, c->client_id)) != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, req->r, EASLOGNO(01264)
                      "%s: sent, but keeping ClientId %s failed: %s",
                      req->cmd->name, c->client_id, eas_state_error(state));
}

/* Whether the message can go anywhere; logs why not. */
static int can_send(eas_request_t *req, eas_store_t *st)
{
    request_rec *r = req->r;

    if (!req->ctx->user->email) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(01251)
                      "%s: user %s has no mail address (LDAP mail attribute "
                      "or EASMailTemplate): nothing sent", req->cmd->name,
                      req->ctx->user->login);
        return 0;
    }
    if (!st->backend->send && !eas_mailops_can_send(eas_mailops_conf(r))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(01252)
                      "%s: no mail transport configured for %s (set "
                      "EASSendmail or EASSMTPServer): nothing sent",
                      req->cmd->name, r->uri);
        return 0;
    }
    return 1;
}

int eas_compose_run(eas_request_t *req, const eas_compose_req_t *c)
{
    const char *folder = NULL, *item = NULL;
    eas_blob_t orig, *origp = NULL;
    eas_composed_t m;
    eas_store_t *st;
    int status;

    if ((status = already_sent(req, c)) != EAS_CM_OK)
        return status;
    if (eas_ctx_store(req->ctx, &st) != OK)
        return EAS_CM_SERVER_ERROR;     /* logged */
    if (!can_send(req, st))
        return EAS_CM_SUBMIT_FAILED;
    if (c->mode != EAS_COMPOSE_NEW) {
        status = load_source(req, st, c, &folder, &item, &orig);
        if (status != EAS_CM_OK)
            return status;
        origp = &orig;
    }
    if ((status = build(req, c, origp, &m)) != EAS_CM_OK
        || (status = submit(req, st, &m)) != EAS_CM_OK)
        return status;
    remember_sent(req, c);
    if (c->save_in_sent)
        save_in_sent(req, st, &m);
    if (origp)
        mark_original(req, st, c->mode, folder, item);
    return EAS_CM_OK;
}

int eas_compose_answer(eas_request_t *req, int status)
{
    request_rec *r = req->r;

    if (status == EAS_CM_OK) {
        r->status = HTTP_OK;
        apr_table_setn(r->headers_out, "MS-Server-ActiveSync",
                       eas_server_version());
        ap_set_content_length(r, 0);
        return OK;
    }
    if (req->version >= 140)
        return eas_response_status(req, status);
    switch (status) {
    case EAS_CM_INVALID_XML:
    case EAS_CM_INVALID_MIME:
    case EAS_CM_NO_RECIPIENT:
        return HTTP_BAD_REQUEST;
    default:
        return HTTP_INTERNAL_SERVER_ERROR;
    }
}

int eas_compose_command(eas_request_t *req, eas_compose_mode_t mode)
{
    eas_compose_req_t c;
    int status = eas_compose_parse(req, mode, &c);

    if (status == EAS_CM_OK)
        status = eas_compose_run(req, &c);
    return eas_compose_answer(req, status);
}
