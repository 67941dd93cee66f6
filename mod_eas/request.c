/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading one ActiveSync POST (MS-ASHTTP 2.2.1): the request line in either
 * query form, the headers, the body, and the decoded WBXML tree.
 *
 * Every check that fails logs exactly one line saying what was wrong and
 * returns the status MS-ASHTTP gives for it: 400 for anything malformed,
 * 501 for a command the server does not know, 403 when the request names
 * another user, 413 for a body over EASMaxRequestBody.  A protocol version
 * the server does not implement is also 400: the request cannot be
 * understood, and the client learns the versions from OPTIONS.
 *
 * Client-supplied strings go into log lines as they are: httpd escapes
 * every error log message itself.
 */
#include "mod_eas.h"
#include "request.h"
#include "response.h"
#include "trace.h"

#include <http_protocol.h>
#include <apr_base64.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <errno.h>

/* First and smallest step of the request body buffer. */
#define EAS_BODY_CHUNK 65536

/* ------------------------------------------------------------------ */
/* Character classes                                                   */
/* ------------------------------------------------------------------ */

/* No control characters (UTF-8 bytes above 0x7F are fine). */
static int text_ok(const char *s, apr_size_t max)
{
    apr_size_t n = 0;

    for (; *s; s++, n++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return 0;
    return n > 0 && n <= max;
}

static int alnum_ok(const char *s, apr_size_t max)
{
    apr_size_t n = 0;

    for (; *s; s++, n++)
        if (!apr_isalnum(*s))
            return 0;
    return n > 0 && n <= max;
}

/* Visible ASCII, no space (ABNF VCHAR). */
static int vchar_ok(const char *s, apr_size_t max)
{
    apr_size_t n = 0;

    for (; *s; s++, n++)
        if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7E)
            return 0;
    return n > 0 && n <= max;
}

static unsigned hexval(char c)
{
    return apr_isdigit(c) ? (unsigned)(c - '0') : (unsigned)(apr_tolower(c) - 'a' + 10);
}

/*
 * Percent-decode s[0..n).  Unlike ap_unescape_url, '/' may be escaped (it
 * occurs in ids), and NUL or control characters are refused outright.
 */
static char *pct_decode(apr_pool_t *p, const char *s, apr_size_t n)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    apr_size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '%') {
            if (i + 2 >= n || !apr_isxdigit(s[i + 1]) || !apr_isxdigit(s[i + 2]))
                return NULL;
            c = (unsigned char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
            i += 2;
        }
        if (c < 0x20 || c == 0x7F)
            return NULL;
        *o++ = (char)c;
    }
    *o = '\0';
    return out;
}

/* ------------------------------------------------------------------ */
/* Plain text query (MS-ASHTTP 2.2.1.1.1.2)                            */
/* ------------------------------------------------------------------ */

/* Store one name=value pair; the four fixed ones go to their fields. */
static int plain_store(eas_request_t *req, const char *name, const char *value)
{
    request_rec *r = req->r;
    static const char *const fixed[] = { "Cmd", "User", "DeviceId", "DeviceType" };
    const char **slot[] = { &req->cmd_name, &req->user, &req->device_id,
                            &req->device_type };
    apr_size_t i;

    for (i = 0; i < 4; i++) {
        if (strcasecmp(name, fixed[i]) != 0)
            continue;
        if (*slot[i])
            break;
        *slot[i] = value;
        return OK;
    }
    if (i == 4 && !apr_table_get(req->params, name)) {
        apr_table_setn(req->params, name, value);
        return OK;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00204)
                  "query parameter %s given twice", name);
    return HTTP_BAD_REQUEST;
}

