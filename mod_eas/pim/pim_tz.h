/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time zones between iCalendar (libical) and the EAS TimeZone element
 * (MS-ASDTYPE 2.7.1: base64 of a TIME_ZONE_INFORMATION structure), with
 * Windows zone names mapped through CLDR's windowsZones.xml.
 */
#ifndef EAS_PIM_TZ_H
#define EAS_PIM_TZ_H

#include <apr_pools.h>
#include <libical/ical.h>

/* SYSTEMTIME as the structure holds it. */
typedef struct {
    int year, month, dow, day, hour, minute, second, ms;
} eas_systime_t;

/* TIME_ZONE_INFORMATION: biases in minutes, UTC = local + bias. */
typedef struct {
    int bias;
    char std_name[97];          /* UTF-8 (32 UTF-16 units at most) */
    eas_systime_t std_date;     /* month 0: no daylight saving time */
    int std_bias;
    char dst_name[97];
    eas_systime_t dst_date;
    int dst_bias;
} eas_tzinfo_t;

#define EAS_TZ_BLOB_LEN 172

/* windowsZones.xml and libical's zone set-up, once per process. */
void eas_pim_tz_init(void);

/* The 172 bytes, base64 encoded (NUL-terminated, in p). */
const char *eas_tz_encode(const eas_tzinfo_t *ti, apr_pool_t *p);
/* base64 -> structure (dates that cannot be rules are read as no DST);
   -1 when it is not a TimeZone. */
int eas_tz_decode(const char *s, apr_size_t len, eas_tzinfo_t *ti);

/* Olson name for a Windows zone name (territory 001), or NULL. */
const char *eas_tz_windows_to_olson(const char *win);
/* Windows zone name for an Olson name, or NULL. */
const char *eas_tz_olson_to_windows(const char *olson);

/* libical's built-in zone for an Olson or Windows name (either with
   libical's TZID prefix or without), or NULL. */
icaltimezone *eas_tz_builtin(const char *name);

/*
 * The rules of zone in force in year, as the structure (names: the
 * Windows name where one maps, else the zone's abbreviations).  A year
 * with a single change (the zone changed its rules) gives the offset in
 * force at its end, without DST.  NULL zone: UTC.
 */
void eas_tz_info_from_zone(icaltimezone *zone, int year, eas_tzinfo_t *ti);

/* Whether two structures give the same local times in year (names are
   not compared). */
int eas_tz_same_rules(const eas_tzinfo_t *a, const eas_tzinfo_t *b,
                      int year);

/*
 * A zone for the phone's structure in year: a built-in zone whose
 * Windows name is the StandardName and whose rules match, else one with
 * the same rules (cached), else NULL.
 */
icaltimezone *eas_tz_find(const eas_tzinfo_t *ti, int year);

/* A VTIMEZONE made from the structure alone, with RRULEs for its
   changes; TZID tzid. */
icalcomponent *eas_tz_vtimezone(const eas_tzinfo_t *ti, const char *tzid);

/* UTC offset in seconds of the structure's rules at the UTC time t. */
int eas_tz_offset_at(const eas_tzinfo_t *ti, apr_time_t t);

#endif
