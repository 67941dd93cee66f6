/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the Contacts converter's read direction.
 *
 * The input is WBXML.  When it decodes, its root is taken as the phone's
 * <ApplicationData>: read as a Change onto a fixed vCard (3.0 and 4.0)
 * and as an Add.  Accepted results must parse as vCards and write back;
 * refusals need APR_EINVAL and a reason.
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

static const char old3[] =
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:fixed-1\r\nFN:Ann Lee\r\n"
    "N:Lee;Ann;;;\r\nEMAIL;TYPE=INTERNET;TYPE=pref:a@x\r\n"
    "EMAIL:b@x\r\nEMAIL:c@x\r\nEMAIL:d@x\r\nTEL;TYPE=CELL:1\r\n"
    "TEL;TYPE=WORK:2\r\nTEL:3\r\nTEL;TYPE=ISDN:4\r\n"
    "item1.TEL:5\r\nitem1.X-ABLabel:_$!<Assistant>!$_\r\n"
    "ADR;TYPE=HOME:;;1 Road;Town;;1;X\r\nORG:Acme;Dev;Unit\r\n"
    "item2.X-ABRELATEDNAMES:Kid\r\nitem2.X-ABLabel:_$!<Child>!$_\r\n"
    "BDAY:1980-05-06\r\nX-ANNIVERSARY:--0506\r\nIMPP:xmpp:a@j\r\n"
    "CATEGORIES:A,B\r\nNOTE:n\r\nPHOTO;ENCODING=b;TYPE=JPEG:SGVsbG8=\r\n"
    "X-KEEP:k\r\nEND:VCARD\r\n";
static const char old4[] =
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:B\r\nRELATED;TYPE=spouse:S\r\n"
    "RELATED;TYPE=child;VALUE=text:C\r\nTEL;VALUE=uri:tel:+1\r\n"
    "PHOTO:data:image/png;base64,iVBORw0K\r\nANNIVERSARY:20000101\r\n"
    "END:VCARD\r\n";

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_contact_read: %s\n", what);
    abort();
}

static void check(const eas_pim_item_t *it, apr_pool_t *p)
{
    apr_bucket_brigade *bb = apr_brigade_create(p, ba);
    eas_wbxml_enc_t *e = eas_wbxml_enc_create(p, bb, NULL, NULL);
    eas_pim_opts_t o;
    const char *err;
    vcard_t *vc;

    if (vcard_parse(it->data.data, it->data.len, &vc, &err, p)
        != APR_SUCCESS) {
        fprintf(stderr, "parse: %s\n", err);
        fail("result does not parse");
    }
    memset(&o, 0, sizeof o);
    eas_enc_start(e, EAS_AirSync_ApplicationData);
    if (eas_pim_contacts.write(e, &it->data, &o, &err, p) != APR_SUCCESS)
        fail("result does not write");
    eas_enc_finish(e);
}

static void read_one(const eas_node_t *ad, const char *old, apr_pool_t *p)
{
    eas_blob_t b = { old, old ? strlen(old) : 0 };
    eas_pim_opts_t o;
    eas_pim_item_t it;
    const char *err = NULL;
    apr_status_t rv;

    memset(&o, 0, sizeof o);
    o.version = 141;
    o.tzid = "Europe/Berlin";
    o.max_photo = 4096;
    o.now = apr_time_from_sec(1700000000);
    rv = eas_pim_contacts.read(ad, old ? &b : NULL, &o, &it, &err, p);
    if (rv == APR_SUCCESS)
        check(&it, p);
    else if (rv != APR_EINVAL || !err)
        fail("refused without APR_EINVAL and a reason");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    eas_node_t *root;
    apr_size_t off;
    unsigned char *copy;

    if (root_pool == NULL) {
        apr_initialize();
        apr_pool_create(&root_pool, NULL);
        ba = apr_bucket_alloc_create(root_pool);
    }
    apr_pool_create(&p, root_pool);
    copy = apr_pmemdup(p, size ? (const void *)data : "", size ? size : 1);
    if (eas_wbxml_decode(p, copy, size, NULL, &root, &off) == EAS_WBXML_OK) {
        read_one(root, old3, p);
        read_one(root, old4, p);
        read_one(root, NULL, p);
    }
    apr_pool_destroy(p);
    return 0;
}
