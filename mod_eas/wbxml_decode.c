/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict, bounded WBXML decoder for ActiveSync (MS-ASWBXML).
 *
 * ActiveSync uses only a subset of WBXML: tags (no attributes), code page
 * switches, inline strings and opaque data.  Everything else is rejected:
 * string tables and the tokens that refer to them (STR_T, LITERAL*),
 * extensions, processing instructions and ENTITY.  ENTITY is legal WBXML for
 * one character, but MS-ASWBXML lists entities among the unused features and
 * no client sends them, so accepting it would only widen the attack surface.
 *
 * Header: version 1.1 to 1.3 (EAS sends 0x03; the body tokens used here are
 * identical in all three), public id 0x01 (unknown), charset 106 (UTF-8) and
 * an empty string table.  WBXML 1.0 has no charset field and is rejected.
 *
 * The decoder is a loop, not a recursion, so nesting cannot exhaust the
 * stack.  Nodes come from the pool in chunks, and no allocation is sized by
 * a length field before that length has been checked against the input.
 */
#include <string.h>

#include "wbxml.h"
#include "wbxml_known.h"
#include "wbxml_utf8.h"

/* Global tokens (WBXML 1.3 section 7.1). */
enum {
    T_SWITCH_PAGE = 0x00, T_END = 0x01, T_ENTITY = 0x02, T_STR_I = 0x03,
    T_LITERAL = 0x04, T_EXT_I_0 = 0x40, T_EXT_I_2 = 0x42, T_PI = 0x43,
    T_LITERAL_C = 0x44, T_EXT_T_0 = 0x80, T_EXT_T_2 = 0x82, T_STR_T = 0x83,
    T_LITERAL_A = 0x84, T_EXT_0 = 0xC0, T_EXT_2 = 0xC2, T_OPAQUE = 0xC3,
    T_LITERAL_AC = 0xC4
};

#define TAG_ATTRS   0x80
#define TAG_CONTENT 0x40
#define EAS_PUBLIC_ID 0x01
#define CHARSET_UTF8  106

#define CHUNK_MIN 32
#define CHUNK_MAX 4096

static const char *const errstr[EAS_WBXML_E__COUNT] = {
    [EAS_WBXML_OK]           = "success",
    [EAS_WBXML_E_EMPTY]      = "empty input",
    [EAS_WBXML_E_TRUNCATED]  = "input ends inside a construct",
    [EAS_WBXML_E_VERSION]    = "unsupported WBXML version",
    [EAS_WBXML_E_PUBLICID]   = "unexpected public identifier",
    [EAS_WBXML_E_CHARSET]    = "charset is not UTF-8",
    [EAS_WBXML_E_MBUINT]     = "malformed multi-byte integer",
    [EAS_WBXML_E_STRTBL]     = "string table present or referenced",
    [EAS_WBXML_E_PAGE]       = "unknown code page",
    [EAS_WBXML_E_TAG]        = "unknown tag",
    [EAS_WBXML_E_TOKEN]      = "token not allowed in ActiveSync WBXML",
    [EAS_WBXML_E_ATTR]       = "attributes are not allowed",
    [EAS_WBXML_E_STRING]     = "unterminated inline string",
    [EAS_WBXML_E_OPAQUE]     = "opaque data runs past the end",
    [EAS_WBXML_E_DEPTH]      = "elements nested too deeply",
    [EAS_WBXML_E_NODES]      = "too many elements",
    [EAS_WBXML_E_NOROOT]     = "no root element",
    [EAS_WBXML_E_TRAILING]   = "data after the root element",
    [EAS_WBXML_E_UNBALANCED] = "END without an open element",
    [EAS_WBXML_E_UTF8]       = "inline string is not valid UTF-8",
    [EAS_WBXML_E_NOMEM]      = "out of memory",
};

const char *eas_wbxml_strerror(eas_wbxml_err_t err)
{
    if ((unsigned)err >= EAS_WBXML_E__COUNT)
        return "unknown error";
    return errstr[err];
}

/* ------------------------------------------------------------------ */
/* Tree navigation                                                     */
/* ------------------------------------------------------------------ */

eas_node_t *eas_node_child(const eas_node_t *n, eas_tag_t tag)
{
    eas_node_t *c;

    for (c = n ? n->child : NULL; c != NULL; c = c->next)
        if (c->tag == tag)
            return c;
    return NULL;
}

