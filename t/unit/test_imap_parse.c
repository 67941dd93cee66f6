/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the IMAP response framing and parser
 * (backends/imap/imap_parse.c; RFC 3501 / RFC 9051 section 9): framing
 * with literals cut at every byte, each response form the backend meets
 * (status responses and their codes, EXISTS/EXPUNGE/FETCH, CAPABILITY,
 * LIST, STATUS, ESEARCH, VANISHED...), malformed input and each limit,
 * and the readers of values (numbers, date-time, sequence sets).
 */
#include <stdio.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "tap.h"
#include "imap/imap_client.h"

static apr_pool_t *pool;

/* Parses the whole of s (a response); NULL with a diagnostic on failure. */
static im_resp_t *parse_lim(const char *s, apr_size_t len,
                            const im_limits_t *lim)
{
    im_resp_t *r = apr_pcalloc(pool, sizeof(*r));
    const char *err = NULL;

    if (im_parse(s, len, lim, r, &err, pool) != APR_SUCCESS) {
        tap_diag("parse failed: %s", err ? err : "(no message)");
        return NULL;
    }
    return r;
}

static im_resp_t *parse(const char *s)
{
    return parse_lim(s, strlen(s), NULL);
}

/* The error message of a parse expected to fail, NULL when it did not. */
static const char *parse_err(const char *s, apr_size_t len,
                             const im_limits_t *lim)
{
    im_resp_t r;
    const char *err = NULL;

    if (im_parse(s, len, lim, &r, &err, pool) != APR_EINVAL)
        return NULL;
    return err ? err : "";
}

static const char *str_of(const im_val_t *v)
{
    return v && v->s ? v->s : "(none)";
}

static apr_uint64_t num_of(const im_val_t *v)
{
    apr_uint64_t n = 0;

    return im_number(v, &n) ? n : (apr_uint64_t)-1;
}

/* ---- framing ----------------------------------------------------------- */

static const char FETCH_LITERALS[] =
    "* 12 FETCH (UID 7 BODY[HEADER.FIELDS (FROM TO)] {11}\r\n"
    "From: a\r\n\r\n BODY[] {5}\r\nab\r\nc FLAGS (\\Seen))\r\n";

static void test_frame_every_cut(void)
{
    apr_size_t len = strlen(FETCH_LITERALS), i, used = 0;
    int bad = 0;

    for (i = 0; i < len; i++)
        if (im_frame(FETCH_LITERALS, i, NULL, &used, NULL) != APR_INCOMPLETE)
            bad++;
    is_int(bad, 0, "frame: incomplete at every cut before the end");
    is_int(im_frame(FETCH_LITERALS, len, NULL, &used, NULL), APR_SUCCESS,
           "frame: complete at the end");
    is_int(used, len, "frame: the whole response");
}

static void test_frame_two(void)
{
    const char *two = "* 1 EXISTS\r\nA1 OK done\r\n";
    apr_size_t used = 0, want = 9;

    is_int(im_frame(two, strlen(two), NULL, &used, &want), APR_SUCCESS,
           "frame: first of two responses");
    is_int(used, 12, "frame: used is the first response");
    is_int(want, 0, "frame: want 0 when complete");
    is_int(im_frame("* 1 FETCH (BODY[] {100}\r\nabc", 28, NULL, &used, &want),
           APR_INCOMPLETE, "frame: inside a literal");
    is_int(want, 97, "frame: want is the rest of the literal");
    is_int(im_frame("* OK\n", 5, NULL, &used, &want), APR_SUCCESS,
           "frame: a bare LF ends a line");
}

static void test_frame_limits(void)
{
    im_limits_t lim = {16, 0, 0, 0}, lit = {0, 10, 0, 0};
    apr_size_t used = 0, want = 0;
    char big[64];

    memset(big, 'a', sizeof(big));
    is_int(im_frame(big, sizeof(big), &lim, &used, &want), APR_EINVAL,
           "frame: an unended line over line_max");
    is_int(im_frame(big, 15, &lim, &used, &want), APR_INCOMPLETE,
           "frame: an unended line under line_max waits");
    is_int(im_frame("* 1 FETCH (BODY[] {11}\r\n", 24, &lit, &used, &want),
           APR_EINVAL, "frame: a literal over literal_max");
    is_int(im_frame("* 1 X {5}\r\nabcde {6}\r\n", 22, &lit, &used, &want),
           APR_EINVAL, "frame: literals over literal_max together");
    is_int(im_frame("* X {99999999999999999999}\r\n", 28, NULL, &used, &want),
           APR_EINVAL, "frame: a literal size of 20 digits");
    is_int(im_frame("* X {}\r\n", 8, NULL, &used, &want), APR_EINVAL,
           "frame: an empty literal size");
    is_int(im_frame("* OK {abc}\r\n", 12, NULL, &used, &want), APR_SUCCESS,
           "frame: braces that are no literal end the line");
}

