/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the WBXML codec: tag table, decoder, encoder, XML form.
 */
#include <stddef.h>      /* before APR: its ring macros then use offsetof */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <libxml/parser.h>

#include "wbxml.h"
#include "wbxml_utf8.h"             /* internal: tested against a reference */
#include "tap.h"

static apr_pool_t *pool;
static apr_bucket_alloc_t *ba;

#define HDR 0x03, 0x01, 0x6A, 0x00

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

typedef struct {
    apr_bucket_brigade *bb;
    eas_wbxml_enc_t *e;
} enc_t;

static enc_t enc_new(void)
{
    enc_t t;

    t.bb = apr_brigade_create(pool, ba);
    t.e = eas_wbxml_enc_create(pool, t.bb, NULL, NULL);
    return t;
}

/* Finish, flatten into pool memory; NULL if the encoder reported an error. */
static unsigned char *enc_done(enc_t *t, apr_size_t *len)
{
    char *out;

    *len = 0;
    if (eas_enc_finish(t->e) != APR_SUCCESS)
        return NULL;
    if (apr_brigade_pflatten(t->bb, &out, len, pool) != APR_SUCCESS)
        return NULL;
    return (unsigned char *)out;
}

static eas_wbxml_err_t decode(const unsigned char *b, apr_size_t len,
                              eas_node_t **root, apr_size_t *off)
{
    return eas_wbxml_decode(pool, b, len, NULL, root, off);
}

