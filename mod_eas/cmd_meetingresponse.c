/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MeetingResponse (MS-ASCMD 2.2.1.11): the user accepts (1), tentatively
 * accepts (2) or declines (3) a meeting, from its request in a mail
 * folder or from the event in a calendar.
 *
 * The event is looked up by UID in the calendar (the user's default
 * Calendar for a request mail, the event's own calendar otherwise), so
 * that answering twice, or from the mail and then from the calendar,
 * never makes a second event.  Accepted or tentative: the user's
 * PARTSTAT is set (the attendee matched by the user's address) and the
 * event written back over the version read (If-Match), or created from
 * the request when the calendar has none; CalendarId names it when the
 * answer came from the mail.  An
 * updated request (a SEQUENCE at least the calendar's) replaces the
 * calendar's copy.  Declined: the event leaves the calendar, as Exchange
 * does: iOS and Android clients are built against that and hide or drop
 * a declined meeting themselves, and a declined event kept on the server
 * would come back to them as a busy appointment (BusyStatus is the
 * organizer's, not the answer).  The request mail stays where it is: the
 * phone deletes it (MS-ASCMD 2.2.1.11 leaves that to the client).
 *
 * The REPLY (iTIP, RFC 5546 3.2.3) goes to the organizer only when the
 * request asks the server to send it (SendResponse, 16.x); a 12.x or 14.x
 * phone mails its own answer with SendMail, and a second one from here
 * would reach the organizer twice.
 *
 * An InstanceId (14.1) answers for one occurrence of a series in the
 * calendar: its override gets the answer (made from the series when
 * missing); a declined occurrence leaves the series (EXDATE).
 *
 * Result Status (MS-ASCMD 2.2.3.177.9): 1 done; 2 an unknown RequestId,
 * a mail without a meeting request, an event the user organizes, a bad
 * UserResponse, an InstanceId on a mail, before 14.1 or naming no
 * occurrence; 3 the calendar cannot be reached or the store is down
 * (transient); 4 the calendar refused the write or the user has no
 * calendar.
 */
#include "mod_eas.h"
#include "context.h"
#include "folder_state.h"
#include "meeting.h"
#include "pim_meeting.h"
#include "response.h"
#include "server_id.h"
#include "sync_conf.h"

#include <apr_strings.h>

#define T(name) EAS_MeetingResponse_##name

enum { MR_OK = 1, MR_INVALID = 2, MR_MAILBOX = 3, MR_SERVER = 4 };

/* One Request and what came of it. */
typedef struct {
    int response;               /* EAS_MEETING_* */
    const char *request_id;
    const char *collection;
    const char *instance;       /* 14.1 InstanceId, or NULL */
    apr_time_t when;            /* the InstanceId's time, 0: none */
    const eas_node_t *send;     /* 16.x SendResponse, or NULL */
    const char *calendar_id;    /* answered CalendarId */
    int from_calendar;          /* RequestId is an event, not a mail */
} mr_item_t;

/* What every Request of one command shares. */
typedef struct {
    eas_ctx_t *ctx;
    request_rec *r;
    eas_store_t *st;
    apr_array_header_t *folders;
    apr_array_header_t *addrs;  /* the user's addresses */
    eas_pim_opts_t o;
} mr_t;

/* The event found in a calendar. */
typedef struct {
    const char *folder, *item, *token;
    eas_blob_t data;
    int sequence;
} found_t;

static apr_status_t log_store(mr_t *m, apr_status_t rv, const char *what)
{
    if (rv != APR_SUCCESS && rv != APR_ENOENT)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, m->r, EASLOGNO(01710)
                      "MeetingResponse of %s: %s failed", m->ctx->user->login,
                      what);
    return rv;
}

static int store_status(apr_status_t rv)
{
    return rv == EAS_EUNAVAIL || rv == EAS_ECONFLICT ? MR_MAILBOX : MR_SERVER;
}

/* ---- the event by UID ---- */

/* Whether item is the event with this UID (read into f). */
static int is_event(mr_t *m, const char *folder, const eas_item_ref_t *ref,
                    const char *uid, found_t *f)
{
    eas_meeting_info_t mi;
    const char *err;
    eas_blob_t b;

    if (m->st->backend->fetch(m->st, folder, ref->id, &b, m->r->pool)
        != APR_SUCCESS)
        return 0;
    /* a UID short enough not to be folded is in the text as it is */
    if (strlen(uid) < 60 && !memmem(b.data, b.len, uid, strlen(uid))
        && strncmp(uid, "040000008200", 12) != 0)
        return 0;
    if (eas_meeting_info(&b, &mi, &err, m->r->pool) != APR_SUCCESS
        || !eas_meeting_same_uid(mi.uid, uid))
        return 0;
    f->folder = folder;
    f->item = ref->id;
    f->token = ref->token;
    f->data = b;
    f->sequence = mi.sequence;
    return 1;
}

/* The server's candidates for uid (find_uid), with their tokens. */
static apr_status_t candidates(mr_t *m, const char *folder, const char *uid,
                               apr_array_header_t **items)
{
    apr_array_header_t *ids;
    eas_item_ref_t ref;
    apr_status_t rv;
    int i;

    if (!m->st->backend->find_uid)
        return APR_ENOTIMPL;
    rv = m->st->backend->find_uid(m->st, folder, uid, &ids, m->r->pool);
    if (rv != APR_SUCCESS)
        return rv;
    *items = apr_array_make(m->r->pool, ids->nelts, sizeof(eas_item_ref_t));
    for (i = 0; i < ids->nelts; i++)
        if (m->st->backend->stat(m->st, folder, APR_ARRAY_IDX(ids, i,
                                 const char *), &ref, m->r->pool)
            == APR_SUCCESS)
            APR_ARRAY_PUSH(*items, eas_item_ref_t) = ref;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, m->r, EASLOGNO(01716)
                  "MeetingResponse: the server names %d item(s) of folder "
                  "%s for the UID", (*items)->nelts, folder);
    return APR_SUCCESS;
}

/*
 * The event of uid in folder: APR_SUCCESS, APR_ENOENT, or a failure.
 * The server is asked by UID where it can be (a CalDAV calendar-query),
 * else the folder is listed and read.
 */
static apr_status_t find_event(mr_t *m, const char *folder, const char *uid,
                               found_t *f)
{
    apr_array_header_t *items;
    apr_status_t rv;
    int i;

    rv = candidates(m, folder, uid, &items);
    if (rv == APR_ENOTIMPL)
        rv = m->st->backend->list(m->st, folder, NULL, &items, m->r->pool);
    if (rv != APR_SUCCESS)
        return log_store(m, rv, "listing the calendar");
    for (i = 0; i < items->nelts; i++)
        if (is_event(m, folder, &APR_ARRAY_IDX(items, i, eas_item_ref_t),
                     uid, f))
            return APR_SUCCESS;
    return APR_ENOENT;
}

/* ---- writing the answer ---- */

/*
 * The event another request made since this one looked (two devices
 * answering at once): a CalDAV server refuses a second event of one UID
 * in a calendar (RFC 4791 5.3.2.1, no-uid-conflict, which the store
 * reports as a conflict), and the answer then goes onto the one there.
 */
static found_t *made_meanwhile(mr_t *m, const char *calendar,
                               const eas_blob_t *base)
{
    found_t *f = apr_pcalloc(m->r->pool, sizeof(*f));
    eas_meeting_info_t mi;
    const char *err;

    if (eas_meeting_info(base, &mi, &err, m->r->pool) != APR_SUCCESS
        || !mi.uid || find_event(m, calendar, mi.uid, f) != APR_SUCCESS)
        return NULL;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, m->r, EASLOGNO(01717)
                  "MeetingResponse: the event was made meanwhile by "
                  "another request; answering onto it");
    return f;
}

static int write_answer(mr_t *m, mr_item_t *it, const char *calendar,
                        found_t *f, const eas_blob_t *base,
                        const char **attendee)
{
    const char *err = NULL, *id = NULL, *token;
    eas_blob_t out;
    apr_status_t rv;

    if (eas_meeting_answer(base, m->addrs, it->response, it->when, &m->o,
                           &out, attendee, &err, m->r->pool)
        != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, m->r, EASLOGNO(01711)
                      "MeetingResponse %s: not a usable meeting (%s): "
                      "Status 2", it->request_id, err ? err : "?");
        return MR_INVALID;
    }
    if (f) {
        rv = m->st->backend->replace(m->st, f->folder, f->item, &out,
                                     f->token, &token, m->r->pool);
        id = f->item;
    }
    else {
        rv = m->st->backend->add(m->st, calendar, &out, 0, &id, &token,
                                 m->r->pool);
        if (rv == EAS_ECONFLICT && (f = made_meanwhile(m, calendar, base)))
            return write_answer(m, it, calendar, f, base, attendee);
    }
    if (rv != APR_SUCCESS) {
        log_store(m, rv, f ? "writing the event" : "adding the event");
        return store_status(rv);
    }
    /* only an Inbox answer names the event (MS-ASCMD 2.2.3.18) */
    if (!it->from_calendar)
        it->calendar_id = eas_server_id(m->r->pool, f ? f->folder : calendar,
                                        id);
    return MR_OK;
}

