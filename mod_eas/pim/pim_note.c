/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Notes: a VJOURNAL in a VCALENDAR (RFC 5545 3.6.3) <-> ActiveSync Notes
 * (MS-ASNOTE 2.2.2; Body per MS-ASAIRS 2.2.2.9), through libical.
 *
 *   Subject           SUMMARY
 *   Body              DESCRIPTION
 *   Categories        CATEGORIES (one property per category when written)
 *   LastModifiedDate  LAST-MODIFIED (DTSTAMP when there is none)
 *   MessageClass      always IPM.StickyNote
 *
 * On an Add the note gets a new UID, DTSTAMP and LAST-MODIFIED (the
 * phone's LastModifiedDate when it sent one, o->now otherwise).  On a
 * Change only the VJOURNAL's SUMMARY, DESCRIPTION, CATEGORIES, DTSTAMP and
 * LAST-MODIFIED are rewritten: every other property and component stays.
 * The DESCRIPTION is kept when the phone sends no Body.
 */
#include "pim.h"

#include <apr_strings.h>
#include <libical/ical.h>
#include <stdlib.h>
#include <string.h>

#define PRODID "-//mod_eas//Notes//EN"
#define NOTE_CLASS "IPM.StickyNote"

/* The VCALENDAR of an item (owned by the caller) and its VJOURNAL. */
static icalcomponent *parse_note(const eas_blob_t *item, icalcomponent **j,
                                 const char **err, apr_pool_t *p)
{
    char *s = apr_pstrndup(p, item->data ? item->data : "", item->len);
    icalcomponent *cal;

    if (strlen(s) != item->len || !(cal = icalparser_parse_string(s))) {
        *err = "not iCalendar";
        return NULL;
    }
    *j = icalcomponent_isa(cal) == ICAL_VJOURNAL_COMPONENT ? cal
        : icalcomponent_get_first_component(cal, ICAL_VJOURNAL_COMPONENT);
    if (!*j) {
        icalcomponent_free(cal);
        *err = "no VJOURNAL";
        return NULL;
    }
    return cal;
}

static const char *text_of(icalcomponent *j, icalproperty_kind k)
{
    icalproperty *pr = icalcomponent_get_first_property(j, k);

    return pr ? icalproperty_get_value_as_string(pr) : NULL;
}

/* The text of a TEXT property, unescaped by libical. */
static const char *plain_of(icalcomponent *j, icalproperty_kind k)
{
    icalproperty *pr = icalcomponent_get_first_property(j, k);
    icalvalue *v = pr ? icalproperty_get_value(pr) : NULL;

    return v && icalvalue_isa(v) == ICAL_TEXT_VALUE ? icalvalue_get_text(v)
         : text_of(j, k);
}

/* Every category, from every CATEGORIES property. */
static apr_array_header_t *categories(icalcomponent *j, apr_pool_t *p)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(char *));
    icalproperty_kind k = ICAL_CATEGORIES_PROPERTY;
    icalproperty *pr;

    for (pr = icalcomponent_get_first_property(j, k); pr;
         pr = icalcomponent_get_next_property(j, k)) {
        const char *v = icalproperty_get_categories(pr);
        char *t, *last, *dup = apr_pstrdup(p, v ? v : "");
        for (t = apr_strtok(dup, ",", &last); t;
             t = apr_strtok(NULL, ",", &last))
            *(char **)apr_array_push(a) = t;
    }
    return a;
}

/* LAST-MODIFIED, else DTSTAMP, as MS-ASDTYPE text; NULL if neither. */
static const char *modified(icalcomponent *j, apr_pool_t *p)
{
    icalproperty *pr = icalcomponent_get_first_property(
        j, ICAL_LASTMODIFIED_PROPERTY);
    struct icaltimetype t;
    time_t secs;

    if (!pr)
        pr = icalcomponent_get_first_property(j, ICAL_DTSTAMP_PROPERTY);
    if (!pr)
        return NULL;
    t = icalvalue_get_datetime(icalproperty_get_value(pr));
    if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t))
        return NULL;
    secs = icaltime_as_timet_with_zone(t, icaltimezone_get_utc_timezone());
    if (secs < 0 || secs > (time_t)253402300799LL)     /* 9999-12-31 */
        return NULL;
    return eas_pim_time_ext(apr_time_from_sec(secs), p);
}

