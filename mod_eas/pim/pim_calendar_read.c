/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Calendar converter (MS-ASCAL 2.2.2), reading: the phone's
 * <ApplicationData> of a Sync Add or Change as an iCalendar VEVENT.
 *
 * An Add builds a new VCALENDAR; a Change starts from the server's object
 * and rewrites only what EAS carries, so X- properties, other alarms,
 * attendee parameters (matched by address), ATTACH and unknown components
 * survive.  Times are written in a zone chosen by rules from the phone's
 * TimeZone (the event's old zone when its rules are the same, then the
 * user's, a built-in one, else a VTIMEZONE made from the structure).
 * All-day events become DATE values again, rounded to the nearest local
 * day.  The event's own properties the phone left out are removed, but
 * the body (phones send none when they truncated it) and the organizer
 * stay.  A server rule the writer could not send stays as it was.
 */
#include "pim_calendar.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *busy_names[] = { "FREE", "TENTATIVE", "BUSY", "OOF",
                                    "WORKINGELSEWHERE" };

static const char *field(const eas_node_t *ad, eas_tag_t tag)
{
    return eas_node_text(ad, tag);
}

/* ---- times ---- */

static apr_status_t read_time(const eas_node_t *ad, eas_tag_t tag,
                              apr_time_t *t, int *present)
{
    const char *s = field(ad, tag);

    *present = s != NULL;
    if (s && (eas_pim_parse_time(s, t) < 0 || !eas_cal_time_ok(*t)))
        return APR_EINVAL;
    return APR_SUCCESS;
}

/* DTSTART and DTEND from StartTime, EndTime and AllDayEvent. */
static apr_status_t read_times(eas_cal_t *c, icalcomponent *ev,
                               const eas_node_t *ad, const char *tzid,
                               icaltimezone *zone, int all_day,
                               const char **err)
{
    apr_time_t s = 0, e = 0;
    int has_s, has_e;
    struct icaltimetype ds, de;

    if (read_time(ad, EAS_Calendar_StartTime, &s, &has_s)
        || read_time(ad, EAS_Calendar_EndTime, &e, &has_e)) {
        *err = "bad StartTime or EndTime";
        return APR_EINVAL;
    }
    if (!has_s)
        return APR_SUCCESS;
    if (!has_e || e < s)
        e = s;
    eas_cal_remove(ev, ICAL_DURATION_PROPERTY, NULL);
    if (all_day) {
        ds = eas_cal_day(s, zone);
        de = eas_cal_day(e, zone);
        if (icaltime_compare_date_only(de, ds) <= 0) {
            de = ds;
            icaltime_adjust(&de, 1, 0, 0, 0);
        }
        eas_cal_set_time(ev, ICAL_DTSTART_PROPERTY, ds, NULL);
        eas_cal_set_time(ev, ICAL_DTEND_PROPERTY, de, NULL);
        return APR_SUCCESS;
    }
    eas_cal_set_time(ev, ICAL_DTSTART_PROPERTY, eas_cal_local(s, zone), tzid);
    eas_cal_set_time(ev, ICAL_DTEND_PROPERTY, eas_cal_local(e, zone), tzid);
    return APR_SUCCESS;
}

/* ---- simple properties ---- */

/* Sent: set; not sent: removed from the event, kept in an exception. */
static void read_text(icalcomponent *ev, const eas_node_t *ad, eas_tag_t tag,
                      icalproperty_kind kind, int exception)
{
    const eas_node_t *n = eas_node_child(ad, tag);

    if (n)
        eas_cal_set_text(ev, kind, n->value && *n->value ? n->value : NULL);
    else if (!exception)
        eas_cal_remove(ev, kind, NULL);
}

