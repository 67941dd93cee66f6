/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Calendar converter (mod_eas/pim/pim_calendar*.c) on a corpus of
 * events as Apple Calendar, Google Calendar, Outlook and Thunderbird
 * write them (t/pim/calendar): the fields of each, birthdays and all-day
 * events in zones from Pacific/Honolulu to Pacific/Kiritimati, weekly
 * series across the DST changes, exceptions moved, retitled and deleted
 * (also as real clients send them, off the spec), rules EAS cannot say,
 * and the round trip: write, then read as a Change of the same object,
 * gives the same EAS item with everything unknown intact.
 */
#include "tap.h"
#include "tree_util.h"
#include "pim.h"
#include "pim_calendar.h"

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>

static apr_pool_t *pool;

static eas_pim_opts_t opts(const char *tzid)
{
    eas_pim_opts_t o;

    memset(&o, 0, sizeof o);
    o.version = 141;
    o.user_email = "user@example.com";
    o.tzid = tzid;
    o.now = apr_time_from_sec(1780000000);
    return o;
}

static eas_blob_t load(const char *name)
{
    return tu_file(pool, apr_pstrcat(pool, EAS_PIM_DIR "/calendar/", name, NULL));
}

static eas_blob_t text_blob(const char *s)
{
    eas_blob_t b = { s, strlen(s) };

    return b;
}

static eas_node_t *write_item(const eas_blob_t *item, const eas_pim_opts_t *o)
{
    tu_enc_t t;
    const char *err = NULL;
    eas_wbxml_enc_t *e = tu_enc_open(&t, pool);

    if (eas_pim_calendar.write(e, item, o, &err, pool) != APR_SUCCESS)
        return NULL;
    return tu_enc_tree(&t);
}

static const char *read_item(const eas_node_t *ad, const eas_blob_t *old,
                             const eas_pim_opts_t *o)
{
    eas_pim_item_t out;
    const char *err = NULL;

    memset(&out, 0, sizeof out);
    if (!ad || eas_pim_calendar.read(ad, old, o, &out, &err, pool)
        != APR_SUCCESS) {
        tap_diag("read failed: %s", err ? err : "(no tree)");
        return NULL;
    }
    return apr_pstrndup(pool, out.data.data, out.data.len);
}

static eas_node_t *phone(const char *body)
{
    return tu_tree(pool, apr_pstrcat(pool,
        "<ApplicationData xmlns=\"AirSync\" xmlns:c=\"Calendar\" "
        "xmlns:b=\"AirSyncBase\">", body, "</ApplicationData>", NULL));
}

/* Tags and values below n, in order, without DtStamp. */
static const char *flat(const eas_node_t *n)
{
    const eas_node_t *c;
    const char *s = "";

    if (!n)
        return "(none)";
    for (c = n->child; c; c = c->next) {
        if (c->tag == EAS_Calendar_DtStamp)
            continue;
        s = apr_pstrcat(pool, s, eas_tag_name(c->tag), "=",
                        c->value ? c->value : "", c->child ? "{" : "",
                        c->child ? flat(c) : "", c->child ? "}" : "", ";",
                        NULL);
    }
    return s;
}

static int count_str(const char *hay, const char *needle)
{
    int n = 0;

    while (hay && (hay = strstr(hay, needle))) {
        n++;
        hay += strlen(needle);
    }
    return n;
}

/* The Exception element whose ExceptionStartTime is t. */
static const eas_node_t *exception_at(const eas_node_t *ad, const char *t)
{
    const eas_node_t *ex = tu_find(ad, EAS_Calendar_Exceptions), *e;

    for (e = ex ? ex->child : NULL; e; e = e->next)
        if (eas_node_text(e, EAS_Calendar_ExceptionStartTime)
            && strcmp(eas_node_text(e, EAS_Calendar_ExceptionStartTime), t) == 0)
            return e;
    return NULL;
}

static int tz_bias(const eas_node_t *ad, eas_tzinfo_t *ti)
{
    const eas_node_t *n = eas_node_child(ad, EAS_Calendar_Timezone);

    if (!n || eas_tz_decode(n->value, n->len, ti) < 0)
        return -99999;
    return ti->bias;
}

/* ---- writing ---- */

