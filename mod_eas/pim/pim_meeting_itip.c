/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scheduling objects (iTIP, RFC 5546) for MeetingResponse and for the
 * events the user organizes from the phone: the attendee's PARTSTAT set
 * in the calendar's copy of an event (3.2.3 for what the answer means),
 * the REPLY to the organizer (3.2.3), the organizer's REQUEST (3.2.2,
 * SEQUENCE raised for a change that matters, 2.1.4) and CANCEL (3.2.5).
 */
#include "pim_meeting.h"
#include "pim_calendar.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

static int addr_in(const char *addr, const apr_array_header_t *addrs)
{
    int i;

    for (i = 0; addr && addrs && i < addrs->nelts; i++)
        if (strcasecmp(addr, APR_ARRAY_IDX(addrs, i, const char *)) == 0)
            return 1;
    return 0;
}

static const char *att_addr(icalproperty *a)
{
    return eas_cal_addr(icalproperty_get_attendee(a));
}

static icalparameter_partstat partstat(int response)
{
    switch (response) {
    case EAS_MEETING_ACCEPT:
        return ICAL_PARTSTAT_ACCEPTED;
    case EAS_MEETING_TENTATIVE:
        return ICAL_PARTSTAT_TENTATIVE;
    default:
        return ICAL_PARTSTAT_DECLINED;
    }
}

static void set_partstat(icalproperty *a, int response)
{
    icalproperty_remove_parameter_by_kind(a, ICAL_PARTSTAT_PARAMETER);
    icalproperty_add_parameter(a, icalparameter_new_partstat(
        partstat(response)));
}

/* The user's ATTENDEE in ev, or NULL. */
static icalproperty *user_attendee(icalcomponent *ev,
                                   const apr_array_header_t *addrs)
{
    icalproperty *a;

    for (a = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY); a;
         a = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY))
        if (addr_in(att_addr(a), addrs))
            return a;
    return NULL;
}

static void remove_method(icalcomponent *vcal)
{
    icalproperty *m;

    while ((m = icalcomponent_get_first_property(vcal,
                                                 ICAL_METHOD_PROPERTY))) {
        icalcomponent_remove_property(vcal, m);
        icalproperty_free(m);
    }
}

static void set_method(icalcomponent *vcal, icalproperty_method method)
{
    remove_method(vcal);
    icalcomponent_add_property(vcal, icalproperty_new_method(method));
}

/* The user's answer in ev, the user added when not listed. */
static const char *answer_in(icalcomponent *ev,
                             const apr_array_header_t *addrs, int response,
                             apr_pool_t *p)
{
    icalproperty *a = user_attendee(ev, addrs);
    const char *me = APR_ARRAY_IDX(addrs, 0, const char *);

    if (!a) {
        a = icalproperty_new_attendee(apr_pstrcat(p, "mailto:", me, NULL));
        icalcomponent_add_property(ev, a);
    }
    set_partstat(a, response);
    return apr_pstrdup(p, att_addr(a));
}

/* The whole meeting: every component that lists the user. */
static const char *answer_all(eas_cal_t *c, const apr_array_header_t *addrs,
                              int response)
{
    icalcomponent *ev;
    icalproperty *a;

    for (ev = icalcomponent_get_first_component(c->vcal,
                                                ICAL_VEVENT_COMPONENT);
         ev; ev = icalcomponent_get_next_component(c->vcal,
                                                   ICAL_VEVENT_COMPONENT))
        if (ev != c->master && (a = user_attendee(ev, addrs)))
            set_partstat(a, response);
    return answer_in(c->master, addrs, response, c->p);
}

apr_status_t eas_meeting_answer(const eas_blob_t *item,
                                const apr_array_header_t *addrs,
                                int response, apr_time_t instance,
                                const eas_pim_opts_t *o, eas_blob_t *out,
                                const char **attendee, const char **err,
                                apr_pool_t *p)
{
    int decline = response == EAS_MEETING_DECLINE;
    icalcomponent *ev;
    eas_cal_t c;
    apr_status_t rv;

    if (!addrs || !addrs->nelts) {
        *err = "the user has no address";
        return APR_EINVAL;
    }
    if ((rv = eas_cal_parse(&c, item, ICAL_VEVENT_COMPONENT, o, err, p)))
        return rv;
    remove_method(c.vcal);
    if (!instance) {
        *attendee = answer_all(&c, addrs, response);
        return eas_cal_serialize(&c, out, err);
    }
    if (!(ev = eas_cal_instance(&c, instance, decline))) {
        *err = "no occurrence of the series then";
        return APR_ENOENT;
    }
    *attendee = decline ? APR_ARRAY_IDX(addrs, 0, const char *)
                        : answer_in(ev, addrs, response, p);
    if (decline && user_attendee(c.master, addrs))
        *attendee = apr_pstrdup(p, att_addr(user_attendee(c.master, addrs)));
    return eas_cal_serialize(&c, out, err);
}

