/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provision (MS-ASPROV): the two-phase policy key exchange, device
 * information (14.1) and the remote wipe directive.
 *
 * Phase 1: the client asks for the policy; the server answers the
 * EASProvisionDoc with a temporary key, remembers it as pending with the
 * policy's hash, and drops any earlier acknowledged key, so a device that
 * starts over is not provisioned until it acknowledges again.  Phase 2:
 * the client acknowledges that key with its Status; if the key is the
 * pending one and the policy has not changed meanwhile, the server stores
 * and answers the final key.
 */
#include "mod_eas.h"
#include "cmd_provision.h"
#include "context.h"
#include "policy.h"
#include "request.h"
#include "response.h"

#include <apr_lib.h>
#include <apr_random.h>
#include <apr_strings.h>
#include <errno.h>
#include <stdlib.h>

/* Provision Status (MS-ASPROV 2.2.2.54.2). */
#define PROV_OK            1
#define PROV_PROTOCOL      2
#define PROV_SERVER_ERROR  3

/* Policy Status (2.2.2.54.1). */
#define POLICY_OK          1
#define POLICY_UNKNOWN     3
#define POLICY_WRONG_KEY   5

typedef struct {
    eas_request_t *req;
    eas_ctx_t *ctx;
    const eas_node_t *devinfo;      /* settings:DeviceInformation */
    const eas_node_t *policies;
    const eas_node_t *wipe;         /* RemoteWipe acknowledgement */
    int devinfo_status;
} prov_t;

static int protocol_error(prov_t *pv, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, pv->req->r, EASLOGNO(00930)
                  "Provision from device %s: %s: answering Status 2",
                  pv->req->device_id, why);
    return eas_response_status(pv->req, PROV_PROTOCOL);
}

/* A random key, never 0 (0 means "none" on the wire). */
static apr_status_t new_key(apr_uint32_t avoid, apr_uint32_t *out)
{
    unsigned char b[4];
    apr_status_t rv;

    do {
        if ((rv = apr_generate_random_bytes(b, sizeof(b))) != APR_SUCCESS)
            return rv;
        *out = (apr_uint32_t)b[0] | (apr_uint32_t)b[1] << 8
               | (apr_uint32_t)b[2] << 16 | (apr_uint32_t)b[3] << 24;
    } while (*out == 0 || *out == avoid);
    return APR_SUCCESS;
}

static int parse_key(const char *s, apr_uint32_t *out)
{
    char *end;
    unsigned long long v;

    if (!s || !apr_isdigit(*s) || strlen(s) > 10)
        return 0;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (*end || errno || v > 0xFFFFFFFFULL)
        return 0;
    *out = (apr_uint32_t)v;
    return 1;
}

/* Response head: DeviceInformation status (14.1, if asked) and Status. */
static eas_wbxml_enc_t *start(prov_t *pv, eas_response_t **resp, int status)
{
    eas_wbxml_enc_t *e;

    *resp = eas_response_start(pv->req);
    e = eas_response_enc(*resp);
    eas_enc_start(e, EAS_Provision_Provision);
    if (pv->devinfo && pv->req->version >= 141) {
        eas_enc_start(e, EAS_Settings_DeviceInformation);
        eas_enc_int(e, EAS_Settings_Status, pv->devinfo_status);
        eas_enc_end(e);
    }
    eas_enc_int(e, EAS_Provision_Status, status);
    return e;
}

static int save(prov_t *pv)
{
    return eas_ctx_save_device(pv->ctx);
}

static int answer_wipe(prov_t *pv, int status)
{
    eas_response_t *resp;
    eas_wbxml_enc_t *e = start(pv, &resp, status);

    eas_enc_empty(e, EAS_Provision_RemoteWipe);
    eas_enc_end(e);
    return eas_response_finish(resp);
}

/* <RemoteWipe><Status>1|2</Status></RemoteWipe> from the client. */
static int wipe_ack(prov_t *pv)
{
    request_rec *r = pv->req->r;
    const char *st = eas_node_text(pv->wipe, EAS_Provision_Status);
    eas_response_t *resp;
    int rc;

    if (!st || (strcmp(st, "1") != 0 && strcmp(st, "2") != 0))
        return protocol_error(pv, "RemoteWipe acknowledgement without a "
                              "Status of 1 or 2");
    if (!pv->ctx->device->wipe) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00931)
                      "device %s of %s acknowledged a remote wipe that was "
                      "not requested", pv->req->device_id,
                      pv->ctx->user->login);
        return protocol_error(pv, "no remote wipe was requested");
    }
    if (*st == '2') {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, EASLOGNO(00932)
                      "device %s of %s reports that its remote wipe failed: "
                      "repeating the directive", pv->req->device_id,
                      pv->ctx->user->login);
        return answer_wipe(pv, PROV_PROTOCOL);
    }
    pv->ctx->device->wipe = 2;
    if ((rc = save(pv)) != OK)
        return rc;
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, EASLOGNO(00933)
                  "device %s of %s acknowledged its remote wipe",
                  pv->req->device_id, pv->ctx->user->login);
    eas_enc_end(start(pv, &resp, PROV_OK));
    return eas_response_finish(resp);
}

