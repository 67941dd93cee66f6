/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Contacts: vCard 3.0/4.0 <-> ActiveSync Contacts and Contacts2
 * properties (MS-ASCNTC 2.2.2; Body per MS-ASAIRS 2.2.2.9; dates per
 * MS-ASDTYPE 2.3).
 *
 * The mapping, with the vCard forms read (all) and written (the first, or
 * the 4.0 form when the vCard is 4.0):
 *
 *   FileAs               FN
 *   LastName, FirstName, N (family; given; additional; prefix; suffix)
 *   MiddleName, Title,
 *   Suffix
 *   CompanyName,         ORG (first two components; further units kept)
 *   Department
 *   JobTitle             TITLE
 *   Email1..3Address     the first three EMAILs, preferred (TYPE=pref,
 *                        PREF=) first; a fourth is never touched
 *   phones               TEL, by TYPE or Apple's X-ABLabel:
 *     Business, Business2  work (voice)      Home, Home2   home (voice)
 *     Mobile               cell, iphone      BusinessFax   fax (not home)
 *     HomeFax              home,fax          Pager         pager
 *     Car                  car               Radio         x-radio
 *     Assistant            x-assistant, x-evolution-assistant
 *     CompanyMain          main (Apple), x-evolution-company
 *     MMS (Contacts2)      x-mms
 *     a number with no type (or only voice, pref, other) takes the first
 *     of Home, Home2, Business2 still free; a custom-typed number is not
 *     sent and is kept
 *   Business/Home/Other  ADR TYPE=work / home / other or none: street (the
 *   Address*             lines joined by newline), locality, region,
 *                        postal code, country; PO box and extended address
 *                        kept
 *   OfficeLocation       X-MS-OFFICELOCATION
 *   Birthday             BDAY
 *   Anniversary          X-ANNIVERSARY, ANNIVERSARY (4.0),
 *                        X-EVOLUTION-ANNIVERSARY, X-MS-ANNIVERSARY,
 *                        Apple's X-ABDATE labelled _$!<Anniversary>!$_
 *   Spouse               X-SPOUSE, RELATED;TYPE=spouse (4.0),
 *                        X-EVOLUTION-SPOUSE, X-KADDRESSBOOK-X-SpousesName,
 *                        X-MS-SPOUSE, X-ABRELATEDNAMES _$!<Spouse>!$_
 *   Children/Child       X-ABRELATEDNAMES _$!<Child>!$_ (3.0),
 *                        RELATED;TYPE=child (4.0), X-CHILD
 *   AssistantName        X-ASSISTANT, X-EVOLUTION-ASSISTANT,
 *                        X-KADDRESSBOOK-X-AssistantsName, X-MS-ASSISTANT,
 *                        X-ABRELATEDNAMES _$!<Assistant>!$_
 *   ManagerName          X-MANAGER, X-EVOLUTION-MANAGER,
 *                        X-KADDRESSBOOK-X-ManagersName, X-MS-MANAGER,
 *                        X-ABRELATEDNAMES _$!<Manager>!$_
 *   IMAddress, 2, 3      the first three of IMPP (scheme dropped, except
 *                        sip:), X-AIM, X-JABBER, X-ICQ, X-MSN, X-YAHOO,
 *                        X-MS-IMADDRESS (Outlook),
 *                        X-SKYPE, X-GOOGLE-TALK, X-GADUGADU; new ones are
 *                        IMPP (RFC 4770 for 3.0), xmpp: when no scheme
 *   WebPage              URL
 *   NickName             NICKNAME
 *   YomiFirstName,       X-PHONETIC-FIRST-NAME, X-PHONETIC-LAST-NAME,
 *   YomiLastName,        X-PHONETIC-ORG (Apple)
 *   YomiCompanyName
 *   CustomerId,          X-MS-CUSTOMERID, X-MS-GOVERNMENTID,
 *   GovernmentId,        X-MS-ACCOUNT
 *   AccountName
 *   Categories/Category  CATEGORIES (all of them)
 *   Picture              PHOTO: 3.0 ENCODING=b (2.1 BASE64), 4.0 data:
 *                        URI; a photo by reference is neither sent nor
 *                        touched; over max_photo it is not sent
 *   Body                 NOTE
 *
 * Birthday and Anniversary are dates: sent as the user's local midnight
 * (o->tzid) in UTC, as Exchange does, and read back as the date in the
 * user's zone after rounding to the nearest local midnight, so a phone in
 * another zone cannot move them by a day.  A date without a year (4.0
 * "--0506", Apple's X-APPLE-OMIT-YEAR) is year 1604, as Outlook has it.
 *
 * Write (vCard -> EAS) sends what the vCard has.  Read (EAS -> vCard): an
 * Add builds a vCard 3.0 with a new UID, PRODID and REV: every CardDAV
 * server in use (Radicale, Nextcloud, SOGo, iCloud, Google) accepts 3.0,
 * and iCloud accepts nothing else.  A Change starts from the old vCard and
 * touches only what EAS carries, by the same matching as write: a field
 * the phone left out is removed, a value that did not change is kept as
 * written, and everything EAS cannot express (a fourth e-mail, custom
 * phones, X- properties, unknown parameters) stays.  The Body is kept
 * when the phone sends none (MS-ASCMD: truncated bodies are not sent
 * back).  The Picture is kept when the phone sends no Picture element and
 * removed by an empty one: photos over max_photo were never sent, so the
 * absence of one cannot mean the user removed it (MS-ASCMD 2.2.3.179 lets
 * a client leave ghosted properties out).
 */
#include "pim.h"
#include "vcard.h"

#include <apr_base64.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <libical/ical.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define NO_YEAR 1604            /* Outlook's year of a date without one */
#define PRODID "-//mod_eas//Contacts//EN"

typedef struct {
    vcard_t *vc;
    const eas_pim_opts_t *o;
    const eas_node_t *ad;       /* read: the phone's ApplicationData */
    icaltimezone *tz;           /* the user's zone; NULL: UTC */
    apr_pool_t *p;
} cn_t;

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

/* Whether name is one of the '|'-separated names in list. */
static int in_list(const char *list, const char *name)
{
    apr_size_t n = strlen(name);

    while (list && *list) {
        apr_size_t k = strcspn(list, "|");
        if (k == n && strncasecmp(list, name, n) == 0)
            return 1;
        list += k + (list[k] == '|');
    }
    return 0;
}

/* The first name of a '|' list. */
static const char *first_of(const char *list, apr_pool_t *p)
{
    return apr_pstrndup(p, list, strcspn(list, "|"));
}

/* A value with nothing in it: such a property is neither sent nor
   touched (so that it cannot be removed for not coming back). */
static int blank(const vcard_prop_t *pr)
{
    return pr->value[strspn(pr->value, " \t;,")] == '\0';
}

static int index_of(const vcard_t *vc, const vcard_prop_t *pr)
{
    int i;

    for (i = 0; i < vc->props->nelts; i++)
        if (vcard_at(vc, i) == pr)
            return i;
    return -1;
}

/* Apple's label of a grouped property, without its _$!<...>!$_ frame. */
static const char *label_of(const cn_t *c, const vcard_prop_t *pr)
{
    const char *v;
    apr_size_t n;
    int i;

    if (!pr->group)
        return NULL;
    for (i = 0; i < c->vc->props->nelts; i++) {
        const vcard_prop_t *l = vcard_at(c->vc, i);
        if (l->group && strcasecmp(l->group, pr->group) == 0
            && vcard_is(l, "X-ABLABEL")) {
            v = vcard_text(l, c->p);
            n = strlen(v);
            if (n > 8 && strncmp(v, "_$!<", 4) == 0
                && strcmp(v + n - 4, ">!$_") == 0)
                return apr_pstrndup(c->p, v + 4, n - 8);
            return v;
        }
    }
    return NULL;
}

/* Remove a property and the rest of its Apple group (its label). */
static void remove_prop(cn_t *c, const vcard_prop_t *pr)
{
    const char *g = pr->group;
    int i = index_of(c->vc, pr);

    if (i < 0)
        return;
    vcard_remove(c->vc, i);
    for (i = c->vc->props->nelts - 1; g && i >= 0; i--) {
        const char *h = vcard_at(c->vc, i)->group;
        if (h && strcasecmp(h, g) == 0)
            vcard_remove(c->vc, i);
    }
}

/* A new property at the end; with label, in a new Apple group. */
static vcard_prop_t *add_prop(cn_t *c, const char *name, const char *params,
                              const char *value, const char *label)
{
    const char *g = label ? vcard_new_group(c->vc, c->p) : NULL;
    vcard_prop_t *pr = vcard_insert(c->vc, -1, g, name, value);

    if (params)
        vcard_add_param(pr, params, c->p);
    if (label)
        vcard_insert(c->vc, -1, g, "X-ABLabel",
                     apr_pstrcat(c->p, "_$!<", label, ">!$_", NULL));
    return pr;
}

/* s[0..n) as UTF-8 text: bytes that are not UTF-8 and control
   characters other than TAB, CR and LF dropped (opaque data may be
   anything). */
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

/* The phone's value of tag: NULL when absent, "" when empty. */
static const char *eas_value(const cn_t *c, const eas_node_t *parent,
                             eas_tag_t tag)
{
    const eas_node_t *n = eas_node_child(parent, tag);

    if (!n)
        return NULL;
    return n->value ? clean_text(n->value, n->len, c->p) : "";
}

static char *lower(const char *s, apr_pool_t *p)
{
    char *out = apr_pstrdup(p, s), *o;

    for (o = out; *o; o++)
        *o = (char)apr_tolower(*o);
    return out;
}

/* A URI value (URL, IMPP) as it may stand in a vCard line: URIs are
   not escaped, so what cannot be in a line (line breaks) is dropped. */
static char *uri_value(const char *s, apr_pool_t *p)
{
    char *out = apr_pstrdup(p, s), *o = out;

    for (; *s; s++)
        if ((unsigned char)*s >= 0x20)
            *o++ = *s;
    *o = '\0';
    return out;
}

static void put(eas_wbxml_enc_t *e, eas_tag_t tag, const char *v)
{
    if (v && *v)
        eas_enc_str(e, tag, v);
}

/* ------------------------------------------------------------------ */
/* Dates                                                               */
/* ------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
static long long days_from_civil(int y, int m, int d)
{
    long long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long long z, int *y, int *m, int *d)
{
    long long era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static long long floor_div(long long a, long long b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/*
 * The zone's offset (seconds east) at a local (utc = 0) or UTC time;
 * years outside what time-zone tables describe are taken as the nearest
 * one they do, the same on write and read.
 */
static int zone_offset(icaltimezone *z, long long secs, int utc)
{
    struct icaltimetype t = icaltime_null_time();
    int y, m, d, dst = 0;

    if (!z)
        return 0;
    civil_from_days(floor_div(secs, 86400), &y, &m, &d);
    t.year = y < 1902 ? 1902 : y > 2037 ? 2037 : y;
    t.month = m;
    t.day = (m == 2 && d == 29) ? 28 : d;
    t.hour = (int)(floor_div(secs, 3600) - floor_div(secs, 86400) * 24);
    return utc ? icaltimezone_get_utc_offset_of_utc_time(z, &t, &dst)
               : icaltimezone_get_utc_offset(z, &t, &dst);
}

typedef struct {
    int y, m, d;
} ymd_t;

/* A vCard date: 1980-05-06, 19800506, --0506, --05-06, with any time. */
static int parse_vdate(const char *s, ymd_t *out)
{
    char digits[9];
    int k = 0;

    if (strncmp(s, "--", 2) == 0) {
        memcpy(digits, "1604", 4);
        k = 4;
        s += 2;
    }
    for (; *s && *s != 'T' && k < 8; s++) {
        if (apr_isdigit(*s))
            digits[k++] = *s;
        else if (*s != '-')
            return -1;
    }
    if (k != 8 || (*s && *s != 'T'))
        return -1;
    digits[8] = '\0';
    out->y = (digits[0] - '0') * 1000 + (digits[1] - '0') * 100
        + (digits[2] - '0') * 10 + (digits[3] - '0');
    out->m = (digits[4] - '0') * 10 + (digits[5] - '0');
    out->d = (digits[6] - '0') * 10 + (digits[7] - '0');
    return out->m >= 1 && out->m <= 12 && out->d >= 1 && out->d <= 31
        && out->y > 0 ? 0 : -1;
}

/* The local midnight of a date, as MS-ASDTYPE UTC text. */
static const char *date_to_eas(const cn_t *c, const ymd_t *d)
{
    long long local = days_from_civil(d->y, d->m, d->d) * 86400;
    long long utc = local - zone_offset(c->tz, local, 0);
    long long day = floor_div(utc, 86400), s = utc - day * 86400;
    int y, m, dd;

    civil_from_days(day, &y, &m, &dd);
    return apr_psprintf(c->p, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", y, m, dd,
                        (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
}

/* An MS-ASDTYPE time (either form) as seconds since 1970, UTC. */
static int parse_eas_time(const char *s, long long *secs)
{
    int y, mo, d, h, mi, se, n = 0;

    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se,
               &n) != 6
        && sscanf(s, "%4d%2d%2dT%2d%2d%2d%n", &y, &mo, &d, &h, &mi, &se,
                  &n) != 6)
        return -1;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59
        || se > 60 || h < 0 || mi < 0 || se < 0)
        return -1;
    s += n;
    if (*s == '.')
        for (s++; apr_isdigit(*s); s++)
            ;
    if (*s == 'Z')
        s++;
    if (*s)
        return -1;
    *secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return 0;
}

