/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IMAP response framing and parsing (RFC 3501 section 9 and RFC 9051
 * section 9, the "response" rules): one response, its lines and literals,
 * becomes an im_resp_t with a generic tree of values.  Also the small
 * readers of values the backend needs: numbers, date-time (RFC 3501
 * "date-time"), sequence sets ("sequence-set") and FETCH items.
 *
 * Everything is bounded by im_limits_t (line length, literal size,
 * nesting depth, number of values) and fails with APR_EINVAL and a
 * message instead; nothing here reads outside the buffer it is given.
 * This file is fuzzed by t/fuzz/fuzz_imap_response.c.
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>

#include "imap/imap_client.h"

/* Literal sizes have at most this many digits (2^63 has 19). */
#define LITERAL_DIGITS 19

typedef struct {
    apr_size_t line_max, literal_max;
    int depth_max, values_max;
} limits_t;

typedef struct {
    const char *buf;
    apr_size_t len, pos;
    limits_t lim;
    int values;
    apr_size_t literal_total;
    const char *err;
    apr_pool_t *p;
} pstate_t;

static void limits_of(const im_limits_t *in, limits_t *out)
{
    out->line_max = in && in->line_max ? in->line_max : IM_LINE_MAX;
    out->literal_max = in && in->literal_max ? in->literal_max
                                             : IM_LITERAL_MAX;
    out->depth_max = in && in->depth_max > 0 ? in->depth_max : IM_DEPTH_MAX;
    out->values_max = in && in->values_max > 0 ? in->values_max
                                               : IM_VALUES_MAX;
}

/* ---- framing ----------------------------------------------------------- */

/*
 * Whether the line seg[0..n) (without its LF) ends in a literal
 * announcement "{123}" or "{123+}" (a CR before the LF allowed): 1 with
 * *size, 0 when not; -1 for "{}" or a size too large to be one.
 */
static int literal_at_end(const char *seg, apr_size_t n, apr_uint64_t *size)
{
    apr_size_t end, i;
    apr_uint64_t v = 0;

    if (n && seg[n - 1] == '\r')
        n--;
    if (n < 2 || seg[n - 1] != '}')
        return 0;
    end = n - 1;
    if (seg[end - 1] == '+')
        end--;
    i = end;
    while (i > 0 && apr_isdigit(seg[i - 1]))
        i--;
    if (i == 0 || seg[i - 1] != '{')
        return 0;
    if (i == end || end - i > LITERAL_DIGITS)
        return -1;
    for (; i < end; i++)
        v = v * 10 + (apr_uint64_t)(seg[i] - '0');
    *size = v;
    return 1;
}

apr_status_t im_frame(const char *buf, apr_size_t len, const im_limits_t *lim,
                      apr_size_t *used, apr_size_t *want)
{
    limits_t l;
    apr_size_t pos = 0, lines = 0, literals = 0;

    limits_of(lim, &l);
    *used = 0;
    if (want)
        *want = 0;
    for (;;) {
        const char *nl = pos < len ? memchr(buf + pos, '\n', len - pos)
                                   : NULL;
        apr_size_t seg;
        apr_uint64_t size = 0;
        int lit;

        if (!nl)
            return lines + (len - pos) > l.line_max ? APR_EINVAL
                                                    : APR_INCOMPLETE;
        seg = (apr_size_t)(nl - (buf + pos));
        lines += seg + 1;
        if (lines > l.line_max)
            return APR_EINVAL;
        lit = literal_at_end(buf + pos, seg, &size);
        pos += seg + 1;
        if (lit < 0 || (lit && size > l.literal_max - literals))
            return APR_EINVAL;
        if (!lit) {
            *used = pos;
            return APR_SUCCESS;
        }
        literals += (apr_size_t)size;
        if (len - pos < size) {
            if (want)
                *want = (apr_size_t)size - (len - pos);
            return APR_INCOMPLETE;
        }
        pos += (apr_size_t)size;
    }
}

