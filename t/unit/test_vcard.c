/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vCard parser and writer (mod_eas/pim/vcard.c): unfolding, escapes,
 * groups, parameters in every form producers write, vCard 2.1 encodings,
 * exact write-back of what was not changed, folding, and what is refused.
 */
#include "tap.h"
#include "vcard.h"

#include <apr_general.h>
#include <apr_strings.h>

static apr_pool_t *pool;

static vcard_t *parse(const char *s)
{
    vcard_t *vc = NULL;
    const char *err = NULL;

    if (vcard_parse(s, strlen(s), &vc, &err, pool) != APR_SUCCESS) {
        tap_diag("parse failed: %s", err);
        return NULL;
    }
    return vc;
}

static const char *written(const vcard_t *vc)
{
    apr_size_t len;

    return vc ? vcard_write(vc, &len, pool) : "(none)";
}

/* The error of a vCard that must be refused, or "accepted". */
static const char *refused(const char *s, apr_size_t len)
{
    vcard_t *vc;
    const char *err = NULL;
    apr_status_t rv = vcard_parse(s, len, &vc, &err, pool);

    if (rv == APR_SUCCESS)
        return "accepted";
    return rv == APR_EINVAL && err ? err : "no reason";
}

static vcard_prop_t *prop(const vcard_t *vc, const char *name)
{
    int i = vc ? vcard_find(vc, name, 0) : -1;

    return i >= 0 ? vcard_at(vc, i) : NULL;
}

static void test_lines(void)
{
    vcard_t *vc = parse("begin:vcard\nversion:3.0\nfn:Jane\n  Doe\n"
                        "NOTE:one\r\n\ttwo\r\nEND:VCARD\n");
    vcard_prop_t *pr;

    ok(vc != NULL, "bare LF, lower-case names, folded lines");
    is_str(vc->version, "3.0", "version");
    pr = prop(vc, "FN");
    is_str(vcard_text(pr, pool), "Jane Doe", "folded with a space kept");
    is_str(vcard_text(prop(vc, "note"), pool), "onetwo",
           "folded with a tab");
    is_str(written(vc), "BEGIN:VCARD\r\nversion:3.0\r\nfn:Jane Doe\r\n"
           "NOTE:onetwo\r\nEND:VCARD\r\n", "written with CRLF as it was");
}

static void test_escapes(void)
{
    vcard_t *vc = parse("BEGIN:VCARD\r\nVERSION:4.0\r\n"
                        "NOTE:a\\nb\\Nc\\,d\\;e\\\\f\r\n"
                        "N:Doe\\, Jr.;John;Paul,Peter;;\r\n"
                        "ADR:;;1 Main St,Suite 2;Town;;12345;\r\n"
                        "CATEGORIES:x,y\\,z,,w\r\nEND:VCARD\r\n");
    apr_array_header_t *cats;

    is_str(vcard_text(prop(vc, "NOTE"), pool), "a\nb\nc,d;e\\f",
           "text escapes");
    is_str(vcard_component(prop(vc, "N"), 0, " ", pool), "Doe, Jr.",
           "escaped comma inside a component");
    is_str(vcard_component(prop(vc, "N"), 2, " ", pool), "Paul Peter",
           "component list joined");
    is_str(vcard_component(prop(vc, "N"), 7, " ", pool), "",
           "missing component empty");
    is_str(vcard_component(prop(vc, "ADR"), 2, "\n", pool),
           "1 Main St\nSuite 2", "street lines");
    cats = vcard_list(prop(vc, "CATEGORIES"), pool);
    is_int(cats->nelts, 3, "three categories, empty item skipped");
    is_str(APR_ARRAY_IDX(cats, 1, const char *), "y,z", "escaped comma");
    is_str(vcard_escape("a,b;c\\d\r\ne\x01", pool), "a\\,b\\;c\\\\d\\ne",
           "escape, CRLF as \\n, control dropped");
}

