/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the DAV multistatus parser (backends/dav/dav_xml.c)
 * and the href handling that follows it (dav_url.c).
 *
 * The input is a response body.  It is parsed as a multistatus with small
 * limits; every href found (in responses, principals and home sets) is
 * resolved against a request URL and checked against a home, and the
 * results must hold what the client relies on: a resolved href is an
 * absolute, normalised path with no dot segment, query or control
 * character, and normalising it again changes nothing.  The same input is
 * read as a DAV:error body too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "dav_client.h"

static apr_pool_t *root_pool;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_dav_multistatus: %s\n", what);
    abort();
}

static void check_path(const char *path, apr_pool_t *p)
{
    const char *again;
    const unsigned char *c;

    if (path[0] != '/')
        fail("resolved href is not an absolute path");
    if (strstr(path, "/../") || strstr(path, "/./"))
        fail("dot segment left in a resolved href");
    for (c = (const unsigned char *)path; *c; c++)
        if (*c < 0x21 || *c == 0x7f || *c == '?' || *c == '#')
            fail("bad character in a resolved href");
    again = dav_path_normalise(path, p);
    if (!again || strcmp(again, path) != 0)
        fail("normalising is not idempotent");
    (void)dav_path_under(path, "/alice/");
}

static void check_href(const dav_url_t *base, const char *href, apr_pool_t *p)
{
    const char *path = dav_url_resolve(base, href, p);

    if (path)
        check_path(path, p);
}

static void check_hrefs(const dav_url_t *base,
                        const apr_array_header_t *a, apr_pool_t *p)
{
    int i;

    for (i = 0; a && i < a->nelts; i++)
        check_href(base, APR_ARRAY_IDX(a, i, const char *), p);
}

static void check_response(const dav_url_t *base,
                           const dav_ms_response_t *r, apr_pool_t *p)
{
    if (!r->href)
        fail("response without href");
    check_href(base, r->href, p);
    if (r->principal)
        check_href(base, r->principal, p);
    check_hrefs(base, r->cal_homes, p);
    check_hrefs(base, r->card_homes, p);
    if (r->data && strlen(r->data) > r->data_len)
        fail("data longer than its length");
    if (r->comps & ~(DAV_COMP_VEVENT | DAV_COMP_VTODO | DAV_COMP_VJOURNAL))
        fail("unknown component bit");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dav_xml_limits_t lim = { 65536, 32, 200 };
    dav_multistatus_t ms;
    const char *err = NULL;
    apr_pool_t *p;
    dav_url_t base;
    int i;

    if (!root_pool) {
        apr_initialize();
        apr_pool_create(&root_pool, NULL);
    }
    apr_pool_create(&p, root_pool);
    if (dav_url_parse("https://dav.example.org/alice/cal/", &base, p)
        != APR_SUCCESS)
        fail("base URL");
    if (dav_multistatus_parse((const char *)data, size, &lim, &ms, p, &err)
        == APR_SUCCESS) {
        if (ms.responses->nelts > lim.max_responses)
            fail("more responses than the limit");
        for (i = 0; i < ms.responses->nelts; i++)
            check_response(&base, &APR_ARRAY_IDX(ms.responses, i,
                                                 dav_ms_response_t), p);
    } else if (!err) {
        fail("failure without a reason");
    }
    (void)dav_xml_error_has((const char *)data, size, "valid-sync-token");
    (void)dav_xml_error_has((const char *)data, size, "no-uid-conflict");
    apr_pool_destroy(p);
    return 0;
}