static void read_location(eas_cal_t *c, icalcomponent *ev,
                          const eas_node_t *ad, int exception)
{
    const eas_node_t *l = eas_node_child(ad, EAS_AirSyncBase_Location);
    const char *name;

    if (!l || c->o->version < 160) {
        read_text(ev, ad, EAS_Calendar_Location, ICAL_LOCATION_PROPERTY,
                  exception);
        return;
    }
    name = eas_node_text(l, EAS_AirSyncBase_DisplayName);
    eas_cal_set_text(ev, ICAL_LOCATION_PROPERTY, name && *name ? name : NULL);
}

static void read_body(eas_cal_t *c, icalcomponent *ev, const eas_node_t *ad)
{
    const char *b = eas_pim_read_body(ad, EAS_Calendar_Body, c->p);

    if (b)
        eas_cal_set_text(ev, ICAL_DESCRIPTION_PROPERTY, *b ? b : NULL);
}

static void set_trigger(icalcomponent *alarm, int minutes)
{
    struct icaltriggertype tr;

    memset(&tr, 0, sizeof tr);
    tr.time = icaltime_null_time();
    tr.duration = icaldurationtype_from_int(-minutes * 60);
    eas_cal_remove(alarm, ICAL_TRIGGER_PROPERTY, NULL);
    icalcomponent_add_property(alarm, icalproperty_new_trigger(tr));
}

static void read_reminder(icalcomponent *ev, const eas_node_t *ad,
                          int exception)
{
    const char *r = field(ad, EAS_Calendar_Reminder);
    int old = -1, want = r ? atoi(r) : -1;
    icalcomponent *a = eas_cal_alarm(ev, &old);

    if (!r || want < 0) {
        if (a && !exception) {
            icalcomponent_remove_component(ev, a);
            icalcomponent_free(a);
        }
        return;
    }
    if (a && old == want)
        return;
    if (!a) {
        a = icalcomponent_new(ICAL_VALARM_COMPONENT);
        icalcomponent_add_property(a, icalproperty_new_action(
            ICAL_ACTION_DISPLAY));
        icalcomponent_add_property(a, icalproperty_new_description(
            "Reminder"));
        icalcomponent_add_component(ev, a);
    }
    set_trigger(a, want);
}

static void set_x(icalcomponent *ev, const char *name, const char *value)
{
    icalproperty *x = eas_cal_x(ev, name);

    if (!x) {
        x = icalproperty_new_x(value);
        icalproperty_set_x_name(x, name);
        icalcomponent_add_property(ev, x);
    } else
        icalproperty_set_x(x, value);
}

static void read_busy(icalcomponent *ev, const eas_node_t *ad, int exception)
{
    const char *b = field(ad, EAS_Calendar_BusyStatus);
    int v = b ? atoi(b) : -1;

    if (v < 0 || v > 4) {
        if (!exception) {
            eas_cal_remove(ev, ICAL_X_PROPERTY, "X-MICROSOFT-CDO-BUSYSTATUS");
            eas_cal_remove(ev, ICAL_TRANSP_PROPERTY, NULL);
        }
        return;
    }
    if (eas_cal_busy(ev, 160) == v)
        return;
    eas_cal_remove(ev, ICAL_TRANSP_PROPERTY, NULL);
    icalcomponent_add_property(ev, icalproperty_new_transp(
        v == 0 ? ICAL_TRANSP_TRANSPARENT : ICAL_TRANSP_OPAQUE));
    if (eas_cal_x(ev, "X-MICROSOFT-CDO-BUSYSTATUS") || v == 1 || v >= 3)
        set_x(ev, "X-MICROSOFT-CDO-BUSYSTATUS", busy_names[v]);
}

static void read_status(icalcomponent *ev, const eas_node_t *ad)
{
    const char *m = field(ad, EAS_Calendar_MeetingStatus);
    int v = m ? atoi(m) : 0;

    if (v == 5 || v == 7 || v == 13 || v == 15)
        icalcomponent_set_status(ev, ICAL_STATUS_CANCELLED);
    else if (m && icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED)
        eas_cal_remove(ev, ICAL_STATUS_PROPERTY, NULL);
}

