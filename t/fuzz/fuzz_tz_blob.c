/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the TimeZone structure (mod_eas/pim/pim_tz.c).
 *
 * The input is taken twice: as the base64 text of a TimeZone element and
 * as the structure's raw bytes (base64 encoded here).  Whatever decodes
 * must find a zone or give a VTIMEZONE that libical accepts and that
 * agrees with the structure's own offsets, and must encode again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_base64.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "pim_tz.h"

static apr_pool_t *root_pool;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_tz_blob: %s\n", what);
    abort();
}

static void check_vtimezone(const eas_tzinfo_t *ti)
{
    icalcomponent *vtz = eas_tz_vtimezone(ti, "Fuzz");
    icaltimezone *z = icaltimezone_new();
    struct icaltimetype tt;
    int i, d;

    if (!icaltimezone_set_component(z, vtz))
        fail("VTIMEZONE refused by libical");
    for (i = 0; i < 12; i++) {
        apr_time_t t = apr_time_from_sec(1767225600LL + i * 2629800LL);
        tt = icaltime_from_timet_with_zone((time_t)apr_time_sec(t), 0,
                                           icaltimezone_get_utc_timezone());
        (void)icaltimezone_get_utc_offset_of_utc_time(z, &tt, &d);
        (void)eas_tz_offset_at(ti, t);
    }
    icaltimezone_free(z, 1);
}

static void one(const char *s, apr_size_t len, apr_pool_t *p)
{
    eas_tzinfo_t ti, back;
    const char *enc;
    icaltimezone *z;

    if (eas_tz_decode(s, len, &ti) < 0)
        return;
    z = eas_tz_find(&ti, 2026);
    if (z) {
        eas_tz_info_from_zone(z, 2026, &back);
        if (!eas_tz_same_rules(&back, &ti, 2026))
            fail("found a zone with other rules");
    } else
        check_vtimezone(&ti);
    enc = eas_tz_encode(&ti, p);
    if (eas_tz_decode(enc, strlen(enc), &back) < 0
        || back.bias != ti.bias || back.dst_bias != ti.dst_bias)
        fail("does not encode again");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *b64;

    if (root_pool == NULL) {
        apr_initialize();
        apr_pool_create(&root_pool, NULL);
        icalerror_set_errors_are_fatal(0);
        eas_pim_tz_init();
    }
    apr_pool_create(&p, root_pool);
    one(apr_pmemdup(p, data, size), size, p);
    if (size <= 400) {
        b64 = apr_palloc(p, apr_base64_encode_len((int)size));
        apr_base64_encode(b64, (const char *)data, (int)size);
        one(b64, strlen(b64), p);
    }
    apr_pool_destroy(p);
    return 0;
}
