/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Calendar converter (MS-ASCAL 2.2.2), writing: an iCalendar VEVENT
 * (RFC 5545) as the appointment properties of <ApplicationData>.
 *
 * Times go in UTC (compact form) with the TimeZone of the event's zone in
 * force in the event's year (UTC and floating events: the user's zone).
 * An all-day event (DTSTART;VALUE=DATE) is sent as the user's local
 * midnights with the user's zone, as Exchange does.  The series' RRULE
 * becomes Recurrence, each EXDATE an Exception with Deleted 1, each
 * overriding VEVENT (RECURRENCE-ID) an Exception with what differs from
 * the master.  A rule EAS cannot say is not sent at all: the phone shows
 * the first occurrence, and pim_calendar_read.c keeps the server's rule
 * when the phone changes the event, so nothing is invented or lost.
 */
#include "pim_calendar.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <string.h>
#include <strings.h>

int eas_cal_span(eas_cal_t *c, icalcomponent *ev, eas_cal_span_t *s)
{
    icalproperty *ps = icalcomponent_get_first_property(ev,
                                                        ICAL_DTSTART_PROPERTY);
    icalproperty *pe = icalcomponent_get_first_property(ev,
                                                        ICAL_DTEND_PROPERTY);
    icalproperty *pd = icalcomponent_get_first_property(ev,
                                                        ICAL_DURATION_PROPERTY);
    struct icaltimetype e;
    icaltimezone *ez;

    s->dtstart = eas_cal_time(c, ps, &s->zone);
    if (icaltime_is_null_time(s->dtstart))
        return -1;
    s->all_day = s->dtstart.is_date;
    if (s->all_day)
        s->zone = c->user;
    s->start = eas_cal_utc(s->dtstart, s->zone);
    e = eas_cal_time(c, pe, &ez);
    if (!icaltime_is_null_time(e))
        s->end = eas_cal_utc(e, s->all_day ? c->user : ez);
    else {
        e = s->dtstart;
        if (pd)
            e = icaltime_add(e, icalproperty_get_duration(pd));
        else if (s->all_day)
            icaltime_adjust(&e, 1, 0, 0, 0);
        s->end = eas_cal_utc(e, s->zone);
    }
    if (s->end < s->start)
        s->end = s->start;
    return 0;
}

const char *eas_cal_text(icalcomponent *e, icalproperty_kind kind)
{
    icalproperty *prop = e ? icalcomponent_get_first_property(e, kind) : NULL;
    icalvalue *v = prop ? icalproperty_get_value(prop) : NULL;

    return v && icalvalue_isa(v) == ICAL_TEXT_VALUE ? icalvalue_get_text(v)
                                                    : NULL;
}

/* Whether an override's property differs from the master's. */
static int differs(icalcomponent *ev, icalcomponent *master,
                   icalproperty_kind kind)
{
    const char *a = eas_cal_text(ev, kind), *b;

    if (!master)
        return a != NULL;
    b = eas_cal_text(master, kind);
    return (a || b) && (!a || !b || strcmp(a, b) != 0);
}

int eas_cal_busy(icalcomponent *ev, int version)
{
    static const char *names[] = { "FREE", "TENTATIVE", "BUSY", "OOF",
                                   "WORKINGELSEWHERE" };
    icalproperty *x = eas_cal_x(ev, "X-MICROSOFT-CDO-BUSYSTATUS");
    icalproperty *tr = icalcomponent_get_first_property(ev,
                                                        ICAL_TRANSP_PROPERTY);
    const char *v = x ? icalproperty_get_x(x) : NULL;
    int i;

    for (i = 0; v && i < 5; i++)
        if (strcasecmp(v, names[i]) == 0)
            return i == 4 && version < 160 ? 2 : i;
    if (tr && icalproperty_get_transp(tr) == ICAL_TRANSP_TRANSPARENT)
        return 0;
    if (icalcomponent_get_status(ev) == ICAL_STATUS_TENTATIVE)
        return 1;
    return 2;
}

static int reminder(icalcomponent *ev)
{
    int m = -1;

    return eas_cal_alarm(ev, &m) ? m : -1;
}

