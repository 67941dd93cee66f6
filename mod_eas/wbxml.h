/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WBXML codec for the ActiveSync code pages (MS-ASWBXML).
 *
 * Usable without Apache: it needs only APR and APR-util (pools, buckets).
 * The decoder turns a request body into a compact tree allocated in a pool;
 * the encoder streams a response straight into a bucket brigade.
 */
#ifndef EAS_WBXML_H
#define EAS_WBXML_H

#include <apr_pools.h>
#include <apr_buckets.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* Tags                                                                */
/* ------------------------------------------------------------------ */

/* A tag id is (code page << 8) | token, token in 0x05..0x3F. */
typedef uint16_t eas_tag_t;

#define EAS_TAG_ID(page, token) ((eas_tag_t)(((page) << 8) | (token)))
#define EAS_TAG_PAGE(tag)  ((unsigned)((tag) >> 8))
#define EAS_TAG_TOKEN(tag) ((unsigned)((tag) & 0x3F))

#define EAS_WBXML_NPAGES 26     /* code pages 0..25 */

/* Per-tag flags, held in the tag table. */
#define EAS_TF_SECRET 0x01      /* never logged (passwords) */
#define EAS_TF_BODY   0x02      /* message or item content: logged only on request */
#define EAS_TF_OPAQUE 0x04      /* value is binary: OPAQUE on the wire, base64 in XML */

/* Code page numbers: EAS_PAGENUM_<Page>, e.g. EAS_PAGENUM_AirSync. */
enum eas_page_nums {
#define EAS_PAGE(num, ident, ns) EAS_PAGENUM_##ident = num,
#define EAS_TAG(ident, token, name, flags)
#include "wbxml_tags.h"
#undef EAS_PAGE
#undef EAS_TAG
    EAS_PAGENUM_NONE_ = -1
};

