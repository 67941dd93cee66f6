/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time zones (mod_eas/pim/pim_tz.c): the TimeZone structure of zones with
 * and without DST, southern hemisphere and half-hour zones, zones whose
 * rules changed, Windows names both ways, and the way back from the
 * structures phones send (iOS: no name; Android: the Windows name;
 * Outlook: a localised name) to a zone.
 */
#include "tap.h"
#include "pim_tz.h"

#include <apr_base64.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <string.h>

static apr_pool_t *pool;

static void info(const char *olson, int year, eas_tzinfo_t *ti)
{
    eas_tz_info_from_zone(eas_tz_builtin(olson), year, ti);
}

static void test_names(void)
{
    is_str(eas_tz_windows_to_olson("W. Europe Standard Time"),
           "Europe/Berlin", "W. Europe -> Berlin");
    is_str(eas_tz_windows_to_olson("Eastern Standard Time"),
           "America/New_York", "Eastern -> New York");
    is_str(eas_tz_windows_to_olson("India Standard Time"), "Asia/Kolkata",
           "CLDR's old target name read as the current one");
    is_str(eas_tz_olson_to_windows("Asia/Kolkata"), "India Standard Time",
           "current name -> Windows name");
    is_str(eas_tz_olson_to_windows("Europe/Amsterdam"),
           "W. Europe Standard Time", "non-001 territory -> Windows name");
    ok(eas_tz_windows_to_olson("Nowhere Standard Time") == NULL,
       "unknown Windows name");
    ok(eas_tz_builtin("Eastern Standard Time") != NULL, "builtin by Windows name");
    ok(eas_tz_builtin("/freeassociation.sourceforge.net/Europe/Berlin")
       == eas_tz_builtin("Europe/Berlin"), "builtin by prefixed TZID");
    ok(eas_tz_builtin("/mozilla.org/20050126_1/America/New_York")
       == eas_tz_builtin("America/New_York"), "builtin by Mozilla TZID");
    ok(eas_tz_builtin("Not/AZone") == NULL, "unknown name");
    ok(eas_tz_builtin("../../etc/passwd") == NULL, "no path tricks");
}

static void test_dst_zones(void)
{
    eas_tzinfo_t ti;

    info("Europe/Berlin", 2026, &ti);
    is_int(ti.bias, -60, "Berlin bias");
    is_int(ti.dst_bias, -60, "Berlin DaylightBias");
    is_str(ti.std_name, "W. Europe Standard Time", "StandardName: Windows");
    is_str(ti.dst_name, "W. Europe Daylight Time", "DaylightName");
    ok(ti.dst_date.month == 3 && ti.dst_date.dow == 0 && ti.dst_date.day == 5
       && ti.dst_date.hour == 2 && ti.dst_date.year == 0,
       "Berlin DST starts last Sunday of March 02:00");
    ok(ti.std_date.month == 10 && ti.std_date.dow == 0 && ti.std_date.day == 5
       && ti.std_date.hour == 3, "Berlin DST ends last Sunday of October 03:00");

    info("America/New_York", 2026, &ti);
    is_int(ti.bias, 300, "New York bias");
    ok(ti.dst_date.month == 3 && ti.dst_date.day == 2 && ti.dst_date.hour == 2,
       "New York: second Sunday of March");
    ok(ti.std_date.month == 11 && ti.std_date.day == 1 && ti.std_date.hour == 2,
       "New York: first Sunday of November");

    info("Australia/Sydney", 2026, &ti);
    is_int(ti.bias, -600, "Sydney bias (standard time, not summer)");
    ok(ti.dst_date.month == 10 && ti.dst_date.day == 1 && ti.dst_date.hour == 2,
       "Sydney DST starts first Sunday of October");
    ok(ti.std_date.month == 4 && ti.std_date.day == 1 && ti.std_date.hour == 3,
       "Sydney DST ends first Sunday of April");

    info("Australia/Adelaide", 2026, &ti);
    is_int(ti.bias, -570, "Adelaide: half-hour bias");
    is_int(ti.dst_bias, -60, "Adelaide DaylightBias");
}

static void test_plain_zones(void)
{
    eas_tzinfo_t ti;

    info("Asia/Kolkata", 2026, &ti);
    is_int(ti.bias, -330, "Kolkata bias");
    ok(ti.std_date.month == 0 && ti.dst_date.month == 0, "Kolkata: no DST");
    is_str(ti.std_name, "India Standard Time", "Kolkata Windows name");

    eas_tz_info_from_zone(NULL, 2026, &ti);
    ok(ti.bias == 0 && ti.std_date.month == 0, "UTC");

    info("Asia/Tokyo", 2026, &ti);
    is_int(ti.bias, -540, "Tokyo");
}

static void test_changed_rules(void)
{
    eas_tzinfo_t ti;

    info("America/Sao_Paulo", 2018, &ti);
    ok(ti.bias == 180 && ti.dst_date.month == 11 && ti.std_date.month == 2,
       "Sao Paulo 2018: DST November to February");
    info("America/Sao_Paulo", 2020, &ti);
    ok(ti.bias == 180 && ti.dst_date.month == 0, "Sao Paulo 2020: no DST");

    info("Europe/Moscow", 2010, &ti);
    ok(ti.bias == -180 && ti.dst_date.month == 3, "Moscow 2010: DST");
    info("Europe/Moscow", 2013, &ti);
    ok(ti.bias == -240 && ti.dst_date.month == 0, "Moscow 2013: +4, no DST");
    info("Europe/Moscow", 2015, &ti);
    ok(ti.bias == -180 && ti.dst_date.month == 0, "Moscow 2015: +3, no DST");
}