/* ---- status responses -------------------------------------------------- */

static void test_greeting(void)
{
    im_resp_t *r = parse("* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ "
                         "AUTH=PLAIN] Dovecot (Debian) ready.\r\n");
    im_val_t *code = r ? r->code : NULL;

    ok(r != NULL, "greeting parses");
    if (!r)
        return;
    is_str(r->tag, "*", "greeting: untagged");
    is_str(r->status, "OK", "greeting: OK");
    ok(r->name == NULL, "greeting: no name");
    is_int(r->num, -1, "greeting: no number");
    is_int(code ? code->n : 0, 5, "greeting: the code has 5 values");
    is_str(str_of(im_nth(code, 0)), "CAPABILITY", "greeting: code name");
    is_str(str_of(im_nth(code, 4)), "AUTH=PLAIN", "greeting: AUTH=PLAIN");
    is_str(r->text, "Dovecot (Debian) ready.", "greeting: text");
    is_int(r->args->n, 0, "greeting: no args");
}

static void test_tagged(void)
{
    im_resp_t *r = parse("a12 no [TRYCREATE] Mailbox doesn't exist: X\r\n");

    ok(r && !strcmp(r->tag, "a12") && !strcmp(r->status, "NO"),
       "tagged NO: tag and upper-cased status");
    ok(r && im_is(im_nth(r->code, 0), "TRYCREATE") && r->code->n == 1,
       "tagged NO: code without args");
    is_str(r ? r->text : NULL, "Mailbox doesn't exist: X", "tagged NO: text");
    r = parse("A1 OK\r\n");
    ok(r && !strcmp(r->text, "") && !r->code, "tagged OK without text");
    r = parse("A2 BAD [ALERT]\r\n");
    ok(r && im_is(im_nth(r->code, 0), "ALERT") && !strcmp(r->text, ""),
       "a code without text");
    r = parse("* BYE Logging out\r\n");
    ok(r && !strcmp(r->status, "BYE"), "untagged BYE");
    r = parse("* PREAUTH [CAPABILITY IMAP4rev1] Logged in as alice\r\n");
    ok(r && !strcmp(r->status, "PREAUTH") && r->code->n == 2, "PREAUTH");
}

static void test_codes(void)
{
    im_resp_t *r = parse("A3 OK [COPYUID 38505 304,319:320 3956:3958] "
                         "Moved UIDs.\r\n");
    im_val_t *c = r ? r->code : NULL;

    is_int(c ? c->n : 0, 4, "COPYUID: four values");
    is_int(num_of(im_nth(c, 1)), 38505, "COPYUID: uidvalidity");
    is_str(str_of(im_nth(c, 2)), "304,319:320", "COPYUID: source set");
    is_str(str_of(im_nth(c, 3)), "3956:3958", "COPYUID: destination set");
    r = parse("A4 OK [APPENDUID 1700000000 4] Append completed.\r\n");
    ok(r && im_is(im_nth(r->code, 0), "APPENDUID")
       && num_of(im_nth(r->code, 2)) == 4, "APPENDUID");
    r = parse("* OK [PERMANENTFLAGS (\\Answered \\Seen \\*)] Flags "
              "permitted.\r\n");
    c = r ? im_nth(r->code, 1) : NULL;
    ok(c && c->kind == IM_LIST && c->n == 3 && im_is(im_nth(c, 2), "\\*"),
       "PERMANENTFLAGS: a list with \\*");
    r = parse("* OK [HIGHESTMODSEQ 715194045007] Highest\r\n");
    is_int(r ? num_of(im_nth(r->code, 1)) : 0, 715194045007LL,
           "HIGHESTMODSEQ: a 40-bit number");
    r = parse("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n");
    is_int(r ? num_of(im_nth(r->code, 1)) : 0, 3857529045LL, "UIDVALIDITY");
    r = parse("A5 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n");
    ok(r && im_is(im_nth(r->code, 0), "READ-WRITE"), "READ-WRITE");
    r = parse("A6 NO [BADCHARSET (UTF-8 US-ASCII)] charset\r\n");
    ok(r && im_nth(r->code, 1) && im_nth(r->code, 1)->n == 2, "BADCHARSET");
    r = parse("A7 NO [X-WEIRD a)b] odd\r\n");
    ok(r && im_is(im_nth(r->code, 1), "a)b") && !strcmp(r->text, "odd"),
       "a code with arguments that are no values: kept as text");
    r = parse("* OK [MODIFIED 7,9] Conditional STORE failed\r\n");
    ok(r && im_is(im_nth(r->code, 1), "7,9"), "MODIFIED");
}