/* One "name=value" segment. */
static int plain_segment(eas_request_t *req, const char *seg, apr_size_t len)
{
    request_rec *r = req->r;
    const char *eq = memchr(seg, '=', len);
    const char *name, *value;
    apr_size_t i;

    if (!eq || eq == seg || eq == seg + len - 1) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00203)
                      "malformed query: '%s' is not name=value",
                      apr_pstrmemdup(r->pool, seg, len));
        return HTTP_BAD_REQUEST;
    }
    for (i = 0; seg + i < eq; i++) {
        if (!apr_isalpha(seg[i])) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00203)
                          "malformed query: bad parameter name '%s'",
                          apr_pstrmemdup(r->pool, seg, eq - seg));
            return HTTP_BAD_REQUEST;
        }
    }
    name = apr_pstrmemdup(r->pool, seg, eq - seg);
    value = pct_decode(r->pool, eq + 1, seg + len - eq - 1);
    if (!value || strlen(value) > EAS_PARAM_MAX) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00203)
                      "malformed query: bad escape, control character or "
                      "over-long value in parameter %s", name);
        return HTTP_BAD_REQUEST;
    }
    return plain_store(req, name, value);
}

static int plain_flags(eas_request_t *req)
{
    request_rec *r = req->r;
    const char *sis = apr_table_get(req->params, "SaveInSent");

    if (sis && strcmp(sis, "T") != 0 && strcmp(sis, "F") != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00217)
                      "SaveInSent must be T or F, not '%s'", sis);
        return HTTP_BAD_REQUEST;
    }
    req->save_in_sent = sis && *sis == 'T';
    return OK;
}

static int plain_parse(eas_request_t *req, const char *args)
{
    const char *p = args;
    int rc;

    while (*p) {
        apr_size_t len = strcspn(p, "&");

        /* Empty segments ("a=1&&b=2") carry nothing: skip them. */
        if (len > 0 && (rc = plain_segment(req, p, len)) != OK)
            return rc;
        p += len;
        if (*p == '&')
            p++;
    }
    return plain_flags(req);
}

/* ------------------------------------------------------------------ */
/* Base64 query (MS-ASHTTP 2.2.1.1.1.1)                                */
/* ------------------------------------------------------------------ */

typedef struct {
    const unsigned char *p;
    apr_size_t left;
} cursor_t;

static int take_u8(cursor_t *c, unsigned *v)
{
    if (c->left < 1)
        return 0;
    *v = *c->p++;
    c->left--;
    return 1;
}

static int take_bytes(cursor_t *c, apr_size_t n, const unsigned char **v)
{
    if (c->left < n)
        return 0;
    *v = c->p;
    c->p += n;
    c->left -= n;
    return 1;
}

/* A length byte and that many bytes. */
static int take_field(cursor_t *c, unsigned *len, const unsigned char **v)
{
    return take_u8(c, len) && take_bytes(c, *len, v);
}

/*
 * Strict base64: the standard alphabet, '=' padding only at the end.  The
 * padding may be left out, as some clients do.
 */
static unsigned char *b64_decode(apr_pool_t *p, const char *s, apr_size_t *len)
{
    apr_size_t n = strlen(s), body = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "abcdefghijklmnopqrstuvwxyz0123456789+/");
    apr_size_t pad = n - body;
    unsigned char *out;
    char *padded;

    if (body == 0 || body % 4 == 1 || pad > 2 || strspn(s + body, "=") != pad)
        return NULL;
    if (pad == 0)
        pad = (4 - body % 4) % 4;
    if ((body + pad) % 4 != 0)
        return NULL;
    padded = apr_pstrcat(p, apr_pstrmemdup(p, s, body),
                         pad == 2 ? "==" : pad == 1 ? "=" : "", NULL);
    out = apr_palloc(p, apr_base64_decode_len(padded) + 1);
    *len = (apr_size_t)apr_base64_decode_binary(out, padded);
    return out;
}

/* Device ids are text, or a binary GUID (Windows Mobile) kept as hex. */
static const char *b64_device_id(apr_pool_t *p, const unsigned char *v,
                                 unsigned len)
{
    static const char hex[] = "0123456789abcdef";
    char *s = apr_pstrmemdup(p, (const char *)v, len), *h;
    unsigned i;

    if (alnum_ok(s, EAS_DEVICE_ID_MAX) && strlen(s) == len)
        return s;
    if (len == 0 || len * 2 > EAS_DEVICE_ID_MAX)
        return NULL;
    h = apr_palloc(p, len * 2 + 1);
    for (i = 0; i < len; i++) {
        h[2 * i] = hex[v[i] >> 4];
        h[2 * i + 1] = hex[v[i] & 15];
    }
    h[2 * len] = '\0';
    return h;
}