eas_node_t *eas_node_next(const eas_node_t *n, eas_tag_t tag)
{
    eas_node_t *c;

    for (c = n ? n->next : NULL; c != NULL; c = c->next)
        if (c->tag == tag)
            return c;
    return NULL;
}

const char *eas_node_text(const eas_node_t *n, eas_tag_t tag)
{
    eas_node_t *c = eas_node_child(n, tag);

    return c ? c->value : NULL;
}

/* ------------------------------------------------------------------ */
/* Decoder state                                                       */
/* ------------------------------------------------------------------ */

typedef struct {
    apr_pool_t *pool;
    const unsigned char *buf;
    const unsigned char *p;         /* next byte */
    const unsigned char *end;
    eas_node_t *free;               /* next unused node of the current chunk */
    unsigned nfree;
    unsigned nalloc;                /* nodes allocated so far */
    unsigned max_nodes;
    const unsigned char *err_at;    /* error offset if not the token start */
} dec_t;

/*
 * A new chunk of nodes, when the current one is used up.  Chunks grow
 * geometrically up to CHUNK_MAX, and never past max_nodes or the number
 * of bytes left (each element costs at least one input byte), so that
 * nodes in hand always stay within the limit.
 */
static eas_wbxml_err_t more_nodes(dec_t *d)
{
    apr_size_t left = (apr_size_t)(d->end - d->p) + 1;
    unsigned n = d->nalloc < CHUNK_MIN ? CHUNK_MIN : d->nalloc;

    if (d->nalloc >= d->max_nodes)
        return EAS_WBXML_E_NODES;
    if (n > CHUNK_MAX)
        n = CHUNK_MAX;
    if (n > d->max_nodes - d->nalloc)
        n = d->max_nodes - d->nalloc;
    if (n > left)
        n = (unsigned)left;
    d->free = apr_palloc(d->pool, n * sizeof(eas_node_t));
    if (d->free == NULL)
        return EAS_WBXML_E_NOMEM;
    d->nfree = n;
    d->nalloc += n;
    return EAS_WBXML_OK;
}

/* mb_u_int32: at most 5 bytes, value must fit in 32 bits. */
static eas_wbxml_err_t get_mbuint(dec_t *d, uint32_t *out)
{
    const unsigned char *start = d->p;
    uint64_t v = 0;
    int i;

    for (i = 0; i < 5; i++) {
        unsigned char c;

        if (d->p >= d->end)
            return EAS_WBXML_E_TRUNCATED;
        c = *d->p++;
        v = (v << 7) | (c & 0x7F);
        if (!(c & 0x80)) {
            if (v > UINT32_MAX)
                break;
            *out = (uint32_t)v;
            return EAS_WBXML_OK;
        }
    }
    d->err_at = start;
    return EAS_WBXML_E_MBUINT;
}

/*
 * A further piece of text for n.  The first piece is referenced in place;
 * a second one turns the value into a pool copy with spare room, whose
 * capacity sits just before the data, so that many small pieces cost
 * amortised linear time and at most a few times the input in memory.
 */
static eas_wbxml_err_t append_value(dec_t *d, eas_node_t *n,
                                    const unsigned char *s, uint32_t len,
                                    int opaque)
{
    apr_size_t need, cap;
    char *v;

    need = (apr_size_t)n->len + len + 1;
    if ((const unsigned char *)n->value >= d->buf
        && (const unsigned char *)n->value < d->end)
        cap = 0;                            /* still points into the input */
    else
        memcpy(&cap, n->value - sizeof(apr_size_t), sizeof cap);
    if (need > cap) {
        char *mem;

        cap = need * 2;
        mem = apr_palloc(d->pool, sizeof(apr_size_t) + cap);
        if (mem == NULL)
            return EAS_WBXML_E_NOMEM;
        memcpy(mem, &cap, sizeof cap);
        memcpy(mem + sizeof cap, n->value, n->len);
        n->value = mem + sizeof cap;
    }
    v = (char *)n->value;
    memcpy(v + n->len, s, len);
    n->len += len;
    v[n->len] = '\0';
    n->opaque = (uint16_t)(n->opaque | opaque);
    return EAS_WBXML_OK;
}

