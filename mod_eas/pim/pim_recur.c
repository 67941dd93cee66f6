/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Recurrence rules: RRULE (RFC 5545 3.3.10) <-> the Recurrence element of
 * MS-ASCAL 2.2.2.38 and MS-ASTASK 2.2.2.21 (Type 0 daily, 1 weekly with
 * a DayOfWeek mask, 2 monthly on a day, 3 monthly on the nth weekday
 * (WeekOfMonth 5: last), 5 yearly on a date, 6 yearly on the nth
 * weekday; Interval, Until, Occurrences, FirstDayOfWeek; CalendarType
 * and IsLeapMonth: Gregorian only).
 *
 * A rule EAS cannot say (BYHOUR, BYSETPOS lists, several BYMONTHDAY,
 * FREQ below DAILY, RSCALE...) is reported as such: the converters then
 * send the series without Recurrence and keep the server's rule when the
 * phone changes the event (see pim_calendar.c).
 */
#include "pim_recur.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <strings.h>

const eas_recur_tags_t eas_recur_calendar_tags = {
    EAS_Calendar_Recurrence, EAS_Calendar_Type, EAS_Calendar_Until,
    EAS_Calendar_Occurrences, EAS_Calendar_Interval, EAS_Calendar_DayOfWeek,
    EAS_Calendar_DayOfMonth, EAS_Calendar_WeekOfMonth,
    EAS_Calendar_MonthOfYear, EAS_Calendar_CalendarType,
    EAS_Calendar_IsLeapMonth, EAS_Calendar_FirstDayOfWeek, 0, 0, 0, 1, 0
};

const eas_recur_tags_t eas_recur_task_tags = {
    EAS_Tasks_Recurrence, EAS_Tasks_Type, EAS_Tasks_Until,
    EAS_Tasks_Occurrences, EAS_Tasks_Interval, EAS_Tasks_DayOfWeek,
    EAS_Tasks_DayOfMonth, EAS_Tasks_WeekOfMonth, EAS_Tasks_MonthOfYear,
    EAS_Tasks_CalendarType, EAS_Tasks_IsLeapMonth, EAS_Tasks_FirstDayOfWeek,
    EAS_Tasks_Start, EAS_Tasks_Regenerate, EAS_Tasks_DeadOccur, 0, 0
};

const eas_recur_tags_t eas_recur_email_tags = {
    EAS_Email_Recurrence, EAS_Email_Type, EAS_Email_Until,
    EAS_Email_Occurrences, EAS_Email_Interval, EAS_Email_DayOfWeek,
    EAS_Email_DayOfMonth, EAS_Email_WeekOfMonth, EAS_Email_MonthOfYear,
    EAS_Email2_CalendarType, EAS_Email2_IsLeapMonth,
    EAS_Email2_FirstDayOfWeek, 0, 0, 0, 1, 1
};

#define END ICAL_RECURRENCE_ARRAY_MAX

static int count(const short *a, int size)
{
    int n = 0;

    while (n < size && a[n] != END)
        n++;
    return n;
}

/* Sunday 1 .. Saturday 7 (libical) -> the DayOfWeek bit */
static int day_bit(short day)
{
    return 1 << ((int)icalrecurrencetype_day_day_of_week(day) - 1);
}

static short encode_day(int bit_index, int pos)
{
    return (short)(pos < 0 ? -(8 * -pos + bit_index + 1)
                   : 8 * pos + bit_index + 1);
}

/* BYDAY without positions -> a mask; -1 when one has a position. */
static int plain_mask(const struct icalrecurrencetype *r)
{
    int i, mask = 0;

    for (i = 0; i < ICAL_BY_DAY_SIZE && r->by_day[i] != END; i++) {
        if (icalrecurrencetype_day_position(r->by_day[i]))
            return -1;
        mask |= day_bit(r->by_day[i]);
    }
    return mask;
}

/* WeekOfMonth for a position: 1-4, 5 for last; 0 if EAS has none. */
static int week_of(int pos)
{
    return pos >= 1 && pos <= 4 ? pos : pos == -1 ? 5 : 0;
}

