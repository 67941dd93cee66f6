/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Contacts converter (mod_eas/pim/pim_contact.c) on vCards as Apple
 * Contacts (iOS, macOS), Google, Outlook and Thunderbird write them
 * (t/pim/contacts): what each sends, that a Change carrying what was sent
 * gives the same vCard back byte for byte, what a Change rewrites and what
 * it keeps, Adds, birthdays in zones from Honolulu to Auckland, and what
 * is refused.
 */
#include "tap.h"
#include "tree_util.h"
#include "pim.h"
#include "vcard.h"

#include <apr_general.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <libical/ical.h>
#include <stdio.h>
#include <time.h>

static apr_pool_t *pool;

#define C(tag) EAS_Contacts_##tag
#define C2(tag) EAS_Contacts2_##tag
#define NS "<ApplicationData xmlns=\"AirSync\" xmlns:C=\"Contacts\" " \
    "xmlns:D=\"Contacts2\" xmlns:B=\"AirSyncBase\">"

static eas_blob_t load(const char *name)
{
    return tu_file(pool, apr_pstrcat(pool, EAS_CONTACTS_DIR "/", name, NULL));
}

static eas_blob_t blob(const char *s)
{
    eas_blob_t b = { s, strlen(s) };

    return b;
}

static eas_pim_opts_t opts(const char *tzid)
{
    eas_pim_opts_t o;

    memset(&o, 0, sizeof o);
    o.version = 141;
    o.tzid = tzid;
    return o;
}

/* What write sends, as <ApplicationData>; NULL if write failed. */
static eas_node_t *sent(const eas_blob_t *card, const eas_pim_opts_t *o)
{
    tu_enc_t t;
    eas_wbxml_enc_t *e = tu_enc_open(&t, pool);
    const char *err = NULL;

    if (eas_pim_contacts.write(e, card, o, &err, pool) != APR_SUCCESS) {
        tap_diag("write refused: %s", err ? err : "?");
        return NULL;
    }
    return tu_enc_tree(&t);
}

/* The vCard read from appdata (onto old if given); "" on error. */
static const char *got(const eas_node_t *ad, const eas_blob_t *old,
                       const eas_pim_opts_t *o, const char **uid)
{
    eas_pim_item_t it;
    const char *err = NULL;

    memset(&it, 0, sizeof it);
    if (!ad || eas_pim_contacts.read(ad, old, o, &it, &err, pool)
        != APR_SUCCESS) {
        tap_diag("read refused: %s", err ? err : "?");
        return "";
    }
    if (uid)
        *uid = it.uid;
    return apr_pstrndup(pool, it.data.data, it.data.len);
}

/* The vCard as the writer gives it back untouched. */
static const char *canonical(const eas_blob_t *card)
{
    vcard_t *vc;
    const char *err;
    apr_size_t len;

    if (vcard_parse(card->data, card->len, &vc, &err, pool) != APR_SUCCESS)
        return "(unparsable)";
    return vcard_write(vc, &len, pool);
}

/* The value of the first property named name in a vCard text, or NULL. */
static const char *vprop(const char *text, const char *name)
{
    vcard_t *vc;
    const char *err;
    int i;

    if (vcard_parse(text, strlen(text), &vc, &err, pool) != APR_SUCCESS
        || (i = vcard_find(vc, name, 0)) < 0)
        return NULL;
    return vcard_at(vc, i)->value;
}

/* ------------------------------------------------------------------ */
/* What each producer's vCard sends                                    */
/* ------------------------------------------------------------------ */

typedef struct {
    eas_tag_t tag;
    const char *want;           /* NULL: must be absent */
} expect_t;

static void check(const char *file, const eas_node_t *ad, const expect_t *e,
                  int n)
{
    int i;

    for (i = 0; i < n; i++) {
        const char *v = tu_text(ad, e[i].tag);
        if (e[i].want)
            is_str(v, e[i].want, "%s: %s", file, eas_tag_name(e[i].tag));
        else
            ok(!tu_find(ad, e[i].tag), "%s: no %s", file,
               eas_tag_name(e[i].tag));
    }
}

