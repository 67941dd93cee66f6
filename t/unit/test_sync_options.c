/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sync Options: parsing from WBXML, the FilterType window with a policy
 * cap, and the text form kept in the device's Sync cache.
 */
#include "sync_options.h"
#include "tap.h"

#include <apr_general.h>
#include <apr_strings.h>

/* Decode an XML document into a tree (through the codec's XML form). */
static eas_node_t *tree(apr_pool_t *p, const char *xml)
{
    const char *err = NULL;
    apr_size_t len;
    unsigned char *w = eas_xml_to_wbxml(p, xml, strlen(xml), &len, &err);
    eas_node_t *root = NULL;

    if (!w || eas_wbxml_decode(p, w, len, NULL, &root, NULL) != EAS_WBXML_OK) {
        tap_diag("cannot build test document: %s", err ? err : "decode");
        return NULL;
    }
    return root;
}

#define COLL(opts) \
    "<Sync xmlns=\"AirSync\" xmlns:b=\"AirSyncBase\"><Collections>" \
    "<Collection><SyncKey>0</SyncKey><CollectionId>1</CollectionId>" \
    opts "</Collection></Collections></Sync>"

static const char *parse(apr_pool_t *p, const char *xml,
                         eas_sync_options_t *o, int *found)
{
    eas_node_t *t = tree(p, xml), *c;

    if (!t)
        return "no tree";
    c = eas_node_child(eas_node_child(t, EAS_AirSync_Collections),
                       EAS_AirSync_Collection);
    return eas_sync_options_parse(eas_node_child(c, EAS_AirSync_Options),
                                  o, found);
}

static void test_parse(apr_pool_t *p)
{
    eas_sync_options_t o;
    int found = -1;

    ok(parse(p, COLL(""), &o, &found) == NULL && found == 0,
       "no Options: defaults");
    is_int(o.conflict, 1, "server wins by default");
    is_int(o.mime_truncation, -1, "no MIME truncation by default");
    ok(parse(p, COLL("<Options><FilterType>3</FilterType><Conflict>0"
                     "</Conflict><MIMESupport>2</MIMESupport>"
                     "<MIMETruncation>4</MIMETruncation>"
                     "<b:BodyPreference><b:Type>2</b:Type>"
                     "<b:TruncationSize>32768</b:TruncationSize>"
                     "<b:AllOrNone>1</b:AllOrNone><b:Preview>255</b:Preview>"
                     "</b:BodyPreference><b:BodyPreference><b:Type>4"
                     "</b:Type></b:BodyPreference><b:BodyPreference>"
                     "<b:Type>2</b:Type></b:BodyPreference></Options>"),
             &o, &found) == NULL && found == 1, "full Options parse");
    is_int(o.filter_type, 3, "FilterType");
    is_int(o.conflict, 0, "Conflict");
    is_int(o.mime_support, 2, "MIMESupport");
    is_int(o.mime_truncation, 10240, "MIMETruncation 4 is 10 KB");
    is_int(o.nprefs, 2, "a repeated body type is kept once");
    is_int(o.prefs[0].type, 2, "first preference HTML");
    ok(o.prefs[0].has_truncation && o.prefs[0].truncation == 32768,
       "TruncationSize");
    ok(o.prefs[0].all_or_none == 1 && o.prefs[0].preview == 255,
       "AllOrNone and Preview");
    ok(!o.prefs[1].has_truncation && o.prefs[1].type == 4,
       "MIME preference without truncation");
    /* 14.x: one Options per class; the SMS one is not for mail. */
    ok(parse(p, COLL("<Options><Class>SMS</Class><FilterType>1</FilterType>"
                     "</Options><Options><Class>Email</Class><FilterType>5"
                     "</FilterType></Options>"), &o, &found) == NULL
       && found == 1 && o.filter_type == 5, "the Email Options are used");
    ok(parse(p, COLL("<Options><FilterType>8</FilterType></Options>"),
             &o, &found) == NULL && o.filter_type == 8,
       "FilterType 8, incomplete tasks (the folder's class is checked "
       "when the collection is known)");
    ok(parse(p, COLL("<Options><FilterType>9</FilterType></Options>"),
             &o, &found) != NULL, "FilterType 9 refused");
    ok(parse(p, COLL("<Options><Class>Calendar</Class><FilterType>4"
                     "</FilterType></Options>"), &o, &found) == NULL
       && found && o.filter_type == 4, "a Calendar collection's Options");
    ok(parse(p, COLL("<Options><b:BodyPreference><b:Type>5</b:Type>"
                     "</b:BodyPreference></Options>"), &o, &found) != NULL,
       "body type 5 refused");
    ok(parse(p, COLL("<Options><b:BodyPreference><b:TruncationSize>9"
                     "</b:TruncationSize></b:BodyPreference></Options>"),
             &o, &found) != NULL, "BodyPreference without Type refused");
    ok(parse(p, COLL("<Options><b:BodyPreference><b:Type>1</b:Type>"
                     "<b:TruncationSize>4294967296</b:TruncationSize>"
                     "</b:BodyPreference></Options>"), &o, &found) != NULL,
       "TruncationSize beyond 32 bits refused");
    ok(parse(p, COLL("<Options><Conflict>2</Conflict></Options>"), &o,
             &found) != NULL, "Conflict 2 refused");
    ok(parse(p, COLL("<Options><FilterType>1</FilterType></Options>"
                     "<Options><FilterType>2</FilterType></Options>"),
             &o, &found) != NULL, "two Options for mail refused");
}

static void test_since(void)
{
    apr_time_t now = apr_time_from_sec(100 * 86400);
    apr_time_t day = apr_time_from_sec(86400);

    is_int(eas_sync_since(0, 0, now), 0, "FilterType 0: no window");
    is_int(eas_sync_since(1, 0, now), now - day, "1: one day");
    is_int(eas_sync_since(3, 0, now), now - 7 * day, "3: one week");
    is_int(eas_sync_since(5, 0, now), now - 31 * day, "5: one month");
    is_int(eas_sync_since(0, 2, now), now - 3 * day,
           "the policy caps 'all' at 3 days");
    is_int(eas_sync_since(5, 2, now), now - 3 * day,
           "and a wider window too");
    is_int(eas_sync_since(1, 2, now), now - day, "a narrower one stays");
}

static void test_text(apr_pool_t *p)
{
    eas_sync_options_t o, back;
    const char *bad[] = { "", "1,1,0,-1,0", "9,1,0,-1,0,0", "0,1,0,-1,0,1",
                          "0,1,0,-1,0,1,7,0,0,0,0", "0,1,0,-1,0,0,",
                          "0,1,0,-1,0,0x" };
    int i;

    eas_sync_options_default(&o);
    o.filter_type = 4;
    o.mime_support = 1;
    o.mime_truncation = 5120;
    o.nprefs = 2;
    o.prefs[0].type = 2;
    o.prefs[0].has_truncation = 1;
    o.prefs[0].truncation = 4000000000u;
    o.prefs[0].preview = 100;
    o.prefs[1].type = 4;
    o.prefs[1].all_or_none = 1;
    ok(eas_sync_options_from_text(eas_sync_options_text(&o, p), &back) == 0,
       "text form parses back");
    ok(memcmp(&o, &back, sizeof(o)) == 0, "and is the same");
    ok(!strchr(eas_sync_options_text(&o, p), ' '), "text has no spaces");
    for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++)
        ok(eas_sync_options_from_text(bad[i], &back) != 0,
           "bad cache text '%s' refused", bad[i]);
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_parse(p);
    test_since();
    test_text(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