/* Text or opaque data for n: almost always its only piece. */
static inline eas_wbxml_err_t add_value(dec_t *d, eas_node_t *n,
                                        const unsigned char *s, uint32_t len,
                                        int opaque)
{
    if (n->value != NULL)
        return append_value(d, n, s, len, opaque);
    n->value = (const char *)s;
    n->len = len;
    n->opaque = (uint16_t)opaque;
    return EAS_WBXML_OK;
}

/* ------------------------------------------------------------------ */
/* Header                                                              */
/* ------------------------------------------------------------------ */

/* Reads one header field; *bad is the error if it does not equal want. */
static eas_wbxml_err_t header_field(dec_t *d, uint32_t want,
                                    eas_wbxml_err_t bad)
{
    const unsigned char *start = d->p;
    eas_wbxml_err_t rc;
    uint32_t v;

    if ((rc = get_mbuint(d, &v)) != EAS_WBXML_OK)
        return rc;
    if (v != want) {
        d->err_at = start;
        return bad;
    }
    return EAS_WBXML_OK;
}

static eas_wbxml_err_t parse_header(dec_t *d)
{
    eas_wbxml_err_t rc;

    d->err_at = d->p;
    if (d->p >= d->end)
        return EAS_WBXML_E_EMPTY;
    if (*d->p < 0x01 || *d->p > 0x03)
        return EAS_WBXML_E_VERSION;
    d->p++;
    if ((rc = header_field(d, EAS_PUBLIC_ID, EAS_WBXML_E_PUBLICID)) != 0
        || (rc = header_field(d, CHARSET_UTF8, EAS_WBXML_E_CHARSET)) != 0
        || (rc = header_field(d, 0, EAS_WBXML_E_STRTBL)) != 0)
        return rc;
    return EAS_WBXML_OK;
}

/* ------------------------------------------------------------------ */
/* Body                                                                */
/* ------------------------------------------------------------------ */

/* Error for a global token that ActiveSync does not use. */
static eas_wbxml_err_t unused_token(unsigned char t)
{
    switch (t) {
    case T_LITERAL: case T_LITERAL_C: case T_LITERAL_A: case T_LITERAL_AC:
    case T_STR_T:
        return EAS_WBXML_E_STRTBL;
    default:
        return EAS_WBXML_E_TOKEN;
    }
}

/*
 * One inline string at p (after STR_I): one pass finds the terminating NUL
 * and checks UTF-8 on the way.  A string that stops at a bad byte with no
 * NUL after it is reported as unterminated: that is what a truncated body
 * looks like.  Returns its length, or sets *rc.
 */
static inline apr_size_t str_i(dec_t *d, const unsigned char *p,
                               eas_wbxml_err_t *rc)
{
    apr_size_t left = (apr_size_t)(d->end - p);
    apr_size_t len = eas_utf8_span(p, left);

    if (len == left || (p[len] != 0 && !memchr(p + len, 0, left - len))
        || len > UINT32_MAX) {
        *rc = EAS_WBXML_E_STRING;
    } else if (p[len] != 0) {
        d->err_at = p + len;
        *rc = EAS_WBXML_E_UTF8;
    }
    return len;
}

/*
 * The body: a loop over tokens with the walk in local variables, since it
 * runs once per token.  Stops at the end of the root element, the end of
 * the input or the first error; *tok is the token being read then.
 */
