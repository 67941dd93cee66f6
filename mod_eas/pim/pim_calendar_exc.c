/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Calendar converter's Exceptions (MS-ASCAL 2.2.2.20 Exception,
 * 2.2.2.21 Exceptions), reading: each of the phone's exceptions is
 * placed on an occurrence of the series; Deleted 1 becomes an EXDATE, any
 * other an overriding VEVENT with that RECURRENCE-ID (a new one starts as
 * a copy of the master, so what the exception does not send is the
 * master's, as the spec says; an existing one keeps what is not sent).
 * EXDATEs and overrides the phone no longer lists are removed.
 *
 * What real clients send that departs from the spec is accepted: an
 * ExceptionStartTime given as the exception's new start rather than the
 * original one (matched to the override that starts there, else to the
 * nearest occurrence within a day), and an all-day exception whose
 * ExceptionStartTime is the midnight of another zone (nearest occurrence).
 *
 * MeetingResponse's answer for one occurrence (InstanceId) uses the same
 * placing: eas_cal_instance().
 */
#include "pim_calendar.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

#define NEAR_DAY (26 * 3600)      /* all-day: any zone's midnight */
#define NEAR_TIME (13 * 3600)     /* timed: half a day either way */
#define MAX_STEPS 100000
#define MAX_EXCEPTIONS 1000

typedef struct {
    eas_cal_t *c;
    const char *tzid;
    icaltimezone *zone;
    struct icaltimetype dtstart;
    struct icalrecurrencetype rule;
    apr_hash_t *kept;           /* RECURRENCE-IDs (UTC) the phone lists */
} series_t;

static const char *key(apr_time_t t, apr_pool_t *p)
{
    return apr_psprintf(p, "%" APR_TIME_T_FMT, t);
}

/* UTC of an occurrence, EXDATE or RECURRENCE-ID in the series' terms. */
static apr_time_t inst_utc(series_t *s, struct icaltimetype t,
                           icaltimezone *own)
{
    return eas_cal_utc(t, own && !t.is_date ? own : s->zone);
}

static apr_time_t prop_utc(series_t *s, icalproperty *prop)
{
    icaltimezone *z;
    struct icaltimetype t = eas_cal_time(s->c, prop, &z);
    int own = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER)
              != NULL;

    return icaltime_is_null_time(t) ? 0 : inst_utc(s, t, own ? z : NULL);
}

/* The series' local form of an occurrence's UTC time. */
static struct icaltimetype inst_time(series_t *s, apr_time_t t)
{
    struct icaltimetype l;

    if (s->dtstart.is_date)
        return eas_cal_day(t, s->zone);
    l = eas_cal_local(t, s->tzid ? s->zone : NULL);
    if (s->tzid)
        l.zone = NULL;
    return l;
}

static struct icaltimetype inst_time(series_t *s, apr_time_t t);

/* The occurrence at t, else the nearest within a day; 0 if none. */
static apr_time_t occurrence(series_t *s, apr_time_t t)
{
    icalrecur_iterator *it = icalrecur_iterator_new(s->rule, s->dtstart);
    struct icaltimetype o, from = inst_time(s, t - apr_time_from_sec(
                                                      2 * NEAR_DAY));
    apr_time_t best = 0, u;
    long long near = s->dtstart.is_date ? NEAR_DAY : NEAR_TIME;
    long long d, bd = near + 1;
    int steps = 0;

    /* a series without COUNT can start right before t */
    if (it && s->rule.count == 0 && icaltime_compare(from, s->dtstart) > 0)
        icalrecur_iterator_set_start(it, from);
    while (it && steps++ < MAX_STEPS
           && !icaltime_is_null_time(o = icalrecur_iterator_next(it))) {
        u = inst_utc(s, o, NULL);
        d = llabs((long long)apr_time_sec(u) - (long long)apr_time_sec(t));
        if (d < bd) {
            bd = d;
            best = u;
        }
        if (d == 0 || apr_time_sec(u) > apr_time_sec(t) + near)
            break;
    }
    if (it)
        icalrecur_iterator_free(it);
    return best;
}

