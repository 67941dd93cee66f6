/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the email converter: messages from t/mail written as
 * WBXML and decoded again, attachments extracted, outgoing messages
 * composed, and submission through a sendmail-compatible script and an
 * SMTP server on 127.0.0.1.
 */

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_base64.h>
#include <glib.h>
#include <gmime/gmime.h>

#include "email.h"
#include "smtp_sink.h"
#include "tap.h"
#include "tree_util.h"

static apr_pool_t *pool;
static apr_bucket_alloc_t *ba;

#define AB(name) EAS_AirSyncBase_##name
#define EM(name) EAS_Email_##name

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

static eas_blob_t load(const char *name)
{
    const char *path = apr_pstrcat(pool, EAS_MAIL_DIR "/", name, NULL);
    apr_file_t *f;
    apr_finfo_t fi;
    eas_blob_t b = { NULL, 0 };
    char *buf;

    if (apr_file_open(&f, path, APR_READ | APR_BINARY, 0, pool)
        || apr_file_info_get(&fi, APR_FINFO_SIZE, f)) {
        printf("Bail out! cannot read %s\n", path);
        exit(1);
    }
    buf = apr_palloc(pool, (apr_size_t)fi.size + 1);
    apr_file_read_full(f, buf, (apr_size_t)fi.size, NULL);
    buf[fi.size] = '\0';
    apr_file_close(f);
    b.data = buf;
    b.len = (apr_size_t)fi.size;
    return b;
}

static eas_blob_t blob_of(const char *s)
{
    eas_blob_t b;

    b.data = s;
    b.len = strlen(s);
    return b;
}

/* Options for one preference (type 0: no preference at all). */
static eas_email_opts_t opts1(int version, eas_bodypref_t *pref, int type,
                              apr_size_t trunc)
{
    eas_email_opts_t o;

    memset(&o, 0, sizeof o);
    memset(pref, 0, sizeof *pref);
    pref->type = type;
    pref->truncation = trunc;
    o.version = version;
    o.prefs = pref;
    o.nprefs = type ? 1 : 0;
    o.server_id = "5:42";
    return o;
}

/* Write inside <ApplicationData>, decode; NULL if either step failed. */
static eas_node_t *convert(const eas_blob_t *m, const eas_email_opts_t *o)
{
    apr_bucket_brigade *bb = apr_brigade_create(pool, ba);
    eas_wbxml_enc_t *e = eas_wbxml_enc_create(pool, bb, NULL, NULL);
    eas_node_t *root = NULL;
    char *out;
    apr_size_t len, off;

    eas_enc_start(e, EAS_AirSync_ApplicationData);
    if (eas_email_write(e, m, o, pool) != APR_SUCCESS
        || eas_enc_finish(e) != APR_SUCCESS
        || apr_brigade_pflatten(bb, &out, &len, pool) != APR_SUCCESS)
        return NULL;
    if (eas_wbxml_decode(pool, (unsigned char *)out, len, NULL, &root, &off)
        != EAS_WBXML_OK)
        return NULL;
    return root;
}

/* Text of the first such element ("" if empty), NULL if absent. */
static const char *val(const eas_node_t *n, eas_tag_t tag)
{
    const eas_node_t *f = tu_find(n, tag);

    if (f == NULL)
        return NULL;
    return f->value ? apr_pstrmemdup(pool, f->value, f->len) : "";
}

static long long ival(const eas_node_t *n, eas_tag_t tag)
{
    const char *v = val(n, tag);

    return v ? atoll(v) : -1;
}

static int count(const eas_node_t *n, eas_tag_t tag)
{
    const eas_node_t *c;
    int k = 0;

    if (n == NULL)
        return 0;
    for (c = n->child; c; c = c->next)
        k += (c->tag == tag) + count(c, tag);
    return k;
}

/* The i-th attachment element. */
static const eas_node_t *attachment(const eas_node_t *root, int i)
{
    const eas_node_t *atts = tu_find(root, AB(Attachments)), *a;

    for (a = atts ? atts->child : NULL; a; a = a->next)
        if (a->tag == AB(Attachment) && i-- == 0)
            return a;
    return NULL;
}

static int utf8_ok(const char *s, apr_size_t len)
{
    return g_utf8_validate(s, (gssize)len, NULL);
}

static const char *md5_b(const char *s)
{
    GChecksum *ck = g_checksum_new(G_CHECKSUM_MD5);
    guint8 *d = apr_palloc(pool, 16);
    gsize n = 16;

    g_checksum_update(ck, (const guchar *)s, (gssize)strlen(s));
    g_checksum_get_digest(ck, d, &n);
    g_checksum_free(ck);
    return (const char *)d;
}

/* ------------------------------------------------------------------ */
/* headers and flags                                                   */
/* ------------------------------------------------------------------ */

static void test_plain_headers(void)
{
    eas_blob_t m = load("plain-utf8.eml");
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, 0, 0);
    eas_node_t *r;
    const eas_node_t *flag, *cid;

    o.flags = EAS_ITEM_READ | EAS_ITEM_FLAGGED;
    r = convert(&m, &o);
    ok(r != NULL, "plain: writes and decodes");
    is_str(val(r, EM(Subject)), "Quarterly report — draft",
           "plain: raw UTF-8 subject");
    is_str(val(r, EM(From)), "Alice Émile <alice@example.org>",
           "plain: From with non-ASCII name");
    is_str(val(r, EM(To)), "Bob Builder <bob@example.com>, carol@example.com",
           "plain: To list");
    is_str(val(r, EM(Cc)), "\"Dave, Jr.\" <dave@example.net>",
           "plain: Cc keeps the quoted name");
    is_str(val(r, EM(ReplyTo)), "Alice Replies <replies@example.org>",
           "plain: ReplyTo");
    is_str(val(r, EM(DisplayTo)), "Bob Builder; carol@example.com",
           "plain: DisplayTo names");
    is_str(val(r, EM(DateReceived)), "2024-03-05T08:15:30.000Z",
           "plain: DateReceived in UTC");
    is_str(val(r, EM(ThreadTopic)), "Quarterly report — draft",
           "plain: ThreadTopic");
    is_int(ival(r, EM(Importance)), 2, "plain: Importance: High is 2");
    is_int(ival(r, EM(Read)), 1, "plain: Read");
    flag = tu_find(r, EM(Flag));
    is_int(ival(flag, EM(Status)), 2, "plain: flagged is Status 2");
    is_str(val(flag, EM(FlagType)), "Flag for follow up", "plain: FlagType");
    is_str(val(r, EM(MessageClass)), "IPM.Note", "plain: MessageClass");
    is_int(ival(r, EM(InternetCPID)), 65001, "plain: InternetCPID");
    is_str(val(r, EM(ContentClass)), "urn:content-classes:message",
           "plain: ContentClass");
    is_int(ival(r, AB(NativeBodyType)), 1, "plain: NativeBodyType plain");
    is_int(count(r, AB(Attachments)), 0, "plain: no attachments");
    cid = tu_find(r, EAS_Email2_ConversationId);
    ok(cid && cid->opaque && cid->len == 16
       && !memcmp(cid->value, md5_b("plain-1@example.org"), 16),
       "plain: ConversationId from its own Message-ID");
    cid = tu_find(r, EAS_Email2_ConversationIndex);
    ok(cid && cid->len == 5, "plain: ConversationIndex is 5 bytes of time");

    o.version = 120;
    o.flags = 0;
    r = convert(&m, &o);
    is_int(count(r, EAS_Email2_ConversationId), 0,
           "plain: 12.0 has no ConversationId");
    is_int(ival(r, EM(Read)), 0, "plain: unread");
    flag = tu_find(r, EM(Flag));
    ok(flag && flag->child == NULL, "plain: unflagged is an empty Flag");
}