static void test_continuation(void)
{
    im_resp_t *r = parse("+ \r\n");

    ok(r && !strcmp(r->tag, "+") && !strcmp(r->text, "") && !r->status,
       "continuation without text");
    r = parse("+\r\n");
    ok(r && !strcmp(r->tag, "+"), "continuation without a space");
    r = parse("+ idling\r\n");
    is_str(r ? r->text : NULL, "idling", "continuation text");
    r = parse("+ [ALERT] go on\r\n");
    ok(r && im_is(im_nth(r->code, 0), "ALERT"), "continuation with a code");
}

/* ---- untagged data ----------------------------------------------------- */

static void test_numbered(void)
{
    im_resp_t *r = parse("* 23 EXISTS\r\n");

    ok(r && r->num == 23 && !strcmp(r->name, "EXISTS") && r->args->n == 0,
       "EXISTS");
    r = parse("* 4 expunge\r\n");
    ok(r && r->num == 4 && !strcmp(r->name, "EXPUNGE"), "EXPUNGE upper-cased");
    r = parse("* 0 RECENT\r\n");
    ok(r && r->num == 0, "RECENT 0");
    ok(parse_err("* 99999999999999999999 EXISTS\r\n", 32, NULL) != NULL,
       "a number too large");
}

static const char FETCH_NUL[] =
    "* 1 FETCH (UID 4 MODSEQ (12345) INTERNALDATE "
    "\"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 44827 "
    "BODY[]<0> {3}\r\nab\0 X-GUID \"q\\\"\\\\\")\r\n";

static void test_fetch(void)
{
    im_resp_t *r = parse_lim(FETCH_LITERALS, strlen(FETCH_LITERALS), NULL);
    im_val_t *v;

    ok(r && r->num == 12 && !strcmp(r->name, "FETCH"), "FETCH with literals");
    if (!r)
        return;
    is_int(r->args->n, 1, "FETCH: one list");
    is_int(num_of(im_fetch_item(r, "uid")), 7, "FETCH: UID");
    v = im_fetch_item(r, "BODY[HEADER.FIELDS (FROM TO)]");
    ok(v && v->kind == IM_STRING, "FETCH: a section with spaces is one atom");
    is_mem(v ? v->s : "", v ? v->len : 0, "From: a\r\n\r\n", 11,
           "FETCH: header literal");
    v = im_fetch_item(r, "BODY[]");
    is_mem(v ? v->s : "", v ? v->len : 0, "ab\r\nc", 5, "FETCH: body literal");
    v = im_fetch_item(r, "FLAGS");
    ok(v && v->kind == IM_LIST && im_is(im_nth(v, 0), "\\Seen"),
       "FETCH: FLAGS list");
    ok(im_fetch_item(r, "RFC822.SIZE") == NULL, "FETCH: a missing item");

    r = parse_lim(FETCH_NUL, sizeof(FETCH_NUL) - 1, NULL);
    ok(r != NULL, "FETCH: MODSEQ, INTERNALDATE, partial body");
    if (!r)
        return;
    ok(im_nth(im_fetch_item(r, "MODSEQ"), 0) != NULL
       && num_of(im_nth(im_fetch_item(r, "MODSEQ"), 0)) == 12345,
       "FETCH: MODSEQ (n)");
    v = im_fetch_item(r, "BODY[]<0>");
    ok(v && v->len == 3 && v->s[2] == '\0' && v->s[3] == '\0',
       "FETCH: a literal with a NUL keeps its length");
    v = im_fetch_item(r, "X-GUID");
    is_str(v ? v->s : NULL, "q\"\\", "FETCH: quoted string escapes");
    is_int(v ? v->len : 0, 3, "FETCH: quoted string length");
}