/* ---- the REPLY ---- */

static void copy_prop(icalcomponent *to, icalcomponent *from,
                      icalproperty_kind kind)
{
    icalproperty *pr = icalcomponent_get_first_property(from, kind);

    if (pr)
        icalcomponent_add_property(to, icalproperty_new_clone(pr));
}

/* A date-time property in UTC (dates as they are). */
static void copy_utc(eas_cal_t *c, icalcomponent *to, icalcomponent *from,
                     icalproperty_kind kind)
{
    icalproperty *pr = icalcomponent_get_first_property(from, kind);
    struct icaltimetype t;
    icaltimezone *z;
    apr_time_t u;

    if (!pr)
        return;
    t = eas_cal_time(c, pr, &z);
    if (icaltime_is_null_time(t))
        return;
    if (t.is_date) {
        eas_cal_set_time(to, kind, t, NULL);
        return;
    }
    u = eas_cal_utc(t, z);
    eas_cal_set_time(to, kind, icaltime_from_timet_with_zone(
        (time_t)apr_time_sec(u), 0, icaltimezone_get_utc_timezone()), NULL);
}

static void stamp_now(icalcomponent *ev, const eas_pim_opts_t *o)
{
    eas_cal_set_time(ev, ICAL_DTSTAMP_PROPERTY, icaltime_from_timet_with_zone(
        (time_t)apr_time_sec(o->now ? o->now : apr_time_now()), 0,
        icaltimezone_get_utc_timezone()), NULL);
}

/* The component answered for: the override of instance, else the
   master (*rid: the instance the master stands for). */
static icalcomponent *replied(eas_cal_t *c, apr_time_t instance,
                              apr_time_t *rid)
{
    icalcomponent *ev;
    icalproperty *r;
    icaltimezone *z;
    struct icaltimetype t;

    *rid = instance;
    for (ev = icalcomponent_get_first_component(c->vcal,
                                                ICAL_VEVENT_COMPONENT);
         instance && ev; ev = icalcomponent_get_next_component(
             c->vcal, ICAL_VEVENT_COMPONENT)) {
        r = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
        if (ev == c->master || !r)
            continue;
        t = eas_cal_time(c, r, &z);
        if (eas_cal_utc(t, t.is_date ? c->user : z) == instance) {
            *rid = 0;
            return ev;
        }
    }
    return c->master;
}

static void set_utc(icalcomponent *ev, icalproperty_kind kind, apr_time_t t)
{
    eas_cal_set_time(ev, kind, icaltime_from_timet_with_zone(
        (time_t)apr_time_sec(t), 0, icaltimezone_get_utc_timezone()), NULL);
}

apr_status_t eas_meeting_reply(const eas_blob_t *item, const char *attendee,
                               int response, apr_time_t instance,
                               const eas_pim_opts_t *o, eas_blob_t *out,
                               const char **err, apr_pool_t *p)
{
    eas_cal_t c, r;
    icalcomponent *src;
    icalproperty *a;
    apr_time_t rid;
    apr_status_t rv;

    if ((rv = eas_cal_parse(&c, item, ICAL_VEVENT_COMPONENT, o, err, p)))
        return rv;
    if (!icalcomponent_get_first_property(c.master, ICAL_ORGANIZER_PROPERTY)
        || !eas_cal_text(c.master, ICAL_UID_PROPERTY) || !attendee) {
        *err = "event without organizer or UID";
        return APR_EINVAL;
    }
    src = replied(&c, instance, &rid);
    eas_cal_new(&r, ICAL_VEVENT_COMPONENT, o, p);
    set_method(r.vcal, ICAL_METHOD_REPLY);
    copy_prop(r.master, c.master, ICAL_UID_PROPERTY);
    copy_prop(r.master, src, ICAL_SEQUENCE_PROPERTY);
    stamp_now(r.master, o);
    if (rid)
        set_utc(r.master, ICAL_RECURRENCEID_PROPERTY, rid);
    else {
        copy_utc(&c, r.master, src, ICAL_RECURRENCEID_PROPERTY);
        copy_utc(&c, r.master, src, ICAL_DTSTART_PROPERTY);
        copy_utc(&c, r.master, src, ICAL_DTEND_PROPERTY);
        copy_prop(r.master, src, ICAL_DURATION_PROPERTY);
    }
    copy_prop(r.master, src, ICAL_SUMMARY_PROPERTY);
    copy_prop(r.master, c.master, ICAL_ORGANIZER_PROPERTY);
    a = icalproperty_new_attendee(apr_pstrcat(p, "mailto:", attendee, NULL));
    set_partstat(a, response);
    icalcomponent_add_property(r.master, a);
    return eas_cal_serialize(&r, out, err);
}

