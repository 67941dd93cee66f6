/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests of the CalDAV/CardDAV client (backends/dav).
 *
 * Offline: path normalisation, href resolution and the origin checks, the
 * multistatus parser and its limits, client options.
 *
 * Against a server, when t/integration/test_dav_client.py runs this with
 * DAV_TEST_URL, DAV_TEST_USER/PASSWORD (a Radicale user), DAV_TEST_USER2/
 * PASSWORD2 (another), DAV_TEST_SEEDED (a calendar of the first with two
 * events), DAV_TEST_GARBAGE_URL (a server answering nonsense), the same
 * over TLS at DAV_TEST_TLS_URL with its self-signed certificate in
 * DAV_TEST_TLS_CA, and DAV_TEST_DOWN_URL (a port nobody listens on): discovery, collection
 * listing and writes, sync-collection round trips, queries, multiget,
 * conflicts, isolation between users, and failures.
 */
#include "dav_client.h"
#include "tap.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include <stdlib.h>

static apr_pool_t *root;
static apr_array_header_t *log_lines;

static void collect(void *ctx, int level, apr_status_t rv, const char *msg)
{
    APR_ARRAY_PUSH(log_lines, const char *) = apr_pstrdup(root, msg);
}

static int logged(const char *needle, int from)
{
    int i;

    for (i = from; i < log_lines->nelts; i++)
        if (strstr(APR_ARRAY_IDX(log_lines, i, const char *), needle))
            return 1;
    return 0;
}

/* Whether a request for something under path went out since line from:
   every request leaves a "METHOD path -> status" line. */