/* ---- the lexer --------------------------------------------------------- */

static apr_status_t fail(pstate_t *ps, const char *what)
{
    ps->err = apr_psprintf(ps->p, "IMAP response: %s at byte %"
                           APR_SIZE_T_FMT, what, ps->pos);
    return APR_EINVAL;
}

static int peek(const pstate_t *ps)
{
    return ps->pos < ps->len ? (unsigned char)ps->buf[ps->pos] : -1;
}

/* The length of the line end at pos (CRLF 2, LF 1), 0 when none. */
static int eol_len(const pstate_t *ps)
{
    if (ps->pos < ps->len && ps->buf[ps->pos] == '\n')
        return 1;
    if (ps->pos + 1 < ps->len && ps->buf[ps->pos] == '\r'
        && ps->buf[ps->pos + 1] == '\n')
        return 2;
    return 0;
}

/* Characters that end an atom: SP, CTL, 8-bit DEL, ( ) { " and, in a
   response code, ]. */
static int atom_stop(int c, int in_code)
{
    return c <= 0x20 || c == 0x7f || c == '(' || c == ')' || c == '{'
           || c == '"' || (in_code && c == ']');
}

static im_val_t *new_val(pstate_t *ps, im_kind_t kind)
{
    im_val_t *v;

    if (ps->values >= ps->lim.values_max)
        return NULL;
    ps->values++;
    v = apr_pcalloc(ps->p, sizeof(*v));
    v->kind = kind;
    return v;
}

static apr_status_t new_val_or_fail(pstate_t *ps, im_kind_t kind,
                                    im_val_t **out)
{
    *out = new_val(ps, kind);
    return *out ? APR_SUCCESS : fail(ps, "too many values");
}

static char *upper_dup(apr_pool_t *p, const char *s, apr_size_t n)
{
    char *d = apr_pstrmemdup(p, s, n);
    apr_size_t i;

    for (i = 0; i < n; i++)
        if (d[i] >= 'a' && d[i] <= 'z')
            d[i] = (char)(d[i] - 'a' + 'A');
    return d;
}

/* A fetch section "[...]" inside an atom: up to its "]", with spaces,
   parentheses and quoted strings inside. */
static apr_status_t skip_section(pstate_t *ps)
{
    int quoted = 0;

    for (ps->pos++; ps->pos < ps->len; ps->pos++) {
        char c = ps->buf[ps->pos];

        if (c == '\r' || c == '\n')
            break;
        if (quoted && c == '\\' && ps->pos + 1 < ps->len)
            ps->pos++;
        else if (c == '"')
            quoted = !quoted;
        else if (c == ']' && !quoted) {
            ps->pos++;
            return APR_SUCCESS;
        }
    }
    return fail(ps, "unterminated section");
}

/* The extent of an atom at pos (BODY[HEADER.FIELDS (A B)]<0> is one). */
static apr_status_t scan_atom(pstate_t *ps, int in_code, apr_size_t *start)
{
    *start = ps->pos;
    while (!atom_stop(peek(ps), in_code)) {
        if (ps->buf[ps->pos] == '[' && !in_code) {
            apr_status_t rv = skip_section(ps);

            if (rv != APR_SUCCESS)
                return rv;
        }
        else
            ps->pos++;
    }
    if (ps->pos == *start)
        return fail(ps, peek(ps) < 0 ? "unexpected end"
                                     : "unexpected character");
    return APR_SUCCESS;
}

static apr_status_t parse_atom(pstate_t *ps, int in_code, im_val_t **out)
{
    apr_size_t start, n;
    apr_status_t rv = scan_atom(ps, in_code, &start);

    if (rv != APR_SUCCESS)
        return rv;
    n = ps->pos - start;
    if (n == 3 && strncasecmp(ps->buf + start, "NIL", 3) == 0)
        return new_val_or_fail(ps, IM_NIL, out);
    rv = new_val_or_fail(ps, IM_ATOM, out);
    if (rv == APR_SUCCESS) {
        (*out)->s = apr_pstrmemdup(ps->p, ps->buf + start, n);
        (*out)->len = n;
    }
    return rv;
}