static void write_fields(eas_wbxml_enc_t *enc, icalcomponent *j,
                         const eas_pim_opts_t *o, apr_pool_t *p)
{
    const char *s = plain_of(j, ICAL_SUMMARY_PROPERTY);
    const char *d = plain_of(j, ICAL_DESCRIPTION_PROPERTY);
    apr_array_header_t *cats = categories(j, p);
    int i;

    if (s && *s)
        eas_enc_str(enc, EAS_Notes_Subject, s);
    if (d)
        eas_pim_write_body(enc, d, strlen(d), o, p);
    eas_enc_str(enc, EAS_Notes_MessageClass, NOTE_CLASS);
    if ((s = modified(j, p)))
        eas_enc_str(enc, EAS_Notes_LastModifiedDate, s);
    if (!cats->nelts)
        return;
    eas_enc_start(enc, EAS_Notes_Categories);
    for (i = 0; i < cats->nelts; i++)
        eas_enc_str(enc, EAS_Notes_Category, APR_ARRAY_IDX(cats, i, char *));
    eas_enc_end(enc);
}

static apr_status_t note_write(eas_wbxml_enc_t *enc, const eas_blob_t *item,
                               const eas_pim_opts_t *o, const char **err,
                               apr_pool_t *p)
{
    icalcomponent *j, *cal;

    *err = NULL;
    if (!(cal = parse_note(item, &j, err, p)))
        return APR_EINVAL;
    write_fields(enc, j, o, p);
    icalcomponent_free(cal);
    return APR_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Read                                                                */
/* ------------------------------------------------------------------ */

static void drop_all(icalcomponent *j, icalproperty_kind k)
{
    icalproperty *pr;

    while ((pr = icalcomponent_get_first_property(j, k))) {
        icalcomponent_remove_property(j, pr);
        icalproperty_free(pr);
    }
}

/* s[0..n) as UTF-8 text for libical: invalid bytes and control
   characters other than TAB, CR and LF dropped. */
static char *clean_text(const char *s, apr_size_t n, apr_pool_t *p)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    apr_size_t i = 0, k, j;

    while (i < n) {
        k = eas_utf8_valid_prefix(s + i, n - i);
        for (j = i; j < i + k; j++)
            if ((unsigned char)s[j] >= 0x20 || s[j] == '\t' || s[j] == '\n'
                || s[j] == '\r')
                *o++ = s[j];
        i += k + 1;
    }
    *o = '\0';
    return out;
}

/* The phone's text of tag: NULL when absent, "" when empty. */
static const char *eas_text(const eas_node_t *ad, eas_tag_t tag,
                            apr_pool_t *p)
{
    const eas_node_t *n = eas_node_child(ad, tag);

    if (!n)
        return NULL;
    return n->value ? clean_text(n->value, n->len, p) : "";
}

static void set_text(icalcomponent *j, icalproperty_kind k, const char *v)
{
    icalproperty *pr = icalcomponent_get_first_property(j, k);

    if (!v || !*v) {
        drop_all(j, k);
        return;
    }
    if (!pr) {
        pr = icalproperty_new(k);
        icalcomponent_add_property(j, pr);
    }
    icalproperty_set_value(pr, icalvalue_new_text(v));
}

static void set_time(icalcomponent *j, icalproperty_kind k, apr_time_t t)
{
    struct icaltimetype it = icaltime_from_timet_with_zone(
        (time_t)apr_time_sec(t), 0, icaltimezone_get_utc_timezone());

    drop_all(j, k);
    icalcomponent_add_property(
        j, k == ICAL_DTSTAMP_PROPERTY ? icalproperty_new_dtstamp(it)
                                      : icalproperty_new_lastmodified(it));
}