static void test_flags_only(void)
{
    apr_bucket_brigade *bb = apr_brigade_create(pool, ba);
    eas_wbxml_enc_t *e = eas_wbxml_enc_create(pool, bb, NULL, NULL);
    eas_node_t *r = NULL;
    char *out;
    apr_size_t len, off;

    eas_enc_start(e, EAS_AirSync_ApplicationData);
    eas_email_write_flags(e, EAS_ITEM_FLAGGED, 141);
    eas_enc_finish(e);
    apr_brigade_pflatten(bb, &out, &len, pool);
    eas_wbxml_decode(pool, (unsigned char *)out, len, NULL, &r, &off);
    ok(r != NULL, "flags: decodes");
    is_int(ival(r, EM(Read)), 0, "flags: Read 0");
    is_int(ival(tu_find(r, EM(Flag)), EM(Status)), 2, "flags: Status 2");
    is_int(count(r, EM(Subject)), 0, "flags: nothing but Read and Flag");
}

/* ------------------------------------------------------------------ */
/* bodies                                                              */
/* ------------------------------------------------------------------ */

static const char plain_body[] =
    "Hello Bob,\n\nHere is the draft of the quarterly report. Numbers: "
    "a < b & c > d.\nCafé, naïve, Zürich — and 日本語のテキスト too.\n"
    "Emoji check: 😀 done.\n\n-- \nAlice\n";

static void test_plain_body(void)
{
    eas_blob_t m = load("plain-utf8.eml");
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_PLAIN, 0);
    eas_node_t *r = convert(&m, &o);

    is_int(ival(r, AB(Type)), 1, "body: plain Type 1");
    is_str(val(r, AB(Data)), plain_body, "body: plain Data is the text");
    is_int(ival(r, AB(EstimatedDataSize)), strlen(plain_body),
           "body: EstimatedDataSize is the text's size");
    is_int(ival(r, AB(Truncated)), 0, "body: not truncated");
    is_int(count(r, AB(Preview)), 0, "body: no Preview unless asked");
}

/* Every limit cuts to a valid UTF-8 prefix no more than 3 bytes short. */
static void test_truncation(void)
{
    eas_blob_t m = load("plain-utf8.eml");
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_PLAIN, 0);
    const char *kanji = strstr(plain_body, "日");
    apr_size_t at = (apr_size_t)(kanji - plain_body), lim, full = strlen(plain_body);
    int bad = 0;
    eas_node_t *r;
    const char *d;

    for (lim = 1; lim < full; lim++) {
        const eas_node_t *data;

        pref.truncation = lim;
        r = convert(&m, &o);
        data = tu_find(r, AB(Data));
        if (!data || data->len > lim || data->len + 3 < lim
            || memcmp(data->value, plain_body, data->len)
            || !utf8_ok(data->value, data->len)
            || ival(r, AB(Truncated)) != 1
            || ival(r, AB(EstimatedDataSize)) != (long long)full) {
            if (!bad)
                tap_diag("  limit %lu gave %lu bytes", (unsigned long)lim,
                         data ? (unsigned long)data->len : 0UL);
            bad++;
        }
    }
    ok(bad == 0, "truncation: every limit 1..%lu cuts on a character "
       "boundary", (unsigned long)full - 1);
    pref.truncation = at + 2;           /* inside the 3-byte 日 */
    r = convert(&m, &o);
    d = val(r, AB(Data));
    is_int(strlen(d), at, "truncation: a cut inside 日 drops all of it");
    pref.truncation = full;
    r = convert(&m, &o);
    is_int(ival(r, AB(Truncated)), 0, "truncation: limit == size is whole");
}

static void test_all_or_none(void)
{
    eas_blob_t m = load("plain-utf8.eml");
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_PLAIN, 50);
    eas_node_t *r;

    pref.all_or_none = 1;
    r = convert(&m, &o);
    is_int(count(r, AB(Data)), 0, "AllOrNone: too big, no Data");
    is_int(ival(r, AB(Truncated)), 1, "AllOrNone: Truncated 1");
    is_int(ival(r, AB(EstimatedDataSize)), strlen(plain_body),
           "AllOrNone: size still told");
    pref.truncation = 100000;
    r = convert(&m, &o);
    is_str(val(r, AB(Data)), plain_body, "AllOrNone: fits, whole Data");
    is_int(ival(r, AB(Truncated)), 0, "AllOrNone: fits, Truncated 0");
}

static void test_preview(void)
{
    eas_blob_t m = load("alternative.eml");
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_HTML, 0);
    eas_node_t *r;
    const char *pv;

    pref.preview = 20;
    r = convert(&m, &o);
    pv = val(r, AB(Preview));
    is_str(pv, "Sure, 12:30 at the T", "preview: 20 characters of text");
    o.version = 121;
    r = convert(&m, &o);
    is_int(count(r, AB(Preview)), 0, "preview: none before 14.0");
}

static void test_html_only(void)
{
    eas_blob_t m = load("html-only.eml");
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(140, &pref, EAS_BODY_PLAIN, 0);
    eas_node_t *r = convert(&m, &o);
    const char *d = val(r, AB(Data));

    ok(d && strstr(d, "Café & crème in Köln, only today."),
       "html->text: entities and Latin-1 QP decoded, spaces collapsed");
    ok(d && strstr(d, "- First item\n- Second item"),
       "html->text: list items on their own lines");
    ok(d && strstr(d, "see the offer <https://example.com/offer>\nThanks."),
       "html->text: link address kept, <br> is a line break");
    ok(d && !strstr(d, "hidden") && !strstr(d, "color"),
       "html->text: no script or style");
    ok(d && !strncmp(d, "Offer of the week\n", 18),
       "html->text: no title, heading first");
    is_int(ival(r, AB(NativeBodyType)), 2, "html: NativeBodyType 2");
    is_int(ival(r, EM(Importance)), 0, "html: X-Priority 5 is low");

    pref.type = EAS_BODY_HTML;
    r = convert(&m, &o);
    d = val(r, AB(Data));
    is_int(ival(r, AB(Type)), 2, "html: Type 2");
    ok(d && strstr(d, "cr\xc3\xa8me in K\xc3\xb6ln") && strstr(d, "<table>"),
       "html: the HTML itself, in UTF-8");
}

