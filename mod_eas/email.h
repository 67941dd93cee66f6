/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Email <-> ActiveSync conversion (MS-ASEMAIL, MS-ASAIRS, MS-ASCON) with
 * GMime 3, and submission of outgoing mail.
 *
 * Command code (Sync, ItemOperations, Search, SendMail, SmartReply,
 * SmartForward) never parses MIME: it hands raw RFC 5322 messages from the
 * backend to these functions.  No Apache headers: APR, GMime, libxml2
 * (HTML to text) and libcurl (SMTP) only, so the unit tests run it alone.
 *
 * Protocol versions 12.0 to 14.1 (bodies and attachments in AirSyncBase).
 *
 * Threads: call eas_email_init() once per process before any thread uses
 * this API.  In the module that is the child_init hook (each child, before
 * the MPM starts its worker threads); it is idempotent, so calling it from
 * post_config as well does no harm.  After that every function here may run
 * concurrently on different messages.
 *
 * Memory: results live in the pool passed in; GMime objects made on the way
 * are released before the call returns (eas_email_write) or with the pool.
 * The raw message must stay valid for the duration of the call.
 */
#ifndef EAS_EMAIL_H
#define EAS_EMAIL_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "backend.h"    /* eas_blob_t, EAS_ITEM_* */
#include "wbxml.h"

/* GMime, libxml2's parser and libcurl, once per process before threads. */
void eas_email_init(void);

/*
 * Hand GLib's and GMime's own messages (failed checks, warnings) to fn
 * instead of stderr: level is a syslog severity (LOG_ERR for a failed
 * check), domain GLib's log domain ("gmime").  Once per process, before
 * threads; fn must be thread-safe.  NULL restores GLib's default output.
 */
typedef void (*eas_email_log_fn)(void *data, int level, const char *domain,
                                 const char *msg);
void eas_email_log_to(eas_email_log_fn fn, void *data);

/* At start: a warning when GLib's per-thread slice caches would cost a
   server with many threads dear (glib_slices.c). */
void eas_glib_slices_register_hooks(apr_pool_t *p);

/* ------------------------------------------------------------------ */
/* Message -> WBXML                                                    */
/* ------------------------------------------------------------------ */

/* AirSyncBase body types. */
#define EAS_BODY_NONE  0
#define EAS_BODY_PLAIN 1
#define EAS_BODY_HTML  2
#define EAS_BODY_RTF   3        /* never produced: a preference for it is
                                   skipped */
#define EAS_BODY_MIME  4

/* One of the client's airsyncbase:BodyPreference elements. */
typedef struct {
    int type;                   /* EAS_BODY_* */
    apr_size_t truncation;      /* TruncationSize in bytes; 0: not given,
                                   the whole body is sent */
    int all_or_none;            /* AllOrNone: no partial Data */
    int preview;                /* Preview length in characters (14.0+,
                                   at most 255); 0: no Preview */
} eas_bodypref_t;

typedef struct {
    int version;                /* 120, 121, 140, 141 */
    const eas_bodypref_t *prefs;/* the client's BodyPreference list */
    int nprefs;                 /* 0: plain text, untruncated */
    int mime_support;           /* MIMESupport: 0 never MIME, 1 for S/MIME
                                   messages, 2 always (see below) */
    int mime_truncate;          /* whether mime_truncation applies */
    apr_size_t mime_truncation; /* bytes for a MIME body whose preference
                                   has no TruncationSize (MIMETruncation,
                                   mapped to bytes by the caller); may be
                                   0: no Data at all (MIMETruncation 0) */
    const char *server_id;      /* "folder:item": base of FileReference */
    unsigned flags;             /* EAS_ITEM_* (Read, Flagged) */
    apr_time_t received;        /* delivery time, used when the message
                                   has no valid Date header (0: now) */
    /* Meeting requests (MeetingRequest): */
    const char *tzid;           /* the user's zone for all-day events
                                   (Olson name); NULL: UTC */
    const char *user_email;     /* the user's address: their RSVP */
} eas_email_opts_t;

