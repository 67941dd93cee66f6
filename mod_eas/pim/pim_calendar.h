/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the Calendar converter's files share (pim_calendar.c writes,
 * pim_calendar_read.c and pim_calendar_exc.c read): the parsed object,
 * its zones, times, and the mappings between iCalendar properties and
 * MS-ASCAL values.  Tasks (pim_task.c) use the object and time helpers.
 */
#ifndef EAS_PIM_CALENDAR_H
#define EAS_PIM_CALENDAR_H

#include <libical/ical.h>

#include "pim.h"
#include "pim_recur.h"
#include "pim_tz.h"

/* An iCalendar object being converted. */
typedef struct {
    icalcomponent *vcal;        /* VCALENDAR */
    icalcomponent *master;      /* the VEVENT (VTODO) without RECURRENCE-ID */
    icaltimezone *user;         /* opts->tzid's zone, or UTC */
    const eas_pim_opts_t *o;
    apr_pool_t *p;
    int no_vtimezone;           /* all-day: built-in zones not added */
} eas_cal_t;

/*
 * Parse item bytes into c (freed with the pool); kind: VEVENT or VTODO.
 * APR_EINVAL with *err when it is not iCalendar or has no such component.
 */
apr_status_t eas_cal_parse(eas_cal_t *c, const eas_blob_t *item,
                           icalcomponent_kind kind, const eas_pim_opts_t *o,
                           const char **err, apr_pool_t *p);
/* A new VCALENDAR (PRODID, VERSION) with an empty component of kind. */
void eas_cal_new(eas_cal_t *c, icalcomponent_kind kind,
                 const eas_pim_opts_t *o, apr_pool_t *p);
/* The object as text; APR_EINVAL when larger than opts->max_item. */
apr_status_t eas_cal_serialize(eas_cal_t *c, eas_blob_t *out,
                               const char **err);

/* The zone of a date-time property: its VTIMEZONE, a built-in or Windows
   zone of its TZID, else the user's zone (also for UTC and floating). */
icaltimezone *eas_cal_zone(eas_cal_t *c, icalproperty *prop);
/* A property's time and the zone it is read in. */
struct icaltimetype eas_cal_time(eas_cal_t *c, icalproperty *prop,
                                 icaltimezone **zone);
/* UTC of a time (a DATE: its midnight) read in zone (UTC ones as such). */
apr_time_t eas_cal_utc(struct icaltimetype t, icaltimezone *zone);
/* Whether a phone's time is one iCalendar (libical) holds: 1601-2999. */
int eas_cal_time_ok(apr_time_t t);
/* The local time in zone of a UTC time. */
struct icaltimetype eas_cal_local(apr_time_t t, icaltimezone *zone);
/* The local day in zone nearest to a UTC time (all-day events from
   phones whose midnights are another zone's). */
struct icaltimetype eas_cal_day(apr_time_t t, icaltimezone *zone);

/* Set a date-time property of comp (replacing it): a DATE, UTC, or local
   in a zone with TZID tzid. */
void eas_cal_set_time(icalcomponent *comp, icalproperty_kind kind,
                      struct icaltimetype t, const char *tzid);
/* Replace (or with value NULL remove) every property of kind with one
   text value. */
void eas_cal_set_text(icalcomponent *comp, icalproperty_kind kind,
                      const char *value);
/* Remove every property of kind (x_name: an X- property's name). */
void eas_cal_remove(icalcomponent *comp, icalproperty_kind kind,
                    const char *x_name);
/* The first X- property named name, or NULL. */
icalproperty *eas_cal_x(icalcomponent *comp, const char *name);
/* The address of a CAL-ADDRESS without "mailto:". */
const char *eas_cal_addr(const char *v);

/* The time zone to write a phone's times in, chosen by rules: the old
   event's zone, the user's, a built-in one, else a VTIMEZONE of its own
   (added to the object).  Returns the TZID; *zone for conversions. */
const char *eas_cal_phone_zone(eas_cal_t *c, const eas_tzinfo_t *ti,
                               int year, const char *old_tzid,
                               icaltimezone **zone);