static void test_alternative(void)
{
    eas_blob_t m = load("alternative.eml");
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_HTML, 0);
    eas_node_t *r = convert(&m, &o);
    const eas_node_t *n;
    unsigned char want[10] = { 0x01, 0xDA, 0x6F, 0x2A, 0x3B,
                               0x00, 0x00, 0x11, 0x22, 0x33 };

    is_str(val(r, AB(Data)), "<html><body><p>Sure, <b>12:30</b> at the Thai "
           "place?</p><p>Bob</p></body></html>\n", "alternative: HTML part");
    pref.type = EAS_BODY_PLAIN;
    r = convert(&m, &o);
    is_str(val(r, AB(Data)), "Sure, 12:30 at the Thai place?\n\nBob\n",
           "alternative: plain part");
    is_int(ival(r, AB(NativeBodyType)), 2, "alternative: native HTML");
    is_str(val(r, EM(ThreadTopic)), "Lunch plans?", "alternative: ThreadTopic");
    is_int(ival(r, EM(Importance)), 2, "alternative: X-Priority 1 is high");
    n = tu_find(r, EAS_Email2_ConversationId);
    ok(n && n->len == 16
       && !memcmp(n->value, md5_b("root-lunch@example.com"), 16),
       "alternative: ConversationId from the thread root in References");
    n = tu_find(r, EAS_Email2_ConversationIndex);
    ok(n && n->len == 10 && !memcmp(n->value, want, 10),
       "alternative: ConversationIndex from Thread-Index without its GUID");
}

static void test_plain_as_html(void)
{
    eas_blob_t m = load("plain-utf8.eml");
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_HTML, 0);
    eas_node_t *r = convert(&m, &o);
    const char *d = val(r, AB(Data));

    ok(d && !strncmp(d, "<html>", 6) && strstr(d, "charset=utf-8"),
       "plain->html: a UTF-8 HTML document");
    ok(d && strstr(d, "a &lt; b &amp; c &gt; d.<br>"),
       "plain->html: escaped, line breaks marked up");
    ok(d && strstr(d, "Emoji check: 😀 done.<br>") && strstr(d, "Alice<br>"),
       "plain->html: nothing lost");
}

static void test_mime(void)
{
    eas_blob_t m = load("plain-utf8.eml"), g = load("garbage-8bit.eml");
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_MIME, 0);
    eas_node_t *r;
    const eas_node_t *d;

    o.mime_support = 2;
    r = convert(&m, &o);
    d = tu_find(r, AB(Data));
    is_int(ival(r, AB(Type)), 4, "mime: Type 4");
    is_mem(d ? d->value : "", d ? d->len : 0, m.data, m.len,
           "mime: Data is the message byte for byte");
    is_int(ival(r, AB(EstimatedDataSize)), m.len, "mime: size of the message");
    pref.truncation = 100;
    r = convert(&m, &o);
    d = tu_find(r, AB(Data));
    ok(d && d->len == 100 && !memcmp(d->value, m.data, 100)
       && ival(r, AB(Truncated)) == 1, "mime: TruncationSize cuts the message");
    pref.truncation = 0;
    o.mime_truncate = 1;
    o.mime_truncation = 64;
    r = convert(&m, &o);
    d = tu_find(r, AB(Data));
    ok(d && d->len == 64 && ival(r, AB(Truncated)) == 1,
       "mime: MIMETruncation applies when TruncationSize is absent");
    o.mime_truncation = 0;
    r = convert(&m, &o);
    d = tu_find(r, AB(Data));
    ok(d && d->len == 0 && ival(r, AB(Truncated)) == 1
       && ival(r, AB(EstimatedDataSize)) == (long long)m.len,
       "mime: MIMETruncation 0 sends an empty body, truncated, with the "
       "size");
    o.mime_truncate = 0;
    r = convert(&m, &o);
    d = tu_find(r, AB(Data));
    ok(d && d->len == m.len && ival(r, AB(Truncated)) == 0,
       "mime: no MIMETruncation, whole");
    r = convert(&g, &o);
    d = tu_find(r, AB(Data));
    /* only the NUL in the broken base64 cannot travel in a WBXML string */
    ok(d && utf8_ok(d->value, d->len)
       && (const char *)memchr(d->value, 0xEF, d->len)
          > strstr(d->value, "garbage"),
       "mime: 8-bit non-UTF-8 message re-encoded, no byte replaced");
    ok(d && strstr(apr_pstrmemdup(pool, d->value, d->len),
                   "\nSubject: =?UTF-8?B?"),
       "mime: raw 8-bit subject re-encoded per RFC 2047");
    ok(d && strstr(apr_pstrmemdup(pool, d->value, d->len),
                   "d=E9j=E0 vu"), "mime: undeclared 8-bit body as QP");
    /* Only what is sent must be UTF-8: the first bad byte is at 33. */
    pref.truncation = 30;
    r = convert(&g, &o);
    d = tu_find(r, AB(Data));
    is_mem(d ? d->value : "", d ? d->len : 0, g.data, 30,
           "mime: a valid prefix goes as it is");
    is_int(ival(tu_find(r, AB(Body)), AB(EstimatedDataSize)), g.len,
           "mime: the message's size");
    is_int(ival(r, AB(Truncated)), 1, "mime: Truncated");
    pref.truncation = 60;
    r = convert(&g, &o);
    d = tu_find(r, AB(Data));
    ok(d && d->len <= 60 && utf8_ok(d->value, d->len)
       && strstr(apr_pstrmemdup(pool, d->value, d->len), "From: =?")
       && ival(tu_find(r, AB(Body)), AB(EstimatedDataSize))
          != (long long)g.len,
       "mime: a prefix with a bad byte comes from the re-encoded message");
    pref.truncation = 0;
}

static void test_pref_choice(void)
{
    eas_blob_t s = load("smime-signed.eml"), m = load("plain-utf8.eml");
    eas_bodypref_t p[2];
    eas_email_opts_t o;
    eas_node_t *r;

    memset(&o, 0, sizeof o);
    memset(p, 0, sizeof p);
    o.version = 141;
    o.prefs = p;
    o.nprefs = 2;
    p[0].type = EAS_BODY_HTML;
    p[1].type = EAS_BODY_MIME;
    o.mime_support = 1;
    r = convert(&s, &o);
    is_int(ival(r, AB(Type)), 4, "choice: MIMESupport 1, S/MIME gets MIME");
    r = convert(&m, &o);
    is_int(ival(r, AB(Type)), 2, "choice: MIMESupport 1, other mail gets HTML");
    o.mime_support = 2;
    r = convert(&m, &o);
    is_int(ival(r, AB(Type)), 4, "choice: MIMESupport 2 always MIME");
    o.mime_support = 0;
    r = convert(&s, &o);
    is_int(ival(r, AB(Type)), 2, "choice: MIMESupport 0 skips MIME");
    o.nprefs = 1;
    p[0].type = EAS_BODY_MIME;
    r = convert(&m, &o);
    is_int(ival(r, AB(Type)), 4, "choice: MIME when it is all that is asked");
    p[0].type = EAS_BODY_RTF;
    r = convert(&m, &o);
    is_int(ival(r, AB(Type)), 1, "choice: RTF asked, plain given");
}

/* ------------------------------------------------------------------ */
/* attachments                                                         */
/* ------------------------------------------------------------------ */

