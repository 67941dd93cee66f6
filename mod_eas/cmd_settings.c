/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Settings (MS-ASCMD 2.2.1.18): UserInformation Get, DeviceInformation
 * Set, Oof Get/Set through the backend, DevicePassword Set and
 * RightsManagementInformation Get, answered in request order.
 *
 * The whole request is checked before anything is answered, because the
 * command's own Status comes first: an element that is not one of the
 * five properties, or a property given twice, makes it 2 (protocol
 * error) with no property answers.  A property whose content is wrong
 * gets its own Status (2 malformed, 5 invalid value, 7 not allowed here).
 */
#include "mod_eas.h"
#include "cmd_settings.h"
#include "backend_conf.h"
#include "context.h"
#include "policy.h"
#include "request.h"
#include "response.h"

#include <apr_escape.h>
#include <apr_strings.h>

#define ST_OK        1
#define ST_PROTOCOL  2
#define ST_SERVER    4
#define ST_INVALID   5
#define ST_DENIED    7

#define EAS_OOF_MAX  (64 * 1024)

typedef struct {
    eas_request_t *req;
    eas_ctx_t *ctx;
    eas_wbxml_enc_t *e;
    int device_changed;
} settings_t;

/* ------------------------------------------------------------------ */
/* UserInformation                                                     */
/* ------------------------------------------------------------------ */

static void smtp_addresses(settings_t *s)
{
    const eas_user_t *u = s->ctx->user;
    const apr_array_header_t *arr = apr_table_elts(u->params);
    const apr_table_entry_t *el = (const apr_table_entry_t *)arr->elts;
    int i;

    if (u->email)
        eas_enc_str(s->e, EAS_Settings_SMTPAddress, u->email);
    for (i = 0; i < arr->nelts; i++)
        if (strcmp(el[i].key, "alias") == 0)
            eas_enc_str(s->e, EAS_Settings_SMTPAddress, el[i].val);
}

static void user_information(settings_t *s, const eas_node_t *prop)
{
    const eas_user_t *u = s->ctx->user;
    const eas_node_t *get = prop->child;
    eas_wbxml_enc_t *e = s->e;

    eas_enc_start(e, EAS_Settings_UserInformation);
    if (!get || get->tag != EAS_Settings_Get || get->next || get->child) {
        eas_enc_int(e, EAS_Settings_Status, ST_PROTOCOL);
        eas_enc_end(e);
        return;
    }
    eas_enc_int(e, EAS_Settings_Status, ST_OK);
    eas_enc_start(e, EAS_Settings_Get);
    if (s->req->version >= 141) {
        /* 14.1: one Account, the user's own. */
        eas_enc_start(e, EAS_Settings_Accounts);
        eas_enc_start(e, EAS_Settings_Account);
        eas_enc_str(e, EAS_Settings_UserDisplayName,
                    u->display_name ? u->display_name : u->login);
        eas_enc_start(e, EAS_Settings_EmailAddresses);
        smtp_addresses(s);
        if (u->email)
            eas_enc_str(e, EAS_Settings_PrimarySmtpAddress, u->email);
        eas_enc_end(e);
        eas_enc_end(e);
        eas_enc_end(e);
    }
    else {
        eas_enc_start(e, EAS_Settings_EmailAddresses);
        smtp_addresses(s);
        eas_enc_end(e);
    }
    eas_enc_end(e);
    eas_enc_end(e);
}

/* ------------------------------------------------------------------ */
/* DeviceInformation and DevicePassword                                */
/* ------------------------------------------------------------------ */

static void property_status(settings_t *s, eas_tag_t tag, int status)
{
    eas_enc_start(s->e, tag);
    eas_enc_int(s->e, EAS_Settings_Status, status);
    eas_enc_end(s->e);
}

static void device_information(settings_t *s, const eas_node_t *prop)
{
    const eas_node_t *set = prop->child;
    int st = set && !set->next ? eas_device_info_set(s->ctx, set) : ST_PROTOCOL;

    if (st == ST_OK)
        s->device_changed = 1;
    property_status(s, EAS_Settings_DeviceInformation, st);
}

/*
 * The recovery password is kept with the device only where the policy
 * asks phones to send it (EASPolicyPasswordRecovery On).
 */
static void device_password(settings_t *s, const eas_node_t *prop)
{
    const eas_node_t *set = prop->child, *pw;
    int st = ST_OK;

    if (!set || set->tag != EAS_Settings_Set || set->next
        || !(pw = eas_node_child(set, EAS_Settings_Password)) || pw->child
        || pw->next || pw != set->child)
        st = ST_PROTOCOL;
    else if (pw->len > 255)
        st = ST_INVALID;
    else if (!eas_policy_conf(s->req->r)->values[EAS_POL_PasswordRecovery])
        st = ST_DENIED;
    if (st == ST_OK) {
        eas_device_t *d = s->ctx->device;

        if (!d->info)
            d->info = apr_table_make(s->req->r->pool, 4);
        if (pw->value && *pw->value)
            apr_table_set(d->info, "RecoveryPassword", pw->value);
        else
            apr_table_unset(d->info, "RecoveryPassword");
        s->device_changed = 1;
    }
    property_status(s, EAS_Settings_DevicePassword, st);
}

