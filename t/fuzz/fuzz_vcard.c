/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the vCard parser and writer (mod_eas/pim/vcard.c).
 *
 * The input is parsed as a vCard; when it parses, it is written, the
 * result parsed again (which must succeed) and written again (which must
 * give the same bytes).  Every accessor runs on every property.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "vcard.h"

static apr_pool_t *root_pool;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_vcard: %s\n", what);
    abort();
}

static void touch(const vcard_t *vc, apr_pool_t *p)
{
    int i, k;
    apr_size_t n;

    for (i = 0; i < vc->props->nelts; i++) {
        vcard_prop_t *pr = vcard_at(vc, i);
        vcard_text(pr, p);
        for (k = 0; k < 8; k++)
            vcard_component(pr, k, "\n", p);
        vcard_list(pr, p);
        vcard_split(pr->value, ';', p);
        vcard_has_type(pr, "pref");
        vcard_param(pr, "TYPE");
        vcard_base64_decode(pr->value, &n, p);
        vcard_escape(pr->value, p);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    vcard_t *vc, *again;
    const char *err;
    char *w1, *w2;
    apr_size_t l1, l2;

    if (root_pool == NULL) {
        apr_initialize();
        apr_pool_create(&root_pool, NULL);
    }
    apr_pool_create(&p, root_pool);
    /* a copy of exactly size bytes, so reads past the end are caught */
    if (vcard_parse(size ? apr_pmemdup(p, data, size) : NULL, size, &vc,
                    &err, p) == APR_SUCCESS) {
        touch(vc, p);
        w1 = vcard_write(vc, &l1, p);
        if (vcard_parse(w1, l1, &again, &err, p) != APR_SUCCESS) {
            fprintf(stderr, "second parse: %s\n", err);
            fail("written vCard does not parse");
        }
        w2 = vcard_write(again, &l2, p);
        if (l1 != l2 || memcmp(w1, w2, l1) != 0)
            fail("second write differs");
    } else if (!err) {
        fail("refused without a reason");
    }
    apr_pool_destroy(p);
    return 0;
}