static void policy_head(eas_wbxml_enc_t *e, const char *type, int status)
{
    eas_enc_start(e, EAS_Provision_Policies);
    eas_enc_start(e, EAS_Provision_Policy);
    eas_enc_str(e, EAS_Provision_PolicyType, type);
    eas_enc_int(e, EAS_Provision_Status, status);
}

/* Policy without a key or data: unknown type, wrong key. */
static int answer_policy_status(prov_t *pv, const char *type, int status)
{
    eas_response_t *resp;
    eas_wbxml_enc_t *e = start(pv, &resp, PROV_OK);

    policy_head(e, type, status);
    eas_enc_end(e);
    eas_enc_end(e);
    eas_enc_end(e);
    return eas_response_finish(resp);
}

static int server_error(prov_t *pv, apr_status_t rv)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, pv->req->r, EASLOGNO(00934)
                  "cannot make a policy key");
    return eas_response_status(pv->req, PROV_SERVER_ERROR);
}

static int phase1(prov_t *pv, const char *type)
{
    request_rec *r = pv->req->r;
    eas_device_t *d = pv->ctx->device;
    eas_response_t *resp;
    eas_wbxml_enc_t *e;
    apr_uint32_t key;
    apr_status_t rv;
    int rc;

    if ((rv = new_key(d->pending_key, &key)) != APR_SUCCESS)
        return server_error(pv, rv);
    d->pending_key = key;
    d->policy_key = 0;
    d->policy_hash = eas_policy_current_hash(r);
    if ((rc = save(pv)) != OK)
        return rc;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, EASLOGNO(00935)
                  "device %s of %s: policy %s sent with a temporary key",
                  pv->req->device_id, pv->ctx->user->login, d->policy_hash);
    e = start(pv, &resp, PROV_OK);
    policy_head(e, type, POLICY_OK);
    eas_enc_str(e, EAS_Provision_PolicyKey, apr_psprintf(r->pool, "%u",
                                                         (unsigned)key));
    eas_enc_start(e, EAS_Provision_Data);
    eas_policy_doc_encode(e, eas_policy_conf(r)->values, pv->req->version);
    eas_enc_end(e);
    eas_enc_end(e);
    eas_enc_end(e);
    eas_enc_end(e);
    return eas_response_finish(resp);
}

/*
 * The client applied the policy only partly (2), not at all (3), or says
 * someone else manages it (4): accepted only if the administrator allows
 * such devices.  Returns OK to go on, or the answer sent.
 */
static int refuse_partial(prov_t *pv, const char *st, int *answered)
{
    request_rec *r = pv->req->r;
    int status = *st == '4' ? EAS_STATUS_EXTERNALLY_MANAGED
                            : EAS_STATUS_NOT_FULLY_PROVISIONABLE;

    *answered = 0;
    if (*st == '1' || eas_policy_conf(r)->allow_nonprov)
        return OK;
    *answered = 1;
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, EASLOGNO(00936)
                  "device %s of %s did not apply the policy fully (Status %s) "
                  "and EASPolicyAllowNonProvisionableDevices is Off: "
                  "answering %d", pv->req->device_id, pv->ctx->user->login, st,
                  pv->req->version >= 140 ? status : HTTP_FORBIDDEN);
    if (pv->req->version < 140)
        return HTTP_FORBIDDEN;
    return eas_response_status(pv->req, status);
}