static int requested(const char *path, int from)
{
    int i;

    for (i = from; i < log_lines->nelts; i++) {
        const char *l = APR_ARRAY_IDX(log_lines, i, const char *);
        const char *at = strstr(l, path);
        if (at && at > l && at[-1] == ' ' && strstr(at, " -> "))
            return 1;
    }
    return 0;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static dav_client_t *client_at(const char *url, const char *user,
                               const char *pw, apr_size_t max_body,
                               int batch, apr_pool_t *p)
{
    dav_options_t o = { 0 };
    dav_client_t *c = NULL;
    const char *err = NULL;

    o.base_url = url;
    o.user = user;
    o.password = pw;
    o.timeout_ms = 15000;
    o.max_body = max_body;
    o.multiget_batch = batch;
    o.log = collect;
    if (dav_client_create(&c, &o, p, &err) != APR_SUCCESS)
        tap_diag("client for %s: %s", url, err);
    return c;
}

/* ------------------------------------------------------------ offline */

static void test_paths(apr_pool_t *p)
{
    is_str(dav_path_normalise("/a/./b/../c", p), "/a/c", "dot segments");
    is_str(dav_path_normalise("/a/%7euser/%2e%2e/x", p), "/a/x",
           "encoded dots decoded, then removed");
    is_str(dav_path_normalise("/a b/%2f/%c3%a9", p), "/a%20b/%2F/%C3%A9",
           "escapes made canonical");
    is_str(dav_path_normalise("/../../etc", p), "/etc", "no climbing above /");
    is_str(dav_path_normalise("/a/b/..", p), "/a/", "trailing .. leaves /");
    ok(dav_path_normalise("/a?x", p) == NULL, "query refused");
    ok(dav_path_normalise("/a\r\nb", p) == NULL, "control characters refused");
    ok(dav_path_normalise("/a%zz", p) == NULL, "broken escape refused");
    ok(dav_path_normalise("a/b", p) == NULL, "relative path refused");
    ok(dav_path_under("/alice/cal/x.ics", "/alice/"), "under its home");
    ok(dav_path_under("/alice", "/alice/"), "the home itself");
    ok(!dav_path_under("/alicex/cal/", "/alice/"), "not a sibling prefix");
    ok(!dav_path_under("/bob/", "/alice/"), "not another home");
}

static void test_resolve(apr_pool_t *p)
{
    dav_url_t b;

    is_int(dav_url_parse("http://DAV.example.org/alice/cal/", &b, p),
           APR_SUCCESS, "base URL parses");
    is_str(b.host, "dav.example.org", "host in lower case");
    is_int(b.port, 80, "default port");
    is_str(dav_url_resolve(&b, "x.ics", p), "/alice/cal/x.ics", "relative");
    is_str(dav_url_resolve(&b, "/alice/other/", p), "/alice/other/",
           "absolute path");
    is_str(dav_url_resolve(&b, "HTTP://dav.example.org:80/alice/", p),
           "/alice/", "absolute URL on the same origin");
    ok(!dav_url_resolve(&b, "http://evil.example/alice/", p),
       "another host refused");
    ok(!dav_url_resolve(&b, "//evil.example/alice/", p),
       "network-path reference to another host refused");
    ok(!dav_url_resolve(&b, "https://dav.example.org/alice/", p),
       "another scheme refused");
    ok(!dav_url_resolve(&b, "http://dav.example.org:8080/alice/", p),
       "another port refused");
    ok(!dav_url_resolve(&b, "mailto:alice@example.org", p),
       "another kind of URI refused");
    ok(dav_url_parse("http://alice:pw@dav.example.org/", &b, p) != APR_SUCCESS,
       "credentials in a URL refused");
    ok(dav_url_parse("ftp://dav.example.org/", &b, p) != APR_SUCCESS,
       "ftp refused");
    ok(dav_url_parse("http://dav.example.org?x=1", &b, p) != APR_SUCCESS,
       "query without a path refused");
    ok(dav_url_parse("http://dav.example.org:99999/", &b, p) != APR_SUCCESS,
       "port out of range refused");
    is_int(dav_url_parse("https://[::1]:8443/dav/", &b, p), APR_SUCCESS,
           "IPv6 literal");
    is_str(dav_url_origin(&b, p), "https://[::1]:8443", "its origin");
    is_str(dav_xml_escape("a<b>&\"c'\x01", p),
           "a&lt;b&gt;&amp;&quot;c&apos;", "XML escaping");
}

static const char ms_sample[] =
    "<?xml version=\"1.0\"?>\n"
    "<d:multistatus xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\""
    " xmlns:cs=\"http://calendarserver.org/ns/\">"
    "<d:response><d:href> /alice/cal/ </d:href><d:propstat><d:prop>"
    "<d:resourcetype><d:collection/><c:calendar/></d:resourcetype>"
    "<d:displayname>Work</d:displayname><cs:getctag>c1</cs:getctag>"
    "<i:calendar-color xmlns:i=\"http://apple.com/ns/ical/\">#00FF00"
    "</i:calendar-color>"
    "<c:supported-calendar-component-set><c:comp name=\"VTODO\"/>"
    "</c:supported-calendar-component-set><d:supported-report-set>"
    "<d:supported-report><d:report><d:sync-collection/></d:report>"
    "</d:supported-report></d:supported-report-set></d:prop>"
    "<d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
    "<d:propstat><d:prop><d:getetag/></d:prop>"
    "<d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>"
    "<d:response><d:href>/alice/cal/1.ics</d:href><d:href>2.ics</d:href>"
    "<d:status>HTTP/1.1 404 Not Found</d:status></d:response>"
    "<d:response><d:href>/alice/cal/3.ics</d:href><d:propstat><d:prop>"
    "<d:getetag>\"e3\"</d:getetag><c:calendar-data><![CDATA[BEGIN:VCALENDAR"
    "\r\n]]>&amp;</c:calendar-data></d:prop>"
    "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
    "<d:sync-token>tok-2</d:sync-token></d:multistatus>";

static void test_multistatus(apr_pool_t *p)
{
    dav_xml_limits_t lim = { 65536, 32, 100 };
    dav_multistatus_t ms;
    dav_ms_response_t *r;
    const char *err = NULL;
    char *deep;
    int i;

    is_int(dav_multistatus_parse(ms_sample, sizeof(ms_sample) - 1, &lim, &ms,
                                 p, &err), APR_SUCCESS, "multistatus parses");
    is_int(ms.responses->nelts, 4, "one entry per href");
    is_str(ms.sync_token, "tok-2", "sync-token");
    r = &APR_ARRAY_IDX(ms.responses, 0, dav_ms_response_t);
    is_str(r->href, "/alice/cal/", "href trimmed");
    is_int(r->rtype, DAV_RT_COLLECTION | DAV_RT_CALENDAR, "resourcetype");
    is_str(r->displayname, "Work", "displayname");
    is_str(r->ctag, "c1", "getctag");
    is_str(r->color, "#00FF00", "calendar-color");
    ok(r->has_comps && r->comps == DAV_COMP_VTODO, "component set");
    ok(r->can_sync, "sync-collection supported");
    ok(r->etag == NULL && r->prop_status == 404,
       "a 404 propstat gives no property");
    r = &APR_ARRAY_IDX(ms.responses, 2, dav_ms_response_t);
    ok(strcmp(r->href, "2.ics") == 0 && r->status == 404,
       "second href of a status response");
    r = &APR_ARRAY_IDX(ms.responses, 3, dav_ms_response_t);
    is_str(r->etag, "\"e3\"", "getetag");
    /* XML turns a literal CR LF into LF (servers escape CR as &#13;) */
    is_mem(r->data, r->data_len, "BEGIN:VCALENDAR\n&", 17,
           "calendar-data with CDATA and an entity, untrimmed");

    lim.max_responses = 3;
    is_int(dav_multistatus_parse(ms_sample, sizeof(ms_sample) - 1, &lim, &ms,
                                 p, &err), DAV_ETOOBIG, "response count bound");
    lim.max_responses = 100;
    lim.max_size = 100;
    is_int(dav_multistatus_parse(ms_sample, sizeof(ms_sample) - 1, &lim, &ms,
                                 p, &err), DAV_ETOOBIG, "size bound");
    lim.max_size = 65536;
    {
        static const char dtd[] =
            "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY a \"aaaa\">]>"
            "<d:multistatus xmlns:d=\"DAV:\">&a;</d:multistatus>";
        is_int(dav_multistatus_parse(dtd, sizeof(dtd) - 1, &lim, &ms, p,
                                     &err), DAV_EBADREPLY, "DTD refused");
    }
    {
        static const char u16[] = "<\0?\0x\0m\0l\0 \0v\0e\0r\0s\0i\0o\0n"
            "\0=\0'\0\x31\0.\0\x30\0'\0 \0e\0n\0c\0o\0d\0i\0n\0g\0=\0'\0"
            "U\0T\0F\0-\0\x31\0\x36\0'\0?\0>\0<\0!\0D\0O\0C\0T\0Y\0P\0E"
            "\0 \0m\0>\0<\0m\0/\0>\0";
        is_int(dav_multistatus_parse(u16, sizeof(u16) - 1, &lim, &ms, p,
                                     &err), DAV_EBADREPLY,
               "UTF-16 (where a DTD could hide) refused");
    }
    deep = apr_pstrdup(p, "<d:multistatus xmlns:d=\"DAV:\">");
    for (i = 0; i < 40; i++)
        deep = apr_pstrcat(p, deep, "<d:x>", NULL);
    for (i = 0; i < 40; i++)
        deep = apr_pstrcat(p, deep, "</d:x>", NULL);
    deep = apr_pstrcat(p, deep, "</d:multistatus>", NULL);
    is_int(dav_multistatus_parse(deep, strlen(deep), &lim, &ms, p, &err),
           DAV_EBADREPLY, "depth bound");
    is_str(err, "XML nested too deep", "its error");
    is_int(dav_multistatus_parse("<a>", 3, &lim, &ms, p, &err), DAV_EBADREPLY,
           "broken XML");
    is_int(dav_multistatus_parse("<error xmlns='DAV:'/>", 21, &lim, &ms, p,
                                 &err), DAV_EBADREPLY, "not a multistatus");
    {
        static const char e1[] = "<D:error xmlns:D=\"DAV:\">"
                                 "<D:valid-sync-token/></D:error>";
        static const char e2[] = "<D:error xmlns:D=\"DAV:\"><D:other/>"
                                 "</D:error>";
        ok(dav_xml_error_has(e1, sizeof(e1) - 1, "valid-sync-token"),
           "precondition found in DAV:error");
        ok(!dav_xml_error_has(e2, sizeof(e2) - 1, "valid-sync-token"),
           "other precondition");
    }
}

static void test_options(apr_pool_t *p)
{
    dav_options_t o = { 0 };
    dav_client_t *c;
    const char *err = NULL;

    o.base_url = "https://alice:secret@dav.example.org/";
    is_int(dav_client_create(&c, &o, p, &err), APR_EINVAL,
           "credentials in the base URL refused");
    ok(err && !strstr(err, "secret"), "the error does not repeat them");
    o.base_url = "https://dav.example.org/";
    o.user = "a:b";
    is_int(dav_client_create(&c, &o, p, &err), APR_EINVAL,
           "':' in a Basic user name refused");
}

/* ------------------------------------------------------------ server */

static const char *ev(const char *uid, const char *start, const char *rrule,
                      apr_pool_t *p)
{
    return apr_psprintf(p, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                        "PRODID:-//mod_eas//tests//EN\r\nBEGIN:VEVENT\r\n"
                        "UID:%s\r\nDTSTAMP:20260101T000000Z\r\n"
                        "DTSTART:%s\r\nDURATION:PT1H\r\n"
                        "SUMMARY:secret-summary %s\r\n%s%s"
                        "END:VEVENT\r\nEND:VCALENDAR\r\n", uid, start, uid,
                        rrule ? rrule : "", rrule ? "\r\n" : "");
}

static const char *td(const char *uid, int done, apr_pool_t *p)
{
    return apr_psprintf(p, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                        "PRODID:-//mod_eas//tests//EN\r\nBEGIN:VTODO\r\n"
                        "UID:%s\r\nDTSTAMP:20260101T000000Z\r\n"
                        "SUMMARY:task %s\r\n%sEND:VTODO\r\nEND:VCALENDAR\r\n",
                        uid, uid, done ? "STATUS:COMPLETED\r\n"
                        "COMPLETED:20260102T000000Z\r\n" : "");
}

static const dav_collection_t *find_coll(const apr_array_header_t *cols,
                                         const char *href)
{
    int i;

    for (i = 0; i < cols->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(cols, i, dav_collection_t).href, href) == 0)
            return &APR_ARRAY_IDX(cols, i, dav_collection_t);
    return NULL;
}