static const char *organizer(icalcomponent *ev, const char **name)
{
    icalproperty *org = icalcomponent_get_first_property(ev,
                                                         ICAL_ORGANIZER_PROPERTY);
    icalparameter *cn = org ? icalproperty_get_first_parameter(org,
                                                  ICAL_CN_PARAMETER) : NULL;

    *name = cn ? icalparameter_get_cn(cn) : NULL;
    return org ? eas_cal_addr(icalproperty_get_organizer(org)) : NULL;
}

static int is_user(eas_cal_t *c, const char *addr)
{
    return addr && c->o->user_email
           && strcasecmp(addr, c->o->user_email) == 0;
}

static int meeting_status(eas_cal_t *c, icalcomponent *ev)
{
    const char *name, *org = organizer(ev, &name);
    int cancelled = icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED;

    if (!icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY))
        return cancelled ? 5 : 0;
    if (!org || !c->o->user_email || is_user(c, org))
        return cancelled ? 5 : 1;
    return cancelled ? 7 : 3;
}

/* PARTSTAT -> AttendeeStatus and ResponseType (5: not responded) */
int eas_cal_partstat(icalproperty *att)
{
    icalparameter *ps = icalproperty_get_first_parameter(att,
                                                ICAL_PARTSTAT_PARAMETER);

    switch (ps ? icalparameter_get_partstat(ps) : ICAL_PARTSTAT_NEEDSACTION) {
    case ICAL_PARTSTAT_ACCEPTED:
        return 3;
    case ICAL_PARTSTAT_TENTATIVE:
        return 2;
    case ICAL_PARTSTAT_DECLINED:
        return 4;
    case ICAL_PARTSTAT_NEEDSACTION:
        return 5;
    default:
        return 0;
    }
}

/* ROLE and CUTYPE -> AttendeeType: 1 required, 2 optional, 3 resource */
int eas_cal_attendee_type(icalproperty *att)
{
    icalparameter *role = icalproperty_get_first_parameter(att,
                                                ICAL_ROLE_PARAMETER);
    icalparameter *cu = icalproperty_get_first_parameter(att,
                                                ICAL_CUTYPE_PARAMETER);

    if (cu && (icalparameter_get_cutype(cu) == ICAL_CUTYPE_RESOURCE
               || icalparameter_get_cutype(cu) == ICAL_CUTYPE_ROOM))
        return 3;
    if (role && (icalparameter_get_role(role) == ICAL_ROLE_OPTPARTICIPANT
                 || icalparameter_get_role(role) == ICAL_ROLE_NONPARTICIPANT))
        return 2;
    return 1;
}

static void write_attendee(eas_wbxml_enc_t *enc, icalproperty *att,
                           int version)
{
    icalparameter *cn = icalproperty_get_first_parameter(att,
                                                         ICAL_CN_PARAMETER);
    const char *addr = eas_cal_addr(icalproperty_get_attendee(att));

    eas_enc_start(enc, EAS_Calendar_Attendee);
    eas_enc_str(enc, EAS_Calendar_Email, addr ? addr : "");
    eas_enc_str(enc, EAS_Calendar_Name,
                cn && icalparameter_get_cn(cn) ? icalparameter_get_cn(cn)
                : addr ? addr : "");
    if (version >= 120) {
        eas_enc_int(enc, EAS_Calendar_AttendeeStatus, eas_cal_partstat(att));
        eas_enc_int(enc, EAS_Calendar_AttendeeType, eas_cal_attendee_type(att));
    }
    eas_enc_end(enc);
}

static void write_attendees(eas_wbxml_enc_t *enc, eas_cal_t *c,
                            icalcomponent *ev)
{
    icalproperty *att;
    int n = 0;

    for (att = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
         att; att = icalcomponent_get_next_property(ev,
                                                    ICAL_ATTENDEE_PROPERTY)) {
        if (c->o->max_attendees && n >= c->o->max_attendees)
            break;
        if (!n++)
            eas_enc_start(enc, EAS_Calendar_Attendees);
        write_attendee(enc, att, c->o->version);
    }
    if (n)
        eas_enc_end(enc);
}

/* A string of an event's attendees, to tell whether an override's differ. */
static const char *attendee_key(icalcomponent *ev, apr_pool_t *p)
{
    icalproperty *att;
    const char *k = "";

    for (att = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
         att; att = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY))
        k = apr_psprintf(p, "%s|%s/%d/%d", k, icalproperty_get_attendee(att),
                         eas_cal_partstat(att), eas_cal_attendee_type(att));
    return k;
}