static void test_attachments(void)
{
    eas_blob_t m = load("attachments-rfc2231.eml"), out;
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_PLAIN, 0);
    eas_node_t *r = convert(&m, &o);
    static const char *names[] = {
        "Übersicht.pdf", "résumé — final.txt", "отчёт за март.jpg",
        "Forwarded note.eml"
    };
    const char *ct, *name;
    char *sid, *part;
    int i;

    is_int(count(r, AB(Attachment)), 4, "attachments: four listed");
    for (i = 0; i < 4; i++) {
        const eas_node_t *a = attachment(r, i);

        is_str(val(a, AB(DisplayName)), names[i],
               "attachments: name %d (RFC 2047/2231 decoded)", i + 1);
        is_str(val(a, AB(FileReference)),
               apr_psprintf(pool, "5:42:%d", i + 2),
               "attachments: FileReference %d", i + 1);
        is_int(ival(a, AB(Method)), 1, "attachments: Method %d", i + 1);
    }
    is_str(val(r, AB(Data)), "Here are the files.\n",
           "attachments: body text is not an attachment");

    ok(eas_email_fileref_split("5:42:3", &sid, &part, pool) == APR_SUCCESS
       && !strcmp(sid, "5:42") && !strcmp(part, "3"), "fileref: split");
    ok(eas_email_fileref_split("5:42", &sid, &part, pool) == APR_SUCCESS
       && !strcmp(sid, "5") && !strcmp(part, "42"),
       "fileref: the last colon separates the part");
    ok(eas_email_fileref_split("5:42:x/../1", &sid, &part, pool) == APR_EINVAL
       && eas_email_fileref_split("nocolon", &sid, &part, pool) == APR_EINVAL
       && eas_email_fileref_split("5:42:", &sid, &part, pool) == APR_EINVAL,
       "fileref: malformed references refused");

    ok(eas_email_attachment(&m, "3", &out, &ct, &name, pool) == APR_SUCCESS,
       "extract: text attachment");
    is_mem(out.data, out.len, "Line one\nLine two\n", 18,
           "extract: decoded content");
    is_str(ct, "text/plain", "extract: content type");
    is_str(name, "résumé — final.txt", "extract: name");
    ok(eas_email_attachment(&m, "5", &out, &ct, &name, pool) == APR_SUCCESS
       && strstr(apr_pstrmemdup(pool, out.data, out.len),
                 "Subject: Forwarded note")
       && !strcmp(ct, "message/rfc822"), "extract: attached message whole");
    ok(eas_email_attachment(&m, "9", &out, NULL, NULL, pool) == APR_ENOENT
       && eas_email_attachment(&m, "2.1", &out, NULL, NULL, pool) == APR_ENOENT
       && eas_email_attachment(&m, "", &out, NULL, NULL, pool) == APR_ENOENT
       && eas_email_attachment(&m, "0", &out, NULL, NULL, pool) == APR_ENOENT
       && eas_email_attachment(&m, "2.", &out, NULL, NULL, pool) == APR_ENOENT,
       "extract: no such part is APR_ENOENT");
}

static void test_inline_image(void)
{
    eas_blob_t m = load("inline-image.eml"), out;
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_HTML, 0);
    eas_node_t *r = convert(&m, &o);
    const eas_node_t *a = attachment(r, 0);
    const char *ct;

    is_int(count(r, AB(Attachment)), 1, "inline: one attachment");
    is_str(val(a, AB(FileReference)), "5:42:2.2", "inline: nested part path");
    is_str(val(a, AB(ContentId)), "logo@example.org", "inline: ContentId");
    is_int(ival(a, AB(IsInline)), 1, "inline: IsInline");
    ok(strstr(val(r, AB(Data)), "cid:logo@example.org") != NULL,
       "inline: HTML body from the related part");
    ok(eas_email_attachment(&m, "2.2", &out, &ct, NULL, pool) == APR_SUCCESS
       && out.len == 73 && !memcmp(out.data, "\x89PNG\r\n\x1a\n", 8)
       && !strcmp(ct, "image/png"), "inline: the PNG decoded");
}

/* Deterministic bytes, every value present. */
static unsigned char *pseudo_random(apr_size_t n)
{
    unsigned char *b = apr_palloc(pool, n);
    apr_uint32_t x = 2463534242u;
    apr_size_t i;

    for (i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = (unsigned char)x;
    }
    return b;
}

static eas_blob_t big_message(const unsigned char *content, apr_size_t n)
{
    static const char head[] =
        "From: Big <big@example.com>\nTo: bob@example.com\n"
        "Subject: Five megabytes\nDate: Mon, 01 Apr 2024 10:00:00 +0000\n"
        "Message-ID: <big-1@example.com>\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"big\"\n\n"
        "--big\nContent-Type: text/plain\n\nSee attached.\n\n"
        "--big\nContent-Type: application/octet-stream\n"
        "Content-Transfer-Encoding: base64\n"
        "Content-Disposition: attachment; filename=\"big.bin\"\n\n";
    static const char tail[] = "\n--big--\n";
    char *b64 = apr_palloc(pool, (apr_size_t)apr_base64_encode_len((int)n));
    int b64len = apr_base64_encode(b64, (const char *)content, (int)n) - 1;
    char *msg = apr_palloc(pool, sizeof head + (apr_size_t)b64len * 78 / 76
                                 + sizeof tail + 8);
    char *o = msg;
    int i;
    eas_blob_t r;

    memcpy(o, head, sizeof head - 1);
    o += sizeof head - 1;
    for (i = 0; i < b64len; i += 76) {
        int k = b64len - i < 76 ? b64len - i : 76;

        memcpy(o, b64 + i, (apr_size_t)k);
        o += k;
        *o++ = '\n';
    }
    memcpy(o, tail, sizeof tail);
    o += sizeof tail - 1;
    r.data = msg;
    r.len = (apr_size_t)(o - msg);
    return r;
}

static void test_big_attachment(void)
{
    apr_size_t n = 5 * 1024 * 1024;
    unsigned char *content = pseudo_random(n);
    eas_blob_t m = big_message(content, n), out;
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_MIME, 32768);
    eas_node_t *r;
    long long est;

    o.mime_support = 2;
    r = convert(&m, &o);
    est = ival(attachment(r, 0), AB(EstimatedDataSize));
    ok(est > (long long)n * 99 / 100 && est < (long long)n * 101 / 100,
       "5 MB: EstimatedDataSize within 1%% (%lld)", est);
    ok(tu_find(r, AB(Data)) && tu_find(r, AB(Data))->len == 32768
       && ival(tu_find(r, AB(Body)), AB(EstimatedDataSize)) == (long long)m.len,
       "5 MB: MIME body truncated to 32 KB");
    ok(eas_email_attachment(&m, "2", &out, NULL, NULL, pool) == APR_SUCCESS,
       "5 MB: extracted");
    is_mem(out.data, out.len, content, n, "5 MB: byte for byte");
}

/* ------------------------------------------------------------------ */
/* charsets, classes, broken mail                                      */
/* ------------------------------------------------------------------ */

static void test_charsets(void)
{
    static const struct {
        const char *file, *subject, *from, *body;
    } c[] = {
        { "latin1.eml", "Grüße aus Köln", "Jürgen Müller <juergen@example.de>",
          "Grüße aus Köln! Ça va? Señor Muñoz meldet 10 °C.\n" },
        { "cp1252.eml", "“Quoted” price €100", "Frank <frank@example.com>",
          "He said “smart quotes” – and paid €100… done.\n" },
        { "koi8r.eml", "Отчёт за квартал", "Иван <ivan@example.ru>",
          "Привет, мир! Отчёт готов.\n" },
        { "shiftjis.eml", "会議のお知らせ", "山田太郎 <taro@example.jp>",
          "こんにちは、世界。会議は明日です。\n" },
    };
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_PLAIN, 0);
    int i;

    for (i = 0; i < 4; i++) {
        eas_blob_t m = load(c[i].file);
        eas_node_t *r = convert(&m, &o);

        is_str(val(r, EM(Subject)), c[i].subject, "%s: subject", c[i].file);
        is_str(val(r, EM(From)), c[i].from, "%s: From", c[i].file);
        is_str(val(r, AB(Data)), c[i].body, "%s: body in UTF-8", c[i].file);
    }
}