static const char *etag_of(const apr_array_header_t *refs, const char *href)
{
    int i;

    for (i = 0; i < refs->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(refs, i, dav_ref_t).href, href) == 0)
            return APR_ARRAY_IDX(refs, i, dav_ref_t).etag;
    return NULL;
}

static int has_str(const apr_array_header_t *a, const char *s)
{
    int i;

    for (i = 0; i < a->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(a, i, const char *), s) == 0)
            return 1;
    return 0;
}

typedef struct {
    dav_client_t *c;            /* alice */
    dav_client_t *other;        /* alice again, another device */
    const char *home;
    const char *cal;            /* VEVENT calendar */
    const char *tasks;          /* VTODO calendar */
    const char *book;           /* address book */
} fixture_t;

static void test_discovery(fixture_t *f, apr_pool_t *p)
{
    const dav_homes_t *h;

    is_int(dav_discover(f->c, p), APR_SUCCESS, "discovery");
    h = dav_homes(f->c);
    ok(h && strcmp(h->principal, apr_pstrcat(p, "/", env("DAV_TEST_USER"),
                                             "/", NULL)) == 0,
       "principal is the user's");
    ok(h && h->cal_homes->nelts == 1 && h->card_homes->nelts == 1,
       "a calendar and an address book home");
    f->home = h ? APR_ARRAY_IDX(h->cal_homes, 0, const char *) : "/";
    is_int(dav_set_homes(f->other, h), APR_SUCCESS,
           "homes saved and given to another client");
}

