/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iCalendar helpers of the Calendar and Tasks converters (RFC 5545 through
 * libical): parsing and writing the object, the zone and UTC time of
 * date-time properties, the zone to write a phone's times in, and the
 * properties both classes share (CATEGORIES, CLASS, the alarm EAS
 * carries).
 */
#include "pim_calendar.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PRODID "-//mod_eas//ActiveSync groupware//EN"

static apr_status_t free_comp(void *c)
{
    icalcomponent_free(c);
    return APR_SUCCESS;
}

static icaltimezone *user_zone(const eas_pim_opts_t *o)
{
    icaltimezone *z = o->tzid ? eas_tz_builtin(o->tzid) : NULL;

    return z ? z : icaltimezone_get_utc_timezone();
}

static icalcomponent *first_master(icalcomponent *vcal,
                                   icalcomponent_kind kind)
{
    icalcomponent *e;

    for (e = icalcomponent_get_first_component(vcal, kind); e;
         e = icalcomponent_get_next_component(vcal, kind))
        if (!icalcomponent_get_first_property(e, ICAL_RECURRENCEID_PROPERTY))
            return e;
    return icalcomponent_get_first_component(vcal, kind);
}

/* The VCALENDAR of what the parser gave: itself, the first one inside an
   XROOT, or a bare component wrapped into one. */
static icalcomponent *calendar_of(icalcomponent *root)
{
    icalcomponent *v;

    switch (icalcomponent_isa(root)) {
    case ICAL_VCALENDAR_COMPONENT:
        return root;
    case ICAL_XROOT_COMPONENT:
        v = icalcomponent_get_first_component(root, ICAL_VCALENDAR_COMPONENT);
        if (v)
            icalcomponent_remove_component(root, v);
        icalcomponent_free(root);
        return v;
    case ICAL_VEVENT_COMPONENT:
    case ICAL_VTODO_COMPONENT:
        v = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
        icalcomponent_add_component(v, root);
        return v;
    default:
        icalcomponent_free(root);
        return NULL;
    }
}

