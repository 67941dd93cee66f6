/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which tags exist: one 64-bit word per code page, bit t for token t.
 * Internal to the codec.  The decoder and encoder check every element
 * against it, so each file that includes this gets its own copy of the
 * 208-byte table and an inline test instead of a call per element.
 */
#ifndef EAS_WBXML_KNOWN_H
#define EAS_WBXML_KNOWN_H

#include "wbxml.h"

/*
 * Built by the X-macro: each page opens an initializer and each of its
 * tags ORs in a bit.  The spare last slot lets every page start with a
 * comma.
 */
static const uint64_t eas_known_bits[EAS_WBXML_NPAGES + 1] = {
    [EAS_WBXML_NPAGES] = 0
#define EAS_PAGE(num, ident, ns) , [num] = 0
#define EAS_TAG(ident, token, name, flags) | (UINT64_C(1) << (token))
#include "wbxml_tags.h"
#undef EAS_PAGE
#undef EAS_TAG
};

/* Token bits above 0x3F would alias another tag, so they make it unknown. */
static inline int eas_known(eas_tag_t tag)
{
    return EAS_TAG_PAGE(tag) < EAS_WBXML_NPAGES && (tag & 0xC0) == 0
           && ((eas_known_bits[EAS_TAG_PAGE(tag)] >> EAS_TAG_TOKEN(tag)) & 1);
}

#endif
