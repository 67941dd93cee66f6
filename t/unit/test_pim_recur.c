/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Recurrence (mod_eas/pim/pim_recur.c): every kind EAS has, to EAS and
 * back with the same occurrences, through the encoder and the Calendar
 * and Tasks tags; the rules EAS cannot say; what the phone may send
 * wrong.
 */
#include "tap.h"
#include "tree_util.h"
#include "pim_recur.h"
#include "pim_tz.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdlib.h>

static apr_pool_t *pool;
static icaltimezone *berlin;

/* The first n occurrences of rule from start, as one string. */
static const char *occurrences(struct icalrecurrencetype r,
                               struct icaltimetype start, int n)
{
    icalrecur_iterator *it = icalrecur_iterator_new(r, start);
    struct icaltimetype t;
    char *out = "";

    while (it && n-- > 0 && !icaltime_is_null_time(t = icalrecur_iterator_next(it)))
        out = apr_pstrcat(pool, out, icaltime_as_ical_string(t), " ", NULL);
    if (it)
        icalrecur_iterator_free(it);
    return out;
}

/* RRULE -> EAS (encoded and decoded) -> RRULE: the same occurrences. */
static void round_trip(const char *rule, const char *dtstart, int type,
                       const char *name)
{
    struct icalrecurrencetype r = icalrecurrencetype_from_string(rule), back;
    struct icaltimetype start = icaltime_from_string(dtstart);
    eas_recur_t e, e2;
    tu_enc_t t;
    eas_node_t *tree;
    const char *err = NULL;

    start.zone = start.is_date ? NULL : berlin;
    if (!ok(eas_recur_from_rrule(&r, start, berlin, &e) == 0,
            "%s: EAS can say it", name))
        return;
    is_int(e.type, type, "%s: Type", name);
    eas_recur_write(tu_enc_open(&t, pool), &eas_recur_calendar_tags, &e, 141,
                    pool);
    tree = tu_enc_tree(&t);
    ok(eas_recur_read(tu_find(tree, EAS_Calendar_Recurrence),
                      &eas_recur_calendar_tags, &e2, &err) == APR_SUCCESS,
       "%s: read back", name);
    ok(eas_recur_same(&e, &e2), "%s: the same rule", name);
    eas_recur_to_rrule(&e2, start, berlin, &back);
    ok(strlen(occurrences(r, start, 3)) > 20, "%s: occurrences listed", name);
    is_str(occurrences(back, start, 40), occurrences(r, start, 40),
           "%s: the same occurrences", name);
}

static void test_kinds(void)
{
    round_trip("FREQ=DAILY", "20260301T090000", 0, "daily");
    round_trip("FREQ=DAILY;INTERVAL=3;COUNT=10", "20260301T090000", 0,
               "every third day, 10 times");
    round_trip("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "20260302T090000", 1,
               "every weekday");
    round_trip("FREQ=WEEKLY", "20260303T090000", 1, "weekly on DTSTART's day");
    round_trip("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=20261231T230000Z",
               "20260303T090000", 1, "fortnightly Tue/Thu until");
    round_trip("FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,WE;WKST=SU",
               "20260301T090000", 1, "fortnightly, week from Sunday");
    round_trip("FREQ=MONTHLY", "20260315T090000", 2, "monthly on the 15th");
    round_trip("FREQ=MONTHLY;BYMONTHDAY=31", "20260131T090000", 2,
               "monthly on the 31st");
    round_trip("FREQ=MONTHLY;BYDAY=2TU", "20260310T090000", 3,
               "second Tuesday");
    round_trip("FREQ=MONTHLY;BYDAY=-1FR", "20260327T090000", 3, "last Friday");
    round_trip("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
               "20260331T090000", 3, "last weekday of the month");
    round_trip("FREQ=MONTHLY;BYMONTHDAY=-1", "20260331T090000", 3,
               "last day of the month");
    round_trip("FREQ=YEARLY", "20260704T090000", 5, "yearly");
    round_trip("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "20280229T090000", 5,
               "29 February");
    round_trip("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", "20261126T090000", 6,
               "fourth Thursday of November");
    round_trip("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;COUNT=5", "20260329T090000",
               6, "last Sunday of March, 5 times");
    round_trip("FREQ=YEARLY", "20260704", 5, "all-day yearly (birthday)");
    round_trip("FREQ=WEEKLY;UNTIL=20260428", "20260303", 1,
               "all-day weekly until a date");
}

static void test_beyond(void)
{
    static const char *rules[] = {
        "FREQ=HOURLY", "FREQ=MINUTELY;INTERVAL=15",
        "FREQ=DAILY;BYHOUR=9,17", "FREQ=MONTHLY;BYMONTHDAY=1,15",
        "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1,-1", "FREQ=MONTHLY;BYDAY=1MO,3MO",
        "FREQ=MONTHLY;BYDAY=5MO", "FREQ=YEARLY;BYYEARDAY=100",
        "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", "FREQ=YEARLY;BYMONTH=1,7",
        "FREQ=YEARLY;BYMONTHDAY=1", "FREQ=DAILY;INTERVAL=2;BYDAY=MO,FR",
        "FREQ=MONTHLY;BYDAY=MO", "FREQ=WEEKLY;BYMONTH=6;BYDAY=MO",
        "FREQ=MONTHLY;BYMONTHDAY=-2", NULL };
    struct icaltimetype start = icaltime_from_string("20260302T090000");
    struct icalrecurrencetype r;
    eas_recur_t e;
    int i;

    for (i = 0; rules[i]; i++) {
        r = icalrecurrencetype_from_string(rules[i]);
        ok(eas_recur_from_rrule(&r, start, berlin, &e) < 0,
           "EAS cannot say %s", rules[i]);
    }
}