static void test_classes(void)
{
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_PLAIN, 0);
    eas_blob_t m = load("smime-signed.eml");
    eas_node_t *r = convert(&m, &o);

    is_str(val(r, EM(MessageClass)), "IPM.Note.SMIME.MultipartSigned",
           "smime signed: class");
    is_int(count(r, AB(Attachment)), 0, "smime signed: signature not listed");
    is_str(val(r, AB(Data)), "Signed hello.\n", "smime signed: text");
    m = load("smime-encrypted.eml");
    r = convert(&m, &o);
    is_str(val(r, EM(MessageClass)), "IPM.Note.SMIME", "smime opaque: class");
    is_str(val(attachment(r, 0), AB(DisplayName)), "smime.p7m",
           "smime opaque: the blob is an attachment");
    pref.type = EAS_BODY_HTML;
    r = convert(&m, &o);
    ok(ival(tu_find(r, AB(Body)), AB(EstimatedDataSize)) == 0 && val(r, AB(Data))
       && !*val(r, AB(Data)), "smime opaque: no text, no HTML either");
    pref.type = EAS_BODY_PLAIN;
    m = load("meeting-request.eml");
    r = convert(&m, &o);
    is_str(val(r, EM(MessageClass)), "IPM.Schedule.Meeting.Request",
           "meeting: request class");
    is_str(val(r, EM(ContentClass)), "urn:content-classes:calendarmessage",
           "meeting: calendar content class");
    is_int(count(r, AB(Attachment)), 0, "meeting: calendar part not listed");
    m = load("meeting-cancel.eml");
    r = convert(&m, &o);
    is_str(val(r, EM(MessageClass)), "IPM.Schedule.Meeting.Canceled",
           "meeting: METHOD from the content when not in Content-Type");
}

static void test_broken(void)
{
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_PLAIN, 0);
    eas_blob_t m = load("no-date.eml"), out;
    eas_node_t *r;

    o.received = apr_time_from_sec(1704164645);     /* 2024-01-02 03:04:05 */
    r = convert(&m, &o);
    is_str(val(r, EM(DateReceived)), "2024-01-02T03:04:05.000Z",
           "no Date: delivery time used");
    m = load("garbage-8bit.eml");
    r = convert(&m, &o);
    ok(r != NULL, "garbage: converts");
    is_str(val(r, EM(DateReceived)), "2024-01-02T03:04:05.000Z",
           "garbage: unparsable Date, delivery time used");
    is_str(val(r, EM(From)), "René Café <rene@example.fr>",
           "garbage: raw Latin-1 header read as Windows-1252");
    is_str(val(r, AB(Data)), "Undeclared 8-bit text: déjà vu, naïve € price.",
           "garbage: undeclared 8-bit body guessed");
    ok(eas_email_attachment(&m, "2", &out, NULL, NULL, pool) == APR_SUCCESS
       && out.len >= 6 && !memcmp(out.data, "Hello ", 6),
       "garbage: bad base64 decoded as far as it goes");
    m = load("broken-truncated.eml");
    r = convert(&m, &o);
    is_str(val(r, AB(Data)), "The attachment below was cut off in transit.\n",
           "truncated MIME: body");
    is_str(val(attachment(r, 0), AB(DisplayName)), "data.bin",
           "truncated MIME: attachment listed");
    ok(eas_email_attachment(&m, "2", &out, NULL, NULL, pool) == APR_SUCCESS
       && out.len > 500 && out.len < 3000, "truncated MIME: partial content");
    m = load("broken-noboundary.eml");
    r = convert(&m, &o);
    ok(r && strstr(val(r, AB(Data)), "Text that lost its boundary"),
       "no boundary: the text is still shown");
    m = blob_of("");
    ok(convert(&m, &o) != NULL, "empty input converts");
    m = blob_of("\x01\x02\xff garbage without headers\n\n\x80\x81");
    ok(convert(&m, &o) != NULL, "binary garbage converts");
}

/* ------------------------------------------------------------------ */
/* threads                                                             */
/* ------------------------------------------------------------------ */

typedef struct {
    const eas_blob_t *m;
    const char *subject;
    int rounds, good;
} thread_job_t;

/* Convert the same message again and again in a pool of the thread's. */
static void *APR_THREAD_FUNC convert_loop(apr_thread_t *t, void *data)
{
    thread_job_t *j = data;
    apr_pool_t *tp;
    apr_bucket_alloc_t *tba;
    int i;

    apr_pool_create(&tp, NULL);
    tba = apr_bucket_alloc_create(tp);
    for (i = 0; i < j->rounds; i++) {
        apr_pool_t *p;
        apr_bucket_brigade *bb;
        eas_wbxml_enc_t *e;
        eas_bodypref_t pref = { EAS_BODY_HTML, 0, 0, 50 };
        eas_email_opts_t o;
        eas_node_t *root;
        char *out;
        apr_size_t len, off;
        const char *subj;

        memset(&o, 0, sizeof o);
        o.version = 141;
        o.prefs = &pref;
        o.nprefs = 1;
        apr_pool_create(&p, tp);
        bb = apr_brigade_create(p, tba);
        e = eas_wbxml_enc_create(p, bb, NULL, NULL);
        eas_enc_start(e, EAS_AirSync_ApplicationData);
        eas_email_write(e, j->m, &o, p);
        if (eas_enc_finish(e) == APR_SUCCESS
            && apr_brigade_pflatten(bb, &out, &len, p) == APR_SUCCESS
            && eas_wbxml_decode(p, (unsigned char *)out, len, NULL, &root,
                                &off) == EAS_WBXML_OK
            && (subj = eas_node_text(root, EM(Subject))) != NULL
            && !strcmp(subj, j->subject))
            j->good++;
        apr_pool_destroy(p);
    }
    apr_pool_destroy(tp);
    return NULL;
}

static void test_threads(void)
{
    eas_blob_t a = load("koi8r.eml"), b = load("shiftjis.eml");
    thread_job_t j[2] = { { &a, "Отчёт за квартал", 200, 0 },
                          { &b, "会議のお知らせ", 200, 0 } };
    apr_thread_t *t[2];
    apr_status_t rv;
    int i;

    for (i = 0; i < 2; i++)
        apr_thread_create(&t[i], NULL, convert_loop, &j[i], pool);
    for (i = 0; i < 2; i++)
        apr_thread_join(&rv, t[i]);
    ok(j[0].good == 200 && j[1].good == 200,
       "threads: two threads converting at once, every result right "
       "(%d, %d of 200)", j[0].good, j[1].good);
}

/* ------------------------------------------------------------------ */
/* compose                                                             */
/* ------------------------------------------------------------------ */

