/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the email converter.
 *
 * The input is a message.  It is written as ActiveSync properties with a
 * few preference sets (plain with truncation, HTML with AllOrNone and
 * preview, MIME), and the output must decode as WBXML; every attachment
 * listed must be extractable by its file reference.  The same input then
 * goes through compose as the client's message and as the original of a
 * forward.  Any message from GLib or GMime stops the run.  A meeting
 * message's GlobalObjId must give a UID back, and its calendar part goes
 * through the MeetingResponse paths (the answer and the REPLY).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "email.h"
#include "pim.h"
#include "pim_meeting.h"

static apr_bucket_alloc_t *ba;
static apr_pool_t *root_pool;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_email_write: %s\n", what);
    abort();
}

/*
 * GLib and GMime speak only of misuse (a failed precondition): any message
 * from them is a bug in our calls, so it stops the run like a crash.
 */
static void glib_spoke(void *data, int level, const char *domain,
                       const char *msg)
{
    fprintf(stderr, "fuzz_email_write: %s: %s\n", domain, msg);
    abort();
}

/* Every FileReference under n must lead back to a part. */
static void check_refs(const eas_node_t *n, const eas_blob_t *msg,
                       apr_pool_t *p)
{
    const eas_node_t *c;

    for (c = n->child; c; c = c->next) {
        if (c->tag == EAS_AirSyncBase_FileReference && c->value) {
            char *sid, *part;
            eas_blob_t out;

            if (eas_email_fileref_split(c->value, &sid, &part, p)
                != APR_SUCCESS)
                fail("FileReference does not split");
            if (strcmp(sid, "7:99") != 0)
                fail("FileReference has the wrong item");
            if (eas_email_attachment(msg, part, &out, NULL, NULL, p)
                != APR_SUCCESS)
                fail("listed attachment cannot be extracted");
        }
        check_refs(c, msg, p);
    }
}

static void check_meeting(const eas_node_t *root, apr_pool_t *p)
{
    const eas_node_t *mr = eas_node_child(root, EAS_Email_MeetingRequest);
    const char *g = mr ? eas_node_text(mr, EAS_Email_GlobalObjId) : NULL;

    if (mr && !eas_node_text(mr, EAS_Email_DtStamp))
        fail("MeetingRequest without DtStamp");
    if (g && !eas_goid_to_uid(g, strlen(g), p))
        fail("GlobalObjId gives no UID");
}

static void respond(const eas_blob_t *msg, apr_pool_t *p)
{
    apr_array_header_t *me = apr_array_make(p, 1, sizeof(const char *));
    eas_blob_t cal, out, reply;
    eas_pim_opts_t o;
    const char *err, *att = NULL;

    if (eas_email_calendar(msg, &cal, p) != APR_SUCCESS)
        return;
    memset(&o, 0, sizeof o);
    o.version = 141;
    o.user_email = "user@example.com";
    o.now = apr_time_from_sec(1700000000);
    *(const char **)apr_array_push(me) = o.user_email;
    if (eas_meeting_answer(&cal, me, 2, 0, &o, &out, &att, &err, p)
        != APR_SUCCESS)
        return;
    if (!att)
        fail("answered for nobody");
    eas_meeting_reply(&out, att, 2, 0, &o, &reply, &err, p);
    /* one occurrence, when the meeting is a series with one then */
    if (eas_meeting_answer(&cal, me, 3, o.now, &o, &out, &att, &err, p)
        == APR_SUCCESS)
        eas_meeting_reply(&out, att, 3, o.now, &o, &reply, &err, p);
}