static int remove_event(mr_t *m, found_t *f)
{
    apr_status_t rv = m->st->backend->remove(m->st, f->folder, f->item,
                                             f->token, m->r->pool);

    if (rv == APR_SUCCESS || rv == APR_ENOENT)
        return MR_OK;
    log_store(m, rv, "removing the declined event");
    return store_status(rv);
}

/* ---- the REPLY ---- */

static const char *reply_text(const mr_item_t *it, apr_pool_t *p)
{
    const char *note = it->send ? eas_node_text(
        eas_node_child(it->send, EAS_AirSyncBase_Body),
        EAS_AirSyncBase_Data) : NULL;
    static const char *const said[] = {
        NULL, "accepted", "tentatively accepted", "declined" };

    return note && *note ? note
           : apr_psprintf(p, "The invitation was %s.\n", said[it->response]);
}

static void send_reply(mr_t *m, const mr_item_t *it, const eas_blob_t *ev,
                       const char *attendee)
{
    static const char *const prefix[] = {
        NULL, "Accepted", "Tentative", "Declined" };
    apr_array_header_t *to = apr_array_make(m->r->pool, 1,
                                            sizeof(const char *));
    eas_meeting_info_t mi;
    const char *err = NULL;
    eas_blob_t reply;

    if (eas_meeting_info(ev, &mi, &err, m->r->pool) != APR_SUCCESS
        || !mi.organizer || !attendee
        || eas_meeting_reply(ev, attendee, it->response, it->when, &m->o,
                             &reply, &err, m->r->pool) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, m->r, EASLOGNO(01712)
                      "MeetingResponse %s: no reply can be sent (%s)",
                      it->request_id, err ? err : "no organizer");
        return;
    }
    *(const char **)apr_array_push(to) = mi.organizer;
    eas_meeting_send(m->ctx, m->st, "REPLY",
                     mi.summary ? apr_pstrcat(m->r->pool,
                         prefix[it->response], ": ", mi.summary, NULL)
                                : prefix[it->response],
                     reply_text(it, m->r->pool), to, &reply);
}