static void test_collections(fixture_t *f, apr_pool_t *p)
{
    apr_array_header_t *cols;
    const dav_collection_t *col;
    const char *junk;

    is_int(dav_mkcalendar(f->c, NULL, "Work & <Play>", DAV_COMP_VEVENT,
                          &f->cal, p), APR_SUCCESS, "MKCALENDAR events");
    is_int(dav_mkcalendar(f->c, NULL, "Tasks", DAV_COMP_VTODO, &f->tasks, p),
           APR_SUCCESS, "MKCALENDAR tasks");
    is_int(dav_mkaddressbook(f->c, NULL, "Contacts", &f->book, p),
           APR_SUCCESS, "extended MKCOL address book");
    is_int(dav_mkcalendar(f->c, NULL, "Junk", DAV_COMP_VJOURNAL, &junk, p),
           APR_SUCCESS, "MKCALENDAR journal");
    ok(f->cal && dav_path_under(f->cal, f->home), "calendar under the home");
    is_int(dav_rename(f->c, f->tasks, "To do", p), APR_SUCCESS,
           "PROPPATCH displayname");
    is_int(dav_collections(f->c, &cols, p), APR_SUCCESS, "collection listing");
    col = f->cal ? find_coll(cols, f->cal) : NULL;
    ok(col && col->kind == DAV_KIND_CALENDAR
       && col->comps == DAV_COMP_VEVENT, "events calendar with its set");
    ok(col && col->name && strcmp(col->name, "Work & <Play>") == 0,
       "display name escaped and read back");
    ok(col && col->can_sync && !col->sync_token && !col->ctag,
       "sync-collection supported; no token or ctag asked");
    col = f->tasks ? find_coll(cols, f->tasks) : NULL;
    ok(col && col->comps == DAV_COMP_VTODO && col->name
       && strcmp(col->name, "To do") == 0, "tasks calendar renamed");
    col = f->book ? find_coll(cols, f->book) : NULL;
    ok(col && col->kind == DAV_KIND_ADDRESSBOOK, "address book listed");
    {
        dav_collection_t one;
        col = f->tasks ? find_coll(cols, f->tasks) : NULL;
        is_int(dav_collection_get(f->c, f->tasks, &one, p), APR_SUCCESS,
               "one collection's properties");
        ok(one.href && strcmp(one.href, f->tasks) == 0 && one.sync_token
           && one.ctag && col && one.can_sync == col->can_sync,
           "its href, token and ctag");
    }
    is_int(dav_delete_collection(f->c, junk, p), APR_SUCCESS,
           "DELETE collection");
    dav_collections(f->c, &cols, p);
    ok(!find_coll(cols, junk), "deleted collection gone from the list");
    {
        dav_collection_t one;
        is_int(dav_collection_get(f->c, junk, &one, p), APR_ENOENT,
               "a deleted collection's properties: ENOENT");
    }
    is_int(dav_delete_collection(f->c, f->home, p), APR_EACCES,
           "the home is never deleted");
    ok(dav_mkcalendar(f->c, f->cal, "Nested", DAV_COMP_VEVENT, &junk, p)
       == APR_EACCES, "server refusal (calendar in a calendar) is EACCES");
}

/* A calendar the test suite made over plain HTTP, with two events. */
static void test_seeded(fixture_t *f, apr_pool_t *p)
{
    apr_array_header_t *cols;
    const dav_collection_t *col = NULL;
    dav_changes_t ch;

    if (!ok(env("DAV_TEST_SEEDED") != NULL, "DAV_TEST_SEEDED names it"))
        return;
    if (dav_collections(f->c, &cols, p) == APR_SUCCESS)
        col = find_coll(cols, env("DAV_TEST_SEEDED"));
    ok(col && col->name && strcmp(col->name, "Seeded") == 0,
       "seeded calendar listed with its name");
    ok(col && col->color && strcmp(col->color, "#FF0000FF") == 0,
       "and its color");
    is_int(dav_sync(f->c, env("DAV_TEST_SEEDED"), NULL, &ch, p), APR_SUCCESS,
           "its initial sync");
    ok(ch.changed->nelts == 2 && etag_of(ch.changed, apr_pstrcat(p,
       env("DAV_TEST_SEEDED"), "seed-1.ics", NULL)), "both seeded events");
}