static void test_fetch_nil_binary(void)
{
    im_resp_t *r = parse("* 2 FETCH (ENVELOPE (NIL \"s\" NIL) "
                         "BINARY[1] ~{4}\r\n\x01\x02\r\n "
                         "BODYSTRUCTURE ((\"text\" \"plain\" NIL) \"mixed\"))"
                         "\r\n");
    im_val_t *v;

    ok(r != NULL, "FETCH with NIL, binary literal, nested lists");
    if (!r)
        return;
    v = im_fetch_item(r, "ENVELOPE");
    ok(v && im_nth(v, 0)->kind == IM_NIL && im_nth(v, 2)->kind == IM_NIL,
       "NIL values");
    v = im_fetch_item(r, "BINARY[1]");
    ok(v && v->kind == IM_STRING && v->len == 4 && v->s[0] == 1,
       "binary literal ~{n}");
    v = im_fetch_item(r, "BODYSTRUCTURE");
    ok(v && im_nth(v, 0)->kind == IM_LIST && im_nth(v, 0)->n == 3,
       "nested lists");
}

static void test_capability_enabled(void)
{
    im_resp_t *r = parse("* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR "
                         "AUTH=PLAIN CONDSTORE QRESYNC X-GUID\r\n");

    ok(r && !strcmp(r->name, "CAPABILITY") && r->args->n == 7, "CAPABILITY");
    ok(r && im_is(im_nth(r->args, 1), "literal+"), "CAPABILITY: LITERAL+");
    r = parse("* ENABLED QRESYNC CONDSTORE\r\n");
    ok(r && !strcmp(r->name, "ENABLED") && r->args->n == 2, "ENABLED");
    r = parse("* FLAGS (\\Answered \\Flagged $Forwarded)\r\n");
    ok(r && im_nth(r->args, 0)->n == 3, "FLAGS");
    r = parse("* ID (\"name\" \"Dovecot\")\r\n");
    ok(r && im_is(im_nth(im_nth(r->args, 0), 1), "Dovecot"), "ID");
    r = parse("* ID NIL\r\n");
    ok(r && im_nth(r->args, 0)->kind == IM_NIL, "ID NIL");
    r = parse("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
    ok(r && r->args->n == 3 && im_nth(r->args, 0)->kind == IM_LIST,
       "NAMESPACE");
}

static void test_list(void)
{
    im_resp_t *r = parse("* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n");

    ok(r && !strcmp(r->name, "LIST") && r->args->n == 3, "LIST");
    ok(r && im_is(im_nth(im_nth(r->args, 0), 1), "\\Sent"),
       "LIST: special-use attribute");
    ok(r && im_is(im_nth(r->args, 2), "Sent"), "LIST: atom mailbox");
    r = parse("* LIST () \"/\" \"Big [folder] \\\"x\\\"\"\r\n");
    is_str(r ? str_of(im_nth(r->args, 2)) : NULL, "Big [folder] \"x\"",
           "LIST: quoted mailbox name");
    r = parse("* LIST (\\HasNoChildren) \"/\" {8}\r\nM\xc3\xa4rz 24\r\n");
    ok(r && im_nth(r->args, 2)->kind == IM_STRING
       && !strcmp(im_nth(r->args, 2)->s, "M\xc3\xa4rz 24"),
       "LIST: literal mailbox name (8-bit)");
    r = parse("* LIST (\\Noselect) NIL \"\"\r\n");
    ok(r && im_nth(r->args, 1)->kind == IM_NIL
       && im_nth(r->args, 2)->len == 0, "LIST: NIL delimiter, empty name");
    r = parse("* LIST (\\Subscribed) \"/\" INBOX (\"CHILDINFO\" "
              "(\"SUBSCRIBED\"))\r\n");
    ok(r && r->args->n == 4, "LIST: extended data");
    r = parse("* LSUB () \".\" #news.comp.mail.misc\r\n");
    ok(r && im_is(im_nth(r->args, 2), "#news.comp.mail.misc"), "LSUB");
}

static void test_status_search(void)
{
    im_resp_t *r = parse("* STATUS Drafts (MESSAGES 2 UIDNEXT 3 "
                         "UIDVALIDITY 1700000001 HIGHESTMODSEQ 5 X-GUID "
                         "0c2f9e0b1a9c7e65cd00000031a3a1f3)\r\n");
    im_val_t *l = r ? im_nth(r->args, 1) : NULL;

    ok(r && !strcmp(r->name, "STATUS") && l && l->n == 10, "STATUS");
    is_str(str_of(im_nth(l, 9)), "0c2f9e0b1a9c7e65cd00000031a3a1f3",
           "STATUS: X-GUID");
    r = parse("* STATUS {5}\r\nA b c (MESSAGES 0)\r\n");
    ok(r && im_is(im_nth(r->args, 0), "A b c"), "STATUS: literal name");
    r = parse("* SEARCH 2 84 882\r\n");
    ok(r && r->args->n == 3, "SEARCH");
    r = parse("* SEARCH\r\n");
    ok(r && r->args->n == 0, "SEARCH without results");
    r = parse("* ESEARCH (TAG \"A282\") UID MIN 2 COUNT 3 ALL 2,10:11\r\n");
    ok(r && !strcmp(r->name, "ESEARCH") && r->args->n == 8, "ESEARCH");
    ok(r && im_is(im_nth(im_nth(r->args, 0), 1), "A282"), "ESEARCH: tag");
    ok(r && im_is(im_nth(r->args, 7), "2,10:11"), "ESEARCH: ALL set");
    r = parse("* VANISHED (EARLIER) 1:3,5\r\n");
    ok(r && !strcmp(r->name, "VANISHED") && r->args->n == 2
       && im_is(im_nth(im_nth(r->args, 0), 0), "EARLIER")
       && im_is(im_nth(r->args, 1), "1:3,5"), "VANISHED (EARLIER)");
    r = parse("* VANISHED 405,407,410:420\r\n");
    ok(r && r->args->n == 1, "VANISHED");
}

/* ---- malformed input and limits ---------------------------------------- */

static void test_malformed(void)
{
    static const char *bad[] = {
        "\r\n", "*\r\n", "* \r\n", "A1\r\n", "A1 MAYBE\r\n",
        "* LIST (\\X \"/\" INBOX\r\n", "* LIST ) \r\n",
        "* X \"unterminated\r\n", "* X \"bad \\e escape\"\r\n",
        "* X {5}\r\nab\r\n", "* X {5x}\r\nabcde\r\n",
        "* OK [ALERT unterminated\r\n", "* 3 EXISTS\r\nextra",
        "* X a\rb\r\n", "* X BODY[HEADER\r\n", "* X \x01\r\n",
        "* X {3}abc\r\n",
    };
    apr_size_t i;
    int n = 0;

    for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        const char *e = parse_err(bad[i], strlen(bad[i]), NULL);

        if (e && strstr(e, "IMAP response:"))
            n++;
        else
            tap_diag("accepted: %s", bad[i]);
    }
    is_int(n, (int)(sizeof(bad) / sizeof(*bad)),
           "malformed responses fail with a message");
    ok(parse_err("* X (a\0b)\r\n", 11, NULL) != NULL, "a NUL byte in a line");
}