/* ---- one Request ---- */

static int invalid(mr_t *m, const mr_item_t *it, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, m->r, EASLOGNO(01713)
                  "MeetingResponse '%s' of %s: %s: Status 2",
                  it->request_id ? it->request_id : "", m->ctx->user->login,
                  why);
    return MR_INVALID;
}

/* The meeting of a request mail: its calendar part. */
static int from_mail(mr_t *m, const mr_item_t *it, const eas_blob_t *msg,
                     eas_blob_t *cal, eas_meeting_info_t *mi)
{
    const char *err;

    if (it->instance)
        return invalid(m, it, "InstanceId on a meeting request mail");
    if (eas_email_calendar(msg, cal, m->r->pool) != APR_SUCCESS)
        return invalid(m, it, "the mail has no meeting request");
    if (eas_meeting_info(cal, mi, &err, m->r->pool) != APR_SUCCESS
        || !mi->uid || !mi->method || strcasecmp(mi->method, "REQUEST"))
        return invalid(m, it, "the mail's calendar part is not a request");
    return MR_OK;
}

static int answer(mr_t *m, mr_item_t *it, const char *calendar,
                  const eas_blob_t *request, found_t *f, int have)
{
    const eas_blob_t *base = have ? &f->data : request;
    const char *attendee = NULL;
    eas_meeting_info_t mi;
    const char *err;
    int status = MR_OK;

    /* an updated request replaces the calendar's copy (not one for a
       single occurrence: the series would be lost) */
    if (have && request && eas_meeting_info(request, &mi, &err, m->r->pool)
                == APR_SUCCESS && mi.sequence >= f->sequence
        && !mi.occurrence)
        base = request;
    /* a declined meeting leaves the calendar; a declined occurrence
       leaves its series (write_answer) */
    if (it->response == EAS_MEETING_DECLINE && !it->when) {
        const char *dummy;
        eas_blob_t out;

        if (have)
            status = remove_event(m, f);
        eas_meeting_answer(base, m->addrs, it->response, 0, &m->o, &out,
                           &attendee, &dummy, m->r->pool);
    }
    else
        status = write_answer(m, it, calendar, have ? f : NULL, base,
                              &attendee);
    if (status == MR_OK && it->send)
        send_reply(m, it, base, attendee);
    return status;
}