static void test_params(void)
{
    vcard_t *vc = parse("BEGIN:VCARD\r\nVERSION:3.0\r\n"
                        "item1.TEL;type=work;type=voice:1\r\n"
                        "item1.X-ABLabel:_$!<Other>!$_\r\n"
                        "TEL;TYPE=\"home,voice\":2\r\n"
                        "TEL;TYPE=CELL,VOICE;X-FOO=\"a;b:c\":3\r\n"
                        "TEL;WORK;FAX:4\r\n"
                        "EMAIL;PREF=1:x@y\r\n"
                        "X-A;X-Q=\"^'q^' ^n ^^\":v\r\nEND:VCARD\r\n");
    vcard_prop_t *t[4];
    int i = -1, k;

    for (k = 0; k < 4; k++)
        t[k] = vcard_at(vc, i = vcard_find(vc, "TEL", i + 1));
    is_str(t[0]->group, "item1", "group");
    ok(vcard_has_type(t[0], "WORK") && vcard_has_type(t[0], "voice"),
       "TYPE in two parameters");
    ok(vcard_has_type(t[1], "home") && vcard_has_type(t[1], "VOICE"),
       "TYPE list quoted");
    ok(vcard_has_type(t[2], "cell") && !vcard_has_type(t[2], "home"),
       "TYPE list");
    is_str(t[2]->value, "3", "colon inside a quoted value is not the end");
    ok(vcard_has_type(t[3], "fax") && vcard_has_type(t[3], "work"),
       "2.1 bare types");
    ok(vcard_has_type(prop(vc, "EMAIL"), "pref"), "PREF=1 is pref");
    is_str(APR_ARRAY_IDX(vcard_param(prop(vc, "X-A"), "x-q")->values, 0,
                         const char *), "\"q\" \n ^", "RFC 6868 carets");
    is_str(vcard_param(t[2], "X-FOO")->raw, "X-FOO=\"a;b:c\"",
           "raw parameter kept");
}

static void test_exact(void)
{
    const char *in =
        "BEGIN:VCARD\r\nVERSION:4.0\r\nX-UNKNOWN;X-P=\"q\";y=z:odd \\q\r\n"
        "item9.X-ODD:v\r\nEND:VCARD\r\n";
    vcard_t *vc = parse(in);
    vcard_prop_t *pr;

    is_str(written(vc), in, "unknown properties and parameters exact");
    pr = prop(vc, "X-UNKNOWN");
    vcard_set_value(pr, "new", pool);
    ok(strstr(written(vc), "X-UNKNOWN;X-P=\"q\";y=z:new\r\n") != NULL,
       "changed value, parameters kept");
    vcard_insert(vc, 1, NULL, "FN", "x");
    vcard_remove(vc, vcard_find(vc, "X-ODD", 0));
    is_str(written(vc), "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\n"
           "X-UNKNOWN;X-P=\"q\";y=z:new\r\nEND:VCARD\r\n", "insert, remove");
    is_str(vcard_new_group(vc, pool), "item1", "new group");
    ok(vcard_is_v4(vc), "4.0");
    vc = parse("BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n");
    is_str(written(vc), "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nEND:VCARD\r\n",
           "VERSION added when missing");
}

static void test_fold(void)
{
    char line[200], *w;
    const char *p, *q;
    vcard_t *vc;
    int i, ok_len = 1, ok_utf8 = 1;

    memcpy(line, "NOTE:", 5);
    for (i = 5; i + 2 < 185; i += 2)
        memcpy(line + i, "\xC3\xA9", 2);   /* é */
    line[i] = '\0';
    vc = parse(apr_pstrcat(pool, "BEGIN:VCARD\r\nVERSION:3.0\r\n", line,
                           "\r\nEND:VCARD\r\n", NULL));
    w = (char *)written(vc);
    for (p = w; (q = strstr(p, "\r\n")); p = q + 2) {
        ok_len &= q - p <= 75;
        ok_utf8 &= ((unsigned char)p[p[0] == ' '] & 0xC0) != 0x80;
    }
    ok(ok_len, "no line longer than 75 octets");
    ok(ok_utf8, "no line starts inside a character");
    vc = parse(w);
    is_str(apr_pstrcat(pool, "NOTE:", vcard_text(prop(vc, "NOTE"), pool),
                       NULL), line, "folded text reads back whole");
}