static const char *child(const eas_node_t *ad, eas_tag_t list, int k)
{
    const eas_node_t *l = tu_find(ad, list), *c;

    for (c = l ? l->child : NULL; c && k; c = c->next)
        k--;
    return c ? c->value : NULL;
}

static void test_apple_ios(void)
{
    static const expect_t e[] = {
        { C(FileAs), "Dr. Johnny Q. Appleseed Jr." },
        { C(FirstName), "Johnny" }, { C(LastName), "Appleseed" },
        { C(MiddleName), "Q." }, { C(Title), "Dr." }, { C(Suffix), "Jr." },
        { C(CompanyName), "Orchard Inc." }, { C(Department), "Research" },
        { C(JobTitle), "Chief Grower" },
        { C(Email1Address), "johnny@home.example" },
        { C(Email2Address), "johnny@orchard.example" },
        { C(Email3Address), "j.a@old.example" },
        { C(MobilePhoneNumber), "+1 408 555 0101" },
        { C(HomePhoneNumber), "+1 408 555 0103" },
        { C(BusinessPhoneNumber), "+1 408 555 0104" },
        { C(BusinessFaxNumber), "+1 408 555 0105" },
        { C2(CompanyMainPhone), "+1 408 555 0106" },
        { C(PagerNumber), "+1 408 555 0107" },
        { C(Home2PhoneNumber), NULL }, { C(Business2PhoneNumber), NULL },
        { C(HomeAddressStreet), "1 Infinite Loop\nBuilding 2" },
        { C(HomeAddressCity), "Cupertino" }, { C(HomeAddressState), "CA" },
        { C(HomeAddressPostalCode), "95014" },
        { C(HomeAddressCountry), "United States" },
        { C(BusinessAddressStreet), "One Apple Park Way" },
        { C(OtherAddressStreet), NULL },
        { C(WebPage), "https://orchard.example/johnny" },
        { C(Spouse), "Jane Appleseed" }, { C2(ManagerName), "Tim" },
        { C(AssistantName), NULL },
        { C(Birthday), "1955-02-02T23:00:00.000Z" },
        { C(Anniversary), "2004-06-11T22:00:00.000Z" },
        { C2(IMAddress), "johnny@jabber.example" },
        { C2(IMAddress2), "johnny.apple" }, { C2(IMAddress3), NULL },
        { C2(NickName), "Apple" }, { C(YomiFirstName), "Jonni" },
        { C(YomiLastName), "Appurushiido" },
        { EAS_AirSyncBase_Data,
          "Likes apples, pears; not plums.\nSecond line." },
    };
    eas_pim_opts_t o = opts("Europe/Berlin");
    eas_blob_t card = load("apple_ios.vcf");
    eas_node_t *ad = sent(&card, &o);
    const char *pic;
    char *bytes;
    apr_size_t n = 0;

    check("apple_ios", ad, e, sizeof e / sizeof e[0]);
    is_str(child(ad, C(Categories), 0), "Friends", "apple_ios: category 1");
    is_str(child(ad, C(Categories), 1), "Orchard", "apple_ios: category 2");
    is_str(child(ad, C(Children), 0), "Jim Appleseed", "apple_ios: child");
    pic = tu_text(ad, C(Picture));
    bytes = pic ? vcard_base64_decode(pic, &n, pool) : NULL;
    ok(n == 518 && bytes && memcmp(bytes, "\xff\xd8\xff\xe0", 4) == 0,
       "apple_ios: the photo's bytes");
    o.max_photo = 517;
    ok(!tu_find(sent(&card, &o), C(Picture)),
       "apple_ios: photo over max_photo left out");
}