static void test_limits(void)
{
    im_limits_t lim = {0, 0, 3, 0};
    char *deep;

    ok(parse_lim("* X ((()))\r\n", 12, &lim) != NULL, "depth 3 is allowed");
    ok(strstr(parse_err("* X (((())))\r\n", 14, &lim), "deep") != NULL,
       "depth 4 is refused");
    deep = apr_pstrcat(pool, "* X ", apr_psprintf(pool, "%0*d", 200, 0),
                       NULL);
    memset(deep + 4, '(', 200);
    ok(parse_err(apr_pstrcat(pool, deep, "\r\n", NULL), 206, NULL) != NULL,
       "200 open parentheses under the default depth");
    lim.depth_max = 0;
    lim.values_max = 5;
    ok(parse_lim("* X a b c d\r\n", 13, &lim) != NULL, "5 values allowed");
    ok(strstr(parse_err("* X a b c d e\r\n", 15, &lim), "values") != NULL,
       "6 values refused");
    ok(parse_err("* OK [A b c d e f] x\r\n", 22, &lim) != NULL,
       "too many values in a code");
    lim.values_max = 0;
    lim.literal_max = 4;
    ok(parse_lim("* X {4}\r\nabcd\r\n", 15, &lim) != NULL,
       "a literal at literal_max");
    ok(strstr(parse_err("* X {5}\r\nabcde\r\n", 16, &lim), "large") != NULL,
       "a literal over literal_max");
    ok(parse_err("* X {3}\r\nabc {2}\r\nab\r\n", 22, &lim) != NULL,
       "literals over literal_max together");
    lim.literal_max = 0;
    lim.line_max = 14;
    ok(parse_lim("* X {20}\r\n01234567890123456789 a\r\n", 34, &lim) != NULL,
       "a long literal in a short line");
    ok(strstr(parse_err("* X abcdefghij\r\n", 16, &lim), "long") != NULL,
       "a line over line_max");
}

/* ---- readers of values ------------------------------------------------- */

