/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An invitation or cancellation in mail as ActiveSync sees it: the
 * Email:MeetingRequest element (MS-ASEMAIL 2.2.2.48) made from the
 * message's text/calendar part (iMIP, RFC 6047), with the Calendar
 * converter's helpers for times, the TimeZone blob and the recurrence.
 * Times are dateTime values (MS-ASDTYPE 2.3), the Reminder in seconds
 * (MS-ASEMAIL 2.2.2.63), the Recurrence in the Email namespace.
 */
#include "pim_meeting.h"
#include "pim_calendar.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

/* EAS MeetingMessageType (MS-ASEMAIL 2.2.2.47) */
#define MMT_UNSPECIFIED 0
#define MMT_INITIAL 1
#define MMT_FULL_UPDATE 2

static const char *method_of(icalcomponent *vcal)
{
    icalproperty *m = icalcomponent_get_first_property(vcal,
                                                       ICAL_METHOD_PROPERTY);

    return m ? icalproperty_get_value_as_string(m) : NULL;
}

static int sequence_of(icalcomponent *ev)
{
    icalproperty *s = icalcomponent_get_first_property(ev,
                                                       ICAL_SEQUENCE_PROPERTY);

    return s ? icalproperty_get_sequence(s) : 0;
}

static const char *organizer_of(icalcomponent *ev, const char **cn)
{
    icalproperty *org = icalcomponent_get_first_property(
        ev, ICAL_ORGANIZER_PROPERTY);
    icalparameter *n = org ? icalproperty_get_first_parameter(
        org, ICAL_CN_PARAMETER) : NULL;

    if (cn)
        *cn = n ? icalparameter_get_cn(n) : NULL;
    return org ? eas_cal_addr(icalproperty_get_organizer(org)) : NULL;
}

apr_status_t eas_meeting_info(const eas_blob_t *ical, eas_meeting_info_t *mi,
                              const char **err, apr_pool_t *p)
{
    eas_pim_opts_t o;
    eas_cal_t c;
    icalproperty *a;
    apr_status_t rv;

    memset(&o, 0, sizeof o);
    memset(mi, 0, sizeof *mi);
    if ((rv = eas_cal_parse(&c, ical, ICAL_VEVENT_COMPONENT, &o, err, p)))
        return rv;
    mi->method = apr_pstrdup(p, method_of(c.vcal));
    mi->uid = apr_pstrdup(p, eas_cal_text(c.master, ICAL_UID_PROPERTY));
    mi->summary = apr_pstrdup(p, eas_cal_text(c.master,
                                              ICAL_SUMMARY_PROPERTY));
    mi->organizer = apr_pstrdup(p, organizer_of(c.master, NULL));
    mi->sequence = sequence_of(c.master);
    mi->occurrence = icalcomponent_get_first_property(
        c.master, ICAL_RECURRENCEID_PROPERTY) != NULL;
    for (a = icalcomponent_get_first_property(c.master,
                                              ICAL_ATTENDEE_PROPERTY);
         a; a = icalcomponent_get_next_property(c.master,
                                                ICAL_ATTENDEE_PROPERTY))
        mi->attendees++;
    return APR_SUCCESS;
}

/* ---- the MeetingRequest element ---- */

static void put_time(eas_wbxml_enc_t *enc, eas_tag_t tag, apr_time_t t,
                     apr_pool_t *p)
{
    eas_enc_str(enc, tag, eas_pim_time_ext(t, p));
}

static apr_time_t dtstamp(eas_cal_t *c)
{
    icalproperty *st = icalcomponent_get_first_property(
        c->master, ICAL_DTSTAMP_PROPERTY);
    apr_time_t t = st ? eas_cal_utc(icalproperty_get_dtstamp(st), NULL) : 0;

    return t ? t : c->o->now;
}

/* 0 single, 1 series, 3 an exception (an occurrence of its own). */
static int instance_type(eas_cal_t *c, apr_time_t *rid)
{
    icalproperty *r = icalcomponent_get_first_property(
        c->master, ICAL_RECURRENCEID_PROPERTY);
    icaltimezone *z;
    struct icaltimetype t;

    if (r) {
        t = eas_cal_time(c, r, &z);
        *rid = eas_cal_utc(t, t.is_date ? c->user : z);
        return *rid ? 3 : 0;
    }
    return icalcomponent_get_first_property(c->master, ICAL_RRULE_PROPERTY)
           ? 1 : 0;
}

static const char *organizer_text(eas_cal_t *c)
{
    const char *cn, *addr = organizer_of(c->master, &cn);

    if (!addr || !*addr)
        return NULL;
    if (!cn || !*cn)
        return addr;
    return apr_psprintf(c->p, "\"%s\" <%s>", cn, addr);
}