static int same_list(const apr_array_header_t *a, const apr_array_header_t *b)
{
    int i;

    if (a->nelts != b->nelts)
        return 0;
    for (i = 0; i < a->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(a, i, char *), APR_ARRAY_IDX(b, i, char *)))
            return 0;
    return 1;
}

static void read_categories(icalcomponent *j, const eas_node_t *ad,
                            apr_pool_t *p)
{
    const eas_node_t *l = eas_node_child(ad, EAS_Notes_Categories), *n;
    apr_array_header_t *want = apr_array_make(p, 4, sizeof(char *));
    int i;

    for (n = l ? eas_node_child(l, EAS_Notes_Category) : NULL; n;
         n = eas_node_next(n, EAS_Notes_Category))
        if (n->value && n->len)
            *(char **)apr_array_push(want) = clean_text(n->value, n->len, p);
    if (same_list(want, categories(j, p)))
        return;
    drop_all(j, ICAL_CATEGORIES_PROPERTY);
    for (i = 0; i < want->nelts; i++)
        icalcomponent_add_property(
            j, icalproperty_new_categories(APR_ARRAY_IDX(want, i, char *)));
}

static icalcomponent *new_note(icalcomponent **j, apr_pool_t *p)
{
    icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);

    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_prodid(PRODID));
    *j = icalcomponent_new(ICAL_VJOURNAL_COMPONENT);
    icalcomponent_add_property(*j, icalproperty_new_uid(eas_pim_new_uid(p)));
    icalcomponent_add_component(cal, *j);
    return cal;
}

static void read_fields(icalcomponent *j, const eas_node_t *ad,
                        const eas_pim_opts_t *o, apr_pool_t *p)
{
    const char *body = eas_pim_read_body(ad, 0, p);
    const char *lm = eas_text(ad, EAS_Notes_LastModifiedDate, p);
    apr_time_t t;

    set_text(j, ICAL_SUMMARY_PROPERTY, eas_text(ad, EAS_Notes_Subject, p));
    if (body)
        set_text(j, ICAL_DESCRIPTION_PROPERTY,
                 clean_text(body, strlen(body), p));
    read_categories(j, ad, p);
    drop_all(j, ICAL_XLICERROR_PROPERTY);
    if (o->now)
        set_time(j, ICAL_DTSTAMP_PROPERTY, o->now);
    if (lm && eas_pim_parse_time(lm, &t) == 0)
        set_time(j, ICAL_LASTMODIFIED_PROPERTY, t);
    else if (o->now)
        set_time(j, ICAL_LASTMODIFIED_PROPERTY, o->now);
}

static const char *uid_of(icalcomponent *j, apr_pool_t *p)
{
    const char *uid = icalcomponent_get_uid(j);

    if (uid && *uid)
        return apr_pstrdup(p, uid);
    uid = eas_pim_new_uid(p);
    icalcomponent_add_property(j, icalproperty_new_uid(uid));
    return uid;
}

static apr_status_t note_read(const eas_node_t *appdata,
                              const eas_blob_t *old, const eas_pim_opts_t *o,
                              eas_pim_item_t *out, const char **err,
                              apr_pool_t *p)
{
    icalcomponent *cal, *j;
    char *s;

    *err = NULL;
    cal = old ? parse_note(old, &j, err, p) : new_note(&j, p);
    if (!cal)
        return APR_EINVAL;
    read_fields(j, appdata, o, p);
    out->uid = uid_of(j, p);
    s = icalcomponent_as_ical_string_r(cal);
    icalcomponent_free(cal);
    if (!s) {
        *err = "cannot write iCalendar";
        return APR_EINVAL;
    }
    out->data.len = strlen(s);
    out->data.data = apr_pstrmemdup(p, s, out->data.len);
    free(s);
    if (o->max_item && out->data.len > o->max_item) {
        *err = "note too large";
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

const eas_pim_class_t eas_pim_notes = {
    EAS_CLASS_NOTES, "text/calendar", note_write, note_read
};