static icalcomponent *override_at(series_t *s, apr_time_t rid)
{
    icalcomponent *ev;
    icalproperty *r;
    eas_cal_t *c = s->c;

    for (ev = icalcomponent_get_first_component(c->vcal, ICAL_VEVENT_COMPONENT);
         ev; ev = icalcomponent_get_next_component(c->vcal,
                                                   ICAL_VEVENT_COMPONENT)) {
        r = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
        if (ev != c->master && r && prop_utc(s, r) == rid)
            return ev;
    }
    return NULL;
}

/* An override that now starts at t (a client that sent the new start). */
static apr_time_t moved_to(series_t *s, apr_time_t t)
{
    icalcomponent *ev;
    icalproperty *r, *st;
    eas_cal_t *c = s->c;

    for (ev = icalcomponent_get_first_component(c->vcal, ICAL_VEVENT_COMPONENT);
         ev; ev = icalcomponent_get_next_component(c->vcal,
                                                   ICAL_VEVENT_COMPONENT)) {
        r = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
        st = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
        if (ev != c->master && r && st && prop_utc(s, st) == t)
            return prop_utc(s, r);
    }
    return 0;
}

static apr_time_t place(series_t *s, apr_time_t t)
{
    apr_time_t o = occurrence(s, t), m;

    if (o == t)
        return o;
    if ((m = moved_to(s, t)))
        return m;
    return o;
}

/* ---- EXDATE ---- */

static void add_exdate(series_t *s, apr_time_t rid)
{
    icalproperty *ex;
    struct icaltimetype t = inst_time(s, rid);

    for (ex = icalcomponent_get_first_property(s->c->master,
                                               ICAL_EXDATE_PROPERTY); ex;
         ex = icalcomponent_get_next_property(s->c->master,
                                              ICAL_EXDATE_PROPERTY))
        if (prop_utc(s, ex) == rid)
            return;
    ex = icalproperty_new_exdate(t);
    if (t.is_date)
        icalproperty_add_parameter(ex, icalparameter_new_value(
            ICAL_VALUE_DATE));
    else if (s->tzid)
        icalproperty_add_parameter(ex, icalparameter_new_tzid(s->tzid));
    else {
        t.zone = icaltimezone_get_utc_timezone();
        icalproperty_set_exdate(ex, t);
    }
    icalcomponent_add_property(s->c->master, ex);
}

static void remove_override(series_t *s, apr_time_t rid)
{
    icalcomponent *ov = override_at(s, rid);

    if (ov) {
        icalcomponent_remove_component(s->c->vcal, ov);
        icalcomponent_free(ov);
    }
}

/* ---- overrides ---- */

static icalcomponent *new_override(series_t *s, apr_time_t rid)
{
    icalcomponent *ov = icalcomponent_new_clone(s->c->master);
    struct icaltimetype t = inst_time(s, rid), e = t;
    struct icaldurationtype d = icalcomponent_get_duration(s->c->master);
    const char *tz = t.is_date ? NULL : s->tzid;

    eas_cal_remove(ov, ICAL_RRULE_PROPERTY, NULL);
    eas_cal_remove(ov, ICAL_RDATE_PROPERTY, NULL);
    eas_cal_remove(ov, ICAL_EXDATE_PROPERTY, NULL);
    eas_cal_remove(ov, ICAL_DURATION_PROPERTY, NULL);
    eas_cal_set_time(ov, ICAL_RECURRENCEID_PROPERTY, t, tz);
    eas_cal_set_time(ov, ICAL_DTSTART_PROPERTY, t, tz);
    if (!icaldurationtype_is_bad_duration(d))
        e = icaltime_add(t, d);
    eas_cal_set_time(ov, ICAL_DTEND_PROPERTY, e, tz);
    icalcomponent_add_component(s->c->vcal, ov);
    return ov;
}

static apr_status_t one(series_t *s, const eas_node_t *ex, const char **err)
{
    const char *est = eas_node_text(ex, EAS_Calendar_ExceptionStartTime);
    const char *del = eas_node_text(ex, EAS_Calendar_Deleted);
    apr_time_t t, rid;
    icalcomponent *ov;

    if (!est || eas_pim_parse_time(est, &t) < 0 || !eas_cal_time_ok(t)) {
        *err = "exception without a valid ExceptionStartTime";
        return APR_EINVAL;
    }
    if (!(rid = place(s, t)))
        return APR_SUCCESS;     /* no occurrence there: nothing to change */
    apr_hash_set(s->kept, key(rid, s->c->p), APR_HASH_KEY_STRING, "");
    if (del && atoi(del) == 1) {
        remove_override(s, rid);
        add_exdate(s, rid);
        return APR_SUCCESS;
    }
    if (!(ov = override_at(s, rid)))
        ov = new_override(s, rid);
    return eas_cal_read_fields(s->c, ov, ex, s->tzid, s->zone, 1, err);
}