/* Body (DESCRIPTION) and categories, for Calendar and Tasks. */
void eas_cal_write_categories(eas_wbxml_enc_t *enc, icalcomponent *comp,
                              eas_tag_t list, eas_tag_t item);
void eas_cal_read_categories(icalcomponent *comp, const eas_node_t *appdata,
                             eas_tag_t list, eas_tag_t item);
/* CLASS <-> Sensitivity (0 normal, 1 personal, 2 private, 3 confidential):
   -1 when there is no CLASS. */
int eas_cal_sensitivity(icalcomponent *comp);
void eas_cal_set_sensitivity(icalcomponent *comp, const char *value);

/* The alarm EAS carries: the first DISPLAY or AUDIO VALARM triggered
   relative to the start (or due date); NULL when none. */
icalcomponent *eas_cal_alarm(icalcomponent *comp, int *minutes);

/* Calendar: the series' EXDATEs and overrides as Exceptions. */
void eas_cal_write_exceptions(eas_wbxml_enc_t *enc, eas_cal_t *c,
                              icaltimezone *zone, int all_day);
/* Calendar: apply the phone's Exceptions to the master's series. */
apr_status_t eas_cal_read_exceptions(eas_cal_t *c, const eas_node_t *exc,
                                     const char *tzid, icaltimezone *zone,
                                     const char **err);
/* Calendar: the override of the series' occurrence at UTC time t (made
   from the master when there is none); with del the occurrence is
   removed (EXDATE) and the master returned; NULL when the series has no
   occurrence exactly at t. */
icalcomponent *eas_cal_instance(eas_cal_t *c, apr_time_t t, int del);
/* Calendar: the fields an event and its exceptions share, from EAS. */
apr_status_t eas_cal_read_fields(eas_cal_t *c, icalcomponent *ev,
                                 const eas_node_t *ad, const char *tzid,
                                 icaltimezone *zone, int exception,
                                 const char **err);
/* Calendar: the fields an event and its exceptions share, to EAS;
   master: the series' master for an exception (only what differs),
   NULL for the event itself. */
void eas_cal_write_fields(eas_wbxml_enc_t *enc, eas_cal_t *c,
                          icalcomponent *ev, icalcomponent *master,
                          icaltimezone *zone);

/* An event's (or override's) times. */
typedef struct {
    struct icaltimetype dtstart;
    icaltimezone *zone;         /* for the TimeZone element */
    apr_time_t start, end;
    int all_day;
} eas_cal_span_t;

/* Calendar: an event's start, end and zone (all-day: the user's zone);
   -1 when it has no valid DTSTART. */
int eas_cal_span(eas_cal_t *c, icalcomponent *ev, eas_cal_span_t *s);
/* Calendar: the master's series as EAS says it; -1 when it has none EAS
   can say. */
int eas_cal_series_rule(eas_cal_t *c, const eas_cal_span_t *s,
                        eas_recur_t *r);

/* Calendar: a TEXT property's value, or NULL. */
const char *eas_cal_text(icalcomponent *e, icalproperty_kind kind);
/* Calendar: BusyStatus of an event (X-MICROSOFT-CDO-BUSYSTATUS, TRANSP,
   STATUS). */
int eas_cal_busy(icalcomponent *ev, int version);
/* Calendar: PARTSTAT -> AttendeeStatus (0 unknown, 2 tentative,
   3 accepted, 4 declined, 5 not responded). */
int eas_cal_partstat(icalproperty *att);
/* Calendar: ROLE, CUTYPE -> AttendeeType (1 required, 2 optional,
   3 resource). */
int eas_cal_attendee_type(icalproperty *att);
/* Calendar: the phone's <ApplicationData> onto old (NULL: a new event). */
apr_status_t eas_cal_read(const eas_node_t *appdata, const eas_blob_t *old,
                          const eas_pim_opts_t *o, eas_pim_item_t *out,
                          const char **err, apr_pool_t *p);

#endif