/* The "nth weekday" part of a monthly or yearly rule. */
static int nth_day(const struct icalrecurrencetype *r, eas_recur_t *o)
{
    int nd = count(r->by_day, ICAL_BY_DAY_SIZE);
    int ns = count(r->by_set_pos, ICAL_BY_SETPOS_SIZE);

    if (nd == 1 && ns == 0) {
        o->wom = week_of(icalrecurrencetype_day_position(r->by_day[0]));
        o->dow_mask = day_bit(r->by_day[0]);
        return o->wom ? 0 : -1;
    }
    if (nd < 1 || ns != 1 || plain_mask(r) <= 0)
        return -1;
    o->dow_mask = plain_mask(r);
    o->wom = week_of(r->by_set_pos[0]);
    return o->wom ? 0 : -1;
}

static int monthly(const struct icalrecurrencetype *r,
                   struct icaltimetype start, eas_recur_t *o)
{
    int nm = count(r->by_month_day, ICAL_BY_MONTHDAY_SIZE);
    int nd = count(r->by_day, ICAL_BY_DAY_SIZE);

    if (nm && nd)
        return -1;
    if (nd) {
        o->type = EAS_RECUR_MONTHLY_NTH;
        return nth_day(r, o);
    }
    if (count(r->by_set_pos, ICAL_BY_SETPOS_SIZE) || nm > 1)
        return -1;
    if (nm && r->by_month_day[0] == -1) {
        o->type = EAS_RECUR_MONTHLY_NTH;
        o->wom = 5;
        o->dow_mask = 127;
        return 0;
    }
    o->type = EAS_RECUR_MONTHLY;
    o->dom = nm ? r->by_month_day[0] : start.day;
    return o->dom >= 1 && o->dom <= 31 ? 0 : -1;
}

static int yearly(const struct icalrecurrencetype *r,
                  struct icaltimetype start, eas_recur_t *o)
{
    int nmo = count(r->by_month, ICAL_BY_MONTH_SIZE);

    if (nmo > 1 || (nmo && icalrecurrencetype_month_is_leap(r->by_month[0])))
        return -1;
    o->moy = nmo ? icalrecurrencetype_month_month(r->by_month[0])
             : start.month;
    if (!nmo && (count(r->by_month_day, ICAL_BY_MONTHDAY_SIZE)
                 || count(r->by_day, ICAL_BY_DAY_SIZE)))
        return -1;      /* "the 1st of every month", "the 20th Monday" */
    if (monthly(r, start, o) < 0)
        return -1;
    if (o->type == EAS_RECUR_MONTHLY_NTH)
        o->type = EAS_RECUR_YEARLY_NTH;
    else
        o->type = EAS_RECUR_YEARLY;
    return 0;
}

static int weekly(const struct icalrecurrencetype *r, eas_recur_t *o)
{
    if (count(r->by_month_day, ICAL_BY_MONTHDAY_SIZE)
        || count(r->by_set_pos, ICAL_BY_SETPOS_SIZE) || plain_mask(r) < 0)
        return -1;
    o->type = EAS_RECUR_WEEKLY;
    o->dow_mask = plain_mask(r);
    return 0;
}

/* What no EAS rule has, whatever the frequency. */
static int beyond_eas(const struct icalrecurrencetype *r)
{
    return r->freq < ICAL_SECONDLY_RECURRENCE
           || r->freq > ICAL_YEARLY_RECURRENCE
           || r->freq < ICAL_DAILY_RECURRENCE
           || count(r->by_second, ICAL_BY_SECOND_SIZE)
           || count(r->by_minute, ICAL_BY_MINUTE_SIZE)
           || count(r->by_hour, ICAL_BY_HOUR_SIZE)
           || count(r->by_year_day, ICAL_BY_YEARDAY_SIZE)
           || count(r->by_week_no, ICAL_BY_WEEKNO_SIZE)
           || (r->rscale && strcasecmp(r->rscale, "GREGORIAN") != 0)
           || r->interval < 1 || r->interval > 999;
}