/* A quoted string's bytes, unescaped: its length first, then a copy. */
static apr_status_t quoted_extent(pstate_t *ps, apr_size_t *n)
{
    apr_size_t i;

    *n = 0;
    for (i = ps->pos + 1; i < ps->len; i++) {
        char c = ps->buf[i];

        if (c == '"') {
            ps->pos = i;
            return APR_SUCCESS;
        }
        if (c == '\r' || c == '\n')
            break;
        if (c == '\\') {
            if (i + 1 >= ps->len || (ps->buf[i + 1] != '"'
                                     && ps->buf[i + 1] != '\\')) {
                ps->pos = i;
                return fail(ps, "bad escape in quoted string");
            }
            i++;
        }
        (*n)++;
    }
    ps->pos = i;
    return fail(ps, "unterminated quoted string");
}

static apr_status_t parse_quoted(pstate_t *ps, im_val_t **out)
{
    apr_size_t start = ps->pos, n, i, j = 0;
    apr_status_t rv = quoted_extent(ps, &n);
    char *d;

    if (rv == APR_SUCCESS)
        rv = new_val_or_fail(ps, IM_STRING, out);
    if (rv != APR_SUCCESS)
        return rv;
    d = apr_palloc(ps->p, n + 1);
    for (i = start + 1; i < ps->pos; i++) {
        if (ps->buf[i] == '\\')
            i++;
        d[j++] = ps->buf[i];
    }
    d[j] = '\0';
    (*out)->s = d;
    (*out)->len = n;
    ps->pos++;
    return APR_SUCCESS;
}

/* "{n}" or "{n+}" at pos, the line end after it: the size, pos after the
   line end. */
static apr_status_t literal_size(pstate_t *ps, apr_size_t *size)
{
    apr_uint64_t v = 0;
    int digits = 0, el;

    for (ps->pos++; apr_isdigit(peek(ps)) && digits <= LITERAL_DIGITS;
         ps->pos++, digits++)
        v = v * 10 + (apr_uint64_t)(ps->buf[ps->pos] - '0');
    if (peek(ps) == '+')
        ps->pos++;
    if (digits == 0 || digits > LITERAL_DIGITS || peek(ps) != '}')
        return fail(ps, "malformed literal");
    ps->pos++;
    if (v > ps->lim.literal_max || v > ps->lim.literal_max - ps->literal_total)
        return fail(ps, "literal too large");
    el = eol_len(ps);
    if (!el)
        return fail(ps, "no line end after a literal's size");
    ps->pos += (apr_size_t)el;
    if (v > ps->len - ps->pos)
        return fail(ps, "literal longer than the data");
    *size = (apr_size_t)v;
    ps->literal_total += *size;
    return APR_SUCCESS;
}

static apr_status_t parse_literal(pstate_t *ps, im_val_t **out)
{
    apr_size_t n = 0;
    apr_status_t rv;

    if (peek(ps) == '~')
        ps->pos++;
    rv = literal_size(ps, &n);
    if (rv == APR_SUCCESS)
        rv = new_val_or_fail(ps, IM_STRING, out);
    if (rv != APR_SUCCESS)
        return rv;
    (*out)->s = apr_pstrmemdup(ps->p, ps->buf + ps->pos, n);
    (*out)->len = n;
    ps->pos += n;
    return APR_SUCCESS;
}

/* ---- values ------------------------------------------------------------ */

static apr_status_t parse_values(pstate_t *ps, int depth, int close,
                                 int in_code, im_val_t *list);