static void write_text(eas_wbxml_enc_t *enc, eas_tag_t tag,
                       icalcomponent *ev, icalcomponent *master,
                       icalproperty_kind kind)
{
    if (differs(ev, master, kind))
        eas_enc_str(enc, tag, eas_cal_text(ev, kind) ? eas_cal_text(ev, kind) : "");
}

static void write_location(eas_wbxml_enc_t *enc, eas_cal_t *c,
                           icalcomponent *ev, icalcomponent *master)
{
    const char *loc = eas_cal_text(ev, ICAL_LOCATION_PROPERTY);

    if (!differs(ev, master, ICAL_LOCATION_PROPERTY))
        return;
    if (c->o->version < 160) {
        eas_enc_str(enc, EAS_Calendar_Location, loc ? loc : "");
        return;
    }
    eas_enc_start(enc, EAS_AirSyncBase_Location);
    eas_enc_str(enc, EAS_AirSyncBase_DisplayName, loc ? loc : "");
    eas_enc_end(enc);
}

static void write_body(eas_wbxml_enc_t *enc, eas_cal_t *c,
                       icalcomponent *ev, icalcomponent *master)
{
    const char *d = eas_cal_text(ev, ICAL_DESCRIPTION_PROPERTY);

    if (differs(ev, master, ICAL_DESCRIPTION_PROPERTY) && d)
        eas_pim_write_body(enc, d, strlen(d), c->o, c->p);
}

/* What only the event itself (not an exception) has. */
static void write_master_only(eas_wbxml_enc_t *enc, eas_cal_t *c,
                              icalcomponent *ev)
{
    const char *name, *org = organizer(ev, &name);
    icalproperty *st = icalcomponent_get_first_property(ev,
                                                        ICAL_DTSTAMP_PROPERTY);
    apr_time_t stamp = st ? eas_cal_utc(icalproperty_get_dtstamp(st), NULL)
                          : c->o->now;

    if (org) {
        eas_enc_str(enc, EAS_Calendar_OrganizerName, name ? name : org);
        eas_enc_str(enc, EAS_Calendar_OrganizerEmail, org);
    }
    eas_enc_str(enc, EAS_Calendar_DtStamp,
                eas_pim_time_compact(stamp ? stamp : c->o->now, c->p));
}

void eas_cal_write_fields(eas_wbxml_enc_t *enc, eas_cal_t *c,
                          icalcomponent *ev, icalcomponent *master,
                          icaltimezone *zone)
{
    eas_cal_span_t s, ms;
    int v = c->o->version;
    int ms_ok = master && eas_cal_span(c, master, &ms) == 0;

    (void)zone;
    if (eas_cal_span(c, ev, &s) < 0)
        return;
    if (master && (!ms_ok || ms.all_day != s.all_day))
        eas_enc_int(enc, EAS_Calendar_AllDayEvent, s.all_day);
    write_body(enc, c, ev, master);
    if (!master || eas_cal_busy(ev, v) != eas_cal_busy(master, v))
        eas_enc_int(enc, EAS_Calendar_BusyStatus, eas_cal_busy(ev, v));
    if (!master)
        write_master_only(enc, c, ev);
    eas_enc_str(enc, EAS_Calendar_EndTime, eas_pim_time_compact(s.end, c->p));
    write_location(enc, c, ev, master);
    if (reminder(ev) >= 0 && (!master || reminder(ev) != reminder(master)))
        eas_enc_int(enc, EAS_Calendar_Reminder, reminder(ev));
    if (eas_cal_sensitivity(ev) >= 0
        && (!master || eas_cal_sensitivity(ev) != eas_cal_sensitivity(master)))
        eas_enc_int(enc, EAS_Calendar_Sensitivity, eas_cal_sensitivity(ev));
    write_text(enc, EAS_Calendar_Subject, ev, master, ICAL_SUMMARY_PROPERTY);
    eas_enc_str(enc, EAS_Calendar_StartTime,
                eas_pim_time_compact(s.start, c->p));
    if (!master && eas_cal_text(ev, ICAL_UID_PROPERTY))
        eas_enc_str(enc, EAS_Calendar_UID, eas_cal_text(ev, ICAL_UID_PROPERTY));
    if (!master || meeting_status(c, ev) != meeting_status(c, master))
        eas_enc_int(enc, EAS_Calendar_MeetingStatus, meeting_status(c, ev));
    if (!master || (v >= 140 && strcmp(attendee_key(ev, c->p),
                                       attendee_key(master, c->p)) != 0))
        write_attendees(enc, c, ev);
    if (!master)
        eas_cal_write_categories(enc, ev, EAS_Calendar_Categories,
                                 EAS_Calendar_Category);
}