/* The date in the user's zone of the nearest local midnight. */
static int eas_to_date(const cn_t *c, const char *s, ymd_t *out)
{
    long long t, local;

    if (parse_eas_time(s, &t) < 0)
        return -1;
    local = t + zone_offset(c->tz, t, 1);
    civil_from_days(floor_div(local + 43200, 86400), &out->y, &out->m,
                    &out->d);
    return 0;
}

/* A date as a vCard value, in the style of the old value if any. */
static const char *format_vdate(const cn_t *c, const ymd_t *d,
                                const char *old)
{
    const char *o = old && old[0] == '-' ? old + 2 : old;
    int basic = o ? strchr(o, '-') == NULL : vcard_is_v4(c->vc);

    if (d->y == NO_YEAR && (vcard_is_v4(c->vc) || (old && old[0] == '-')))
        return apr_psprintf(c->p, basic || vcard_is_v4(c->vc)
                            ? "--%02d%02d" : "--%02d-%02d", d->m, d->d);
    return apr_psprintf(c->p, basic ? "%04d%02d%02d" : "%04d-%02d-%02d",
                        d->y, d->m, d->d);
}

/* ------------------------------------------------------------------ */
/* Single properties (roles)                                           */
/* ------------------------------------------------------------------ */

enum { K_TEXT, K_URI, K_DATE };