static void read_organizer(icalcomponent *ev, const eas_node_t *ad,
                           apr_pool_t *p)
{
    const char *email = field(ad, EAS_Calendar_OrganizerEmail);
    const char *name = field(ad, EAS_Calendar_OrganizerName);
    icalproperty *org = icalcomponent_get_first_property(
        ev, ICAL_ORGANIZER_PROPERTY);

    if (!email || !*email)
        return;
    if (org && strcasecmp(eas_cal_addr(icalproperty_get_organizer(org)),
                          email) == 0)
        return;
    eas_cal_remove(ev, ICAL_ORGANIZER_PROPERTY, NULL);
    org = icalproperty_new_organizer(apr_pstrcat(p, "mailto:", email, NULL));
    if (name && *name && strcmp(name, email) != 0)
        icalproperty_add_parameter(org, icalparameter_new_cn(name));
    icalcomponent_add_property(ev, org);
}

/* ---- attendees ---- */

static void set_partstat(icalproperty *att, int v)
{
    static const icalparameter_partstat ps[] = {
        ICAL_PARTSTAT_NONE, ICAL_PARTSTAT_NONE, ICAL_PARTSTAT_TENTATIVE,
        ICAL_PARTSTAT_ACCEPTED, ICAL_PARTSTAT_DECLINED,
        ICAL_PARTSTAT_NEEDSACTION };

    if (v < 2 || v > 5 || eas_cal_partstat(att) == v)
        return;
    icalproperty_remove_parameter_by_kind(att, ICAL_PARTSTAT_PARAMETER);
    icalproperty_add_parameter(att, icalparameter_new_partstat(ps[v]));
}

static void set_type(icalproperty *att, int v)
{
    if (v < 1 || v > 3 || eas_cal_attendee_type(att) == v)
        return;
    if (v == 3) {
        icalproperty_remove_parameter_by_kind(att, ICAL_CUTYPE_PARAMETER);
        icalproperty_add_parameter(att, icalparameter_new_cutype(
            ICAL_CUTYPE_RESOURCE));
        return;
    }
    icalproperty_remove_parameter_by_kind(att, ICAL_CUTYPE_PARAMETER);
    icalproperty_remove_parameter_by_kind(att, ICAL_ROLE_PARAMETER);
    icalproperty_add_parameter(att, icalparameter_new_role(
        v == 2 ? ICAL_ROLE_OPTPARTICIPANT : ICAL_ROLE_REQPARTICIPANT));
}

static void set_name(icalproperty *att, const char *name, const char *email)
{
    icalparameter *cn = icalproperty_get_first_parameter(att,
                                                         ICAL_CN_PARAMETER);

    if (!name || !*name || strcmp(name, email) == 0
        || (cn && icalparameter_get_cn(cn)
            && strcmp(icalparameter_get_cn(cn), name) == 0))
        return;
    icalproperty_remove_parameter_by_kind(att, ICAL_CN_PARAMETER);
    icalproperty_add_parameter(att, icalparameter_new_cn(name));
}

/* The old ATTENDEE with this address, taken out of the list. */
static icalproperty *take_old(icalproperty **old, int n, const char *email)
{
    int i;
    const char *a;

    for (i = 0; i < n; i++) {
        if (!old[i])
            continue;
        a = eas_cal_addr(icalproperty_get_attendee(old[i]));
        if (a && strcasecmp(a, email) == 0) {
            icalproperty *p = old[i];
            old[i] = NULL;
            return p;
        }
    }
    return NULL;
}

