/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vCard parser and writer (RFC 6350 sections 3.2-3.4 and 5, RFC 2426
 * sections 2.4-2.6 and 4, RFC 6868 parameter escapes; vCard 2.1's
 * QUOTED-PRINTABLE and CHARSET as real producers still write them).
 * See vcard.h for the model and what is refused.
 */
#include "vcard.h"
#include "wbxml.h"              /* eas_utf8_valid_prefix */

#include <apr_base64.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_xlate.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Physical and logical lines                                          */
/* ------------------------------------------------------------------ */

typedef struct {
    const char *s;
    apr_size_t len, pos;
    char *out;                  /* unfolded lines, NUL-terminated */
    apr_size_t wpos;
} reader_t;

/* The next physical line without its CR LF; 0 at the end. */
static int physical(reader_t *r, const char **b, apr_size_t *n)
{
    const char *nl;

    if (r->pos >= r->len)
        return 0;
    *b = r->s + r->pos;
    nl = memchr(*b, '\n', r->len - r->pos);
    *n = nl ? (apr_size_t)(nl - *b) : r->len - r->pos;
    r->pos += *n + (nl != NULL);
    if (*n && (*b)[*n - 1] == '\r')
        (*n)--;
    return 1;
}

static int continues(const reader_t *r)
{
    return r->pos < r->len && (r->s[r->pos] == ' ' || r->s[r->pos] == '\t');
}

/* The next logical (unfolded) line, or NULL at the end; *n its length. */
static char *logical(reader_t *r, apr_size_t *n)
{
    const char *b;
    apr_size_t k;
    char *line = r->out + r->wpos;

    if (!physical(r, &b, &k))
        return NULL;
    memcpy(line, b, k);
    *n = k;
    while (continues(r) && physical(r, &b, &k) && *n <= VCARD_MAX_LINE) {
        memcpy(line + *n, b + 1, k - 1);
        *n += k - 1;
    }
    line[*n] = '\0';
    r->wpos += *n + 1;
    return line;
}

/* ------------------------------------------------------------------ */
/* Escapes                                                             */
/* ------------------------------------------------------------------ */

/* Unescape s[0..n) (\n \N \, \; \\; any other \x gives x). */
static char *unescape(const char *s, apr_size_t n, apr_pool_t *p)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 == n) {
            *o++ = s[i];
            continue;
        }
        i++;
        *o++ = (s[i] == 'n' || s[i] == 'N') ? '\n' : s[i];
    }
    *o = '\0';
    return out;
}

/* The next unescaped c in s[0..n) at or after from, or n. */
static apr_size_t next_sep(const char *s, apr_size_t n, apr_size_t from,
                           char c)
{
    apr_size_t i;

    for (i = from; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == c)
            return i;
    }
    return n;
}

char *vcard_escape(const char *s, apr_pool_t *p)
{
    apr_size_t n = strlen(s);
    char *out = apr_palloc(p, 2 * n + 1), *o = out;

    for (; *s; s++) {
        if (*s == '\r') {
            if (s[1] != '\n')
                *o++ = '\\', *o++ = 'n';
            continue;
        }
        if (*s == '\n') {
            *o++ = '\\', *o++ = 'n';
            continue;
        }
        if ((unsigned char)*s < 0x20 && *s != '\t')
            continue;
        if (*s == '\\' || *s == ',' || *s == ';')
            *o++ = '\\';
        *o++ = *s;
    }
    *o = '\0';
    return out;
}

/* RFC 6868: ^n newline, ^' double quote, ^^ caret. */
static char *caret_decode(const char *s, apr_size_t n, apr_pool_t *p)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] == '^' && i + 1 < n
            && (s[i + 1] == 'n' || s[i + 1] == '\'' || s[i + 1] == '^')) {
            i++;
            *o++ = s[i] == 'n' ? '\n' : s[i] == '\'' ? '"' : '^';
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* ------------------------------------------------------------------ */
/* One line: [group.]name *(;param) : value                            */
/* ------------------------------------------------------------------ */

static int name_char(char c)
{
    return apr_isalnum(c) || c == '-' || c == '_';
}

/* End of a parameter: the next ';' or ':' outside quotes, or -1. */
static long param_end(const char *s, apr_size_t from)
{
    apr_size_t i;
    int quoted = 0;

    for (i = from; s[i]; i++) {
        if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && (s[i] == ';' || s[i] == ':'))
            return (long)i;
    }
    return -1;
}