/* The item the RequestId names, read into *data: MR_OK or a status. */
static int load_item(mr_t *m, mr_item_t *it, const eas_folder_t **fl,
                     const char **item, eas_blob_t *data)
{
    const char *folder;
    apr_status_t rv;

    if (it->response < 1 || it->response > 3)
        return invalid(m, it, "UserResponse is not 1, 2 or 3");
    if (it->instance && (m->ctx->req->version < 141
                         || eas_pim_parse_time(it->instance, &it->when) < 0
                         || !it->when))
        return invalid(m, it, "InstanceId before 14.1, or not a time");
    if (!it->request_id
        || !eas_server_id_split(m->r->pool, it->request_id, &folder, item)
        || !(*fl = eas_folder_find(m->folders, folder)))
        return invalid(m, it, "no such item");
    it->from_calendar = (*fl)->cls == EAS_CLASS_CALENDAR;
    if ((*fl)->cls != EAS_CLASS_EMAIL && !it->from_calendar)
        return invalid(m, it, "not a mail or an event");
    rv = m->st->backend->fetch(m->st, folder, *item, data, m->r->pool);
    if (rv == APR_ENOENT)
        return invalid(m, it, "no such item");
    if (rv != APR_SUCCESS) {
        log_store(m, rv, "reading the item");
        return store_status(rv);
    }
    return MR_OK;
}

/* The meeting of the item (request: a mail's calendar part) and the
   calendar to answer in. */
static int meeting_of(mr_t *m, mr_item_t *it, const eas_folder_t *fl,
                      const eas_blob_t *data, eas_blob_t *request,
                      eas_meeting_info_t *mi, const eas_folder_t **cal)
{
    const char *err;
    int status;

    if (it->from_calendar) {
        if (eas_meeting_info(data, mi, &err, m->r->pool) != APR_SUCCESS)
            return invalid(m, it, "not an event");
        *cal = fl;
    }
    else if ((status = from_mail(m, it, data, request, mi)) != MR_OK)
        return status;
    else if (!(*cal = eas_folder_of_type(m->folders, EAS_FOLDER_CALENDAR))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, m->r, EASLOGNO(01714)
                      "MeetingResponse: %s has no Calendar folder to keep "
                      "the meeting in: Status 4", m->ctx->user->login);
        return MR_SERVER;
    }
    if (mi->organizer && m->o.user_email
        && strcasecmp(mi->organizer, m->o.user_email) == 0)
        return invalid(m, it, "the user organizes this meeting");
    return MR_OK;
}

