/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scheduling mail for the user (iMIP, RFC 6047): the REPLY of
 * MeetingResponse, and the REQUEST (RFC 5546 3.2.2) or CANCEL (3.2.5)
 * the phone's Sync causes when it adds, changes or deletes an event the
 * user organizes.  Sent through the mail commands' transport (the
 * store's own, else EASSendmail or EASSMTPServer), never when
 * EASMeetingMail is Off or the DAV server schedules itself (RFC 6638:
 * it mails the attendees for what is written to it).  See meeting.h.
 */
#include "mod_eas.h"
#include "meeting.h"
#include "mailops_conf.h"
#include "pim_meeting.h"
#include "sync_conf.h"

#include <apr_strings.h>

void eas_meeting_opts(eas_ctx_t *ctx, eas_pim_opts_t *o)
{
    const eas_sync_conf_t *conf = eas_sync_conf(ctx->req->r);

    memset(o, 0, sizeof *o);
    o->version = ctx->req->version;
    o->max_item = (apr_size_t)conf->max_item;
    o->tzid = conf->tzid;
    o->user_email = ctx->user->email;
    o->now = apr_time_now();
}

static apr_status_t submit(eas_ctx_t *ctx, eas_store_t *st,
                           const eas_composed_t *m, const char **err)
{
    const eas_mailops_conf_t *conf = eas_mailops_conf(ctx->req->r);
    apr_status_t rv;

    /* a combined store has send() whether its mail member can or not */
    if (st->backend->send
        && (rv = st->backend->send(st, &m->message, ctx->req->r->pool))
           != APR_ENOTIMPL)
        return rv;
    if (!eas_mailops_can_send(conf)) {
        *err = "no mail transport (EASSendmail or EASSMTPServer)";
        return APR_EINVAL;
    }
    return eas_submit(&conf->submit, m->from, m->rcpts, &m->message,
                      ctx->req->r->pool, err);
}

apr_status_t eas_meeting_send(eas_ctx_t *ctx, eas_store_t *st,
                              const char *method, const char *subject,
                              const char *text,
                              const apr_array_header_t *to,
                              const eas_blob_t *ical)
{
    request_rec *r = ctx->req->r;
    const char *err = NULL;
    eas_composed_t m;
    eas_imip_t im;
    apr_status_t rv;

    memset(&im, 0, sizeof im);
    im.from_addr = ctx->user->email;
    im.from_name = ctx->user->display_name;
    im.to = to;
    im.subject = subject;
    im.text = text;
    im.method = method;
    im.ical = ical;
    if ((rv = eas_email_imip(&im, &m, r->pool, &err)) == APR_SUCCESS)
        rv = submit(ctx, st, &m, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, EASLOGNO(01700)
                      "%s: the meeting %s of %s to %d address(es) was not "
                      "sent: %s", ctx->req->cmd->name, method,
                      ctx->user->login, to ? to->nelts : 0,
                      err ? err : "the store refused it");
        return rv;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(01701)
                  "%s: sent the meeting %s %s of %s to %d address(es)",
                  ctx->req->cmd->name, method, m.message_id,
                  ctx->user->login, to->nelts);
    return APR_SUCCESS;
}

/* ---- the organizer's changes from Sync ---- */

/* Whether mail is to go for the events of folder (logged when not). */
static int mail_wanted(eas_ctx_t *ctx, eas_store_t *st, const char *folder)
{
    request_rec *r = ctx->req->r;

    if (!eas_mailops_conf(r)->meeting_mail || !ctx->user->email)
        return 0;
    if (st->backend->schedules && st->backend->schedules(st, folder,
                                                         r->pool)) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, EASLOGNO(01702)
                      "folder %s of %s: the server schedules itself (RFC "
                      "6638): no meeting mail from here", folder,
                      ctx->user->login);
        return 0;
    }
    return 1;
}

void eas_meeting_before_add(eas_ctx_t *ctx, eas_blob_t *item)
{
    eas_pim_opts_t o;
    eas_blob_t out;

    eas_meeting_opts(ctx, &o);
    if (eas_meeting_claim(item, &o, &out, ctx->req->r->pool))
        *item = out;
}

int eas_meeting_before_change(eas_ctx_t *ctx, eas_store_t *st,
                              const char *folder, const eas_blob_t *old,
                              eas_blob_t *item)
{
    eas_pim_opts_t o;
    eas_blob_t out;
    apr_pool_t *p = ctx->req->r->pool;

    eas_meeting_opts(ctx, &o);
    if (!eas_mailops_conf(ctx->req->r)->meeting_mail
        || !(eas_meeting_organized(old, &o, p)
             || eas_meeting_organized(item, &o, p)))
        return 0;
    if (!eas_meeting_bump(old, item, &o, &out, p))
        return 0;
    *item = out;
    return 1;
}

static const char *subject_of(const eas_blob_t *ical, const char *prefix,
                              apr_pool_t *p)
{
    eas_meeting_info_t mi;
    const char *err;

    if (eas_meeting_info(ical, &mi, &err, p) != APR_SUCCESS || !mi.summary)
        return prefix;
    return apr_pstrcat(p, prefix, ": ", mi.summary, NULL);
}

static void mail_itip(eas_ctx_t *ctx, eas_store_t *st, const eas_blob_t *ev,
                      int cancel, const apr_array_header_t *only)
{
    apr_pool_t *p = ctx->req->r->pool;
    apr_array_header_t *rcpts;
    eas_pim_opts_t o;
    eas_blob_t itip;
    const char *err = NULL;

    eas_meeting_opts(ctx, &o);
    if (eas_meeting_itip(ev, cancel, &o, &itip, &rcpts, &err, p)
        != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, ctx->req->r,
                      EASLOGNO(01703) "Sync: no meeting mail for an event "
                      "of %s: %s", ctx->user->login, err ? err : "?");
        return;
    }
    if (only)
        rcpts = (apr_array_header_t *)only;
    if (rcpts->nelts)
        eas_meeting_send(ctx, st, cancel ? "CANCEL" : "REQUEST",
                         subject_of(ev, cancel ? "Canceled" : "Invitation",
                                    p),
                         cancel ? "This meeting has been canceled.\n"
                                : "You are invited to this meeting.\n",
                         rcpts, &itip);
}

void eas_meeting_after_write(eas_ctx_t *ctx, eas_store_t *st,
                             const char *folder, const eas_blob_t *old,
                             const eas_blob_t *now, int due)
{
    apr_pool_t *p = ctx->req->r->pool;
    apr_array_header_t *gone;
    eas_pim_opts_t o;

    if (!due || !mail_wanted(ctx, st, folder))
        return;
    eas_meeting_opts(ctx, &o);
    if (!now) {
        if (old && eas_meeting_organized(old, &o, p))
            mail_itip(ctx, st, old, 1, NULL);
        return;
    }
    if (old && eas_meeting_organized(old, &o, p)) {
        gone = eas_meeting_removed(old, now, &o, p);
        if (gone->nelts)
            mail_itip(ctx, st, old, 1, gone);
    }
    if (eas_meeting_organized(now, &o, p))
        mail_itip(ctx, st, now, 0, NULL);
}