static eas_compose_t compose_in(eas_compose_mode_t mode, eas_blob_t *mime,
                                eas_blob_t *orig)
{
    eas_compose_t c;

    memset(&c, 0, sizeof c);
    c.mode = mode;
    c.mime = mime;
    c.original = orig;
    c.from_addr = "bob@example.com";
    c.from_name = "Bob Builder";
    c.now = apr_time_from_sec(1711000000);
    return c;
}

static const char *msg_str(const eas_composed_t *out)
{
    return apr_pstrmemdup(pool, out->message.data, out->message.len);
}

static int has_rcpt(const eas_composed_t *out, const char *a)
{
    int i;

    for (i = 0; i < out->rcpts->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(out->rcpts, i, const char *), a))
            return 1;
    return 0;
}

static void test_compose_reply(void)
{
    eas_blob_t mime = load("client-reply.eml"), orig = load("plain-utf8.eml");
    eas_compose_t c = compose_in(EAS_COMPOSE_REPLY, &mime, &orig);
    eas_composed_t out;
    const char *err = NULL, *s;
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_PLAIN, 0);
    eas_node_t *r;

    ok(eas_email_compose(&c, &out, pool, &err) == APR_SUCCESS,
       "reply: composed (%s)", err ? err : "ok");
    s = msg_str(&out);
    ok(strstr(s, "In-Reply-To: <plain-1@example.org>")
       && strstr(s, "References: <plain-1@example.org>"),
       "reply: In-Reply-To and References");
    ok(!strstr(s, "Bcc:") && !strstr(s, "secret@example.net"),
       "reply: Bcc gone from the message");
    ok(out.rcpts->nelts == 2 && has_rcpt(&out, "alice@example.org")
       && has_rcpt(&out, "secret@example.net"), "reply: envelope has Bcc");
    ok(strstr(s, "\nDate: ") && out.message_id
       && strcasestr(s, apr_pstrcat(pool, "\nMessage-ID: ", out.message_id,
                                    NULL)),
       "reply: Date and Message-ID added");
    ok(!strchr(s, '\r'), "reply: LF line ends");
    is_str(out.from, "bob@example.com", "reply: envelope sender");
    r = convert(&out.message, &o);
    is_str(val(r, EM(From)), "Bob <bob@example.com>",
           "reply: the user's own From kept");
    s = val(r, AB(Data));
    ok(s && !strncmp(s, "Thanks, looks good to me.\n", 26)
       && strstr(s, "-----Original Message-----\nFrom: Alice Émile "
                    "<alice@example.org>\n")
       && strstr(s, "\n> Hello Bob,\n>\n> Here is the draft"),
       "reply: the original quoted under the new text");

    c.replace_mime = 1;
    ok(eas_email_compose(&c, &out, pool, &err) == APR_SUCCESS,
       "replace: composed");
    r = convert(&out.message, &o);
    is_str(val(r, AB(Data)), "Thanks, looks good to me.\n",
           "replace: nothing of the original added");
    ok(strstr(msg_str(&out), "In-Reply-To: <plain-1@example.org>") != NULL,
       "replace: still threaded");
}

static void test_compose_reply_html(void)
{
    eas_blob_t mime = load("client-reply-html.eml"), orig = load("alternative.eml");
    eas_compose_t c = compose_in(EAS_COMPOSE_REPLY, &mime, &orig);
    eas_composed_t out;
    const char *err = NULL, *s;
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_HTML, 0);
    eas_node_t *r;

    ok(eas_email_compose(&c, &out, pool, &err) == APR_SUCCESS,
       "reply html: composed (%s)", err ? err : "ok");
    r = convert(&out.message, &o);
    s = val(r, AB(Data));
    ok(s && strstr(s, "<div>Perfect, see you there.</div><hr>")
       && strstr(s, "<blockquote") && strstr(s, "<b>12:30</b>")
       && strstr(s, "</blockquote></body></html>"),
       "reply html: original in a blockquote before </body>");
    ok(strstr(msg_str(&out), "References: <root-lunch@example.com> "
                             "<alt-2@example.com>") != NULL,
       "reply html: References extend the original's");
    pref.type = EAS_BODY_PLAIN;
    r = convert(&out.message, &o);
    ok(strstr(val(r, AB(Data)), "> Sure, 12:30 at the Thai place?") != NULL,
       "reply html: plain alternative quoted too");
    is_int(out.rcpts->nelts, 2, "reply html: duplicate recipient once");
}

static void test_compose_forward(void)
{
    eas_blob_t mime = load("client-forward.eml");
    eas_blob_t orig = load("attachments-rfc2231.eml"), a;
    eas_compose_t c = compose_in(EAS_COMPOSE_FORWARD, &mime, &orig);
    eas_composed_t out;
    const char *err = NULL, *s, *name, *ref;
    char *sid, *part;
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_PLAIN, 0);
    eas_node_t *r;

    ok(eas_email_compose(&c, &out, pool, &err) == APR_SUCCESS,
       "forward: composed (%s)", err ? err : "ok");
    s = msg_str(&out);
    ok(strstr(s, "References: <att-1@example.org>") && !strstr(s, "In-Reply-To"),
       "forward: References, no In-Reply-To");
    r = convert(&out.message, &o);
    is_int(count(r, AB(Attachment)), 4, "forward: original attachments carried");
    is_str(val(attachment(r, 1), AB(DisplayName)), "résumé — final.txt",
           "forward: attachment names survive");
    s = val(r, AB(Data));
    ok(s && !strncmp(s, "Frank, see below.\n", 18)
       && strstr(s, "Subject: Files for the meeting\n\nHere are the files."),
       "forward: original text unquoted under the new text");
    ref = val(attachment(r, 1), AB(FileReference));
    ok(ref && eas_email_fileref_split(ref, &sid, &part, pool) == APR_SUCCESS
       && eas_email_attachment(&out.message, part, &a, NULL, &name, pool)
          == APR_SUCCESS
       && a.len == 18 && !memcmp(a.data, "Line one\nLine two\n", 18)
       && !strcmp(name, "résumé — final.txt"),
       "forward: attachment content intact");

    c.replace_mime = 1;
    ok(eas_email_compose(&c, &out, pool, &err) == APR_SUCCESS,
       "forward replace: composed");
    r = convert(&out.message, &o);
    is_int(count(r, AB(Attachment)), 0, "forward replace: nothing carried");
}