static void test_write_google(void)
{
    eas_pim_opts_t o = opts("Europe/Berlin");
    eas_blob_t b = load("google_weekly.ics");
    eas_node_t *ad = write_item(&b, &o);
    const eas_node_t *e;
    eas_tzinfo_t ti;

    ok(ad != NULL, "Google: written");
    is_int(tz_bias(ad, &ti), -60, "TimeZone: Berlin");
    is_str(ti.std_name, "W. Europe Standard Time", "StandardName: Windows name");
    is_str(tu_text(ad, EAS_Calendar_AllDayEvent), "0", "not all-day");
    is_str(tu_text(ad, EAS_Calendar_StartTime), "20260302T080000Z", "StartTime");
    is_str(tu_text(ad, EAS_Calendar_EndTime), "20260302T083000Z", "EndTime");
    is_str(tu_text(ad, EAS_Calendar_Subject), "Team sync", "Subject");
    is_str(tu_text(ad, EAS_Calendar_Location), "Room 4.12", "Location");
    is_str(tu_text(ad, EAS_Calendar_Reminder), "10", "Reminder");
    is_str(tu_text(ad, EAS_Calendar_UID), "4k2j3h4g5f6d7s8a9@google.com", "UID");
    is_str(tu_text(ad, EAS_Calendar_OrganizerEmail), "user@example.com",
           "OrganizerEmail");
    is_str(tu_text(ad, EAS_Calendar_MeetingStatus), "1", "user organises");
    is_int(tu_count(ad, EAS_Calendar_Attendee), 3, "3 attendees");
    ok(strstr(tu_text(ad, EAS_AirSyncBase_Data), "Agenda in the doc") != NULL,
       "Body");
    is_str(tu_text(tu_find(ad, EAS_Calendar_Recurrence), EAS_Calendar_Type), "1",
           "weekly");
    is_str(tu_text(tu_find(ad, EAS_Calendar_Recurrence), EAS_Calendar_DayOfWeek),
           "2", "on Monday");
    is_str(tu_text(tu_find(ad, EAS_Calendar_Recurrence), EAS_Calendar_Until),
           "20261130T225959Z", "Until");
    is_int(tu_count(ad, EAS_Calendar_Exception), 2, "2 exceptions");
    e = exception_at(ad, "20260406T070000Z");
    ok(e && eas_node_text(e, EAS_Calendar_Deleted)
       && strcmp(eas_node_text(e, EAS_Calendar_Deleted), "1") == 0,
       "EXDATE in summer time: deleted exception at 07:00Z");
    e = exception_at(ad, "20260316T080000Z");
    ok(e != NULL, "override at its original start");
    is_str(e ? eas_node_text(e, EAS_Calendar_StartTime) : NULL,
           "20260316T130000Z", "override's new start");
    is_str(e ? eas_node_text(e, EAS_Calendar_Subject) : NULL,
           "Team sync (moved)", "override's subject");
    ok(e && !eas_node_child(e, EAS_Calendar_Location),
       "what does not differ is not sent");
}

static void test_write_outlook(void)
{
    eas_pim_opts_t o = opts("Europe/Berlin");
    eas_blob_t b = load("outlook_meeting.ics");
    eas_node_t *ad = write_item(&b, &o);
    const eas_node_t *rec = tu_find(ad, EAS_Calendar_Recurrence), *a;
    eas_tzinfo_t ti;

    ok(ad != NULL, "Outlook: written");
    is_int(tz_bias(ad, &ti), -60, "Windows-named VTIMEZONE");
    is_str(ti.std_name, "W. Europe Standard Time", "its name");
    ok(ti.dst_date.month == 3 && ti.std_date.month == 10, "its DST");
    is_str(tu_text(ad, EAS_Calendar_StartTime), "20260115T090000Z", "StartTime");
    is_str(tu_text(ad, EAS_Calendar_BusyStatus), "1", "CDO tentative");
    is_str(tu_text(ad, EAS_Calendar_Sensitivity), "2", "CLASS private");
    is_str(tu_text(ad, EAS_Calendar_MeetingStatus), "3", "meeting received");
    is_str(tu_text(ad, EAS_Calendar_ResponseRequested), "1", "RSVP");
    is_str(tu_text(ad, EAS_Calendar_ResponseType), "5", "not yet answered");
    is_str(tu_text(ad, EAS_Calendar_OrganizerName), "Boss Person",
           "OrganizerName");
    a = tu_find(ad, EAS_Calendar_Attendees);
    a = a ? a->child : NULL;
    a = a ? a->next : NULL;
    is_str(a ? eas_node_text(a, EAS_Calendar_AttendeeType) : NULL, "3",
           "room: resource");
    is_str(tu_text(rec, EAS_Calendar_Type), "3", "monthly nth weekday");
    is_str(tu_text(rec, EAS_Calendar_WeekOfMonth), "3", "third");
    is_str(tu_text(rec, EAS_Calendar_DayOfWeek), "16", "Thursday");
    is_str(tu_text(rec, EAS_Calendar_Occurrences), "12", "12 times");
    ok(exception_at(ad, "20260416T080000Z") != NULL, "EXDATE in summer");
    is_str(tu_text(ad, EAS_Calendar_DisallowNewTimeProposal), NULL,
           "counter proposals allowed");

    o.max_attendees = 1;
    ad = write_item(&b, &o);
    is_int(tu_count(ad, EAS_Calendar_Attendee), 1, "max_attendees on write");
}

