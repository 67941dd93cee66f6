/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helpers for WBXML trees, shared by the unit tests: build a tree from
 * XML text, write a converter's output inside <ApplicationData> and decode
 * it, find an element anywhere below a node, and read its text.
 */
#ifndef EAS_TREE_UTIL_H
#define EAS_TREE_UTIL_H

#include <apr_buckets.h>
#include <apr_file_io.h>
#include <string.h>

#include "wbxml.h"
#include "backend.h"     /* eas_blob_t */

/* The tree of an XML document (ActiveSync namespaces); NULL on error. */
static inline eas_node_t *tu_tree(apr_pool_t *p, const char *xml)
{
    const char *err = NULL;
    apr_size_t len = 0, off = 0;
    unsigned char *w = eas_xml_to_wbxml(p, xml, strlen(xml), &len, &err);
    eas_node_t *root = NULL;

    if (!w || eas_wbxml_decode(p, w, len, NULL, &root, &off) != EAS_WBXML_OK)
        return NULL;
    return root;
}

/* An encoder whose output tu_enc_tree() decodes, inside <ApplicationData>. */
typedef struct {
    apr_pool_t *pool;
    apr_bucket_alloc_t *ba;
    apr_bucket_brigade *bb;
    eas_wbxml_enc_t *enc;
} tu_enc_t;

static inline eas_wbxml_enc_t *tu_enc_open(tu_enc_t *t, apr_pool_t *p)
{
    t->pool = p;
    t->ba = apr_bucket_alloc_create(p);
    t->bb = apr_brigade_create(p, t->ba);
    t->enc = eas_wbxml_enc_create(p, t->bb, NULL, NULL);
    eas_enc_start(t->enc, EAS_AirSync_ApplicationData);
    return t->enc;
}

/* The <ApplicationData> written; NULL if encoding or decoding failed. */
static inline eas_node_t *tu_enc_tree(tu_enc_t *t)
{
    eas_node_t *root = NULL;
    char *out;
    apr_size_t len, off;

    if (eas_enc_finish(t->enc) != APR_SUCCESS
        || apr_brigade_pflatten(t->bb, &out, &len, t->pool) != APR_SUCCESS
        || eas_wbxml_decode(t->pool, (unsigned char *)out, len, NULL, &root,
                            &off) != EAS_WBXML_OK)
        return NULL;
    return root;
}

/* First element with tag anywhere below n (n included), depth first. */
static inline const eas_node_t *tu_find(const eas_node_t *n, eas_tag_t tag)
{
    const eas_node_t *c, *r;

    if (!n)
        return NULL;
    if (n->tag == tag)
        return n;
    for (c = n->child; c; c = c->next)
        if ((r = tu_find(c, tag)))
            return r;
    return NULL;
}

/* Text of the first element with tag below n, or NULL. */
static inline const char *tu_text(const eas_node_t *n, eas_tag_t tag)
{
    const eas_node_t *f = tu_find(n, tag);

    return f ? f->value : NULL;
}

/* How many elements with tag are below n (n included). */
static inline int tu_count(const eas_node_t *n, eas_tag_t tag)
{
    const eas_node_t *c;
    int k;

    if (!n)
        return 0;
    k = n->tag == tag;
    for (c = n->child; c; c = c->next)
        k += tu_count(c, tag);
    return k;
}

/* A whole file as a blob in p (NULL data when it cannot be read). */
static inline eas_blob_t tu_file(apr_pool_t *p, const char *path)
{
    eas_blob_t b = { NULL, 0 };
    char *data;
    apr_size_t len;
    apr_file_t *f;
    apr_finfo_t fi;

    if (apr_file_open(&f, path, APR_READ, 0, p) != APR_SUCCESS
        || apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS)
        return b;
    len = (apr_size_t)fi.size;
    data = apr_palloc(p, len + 1);
    apr_file_read_full(f, data, len, &len);
    apr_file_close(f);
    data[len] = '\0';
    b.data = data;
    b.len = len;
    return b;
}

#endif
