/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time zones for the Calendar and Tasks converters: the TimeZone element
 * (MS-ASDTYPE 2.7.1, TIME_ZONE_INFORMATION in base64, its SYSTEMTIME
 * dates in the "nth weekday of the month, 5 = last" form), the rules a
 * libical zone has in a given year, and the way back from a phone's
 * structure to a zone: by Windows name (CLDR windowsZones.xml), by rules
 * among libical's built-in zones, or as a VTIMEZONE of its own.
 */
#include "pim_tz.h"

#include <apr_base64.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <string.h>

#define CLDR_DIR "/usr/share/unicode/cldr/common"
#define CACHE_MAX 4096

static apr_pool_t *tz_pool;
static apr_hash_t *win2olson, *olson2win;
static apr_array_header_t *win_targets;     /* territory 001 zones */
static apr_hash_t *rule_cache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- windowsZones.xml ---- */

static void map_zone(xmlNode *n)
{
    xmlChar *other = xmlGetProp(n, BAD_CAST "other");
    xmlChar *terr = xmlGetProp(n, BAD_CAST "territory");
    xmlChar *type = xmlGetProp(n, BAD_CAST "type");
    char *win, *list, *tok, *last;

    if (other && terr && type) {
        win = apr_pstrdup(tz_pool, (char *)other);
        list = apr_pstrdup(tz_pool, (char *)type);
        if (strcmp((char *)terr, "001") == 0) {
            apr_hash_set(win2olson, win, APR_HASH_KEY_STRING, list);
            APR_ARRAY_PUSH(win_targets, const char *) = list;
        }
        for (tok = apr_strtok(list, " ", &last); tok;
             tok = apr_strtok(NULL, " ", &last))
            if (!apr_hash_get(olson2win, tok, APR_HASH_KEY_STRING))
                apr_hash_set(olson2win, tok, APR_HASH_KEY_STRING, win);
    }
    xmlFree(other);
    xmlFree(terr);
    xmlFree(type);
}

static void walk_zones(xmlNode *n)
{
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE
            && xmlStrcmp(n->name, BAD_CAST "mapZone") == 0)
            map_zone(n);
        else
            walk_zones(n->children);
    }
}

static void load_windows_zones(const char *path)
{
    xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR
                              | XML_PARSE_NOWARNING);

    if (!doc)
        return;
    walk_zones(xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
}

/* Olson names libical lists (zone.tab: the current names). */
static apr_hash_t *builtin_names(void)
{
    icalarray *a = icaltimezone_get_builtin_timezones();
    apr_hash_t *h = apr_hash_make(tz_pool);
    const char *tzid, *s;
    size_t i;

    for (i = 0; a && i < a->num_elements; i++) {
        tzid = icaltimezone_get_tzid(icalarray_element_at(a, i));
        if (!tzid)
            continue;
        s = *tzid == '/' ? strchr(tzid + 1, '/') : NULL;
        s = apr_pstrdup(tz_pool, s ? s + 1 : tzid);
        apr_hash_set(h, s, APR_HASH_KEY_STRING, s);
    }
    return h;
}

/*
 * One alias group of CLDR's bcp47/timezone.xml ("Asia/Calcutta
 * Asia/Kolkata"): every name gets the group's Windows name, and a
 * Windows zone whose target is an old name targets the current one.
 */
static void alias_group(const char *list, apr_hash_t *current)
{
    char *copy = apr_pstrdup(tz_pool, list), *tok, *last;
    const char *win = NULL, *now = NULL, *names[16];
    int n = 0, i;

    for (tok = apr_strtok(copy, " ", &last); tok && n < 16;
         tok = apr_strtok(NULL, " ", &last)) {
        names[n++] = tok;
        if (!win)
            win = eas_tz_olson_to_windows(tok);
        if (!now && apr_hash_get(current, tok, APR_HASH_KEY_STRING))
            now = tok;
    }
    for (i = 0; win && i < n; i++)
        if (!eas_tz_olson_to_windows(names[i]))
            apr_hash_set(olson2win, names[i], APR_HASH_KEY_STRING, win);
    for (i = 0; now && i < win_targets->nelts; i++) {
        const char **t = &APR_ARRAY_IDX(win_targets, i, const char *);
        int k;
        for (k = 0; k < n; k++)
            if (strcmp(*t, names[k]) == 0 && *t != now)
                *t = now;
    }
}