typedef struct {
    eas_tag_t tag;
    int kind;
    const char *names;          /* '|' list; the first is written to 3.0 */
    const char *v4;             /* written to 4.0: a name or "RELATED:t" */
    const char *label;          /* Apple's X-ABRELATEDNAMES / X-ABDATE */
} role_t;

static const role_t roles[] = {
    { EAS_Contacts_FileAs, K_TEXT, "FN", "FN", NULL },
    { EAS_Contacts_JobTitle, K_TEXT, "TITLE", "TITLE", NULL },
    { EAS_Contacts_OfficeLocation, K_TEXT, "X-MS-OFFICELOCATION",
      "X-MS-OFFICELOCATION", NULL },
    { EAS_Contacts_Birthday, K_DATE, "BDAY", "BDAY", NULL },
    { EAS_Contacts_Anniversary, K_DATE,
      "X-ANNIVERSARY|ANNIVERSARY|X-EVOLUTION-ANNIVERSARY|X-MS-ANNIVERSARY"
      "|X-KADDRESSBOOK-X-ANNIVERSARY", "ANNIVERSARY", "Anniversary" },
    { EAS_Contacts_Spouse, K_TEXT,
      "X-SPOUSE|X-EVOLUTION-SPOUSE|X-KADDRESSBOOK-X-SPOUSESNAME|X-MS-SPOUSE",
      "RELATED:spouse", "Spouse" },
    { EAS_Contacts_AssistantName, K_TEXT,
      "X-ASSISTANT|X-EVOLUTION-ASSISTANT|X-KADDRESSBOOK-X-ASSISTANTSNAME"
      "|X-MS-ASSISTANT", "X-ASSISTANT", "Assistant" },
    { EAS_Contacts2_ManagerName, K_TEXT,
      "X-MANAGER|X-EVOLUTION-MANAGER|X-KADDRESSBOOK-X-MANAGERSNAME"
      "|X-MS-MANAGER", "X-MANAGER", "Manager" },
    { EAS_Contacts_WebPage, K_URI, "URL", "URL", NULL },
    { EAS_Contacts2_NickName, K_TEXT, "NICKNAME", "NICKNAME", NULL },
    { EAS_Contacts_YomiFirstName, K_TEXT, "X-PHONETIC-FIRST-NAME",
      "X-PHONETIC-FIRST-NAME", NULL },
    { EAS_Contacts_YomiLastName, K_TEXT, "X-PHONETIC-LAST-NAME",
      "X-PHONETIC-LAST-NAME", NULL },
    { EAS_Contacts_YomiCompanyName, K_TEXT, "X-PHONETIC-ORG",
      "X-PHONETIC-ORG", NULL },
    { EAS_Contacts2_CustomerId, K_TEXT, "X-MS-CUSTOMERID",
      "X-MS-CUSTOMERID", NULL },
    { EAS_Contacts2_GovernmentId, K_TEXT, "X-MS-GOVERNMENTID",
      "X-MS-GOVERNMENTID", NULL },
    { EAS_Contacts2_AccountName, K_TEXT, "X-MS-ACCOUNT", "X-MS-ACCOUNT",
      NULL },
};
#define NROLES (sizeof roles / sizeof roles[0])

static int role_match(const cn_t *c, const role_t *r, const vcard_prop_t *pr)
{
    const char *l;

    if (in_list(r->names, pr->name))
        return 1;
    if (strncmp(r->v4, "RELATED:", 8) == 0 && vcard_is(pr, "RELATED"))
        return vcard_has_type(pr, r->v4 + 8);
    if (!r->label || !pr->group
        || !(vcard_is(pr, "X-ABRELATEDNAMES") || vcard_is(pr, "X-ABDATE")))
        return 0;
    l = label_of(c, pr);
    return l && strcasecmp(l, r->label) == 0;
}

/* Whether a role's property can be sent: not blank and, for dates, one
   that parses (a date in free text is neither sent nor removed). */
static int usable(const role_t *r, const vcard_prop_t *pr)
{
    ymd_t d;

    return !blank(pr)
        && (r->kind != K_DATE || parse_vdate(pr->value, &d) == 0);
}

/* The first (usable) property of a role. */
static vcard_prop_t *role_prop(const cn_t *c, const role_t *r, int use)
{
    int i;

    for (i = 0; i < c->vc->props->nelts; i++) {
        vcard_prop_t *pr = vcard_at(c->vc, i);
        if (role_match(c, r, pr) && (!use || usable(r, pr)))
            return pr;
    }
    return NULL;
}

/* What EAS sees of a role's property (NULL: nothing usable). */
static const char *role_value(const cn_t *c, const role_t *r,
                              const vcard_prop_t *pr)
{
    ymd_t d;

    if (r->kind == K_URI)
        return pr->value;
    if (r->kind == K_TEXT)
        return vcard_text(pr, c->p);
    if (parse_vdate(pr->value, &d) < 0)
        return NULL;
    return date_to_eas(c, &d);
}

static void write_roles(cn_t *c, eas_wbxml_enc_t *e)
{
    apr_size_t i;

    for (i = 0; i < NROLES; i++) {
        vcard_prop_t *pr = role_prop(c, &roles[i], 1);
        if (pr)
            put(e, roles[i].tag, role_value(c, &roles[i], pr));
    }
}

/* A role's property added in the form of the vCard's version. */
static vcard_prop_t *role_add(cn_t *c, const role_t *r, const char *value,
                              int no_year)
{
    vcard_prop_t *pr;

    if (vcard_is_v4(c->vc) && strncmp(r->v4, "RELATED:", 8) == 0) {
        pr = add_prop(c, "RELATED", NULL, value, NULL);
        vcard_add_param(pr, apr_pstrcat(c->p, "TYPE=", r->v4 + 8, NULL),
                        c->p);
        vcard_add_param(pr, "VALUE=text", c->p);
        return pr;
    }
    pr = add_prop(c, vcard_is_v4(c->vc) ? r->v4 : first_of(r->names, c->p),
                  NULL, value, NULL);
    if (no_year && !vcard_is_v4(c->vc))
        vcard_add_param(pr, "X-APPLE-OMIT-YEAR=1604", c->p);
    return pr;
}

/* A date role: kept when the phone's date is the same day; Apple's
   X-APPLE-OMIT-YEAR follows whether the date has a year. */
static void read_date(cn_t *c, const role_t *r, vcard_prop_t *pr,
                      const char *v)
{
    ymd_t nd, od;
    int omit;

    if (eas_to_date(c, v, &nd) < 0)
        return;
    if (pr && parse_vdate(pr->value, &od) == 0 && od.y == nd.y
        && od.m == nd.m && od.d == nd.d)
        return;
    if (!pr) {
        role_add(c, r, format_vdate(c, &nd, NULL), nd.y == NO_YEAR);
        return;
    }
    vcard_set_value(pr, format_vdate(c, &nd, pr->value), c->p);
    vcard_del_param(pr, "VALUE");
    omit = vcard_param(pr, "X-APPLE-OMIT-YEAR") != NULL;
    if (nd.y == NO_YEAR && !omit && pr->value[0] != '-')
        vcard_add_param(pr, "X-APPLE-OMIT-YEAR=1604", c->p);
    else if (nd.y != NO_YEAR && omit)
        vcard_del_param(pr, "X-APPLE-OMIT-YEAR");
}