static apr_status_t parse_list(pstate_t *ps, int depth, int in_code,
                               im_val_t **out)
{
    apr_status_t rv;

    if (depth + 1 > ps->lim.depth_max)
        return fail(ps, "lists nested too deep");
    rv = new_val_or_fail(ps, IM_LIST, out);
    if (rv != APR_SUCCESS)
        return rv;
    ps->pos++;
    return parse_values(ps, depth + 1, ')', in_code, *out);
}

static apr_status_t parse_value(pstate_t *ps, int depth, int in_code,
                                im_val_t **out)
{
    int c = peek(ps);

    if (c == '(')
        return parse_list(ps, depth, in_code, out);
    if (c == '"')
        return parse_quoted(ps, out);
    if (c == '{' || (c == '~' && ps->pos + 1 < ps->len
                     && ps->buf[ps->pos + 1] == '{'))
        return parse_literal(ps, out);
    return parse_atom(ps, in_code, out);
}

/*
 * Values separated by spaces into list, up to close (')' or ']', eaten)
 * or, when close is 0, up to the line end (not eaten).
 */
static apr_status_t parse_values(pstate_t *ps, int depth, int close,
                                 int in_code, im_val_t *list)
{
    im_val_t **tail = &list->child;

    while (*tail)
        tail = &(*tail)->next;
    for (;;) {
        apr_status_t rv;
        int c;

        while (peek(ps) == ' ')
            ps->pos++;
        c = peek(ps);
        if (close && c == close) {
            ps->pos++;
            return APR_SUCCESS;
        }
        if (eol_len(ps) || c < 0)
            return close ? fail(ps, "unterminated list") : APR_SUCCESS;
        if (c == ')')
            return fail(ps, "unexpected )");
        rv = parse_value(ps, depth, in_code, tail);
        if (rv != APR_SUCCESS)
            return rv;
        tail = &(*tail)->next;
        list->n++;
    }
}

/* ---- responses --------------------------------------------------------- */

/* A word: the tag, a number, a name (no section brackets). */
static apr_status_t parse_word(pstate_t *ps, apr_size_t *start,
                               apr_size_t *n)
{
    *start = ps->pos;
    while (!atom_stop(peek(ps), 1) && ps->buf[ps->pos] != '[')
        ps->pos++;
    *n = ps->pos - *start;
    return *n ? APR_SUCCESS : fail(ps, "missing word");
}

static const char *text_to_eol(pstate_t *ps)
{
    apr_size_t start = ps->pos;

    while (ps->pos < ps->len && ps->buf[ps->pos] != '\r'
           && ps->buf[ps->pos] != '\n')
        ps->pos++;
    return apr_pstrmemdup(ps->p, ps->buf + start, ps->pos - start);
}

/* A response code whose arguments are not values ("[ALERT!]" text...):
   its name and the raw rest up to "]" as one atom. */
static apr_status_t code_raw(pstate_t *ps, im_val_t *code)
{
    const char *end = memchr(ps->buf + ps->pos, ']', ps->len - ps->pos);
    const char *nl = memchr(ps->buf + ps->pos, '\n', ps->len - ps->pos);
    im_val_t *v;

    if (!end || (nl && nl < end))
        return fail(ps, "unterminated response code");
    v = new_val(ps, IM_ATOM);
    if (!v)
        return fail(ps, "too many values");
    v->len = (apr_size_t)(end - (ps->buf + ps->pos));
    v->s = apr_pstrmemdup(ps->p, ps->buf + ps->pos, v->len);
    code->child->next = v;
    code->n = 2;
    ps->pos = (apr_size_t)(end - ps->buf) + 1;
    return APR_SUCCESS;
}

