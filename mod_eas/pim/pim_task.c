/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Tasks converter (MS-ASTASK 2.2.2): an iCalendar VTODO (RFC 5545
 * 3.6.2) <-> Subject, Body, Importance (PRIORITY), StartDate/UtcStartDate
 * and DueDate/UtcDueDate (DTSTART, DUE: the local time written as if UTC,
 * and the UTC time), Complete and DateCompleted (STATUS, COMPLETED),
 * Sensitivity (CLASS), ReminderSet and ReminderTime (the first display or
 * audio VALARM), Categories and Recurrence (pim_recur.c with the Tasks
 * tags).  Local times are the user's zone's (opts->tzid).
 *
 * A date-only DTSTART or DUE (VALUE=DATE) is sent as that day's midnight
 * and read back as a date when the phone's local time is a midnight.  On
 * a Change what EAS does not carry survives, and a date the phone sends
 * unchanged leaves the property as it was (its zone, its form).
 */
#include "pim_calendar.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

/* ---- dates ---- */

/* A property's UTC time and its local time written as if UTC. */
static int task_date(eas_cal_t *c, icalproperty *prop, apr_time_t *utc,
                     apr_time_t *local)
{
    icaltimezone *z;
    struct icaltimetype t = eas_cal_time(c, prop, &z), l;

    if (icaltime_is_null_time(t))
        return -1;
    if (t.is_date)
        z = c->user;
    *utc = eas_cal_utc(t, z);
    l = eas_cal_local(*utc, c->user);
    l.zone = NULL;
    *local = apr_time_from_sec(icaltime_as_timet_with_zone(
        l, icaltimezone_get_utc_timezone()));
    return 0;
}

static void write_dates(eas_wbxml_enc_t *enc, eas_cal_t *c,
                        icalproperty_kind kind, eas_tag_t utc_tag,
                        eas_tag_t local_tag)
{
    icalproperty *prop = icalcomponent_get_first_property(c->master, kind);
    apr_time_t utc, local;

    if (!prop || task_date(c, prop, &utc, &local) < 0)
        return;
    eas_enc_str(enc, utc_tag, eas_pim_time_ext(utc, c->p));
    eas_enc_str(enc, local_tag, eas_pim_time_ext(local, c->p));
}

/* ---- importance, completion, reminder ---- */

static int importance(icalcomponent *todo)
{
    icalproperty *pr = icalcomponent_get_first_property(todo,
                                                        ICAL_PRIORITY_PROPERTY);
    int v = pr ? icalproperty_get_priority(pr) : 0;

    if (v >= 1 && v <= 4)
        return 2;
    if (v >= 6 && v <= 9)
        return 0;
    return 1;
}

static int completed(icalcomponent *todo)
{
    return icalcomponent_get_status(todo) == ICAL_STATUS_COMPLETED
           || icalcomponent_get_first_property(todo, ICAL_COMPLETED_PROPERTY);
}

/* The alarm EAS carries and when it rings (UTC); NULL when none. */
static icalcomponent *task_alarm(eas_cal_t *c, apr_time_t *when)
{
    icalcomponent *a;
    icalproperty *act, *trig, *base;
    icalparameter *rel;
    struct icaltriggertype tr;
    apr_time_t b, l;

    for (a = icalcomponent_get_first_component(c->master,
                                               ICAL_VALARM_COMPONENT); a;
         a = icalcomponent_get_next_component(c->master,
                                              ICAL_VALARM_COMPONENT)) {
        act = icalcomponent_get_first_property(a, ICAL_ACTION_PROPERTY);
        trig = icalcomponent_get_first_property(a, ICAL_TRIGGER_PROPERTY);
        if (!act || !trig
            || (icalproperty_get_action(act) != ICAL_ACTION_DISPLAY
                && icalproperty_get_action(act) != ICAL_ACTION_AUDIO))
            continue;
        tr = icalproperty_get_trigger(trig);
        if (!icaltime_is_null_time(tr.time)) {
            *when = eas_cal_utc(tr.time, c->user);
            return a;
        }
        rel = icalproperty_get_first_parameter(trig, ICAL_RELATED_PARAMETER);
        base = icalcomponent_get_first_property(c->master,
            rel && icalparameter_get_related(rel) == ICAL_RELATED_END
            ? ICAL_DUE_PROPERTY : ICAL_DTSTART_PROPERTY);
        if (!base)
            base = icalcomponent_get_first_property(c->master,
                                                    ICAL_DUE_PROPERTY);
        if (!base || task_date(c, base, &b, &l) < 0)
            continue;
        *when = b + apr_time_from_sec(icaldurationtype_as_int(tr.duration));
        return a;
    }
    return NULL;
}