static void walk_aliases(xmlNode *n, apr_hash_t *current)
{
    xmlChar *alias;

    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (xmlStrcmp(n->name, BAD_CAST "type") == 0
            && (alias = xmlGetProp(n, BAD_CAST "alias"))) {
            alias_group((const char *)alias, current);
            xmlFree(alias);
        }
        walk_aliases(n->children, current);
    }
}

static void load_aliases(const char *path)
{
    xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR
                              | XML_PARSE_NOWARNING);
    const char *win;
    int i;

    if (!doc)
        return;
    walk_aliases(xmlDocGetRootElement(doc), builtin_names());
    xmlFreeDoc(doc);
    /* Windows name -> its (current) territory 001 zone */
    for (i = 0; i < win_targets->nelts; i++) {
        const char *t = APR_ARRAY_IDX(win_targets, i, const char *);
        win = eas_tz_olson_to_windows(t);
        if (win)
            apr_hash_set(win2olson, win, APR_HASH_KEY_STRING, t);
    }
}

void eas_pim_tz_init(void)
{
    if (tz_pool)
        return;
    apr_pool_create(&tz_pool, NULL);
    icalerror_set_errors_are_fatal(0);
    win2olson = apr_hash_make(tz_pool);
    olson2win = apr_hash_make(tz_pool);
    rule_cache = apr_hash_make(tz_pool);
    win_targets = apr_array_make(tz_pool, 160, sizeof(const char *));
    load_windows_zones(CLDR_DIR "/supplemental/windowsZones.xml");
    load_aliases(CLDR_DIR "/bcp47/timezone.xml");
}

const char *eas_tz_windows_to_olson(const char *win)
{
    return win && win2olson ? apr_hash_get(win2olson, win, APR_HASH_KEY_STRING)
                            : NULL;
}

const char *eas_tz_olson_to_windows(const char *olson)
{
    return olson && olson2win
           ? apr_hash_get(olson2win, olson, APR_HASH_KEY_STRING) : NULL;
}

/* ---- names ---- */

static icaltimezone *builtin_exact(const char *name)
{
    if (!name || !*name || strlen(name) > 100 || strstr(name, ".."))
        return NULL;
    return icaltimezone_get_builtin_timezone(name);
}

icaltimezone *eas_tz_builtin(const char *name)
{
    const char *s, *olson;
    icaltimezone *z;

    if (!name || !*name)
        return NULL;
    if ((olson = eas_tz_windows_to_olson(name)))
        return builtin_exact(olson);
    if (*name != '/')
        return builtin_exact(name);
    /* a prefixed TZID: "/freeassociation.sourceforge.net/Europe/Berlin",
       "/mozilla.org/20050126_1/America/New_York" */
    for (s = name; (s = strchr(s, '/')); s++)
        if (s[1] && (z = builtin_exact(s + 1)))
            return z;
    return NULL;
}

/* The Olson name of a built-in zone. */
static const char *olson_of(icaltimezone *z)
{
    const char *tzid = z ? icaltimezone_get_tzid(z) : NULL;
    const char *s;

    if (!tzid)
        return NULL;
    if (*tzid != '/')
        return tzid;
    for (s = tzid; (s = strchr(s, '/')); s++)
        if (s[1] && eas_tz_olson_to_windows(s + 1))
            return s + 1;
    s = strchr(tzid + 1, '/');
    return s ? s + 1 : tzid;
}

/* ---- calendar arithmetic ---- */