static int respond(mr_t *m, mr_item_t *it)
{
    const eas_folder_t *fl = NULL, *cal = NULL;
    const char *item;
    eas_meeting_info_t mi;
    eas_blob_t data, request;
    found_t f;
    apr_status_t rv = APR_ENOENT;
    int status;

    if ((status = load_item(m, it, &fl, &item, &data)) != MR_OK
        || (status = meeting_of(m, it, fl, &data, &request, &mi, &cal))
           != MR_OK)
        return status;
    if (mi.uid && *mi.uid
        && (rv = find_event(m, cal->id, mi.uid, &f)) != APR_SUCCESS
        && rv != APR_ENOENT)
        return store_status(rv);
    if (it->from_calendar && rv == APR_ENOENT) {
        /* the event has no UID we can find it by: answer in place */
        f.folder = fl->id;
        f.item = item;
        f.token = NULL;
        f.data = data;
        f.sequence = mi.sequence;
        rv = APR_SUCCESS;
    }
    return answer(m, it, cal->id, it->from_calendar ? NULL : &request, &f,
                  rv == APR_SUCCESS);
}

/* ---- the command ---- */

static void read_request(const eas_node_t *n, mr_item_t *it, apr_pool_t *p)
{
    const char *u = eas_node_text(n, T(UserResponse));

    memset(it, 0, sizeof *it);
    it->response = u ? atoi(u) : 0;
    it->request_id = eas_node_text(n, T(RequestId));
    it->collection = eas_node_text(n, T(CollectionId));
    it->instance = eas_node_text(n, T(InstanceId));
    it->send = eas_node_child(n, T(SendResponse));
    /* a bare item id with its CollectionId */
    if (it->request_id && it->collection && !strchr(it->request_id, ':'))
        it->request_id = apr_pstrcat(p, it->collection, ":",
                                     it->request_id, NULL);
}

static apr_array_header_t *addresses(eas_ctx_t *ctx, apr_pool_t *p)
{
    apr_array_header_t *a = apr_array_make(p, 2, sizeof(const char *));

    if (ctx->user->email)
        *(const char **)apr_array_push(a) = ctx->user->email;
    if (strchr(ctx->user->login, '@'))
        *(const char **)apr_array_push(a) = ctx->user->login;
    return a;
}

static int count_requests(const eas_node_t *root)
{
    const eas_node_t *n;
    int k = 0;

    for (n = eas_node_child(root, T(Request)); n;
         n = eas_node_next(n, T(Request)))
        k++;
    return k;
}

static void write_result(eas_wbxml_enc_t *e, const mr_item_t *it, int status)
{
    eas_enc_start(e, T(Result));
    eas_enc_str(e, T(RequestId), it->request_id ? it->request_id : "");
    eas_enc_int(e, T(Status), status);
    if (status == MR_OK && it->calendar_id)
        eas_enc_str(e, T(CalendarId), it->calendar_id);
    eas_enc_end(e);
}

int eas_cmd_meetingresponse(eas_request_t *req)
{
    int n = count_requests(req->tree), rc;
    eas_response_t *resp;
    eas_wbxml_enc_t *e;
    const eas_node_t *rq;
    mr_t m;

    if (n == 0 || n > eas_sync_conf(req->r)->max_window) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, EASLOGNO(01715)
                      "MeetingResponse with %d requests (1 to %d allowed by "
                      "EASMaxWindowSize)", n,
                      eas_sync_conf(req->r)->max_window);
        return eas_response_malformed(req, EAS_STATUS_INVALID_XML);
    }
    memset(&m, 0, sizeof m);
    m.ctx = req->ctx;
    m.r = req->r;
    if ((rc = eas_ctx_store(m.ctx, &m.st)) != OK)
        return rc;
    if (!(m.folders = eas_folder_list(m.ctx)))
        return HTTP_SERVICE_UNAVAILABLE;        /* logged */
    m.addrs = addresses(m.ctx, req->r->pool);
    eas_meeting_opts(m.ctx, &m.o);
    resp = eas_response_start(req);
    e = eas_response_enc(resp);
    eas_enc_start(e, T(MeetingResponse));
    for (rq = eas_node_child(req->tree, T(Request)); rq;
         rq = eas_node_next(rq, T(Request))) {
        mr_item_t it;

        read_request(rq, &it, req->r->pool);
        write_result(e, &it, respond(&m, &it));
    }
    eas_enc_end(e);
    return eas_response_finish(resp);
}