static void test_v21(void)
{
    const char in[] =
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=F6rg\r\n"
        "NOTE;ENCODING=QUOTED-PRINTABLE:one=0D=0Atwo =3D soft =\r\n"
        "break\r\n"
        "FN;CHARSET=ISO-8859-1:J\xF6rg\r\n"
        "TEL;HOME;QUOTED-PRINTABLE:=31=32\r\n"
        "PHOTO;TYPE=JPEG;ENCODING=BASE64:\r\n  SGVs\r\n  bG8=\r\n\r\n"
        "END:VCARD\r\n";
    vcard_t *vc = parse(in);
    vcard_prop_t *photo;
    const char *b;
    apr_size_t n = 0;

    ok(vc != NULL, "2.1 with QUOTED-PRINTABLE and CHARSET parses");
    is_str(vcard_component(prop(vc, "N"), 0, " ", pool), "M\xC3\xBCller",
           "QP and ISO-8859-1 to UTF-8");
    is_str(vcard_text(prop(vc, "NOTE"), pool), "one\ntwo = soft break",
           "QP line break and soft break");
    is_str(vcard_text(prop(vc, "FN"), pool), "J\xC3\xB6rg",
           "8-bit CHARSET converted");
    is_str(vcard_text(prop(vc, "TEL"), pool), "12", "bare QUOTED-PRINTABLE");
    ok(vcard_param(prop(vc, "N"), "CHARSET") == NULL
       && vcard_param(prop(vc, "N"), "ENCODING") == NULL,
       "CHARSET and ENCODING dropped once decoded");
    photo = prop(vc, "PHOTO");
    b = vcard_base64_decode(photo->value, &n, pool);
    is_mem(b, n, "Hello", 5, "base64 photo across folded lines");
    ok(strstr(written(vc), "VERSION:2.1\r\n") != NULL, "VERSION kept");
    ok(vcard_base64_decode("SGV=sbG8", &n, pool) == NULL,
       "padding inside base64 refused");
    ok(vcard_base64_decode("S!Vs", &n, pool) == NULL, "not base64 refused");
    vc = parse("BEGIN:VCARD\r\nVERSION:2.1\r\n"
               "TEL;QUOTED-PRINTABLE;HOME;QUOTED-PRINTABLE:=31=32\r\n"
               "END:VCARD\r\n");
    ok(vc && !strstr(written(vc), "QUOTED-PRINTABLE"),
       "a bare QUOTED-PRINTABLE given twice is dropped twice (the vCard "
       "written is read back the same)");
}

static void test_refused(void)
{
    char *big, *o;
    int i;

    is_str(refused("", 0), "no BEGIN:VCARD", "empty");
    is_str(refused("FN:x\r\n", 6), "no BEGIN:VCARD", "no BEGIN");
    is_str(refused("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", 31),
           "no BEGIN:VCARD", "not a vCard");
    is_str(refused("BEGIN:VCARD\r\nFN:x\r\n", 19), "no END:VCARD", "no END");
    is_str(refused("BEGIN:VCARD\r\nBEGIN:VCARD\r\nEND:VCARD\r\nEND:VCARD\r\n",
                   48), "nested vCard", "nested");
    is_str(refused("BEGIN:VCARD\r\nEND:VCALENDAR\r\n", 28), "mismatched END",
           "mismatched END");
    is_str(refused("BEGIN:VCARD\r\nEND:VCARD\r\nBEGIN:VCARD\r\nEND:VCARD\r\n",
                   48), "more than one vCard", "two vCards");
    is_str(refused("BEGIN:VCARD\r\nEND:VCARD\r\nFN:x\r\n", 30),
           "data after END:VCARD", "trailing data");
    is_str(refused("BEGIN:VCARD\r\nFN x\r\nEND:VCARD\r\n", 30),
           "line without a colon", "no colon");
    is_str(refused("BEGIN:VCARD\r\nF N:x\r\nEND:VCARD\r\n", 31),
           "bad property name", "bad name");
    is_str(refused("BEGIN:VCARD\r\nFN:\xC3\x28\r\nEND:VCARD\r\n", 30),
           "invalid UTF-8", "invalid UTF-8");
    is_str(refused("BEGIN:VCARD\r\nFN:a\x01\r\nEND:VCARD\r\n", 29),
           "invalid UTF-8", "control character");
    is_str(refused("BEGIN:VCARD\r\nVERSION:5.0\r\nEND:VCARD\r\n", 38),
           "unknown vCard version", "unknown version");
    is_str(refused("BEGIN:VCARD\r\nFN;CHARSET=X-NONE-SUCH:a\r\nEND:VCARD\r\n",
                   50), "cannot convert charset", "unknown charset");
    big = apr_palloc(pool, 30 * VCARD_MAX_PROPS + 64);
    strcpy(big, "BEGIN:VCARD\r\n");
    for (i = 0, o = big + strlen(big); i <= VCARD_MAX_PROPS; i++, o += 7)
        memcpy(o, "X-A:1\r\n", 7);
    strcpy(o, "END:VCARD\r\n");
    is_str(refused(big, strlen(big)), "too many properties", "property limit");
    is_str(refused(big, VCARD_MAX_SIZE + 1), "vCard too large", "size limit");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_lines();
    test_escapes();
    test_params();
    test_exact();
    test_fold();
    test_v21();
    test_refused();
    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
