/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sync Options: parsing, the FilterType window, and the cache form.
 * See sync_options.h.
 */
#include "sync_options.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define A(name) EAS_AirSync_##name
#define B(name) EAS_AirSyncBase_##name

#define DAY apr_time_from_sec(86400)

/* FilterType -> days; 6 and 7 are calendar windows, allowed for mail too. */
static const int filter_days[] = { 0, 1, 3, 7, 14, 31, 93, 186 };
#define EAS_FILTER_MAX 7        /* time windows; 8 is incomplete tasks */

/* MIMETruncation -> bytes; 8 is "no truncation". */
static const long mime_trunc_bytes[] = {
    0, 4096, 5120, 7168, 10240, 20480, 51200, 102400, -1
};

void eas_sync_options_default(eas_sync_options_t *o)
{
    memset(o, 0, sizeof(*o));
    o->conflict = 1;
    o->mime_truncation = -1;
}

int eas_sync_number(const char *s, apr_int64_t max, apr_int64_t *out)
{
    char *end;
    apr_int64_t v;

    if (!s || !apr_isdigit(*s))
        return -1;
    errno = 0;
    v = apr_strtoi64(s, &end, 10);
    if (*end || errno == ERANGE || v > max)
        return -1;
    *out = v;
    return 0;
}

const char *eas_sync_filter_parse(const char *text, int *filter_type)
{
    apr_int64_t v;

    if (eas_sync_number(text, EAS_FILTER_INCOMPLETE, &v) != 0)
        return "FilterType is not 0 to 8";
    *filter_type = (int)v;
    return NULL;
}

static const char *parse_bodypref(const eas_node_t *bp, eas_sync_options_t *o)
{
    eas_sync_bodypref_t pref = { 0, 0, 0, 0, 0 };
    const char *s;
    apr_int64_t v;
    int i;

    if (eas_sync_number(eas_node_text(bp, B(Type)), 4, &v) != 0 || v < 1)
        return "BodyPreference without a Type of 1 to 4";
    pref.type = (int)v;
    if ((s = eas_node_text(bp, B(TruncationSize)))) {
        if (eas_sync_number(s, APR_UINT32_MAX, &v) != 0)
            return "TruncationSize is not a 32-bit number";
        pref.has_truncation = 1;
        pref.truncation = (apr_uint32_t)v;
    }
    if ((s = eas_node_text(bp, B(AllOrNone)))) {
        if (eas_sync_number(s, 1, &v) != 0)
            return "AllOrNone is not 0 or 1";
        pref.all_or_none = (int)v;
    }
    if ((s = eas_node_text(bp, B(Preview)))) {
        if (eas_sync_number(s, 255, &v) != 0)
            return "Preview is not 0 to 255";
        pref.preview = (int)v;
    }
    /* The first preference for a type wins. */
    for (i = 0; i < o->nprefs; i++)
        if (o->prefs[i].type == pref.type)
            return NULL;
    if (o->nprefs < EAS_SYNC_MAX_PREFS)
        o->prefs[o->nprefs++] = pref;
    return NULL;
}

static const char *parse_one(const eas_node_t *opt, eas_sync_options_t *o)
{
    const eas_node_t *n;
    const char *why;
    apr_int64_t v;

    eas_sync_options_default(o);
    for (n = opt->child; n; n = n->next) {
        switch (n->tag) {
        case A(FilterType):
            if ((why = eas_sync_filter_parse(n->value, &o->filter_type)))
                return why;
            break;
        case A(Conflict):
            if (eas_sync_number(n->value, 1, &v) != 0)
                return "Conflict is not 0 or 1";
            o->conflict = (int)v;
            break;
        case A(MIMESupport):
            if (eas_sync_number(n->value, 2, &v) != 0)
                return "MIMESupport is not 0 to 2";
            o->mime_support = (int)v;
            break;
        case A(MIMETruncation):
            if (eas_sync_number(n->value, 8, &v) != 0)
                return "MIMETruncation is not 0 to 8";
            o->mime_truncation = mime_trunc_bytes[v];
            break;
        case A(MaxItems):
            if (eas_sync_number(n->value, APR_INT32_MAX, &v) != 0)
                return "MaxItems is not a number";
            o->max_items = (int)v;
            break;
        case B(BodyPreference):
            if ((why = parse_bodypref(n, o)))
                return why;
            break;
        default:
            /* Class, BodyPartPreference, RightsManagementSupport,
               Truncation...: nothing for mail here. */
            break;
        }
    }
    return NULL;
}

