/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GlobalObjId (MS-ASEMAIL 2.2.2.37): the meeting's identity in a meeting
 * request mail, as Outlook's PidLidGlobalObjectId (MS-OXOCAL 2.2.1.27):
 * a 16-byte class id, the instance date (YH YL M D, zero for the whole
 * meeting), a creation time (FILETIME), 8 reserved bytes, the size of
 * the data and the data.  Outlook writes its UIDs as the hex form of that
 * structure; any other UID travels as the data "vCal-Uid", version 1 and
 * the UID with its NUL.  MeetingResponse reads the UID back.
 */
#include "pim_meeting.h"

#include <apr_base64.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <string.h>
#include <strings.h>

#define HEAD_LEN 40             /* class id .. size */
#define MAX_GOID 4096           /* bytes we decode at most */

static const unsigned char class_id[16] = {
    0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xE0, 0x00,
    0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82, 0xE0, 0x08
};
static const char vcal[12] = "vCal-Uid\x01\x00\x00\x00";

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = apr_tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* An Outlook UID as its bytes (*len of them), or NULL. */
static unsigned char *outlook_bytes(const char *uid, apr_size_t *len,
                                    apr_pool_t *p)
{
    apr_size_t n = strlen(uid), i;
    unsigned char *b;

    if (n < 2 * HEAD_LEN || n % 2 || n > 2 * MAX_GOID)
        return NULL;
    b = apr_palloc(p, n / 2);
    for (i = 0; i < n / 2; i++) {
        int hi = hexval(uid[2 * i]), lo = hexval(uid[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return NULL;
        b[i] = (unsigned char)(hi << 4 | lo);
    }
    if (memcmp(b, class_id, sizeof class_id) != 0)
        return NULL;
    *len = n / 2;
    return b;
}

static void put_le32(unsigned char *b, apr_size_t v)
{
    b[0] = (unsigned char)(v & 0xff);
    b[1] = (unsigned char)(v >> 8 & 0xff);
    b[2] = (unsigned char)(v >> 16 & 0xff);
    b[3] = (unsigned char)(v >> 24 & 0xff);
}

static const char *b64(const unsigned char *b, apr_size_t len, apr_pool_t *p)
{
    char *out = apr_palloc(p, apr_base64_encode_len((int)len));

    apr_base64_encode_binary(out, b, (int)len);
    return out;
}

const char *eas_goid_from_uid(const char *uid, apr_pool_t *p)
{
    apr_size_t len, ulen, dlen;
    unsigned char *b;

    if (!uid)
        return NULL;
    if ((b = outlook_bytes(uid, &len, p)))
        return b64(b, len, p);
    ulen = strlen(uid);
    if (ulen > MAX_GOID)
        return NULL;
    dlen = sizeof vcal + ulen + 1;
    b = apr_pcalloc(p, HEAD_LEN + dlen);
    memcpy(b, class_id, sizeof class_id);
    put_le32(b + 36, dlen);
    memcpy(b + HEAD_LEN, vcal, sizeof vcal);
    memcpy(b + HEAD_LEN + sizeof vcal, uid, ulen);
    return b64(b, HEAD_LEN + dlen, p);
}

static const char *hex_of(const unsigned char *b, apr_size_t len,
                          apr_pool_t *p)
{
    static const char digits[] = "0123456789ABCDEF";
    char *s = apr_palloc(p, 2 * len + 1);
    apr_size_t i;

    for (i = 0; i < len; i++) {
        s[2 * i] = digits[b[i] >> 4];
        s[2 * i + 1] = digits[b[i] & 15];
    }
    s[2 * len] = '\0';
    return s;
}

/* The vCal-Uid data's UID (to its NUL), or NULL when it is not such. */
static const char *vcal_uid(const unsigned char *d, apr_size_t n,
                            apr_pool_t *p)
{
    const unsigned char *end;

    if (n <= sizeof vcal || memcmp(d, vcal, sizeof vcal) != 0)
        return NULL;
    d += sizeof vcal;
    n -= sizeof vcal;
    end = memchr(d, '\0', n);
    if (end)
        n = (apr_size_t)(end - d);
    return n ? apr_pstrmemdup(p, (const char *)d, n) : NULL;
}

const char *eas_goid_to_uid(const char *s, apr_size_t len, apr_pool_t *p)
{
    unsigned char *b;
    char *in;
    apr_size_t n, dlen;
    const char *uid;

    if (!s || !len || len > 4 * MAX_GOID / 3 + 4)
        return NULL;
    in = apr_pstrmemdup(p, s, len);
    b = apr_palloc(p, apr_base64_decode_len(in) + 1);
    n = (apr_size_t)apr_base64_decode_binary(b, in);
    if (n < HEAD_LEN || memcmp(b, class_id, sizeof class_id) != 0)
        return NULL;
    dlen = (apr_size_t)b[36] | (apr_size_t)b[37] << 8
           | (apr_size_t)b[38] << 16 | (apr_size_t)b[39] << 24;
    if (dlen > n - HEAD_LEN)
        return NULL;
    if ((uid = vcal_uid(b + HEAD_LEN, dlen, p)))
        return uid;
    /* Outlook's own: the whole structure for the meeting as a whole */
    memset(b + 16, 0, 4);
    return hex_of(b, HEAD_LEN + dlen, p);
}

int eas_meeting_same_uid(const char *a, const char *b)
{
    apr_size_t la, lb;

    if (!a || !b)
        return 0;
    if (strcmp(a, b) == 0)
        return 1;
    la = strlen(a);
    lb = strlen(b);
    /* Outlook's hex ids compare without case or instance date */
    return la == lb && la >= 2 * HEAD_LEN
           && strncasecmp(a, b, 32) == 0 && strcasecmp(a + 40, b + 40) == 0;
}