static void test_compose_from(void)
{
    eas_blob_t mime = load("client-spoof.eml");
    eas_compose_t c = compose_in(EAS_COMPOSE_NEW, &mime, NULL);
    eas_composed_t out;
    const char *err = NULL, *s;
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_PLAIN, 0);
    eas_node_t *r;
    eas_blob_t bad;

    ok(eas_email_compose(&c, &out, pool, &err) == APR_SUCCESS,
       "from: composed (%s)", err ? err : "ok");
    s = msg_str(&out);
    r = convert(&out.message, &o);
    is_str(val(r, EM(From)), "Bob Builder <bob@example.com>",
           "from: a foreign From replaced by the user");
    ok(!strstr(s, "Sender:") && !strstr(s, "ceo@example.com"),
       "from: Sender and the forged address gone");
    ok(strcasestr(s, "\nMessage-ID: <client-chosen@example.com>")
       && !strcmp(out.message_id, "<client-chosen@example.com>"),
       "from: the client's Message-ID kept");
    ok(out.rcpts->nelts == 3 && has_rcpt(&out, "victim@example.com")
       && has_rcpt(&out, "a@example.com") && has_rcpt(&out, "B@Example.com"),
       "from: group members, duplicates in other case once");
    ok(!strchr(s, '\r') && strstr(s, "\n.leading dot line\n"),
       "from: CRLF input comes out with LF");

    bad = blob_of("To: -oQ/tmp/x@example.com\nSubject: x\n\nbody\n");
    c.mime = &bad;
    ok(eas_email_compose(&c, &out, pool, &err) == EAS_EMAIL_EBADRCPT && err,
       "from: option-like recipient refused (%s)", err ? err : "");
    bad = blob_of("Subject: nobody\n\nbody\n");
    ok(eas_email_compose(&c, &out, pool, &err) == EAS_EMAIL_EBADRCPT,
       "from: no recipients refused");
    bad = blob_of("To: Undisclosed recipients:;\nSubject: no one\n\nbody\n");
    ok(eas_email_compose(&c, &out, pool, &err) == EAS_EMAIL_EBADRCPT,
       "from: an empty group is no recipient either");
    bad = blob_of("");
    ok(eas_email_compose(&c, &out, pool, &err) == APR_EINVAL,
       "from: empty data refused");
    c.mime = &mime;
    c.from_addr = "not an address";
    ok(eas_email_compose(&c, &out, pool, &err) == APR_EINVAL,
       "from: user without a usable address refused");
}

/* ------------------------------------------------------------------ */
/* submission                                                          */
/* ------------------------------------------------------------------ */

static const char *tmpdir;

static char *slurp(const char *path, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    char *buf;

    if (apr_file_open(&f, path, APR_READ | APR_BINARY, 0, pool)
        || apr_file_info_get(&fi, APR_FINFO_SIZE, f))
        return NULL;
    buf = apr_palloc(pool, (apr_size_t)fi.size + 1);
    apr_file_read_full(f, buf, (apr_size_t)fi.size, len);
    buf[*len] = '\0';
    apr_file_close(f);
    return buf;
}

static apr_array_header_t *rcpt_list(const char *a, const char *b)
{
    apr_array_header_t *l = apr_array_make(pool, 2, sizeof(const char *));

    *(const char **)apr_array_push(l) = a;
    if (b)
        *(const char **)apr_array_push(l) = b;
    return l;
}

static void test_sendmail(void)
{
    eas_submit_conf_t conf;
    const char *out = apr_pstrcat(pool, tmpdir, "/sent", NULL), *err = NULL;
    eas_blob_t msg = load("plain-utf8.eml");
    apr_size_t len;
    char *args, *body;

    memset(&conf, 0, sizeof conf);
    conf.sendmail = EAS_FAKE_SENDMAIL;
    setenv("FAKE_SENDMAIL_OUT", out, 1);
    unsetenv("FAKE_SENDMAIL_EXIT");
    ok(eas_submit(&conf, "bob@example.com",
                  rcpt_list("alice@example.org", "x y@example.com") , &msg,
                  pool, &err) == EAS_EMAIL_EBADRCPT,
       "sendmail: space in address refused as a recipient problem");
    /* sendmail reads a list from one argument: one address per argument */
    ok(eas_submit(&conf, "bob@example.com",
                  rcpt_list("alice@example.org,mallory@evil.example", NULL),
                  &msg, pool, &err) == EAS_EMAIL_EBADRCPT
       && eas_submit(&conf, "bob@example.com", rcpt_list("alice", NULL),
                     &msg, pool, &err) == EAS_EMAIL_EBADRCPT,
       "sendmail: a list or a bare name refused as a recipient");
    ok(eas_submit(&conf, "bob@example.com",
                  rcpt_list("alice@example.org", "carol@example.com"), &msg,
                  pool, &err) == APR_SUCCESS,
       "sendmail: submitted (%s)", err ? err : "ok");
    args = slurp(apr_pstrcat(pool, out, ".args", NULL), &len);
    is_str(args, "-i\n-f\nbob@example.com\n--\nalice@example.org\n"
           "carol@example.com\n", "sendmail: arguments");
    body = slurp(apr_pstrcat(pool, out, ".msg", NULL), &len);
    is_mem(body, body ? len : 0, msg.data, msg.len, "sendmail: message on stdin");
    setenv("FAKE_SENDMAIL_EXIT", "75", 1);
    err = NULL;
    ok(eas_submit(&conf, "bob@example.com", rcpt_list("alice@example.org", NULL),
                  &msg, pool, &err) == APR_EGENERAL
       && err && strstr(err, "status 75"), "sendmail: failure reported (%s)",
       err ? err : "");
    unsetenv("FAKE_SENDMAIL_EXIT");
    conf.sendmail = "/nonexistent/sendmail";
    ok(eas_submit(&conf, "bob@example.com", rcpt_list("alice@example.org", NULL),
                  &msg, pool, &err) == APR_EGENERAL, "sendmail: missing program");
    conf.sendmail = EAS_FAKE_SENDMAIL;
    ok(eas_submit(&conf, "-oQ/tmp", rcpt_list("alice@example.org", NULL),
                  &msg, pool, &err) == APR_EINVAL, "sendmail: option as sender refused");
    ok(eas_submit(&conf, "bob@example.com",
                  apr_array_make(pool, 1, sizeof(const char *)), &msg, pool,
                  &err) == EAS_EMAIL_EBADRCPT,
       "sendmail: no recipients is a recipient problem");
}

static void test_smtp(void)
{
    eas_submit_conf_t conf;
    smtp_sink_t *sink = smtp_sink_start(pool);
    const char *err = NULL;
    apr_status_t rv;
    eas_blob_t msg = blob_of("From: bob@example.com\nTo: alice@example.org\n"
                             "Subject: dots\n\nfirst line\n.hidden dot\n"
                             "..two dots\ncrlf line\r\nlast line");
    const char *want = "From: bob@example.com\nTo: alice@example.org\n"
                       "Subject: dots\n\nfirst line\n.hidden dot\n"
                       "..two dots\ncrlf line\nlast line\n";

    ok(sink != NULL, "smtp: sink listening");
    if (sink == NULL)
        return;
    memset(&conf, 0, sizeof conf);
    conf.smtp_url = apr_psprintf(pool, "smtp://127.0.0.1:%u", sink->port);
    conf.smtp_user = "bob";
    conf.smtp_password = "s3cret";
    conf.timeout = 20;
    rv = eas_submit(&conf, "bob@example.com",
                    rcpt_list("alice@example.org", "carol@example.com"), &msg,
                    pool, &err);
    ok(rv == APR_SUCCESS, "smtp: submitted");
    if (rv != APR_SUCCESS)
        tap_diag("  %s", err ? err : "?");
    smtp_sink_wait(sink);
    is_str(sink->mail_from, "bob@example.com", "smtp: MAIL FROM");
    ok(sink->rcpts->nelts == 2
       && !strcmp(APR_ARRAY_IDX(sink->rcpts, 0, const char *),
                  "alice@example.org")
       && !strcmp(APR_ARRAY_IDX(sink->rcpts, 1, const char *),
                  "carol@example.com"), "smtp: RCPT TO both");
    is_str(sink->auth, "|bob|s3cret", "smtp: AUTH PLAIN credentials");
    is_str(sink->data, want, "smtp: data arrives whole, dots unstuffed");
    is_int(sink->bare_lf, 0, "smtp: every line sent with CRLF");

    sink = smtp_sink_start(pool);
    conf.smtp_url = apr_psprintf(pool, "smtp://127.0.0.1:%u", sink->port);
    conf.smtp_user = NULL;
    err = NULL;
    ok(eas_submit(&conf, "bob@example.com", rcpt_list("reject@example.org", NULL),
                  &msg, pool, &err) == APR_EGENERAL && err && strstr(err, "550"),
       "smtp: refused recipient reported (%s)", err ? err : "");
    smtp_sink_wait(sink);
    ok(sink->data == NULL, "smtp: nothing delivered after the refusal");

    /* the sink is gone: nothing listens on its port now */
    err = NULL;
    ok(eas_submit(&conf, "bob@example.com", rcpt_list("alice@example.org", NULL),
                  &msg, pool, &err) == APR_EGENERAL && err,
       "smtp: connection refused reported (%s)", err ? err : "");
}

