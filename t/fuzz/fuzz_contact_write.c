/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the Contacts converter's write direction.
 *
 * The input is a vCard.  It is written as Contacts properties with a few
 * option sets (zones, photo limit, HTML body); the output must decode as
 * WBXML.  When it was accepted, what was sent is read back as a Change
 * onto the same vCard: that must succeed and give a vCard that parses,
 * and from then on nothing moves: sending that vCard and reading what was
 * sent back onto it gives the same bytes (no change ping-pong with the
 * phone).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "pim.h"
#include "vcard.h"

static apr_bucket_alloc_t *ba;
static apr_pool_t *root_pool;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_contact_write: %s\n", what);
    abort();
}

static eas_node_t *write_one(const eas_blob_t *card, const eas_pim_opts_t *o,
                             apr_pool_t *p)
{
    apr_bucket_brigade *bb = apr_brigade_create(p, ba);
    eas_wbxml_enc_t *e = eas_wbxml_enc_create(p, bb, NULL, NULL);
    eas_node_t *root;
    const char *err = NULL;
    apr_status_t rv;
    char *out;
    apr_size_t len, off;

    eas_enc_start(e, EAS_AirSync_ApplicationData);
    rv = eas_pim_contacts.write(e, card, o, &err, p);
    if (rv != APR_SUCCESS && (rv != APR_EINVAL || !err))
        fail("refused without APR_EINVAL and a reason");
    if (eas_enc_finish(e) != APR_SUCCESS
        || apr_brigade_pflatten(bb, &out, &len, p) != APR_SUCCESS)
        fail("encoder error");
    if (eas_wbxml_decode(p, (unsigned char *)out, len, NULL, &root, &off)
        != EAS_WBXML_OK)
        fail("output does not decode");
    return rv == APR_SUCCESS ? root : NULL;
}

static eas_blob_t read_back(const eas_node_t *ad, const eas_blob_t *card,
                            const eas_pim_opts_t *o, apr_pool_t *p)
{
    eas_pim_item_t it;
    const char *err = NULL;
    vcard_t *vc;

    if (eas_pim_contacts.read(ad, card, o, &it, &err, p) != APR_SUCCESS) {
        fprintf(stderr, "read: %s\n", err ? err : "?");
        fail("what was sent does not read back");
    }
    if (vcard_parse(it.data.data, it.data.len, &vc, &err, p) != APR_SUCCESS) {
        fprintf(stderr, "parse: %s\n", err);
        fail("the vCard read back does not parse");
    }
    return it.data;
}

static void settled(const eas_blob_t *card, const eas_pim_opts_t *o,
                    apr_pool_t *p)
{
    eas_blob_t once, twice;
    eas_node_t *ad = write_one(card, o, p);

    if (!ad)
        return;
    once = read_back(ad, card, o, p);
    if (!(ad = write_one(&once, o, p)))
        fail("the vCard read back does not write");
    twice = read_back(ad, &once, o, p);
    if (once.len != twice.len || memcmp(once.data, twice.data, once.len)) {
        fprintf(stderr, "%.*s\n----\n%.*s\n", (int)once.len, once.data,
                (int)twice.len, twice.data);
        fail("a second round trip changed the vCard");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const zones[] = {
        NULL, "Pacific/Honolulu", "Pacific/Auckland"
    };
    eas_bodypref_t html[1] = { { EAS_BODY_HTML, 64, 0, 20 } };
    eas_pim_opts_t o;
    eas_blob_t card;
    eas_node_t *ad;
    apr_pool_t *p;
    int i;

    if (root_pool == NULL) {
        apr_initialize();
        apr_pool_create(&root_pool, NULL);
        ba = apr_bucket_alloc_create(root_pool);
    }
    apr_pool_create(&p, root_pool);
    card.data = size ? apr_pmemdup(p, data, size) : NULL;
    card.len = size;
    for (i = 0; i < 3; i++) {
        memset(&o, 0, sizeof o);
        o.version = 141;
        o.tzid = zones[i];
        o.max_photo = i == 1 ? 16 : 0;
        o.prefs = i == 2 ? html : NULL;
        o.nprefs = i == 2;
        ad = write_one(&card, &o, p);
        if (ad && i == 0)
            settled(&card, &o, p);
    }
    apr_pool_destroy(p);
    return 0;
}
