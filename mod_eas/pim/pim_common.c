/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the groupware converters share: bodies (MS-ASAIRS 2.2.2.9 Body),
 * dates (MS-ASDTYPE 2.3 dateTime, both its forms) and new UIDs.
 */
#include "pim.h"
#include "email_internal.h"     /* eas_utf8_cut, HTML <-> text, preview */

#include <apr_strings.h>
#include <apr_uuid.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define PREVIEW_MAX 255

/* The first plain or HTML preference; plain and whole when none. */
static const eas_bodypref_t *text_pref(const eas_pim_opts_t *o)
{
    static const eas_bodypref_t plain = { EAS_BODY_PLAIN, 0, 0, 0 };
    int i;

    for (i = 0; i < o->nprefs; i++)
        if (o->prefs[i].type == EAS_BODY_PLAIN
            || o->prefs[i].type == EAS_BODY_HTML)
            return &o->prefs[i];
    return &plain;
}

static void write_preview(eas_wbxml_enc_t *enc, const char *text,
                          apr_size_t len, int chars, apr_pool_t *p)
{
    eas_text_t t = { text, len }, pv;

    pv = eas_text_preview(t, chars > PREVIEW_MAX ? PREVIEW_MAX : chars, p);
    eas_enc_start(enc, EAS_AirSyncBase_Preview);
    eas_enc_text(enc, pv.data, pv.len);
    eas_enc_end(enc);
}

void eas_pim_write_body(eas_wbxml_enc_t *enc, const char *text,
                        apr_size_t len, const eas_pim_opts_t *o,
                        apr_pool_t *p)
{
    const eas_bodypref_t *pref = text_pref(o);
    eas_text_t full = { text, len };
    apr_size_t send;
    int truncated = 0;

    if (!text || !len)
        return;
    if (pref->type == EAS_BODY_HTML)
        full = eas_text_to_html(text, len, p);
    send = full.len;
    if (pref->truncation && full.len > pref->truncation) {
        truncated = 1;
        send = pref->all_or_none ? 0
               : eas_utf8_cut(full.data, full.len, pref->truncation);
    }
    eas_enc_start(enc, EAS_AirSyncBase_Body);
    eas_enc_int(enc, EAS_AirSyncBase_Type, pref->type);
    eas_enc_int(enc, EAS_AirSyncBase_EstimatedDataSize, (long long)full.len);
    eas_enc_int(enc, EAS_AirSyncBase_Truncated, truncated);
    if (!(truncated && pref->all_or_none)) {
        eas_enc_start(enc, EAS_AirSyncBase_Data);
        eas_enc_text(enc, full.data, send);
        eas_enc_end(enc);
    }
    if (o->version >= 140 && pref->preview > 0)
        write_preview(enc, text, len, pref->preview, p);
    eas_enc_end(enc);
}

const char *eas_pim_read_body(const eas_node_t *appdata, eas_tag_t legacy,
                              apr_pool_t *p)
{
    const eas_node_t *body = eas_node_child(appdata, EAS_AirSyncBase_Body);
    const char *type, *data;
    eas_text_t text;

    if (!body) {
        const eas_node_t *old = legacy ? eas_node_child(appdata, legacy) : NULL;
        if (!old)
            return NULL;
        return old->value ? apr_pstrndup(p, old->value, old->len) : "";
    }
    type = eas_node_text(body, EAS_AirSyncBase_Type);
    data = eas_node_text(body, EAS_AirSyncBase_Data);
    if (!data)
        return "";
    if (type && strcmp(type, "2") == 0) {
        text = eas_html_to_text(data, strlen(data), p);
        return apr_pstrndup(p, text.data, text.len);
    }
    return data;
}

/* ---- dates ---- */

static int digits(const char **s, int n, int *out)
{
    int v = 0;

    while (n--) {
        if (**s < '0' || **s > '9')
            return -1;
        v = v * 10 + (*(*s)++ - '0');
    }
    *out = v;
    return 0;
}

/* One separator when the extended form has it. */
static int sep(const char **s, char c, int extended)
{
    if (!extended)
        return 0;
    if (**s != c)
        return -1;
    (*s)++;
    return 0;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (any year: APR's
   own conversion refuses dates before 1970, birthdays among them). */
static long long days_from_civil(long long y, int m, int d)
{
    long long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

int eas_pim_parse_time(const char *s, apr_time_t *t)
{
    int y, mo, d, h, mi, se, ext;

    if (!s || strlen(s) < 15)
        return -1;
    ext = s[4] == '-';
    if (digits(&s, 4, &y) || sep(&s, '-', ext) || digits(&s, 2, &mo)
        || sep(&s, '-', ext) || digits(&s, 2, &d) || *s++ != 'T'
        || digits(&s, 2, &h) || sep(&s, ':', ext) || digits(&s, 2, &mi)
        || sep(&s, ':', ext) || digits(&s, 2, &se))
        return -1;
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            ;
    if (*s == 'Z')
        s++;
    if (*s || y < 1601 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23
        || mi > 59 || se > 60)
        return -1;
    if (d > days_in_month(y, mo))
        return -1;
    *t = apr_time_from_sec(days_from_civil(y, mo, d) * 86400LL
                           + h * 3600 + mi * 60 + (se > 59 ? 59 : se));
    return 0;
}

static const char *format_time(apr_time_t t, const char *fmt, apr_pool_t *p)
{
    apr_time_exp_t tm;

    apr_time_exp_gmt(&tm, t);
    return apr_psprintf(p, fmt, tm.tm_year + 1900, tm.tm_mon + 1,
                        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

const char *eas_pim_time_compact(apr_time_t t, apr_pool_t *p)
{
    return format_time(t, "%04d%02d%02dT%02d%02d%02dZ", p);
}

const char *eas_pim_time_ext(apr_time_t t, apr_pool_t *p)
{
    return format_time(t, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", p);
}

const char *eas_pim_new_uid(apr_pool_t *p)
{
    apr_uuid_t u;
    char buf[APR_UUID_FORMATTED_LENGTH + 1];

    apr_uuid_get(&u);
    apr_uuid_format(buf, &u);
    return apr_pstrdup(p, buf);
}