static void read_role(cn_t *c, const role_t *r)
{
    vcard_prop_t *pr = role_prop(c, r, 1);
    const char *v = eas_value(c, c->ad, r->tag), *old;

    if (!v || !*v) {
        if (pr)
            remove_prop(c, pr);
        return;
    }
    if (r->kind == K_DATE) {
        read_date(c, r, pr ? pr : role_prop(c, r, 0), v);
        return;
    }
    old = pr ? role_value(c, r, pr) : NULL;
    if (old && strcmp(old, v) == 0)
        return;
    v = r->kind == K_URI ? uri_value(v, c->p) : vcard_escape(v, c->p);
    if (pr)
        vcard_set_value(pr, v, c->p);
    else
        role_add(c, r, v, 0);
}

/* ------------------------------------------------------------------ */
/* Structured properties: N and ORG                                    */
/* ------------------------------------------------------------------ */

static const eas_tag_t n_tags[5] = {
    EAS_Contacts_LastName, EAS_Contacts_FirstName, EAS_Contacts_MiddleName,
    EAS_Contacts_Title, EAS_Contacts_Suffix
};
static const eas_tag_t org_tags[2] = {
    EAS_Contacts_CompanyName, EAS_Contacts_Department
};

static void write_struct(cn_t *c, eas_wbxml_enc_t *e, const char *name,
                         const eas_tag_t *tags, int n)
{
    int i = vcard_find(c->vc, name, 0), k;

    if (i < 0)
        return;
    for (k = 0; k < n; k++)
        put(e, tags[k], vcard_component(vcard_at(c->vc, i), k, " ", c->p));
}

/* The new value of a structured property; NULL if nothing changed. */
static const char *new_struct(cn_t *c, const vcard_prop_t *pr,
                              const eas_tag_t *tags, int n, int *empty)
{
    apr_array_header_t *parts = vcard_split(pr ? pr->value : "", ';', c->p);
    const char *out = NULL;
    int k, changed = 0;

    *empty = 1;
    while (parts->nelts < n)
        *(const char **)apr_array_push(parts) = "";
    for (k = 0; k < parts->nelts; k++) {
        const char **part = &APR_ARRAY_IDX(parts, k, const char *);
        if (k < n) {
            const char *v = eas_value(c, c->ad, tags[k]);
            const char *old = pr ? vcard_component(pr, k, " ", c->p) : "";
            if (!v)
                v = "";
            if (strcmp(v, old) != 0) {
                *part = vcard_escape(v, c->p);
                changed = 1;
            }
        }
        *empty &= **part == '\0';
        out = k ? apr_pstrcat(c->p, out, ";", *part, NULL) : *part;
    }
    return changed || !pr ? out : NULL;
}

static void read_struct(cn_t *c, const char *name, const eas_tag_t *tags,
                        int n, int keep_empty)
{
    int i = vcard_find(c->vc, name, 0), empty;
    vcard_prop_t *pr = i >= 0 ? vcard_at(c->vc, i) : NULL;
    const char *v = new_struct(c, pr, tags, n, &empty);

    if (!v)
        return;
    if (empty && !keep_empty) {
        if (pr)
            remove_prop(c, pr);
    } else if (pr) {
        vcard_set_value(pr, v, c->p);
    } else if (!empty) {
        add_prop(c, name, NULL, v, NULL);
    }
}

/* ------------------------------------------------------------------ */
/* E-mail addresses                                                    */
/* ------------------------------------------------------------------ */

static const eas_tag_t email_tags[3] = {
    EAS_Contacts_Email1Address, EAS_Contacts_Email2Address,
    EAS_Contacts_Email3Address
};

/* The first three EMAILs, preferred ones first. */
static int email_slots(const cn_t *c, vcard_prop_t **slot)
{
    int pass, i, n = 0;

    for (pass = 0; pass < 2; pass++)
        for (i = 0; i < c->vc->props->nelts && n < 3; i++) {
            vcard_prop_t *pr = vcard_at(c->vc, i);
            if (vcard_is(pr, "EMAIL") && !blank(pr)
                && vcard_has_type(pr, "pref") == (pass == 0))
                slot[n++] = pr;
        }
    return n;
}

static void write_emails(cn_t *c, eas_wbxml_enc_t *e)
{
    vcard_prop_t *slot[3];
    int i, n = email_slots(c, slot);

    for (i = 0; i < n; i++)
        put(e, email_tags[i], vcard_text(slot[i], c->p));
}

/* The address of "Name" <addr> (phones send either form). */
static const char *bare_address(const char *v, apr_pool_t *p)
{
    const char *lt = strrchr(v, '<'), *gt = lt ? strchr(lt, '>') : NULL;

    if (!gt || gt == lt + 1)
        return v;
    return apr_pstrndup(p, lt + 1, (apr_size_t)(gt - lt - 1));
}

static void read_emails(cn_t *c)
{
    vcard_prop_t *slot[3] = { NULL, NULL, NULL };
    int i;

    email_slots(c, slot);
    for (i = 0; i < 3; i++) {
        const char *v = eas_value(c, c->ad, email_tags[i]);
        if (!v || !*v) {
            if (slot[i])
                remove_prop(c, slot[i]);
            continue;
        }
        v = bare_address(v, c->p);
        if (slot[i] && strcmp(vcard_text(slot[i], c->p), v) == 0)
            continue;
        if (slot[i])
            vcard_set_value(slot[i], vcard_escape(v, c->p), c->p);
        else
            add_prop(c, "EMAIL", vcard_is_v4(c->vc) ? NULL : "TYPE=INTERNET",
                     vcard_escape(v, c->p), NULL);
    }
}

/* ------------------------------------------------------------------ */
/* Telephone numbers                                                   */
/* ------------------------------------------------------------------ */

enum {
    P_BUS, P_BUS2, P_HOME, P_HOME2, P_MOBILE, P_BFAX, P_HFAX, P_PAGER,
    P_CAR, P_RADIO, P_ASSIST, P_MAIN, P_MMS, P_N,
    P_WORK = 100, P_ANYHOME, P_OTHER, P_NONE
};

static const struct {
    eas_tag_t tag;
    const char *type;           /* TYPE of a new number */
    const char *types;          /* what else classifies a number here */
} phones[P_N] = {
    { EAS_Contacts_BusinessPhoneNumber, "WORK,VOICE", NULL },
    { EAS_Contacts_Business2PhoneNumber, "WORK,VOICE", NULL },
    { EAS_Contacts_HomePhoneNumber, "HOME,VOICE", NULL },
    { EAS_Contacts_Home2PhoneNumber, "HOME,VOICE", NULL },
    { EAS_Contacts_MobilePhoneNumber, "CELL,VOICE", "cell|iphone|mobile" },
    { EAS_Contacts_BusinessFaxNumber, "WORK,FAX", NULL },
    { EAS_Contacts_HomeFaxNumber, "HOME,FAX", NULL },
    { EAS_Contacts_PagerNumber, "PAGER", "pager" },
    { EAS_Contacts_CarPhoneNumber, "CAR", "car" },
    { EAS_Contacts_RadioPhoneNumber, "X-RADIO", "x-radio|radio" },
    { EAS_Contacts_AssistantPhoneNumber, "X-ASSISTANT",
      "x-assistant|x-evolution-assistant|assistant" },
    { EAS_Contacts2_CompanyMainPhone, "MAIN",
      "main|x-evolution-company|x-company-main|companymain" },
    { EAS_Contacts2_MMS, "X-MMS", "x-mms|mms" },
};

/* Whether any TYPE value (or Apple label) of pr is in list. */
static int any_type(const cn_t *c, const vcard_prop_t *pr, const char *list)
{
    const char *l = label_of(c, pr);
    apr_size_t k;

    if (l && in_list(list, l))
        return 1;
    while (*list) {
        char t[32];
        k = strcspn(list, "|");
        apr_cpystrn(t, list, k + 1 < sizeof t ? k + 1 : sizeof t);
        if (vcard_has_type(pr, t))
            return 1;
        list += k + (list[k] == '|');
    }
    return 0;
}