static void test_sync(fixture_t *f, apr_pool_t *p)
{
    const char *a, *b, *cc, *ea, *eb, *ec, *ea2;
    dav_changes_t ch;
    apr_array_header_t *tags;
    dav_item_t it;
    const char *data = ev("sync-a", "20260310T090000Z", NULL, p);

    is_int(dav_put_new(f->c, f->cal, DAV_KIND_CALENDAR, data, strlen(data),
                       &a, &ea, p), APR_SUCCESS, "PUT new");
    ok(a && dav_path_under(a, f->cal) && strstr(a, ".ics") && ea,
       "href of our making, with ETag");
    data = ev("sync-b", "20260311T090000Z", NULL, p);
    dav_put_new(f->c, f->cal, DAV_KIND_CALENDAR, data, strlen(data), &b, &eb,
                p);
    is_int(dav_get(f->c, a, &it, p), APR_SUCCESS, "GET");
    ok(it.data && strstr(it.data, "UID:sync-a") && it.etag
       && strcmp(it.etag, ea) == 0, "GET gives the data and the ETag");

    is_int(dav_sync(f->c, f->cal, NULL, &ch, p), APR_SUCCESS, "initial sync");
    ok(ch.changed->nelts == 2 && ch.removed->nelts == 0 && ch.token,
       "both items and a token");
    ok(etag_of(ch.changed, a) && strcmp(etag_of(ch.changed, a), ea) == 0,
       "with their ETags");

    /* another device: add, change, delete */
    data = ev("sync-c", "20260312T090000Z", NULL, p);
    dav_put_new(f->other, f->cal, DAV_KIND_CALENDAR, data, strlen(data), &cc,
                &ec, p);
    data = ev("sync-a", "20260310T100000Z", NULL, p);
    is_int(dav_put(f->other, a, DAV_KIND_CALENDAR, ea, data, strlen(data),
                   &ea2, p), APR_SUCCESS, "PUT change with If-Match");
    ok(ea2 && strcmp(ea2, ea) != 0, "a new ETag");
    is_int(dav_delete(f->other, b, eb, p), APR_SUCCESS,
           "DELETE with If-Match");

    is_int(dav_sync(f->c, f->cal, ch.token, &ch, p), APR_SUCCESS,
           "sync from the token");
    ok(ch.changed->nelts == 2 && etag_of(ch.changed, cc)
       && etag_of(ch.changed, a) && strcmp(etag_of(ch.changed, a), ea2) == 0,
       "the added and the changed item, new ETags");
    ok(ch.removed->nelts == 1 && has_str(ch.removed, b), "the deleted item");
    is_int(dav_sync(f->c, f->cal, ch.token, &ch, p), APR_SUCCESS,
           "sync again");
    ok(ch.changed->nelts == 0 && ch.removed->nelts == 0, "nothing new");
    is_int(dav_sync(f->c, f->cal, apr_pstrcat(p, "http://radicale.org/ns/"
                    "sync/", apr_psprintf(p, "%064d", 0), NULL), &ch, p),
           DAV_EBADTOKEN, "an unknown token said so");
    is_int(dav_sync(f->c, f->cal, "<&>", &ch, p), DAV_EBADTOKEN,
           "a malformed token too (and escaped in the request)");

    is_int(dav_etags(f->c, f->cal, &tags, p), APR_SUCCESS, "ETag listing");
    ok(tags->nelts == 2 && etag_of(tags, a) && strcmp(etag_of(tags, a), ea2)
       == 0 && etag_of(tags, cc), "the two items with current ETags");

    /* conflicts */
    data = ev("sync-a", "20260310T110000Z", NULL, p);
    is_int(dav_put(f->c, a, DAV_KIND_CALENDAR, ea, data, strlen(data), &eb,
                   p), DAV_ECONFLICT, "PUT with a stale ETag: conflict");
    ok(logged("412", 0), "the conflict is logged with its HTTP status");
    is_int(dav_delete(f->c, a, ea, p), DAV_ECONFLICT,
           "DELETE with a stale ETag: conflict");
    is_int(dav_delete(f->c, a, ea2, p), APR_SUCCESS, "DELETE, current ETag");
    is_int(dav_get(f->c, a, &it, p), APR_ENOENT, "gone: ENOENT");
    is_int(dav_put(f->c, apr_pstrcat(p, f->cal, "nosuch.ics", NULL),
                   DAV_KIND_CALENDAR, "\"x\"", data, strlen(data), &eb, p),
           DAV_ECONFLICT, "PUT change of a missing item: conflict");
    is_int(dav_put_new(f->c, f->cal, DAV_KIND_CALENDAR, "not a calendar", 14,
                       &a, &ea, p), APR_EINVAL, "invalid data: EINVAL");
}

static void test_queries(fixture_t *f, apr_pool_t *p)
{
    const char *e1, *e2, *e3, *t1, *t2, *x;
    const char *d1 = ev("q-1", "20260310T090000Z", NULL, p);
    const char *d2 = ev("q-2", "20260601T090000Z", NULL, p);
    const char *d3 = ev("q-3", "20250106T090000Z", "RRULE:FREQ=WEEKLY", p);
    apr_array_header_t *refs;
    apr_time_t start, end;

    dav_put_new(f->c, f->cal, DAV_KIND_CALENDAR, d1, strlen(d1), &e1, &x, p);
    dav_put_new(f->c, f->cal, DAV_KIND_CALENDAR, d2, strlen(d2), &e2, &x, p);
    dav_put_new(f->c, f->cal, DAV_KIND_CALENDAR, d3, strlen(d3), &e3, &x, p);
    apr_time_ansi_put(&start, 1772323200);      /* 2026-03-01 */
    apr_time_ansi_put(&end, 1775001600);        /* 2026-04-01 */
    is_int(dav_query_range(f->c, f->cal, "VEVENT", start, end, &refs, p),
           APR_SUCCESS, "calendar-query with a time-range");
    ok(e1 && e3 && etag_of(refs, e1) && etag_of(refs, e3)
       && !etag_of(refs, e2), "the event in the window and the recurring "
       "one, not the later one");
    is_int(dav_query_range(f->c, f->cal, "VEVENT", 0, 0, &refs, p),
           APR_SUCCESS, "unbounded query");
    ok(refs->nelts >= 3, "every event");
    is_int(dav_query_range(f->c, f->cal, "VALARM", 0, 0, &refs, p),
           APR_EINVAL, "only calendar components");

    d1 = td("t-1", 0, p);
    d2 = td("t-2", 1, p);
    dav_put_new(f->c, f->tasks, DAV_KIND_CALENDAR, d1, strlen(d1), &t1, &x, p);
    dav_put_new(f->c, f->tasks, DAV_KIND_CALENDAR, d2, strlen(d2), &t2, &x, p);
    is_int(dav_query_open_todos(f->c, f->tasks, &refs, p), APR_SUCCESS,
           "query of open to-dos");
    ok(refs->nelts == 1 && t1 && etag_of(refs, t1), "only the open one");

    is_int(dav_query_uid(f->c, f->cal, "VEVENT", "q-2", &refs, p),
           APR_SUCCESS, "calendar-query by UID");
    ok(refs->nelts == 1 && etag_of(refs, e2), "the event with that UID");
    is_int(dav_query_uid(f->c, f->cal, "VEVENT", "no-such-uid", &refs, p),
           APR_SUCCESS, "query of an unknown UID");
    is_int(refs->nelts, 0, "nothing");
    is_int(dav_query_uid(f->c, f->cal, "VEVENT", "", &refs, p), APR_EINVAL,
           "an empty UID is refused");
    /* Radicale does not schedule (RFC 6638) */
    ok(!dav_auto_schedule(f->c, f->cal, p), "no calendar-auto-schedule");
}