static void add_attendee(icalcomponent *ev, const eas_node_t *a,
                         icalproperty **old, int nold, apr_pool_t *p)
{
    const char *email = eas_node_text(a, EAS_Calendar_Email);
    const char *st = eas_node_text(a, EAS_Calendar_AttendeeStatus);
    const char *ty = eas_node_text(a, EAS_Calendar_AttendeeType);
    icalproperty *att;

    if (!email || !*email)
        return;
    if (!(att = take_old(old, nold, email))) {
        att = icalproperty_new_attendee(apr_pstrcat(p, "mailto:", email,
                                                    NULL));
        if (!ty)
            set_type(att, 1);
    }
    set_name(att, eas_node_text(a, EAS_Calendar_Name), email);
    if (st)
        set_partstat(att, atoi(st));
    if (ty)
        set_type(att, atoi(ty));
    icalcomponent_add_property(ev, att);
}

static apr_status_t read_attendees(eas_cal_t *c, icalcomponent *ev,
                                   const eas_node_t *list, const char **err)
{
    icalproperty *old[256], *prop;
    const eas_node_t *a;
    int n = 0, i, sent = 0;

    for (a = eas_node_child(list, EAS_Calendar_Attendee); a;
         a = eas_node_next(a, EAS_Calendar_Attendee))
        sent++;
    if (c->o->max_attendees && sent > c->o->max_attendees) {
        *err = "too many attendees";
        return APR_EINVAL;
    }
    while ((prop = icalcomponent_get_first_property(ev,
                                                    ICAL_ATTENDEE_PROPERTY))) {
        icalcomponent_remove_property(ev, prop);
        if (n < 256)
            old[n++] = prop;
        else
            icalproperty_free(prop);
    }
    for (a = eas_node_child(list, EAS_Calendar_Attendee); a;
         a = eas_node_next(a, EAS_Calendar_Attendee))
        add_attendee(ev, a, old, n, c->p);
    for (i = 0; i < n; i++)
        if (old[i])
            icalproperty_free(old[i]);
    return APR_SUCCESS;
}

/* ---- the fields an event and its exceptions share ---- */

apr_status_t eas_cal_read_fields(eas_cal_t *c, icalcomponent *ev,
                                 const eas_node_t *ad, const char *tzid,
                                 icaltimezone *zone, int exception,
                                 const char **err)
{
    const char *ad_s = field(ad, EAS_Calendar_AllDayEvent);
    struct icaltimetype cur = icalcomponent_get_dtstart(ev);
    int all_day = ad_s ? atoi(ad_s) == 1 : exception && cur.is_date;
    const eas_node_t *att = eas_node_child(ad, EAS_Calendar_Attendees);
    const char *ms = field(ad, EAS_Calendar_MeetingStatus);
    apr_status_t rv;

    if ((rv = read_times(c, ev, ad, tzid, zone, all_day, err)))
        return rv;
    read_text(ev, ad, EAS_Calendar_Subject, ICAL_SUMMARY_PROPERTY, exception);
    read_location(c, ev, ad, exception);
    read_body(c, ev, ad);
    read_reminder(ev, ad, exception);
    read_busy(ev, ad, exception);
    if (field(ad, EAS_Calendar_Sensitivity) || !exception)
        eas_cal_set_sensitivity(ev, field(ad, EAS_Calendar_Sensitivity));
    if (eas_node_child(ad, EAS_Calendar_Categories) || !exception)
        eas_cal_read_categories(ev, ad, EAS_Calendar_Categories,
                                EAS_Calendar_Category);
    read_status(ev, ad);
    if (!exception)
        read_organizer(ev, ad, c->p);
    /* a meeting whose attendees the phone did not send keeps them */
    if (att || (!exception && (!ms || atoi(ms) == 0)))
        return read_attendees(c, ev, att, err);
    return APR_SUCCESS;
}

/* ---- the event ---- */

static const char *start_tzid(icalcomponent *ev)
{
    icalproperty *ps = icalcomponent_get_first_property(ev,
                                                        ICAL_DTSTART_PROPERTY);
    icalparameter *tz = ps ? icalproperty_get_first_parameter(ps,
                                                ICAL_TZID_PARAMETER) : NULL;

    return tz ? icalparameter_get_tzid(tz) : NULL;
}