/* Split a parameter value on commas outside quotes, unquoting each. */
static void param_values(vcard_param_t *pm, const char *v, apr_pool_t *p)
{
    apr_size_t i = 0, start = 0, n = strlen(v);
    int quoted = 0;

    pm->values = apr_array_make(p, 2, sizeof(const char *));
    for (i = 0; i <= n; i++) {
        if (i < n && v[i] == '"')
            quoted = !quoted;
        if (i < n && (quoted || v[i] != ','))
            continue;
        {
            const char *b = v + start;
            apr_size_t k = i - start;

            if (k >= 2 && b[0] == '"' && b[k - 1] == '"')
                b++, k -= 2;
            *(const char **)apr_array_push(pm->values) = caret_decode(b, k, p);
        }
        start = i + 1;
    }
}

static void parse_param(vcard_param_t *pm, const char *raw, apr_pool_t *p)
{
    const char *eq = strchr(raw, '=');

    pm->raw = raw;
    if (!eq) {
        pm->name = NULL;
        param_values(pm, raw, p);
        return;
    }
    pm->name = apr_pstrndup(p, raw, (apr_size_t)(eq - raw));
    param_values(pm, eq + 1, p);
}

/* The name part; returns the index after it, or -1 with *err. */
static long parse_name(const char *line, vcard_prop_t *pr, const char **err,
                       apr_pool_t *p)
{
    apr_size_t i = 0, start = 0;

    pr->group = NULL;
    for (;;) {
        while (name_char(line[i]))
            i++;
        if (line[i] != '.' || pr->group || i == start)
            break;
        pr->group = apr_pstrndup(p, line, i);
        start = ++i;
    }
    if (i == start || (line[i] != ';' && line[i] != ':')) {
        *err = line[i] && strchr(line + i, ':') ? "bad property name"
                                                 : "line without a colon";
        return -1;
    }
    pr->name = apr_pstrndup(p, line + start, i - start);
    return (long)i;
}

