/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the Calendar converter's writing
 * (mod_eas/pim/pim_calendar.c): the input is an iCalendar object, written
 * as ActiveSync properties for a few protocol versions, zones and limits.
 * The converter may refuse it (APR_EINVAL with a reason) but what it
 * writes must decode as WBXML.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "pim.h"
#include "pim_tz.h"

static apr_bucket_alloc_t *ba;
static apr_pool_t *root_pool;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_calendar_write: %s\n", what);
    abort();
}

static void write_one(const eas_blob_t *item, int version, const char *tzid,
                      int max_attendees, apr_pool_t *p)
{
    apr_bucket_brigade *bb = apr_brigade_create(p, ba);
    eas_wbxml_enc_t *e = eas_wbxml_enc_create(p, bb, NULL, NULL);
    eas_bodypref_t prefs[1] = { { EAS_BODY_HTML, 64, 0, 32 } };
    eas_pim_opts_t o;
    eas_node_t *root;
    const char *err = NULL;
    char *out;
    apr_size_t len, off;

    memset(&o, 0, sizeof o);
    o.version = version;
    o.prefs = prefs;
    o.nprefs = version >= 140;
    o.max_attendees = max_attendees;
    o.user_email = "user@example.com";
    o.tzid = tzid;
    o.now = apr_time_from_sec(1780000000);
    eas_enc_start(e, EAS_AirSync_ApplicationData);
    if (eas_pim_calendar.write(e, item, &o, &err, p) != APR_SUCCESS) {
        if (!err || !*err)
            fail("refused without a reason");
    }
    if (eas_enc_finish(e) != APR_SUCCESS)
        fail("encoder error");
    if (apr_brigade_pflatten(bb, &out, &len, p) != APR_SUCCESS)
        fail("flatten failed");
    if (eas_wbxml_decode(p, (unsigned char *)out, len, NULL, &root, &off)
        != EAS_WBXML_OK)
        fail("output does not decode");
    apr_brigade_destroy(bb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eas_blob_t item;
    apr_pool_t *p;

    if (root_pool == NULL) {
        apr_initialize();
        apr_pool_create(&root_pool, NULL);
        ba = apr_bucket_alloc_create(root_pool);
        icalerror_set_errors_are_fatal(0);
        eas_pim_tz_init();
    }
    apr_pool_create(&p, root_pool);
    item.data = size ? apr_pmemdup(p, data, size) : NULL;
    item.len = size;
    write_one(&item, 121, NULL, 0, p);
    write_one(&item, 141, "Europe/Berlin", 2, p);
    write_one(&item, 160, "Pacific/Kiritimati", 0, p);
    apr_pool_destroy(p);
    return 0;
}
