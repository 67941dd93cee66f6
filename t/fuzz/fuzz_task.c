/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the Tasks converter (mod_eas/pim/pim_task.c): the
 * input is written as iCalendar, and, when it decodes as WBXML, read as
 * the phone's <ApplicationData> as an Add and as a Change of a fixed
 * recurring task.  Refusals need a reason; what is accepted must be
 * written again.
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

static const char old_task[] =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fuzz//EN\r\n"
    "BEGIN:VTODO\r\nUID:task-1\r\nDTSTAMP:20260101T000000Z\r\n"
    "SUMMARY:Report\r\nDTSTART;VALUE=DATE:20260305\r\n"
    "DUE;TZID=Europe/Berlin:20260310T170000\r\nPRIORITY:1\r\n"
    "RRULE:FREQ=WEEKLY;BYDAY=TH\r\nX-KEEP:me\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER;RELATED=END:-PT30M\r\n"
    "DESCRIPTION:x\r\nEND:VALARM\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_task: %s\n", what);
    abort();
}

static eas_pim_opts_t opts(void)
{
    eas_pim_opts_t o;

    memset(&o, 0, sizeof o);
    o.version = 141;
    o.tzid = "Europe/Berlin";
    o.max_item = 1 << 20;
    o.now = apr_time_from_sec(1780000000);
    return o;
}

static apr_status_t write_one(const eas_blob_t *item, apr_pool_t *p)
{
    apr_bucket_brigade *bb = apr_brigade_create(p, ba);
    eas_wbxml_enc_t *e = eas_wbxml_enc_create(p, bb, NULL, NULL);
    eas_pim_opts_t o = opts();
    eas_node_t *root;
    const char *err = NULL;
    apr_status_t rv;
    char *out;
    apr_size_t len, off;

    eas_enc_start(e, EAS_AirSync_ApplicationData);
    rv = eas_pim_tasks.write(e, item, &o, &err, p);
    if (rv != APR_SUCCESS && (!err || !*err))
        fail("refused without a reason");
    if (eas_enc_finish(e) != APR_SUCCESS
        || apr_brigade_pflatten(bb, &out, &len, p) != APR_SUCCESS
        || eas_wbxml_decode(p, (unsigned char *)out, len, NULL, &root, &off)
           != EAS_WBXML_OK)
        fail("output does not decode");
    apr_brigade_destroy(bb);
    return rv;
}

static void read_one(const eas_node_t *ad, const eas_blob_t *old,
                     apr_pool_t *p)
{
    eas_pim_opts_t o = opts();
    eas_pim_item_t out;
    const char *err = NULL;

    memset(&out, 0, sizeof out);
    if (eas_pim_tasks.read(ad, old, &o, &out, &err, p) != APR_SUCCESS) {
        if (!err || !*err)
            fail("refused without a reason");
        return;
    }
    if (!out.uid || write_one(&out.data, p) != APR_SUCCESS)
        fail("a task the converter made cannot be written");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eas_blob_t old = { old_task, sizeof old_task - 1 }, item;
    eas_node_t *root;
    apr_size_t off;
    apr_pool_t *p;

    if (root_pool == NULL) {
        apr_initialize();
        apr_pool_create(&root_pool, NULL);
        ba = apr_bucket_alloc_create(root_pool);
        eas_pim_tz_init();
    }
    apr_pool_create(&p, root_pool);
    item.data = apr_pmemdup(p, data, size ? size : 1);
    item.len = size;
    write_one(&item, p);
    if (eas_wbxml_decode(p, (const unsigned char *)item.data, size, NULL,
                         &root, &off) == EAS_WBXML_OK) {
        read_one(root, NULL, p);
        read_one(root, &old, p);
    }
    apr_pool_destroy(p);
    return 0;
}