static void test_write_others(void)
{
    eas_pim_opts_t o = opts("Europe/Berlin");
    eas_blob_t b = load("outlook_no_vtimezone.ics");
    eas_node_t *ad = write_item(&b, &o);
    eas_tzinfo_t ti;

    is_int(tz_bias(ad, &ti), 300, "Windows TZID without VTIMEZONE: Eastern");
    is_str(tu_text(ad, EAS_Calendar_StartTime), "20260710T190000Z",
           "summer time in New York");
    is_str(tu_text(ad, EAS_Calendar_BusyStatus), "3", "out of office");
    is_str(tu_text(ad, EAS_Calendar_MeetingStatus), "0", "appointment");

    b = load("thunderbird_daily.ics");
    ad = write_item(&b, &o);
    is_int(tz_bias(ad, &ti), 300, "Thunderbird: New York");
    is_str(tu_text(ad, EAS_Calendar_StartTime), "20260305T113000Z", "StartTime");
    is_int(tu_count(ad, EAS_Calendar_Category), 2, "2 categories");
    is_str(tu_text(ad, EAS_Calendar_BusyStatus), "0", "TRANSP: free");
    is_str(tu_text(ad, EAS_Calendar_Reminder), "30", "first display alarm");
    is_str(tu_text(tu_find(ad, EAS_Calendar_Recurrence), EAS_Calendar_Occurrences),
           "20", "daily, 20 times");

    b = text_blob("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\n"
                  "DTSTART:20260105T080000Z\r\nDURATION:PT45M\r\n"
                  "SUMMARY:utc\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
    ad = write_item(&b, &o);
    is_int(tz_bias(ad, &ti), -60, "UTC event: the user's zone");
    is_str(tu_text(ad, EAS_Calendar_EndTime), "20260105T084500Z", "DURATION");
    b = text_blob("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\n"
                  "DTSTART:20260105T080000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
    ad = write_item(&b, &o);
    is_str(tu_text(ad, EAS_Calendar_StartTime), "20260105T070000Z",
           "floating time: the user's zone");
}

static void test_write_errors(void)
{
    eas_pim_opts_t o = opts(NULL);
    eas_blob_t b = text_blob("this is not a calendar");
    tu_enc_t t;
    const char *err = NULL;

    ok(eas_pim_calendar.write(tu_enc_open(&t, pool), &b, &o, &err, pool)
       == APR_EINVAL && err, "junk refused: %s", err ? err : "");
    b = text_blob("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:x\r\nEND:VTODO\r\n"
                  "END:VCALENDAR\r\n");
    err = NULL;
    ok(eas_pim_calendar.write(tu_enc_open(&t, pool), &b, &o, &err, pool)
       == APR_EINVAL && err, "no VEVENT refused: %s", err ? err : "");
    b = text_blob("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n"
                  "END:VCALENDAR\r\n");
    err = NULL;
    ok(eas_pim_calendar.write(tu_enc_open(&t, pool), &b, &o, &err, pool)
       == APR_EINVAL && err, "no DTSTART refused: %s", err ? err : "");
}

/* ---- round trip ---- */

static void round_trip(const char *name, const char **kept)
{
    eas_pim_opts_t o = opts("Europe/Berlin");
    eas_blob_t b = load(name), b2;
    eas_node_t *w1 = write_item(&b, &o), *w2;
    const char *r = read_item(w1, &b, &o);
    int i;

    ok(r != NULL, "%s: read back as a Change", name);
    if (!r)
        return;
    b2 = text_blob(r);
    w2 = write_item(&b2, &o);
    is_str(flat(w2), flat(w1), "%s: the same EAS item again", name);
    is_int(count_str(r, "BEGIN:VEVENT"), count_str(b.data, "BEGIN:VEVENT"),
           "%s: as many VEVENTs", name);
    is_int(count_str(r, "EXDATE"), count_str(b.data, "EXDATE"),
           "%s: as many EXDATEs", name);
    for (i = 0; kept[i]; i++)
        ok(strstr(r, kept[i]) != NULL, "%s: %s kept", name, kept[i]);
}

static void test_round_trips(void)
{
    static const char *apple[] = { "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR",
        "X-WR-ALARMUID:2B0E7C4A", "X-APPLE-DEFAULT-ALARM:TRUE",
        "ATTACH:Chord", "DTSTART;VALUE=DATE:19850312",
        "DTEND;VALUE=DATE:19850313", "RRULE:FREQ=YEARLY", NULL };
    static const char *google[] = { "X-GOOGLE-CONFERENCE", "X-NUM-GUESTS=2",
        "RSVP=TRUE", "X-WR-TIMEZONE", "METHOD:PUBLISH",
        "RECURRENCE-ID;TZID=Europe/Berlin:20260316T090000",
        "EXDATE;TZID=Europe/Berlin:20260406T090000",
        "RRULE:FREQ=WEEKLY;UNTIL=20261130T225959Z;BYDAY=MO",
        "DTSTART;TZID=Europe/Berlin:20260302T090000", NULL };
    static const char *outlook[] = { "X-ALT-DESC", "X-MICROSOFT-CDO-IMPORTANCE",
        "X-MS-OLK-CONFTYPE", "CUTYPE=RESOURCE", "ROLE=NON-PARTICIPANT",
        "PRIORITY:5", "LANGUAGE=de-de", "TZID:W. Europe Standard Time",
        "DTSTART;TZID=W. Europe Standard Time:20260115T100000",
        "X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE", "CLASS:PRIVATE", NULL };
    static const char *tb[] = { "X-MOZ-GENERATION", "X-MOZ-LASTACK",
        "ATTACH:https://example.com/route.gpx", "ACTION:EMAIL",
        "SUMMARY:Run tomorrow", "TRANSP:TRANSPARENT", "CATEGORIES:Sport",
        "TRIGGER:-PT30M", NULL };
    static const char *ny[] = { "X-MICROSOFT-CDO-BUSYSTATUS:OOF", NULL };
    static const char *inexp[] = { "RRULE:FREQ=MONTHLY;BYMONTHDAY=5,20",
        "RDATE:20260303T080000Z", "X-PLANNER-COLOR:red", NULL };

    round_trip("apple_birthday.ics", apple);
    round_trip("google_weekly.ics", google);
    round_trip("outlook_meeting.ics", outlook);
    round_trip("thunderbird_daily.ics", tb);
    round_trip("outlook_no_vtimezone.ics", ny);
    round_trip("inexpressible.ics", inexp);
}

static void test_inexpressible(void)
{
    eas_pim_opts_t o = opts("Europe/Berlin");
    eas_blob_t b = load("inexpressible.ics");
    eas_node_t *ad = write_item(&b, &o);
    eas_tzinfo_t ti;
    const char *r;

    ok(ad && !tu_find(ad, EAS_Calendar_Recurrence),
       "a rule EAS cannot say: no Recurrence (no invented occurrences)");
    memset(&ti, 0, sizeof ti);
    r = read_item(phone(apr_pstrcat(pool, "<c:Timezone>",
        eas_tz_encode(&ti, pool), "</c:Timezone>"
        "<c:StartTime>20260105T090000Z</c:StartTime>"
        "<c:EndTime>20260105T093000Z</c:EndTime>"
        "<c:Subject>Payroll check (new)</c:Subject>", NULL)), &b, &o);
    ok(r && strstr(r, "RRULE:FREQ=MONTHLY;BYMONTHDAY=5,20")
       && strstr(r, "RDATE:20260303T080000Z"),
       "the phone's change keeps the server's rule");
    ok(r && strstr(r, "SUMMARY:Payroll check (new)")
       && strstr(r, "DTSTART:20260105T090000Z"), "and takes its own changes");
}

/* ---- all-day events ---- */

static void test_all_day(void)
{
    static const char *zones[] = { "Pacific/Honolulu", "America/Anchorage",
        "America/Los_Angeles", "America/New_York", "America/Sao_Paulo",
        "Atlantic/Azores", "Europe/London", "Europe/Berlin", "Europe/Moscow",
        "Asia/Kolkata", "Asia/Kathmandu", "Asia/Tokyo", "Australia/Adelaide",
        "Australia/Sydney", "Pacific/Auckland", "Pacific/Chatham",
        "Pacific/Tongatapu", "Pacific/Kiritimati", NULL };
    eas_blob_t b = load("apple_birthday.ics");
    int i, bad_write = 0, bad_read = 0, bad_new = 0;

    for (i = 0; zones[i]; i++) {
        eas_pim_opts_t o = opts(zones[i]);
        eas_pim_opts_t berlin = opts("Europe/Berlin");
        eas_node_t *ad = write_item(&b, &o);
        apr_time_t t;
        struct icaltimetype l;
        const char *r;

        if (!ad || eas_pim_parse_time(tu_text(ad, EAS_Calendar_StartTime), &t))
            continue;
        l = eas_cal_local(t, eas_tz_builtin(zones[i]));
        if (l.hour || l.minute || l.day != 12 || l.month != 3
            || !tu_text(ad, EAS_Calendar_AllDayEvent)
            || strcmp(tu_text(ad, EAS_Calendar_AllDayEvent), "1") != 0) {
            tap_diag("%s: %s", zones[i], icaltime_as_ical_string(l));
            bad_write++;
        }
        r = read_item(ad, &b, &o);
        if (!r || !strstr(r, "DTSTART;VALUE=DATE:19850312")
            || !strstr(r, "DTEND;VALUE=DATE:19850313"))
            bad_read++;
        /* a phone in that zone, a server user elsewhere, a new event */
        r = read_item(ad, NULL, &berlin);
        if (!r || !strstr(r, "DTSTART;VALUE=DATE:19850312"))
            bad_new++;
    }
    is_int(bad_write, 0, "all-day: the user's local midnight in every zone");
    is_int(bad_read, 0, "all-day: read back as the same date in every zone");
    is_int(bad_new, 0, "all-day: the phone's zone decides, not the user's");
}

/* Clients that send all-day events off midnight: rounded, never shifted. */
static void test_all_day_rounding(void)
{
    eas_pim_opts_t o = opts("Europe/Berlin");
    const char *r;

    /* midnight of UTC for a phone in Berlin (23:00 -> 01:00 local) */
    r = read_item(phone("<c:AllDayEvent>1</c:AllDayEvent>"
                        "<c:StartTime>20260704T000000Z</c:StartTime>"
                        "<c:EndTime>20260705T000000Z</c:EndTime>"
                        "<c:Subject>Holiday</c:Subject>"), NULL, &o);
    ok(r && strstr(r, "DTSTART;VALUE=DATE:20260704")
       && strstr(r, "DTEND;VALUE=DATE:20260705"),
       "02:00 local rounds down to its day");
    r = read_item(phone("<c:AllDayEvent>1</c:AllDayEvent>"
                        "<c:StartTime>2026-07-03T21:00:00.000Z</c:StartTime>"
                        "<c:EndTime>2026-07-04T21:00:00.000Z</c:EndTime>"
                        "<c:Subject>Holiday</c:Subject>"), NULL, &o);
    ok(r && strstr(r, "DTSTART;VALUE=DATE:20260704")
       && strstr(r, "DTEND;VALUE=DATE:20260705"),
       "23:00 local the evening before rounds up to the day");
    r = read_item(phone("<c:AllDayEvent>1</c:AllDayEvent>"
                        "<c:StartTime>20260703T220000Z</c:StartTime>"
                        "<c:EndTime>20260703T220000Z</c:EndTime>"), NULL, &o);
    ok(r && strstr(r, "DTEND;VALUE=DATE:20260705"),
       "an all-day event lasts a day at least");
}

/* ---- DST ---- */

/* Every occurrence of the series in r starts at hh:mm local in zone. */
static int all_at(const char *r, const char *olson, int hh, int mm, int *n)
{
    icalcomponent *c = r ? icalparser_parse_string(r) : NULL;
    icalcomponent *ev = c ? icalcomponent_get_first_component(
        c, ICAL_VEVENT_COMPONENT) : NULL;
    icalproperty *rr = ev ? icalcomponent_get_first_property(
        ev, ICAL_RRULE_PROPERTY) : NULL;
    icaltimezone *z = eas_tz_builtin(olson);
    icalrecur_iterator *it;
    struct icaltimetype st, o;
    icaltimezone *sz;
    int good = 1;

    *n = 0;
    if (!rr) {
        if (c)
            icalcomponent_free(c);
        return 0;
    }
    st = icalcomponent_get_dtstart(ev);
    sz = (icaltimezone *)st.zone;
    it = icalrecur_iterator_new(icalproperty_get_rrule(rr), st);
    while (!icaltime_is_null_time(o = icalrecur_iterator_next(it))) {
        apr_time_t u = eas_cal_utc(o, sz);
        struct icaltimetype l = eas_cal_local(u, z);
        (*n)++;
        if (l.hour != hh || l.minute != mm)
            good = 0;
    }
    icalrecur_iterator_free(it);
    icalcomponent_free(c);
    return good;
}

static void test_dst_series(void)
{
    eas_pim_opts_t o = opts("Europe/Berlin");
    eas_pim_opts_t utc = opts(NULL);
    eas_tzinfo_t ti;
    const char *tz, *rec, *r;
    int n;

    eas_tz_info_from_zone(eas_tz_builtin("Europe/Berlin"), 2026, &ti);
    tz = eas_tz_encode(&ti, pool);
    rec = "<c:Recurrence><c:Type>1</c:Type><c:DayOfWeek>2</c:DayOfWeek>"
          "<c:Until>20261130T080000Z</c:Until></c:Recurrence>";
    r = read_item(phone(apr_pstrcat(pool, "<c:Timezone>", tz, "</c:Timezone>"
        "<c:StartTime>20260302T080000Z</c:StartTime>"
        "<c:EndTime>20260302T090000Z</c:EndTime><c:Subject>Weekly</c:Subject>",
        rec, NULL)), NULL, &utc);
    ok(r && strstr(r, "DTSTART;TZID=Europe/Berlin:20260302T090000"),
       "Android's Windows-named zone: Europe/Berlin, local time");
    ok(all_at(r, "Europe/Berlin", 9, 0, &n) && n == 40,
       "weekly across March and October: 09:00 local all 40 times");

    ti.std_name[0] = ti.dst_name[0] = '\0';
    tz = eas_tz_encode(&ti, pool);
    r = read_item(phone(apr_pstrcat(pool, "<c:Timezone>", tz, "</c:Timezone>"
        "<c:StartTime>20260302T080000Z</c:StartTime>"
        "<c:EndTime>20260302T090000Z</c:EndTime>", rec, NULL)), NULL, &o);
    ok(r && strstr(r, "DTSTART;TZID=Europe/Berlin:20260302T090000"),
       "iOS's nameless zone: the user's zone by rules");
    ok(all_at(r, "Europe/Berlin", 9, 0, &n) && n == 40, "09:00 local");

    /* rules no zone has: a VTIMEZONE of its own keeps the local time */
    memset(&ti, 0, sizeof ti);
    ti.bias = -90;
    ti.dst_bias = -60;
    ti.dst_date = (eas_systime_t){ 0, 4, 0, 1, 2, 0, 0, 0 };
    ti.std_date = (eas_systime_t){ 0, 9, 0, 5, 3, 0, 0, 0 };
    tz = eas_tz_encode(&ti, pool);
    r = read_item(phone(apr_pstrcat(pool, "<c:Timezone>", tz, "</c:Timezone>"
        "<c:StartTime>20260302T073000Z</c:StartTime>"
        "<c:EndTime>20260302T083000Z</c:EndTime>", rec, NULL)), NULL, &o);
    ok(r && strstr(r, "BEGIN:VTIMEZONE") && strstr(r, "TZOFFSETTO:+0230"),
       "custom VTIMEZONE from the structure");
    ok(r && strstr(r, ":20260302T090000"), "local 09:00 in it");
}

/* ---- exceptions from the phone ---- */

static const char *weekly_change(const char *exceptions)
{
    eas_tzinfo_t ti;

    eas_tz_info_from_zone(eas_tz_builtin("Europe/Berlin"), 2026, &ti);
    return apr_pstrcat(pool, "<c:Timezone>", eas_tz_encode(&ti, pool),
        "</c:Timezone><c:StartTime>20260302T080000Z</c:StartTime>"
        "<c:EndTime>20260302T083000Z</c:EndTime>"
        "<c:Subject>Team sync</c:Subject><c:MeetingStatus>1</c:MeetingStatus>"
        "<c:Location>Room 4.12</c:Location>"
        "<c:Recurrence><c:Type>1</c:Type><c:DayOfWeek>2</c:DayOfWeek>"
        "<c:Until>20261130T225959Z</c:Until></c:Recurrence>", exceptions,
        NULL);
}

static void test_exceptions_read(void)
{
    eas_pim_opts_t o = opts("Europe/Berlin");
    eas_blob_t b = load("google_weekly.ics");
    const char *r;

    r = read_item(phone(weekly_change("<c:Exceptions>"
        "<c:Exception><c:Deleted>1</c:Deleted>"
        "<c:ExceptionStartTime>20260406T070000Z</c:ExceptionStartTime>"
        "</c:Exception>"
        /* the moved one, as clients that send its new start */
        "<c:Exception><c:ExceptionStartTime>20260316T130000Z"
        "</c:ExceptionStartTime><c:StartTime>20260316T130000Z</c:StartTime>"
        "<c:EndTime>20260316T133000Z</c:EndTime>"
        "<c:Subject>Team sync (moved)</c:Subject></c:Exception>"
        "<c:Exception><c:Deleted>1</c:Deleted>"
        "<c:ExceptionStartTime>20260504T070000Z</c:ExceptionStartTime>"
        "</c:Exception>"
        "<c:Exception><c:ExceptionStartTime>20260511T070000Z"
        "</c:ExceptionStartTime><c:StartTime>20260511T120000Z</c:StartTime>"
        "<c:EndTime>20260511T123000Z</c:EndTime><c:Subject>Later</c:Subject>"
        "</c:Exception></c:Exceptions>")), &b, &o);
    ok(r != NULL, "Change with exceptions read");
    is_int(count_str(r, "EXDATE"), 2, "two deleted occurrences");
    ok(strstr(r, "EXDATE;TZID=Europe/Berlin:20260504T090000") != NULL,
       "new EXDATE in local time");
    is_int(count_str(r, "RECURRENCE-ID"), 2, "two overrides, none duplicated");
    ok(strstr(r, "RECURRENCE-ID;TZID=Europe/Berlin:20260316T090000") != NULL,
       "new-start ExceptionStartTime matched to the existing override");
    ok(strstr(r, "RECURRENCE-ID;TZID=Europe/Berlin:20260511T090000")
       && strstr(r, "SUMMARY:Later")
       && strstr(r, "DTSTART;TZID=Europe/Berlin:20260511T140000"),
       "new override: moved and retitled");
    is_int(count_str(r, "X-GOOGLE-CONFERENCE"), 3,
           "overrides inherit or keep the master's unknown properties");
    ok(strstr(r, "LOCATION:Room 4.12") != NULL, "master location kept");

    b = text_blob(r);
    r = read_item(phone(weekly_change("<c:Exceptions>"
        "<c:Exception><c:Deleted>1</c:Deleted>"
        "<c:ExceptionStartTime>20260406T070000Z</c:ExceptionStartTime>"
        "</c:Exception></c:Exceptions>")), &b, &o);
    is_int(count_str(r, "EXDATE"), 1, "unlisted EXDATE removed");
    is_int(count_str(r, "RECURRENCE-ID"), 0, "unlisted overrides removed");

    b = text_blob(r);
    r = read_item(phone(weekly_change("<c:Exceptions><c:Exception>"
        "<c:ExceptionStartTime>20260608T070000Z</c:ExceptionStartTime>"
        "<c:Subject>Retitled only</c:Subject></c:Exception></c:Exceptions>")),
        &b, &o);
    ok(r && strstr(r, "SUMMARY:Retitled only")
       && strstr(r, "DTSTART;TZID=Europe/Berlin:20260608T090000")
       && strstr(r, "DTEND;TZID=Europe/Berlin:20260608T093000"),
       "retitled occurrence keeps the master's times");
    ok(r && strstr(r, "LOCATION:Room 4.12") && count_str(r, "ATTENDEE") >= 6,
       "and inherits what it did not send");

    r = read_item(phone(weekly_change("<c:Exceptions><c:Exception>"
        "<c:ExceptionStartTime>20260609T070000Z</c:ExceptionStartTime>"
        "<c:Deleted>1</c:Deleted></c:Exception></c:Exceptions>")), &b, &o);
    is_int(count_str(r, "EXDATE"), 0, "no occurrence there: nothing invented");

    r = read_item(phone(weekly_change("<c:Exceptions><c:Exception>"
        "<c:Subject>x</c:Subject></c:Exception></c:Exceptions>")), &b, &o);
    ok(r == NULL, "exception without ExceptionStartTime refused");

    /* a client that sends no TimeZone at all: the event's own zone */
    b = load("google_weekly.ics");
    r = read_item(phone("<c:StartTime>20260302T080000Z</c:StartTime>"
        "<c:EndTime>20260302T083000Z</c:EndTime><c:Subject>Team sync</c:Subject>"
        "<c:Recurrence><c:Type>1</c:Type><c:DayOfWeek>2</c:DayOfWeek>"
        "<c:Until>20261130T225959Z</c:Until></c:Recurrence><c:Exceptions>"
        "<c:Exception><c:Deleted>1</c:Deleted>"
        "<c:ExceptionStartTime>20261026T080000Z</c:ExceptionStartTime>"
        "</c:Exception></c:Exceptions>"), &b, &o);
    ok(r && strstr(r, "DTSTART;TZID=Europe/Berlin:20260302T090000")
       && strstr(r, "EXDATE;TZID=Europe/Berlin:20261026T090000"),
       "no TimeZone: the event's zone, the exception after the October change");
}

static void test_all_day_exception(void)
{
    eas_pim_opts_t o = opts("Europe/Berlin");
    eas_blob_t b = load("apple_birthday.ics");
    eas_tzinfo_t ti;
    const char *r;

    eas_tz_info_from_zone(eas_tz_builtin("Pacific/Honolulu"), 1985, &ti);
    /* midnight of Berlin on 12 March 2027 from a phone in Honolulu */
    r = read_item(phone(apr_pstrcat(pool, "<c:Timezone>",
        eas_tz_encode(&ti, pool), "</c:Timezone>"
        "<c:AllDayEvent>1</c:AllDayEvent>"
        "<c:StartTime>19850312T100000Z</c:StartTime>"
        "<c:EndTime>19850313T100000Z</c:EndTime>"
        "<c:Subject>Birthday Anna</c:Subject>"
        "<c:Recurrence><c:Type>5</c:Type><c:DayOfMonth>12</c:DayOfMonth>"
        "<c:MonthOfYear>3</c:MonthOfYear></c:Recurrence>"
        "<c:Exceptions><c:Exception><c:Deleted>1</c:Deleted>"
        "<c:ExceptionStartTime>20270311T230000Z</c:ExceptionStartTime>"
        "</c:Exception></c:Exceptions>", NULL)), &b, &o);
    ok(r && strstr(r, "EXDATE;VALUE=DATE:20270312"),
       "all-day exception at another zone's midnight: that date");
    ok(r && strstr(r, "DTSTART;VALUE=DATE:19850312")
       && strstr(r, "RRULE:FREQ=YEARLY\r\n"),
       "birthday and its rule unchanged");
}

/* ---- attendees, alarms, busy status ---- */

static void test_fields_read(void)
{
    eas_pim_opts_t o = opts("Europe/Berlin");
    eas_blob_t b = load("google_weekly.ics");
    const char *r;

    r = read_item(phone(weekly_change(
        "<c:Reminder>5</c:Reminder><c:BusyStatus>3</c:BusyStatus>"
        "<c:Sensitivity>3</c:Sensitivity>"
        "<c:Categories><c:Category>Work</c:Category></c:Categories>"
        "<c:Attendees><c:Attendee><c:Email>Erika@Example.org</c:Email>"
        "<c:Name>Erika Beispiel</c:Name><c:AttendeeStatus>3</c:AttendeeStatus>"
        "<c:AttendeeType>1</c:AttendeeType></c:Attendee>"
        "<c:Attendee><c:Email>new@example.com</c:Email><c:Name>New Person</c:Name>"
        "<c:AttendeeType>2</c:AttendeeType></c:Attendee></c:Attendees>"
        "<b:Body><b:Type>1</b:Type><b:Data>New notes</b:Data></b:Body>")),
        &b, &o);
    ok(r != NULL, "fields read");
    ok(r && strstr(r, "X-NUM-GUESTS=2") && strstr(r, "PARTSTAT=ACCEPTED"),
       "attendee matched by address: parameters kept, status updated");
    ok(r && strstr(r, "mailto:new@example.com") && strstr(r, "CN=New Person")
       && strstr(r, "ROLE=OPT-PARTICIPANT"), "new attendee added");
    ok(r && !strstr(r, "hans@example.net"), "attendee the phone dropped removed");
    ok(r && strstr(r, "TRIGGER:-PT5M") && count_str(r, "BEGIN:VALARM") == 1,
       "reminder updated in place");
    ok(r && strstr(r, "X-MICROSOFT-CDO-BUSYSTATUS:OOF"), "out of office");
    ok(r && strstr(r, "CLASS:CONFIDENTIAL"), "sensitivity");
    ok(r && strstr(r, "CATEGORIES:Work"), "categories");
    ok(r && strstr(r, "DESCRIPTION:New notes"), "body");
    ok(r && strstr(r, "LAST-MODIFIED:20260528T202640Z")
       && strstr(r, "DTSTAMP:20260528T202640Z"), "stamps from opts->now");
    r = read_item(phone("<c:StartTime>20260302T080000Z</c:StartTime>"
                        "<c:Subject>Team sync</c:Subject>"), &b, &o);
    ok(r && !strstr(r, "\nLOCATION:") && !strstr(r, "RRULE:FREQ=WEEKLY")
       && !strstr(r, "RECURRENCE-ID") && !strstr(r, "EXDATE"),
       "Location and Recurrence the phone left out removed, with the "
       "series' exceptions");

    b = load("thunderbird_daily.ics");
    r = read_item(phone(weekly_change("")), &b, &o);
    ok(r && strstr(r, "ACTION:EMAIL") && !strstr(r, "-PT30M"),
       "no Reminder: only the alarm EAS carries goes");
    ok(r && strstr(r, "SUMMARY:Run tomorrow")
       && strstr(r, "DESCRIPTION:Tomorrow morning"),
       "the other alarm intact");
}

static void test_add(void)
{
    eas_pim_opts_t o = opts("Europe/Berlin");
    eas_pim_item_t out;
    const char *err = NULL, *r;
    eas_node_t *ad = phone("<c:StartTime>20261201T100000Z</c:StartTime>"
                           "<c:EndTime>20261201T110000Z</c:EndTime>"
                           "<c:Subject>Dentist</c:Subject>"
                           "<c:UID>phone-uid-1</c:UID>");

    ok(eas_pim_calendar.read(ad, NULL, &o, &out, &err, pool) == APR_SUCCESS,
       "Add without TimeZone");
    r = apr_pstrndup(pool, out.data.data, out.data.len);
    is_str(out.uid, "phone-uid-1", "the phone's UID");
    ok(strstr(r, "PRODID:-//mod_eas//") && strstr(r, "VERSION:2.0")
       && strstr(r, "CREATED:20260528T202640Z"), "PRODID, VERSION, CREATED");
    ok(strstr(r, "DTSTART;TZID=Europe/Berlin:20261201T110000")
       && strstr(r, "BEGIN:VTIMEZONE"), "the user's zone, with its VTIMEZONE");
    ad = phone("<c:StartTime>20261201T100000Z</c:StartTime>");
    ok(eas_pim_calendar.read(ad, NULL, &o, &out, &err, pool) == APR_SUCCESS
       && out.uid && strlen(out.uid) == 36, "a new UID when the phone has none");
}

static void test_read_errors(void)
{
    eas_pim_opts_t o = opts("Europe/Berlin");
    eas_pim_item_t out;
    const char *err = NULL;
    eas_blob_t b = load("google_weekly.ics");

    ok(eas_pim_calendar.read(phone("<c:Subject>x</c:Subject>"), NULL, &o, &out,
                             &err, pool) == APR_EINVAL && err,
       "Add without StartTime: %s", err ? err : "");
    err = NULL;
    ok(eas_pim_calendar.read(phone("<c:Timezone>!!</c:Timezone>"
                                   "<c:StartTime>20261201T100000Z</c:StartTime>"),
                             NULL, &o, &out, &err, pool) == APR_EINVAL && err,
       "bad TimeZone: %s", err ? err : "");
    err = NULL;
    ok(eas_pim_calendar.read(phone("<c:StartTime>tomorrow</c:StartTime>"),
                             NULL, &o, &out, &err, pool) == APR_EINVAL && err,
       "bad StartTime: %s", err ? err : "");
    err = NULL;
    ok(eas_pim_calendar.read(phone("<c:StartTime>40520604T080000Z</c:StartTime>"),
                             NULL, &o, &out, &err, pool) == APR_EINVAL && err,
       "a year iCalendar cannot hold: %s", err ? err : "");
    o.max_attendees = 1;
    err = NULL;
    ok(eas_pim_calendar.read(phone(weekly_change("<c:Attendees>"
        "<c:Attendee><c:Email>a@x</c:Email></c:Attendee>"
        "<c:Attendee><c:Email>b@x</c:Email></c:Attendee></c:Attendees>")),
        &b, &o, &out, &err, pool) == APR_EINVAL && err,
       "too many attendees: %s", err ? err : "");
    o.max_attendees = 0;
    o.max_item = 100;
    err = NULL;
    ok(eas_pim_calendar.read(phone(weekly_change("")), &b, &o, &out, &err,
                             pool) == APR_EINVAL && err,
       "larger than max_item: %s", err ? err : "");
    o.max_item = 0;
    {
        const char *many = "";
        int i;
        for (i = 0; i < 1001; i++)
            many = apr_pstrcat(pool, many, "<c:Exception><c:Deleted>1"
                "</c:Deleted><c:ExceptionStartTime>20260309T080000Z"
                "</c:ExceptionStartTime></c:Exception>", NULL);
        err = NULL;
        ok(eas_pim_calendar.read(phone(weekly_change(apr_pstrcat(pool,
            "<c:Exceptions>", many, "</c:Exceptions>", NULL))), &b, &o, &out,
            &err, pool) == APR_EINVAL && err, "1001 exceptions: %s",
           err ? err : "");
    }
    err = NULL;
    ok(eas_pim_calendar.read(phone(
        "<c:StartTime>20261201T100000Z</c:StartTime>"
        "<c:Recurrence><c:Type>5</c:Type><c:CalendarType>6</c:CalendarType>"
        "</c:Recurrence>"), NULL, &o, &out, &err, pool) == APR_EINVAL && err,
       "Hijri calendar: %s", err ? err : "");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    eas_pim_tz_init();
    test_write_google();
    test_write_outlook();
    test_write_others();
    test_write_errors();
    test_round_trips();
    test_inexpressible();
    test_all_day();
    test_all_day_rounding();
    test_dst_series();
    test_exceptions_read();
    test_all_day_exception();
    test_fields_read();
    test_add();
    test_read_errors();
    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
