/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared internals of the email converter: the parsed message summary and
 * helpers for text, HTML and GMime streams.  Not for command code.
 */
#ifndef EAS_EMAIL_INTERNAL_H
#define EAS_EMAIL_INTERNAL_H

#include <gmime/gmime.h>

#include "email.h"

/* Deepest MIME nesting we look into; deeper parts are ignored. */
#define EAS_MAIL_MAX_DEPTH 32

/* S/MIME kind of a message. */
#define EAS_SMIME_NONE   0
#define EAS_SMIME_SIGNED 1      /* multipart/signed, pkcs7-signature */
#define EAS_SMIME_OPAQUE 2      /* application/pkcs7-mime (signed or
                                   encrypted as one blob) */

/* A part the phone sees as an attachment. */
typedef struct {
    GMimeObject *obj;           /* GMimePart or GMimeMessagePart */
    const char *path;           /* position in the tree: "2", "1.2" */
    const char *name;           /* UTF-8 file name, never NULL */
    const char *content_type;   /* "image/png" */
    const char *content_id;     /* without the angle brackets, or NULL */
    const char *content_location;
    int is_inline;              /* shown in the body (has a Content-ID) */
    apr_off_t size;             /* estimated decoded size */
} eas_mail_att_t;

/* A message parsed once, with its body parts and attachments sorted out. */
typedef struct {
    apr_pool_t *pool;
    const eas_blob_t *raw;
    GMimeMessage *msg;          /* released with the pool */
    apr_array_header_t *plain;  /* GMimePart *: text/plain body parts */
    apr_array_header_t *html;   /* GMimePart *: text/html body parts */
    apr_array_header_t *atts;   /* eas_mail_att_t */
    GMimePart *calendar;        /* inline text/calendar, or NULL */
    int smime;                  /* EAS_SMIME_* */
} eas_mail_t;

/* A piece of text in pool memory (not necessarily NUL-terminated). */
typedef struct {
    const char *data;
    apr_size_t len;
} eas_text_t;

/* ---- email_stream.c ---- */
/* A read-only, seekable GMime stream over caller memory (no copy). */
GMimeStream *eas_stream_buf_new(const char *data, apr_size_t len);
/* Parser options shared by every parse (read-only after init). */
GMimeParserOptions *eas_mail_parser_options(void);
/* Drop a GObject reference when the pool goes. */
void eas_mail_unref_on(apr_pool_t *p, gpointer obj);
/* Hand a GByteArray's data to the pool: it is freed with the pool. */
eas_text_t eas_mail_take_bytes(apr_pool_t *p, GByteArray *arr);

/* ---- email_parse.c ---- */
/* Parse raw (never fails: broken input gives what could be read). */
eas_mail_t *eas_mail_parse(const eas_blob_t *raw, apr_pool_t *p);
/* Parse without sorting parts; never NULL, released with the pool. */
GMimeMessage *eas_mail_parse_message(const eas_blob_t *raw, apr_pool_t *p);
/* Parse, or NULL if GMime finds no message; the caller owns the result.
   Every leaf part has content (empty where the message has none). */
GMimeMessage *eas_mail_try_parse(const eas_blob_t *raw);
/* Sort a parsed message's parts (raw: its bytes, for the MIME body). */
eas_mail_t *eas_mail_sort(GMimeMessage *msg, const eas_blob_t *raw,
                          apr_pool_t *p);
/* Describe a leaf part as an attachment (name, type, ids, size). */
void eas_mail_describe(eas_mail_att_t *a, GMimeObject *obj, const char *path,
                       apr_pool_t *p);
/* The leaf at an IMAP-style path, or NULL. */
GMimeObject *eas_mail_find_part(GMimeMessage *msg, const char *path);
/* Decoded content of a leaf (a part's bytes, an attached message whole). */
eas_text_t eas_mail_part_bytes(GMimeObject *obj, apr_pool_t *p);
/* Decoded text of a text part, converted to UTF-8. */
eas_text_t eas_mail_part_text(GMimePart *part, apr_pool_t *p);

/* ---- email_body.c ---- */
/* The whole body as plain text / HTML, UTF-8; empty if there is none. */
eas_text_t eas_mail_plain(eas_mail_t *m);
eas_text_t eas_mail_html(eas_mail_t *m);
/* The message as MIME, valid UTF-8 where re-encoding can make it so. */
eas_text_t eas_mail_mime(eas_mail_t *m);
/* EAS_BODY_HTML when the message has an HTML body, else EAS_BODY_PLAIN. */
int eas_mail_native_type(const eas_mail_t *m);
/* Longest prefix of s[0..len) of at most max bytes ending on a UTF-8
   character boundary. */
apr_size_t eas_utf8_cut(const char *s, apr_size_t len, apr_size_t max);
/* Whether s[0..len) is UTF-8 (NUL bytes allowed). */
int eas_utf8_valid(const char *s, apr_size_t len);
/* A one-line preview of at most chars characters. */
eas_text_t eas_text_preview(eas_text_t t, int chars, apr_pool_t *p);

/* ---- email_html.c ---- */
/* Readable plain text from HTML (UTF-8 in, UTF-8 out). */
eas_text_t eas_html_to_text(const char *html, apr_size_t len, apr_pool_t *p);
/* A minimal HTML document showing plain text. */
eas_text_t eas_text_to_html(const char *text, apr_size_t len, apr_pool_t *p);
/* HTML-escape s (for short strings). */
char *eas_html_escape(const char *s, apr_size_t len, apr_pool_t *p);

/* ---- email_conversation.c ---- */
/* MS-ASCON ids: 16-byte ConversationId and the ConversationIndex. */
void eas_mail_conversation(eas_mail_t *m, apr_time_t date,
                           eas_text_t *id, eas_text_t *index);
/* Thread-Topic, or the subject without reply/forward prefixes. */
const char *eas_mail_thread_topic(eas_mail_t *m);

/* ---- email_compose.c ---- */
/* The message with LF line ends, in memory the pool owns. */
eas_text_t eas_mail_serialize(GMimeMessage *msg, apr_pool_t *p);

/* ---- email_submit.c ---- */
/* A usable envelope address: local@domain, no spaces, controls, brackets
   or quotes, not starting with '-' (it ends up on a command line). */
int eas_mail_addr_ok(const char *a);

/* ---- email_write.c ---- */
/* The message's date (Date header, else fallback, else now). */
apr_time_t eas_mail_date(GMimeMessage *msg, apr_time_t fallback);

#endif