/* ---- exceptions ---- */

/* UTC of an EXDATE or RECURRENCE-ID: its own zone, else the series'. */
static apr_time_t instance_utc(eas_cal_t *c, icalproperty *prop,
                               icaltimezone *zone, int all_day)
{
    icaltimezone *z;
    struct icaltimetype t = eas_cal_time(c, prop, &z);
    int own = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER)
              != NULL;

    if (icaltime_is_null_time(t))
        return 0;
    return eas_cal_utc(t, all_day || t.is_date ? c->user : own ? z : zone);
}

static int first_time(apr_hash_t *seen, apr_time_t t, apr_pool_t *p)
{
    const char *k = apr_psprintf(p, "%" APR_TIME_T_FMT, t);

    if (apr_hash_get(seen, k, APR_HASH_KEY_STRING))
        return 0;
    apr_hash_set(seen, k, APR_HASH_KEY_STRING, k);
    return 1;
}

static void open_exceptions(eas_wbxml_enc_t *enc, int *open)
{
    if (!(*open)++)
        eas_enc_start(enc, EAS_Calendar_Exceptions);
}

static void write_deleted(eas_wbxml_enc_t *enc, eas_cal_t *c, apr_time_t t,
                          int *open)
{
    open_exceptions(enc, open);
    eas_enc_start(enc, EAS_Calendar_Exception);
    eas_enc_int(enc, EAS_Calendar_Deleted, 1);
    eas_enc_str(enc, EAS_Calendar_ExceptionStartTime,
                eas_pim_time_compact(t, c->p));
    eas_enc_end(enc);
}

static void write_overrides(eas_wbxml_enc_t *enc, eas_cal_t *c,
                            icaltimezone *zone, int all_day,
                            apr_hash_t *seen, int *open)
{
    icalcomponent *ov;
    icalproperty *rid;
    apr_time_t t;
    const char *uid = eas_cal_text(c->master, ICAL_UID_PROPERTY);

    for (ov = icalcomponent_get_first_component(c->vcal, ICAL_VEVENT_COMPONENT);
         ov; ov = icalcomponent_get_next_component(c->vcal,
                                                   ICAL_VEVENT_COMPONENT)) {
        rid = icalcomponent_get_first_property(ov, ICAL_RECURRENCEID_PROPERTY);
        if (ov == c->master || !rid || (uid && eas_cal_text(ov, ICAL_UID_PROPERTY)
                && strcmp(uid, eas_cal_text(ov, ICAL_UID_PROPERTY)) != 0))
            continue;
        t = instance_utc(c, rid, zone, all_day);
        if (!t || !first_time(seen, t, c->p))
            continue;
        if (icalcomponent_get_status(ov) == ICAL_STATUS_CANCELLED) {
            write_deleted(enc, c, t, open);
            continue;
        }
        open_exceptions(enc, open);
        eas_enc_start(enc, EAS_Calendar_Exception);
        eas_enc_str(enc, EAS_Calendar_ExceptionStartTime,
                    eas_pim_time_compact(t, c->p));
        eas_cal_write_fields(enc, c, ov, c->master, zone);
        eas_enc_end(enc);
    }
}

void eas_cal_write_exceptions(eas_wbxml_enc_t *enc, eas_cal_t *c,
                              icaltimezone *zone, int all_day)
{
    apr_hash_t *seen = apr_hash_make(c->p);
    icalproperty *ex;
    apr_time_t t;
    int open = 0;

    for (ex = icalcomponent_get_first_property(c->master,
                                               ICAL_EXDATE_PROPERTY);
         ex; ex = icalcomponent_get_next_property(c->master,
                                                  ICAL_EXDATE_PROPERTY)) {
        t = instance_utc(c, ex, zone, all_day);
        if (t && first_time(seen, t, c->p))
            write_deleted(enc, c, t, &open);
    }
    write_overrides(enc, c, zone, all_day, seen, &open);
    if (open)
        eas_enc_end(enc);
}