/* ------------------------------------------------------------------ */
/* GLib's and GMime's messages                                         */
/* ------------------------------------------------------------------ */

/* What eas_email_log_to handed over, for the whole run. */
static struct {
    int count;
    int level;
    char domain[32];
    char msg[256];
} glib_log;

static void glib_collect(void *data, int level, const char *domain,
                         const char *msg)
{
    glib_log.count++;
    glib_log.level = level;
    apr_cpystrn(glib_log.domain, domain, sizeof glib_log.domain);
    apr_cpystrn(glib_log.msg, msg, sizeof glib_log.msg);
}

/* Bytes written to stderr while fn runs. */
static apr_off_t stderr_bytes(void (*fn)(void))
{
    char path[] = "/tmp/test_email_stderr.XXXXXX";
    int fd = mkstemp(path), saved = dup(2);
    apr_off_t n;

    fflush(stderr);
    dup2(fd, 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    n = lseek(fd, 0, SEEK_END);
    close(fd);
    unlink(path);
    return n;
}

static void misuse_gmime(void)
{
    GMimeStream *s = g_mime_stream_null_new();

    /* a failed precondition: GMime's CRITICAL */
    g_mime_data_wrapper_write_to_stream(NULL, s);
    g_object_unref(s);
}

static void glib_warning(void)
{
    g_log("test-domain", G_LOG_LEVEL_WARNING, "warned %d times", 1);
}

static void test_glib_log(void)
{
    eas_email_log_to(glib_collect, NULL);
    is_int((int)stderr_bytes(misuse_gmime), 0,
           "glib log: a GMime CRITICAL writes nothing to stderr");
    is_int(glib_log.count, 1, "glib log: handed over once");
    is_int(glib_log.level, LOG_ERR, "glib log: a CRITICAL is LOG_ERR");
    is_str(glib_log.domain, "gmime", "glib log: with GMime's domain");
    ok(strstr(glib_log.msg, "g_mime_data_wrapper_write_to_stream") != NULL,
       "glib log: and its text (%s)", glib_log.msg);
    is_int((int)stderr_bytes(glib_warning), 0,
           "glib log: a warning writes nothing to stderr");
    is_int(glib_log.count, 2, "glib log: handed over too");
    is_int(glib_log.level, LOG_WARNING, "glib log: as LOG_WARNING");
    is_str(glib_log.msg, "warned 1 times", "glib log: formatted");
    glib_log.count = 0;
}

/*
 * Parts whose headers run straight into the next boundary have no content
 * in GMime's tree, here at the top and inside an attached message; 8-bit
 * text makes the MIME body be re-encoded, which reads every part.
 */
static void test_contentless(void)
{
    eas_blob_t m = blob_of(
        "From: a@example.com\nTo: b@example.com\nSubject: empty parts\n"
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=xx\n\n"
        "--xx\nContent-Type: text/plain; charset=iso-8859-1\n\n"
        "Caf\xe9\n"
        "--xx\nContent-Type: application/pdf; name=empty.pdf\n"
        "--xx\nContent-Type: message/rfc822\n\n"
        "Subject: inner\nContent-Type: multipart/mixed; boundary=yy\n\n"
        "--yy\nContent-Type: image/png; name=inner.png\n"
        "--yy--\n"
        "--xx--\n");
    eas_blob_t mine = blob_of("To: c@example.com\nSubject: fwd\n\nsee\n");
    eas_bodypref_t pref;
    eas_email_opts_t o = opts1(141, &pref, EAS_BODY_MIME, 0);
    eas_compose_t c;
    eas_composed_t out;
    eas_blob_t part;
    const char *err = NULL, *d;
    eas_node_t *r;

    o.mime_support = 2;
    glib_log.count = 0;
    r = convert(&m, &o);
    d = val(r, AB(Data));
    /* "Q2Fm6Q==": the Latin-1 text in base64, so it was re-encoded */
    ok(d && strstr(d, "name=empty.pdf") && strstr(d, "name=inner.png")
       && strstr(d, "Q2Fm6Q=="), "contentless: MIME re-encoded whole");
    is_int(count(r, AB(Attachment)), 2, "contentless: both attachments");
    ok(eas_email_attachment(&m, "2", &part, NULL, NULL, pool) == APR_SUCCESS
       && part.len == 0, "contentless: the empty part is empty");
    memset(&c, 0, sizeof c);
    c.mode = EAS_COMPOSE_FORWARD;
    c.mime = &mine;
    c.original = &m;
    c.from_addr = "a@example.com";
    ok(eas_email_compose(&c, &out, pool, &err) == APR_SUCCESS
       && strstr(out.message.data, "name=empty.pdf"),
       "contentless: forwarded with its attachments (%s)", err ? err : "");
    is_int(glib_log.count, 0, "contentless: GMime has nothing to say (%s)",
           glib_log.msg);
}

int main(void)
{
    char tmpl[] = "/tmp/test_email.XXXXXX";

    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&pool, NULL);
    ba = apr_bucket_alloc_create(pool);
    eas_email_init();
    signal(SIGPIPE, SIG_IGN);
    tmpdir = mkdtemp(tmpl);
    if (tmpdir == NULL) {
        printf("Bail out! no temporary directory\n");
        return 1;
    }

    test_glib_log();
    test_plain_headers();
    test_flags_only();
    test_plain_body();
    test_truncation();
    test_all_or_none();
    test_preview();
    test_html_only();
    test_alternative();
    test_plain_as_html();
    test_mime();
    test_pref_choice();
    test_attachments();
    test_inline_image();
    test_big_attachment();
    test_charsets();
    test_classes();
    test_broken();
    test_contentless();
    test_threads();
    test_compose_reply();
    test_compose_reply_html();
    test_compose_forward();
    test_compose_from();
    test_sendmail();
    test_smtp();

    apr_file_remove(apr_pstrcat(pool, tmpdir, "/sent.args", NULL), pool);
    apr_file_remove(apr_pstrcat(pool, tmpdir, "/sent.msg", NULL), pool);
    apr_dir_remove(tmpdir, pool);
    is_int(glib_log.count, 0, "no GLib or GMime message in any test: %s",
           glib_log.msg);
    return tap_done();
}