/* The phone's zone structure: its TimeZone, else the event's old zone,
   else the user's. */
static apr_status_t phone_tz(eas_cal_t *c, const eas_node_t *ad, int year,
                             eas_tzinfo_t *ti, const char **err)
{
    const eas_node_t *tz = eas_node_child(ad, EAS_Calendar_Timezone);
    icalproperty *ps;
    icaltimezone *z;

    if (tz && tz->value) {
        if (eas_tz_decode(tz->value, tz->len, ti) < 0) {
            *err = "bad TimeZone";
            return APR_EINVAL;
        }
        return APR_SUCCESS;
    }
    ps = icalcomponent_get_first_property(c->master, ICAL_DTSTART_PROPERTY);
    eas_cal_time(c, ps, &z);
    eas_tz_info_from_zone(z == icaltimezone_get_utc_timezone() ? NULL : z,
                          year, ti);
    return APR_SUCCESS;
}

static void set_uid(eas_cal_t *c, const eas_node_t *ad, int is_new,
                    eas_pim_item_t *out)
{
    const char *uid = eas_cal_text(c->master, ICAL_UID_PROPERTY);
    const char *phone = field(ad, EAS_Calendar_UID);

    if (is_new && phone && *phone)
        uid = phone;
    if (!uid || !*uid)
        uid = eas_pim_new_uid(c->p);
    out->uid = apr_pstrdup(c->p, uid);      /* before the old value goes */
    icalcomponent_set_uid(c->master, out->uid);
}

static void stamp(eas_cal_t *c, int is_new)
{
    struct icaltimetype now = icaltime_from_timet_with_zone(
        (time_t)apr_time_sec(c->o->now), 0, icaltimezone_get_utc_timezone());

    eas_cal_set_time(c->master, ICAL_DTSTAMP_PROPERTY, now, NULL);
    eas_cal_set_time(c->master, ICAL_LASTMODIFIED_PROPERTY, now, NULL);
    if (is_new || !icalcomponent_get_first_property(c->master,
                                                    ICAL_CREATED_PROPERTY))
        eas_cal_set_time(c->master, ICAL_CREATED_PROPERTY, now, NULL);
}

/* Whether the old rule is one the writer sent, and as what. */
static int old_rule(eas_cal_t *c, eas_recur_t *r)
{
    icalproperty *rr = icalcomponent_get_first_property(c->master,
                                                        ICAL_RRULE_PROPERTY);
    icalproperty *ps;
    struct icalrecurrencetype rule;
    struct icaltimetype st;
    icaltimezone *z;

    /* (the component's property iterator: RRULE first, DTSTART after) */
    if (!rr && !icalcomponent_get_first_property(c->master,
                                                 ICAL_RDATE_PROPERTY))
        return 0;       /* no series */
    if (!rr || icalcomponent_get_next_property(c->master, ICAL_RRULE_PROPERTY)
        || icalcomponent_get_first_property(c->master, ICAL_RDATE_PROPERTY))
        return -1;
    rule = icalproperty_get_rrule(rr);
    ps = icalcomponent_get_first_property(c->master, ICAL_DTSTART_PROPERTY);
    st = eas_cal_time(c, ps, &z);
    if (icaltime_is_null_time(st))
        return -1;
    if (!st.is_date)
        st = eas_cal_local(eas_cal_utc(st, z), z);
    return eas_recur_from_rrule(&rule, st, st.is_date ? c->user : z, r) == 0
           ? 1 : -1;
}

static void drop_series(eas_cal_t *c)
{
    icalcomponent *ev, *next;

    eas_cal_remove(c->master, ICAL_RRULE_PROPERTY, NULL);
    eas_cal_remove(c->master, ICAL_RDATE_PROPERTY, NULL);
    eas_cal_remove(c->master, ICAL_EXDATE_PROPERTY, NULL);
    for (ev = icalcomponent_get_first_component(c->vcal, ICAL_VEVENT_COMPONENT);
         ev; ev = next) {
        next = icalcomponent_get_next_component(c->vcal, ICAL_VEVENT_COMPONENT);
        if (ev != c->master && icalcomponent_get_first_property(
                ev, ICAL_RECURRENCEID_PROPERTY)) {
            icalcomponent_remove_component(c->vcal, ev);
            icalcomponent_free(ev);
        }
    }
}

