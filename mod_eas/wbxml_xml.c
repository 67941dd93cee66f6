/* SPDX-License-Identifier: Apache-2.0 */
/*
 * XML text form of ActiveSync WBXML, through libxml2: the debug dump of
 * requests and responses, and XML test documents turned into WBXML.
 *
 * Namespaces follow MS-ASWBXML: the root element's code page is the default
 * namespace; every other page used gets a prefix that is its namespace in
 * lower case, declared on the root (xmlns:airsyncbase="AirSyncBase").
 */
#include <ctype.h>
#include <string.h>

#include <apr_strings.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "wbxml.h"

#define SECRET_MARKER "*hidden*"

/* ------------------------------------------------------------------ */
/* base64 (strict decoding: only the alphabet, padding and whitespace) */
/* ------------------------------------------------------------------ */

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(apr_pool_t *pool, const unsigned char *s,
                        apr_size_t len)
{
    char *out = apr_palloc(pool, (len + 2) / 3 * 4 + 1);
    char *o = out;
    apr_size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        *o++ = b64chars[v >> 18];
        *o++ = b64chars[(v >> 12) & 63];
        *o++ = b64chars[(v >> 6) & 63];
        *o++ = b64chars[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)s[i] << 16
                     | (i + 1 < len ? (uint32_t)s[i + 1] << 8 : 0);
        *o++ = b64chars[v >> 18];
        *o++ = b64chars[(v >> 12) & 63];
        *o++ = i + 1 < len ? b64chars[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Returns the decoded length, or -1 if s is not base64. */
static long b64_decode(const char *s, unsigned char *out)
{
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    long n = 0;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int v;

        if (isspace(c))
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad || (v = b64_value(c)) < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    /* padded to whole quanta, and the unused bits of the last one zero */
    if (bits >= 6 || pad != bits / 2
        || (acc & ((1u << bits) - 1)) != 0)
        return -1;
    return n;
}

/* ------------------------------------------------------------------ */
/* Tree -> XML                                                         */
/* ------------------------------------------------------------------ */

typedef struct {
    apr_pool_t *pool;
    xmlDocPtr doc;
    xmlNsPtr ns[EAS_WBXML_NPAGES];
    unsigned flags;
} dump_t;

/* Pre-order walk without recursion: the tree may be deep. */
static const eas_node_t *walk_next(const eas_node_t *n, const eas_node_t *root)
{
    if (n->child)
        return n->child;
    while (n != root && n->next == NULL)
        n = n->parent;
    return n == root ? NULL : n->next;
}

static void declare_namespaces(dump_t *d, xmlNodePtr top,
                               const eas_node_t *root)
{
    const eas_node_t *n;
    unsigned root_page = EAS_TAG_PAGE(root->tag);

    if (eas_page_ns(root_page) != NULL)
        d->ns[root_page] = xmlNewNs(top, BAD_CAST eas_page_ns(root_page), NULL);
    for (n = root; n != NULL; n = walk_next(n, root)) {
        unsigned p = EAS_TAG_PAGE(n->tag);
        char prefix[64];
        const char *ns = eas_page_ns(p);
        apr_size_t i;

        if (ns == NULL || d->ns[p] != NULL)
            continue;
        for (i = 0; ns[i] && i < sizeof prefix - 1; i++)
            prefix[i] = (char)tolower((unsigned char)ns[i]);
        prefix[i] = '\0';
        d->ns[p] = xmlNewNs(top, BAD_CAST ns, BAD_CAST prefix);
    }
}

static int xml_forbidden(unsigned char c)
{
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/*
 * XML 1.0 cannot carry most control characters, even as references, so
 * the dump shows U+FFFD in their place and stays well-formed.
 */
static const char *xml_safe(apr_pool_t *pool, const char *s, apr_size_t *len)
{
    apr_size_t i, bad = 0, n = *len;
    char *out, *o;

    for (i = 0; i < n; i++)
        bad += xml_forbidden((unsigned char)s[i]);
    if (bad == 0)
        return s;
    o = out = apr_palloc(pool, n + 2 * bad + 1);
    for (i = 0; i < n; i++) {
        if (xml_forbidden((unsigned char)s[i])) {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    *len = (apr_size_t)(o - out);
    return out;
}

/* What an element's value looks like in the dump. */
static const char *shown_value(dump_t *d, const eas_node_t *n,
                               apr_size_t *len)
{
    unsigned f = eas_tag_flags(n->tag);

    if ((f & EAS_TF_SECRET) && !(d->flags & EAS_XML_SHOW_SECRETS)) {
        *len = sizeof SECRET_MARKER - 1;
        return SECRET_MARKER;
    }
    if ((f & EAS_TF_BODY) && !(d->flags & EAS_XML_SHOW_BODIES)) {
        char *s = apr_psprintf(d->pool, "[body: %lu bytes]",
                               (unsigned long)n->len);
        *len = strlen(s);
        return s;
    }
    if (n->opaque) {
        char *s = b64_encode(d->pool, (const unsigned char *)n->value, n->len);
        *len = strlen(s);
        return s;
    }
    *len = n->len;
    return xml_safe(d->pool, n->value, len);
}

static xmlNodePtr dump_node(dump_t *d, const eas_node_t *n)
{
    const char *name = eas_tag_name(n->tag);
    xmlNodePtr x;

    if (name == NULL)
        name = apr_psprintf(d->pool, "Unknown-0x%04X", (unsigned)n->tag);
    x = xmlNewDocNode(d->doc, NULL, BAD_CAST name, NULL);
    if (x == NULL)
        return NULL;
    if (EAS_TAG_PAGE(n->tag) < EAS_WBXML_NPAGES)
        xmlSetNs(x, d->ns[EAS_TAG_PAGE(n->tag)]);
    if (n->value != NULL) {
        apr_size_t len;
        const char *v = shown_value(d, n, &len);

        xmlNodeAddContentLen(x, BAD_CAST v, (int)len);
    }
    return x;
}

static int dump_tree(dump_t *d, const eas_node_t *root)
{
    const eas_node_t *n;
    xmlNodePtr top = dump_node(d, root), parent = top;

    if (top == NULL)
        return 0;
    xmlDocSetRootElement(d->doc, top);
    declare_namespaces(d, top, root);
    if (EAS_TAG_PAGE(root->tag) < EAS_WBXML_NPAGES)
        xmlSetNs(top, d->ns[EAS_TAG_PAGE(root->tag)]);

    /* walk_next order, keeping the XML parent in step with the tree */
    for (n = root->child; n != NULL; ) {
        xmlNodePtr x = dump_node(d, n);

        if (x == NULL || xmlAddChild(parent, x) == NULL)
            return 0;
        if (n->child) {
            parent = x;
            n = n->child;
            continue;
        }
        while (n != root && n->next == NULL) {
            n = n->parent;
            parent = parent->parent;
        }
        n = n == root ? NULL : n->next;
    }
    return 1;
}

char *eas_wbxml_tree_to_xml(apr_pool_t *pool, const eas_node_t *root,
                            unsigned flags)
{
    dump_t d;
    xmlChar *mem = NULL;
    int size = 0;
    char *out = NULL;

    if (root == NULL)
        return NULL;
    memset(&d, 0, sizeof d);
    d.pool = pool;
    d.flags = flags;
    if ((d.doc = xmlNewDoc(BAD_CAST "1.0")) == NULL)
        return NULL;
    if (dump_tree(&d, root)) {
        xmlDocDumpFormatMemoryEnc(d.doc, &mem, &size, "utf-8",
                                  (flags & EAS_XML_PRETTY) ? 1 : 0);
        if (mem != NULL)
            out = apr_pstrmemdup(pool, (const char *)mem, (apr_size_t)size);
    }
    xmlFree(mem);
    xmlFreeDoc(d.doc);
    return out;
}

char *eas_wbxml_to_xml(apr_pool_t *pool, const unsigned char *buf,
                       apr_size_t len, unsigned flags, eas_wbxml_err_t *err)
{
    eas_node_t *root;
    eas_wbxml_err_t rc = eas_wbxml_decode(pool, buf, len, NULL, &root, NULL);
    char *xml = NULL;

    if (rc == EAS_WBXML_OK && (xml = eas_wbxml_tree_to_xml(pool, root, flags))
                              == NULL)
        rc = EAS_WBXML_E_NOMEM;
    if (err)
        *err = rc;
    return xml;
}

/* ------------------------------------------------------------------ */
/* XML -> WBXML                                                        */
/* ------------------------------------------------------------------ */

typedef struct {
    apr_pool_t *pool;
    eas_wbxml_enc_t *enc;
    const char *errmsg;
} load_t;

static int is_blank(const xmlChar *s)
{
    for (; *s; s++)
        if (!isspace(*s))
            return 0;
    return 1;
}

/* Namespace URIs may carry the trailing colon seen in some examples. */
static eas_tag_t element_tag(load_t *l, xmlNodePtr x)
{
    const char *ns = x->ns && x->ns->href ? (const char *)x->ns->href : NULL;
    eas_tag_t tag;

    if (ns == NULL) {
        l->errmsg = apr_psprintf(l->pool, "element <%s> has no namespace",
                                 (const char *)x->name);
        return 0;
    }
    tag = eas_tag_lookup(ns, (const char *)x->name);
    if (tag == 0 && ns[0] && ns[strlen(ns) - 1] == ':') {
        char *trimmed = apr_pstrndup(l->pool, ns, strlen(ns) - 1);
        tag = eas_tag_lookup(trimmed, (const char *)x->name);
    }
    if (tag == 0)
        l->errmsg = apr_psprintf(l->pool,
                                 eas_page_lookup(ns) < 0
                                 ? "unknown namespace \"%s\" of <%s>"
                                 : "unknown element \"%s\":<%s>",
                                 ns, (const char *)x->name);
    return tag;
}

static int has_element_child(xmlNodePtr x)
{
    for (x = x->children; x; x = x->next)
        if (x->type == XML_ELEMENT_NODE)
            return 1;
    return 0;
}

static int load_opaque(load_t *l, xmlNodePtr x, eas_tag_t tag)
{
    xmlChar *text = xmlNodeGetContent(x);
    apr_size_t tlen = text ? strlen((const char *)text) : 0;
    unsigned char *bin = apr_palloc(l->pool, tlen / 4 * 3 + 3);
    long n = text ? b64_decode((const char *)text, bin) : 0;

    xmlFree(text);
    if (n < 0 || has_element_child(x)) {
        l->errmsg = apr_psprintf(l->pool, "<%s> is not valid base64",
                                 (const char *)x->name);
        return 0;
    }
    eas_enc_opaque(l->enc, tag, bin, (apr_size_t)n, 0);
    return 1;
}

/* Text goes out as it stands; blank text between elements is layout. */
static int load_text(load_t *l, xmlNodePtr c, int mixed)
{
    if (c->content == NULL || (mixed && is_blank(c->content)))
        return 1;
    if (!xmlCheckUTF8(c->content)) {
        l->errmsg = "text is not valid UTF-8";
        return 0;
    }
    eas_enc_text(l->enc, (const char *)c->content,
                 strlen((const char *)c->content));
    return 1;
}

static int load_element(load_t *l, xmlNodePtr x, unsigned depth);

static int load_children(load_t *l, xmlNodePtr x, unsigned depth)
{
    int mixed = has_element_child(x);
    xmlNodePtr c;

    for (c = x->children; c != NULL; c = c->next) {
        switch (c->type) {
        case XML_ELEMENT_NODE:
            if (!load_element(l, c, depth + 1))
                return 0;
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (!load_text(l, c, mixed))
                return 0;
            break;
        case XML_COMMENT_NODE:
        case XML_PI_NODE:
            break;
        default:
            l->errmsg = apr_psprintf(l->pool, "unsupported XML node in <%s>",
                                     (const char *)x->name);
            return 0;
        }
    }
    return 1;
}

/* Recursion is bounded: XML_PARSE_HUGE is off, so libxml2 caps nesting. */
static int load_element(load_t *l, xmlNodePtr x, unsigned depth)
{
    eas_tag_t tag = element_tag(l, x);

    if (tag == 0)
        return 0;
    if (x->properties != NULL) {
        l->errmsg = apr_psprintf(l->pool, "attribute on <%s>: ActiveSync "
                                 "has no attributes", (const char *)x->name);
        return 0;
    }
    if (depth > EAS_WBXML_DEFAULT_DEPTH) {
        l->errmsg = "elements nested too deeply";
        return 0;
    }
    if (eas_tag_flags(tag) & EAS_TF_OPAQUE)
        return load_opaque(l, x, tag);
    eas_enc_start(l->enc, tag);
    if (!load_children(l, x, depth))
        return 0;
    eas_enc_end(l->enc);
    return 1;
}

static const char *xml_error(apr_pool_t *pool)
{
    xmlErrorPtr e = xmlGetLastError();

    if (e == NULL || e->message == NULL)
        return "XML parse error";
    return apr_psprintf(pool, "XML parse error at line %d: %.*s", e->line,
                        (int)strcspn(e->message, "\n"), e->message);
}

unsigned char *eas_xml_to_wbxml(apr_pool_t *pool, const char *xml,
                                apr_size_t xml_len, apr_size_t *out_len,
                                const char **errmsg)
{
    load_t l;
    xmlDocPtr doc;
    apr_bucket_alloc_t *ba;
    apr_bucket_brigade *bb;
    char *out = NULL;
    apr_size_t len = 0;
    apr_status_t rv;
    int loaded;

    *errmsg = NULL;
    if (xml_len > INT32_MAX) {
        *errmsg = "XML document too large";
        return NULL;
    }
    xmlResetLastError();
    doc = xmlReadMemory(xml, (int)xml_len, NULL, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR
                        | XML_PARSE_NOWARNING);
    if (doc == NULL) {
        *errmsg = xml_error(pool);
        return NULL;
    }
    if (doc->intSubset != NULL || xmlDocGetRootElement(doc) == NULL) {
        *errmsg = doc->intSubset ? "DTDs are not allowed" : "no root element";
        xmlFreeDoc(doc);
        return NULL;
    }

    ba = apr_bucket_alloc_create(pool);
    bb = apr_brigade_create(pool, ba);
    memset(&l, 0, sizeof l);
    l.pool = pool;
    l.enc = eas_wbxml_enc_create(pool, bb, NULL, NULL);
    loaded = load_element(&l, xmlDocGetRootElement(doc), 1);
    rv = eas_enc_finish(l.enc);     /* even after an error: frees its buffer */
    if (loaded) {
        if (rv != APR_SUCCESS)
            l.errmsg = apr_psprintf(pool, "encoder error %d", rv);
        else if (apr_brigade_pflatten(bb, &out, &len, pool) != APR_SUCCESS)
            l.errmsg = "out of memory";
    }
    xmlFreeDoc(doc);
    apr_brigade_destroy(bb);
    apr_bucket_alloc_destroy(ba);
    if (l.errmsg) {
        *errmsg = l.errmsg;
        return NULL;
    }
    *out_len = len;
    return (unsigned char *)out;
}