static void test_others(void)
{
    static const expect_t g[] = {
        { C(MiddleName), "Brewster Murray" }, { C(Title), "RAdm." },
        { C(Email1Address), "grace@navy.example" },
        { C(Email2Address), "grace@cobol.example" },
        { C(MobilePhoneNumber), "+1-202-555-0111" },
        { C(BusinessPhoneNumber), "+1-202-555-0112" },
        { C(Business2PhoneNumber), "+1-202-555-0113" },
        { C(HomePhoneNumber), "+1-202-555-0114" },
        { C(Home2PhoneNumber), "+1-202-555-0115" },
        { C(OtherAddressStreet), "42 Other Street" },
        { C(Spouse), "Vincent Foster Hopper" },
        { C(Birthday), "1906-12-09T10:30:00.000Z" },
        { C(Anniversary), "1930-06-15T10:30:00.000Z" },
        { C(WebPage), "https://grace.example/" },
    };
    static const expect_t ol[] = {
        { C(FileAs), "J\xC3\xB6rg M\xC3\xBC" "ller" },
        { C(LastName), "M\xC3\xBC" "ller" }, { C(Title), "Herr" },
        { C(CompanyName), "Contoso GmbH" }, { C(Department), "Vertrieb" },
        { C(BusinessPhoneNumber), "+49 89 1234560" },
        { C(HomePhoneNumber), "+49 89 7654321" },
        { C(MobilePhoneNumber), "+49 170 1234567" },
        { C(BusinessFaxNumber), "+49 89 1234569" },
        { C(CarPhoneNumber), "+49 171 7654321" },
        { C(BusinessAddressCity), "Muenchen" },
        { C(Email1Address), "joerg.mueller@contoso.example" },
        { C2(IMAddress), "joerg@im.contoso.example" },
        { C(Birthday), "1970-01-01T12:00:00.000Z" },
        { C(Anniversary), "2005-06-12T12:00:00.000Z" },
        { C(Spouse), "J\xC3\xBCrgen" }, { C2(ManagerName), "Anna Schmidt" },
        { C(AssistantName), "Bernd" },
        { C(WebPage), "http://www.contoso.example" },
        { EAS_AirSyncBase_Data, "Gr\xC3\xBC\xC3\x9F" "e aus M\xC3\xBCnchen."
          "\nZweite Zeile mit einem sehr langen Text, der umbrochen wird." },
    };
    static const expect_t tb[] = {
        { C(Email1Address), "ada@analytical.example" },
        { C(Email2Address), "ada@babbage.example" },
        { C(MiddleName), "Augusta King" }, { C(Title), "Countess" },
        { C(BusinessPhoneNumber), "+44 20 7946 0001" },
        { C(MobilePhoneNumber), "+44 7700 900001" },
        { C(HomePhoneNumber), "+44-20-7946-0002" },
        { C(BusinessFaxNumber), "+44 20 7946 0003" },
        { C(Home2PhoneNumber), NULL },
        { C(BusinessAddressStreet), "1 Engine Row\nUnit 3" },
        { C(Birthday), "1604-12-10T00:00:00.000Z" },
        { C(Anniversary), "1835-07-08T00:00:00.000Z" },
        { C(Spouse), "William King" }, { C2(IMAddress), "ada@jabber.example" },
    };
    eas_pim_opts_t o = opts("Pacific/Honolulu");
    eas_blob_t card = load("google.vcf");
    eas_node_t *ad = sent(&card, &o);

    check("google", ad, g, sizeof g / sizeof g[0]);
    is_str(child(ad, C(Categories), 1), "Pioneers", "google: categories");
    o = opts("Pacific/Auckland");
    card = load("outlook.vcf");
    ad = sent(&card, &o);
    check("outlook", ad, ol, sizeof ol / sizeof ol[0]);
    ok(tu_find(ad, C(Picture)) != NULL, "outlook: 2.1 BASE64 photo sent");
    o = opts(NULL);
    card = load("thunderbird.vcf");
    ad = sent(&card, &o);
    check("thunderbird", ad, tb, sizeof tb / sizeof tb[0]);
    is_str(child(ad, C(Children), 1), "Anne Isabella", "thunderbird: child 2");
    ok(tu_find(ad, C(Picture)) != NULL, "thunderbird: data: URI photo sent");
    card = load("apple_macos.vcf");
    ad = sent(&card, &o);
    is_str(tu_text(ad, C(Birthday)), "1604-05-06T00:00:00.000Z",
           "apple_macos: birthday without a year");
    is_str(tu_text(ad, C(Anniversary)), "1604-11-30T00:00:00.000Z",
           "apple_macos: labelled anniversary, not the other date");
}

