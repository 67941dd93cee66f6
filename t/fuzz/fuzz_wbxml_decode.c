/*
 * libFuzzer target for the WBXML decoder.
 *
 * Decodes with small limits; whatever decodes must also render as XML and
 * survive a round trip through the encoder: decode(encode(tree)) == tree.
 * The rendered XML is fed back to the XML reader, for its robustness only:
 * XML cannot carry every string WBXML can (control characters), so no
 * equality is expected there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <libxml/parser.h>

#include "wbxml.h"

static apr_bucket_alloc_t *ba;
static apr_pool_t *root_pool;

/* Re-encode a decoded tree in document order, without recursion. */
static void encode_tree(eas_wbxml_enc_t *e, const eas_node_t *root)
{
    const eas_node_t *n = root;

    while (n) {
        eas_enc_start(e, n->tag);
        if (n->value && n->opaque)
            eas_enc_opaque_data(e, n->value, n->len, 1);
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

static void check_roundtrip(apr_pool_t *pool, const eas_node_t *tree,
                            const eas_wbxml_limits_t *lim)
{
    apr_bucket_brigade *bb = apr_brigade_create(pool, ba);
    eas_wbxml_enc_t *e = eas_wbxml_enc_create(pool, bb, NULL, NULL);
    eas_node_t *again;
    char *out;
    apr_size_t len, off;
    eas_wbxml_err_t rc;

    encode_tree(e, tree);
    if (eas_enc_finish(e) != APR_SUCCESS)
        fail("encoder rejected a decoded tree");
    if (apr_brigade_pflatten(bb, &out, &len, pool) != APR_SUCCESS)
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
    apr_pool_create(&pool, root_pool);
    rc = eas_wbxml_decode(pool, data, size, &lim, &tree, &off);
    if (rc != EAS_WBXML_OK) {
        if (tree != NULL || off > size || rc >= EAS_WBXML_E__COUNT)
            fail("bad error report");
    } else {
        check_roundtrip(pool, tree, &lim);
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