/* Tags of the command parameters (MS-ASHTTP 2.2.1.1.1.1.3). */
static const char *const b64_param_names[] = {
    "AttachmentName", "CollectionId", "CollectionName", "ItemId", "LongId",
    "ParentId", "Occurrence", "Options", "User"
};
#define B64_TAG_OPTIONS 7
#define B64_TAG_USER    8

static int b64_param(eas_request_t *req, unsigned tag, unsigned len,
                     const unsigned char *v)
{
    request_rec *r = req->r;
    const char *name, *value;

    if (tag >= sizeof(b64_param_names) / sizeof(b64_param_names[0])) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00208)
                      "base64 query: unknown parameter tag %u", tag);
        return HTTP_BAD_REQUEST;
    }
    name = b64_param_names[tag];
    if (apr_table_get(req->params, name)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00204)
                      "query parameter %s given twice", name);
        return HTTP_BAD_REQUEST;
    }
    if (tag == B64_TAG_OPTIONS) {
        if (len != 1) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00217)
                          "base64 query: Options is %u bytes, not 1", len);
            return HTTP_BAD_REQUEST;
        }
        req->save_in_sent = (v[0] & 0x01) != 0;
        req->accept_multipart = (v[0] & 0x02) != 0;
        apr_table_setn(req->params, name, apr_itoa(r->pool, v[0]));
        return OK;
    }
    value = apr_pstrmemdup(r->pool, (const char *)v, len);
    if (strlen(value) != len || !text_ok(value, EAS_PARAM_MAX)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00203)
                      "base64 query: parameter %s is empty or holds NUL or "
                      "control characters", name);
        return HTTP_BAD_REQUEST;
    }
    if (tag == B64_TAG_USER)
        req->user = value;
    apr_table_setn(req->params, name, value);
    return OK;
}

static int b64_params(eas_request_t *req, cursor_t *c)
{
    while (c->left > 0) {
        unsigned tag, len;
        const unsigned char *v;
        int rc;

        if (!take_u8(c, &tag) || !take_field(c, &len, &v)) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, EASLOGNO(00207)
                          "base64 query: parameter runs past the end");
            return HTTP_BAD_REQUEST;
        }
        if ((rc = b64_param(req, tag, len, v)) != OK)
            return rc;
    }
    return OK;
}

static int b64_truncated(request_rec *r, const char *field)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00207)
                  "base64 query: %s missing or runs past the end", field);
    return HTTP_BAD_REQUEST;
}

/* Protocol version, command code, locale (little-endian). */
static int b64_head(eas_request_t *req, cursor_t *c)
{
    request_rec *r = req->r;
    unsigned ver, code, lo, hi;
    const eas_version_t *v;

    if (!take_u8(c, &ver) || !take_u8(c, &code) || !take_u8(c, &lo)
        || !take_u8(c, &hi))
        return b64_truncated(r, "header");
    req->version = (int)ver;
    v = eas_version_by_num(req->version);
    req->version_text = v ? v->text : apr_psprintf(r->pool, "%u.%u", ver / 10, ver % 10);
    req->cmd = eas_command_by_code((int)code);
    req->cmd_name = req->cmd ? req->cmd->name
                             : apr_psprintf(r->pool, "(code %u)", code);
    req->locale = lo | (hi << 8);
    return OK;
}