/* ---- recurrence ---- */

static int task_rule(eas_cal_t *c, eas_recur_t *r)
{
    icalproperty *rr = icalcomponent_get_first_property(c->master,
                                                        ICAL_RRULE_PROPERTY);
    icalproperty *st;
    struct icalrecurrencetype rule;
    struct icaltimetype t;
    icaltimezone *z;
    apr_time_t utc, local;

    if (!rr || icalcomponent_get_next_property(c->master, ICAL_RRULE_PROPERTY))
        return -1;
    rule = icalproperty_get_rrule(rr);
    st = icalcomponent_get_first_property(c->master, ICAL_DTSTART_PROPERTY);
    if (!st)
        st = icalcomponent_get_first_property(c->master, ICAL_DUE_PROPERTY);
    t = eas_cal_time(c, st, &z);
    if (icaltime_is_null_time(t) || task_date(c, st, &utc, &local) < 0)
        return -1;
    if (!t.is_date)
        t = eas_cal_local(utc, z);
    if (eas_recur_from_rrule(&rule, t, t.is_date ? c->user : z, r) < 0)
        return -1;
    r->start = local;
    return 0;
}

/* ---- write ---- */

static apr_status_t task_write(eas_wbxml_enc_t *enc, const eas_blob_t *item,
                               const eas_pim_opts_t *o, const char **err,
                               apr_pool_t *p)
{
    eas_cal_t c;
    eas_recur_t r;
    icalproperty *done;
    const char *s;
    apr_time_t when;
    apr_status_t rv;

    if ((rv = eas_cal_parse(&c, item, ICAL_VTODO_COMPONENT, o, err, p)))
        return rv;
    if ((s = eas_cal_text(c.master, ICAL_DESCRIPTION_PROPERTY)))
        eas_pim_write_body(enc, s, strlen(s), o, p);
    s = eas_cal_text(c.master, ICAL_SUMMARY_PROPERTY);
    eas_enc_str(enc, EAS_Tasks_Subject, s ? s : "");
    eas_enc_int(enc, EAS_Tasks_Importance, importance(c.master));
    write_dates(enc, &c, ICAL_DTSTART_PROPERTY, EAS_Tasks_UtcStartDate,
                EAS_Tasks_StartDate);
    write_dates(enc, &c, ICAL_DUE_PROPERTY, EAS_Tasks_UtcDueDate,
                EAS_Tasks_DueDate);
    eas_cal_write_categories(enc, c.master, EAS_Tasks_Categories,
                             EAS_Tasks_Category);
    if (task_rule(&c, &r) == 0)
        eas_recur_write(enc, &eas_recur_task_tags, &r, o->version, p);
    eas_enc_int(enc, EAS_Tasks_Complete, completed(c.master) ? 1 : 0);
    done = icalcomponent_get_first_property(c.master, ICAL_COMPLETED_PROPERTY);
    if (completed(c.master))
        eas_enc_str(enc, EAS_Tasks_DateCompleted, eas_pim_time_ext(
            done ? eas_cal_utc(icalproperty_get_completed(done), c.user)
                 : o->now, p));
    if (eas_cal_sensitivity(c.master) >= 0)
        eas_enc_int(enc, EAS_Tasks_Sensitivity,
                    eas_cal_sensitivity(c.master));
    if (task_alarm(&c, &when))
        eas_enc_str(enc, EAS_Tasks_ReminderTime, eas_pim_time_ext(when, p));
    eas_enc_int(enc, EAS_Tasks_ReminderSet, task_alarm(&c, &when) != NULL);
    return APR_SUCCESS;
}

/* ---- read ---- */

static apr_status_t phone_time(const eas_node_t *ad, eas_tag_t tag,
                               apr_time_t *t, int *has)
{
    const char *s = eas_node_text(ad, tag);

    *has = s != NULL;
    return s && (eas_pim_parse_time(s, t) < 0 || !eas_cal_time_ok(*t))
           ? APR_EINVAL : APR_SUCCESS;
}