/* ---- the organizer ---- */

static int is_user(const eas_pim_opts_t *o, const char *addr)
{
    return addr && o->user_email && strcasecmp(addr, o->user_email) == 0;
}

static const char *organizer(icalcomponent *ev)
{
    icalproperty *org = icalcomponent_get_first_property(
        ev, ICAL_ORGANIZER_PROPERTY);

    return org ? eas_cal_addr(icalproperty_get_organizer(org)) : NULL;
}

/* Every attendee's address but the user's, each once. */
static apr_array_header_t *others(eas_cal_t *c, apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(const char *));
    icalcomponent *ev;
    icalproperty *a;

    for (ev = icalcomponent_get_first_component(c->vcal,
                                                ICAL_VEVENT_COMPONENT);
         ev; ev = icalcomponent_get_next_component(c->vcal,
                                                   ICAL_VEVENT_COMPONENT))
        for (a = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
             a; a = icalcomponent_get_next_property(ev,
                                                    ICAL_ATTENDEE_PROPERTY)) {
            const char *addr = att_addr(a);

            if (addr && *addr && !is_user(c->o, addr) && !addr_in(addr, out))
                *(const char **)apr_array_push(out) = apr_pstrdup(p, addr);
        }
    return out;
}

int eas_meeting_organized(const eas_blob_t *item, const eas_pim_opts_t *o,
                          apr_pool_t *p)
{
    eas_cal_t c;
    const char *err;

    if (!item || eas_cal_parse(&c, item, ICAL_VEVENT_COMPONENT, o, &err, p))
        return 0;
    return is_user(o, organizer(c.master)) && others(&c, p)->nelts > 0;
}

int eas_meeting_claim(const eas_blob_t *item, const eas_pim_opts_t *o,
                      eas_blob_t *out, apr_pool_t *p)
{
    eas_cal_t c;
    const char *err;

    *out = *item;
    if (!o->user_email
        || eas_cal_parse(&c, item, ICAL_VEVENT_COMPONENT, o, &err, p)
        || organizer(c.master) || !others(&c, p)->nelts)
        return 0;
    icalcomponent_add_property(c.master, icalproperty_new_organizer(
        apr_pstrcat(p, "mailto:", o->user_email, NULL)));
    if (eas_cal_serialize(&c, out, &err) != APR_SUCCESS) {
        *out = *item;
        return 0;
    }
    return 1;
}

/* What attendees see of an event, as one string. */
static const char *meeting_key(eas_cal_t *c)
{
    static const icalproperty_kind kinds[] = {
        ICAL_DTSTART_PROPERTY, ICAL_DTEND_PROPERTY, ICAL_DURATION_PROPERTY,
        ICAL_RRULE_PROPERTY, ICAL_RDATE_PROPERTY, ICAL_EXDATE_PROPERTY,
        ICAL_SUMMARY_PROPERTY, ICAL_LOCATION_PROPERTY,
        ICAL_DESCRIPTION_PROPERTY, ICAL_STATUS_PROPERTY,
        ICAL_RECURRENCEID_PROPERTY, ICAL_ATTENDEE_PROPERTY
    };
    const char *k = "";
    icalcomponent *ev;
    icalproperty *pr;
    apr_size_t i;

    for (ev = icalcomponent_get_first_component(c->vcal,
                                                ICAL_VEVENT_COMPONENT);
         ev; ev = icalcomponent_get_next_component(c->vcal,
                                                   ICAL_VEVENT_COMPONENT))
        for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            for (pr = icalcomponent_get_first_property(ev, kinds[i]); pr;
                 pr = icalcomponent_get_next_property(ev, kinds[i]))
                k = apr_pstrcat(c->p, k, kinds[i] == ICAL_ATTENDEE_PROPERTY
                                ? icalproperty_get_attendee(pr)
                                : icalproperty_as_ical_string(pr), "|",
                                NULL);
    return k;
}