static void test_blob(void)
{
    eas_tzinfo_t a, b;
    const char *s;
    char zeros[EAS_TZ_BLOB_LEN] = { 0 };
    char enc[400];

    info("Australia/Sydney", 2026, &a);
    apr_cpystrn(a.dst_name, "Ostaustralische Sommerzeit \xf0\x9f\x8c\x9e",
                sizeof a.dst_name);
    s = eas_tz_encode(&a, pool);
    is_int(strlen(s), 232, "172 bytes in base64");
    ok(eas_tz_decode(s, strlen(s), &b) == 0, "decodes");
    ok(b.bias == a.bias && b.dst_bias == a.dst_bias && b.std_bias == a.std_bias
       && memcmp(&a.std_date, &b.std_date, sizeof a.std_date) == 0
       && memcmp(&a.dst_date, &b.dst_date, sizeof a.dst_date) == 0,
       "round trip of biases and dates");
    is_str(b.std_name, a.std_name, "StandardName round trip");
    is_str(b.dst_name, a.dst_name, "non-BMP DaylightName round trip");

    apr_base64_encode(enc, zeros, sizeof zeros);
    ok(eas_tz_decode(enc, strlen(enc), &b) == 0 && b.bias == 0
       && b.std_date.month == 0, "all zero: UTC without DST");
    ok(eas_tz_decode("AAAA", 4, &b) < 0, "short blob refused");
    ok(eas_tz_decode("", 0, &b) < 0, "empty refused");

    memset(&a, 0, sizeof a);
    a.bias = -60;
    a.std_date.month = 13;
    a.dst_date.month = 3;
    a.dst_bias = -60;
    s = eas_tz_encode(&a, pool);
    ok(eas_tz_decode(s, strlen(s), &b) == 0 && b.std_date.month == 0
       && b.dst_date.month == 0 && b.bias == -60,
       "impossible dates: read as no DST, bias kept");
}

/* An iOS, Android and Outlook structure for the same zone all find it. */
static void test_find(void)
{
    eas_tzinfo_t ti;
    icaltimezone *z;
    eas_tzinfo_t back;

    info("Europe/Berlin", 2026, &ti);
    z = eas_tz_find(&ti, 2026);
    is_str(z ? icaltimezone_get_tzid(z) : NULL,
           icaltimezone_get_tzid(eas_tz_builtin("Europe/Berlin")),
           "Android: Windows name -> Europe/Berlin");

    ti.std_name[0] = ti.dst_name[0] = '\0';
    z = eas_tz_find(&ti, 2026);
    ok(z != NULL, "iOS: no name, found by rules");
    eas_tz_info_from_zone(z, 2026, &back);
    ok(eas_tz_same_rules(&back, &ti, 2026), "same rules");
    ok(eas_tz_find(&ti, 2026) == z, "second lookup: the same (cached) zone");

    apr_cpystrn(ti.std_name, "Mitteleurop\xc3\xa4ische Zeit", sizeof ti.std_name);
    ok(eas_tz_find(&ti, 2026) == z, "Outlook: localised name, by rules");

    info("America/New_York", 2026, &ti);
    apr_cpystrn(ti.std_name, "Eastern Standard Time", sizeof ti.std_name);
    z = eas_tz_find(&ti, 2026);
    is_str(z ? icaltimezone_get_tzid(z) : NULL,
           icaltimezone_get_tzid(eas_tz_builtin("America/New_York")),
           "Eastern Standard Time");

    /* a Windows name whose rules do not match the blob is not trusted */
    info("Asia/Kolkata", 2026, &ti);
    apr_cpystrn(ti.std_name, "W. Europe Standard Time", sizeof ti.std_name);
    z = eas_tz_find(&ti, 2026);
    eas_tz_info_from_zone(z, 2026, &back);
    ok(z && back.bias == -330, "wrong name, rules win");

    info("Australia/Adelaide", 2026, &ti);
    ti.std_name[0] = '\0';
    z = eas_tz_find(&ti, 2026);
    eas_tz_info_from_zone(z, 2026, &back);
    ok(z && eas_tz_same_rules(&back, &ti, 2026), "Adelaide by rules");
}

/* A structure no zone has: a VTIMEZONE of its own with the same times. */
static void test_custom(void)
{
    eas_tzinfo_t ti;
    icalcomponent *vtz;
    icaltimezone *z = icaltimezone_new();
    int i, bad = 0, d;

    memset(&ti, 0, sizeof ti);
    ti.bias = 100;
    ti.dst_bias = -30;
    ti.dst_date = (eas_systime_t){ 0, 2, 3, 2, 4, 0, 0, 0 };
    ti.std_date = (eas_systime_t){ 0, 9, 6, 5, 1, 30, 0, 0 };
    ok(eas_tz_find(&ti, 2027) == NULL, "no zone has these rules");
    vtz = eas_tz_vtimezone(&ti, "Custom");
    ok(icaltimezone_set_component(z, vtz), "VTIMEZONE accepted by libical");
    for (i = 0; i < 365 * 3; i += 5) {
        apr_time_t t = apr_time_from_sec(1798761600LL + i * 86400LL + 3600);
        struct icaltimetype tt = icaltime_from_timet_with_zone(
            apr_time_sec(t), 0, icaltimezone_get_utc_timezone());
        if (icaltimezone_get_utc_offset_of_utc_time(z, &tt, &d)
            != eas_tz_offset_at(&ti, t))
            bad++;
    }
    is_int(bad, 0, "custom VTIMEZONE agrees with the structure for 3 years");
    icaltimezone_free(z, 1);
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    eas_pim_tz_init();
    test_names();
    test_dst_zones();
    test_plain_zones();
    test_changed_rules();
    test_blob();
    test_find();
    test_custom();
    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