/*
 * Write the children of <ApplicationData> (Sync), <Properties>
 * (ItemOperations, Search) for one message: To, Cc, From, Subject,
 * ReplyTo, DateReceived, DisplayTo, ThreadTopic, Importance, Read,
 * Attachments, Body, MessageClass, MeetingRequest (an invitation or a
 * cancellation: a text/calendar part with METHOD REQUEST or CANCEL),
 * InternetCPID, Flag, ContentClass, NativeBodyType and, for 14.0+,
 * ConversationId and ConversationIndex.
 *
 * The body type is the first preference we can produce (plain, HTML or
 * MIME; RTF is skipped), except that MIMESupport 2 (or 1 with an S/MIME
 * message) picks a MIME preference wherever it is in the list, and
 * MIMESupport 0 (or 1 with other mail) skips MIME unless it is the only
 * kind asked for.  Text is always UTF-8 (InternetCPID 65001); truncation
 * cuts on a character boundary; AllOrNone with a body over the limit sends
 * no Data and Truncated 1.
 *
 * Attachments: leaf parts with a file name or disposition "attachment",
 * non-text parts, inline images (IsInline with their ContentId), attached
 * messages.  FileReference is "<server_id>:<part path>", the part path
 * being the IMAP-style position in the MIME tree ("2", "1.2").
 *
 * Broken MIME is handled best effort; this never fails on message content.
 * Returns APR_EINVAL for missing arguments, else APR_SUCCESS (encoder
 * errors surface in eas_enc_finish()).
 */
apr_status_t eas_email_write(eas_wbxml_enc_t *enc, const eas_blob_t *msg,
                             const eas_email_opts_t *o, apr_pool_t *p);

/* The changeable part for a Sync <Change>: Read and Flag. */
void eas_email_write_flags(eas_wbxml_enc_t *enc, unsigned flags, int version);

/*
 * Split a FileReference "folder:item:path" into the item's server id
 * ("folder:item") and the part path; APR_EINVAL if it has no such shape.
 */
apr_status_t eas_email_fileref_split(const char *fileref, char **server_id,
                                     char **part, apr_pool_t *p);

/*
 * The attachment at part path part_ref (as in FileReference): its decoded
 * content, MIME type ("image/png") and file name (UTF-8).  APR_ENOENT if
 * the message has no such part.  content_type and name may be NULL.
 */
apr_status_t eas_email_attachment(const eas_blob_t *msg, const char *part_ref,
                                  eas_blob_t *out, const char **content_type,
                                  const char **name, apr_pool_t *p);

/*
 * The first text/calendar part of a message (an invitation, a reply, a
 * cancellation), decoded; APR_ENOENT when it has none.
 */
apr_status_t eas_email_calendar(const eas_blob_t *msg, eas_blob_t *out,
                                apr_pool_t *p);

/* ------------------------------------------------------------------ */
/* Outgoing messages                                                   */
/* ------------------------------------------------------------------ */

typedef enum {
    EAS_COMPOSE_NEW,            /* SendMail */
    EAS_COMPOSE_REPLY,          /* SmartReply */
    EAS_COMPOSE_FORWARD         /* SmartForward */
} eas_compose_mode_t;

typedef struct {
    eas_compose_mode_t mode;
    const eas_blob_t *mime;     /* the client's message (ComposeMail Mime,
                                   or the 12.x message/rfc822 body) */
    const eas_blob_t *original; /* Smart*: the message replied to or
                                   forwarded; NULL: none */
    int replace_mime;           /* ReplaceMime: the client's message is
                                   complete, add nothing of the original */
    const char *from_addr;      /* the user's own address (required) */
    const char *from_name;      /* the user's display name, may be NULL */
    apr_time_t now;             /* for a missing Date; 0: apr_time_now() */
} eas_compose_t;