/* Device id, policy key (0 or 4 bytes, little-endian), device type. */
static int b64_identity(eas_request_t *req, cursor_t *c)
{
    request_rec *r = req->r;
    const unsigned char *v;
    unsigned len;

    if (!take_field(c, &len, &v))
        return b64_truncated(r, "device id");
    req->device_id = len ? b64_device_id(r->pool, v, len) : NULL;
    if (len && !req->device_id) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00210)
                      "base64 query: device id of %u bytes is neither "
                      "alphanumeric text nor a binary id of at most %d bytes",
                      len, EAS_DEVICE_ID_MAX / 2);
        return HTTP_BAD_REQUEST;
    }
    if (!take_field(c, &len, &v))
        return b64_truncated(r, "policy key");
    if (len != 0 && len != 4) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00207)
                      "base64 query: policy key length %u (must be 0 or 4)", len);
        return HTTP_BAD_REQUEST;
    }
    req->has_policy_key = len == 4;
    if (len == 4)
        req->policy_key = (apr_uint32_t)v[0] | (apr_uint32_t)v[1] << 8
                          | (apr_uint32_t)v[2] << 16 | (apr_uint32_t)v[3] << 24;
    if (!take_field(c, &len, &v))
        return b64_truncated(r, "device type");
    req->device_type = len ? apr_pstrmemdup(r->pool, (const char *)v, len) : NULL;
    if (req->device_type && strlen(req->device_type) != len)
        req->device_type = "";          /* NUL inside: fails validation */
    return OK;
}

static int b64_parse(eas_request_t *req, const char *args)
{
    request_rec *r = req->r;
    const char *text = pct_decode(r->pool, args, strlen(args));
    apr_size_t len = 0;
    unsigned char *raw = text ? b64_decode(r->pool, text, &len) : NULL;
    cursor_t c;
    int rc;

    if (!raw) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00206)
                      "query is neither name=value pairs nor valid base64");
        return HTTP_BAD_REQUEST;
    }
    req->base64_query = 1;
    c.p = raw;
    c.left = len;
    if ((rc = b64_head(req, &c)) != OK || (rc = b64_identity(req, &c)) != OK)
        return rc;
    return b64_params(req, &c);
}

/*
 * The plain form always has "name=value"; base64 has '=' only as padding at
 * the end (possibly escaped as %3D).
 */
static int query_is_plain(const char *args)
{
    const char *eq = strchr(args, '=');

    if (strchr(args, '&'))
        return 1;
    return eq && eq[strspn(eq, "=")] != '\0';
}

/* ------------------------------------------------------------------ */
/* Checks                                                              */
/* ------------------------------------------------------------------ */

static int check_authenticated(request_rec *r)
{
    if (r->user && *r->user)
        return OK;
    /*
     * 403, not 401: nothing here would check credentials a client sent in
     * answer to a challenge, so it would loop.  The admin must put Apache
     * authentication in front of the handler.
     */
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(00201)
                  "no authenticated user: configure Apache authentication for "
                  "this location (e.g. AuthType Basic, an AuthBasicProvider and "
                  "Require valid-user); refusing with 403");
    return HTTP_FORBIDDEN;
}

static int check_required(eas_request_t *req)
{
    request_rec *r = req->r;
    const char *missing = !req->cmd_name ? "Cmd"
                        : !req->user ? "User"
                        : !req->device_id ? "DeviceId"
                        : !req->device_type ? "DeviceType" : NULL;

    if (!missing)
        return OK;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00205)
                  "request has no %s parameter", missing);
    return HTTP_BAD_REQUEST;
}

static const char *strip_domain(const char *u)
{
    const char *bs = strrchr(u, '\\');

    return bs ? bs + 1 : u;
}

/*
 * The rule: drop a "DOMAIN\" prefix from both names, then they must be
 * equal ignoring case; if exactly one of them has an "@domain" part, the
 * other must equal its local part.  So "EXAMPLE\alice", "alice" and
 * "alice@example.org" all match a login of "alice" or "alice@example.org",
 * while "alice@example.org" does not match "alice@other.org".  The request
 * always runs as r->user; the parameter is only a label, and a mismatch
 * means a misconfigured or confused client.
 */
int eas_user_matches(const char *param, const char *auth_user)
{
    const char *a = strip_domain(param), *b = strip_domain(auth_user);
    const char *at_a = strchr(a, '@'), *at_b = strchr(b, '@');

    if (strcasecmp(a, b) == 0)
        return 1;
    if (at_a && !at_b)
        return (apr_size_t)(at_a - a) == strlen(b) && strncasecmp(a, b, at_a - a) == 0;
    if (at_b && !at_a)
        return (apr_size_t)(at_b - b) == strlen(a) && strncasecmp(a, b, at_b - b) == 0;
    return 0;
}