static void test_number_is(void)
{
    im_val_t v = {IM_ATOM, "9223372036854775807", 19, NULL, NULL, 0};
    apr_uint64_t n = 0;

    ok(im_number(&v, &n) && n == 9223372036854775807ULL, "number: 2^63-1");
    v.s = "9223372036854775808";
    ok(!im_number(&v, &n), "number: 2^63 is refused");
    v.s = "12a";
    v.len = 3;
    ok(!im_number(&v, &n), "number: not digits");
    v.kind = IM_STRING;
    v.s = "123";
    ok(!im_number(&v, &n), "number: a string is no number");
    ok(im_is(&v, "123") && !im_is(&v, "12") && !im_is(NULL, "x"), "im_is");
    ok(im_nth(&v, 0) == NULL, "im_nth of a non-list");
}

static void test_date_time(void)
{
    apr_time_t t = 0;

    ok(im_date_time("17-Jul-1996 02:44:25 -0700", &t)
       && t == apr_time_from_sec(837596665), "date-time with a zone");
    ok(im_date_time(" 1-Jan-2024 00:00:00 +0000", &t)
       && t == apr_time_from_sec(1704067200), "date-time, day space-padded");
    ok(im_date_time("1-jan-2024 01:30:00 +0130", &t)
       && t == apr_time_from_sec(1704067200), "date-time, one-digit day");
    ok(im_date_time("29-Feb-2024 12:00:00 +0000", &t), "date-time: leap day");
    ok(!im_date_time("29-Feb-2023 12:00:00 +0000", &t), "date-time: 29 Feb");
    ok(!im_date_time("17-Jux-1996 02:44:25 -0700", &t), "date-time: month");
    ok(!im_date_time("17-Jul-1996 24:44:25 -0700", &t), "date-time: hour");
    ok(!im_date_time("17-Jul-1996 02:44:25", &t), "date-time: no zone");
    ok(!im_date_time("17-Jul-1996 02:44:25 -0700x", &t),
       "date-time: trailing text");
    ok(!im_date_time("", &t) && !im_date_time("17-", &t), "date-time: short");
}

typedef struct {
    char out[128];
    int stop_after;
    int calls;
} ranges_t;

static int add_range(void *baton, apr_uint32_t lo, apr_uint32_t hi)
{
    ranges_t *r = baton;
    size_t n = strlen(r->out);

    snprintf(r->out + n, sizeof(r->out) - n, "[%u-%u]", lo, hi);
    return ++r->calls == r->stop_after;
}

static const char *ranges(const char *set, apr_uint32_t max, int stop_after)
{
    ranges_t r;

    memset(&r, 0, sizeof(r));
    r.stop_after = stop_after;
    if (im_set_each(set, max, add_range, &r) != APR_SUCCESS)
        return "EINVAL";
    return apr_pstrdup(pool, r.out);
}

static void test_sets(void)
{
    is_str(ranges("5", 9, 0), "[5-5]", "set: one number");
    is_str(ranges("1:3,7,9:*", 20, 0), "[1-3][7-7][9-20]", "set: a list");
    is_str(ranges("5:2", 9, 0), "[2-5]", "set: reversed range");
    is_str(ranges("*", 9, 0), "[9-9]", "set: *");
    is_str(ranges("*:4", 9, 0), "[4-9]", "set: *:n");
    is_str(ranges("4294967295", 9, 0), "[4294967295-4294967295]",
           "set: 2^32-1");
    is_str(ranges("1,2,3", 9, 2), "[1-1][2-2]", "set: stops when told");
    is_str(ranges("", 9, 0), "EINVAL", "set: empty");
    is_str(ranges("0", 9, 0), "EINVAL", "set: zero");
    is_str(ranges("1,", 9, 0), "EINVAL", "set: trailing comma");
    is_str(ranges("1,,2", 9, 0), "EINVAL", "set: empty element");
    is_str(ranges("1:", 9, 0), "EINVAL", "set: open range");
    is_str(ranges("4294967296", 9, 0), "EINVAL", "set: over 2^32-1");
    is_str(ranges("1,x", 9, 0), "EINVAL", "set: malformed late, no calls");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_frame_every_cut();
    test_frame_two();
    test_frame_limits();
    test_greeting();
    test_tagged();
    test_codes();
    test_continuation();
    test_numbered();
    test_fetch();
    test_fetch_nil_binary();
    test_capability_enabled();
    test_list();
    test_status_search();
    test_malformed();
    test_limits();
    test_number_is();
    test_date_time();
    test_sets();
    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
