/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ItemOperations (MS-ASCMD 2.2.1.10) and GetAttachment (2.2.1.6), shared
 * parts: the Fetch of an item or an attachment, and the two ways its data
 * goes to the client (inline base64, or parts after the WBXML).
 */
#ifndef EAS_ITEMOPS_H
#define EAS_ITEMOPS_H

#include "context.h"
#include "email.h"
#include "pim.h"

/* ItemOperations Status values (MS-ASCMD 2.2.3.177.8). */
enum {
    EAS_IO_OK = 1,
    EAS_IO_PROTOCOL = 2,        /* malformed request or operation */
    EAS_IO_SERVER = 3,
    EAS_IO_NOT_FOUND = 6,       /* no such item or folder */
    EAS_IO_RANGE = 8,           /* byte range invalid */
    EAS_IO_STORE = 9,           /* store other than Mailbox */
    EAS_IO_EMPTY = 10,          /* a range of nothing */
    EAS_IO_TOO_LARGE = 11,      /* over EASMaxFetchSize or the policy */
    EAS_IO_IO = 12,             /* the store could not be read */
    EAS_IO_CONVERSION = 14,     /* the item could not be converted */
    EAS_IO_ATTACHMENT = 15,     /* no such attachment */
    EAS_IO_DENIED = 16,         /* attachments not allowed by the policy */
    EAS_IO_UNSUPPORTED = 156
};

/* Most operations in one ItemOperations request. */
#define EAS_ITEMOPS_MAX_OPS 256
/* Most BodyPreference elements in one Fetch. */
#define EAS_ITEMOPS_MAX_PREFS 8

typedef enum {
    EAS_FETCH_ITEM,             /* the item's properties (as Sync sends) */
    EAS_FETCH_PIM,              /* a groupware item's, by its converter */
    EAS_FETCH_RAW,              /* a byte range of the item's MIME */
    EAS_FETCH_ATTACHMENT        /* an attachment's content */
} eas_fetch_kind_t;

/* One Fetch: what was asked, then what came of it. */
typedef struct {
    /* request */
    const char *store;
    const char *collection_id;  /* as sent, for the answer */
    const char *server_id;
    const char *file_ref;
    const char *long_id;
    const char *link_id;        /* DocumentLibrary, only echoed */
    int has_range;
    apr_off_t range_first, range_last;
    eas_bodypref_t prefs[EAS_ITEMOPS_MAX_PREFS];
    int nprefs;
    int mime_support;

    /* result */
    int status;
    eas_fetch_kind_t kind;
    eas_blob_t msg;             /* EAS_FETCH_ITEM: the raw message */
    eas_email_opts_t opts;      /* EAS_FETCH_ITEM: how to render it */
    const eas_folder_t *folder; /* EAS_FETCH_PIM: the item's folder */
    eas_pim_opts_t pim;         /* EAS_FETCH_PIM: how to render it */
    eas_wbxml_enc_t *props;     /* EAS_FETCH_PIM: the item, converted */
    eas_blob_t data;            /* RAW, ATTACHMENT: the bytes to send */
    apr_off_t total;            /* their whole size before the range */
    apr_off_t first;            /* offset of data within the whole */
    const char *content_type;   /* ATTACHMENT */
} eas_fetch_t;

/* What one request may still load (EASMaxFetchSize). */
typedef struct {
    apr_off_t max, used;
} eas_fetch_budget_t;

/*
 * Parse a Range "first-last" (decimal byte offsets).  Returns 0 if it is
 * not of that form.
 */
int eas_io_parse_range(const char *s, apr_off_t *first, apr_off_t *last);

/* Run one Fetch whose request part is filled in; sets its result part. */
void eas_fetch_run(eas_ctx_t *ctx, eas_fetch_t *f, eas_fetch_budget_t *b);

/*
 * Load an attachment by FileReference ("folder:item:part", also accepted
 * percent-encoded).  Returns an ItemOperations status: OK, ATTACHMENT,
 * DENIED, TOO_LARGE (policy MaxAttachmentSize), IO or SERVER.
 */
int eas_attachment_load(eas_ctx_t *ctx, const char *file_ref, eas_blob_t *out,
                        const char **content_type, const char **name);

/*
 * Where a Fetch's data goes: inline (parts NULL: base64 in a Data
 * element) or into the parts of a multipart answer (a Part element with
 * the part's index).
 */
typedef struct {
    eas_wbxml_enc_t *enc;
    apr_array_header_t *parts;  /* eas_blob_t; NULL when inline */
} eas_fetch_out_t;

/* Write the Fetch's <Fetch> element of the response. */
void eas_fetch_write(eas_fetch_out_t *out, const eas_fetch_t *f,
                     int version, apr_pool_t *p);

/*
 * Send a multipart answer: the WBXML in bb (complete, not yet sent) and
 * the parts after it (MS-ASCMD 2.2.1.10.1.1).  Returns OK or an HTTP
 * status.
 */
int eas_multipart_send(request_rec *r, apr_bucket_brigade *bb,
                       const apr_array_header_t *parts);

#endif