apr_status_t eas_cal_parse(eas_cal_t *c, const eas_blob_t *item,
                           icalcomponent_kind kind, const eas_pim_opts_t *o,
                           const char **err, apr_pool_t *p)
{
    icalcomponent *root;

    memset(c, 0, sizeof *c);
    c->o = o;
    c->p = p;
    c->user = user_zone(o);
    root = item && item->len ? icalparser_parse_string(
        apr_pstrndup(p, item->data, item->len)) : NULL;
    if (!root || !(c->vcal = calendar_of(root))) {
        *err = "not iCalendar";
        return APR_EINVAL;
    }
    apr_pool_cleanup_register(p, c->vcal, free_comp, apr_pool_cleanup_null);
    if (!(c->master = first_master(c->vcal, kind))) {
        *err = kind == ICAL_VTODO_COMPONENT ? "no VTODO" : "no VEVENT";
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

void eas_cal_new(eas_cal_t *c, icalcomponent_kind kind,
                 const eas_pim_opts_t *o, apr_pool_t *p)
{
    memset(c, 0, sizeof *c);
    c->o = o;
    c->p = p;
    c->user = user_zone(o);
    c->vcal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
    icalcomponent_add_property(c->vcal, icalproperty_new_prodid(PRODID));
    icalcomponent_add_property(c->vcal, icalproperty_new_version("2.0"));
    c->master = icalcomponent_new(kind);
    icalcomponent_add_component(c->vcal, c->master);
    apr_pool_cleanup_register(p, c->vcal, free_comp, apr_pool_cleanup_null);
}

apr_status_t eas_cal_serialize(eas_cal_t *c, eas_blob_t *out,
                               const char **err)
{
    char *s = icalcomponent_as_ical_string_r(c->vcal);
    apr_size_t len = s ? strlen(s) : 0;

    if (!s || (c->o->max_item && len > c->o->max_item)) {
        free(s);
        *err = "item too large";
        return APR_EINVAL;
    }
    out->data = apr_pstrmemdup(c->p, s, len);
    out->len = len;
    free(s);
    return APR_SUCCESS;
}

/* ---- zones and times ---- */

static const char *tzid_of(icalproperty *prop)
{
    icalparameter *tz = icalproperty_get_first_parameter(prop,
                                                         ICAL_TZID_PARAMETER);

    return tz ? icalparameter_get_tzid(tz) : NULL;
}

/*
 * The zone of a TZID.  A name that is a known zone (Olson, Windows, or
 * either behind a prefix) is read with libical's built-in rules: every
 * client writes those zones' real rules, and the built-in ones are
 * expanded once per process where an object's own VTIMEZONE would be
 * expanded (from 1601, as Outlook writes them) for every item.  Any
 * other name is read with the object's VTIMEZONE.
 */
static icaltimezone *zone_of_tzid(eas_cal_t *c, const char *tzid)
{
    icaltimezone *z = eas_tz_builtin(tzid);

    return z ? z : icalcomponent_get_timezone(c->vcal, tzid);
}

icaltimezone *eas_cal_zone(eas_cal_t *c, icalproperty *prop)
{
    const char *tzid = prop ? tzid_of(prop) : NULL;
    icaltimezone *z;

    if (!tzid)
        return c->user;
    if ((z = zone_of_tzid(c, tzid)))
        return z;
    return c->user;
}

struct icaltimetype eas_cal_time(eas_cal_t *c, icalproperty *prop,
                                 icaltimezone **zone)
{
    icalvalue *v = prop ? icalproperty_get_value(prop) : NULL;
    struct icaltimetype t = icaltime_null_time();
    icalvalue_kind k = v ? icalvalue_isa(v) : ICAL_NO_VALUE;

    if (k == ICAL_DATETIME_VALUE || k == ICAL_DATE_VALUE
        || k == ICAL_DATETIMEDATE_VALUE)
        t = icalvalue_get_datetime(v);
    if (k == ICAL_DATETIMEPERIOD_VALUE)
        t = icalvalue_get_datetimeperiod(v).time;
    if (!icaltime_is_valid_time(t) || t.year < 1601 || t.year > 9999)
        t = icaltime_null_time();
    if (zone)
        *zone = eas_cal_zone(c, prop);
    if (!icaltime_is_utc(t))
        t.zone = NULL;
    return t;
}

apr_time_t eas_cal_utc(struct icaltimetype t, icaltimezone *zone)
{
    if (icaltime_is_null_time(t))
        return 0;
    if (icaltime_is_utc(t) && !t.is_date)
        return apr_time_from_sec(icaltime_as_timet(t));
    if (t.is_date) {
        t.is_date = 0;
        t.hour = t.minute = t.second = 0;
    }
    t.zone = NULL;
    return apr_time_from_sec(icaltime_as_timet_with_zone(
        t, zone ? zone : icaltimezone_get_utc_timezone()));
}

int eas_cal_time_ok(apr_time_t t)
{
    apr_time_exp_t tm;

    apr_time_exp_gmt(&tm, t);
    return tm.tm_year + 1900 >= 1601 && tm.tm_year + 1900 <= 2999;
}

struct icaltimetype eas_cal_local(apr_time_t t, icaltimezone *zone)
{
    return icaltime_from_timet_with_zone((time_t)apr_time_sec(t), 0,
        zone ? zone : icaltimezone_get_utc_timezone());
}

struct icaltimetype eas_cal_day(apr_time_t t, icaltimezone *zone)
{
    struct icaltimetype l = eas_cal_local(t, zone);

    if (l.hour >= 12)
        icaltime_adjust(&l, 1, 0, 0, 0);
    l.is_date = 1;
    l.hour = l.minute = l.second = 0;
    l.zone = NULL;
    return l;
}

void eas_cal_set_time(icalcomponent *comp, icalproperty_kind kind,
                      struct icaltimetype t, const char *tzid)
{
    icalproperty *prop = icalcomponent_get_first_property(comp, kind);
    icalvalue *v;

    if (!prop) {
        prop = icalproperty_new(kind);
        icalcomponent_add_property(comp, prop);
    }
    while (icalcomponent_get_next_property(comp, kind))
        icalcomponent_remove_property(comp,
            icalcomponent_get_current_property(comp));
    icalproperty_remove_parameter_by_kind(prop, ICAL_TZID_PARAMETER);
    icalproperty_remove_parameter_by_kind(prop, ICAL_VALUE_PARAMETER);
    if (t.is_date) {
        t.zone = NULL;
        v = icalvalue_new_date(t);
        icalproperty_add_parameter(prop, icalparameter_new_value(
            ICAL_VALUE_DATE));
    } else if (!tzid) {
        t.zone = icaltimezone_get_utc_timezone();
        v = icalvalue_new_datetime(t);
    } else {
        t.zone = NULL;
        v = icalvalue_new_datetime(t);
        icalproperty_add_parameter(prop, icalparameter_new_tzid(tzid));
    }
    icalproperty_set_value(prop, v);
}

void eas_cal_remove(icalcomponent *comp, icalproperty_kind kind,
                    const char *x_name)
{
    icalproperty *prop, *next;

    for (prop = icalcomponent_get_first_property(comp, kind); prop;
         prop = next) {
        next = icalcomponent_get_next_property(comp, kind);
        if (x_name && strcasecmp(icalproperty_get_x_name(prop)
                                 ? icalproperty_get_x_name(prop) : "",
                                 x_name) != 0)
            continue;
        icalcomponent_remove_property(comp, prop);
        icalproperty_free(prop);
    }
}

void eas_cal_set_text(icalcomponent *comp, icalproperty_kind kind,
                      const char *value)
{
    icalproperty *prop = icalcomponent_get_first_property(comp, kind);

    if (!value) {
        eas_cal_remove(comp, kind, NULL);
        return;
    }
    if (!prop) {
        prop = icalproperty_new(kind);
        icalcomponent_add_property(comp, prop);
    }
    icalproperty_set_value(prop, icalvalue_new_text(value));
}

icalproperty *eas_cal_x(icalcomponent *comp, const char *name)
{
    icalproperty *prop;

    for (prop = icalcomponent_get_first_property(comp, ICAL_X_PROPERTY); prop;
         prop = icalcomponent_get_next_property(comp, ICAL_X_PROPERTY))
        if (icalproperty_get_x_name(prop)
            && strcasecmp(icalproperty_get_x_name(prop), name) == 0)
            return prop;
    return NULL;
}

const char *eas_cal_addr(const char *v)
{
    if (v && strncasecmp(v, "mailto:", 7) == 0)
        return v + 7;
    return v;
}

/* ---- the zone for a phone's times ---- */

static const char *olson_name(icaltimezone *z)
{
    const char *tzid = icaltimezone_get_tzid(z), *s;

    if (!tzid || *tzid != '/')
        return tzid;
    for (s = tzid; (s = strchr(s, '/')); s++)
        if (s[1] && eas_tz_builtin(s + 1) == z)
            return s + 1;
    return tzid;
}

/* A built-in zone's VTIMEZONE under its Olson name, from year on. */
static const char *add_builtin(eas_cal_t *c, icaltimezone *z, int year)
{
    const char *name = apr_pstrdup(c->p, olson_name(z));
    icalcomponent *vtz;
    char start[32];

    if (c->no_vtimezone || icalcomponent_get_timezone(c->vcal, name))
        return name;
    vtz = icalcomponent_new_clone(icaltimezone_get_component(z));
    apr_snprintf(start, sizeof start, "%04d0101T000000",
                 year > 1602 ? year - 1 : 1601);
    icaltimezone_truncate_vtimezone(vtz, icaltime_from_string(start),
                                    icaltime_null_time(), 0);
    eas_cal_remove(vtz, ICAL_TZID_PROPERTY, NULL);
    icalcomponent_add_property(vtz, icalproperty_new_tzid(name));
    icalcomponent_add_component(c->vcal, vtz);
    return name;
}

static int zone_fits(icaltimezone *z, const eas_tzinfo_t *ti, int year)
{
    eas_tzinfo_t zi;

    if (!z)
        return 0;
    eas_tz_info_from_zone(z == icaltimezone_get_utc_timezone() ? NULL : z,
                          year, &zi);
    return eas_tz_same_rules(&zi, ti, year);
}

static const char *add_custom(eas_cal_t *c, const eas_tzinfo_t *ti, int year,
                              icaltimezone **zone)
{
    const char *base = ti->std_name[0] ? ti->std_name : "Custom";
    const char *tzid = base;
    icaltimezone *z;
    int n = 1;

    while ((z = icalcomponent_get_timezone(c->vcal, tzid))) {
        if (zone_fits(z, ti, year)) {
            *zone = z;
            return tzid;
        }
        tzid = apr_psprintf(c->p, "%s %d", base, ++n);
    }
    icalcomponent_add_component(c->vcal, eas_tz_vtimezone(ti, tzid));
    *zone = icalcomponent_get_timezone(c->vcal, tzid);
    return tzid;
}

const char *eas_cal_phone_zone(eas_cal_t *c, const eas_tzinfo_t *ti,
                               int year, const char *old_tzid,
                               icaltimezone **zone)
{
    icaltimezone *z = NULL;

    old_tzid = old_tzid ? apr_pstrdup(c->p, old_tzid) : NULL;
    if (old_tzid && (z = zone_of_tzid(c, old_tzid))
        && zone_fits(z, ti, year)) {
        *zone = z;
        if (!icalcomponent_get_timezone(c->vcal, old_tzid))
            add_builtin(c, z, year);
        return icalcomponent_get_timezone(c->vcal, old_tzid) ? old_tzid
               : olson_name(z);
    }
    if (c->user != icaltimezone_get_utc_timezone()
        && zone_fits(c->user, ti, year))
        z = c->user;
    else if (!zone_fits(icaltimezone_get_utc_timezone(), ti, year))
        z = eas_tz_find(ti, year);
    else {
        *zone = icaltimezone_get_utc_timezone();
        return NULL;
    }
    if (z) {
        *zone = z;
        return add_builtin(c, z, year);
    }
    return add_custom(c, ti, year, zone);
}

/* ---- shared properties ---- */

void eas_cal_write_categories(eas_wbxml_enc_t *enc, icalcomponent *comp,
                              eas_tag_t list, eas_tag_t item)
{
    icalproperty *prop;
    char buf[1024], *tok, *last;
    int open = 0;

    for (prop = icalcomponent_get_first_property(comp,
             ICAL_CATEGORIES_PROPERTY); prop;
         prop = icalcomponent_get_next_property(comp,
             ICAL_CATEGORIES_PROPERTY)) {
        apr_cpystrn(buf, icalproperty_get_categories(prop)
                         ? icalproperty_get_categories(prop) : "",
                    sizeof buf);
        for (tok = apr_strtok(buf, ",", &last); tok;
             tok = apr_strtok(NULL, ",", &last)) {
            if (!*tok)
                continue;
            if (!open++)
                eas_enc_start(enc, list);
            eas_enc_str(enc, item, tok);
        }
    }
    if (open)
        eas_enc_end(enc);
}

void eas_cal_read_categories(icalcomponent *comp, const eas_node_t *appdata,
                             eas_tag_t list, eas_tag_t item)
{
    const eas_node_t *l = eas_node_child(appdata, list), *n;

    eas_cal_remove(comp, ICAL_CATEGORIES_PROPERTY, NULL);
    for (n = l ? eas_node_child(l, item) : NULL; n; n = eas_node_next(n, item))
        if (n->value && *n->value)
            icalcomponent_add_property(comp,
                                       icalproperty_new_categories(n->value));
}

int eas_cal_sensitivity(icalcomponent *comp)
{
    icalproperty *prop = icalcomponent_get_first_property(comp,
                                                          ICAL_CLASS_PROPERTY);

    if (!prop)
        return -1;
    switch (icalproperty_get_class(prop)) {
    case ICAL_CLASS_PRIVATE:
        return 2;
    case ICAL_CLASS_CONFIDENTIAL:
        return 3;
    default:
        return 0;
    }
}

void eas_cal_set_sensitivity(icalcomponent *comp, const char *value)
{
    static const enum icalproperty_class cls[] = {
        ICAL_CLASS_PUBLIC, ICAL_CLASS_PRIVATE, ICAL_CLASS_PRIVATE,
        ICAL_CLASS_CONFIDENTIAL };
    int v = value ? atoi(value) : -1;
    icalproperty *prop = icalcomponent_get_first_property(comp,
                                                          ICAL_CLASS_PROPERTY);

    if (v < 0 || v > 3 || (v == 0 && !prop)) {
        eas_cal_remove(comp, ICAL_CLASS_PROPERTY, NULL);
        return;
    }
    if (v == 1 && eas_cal_sensitivity(comp) == 2)
        return;
    if (!prop) {
        prop = icalproperty_new_class(cls[v]);
        icalcomponent_add_property(comp, prop);
    }
    icalproperty_set_class(prop, cls[v]);
}

icalcomponent *eas_cal_alarm(icalcomponent *comp, int *minutes)
{
    icalcomponent *a;
    icalproperty *act, *trig;
    struct icaltriggertype tr;
    icalparameter *rel;
    int secs;

    for (a = icalcomponent_get_first_component(comp, ICAL_VALARM_COMPONENT);
         a; a = icalcomponent_get_next_component(comp, ICAL_VALARM_COMPONENT)) {
        act = icalcomponent_get_first_property(a, ICAL_ACTION_PROPERTY);
        trig = icalcomponent_get_first_property(a, ICAL_TRIGGER_PROPERTY);
        if (!act || !trig || (icalproperty_get_action(act) != ICAL_ACTION_DISPLAY
                              && icalproperty_get_action(act)
                                 != ICAL_ACTION_AUDIO))
            continue;
        rel = icalproperty_get_first_parameter(trig, ICAL_RELATED_PARAMETER);
        tr = icalproperty_get_trigger(trig);
        if ((rel && icalparameter_get_related(rel) == ICAL_RELATED_END)
            || !icaltime_is_null_time(tr.time))
            continue;
        secs = -icaldurationtype_as_int(tr.duration);
        if (secs < 0)
            continue;
        *minutes = secs / 60;
        return a;
    }
    return NULL;
}
