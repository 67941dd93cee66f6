/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vCard 3.0 (RFC 2426) and 4.0 (RFC 6350): a small strict parser and a
 * writer that gives back what it did not change byte for byte.
 *
 * The model keeps every property in order with its group, name,
 * parameters and value as written (escapes included): a property nobody
 * touched is written back exactly as it was read, only folded anew.  What
 * real producers write is accepted: vCard 2.1's QUOTED-PRINTABLE and
 * CHARSET= (decoded to UTF-8 at parse time, the two parameters dropped),
 * bare LF line ends, Apple's "item1." groups, lower-case names, TYPE lists
 * in one or several parameters, RFC 6868 caret escapes, quoted parameter
 * values.  Refused with APR_EINVAL and a short reason: no BEGIN or END,
 * nested or several vCards, a line without a colon, invalid UTF-8 after
 * charset handling, input beyond the limits below.
 *
 * Apache-free: APR only.  All memory comes from the pool passed in.
 */
#ifndef EAS_VCARD_H
#define EAS_VCARD_H

#include <apr_pools.h>
#include <apr_tables.h>

#define VCARD_MAX_SIZE  (16 * 1024 * 1024)  /* bytes of one vCard */
#define VCARD_MAX_LINE  (8 * 1024 * 1024)   /* bytes of one unfolded line */
#define VCARD_MAX_PROPS 5000                /* properties in one vCard */
#define VCARD_FOLD      75                  /* octets per written line */

typedef struct {
    const char *name;           /* as written; NULL for a vCard 2.1 bare
                                   value such as ";WORK" (a TYPE) */
    const char *raw;            /* "NAME=value" exactly as written */
    apr_array_header_t *values; /* const char *: unquoted, caret-decoded,
                                   split on commas outside quotes */
} vcard_param_t;

typedef struct {
    const char *group;          /* "item1" or NULL */
    const char *name;           /* as written ("tel", "TEL") */
    apr_array_header_t *params; /* vcard_param_t */
    const char *value;          /* as written: escapes kept */
    const char *line;           /* the unfolded line as read; NULL once
                                   the property changed (rebuilt on write) */
} vcard_prop_t;

typedef struct {
    const char *version;        /* "2.1", "3.0", "4.0" as the VERSION line
                                   says; "3.0" when there was none */
    apr_array_header_t *props;  /* vcard_prop_t *, in order, VERSION
                                   included, BEGIN and END not */
    apr_pool_t *pool;
} vcard_t;

/* ---- parse and write ---- */

/* Parse one vCard; APR_EINVAL with *err on malformed input. */
apr_status_t vcard_parse(const char *data, apr_size_t len, vcard_t **out,
                         const char **err, apr_pool_t *p);
/* The vCard as text: CRLF line ends, folded at VCARD_FOLD octets on UTF-8
   boundaries; a VERSION line is written after BEGIN if the model has
   none. */
char *vcard_write(const vcard_t *vc, apr_size_t *len, apr_pool_t *p);
/* An empty vCard of the given version ("3.0" or "4.0") with its VERSION. */
vcard_t *vcard_new(const char *version, apr_pool_t *p);
/* Whether the vCard is 4.0. */
int vcard_is_v4(const vcard_t *vc);

/* ---- properties ---- */

/* Whether the property's name is name (case-insensitive). */
int vcard_is(const vcard_prop_t *pr, const char *name);
/* Index of the first property named name at or after from, or -1. */
int vcard_find(const vcard_t *vc, const char *name, int from);
/* The property at index i. */
vcard_prop_t *vcard_at(const vcard_t *vc, int i);
/* A new property (value already escaped) inserted at index at (-1: the
   end); returns it. */
vcard_prop_t *vcard_insert(vcard_t *vc, int at, const char *group,
                           const char *name, const char *value);
/* Remove the property at index i. */
void vcard_remove(vcard_t *vc, int i);
/* A group name not yet used ("itemN"). */
const char *vcard_new_group(const vcard_t *vc, apr_pool_t *p);

/* ---- parameters ---- */

/* The first parameter named name, or NULL. */
const vcard_param_t *vcard_param(const vcard_prop_t *pr, const char *name);
/* Whether TYPE (or a 2.1 bare value) lists t, case-insensitive; "pref"
   also matches a PREF parameter (4.0). */
int vcard_has_type(const vcard_prop_t *pr, const char *t);
/* Add a parameter (raw "NAME=value", already escaped). */
void vcard_add_param(vcard_prop_t *pr, const char *raw, apr_pool_t *p);
/* Remove every parameter named name. */
void vcard_del_param(vcard_prop_t *pr, const char *name);

/* ---- values ---- */

/* The value unescaped as text (\n \N \, \; \\). */
char *vcard_text(const vcard_prop_t *pr, apr_pool_t *p);
/* Component i of a structured value (N, ADR, ORG), unescaped; its list
   items (split on unescaped commas) joined with sep.  "" when absent. */
char *vcard_component(const vcard_prop_t *pr, int i, const char *sep,
                      apr_pool_t *p);
/* The value split on unescaped sep (';' or ','), pieces still escaped. */
apr_array_header_t *vcard_split(const char *value, char sep, apr_pool_t *p);
/* Every item of a comma-separated list value (CATEGORIES), unescaped. */
apr_array_header_t *vcard_list(const vcard_prop_t *pr, apr_pool_t *p);
/* Escape text for a value or a component: \\ \n \, \; (3.0 escapes ';'
   in all text, 4.0 parsers accept it). */
char *vcard_escape(const char *s, apr_pool_t *p);
/* Set a new value, already escaped. */
void vcard_set_value(vcard_prop_t *pr, const char *value, apr_pool_t *p);

/* Decode base64, skipping white space; NULL if it is not base64. */
char *vcard_base64_decode(const char *s, apr_size_t *len, apr_pool_t *p);

#endif