static void write_one(const eas_blob_t *msg, const eas_bodypref_t *prefs,
                      int nprefs, int version, int mime_support,
                      apr_pool_t *p)
{
    apr_bucket_brigade *bb = apr_brigade_create(p, ba);
    eas_wbxml_enc_t *e = eas_wbxml_enc_create(p, bb, NULL, NULL);
    eas_email_opts_t o;
    eas_node_t *root;
    char *out;
    apr_size_t len, off;

    memset(&o, 0, sizeof o);
    o.version = version;
    o.prefs = prefs;
    o.nprefs = nprefs;
    o.mime_support = mime_support;
    o.server_id = "7:99";
    o.flags = EAS_ITEM_READ | EAS_ITEM_FLAGGED;
    o.received = apr_time_from_sec(1700000000);
    o.user_email = "user@example.com";
    o.tzid = version == 140 ? "Pacific/Kiritimati" : NULL;
    eas_enc_start(e, EAS_AirSync_ApplicationData);
    if (eas_email_write(e, msg, &o, p) != APR_SUCCESS)
        fail("eas_email_write refused a message");
    if (eas_enc_finish(e) != APR_SUCCESS)
        fail("encoder error");
    if (apr_brigade_pflatten(bb, &out, &len, p) != APR_SUCCESS)
        fail("flatten failed");
    if (eas_wbxml_decode(p, (unsigned char *)out, len, NULL, &root, &off)
        != EAS_WBXML_OK)
        fail("output does not decode");
    if (eas_node_child(root, EAS_AirSyncBase_Body) == NULL
        || eas_node_child(root, EAS_Email_MessageClass) == NULL)
        fail("Body or MessageClass missing");
    check_refs(root, msg, p);
    check_meeting(root, p);
    apr_brigade_destroy(bb);
}

static void compose(const eas_blob_t *msg, apr_pool_t *p)
{
    static const char client[] =
        "From: x@example.com\nTo: y@example.com\nSubject: fwd\n\nnew text\n";
    eas_blob_t mine = { client, sizeof client - 1 };
    eas_compose_t c;
    eas_composed_t out;
    const char *err;

    memset(&c, 0, sizeof c);
    c.from_addr = "user@example.com";
    c.mime = msg;
    c.mode = EAS_COMPOSE_NEW;
    if (eas_email_compose(&c, &out, p, &err) == APR_SUCCESS
        && (out.rcpts == NULL || out.rcpts->nelts == 0))
        fail("composed without recipients");
    c.mime = &mine;
    c.original = msg;
    c.mode = EAS_COMPOSE_FORWARD;
    if (eas_email_compose(&c, &out, p, &err) != APR_SUCCESS)
        fail("forward of a fixed client message failed");
    c.mode = EAS_COMPOSE_REPLY;
    if (eas_email_compose(&c, &out, p, &err) != APR_SUCCESS)
        fail("reply to a fixed client message failed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eas_bodypref_t plain[1] = { { EAS_BODY_PLAIN, 200, 0, 0 } };
    eas_bodypref_t html[2] = { { EAS_BODY_RTF, 0, 0, 0 },
                               { EAS_BODY_HTML, 512, 1, 100 } };
    eas_bodypref_t mime[2] = { { EAS_BODY_HTML, 0, 0, 0 },
                               { EAS_BODY_MIME, 1000, 0, 0 } };
    eas_blob_t msg;
    apr_pool_t *p;

    if (root_pool == NULL) {
        apr_initialize();
        apr_pool_create(&root_pool, NULL);
        ba = apr_bucket_alloc_create(root_pool);
        eas_email_init();
        eas_pim_init();
        eas_email_log_to(glib_spoke, NULL);
    }
    apr_pool_create(&p, root_pool);
    /* a copy of exactly size bytes, so reads past the end are caught */
    msg.data = size ? apr_pmemdup(p, data, size) : NULL;
    msg.len = size;
    write_one(&msg, NULL, 0, 120, 0, p);
    write_one(&msg, plain, 1, 141, 0, p);
    write_one(&msg, html, 2, 140, 1, p);
    write_one(&msg, mime, 2, 141, 2, p);
    compose(&msg, p);
    respond(&msg, p);
    apr_pool_destroy(p);
    return 0;
}
