/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the WBXML decoder.
 *
 * Decodes with small limits; whatever decodes must also render as XML and
 * survive a round trip through the encoder: decode(encode(tree)) == tree.
 * The encoder runs with a flush callback that drains the brigade as a
 * filter chain would, with text passed as stable (referenced) or copied
 * depending on the input, so that both paths and the flushing are under
 * the sanitizers.  The rendered XML is fed back to the XML reader, for its
 * robustness only: XML cannot carry every string WBXML can (control
 * characters), so no equality is expected there.
 *
 * The input is also checked as text: the vector UTF-8 check must agree
 * with a byte-wise reading of RFC 3629 on every input and every offset.
 */
#include <stddef.h>      /* before APR: its ring macros then use offsetof */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <libxml/parser.h>

#include "wbxml.h"
#include "wbxml_utf8.h"

static apr_bucket_alloc_t *ba;
static apr_pool_t *root_pool;

/* Re-encode a decoded tree in document order, without recursion. */
static void encode_tree(eas_wbxml_enc_t *e, const eas_node_t *root,
                        int stable)
{
    const eas_node_t *n = root;

    while (n) {
        eas_enc_start(e, n->tag);
        if (n->value && n->opaque)
            eas_enc_opaque_data(e, n->value, n->len, stable);
        else if (n->value && stable)
            eas_enc_text_stable(e, n->value, n->len);
        else if (n->value)
            eas_enc_text(e, n->value, n->len);
        if (n->child) {
            n = n->child;
            continue;
        }
        eas_enc_end(e);
        while (n != root && n->next == NULL) {
            n = n->parent;
            eas_enc_end(e);
        }
        n = n == root ? NULL : n->next;
    }
}

static int node_equal(const eas_node_t *a, const eas_node_t *b)
{
    return a->tag == b->tag && a->opaque == b->opaque && a->len == b->len
           && (a->value == NULL) == (b->value == NULL)
           && (a->value == NULL || memcmp(a->value, b->value, a->len) == 0)
           && (a->child == NULL) == (b->child == NULL);
}

static int tree_equal(const eas_node_t *a, const eas_node_t *b)
{
    const eas_node_t *ra = a;

    while (a && b) {
        if (!node_equal(a, b))
            return 0;
        if (a->child) {
            a = a->child;
            b = b->child;
            continue;
        }
        while (a != ra && a->next == NULL) {
            if (b->next != NULL)
                return 0;
            a = a->parent;
            b = b->parent;
        }
        if (a == ra)
            return 1;
        if (b->next == NULL)
            return 0;
        a = a->next;
        b = b->next;
    }
    return a == b;
}

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_wbxml_decode: %s\n", what);
    abort();
}

/* Like a filter chain: read every bucket, keep the bytes, destroy it. */
typedef struct {
    apr_pool_t *pool;
    apr_bucket_brigade *out;
} drain_t;

static apr_status_t drain(apr_bucket_brigade *bb, void *ctx)
{
    drain_t *dr = ctx;

    while (!APR_BRIGADE_EMPTY(bb)) {
        apr_bucket *b = APR_BRIGADE_FIRST(bb);
        const char *data;
        apr_size_t n;

        if (apr_bucket_read(b, &data, &n, APR_BLOCK_READ) != APR_SUCCESS)
            fail("bucket read failed");
        apr_brigade_write(dr->out, NULL, NULL, data, n);
        apr_bucket_delete(b);
    }
    return APR_SUCCESS;
}

/* The byte-wise reading of RFC 3629, for the vector check to agree with. */
static apr_size_t ref_span(const unsigned char *s, apr_size_t len)
{
    apr_size_t i = 0, n, k;

    while (i < len && s[i] != 0) {
        unsigned c = s[i];
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0)
            n = 2, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0)
            n = 3, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0)
            n = 4, cp = c & 0x07;
        else
            break;
        if (len - i < n)
            break;
        for (k = 1; k < n && (s[i + k] & 0xC0) == 0x80; k++)
            cp = (cp << 6) | (s[i + k] & 0x3F);
        if (k < n || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)
            || cp < (n == 2 ? 0x80u : n == 3 ? 0x800u : 0x10000u))
            break;
        i += n;
    }
    return i;
}

static void check_utf8(const uint8_t *data, size_t size)
{
    size_t off;

    for (off = 0; off < size && off < 64; off++)
        if (eas_utf8_span(data + off, size - off)
            != ref_span(data + off, size - off)
            || eas_utf8_span16(data + off, 0, size - off)
            != ref_span(data + off, size - off))
            fail("UTF-8 check disagrees with the byte-wise reading");
}

static void check_roundtrip(apr_pool_t *pool, const eas_node_t *tree,
                            const eas_wbxml_limits_t *lim, int stable)
{
    apr_bucket_brigade *bb = apr_brigade_create(pool, ba);
    drain_t dr = { pool, apr_brigade_create(pool, ba) };
    eas_wbxml_enc_t *e = eas_wbxml_enc_create(pool, bb, drain, &dr);
    eas_node_t *again;
    char *out;
    apr_size_t len, off;
    eas_wbxml_err_t rc;

    encode_tree(e, tree, stable);
    if (eas_enc_finish(e) != APR_SUCCESS)
        fail("encoder rejected a decoded tree");
    drain(bb, &dr);
    if (apr_brigade_pflatten(dr.out, &out, &len, pool) != APR_SUCCESS)
        fail("flatten failed");
    if ((apr_off_t)len != eas_enc_bytes(e))
        fail("eas_enc_bytes disagrees with the brigade");
    rc = eas_wbxml_decode(pool, (unsigned char *)out, len, lim, &again, &off);
    if (rc != EAS_WBXML_OK) {
        fprintf(stderr, "re-decode: %s at %lu\n", eas_wbxml_strerror(rc),
                (unsigned long)off);
        fail("encoder output does not decode");
    }
    if (!tree_equal(tree, again))
        fail("decode(encode(tree)) != tree");
    apr_brigade_destroy(bb);
    apr_brigade_destroy(dr.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eas_wbxml_limits_t lim = { 16, 4096 };
    apr_pool_t *pool;
    eas_node_t *tree;
    apr_size_t off = 0;
    eas_wbxml_err_t rc;
    char *xml;

    if (root_pool == NULL) {
        apr_initialize();
        apr_pool_create(&root_pool, NULL);
        ba = apr_bucket_alloc_create(root_pool);
        xmlInitParser();
    }
    check_utf8(data, size);
    apr_pool_create(&pool, root_pool);
    rc = eas_wbxml_decode(pool, data, size, &lim, &tree, &off);
    if (rc != EAS_WBXML_OK) {
        if (tree != NULL || off > size || rc >= EAS_WBXML_E__COUNT)
            fail("bad error report");
    } else {
        check_roundtrip(pool, tree, &lim, size > 0 && (data[size - 1] & 1));
        if (eas_wbxml_tree_to_xml(pool, tree, 0) == NULL)
            fail("XML rendering failed");
        xml = eas_wbxml_tree_to_xml(pool, tree, EAS_XML_SHOW_BODIES
                                    | EAS_XML_SHOW_SECRETS);
        if (xml == NULL)
            fail("XML rendering failed");
        {
            const char *msg;
            apr_size_t n;

            (void)eas_xml_to_wbxml(pool, xml, strlen(xml), &n, &msg);
        }
    }
    apr_pool_destroy(pool);
    return 0;
}
