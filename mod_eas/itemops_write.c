/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A Fetch's answer, and the multipart form of the whole response
 * (MS-ASCMD 2.2.1.10.1): a little-endian table of (offset, length) pairs,
 * the WBXML as part 0, then each fetched data as its own part, named in
 * the WBXML by a Part element instead of base64 in a Data element.
 */
#include "mod_eas.h"
#include "itemops.h"
#include "sync_pim.h"
#include "response.h"
#include "trace.h"

#include <apr_base64.h>
#include <apr_strings.h>
#include <http_protocol.h>

#define IO(name) EAS_ItemOperations_##name

#define EAS_MULTIPART_TYPE "application/vnd.ms-sync.multipart"

/* The bytes of a fetch: base64 inline, or a part of their own. */
static void write_data(eas_fetch_out_t *out, const eas_blob_t *data,
                       apr_pool_t *p)
{
    eas_wbxml_enc_t *e = out->enc;

    if (out->parts) {
        *(eas_blob_t *)apr_array_push(out->parts) = *data;
        /* Part 0 is the WBXML itself. */
        eas_enc_int(e, IO(Part), out->parts->nelts);
        return;
    }
    eas_enc_start(e, IO(Data));
    if (data->len > 0) {
        /* Bounded by EASMaxFetchSize (at most 1 GiB), so it fits an int. */
        char *b64 = apr_palloc(p, apr_base64_encode_len((int)data->len));
        int n = apr_base64_encode(b64, data->data, (int)data->len);

        eas_enc_text_stable(e, b64, (apr_size_t)(n - 1));
    }
    eas_enc_end(e);
}

static void write_ids(eas_wbxml_enc_t *e, const eas_fetch_t *f)
{
    if (f->file_ref) {
        eas_enc_str(e, EAS_AirSyncBase_FileReference, f->file_ref);
        return;
    }
    if (f->long_id) {
        eas_enc_str(e, EAS_Search_LongId, f->long_id);
        return;
    }
    if (f->link_id) {
        eas_enc_str(e, EAS_DocumentLibrary_LinkId, f->link_id);
        return;
    }
    if (f->collection_id)
        eas_enc_str(e, EAS_AirSync_CollectionId, f->collection_id);
    if (f->server_id)
        eas_enc_str(e, EAS_AirSync_ServerId, f->server_id);
}

void eas_fetch_write(eas_fetch_out_t *out, const eas_fetch_t *f,
                     int version, apr_pool_t *p)
{
    eas_wbxml_enc_t *e = out->enc;

    (void)version;
    eas_enc_start(e, IO(Fetch));
    eas_enc_int(e, IO(Status), f->status);
    write_ids(e, f);
    if (f->status != EAS_IO_OK) {
        eas_enc_end(e);
        return;
    }
    if (f->server_id)
        eas_enc_str(e, EAS_AirSync_Class, f->kind == EAS_FETCH_PIM
                    ? eas_pim_class_label(f->folder->cls) : "Email");
    eas_enc_start(e, IO(Properties));
    if (f->kind == EAS_FETCH_ITEM) {
        eas_email_write(e, &f->msg, &f->opts, p);
    }
    else if (f->kind == EAS_FETCH_PIM) {
        eas_enc_splice(e, f->props);
    }
    else {
        if (f->kind == EAS_FETCH_ATTACHMENT)
            eas_enc_str(e, EAS_AirSyncBase_ContentType, f->content_type);
        if (f->has_range) {
            eas_enc_str(e, IO(Range), apr_psprintf(p, "%" APR_OFF_T_FMT "-%"
                        APR_OFF_T_FMT, f->first,
                        f->first + (apr_off_t)f->data.len - 1));
            eas_enc_int(e, IO(Total), f->total);
        }
        write_data(out, &f->data, p);
    }
    eas_enc_end(e);
    eas_enc_end(e);
}

static void put_le32(unsigned char *w, apr_uint32_t v)
{
    w[0] = (unsigned char)(v & 0xFF);
    w[1] = (unsigned char)((v >> 8) & 0xFF);
    w[2] = (unsigned char)((v >> 16) & 0xFF);
    w[3] = (unsigned char)((v >> 24) & 0xFF);
}

/* The WBXML part for the trace1 dump. */
static void trace_wbxml(request_rec *r, apr_bucket_brigade *bb, apr_off_t len)
{
    char *buf;
    apr_size_t n;

    if (len > EAS_TRACE_CAPTURE_MAX) {
        eas_trace_response(r, NULL, (apr_size_t)len, 1);
        return;
    }
    n = (apr_size_t)len;
    buf = apr_palloc(r->pool, n ? n : 1);
    if (apr_brigade_flatten(bb, buf, &n) != APR_SUCCESS)
        eas_trace_response(r, NULL, (apr_size_t)len, 1);
    else
        eas_trace_response(r, (const unsigned char *)buf, n, 0);
}

int eas_multipart_send(request_rec *r, apr_bucket_brigade *bb,
                       const apr_array_header_t *parts)
{
    apr_bucket_alloc_t *ba = r->connection->bucket_alloc;
    const eas_blob_t *blobs = (const eas_blob_t *)parts->elts;
    apr_size_t count = (apr_size_t)parts->nelts + 1, head = 4 + 8 * count, i;
    apr_off_t wbxml_len, off;
    unsigned char *table;
    apr_status_t rv;

    if (apr_brigade_length(bb, 1, &wbxml_len) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    /* Offsets and lengths are 32-bit: refuse what would not fit. */
    off = (apr_off_t)head + wbxml_len;
    for (i = 0; i + 1 < count; i++)
        off += (apr_off_t)blobs[i].len;
    if (off > (apr_off_t)0x7FFFFFFF) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(01230)
                      "ItemOperations: multipart response of %" APR_OFF_T_FMT
                      " bytes is over 2 GiB", off);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    table = apr_palloc(r->pool, head);
    put_le32(table, (apr_uint32_t)count);
    off = (apr_off_t)head;
    put_le32(table + 4, (apr_uint32_t)off);
    put_le32(table + 8, (apr_uint32_t)wbxml_len);
    off += wbxml_len;
    for (i = 1; i < count; i++) {
        put_le32(table + 4 + 8 * i, (apr_uint32_t)off);
        put_le32(table + 8 + 8 * i, (apr_uint32_t)blobs[i - 1].len);
        off += (apr_off_t)blobs[i - 1].len;
    }
    if (eas_trace_on(r))
        trace_wbxml(r, bb, wbxml_len);
    APR_BRIGADE_INSERT_HEAD(bb, apr_bucket_pool_create((const char *)table,
                                                       head, r->pool, ba));
    for (i = 0; i + 1 < count; i++)
        if (blobs[i].len > 0)
            APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_pool_create(
                blobs[i].data, blobs[i].len, r->pool, ba));
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(ba));
    r->status = HTTP_OK;
    ap_set_content_type(r, EAS_MULTIPART_TYPE);
    ap_set_content_length(r, off);
    apr_table_setn(r->headers_out, "Cache-Control", "private");
    apr_table_setn(r->headers_out, "MS-Server-ActiveSync", eas_server_version());
    rv = ap_pass_brigade(r->output_filters, bb);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, EASLOGNO(01231)
                      "client went away during the multipart response");
        return AP_FILTER_ERROR;
    }
    return OK;
}