static int max_sequence(eas_cal_t *c)
{
    icalcomponent *ev;
    int m = 0, s;

    for (ev = icalcomponent_get_first_component(c->vcal,
                                                ICAL_VEVENT_COMPONENT);
         ev; ev = icalcomponent_get_next_component(c->vcal,
                                                   ICAL_VEVENT_COMPONENT))
        if ((s = icalcomponent_get_sequence(ev)) > m)
            m = s;
    return m;
}

static void set_sequence(eas_cal_t *c, int seq)
{
    icalcomponent *ev;

    for (ev = icalcomponent_get_first_component(c->vcal,
                                                ICAL_VEVENT_COMPONENT);
         ev; ev = icalcomponent_get_next_component(c->vcal,
                                                   ICAL_VEVENT_COMPONENT))
        icalcomponent_set_sequence(ev, seq);
}

int eas_meeting_bump(const eas_blob_t *old, const eas_blob_t *new_item,
                     const eas_pim_opts_t *o, eas_blob_t *out,
                     apr_pool_t *p)
{
    eas_cal_t a, b;
    const char *err;
    int seq;

    *out = *new_item;
    if (eas_cal_parse(&a, old, ICAL_VEVENT_COMPONENT, o, &err, p)
        || eas_cal_parse(&b, new_item, ICAL_VEVENT_COMPONENT, o, &err, p))
        return 0;
    if (strcmp(meeting_key(&a), meeting_key(&b)) == 0)
        return 0;
    seq = max_sequence(&a) > max_sequence(&b) ? max_sequence(&a)
                                               : max_sequence(&b);
    set_sequence(&b, seq + 1);
    if (eas_cal_serialize(&b, out, &err) != APR_SUCCESS)
        *out = *new_item;
    return 1;
}

/* VALARMs are the organizer's own reminders: not sent. */
static void drop_alarms(eas_cal_t *c)
{
    icalcomponent *ev, *al;

    for (ev = icalcomponent_get_first_component(c->vcal,
                                                ICAL_VEVENT_COMPONENT);
         ev; ev = icalcomponent_get_next_component(c->vcal,
                                                   ICAL_VEVENT_COMPONENT))
        while ((al = icalcomponent_get_first_component(
                    ev, ICAL_VALARM_COMPONENT))) {
            icalcomponent_remove_component(ev, al);
            icalcomponent_free(al);
        }
}

apr_status_t eas_meeting_itip(const eas_blob_t *item, int cancel,
                              const eas_pim_opts_t *o, eas_blob_t *out,
                              apr_array_header_t **rcpts, const char **err,
                              apr_pool_t *p)
{
    eas_cal_t c;
    apr_status_t rv;

    if ((rv = eas_cal_parse(&c, item, ICAL_VEVENT_COMPONENT, o, err, p)))
        return rv;
    if (!eas_cal_text(c.master, ICAL_UID_PROPERTY) || !organizer(c.master)) {
        *err = "event without organizer or UID";
        return APR_EINVAL;
    }
    *rcpts = others(&c, p);
    set_method(c.vcal, cancel ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST);
    drop_alarms(&c);
    if (cancel) {
        icalcomponent_set_status(c.master, ICAL_STATUS_CANCELLED);
        icalcomponent_set_sequence(c.master, max_sequence(&c) + 1);
    }
    stamp_now(c.master, o);
    return eas_cal_serialize(&c, out, err);
}

apr_array_header_t *eas_meeting_removed(const eas_blob_t *old,
                                        const eas_blob_t *new_item,
                                        const eas_pim_opts_t *o,
                                        apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 2, sizeof(const char *));
    apr_array_header_t *was, *now;
    eas_cal_t a, b;
    const char *err;
    int i;

    if (eas_cal_parse(&a, old, ICAL_VEVENT_COMPONENT, o, &err, p)
        || eas_cal_parse(&b, new_item, ICAL_VEVENT_COMPONENT, o, &err, p))
        return out;
    was = others(&a, p);
    now = others(&b, p);
    for (i = 0; i < was->nelts; i++)
        if (!addr_in(APR_ARRAY_IDX(was, i, const char *), now))
            *(const char **)apr_array_push(out) =
                APR_ARRAY_IDX(was, i, const char *);
    return out;
}