/* Recurrence and Exceptions, after the event's own fields. */
static apr_status_t read_series(eas_cal_t *c, const eas_node_t *ad,
                                int had, const eas_recur_t *was,
                                const char *tzid, icaltimezone *zone,
                                const char **err)
{
    const eas_node_t *rec = eas_node_child(ad, EAS_Calendar_Recurrence);
    struct icaltimetype st = icalcomponent_get_dtstart(c->master);
    struct icalrecurrencetype rule;
    eas_recur_t r;
    apr_status_t rv;

    if (!rec) {
        if (had >= 0)
            drop_series(c);
        return APR_SUCCESS;      /* a rule EAS cannot say stays */
    }
    if ((rv = eas_recur_read(rec, &eas_recur_calendar_tags, &r, err)))
        return rv;
    if (had <= 0 || !eas_recur_same(was, &r)) {
        eas_recur_to_rrule(&r, st, zone, &rule);
        eas_cal_remove(c->master, ICAL_RRULE_PROPERTY, NULL);
        eas_cal_remove(c->master, ICAL_RDATE_PROPERTY, NULL);
        icalcomponent_add_property(c->master, icalproperty_new_rrule(rule));
    }
    return eas_cal_read_exceptions(c, eas_node_child(ad,
                                   EAS_Calendar_Exceptions), tzid, zone, err);
}

static apr_status_t start_from(eas_cal_t *c, const eas_blob_t *old,
                               const eas_pim_opts_t *o, const char **err,
                               apr_pool_t *p)
{
    if (!old || !old->len) {
        eas_cal_new(c, ICAL_VEVENT_COMPONENT, o, p);
        return APR_SUCCESS;
    }
    return eas_cal_parse(c, old, ICAL_VEVENT_COMPONENT, o, err, p);
}

apr_status_t eas_cal_read(const eas_node_t *ad, const eas_blob_t *old,
                          const eas_pim_opts_t *o, eas_pim_item_t *out,
                          const char **err, apr_pool_t *p)
{
    eas_cal_t c;
    eas_tzinfo_t ti;
    eas_recur_t was;
    apr_time_t start = o->now;
    int is_new = !old || !old->len, had, dummy;
    const char *tzid;
    icaltimezone *zone;
    apr_status_t rv;

    if ((rv = start_from(&c, old, o, err, p)))
        return rv;
    if (is_new && !field(ad, EAS_Calendar_StartTime)) {
        *err = "event without StartTime";
        return APR_EINVAL;
    }
    if (read_time(ad, EAS_Calendar_StartTime, &start, &dummy)) {
        *err = "bad StartTime";
        return APR_EINVAL;
    }
    had = old_rule(&c, &was);
    if ((rv = phone_tz(&c, ad, eas_cal_local(start, NULL).year, &ti, err)))
        return rv;
    c.no_vtimezone = field(ad, EAS_Calendar_AllDayEvent)
                     && atoi(field(ad, EAS_Calendar_AllDayEvent)) == 1
                     && !eas_node_child(ad, EAS_Calendar_Exceptions);
    tzid = eas_cal_phone_zone(&c, &ti, eas_cal_local(start, NULL).year,
                              start_tzid(c.master), &zone);
    set_uid(&c, ad, is_new, out);
    if ((rv = eas_cal_read_fields(&c, c.master, ad, tzid, zone, 0, err))
        || (rv = read_series(&c, ad, had, &was, tzid, zone, err)))
        return rv;
    stamp(&c, is_new);
    return eas_cal_serialize(&c, &out->data, err);
}