static eas_wbxml_err_t parse_body(dec_t *d, unsigned max_depth,
                                  eas_node_t **root_out, int *closed,
                                  const unsigned char **tok)
{
    const unsigned char *p = d->p, *end = d->end;
    eas_node_t *root = NULL, *cur = NULL, *n;
    unsigned page = 0, depth = 0;
    eas_wbxml_err_t rc = EAS_WBXML_OK;
    apr_size_t len;
    uint32_t olen;

    *closed = 0;
    while (p < end) {
        unsigned t = *p;

        *tok = p++;
        if ((t & 0x3F) >= 0x05) {           /* a tag */
            if (t & TAG_ATTRS) {
                rc = EAS_WBXML_E_ATTR;
                break;
            }
            if (!((eas_known_bits[page] >> (t & 0x3F)) & 1)) {
                rc = EAS_WBXML_E_TAG;       /* page is always a known one */
                break;
            }
            if (depth >= max_depth) {
                rc = EAS_WBXML_E_DEPTH;
                break;
            }
            if (d->nfree == 0) {
                d->p = p;
                if ((rc = more_nodes(d)) != EAS_WBXML_OK)
                    break;
            }
            d->nfree--;
            n = d->free++;
            n->tag = EAS_TAG_ID(page, t & 0x3F);
            n->opaque = 0;
            n->len = 0;
            n->value = NULL;
            n->parent = cur;
            n->child = n->last = n->next = NULL;
            if (cur == NULL)
                root = n;
            else if (cur->last)
                cur->last = cur->last->next = n;
            else
                cur->last = cur->child = n;
            if (t & TAG_CONTENT) {
                cur = n;
                depth++;
            } else if (cur == NULL) {
                *closed = 1;                /* an empty root element */
                break;
            }
            continue;
        }
        switch (t) {
        case T_SWITCH_PAGE:
            if (p >= end)
                rc = EAS_WBXML_E_TRUNCATED;
            else if (*p >= EAS_WBXML_NPAGES)   /* all below are in the table */
                rc = EAS_WBXML_E_PAGE;
            else
                page = *p++;
            break;
        case T_END:
            if (cur == NULL) {
                rc = EAS_WBXML_E_UNBALANCED;
                break;
            }
            cur = cur->parent;
            depth--;
            *closed = cur == NULL;
            break;
        case T_STR_I:
            if (cur == NULL) {
                rc = EAS_WBXML_E_NOROOT;
                break;
            }
            len = str_i(d, p, &rc);
            if (rc == EAS_WBXML_OK) {
                rc = add_value(d, cur, p, (uint32_t)len, 0);
                p += len + 1;
            }
            break;
        case T_OPAQUE:
            if (cur == NULL) {
                rc = EAS_WBXML_E_NOROOT;
                break;
            }
            d->p = p;
            if ((rc = get_mbuint(d, &olen)) != EAS_WBXML_OK)
                break;
            p = d->p;
            if (olen > (apr_size_t)(end - p)) {
                rc = EAS_WBXML_E_OPAQUE;
                break;
            }
            rc = add_value(d, cur, p, olen, 1);
            p += olen;
            break;
        default:
            rc = unused_token((unsigned char)t);
        }
        if (rc != EAS_WBXML_OK || *closed)
            break;
    }
    d->p = p;
    *root_out = root;
    return rc;
}

/*
 * Error offsets: a truncated input fails at its end; a malformed field or
 * bad UTF-8 at its first byte; anything else at the offending token.
 */
eas_wbxml_err_t eas_wbxml_decode(apr_pool_t *pool, const unsigned char *buf,
                                 apr_size_t len,
                                 const eas_wbxml_limits_t *limits,
                                 eas_node_t **root, apr_size_t *err_offset)
{
    dec_t d;
    eas_node_t *tree = NULL;
    const unsigned char *tok;
    unsigned max_depth = limits ? limits->max_depth : EAS_WBXML_DEFAULT_DEPTH;
    int closed = 0;
    eas_wbxml_err_t rc;

    *root = NULL;
    memset(&d, 0, sizeof d);
    d.pool = pool;
    d.buf = d.p = buf;
    d.end = buf + (buf ? len : 0);
    d.max_nodes = limits ? limits->max_nodes : EAS_WBXML_DEFAULT_NODES;

    rc = parse_header(&d);
    tok = d.p;
    if (rc == EAS_WBXML_OK) {
        d.err_at = NULL;                /* set from here on only on errors */
        rc = parse_body(&d, max_depth, &tree, &closed, &tok);
    }
    if (rc == EAS_WBXML_OK) {
        tok = d.err_at = d.p;
        if (d.p < d.end)
            rc = EAS_WBXML_E_TRAILING;
        else if (!closed)
            rc = tree ? EAS_WBXML_E_TRUNCATED : EAS_WBXML_E_NOROOT;
    }
    if (rc != EAS_WBXML_OK) {
        if (err_offset) {
            const unsigned char *at = rc == EAS_WBXML_E_TRUNCATED ? d.end
                                      : d.err_at ? d.err_at : tok;
            *err_offset = (apr_size_t)(at - buf);
        }
        return rc;
    }
    *root = tree;
    return EAS_WBXML_OK;
}