static void test_multiget(fixture_t *f, apr_pool_t *p)
{
    apr_array_header_t *hrefs = apr_array_make(p, 4, sizeof(const char *));
    apr_array_header_t *items;
    int i, with_data = 0, gone = 0, bytes_ok = 0;
    const char *h, *x;
    const char *card = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:card-1\r\n"
                       "FN:Ann Example\r\nN:Example;Ann;;;\r\nEND:VCARD\r\n";

    for (i = 0; i < 3; i++) {
        const char *d = ev(apr_psprintf(p, "mg-%d", i), "20260401T090000Z",
                           NULL, p);
        if (dav_put_new(f->c, f->cal, DAV_KIND_CALENDAR, d, strlen(d), &h,
                        &x, p) == APR_SUCCESS)
            APR_ARRAY_PUSH(hrefs, const char *) = h;
    }
    APR_ARRAY_PUSH(hrefs, const char *) = apr_pstrcat(p, f->cal,
                                                      "missing.ics", NULL);
    is_int(dav_multiget(f->c, f->cal, DAV_KIND_CALENDAR, hrefs, &items, p),
           APR_SUCCESS, "calendar-multiget in batches of two");
    for (i = 0; i < items->nelts; i++) {
        dav_item_t *it = &APR_ARRAY_IDX(items, i, dav_item_t);
        if (it->data) {
            with_data++;
            bytes_ok += strstr(it->data, "UID:mg-") != NULL && it->etag;
        } else {
            gone++;
        }
    }
    ok(with_data == 3 && bytes_ok == 3, "three items with data and ETags");
    is_int(gone, 1, "the missing one said gone");

    is_int(dav_put_new(f->c, f->book, DAV_KIND_ADDRESSBOOK, card,
                       strlen(card), &h, &x, p), APR_SUCCESS,
           "PUT new vCard");
    ok(h && strstr(h, ".vcf"), "a .vcf href");
    apr_array_clear(hrefs);
    APR_ARRAY_PUSH(hrefs, const char *) = h;
    is_int(dav_multiget(f->c, f->book, DAV_KIND_ADDRESSBOOK, hrefs, &items,
                        p), APR_SUCCESS, "addressbook-multiget");
    ok(items->nelts == 1 && APR_ARRAY_IDX(items, 0, dav_item_t).data
       && strstr(APR_ARRAY_IDX(items, 0, dav_item_t).data, "FN:Ann Example"),
       "the vCard's data");
    apr_array_clear(hrefs);
    APR_ARRAY_PUSH(hrefs, const char *) = "/elsewhere/x.vcf";
    ok(dav_multiget(f->c, f->book, DAV_KIND_ADDRESSBOOK, hrefs, &items, p)
       == APR_EACCES, "multiget of an href outside the user's space refused");
}

static void test_isolation(fixture_t *f, apr_pool_t *p)
{
    dav_client_t *bob = client_at(env("DAV_TEST_URL"), env("DAV_TEST_USER2"),
                                  env("DAV_TEST_PASSWORD2"), 0, 0, p);
    apr_array_header_t *refs, *cols;
    dav_changes_t ch;
    dav_item_t it;
    dav_homes_t forged;
    int from = log_lines->nelts, i, leak = 0;

    is_int(dav_discover(bob, p), APR_SUCCESS, "second user discovers");
    is_int(dav_collections(bob, &cols, p), APR_SUCCESS, "and lists");
    for (i = 0; i < cols->nelts; i++)
        leak |= dav_path_under(APR_ARRAY_IDX(cols, i, dav_collection_t).href,
                               f->home);
    ok(!leak, "none of the first user's collections");
    is_int(dav_sync(bob, f->cal, NULL, &ch, p), APR_EACCES,
           "sync of the first user's calendar refused");
    is_int(dav_etags(bob, f->cal, &refs, p), APR_EACCES,
           "listing refused");
    is_int(dav_get(bob, apr_pstrcat(p, f->cal, "x.ics", NULL), &it, p),
           APR_EACCES, "GET refused");
    is_int(dav_delete_collection(bob, f->cal, p), APR_EACCES,
           "DELETE refused");
    is_int(dav_get(bob, apr_pstrcat(p, dav_homes(bob)->principal,
                                    "../", f->cal + 1, "x.ics", NULL), &it, p),
           APR_EACCES, "dot segments do not climb out");
    is_int(dav_etags(bob, apr_pstrcat(p, "http://evil.example",
                                      dav_homes(bob)->principal, NULL), &refs,
                     p), APR_EACCES, "another origin refused");
    ok(logged("outside the user's space", from), "refusals logged");
    ok(!requested(f->home, from), "the client sent none of these");

    /* Were the client fooled about the homes, the server still refuses. */
    forged.principal = dav_homes(bob)->principal;
    forged.cal_homes = apr_array_make(p, 1, sizeof(const char *));
    forged.card_homes = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(forged.cal_homes, const char *) = f->home;
    dav_set_homes(bob, &forged);
    is_int(dav_etags(bob, f->cal, &refs, p), APR_EACCES,
           "the server refuses too (owner-only rights)");
}