static int check_user(eas_request_t *req)
{
    request_rec *r = req->r;

    if (!text_ok(req->user, EAS_USER_MAX)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00218)
                      "User parameter is empty, too long or has control "
                      "characters");
        return HTTP_BAD_REQUEST;
    }
    if (eas_user_matches(req->user, r->user))
        return OK;
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, EASLOGNO(00209)
                  "User parameter '%s' does not match the authenticated user "
                  "'%s': refusing with 403", req->user, r->user);
    return HTTP_FORBIDDEN;
}

static int check_device(eas_request_t *req)
{
    request_rec *r = req->r;

    if (!alnum_ok(req->device_id, EAS_DEVICE_ID_MAX)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00210)
                      "DeviceId '%s' is invalid: 1 to %d letters and digits",
                      req->device_id, EAS_DEVICE_ID_MAX);
        return HTTP_BAD_REQUEST;
    }
    if (!vchar_ok(req->device_type, EAS_DEVICE_TYPE_MAX)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00211)
                      "DeviceType '%s' is invalid: 1 to %d visible ASCII "
                      "characters", req->device_type, EAS_DEVICE_TYPE_MAX);
        return HTTP_BAD_REQUEST;
    }
    return OK;
}

/* Plain form: MS-ASProtocolVersion header.  Base64: already in the query. */
static int check_version(eas_request_t *req)
{
    request_rec *r = req->r;
    const eas_version_t *v;

    if (!req->base64_query) {
        const char *h = apr_table_get(r->headers_in, "MS-ASProtocolVersion");

        if (!h) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00212)
                          "no MS-ASProtocolVersion header");
            return HTTP_BAD_REQUEST;
        }
        req->version_text = h;
        v = eas_version_by_text(h);
    }
    else {
        v = eas_version_by_num(req->version);
    }
    if (!v) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00213)
                      "protocol version '%s' is not supported (supported: %s)",
                      req->version_text, eas_versions_header(r->pool));
        return HTTP_BAD_REQUEST;
    }
    req->version = v->num;
    req->version_text = v->text;
    return OK;
}

static int check_command(eas_request_t *req)
{
    request_rec *r = req->r;

    if (!req->base64_query)
        req->cmd = eas_command_by_name(req->cmd_name);
    if (!req->cmd) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00214)
                      "unknown command %s: answering 501", req->cmd_name);
        return HTTP_NOT_IMPLEMENTED;
    }
    if (!eas_command_in_version(req->cmd, req->version)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00215)
                      "command %s does not exist in protocol version %s: "
                      "answering 501", req->cmd->name, req->version_text);
        return HTTP_NOT_IMPLEMENTED;
    }
    return OK;
}

/* Plain form headers: X-MS-PolicyKey, MS-ASAcceptMultiPart. */
static int check_plain_headers(eas_request_t *req)
{
    request_rec *r = req->r;
    const char *pk = apr_table_get(r->headers_in, "X-MS-PolicyKey");
    const char *mp = apr_table_get(r->headers_in, "MS-ASAcceptMultiPart");

    if (pk) {
        char *end = NULL;
        apr_int64_t v;

        errno = 0;
        v = apr_isdigit(*pk) ? apr_strtoi64(pk, &end, 10) : -1;
        if (v < 0 || *end || errno || v > 0xFFFFFFFFLL) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00216)
                          "X-MS-PolicyKey '%s' is not a 32-bit unsigned number",
                          pk);
            return HTTP_BAD_REQUEST;
        }
        req->has_policy_key = 1;
        req->policy_key = (apr_uint32_t)v;
    }
    if (mp && strcasecmp(mp, "T") != 0 && strcasecmp(mp, "F") != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00217)
                      "MS-ASAcceptMultiPart must be T or F, not '%s'", mp);
        return HTTP_BAD_REQUEST;
    }
    req->accept_multipart = mp && apr_tolower(*mp) == 't';
    return OK;
}