static apr_status_t read_xml(const char *xml, eas_recur_t *e, const char **err)
{
    eas_node_t *n = tu_tree(pool, apr_pstrcat(pool,
        "<ApplicationData xmlns=\"AirSync\" xmlns:c=\"Calendar\">"
        "<c:Recurrence>", xml, "</c:Recurrence></ApplicationData>", NULL));

    return eas_recur_read(tu_find(n, EAS_Calendar_Recurrence),
                          &eas_recur_calendar_tags, e, err);
}

static void test_read(void)
{
    eas_recur_t e;
    const char *err = NULL;
    struct icalrecurrencetype r;
    char *s;

    ok(read_xml("<c:Type>1</c:Type><c:DayOfWeek>34</c:DayOfWeek>"
                "<c:Interval>0</c:Interval>"
                "<c:Until>2026-06-30T07:00:00.000Z</c:Until>", &e, &err)
       == APR_SUCCESS && e.interval == 1 && e.dow_mask == 34,
       "Interval 0 read as 1; extended Until accepted");
    eas_recur_to_rrule(&e, icaltime_from_string("20260302T090000"), berlin, &r);
    s = icalrecurrencetype_as_string_r(&r);
    is_str(s, "FREQ=WEEKLY;UNTIL=20260630T070000Z;BYDAY=MO,FR", "RRULE");
    free(s);
    eas_recur_to_rrule(&e, icaltime_from_string("20260302"), berlin, &r);
    s = icalrecurrencetype_as_string_r(&r);
    is_str(s, "FREQ=WEEKLY;UNTIL=20260630;BYDAY=MO,FR",
           "all-day: UNTIL is the local date");
    free(s);

    ok(read_xml("<c:Interval>1</c:Interval>", &e, &err) == APR_EINVAL
       && err, "no Type refused");
    ok(read_xml("<c:Type>4</c:Type>", &e, &err) == APR_EINVAL, "Type 4 refused");
    ok(read_xml("<c:Type>5</c:Type><c:CalendarType>15</c:CalendarType>"
                "<c:DayOfMonth>1</c:DayOfMonth><c:MonthOfYear>1</c:MonthOfYear>",
                &e, &err) == APR_EINVAL && strstr(err, "Gregorian"),
       "Chinese lunar calendar refused with a reason");
    ok(read_xml("<c:Type>5</c:Type><c:IsLeapMonth>1</c:IsLeapMonth>", &e, &err)
       == APR_EINVAL && strstr(err, "leap"), "leap month refused");
    ok(read_xml("<c:Type>3</c:Type><c:WeekOfMonth>2</c:WeekOfMonth>", &e, &err)
       == APR_EINVAL, "nth weekday without DayOfWeek refused");
    ok(read_xml("<c:Type>2</c:Type><c:DayOfMonth>32</c:DayOfMonth>", &e, &err)
       == APR_EINVAL, "DayOfMonth 32 refused");
    ok(read_xml("<c:Type>0</c:Type><c:Until>tomorrow</c:Until>", &e, &err)
       == APR_EINVAL, "bad Until refused");
    ok(read_xml("<c:Type>5</c:Type><c:CalendarType>1</c:CalendarType>"
                "<c:IsLeapMonth>0</c:IsLeapMonth>", &e, &err) == APR_SUCCESS,
       "Gregorian accepted");
}

static void test_tasks(void)
{
    eas_recur_t e, e2;
    tu_enc_t t;
    eas_node_t *tree;
    const char *err;

    memset(&e, 0, sizeof e);
    e.type = EAS_RECUR_MONTHLY;
    e.dom = 5;
    e.interval = 1;
    e.fdow = -1;
    e.start = apr_time_from_sec(1772668800);
    e.regenerate = 1;
    e.dead_occur = 0;
    eas_recur_write(tu_enc_open(&t, pool), &eas_recur_task_tags, &e, 140, pool);
    tree = tu_enc_tree(&t);
    is_str(tu_text(tree, EAS_Tasks_Start), "2026-03-05T00:00:00.000Z",
           "Tasks: Start in the extended form");
    is_str(tu_text(tree, EAS_Tasks_Regenerate), "1", "Regenerate");
    ok(tu_find(tree, EAS_Tasks_DeadOccur) && !tu_find(tree, EAS_Tasks_FirstDayOfWeek)
       && tu_find(tree, EAS_Tasks_CalendarType), "DeadOccur; 14.0 tags");
    ok(eas_recur_read(tu_find(tree, EAS_Tasks_Recurrence), &eas_recur_task_tags,
                      &e2, &err) == APR_SUCCESS && e2.start == e.start
       && e2.regenerate == 1 && eas_recur_same(&e, &e2), "Tasks read back");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    eas_pim_tz_init();
    berlin = eas_tz_builtin("Europe/Berlin");
    test_kinds();
    test_beyond();
    test_read();
    test_tasks();
    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