static void test_auth_and_down(apr_pool_t *p)
{
    dav_client_t *c = client_at(env("DAV_TEST_URL"), env("DAV_TEST_USER"),
                                "wrong-password-9", 0, 0, p);
    apr_time_t t0;

    is_int(dav_discover(c, p), APR_EACCES, "wrong password: EACCES");
    c = client_at(env("DAV_TEST_DOWN_URL"), "u", "p", 0, 0, p);
    t0 = apr_time_now();
    is_int(dav_discover(c, p), DAV_EUNAVAIL, "connection refused: EUNAVAIL");
    ok(apr_time_now() - t0 < apr_time_from_sec(5), "and at once");
}

static void test_garbage(apr_pool_t *p)
{
    dav_client_t *c = client_at(env("DAV_TEST_GARBAGE_URL"), "u",
                                "garbage-pw-3", 65536, 0, p);
    dav_homes_t h = { "/u/", NULL, NULL };
    apr_array_header_t *refs;
    dav_changes_t ch;
    const char *href, *etag;
    int from = log_lines->nelts;

    h.cal_homes = apr_array_make(p, 1, sizeof(const char *));
    h.card_homes = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(h.cal_homes, const char *) = "/u/";
    is_int(dav_discover(c, p), DAV_EBADREPLY, "nonsense answer: EBADREPLY");
    {
        dav_client_t *d = client_at(apr_pstrcat(p, env("DAV_TEST_GARBAGE_URL"),
                                                "dav/", NULL), "u", "pw", 0,
                                    0, p);
        const dav_homes_t *dh;

        is_int(dav_discover(d, p), APR_SUCCESS,
               "no well-known: discovery from the base URL");
        dh = dav_homes(d);
        ok(dh && strcmp(dh->principal, "/dav/p/") == 0
           && dh->cal_homes->nelts == 1 && dh->card_homes->nelts == 1
           && strcmp(APR_ARRAY_IDX(dh->cal_homes, 0, const char *),
                     "/dav/p/cal/") == 0
           && strcmp(APR_ARRAY_IDX(dh->card_homes, 0, const char *),
                     "/dav/p/card/") == 0,
           "relative principal and homes resolved, the foreign home left out");
        ok(logged("dropped a home set", from), "which is logged");
    }
    dav_set_homes(c, &h);
    {
        apr_array_header_t *cols;
        is_int(dav_collections(c, &cols, p), APR_SUCCESS,
               "a home listing naming others' collections");
        ok(cols->nelts == 1 && strcmp(APR_ARRAY_IDX(cols, 0,
                                      dav_collection_t).href, "/u/cal/") == 0,
           "only the user's own kept");
        ok(logged("dropped href /v/cal/ outside the user's space", from),
           "the other one dropped with a log line");
    }
    is_int(dav_etags(c, "/u/garbage/", &refs, p), DAV_EBADREPLY,
           "207 that is not XML");
    is_int(dav_etags(c, "/u/big/", &refs, p), DAV_ETOOBIG,
           "answer over the size limit");
    ok(logged("size limit", from), "logged as such");
    is_int(dav_etags(c, "/u/away/", &refs, p), DAV_EBADREPLY,
           "redirect to another origin not followed");
    is_int(dav_etags(c, "/u/here/", &refs, p), APR_SUCCESS,
           "redirect on the same origin followed");
    ok(refs->nelts == 1 && strcmp(APR_ARRAY_IDX(refs, 0, dav_ref_t).href,
                                  "/u/there/1.ics") == 0,
       "hrefs resolved where the answer came from");
    is_int(dav_etags(c, "/u/down/", &refs, p), DAV_EUNAVAIL, "503: EUNAVAIL");
    is_int(dav_etags(c, "/u/foreign/", &refs, p), APR_SUCCESS,
           "an answer naming others' hrefs");
    ok(refs->nelts == 1, "only the user's own href kept");
    ok(logged("dropped", from), "the others dropped with a log line");
    is_int(dav_sync(c, "/u/trunc/", "t0", &ch, p), APR_SUCCESS,
           "a truncated sync answer");
    ok(ch.truncated && ch.changed->nelts == 1 && ch.token
       && strcmp(ch.token, "t1") == 0, "said truncated, with what came");
    is_int(dav_put_new(c, "/u/noetag/", DAV_KIND_CALENDAR, "x", 1, &href,
                       &etag, p), APR_SUCCESS, "PUT answered without ETag");
    is_str(etag, "\"fetched\"", "the ETag asked for afterwards");
}

static dav_client_t *client_opts(const char *url, long timeout_ms,
                                 const char *ca, apr_pool_t *p)
{
    dav_options_t o = { 0 };
    dav_client_t *c = NULL;
    dav_homes_t h = { "/u/", NULL, NULL };
    const char *err;

    o.base_url = url;
    o.timeout_ms = timeout_ms;
    o.ca_file = ca;
    o.log = collect;
    if (dav_client_create(&c, &o, p, &err) != APR_SUCCESS)
        return NULL;
    h.cal_homes = apr_array_make(p, 1, sizeof(const char *));
    h.card_homes = h.cal_homes;
    dav_set_homes(c, &h);
    return c;
}