/* ------------------------------------------------------------------ */
/* Round trips: a Change with what was sent changes nothing            */
/* ------------------------------------------------------------------ */

static void test_round_trip(void)
{
    static const char *const files[] = {
        "apple_ios.vcf", "apple_macos.vcf", "google.vcf", "outlook.vcf",
        "thunderbird.vcf"
    };
    static const char *const zones[] = {
        "Pacific/Honolulu", "Europe/Berlin", "Pacific/Auckland"
    };
    unsigned i, z;

    for (i = 0; i < sizeof files / sizeof files[0]; i++)
        for (z = 0; z < 3; z++) {
            eas_pim_opts_t o = opts(zones[z]);
            eas_blob_t card = load(files[i]);
            const char *uid = NULL, *back;
            back = got(sent(&card, &o), &card, &o, &uid);
            is_str(back, canonical(&card), "%s in %s: Change with the same "
                   "data gives the vCard back", files[i], zones[z]);
            if (z == 0)
                is_str(uid, vprop(back, "UID"), "%s: the old UID", files[i]);
        }
}

/* ------------------------------------------------------------------ */
/* What a Change rewrites and keeps                                    */
/* ------------------------------------------------------------------ */

static const char old_card[] =
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u-1\r\nFN:Old Name\r\n"
    "N:Name;Old;;;\r\n"
    "EMAIL;TYPE=INTERNET:a@x\r\nEMAIL;TYPE=INTERNET:b@x\r\n"
    "EMAIL;TYPE=INTERNET:c@x\r\nEMAIL;TYPE=INTERNET:d@x\r\n"
    "TEL;TYPE=CELL:111\r\nTEL;TYPE=ISDN:222\r\n"
    "X-FOO;X-BAR=baz:keep \\q\r\nNOTE:old note\r\nTITLE:Boss\r\n"
    "item1.X-ABRELATEDNAMES:Jane\r\nitem1.X-ABLabel:_$!<Spouse>!$_\r\n"
    "PHOTO;ENCODING=b;TYPE=JPEG:SGVsbG8=\r\nREV:20200101T000000Z\r\n"
    "END:VCARD\r\n";