/* DTSTART or DUE from the UTC and local forms the phone sent. */
static apr_status_t read_date(eas_cal_t *c, const eas_node_t *ad,
                              icalproperty_kind kind, eas_tag_t utc_tag,
                              eas_tag_t local_tag, const char **err)
{
    icalproperty *old = icalcomponent_get_first_property(c->master, kind);
    apr_time_t utc = 0, local = 0, ou, ol;
    int has_u, has_l;
    struct icaltimetype t;

    if (phone_time(ad, utc_tag, &utc, &has_u)
        || phone_time(ad, local_tag, &local, &has_l)) {
        *err = "bad task date";
        return APR_EINVAL;
    }
    if (!has_u && !has_l) {
        eas_cal_remove(c->master, kind, NULL);
        return APR_SUCCESS;
    }
    if (old && task_date(c, old, &ou, &ol) == 0
        && (!has_u || ou == utc) && (!has_l || ol == local))
        return APR_SUCCESS;
    if (has_l && apr_time_sec(local) % 86400 == 0) {
        t = icaltime_from_timet_with_zone((time_t)apr_time_sec(local), 1,
                                          NULL);
        eas_cal_set_time(c->master, kind, t, NULL);
        return APR_SUCCESS;
    }
    if (!has_u) {
        t = eas_cal_local(local, NULL);
        t.zone = NULL;
        utc = eas_cal_utc(t, c->user);
    }
    eas_cal_set_time(c->master, kind, eas_cal_local(utc, NULL), NULL);
    return APR_SUCCESS;
}

static void read_importance(eas_cal_t *c, const eas_node_t *ad)
{
    static const int prio[] = { 9, 5, 1 };
    const char *s = eas_node_text(ad, EAS_Tasks_Importance);
    int v = s ? atoi(s) : -1;

    if (v < 0 || v > 2) {
        eas_cal_remove(c->master, ICAL_PRIORITY_PROPERTY, NULL);
        return;
    }
    if (icalcomponent_get_first_property(c->master, ICAL_PRIORITY_PROPERTY)
        && importance(c->master) == v)
        return;
    if (v == 1 && !icalcomponent_get_first_property(c->master,
                                                   ICAL_PRIORITY_PROPERTY))
        return;
    eas_cal_remove(c->master, ICAL_PRIORITY_PROPERTY, NULL);
    icalcomponent_add_property(c->master, icalproperty_new_priority(prio[v]));
}

static apr_status_t read_complete(eas_cal_t *c, const eas_node_t *ad,
                                  const char **err)
{
    const char *s = eas_node_text(ad, EAS_Tasks_Complete);
    apr_time_t when = c->o->now;
    int has;

    if (phone_time(ad, EAS_Tasks_DateCompleted, &when, &has)) {
        *err = "bad DateCompleted";
        return APR_EINVAL;
    }
    if (s && atoi(s) == 1) {
        if (!completed(c->master) || has)
            eas_cal_set_time(c->master, ICAL_COMPLETED_PROPERTY,
                             eas_cal_local(when, NULL), NULL);
        icalcomponent_set_status(c->master, ICAL_STATUS_COMPLETED);
        return APR_SUCCESS;
    }
    if (completed(c->master)) {
        eas_cal_remove(c->master, ICAL_COMPLETED_PROPERTY, NULL);
        eas_cal_remove(c->master, ICAL_PERCENTCOMPLETE_PROPERTY, NULL);
        icalcomponent_set_status(c->master, ICAL_STATUS_NEEDSACTION);
    }
    return APR_SUCCESS;
}

static apr_status_t read_reminder(eas_cal_t *c, const eas_node_t *ad,
                                  const char **err)
{
    const char *set = eas_node_text(ad, EAS_Tasks_ReminderSet);
    apr_time_t want, old;
    icalcomponent *a = task_alarm(c, &old);
    struct icaltriggertype tr;
    int has;

    if (phone_time(ad, EAS_Tasks_ReminderTime, &want, &has)) {
        *err = "bad ReminderTime";
        return APR_EINVAL;
    }
    if (!set || atoi(set) != 1 || !has) {
        if (a) {
            icalcomponent_remove_component(c->master, a);
            icalcomponent_free(a);
        }
        return APR_SUCCESS;
    }
    if (a && old == want)
        return APR_SUCCESS;
    if (!a) {
        a = icalcomponent_new(ICAL_VALARM_COMPONENT);
        icalcomponent_add_property(a, icalproperty_new_action(
            ICAL_ACTION_DISPLAY));
        icalcomponent_add_property(a, icalproperty_new_description(
            "Reminder"));
        icalcomponent_add_component(c->master, a);
    }
    memset(&tr, 0, sizeof tr);
    tr.time = eas_cal_local(want, NULL);
    eas_cal_remove(a, ICAL_TRIGGER_PROPERTY, NULL);
    icalcomponent_add_property(a, icalproperty_new_trigger(tr));
    return APR_SUCCESS;
}

