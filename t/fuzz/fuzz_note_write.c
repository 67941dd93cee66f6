/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the Notes converter, both directions.
 *
 * The input is written as a note (iCalendar in); the output must decode as
 * WBXML and, when the input was accepted, read back as a Change onto it.
 * The input is also decoded as WBXML and, when it decodes, read as the
 * phone's note onto a fixed VJOURNAL and as an Add.  Refusals need
 * APR_EINVAL and a reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <libical/ical.h>

#include "pim.h"

static apr_bucket_alloc_t *ba;
static apr_pool_t *root_pool;

static const char journal[] =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VJOURNAL\r\nUID:n-1\r\n"
    "SUMMARY:s\r\nDESCRIPTION:d\r\nCATEGORIES:a,b\r\nX-K:v\r\n"
    "END:VJOURNAL\r\nEND:VCALENDAR\r\n";

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_note_write: %s\n", what);
    abort();
}

static void read_one(const eas_node_t *ad, const eas_blob_t *old,
                     apr_pool_t *p)
{
    eas_pim_opts_t o;
    eas_pim_item_t it;
    const char *err = NULL;
    apr_status_t rv;

    memset(&o, 0, sizeof o);
    o.version = 141;
    o.now = apr_time_from_sec(1700000000);
    rv = eas_pim_notes.read(ad, old, &o, &it, &err, p);
    if (rv != APR_SUCCESS && (rv != APR_EINVAL || !err))
        fail("read refused without APR_EINVAL and a reason");
    if (rv == APR_SUCCESS && (!it.uid || !it.data.len))
        fail("read gave no UID or no data");
}

static void write_path(const eas_blob_t *item, apr_pool_t *p)
{
    apr_bucket_brigade *bb = apr_brigade_create(p, ba);
    eas_wbxml_enc_t *e = eas_wbxml_enc_create(p, bb, NULL, NULL);
    eas_pim_opts_t o;
    eas_node_t *root;
    const char *err = NULL;
    apr_status_t rv;
    char *out;
    apr_size_t len, off;

    memset(&o, 0, sizeof o);
    o.version = 141;
    eas_enc_start(e, EAS_AirSync_ApplicationData);
    rv = eas_pim_notes.write(e, item, &o, &err, p);
    if (rv != APR_SUCCESS && (rv != APR_EINVAL || !err))
        fail("write refused without APR_EINVAL and a reason");
    if (eas_enc_finish(e) != APR_SUCCESS
        || apr_brigade_pflatten(bb, &out, &len, p) != APR_SUCCESS
        || eas_wbxml_decode(p, (unsigned char *)out, len, NULL, &root, &off)
           != EAS_WBXML_OK)
        fail("output does not decode");
    if (rv == APR_SUCCESS)
        read_one(root, item, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eas_blob_t item, fixed = { journal, sizeof journal - 1 };
    eas_node_t *root;
    apr_size_t off;
    apr_pool_t *p;

    if (root_pool == NULL) {
        apr_initialize();
        apr_pool_create(&root_pool, NULL);
        ba = apr_bucket_alloc_create(root_pool);
    }
    apr_pool_create(&p, root_pool);
    item.data = apr_pmemdup(p, size ? (const void *)data : "",
                            size ? size : 1);
    item.len = size;
    write_path(&item, p);
    if (eas_wbxml_decode(p, (const unsigned char *)item.data, size, NULL,
                         &root, &off) == EAS_WBXML_OK) {
        read_one(root, &fixed, p);
        read_one(root, NULL, p);
    }
    apr_pool_destroy(p);
    return 0;
}