/* Structural equality of two trees, without recursion. */
static int tree_equal(const eas_node_t *a, const eas_node_t *b)
{
    const eas_node_t *ra = a;

    while (a && b) {
        if (a->tag != b->tag || a->opaque != b->opaque || a->len != b->len
            || (a->value == NULL) != (b->value == NULL)
            || (a->value && memcmp(a->value, b->value, a->len) != 0)
            || (a->child == NULL) != (b->child == NULL))
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

/* Encode a decoded tree again, in document order, without recursion. */
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

/* The MS-ASWBXML example: a Sync response adding one contact. */
static const unsigned char spec_example[] = {
    HDR,
    0x45, 0x5C, 0x4F, 0x50, 0x03, 'C', 'o', 'n', 't', 'a', 'c', 't', 's', 0x00,
    0x01, 0x4B, 0x03, '2', 0x00, 0x01, 0x52, 0x03, '2', 0x00, 0x01,
    0x4E, 0x03, '1', 0x00, 0x01, 0x56, 0x47, 0x4D, 0x03, '2', ':', '1', 0x00,
    0x01, 0x5D, 0x00, 0x11, 0x4A, 0x46, 0x03, '1', 0x00, 0x01, 0x4C, 0x03,
    '0', 0x00, 0x01, 0x4D, 0x03, '1', 0x00, 0x01, 0x01,
    0x00, 0x01, 0x5E, 0x03, 'F', 'u', 'n', 'k', ',', ' ', 'D', 'o', 'n', 0x00,
    0x01, 0x5F, 0x03, 'D', 'o', 'n', 0x00, 0x01, 0x69, 0x03, 'F', 'u', 'n',
    'k', 0x00, 0x01,
    0x00, 0x11, 0x56, 0x03, '1', 0x00, 0x01,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01
};

static const char spec_example_xml[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<Sync xmlns=\"AirSync\" xmlns:airsyncbase=\"AirSyncBase\" "
    "xmlns:contacts=\"Contacts\"><Collections><Collection>"
    "<Class>Contacts</Class><SyncKey>2</SyncKey><CollectionId>2</CollectionId>"
    "<Status>1</Status><Commands><Add><ServerId>2:1</ServerId>"
    "<ApplicationData><airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>"
    "<airsyncbase:EstimatedDataSize>0</airsyncbase:EstimatedDataSize>"
    "<airsyncbase:Truncated>1</airsyncbase:Truncated></airsyncbase:Body>"
    "<contacts:FileAs>Funk, Don</contacts:FileAs>"
    "<contacts:FirstName>Don</contacts:FirstName>"
    "<contacts:LastName>Funk</contacts:LastName>"
    "<airsyncbase:NativeBodyType>1</airsyncbase:NativeBodyType>"
    "</ApplicationData></Add></Commands></Collection></Collections></Sync>\n";

static void build_spec_example(eas_wbxml_enc_t *e)
{
    eas_enc_start(e, EAS_AirSync_Sync);
    eas_enc_start(e, EAS_AirSync_Collections);
    eas_enc_start(e, EAS_AirSync_Collection);
    eas_enc_str(e, EAS_AirSync_Class, "Contacts");
    eas_enc_str(e, EAS_AirSync_SyncKey, "2");
    eas_enc_int(e, EAS_AirSync_CollectionId, 2);
    eas_enc_int(e, EAS_AirSync_Status, 1);
    eas_enc_start(e, EAS_AirSync_Commands);
    eas_enc_start(e, EAS_AirSync_Add);
    eas_enc_str(e, EAS_AirSync_ServerId, "2:1");
    eas_enc_start(e, EAS_AirSync_ApplicationData);
    eas_enc_start(e, EAS_AirSyncBase_Body);
    eas_enc_int(e, EAS_AirSyncBase_Type, 1);
    eas_enc_int(e, EAS_AirSyncBase_EstimatedDataSize, 0);
    eas_enc_int(e, EAS_AirSyncBase_Truncated, 1);
    eas_enc_end(e);
    eas_enc_str(e, EAS_Contacts_FileAs, "Funk, Don");
    eas_enc_str(e, EAS_Contacts_FirstName, "Don");
    eas_enc_str(e, EAS_Contacts_LastName, "Funk");
    eas_enc_int(e, EAS_AirSyncBase_NativeBodyType, 1);
    /* Add, Commands, Collection, Collections and Sync close in finish */
}

/* ------------------------------------------------------------------ */
/* tag table                                                           */
/* ------------------------------------------------------------------ */

typedef struct {
    eas_tag_t tag;              /* the EAS_<Page>_<Tag> constant */
    unsigned page, token, flags;
    const char *ns, *name, *ident;
} tag_row_t;

/* The table as the X-macro defines it, to check the lookups against. */
static const tag_row_t rows[] = {
#define EAS_PAGE(num, ident, ns)
#define EAS_TAG(ident, token, name, flags) \
    { EAS_##ident##_##name, EAS_PAGENUM_##ident, token, flags, NULL, \
      #name, #ident },
#include "wbxml_tags.h"
#undef EAS_PAGE
#undef EAS_TAG
};
#define NROWS (sizeof rows / sizeof rows[0])

static const struct { unsigned num; const char *ns; } pages[] = {
#define EAS_PAGE(num, ident, ns) { num, ns },
#define EAS_TAG(ident, token, name, flags)
#include "wbxml_tags.h"
#undef EAS_PAGE
#undef EAS_TAG
};
#define NPAGES (sizeof pages / sizeof pages[0])

/* The known-tag bitmap agrees with the name table on every page and token. */
static void test_known_bitmap(void)
{
    unsigned page, token, bad = 0, known = 0;

    for (page = 0; page <= EAS_WBXML_NPAGES; page++)
        for (token = 0; token < 256; token++) {
            eas_tag_t tag = EAS_TAG_ID(page, token);
            int named = eas_tag_name(tag) != NULL;

            if (eas_tag_known(tag) != named)
                bad++;
            known += named;
        }
    is_int(bad, 0, "known bitmap = name table for every page and token");
    is_int(known, NROWS, "%d tags known", (int)NROWS);
}

/*
 * Code page 25 (Find), as MS-ASWBXML lists it: 22 tags, tokens 0x05-0x0E,
 * 0x11-0x19 and 0x20-0x22.
 */
static void test_find_page(void)
{
    static const unsigned char tokens[] = {
        0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x11,
        0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x20, 0x21, 0x22
    };
    unsigned token, n = 0, want = 0;
    apr_size_t i;

    for (token = 0; token < 64; token++) {
        int listed = memchr(tokens, (int)token, sizeof tokens) != NULL;

        n += eas_tag_known(EAS_TAG_ID(25, token));
        want += listed && eas_tag_known(EAS_TAG_ID(25, token));
    }
    is_int(n, sizeof tokens, "page 25 has %d tags", (int)sizeof tokens);
    is_int(want, sizeof tokens, "exactly the tokens MS-ASWBXML lists");
    is_str(eas_page_ns(25), "Find", "page 25 is Find");
    ok(EAS_Find_Find == EAS_TAG_ID(25, 0x05)
       && EAS_Find_SearchId == EAS_TAG_ID(25, 0x06)
       && EAS_Find_MailBoxSearchCriterion == EAS_TAG_ID(25, 0x08)
       && EAS_Find_Status == EAS_TAG_ID(25, 0x0A)
       && EAS_Find_DeepTraversal == EAS_TAG_ID(25, 0x0E)
       && EAS_Find_Response == EAS_TAG_ID(25, 0x11)
       && EAS_Find_HasAttachments == EAS_TAG_ID(25, 0x15)
       && EAS_Find_DisplayBcc == EAS_TAG_ID(25, 0x18)
       && EAS_Find_GALSearchCriterion == EAS_TAG_ID(25, 0x19)
       && EAS_Find_MaxPictures == EAS_TAG_ID(25, 0x20)
       && EAS_Find_Picture == EAS_TAG_ID(25, 0x22),
       "Find tokens as in MS-ASWBXML");
    for (i = 0, n = 0; i < NROWS; i++)
        n += rows[i].page == 25;
    is_int(n, sizeof tokens, "the table rows of page 25");
    ok(eas_tag_flags(EAS_Find_Preview) & EAS_TF_BODY,
       "Find Preview (the start of a body) is body");
}

static void test_tag_table(void)
{
    int bad_name = 0, bad_lookup = 0, bad_flags = 0, bad_page = 0;
    apr_size_t i;

    for (i = 0; i < NPAGES; i++)
        if (eas_page_lookup(pages[i].ns) != (int)pages[i].num
            || eas_page_ns(pages[i].num) == NULL
            || strcmp(eas_page_ns(pages[i].num), pages[i].ns) != 0)
            bad_page++;
    for (i = 0; i < NROWS; i++) {
        const tag_row_t *r = &rows[i];
        const char *ns = eas_page_ns(r->page);

        if (eas_tag_name(r->tag) == NULL
            || strcmp(eas_tag_name(r->tag), r->name) != 0
            || !eas_tag_known(r->tag))
            bad_name++;
        if (ns == NULL || eas_tag_lookup(ns, r->name) != r->tag)
            bad_lookup++;
        if (eas_tag_flags(r->tag) != r->flags
            || EAS_TAG_TOKEN(r->tag) != r->token
            || EAS_TAG_PAGE(r->tag) != r->page)
            bad_flags++;
    }
    is_int(NPAGES, EAS_WBXML_NPAGES, "table has %d code pages", (int)NPAGES);
    is_int(EAS_WBXML_NPAGES, 26, "code pages 0 to 25, up to protocol 16.1");
    ok(NROWS > 400, "table has %d tags", (int)NROWS);
    is_int(bad_page, 0, "every page: namespace and lookup agree");
    is_int(bad_name, 0, "every tag: name and known");
    is_int(bad_lookup, 0, "every tag: lookup by namespace and name");
    is_int(bad_flags, 0, "every tag: flags, page and token");

    is_str(eas_tag_name(EAS_AirSync_SyncKey), "SyncKey", "AirSync SyncKey");
    is_str(eas_page_ns(EAS_PAGENUM_AirSyncBase), "AirSyncBase",
           "page 17 is AirSyncBase");
    is_int(eas_tag_lookup("FolderHierarchy", "FolderSync"),
           EAS_FolderHierarchy_FolderSync, "lookup FolderSync");
    ok(eas_tag_name(EAS_TAG_ID(0, 0x11)) == NULL && !eas_tag_known(
       EAS_TAG_ID(0, 0x11)), "AirSync 0x11 is unknown");
    ok(eas_tag_name(EAS_TAG_ID(0, 0x04)) == NULL, "token 0x04 is no tag");
    ok(eas_tag_name(EAS_TAG_ID(EAS_WBXML_NPAGES, 0x05)) == NULL
       && eas_page_ns(EAS_WBXML_NPAGES) == NULL && eas_page_ns(255) == NULL,
       "pages beyond the table are unknown");
    ok(!eas_tag_known(EAS_AirSync_Sync | 0x40)
       && eas_tag_flags(EAS_Settings_Password | 0x80) == 0,
       "token bits above 0x3F make a tag unknown");
    is_int(eas_tag_lookup("AirSync", "NoSuchTag"), 0, "unknown name");
    is_int(eas_tag_lookup("NoSuchNs", "Sync"), 0, "unknown namespace");
    is_int(eas_tag_lookup(NULL, "Sync"), 0, "NULL namespace");
    is_int(eas_page_lookup("airsync"), -1, "namespaces are case-sensitive");
    ok(eas_tag_flags(EAS_Settings_Password) & EAS_TF_SECRET,
       "Settings Password is secret");
    ok(eas_tag_flags(EAS_AirSyncBase_Data) & EAS_TF_BODY,
       "AirSyncBase Data is body");
    ok(eas_tag_flags(EAS_Email2_ConversationId) & EAS_TF_OPAQUE,
       "Email2 ConversationId is opaque");
    test_known_bitmap();
    test_find_page();
}

/* Every tag of every page, with text, empty and opaque, through the codec. */
static void test_all_tags_roundtrip(void)
{
    enc_t t = enc_new();
    unsigned char *b;
    apr_size_t len, off = 0, i;
    eas_node_t *root, *n;
    int bad = 0;
    eas_wbxml_err_t rc;

    eas_enc_start(t.e, EAS_AirSync_Sync);
    for (i = 0; i < NROWS; i++) {
        eas_enc_str(t.e, rows[i].tag, rows[i].name);
        eas_enc_empty(t.e, rows[i].tag);
        eas_enc_opaque(t.e, rows[i].tag, rows[i].ident,
                       strlen(rows[i].ident), 1);
    }
    b = enc_done(&t, &len);
    ok(b != NULL, "encoded a document with every tag (%lu bytes)",
       (unsigned long)len);
    rc = decode(b, len, &root, &off);
    is_int(rc, EAS_WBXML_OK, "decoded it (%s at %lu)", eas_wbxml_strerror(rc),
           (unsigned long)off);
    if (rc != EAS_WBXML_OK)
        return;
    n = root->child;
    for (i = 0; i < NROWS && n; i++) {
        const tag_row_t *r = &rows[i];

        if (n->tag != r->tag || n->opaque || !n->value
            || strcmp(n->value, r->name) != 0 || n->child)
            bad++;
        if ((n = n->next) == NULL || n->tag != r->tag || n->value || n->child)
            bad++;
        if (n && (n = n->next) != NULL
            && (n->tag != r->tag || !n->opaque || n->len != strlen(r->ident)
                || memcmp(n->value, r->ident, n->len) != 0))
            bad++;
        if (n)
            n = n->next;
    }
    is_int(i, NROWS, "walked all %d tags", (int)NROWS);
    is_int(bad, 0, "every tag came back with its value (text, empty, opaque)");
    ok(n == NULL, "nothing extra in the document");
}

/* ------------------------------------------------------------------ */
/* decoder                                                             */
/* ------------------------------------------------------------------ */

static void test_decode_spec_example(void)
{
    eas_node_t *root, *col, *add, *ad, *body;
    apr_size_t off;
    eas_wbxml_err_t rc = decode(spec_example, sizeof spec_example, &root, &off);

    is_int(rc, EAS_WBXML_OK, "spec example decodes");
    if (rc != EAS_WBXML_OK)
        return;
    is_int(root->tag, EAS_AirSync_Sync, "root is Sync");
    ok(root->parent == NULL && root->next == NULL, "root has no relatives");
    col = eas_node_child(eas_node_child(root, EAS_AirSync_Collections),
                         EAS_AirSync_Collection);
    ok(col != NULL, "Collections/Collection");
    is_str(eas_node_text(col, EAS_AirSync_Class), "Contacts", "Class");
    is_str(eas_node_text(col, EAS_AirSync_SyncKey), "2", "SyncKey");
    is_str(eas_node_text(col, EAS_AirSync_Status), "1", "Status");
    add = eas_node_child(eas_node_child(col, EAS_AirSync_Commands),
                         EAS_AirSync_Add);
    is_str(eas_node_text(add, EAS_AirSync_ServerId), "2:1", "ServerId");
    ad = eas_node_child(add, EAS_AirSync_ApplicationData);
    body = eas_node_child(ad, EAS_AirSyncBase_Body);
    is_str(eas_node_text(body, EAS_AirSyncBase_EstimatedDataSize), "0",
           "page switch to AirSyncBase");
    is_str(eas_node_text(ad, EAS_Contacts_FileAs), "Funk, Don",
           "page switch to Contacts");
    is_str(eas_node_text(ad, EAS_AirSyncBase_NativeBodyType), "1",
           "and back to AirSyncBase");
    is_int(ad->last->tag, EAS_AirSyncBase_NativeBodyType, "last child");
    ok(eas_node_child(ad, EAS_AirSync_Sync) == NULL, "missing child is NULL");
    ok(eas_node_text(NULL, EAS_AirSync_Sync) == NULL, "NULL node is safe");
    ok(eas_node_next(eas_node_child(ad, EAS_Contacts_FileAs),
                     EAS_AirSyncBase_NativeBodyType) == ad->last,
       "eas_node_next finds a later sibling");
    ok(eas_node_next(ad->last, EAS_AirSyncBase_NativeBodyType) == NULL,
       "eas_node_next stops at the end");
    ok(eas_node_child(col, EAS_AirSync_SyncKey)->value
       == (const char *)spec_example + 21, "text points into the input");

    {
        enc_t t = enc_new();
        unsigned char *b;
        apr_size_t len;
        eas_node_t *again = NULL;

        encode_tree(t.e, root);
        b = enc_done(&t, &len);
        is_mem(b, len, spec_example, sizeof spec_example,
               "decoded tree encodes to the same bytes");
        ok(b && decode(b, len, &again, &off) == EAS_WBXML_OK
           && tree_equal(root, again), "and decodes to an equal tree");
        ok(!tree_equal(root, again->child), "tree_equal can fail");
    }
}

typedef struct {
    const char *name;
    unsigned char in[24];
    apr_size_t len;
    eas_wbxml_err_t err;
    apr_size_t off;
} bad_case_t;

#define IN(...) { __VA_ARGS__ }, sizeof((unsigned char[]){ __VA_ARGS__ })

static const bad_case_t bad_cases[] = {
    { "version 1.0",        IN(0x00, 0x01, 0x6A, 0x00, 0x05), EAS_WBXML_E_VERSION, 0 },
    { "version 1.4",        IN(0x04, 0x01, 0x6A, 0x00, 0x05), EAS_WBXML_E_VERSION, 0 },
    { "public id 0 (strtbl)", IN(0x03, 0x00, 0x00, 0x6A, 0x00, 0x05), EAS_WBXML_E_PUBLICID, 1 },
    { "public id 2",        IN(0x03, 0x02, 0x6A, 0x00, 0x05), EAS_WBXML_E_PUBLICID, 1 },
    { "charset latin-1",    IN(0x03, 0x01, 0x04, 0x00, 0x05), EAS_WBXML_E_CHARSET, 2 },
    { "charset 6 bytes",    IN(0x03, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x6A, 0x00, 0x05), EAS_WBXML_E_MBUINT, 2 },
    { "charset > 32 bits",  IN(0x03, 0x01, 0x90, 0x80, 0x80, 0x80, 0x00, 0x00, 0x05), EAS_WBXML_E_MBUINT, 2 },
    { "string table",       IN(0x03, 0x01, 0x6A, 0x01, 'a', 0x05), EAS_WBXML_E_STRTBL, 3 },
    { "STR_T",              IN(HDR, 0x45, 0x83, 0x00, 0x01), EAS_WBXML_E_STRTBL, 5 },
    { "LITERAL",            IN(HDR, 0x45, 0x04, 0x00, 0x01), EAS_WBXML_E_STRTBL, 5 },
    { "LITERAL_AC",         IN(HDR, 0x45, 0xC4, 0x00, 0x01), EAS_WBXML_E_STRTBL, 5 },
    { "unknown page",       IN(HDR, 0x00, 0x1A, 0x05), EAS_WBXML_E_PAGE, 4 },
    { "unknown page 255",   IN(HDR, 0x45, 0x00, 0xFF, 0x05, 0x01), EAS_WBXML_E_PAGE, 5 },
    { "unknown tag",        IN(HDR, 0x45, 0x51, 0x01), EAS_WBXML_E_TAG, 5 },
    { "unknown root tag",   IN(HDR, 0x11), EAS_WBXML_E_TAG, 4 },
    { "ENTITY",             IN(HDR, 0x45, 0x02, 0x41, 0x01), EAS_WBXML_E_TOKEN, 5 },
    { "PI",                 IN(HDR, 0x45, 0x43, 0x05, 0x01, 0x01), EAS_WBXML_E_TOKEN, 5 },
    { "EXT_I_0",            IN(HDR, 0x45, 0x40, 'a', 0x00, 0x01), EAS_WBXML_E_TOKEN, 5 },
    { "EXT_T_1",            IN(HDR, 0x45, 0x81, 0x00, 0x01), EAS_WBXML_E_TOKEN, 5 },
    { "EXT_2",              IN(HDR, 0x45, 0xC2, 0x01), EAS_WBXML_E_TOKEN, 5 },
    { "attributes",         IN(HDR, 0x45, 0xC6, 0x01, 0x01), EAS_WBXML_E_ATTR, 5 },
    { "attributes, empty",  IN(HDR, 0x85, 0x01), EAS_WBXML_E_ATTR, 4 },
    { "unterminated STR_I", IN(HDR, 0x45, 0x03, 'a', 'b'), EAS_WBXML_E_STRING, 5 },
    { "opaque too long",    IN(HDR, 0x45, 0xC3, 0x05, 'a', 0x01), EAS_WBXML_E_OPAQUE, 5 },
    { "opaque length 2^32-1", IN(HDR, 0x45, 0xC3, 0x8F, 0xFF, 0xFF, 0xFF, 0x7F, 0x01), EAS_WBXML_E_OPAQUE, 5 },
    { "opaque length bad",  IN(HDR, 0x45, 0xC3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01), EAS_WBXML_E_MBUINT, 6 },
    { "no root",            IN(HDR), EAS_WBXML_E_NOROOT, 4 },
    { "text before root",   IN(HDR, 0x03, 'a', 0x00, 0x05), EAS_WBXML_E_NOROOT, 4 },
    { "opaque before root", IN(HDR, 0xC3, 0x00, 0x05), EAS_WBXML_E_NOROOT, 4 },
    { "switch page only",   IN(HDR, 0x00, 0x01), EAS_WBXML_E_NOROOT, 6 },
    { "second root",        IN(HDR, 0x45, 0x01, 0x45, 0x01), EAS_WBXML_E_TRAILING, 6 },
    { "text after root",    IN(HDR, 0x05, 0x03, 'a', 0x00), EAS_WBXML_E_TRAILING, 5 },
    { "END after root",     IN(HDR, 0x45, 0x01, 0x01), EAS_WBXML_E_TRAILING, 6 },
    { "END first",          IN(HDR, 0x01, 0x05), EAS_WBXML_E_UNBALANCED, 4 },
    { "UTF-8 overlong",     IN(HDR, 0x45, 0x03, 'a', 0xC0, 0x80, 0x00, 0x01), EAS_WBXML_E_UTF8, 7 },
    { "UTF-8 surrogate",    IN(HDR, 0x45, 0x03, 0xED, 0xA0, 0x80, 0x00, 0x01), EAS_WBXML_E_UTF8, 6 },
    { "UTF-8 > U+10FFFF",   IN(HDR, 0x45, 0x03, 'x', 'y', 0xF4, 0x90, 0x80, 0x80, 0x00, 0x01), EAS_WBXML_E_UTF8, 8 },
    { "UTF-8 cut short",    IN(HDR, 0x45, 0x03, 0xE2, 0x82, 0x00, 0x01), EAS_WBXML_E_UTF8, 6 },
    { "UTF-8 lone continuation", IN(HDR, 0x45, 0x03, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 0x80, 0x00, 0x01), EAS_WBXML_E_UTF8, 15 },
    { "UTF-8 0xFF",         IN(HDR, 0x45, 0x03, 0xFF, 0x00, 0x01), EAS_WBXML_E_UTF8, 6 },
    { "truncated header",   IN(0x03, 0x01), EAS_WBXML_E_TRUNCATED, 2 },
    { "truncated mb_u_int", IN(0x03, 0x01, 0xEA), EAS_WBXML_E_TRUNCATED, 3 },
    { "unclosed elements",  IN(HDR, 0x45, 0x5C), EAS_WBXML_E_TRUNCATED, 6 },
    { "SWITCH_PAGE at end", IN(HDR, 0x45, 0x00), EAS_WBXML_E_TRUNCATED, 6 },
    { "OPAQUE at end",      IN(HDR, 0x45, 0xC3), EAS_WBXML_E_TRUNCATED, 6 },
};

static void test_decode_errors(void)
{
    apr_size_t i, off;
    eas_node_t *root;
    eas_wbxml_err_t rc;
    int seen[EAS_WBXML_E__COUNT] = { 0 };

    rc = decode((const unsigned char *)"", 0, &root, &off);
    ok(rc == EAS_WBXML_E_EMPTY && off == 0 && root == NULL, "empty input");
    rc = decode(NULL, 0, &root, &off);
    is_int(rc, EAS_WBXML_E_EMPTY, "NULL input");
    seen[EAS_WBXML_E_EMPTY] = 1;

    for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case_t *c = &bad_cases[i];

        off = 9999;
        root = (eas_node_t *)&off;
        rc = decode(c->in, c->len, &root, &off);
        ok(rc == c->err && off == c->off && root == NULL,
           "%s: %s at %lu", c->name, eas_wbxml_strerror(c->err),
           (unsigned long)c->off);
        if (rc != c->err || off != c->off)
            tap_diag("  got %s (%d) at %lu", eas_wbxml_strerror(rc), rc,
                     (unsigned long)off);
        seen[c->err] = 1;
    }
    /* the codes only reachable through limits and memory are tested below */
    seen[EAS_WBXML_E_DEPTH] = seen[EAS_WBXML_E_NODES] = 1;
    seen[EAS_WBXML_E_NOMEM] = seen[EAS_WBXML_OK] = 1;
    for (i = 0; i < EAS_WBXML_E__COUNT; i++)
        if (!seen[i])
            tap_diag("error code %lu not provoked", (unsigned long)i);
    for (i = 0; i < EAS_WBXML_E__COUNT && seen[i]; i++)
        ;
    is_int(i, EAS_WBXML_E__COUNT, "every error code is provoked");

    rc = decode(bad_cases[0].in, bad_cases[0].len, &root, NULL);
    is_int(rc, EAS_WBXML_E_VERSION, "err_offset may be NULL");
}

static void test_decode_accepts(void)
{
    static const unsigned char v11[] = { 0x01, 0x01, 0x6A, 0x00, 0x05 };
    static const unsigned char v12[] = { 0x02, 0x01, 0x6A, 0x00, 0x05 };
    static const unsigned char padded[] = { 0x03, 0x80, 0x01, 0x80, 0x6A,
                                            0x80, 0x80, 0x00, 0x05 };
    static const unsigned char empty_str[] = { HDR, 0x45, 0x03, 0x00, 0x01 };
    static const unsigned char empty_opq[] = { HDR, 0x45, 0xC3, 0x00, 0x01 };
    static const unsigned char utf8[] = { HDR, 0x45, 0x03, 0xC3, 0xA9, 0xE2,
                                          0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80,
                                          0xF4, 0x8F, 0xBF, 0xBF, 0x00, 0x01 };
    static const unsigned char sw[] = { HDR, 0x00, 0x07, 0x00, 0x07, 0x56,
                                        0x00, 0x00, 0x4B, 0x01, 0x01 };
    eas_node_t *root;
    apr_size_t off;

    ok(decode(v11, sizeof v11, &root, &off) == EAS_WBXML_OK
       && root->tag == EAS_AirSync_Sync && root->child == NULL
       && root->value == NULL, "WBXML 1.1 with an empty root");
    ok(decode(v12, sizeof v12, &root, &off) == EAS_WBXML_OK, "WBXML 1.2");
    ok(decode(padded, sizeof padded, &root, &off) == EAS_WBXML_OK,
       "mb_u_int32 with leading 0x80 bytes");
    ok(decode(empty_str, sizeof empty_str, &root, &off) == EAS_WBXML_OK
       && root->value && root->len == 0 && root->value[0] == '\0'
       && !root->opaque, "empty inline string: empty value");
    ok(decode(empty_opq, sizeof empty_opq, &root, &off) == EAS_WBXML_OK
       && root->value && root->len == 0 && root->opaque,
       "empty opaque: empty value");
    ok(decode(utf8, sizeof utf8, &root, &off) == EAS_WBXML_OK
       && root->len == 13, "2, 3 and 4 byte UTF-8 and U+10FFFF");
    ok(decode(sw, sizeof sw, &root, &off) == EAS_WBXML_OK
       && root->tag == EAS_FolderHierarchy_FolderSync
       && root->child->tag == EAS_AirSync_SyncKey,
       "repeated SWITCH_PAGE");
}

static void test_decode_text_pieces(void)
{
    static const unsigned char two[] = { HDR, 0x45, 0x03, 'a', 'b', 0x00, 0x03,
                                         'c', 0x00, 0x01 };
    static const unsigned char mixed[] = { HDR, 0x45, 0x03, 'a', 0x00, 0xC3,
                                           0x02, 0x00, 'z', 0x01 };
    static const unsigned char around[] = { HDR, 0x45, 0x03, 'a', 0x00, 0x4B,
                                            0x03, 'k', 0x00, 0x01, 0x03, 'b',
                                            0x00, 0x01 };
    unsigned char *many;
    apr_size_t n = 5000, i, p = 0, off;
    eas_node_t *root;
    eas_wbxml_err_t rc;
    int good = 1;

    ok(decode(two, sizeof two, &root, &off) == EAS_WBXML_OK
       && root->len == 3 && strcmp(root->value, "abc") == 0
       && (root->value < (const char *)two
           || root->value >= (const char *)two + sizeof two),
       "two inline strings are joined into a copy");
    ok(decode(mixed, sizeof mixed, &root, &off) == EAS_WBXML_OK
       && root->len == 3 && memcmp(root->value, "a\0z", 3) == 0
       && root->opaque, "text and opaque joined, marked opaque");
    ok(decode(around, sizeof around, &root, &off) == EAS_WBXML_OK
       && root->len == 2 && strcmp(root->value, "ab") == 0
       && strcmp(eas_node_text(root, EAS_AirSync_SyncKey), "k") == 0,
       "text around a child element is joined");

    many = malloc(n * 4 + 8);
    memcpy(many, (unsigned char[]){ HDR, 0x45 }, 5);
    p = 5;
    for (i = 0; i < n; i++) {
        many[p++] = 0x03;
        many[p++] = (unsigned char)('a' + i % 26);
        many[p++] = 0x00;
    }
    many[p++] = 0x01;
    rc = decode(many, p, &root, &off);
    if (rc != EAS_WBXML_OK || root->len != n)
        good = 0;
    for (i = 0; good && i < n; i++)
        if (root->value[i] != (char)('a' + i % 26))
            good = 0;
    ok(good && root->value[n] == '\0', "%lu one-byte pieces joined in order",
       (unsigned long)n);
    free(many);
}

static void test_decode_zero_copy(void)
{
    unsigned char doc[64] = { HDR, 0x00, 0x11, 0x4B, 0xC3, 0x04, 1, 2, 3, 0,
                              0x01 };
    eas_node_t *root;
    apr_size_t off;

    ok(decode(doc, 14, &root, &off) == EAS_WBXML_OK
       && root->tag == EAS_AirSyncBase_Data && root->opaque
       && root->len == 4 && root->value == (const char *)doc + 9,
       "opaque value points into the input");
}

static void test_decode_limits(void)
{
    unsigned char doc[256];
    apr_size_t n = 0, i, off;
    eas_wbxml_limits_t lim = { 4, 1000 };
    eas_node_t *root;
    eas_wbxml_err_t rc;

    /* Sync > Collections > Collection > Commands > Add: depth 5 */
    memcpy(doc, (unsigned char[]){ HDR, 0x45, 0x5C, 0x4F, 0x56, 0x07, 0x01,
                                   0x01, 0x01, 0x01 }, 13);
    n = 13;
    rc = eas_wbxml_decode(pool, doc, n, &lim, &root, &off);
    ok(rc == EAS_WBXML_E_DEPTH && off == 8, "depth 5 > limit 4 at the tag");
    lim.max_depth = 5;
    rc = eas_wbxml_decode(pool, doc, n, &lim, &root, &off);
    is_int(rc, EAS_WBXML_OK, "depth 5 at limit 5");
    lim.max_nodes = 4;
    rc = eas_wbxml_decode(pool, doc, n, &lim, &root, &off);
    ok(rc == EAS_WBXML_E_NODES && off == 8, "5 nodes > limit 4 at the 5th");
    lim.max_nodes = 5;
    rc = eas_wbxml_decode(pool, doc, n, &lim, &root, &off);
    is_int(rc, EAS_WBXML_OK, "5 nodes at limit 5");
    lim.max_nodes = 0;
    rc = eas_wbxml_decode(pool, doc, n, &lim, &root, &off);
    ok(rc == EAS_WBXML_E_NODES && off == 4, "node limit 0");

    /* default depth: 33 nested elements */
    memcpy(doc, (unsigned char[]){ HDR }, 4);
    n = 4;
    for (i = 0; i < EAS_WBXML_DEFAULT_DEPTH + 1; i++)
        doc[n++] = 0x45;
    for (i = 0; i < EAS_WBXML_DEFAULT_DEPTH + 1; i++)
        doc[n++] = 0x01;
    rc = decode(doc, n, &root, &off);
    ok(rc == EAS_WBXML_E_DEPTH && off == 4 + EAS_WBXML_DEFAULT_DEPTH,
       "default depth limit %d", EAS_WBXML_DEFAULT_DEPTH);
    rc = decode(doc + 1, n - 2, &root, &off);
    ok(rc != EAS_WBXML_OK, "shifted input fails");
    n = 4;
    for (i = 0; i < EAS_WBXML_DEFAULT_DEPTH; i++)
        doc[n++] = 0x45;
    for (i = 0; i < EAS_WBXML_DEFAULT_DEPTH; i++)
        doc[n++] = 0x01;
    rc = decode(doc, n, &root, &off);
    is_int(rc, EAS_WBXML_OK, "exactly the default depth");
}

static void test_decode_many_nodes(void)
{
    apr_size_t n = 200000, i, p = 0, off;
    unsigned char *doc = malloc(n + 8);
    eas_node_t *root, *c;
    eas_wbxml_limits_t lim = { 8, (unsigned)n };
    eas_wbxml_err_t rc;
    apr_size_t count = 0;

    memcpy(doc, (unsigned char[]){ HDR, 0x45 }, 5);
    p = 5;
    for (i = 0; i < n - 1; i++)
        doc[p++] = 0x0B;                    /* <SyncKey/> */
    doc[p++] = 0x01;
    rc = eas_wbxml_decode(pool, doc, p, &lim, &root, &off);
    is_int(rc, EAS_WBXML_OK, "%lu elements at the limit", (unsigned long)n);
    for (c = root ? root->child : NULL; c; c = c->next)
        count++;
    is_int(count, n - 1, "all children linked in order");
    rc = decode(doc, p, &root, &off);
    ok(rc == EAS_WBXML_E_NODES && off == 4 + EAS_WBXML_DEFAULT_NODES,
       "default node limit %d", EAS_WBXML_DEFAULT_NODES);
    free(doc);
}

/* Every proper prefix of a valid document must fail cleanly. */
static void test_decode_truncation(void)
{
    enc_t t = enc_new();
    unsigned char *doc, *copy;
    apr_size_t len, i, off;
    eas_node_t *root;
    int bad = 0, flips = 0;

    build_spec_example(t.e);
    eas_enc_opaque(t.e, EAS_AirSyncBase_Data, "\x01\x02\x03", 3, 1);
    doc = enc_done(&t, &len);
    for (i = 0; i < len; i++) {
        /* a heap copy of exactly i bytes, so ASan sees any overread */
        copy = malloc(i ? i : 1);
        memcpy(copy, doc, i);
        if (decode(copy, i, &root, &off) == EAS_WBXML_OK || root != NULL
            || off > i)
            bad++;
        free(copy);
    }
    is_int(bad, 0, "all %lu truncations fail with an offset inside",
           (unsigned long)len);

    /* every single-byte change decodes or fails, within bounds */
    copy = malloc(len);
    for (i = 0; i < len; i++) {
        static const unsigned char vals[] = { 0x00, 0x01, 0x03, 0x7F, 0x80,
                                              0xC3, 0xFF };
        size_t v;

        for (v = 0; v < sizeof vals; v++) {
            memcpy(copy, doc, len);
            copy[i] = vals[v];
            if (decode(copy, len, &root, &off) != EAS_WBXML_OK && off > len)
                bad++;
            flips++;
        }
    }
    free(copy);
    is_int(bad, 0, "%d corrupted documents handled", flips);
}

static void test_strerror(void)
{
    int i, bad = 0;

    for (i = 0; i < EAS_WBXML_E__COUNT; i++) {
        const char *s = eas_wbxml_strerror((eas_wbxml_err_t)i);
        int j;

        if (s == NULL || *s == '\0')
            bad++;
        for (j = 0; j < i; j++)
            if (strcmp(s, eas_wbxml_strerror((eas_wbxml_err_t)j)) == 0)
                bad++;
    }
    is_int(bad, 0, "every error has its own message");
    ok(eas_wbxml_strerror(EAS_WBXML_E__COUNT) != NULL
       && eas_wbxml_strerror((eas_wbxml_err_t)-1) != NULL,
       "out-of-range codes have a message");
}

/* ------------------------------------------------------------------ */
/* encoder                                                             */
/* ------------------------------------------------------------------ */

static void test_encode_spec_example(void)
{
    enc_t t = enc_new();
    unsigned char *b;
    apr_size_t len;

    build_spec_example(t.e);
    b = enc_done(&t, &len);
    is_mem(b, len, spec_example, sizeof spec_example,
           "encoder reproduces the MS-ASWBXML example byte for byte");
    is_int(eas_enc_bytes(t.e), sizeof spec_example, "eas_enc_bytes");
}

static void test_encode_basics(void)
{
    enc_t t;
    unsigned char *b;
    apr_size_t len;
    static const unsigned char empty_root[] = { HDR, 0x05 };
    static const unsigned char pend[] = { HDR, 0x45, 0x4F, 0x0B, 0x4B, 0x03,
                                          '7', 0x00, 0x01, 0x01, 0x01 };
    static const unsigned char pages[] = {
        HDR, 0x00, 0x0D, 0x45, 0x49, 0x4A, 0x0B, 0x00, 0x07, 0x48, 0x03,
        '5', 0x00, 0x01, 0x00, 0x0D, 0x4C, 0x03, 'E', 0x00, 0x01, 0x01,
        0x01, 0x01
    };
    static const unsigned char ints[] = {
        HDR, 0x45, 0x4B, 0x03, '0', 0x00, 0x01, 0x4B, 0x03, '-', '4', '2',
        0x00, 0x01, 0x4B, 0x03, '-', '9', '2', '2', '3', '3', '7', '2', '0',
        '3', '6', '8', '5', '4', '7', '7', '5', '8', '0', '8', 0x00, 0x01, 0x01
    };

    t = enc_new();
    ok(eas_enc_bytes(t.e) == 0 && enc_done(&t, &len) != NULL && len == 0,
       "no element: no output, no error");

    t = enc_new();
    eas_enc_empty(t.e, EAS_AirSync_Sync);
    b = enc_done(&t, &len);
    is_mem(b, len, empty_root, sizeof empty_root, "empty root: 05");

    t = enc_new();
    eas_enc_str(t.e, EAS_AirSync_Sync, NULL);
    b = enc_done(&t, &len);
    is_mem(b, len, empty_root, sizeof empty_root, "NULL string: empty element");

    /* <Sync><Collection><SyncKey/><SyncKey>7</SyncKey></Collection></Sync> */
    t = enc_new();
    eas_enc_start(t.e, EAS_AirSync_Sync);
    eas_enc_start(t.e, EAS_AirSync_Collection);
    eas_enc_start(t.e, EAS_AirSync_SyncKey);
    eas_enc_end(t.e);
    eas_enc_str(t.e, EAS_AirSync_SyncKey, "7");
    eas_enc_end(t.e);
    eas_enc_end(t.e);
    b = enc_done(&t, &len);
    is_mem(b, len, pend, sizeof pend, "start+end is an empty element");

    /* Ping > Folders > Folder > (FolderHierarchy ServerId) + Class */
    t = enc_new();
    eas_enc_start(t.e, EAS_Ping_Ping);
    eas_enc_start(t.e, EAS_Ping_Folders);
    eas_enc_start(t.e, EAS_Ping_Folder);
    eas_enc_start(t.e, EAS_Ping_Id);
    eas_enc_end(t.e);
    eas_enc_str(t.e, EAS_FolderHierarchy_ServerId, "5");
    eas_enc_str(t.e, EAS_Ping_Class, "E");
    b = enc_done(&t, &len);
    ok(EAS_Ping_Ping == EAS_TAG_ID(13, 5) && EAS_Ping_Folders == EAS_TAG_ID(13, 9)
       && EAS_Ping_Folder == EAS_TAG_ID(13, 0xA)
       && EAS_Ping_Id == EAS_TAG_ID(13, 0xB)
       && EAS_Ping_Class == EAS_TAG_ID(13, 0xC)
       && EAS_FolderHierarchy_ServerId == EAS_TAG_ID(7, 8),
       "Ping and FolderHierarchy tokens as in MS-ASWBXML");
    is_mem(b, len, pages, sizeof pages,
           "SWITCH_PAGE only when the page changes; finish closes all");

    t = enc_new();
    eas_enc_start(t.e, EAS_AirSync_Sync);
    eas_enc_int(t.e, EAS_AirSync_SyncKey, 0);
    eas_enc_int(t.e, EAS_AirSync_SyncKey, -42);
    eas_enc_int(t.e, EAS_AirSync_SyncKey, LLONG_MIN + 0 * 1);
    b = enc_done(&t, &len);
    is_mem(b, len, ints, sizeof ints, "integers, negative and LLONG_MIN");
}

static void test_encode_repairs_text(void)
{
    static const char bad[] = "a\0b\xC0\x80" "c\xE2\x82" "d\xED\xA0\x80";
    static const char want_text[] =
        "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD" "c\xEF\xBF\xBD"
        "\xEF\xBF\xBD" "d\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD";
    char longtext[300];
    enc_t t = enc_new();
    unsigned char *b;
    apr_size_t len, off;
    eas_node_t *root;

    memset(longtext, 'x', sizeof longtext);
    longtext[257] = (char)0xFF;
    memcpy(longtext + 280, "\xF0\x9F\x98\x80", 4);
    eas_enc_start(t.e, EAS_AirSync_Sync);
    eas_enc_str(t.e, EAS_AirSync_Class, "caf\xC3\xA9 \xF4\x8F\xBF\xBF");
    eas_enc_start(t.e, EAS_AirSync_SyncKey);
    eas_enc_text(t.e, bad, sizeof bad - 1);
    eas_enc_end(t.e);
    eas_enc_start(t.e, EAS_AirSync_ServerId);
    eas_enc_text(t.e, longtext, sizeof longtext);
    eas_enc_end(t.e);
    b = enc_done(&t, &len);
    ok(b && decode(b, len, &root, &off) == EAS_WBXML_OK,
       "text with NUL and bad UTF-8 still gives a valid document");
    if (!b || !root)
        return;
    is_str(eas_node_text(root, EAS_AirSync_Class),
           "caf\xC3\xA9 \xF4\x8F\xBF\xBF", "valid UTF-8 is kept as is");
    is_str(eas_node_text(root, EAS_AirSync_SyncKey), want_text,
           "each bad byte and NUL became U+FFFD");
    ok(eas_node_child(root, EAS_AirSync_ServerId)->len == 300 + 2
       && memcmp(eas_node_text(root, EAS_AirSync_ServerId) + 257,
                 "\xEF\xBF\xBD", 3) == 0
       && memcmp(eas_node_text(root, EAS_AirSync_ServerId) + 282,
                 "\xF0\x9F\x98\x80", 4) == 0,
       "a bad byte deep in a long ASCII run is found");
}

/* Long non-ASCII text crosses buffer ends inside multi-byte sequences. */
static void test_encode_long_utf8(void)
{
    static const char *const pieces[] = { "\xC3\xA9", "\xE2\x82\xAC",
                                          "\xF0\x9F\x98\x80", "abc", " " };
    apr_size_t n = 30000, i, len, off;
    char *text = malloc(n + 8);
    int shift, good = 0;

    for (shift = 0; shift < 4; shift++) {
        enc_t t = enc_new();
        unsigned char *b;
        eas_node_t *root;

        len = 0;
        memset(text, 'x', (apr_size_t)shift);
        len = (apr_size_t)shift;
        for (i = 0; len < n; i++) {
            const char *pc = pieces[(i * 7 + i / 3) % 5];

            memcpy(text + len, pc, strlen(pc));
            len += strlen(pc);
        }
        eas_enc_start(t.e, EAS_AirSyncBase_Data);
        eas_enc_text(t.e, text, len);
        b = enc_done(&t, &n);
        if (b && decode(b, n, &root, &off) == EAS_WBXML_OK
            && root->len == len && memcmp(root->value, text, len) == 0)
            good++;
        n = 30000;
    }
    is_int(good, 4, "30 KB of mixed UTF-8 at 4 alignments come back intact");
    free(text);
}

/* ------------------------------------------------------------------ */
/* UTF-8 check                                                         */
/* ------------------------------------------------------------------ */

/* The rules spelled out by code point, one sequence at a time. */
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

/*
 * Random strings built from the pieces where UTF-8 checks go wrong: every
 * boundary code point, each kind of bad sequence, NUL, and runs of ASCII
 * long enough to cross 16-byte blocks; every prefix of each string is
 * checked, so sequences are cut at every byte and block boundary.  The
 * 16-byte loop is checked on its own too: where the CPU has AVX2, the
 * span of long text does not reach it.
 */
static void test_utf8_span(void)
{
    static const char *const pieces[] = {
        "a", "hello world, ", "0123456789abcdef0123", "\r\n",
        "\xC2\x80", "\xDF\xBF", "\xC3\xA9", "\xE0\xA0\x80", "\xE2\x80\x93",
        "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF", "\xF0\x90\x80\x80",
        "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF",
        /* invalid */
        "\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80",
        "\xE0\x9F\xBF", "\xED\xA0\x80", "\xED\xBF\xBF", "\xF0\x80\x80\x80",
        "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF",
        "\xFE", "\xC3", "\xE2\x80", "\xF0\x9F\x98", "\xC3\xC3\xA9",
        "\xE2\x80\x93\x93",
    };
    enum { NPIECES = sizeof pieces / sizeof pieces[0], MAXLEN = 300 };
    unsigned char buf[MAXLEN + 64];
    uint32_t seed = 12345;
    unsigned long checks = 0, bad = 0, valid_long = 0;
    int round;

    for (round = 0; round < 20000; round++) {
        apr_size_t len = 0, cut, maxlen = 1 + (apr_size_t)round * 7 % MAXLEN;
        int nbad = round % 3;           /* a third of the strings valid */

        while (len < maxlen) {
            const char *pc;
            apr_size_t pl;

            seed = seed * 1103515245u + 12345u;
            pc = pieces[(seed >> 16) % 15];     /* the valid pieces */
            if (nbad > 0 && ((seed >> 8) & 63) == 0) {
                pc = (seed >> 20) % 8 == 0 ? "" : pieces[15 + (seed >> 12) % (NPIECES - 15)];
                nbad--;
                if (*pc == 0) {
                    buf[len++] = 0;     /* NUL */
                    continue;
                }
            }
            pl = strlen(pc);
            memcpy(buf + len, pc, pl);
            len += pl;
        }
        for (cut = 0; cut <= len; cut++) {
            apr_size_t want = ref_span(buf, cut);
            apr_size_t got = eas_utf8_span(buf, cut);
            apr_size_t got16 = eas_utf8_span16(buf, 0, cut);

            checks++;
            if ((got != want || got16 != want) && bad++ < 5)
                tap_diag("  round %d, length %lu: span %lu, 16-byte loop "
                         "%lu, expected %lu", round, (unsigned long)cut,
                         (unsigned long)got, (unsigned long)got16,
                         (unsigned long)want);
        }
        valid_long += ref_span(buf, len) == len;
    }
    is_int(bad, 0, "UTF-8 span = byte-wise reference in %lu checks", checks);
    ok(valid_long > 4000, "%lu strings valid to the end", valid_long);
    /* the exported form */
    is_int(eas_utf8_valid_prefix(NULL, 0), 0, "valid prefix of NULL: 0");
    is_int(eas_utf8_valid_prefix("caf\xC3\xA9 cr\xE8me", 11), 8,
           "valid prefix stops at a Latin-1 byte");
    is_int(eas_utf8_valid_prefix("ab\0cd", 5), 2, "and at NUL");
    is_int(eas_utf8_valid_prefix("\xE2\x80\x93\xE2\x80", 5), 3,
           "a sequence cut by the length is not part of it");
}

/* ------------------------------------------------------------------ */
/* stable text and flushing                                            */
/* ------------------------------------------------------------------ */

/* Whether a bucket of the brigade points into [p, p + len). */
static int brigade_refers_to(apr_bucket_brigade *bb, const void *p,
                             apr_size_t len)
{
    apr_bucket *b;

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t n;

        if (apr_bucket_read(b, &data, &n, APR_BLOCK_READ) == APR_SUCCESS
            && n > 0 && data >= (const char *)p
            && data < (const char *)p + len)
            return 1;
    }
    return 0;
}

/* Body-like text: ASCII words with an accented letter now and then. */
static char *make_text(apr_size_t len, unsigned seed)
{
    char *t = malloc(len + 1);
    apr_size_t i = 0;

    while (i < len) {
        seed = seed * 1103515245u + 12345u;
        if ((seed >> 16) % 9 == 0 && i + 2 <= len) {
            memcpy(t + i, "\xC3\xA9", 2);
            i += 2;
        } else {
            t[i++] = (char)('a' + (seed >> 16) % 26);
        }
    }
    t[len] = '\0';
    return t;
}

static void test_encode_stable_text(void)
{
    apr_size_t big = 100000, len, off;
    char *body = make_text(big, 1), *bad = make_text(big, 2);
    char *small = make_text(100, 3);
    enc_t t = enc_new();
    unsigned char *b;
    eas_node_t *root, *n;

    bad[50000] = (char)0xFF;
    eas_enc_start(t.e, EAS_AirSyncBase_Body);
    eas_enc_str_stable(t.e, EAS_AirSyncBase_Data, body);
    eas_enc_start(t.e, EAS_AirSyncBase_Data);
    eas_enc_text_stable(t.e, bad, big);
    eas_enc_end(t.e);
    eas_enc_str_stable(t.e, EAS_AirSyncBase_Preview, small);
    eas_enc_str_stable(t.e, EAS_AirSyncBase_Preview, NULL);
    eas_enc_start(t.e, EAS_AirSyncBase_Preview);
    eas_enc_text(t.e, NULL, 0);             /* empty text, no pointer */
    eas_enc_text_stable(t.e, NULL, 0);
    eas_enc_end(t.e);
    ok(eas_enc_finish(t.e) == APR_SUCCESS, "stable text encoded");
    ok(brigade_refers_to(t.bb, body, big + 1),
       "large valid stable text is referenced in place");
    ok(!brigade_refers_to(t.bb, bad, big + 1),
       "large stable text with a bad byte is copied");
    ok(!brigade_refers_to(t.bb, small, 101), "short stable text is copied");
    b = enc_done(&t, &len);
    is_int(len, eas_enc_bytes(t.e), "brigade length = eas_enc_bytes");
    ok(b && decode(b, len, &root, &off) == EAS_WBXML_OK, "it decodes");
    if (!b || !root)
        return;
    n = root->child;
    ok(n && n->len == big && memcmp(n->value, body, big) == 0,
       "the referenced body comes back");
    n = n ? n->next : NULL;
    ok(n && n->len == big + 2 && memcmp(n->value, bad, 50000) == 0
       && memcmp(n->value + 50000, "\xEF\xBF\xBD", 3) == 0
       && memcmp(n->value + 50003, bad + 50001, big - 50001) == 0,
       "the bad byte became U+FFFD, the rest is intact");
    n = n ? n->next : NULL;
    ok(n && n->len == 100 && strcmp(n->value, small) == 0, "short text");
    n = n ? n->next : NULL;
    ok(n && n->value == NULL, "NULL: empty element");
    n = n ? n->next : NULL;
    ok(n && n->len == 0 && n->value && n->next == NULL,
       "empty text given as NULL, 0: an element with empty text");
    free(body);
    free(bad);
    free(small);
}

typedef struct {
    apr_pool_t *pool;
    char *out;                  /* everything passed on so far */
    apr_size_t len, cap;
    int calls;
} sink_t;

/* Like passing the brigade down the chain: read, then destroy the buckets. */
static apr_status_t to_sink(apr_bucket_brigade *bb, void *ctx)
{
    sink_t *k = ctx;

    while (!APR_BRIGADE_EMPTY(bb)) {
        apr_bucket *b = APR_BRIGADE_FIRST(bb);
        const char *data;
        apr_size_t n;

        if (apr_bucket_read(b, &data, &n, APR_BLOCK_READ) != APR_SUCCESS)
            return APR_EGENERAL;
        if (k->len + n > k->cap) {
            k->cap = (k->len + n) * 2;
            k->out = realloc(k->out, k->cap);
        }
        memcpy(k->out + k->len, data, n);
        k->len += n;
        apr_bucket_delete(b);
    }
    k->calls++;
    return APR_SUCCESS;
}

/*
 * Copied text must not be referenced once the call returns, whatever the
 * flushing: each body lives in its own heap block, freed (and first
 * overwritten) right after it is encoded; ASan catches any later read.
 * Stable bodies stay until the brigade is drained.
 */
static void test_encode_flush_text(void)
{
    enum { NBODIES = 40 };
    sink_t k = { 0 };
    apr_bucket_brigade *bb = apr_brigade_create(pool, ba);
    eas_wbxml_enc_t *e = eas_wbxml_enc_create(pool, bb, to_sink, &k);
    char *stable[NBODIES];
    apr_size_t sizes[NBODIES], off;
    eas_node_t *root, *n;
    int i, good = 0;

    eas_enc_start(e, EAS_AirSync_Sync);
    for (i = 0; i < NBODIES; i++) {
        char *copied;

        sizes[i] = 500 + (apr_size_t)i * 997;
        copied = make_text(sizes[i], 100 + (unsigned)i);
        stable[i] = make_text(sizes[i], 100 + (unsigned)i);
        eas_enc_str(e, EAS_AirSync_ServerId, "5:1");
        if (i % 2) {
            eas_enc_str_stable(e, EAS_AirSyncBase_Data, stable[i]);
        } else {
            eas_enc_start(e, EAS_AirSyncBase_Data);
            eas_enc_text(e, copied, sizes[i]);
            eas_enc_end(e);
        }
        memset(copied, 'Z', sizes[i]);
        free(copied);
    }
    ok(eas_enc_finish(e) == APR_SUCCESS, "%d bodies encoded", NBODIES);
    ok(k.calls >= 5, "flushed %d times on the way", k.calls);
    to_sink(bb, &k);
    is_int(k.len, eas_enc_bytes(e), "flushed + rest = eas_enc_bytes");
    ok(decode((unsigned char *)k.out, k.len, &root, &off) == EAS_WBXML_OK,
       "the passed-on bytes decode");
    for (i = 0, n = root ? root->child : NULL; n && i < NBODIES; i++) {
        n = n->next;                        /* past ServerId */
        if (n && n->len == sizes[i] && memcmp(n->value, stable[i], sizes[i]) == 0)
            good++;
        n = n ? n->next : NULL;
    }
    is_int(good, NBODIES, "every body arrived intact");
    for (i = 0; i < NBODIES; i++)
        free(stable[i]);
    free(k.out);
}

/*
 * An encoder dropped without eas_enc_finish() must give its buffer back
 * when its pool goes.  The buffer comes from a bucket allocator with an
 * allocator of its own, which hands out the block freed last first: so the
 * block of a first, finished encoder is what a second one gets, and what a
 * plain allocation gets after the second one is dropped.
 */
static void test_encode_abandoned(void)
{
    apr_allocator_t *a;
    apr_bucket_alloc_t *own;
    apr_pool_t *p;
    apr_bucket_brigade *bb;
    eas_wbxml_enc_t *e;
    struct iovec vec[4];
    int nvec = 4;
    const void *first;
    void *again;
    const char *msg = NULL;
    apr_size_t len;
    static const char bad_xml[] =
        "<Sync xmlns=\"AirSync\"><SyncKey>1</SyncKey><Nope/></Sync>";

    apr_allocator_create(&a);
    own = apr_bucket_alloc_create_ex(a);

    apr_pool_create(&p, pool);
    bb = apr_brigade_create(p, own);
    e = eas_wbxml_enc_create(p, bb, NULL, NULL);
    eas_enc_empty(e, EAS_AirSync_Sync);
    eas_enc_finish(e);
    apr_brigade_to_iovec(bb, vec, &nvec);
    first = vec[0].iov_base;
    apr_pool_destroy(p);                    /* frees the brigade's buffer */

    apr_pool_create(&p, pool);
    bb = apr_brigade_create(p, own);
    e = eas_wbxml_enc_create(p, bb, NULL, NULL);
    eas_enc_start(e, EAS_AirSync_Sync);
    eas_enc_str(e, EAS_AirSync_SyncKey, "1");
    ok(nvec == 1 && eas_enc_bytes(e) > 0, "second encoder holds bytes");
    apr_pool_destroy(p);                    /* dropped without finish */

    again = apr_bucket_alloc(8000, own);
    ok(again == first, "dropped encoder gave its buffer back");
    apr_bucket_free(again);
    apr_bucket_alloc_destroy(own);
    apr_allocator_destroy(a);

    ok(eas_xml_to_wbxml(pool, bad_xml, sizeof bad_xml - 1, &len, &msg) == NULL
       && msg && strstr(msg, "Nope"), "XML failing half-way: %s",
       msg ? msg : "(null)");
}

static void test_encode_errors(void)
{
    enc_t t;
    apr_size_t len;
    int i;

    t = enc_new();
    eas_enc_start(t.e, EAS_TAG_ID(0, 0x11));
    is_int(eas_enc_finish(t.e), APR_EINVAL, "unknown tag");

    t = enc_new();
    eas_enc_start(t.e, EAS_TAG_ID(30, 0x05));
    is_int(eas_enc_finish(t.e), APR_EINVAL, "unknown page");

    t = enc_new();
    eas_enc_empty(t.e, EAS_AirSync_Sync);
    eas_enc_end(t.e);
    is_int(eas_enc_finish(t.e), APR_EINVAL, "end without start");

    t = enc_new();
    eas_enc_text(t.e, "x", 1);
    is_int(eas_enc_finish(t.e), APR_EINVAL, "text outside an element");

    t = enc_new();
    eas_enc_empty(t.e, EAS_AirSync_Sync);
    eas_enc_empty(t.e, EAS_AirSync_Sync);
    is_int(eas_enc_finish(t.e), APR_EINVAL, "a second root element");


    t = enc_new();
    for (i = 0; i < 65; i++)
        eas_enc_start(t.e, EAS_AirSync_Sync);
    is_int(eas_enc_finish(t.e), APR_EINVAL, "nesting beyond 64");

    t = enc_new();
    for (i = 0; i < 64; i++)
        eas_enc_start(t.e, EAS_AirSync_Sync);
    ok(enc_done(&t, &len) != NULL && len == 4 + 63 + 1 + 63,
       "nesting of 64 is fine");

    t = enc_new();
    eas_enc_start(t.e, EAS_TAG_ID(0, 0x11));
    eas_enc_start(t.e, EAS_AirSync_Sync);
    eas_enc_str(t.e, EAS_AirSync_SyncKey, "1");
    ok(eas_enc_finish(t.e) == APR_EINVAL && eas_enc_bytes(t.e) == 0,
       "calls after an error do nothing");
}

typedef struct {
    int calls;
    apr_size_t bytes;
    apr_size_t max_seen;
    apr_status_t ret;
} flush_t;

/* Acts like passing the brigade down the chain: consume and empty it. */
static apr_status_t on_flush(apr_bucket_brigade *bb, void *ctx)
{
    flush_t *f = ctx;
    apr_off_t len = 0;
    char *p;
    apr_size_t n;

    f->calls++;
    apr_brigade_length(bb, 1, &len);
    if ((apr_size_t)len > f->max_seen)
        f->max_seen = (apr_size_t)len;
    apr_brigade_pflatten(bb, &p, &n, pool);
    f->bytes += n;
    apr_brigade_cleanup(bb);
    return f->ret;
}

static void test_encode_large_opaque(void)
{
    apr_size_t big = 1024 * 1024, i, len, off;
    unsigned char *data = malloc(big), *b;
    enc_t t;
    struct iovec vec[64];
    int nbuckets = 0, found_ref = 0, found_copy = 0;
    eas_node_t *root;

    for (i = 0; i < big; i++)
        data[i] = (unsigned char)(i * 7 + (i >> 8));

    t = enc_new();
    eas_enc_start(t.e, EAS_ItemOperations_ItemOperations);
    eas_enc_opaque(t.e, EAS_ItemOperations_Data, data, big, 1);
    eas_enc_opaque(t.e, EAS_ItemOperations_Data, data, big, 0);
    eas_enc_str(t.e, EAS_ItemOperations_Status, "1");
    ok(eas_enc_finish(t.e) == APR_SUCCESS, "two 1 MB opaque values");
    nbuckets = (int)(sizeof vec / sizeof vec[0]);
    apr_brigade_to_iovec(t.bb, vec, &nbuckets);
    for (i = 0; i < (apr_size_t)nbuckets; i++) {
        const char *s = vec[i].iov_base;
        apr_size_t n = vec[i].iov_len;

        if (n == big && s == (const char *)data)
            found_ref = 1;
        if (n == big && s != (const char *)data && memcmp(s, data, big) == 0)
            found_copy = 1;
    }
    ok(nbuckets >= 4, "split across %d buckets", nbuckets);
    ok(found_ref, "stable data referenced in place");
    ok(found_copy, "unstable data copied into its own bucket");
    apr_brigade_pflatten(t.bb, (char **)&b, &len, pool);
    is_int(len, eas_enc_bytes(t.e), "brigade length = eas_enc_bytes");
    ok(decode(b, len, &root, &off) == EAS_WBXML_OK
       && root->child->len == big && root->child->next->len == big
       && memcmp(root->child->value, data, big) == 0
       && memcmp(root->child->next->value, data, big) == 0
       && strcmp(eas_node_text(root, EAS_ItemOperations_Status), "1") == 0,
       "decodes back to the same data");
    free(data);
}

static void test_encode_flush(void)
{
    flush_t f = { 0, 0, 0, APR_SUCCESS };
    apr_bucket_brigade *bb = apr_brigade_create(pool, ba);
    eas_wbxml_enc_t *e = eas_wbxml_enc_create(pool, bb, on_flush, &f);
    apr_off_t rest = 0;
    int i;
    static char big[5000];

    memset(big, 'x', sizeof big - 1);
    eas_enc_start(e, EAS_AirSync_Sync);
    for (i = 0; i < 20000; i++)
        eas_enc_str(e, EAS_AirSync_ServerId, "12345:67890");
    eas_enc_opaque(e, EAS_AirSyncBase_Data, big, 4999, 0);
    ok(eas_enc_finish(e) == APR_SUCCESS, "large response encoded");
    apr_brigade_length(bb, 1, &rest);
    ok(f.calls >= 3, "flush called %d times", f.calls);
    ok(f.max_seen >= 64 * 1024 && f.max_seen < 64 * 1024 + 8192,
       "each flush saw 64 KB plus at most a buffer (max %lu)",
       (unsigned long)f.max_seen);
    is_int((apr_off_t)f.bytes + rest, eas_enc_bytes(e),
           "flushed + remaining = eas_enc_bytes");

    f.calls = 0;
    f.ret = APR_ECONNABORTED;
    bb = apr_brigade_create(pool, ba);
    e = eas_wbxml_enc_create(pool, bb, on_flush, &f);
    eas_enc_start(e, EAS_AirSync_Sync);
    for (i = 0; i < 20000; i++)
        eas_enc_str(e, EAS_AirSync_ServerId, "12345:67890");
    ok(eas_enc_finish(e) == APR_ECONNABORTED && f.calls == 1,
       "a failing flush stops the encoder and is reported");
}

/* ------------------------------------------------------------------ */
/* XML                                                                 */
/* ------------------------------------------------------------------ */

static void test_xml_dump(void)
{
    eas_wbxml_err_t err;
    char *xml = eas_wbxml_to_xml(pool, spec_example, sizeof spec_example, 0,
                                 &err);
    enc_t t;
    unsigned char *b;
    apr_size_t len;

    is_str(xml, spec_example_xml, "spec example as XML, MS-ASWBXML namespaces");

    xml = eas_wbxml_to_xml(pool, spec_example, 10, 0, &err);
    ok(xml == NULL && err == EAS_WBXML_E_STRING, "decode error reported");

    t = enc_new();
    eas_enc_start(t.e, EAS_Settings_Settings);
    eas_enc_start(t.e, EAS_Settings_DeviceInformation);
    eas_enc_str(t.e, EAS_Settings_Password, "s3cret<&>");
    eas_enc_end(t.e);
    eas_enc_start(t.e, EAS_AirSyncBase_Body);
    eas_enc_str(t.e, EAS_AirSyncBase_Data, "Dear Bob, the secret plan");
    eas_enc_end(t.e);
    eas_enc_opaque(t.e, EAS_Email2_ConversationId, "\xff\x00\x01\x02", 4, 1);
    eas_enc_opaque(t.e, EAS_ComposeMail_Mime, "From: a", 7, 1);
    b = enc_done(&t, &len);

    xml = eas_wbxml_to_xml(pool, b, len, 0, &err);
    ok(xml && !strstr(xml, "s3cret") && strstr(xml, "*hidden*"),
       "secrets hidden");
    ok(xml && !strstr(xml, "Dear Bob") && strstr(xml, "[body: 25 bytes]")
       && strstr(xml, "[body: 7 bytes]") && !strstr(xml, "From: a"),
       "bodies shown as their length");
    ok(xml && strstr(xml, "<email2:ConversationId>/wABAg==</email2:"
                     "ConversationId>"), "opaque as base64");
    ok(xml && strstr(xml, "xmlns=\"Settings\"")
       && strstr(xml, "xmlns:airsyncbase=\"AirSyncBase\"")
       && strstr(xml, "xmlns:composemail=\"ComposeMail\""),
       "namespaces declared on the root");

    xml = eas_wbxml_to_xml(pool, b, len, EAS_XML_SHOW_SECRETS, &err);
    ok(xml && strstr(xml, "s3cret&lt;&amp;&gt;") && !strstr(xml, "Dear Bob"),
       "SHOW_SECRETS shows passwords, escaped, not bodies");
    xml = eas_wbxml_to_xml(pool, b, len, EAS_XML_SHOW_BODIES, &err);
    ok(xml && !strstr(xml, "s3cret") && strstr(xml, "Dear Bob")
       && strstr(xml, "RnJvbTogYQ=="), "SHOW_BODIES shows bodies, not secrets");
    xml = eas_wbxml_to_xml(pool, b, len, EAS_XML_PRETTY, &err);
    ok(xml && strstr(xml, "\n  <DeviceInformation>\n    <Password>"),
       "PRETTY indents");
    ok(eas_wbxml_tree_to_xml(pool, NULL, 0) == NULL, "NULL tree");

    {
        /* a hand-built tree may hold tags the table does not know */
        eas_node_t r, c;

        memset(&r, 0, sizeof r);
        memset(&c, 0, sizeof c);
        r.tag = EAS_TAG_ID(40, 0x05);
        r.child = r.last = &c;
        c.parent = &r;
        c.tag = EAS_TAG_ID(0, 0x11);
        c.value = "v\x01";
        c.len = 2;
        xml = eas_wbxml_tree_to_xml(pool, &r, 0);
        ok(xml && strstr(xml, "Unknown-0x2805") && strstr(xml, "Unknown-0x0011")
           && strstr(xml, ">v\xEF\xBF\xBD<"),
           "unknown tags rendered, control characters replaced");
    }
}

static void test_xml_to_wbxml(void)
{
    const char *msg = NULL;
    apr_size_t len;
    unsigned char *b;
    char *xml;
    eas_node_t *root;
    apr_size_t off;
    static const char pretty[] =
        "<?xml version=\"1.0\"?>\n<!-- comment -->\n"
        "<FolderSync xmlns=\"FolderHierarchy:\">\n  <SyncKey>  0 </SyncKey>\n"
        "  <ApplicationData xmlns=\"AirSync\"><![CDATA[a<b]]></ApplicationData>\n"
        "  <e:ConversationId xmlns:e=\"Email2\">\n  /wAB\n  Ag==\n"
        "  </e:ConversationId>\n</FolderSync>\n";

    b = eas_xml_to_wbxml(pool, spec_example_xml, strlen(spec_example_xml),
                         &len, &msg);
    is_mem(b, len, spec_example, sizeof spec_example,
           "spec example XML encodes to the spec bytes");

    b = eas_xml_to_wbxml(pool, pretty, strlen(pretty), &len, &msg);
    ok(b != NULL, "indented XML with comment, CDATA, colon namespace (%s)",
       msg ? msg : "ok");
    if (b && decode(b, len, &root, &off) == EAS_WBXML_OK) {
        is_str(eas_node_text(root, EAS_FolderHierarchy_SyncKey), "  0 ",
               "text kept verbatim, blanks between elements dropped");
        is_str(eas_node_text(root, EAS_AirSync_ApplicationData), "a<b",
               "CDATA text");
        ok(root->last->tag == EAS_Email2_ConversationId && root->last->opaque
           && root->last->len == 4
           && memcmp(root->last->value, "\xff\x00\x01\x02", 4) == 0,
           "opaque element read as base64");
        ok(root->child->value && !root->value, "no text at the root");
    } else {
        ok(0, "decodes");
    }

    b = eas_xml_to_wbxml(pool, "<Sync xmlns=\"AirSnc\"/>", 22, &len, &msg);
    ok(b == NULL && msg && strstr(msg, "AirSnc"),
       "unknown namespace named: %s", msg ? msg : "(null)");
    b = eas_xml_to_wbxml(pool, "<Sink xmlns=\"AirSync\"/>", 23, &len, &msg);
    ok(b == NULL && msg && strstr(msg, "Sink"),
       "unknown element named: %s", msg ? msg : "(null)");
    b = eas_xml_to_wbxml(pool, "<Sync/>", 7, &len, &msg);
    ok(b == NULL && msg && strstr(msg, "namespace"), "no namespace: %s",
       msg ? msg : "(null)");
    b = eas_xml_to_wbxml(pool, "<Sync xmlns=\"AirSync\" a=\"1\"/>", 29, &len,
                         &msg);
    ok(b == NULL && msg && strstr(msg, "attribute"), "attribute: %s",
       msg ? msg : "(null)");
    xml = "<ConversationId xmlns=\"Email2\">ab=c</ConversationId>";
    b = eas_xml_to_wbxml(pool, xml, strlen(xml), &len, &msg);
    ok(b == NULL && msg && strstr(msg, "base64"), "bad base64: %s",
       msg ? msg : "(null)");
    xml = "<ConversationId xmlns=\"Email2\">abc</ConversationId>";
    b = eas_xml_to_wbxml(pool, xml, strlen(xml), &len, &msg);
    ok(b == NULL, "base64 of wrong length");
    xml = "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><Sync xmlns=\"AirSync\">&a;</Sync>";
    b = eas_xml_to_wbxml(pool, xml, strlen(xml), &len, &msg);
    ok(b == NULL && msg && strstr(msg, "DTD"), "DTD rejected: %s",
       msg ? msg : "(null)");
    xml = "<Sync xmlns=\"AirSync\"><SyncKey>1</Sync>";
    b = eas_xml_to_wbxml(pool, xml, strlen(xml), &len, &msg);
    ok(b == NULL && msg && strstr(msg, "line 1"), "malformed XML: %s",
       msg ? msg : "(null)");
    xml = "<Sync xmlns=\"AirSync\"><Status>x</Status>&amp;<Status/></Sync>";
    b = eas_xml_to_wbxml(pool, xml, strlen(xml), &len, &msg);
    ok(b != NULL && decode(b, len, &root, &off) == EAS_WBXML_OK
       && root->value && strcmp(root->value, "&") == 0,
       "non-blank mixed text kept");
}

/* XML -> WBXML -> XML -> WBXML: the bytes and the XML are stable. */
static int roundtrip_xml(const char *xml, apr_size_t xlen, const char *name)
{
    const char *msg = NULL;
    apr_size_t len1, len2;
    unsigned char *b1, *b2;
    char *x1, *x2;
    eas_wbxml_err_t err;
    unsigned show = EAS_XML_SHOW_BODIES | EAS_XML_SHOW_SECRETS;

    b1 = eas_xml_to_wbxml(pool, xml, xlen, &len1, &msg);
    if (b1 == NULL) {
        tap_diag("%s: %s", name, msg);
        return 0;
    }
    x1 = eas_wbxml_to_xml(pool, b1, len1, show | EAS_XML_PRETTY, &err);
    b2 = x1 ? eas_xml_to_wbxml(pool, x1, strlen(x1), &len2, &msg) : NULL;
    x2 = b2 ? eas_wbxml_to_xml(pool, b2, len2, show | EAS_XML_PRETTY, &err)
            : NULL;
    if (!x2 || len1 != len2 || memcmp(b1, b2, len1) != 0
        || strcmp(x1, x2) != 0) {
        tap_diag("%s: round trip differs", name);
        return 0;
    }
    return 1;
}

/* Whether eas_xml_to_wbxml fails only for want of a code page. */
static int uses_unknown_page(const char *xml, apr_size_t len)
{
    const char *msg = NULL;
    apr_size_t n;

    return eas_xml_to_wbxml(pool, xml, len, &n, &msg) == NULL && msg
           && strncmp(msg, "unknown namespace", 17) == 0;
}

static void test_xml_roundtrip(void)
{
    ok(roundtrip_xml(spec_example_xml, strlen(spec_example_xml), "spec"),
       "spec example XML round trip");
#ifdef EAS_CORPUS_DIR
    {
        DIR *dir = opendir(EAS_CORPUS_DIR);
        struct dirent *de;
        int n = 0, good = 0;

        while (dir && (de = readdir(dir)) != NULL) {
            const char *nm = de->d_name;
            apr_size_t l = strlen(nm);
            char *path, *text;
            apr_file_t *f;
            apr_finfo_t fi;
            apr_size_t got;

            if (l < 5 || strcmp(nm + l - 4, ".xml") != 0)
                continue;
            path = apr_pstrcat(pool, EAS_CORPUS_DIR, "/", nm, NULL);
            if (apr_file_open(&f, path, APR_READ, 0, pool) != APR_SUCCESS
                || apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS)
                continue;
            got = (apr_size_t)fi.size;
            text = apr_palloc(pool, got + 1);
            apr_file_read_full(f, text, got, &got);
            apr_file_close(f);
            if (uses_unknown_page(text, got)) {
                tap_diag("skipped %s: a code page missing from the table",
                         nm);
                continue;
            }
            n++;
            good += roundtrip_xml(text, got, nm);
        }
        if (dir)
            closedir(dir);
        ok(n > 0 && good == n, "%d of %d corpus documents round-trip",
           good, n);
    }
#endif
}

/* An item's properties: two code pages, text and a large opaque. */
static void item_props(eas_wbxml_enc_t *e, const char *big, apr_size_t n)
{
    eas_enc_str(e, EAS_Contacts_FileAs, "Doe, Jane");
    eas_enc_start(e, EAS_AirSyncBase_Body);
    eas_enc_int(e, EAS_AirSyncBase_Type, 1);
    eas_enc_str(e, EAS_AirSyncBase_Data, "note");
    eas_enc_end(e);
    eas_enc_opaque(e, EAS_Contacts_Picture, big, n, 0);
    eas_enc_str(e, EAS_Contacts_LastName, "Doe");
}

/* Sync > Add > ServerId, ApplicationData (whose content props writes,
   straight or through a fragment), twice. */
static unsigned char *item_doc(int fragments, int drop_first, int empty,
                               apr_size_t *len)
{
    enum { BIG = 70000 };
    static char big[BIG];
    enc_t t = enc_new();
    int i;

    memset(big, 'p', sizeof(big));
    eas_enc_start(t.e, EAS_AirSync_Sync);
    for (i = 0; i < 2; i++) {
        eas_wbxml_enc_t *f = NULL;
        if (fragments) {
            f = eas_enc_fragment(ba, EAS_AirSync_ApplicationData, pool);
            if (!empty)
                item_props(f, big, sizeof(big));
            if (i == 0 && drop_first)
                continue;
        }
        eas_enc_start(t.e, EAS_AirSync_Add);
        eas_enc_str(t.e, EAS_AirSync_ServerId, i ? "d.a1:2" : "d.a1:1");
        eas_enc_start(t.e, EAS_AirSync_ApplicationData);
        if (f)
            eas_enc_splice(t.e, f);
        else if (!empty)
            item_props(t.e, big, sizeof(big));
        eas_enc_end(t.e);
        eas_enc_end(t.e);
    }
    return enc_done(&t, len);
}

static void test_encode_fragment(void)
{
    apr_size_t la, lb, whole;
    unsigned char *a, *b;
    eas_wbxml_enc_t *f;
    enc_t t;

    a = item_doc(0, 0, 0, &la);
    b = item_doc(1, 0, 0, &lb);
    ok(a && b, "both documents encode");
    is_mem(b, lb, a, la, "spliced fragments give the bytes of the same "
           "elements written in place (code pages switched alike)");
    whole = la;
    a = item_doc(0, 0, 1, &la);
    b = item_doc(1, 0, 1, &lb);
    is_mem(b, lb, a, la, "an empty fragment leaves an empty element");
    b = item_doc(1, 1, 0, &lb);
    ok(b && lb < whole / 2 + 100 && !memmem(b, lb, "d.a1:1", 6)
       && memmem(b, lb, "d.a1:2", 6), "a dropped fragment leaves nothing");

    t = enc_new();
    eas_enc_start(t.e, EAS_AirSync_ApplicationData);
    f = eas_enc_fragment(ba, EAS_AirSync_ApplicationData, pool);
    eas_enc_start(f, EAS_Contacts_FileAs);     /* left open */
    ok(eas_enc_splice(t.e, f) != APR_SUCCESS, "an unbalanced fragment is "
       "refused");
    ok(enc_done(&t, &la) == NULL, "and is the encoder's error");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    ba = apr_bucket_alloc_create(pool);
    xmlInitParser();

    test_tag_table();
    test_all_tags_roundtrip();
    test_decode_spec_example();
    test_decode_errors();
    test_decode_accepts();
    test_decode_text_pieces();
    test_decode_zero_copy();
    test_decode_limits();
    test_decode_many_nodes();
    test_decode_truncation();
    test_strerror();
    test_encode_spec_example();
    test_encode_basics();
    test_encode_repairs_text();
    test_encode_long_utf8();
    test_utf8_span();
    test_encode_stable_text();
    test_encode_flush_text();
    test_encode_abandoned();
    test_encode_errors();
    test_encode_large_opaque();
    test_encode_flush();
    test_encode_fragment();
    test_xml_dump();
    test_xml_to_wbxml();
    test_xml_roundtrip();

    xmlCleanupParser();
    apr_bucket_alloc_destroy(ba);
    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