/* Whether every TYPE value of pr is one of list (none at all counts). */
static int only_types(const vcard_prop_t *pr, const char *list)
{
    int i, j;

    for (i = 0; i < pr->params->nelts; i++) {
        const vcard_param_t *pm = &APR_ARRAY_IDX(pr->params, i, vcard_param_t);
        if (pm->name && strcasecmp(pm->name, "TYPE") != 0)
            continue;
        for (j = 0; j < pm->values->nelts; j++) {
            const char *v = APR_ARRAY_IDX(pm->values, j, const char *);
            char *t, *last, *dup = apr_pstrdup(pr->params->pool, v);
            for (t = apr_strtok(dup, ",", &last); t;
                 t = apr_strtok(NULL, ",", &last))
                if (!in_list(list, t))
                    return 0;
        }
    }
    return 1;
}

static int phone_kind(const cn_t *c, const vcard_prop_t *pr)
{
    const char *l = label_of(c, pr);
    int k;

    if (any_type(c, pr, "fax|homefax|workfax|otherfax"))
        return any_type(c, pr, "home|homefax") ? P_HFAX : P_BFAX;
    for (k = P_MOBILE; k < P_N; k++)
        if (phones[k].types && any_type(c, pr, phones[k].types))
            return k;
    if (any_type(c, pr, "work"))
        return P_WORK;
    if (any_type(c, pr, "home"))
        return P_ANYHOME;
    if (l && !in_list("other", l))
        return P_NONE;
    return only_types(pr, "voice|pref|other|x-other|internet|x-voice")
        ? P_OTHER : P_NONE;
}

static void take(vcard_prop_t **slot, int a, int b, vcard_prop_t *pr)
{
    if (!slot[a])
        slot[a] = pr;
    else if (b >= 0 && !slot[b])
        slot[b] = pr;
}

/* Which TEL fills which EAS phone field. */
static void phone_slots(const cn_t *c, vcard_prop_t **slot)
{
    apr_array_header_t *other = apr_array_make(c->p, 4, sizeof(void *));
    int i, k;

    memset(slot, 0, P_N * sizeof *slot);
    for (i = 0; i < c->vc->props->nelts; i++) {
        vcard_prop_t *pr = vcard_at(c->vc, i);
        if (!vcard_is(pr, "TEL") || blank(pr))
            continue;
        k = phone_kind(c, pr);
        if (k == P_WORK)
            take(slot, P_BUS, P_BUS2, pr);
        else if (k == P_ANYHOME)
            take(slot, P_HOME, P_HOME2, pr);
        else if (k == P_OTHER)
            *(vcard_prop_t **)apr_array_push(other) = pr;
        else if (k < P_N)
            take(slot, k, -1, pr);
    }
    for (i = 0; i < other->nelts; i++) {
        vcard_prop_t *pr = APR_ARRAY_IDX(other, i, vcard_prop_t *);
        if (!slot[P_HOME])
            slot[P_HOME] = pr;
        else
            take(slot, P_HOME2, P_BUS2, pr);
    }
}

/* A number without its tel: URI scheme. */
static const char *phone_text(const cn_t *c, const vcard_prop_t *pr)
{
    const char *v = vcard_text(pr, c->p);

    return strncasecmp(v, "tel:", 4) == 0 ? v + 4 : v;
}

static void write_phones(cn_t *c, eas_wbxml_enc_t *e)
{
    vcard_prop_t *slot[P_N];
    int k;

    phone_slots(c, slot);
    for (k = 0; k < P_N; k++)
        if (slot[k])
            put(e, phones[k].tag, phone_text(c, slot[k]));
}

static void read_phone(cn_t *c, int k, vcard_prop_t *pr)
{
    const char *v = eas_value(c, c->ad, phones[k].tag);

    if (!v || !*v) {
        if (pr)
            remove_prop(c, pr);
        return;
    }
    if (pr && strcmp(phone_text(c, pr), v) == 0)
        return;
    if (pr && strncasecmp(pr->value, "tel:", 4) == 0)
        v = apr_pstrcat(c->p, "tel:", v, NULL);
    v = vcard_escape(v, c->p);
    if (pr)
        vcard_set_value(pr, v, c->p);
    else
        add_prop(c, "TEL", apr_pstrcat(c->p, "TYPE=", vcard_is_v4(c->vc)
                                       ? lower(phones[k].type, c->p)
                                       : phones[k].type, NULL), v, NULL);
}

static void read_phones(cn_t *c)
{
    vcard_prop_t *slot[P_N];
    int k;

    phone_slots(c, slot);
    for (k = 0; k < P_N; k++)
        read_phone(c, k, slot[k]);
}

/* ------------------------------------------------------------------ */
/* Postal addresses                                                    */
/* ------------------------------------------------------------------ */

enum { A_BUS, A_HOME, A_OTHER, A_N };

static const struct {
    const char *type;           /* TYPE of a new address, or NULL */
    eas_tag_t tags[5];          /* street, city, state, code, country */
} addrs[A_N] = {
    { "WORK", { EAS_Contacts_BusinessAddressStreet,
                EAS_Contacts_BusinessAddressCity,
                EAS_Contacts_BusinessAddressState,
                EAS_Contacts_BusinessAddressPostalCode,
                EAS_Contacts_BusinessAddressCountry } },
    { "HOME", { EAS_Contacts_HomeAddressStreet, EAS_Contacts_HomeAddressCity,
                EAS_Contacts_HomeAddressState,
                EAS_Contacts_HomeAddressPostalCode,
                EAS_Contacts_HomeAddressCountry } },
    { NULL, { EAS_Contacts_OtherAddressStreet, EAS_Contacts_OtherAddressCity,
              EAS_Contacts_OtherAddressState,
              EAS_Contacts_OtherAddressPostalCode,
              EAS_Contacts_OtherAddressCountry } },
};

static int addr_kind(const cn_t *c, const vcard_prop_t *pr)
{
    const char *l = label_of(c, pr);

    if (any_type(c, pr, "work"))
        return A_BUS;
    if (any_type(c, pr, "home"))
        return A_HOME;
    if (l && !in_list("other", l))
        return -1;
    return only_types(pr, "other|x-other|pref|postal|parcel|dom|intl")
        ? A_OTHER : -1;
}

/* Component k (0: street) of an ADR as EAS has it. */
static const char *addr_part(const cn_t *c, const vcard_prop_t *pr, int k)
{
    return vcard_component(pr, k + 2, "\n", c->p);
}

/* Whether an ADR has any of what EAS shows (not only a PO box). */
static int addr_shown(const cn_t *c, const vcard_prop_t *pr)
{
    int k;

    for (k = 0; k < 5; k++)
        if (*addr_part(c, pr, k))
            return 1;
    return 0;
}

static void addr_slots(const cn_t *c, vcard_prop_t **slot)
{
    int i, k;

    memset(slot, 0, A_N * sizeof *slot);
    for (i = 0; i < c->vc->props->nelts; i++) {
        vcard_prop_t *pr = vcard_at(c->vc, i);
        if (vcard_is(pr, "ADR") && (k = addr_kind(c, pr)) >= 0 && !slot[k]
            && addr_shown(c, pr))
            slot[k] = pr;
    }
}