/* The total timeout, and TLS: verified, with a CA of our choosing. */
static void test_timeout_tls(apr_pool_t *p)
{
    dav_client_t *c = client_opts(env("DAV_TEST_GARBAGE_URL"), 500, NULL, p);
    apr_array_header_t *refs;
    apr_time_t t0 = apr_time_now();
    int from = log_lines->nelts;

    is_int(dav_etags(c, "/u/slow/", &refs, p), DAV_EUNAVAIL,
           "a server slower than the timeout: EUNAVAIL");
    ok(apr_time_now() - t0 < apr_time_from_msec(2500), "after the timeout");
    if (!env("DAV_TEST_TLS_URL")) {
        ok(0, "DAV_TEST_TLS_URL is set");
        return;
    }
    c = client_opts(env("DAV_TEST_TLS_URL"), 0, NULL, p);
    is_int(dav_etags(c, "/u/there/", &refs, p), DAV_EUNAVAIL,
           "a certificate nobody vouches for: refused");
    ok(logged("certificate", from), "the log says why");
    c = client_opts(env("DAV_TEST_TLS_URL"), 0, env("DAV_TEST_TLS_CA"), p);
    is_int(dav_etags(c, "/u/there/", &refs, p), APR_SUCCESS,
           "with its CA given: accepted");
    ok(refs->nelts == 1, "and the answer read");
}

/* Connections are reused from one request to the next, and the share
   holds under several threads at once. */
typedef struct {
    apr_pool_t *pool;
    int failures;
} worker_t;

static void *APR_THREAD_FUNC worker(apr_thread_t *t, void *data)
{
    worker_t *w = data;
    dav_client_t *c = client_at(env("DAV_TEST_GARBAGE_URL"), "u", "pw", 0, 0,
                                w->pool);
    dav_homes_t h = { "/u/", NULL, NULL };
    apr_array_header_t *refs;
    int i;

    h.cal_homes = apr_array_make(w->pool, 1, sizeof(const char *));
    h.card_homes = h.cal_homes;
    dav_set_homes(c, &h);
    for (i = 0; i < 20; i++)
        w->failures += dav_etags(c, "/u/count/", &refs, w->pool)
                       != APR_SUCCESS || refs->nelts != 1;
    return NULL;
}

static void test_sharing(apr_pool_t *p)
{
    dav_client_t *c = client_at(env("DAV_TEST_GARBAGE_URL"), "u", "pw", 0, 0,
                                p);
    dav_homes_t h = { "/u/", NULL, NULL };
    apr_array_header_t *refs;
    const char *first = NULL, *last = NULL;
    apr_thread_t *th[4];
    worker_t w[4];
    int i, failures = 0;

    h.cal_homes = apr_array_make(p, 1, sizeof(const char *));
    h.card_homes = h.cal_homes;
    dav_set_homes(c, &h);
    for (i = 0; i < 3; i++) {
        if (dav_etags(c, "/u/count/", &refs, p) == APR_SUCCESS
            && refs->nelts == 1)
            last = APR_ARRAY_IDX(refs, 0, dav_ref_t).etag;
        if (!first)
            first = last;
    }
    ok(first && last && strcmp(first, last) == 0,
       "three requests on one connection");
    for (i = 0; i < 4; i++) {
        apr_pool_create(&w[i].pool, NULL);
        w[i].failures = 0;
        apr_thread_create(&th[i], NULL, worker, &w[i], p);
    }
    for (i = 0; i < 4; i++) {
        apr_status_t trv;
        apr_thread_join(&trv, th[i]);
        failures += w[i].failures;
        apr_pool_destroy(w[i].pool);
    }
    is_int(failures, 0, "four threads, twenty requests each");
}

static void test_logs_clean(void)
{
    int i, bad = 0;

    for (i = 0; i < log_lines->nelts; i++) {
        const char *l = APR_ARRAY_IDX(log_lines, i, const char *);
        bad |= strstr(l, env("DAV_TEST_PASSWORD")) != NULL
               || strstr(l, "wrong-password-9") != NULL
               || strstr(l, "secret-summary") != NULL
               || strstr(l, "BEGIN:") != NULL;
    }
    ok(log_lines->nelts > 0, "the client logged");
    ok(!bad, "no password or item content in any log line");
}

static void test_server(apr_pool_t *p)
{
    fixture_t f = { 0 };

    f.c = client_at(env("DAV_TEST_URL"), env("DAV_TEST_USER"),
                    env("DAV_TEST_PASSWORD"), 0, 2, p);
    f.other = client_at(env("DAV_TEST_URL"), env("DAV_TEST_USER"),
                        env("DAV_TEST_PASSWORD"), 0, 0, p);
    test_discovery(&f, p);
    test_collections(&f, p);
    if (!f.cal || !f.tasks || !f.book) {
        ok(0, "collections made: the rest cannot run");
        return;
    }
    test_seeded(&f, p);
    test_sync(&f, p);
    test_queries(&f, p);
    test_multiget(&f, p);
    test_isolation(&f, p);
    test_auth_and_down(p);
    test_garbage(p);
    test_sharing(p);
    test_timeout_tls(p);
    test_logs_clean();
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&root, NULL);
    apr_pool_create(&p, root);
    log_lines = apr_array_make(root, 64, sizeof(const char *));
    if (dav_global_init(root) != APR_SUCCESS) {
        ok(0, "dav_global_init");
        return tap_done();
    }
    test_paths(p);
    test_resolve(p);
    test_multistatus(p);
    test_options(p);
    if (env("DAV_TEST_URL") && env("DAV_TEST_GARBAGE_URL"))
        test_server(p);
    else
        tap_diag("DAV_TEST_URL not set: server tests skipped "
                 "(t/integration/test_dav_client.py runs them)");
    return tap_done();
}
