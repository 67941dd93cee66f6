/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tag table lookups, built from the X-macro in wbxml_tags.h.
 *
 * Name and flags are O(1) array look-ups indexed by page and token because
 * the XML dump calls them per element; "known" is the codec's bitmap
 * (wbxml_known.h).  Look-up by name is a linear scan of one page: it only
 * serves the XML parser and tests.
 */
#include <string.h>

#include "wbxml.h"
#include "wbxml_known.h"

#define NTOKENS 64

/* A token outside 0x05..0x3F in the table is a compile-time error. */
enum eas_tag_token_checks {
#define EAS_PAGE(num, ident, ns)
#define EAS_TAG(ident, token, name, flags) \
    eas_check_##ident##_##name = 1 / ((token) >= 0x05 && (token) <= 0x3F),
#include "wbxml_tags.h"
#undef EAS_PAGE
#undef EAS_TAG
    eas_check_end_
};

static const char *const page_ns[EAS_WBXML_NPAGES] = {
#define EAS_PAGE(num, ident, ns) [num] = ns,
#define EAS_TAG(ident, token, name, flags)
#include "wbxml_tags.h"
#undef EAS_PAGE
#undef EAS_TAG
};

static const char *const tag_names[EAS_WBXML_NPAGES][NTOKENS] = {
#define EAS_PAGE(num, ident, ns)
#define EAS_TAG(ident, token, name, flags) \
    [EAS_PAGENUM_##ident][token] = #name,
#include "wbxml_tags.h"
#undef EAS_PAGE
#undef EAS_TAG
};

static const unsigned char tag_flags[EAS_WBXML_NPAGES][NTOKENS] = {
#define EAS_PAGE(num, ident, ns)
#define EAS_TAG(ident, token, name, flags) \
    [EAS_PAGENUM_##ident][token] = (flags),
#include "wbxml_tags.h"
#undef EAS_PAGE
#undef EAS_TAG
};

/* Token bits above 0x3F would alias another tag, so they make it unknown. */
static int in_range(eas_tag_t tag)
{
    return EAS_TAG_PAGE(tag) < EAS_WBXML_NPAGES && (tag & 0xC0) == 0;
}

const char *eas_tag_name(eas_tag_t tag)
{
    return in_range(tag) ? tag_names[EAS_TAG_PAGE(tag)][EAS_TAG_TOKEN(tag)]
                         : NULL;
}

const char *eas_page_ns(unsigned page)
{
    return page < EAS_WBXML_NPAGES ? page_ns[page] : NULL;
}

unsigned eas_tag_flags(eas_tag_t tag)
{
    return in_range(tag)
        ? tag_flags[EAS_TAG_PAGE(tag)][EAS_TAG_TOKEN(tag)] : 0;
}

/* The bitmap the codec checks elements against; the unit tests compare it
   with the name and flag tables. */
int eas_tag_known(eas_tag_t tag)
{
    return eas_known(tag);
}

int eas_page_lookup(const char *ns)
{
    unsigned p;

    if (ns == NULL)
        return -1;
    for (p = 0; p < EAS_WBXML_NPAGES; p++)
        if (page_ns[p] != NULL && strcmp(page_ns[p], ns) == 0)
            return (int)p;
    return -1;
}

eas_tag_t eas_tag_lookup(const char *ns, const char *name)
{
    int page = eas_page_lookup(ns);
    unsigned t;

    if (page < 0 || name == NULL)
        return 0;
    for (t = 0x05; t < NTOKENS; t++) {
        const char *n = tag_names[page][t];
        if (n != NULL && strcmp(n, name) == 0)
            return EAS_TAG_ID((unsigned)page, t);
    }
    return 0;
}