static void write_addrs(cn_t *c, eas_wbxml_enc_t *e)
{
    vcard_prop_t *slot[A_N];
    int a, k;

    addr_slots(c, slot);
    for (a = 0; a < A_N; a++)
        for (k = 0; slot[a] && k < 5; k++)
            put(e, addrs[a].tags[k], addr_part(c, slot[a], k));
}

/* The new ADR value (PO box, extended address, more kept); NULL if the
   phone sent none of its fields. */
static const char *addr_value(cn_t *c, const vcard_prop_t *pr, int a,
                              int *changed)
{
    apr_array_header_t *parts = vcard_split(pr ? pr->value : "", ';', c->p);
    const char *out = NULL;
    int k, any = 0;

    *changed = 0;
    while (parts->nelts < 7)
        *(const char **)apr_array_push(parts) = "";
    for (k = 0; k < 5; k++) {
        const char *v = eas_value(c, c->ad, addrs[a].tags[k]);
        any |= v && *v;
        if (!v)
            v = "";
        if (strcmp(v, pr ? addr_part(c, pr, k) : "") != 0) {
            APR_ARRAY_IDX(parts, k + 2, const char *) = vcard_escape(v, c->p);
            *changed = 1;
        }
    }
    for (k = 0; k < parts->nelts; k++)
        out = k ? apr_pstrcat(c->p, out, ";", APR_ARRAY_IDX(parts, k,
                                                            const char *),
                              NULL)
                : APR_ARRAY_IDX(parts, 0, const char *);
    return any ? out : NULL;
}

static void read_addrs(cn_t *c)
{
    vcard_prop_t *slot[A_N], *pr;
    int a, changed;

    addr_slots(c, slot);
    for (a = 0; a < A_N; a++) {
        const char *v = addr_value(c, slot[a], a, &changed);
        if (!v) {
            if (slot[a])
                remove_prop(c, slot[a]);
            continue;
        }
        if (!changed)
            continue;
        if (slot[a]) {
            vcard_set_value(slot[a], v, c->p);
            continue;
        }
        pr = add_prop(c, "ADR", NULL, v, NULL);
        if (addrs[a].type)
            vcard_add_param(pr, apr_pstrcat(c->p, "TYPE=", addrs[a].type,
                                            NULL), c->p);
    }
}

/* ------------------------------------------------------------------ */
/* Instant messaging                                                   */
/* ------------------------------------------------------------------ */

#define IM_NAMES "IMPP|X-AIM|X-JABBER|X-ICQ|X-MSN|X-YAHOO|X-SKYPE" \
    "|X-MS-IMADDRESS|X-GOOGLE-TALK|X-GADUGADU"

static const eas_tag_t im_tags[3] = {
    EAS_Contacts2_IMAddress, EAS_Contacts2_IMAddress2,
    EAS_Contacts2_IMAddress3
};

static int im_slots(const cn_t *c, vcard_prop_t **slot)
{
    int i, n = 0;

    for (i = 0; i < c->vc->props->nelts && n < 3; i++)
        if (in_list(IM_NAMES, vcard_at(c->vc, i)->name)
            && !blank(vcard_at(c->vc, i)))
            slot[n++] = vcard_at(c->vc, i);
    return n;
}

/* Length of a URI scheme EAS does not show ("xmpp:"), 0 if none. */
static apr_size_t im_scheme(const char *v)
{
    static const char *const schemes[] = {
        "xmpp:", "aim:", "ymsgr:", "msnim:", "skype:", "icq:", "gtalk:",
        "x-apple:", "im:", "irc:", "gg:", "qq:", NULL
    };
    int i;

    for (i = 0; schemes[i]; i++)
        if (strncasecmp(v, schemes[i], strlen(schemes[i])) == 0)
            return strlen(schemes[i]);
    return 0;
}

static const char *im_text(const cn_t *c, const vcard_prop_t *pr)
{
    const char *v = vcard_is(pr, "IMPP") ? pr->value : vcard_text(pr, c->p);

    return vcard_is(pr, "IMPP") ? v + im_scheme(v) : v;
}

/* Whether v starts with a URI scheme (letters, then ':'). */
static int has_scheme(const char *v)
{
    apr_size_t n = strspn(v, "abcdefghijklmnopqrstuvwxyz"
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

    return n > 0 && v[n] == ':' && apr_isalpha(v[0]);
}

static void write_ims(cn_t *c, eas_wbxml_enc_t *e)
{
    vcard_prop_t *slot[3];
    int i, n = im_slots(c, slot);

    for (i = 0; i < n; i++)
        put(e, im_tags[i], im_text(c, slot[i]));
}

static void read_im(cn_t *c, int i, vcard_prop_t *pr)
{
    const char *v = eas_value(c, c->ad, im_tags[i]);
    apr_size_t sch;

    if (!v || !*v) {
        if (pr)
            remove_prop(c, pr);
        return;
    }
    if (pr && strcmp(im_text(c, pr), v) == 0)
        return;
    if (pr && !vcard_is(pr, "IMPP")) {
        vcard_set_value(pr, vcard_escape(v, c->p), c->p);
        return;
    }
    sch = pr ? im_scheme(pr->value) : 0;
    v = uri_value(v, c->p);
    if (!has_scheme(v))
        v = apr_pstrcat(c->p, sch ? apr_pstrndup(c->p, pr->value, sch)
                                  : "xmpp:", v, NULL);
    if (pr)
        vcard_set_value(pr, v, c->p);
    else
        add_prop(c, "IMPP", NULL, v, NULL);
}

static void read_ims(cn_t *c)
{
    vcard_prop_t *slot[3] = { NULL, NULL, NULL };
    int i;

    im_slots(c, slot);
    for (i = 0; i < 3; i++)
        read_im(c, i, slot[i]);
}

/* ------------------------------------------------------------------ */
/* Lists: Children, Categories                                         */
/* ------------------------------------------------------------------ */

static int is_child(const cn_t *c, const vcard_prop_t *pr)
{
    const char *l;

    if (vcard_is(pr, "X-CHILD"))
        return 1;
    if (vcard_is(pr, "RELATED"))
        return vcard_has_type(pr, "child");
    if (!vcard_is(pr, "X-ABRELATEDNAMES"))
        return 0;
    l = label_of(c, pr);
    return l && strcasecmp(l, "Child") == 0;
}

static apr_array_header_t *children(const cn_t *c)
{
    apr_array_header_t *a = apr_array_make(c->p, 4, sizeof(void *));
    int i;

    for (i = 0; i < c->vc->props->nelts; i++)
        if (is_child(c, vcard_at(c->vc, i)) && !blank(vcard_at(c->vc, i)))
            *(vcard_prop_t **)apr_array_push(a) = vcard_at(c->vc, i);
    return a;
}

/* <list><item>v</item>...</list>, nothing for an empty list */
static void put_list(eas_wbxml_enc_t *e, eas_tag_t list, eas_tag_t item,
                     apr_array_header_t *v)
{
    int i;

    if (!v->nelts)
        return;
    eas_enc_start(e, list);
    for (i = 0; i < v->nelts; i++)
        eas_enc_str(e, item, APR_ARRAY_IDX(v, i, const char *));
    eas_enc_end(e);
}

static void write_children(cn_t *c, eas_wbxml_enc_t *e)
{
    apr_array_header_t *props = children(c);
    apr_array_header_t *v = apr_array_make(c->p, 4, sizeof(char *));
    int i;

    for (i = 0; i < props->nelts; i++) {
        char *t = vcard_text(APR_ARRAY_IDX(props, i, vcard_prop_t *), c->p);
        if (*t)
            *(char **)apr_array_push(v) = t;
    }
    put_list(e, EAS_Contacts_Children, EAS_Contacts_Child, v);
}

/* The phone's list (NULL: element absent), empty items left out. */
static apr_array_header_t *eas_list(cn_t *c, eas_tag_t list, eas_tag_t item)
{
    const eas_node_t *l = eas_node_child(c->ad, list), *n;
    apr_array_header_t *a;

    if (!l)
        return NULL;
    a = apr_array_make(c->p, 4, sizeof(char *));
    for (n = eas_node_child(l, item); n; n = eas_node_next(n, item)) {
        const char *v = n->value ? clean_text(n->value, n->len, c->p) : "";
        if (*v)
            *(const char **)apr_array_push(a) = v;
    }
    return a;
}

static void add_child(cn_t *c, const char *v)
{
    vcard_prop_t *pr;

    v = vcard_escape(v, c->p);
    if (!vcard_is_v4(c->vc)) {
        add_prop(c, "X-ABRELATEDNAMES", NULL, v, "Child");
        return;
    }
    pr = add_prop(c, "RELATED", "TYPE=child", v, NULL);
    vcard_add_param(pr, "VALUE=text", c->p);
}

static void read_children(cn_t *c)
{
    apr_array_header_t *props = children(c);
    apr_array_header_t *v = eas_list(c, EAS_Contacts_Children,
                                     EAS_Contacts_Child);
    int i, n = v ? v->nelts : 0;

    for (i = 0; i < props->nelts || i < n; i++) {
        vcard_prop_t *pr = i < props->nelts
            ? APR_ARRAY_IDX(props, i, vcard_prop_t *) : NULL;
        const char *s = i < n ? APR_ARRAY_IDX(v, i, const char *) : NULL;
        if (!s)
            remove_prop(c, pr);
        else if (!pr)
            add_child(c, s);
        else if (strcmp(vcard_text(pr, c->p), s) != 0)
            vcard_set_value(pr, vcard_escape(s, c->p), c->p);
    }
}

static apr_array_header_t *categories(const cn_t *c)
{
    apr_array_header_t *a = apr_array_make(c->p, 4, sizeof(char *));
    int i = -1;

    while ((i = vcard_find(c->vc, "CATEGORIES", i + 1)) >= 0)
        apr_array_cat(a, vcard_list(vcard_at(c->vc, i), c->p));
    return a;
}

static int same_list(const apr_array_header_t *a, const apr_array_header_t *b)
{
    int i;

    if (a->nelts != b->nelts)
        return 0;
    for (i = 0; i < a->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(a, i, const char *),
                   APR_ARRAY_IDX(b, i, const char *)) != 0)
            return 0;
    return 1;
}