/* ---- the event ---- */

int eas_cal_series_rule(eas_cal_t *c, const eas_cal_span_t *s,
                        eas_recur_t *r)
{
    icalproperty *rr = icalcomponent_get_first_property(c->master,
                                                        ICAL_RRULE_PROPERTY);
    struct icalrecurrencetype rule;
    struct icaltimetype start = s->dtstart;

    if (!rr || icalcomponent_get_next_property(c->master, ICAL_RRULE_PROPERTY)
        || icalcomponent_get_first_property(c->master, ICAL_RDATE_PROPERTY))
        return -1;
    rule = icalproperty_get_rrule(rr);
    if (!start.is_date)
        start = eas_cal_local(s->start, s->zone);
    return eas_recur_from_rrule(&rule, start, s->zone, r);
}

/* The user's own answer to a meeting someone else organised. */
static void write_response(eas_wbxml_enc_t *enc, eas_cal_t *c)
{
    icalproperty *att;
    icalparameter *rsvp;
    int status = meeting_status(c, c->master);

    if (c->o->version < 140 || !(status == 3 || status == 7))
        return;
    for (att = icalcomponent_get_first_property(c->master,
                                                ICAL_ATTENDEE_PROPERTY); att;
         att = icalcomponent_get_next_property(c->master,
                                               ICAL_ATTENDEE_PROPERTY)) {
        if (!is_user(c, eas_cal_addr(icalproperty_get_attendee(att))))
            continue;
        rsvp = icalproperty_get_first_parameter(att, ICAL_RSVP_PARAMETER);
        eas_enc_int(enc, EAS_Calendar_ResponseRequested,
                    rsvp && icalparameter_get_rsvp(rsvp) == ICAL_RSVP_TRUE);
        eas_enc_int(enc, EAS_Calendar_ResponseType, eas_cal_partstat(att));
        return;
    }
}

static int x_true(icalcomponent *ev, const char *name)
{
    icalproperty *x = eas_cal_x(ev, name);
    const char *v = x ? icalproperty_get_x(x) : NULL;

    return v && strcasecmp(v, "TRUE") == 0;
}

static apr_status_t cal_write(eas_wbxml_enc_t *enc, const eas_blob_t *item,
                              const eas_pim_opts_t *o, const char **err,
                              apr_pool_t *p)
{
    eas_cal_t c;
    eas_tzinfo_t ti;
    eas_recur_t r;
    eas_cal_span_t s;
    apr_status_t rv;

    if ((rv = eas_cal_parse(&c, item, ICAL_VEVENT_COMPONENT, o, err, p)))
        return rv;
    if (eas_cal_span(&c, c.master, &s) < 0) {
        *err = "event without a valid DTSTART";
        return APR_EINVAL;
    }
    eas_tz_info_from_zone(s.zone == icaltimezone_get_utc_timezone() ? NULL
                          : s.zone, s.dtstart.year, &ti);
    eas_enc_str(enc, EAS_Calendar_Timezone, eas_tz_encode(&ti, p));
    eas_enc_int(enc, EAS_Calendar_AllDayEvent, s.all_day);
    eas_cal_write_fields(enc, &c, c.master, NULL, s.zone);
    if (eas_cal_series_rule(&c, &s, &r) == 0) {
        eas_recur_write(enc, &eas_recur_calendar_tags, &r, o->version, p);
        eas_cal_write_exceptions(enc, &c, s.zone, s.all_day);
    }
    write_response(enc, &c);
    if (o->version >= 140 && x_true(c.master, "X-MICROSOFT-DISALLOW-COUNTER"))
        eas_enc_int(enc, EAS_Calendar_DisallowNewTimeProposal, 1);
    return APR_SUCCESS;
}

const eas_pim_class_t eas_pim_calendar = {
    EAS_CLASS_CALENDAR, "text/calendar", cal_write, eas_cal_read
};