typedef struct {
    eas_blob_t message;         /* final RFC 5322 message, LF line ends,
                                   without Bcc: to send and to keep in Sent */
    apr_array_header_t *rcpts;  /* const char *: envelope recipients (To,
                                   Cc, Bcc addresses, each once) */
    const char *from;           /* envelope sender: from_addr */
    const char *message_id;     /* "<...>" */
} eas_composed_t;

/*
 * Build the message to send.  From becomes the user's address (the
 * client's display name is kept when its address is the user's own) and a
 * foreign Sender is dropped; Date and Message-ID are added when missing.
 * SmartReply/SmartForward set In-Reply-To (reply) and References from the
 * original when the client did not, and without ReplaceMime append the
 * original's text under the new text (quoted with "> " in a reply, in a
 * blockquote in HTML); SmartForward then also carries the original's
 * attachments.
 * With *err saying why: EAS_EMAIL_EBADRCPT if the message names no
 * recipient or an unusable one, APR_EINVAL for anything else that makes
 * it unsendable (not a message, no usable sender).
 */
#define EAS_EMAIL_EBADRCPT (APR_OS_START_USERERR + 1)
apr_status_t eas_email_compose(const eas_compose_t *c, eas_composed_t *out,
                               apr_pool_t *p, const char **err);

/*
 * A scheduling message (iMIP, RFC 6047): text and the iCalendar object
 * (a text/calendar part with its method, base64 so that its CRLF line
 * ends survive) in a multipart/alternative, from the user to the
 * attendees or the organizer; composed as a new message (eas_email_compose:
 * Date, Message-ID, the envelope).
 */
typedef struct {
    const char *from_addr;      /* the user's own address (required) */
    const char *from_name;      /* may be NULL */
    const apr_array_header_t *to;   /* const char * addresses */
    const char *subject;        /* UTF-8 */
    const char *text;           /* the plain text part, UTF-8 */
    const char *method;         /* "REQUEST", "REPLY", "CANCEL" */
    const eas_blob_t *ical;     /* the iCalendar object */
    apr_time_t now;             /* Date; 0: now */
} eas_imip_t;

apr_status_t eas_email_imip(const eas_imip_t *m, eas_composed_t *out,
                            apr_pool_t *p, const char **err);

/* ------------------------------------------------------------------ */
/* Submission                                                          */
/* ------------------------------------------------------------------ */

#define EAS_SMTP_TLS_NONE    0  /* plain SMTP (or smtps:// implicit TLS) */
#define EAS_SMTP_TLS_TRY     1  /* STARTTLS when offered */
#define EAS_SMTP_TLS_REQUIRE 2  /* STARTTLS or fail */

typedef struct {
    const char *sendmail;       /* absolute path of a sendmail-compatible
                                   program, run as "path -i -f from --
                                   rcpt..." with the message on stdin (no
                                   shell, no PATH search); used when
                                   smtp_url is NULL */
    const char *smtp_url;       /* "smtp://host:port" or "smtps://host:port" */
    int starttls;               /* EAS_SMTP_TLS_* */
    const char *smtp_user;      /* SMTP AUTH when set */
    const char *smtp_password;
    const char *ca_file;        /* CA bundle for TLS; NULL: system default */
    int tls_no_verify;          /* skip certificate checks (tests only) */
    long timeout;               /* seconds for the whole submission; 0: 60 */
} eas_submit_conf_t;

/*
 * Deliver msg (LF or CRLF line ends) from the envelope sender to rcpts
 * (const char * addresses).  EAS_EMAIL_EBADRCPT for no recipients or an
 * unusable one, APR_EINVAL for an unusable sender; APR_EGENERAL when the
 * transport failed or refused, with *err saying why (no message content
 * in it).  SIGPIPE must be ignored (httpd does so).
 */
apr_status_t eas_submit(const eas_submit_conf_t *c, const char *from,
                        const apr_array_header_t *rcpts,
                        const eas_blob_t *msg, apr_pool_t *p,
                        const char **err);

#endif