static void read_categories(cn_t *c)
{
    apr_array_header_t *v = eas_list(c, EAS_Contacts_Categories,
                                     EAS_Contacts_Category);
    const char *val = NULL;
    int i, first = vcard_find(c->vc, "CATEGORIES", 0);

    if (!v)
        v = apr_array_make(c->p, 1, sizeof(char *));
    if (same_list(v, categories(c)))
        return;
    for (i = 0; i < v->nelts; i++) {
        const char *e = vcard_escape(APR_ARRAY_IDX(v, i, const char *), c->p);
        val = val ? apr_pstrcat(c->p, val, ",", e, NULL) : e;
    }
    while ((i = vcard_find(c->vc, "CATEGORIES", first + 1)) >= 0)
        vcard_remove(c->vc, i);
    if (first >= 0 && val)
        vcard_set_value(vcard_at(c->vc, first), val, c->p);
    else if (first >= 0)
        remove_prop(c, vcard_at(c->vc, first));
    else if (val)
        add_prop(c, "CATEGORIES", NULL, val, NULL);
}

/* ------------------------------------------------------------------ */
/* Photo and body                                                      */
/* ------------------------------------------------------------------ */

/* The bytes of an inline PHOTO, or NULL (a reference, or not base64). */
static const char *photo_bytes(const cn_t *c, const vcard_prop_t *pr,
                               apr_size_t *len)
{
    const char *v = pr->value, *comma;
    const vcard_param_t *enc = vcard_param(pr, "ENCODING");

    if (strncasecmp(v, "data:", 5) == 0) {
        comma = strchr(v, ',');
        if (!comma || !strstr(apr_pstrndup(c->p, v, (apr_size_t)(comma - v)),
                              ";base64"))
            return NULL;
        return vcard_base64_decode(comma + 1, len, c->p);
    }
    if (!enc && !vcard_has_type(pr, "BASE64"))
        return NULL;
    return vcard_base64_decode(v, len, c->p);
}

static vcard_prop_t *photo_prop(const cn_t *c, const char **bytes,
                                apr_size_t *len)
{
    int i = -1;

    while ((i = vcard_find(c->vc, "PHOTO", i + 1)) >= 0)
        if ((*bytes = photo_bytes(c, vcard_at(c->vc, i), len)))
            return vcard_at(c->vc, i);
    return NULL;
}

static char *base64(const char *b, apr_size_t n, apr_pool_t *p)
{
    char *out = apr_palloc(p, (apr_size_t)apr_base64_encode_len((int)n));

    apr_base64_encode(out, b, (int)n);
    return out;
}

static void write_photo(cn_t *c, eas_wbxml_enc_t *e)
{
    const char *b;
    apr_size_t n;

    if (!photo_prop(c, &b, &n) || !n
        || (c->o->max_photo && n > c->o->max_photo) || n > INT_MAX / 2)
        return;
    eas_enc_str(e, EAS_Contacts_Picture, base64(b, n, c->p));
}

/* JPEG, PNG or GIF from its first bytes (JPEG when unknown). */
static const char *image_type(const char *b, apr_size_t n)
{
    if (n >= 4 && memcmp(b, "\x89PNG", 4) == 0)
        return "PNG";
    if (n >= 3 && memcmp(b, "GIF", 3) == 0)
        return "GIF";
    return "JPEG";
}

static void set_photo(cn_t *c, vcard_prop_t *pr, const char *b, apr_size_t n)
{
    const char *t = image_type(b, n), *b64 = base64(b, n, c->p);

    if (vcard_is_v4(c->vc)
        || (pr && strncasecmp(pr->value, "data:", 5) == 0)) {
        const char *v = apr_pstrcat(c->p, "data:image/", lower(t, c->p),
                                    ";base64,", b64, NULL);
        if (!pr)
            pr = add_prop(c, "PHOTO", NULL, v, NULL);
        vcard_set_value(pr, v, c->p);
        vcard_del_param(pr, "MEDIATYPE");
        return;
    }
    if (!pr)
        pr = add_prop(c, "PHOTO", "ENCODING=b", b64, NULL);
    vcard_set_value(pr, b64, c->p);
    vcard_del_param(pr, "TYPE");
    vcard_add_param(pr, apr_pstrcat(c->p, "TYPE=", t, NULL), c->p);
}

static apr_status_t read_photo(cn_t *c, const char **err)
{
    const char *v = eas_value(c, c->ad, EAS_Contacts_Picture), *old, *b;
    apr_size_t on = 0, n;
    vcard_prop_t *pr;

    if (!v)
        return APR_SUCCESS;
    pr = photo_prop(c, &old, &on);
    if (!*v) {
        if (pr)
            remove_prop(c, pr);
        return APR_SUCCESS;
    }
    if (!(b = vcard_base64_decode(v, &n, c->p))) {
        *err = "Picture is not base64";
        return APR_EINVAL;
    }
    if (c->o->max_photo && n > c->o->max_photo) {
        *err = "Picture too large";
        return APR_EINVAL;
    }
    if (!pr || on != n || memcmp(old, b, n) != 0)
        set_photo(c, pr, b, n);
    return APR_SUCCESS;
}

