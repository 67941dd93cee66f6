/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the Calendar converter's reading
 * (mod_eas/pim/pim_calendar_read.c, pim_calendar_exc.c): the input is
 * decoded as WBXML and, when it decodes, taken as the phone's
 * <ApplicationData>, as an Add and as a Change of a fixed recurring event
 * with exceptions.  What the converter accepts must be iCalendar that it
 * can write again.
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

static const char old_event[] =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fuzz//EN\r\n"
    "BEGIN:VEVENT\r\nUID:fuzz-1\r\nDTSTAMP:20260101T000000Z\r\n"
    "DTSTART;TZID=Europe/Berlin:20260302T090000\r\n"
    "DTEND;TZID=Europe/Berlin:20260302T100000\r\n"
    "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=30\r\n"
    "EXDATE;TZID=Europe/Berlin:20260406T090000\r\n"
    "SUMMARY:Weekly\r\nX-KEEP:me\r\n"
    "ATTENDEE;RSVP=TRUE;X-NUM-GUESTS=1:mailto:a@example.com\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\n"
    "DESCRIPTION:x\r\nEND:VALARM\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:fuzz-1\r\nDTSTAMP:20260101T000000Z\r\n"
    "RECURRENCE-ID;TZID=Europe/Berlin:20260316T090000\r\n"
    "DTSTART;TZID=Europe/Berlin:20260316T140000\r\n"
    "DTEND;TZID=Europe/Berlin:20260316T150000\r\n"
    "SUMMARY:Moved\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_calendar_read: %s\n", what);
    abort();
}

static void write_back(const eas_blob_t *item, const eas_pim_opts_t *o,
                       apr_pool_t *p)
{
    apr_bucket_brigade *bb = apr_brigade_create(p, ba);
    eas_wbxml_enc_t *e = eas_wbxml_enc_create(p, bb, NULL, NULL);
    const char *err = NULL;

    eas_enc_start(e, EAS_AirSync_ApplicationData);
    if (eas_pim_calendar.write(e, item, o, &err, p) != APR_SUCCESS)
        fail("an item the converter made cannot be written");
    if (eas_enc_finish(e) != APR_SUCCESS)
        fail("encoder error");
    apr_brigade_destroy(bb);
}

static void read_one(const eas_node_t *ad, const eas_blob_t *old,
                     apr_pool_t *p)
{
    eas_pim_opts_t o;
    eas_pim_item_t out;
    const char *err = NULL;

    memset(&o, 0, sizeof o);
    o.version = 141;
    o.user_email = "user@example.com";
    o.tzid = "Europe/Berlin";
    o.max_item = 1 << 20;
    o.max_attendees = 50;
    o.now = apr_time_from_sec(1780000000);
    memset(&out, 0, sizeof out);
    if (eas_pim_calendar.read(ad, old, &o, &out, &err, p) != APR_SUCCESS) {
        if (!err || !*err)
            fail("refused without a reason");
        return;
    }
    if (!out.uid || !out.data.data || !out.data.len)
        fail("accepted without an item");
    write_back(&out.data, &o, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eas_blob_t old = { old_event, sizeof old_event - 1 };
    eas_node_t *root;
    apr_size_t off;
    unsigned char *buf;
    apr_pool_t *p;

    if (root_pool == NULL) {
        apr_initialize();
        apr_pool_create(&root_pool, NULL);
        ba = apr_bucket_alloc_create(root_pool);
        icalerror_set_errors_are_fatal(0);
        eas_pim_tz_init();
    }
    apr_pool_create(&p, root_pool);
    buf = apr_pmemdup(p, data, size ? size : 1);
    if (eas_wbxml_decode(p, buf, size, NULL, &root, &off) == EAS_WBXML_OK) {
        read_one(root, NULL, p);
        read_one(root, &old, p);
    }
    apr_pool_destroy(p);
    return 0;
}