/* "[CODE args]" at pos: a list of the upper-cased name and the args. */
static apr_status_t parse_code(pstate_t *ps, im_val_t **out)
{
    apr_size_t start, n, after;
    apr_status_t rv;
    im_val_t *code, *name;

    ps->pos++;
    rv = parse_word(ps, &start, &n);
    if (rv == APR_SUCCESS)
        rv = new_val_or_fail(ps, IM_LIST, &code);
    if (rv == APR_SUCCESS)
        rv = new_val_or_fail(ps, IM_ATOM, &name);
    if (rv != APR_SUCCESS)
        return rv;
    name->s = upper_dup(ps->p, ps->buf + start, n);
    name->len = n;
    code->child = name;
    code->n = 1;
    *out = code;
    after = ps->pos;
    rv = parse_values(ps, 0, ']', 1, code);
    if (rv == APR_SUCCESS || ps->values >= ps->lim.values_max)
        return rv;
    ps->pos = after;
    while (peek(ps) == ' ')
        ps->pos++;
    return code_raw(ps, code);
}

/* After a status word: [SP ["[" code "]"] [SP] text]. */
static apr_status_t parse_resp_text(pstate_t *ps, im_resp_t *out)
{
    apr_status_t rv;

    if (peek(ps) == ' ')
        ps->pos++;
    else if (!eol_len(ps))
        return fail(ps, "no space after the status");
    if (peek(ps) == '[') {
        rv = parse_code(ps, &out->code);
        if (rv != APR_SUCCESS)
            return rv;
        if (peek(ps) == ' ')
            ps->pos++;
    }
    out->text = text_to_eol(ps);
    return APR_SUCCESS;
}

static int is_status(const char *s)
{
    return !strcmp(s, "OK") || !strcmp(s, "NO") || !strcmp(s, "BAD")
           || !strcmp(s, "PREAUTH") || !strcmp(s, "BYE");
}

static int all_digits(const char *s, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++)
        if (!apr_isdigit(s[i]))
            return 0;
    return n > 0;
}

/* "* 3 EXISTS": the number, then the name. */
static apr_status_t parse_numbered(pstate_t *ps, apr_size_t start,
                                   apr_size_t n, im_resp_t *out)
{
    im_val_t v = {IM_ATOM, ps->buf + start, n, NULL, NULL, 0};
    apr_uint64_t num;
    apr_size_t ns, nn;
    char digits[24];

    if (n >= sizeof(digits))
        return fail(ps, "response number too large");
    memcpy(digits, ps->buf + start, n);
    digits[n] = '\0';
    v.s = digits;
    if (!im_number(&v, &num))
        return fail(ps, "response number too large");
    out->num = (long long)num;
    if (peek(ps) != ' ')
        return fail(ps, "no name after a number");
    ps->pos++;
    if (parse_word(ps, &ns, &nn) != APR_SUCCESS)
        return APR_EINVAL;
    out->name = upper_dup(ps->p, ps->buf + ns, nn);
    return parse_values(ps, 0, 0, 0, out->args);
}

static apr_status_t parse_untagged(pstate_t *ps, im_resp_t *out)
{
    apr_size_t start, n;
    char *word;

    if (peek(ps) != ' ')
        return fail(ps, "nothing after *");
    ps->pos++;
    if (parse_word(ps, &start, &n) != APR_SUCCESS)
        return APR_EINVAL;
    if (all_digits(ps->buf + start, n))
        return parse_numbered(ps, start, n, out);
    word = upper_dup(ps->p, ps->buf + start, n);
    if (is_status(word)) {
        out->status = word;
        return parse_resp_text(ps, out);
    }
    out->name = word;
    return parse_values(ps, 0, 0, 0, out->args);
}

static apr_status_t parse_tagged(pstate_t *ps, im_resp_t *out)
{
    apr_size_t start, n;

    if (peek(ps) != ' ')
        return fail(ps, "no status after the tag");
    ps->pos++;
    if (parse_word(ps, &start, &n) != APR_SUCCESS)
        return APR_EINVAL;
    out->status = upper_dup(ps->p, ps->buf + start, n);
    if (!is_status(out->status))
        return fail(ps, "unknown status");
    return parse_resp_text(ps, out);
}