static void write_body(cn_t *c, eas_wbxml_enc_t *e)
{
    int i = vcard_find(c->vc, "NOTE", 0);
    const char *t;

    if (i < 0)
        return;
    t = vcard_text(vcard_at(c->vc, i), c->p);
    eas_pim_write_body(e, t, strlen(t), c->o, c->p);
}

/* Text with CR LF and lone CR as LF. */
static char *lf_only(const char *s, apr_pool_t *p)
{
    char *out = apr_pstrdup(p, s), *o = out;

    for (; *s; s++) {
        if (*s == '\r' && s[1] == '\n')
            continue;
        *o++ = *s == '\r' ? '\n' : *s;
    }
    *o = '\0';
    return out;
}

static void read_body(cn_t *c)
{
    const char *v = eas_pim_read_body(c->ad, EAS_Contacts_Body, c->p);
    int i = vcard_find(c->vc, "NOTE", 0);

    if (!v)
        return;
    v = lf_only(clean_text(v, strlen(v), c->p), c->p);
    if (!*v) {
        if (i >= 0)
            remove_prop(c, vcard_at(c->vc, i));
        return;
    }
    if (i >= 0 && strcmp(lf_only(vcard_text(vcard_at(c->vc, i), c->p),
                                 c->p), v) == 0)
        return;
    if (i >= 0)
        vcard_set_value(vcard_at(c->vc, i), vcard_escape(v, c->p), c->p);
    else
        add_prop(c, "NOTE", NULL, vcard_escape(v, c->p), NULL);
}

static void write_categories(cn_t *c, eas_wbxml_enc_t *e)
{
    put_list(e, EAS_Contacts_Categories, EAS_Contacts_Category,
             categories(c));
}

/* ------------------------------------------------------------------ */
/* The converter                                                       */
/* ------------------------------------------------------------------ */

static void cn_init(cn_t *c, const eas_pim_opts_t *o, apr_pool_t *p)
{
    memset(c, 0, sizeof *c);
    c->o = o;
    c->p = p;
    c->tz = o->tzid && *o->tzid
        ? icaltimezone_get_builtin_timezone(o->tzid) : NULL;
}

static apr_status_t contact_write(eas_wbxml_enc_t *enc,
                                  const eas_blob_t *item,
                                  const eas_pim_opts_t *o, const char **err,
                                  apr_pool_t *p)
{
    cn_t c;
    apr_status_t rv;

    cn_init(&c, o, p);
    *err = NULL;
    rv = vcard_parse(item->data ? item->data : "", item->len, &c.vc, err, p);
    if (rv != APR_SUCCESS)
        return rv;
    write_roles(&c, enc);
    write_struct(&c, enc, "N", n_tags, 5);
    write_struct(&c, enc, "ORG", org_tags, 2);
    write_emails(&c, enc);
    write_phones(&c, enc);
    write_addrs(&c, enc);
    write_ims(&c, enc);
    write_children(&c, enc);
    write_categories(&c, enc);
    write_photo(&c, enc);
    write_body(&c, enc);
    return APR_SUCCESS;
}

/* FN (and N for 3.0) are required: made from the names when missing. */
static void ensure_names(cn_t *c)
{
    const char *parts[] = { "", "", "", "" }, *fn;
    int i = vcard_find(c->vc, "N", 0), at = vcard_find(c->vc, "VERSION", 0);

    if (i < 0 && !vcard_is_v4(c->vc))
        vcard_insert(c->vc, at + 1, NULL, "N", ";;;;");
    if (vcard_find(c->vc, "FN", 0) >= 0)
        return;
    if ((i = vcard_find(c->vc, "N", 0)) >= 0) {
        vcard_prop_t *n = vcard_at(c->vc, i);
        parts[0] = vcard_component(n, 3, " ", c->p);
        parts[1] = vcard_component(n, 1, " ", c->p);
        parts[2] = vcard_component(n, 2, " ", c->p);
        parts[3] = vcard_component(n, 0, " ", c->p);
    }
    fn = "";
    for (i = 0; i < 4; i++)
        if (*parts[i])
            fn = *fn ? apr_pstrcat(c->p, fn, " ", parts[i], NULL) : parts[i];
    if (!*fn && (i = vcard_find(c->vc, "ORG", 0)) >= 0)
        fn = vcard_component(vcard_at(c->vc, i), 0, " ", c->p);
    if (!*fn && (i = vcard_find(c->vc, "EMAIL", 0)) >= 0)
        fn = vcard_text(vcard_at(c->vc, i), c->p);
    vcard_insert(c->vc, at + 1, NULL, "FN", vcard_escape(fn, c->p));
}

/* A new UID and PRODID on an Add, REV always; the item's UID (NULL when
   the old vCard had none: nothing is added to it). */
static const char *stamp(cn_t *c, int add)
{
    int i, at = vcard_find(c->vc, "VERSION", 0);
    const char *uid = NULL;

    if (add) {
        uid = eas_pim_new_uid(c->p);
        vcard_insert(c->vc, at + 1, NULL, "PRODID", PRODID);
        vcard_insert(c->vc, at + 2, NULL, "UID", uid);
    } else if ((i = vcard_find(c->vc, "UID", 0)) >= 0) {
        uid = vcard_text(vcard_at(c->vc, i), c->p);
    }
    if (c->o->now) {
        const char *rev = eas_pim_time_compact(c->o->now, c->p);
        if ((i = vcard_find(c->vc, "REV", 0)) >= 0)
            vcard_set_value(vcard_at(c->vc, i), rev, c->p);
        else
            vcard_insert(c->vc, -1, NULL, "REV", rev);
    }
    return uid;
}

static void read_fields(cn_t *c)
{
    apr_size_t i;

    for (i = 0; i < NROLES; i++)
        read_role(c, &roles[i]);
    read_struct(c, "N", n_tags, 5, !vcard_is_v4(c->vc));
    read_struct(c, "ORG", org_tags, 2, 0);
    read_emails(c);
    read_phones(c);
    read_addrs(c);
    read_ims(c);
    read_children(c);
    read_categories(c);
    read_body(c);
}

static apr_status_t contact_read(const eas_node_t *appdata,
                                 const eas_blob_t *old,
                                 const eas_pim_opts_t *o, eas_pim_item_t *out,
                                 const char **err, apr_pool_t *p)
{
    cn_t c;
    apr_status_t rv;
    apr_size_t len;
    char *data;

    cn_init(&c, o, p);
    c.ad = appdata;
    *err = NULL;
    if (old) {
        rv = vcard_parse(old->data ? old->data : "", old->len, &c.vc, err, p);
        if (rv != APR_SUCCESS)
            return rv;
    } else {
        c.vc = vcard_new("3.0", p);
    }
    if ((rv = read_photo(&c, err)) != APR_SUCCESS)
        return rv;
    read_fields(&c);
    ensure_names(&c);
    out->uid = stamp(&c, old == NULL);
    data = vcard_write(c.vc, &len, p);
    if (o->max_item && len > o->max_item) {
        *err = "contact too large";
        return APR_EINVAL;
    }
    out->data.data = data;
    out->data.len = len;
    return APR_SUCCESS;
}

const eas_pim_class_t eas_pim_contacts = {
    EAS_CLASS_CONTACTS, "text/vcard", contact_write, contact_read
};