static void test_change(void)
{
    eas_pim_opts_t o = opts(NULL);
    eas_blob_t old = blob(old_card);
    const char *uid = NULL, *v;
    eas_node_t *ad = tu_tree(pool, NS
        "<C:FileAs>New Name</C:FileAs><C:FirstName>New</C:FirstName>"
        "<C:LastName>Name</C:LastName>"
        "<C:Email1Address>\"A\" &lt;a2@x&gt;</C:Email1Address>"
        "<C:Email2Address>b@x</C:Email2Address>"
        "<C:Email3Address>c@x</C:Email3Address>"
        "<C:MobilePhoneNumber>333</C:MobilePhoneNumber>"
        "<C:HomePhoneNumber>444</C:HomePhoneNumber>"
        "<C:Categories><C:Category>VIP</C:Category></C:Categories>"
        "</ApplicationData>");

    o.now = apr_time_from_sec(1700000000);
    v = got(ad, &old, &o, &uid);
    is_str(uid, "u-1", "the old UID");
    ok(strstr(v, "\r\nFN:New Name\r\n") != NULL, "FN rewritten");
    ok(strstr(v, "\r\nN:Name;New;;;\r\n") != NULL, "N rewritten");
    ok(strstr(v, "EMAIL;TYPE=INTERNET:a2@x\r\n") != NULL,
       "e-mail rewritten, the address of \"Name\" <addr>");
    ok(strstr(v, "EMAIL;TYPE=INTERNET:d@x\r\n") != NULL, "fourth e-mail kept");
    ok(strstr(v, "TEL;TYPE=CELL:333\r\n") != NULL, "mobile rewritten");
    ok(strstr(v, "TEL;TYPE=ISDN:222\r\n") != NULL, "custom-typed phone kept");
    ok(strstr(v, "TEL;TYPE=HOME,VOICE:444\r\n") != NULL, "home phone added");
    ok(strstr(v, "X-FOO;X-BAR=baz:keep \\q\r\n") != NULL,
       "X-property kept exactly");
    ok(strstr(v, "TITLE") == NULL, "JobTitle left out: TITLE removed");
    ok(strstr(v, "X-ABRELATEDNAMES") == NULL && strstr(v, "item1.") == NULL,
       "Spouse left out: Apple's group removed with its label");
    ok(strstr(v, "NOTE:old note\r\n") != NULL, "no Body: NOTE kept");
    ok(strstr(v, "PHOTO;ENCODING=b;TYPE=JPEG:SGVsbG8=\r\n") != NULL,
       "no Picture: PHOTO kept");
    ok(strstr(v, "CATEGORIES:VIP\r\n") != NULL, "categories added");
    is_str(vprop(v, "REV"), "20231114T221320Z", "REV from now");

    ad = tu_tree(pool, NS "<C:Picture/><B:Body><B:Type>1</B:Type>"
                 "<B:Data></B:Data></B:Body></ApplicationData>");
    v = got(ad, &old, &o, NULL);
    ok(strstr(v, "PHOTO") == NULL, "empty Picture: PHOTO removed");
    ok(strstr(v, "NOTE") == NULL, "empty Body: NOTE removed");
    ok(strstr(v, "\r\nFN:d@x\r\n") != NULL && strstr(v, "\r\nN:;;;;\r\n"),
       "FN (from the e-mail left) and N stay, as 3.0 requires them");
    ok(strstr(v, "X-FOO;X-BAR=baz:keep \\q\r\n") != NULL, "X-FOO still kept");

    ad = tu_tree(pool, NS "<C:Picture>SGVsbG8gYWdhaW4=</C:Picture>"
                 "<B:Body><B:Type>1</B:Type><B:Data>a\r\nb</B:Data></B:Body>"
                 "</ApplicationData>");
    v = got(ad, &old, &o, NULL);
    ok(strstr(v, "PHOTO;ENCODING=b;TYPE=JPEG:SGVsbG8gYWdhaW4=\r\n") != NULL,
       "new Picture replaces the photo");
    ok(strstr(v, "NOTE:a\\nb\r\n") != NULL, "new Body, CR LF as \\n");
}

