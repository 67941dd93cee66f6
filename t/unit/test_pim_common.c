/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the groupware converters share (mod_eas/pim/pim_common.c): body
 * writing and reading (MS-ASAIRS Body), MS-ASDTYPE dates, UIDs.
 */
#include "tap.h"
#include "tree_util.h"
#include "pim.h"

#include <apr_general.h>
#include <apr_strings.h>

static apr_pool_t *pool;

static void test_dates(void)
{
    apr_time_t t, u;

    ok(eas_pim_parse_time("2026-12-07T13:24:26.000Z", &t) == 0, "extended form");
    ok(eas_pim_parse_time("20261207T132426Z", &u) == 0, "compact form");
    is_int(t, u, "both forms give the same time");
    is_str(eas_pim_time_compact(t, pool), "20261207T132426Z", "compact out");
    is_str(eas_pim_time_ext(t, pool), "2026-12-07T13:24:26.000Z", "extended out");
    ok(eas_pim_parse_time("2026-12-07T13:24:26", &u) == 0 && u == t,
       "no Z, no fraction: UTC");
    ok(eas_pim_parse_time("1980-02-29T00:00:00.000Z", &u) == 0, "leap day");
    is_str(eas_pim_time_ext(u, pool), "1980-02-29T00:00:00.000Z",
           "leap day round trip");
    ok(eas_pim_parse_time("1955-03-14T00:00:00.000Z", &u) == 0
       && u == -apr_time_from_sec(467164800), "before 1970");
    is_str(eas_pim_time_ext(u, pool), "1955-03-14T00:00:00.000Z",
           "before 1970 round trip");
    ok(eas_pim_parse_time("1604-02-29T00:00:00.000Z", &u) == 0,
       "1604, Outlook's year for a date without one");
    is_str(eas_pim_time_ext(u, pool), "1604-02-29T00:00:00.000Z",
           "1604 round trip");
    ok(eas_pim_parse_time("2026-02-29T00:00:00Z", &u) < 0,
       "29 February of a common year refused");
    ok(eas_pim_parse_time("2026-13-07T13:24:26Z", &u) < 0, "month 13 refused");
    ok(eas_pim_parse_time("2026-12-07 13:24:26Z", &u) < 0, "no T refused");
    ok(eas_pim_parse_time("20261207T132426Zjunk", &u) < 0, "trailing junk");
    ok(eas_pim_parse_time("", &u) < 0 && eas_pim_parse_time(NULL, &u) < 0,
       "empty and NULL refused");
    ok(eas_pim_parse_time("2026-12-0xT13:24:26Z", &u) < 0, "non-digit refused");
}

static eas_node_t *body_of(const char *text, const eas_bodypref_t *prefs,
                           int n, int version)
{
    eas_pim_opts_t o = { 0 };
    tu_enc_t t;
    eas_wbxml_enc_t *e = tu_enc_open(&t, pool);

    o.version = version;
    o.prefs = prefs;
    o.nprefs = n;
    eas_pim_write_body(e, text, text ? strlen(text) : 0, &o, pool);
    return tu_enc_tree(&t);
}

static void test_write_body(void)
{
    eas_bodypref_t trunc = { EAS_BODY_PLAIN, 5, 0, 0 };
    eas_bodypref_t aon = { EAS_BODY_PLAIN, 5, 1, 0 };
    eas_bodypref_t prefs[2] = { { EAS_BODY_RTF, 0, 0, 0 },
                                { EAS_BODY_HTML, 0, 0, 3 } };
    eas_node_t *r;

    r = body_of("Grüße aus Köln", NULL, 0, 141);
    is_str(tu_text(r, EAS_AirSyncBase_Type), "1", "no preference: plain");
    is_str(tu_text(r, EAS_AirSyncBase_Data), "Grüße aus Köln", "whole text");
    is_str(tu_text(r, EAS_AirSyncBase_Truncated), "0", "not truncated");

    r = body_of("Grüße aus Köln", &trunc, 1, 141);
    is_str(tu_text(r, EAS_AirSyncBase_Data), "Grü", "cut on a character");
    is_str(tu_text(r, EAS_AirSyncBase_Truncated), "1", "truncated");
    is_str(tu_text(r, EAS_AirSyncBase_EstimatedDataSize), "17", "whole size");

    r = body_of("Grüße aus Köln", &aon, 1, 141);
    ok(tu_find(r, EAS_AirSyncBase_Body) && !tu_find(r, EAS_AirSyncBase_Data),
       "AllOrNone over the limit: no Data");

    r = body_of("a < b", prefs, 2, 141);
    is_str(tu_text(r, EAS_AirSyncBase_Type), "2", "RTF skipped, HTML chosen");
    ok(strstr(tu_text(r, EAS_AirSyncBase_Data), "a &lt; b") != NULL,
       "text escaped into HTML");
    is_str(tu_text(r, EAS_AirSyncBase_Preview), "a <", "preview of the text");

    r = body_of("a < b", prefs, 2, 120);
    ok(!tu_find(r, EAS_AirSyncBase_Preview), "no Preview before 14.0");

    r = body_of("", NULL, 0, 141);
    ok(r && !tu_find(r, EAS_AirSyncBase_Body), "empty text: no Body");
}

static void test_read_body(void)
{
    eas_node_t *r;

    r = tu_tree(pool, "<ApplicationData xmlns=\"AirSync\" "
                "xmlns:B=\"AirSyncBase\"><B:Body><B:Type>1</B:Type>"
                "<B:Data>hello</B:Data></B:Body></ApplicationData>");
    is_str(eas_pim_read_body(r, 0, pool), "hello", "plain body");

    r = tu_tree(pool, "<ApplicationData xmlns=\"AirSync\" "
                "xmlns:B=\"AirSyncBase\"><B:Body><B:Type>2</B:Type>"
                "<B:Data>&lt;p&gt;one &amp;amp; two&lt;/p&gt;</B:Data>"
                "</B:Body></ApplicationData>");
    ok(strstr(eas_pim_read_body(r, 0, pool), "one & two") != NULL,
       "HTML body turned into text");

    r = tu_tree(pool, "<ApplicationData xmlns=\"AirSync\" "
                "xmlns:B=\"AirSyncBase\"><B:Body><B:Type>1</B:Type>"
                "</B:Body></ApplicationData>");
    is_str(eas_pim_read_body(r, 0, pool), "", "body without Data: empty");

    r = tu_tree(pool, "<ApplicationData xmlns=\"AirSync\"/>");
    ok(eas_pim_read_body(r, 0, pool) == NULL, "no Body: NULL (keep the old)");

    r = tu_tree(pool, "<ApplicationData xmlns=\"AirSync\" "
                "xmlns:C=\"Contacts\"><C:Body>legacy</C:Body>"
                "</ApplicationData>");
    is_str(eas_pim_read_body(r, EAS_Contacts_Body, pool), "legacy",
           "2.5 body tag");
}

static void test_uid(void)
{
    const char *a = eas_pim_new_uid(pool), *b = eas_pim_new_uid(pool);

    is_int(strlen(a), 36, "UUID form");
    ok(strcmp(a, b) != 0, "two UIDs differ");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_dates();
    test_write_body();
    test_read_body();
    test_uid();
    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