static long days_from_civil(int y, int m, int d)
{
    long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int weekday(int y, int m, int d)       /* 0 = Sunday */
{
    long n = days_from_civil(y, m, d);

    return (int)(((n % 7) + 11) % 7);
}

static int month_days(int y, int m)
{
    static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[(m - 1) % 12];
}

/* Day of the month of the nth (5: last) weekday dow. */
static int nth_weekday(int y, int m, int dow, int n)
{
    int d = 1 + (dow - weekday(y, m, 1) + 7) % 7 + (n - 1) * 7;

    while (d > month_days(y, m))
        d -= 7;
    return d;
}

/* ---- TIME_ZONE_INFORMATION bytes ---- */

static void put16(unsigned char *b, int v)
{
    b[0] = v & 0xFF;
    b[1] = (v >> 8) & 0xFF;
}

static void put32(unsigned char *b, long v)
{
    unsigned long u = (unsigned long)v;

    put16(b, (int)(u & 0xFFFF));
    put16(b + 2, (int)((u >> 16) & 0xFFFF));
}

static int get16(const unsigned char *b)
{
    return b[0] | (b[1] << 8);
}

static int get32(const unsigned char *b)
{
    unsigned long u = (unsigned long)get16(b) | ((unsigned long)get16(b + 2) << 16);

    return (int)(long)(u > 0x7FFFFFFFUL ? (long)u - 0x100000000L : (long)u);
}

/* UTF-8 -> at most 32 UTF-16LE units (the last one NUL when shorter). */
static void put_name(unsigned char *b, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    int n = 0;
    unsigned long c;

    memset(b, 0, 64);
    while (*u && n < 32) {
        if (*u < 0x80)
            c = *u++;
        else if ((*u & 0xE0) == 0xC0 && u[1])
            c = ((u[0] & 0x1FUL) << 6) | (u[1] & 0x3F), u += 2;
        else if ((*u & 0xF0) == 0xE0 && u[1] && u[2])
            c = ((u[0] & 0x0FUL) << 12) | ((u[1] & 0x3FUL) << 6)
                | (u[2] & 0x3F), u += 3;
        else if ((*u & 0xF8) == 0xF0 && u[1] && u[2] && u[3])
            c = ((u[0] & 0x07UL) << 18) | ((u[1] & 0x3FUL) << 12)
                | ((u[2] & 0x3FUL) << 6) | (u[3] & 0x3F), u += 4;
        else
            c = 0xFFFD, u++;
        if (c >= 0x10000) {
            if (n > 30)
                break;
            c -= 0x10000;
            put16(b + 2 * n++, (int)(0xD800 | (c >> 10)));
            c = 0xDC00 | (c & 0x3FF);
        }
        put16(b + 2 * n++, (int)c);
    }
}

static char *utf8_put(char *o, unsigned long c)
{
    if (c < 0x80)
        *o++ = (char)c;
    else if (c < 0x800) {
        *o++ = (char)(0xC0 | (c >> 6));
        *o++ = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        *o++ = (char)(0xE0 | (c >> 12));
        *o++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *o++ = (char)(0x80 | (c & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (c >> 18));
        *o++ = (char)(0x80 | ((c >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *o++ = (char)(0x80 | (c & 0x3F));
    }
    return o;
}

/* 32 UTF-16LE units -> UTF-8 (97 bytes hold the worst case). */
static void get_name(const unsigned char *b, char *out)
{
    char *o = out;
    unsigned long c, lo;
    int i;

    for (i = 0; i < 32; i++) {
        c = (unsigned long)get16(b + 2 * i);
        if (!c)
            break;
        if (c >= 0xD800 && c < 0xDC00 && i < 31
            && (lo = (unsigned long)get16(b + 2 * i + 2)) >= 0xDC00
            && lo < 0xE000) {
            c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
            i++;
        } else if (c >= 0xD800 && c < 0xE000)
            c = 0xFFFD;
        o = utf8_put(o, c);
    }
    *o = '\0';
}

static void put_systime(unsigned char *b, const eas_systime_t *t)
{
    put16(b, t->year);
    put16(b + 2, t->month);
    put16(b + 4, t->dow);
    put16(b + 6, t->day);
    put16(b + 8, t->hour);
    put16(b + 10, t->minute);
    put16(b + 12, t->second);
    put16(b + 14, t->ms);
}

static void get_systime(const unsigned char *b, eas_systime_t *t)
{
    t->year = get16(b);
    t->month = get16(b + 2);
    t->dow = get16(b + 4);
    t->day = get16(b + 6);
    t->hour = get16(b + 8);
    t->minute = get16(b + 10);
    t->second = get16(b + 12);
    t->ms = get16(b + 14);
}

static void to_bytes(const eas_tzinfo_t *ti, unsigned char *b)
{
    put32(b, ti->bias);
    put_name(b + 4, ti->std_name);
    put_systime(b + 68, &ti->std_date);
    put32(b + 84, ti->std_bias);
    put_name(b + 88, ti->dst_name);
    put_systime(b + 152, &ti->dst_date);
    put32(b + 168, ti->dst_bias);
}

const char *eas_tz_encode(const eas_tzinfo_t *ti, apr_pool_t *p)
{
    unsigned char b[EAS_TZ_BLOB_LEN];
    char *out = apr_palloc(p, apr_base64_encode_len(EAS_TZ_BLOB_LEN));

    to_bytes(ti, b);
    apr_base64_encode(out, (const char *)b, EAS_TZ_BLOB_LEN);
    return out;
}

/* Whether the dates describe rules a zone can have; zeroes them when not. */
static void sanitize(eas_tzinfo_t *ti)
{
    eas_systime_t *d[2] = { &ti->std_date, &ti->dst_date };
    int i, bad = 0;

    for (i = 0; i < 2; i++)
        if (d[i]->month < 1 || d[i]->month > 12 || d[i]->hour > 23
            || d[i]->minute > 59 || d[i]->second > 59 || d[i]->dow > 6
            || d[i]->day < 1 || (d[i]->year == 0 && d[i]->day > 5)
            || (d[i]->year && d[i]->day > month_days(d[i]->year,
                                                       d[i]->month)))
            bad = 1;
    if (ti->bias < -24 * 60 || ti->bias > 24 * 60)
        ti->bias = 0;
    if (ti->std_bias < -24 * 60 || ti->std_bias > 24 * 60)
        ti->std_bias = 0;
    if (ti->dst_bias < -24 * 60 || ti->dst_bias > 24 * 60)
        ti->dst_bias = 0;
    if (bad || (ti->std_date.month == ti->dst_date.month
                && ti->std_date.day == ti->dst_date.day
                && ti->std_date.year == ti->dst_date.year)) {
        memset(&ti->std_date, 0, sizeof ti->std_date);
        memset(&ti->dst_date, 0, sizeof ti->dst_date);
        ti->dst_bias = ti->std_bias;
    }
}

int eas_tz_decode(const char *s, apr_size_t len, eas_tzinfo_t *ti)
{
    unsigned char b[EAS_TZ_BLOB_LEN + 4];
    char tmp[401];
    int n;

    memset(ti, 0, sizeof *ti);
    if (!s || len >= sizeof tmp)
        return -1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (apr_base64_decode_len(tmp) > (int)sizeof b + 3)
        return -1;
    n = apr_base64_decode((char *)b, tmp);
    if (n < EAS_TZ_BLOB_LEN)
        return -1;
    ti->bias = get32(b);
    get_name(b + 4, ti->std_name);
    get_systime(b + 68, &ti->std_date);
    ti->std_bias = get32(b + 84);
    get_name(b + 88, ti->dst_name);
    get_systime(b + 152, &ti->dst_date);
    ti->dst_bias = get32(b + 168);
    sanitize(ti);
    return 0;
}

/* ---- the rules of a zone in a year ---- */

/* Years after the last in the tables repeat its rules: they are matched
   as that year, which keeps libical from expanding every zone for
   centuries. */
#define LAST_RULE_YEAR 2100

static int rule_year(int year)
{
    return year > LAST_RULE_YEAR ? LAST_RULE_YEAR : year;
}

typedef struct {
    long long t;                /* first second of the new offset (UTC) */
    int from, to, to_dst;       /* offsets in seconds */
} change_t;

static int offset_of(icaltimezone *z, long long t, int *dst)
{
    struct icaltimetype tt = icaltime_from_timet_with_zone(
        (time_t)t, 0, icaltimezone_get_utc_timezone());

    *dst = 0;
    return icaltimezone_get_utc_offset_of_utc_time(z, &tt, dst);
}

/* The first second in (lo, hi] with an offset other than at lo. */
static long long change_at(icaltimezone *z, long long lo, long long hi)
{
    int d, off = offset_of(z, lo, &d);

    while (hi - lo > 1) {
        long long mid = lo + (hi - lo) / 2;
        if (offset_of(z, mid, &d) == off)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* Up to max changes of offset in year (UTC days). */
static int changes_in(icaltimezone *z, int year, change_t *c, int max)
{
    long long t = days_from_civil(year, 1, 1) * 86400LL, end;
    int n = 0, off, prev, d;

    end = days_from_civil(year + 1, 1, 1) * 86400LL;
    prev = offset_of(z, t, &d);
    for (; t < end && n < max; t += 86400) {
        off = offset_of(z, t + 86400, &d);
        if (off == prev)
            continue;
        c[n].t = change_at(z, t, t + 86400);
        c[n].from = prev;
        c[n].to = offset_of(z, c[n].t, &c[n].to_dst);
        n++;
        prev = off;
    }
    return n;
}

/* SYSTEMTIME in the nth-weekday form for the local second t. */
static void systime_of(long long t, eas_systime_t *st)
{
    long long days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    long secs = (long)(t - days * 86400);
    struct icaltimetype tt = icaltime_from_timet_with_zone(
        (time_t)t, 0, icaltimezone_get_utc_timezone());

    memset(st, 0, sizeof *st);
    st->month = tt.month;
    st->dow = weekday(tt.year, tt.month, tt.day);
    st->day = tt.day + 7 > month_days(tt.year, tt.month) ? 5
              : (tt.day - 1) / 7 + 1;
    st->hour = (int)(secs / 3600);
    st->minute = (int)(secs % 3600 / 60);
    st->second = (int)(secs % 60);
}

static void set_names(eas_tzinfo_t *ti, icaltimezone *zone)
{
    const char *tzid = zone ? icaltimezone_get_tzid(zone) : "UTC";
    const char *win = eas_tz_windows_to_olson(tzid) ? tzid
                      : eas_tz_olson_to_windows(olson_of(zone));
    const char *std = win ? win : (tzid ? olson_of(zone) : "UTC");
    const char *s;
    apr_size_t k;

    apr_cpystrn(ti->std_name, std ? std : "", sizeof ti->std_name);
    apr_cpystrn(ti->dst_name, ti->std_name, sizeof ti->dst_name);
    if (win && (s = strstr(win, "Standard")) != NULL) {
        k = (apr_size_t)(s - win);
        if (k + 8 < sizeof ti->dst_name) {
            memcpy(ti->dst_name + k, "Daylight", 8);
        }
    }
}

void eas_tz_info_from_zone(icaltimezone *zone, int year, eas_tzinfo_t *ti)
{
    change_t c[8];
    int n, d, i, std, dst;

    memset(ti, 0, sizeof *ti);
    set_names(ti, zone);
    if (!zone || zone == icaltimezone_get_utc_timezone())
        return;
    year = rule_year(year);
    n = changes_in(zone, year, c, 8);
    if (n != 2 || c[0].to != c[1].from || c[1].to != c[0].from) {
        ti->bias = -offset_of(zone, days_from_civil(year + 1, 1, 1) * 86400LL
                              - 1, &d) / 60;
        return;
    }
    i = c[0].to_dst || (!c[1].to_dst && c[0].to > c[0].from) ? 0 : 1;
    std = c[i].from;
    dst = c[i].to;
    ti->bias = -std / 60;
    ti->dst_bias = -(dst - std) / 60;
    systime_of(c[i].t + std, &ti->dst_date);
    systime_of(c[1 - i].t + dst, &ti->std_date);
}

static int has_dst(const eas_tzinfo_t *ti)
{
    return ti->std_date.month && ti->dst_date.month
           && ti->std_bias != ti->dst_bias;
}

/* The local second (since the epoch) the SYSTEMTIME falls on in year. */
static long long when(const eas_systime_t *st, int year)
{
    int day = st->year ? st->day : nth_weekday(year, st->month, st->dow,
                                                st->day);

    return days_from_civil(year, st->month, day) * 86400LL
           + st->hour * 3600 + st->minute * 60 + st->second;
}

int eas_tz_same_rules(const eas_tzinfo_t *a, const eas_tzinfo_t *b,
                      int year)
{
    year = rule_year(year);
    if (a->bias + a->std_bias != b->bias + b->std_bias
        || has_dst(a) != has_dst(b))
        return 0;
    if (!has_dst(a))
        return 1;
    return a->bias + a->dst_bias == b->bias + b->dst_bias
           && when(&a->dst_date, year) == when(&b->dst_date, year)
           && when(&a->std_date, year) == when(&b->std_date, year);
}

int eas_tz_offset_at(const eas_tzinfo_t *ti, apr_time_t t)
{
    long long s = apr_time_sec(t), on, off;
    int std = -(ti->bias + ti->std_bias) * 60;
    int dst = -(ti->bias + ti->dst_bias) * 60;
    struct icaltimetype tt;

    if (!has_dst(ti))
        return std;
    tt = icaltime_from_timet_with_zone((time_t)(s + std), 0,
                                       icaltimezone_get_utc_timezone());
    on = when(&ti->dst_date, tt.year) - std;
    off = when(&ti->std_date, tt.year) - dst;
    if (on < off)
        return s >= on && s < off ? dst : std;
    return s >= off && s < on ? std : dst;
}

/* ---- from the phone's structure to a zone ---- */

static int zone_matches(icaltimezone *z, const eas_tzinfo_t *ti, int year)
{
    eas_tzinfo_t zi;
    int d;
    long long mid = days_from_civil(year, 1, 15) * 86400LL;

    if (!z)
        return 0;
    /* cheap test first: the offsets in January and July */
    if (offset_of(z, mid, &d) != eas_tz_offset_at(ti, mid * APR_USEC_PER_SEC)
        || offset_of(z, mid + 181 * 86400LL, &d)
           != eas_tz_offset_at(ti, (mid + 181 * 86400LL) * APR_USEC_PER_SEC))
        return 0;
    eas_tz_info_from_zone(z, year, &zi);
    return eas_tz_same_rules(&zi, ti, year);
}

static icaltimezone *search_rules(const eas_tzinfo_t *ti, int year)
{
    icalarray *a = icaltimezone_get_builtin_timezones();
    icaltimezone *z;
    size_t i;
    int k;

    for (k = 0; win_targets && k < win_targets->nelts; k++) {
        z = builtin_exact(APR_ARRAY_IDX(win_targets, k, const char *));
        if (zone_matches(z, ti, year))
            return z;
    }
    for (i = 0; a && i < a->num_elements; i++) {
        z = icalarray_element_at(a, i);
        if (zone_matches(z, ti, year))
            return z;
    }
    return NULL;
}

static const char *rules_key(const eas_tzinfo_t *ti, int year,
                             char *buf, apr_size_t len)
{
    const eas_systime_t *a = &ti->std_date, *b = &ti->dst_date;

    apr_snprintf(buf, len, "%d %d %d %d %d/%d/%d/%d/%d/%d/%d %d/%d/%d/%d/%d"
                 "/%d/%d", year, ti->bias, ti->std_bias, ti->dst_bias,
                 a->year, a->month, a->dow, a->day, a->hour, a->minute,
                 a->second, b->year, b->month, b->dow, b->day, b->hour,
                 b->minute, b->second);
    return buf;
}

icaltimezone *eas_tz_find(const eas_tzinfo_t *ti, int year)
{
    static char none;
    char key[160];
    void *hit;
    icaltimezone *z;

    year = rule_year(year);
    z = eas_tz_builtin(eas_tz_windows_to_olson(ti->std_name));
    if (zone_matches(z, ti, year))
        return z;
    rules_key(ti, year, key, sizeof key);
    pthread_mutex_lock(&cache_lock);
    hit = rule_cache ? apr_hash_get(rule_cache, key, APR_HASH_KEY_STRING)
                     : NULL;
    if (!hit) {
        z = search_rules(ti, year);
        if (rule_cache && apr_hash_count(rule_cache) < CACHE_MAX)
            apr_hash_set(rule_cache, apr_pstrdup(tz_pool, key),
                         APR_HASH_KEY_STRING, z ? (void *)z : &none);
    }
    pthread_mutex_unlock(&cache_lock);
    if (hit)
        return hit == &none ? NULL : hit;
    return z;
}

/* ---- a VTIMEZONE of the structure's own ---- */

static struct icaltimetype first_change(const eas_systime_t *st)
{
    int year = st->year ? st->year : 1970;
    long long t = when(st, year);

    return icaltime_from_timet_with_zone((time_t)t, 0, NULL);
}

static icalcomponent *observance(icalcomponent_kind kind,
                                 const eas_systime_t *st, int from, int to,
                                 const char *name)
{
    icalcomponent *c = icalcomponent_new(kind);
    struct icalrecurrencetype r;

    if (name && *name)
        icalcomponent_add_property(c, icalproperty_new_tzname(name));
    icalcomponent_add_property(c, icalproperty_new_tzoffsetfrom(from));
    icalcomponent_add_property(c, icalproperty_new_tzoffsetto(to));
    if (!st) {
        icalcomponent_add_property(c, icalproperty_new_dtstart(
            icaltime_from_string("16010101T000000")));
        return c;
    }
    icalcomponent_add_property(c, icalproperty_new_dtstart(
        first_change(st)));
    if (!st->year) {
        icalrecurrencetype_clear(&r);
        r.freq = ICAL_YEARLY_RECURRENCE;
        r.by_month[0] = (short)st->month;
        r.by_day[0] = (short)(st->day == 5 ? -(8 + st->dow + 1)
                              : st->day * 8 + st->dow + 1);
        icalcomponent_add_property(c, icalproperty_new_rrule(r));
    }
    return c;
}

icalcomponent *eas_tz_vtimezone(const eas_tzinfo_t *ti, const char *tzid)
{
    icalcomponent *vtz = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT);
    int std = -(ti->bias + ti->std_bias) * 60;
    int dst = -(ti->bias + ti->dst_bias) * 60;

    icalcomponent_add_property(vtz, icalproperty_new_tzid(tzid));
    if (!has_dst(ti)) {
        icalcomponent_add_component(vtz, observance(
            ICAL_XSTANDARD_COMPONENT, NULL, std, std, ti->std_name));
        return vtz;
    }
    icalcomponent_add_component(vtz, observance(
        ICAL_XSTANDARD_COMPONENT, &ti->std_date, dst, std, ti->std_name));
    icalcomponent_add_component(vtz, observance(
        ICAL_XDAYLIGHT_COMPONENT, &ti->dst_date, std, dst, ti->dst_name));
    return vtz;
}