static void test_change_v4(void)
{
    eas_pim_opts_t o = opts("Europe/Berlin");
    eas_blob_t old = blob("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\n"
                          "UID:urn:uuid:1\r\nIMPP:aim:old\r\nEND:VCARD\r\n");
    eas_node_t *ad = tu_tree(pool, NS "<C:FileAs>A</C:FileAs>"
        "<C:Spouse>S</C:Spouse><C:Children><C:Child>K1</C:Child>"
        "<C:Child>K2</C:Child></C:Children>"
        "<C:Birthday>1604-05-05T23:00:00.000Z</C:Birthday>"
        "<C:Anniversary>2001-02-03T23:00:00.000Z</C:Anniversary>"
        "<C:MobilePhoneNumber>1</C:MobilePhoneNumber>"
        "<D:IMAddress>new</D:IMAddress><D:IMAddress2>x@y</D:IMAddress2>"
        "<C:Picture>iVBORw0K</C:Picture></ApplicationData>");
    const char *v = got(ad, &old, &o, NULL);

    ok(strstr(v, "RELATED;TYPE=spouse;VALUE=text:S\r\n") != NULL,
       "4.0: spouse as RELATED");
    ok(strstr(v, "RELATED;TYPE=child;VALUE=text:K1\r\n")
       && strstr(v, "RELATED;TYPE=child;VALUE=text:K2\r\n"),
       "4.0: children as RELATED");
    ok(strstr(v, "BDAY:--0506\r\n") != NULL, "4.0: year 1604 as --MMDD");
    ok(strstr(v, "ANNIVERSARY:20010204\r\n") != NULL, "4.0: ANNIVERSARY");
    ok(strstr(v, "TEL;TYPE=cell,voice:1\r\n") != NULL, "4.0: lower-case type");
    ok(strstr(v, "IMPP:aim:new\r\n") != NULL, "IMPP keeps its scheme");
    ok(strstr(v, "IMPP:xmpp:x@y\r\n") != NULL, "new IMPP: xmpp");
    ok(strstr(v, "PHOTO:data:image/png;base64,iVBORw0K\r\n") != NULL,
       "4.0: photo as a data: URI");
    ok(strstr(v, "\r\nN:") == NULL, "4.0: no N added");
}

static void test_add(void)
{
    eas_pim_opts_t o = opts("America/New_York");
    eas_node_t *ad = tu_tree(pool, NS
        "<C:FirstName>Ann</C:FirstName><C:LastName>Lee</C:LastName>"
        "<C:CompanyName>Acme; Inc.</C:CompanyName>"
        "<C:BusinessAddressStreet>1 Road\nFloor 2</C:BusinessAddressStreet>"
        "<C:BusinessAddressCity>Town</C:BusinessAddressCity>"
        "<C:Children><C:Child>Kid</C:Child></C:Children>"
        "<C:Birthday>1604-05-06T04:00:00.000Z</C:Birthday>"
        "<C:Anniversary>1999-07-01T04:00:00.000Z</C:Anniversary>"
        "<D:NickName>Annie</D:NickName><D:MMS>5</D:MMS>"
        "<C:Picture>/9j/4AAQ</C:Picture>"
        "<C:Email1Address>ann@x</C:Email1Address></ApplicationData>");
    const char *uid = NULL, *v;
    eas_blob_t back;
    eas_node_t *again;

    o.now = apr_time_from_sec(1700000000);
    v = got(ad, NULL, &o, &uid);
    ok(strncmp(v, "BEGIN:VCARD\r\nVERSION:3.0\r\n", 26) == 0, "Add: 3.0");
    ok(uid && strlen(uid) == 36, "Add: a new UID");
    is_str(vprop(v, "UID"), uid, "Add: the UID in the vCard");
    ok(vprop(v, "PRODID") != NULL, "Add: PRODID");
    is_str(vprop(v, "FN"), "Ann Lee", "Add: FN made from the names");
    is_str(vprop(v, "N"), "Lee;Ann;;;", "Add: N");
    is_str(vprop(v, "ORG"), "Acme\\; Inc.;", "Add: ORG escaped");
    ok(strstr(v, "ADR;TYPE=WORK:;;1 Road\\nFloor 2;Town;;;\r\n") != NULL,
       "Add: business address");
    ok(strstr(v, "item1.X-ABRELATEDNAMES:Kid\r\n"
              "item1.X-ABLabel:_$!<Child>!$_\r\n") != NULL,
       "Add: child in Apple's form");
    ok(strstr(v, "BDAY;X-APPLE-OMIT-YEAR=1604:1604-05-06\r\n") != NULL,
       "Add: birthday without a year");
    is_str(vprop(v, "X-ANNIVERSARY"), "1999-07-01", "Add: X-ANNIVERSARY");
    ok(strstr(v, "TEL;TYPE=X-MMS:5\r\n") != NULL, "Add: MMS");
    ok(strstr(v, "EMAIL;TYPE=INTERNET:ann@x\r\n") != NULL, "Add: e-mail");
    ok(strstr(v, "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ\r\n") != NULL,
       "Add: photo");
    back = blob(v);
    again = sent(&back, &o);
    is_str(tu_text(again, C(Birthday)), "1604-05-06T05:00:00.000Z",
           "Add, then write: the same birthday");
    is_str(tu_text(again, C(CompanyName)), "Acme; Inc.",
           "Add, then write: company");
    is_str(tu_text(again, C(BusinessAddressStreet)), "1 Road\nFloor 2",
           "Add, then write: street lines");
    is_str(child(again, C(Children), 0), "Kid", "Add, then write: child");
    is_str(tu_text(again, C2(MMS)), "5", "Add, then write: MMS");
}