/* ------------------------------------------------------------------ */
/* Oof                                                                 */
/* ------------------------------------------------------------------ */

/* Out-of-office is kept where the user's mail is. */
static const eas_backend_t *backend_of(settings_t *s)
{
    const eas_backend_glue_t *g = eas_backend_for(s->req->r,
                                                  EAS_CLASS_EMAIL);

    return g ? g->backend : NULL;
}

/* Text as minimal HTML, for a client that asks for HTML bodies. */
static const char *as_html(apr_pool_t *p, const char *text)
{
    return apr_pstrcat(p, "<html><body>",
                       apr_pescape_entity(p, text, 0), "</body></html>",
                       NULL);
}

static void oof_get_answer(settings_t *s, int enabled, const char *msg,
                           int html)
{
    static const eas_tag_t audiences[] = {
        EAS_Settings_AppliesToInternal, EAS_Settings_AppliesToExternalKnown,
        EAS_Settings_AppliesToExternalUnknown
    };
    eas_wbxml_enc_t *e = s->e;
    apr_size_t i;

    eas_enc_int(e, EAS_Settings_Status, ST_OK);
    eas_enc_start(e, EAS_Settings_Get);
    eas_enc_int(e, EAS_Settings_OofState, enabled ? 1 : 0);
    /* The backend keeps one message for every audience. */
    for (i = 0; i < sizeof(audiences) / sizeof(audiences[0]); i++) {
        eas_enc_start(e, EAS_Settings_OofMessage);
        eas_enc_empty(e, audiences[i]);
        eas_enc_int(e, EAS_Settings_Enabled, enabled ? 1 : 0);
        eas_enc_str(e, EAS_Settings_ReplyMessage,
                    html ? as_html(s->req->r->pool, msg ? msg : "")
                         : msg ? msg : "");
        eas_enc_str(e, EAS_Settings_BodyType, html ? "HTML" : "Text");
        eas_enc_end(e);
    }
    eas_enc_end(e);
}

static int oof_get(settings_t *s, const eas_node_t *get, eas_store_t *st)
{
    const char *bt = eas_node_text(get, EAS_Settings_BodyType);
    const char *msg = NULL;
    int enabled = 0, html;
    apr_status_t rv;

    if (!bt || (strcasecmp(bt, "Text") != 0 && strcasecmp(bt, "HTML") != 0))
        return ST_PROTOCOL;
    html = strcasecmp(bt, "HTML") == 0;
    rv = st->backend->oof_get(st, &enabled, &msg, s->req->r->pool);
    if (rv != APR_SUCCESS)
        return ST_SERVER;
    oof_get_answer(s, enabled, msg, html);
    return ST_OK;
}

/*
 * OofState 0 or 1 with one message for all audiences (the internal one
 * if given, else the first enabled).  A scheduled absence (OofState 2)
 * cannot be kept by the backends, so it is refused rather than turned
 * into an absence without end.
 */
static int oof_set(settings_t *s, const eas_node_t *set, eas_store_t *st)
{
    const char *state = eas_node_text(set, EAS_Settings_OofState);
    const eas_node_t *m;
    const char *msg = NULL;

    if (!state || (strcmp(state, "0") && strcmp(state, "1")
                   && strcmp(state, "2")))
        return ST_PROTOCOL;
    if (*state == '2')
        return ST_INVALID;
    for (m = eas_node_child(set, EAS_Settings_OofMessage); m;
         m = eas_node_next(m, EAS_Settings_OofMessage)) {
        const char *en = eas_node_text(m, EAS_Settings_Enabled);
        const char *text = eas_node_text(m, EAS_Settings_ReplyMessage);

        if (text && strlen(text) > EAS_OOF_MAX)
            return ST_INVALID;
        if (!text || (en && strcmp(en, "1") != 0))
            continue;
        if (!msg || eas_node_child(m, EAS_Settings_AppliesToInternal))
            msg = text;
    }
    if (st->backend->oof_set(st, *state == '1', msg, s->req->r->pool)
        != APR_SUCCESS)
        return ST_SERVER;
    eas_enc_int(s->e, EAS_Settings_Status, ST_OK);
    return ST_OK;
}

