/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Recurrence between RRULE (RFC 5545 3.3.10) and the EAS Recurrence
 * element of Calendar (MS-ASCAL 2.2.2.38) and Tasks (MS-ASTASK 2.2.2.21),
 * one code for both through a table of tag ids.
 */
#ifndef EAS_PIM_RECUR_H
#define EAS_PIM_RECUR_H

#include <libical/ical.h>

#include "pim.h"

typedef struct {
    eas_tag_t recurrence, type, until, occurrences, interval, day_of_week,
        day_of_month, week_of_month, month_of_year, calendar_type,
        is_leap_month, first_day_of_week;
    eas_tag_t start, regenerate, dead_occur;    /* Tasks only, else 0 */
    int compact;                /* dates: 1 compact (Calendar), 0 extended */
    int interval_always;        /* Interval even when 1 (Email requires
                                   it) */
} eas_recur_tags_t;

/* Calendar, Tasks, and Email's MeetingRequest (MS-ASEMAIL 2.2.2.60) */
extern const eas_recur_tags_t eas_recur_calendar_tags, eas_recur_task_tags,
    eas_recur_email_tags;

/* EAS Recurrence types */
enum {
    EAS_RECUR_DAILY = 0, EAS_RECUR_WEEKLY = 1, EAS_RECUR_MONTHLY = 2,
    EAS_RECUR_MONTHLY_NTH = 3, EAS_RECUR_YEARLY = 5, EAS_RECUR_YEARLY_NTH = 6
};

/* A Recurrence element's content; 0 (or -1 for fdow) for what is absent. */
typedef struct {
    int type, interval, occurrences;
    int dow_mask;               /* Sunday 1, Monday 2, ... Saturday 64 */
    int dom, wom, moy;          /* wom 5: last */
    int fdow;                   /* 0 Sunday .. 6 Saturday, -1 absent */
    apr_time_t until;           /* 0: none */
    apr_time_t start;           /* Tasks: Start, 0: none */
    int regenerate, dead_occur; /* Tasks */
} eas_recur_t;

/*
 * An RRULE as EAS can say it, for a series starting at start (local time
 * in zone; a DATE for all-day series, whose UNTIL dates are taken as that
 * local day at start's time of day).  Returns 0, or -1 when EAS cannot
 * express the rule (several BYMONTHDAY, BYHOUR, BYSETPOS lists, FREQ
 * below DAILY...).
 */
int eas_recur_from_rrule(const struct icalrecurrencetype *r,
                         struct icaltimetype start, icaltimezone *zone,
                         eas_recur_t *out);

/* The Recurrence element (CalendarType and IsLeapMonth from 14.0,
   FirstDayOfWeek from 14.1). */
void eas_recur_write(eas_wbxml_enc_t *enc, const eas_recur_tags_t *tags,
                     const eas_recur_t *r, int version, apr_pool_t *p);

/* The phone's Recurrence element; APR_EINVAL with *err for what cannot
   be a rule (no Type, a lunar calendar, a leap month, bad numbers). */
apr_status_t eas_recur_read(const eas_node_t *rec,
                            const eas_recur_tags_t *tags, eas_recur_t *out,
                            const char **err);

/*
 * The RRULE for a rule read from the phone, for a series starting at
 * start in zone (UNTIL: a DATE when start is one, the local day in zone;
 * otherwise UTC).
 */
void eas_recur_to_rrule(const eas_recur_t *r, struct icaltimetype start,
                        icaltimezone *zone, struct icalrecurrencetype *out);

/* Whether two rules say the same (Tasks' Start is not compared). */
int eas_recur_same(const eas_recur_t *a, const eas_recur_t *b);

#endif