static apr_status_t parse_response(pstate_t *ps, im_resp_t *out)
{
    apr_size_t start, n;
    apr_status_t rv;

    if (parse_word(ps, &start, &n) != APR_SUCCESS)
        return APR_EINVAL;
    out->tag = apr_pstrmemdup(ps->p, ps->buf + start, n);
    if (!strcmp(out->tag, "+"))
        rv = parse_resp_text(ps, out);
    else if (!strcmp(out->tag, "*"))
        rv = parse_untagged(ps, out);
    else
        rv = parse_tagged(ps, out);
    if (rv != APR_SUCCESS)
        return rv;
    ps->pos += (apr_size_t)eol_len(ps);
    return ps->pos == ps->len ? APR_SUCCESS
                              : fail(ps, "data after the response's end");
}

apr_status_t im_parse(const char *buf, apr_size_t len, const im_limits_t *lim,
                      im_resp_t *out, const char **err, apr_pool_t *p)
{
    pstate_t ps;
    apr_size_t lines = len;
    apr_status_t rv;

    memset(&ps, 0, sizeof(ps));
    ps.buf = buf;
    ps.len = len;
    ps.p = p;
    limits_of(lim, &ps.lim);
    memset(out, 0, sizeof(*out));
    out->num = -1;
    out->text = "";
    out->args = new_val(&ps, IM_LIST);
    rv = parse_response(&ps, out);
    if (rv == APR_SUCCESS && (lines -= ps.literal_total) > ps.lim.line_max) {
        ps.pos = len;
        rv = fail(&ps, "line too long");
    }
    if (rv != APR_SUCCESS && err)
        *err = ps.err;
    return rv;
}

/* ---- readers of values ------------------------------------------------- */

im_val_t *im_nth(const im_val_t *list, int i)
{
    im_val_t *v;

    if (!list || list->kind != IM_LIST || i < 0)
        return NULL;
    for (v = list->child; v && i > 0; v = v->next)
        i--;
    return v;
}

im_val_t *im_item(const im_val_t *list, const char *name)
{
    im_val_t *v;

    if (!list || list->kind != IM_LIST)
        return NULL;
    for (v = list->child; v && v->next; v = v->next->next)
        if (v->kind == IM_ATOM && strcasecmp(v->s, name) == 0)
            return v->next;
    return NULL;
}

im_val_t *im_fetch_item(const im_resp_t *r, const char *name)
{
    return r ? im_item(im_nth(r->args, 0), name) : NULL;
}

const im_val_t *im_mailbox_of(const im_resp_t *r)
{
    const im_val_t *v = NULL;

    if (r && r->name && !strcmp(r->name, "STATUS"))
        v = im_nth(r->args, 0);
    else if (r && r->name && !strcmp(r->name, "LIST"))
        v = im_nth(r->args, 2);
    return v && (v->kind == IM_ATOM || v->kind == IM_STRING) ? v : NULL;
}

int im_is(const im_val_t *v, const char *s)
{
    return v && (v->kind == IM_ATOM || v->kind == IM_STRING)
           && v->len == strlen(s) && strcasecmp(v->s, s) == 0;
}

int im_number(const im_val_t *v, apr_uint64_t *out)
{
    apr_uint64_t n = 0;
    apr_size_t i;

    if (!v || v->kind != IM_ATOM || v->len == 0 || v->len > 19)
        return 0;
    for (i = 0; i < v->len; i++) {
        if (!apr_isdigit(v->s[i]))
            return 0;
        n = n * 10 + (apr_uint64_t)(v->s[i] - '0');
    }
    if (n > (apr_uint64_t)APR_INT64_MAX)
        return 0;
    *out = n;
    return 1;
}

/* ---- date-time (RFC 3501 "date-time") ---------------------------------- */