/* The user's RSVP, else whether the organizer asks anyone for one. */
static int response_requested(eas_cal_t *c)
{
    icalproperty *a;
    icalparameter *r;
    int any = 0;

    for (a = icalcomponent_get_first_property(c->master,
                                              ICAL_ATTENDEE_PROPERTY);
         a; a = icalcomponent_get_next_property(c->master,
                                                ICAL_ATTENDEE_PROPERTY)) {
        const char *addr = eas_cal_addr(icalproperty_get_attendee(a));
        int yes;

        r = icalproperty_get_first_parameter(a, ICAL_RSVP_PARAMETER);
        yes = r && icalparameter_get_rsvp(r) == ICAL_RSVP_TRUE;
        if (addr && c->o->user_email
            && strcasecmp(addr, c->o->user_email) == 0)
            return yes;
        any |= yes;
    }
    return any;
}

static int x_true(icalcomponent *ev, const char *name)
{
    icalproperty *x = eas_cal_x(ev, name);
    const char *v = x ? icalproperty_get_x(x) : NULL;

    return v && strcasecmp(v, "TRUE") == 0;
}

static int message_type(eas_cal_t *c, const char *method)
{
    if (!method || strcasecmp(method, "REQUEST") != 0)
        return MMT_UNSPECIFIED;
    return sequence_of(c->master) > 0 ? MMT_FULL_UPDATE : MMT_INITIAL;
}

static void write_recurrence(eas_wbxml_enc_t *enc, eas_cal_t *c,
                             const eas_cal_span_t *s)
{
    eas_recur_t r;

    if (eas_cal_series_rule(c, s, &r) != 0)
        return;
    eas_enc_start(enc, EAS_Email_Recurrences);
    eas_recur_write(enc, &eas_recur_email_tags, &r, c->o->version, c->p);
    eas_enc_end(enc);
}

static void write_tail(eas_wbxml_enc_t *enc, eas_cal_t *c,
                       const eas_cal_span_t *s, const char *method)
{
    int sens = eas_cal_sensitivity(c->master);
    const char *uid = eas_cal_text(c->master, ICAL_UID_PROPERTY);
    const char *goid = uid ? eas_goid_from_uid(uid, c->p) : NULL;
    eas_tzinfo_t ti;

    eas_enc_int(enc, EAS_Email_Sensitivity, sens >= 0 ? sens : 0);
    eas_enc_int(enc, EAS_Email_BusyStatus, eas_cal_busy(c->master, 141));
    eas_tz_info_from_zone(s->zone == icaltimezone_get_utc_timezone() ? NULL
                          : s->zone, s->dtstart.year, &ti);
    eas_enc_str(enc, EAS_Email_TimeZone, eas_tz_encode(&ti, c->p));
    if (goid)
        eas_enc_str(enc, EAS_Email_GlobalObjId, goid);
    if (c->o->version >= 140
        && x_true(c->master, "X-MICROSOFT-DISALLOW-COUNTER"))
        eas_enc_int(enc, EAS_Email_DisallowNewTimeProposal, 1);
    if (c->o->version >= 141)
        eas_enc_int(enc, EAS_Email2_MeetingMessageType,
                    message_type(c, method));
}

apr_status_t eas_meeting_write_request(eas_wbxml_enc_t *enc,
                                       const eas_blob_t *ical,
                                       const eas_pim_opts_t *o,
                                       const char **err, apr_pool_t *p)
{
    eas_cal_t c;
    eas_cal_span_t s;
    apr_time_t rid = 0;
    const char *loc, *org, *method;
    int minutes = -1, itype;
    apr_status_t rv;

    if ((rv = eas_cal_parse(&c, ical, ICAL_VEVENT_COMPONENT, o, err, p)))
        return rv;
    if (eas_cal_span(&c, c.master, &s) < 0) {
        *err = "event without a valid DTSTART";
        return APR_EINVAL;
    }
    method = method_of(c.vcal);
    itype = instance_type(&c, &rid);
    eas_enc_start(enc, EAS_Email_MeetingRequest);
    eas_enc_int(enc, EAS_Email_AllDayEvent, s.all_day);
    put_time(enc, EAS_Email_StartTime, s.start, p);
    put_time(enc, EAS_Email_DtStamp, dtstamp(&c), p);
    put_time(enc, EAS_Email_EndTime, s.end, p);
    eas_enc_int(enc, EAS_Email_InstanceType, itype);
    if ((loc = eas_cal_text(c.master, ICAL_LOCATION_PROPERTY)) && *loc)
        eas_enc_str(enc, EAS_Email_Location, loc);
    if ((org = organizer_text(&c)))
        eas_enc_str(enc, EAS_Email_Organizer, org);
    if (itype == 3)
        put_time(enc, EAS_Email_RecurrenceId, rid, p);
    if (eas_cal_alarm(c.master, &minutes) && minutes >= 0)
        eas_enc_int(enc, EAS_Email_Reminder, (long long)minutes * 60);
    eas_enc_int(enc, EAS_Email_ResponseRequested,
                (!method || strcasecmp(method, "CANCEL") != 0)
                && response_requested(&c));
    if (itype == 1)
        write_recurrence(enc, &c, &s);
    write_tail(enc, &c, &s, method);
    eas_enc_end(enc);
    return APR_SUCCESS;
}