/* Named constants: EAS_<Page>_<Tag>, e.g. EAS_AirSync_SyncKey. */
enum eas_tag_names {
#define EAS_PAGE(num, ident, ns)
#define EAS_TAG(ident, token, name, flags) EAS_##ident##_##name = \
        EAS_TAG_ID(EAS_PAGENUM_##ident, token),
#include "wbxml_tags.h"
#undef EAS_PAGE
#undef EAS_TAG
    EAS_TAG_NONE_ = 0
};

/* Name of a tag ("SyncKey"), or NULL if the tag is unknown. */
const char *eas_tag_name(eas_tag_t tag);
/* Namespace of a code page ("AirSync"), or NULL if the page is unknown. */
const char *eas_page_ns(unsigned page);
/* Flags of a tag (EAS_TF_*), 0 for unknown tags. */
unsigned eas_tag_flags(eas_tag_t tag);
/* Whether the tag exists in the table. */
int eas_tag_known(eas_tag_t tag);
/* Look a tag up by namespace and name; returns 0 if unknown. */
eas_tag_t eas_tag_lookup(const char *ns, const char *name);
/* Look a code page up by namespace; returns -1 if unknown. */
int eas_page_lookup(const char *ns);

/* ------------------------------------------------------------------ */
/* Decoded tree                                                        */
/* ------------------------------------------------------------------ */

typedef struct eas_node eas_node_t;
struct eas_node {
    eas_tag_t tag;
    uint16_t opaque;            /* 1 if the value came as OPAQUE data */
    uint32_t len;               /* length of value in bytes */
    const char *value;          /* text or opaque data, NULL if none; text is
                                   NUL-terminated, opaque data need not be */
    eas_node_t *parent;
    eas_node_t *child;          /* first child */
    eas_node_t *last;           /* last child (for appending) */
    eas_node_t *next;           /* next sibling */
};

/* First child with the given tag, or NULL. */
eas_node_t *eas_node_child(const eas_node_t *n, eas_tag_t tag);
/* Next sibling after n with the given tag, or NULL. */
eas_node_t *eas_node_next(const eas_node_t *n, eas_tag_t tag);
/* Text of the first child with the given tag, or NULL. */
const char *eas_node_text(const eas_node_t *n, eas_tag_t tag);

/* ------------------------------------------------------------------ */
/* Decoder                                                             */
/* ------------------------------------------------------------------ */

typedef struct {
    unsigned max_depth;         /* deepest element nesting allowed */
    unsigned max_nodes;         /* most elements in one document */
} eas_wbxml_limits_t;

#define EAS_WBXML_DEFAULT_DEPTH 32
#define EAS_WBXML_DEFAULT_NODES 100000

typedef enum {
    EAS_WBXML_OK = 0,
    EAS_WBXML_E_EMPTY,          /* no input */
    EAS_WBXML_E_TRUNCATED,      /* input ended inside a construct */
    EAS_WBXML_E_VERSION,        /* unsupported WBXML version */
    EAS_WBXML_E_PUBLICID,       /* unexpected public identifier */
    EAS_WBXML_E_CHARSET,        /* charset other than UTF-8 */
    EAS_WBXML_E_MBUINT,         /* malformed or oversized mb_u_int32 */
    EAS_WBXML_E_STRTBL,         /* string table present or referenced */
    EAS_WBXML_E_PAGE,           /* unknown code page */
    EAS_WBXML_E_TAG,            /* unknown tag in the current page */
    EAS_WBXML_E_TOKEN,          /* token not allowed in ActiveSync WBXML */
    EAS_WBXML_E_ATTR,           /* attributes are not used by ActiveSync */
    EAS_WBXML_E_STRING,         /* inline string runs past the end */
    EAS_WBXML_E_OPAQUE,         /* opaque data runs past the end */
    EAS_WBXML_E_DEPTH,          /* nesting beyond the limit */
    EAS_WBXML_E_NODES,          /* more elements than the limit */
    EAS_WBXML_E_NOROOT,         /* no root element */
    EAS_WBXML_E_TRAILING,       /* data after the root element */
    EAS_WBXML_E_UNBALANCED,     /* END without an open element */
    EAS_WBXML_E_UTF8,           /* inline string is not valid UTF-8 */
    EAS_WBXML_E_NOMEM,
    EAS_WBXML_E__COUNT
} eas_wbxml_err_t;

/* A short English description of an error code. */
const char *eas_wbxml_strerror(eas_wbxml_err_t err);

/*
 * Decode buf[0..len) into a tree allocated in pool.  Opaque values and
 * inline strings point into buf (zero copy): buf must outlive the tree.
 * On error, *err_offset (if not NULL) is the byte offset where decoding
 * failed.  limits may be NULL for the defaults.
 */
eas_wbxml_err_t eas_wbxml_decode(apr_pool_t *pool, const unsigned char *buf,
                                 apr_size_t len,
                                 const eas_wbxml_limits_t *limits,
                                 eas_node_t **root, apr_size_t *err_offset);

/* ------------------------------------------------------------------ */
/* Encoder                                                             */
/* ------------------------------------------------------------------ */

typedef struct eas_wbxml_enc eas_wbxml_enc_t;

/*
 * Called when the brigade holds at least the flush threshold, so the
 * caller can pass it down the filter chain; return non-zero to abort.
 */
typedef apr_status_t (*eas_wbxml_flush_fn)(apr_bucket_brigade *bb, void *ctx);

/*
 * Create an encoder appending to bb; the WBXML header is written on the
 * first element.  flush may be NULL (everything stays in bb).
 */
eas_wbxml_enc_t *eas_wbxml_enc_create(apr_pool_t *pool, apr_bucket_brigade *bb,
                                      eas_wbxml_flush_fn flush, void *flush_ctx);

/* Open an element; whether it has content is decided by what follows. */
void eas_enc_start(eas_wbxml_enc_t *e, eas_tag_t tag);
/* Close the innermost open element. */
void eas_enc_end(eas_wbxml_enc_t *e);
/* <tag/> */
void eas_enc_empty(eas_wbxml_enc_t *e, eas_tag_t tag);
/* Text content of the current element (inline string).  NUL and bytes
   that are not valid UTF-8 are sent as U+FFFD.  The text is copied. */
void eas_enc_text(eas_wbxml_enc_t *e, const char *s, apr_size_t len);
/* <tag>s</tag> with s NUL-terminated; <tag/> if s is NULL. */
void eas_enc_str(eas_wbxml_enc_t *e, eas_tag_t tag, const char *s);
/*
 * The same for text that stays valid and unchanged as long as the brigade
 * holds it, that is until its buckets have been passed on and destroyed
 * (memory from the request pool qualifies; so does anything that outlives
 * the response).  Large valid text (2 KB and more) is then referenced in
 * place by a bucket of its own instead of copied: use these for message
 * bodies.  Text that is not valid UTF-8 is copied with U+FFFD as above,
 * so the promise only matters for what the encoder keeps a pointer to.
 */
void eas_enc_text_stable(eas_wbxml_enc_t *e, const char *s, apr_size_t len);
void eas_enc_str_stable(eas_wbxml_enc_t *e, eas_tag_t tag, const char *s);
/*
 * Length of the longest prefix of s[0..len) that is strict UTF-8 (RFC
 * 3629) without NUL: what the encoder sends unchanged.  The codec's own
 * vectorised check, for callers that must know before they encode.
 */
apr_size_t eas_utf8_valid_prefix(const char *s, apr_size_t len);
/* <tag>decimal</tag> */
void eas_enc_int(eas_wbxml_enc_t *e, eas_tag_t tag, long long v);
/*
 * <tag>OPAQUE</tag>.  Data is copied unless it lives at least as long as
 * the brigade (stable != 0), in which case it is referenced in place.
 */
void eas_enc_opaque(eas_wbxml_enc_t *e, eas_tag_t tag,
                    const void *data, apr_size_t len, int stable);
/* Opaque content of the current element, stored as in eas_enc_opaque. */
void eas_enc_opaque_data(eas_wbxml_enc_t *e, const void *data,
                         apr_size_t len, int stable);
/*
 * A fragment: the content of an element whose tag is in, encoded apart
 * (into buckets of list and memory of pool, never flushed) so that it can
 * be put into an encoder whole with eas_enc_splice(), or dropped, as when
 * a converter refuses an item halfway.  It takes the same calls as an encoder, starts inside in
 * (text and elements may come at once) and must end there, every element
 * it opened closed.
 */
eas_wbxml_enc_t *eas_enc_fragment(apr_bucket_alloc_t *list, eas_tag_t in,
                                  apr_pool_t *pool);
/*
 * Append fragment f as content of e's current element (an element whose
 * tag is in f's code page), or nothing if f is empty.  An error of f, or
 * an element of f left open, becomes e's error.
 */
apr_status_t eas_enc_splice(eas_wbxml_enc_t *e, eas_wbxml_enc_t *f);
/*
 * Close any open elements, append the buffered bytes to bb and report the
 * first error seen (APR_SUCCESS if none).
 */
apr_status_t eas_enc_finish(eas_wbxml_enc_t *e);
/* Bytes produced so far. */
apr_off_t eas_enc_bytes(const eas_wbxml_enc_t *e);

/* ------------------------------------------------------------------ */
/* XML text form (libxml2)                                             */
/* ------------------------------------------------------------------ */

/* What the XML dump may show. */
#define EAS_XML_SHOW_BODIES  0x01   /* show EAS_TF_BODY values */
#define EAS_XML_SHOW_SECRETS 0x02   /* show EAS_TF_SECRET values (tests only) */
#define EAS_XML_PRETTY       0x04   /* indent */

/*
 * Render a tree as an XML document (namespaces as in MS-ASWBXML, opaque
 * values base64).  Hidden values are replaced by a marker.  Returns a
 * NUL-terminated string in pool, or NULL on failure.
 */
char *eas_wbxml_tree_to_xml(apr_pool_t *pool, const eas_node_t *root,
                            unsigned flags);

/*
 * Decode WBXML and render it as XML in one step; on a decode error,
 * returns NULL and sets *err.
 */
char *eas_wbxml_to_xml(apr_pool_t *pool, const unsigned char *buf,
                       apr_size_t len, unsigned flags, eas_wbxml_err_t *err);

/*
 * Parse an XML document (libxml2) with ActiveSync namespaces and encode it
 * as WBXML into a buffer in pool.  Elements in EAS_TF_OPAQUE tags are read
 * as base64.  Returns NULL and sets *errmsg on failure.
 */
unsigned char *eas_xml_to_wbxml(apr_pool_t *pool, const char *xml,
                                apr_size_t xml_len, apr_size_t *out_len,
                                const char **errmsg);

#endif