static void log_parsed(const eas_request_t *req)
{
    request_rec *r = req->r;

    if (!APLOGrdebug(r))
        return;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, EASLOGNO(00219)
                  "request: Cmd=%s User=%s DeviceId=%s DeviceType=%s "
                  "version=%s query=%s policykey=%s locale=0x%04x",
                  req->cmd->name, req->user, req->device_id,
                  req->device_type, req->version_text,
                  req->base64_query ? "base64" : "plain",
                  req->has_policy_key
                      ? apr_psprintf(r->pool, "%u", (unsigned)req->policy_key)
                      : "none",
                  req->locale);
}

/* ------------------------------------------------------------------ */
/* Body                                                                */
/* ------------------------------------------------------------------ */

static int too_large(eas_request_t *req, const char *how)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, EASLOGNO(00301)
                  "request body %s exceeds EASMaxRequestBody (%" APR_OFF_T_FMT
                  " bytes): answering 413", how, req->conf->max_body);
    return HTTP_REQUEST_ENTITY_TOO_LARGE;
}

/*
 * Read the body: target is the Content-Length, or one byte over the limit
 * for a chunked body (reaching it means the body is too large).  The
 * buffer grows with what actually arrives, so a client announcing a large
 * body and sending nothing does not pin that much memory.
 */
static int read_body_bytes(eas_request_t *req, apr_size_t target)
{
    request_rec *r = req->r;
    apr_size_t limit = (apr_size_t)req->conf->max_body, len = 0;
    apr_size_t cap = target < EAS_BODY_CHUNK ? target : EAS_BODY_CHUNK;
    char *buf = apr_palloc(r->pool, cap);

    for (;;) {
        long n;

        if (len == cap) {
            char *bigger;

            if (cap == target)
                break;
            cap = cap > target / 2 ? target : cap * 2;
            bigger = apr_palloc(r->pool, cap);
            memcpy(bigger, buf, len);
            buf = bigger;
        }
        n = ap_get_client_block(r, buf + len, cap - len);
        if (n == 0)
            break;
        if (n < 0) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00303)
                          "reading the request body failed");
            return HTTP_BAD_REQUEST;
        }
        len += (apr_size_t)n;
        if (len > limit)
            return too_large(req, "(chunked)");
    }
    req->body = (const unsigned char *)buf;
    req->body_len = len;
    return OK;
}

static int read_body(eas_request_t *req)
{
    request_rec *r = req->r;
    int rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK);

    if (rc != OK)
        return rc;
    /* Refuse before reading (and before 100-continue) when it is known. */
    if (!r->read_chunked && r->remaining > req->conf->max_body)
        return too_large(req, apr_psprintf(r->pool, "of %" APR_OFF_T_FMT
                                           " bytes (Content-Length)", r->remaining));
    if (!ap_should_client_block(r))
        return OK;
    if (r->read_chunked)
        return read_body_bytes(req, (apr_size_t)req->conf->max_body + 1);
    return r->remaining > 0 ? read_body_bytes(req, (apr_size_t)r->remaining) : OK;
}

/*
 * A problem with the body itself.  From 14.0 the command's response carries
 * an MS-ASCMD common status where it has a Status element; otherwise, and
 * before 14.0, the answer is 400.
 */
static int body_error(eas_request_t *req, int status)
{
    int rc = eas_response_malformed(req, status);

    return rc == OK ? DONE : rc;
}

/* The media type without parameters, lower-cased; NULL if none. */
static const char *media_type(request_rec *r)
{
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    char *t;

    if (!ct)
        return NULL;
    t = apr_pstrmemdup(r->pool, ct, strcspn(ct, "; \t"));
    ap_str_tolower(t);
    return t;
}

static int is_wbxml_type(const char *t)
{
    /* Both are sent by real clients; MS-ASHTTP names the first. */
    return t && (strcmp(t, "application/vnd.ms-sync.wbxml") == 0
                 || strcmp(t, "application/vnd.ms-sync") == 0);
}