static void oof(settings_t *s, const eas_node_t *prop)
{
    const eas_node_t *op = prop->child;
    const eas_backend_t *b = backend_of(s);
    eas_store_t *st = NULL;
    int status, get;

    eas_enc_start(s->e, EAS_Settings_Oof);
    if (!op || op->next
        || (op->tag != EAS_Settings_Get && op->tag != EAS_Settings_Set)) {
        eas_enc_int(s->e, EAS_Settings_Status, ST_PROTOCOL);
        eas_enc_end(s->e);
        return;
    }
    get = op->tag == EAS_Settings_Get;
    if (!b || !(get ? (void *)b->oof_get : (void *)b->oof_set)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, s->req->r, EASLOGNO(00950)
                      "Settings Oof %s: the %s backend has no out-of-office: "
                      "Status 7", get ? "Get" : "Set",
                      b ? b->name : "(unknown)");
        status = ST_DENIED;
    }
    else if (eas_ctx_store(s->ctx, &st) != OK) {
        status = ST_SERVER;
    }
    else {
        status = get ? oof_get(s, op, st) : oof_set(s, op, st);
    }
    if (status != ST_OK)
        eas_enc_int(s->e, EAS_Settings_Status, status);
    eas_enc_end(s->e);
}

/* ------------------------------------------------------------------ */
/* RightsManagementInformation                                         */
/* ------------------------------------------------------------------ */

/* No rights management server: the template list is empty. */
static void rights_management(settings_t *s, const eas_node_t *prop)
{
    const eas_node_t *get = prop->child;
    eas_wbxml_enc_t *e = s->e;

    eas_enc_start(e, EAS_Settings_RightsManagementInformation);
    if (s->req->version < 141 || !get || get->tag != EAS_Settings_Get
        || get->next || get->child) {
        eas_enc_int(e, EAS_Settings_Status, ST_PROTOCOL);
    }
    else {
        eas_enc_int(e, EAS_Settings_Status, ST_OK);
        eas_enc_start(e, EAS_Settings_Get);
        eas_enc_empty(e, EAS_RightsManagement_RightsManagementTemplates);
        eas_enc_end(e);
    }
    eas_enc_end(e);
}

/* ------------------------------------------------------------------ */
/* The command                                                         */
/* ------------------------------------------------------------------ */

static const eas_tag_t properties[] = {
    EAS_Settings_Oof, EAS_Settings_DevicePassword,
    EAS_Settings_DeviceInformation, EAS_Settings_UserInformation,
    EAS_Settings_RightsManagementInformation
};
#define NPROPS (sizeof(properties) / sizeof(properties[0]))

/* NULL if the root holds only properties, each at most once. */
static const char *check_root(apr_pool_t *p, const eas_node_t *root)
{
    const eas_node_t *n;
    int seen[NPROPS] = { 0 };
    apr_size_t i;

    if (root->value && !root->child)
        return "Settings holds text";
    for (n = root->child; n; n = n->next) {
        for (i = 0; i < NPROPS && properties[i] != n->tag; i++)
            ;
        if (i == NPROPS)
            return apr_psprintf(p, "unexpected element %s",
                                eas_tag_name(n->tag) ? eas_tag_name(n->tag)
                                                     : "?");
        if (seen[i]++)
            return apr_psprintf(p, "%s given twice", eas_tag_name(n->tag));
    }
    return NULL;
}

int eas_cmd_settings(eas_request_t *req)
{
    settings_t s;
    const eas_node_t *n;
    const char *why;
    eas_response_t *resp;
    int rc;

    memset(&s, 0, sizeof(s));
    s.req = req;
    s.ctx = req->ctx;
    if ((why = check_root(req->r->pool, req->tree))) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, EASLOGNO(00951)
                      "Settings from device %s: %s: answering Status 2",
                      req->device_id, why);
        return eas_response_status(req, ST_PROTOCOL);
    }
    resp = eas_response_start(req);
    s.e = eas_response_enc(resp);
    eas_enc_start(s.e, EAS_Settings_Settings);
    eas_enc_int(s.e, EAS_Settings_Status, ST_OK);
    for (n = req->tree->child; n; n = n->next) {
        switch (n->tag) {
        case EAS_Settings_Oof:
            oof(&s, n);
            break;
        case EAS_Settings_DevicePassword:
            device_password(&s, n);
            break;
        case EAS_Settings_DeviceInformation:
            device_information(&s, n);
            break;
        case EAS_Settings_UserInformation:
            user_information(&s, n);
            break;
        default:
            rights_management(&s, n);
            break;
        }
    }
    eas_enc_end(s.e);
    /* Before anything is sent, so a failed save is still an HTTP error. */
    if (s.device_changed && (rc = eas_ctx_save_device(s.ctx)) != OK)
        return rc;
    return eas_response_finish(resp);
}