/* had: 1 a rule EAS says (was), -1 one it cannot say (kept), 0 none */
static apr_status_t read_recurrence(eas_cal_t *c, const eas_node_t *ad,
                                    int had, const eas_recur_t *was,
                                    const char **err)
{
    const eas_node_t *rec = eas_node_child(ad, EAS_Tasks_Recurrence);
    icalproperty *st;
    struct icalrecurrencetype rule;
    struct icaltimetype t;
    icaltimezone *z;
    eas_recur_t r;
    apr_status_t rv;

    if (!rec) {
        if (had >= 0)
            eas_cal_remove(c->master, ICAL_RRULE_PROPERTY, NULL);
        return APR_SUCCESS;
    }
    if ((rv = eas_recur_read(rec, &eas_recur_task_tags, &r, err)))
        return rv;
    if (had == 1 && eas_recur_same(was, &r))
        return APR_SUCCESS;
    st = icalcomponent_get_first_property(c->master, ICAL_DTSTART_PROPERTY);
    if (!st)
        st = icalcomponent_get_first_property(c->master, ICAL_DUE_PROPERTY);
    t = eas_cal_time(c, st, &z);
    if (icaltime_is_null_time(t)) {
        *err = "recurring task without a start or due date";
        return APR_EINVAL;
    }
    eas_recur_to_rrule(&r, t, t.is_date ? c->user : z, &rule);
    eas_cal_remove(c->master, ICAL_RRULE_PROPERTY, NULL);
    icalcomponent_add_property(c->master, icalproperty_new_rrule(rule));
    return APR_SUCCESS;
}

static void stamp(eas_cal_t *c, int is_new, eas_pim_item_t *out)
{
    struct icaltimetype now = eas_cal_local(c->o->now, NULL);
    const char *uid = eas_cal_text(c->master, ICAL_UID_PROPERTY);

    if (!uid || !*uid) {
        uid = eas_pim_new_uid(c->p);
        icalcomponent_set_uid(c->master, uid);
    }
    out->uid = apr_pstrdup(c->p, uid);
    eas_cal_set_time(c->master, ICAL_DTSTAMP_PROPERTY, now, NULL);
    eas_cal_set_time(c->master, ICAL_LASTMODIFIED_PROPERTY, now, NULL);
    if (is_new)
        eas_cal_set_time(c->master, ICAL_CREATED_PROPERTY, now, NULL);
}

static apr_status_t task_read(const eas_node_t *ad, const eas_blob_t *old,
                              const eas_pim_opts_t *o, eas_pim_item_t *out,
                              const char **err, apr_pool_t *p)
{
    eas_cal_t c;
    eas_recur_t was;
    const char *body;
    int is_new = !old || !old->len, had = 0;
    apr_status_t rv;

    if (is_new)
        eas_cal_new(&c, ICAL_VTODO_COMPONENT, o, p);
    else if ((rv = eas_cal_parse(&c, old, ICAL_VTODO_COMPONENT, o, err, p)))
        return rv;
    memset(&was, 0, sizeof was);
    if (icalcomponent_get_first_property(c.master, ICAL_RRULE_PROPERTY))
        had = task_rule(&c, &was) == 0 ? 1 : -1;
    eas_cal_set_text(c.master, ICAL_SUMMARY_PROPERTY,
                     eas_node_text(ad, EAS_Tasks_Subject)
                     && *eas_node_text(ad, EAS_Tasks_Subject)
                     ? eas_node_text(ad, EAS_Tasks_Subject) : NULL);
    if ((body = eas_pim_read_body(ad, EAS_Tasks_Body, p)))
        eas_cal_set_text(c.master, ICAL_DESCRIPTION_PROPERTY,
                         *body ? body : NULL);
    read_importance(&c, ad);
    eas_cal_set_sensitivity(c.master, eas_node_text(ad, EAS_Tasks_Sensitivity));
    eas_cal_read_categories(c.master, ad, EAS_Tasks_Categories,
                            EAS_Tasks_Category);
    /* the alarm first: it may be relative to the dates that change */
    if ((rv = read_reminder(&c, ad, err))
        || (rv = read_date(&c, ad, ICAL_DTSTART_PROPERTY,
                           EAS_Tasks_UtcStartDate, EAS_Tasks_StartDate, err))
        || (rv = read_date(&c, ad, ICAL_DUE_PROPERTY, EAS_Tasks_UtcDueDate,
                           EAS_Tasks_DueDate, err))
        || (rv = read_complete(&c, ad, err))
        || (rv = read_recurrence(&c, ad, had, &was, err)))
        return rv;
    stamp(&c, is_new, out);
    return eas_cal_serialize(&c, &out->data, err);
}

const eas_pim_class_t eas_pim_tasks = {
    EAS_CLASS_TASKS, "text/calendar", task_write, task_read
};
