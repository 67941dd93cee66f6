/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The EASProvisionDoc settings table, value parsing, hashing and encoding.
 */
#include "policy_doc.h"

#include <apr_lib.h>
#include <apr_sha1.h>
#include <apr_strings.h>
#include <errno.h>
#include <stdlib.h>

const eas_policy_setting_t eas_policy_settings[EAS_POLICY_NSETTINGS] = {
#define EAS_POL_ROW(name, elem, kind, min, max, def, since) \
    { #name, EAS_Provision_##elem, kind, min, max, def, since },
    EAS_POLICY_SETTINGS(EAS_POL_ROW)
#undef EAS_POL_ROW
};

void eas_policy_defaults(int *values)
{
    int i;

    for (i = 0; i < EAS_POLICY_NSETTINGS; i++)
        values[i] = eas_policy_settings[i].def;
}

/* MaxCalendarAgeFilter has no 1..3 (MS-ASPROV: all, 2 weeks .. 6 months). */
static int value_allowed(int i, int v)
{
    if (i == EAS_POL_MaxCalendarAgeFilter)
        return v == 0 || v >= 4;
    return 1;
}

const char *eas_policy_parse(apr_pool_t *p, int i, const char *arg, int *out)
{
    const eas_policy_setting_t *s = &eas_policy_settings[i];
    const char *digits = arg + (*arg == '-');
    char *end;
    long v;

    if (s->kind == EAS_PV_BOOL) {
        if (strcasecmp(arg, "On") == 0)
            *out = 1;
        else if (strcasecmp(arg, "Off") == 0)
            *out = 0;
        else
            return "must be On or Off";
        return NULL;
    }
    if (s->kind == EAS_PV_LIMIT && strcasecmp(arg, "none") == 0) {
        *out = EAS_PV_NONE;
        return NULL;
    }
    errno = 0;
    v = apr_isdigit(*digits) ? strtol(arg, &end, 10) : 0;
    if (!apr_isdigit(*digits) || *end || errno == ERANGE || v < s->min
        || v > s->max || !value_allowed(i, (int)v))
        return apr_psprintf(p, "must be %s%s from %d to %d%s",
                            s->kind == EAS_PV_LIMIT ? "\"none\" or " : "",
                            "a whole number", s->min, s->max,
                            i == EAS_POL_MaxCalendarAgeFilter
                                ? " except 1 to 3" : "");
    *out = (int)v;
    return NULL;
}

const char *eas_policy_hash(apr_pool_t *p, const int *values)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[APR_SHA1_DIGESTSIZE];
    char *out = apr_palloc(p, 2 * APR_SHA1_DIGESTSIZE + 1);
    apr_sha1_ctx_t sha;
    int i;

    /* Names go in too, so that a setting added later changes no old hash
       by shifting positions, only by its own presence. */
    apr_sha1_init(&sha);
    for (i = 0; i < EAS_POLICY_NSETTINGS; i++) {
        const char *line = values[i] == EAS_PV_NONE
            ? apr_pstrcat(p, eas_policy_settings[i].name, "=none\n", NULL)
            : apr_psprintf(p, "%s=%d\n", eas_policy_settings[i].name,
                           values[i]);

        apr_sha1_update(&sha, line, (unsigned int)strlen(line));
    }
    apr_sha1_final(digest, &sha);
    for (i = 0; i < APR_SHA1_DIGESTSIZE; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[2 * APR_SHA1_DIGESTSIZE] = '\0';
    return out;
}

void eas_policy_doc_encode(eas_wbxml_enc_t *e, const int *values, int version)
{
    int i;

    eas_enc_start(e, EAS_Provision_EASProvisionDoc);
    for (i = 0; i < EAS_POLICY_NSETTINGS; i++) {
        const eas_policy_setting_t *s = &eas_policy_settings[i];

        if (version < s->since)
            continue;
        if (values[i] == EAS_PV_NONE)
            eas_enc_empty(e, s->tag);
        else
            eas_enc_int(e, s->tag, values[i]);
    }
    eas_enc_end(e);
}