/* UNTIL as a UTC time: a DATE is that local day at the start's time. */
static apr_time_t until_of(struct icaltimetype u, struct icaltimetype start,
                           icaltimezone *zone)
{
    if (icaltime_is_null_time(u))
        return 0;
    if (u.is_date) {
        u.is_date = 0;
        u.hour = start.is_date ? 0 : start.hour;
        u.minute = start.is_date ? 0 : start.minute;
        u.second = start.is_date ? 0 : start.second;
        u.zone = NULL;
    }
    if (!icaltime_is_utc(u))
        icaltimezone_convert_time(&u, zone, icaltimezone_get_utc_timezone());
    return apr_time_from_sec(icaltime_as_timet(u));
}

int eas_recur_from_rrule(const struct icalrecurrencetype *r,
                         struct icaltimetype start, icaltimezone *zone,
                         eas_recur_t *out)
{
    int rc = -1;

    memset(out, 0, sizeof *out);
    out->fdow = -1;
    if (beyond_eas(r))
        return -1;
    out->interval = r->interval;
    switch (r->freq) {
    case ICAL_DAILY_RECURRENCE:
        if (count(r->by_day, ICAL_BY_DAY_SIZE) == 0) {
            rc = count(r->by_month_day, ICAL_BY_MONTHDAY_SIZE)
                 || count(r->by_month, ICAL_BY_MONTH_SIZE)
                 || count(r->by_set_pos, ICAL_BY_SETPOS_SIZE) ? -1 : 0;
            out->type = EAS_RECUR_DAILY;
        } else if (r->interval == 1
                   && !count(r->by_month, ICAL_BY_MONTH_SIZE))
            rc = weekly(r, out);
        break;
    case ICAL_WEEKLY_RECURRENCE:
        rc = count(r->by_month, ICAL_BY_MONTH_SIZE) ? -1 : weekly(r, out);
        break;
    case ICAL_MONTHLY_RECURRENCE:
        rc = count(r->by_month, ICAL_BY_MONTH_SIZE) ? -1
             : monthly(r, start, out);
        break;
    default:
        rc = yearly(r, start, out);
    }
    if (rc < 0)
        return -1;
    if (out->type == EAS_RECUR_WEEKLY && !out->dow_mask)
        out->dow_mask = 1 << (icaltime_day_of_week(start) - 1);
    out->occurrences = r->count > 0 ? r->count : 0;
    out->until = until_of(r->until, start, zone);
    out->fdow = r->week_start >= ICAL_SUNDAY_WEEKDAY
                && r->week_start <= ICAL_SATURDAY_WEEKDAY
                ? (int)r->week_start - 1 : -1;
    return 0;
}

/* ---- write ---- */

static void write_date(eas_wbxml_enc_t *enc, eas_tag_t tag, apr_time_t t,
                       int compact, apr_pool_t *p)
{
    eas_enc_str(enc, tag, compact ? eas_pim_time_compact(t, p)
                                  : eas_pim_time_ext(t, p));
}

void eas_recur_write(eas_wbxml_enc_t *enc, const eas_recur_tags_t *tg,
                     const eas_recur_t *r, int version, apr_pool_t *p)
{
    int nth = r->type == EAS_RECUR_MONTHLY_NTH
              || r->type == EAS_RECUR_YEARLY_NTH;

    eas_enc_start(enc, tg->recurrence);
    eas_enc_int(enc, tg->type, r->type);
    if (tg->start && r->start)
        write_date(enc, tg->start, r->start, tg->compact, p);
    if (r->until)
        write_date(enc, tg->until, r->until, tg->compact, p);
    if (r->occurrences)
        eas_enc_int(enc, tg->occurrences, r->occurrences);
    if (r->interval > 1 || tg->interval_always)
        eas_enc_int(enc, tg->interval, r->interval > 1 ? r->interval : 1);
    if (r->dow_mask)
        eas_enc_int(enc, tg->day_of_week, r->dow_mask);
    if (r->dom && !nth)
        eas_enc_int(enc, tg->day_of_month, r->dom);
    if (nth)
        eas_enc_int(enc, tg->week_of_month, r->wom);
    if (r->moy)
        eas_enc_int(enc, tg->month_of_year, r->moy);
    if (tg->regenerate) {
        eas_enc_int(enc, tg->regenerate, r->regenerate);
        eas_enc_int(enc, tg->dead_occur, r->dead_occur);
    }
    if (version >= 140) {
        eas_enc_int(enc, tg->calendar_type, 1);
        eas_enc_int(enc, tg->is_leap_month, 0);
    }
    if (version >= 141 && r->fdow >= 0)
        eas_enc_int(enc, tg->first_day_of_week, r->fdow);
    eas_enc_end(enc);
}