static apr_status_t parse_line(char *line, vcard_prop_t *pr,
                               const char **err, apr_pool_t *p)
{
    long i = parse_name(line, pr, err, p), e;

    if (i < 0)
        return APR_EINVAL;
    pr->params = apr_array_make(p, 2, sizeof(vcard_param_t));
    while (line[i] == ';') {
        if ((e = param_end(line, (apr_size_t)i + 1)) < 0) {
            *err = "line without a colon";
            return APR_EINVAL;
        }
        parse_param(apr_array_push(pr->params),
                    apr_pstrndup(p, line + i + 1, (apr_size_t)(e - i - 1)), p);
        i = e;
    }
    pr->value = line + i + 1;
    pr->line = line;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Parameters                                                          */
/* ------------------------------------------------------------------ */

const vcard_param_t *vcard_param(const vcard_prop_t *pr, const char *name)
{
    int i;

    for (i = 0; i < pr->params->nelts; i++) {
        const vcard_param_t *pm = &APR_ARRAY_IDX(pr->params, i, vcard_param_t);
        if (pm->name && strcasecmp(pm->name, name) == 0)
            return pm;
    }
    return NULL;
}

/* Whether a comma list in v names t. */
static int list_has(const char *v, const char *t)
{
    apr_size_t n = strlen(t);

    while (*v) {
        apr_size_t k = strcspn(v, ",");
        if (k == n && strncasecmp(v, t, n) == 0)
            return 1;
        v += k + (v[k] == ',');
    }
    return 0;
}

int vcard_has_type(const vcard_prop_t *pr, const char *t)
{
    int i, j;

    for (i = 0; i < pr->params->nelts; i++) {
        const vcard_param_t *pm = &APR_ARRAY_IDX(pr->params, i, vcard_param_t);
        if (pm->name && strcasecmp(pm->name, "PREF") == 0
            && strcasecmp(t, "pref") == 0)
            return 1;
        if (pm->name && strcasecmp(pm->name, "TYPE") != 0)
            continue;
        for (j = 0; j < pm->values->nelts; j++)
            if (list_has(APR_ARRAY_IDX(pm->values, j, const char *), t))
                return 1;
    }
    return 0;
}

void vcard_add_param(vcard_prop_t *pr, const char *raw, apr_pool_t *p)
{
    parse_param(apr_array_push(pr->params), apr_pstrdup(p, raw), p);
    pr->line = NULL;
}

void vcard_del_param(vcard_prop_t *pr, const char *name)
{
    int i = 0;
    vcard_param_t *a = (vcard_param_t *)pr->params->elts;

    while (i < pr->params->nelts) {
        if (a[i].name && strcasecmp(a[i].name, name) == 0) {
            memmove(a + i, a + i + 1,
                    (size_t)(pr->params->nelts - i - 1) * sizeof *a);
            pr->params->nelts--;
            pr->line = NULL;
        } else {
            i++;
        }
    }
}

/* A bare 2.1 parameter such as ";QUOTED-PRINTABLE". */
static int has_bare(const vcard_prop_t *pr, const char *v)
{
    int i;

    for (i = 0; i < pr->params->nelts; i++) {
        const vcard_param_t *pm = &APR_ARRAY_IDX(pr->params, i, vcard_param_t);
        if (!pm->name && strcasecmp(pm->raw, v) == 0)
            return 1;
    }
    return 0;
}

static void del_bare(vcard_prop_t *pr, const char *v)
{
    int i;
    vcard_param_t *a = (vcard_param_t *)pr->params->elts;

    /* Every one: a line may say it twice. */
    for (i = 0; i < pr->params->nelts; )
        if (!a[i].name && strcasecmp(a[i].raw, v) == 0) {
            memmove(a + i, a + i + 1,
                    (size_t)(pr->params->nelts - i - 1) * sizeof *a);
            pr->params->nelts--;
            pr->line = NULL;
        }
        else {
            i++;
        }
}

/* ------------------------------------------------------------------ */
/* vCard 2.1 value encodings                                           */
/* ------------------------------------------------------------------ */

static int is_qp(const vcard_prop_t *pr)
{
    const vcard_param_t *e = vcard_param(pr, "ENCODING");

    return has_bare(pr, "QUOTED-PRINTABLE")
        || (e && e->values->nelts
            && strcasecmp(APR_ARRAY_IDX(e->values, 0, const char *),
                          "QUOTED-PRINTABLE") == 0);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)apr_toupper(c);
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static char *qp_decode(const char *s, apr_size_t *n, apr_pool_t *p)
{
    apr_size_t len = strlen(s), i;
    char *out = apr_palloc(p, len + 1), *o = out;

    for (i = 0; i < len; i++) {
        int h, l;
        if (s[i] == '=' && i + 2 < len && (h = hexval(s[i + 1])) >= 0
            && (l = hexval(s[i + 2])) >= 0) {
            *o++ = (char)(h * 16 + l);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    *n = (apr_size_t)(o - out);
    return out;
}

/* Convert s[0..n) from charset to UTF-8; NULL if that fails. */
static char *to_utf8(const char *cs, const char *s, apr_size_t n,
                     apr_size_t *outn, apr_pool_t *p)
{
    apr_xlate_t *x;
    apr_size_t in = n, left = 4 * n + 4, size = left;
    char *out = apr_palloc(p, size + 1);

    if (apr_xlate_open(&x, "UTF-8", cs, p) != APR_SUCCESS)
        return NULL;
    if (apr_xlate_conv_buffer(x, s, &in, out, &left) != APR_SUCCESS || in) {
        apr_xlate_close(x);
        return NULL;
    }
    apr_xlate_close(x);
    *outn = size - left;
    out[*outn] = '\0';
    return out;
}

/* Decoded 2.1 text as a value: newlines as \n, control bytes refused. */
static char *as_value(const char *s, apr_size_t n, apr_pool_t *p)
{
    char *out = apr_palloc(p, 2 * n + 1), *o = out;
    apr_size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
                i++;
            *o++ = '\\', *o++ = 'n';
        } else if (c < 0x20 && c != '\t') {
            return NULL;
        } else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

/* QUOTED-PRINTABLE and CHARSET decoded; the two parameters dropped. */
static apr_status_t decode_21(vcard_prop_t *pr, const char **err,
                              apr_pool_t *p)
{
    const vcard_param_t *cs = vcard_param(pr, "CHARSET");
    const char *csname = cs && cs->values->nelts
        ? APR_ARRAY_IDX(cs->values, 0, const char *) : NULL;
    int qp = is_qp(pr), utf8 = !csname || strcasecmp(csname, "UTF-8") == 0;
    apr_size_t n = strlen(pr->value);
    const char *v = pr->value;

    if (!qp && utf8)
        return APR_SUCCESS;
    if (qp)
        v = qp_decode(v, &n, p);
    if (!utf8 && !(v = to_utf8(csname, v, n, &n, p))) {
        *err = "cannot convert charset";
        return APR_EINVAL;
    }
    if (eas_utf8_valid_prefix(v, n) != n || !(v = as_value(v, n, p))) {
        *err = "invalid UTF-8";
        return APR_EINVAL;
    }
    pr->value = v;
    pr->line = NULL;
    vcard_del_param(pr, "CHARSET");
    if (qp) {
        vcard_del_param(pr, "ENCODING");
        del_bare(pr, "QUOTED-PRINTABLE");
    }
    return APR_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* The whole vCard                                                     */
/* ------------------------------------------------------------------ */

/* Whether line is "KEY:VCARD" (any case, no group or parameters). */
static int is_marker(const char *line, const char *key)
{
    apr_size_t k = strlen(key);

    return strncasecmp(line, key, k) == 0 && line[k] == ':'
        && strcasecmp(line + k + 1, "VCARD") == 0;
}

/* Bare control characters other than TAB are not text. */
static int has_ctl(const char *s, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
            return 1;
    return 0;
}

/* A QUOTED-PRINTABLE value ending in '=' goes on on the next line. */
static char *qp_join(reader_t *r, char *line, apr_size_t *n)
{
    apr_size_t k;
    char *next;

    while (*n && line[*n - 1] == '=' && (next = logical(r, &k))) {
        memmove(line + *n - 1, next, k + 1);
        *n += k - 1;
        r->wpos = (apr_size_t)(line - r->out) + *n + 1;
        if (*n > VCARD_MAX_LINE)
            break;
    }
    return line;
}

/* The part before the value must be UTF-8 text; so must the value
   unless decode_21 converted it. */
static int bad_text(const char *s, apr_size_t n)
{
    return eas_utf8_valid_prefix(s, n) != n || has_ctl(s, n);
}

static apr_status_t add_line(vcard_t *vc, reader_t *r, char *line,
                             apr_size_t n, const char **err)
{
    vcard_prop_t *pr = apr_pcalloc(vc->pool, sizeof *pr);
    apr_status_t rv = parse_line(line, pr, err, vc->pool);
    apr_size_t head;

    if (rv == APR_SUCCESS && is_qp(pr) && n && line[n - 1] == '=') {
        line = qp_join(r, line, &n);
        rv = parse_line(line, pr, err, vc->pool);
    }
    if (rv != APR_SUCCESS)
        return rv;
    if (vc->props->nelts >= VCARD_MAX_PROPS) {
        *err = "too many properties";
        return APR_EINVAL;
    }
    head = (apr_size_t)(pr->value - line);
    if (bad_text(line, head)) {
        *err = "invalid UTF-8";
        return APR_EINVAL;
    }
    if ((rv = decode_21(pr, err, vc->pool)) != APR_SUCCESS)
        return rv;
    if (pr->line && bad_text(pr->value, n - head)) {
        *err = "invalid UTF-8";
        return APR_EINVAL;
    }
    if (vcard_is(pr, "VERSION") && vcard_find(vc, "VERSION", 0) < 0) {
        if (strcmp(pr->value, "2.1") && strcmp(pr->value, "3.0")
            && strcmp(pr->value, "4.0")) {
            *err = "unknown vCard version";
            return APR_EINVAL;
        }
        vc->version = pr->value;
    }
    *(vcard_prop_t **)apr_array_push(vc->props) = pr;
    return APR_SUCCESS;
}

/* What follows END: blank lines only. */
static apr_status_t after_end(reader_t *r, const char **err)
{
    apr_size_t n;
    char *line;

    while ((line = logical(r, &n)))
        if (n) {
            *err = is_marker(line, "BEGIN") ? "more than one vCard"
                                            : "data after END:VCARD";
            return APR_EINVAL;
        }
    return APR_SUCCESS;
}

static apr_status_t parse_body(vcard_t *vc, reader_t *r, const char **err)
{
    apr_size_t n;
    char *line;
    apr_status_t rv;

    while ((line = logical(r, &n))) {
        if (!n)
            continue;
        if (n > VCARD_MAX_LINE) {
            *err = "line too long";
            return APR_EINVAL;
        }
        if (is_marker(line, "END"))
            return after_end(r, err);
        if (strncasecmp(line, "BEGIN:", 6) == 0) {
            *err = "nested vCard";
            return APR_EINVAL;
        }
        if (strncasecmp(line, "END:", 4) == 0) {
            *err = "mismatched END";
            return APR_EINVAL;
        }
        if ((rv = add_line(vc, r, line, n, err)) != APR_SUCCESS)
            return rv;
    }
    *err = "no END:VCARD";
    return APR_EINVAL;
}

apr_status_t vcard_parse(const char *data, apr_size_t len, vcard_t **out,
                         const char **err, apr_pool_t *p)
{
    reader_t r = { data, len, 0, NULL, 0 };
    vcard_t *vc;
    apr_size_t n = 0;
    char *line = NULL;

    *err = NULL;
    if (len > VCARD_MAX_SIZE) {
        *err = "vCard too large";
        return APR_EINVAL;
    }
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        r.pos = 3;
    r.out = apr_palloc(p, len + 1);
    while ((line = logical(&r, &n)) && n == 0)
        ;
    if (!line || !is_marker(line, "BEGIN")) {
        *err = "no BEGIN:VCARD";
        return APR_EINVAL;
    }
    vc = vcard_new(NULL, p);
    *out = vc;
    return parse_body(vc, &r, err);
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

static const char *prop_line(const vcard_prop_t *pr, apr_pool_t *p)
{
    const char *s;
    int i;

    if (pr->line)
        return pr->line;
    s = pr->group ? apr_pstrcat(p, pr->group, ".", pr->name, NULL) : pr->name;
    for (i = 0; i < pr->params->nelts; i++)
        s = apr_pstrcat(p, s, ";",
                        APR_ARRAY_IDX(pr->params, i, vcard_param_t).raw, NULL);
    return apr_pstrcat(p, s, ":", pr->value, NULL);
}

/* Append line folded at VCARD_FOLD octets, never inside a character. */
static char *fold(char *o, const char *s)
{
    apr_size_t n = strlen(s), limit = VCARD_FOLD, cut;

    for (;;) {
        cut = n <= limit ? n : limit;
        while (cut < n && cut > 1 && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--;
        memcpy(o, s, cut);
        o += cut;
        s += cut;
        n -= cut;
        *o++ = '\r', *o++ = '\n';
        if (!n)
            return o;
        *o++ = ' ';
        limit = VCARD_FOLD - 1;
    }
}

char *vcard_write(const vcard_t *vc, apr_size_t *len, apr_pool_t *p)
{
    apr_array_header_t *lines = apr_array_make(p, vc->props->nelts + 3,
                                               sizeof(const char *));
    apr_size_t total = 0;
    char *out, *o;
    int i;

    *(const char **)apr_array_push(lines) = "BEGIN:VCARD";
    if (vcard_find(vc, "VERSION", 0) < 0)
        *(const char **)apr_array_push(lines) =
            apr_pstrcat(p, "VERSION:", vc->version, NULL);
    for (i = 0; i < vc->props->nelts; i++)
        *(const char **)apr_array_push(lines) = prop_line(vcard_at(vc, i), p);
    *(const char **)apr_array_push(lines) = "END:VCARD";
    for (i = 0; i < lines->nelts; i++) {
        apr_size_t n = strlen(APR_ARRAY_IDX(lines, i, const char *));
        total += n + 3 * (n / (VCARD_FOLD - 4) + 1) + 2;
    }
    o = out = apr_palloc(p, total + 1);
    for (i = 0; i < lines->nelts; i++)
        o = fold(o, APR_ARRAY_IDX(lines, i, const char *));
    *o = '\0';
    *len = (apr_size_t)(o - out);
    return out;
}

vcard_t *vcard_new(const char *version, apr_pool_t *p)
{
    vcard_t *vc = apr_pcalloc(p, sizeof *vc);

    vc->pool = p;
    vc->version = "3.0";
    vc->props = apr_array_make(p, 32, sizeof(vcard_prop_t *));
    if (version) {
        vc->version = apr_pstrdup(p, version);
        vcard_insert(vc, -1, NULL, "VERSION", vc->version);
    }
    return vc;
}

int vcard_is_v4(const vcard_t *vc)
{
    return strcmp(vc->version, "4.0") == 0;
}

/* ------------------------------------------------------------------ */
/* Properties                                                          */
/* ------------------------------------------------------------------ */

int vcard_is(const vcard_prop_t *pr, const char *name)
{
    return strcasecmp(pr->name, name) == 0;
}

vcard_prop_t *vcard_at(const vcard_t *vc, int i)
{
    return APR_ARRAY_IDX(vc->props, i, vcard_prop_t *);
}

int vcard_find(const vcard_t *vc, const char *name, int from)
{
    int i;

    for (i = from < 0 ? 0 : from; i < vc->props->nelts; i++)
        if (vcard_is(vcard_at(vc, i), name))
            return i;
    return -1;
}

vcard_prop_t *vcard_insert(vcard_t *vc, int at, const char *group,
                           const char *name, const char *value)
{
    apr_array_header_t *a = vc->props;
    vcard_prop_t *pr = apr_pcalloc(vc->pool, sizeof *pr), **e;

    pr->group = group ? apr_pstrdup(vc->pool, group) : NULL;
    pr->name = apr_pstrdup(vc->pool, name);
    pr->value = apr_pstrdup(vc->pool, value);
    pr->params = apr_array_make(vc->pool, 2, sizeof(vcard_param_t));
    apr_array_push(a);
    e = (vcard_prop_t **)a->elts;
    if (at < 0 || at >= a->nelts - 1)
        at = a->nelts - 1;
    memmove(e + at + 1, e + at, (size_t)(a->nelts - 1 - at) * sizeof *e);
    e[at] = pr;
    return pr;
}

void vcard_remove(vcard_t *vc, int i)
{
    vcard_prop_t **e = (vcard_prop_t **)vc->props->elts;

    if (i < 0 || i >= vc->props->nelts)
        return;
    memmove(e + i, e + i + 1, (size_t)(vc->props->nelts - i - 1) * sizeof *e);
    vc->props->nelts--;
}

const char *vcard_new_group(const vcard_t *vc, apr_pool_t *p)
{
    int i, max = 0;

    for (i = 0; i < vc->props->nelts; i++) {
        const char *g = vcard_at(vc, i)->group;
        if (g && strncasecmp(g, "item", 4) == 0 && atoi(g + 4) > max)
            max = atoi(g + 4);
    }
    return apr_psprintf(p, "item%d", max + 1);
}

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

char *vcard_text(const vcard_prop_t *pr, apr_pool_t *p)
{
    return unescape(pr->value, strlen(pr->value), p);
}

char *vcard_component(const vcard_prop_t *pr, int i, const char *sep,
                      apr_pool_t *p)
{
    const char *v = pr->value;
    apr_size_t n = strlen(v), b = 0, e = next_sep(v, n, 0, ';');
    char *out = NULL;

    while (i-- > 0) {
        if (e >= n)
            return "";
        b = e + 1;
        e = next_sep(v, n, b, ';');
    }
    while (b <= e) {
        apr_size_t c = next_sep(v, e, b, ',');
        char *item = unescape(v + b, c - b, p);
        if (*item)
            out = out ? apr_pstrcat(p, out, sep, item, NULL) : item;
        b = c + 1;
    }
    return out ? out : "";
}

apr_array_header_t *vcard_split(const char *v, char sep, apr_pool_t *p)
{
    apr_array_header_t *a = apr_array_make(p, 8, sizeof(const char *));
    apr_size_t n = strlen(v), b = 0;

    while (b <= n) {
        apr_size_t c = next_sep(v, n, b, sep);
        *(const char **)apr_array_push(a) = apr_pstrndup(p, v + b, c - b);
        b = c + 1;
    }
    return a;
}

apr_array_header_t *vcard_list(const vcard_prop_t *pr, apr_pool_t *p)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(const char *));
    const char *v = pr->value;
    apr_size_t n = strlen(v), b = 0;

    while (b <= n) {
        apr_size_t c = next_sep(v, n, b, ',');
        char *item = unescape(v + b, c - b, p);
        if (*item)
            *(const char **)apr_array_push(a) = item;
        b = c + 1;
    }
    return a;
}

void vcard_set_value(vcard_prop_t *pr, const char *value, apr_pool_t *p)
{
    pr->value = apr_pstrdup(p, value);
    pr->line = NULL;
}

char *vcard_base64_decode(const char *s, apr_size_t *len, apr_pool_t *p)
{
    apr_size_t n = strlen(s), k = 0, pad = 0, i;
    char *clean = apr_palloc(p, n + 1), *out;

    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=')
            pad++;
        else if (pad || (!apr_isalnum(c) && c != '+' && c != '/'))
            return NULL;
        else
            clean[k++] = c;
    }
    if (k % 4 == 1 || pad > 2)
        return NULL;
    clean[k] = '\0';
    out = apr_palloc(p, (apr_size_t)apr_base64_decode_len(clean) + 1);
    *len = (apr_size_t)apr_base64_decode_binary((unsigned char *)out, clean);
    return out;
}
