/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Notes converter (mod_eas/pim/pim_note.c): a VJOURNAL sent as a
 * note, a note from the phone as a new VJOURNAL, a Change that keeps what
 * EAS does not carry, and what is refused.
 */
#include "tap.h"
#include "tree_util.h"
#include "pim.h"

#include <apr_general.h>
#include <apr_strings.h>

static apr_pool_t *pool;

#define NS "<ApplicationData xmlns=\"AirSync\" xmlns:N=\"Notes\" " \
    "xmlns:B=\"AirSyncBase\">"

static const char journal[] =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n"
    "BEGIN:VJOURNAL\r\nUID:note-1\r\nDTSTAMP:20240101T100000Z\r\n"
    "LAST-MODIFIED:20240102T110000Z\r\nSUMMARY:Shopping\\, today\r\n"
    "DESCRIPTION:milk\\neggs\r\nCATEGORIES:Home,Errands\r\n"
    "X-KEEP;X-P=1:stays\r\nCLASS:PRIVATE\r\n"
    "END:VJOURNAL\r\nEND:VCALENDAR\r\n";

static eas_blob_t blob(const char *s)
{
    eas_blob_t b = { s, strlen(s) };

    return b;
}

static eas_node_t *sent(const char *item, const eas_pim_opts_t *o,
                        apr_status_t *rv, const char **err)
{
    tu_enc_t t;
    eas_wbxml_enc_t *e = tu_enc_open(&t, pool);
    eas_blob_t b = blob(item);

    *rv = eas_pim_notes.write(e, &b, o, err, pool);
    return tu_enc_tree(&t);
}

static const char *got(const char *xml, const char *old,
                       const eas_pim_opts_t *o, const char **uid)
{
    eas_blob_t b = blob(old ? old : "");
    eas_pim_item_t it;
    const char *err = NULL;

    memset(&it, 0, sizeof it);
    if (eas_pim_notes.read(tu_tree(pool, xml), old ? &b : NULL, o, &it, &err,
                           pool) != APR_SUCCESS) {
        tap_diag("read refused: %s", err ? err : "?");
        return "";
    }
    if (uid)
        *uid = it.uid;
    return apr_pstrndup(pool, it.data.data, it.data.len);
}

static void test_write(void)
{
    eas_pim_opts_t o = { 0 };
    apr_status_t rv;
    const char *err = NULL;
    eas_node_t *ad;
    const eas_node_t *cats;

    o.version = 141;
    ad = sent(journal, &o, &rv, &err);
    is_int(rv, APR_SUCCESS, "VJOURNAL written");
    is_str(tu_text(ad, EAS_Notes_Subject), "Shopping, today", "Subject");
    is_str(tu_text(ad, EAS_AirSyncBase_Data), "milk\neggs", "Body");
    is_str(tu_text(ad, EAS_Notes_MessageClass), "IPM.StickyNote",
           "MessageClass");
    is_str(tu_text(ad, EAS_Notes_LastModifiedDate),
           "2024-01-02T11:00:00.000Z", "LastModifiedDate");
    cats = tu_find(ad, EAS_Notes_Categories);
    is_int(tu_count(cats, EAS_Notes_Category), 2, "two categories");
    is_str(cats && cats->child ? cats->child->value : NULL, "Home",
           "first category");
    ad = sent("BEGIN:VCALENDAR\r\nBEGIN:VJOURNAL\r\nUID:x\r\n"
              "DTSTAMP:20240101T100000Z\r\nEND:VJOURNAL\r\nEND:VCALENDAR\r\n",
              &o, &rv, &err);
    is_str(tu_text(ad, EAS_Notes_LastModifiedDate),
           "2024-01-01T10:00:00.000Z", "no LAST-MODIFIED: DTSTAMP");
    ok(!tu_find(ad, EAS_Notes_Subject) && !tu_find(ad, EAS_AirSyncBase_Body),
       "no SUMMARY, no DESCRIPTION: nothing sent for them");
    sent("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n"
         "END:VCALENDAR\r\n", &o, &rv, &err);
    ok(rv == APR_EINVAL && err && strcmp(err, "no VJOURNAL") == 0,
       "no VJOURNAL refused");
    sent("garbage", &o, &rv, &err);
    ok(rv == APR_EINVAL && err != NULL, "not iCalendar refused");
    is_str(eas_pim_notes.content_type, "text/calendar", "content type");
    ok(eas_pim_notes.cls == EAS_CLASS_NOTES, "class");
}

static void test_read(void)
{
    eas_pim_opts_t o = { 0 };
    const char *uid = NULL, *v;

    o.version = 141;
    o.now = apr_time_from_sec(1700000000);
    v = got(NS "<N:Subject>Call Bob</N:Subject><B:Body><B:Type>1</B:Type>"
            "<B:Data>about; the, thing</B:Data></B:Body>"
            "<N:Categories><N:Category>Work</N:Category></N:Categories>"
            "<N:MessageClass>IPM.StickyNote</N:MessageClass>"
            "</ApplicationData>", NULL, &o, &uid);
    ok(strstr(v, "BEGIN:VCALENDAR") && strstr(v, "BEGIN:VJOURNAL"),
       "Add: a VJOURNAL in a VCALENDAR");
    ok(uid && strlen(uid) == 36 && strstr(v, uid), "Add: a new UID");
    ok(strstr(v, "SUMMARY:Call Bob") != NULL, "Add: SUMMARY");
    ok(strstr(v, "DESCRIPTION:about\\; the\\, thing") != NULL,
       "Add: DESCRIPTION escaped");
    ok(strstr(v, "CATEGORIES:Work") != NULL, "Add: CATEGORIES");
    ok(strstr(v, "DTSTAMP:20231114T221320Z") != NULL, "Add: DTSTAMP from now");
    ok(strstr(v, "LAST-MODIFIED:20231114T221320Z") != NULL,
       "Add: LAST-MODIFIED from now");

    v = got(NS "<N:Subject>Shopping, today</N:Subject>"
            "<N:LastModifiedDate>2024-02-03T04:05:06.000Z</N:LastModifiedDate>"
            "</ApplicationData>", journal, &o, &uid);
    is_str(uid, "note-1", "Change: the old UID");
    ok(strstr(v, "X-KEEP;X-P=1:stays") && strstr(v, "CLASS:PRIVATE"),
       "Change: other properties kept");
    ok(strstr(v, "DESCRIPTION:milk\\neggs") != NULL, "Change: no Body, kept");
    ok(strstr(v, "CATEGORIES") == NULL, "Change: no Categories, removed");
    ok(strstr(v, "LAST-MODIFIED:20240203T040506Z") != NULL,
       "Change: the phone's LastModifiedDate");
    ok(strstr(v, "PRODID:-//Test//EN") != NULL, "Change: PRODID kept");

    v = got(NS "<B:Body><B:Type>1</B:Type><B:Data></B:Data></B:Body>"
            "</ApplicationData>", journal, &o, NULL);
    ok(strstr(v, "DESCRIPTION") == NULL && strstr(v, "SUMMARY") == NULL,
       "Change: empty Body and no Subject remove both");
    ok(*got(NS "</ApplicationData>", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            &o, NULL) == '\0', "Change onto a calendar without VJOURNAL "
       "refused");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_write();
    test_read();
    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