/* ---- read ---- */

/* An integer child in [lo, hi]; 0 when absent, -1 when out of range. */
static int child_int(const eas_node_t *n, eas_tag_t tag, int lo, int hi,
                     int *v)
{
    const char *s = tag ? eas_node_text(n, tag) : NULL;
    char *end;
    long x;

    if (!s)
        return 0;
    x = strtol(s, &end, 10);
    if (end == s || *end || x < lo || x > hi)
        return -1;
    *v = (int)x;
    return 0;
}

/* A date child; -1 when it is not a date iCalendar holds (1601-2999). */
static int child_date(const eas_node_t *n, eas_tag_t tag, apr_time_t *t)
{
    const char *s = tag ? eas_node_text(n, tag) : NULL;
    apr_time_exp_t tm;

    if (!s)
        return 0;
    if (eas_pim_parse_time(s, t) < 0)
        return -1;
    apr_time_exp_gmt(&tm, *t);
    return tm.tm_year + 1900 <= 2999 ? 0 : -1;
}

static int gregorian(int cal)
{
    return cal == 0 || cal == 1 || cal == 2 || (cal >= 9 && cal <= 12);
}

static const char *check(const eas_recur_t *r, int cal, int leap)
{
    if (!gregorian(cal))
        return "recurrence in a calendar other than Gregorian";
    if (leap)
        return "recurrence in a leap month";
    if (r->type == 4 || r->type > 6)
        return "unknown recurrence type";
    if ((r->type == EAS_RECUR_MONTHLY_NTH || r->type == EAS_RECUR_YEARLY_NTH)
        && (!r->wom || !r->dow_mask))
        return "nth-weekday recurrence without its day";
    return NULL;
}

apr_status_t eas_recur_read(const eas_node_t *rec,
                            const eas_recur_tags_t *tg, eas_recur_t *r,
                            const char **err)
{
    int cal = 0, leap = 0;

    memset(r, 0, sizeof *r);
    r->type = -1;
    r->interval = 1;
    r->fdow = -1;
    if (child_int(rec, tg->type, 0, 6, &r->type) < 0 || r->type < 0) {
        *err = "recurrence without a valid Type";
        return APR_EINVAL;
    }
    if (child_int(rec, tg->interval, 0, 999, &r->interval) < 0
        || child_int(rec, tg->occurrences, 0, 999, &r->occurrences) < 0
        || child_int(rec, tg->day_of_week, 0, 127, &r->dow_mask) < 0
        || child_int(rec, tg->day_of_month, 1, 31, &r->dom) < 0
        || child_int(rec, tg->week_of_month, 1, 5, &r->wom) < 0
        || child_int(rec, tg->month_of_year, 1, 12, &r->moy) < 0
        || child_int(rec, tg->first_day_of_week, 0, 6, &r->fdow) < 0
        || child_int(rec, tg->calendar_type, 0, 99, &cal) < 0
        || child_int(rec, tg->is_leap_month, 0, 1, &leap) < 0
        || child_int(rec, tg->regenerate, 0, 1, &r->regenerate) < 0
        || child_int(rec, tg->dead_occur, 0, 999, &r->dead_occur) < 0
        || child_date(rec, tg->until, &r->until) < 0
        || child_date(rec, tg->start, &r->start) < 0) {
        *err = "recurrence with a bad value";
        return APR_EINVAL;
    }
    if (r->interval < 1)
        r->interval = 1;
    if ((*err = check(r, cal, leap)) != NULL)
        return APR_EINVAL;
    return APR_SUCCESS;
}

/* ---- to RRULE ---- */

static void mask_days(int mask, int pos, struct icalrecurrencetype *o)
{
    int i, n = 0;

    for (i = 0; i < 7; i++)
        if (mask & (1 << i))
            o->by_day[n++] = encode_day(i, pos);
    o->by_day[n] = END;
}