static int check_content(eas_request_t *req)
{
    request_rec *r = req->r;
    int wbxml = eas_command_wbxml_body(req->cmd, req->version);
    const char *want = wbxml ? EAS_WBXML_TYPE : "message/rfc822";

    req->content_type = media_type(r);
    if (req->body_len == 0) {
        if (req->cmd->body == EAS_BODY_NONE
            || req->cmd->body == EAS_BODY_WBXML_OPTIONAL)
            return OK;
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00305)
                      "%s needs a request body (%s)", req->cmd->name, want);
        return body_error(req, EAS_STATUS_INVALID_CONTENT);
    }
    if (req->cmd->body == EAS_BODY_NONE) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00306)
                      "%s takes no request body, got %" APR_SIZE_T_FMT " bytes",
                      req->cmd->name, req->body_len);
        return body_error(req, EAS_STATUS_INVALID_CONTENT);
    }
    if (wbxml ? is_wbxml_type(req->content_type)
              : req->content_type && strcmp(req->content_type, want) == 0)
        return OK;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00304)
                  "%s %s body has Content-Type '%s', expected %s",
                  req->cmd->name, req->version_text,
                  req->content_type ? req->content_type : "(none)", want);
    return body_error(req, EAS_STATUS_INVALID_CONTENT);
}

static int decode_body(eas_request_t *req)
{
    request_rec *r = req->r;
    eas_wbxml_limits_t limits = { req->conf->max_depth, req->conf->max_nodes };
    apr_size_t off = 0;
    eas_wbxml_err_t err;

    if (req->body_len == 0 || !eas_command_wbxml_body(req->cmd, req->version))
        return OK;
    err = eas_wbxml_decode(r->pool, req->body, req->body_len, &limits,
                           &req->tree, &off);
    if (err != EAS_WBXML_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00307)
                      "%s request body is not valid WBXML: %s at byte %"
                      APR_SIZE_T_FMT, req->cmd->name, eas_wbxml_strerror(err), off);
        return body_error(req, EAS_STATUS_INVALID_WBXML);
    }
    if (req->cmd->request_root && req->tree->tag != req->cmd->request_root) {
        const char *got = eas_tag_name(req->tree->tag);

        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00308)
                      "%s request has root element %s:%s, expected %s:%s",
                      req->cmd->name, eas_page_ns(EAS_TAG_PAGE(req->tree->tag)),
                      got ? got : "?",
                      eas_page_ns(EAS_TAG_PAGE(req->cmd->request_root)),
                      eas_tag_name(req->cmd->request_root));
        return body_error(req, EAS_STATUS_INVALID_XML);
    }
    return OK;
}

/* ------------------------------------------------------------------ */

static int read_request_line(eas_request_t *req)
{
    request_rec *r = req->r;
    int rc;

    if (!r->args || !*r->args) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EASLOGNO(00202)
                      "POST without a query: no command given");
        return HTTP_BAD_REQUEST;
    }
    rc = query_is_plain(r->args) ? plain_parse(req, r->args)
                                 : b64_parse(req, r->args);
    if (rc != OK)
        return rc;
    /* The base64 form may leave User out: the login is the user. */
    if (req->base64_query && !req->user)
        req->user = r->user;
    return check_required(req);
}

int eas_request_read(request_rec *r, eas_request_t **out)
{
    eas_request_t *req = apr_pcalloc(r->pool, sizeof(*req));
    int rc;

    req->r = r;
    req->conf = eas_dir_conf(r);
    req->params = apr_table_make(r->pool, 4);
    if ((rc = check_authenticated(r)) != OK
        || (rc = read_request_line(req)) != OK
        || (rc = check_user(req)) != OK
        || (rc = check_device(req)) != OK
        || (rc = check_version(req)) != OK
        || (rc = check_command(req)) != OK
        || (!req->base64_query && (rc = check_plain_headers(req)) != OK))
        return rc;
    log_parsed(req);
    if ((rc = read_body(req)) != OK
        || (rc = check_content(req)) != OK
        || (rc = decode_body(req)) != OK)
        return rc;
    eas_trace_request(req);
    *out = req;
    return OK;
}