/* ------------------------------------------------------------------ */
/* Birthdays never shift                                               */
/* ------------------------------------------------------------------ */

/* s shifted by delta seconds, MS-ASDTYPE extended form. */
static const char *shifted(const char *s, long delta)
{
    struct tm tm;
    time_t t;

    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return "bad";
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    t = timegm(&tm) + delta;
    gmtime_r(&t, &tm);
    return apr_psprintf(pool, "%04d-%02d-%02dT%02d:%02d:%02d.000Z",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                        tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Whether s is local midnight of y-m-d in zone (libical's own view). */
static int local_midnight(const char *s, const char *zone, int y, int m,
                          int d)
{
    struct tm tm;
    struct icaltimetype t;

    memset(&tm, 0, sizeof tm);
    sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
           &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    t = icaltime_from_timet_with_zone(timegm(&tm), 0,
                                      icaltimezone_get_utc_timezone());
    icaltimezone_convert_time(&t, icaltimezone_get_utc_timezone(),
                              icaltimezone_get_builtin_timezone(zone));
    return t.year == y && t.month == m && t.day == d && t.hour == 0
        && t.minute == 0;
}

static void test_birthdays(void)
{
    static const char *const zones[] = {
        "Pacific/Honolulu", "America/Los_Angeles", "America/Sao_Paulo",
        "UTC", "Europe/London", "Europe/Berlin", "Asia/Kolkata",
        "Asia/Tokyo", "Australia/Adelaide", "Pacific/Auckland"
    };
    static const char *const dates[] = {
        "1955-02-03", "1980-02-29", "1999-12-31", "2000-01-01",
        "2024-03-31", "2024-10-27", "1604-05-06"
    };
    static const long shifts[] = { 0, -3600, 3600, -7 * 3600, 5 * 3600 };
    unsigned z, d, s;
    int midnight = 1, kept = 1, added = 1;

    for (z = 0; z < sizeof zones / sizeof zones[0]; z++)
        for (d = 0; d < sizeof dates / sizeof dates[0]; d++) {
            eas_pim_opts_t o = opts(zones[z]);
            eas_blob_t card = blob(apr_psprintf(pool,
                "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nN:x;;;;\r\n"
                "BDAY:%s\r\nEND:VCARD\r\n", dates[d]));
            const char *b = tu_text(sent(&card, &o), C(Birthday));
            int y, m, dd;
            sscanf(dates[d], "%d-%d-%d", &y, &m, &dd);
            if (!b || (y > 1900 && !local_midnight(b, zones[z], y, m, dd))) {
                midnight = 0;
                tap_diag("%s %s sent as %s", zones[z], dates[d], b);
                continue;
            }
            for (s = 0; s < sizeof shifts / sizeof shifts[0]; s++) {
                const char *xml = apr_psprintf(pool, NS "<C:FileAs>x</C:FileAs>"
                    "<C:LastName>x</C:LastName><C:Birthday>%s</C:Birthday>"
                    "</ApplicationData>", shifted(b, shifts[s]));
                const char *v = got(tu_tree(pool, xml), &card, &o, NULL);
                const char *a = got(tu_tree(pool, xml), NULL, &o, NULL);
                if (strcmp(v, canonical(&card)) != 0) {
                    kept = 0;
                    tap_diag("%s %s shift %ld: %s", zones[z], dates[d],
                             shifts[s], vprop(v, "BDAY"));
                }
                if (!vprop(a, "BDAY")
                    || strcmp(vprop(a, "BDAY"), dates[d]) != 0) {
                    added = 0;
                    tap_diag("%s %s shift %ld: Add gives %s", zones[z],
                             dates[d], shifts[s], vprop(a, "BDAY"));
                }
            }
        }
    ok(midnight, "birthdays sent as the user's local midnight");
    ok(kept, "a phone up to 7 hours west or 5 east never moves a birthday");
    ok(added, "an Add from such a phone has the right date");
}

/* ------------------------------------------------------------------ */
/* Refused                                                             */
/* ------------------------------------------------------------------ */

static const char *write_err(const char *card)
{
    eas_pim_opts_t o = opts(NULL);
    tu_enc_t t;
    eas_wbxml_enc_t *e = tu_enc_open(&t, pool);
    eas_blob_t b = blob(card);
    const char *err = NULL;

    if (eas_pim_contacts.write(e, &b, &o, &err, pool) != APR_EINVAL)
        return "not refused";
    return err ? err : "no reason";
}

static const char *read_err(const char *xml, const char *old,
                            apr_size_t max_photo, apr_size_t max_item)
{
    eas_pim_opts_t o = opts(NULL);
    eas_blob_t b = blob(old ? old : "");
    eas_pim_item_t it;
    const char *err = NULL;

    o.max_photo = max_photo;
    o.max_item = max_item;
    if (eas_pim_contacts.read(tu_tree(pool, xml), old ? &b : NULL, &o, &it,
                              &err, pool) != APR_EINVAL)
        return "not refused";
    return err ? err : "no reason";
}

static void test_refused(void)
{
    is_str(write_err("BEGIN:VCARD\r\nFN:x\r\n"), "no END:VCARD",
           "write: no END");
    is_str(write_err("not a vcard"), "no BEGIN:VCARD", "write: not a vCard");
    is_str(write_err("BEGIN:VCARD\r\nFN:\xff\r\nEND:VCARD\r\n"),
           "invalid UTF-8", "write: invalid UTF-8");
    is_str(read_err(NS "<C:FileAs>x</C:FileAs></ApplicationData>",
                    "BEGIN:VCARD\r\nEND:VCARD\r\nBEGIN:VCARD\r\nEND:VCARD\r\n",
                    0, 0), "more than one vCard", "read: bad old vCard");
    is_str(read_err(NS "<C:Picture>!!</C:Picture></ApplicationData>", NULL,
                    0, 0), "Picture is not base64", "read: bad Picture");
    is_str(read_err(NS "<C:Picture>SGVsbG8=</C:Picture></ApplicationData>",
                    NULL, 4, 0), "Picture too large",
           "read: Picture over max_photo");
    is_str(read_err(NS "<C:FileAs>x</C:FileAs></ApplicationData>", NULL, 0,
                    20), "contact too large", "read: over max_item");
    is_str(eas_pim_contacts.content_type, "text/vcard", "content type");
    ok(eas_pim_contacts.cls == EAS_CLASS_CONTACTS, "class");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_apple_ios();
    test_others();
    test_round_trip();
    test_change();
    test_change_v4();
    test_add();
    test_birthdays();
    test_refused();
    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