static int single_bit(int mask)
{
    return mask && !(mask & (mask - 1));
}

static void nth_rule(const eas_recur_t *r, struct icalrecurrencetype *o)
{
    int pos = r->wom == 5 ? -1 : r->wom;

    if (r->dow_mask == 127) {
        o->by_month_day[0] = (short)pos;
        o->by_month_day[1] = END;
    } else if (single_bit(r->dow_mask)) {
        mask_days(r->dow_mask, pos, o);
    } else {
        mask_days(r->dow_mask, 0, o);
        o->by_set_pos[0] = (short)pos;
        o->by_set_pos[1] = END;
    }
}

static void set_until(const eas_recur_t *r, struct icaltimetype start,
                      icaltimezone *zone, struct icalrecurrencetype *o)
{
    struct icaltimetype u = icaltime_from_timet_with_zone(
        (time_t)apr_time_sec(r->until), 0, icaltimezone_get_utc_timezone());

    if (start.is_date) {
        icaltimezone_convert_time(&u, icaltimezone_get_utc_timezone(), zone);
        u.is_date = 1;
        u.hour = u.minute = u.second = 0;
        u.zone = NULL;
    }
    o->until = u;
}

void eas_recur_to_rrule(const eas_recur_t *r, struct icaltimetype start,
                        icaltimezone *zone, struct icalrecurrencetype *o)
{
    static const icalrecurrencetype_frequency freq[] = {
        ICAL_DAILY_RECURRENCE, ICAL_WEEKLY_RECURRENCE,
        ICAL_MONTHLY_RECURRENCE, ICAL_MONTHLY_RECURRENCE,
        ICAL_MONTHLY_RECURRENCE, ICAL_YEARLY_RECURRENCE,
        ICAL_YEARLY_RECURRENCE };

    icalrecurrencetype_clear(o);
    o->freq = freq[r->type < 0 || r->type > 6 ? 0 : r->type];
    o->interval = (short)(r->interval > 0 ? r->interval : 1);
    if (r->type == EAS_RECUR_DAILY && r->dow_mask)
        o->freq = ICAL_WEEKLY_RECURRENCE;
    if ((r->type == EAS_RECUR_DAILY || r->type == EAS_RECUR_WEEKLY)
        && r->dow_mask)
        mask_days(r->dow_mask, 0, o);
    if ((r->type == EAS_RECUR_MONTHLY || r->type == EAS_RECUR_YEARLY)
        && r->dom) {
        o->by_month_day[0] = (short)r->dom;
        o->by_month_day[1] = END;
    }
    if (r->type == EAS_RECUR_MONTHLY_NTH || r->type == EAS_RECUR_YEARLY_NTH)
        nth_rule(r, o);
    if (r->type >= EAS_RECUR_YEARLY) {
        o->by_month[0] = (short)(r->moy ? r->moy : start.month);
        o->by_month[1] = END;
    }
    if (r->occurrences)
        o->count = r->occurrences;
    else if (r->until)
        set_until(r, start, zone, o);
    if (r->fdow >= 0 && r->fdow != 1)
        o->week_start = (icalrecurrencetype_weekday)(r->fdow + 1);
}

int eas_recur_same(const eas_recur_t *a, const eas_recur_t *b)
{
    int ia = a->interval > 1 ? a->interval : 1;
    int ib = b->interval > 1 ? b->interval : 1;
    int da = a->type == EAS_RECUR_DAILY && a->dow_mask ? EAS_RECUR_WEEKLY
             : a->type;
    int db = b->type == EAS_RECUR_DAILY && b->dow_mask ? EAS_RECUR_WEEKLY
             : b->type;

    return da == db && ia == ib && a->occurrences == b->occurrences
           && apr_time_sec(a->until) / 86400 == apr_time_sec(b->until) / 86400
           && (!a->dow_mask || !b->dow_mask || a->dow_mask == b->dow_mask)
           && (!a->dom || !b->dom || a->dom == b->dom)
           && a->wom == b->wom && (!a->moy || !b->moy || a->moy == b->moy)
           && a->regenerate == b->regenerate
           && a->dead_occur == b->dead_occur;
}