static int digits_at(const char *s, int n, int *out)
{
    int i, v = 0;

    for (i = 0; i < n; i++) {
        if (!apr_isdigit(s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

static int month_of(const char *s)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int m;

    for (m = 0; m < 12; m++)
        if (strncasecmp(s, names + 3 * m, 3) == 0)
            return m + 1;
    return 0;
}

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return days[m - 1] + (m == 2 && leap);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long long days_from_civil(int y, int m, int d)
{
    long long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "dd-Mon-yyyy" (day space-padded or of one digit): *s moved past it. */
static int parse_date(const char **s, int *y, int *m, int *d)
{
    const char *p = *s;

    if (*p == ' ')
        p++;
    if (apr_isdigit(p[0]) && apr_isdigit(p[1])) {
        *d = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
    }
    else if (apr_isdigit(p[0]))
        *d = *p++ - '0';
    else
        return 0;
    if (p[0] != '-' || strlen(p) < 9 || !(*m = month_of(p + 1)) || p[4] != '-'
        || !digits_at(p + 5, 4, y))
        return 0;
    *s = p + 9;
    return *d >= 1 && *d <= month_days(*y, *m);
}

int im_date_time(const char *s, apr_time_t *out)
{
    int y, mo, d, h, mi, sec, zh, zm;
    long long t;

    if (!s || !parse_date(&s, &y, &mo, &d))
        return 0;
    if (strlen(s) != 15 || s[0] != ' ' || s[3] != ':' || s[6] != ':'
        || s[9] != ' ' || (s[10] != '+' && s[10] != '-')
        || !digits_at(s + 1, 2, &h) || !digits_at(s + 4, 2, &mi)
        || !digits_at(s + 7, 2, &sec) || !digits_at(s + 11, 2, &zh)
        || !digits_at(s + 13, 2, &zm))
        return 0;
    if (h > 23 || mi > 59 || sec > 60 || zm > 59)
        return 0;
    t = days_from_civil(y, mo, d) * 86400LL + h * 3600 + mi * 60 + sec;
    t -= (s[10] == '-' ? -1 : 1) * (zh * 3600LL + zm * 60);
    *out = (apr_time_t)t * APR_USEC_PER_SEC;
    return 1;
}

/* ---- sequence sets (RFC 3501 "sequence-set") --------------------------- */

/* "*" or an nz-number at *s. */
static int set_number(const char **s, apr_uint32_t max, apr_uint32_t *out)
{
    const char *p = *s;
    apr_uint64_t v = 0;

    if (*p == '*') {
        *out = max;
        *s = p + 1;
        return 1;
    }
    if (*p < '1' || *p > '9')
        return 0;
    for (; apr_isdigit(*p); p++) {
        v = v * 10 + (apr_uint64_t)(*p - '0');
        if (v > 0xffffffffULL)
            return 0;
    }
    *out = (apr_uint32_t)v;
    *s = p;
    return 1;
}

/* One "n" or "n:m" at *s, and the comma after it: 1, or 0 when malformed. */
static int set_range(const char **s, apr_uint32_t max, apr_uint32_t *lo,
                     apr_uint32_t *hi)
{
    if (!set_number(s, max, lo))
        return 0;
    *hi = *lo;
    if (**s == ':') {
        ++*s;
        if (!set_number(s, max, hi))
            return 0;
    }
    if (*lo > *hi) {
        apr_uint32_t t = *lo;

        *lo = *hi;
        *hi = t;
    }
    if (**s == ',')
        return *++*s != '\0';
    return **s == '\0';
}

apr_status_t im_set_each(const char *set, apr_uint32_t max,
                         int (*fn)(void *baton, apr_uint32_t lo,
                                   apr_uint32_t hi),
                         void *baton)
{
    const char *s = set;
    apr_uint32_t lo, hi;

    if (!set || !*set)
        return APR_EINVAL;
    while (*s)
        if (!set_range(&s, max, &lo, &hi))
            return APR_EINVAL;
    for (s = set; *s;)
        if (set_range(&s, max, &lo, &hi) && fn(baton, lo, hi) != 0)
            break;
    return APR_SUCCESS;
}