const char *eas_sync_options_parse(const eas_node_t *first,
                                   eas_sync_options_t *o, int *found)
{
    const eas_node_t *n;

    *found = 0;
    eas_sync_options_default(o);
    for (n = first; n; n = eas_node_next(n, A(Options))) {
        const char *cls = eas_node_text(n, A(Class));

        /* Text messages (SMS, MMS) are not served: their Options are
           skipped.  A collection has one class: one Options for it. */
        if (cls && (strcmp(cls, "SMS") == 0 || strcmp(cls, "MMS") == 0))
            continue;
        if (*found)
            return "more than one Options element for the collection";
        {
            const char *why = parse_one(n, o);
            if (why)
                return why;
        }
        *found = 1;
    }
    return NULL;
}

apr_time_t eas_sync_since(int filter_type, int max_filter, apr_time_t now)
{
    if (filter_type < 0 || filter_type > EAS_FILTER_MAX)
        filter_type = 0;
    if (max_filter > 0 && max_filter <= EAS_FILTER_MAX
        && (filter_type == 0 || filter_type > max_filter))
        filter_type = max_filter;
    if (filter_type == 0)
        return 0;
    return now - filter_days[filter_type] * DAY;
}

void eas_sync_filter(int filter_type, int max_filter, apr_time_t now,
                     eas_filter_t *f)
{
    f->since = eas_sync_since(filter_type, max_filter, now);
    f->incomplete_only = filter_type == EAS_FILTER_INCOMPLETE;
}

/* ---- cache form: comma-separated numbers ---- */

const char *eas_sync_options_text(const eas_sync_options_t *o, apr_pool_t *p)
{
    const char *s = apr_psprintf(p, "%d,%d,%d,%ld,%d,%d", o->filter_type,
                                 o->conflict, o->mime_support,
                                 o->mime_truncation, o->max_items, o->nprefs);
    int i;

    for (i = 0; i < o->nprefs; i++) {
        const eas_sync_bodypref_t *b = &o->prefs[i];
        s = apr_psprintf(p, "%s,%d,%d,%lu,%d,%d", s, b->type,
                         b->has_truncation, (unsigned long)b->truncation,
                         b->all_or_none, b->preview);
    }
    return s;
}

/* The next number of a comma list in [min, max]; -1 if there is none. */
static int next_number(const char **s, apr_int64_t min, apr_int64_t max,
                       apr_int64_t *out)
{
    char *end;

    if (!**s)
        return -1;
    errno = 0;
    *out = apr_strtoi64(*s, &end, 10);
    if (end == *s || errno == ERANGE || *out < min || *out > max
        || (*end && (*end != ',' || !end[1])))
        return -1;
    *s = *end ? end + 1 : end;
    return 0;
}

int eas_sync_options_from_text(const char *s, eas_sync_options_t *o)
{
    apr_int64_t v[6], b[5];
    int i, j;
    static const apr_int64_t lo[6] = { 0, 0, 0, -1, 0, 0 };
    static const apr_int64_t hi[6] = { EAS_FILTER_MAX, 1, 2, APR_INT32_MAX,
                                APR_INT32_MAX, EAS_SYNC_MAX_PREFS };
    static const apr_int64_t blo[5] = { 1, 0, 0, 0, 0 };
    static const apr_int64_t bhi[5] = { 4, 1, APR_UINT32_MAX, 1, 255 };

    eas_sync_options_default(o);
    for (i = 0; i < 6; i++)
        if (next_number(&s, lo[i], hi[i], &v[i]) != 0)
            return -1;
    o->filter_type = (int)v[0];
    o->conflict = (int)v[1];
    o->mime_support = (int)v[2];
    o->mime_truncation = v[3];
    o->max_items = (int)v[4];
    for (i = 0; i < (int)v[5]; i++) {
        for (j = 0; j < 5; j++)
            if (next_number(&s, blo[j], bhi[j], &b[j]) != 0)
                return -1;
        o->prefs[i].type = (int)b[0];
        o->prefs[i].has_truncation = (int)b[1];
        o->prefs[i].truncation = (apr_uint32_t)b[2];
        o->prefs[i].all_or_none = (int)b[3];
        o->prefs[i].preview = (int)b[4];
    }
    o->nprefs = (int)v[5];
    return *s ? -1 : 0;
}