static int phase2(prov_t *pv, const char *type, const char *key_text,
                  const char *st)
{
    request_rec *r = pv->req->r;
    eas_device_t *d = pv->ctx->device;
    eas_response_t *resp;
    eas_wbxml_enc_t *e;
    apr_uint32_t key, final;
    apr_status_t rv;
    int rc, answered;

    if (!parse_key(key_text, &key))
        return protocol_error(pv, "PolicyKey is not a 32-bit number");
    if (!st || strlen(st) != 1 || *st < '1' || *st > '4')
        return protocol_error(pv, "acknowledgement without a Status of 1 "
                              "to 4");
    if (d->pending_key == 0 || key != d->pending_key || !d->policy_hash
        || strcmp(d->policy_hash, eas_policy_current_hash(r)) != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00937)
                      "device %s of %s acknowledged policy key %u, which is "
                      "not the one pending for the current policy: Policy "
                      "Status 5", pv->req->device_id, pv->ctx->user->login,
                      (unsigned)key);
        return answer_policy_status(pv, type, POLICY_WRONG_KEY);
    }
    rc = refuse_partial(pv, st, &answered);
    if (answered)
        return rc;
    if ((rv = new_key(key, &final)) != APR_SUCCESS)
        return server_error(pv, rv);
    d->policy_key = final;
    d->pending_key = 0;
    if ((rc = save(pv)) != OK)
        return rc;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00938)
                  "device %s (%s) of %s is provisioned (client Status %s)",
                  pv->req->device_id, pv->req->device_type,
                  pv->ctx->user->login, st);
    e = start(pv, &resp, PROV_OK);
    policy_head(e, type, POLICY_OK);
    eas_enc_str(e, EAS_Provision_PolicyKey, apr_psprintf(r->pool, "%u",
                                                         (unsigned)final));
    eas_enc_end(e);
    eas_enc_end(e);
    eas_enc_end(e);
    return eas_response_finish(resp);
}

static int policies(prov_t *pv)
{
    const eas_node_t *pol = pv->policies->child;
    const char *type, *key;

    if (!pol || pol->tag != EAS_Provision_Policy || pol->next)
        return protocol_error(pv, "Policies must hold exactly one Policy");
    type = eas_node_text(pol, EAS_Provision_PolicyType);
    if (!type || !*type)
        return protocol_error(pv, "Policy has no PolicyType");
    if (strcmp(type, EAS_POLICY_TYPE) != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, pv->req->r, EASLOGNO(00939)
                      "device %s asked for policy type '%s': Policy Status 3",
                      pv->req->device_id, type);
        return answer_policy_status(pv, type, POLICY_UNKNOWN);
    }
    key = eas_node_text(pol, EAS_Provision_PolicyKey);
    if (!key)
        return phase1(pv, type);
    return phase2(pv, type, key, eas_node_text(pol, EAS_Provision_Status));
}

/* Sort the root's children; each may appear once, nothing else. */
static const char *classify(prov_t *pv, const eas_node_t *root)
{
    const eas_node_t *n;

    for (n = root->child; n; n = n->next) {
        const eas_node_t **slot =
            n->tag == EAS_Settings_DeviceInformation ? &pv->devinfo
            : n->tag == EAS_Provision_Policies ? &pv->policies
            : n->tag == EAS_Provision_RemoteWipe ? &pv->wipe : NULL;

        if (!slot)
            return apr_psprintf(pv->req->r->pool, "unexpected element %s",
                                eas_tag_name(n->tag) ? eas_tag_name(n->tag)
                                                     : "?");
        if (*slot)
            return apr_psprintf(pv->req->r->pool, "%s given twice",
                                eas_tag_name(n->tag));
        *slot = n;
    }
    if (pv->wipe && (pv->policies || pv->devinfo))
        return "RemoteWipe with other elements";
    return NULL;
}

int eas_cmd_provision(eas_request_t *req)
{
    prov_t pv;
    const char *why;
    eas_response_t *resp;
    int rc;

    memset(&pv, 0, sizeof(pv));
    pv.req = req;
    pv.ctx = req->ctx;
    if ((why = classify(&pv, req->tree)))
        return protocol_error(&pv, why);
    if (pv.wipe)
        return wipe_ack(&pv);
    if (pv.devinfo) {
        pv.devinfo_status = eas_device_info_set(
            pv.ctx, eas_node_child(pv.devinfo, EAS_Settings_Set));
        if (pv.devinfo_status == 1 && (rc = save(&pv)) != OK)
            return rc;
    }
    if (pv.ctx->device->wipe) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, req->r, EASLOGNO(00940)
                      "device %s of %s: sending the remote wipe directive",
                      req->device_id, pv.ctx->user->login);
        return answer_wipe(&pv, PROV_OK);
    }
    if (pv.policies)
        return policies(&pv);
    /* An empty Provision: nothing to wipe, nothing asked. */
    eas_enc_end(start(&pv, &resp, PROV_OK));
    return eas_response_finish(resp);
}