/* EXDATEs and overrides the phone did not list go. */
static void prune(series_t *s)
{
    icalproperty *ex, *nx;
    icalcomponent *ev, *next;
    icalproperty *r;
    eas_cal_t *c = s->c;

    for (ex = icalcomponent_get_first_property(c->master, ICAL_EXDATE_PROPERTY);
         ex; ex = nx) {
        nx = icalcomponent_get_next_property(c->master, ICAL_EXDATE_PROPERTY);
        if (!apr_hash_get(s->kept, key(prop_utc(s, ex), c->p),
                          APR_HASH_KEY_STRING)) {
            icalcomponent_remove_property(c->master, ex);
            icalproperty_free(ex);
        }
    }
    for (ev = icalcomponent_get_first_component(c->vcal, ICAL_VEVENT_COMPONENT);
         ev; ev = next) {
        next = icalcomponent_get_next_component(c->vcal, ICAL_VEVENT_COMPONENT);
        r = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
        if (ev != c->master && r && !apr_hash_get(s->kept,
                key(prop_utc(s, r), c->p), APR_HASH_KEY_STRING)) {
            icalcomponent_remove_component(c->vcal, ev);
            icalcomponent_free(ev);
        }
    }
}

apr_status_t eas_cal_read_exceptions(eas_cal_t *c, const eas_node_t *exc,
                                     const char *tzid, icaltimezone *zone,
                                     const char **err)
{
    icalproperty *rr = icalcomponent_get_first_property(c->master,
                                                        ICAL_RRULE_PROPERTY);
    const eas_node_t *ex;
    series_t s;
    apr_status_t rv;
    int n;

    if (!rr)
        return APR_SUCCESS;
    s.c = c;
    s.tzid = tzid;
    s.zone = zone;
    s.rule = icalproperty_get_rrule(rr);
    s.dtstart = eas_cal_time(c, icalcomponent_get_first_property(
        c->master, ICAL_DTSTART_PROPERTY), NULL);
    s.kept = apr_hash_make(c->p);
    for (ex = exc ? eas_node_child(exc, EAS_Calendar_Exception) : NULL, n = 0;
         ex; ex = eas_node_next(ex, EAS_Calendar_Exception))
        if (++n > MAX_EXCEPTIONS) {
            *err = "too many exceptions";
            return APR_EINVAL;
        }
    for (ex = exc ? eas_node_child(exc, EAS_Calendar_Exception) : NULL; ex;
         ex = eas_node_next(ex, EAS_Calendar_Exception))
        if ((rv = one(&s, ex, err)))
            return rv;
    prune(&s);
    return APR_SUCCESS;
}

icalcomponent *eas_cal_instance(eas_cal_t *c, apr_time_t t, int del)
{
    icalproperty *rr = icalcomponent_get_first_property(c->master,
                                                        ICAL_RRULE_PROPERTY);
    icalproperty *ps = icalcomponent_get_first_property(
        c->master, ICAL_DTSTART_PROPERTY);
    icalparameter *tz = ps ? icalproperty_get_first_parameter(
        ps, ICAL_TZID_PARAMETER) : NULL;
    icalcomponent *ov;
    series_t s;

    if (!rr || !ps)
        return NULL;
    s.c = c;
    s.tzid = tz ? icalparameter_get_tzid(tz) : NULL;
    s.rule = icalproperty_get_rrule(rr);
    s.dtstart = eas_cal_time(c, ps, &s.zone);
    s.kept = NULL;
    if (icaltime_is_null_time(s.dtstart) || occurrence(&s, t) != t)
        return NULL;
    if (del) {
        remove_override(&s, t);
        add_exdate(&s, t);
        return c->master;
    }
    return (ov = override_at(&s, t)) ? ov : new_override(&s, t);
}
