/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User look-up: the authenticated login's mail address, display name and
 * backend settings.
 *
 * With EASLDAPURL, the attributes come from the directory: each child
 * process keeps a small pool of LDAP connections per (server, bind DN)
 * that requests borrow and return, so no request pays for a connect and
 * bind once the pool is warm; a connection that fails is dropped and the
 * search retried once on a fresh one.  Results (also "no such user") are
 * kept per process for EASLDAPCacheTTL seconds; while an entry is fresh
 * the directory is not asked at all, which is also what carries users
 * through a short LDAP outage.
 *
 * Without LDAP, or for what LDAP does not hold, EASMailTemplate gives the
 * address.  The backends' own settings (a Maildir path...) are theirs
 * (backend_glue.h): this look-up only fetches the LDAP attributes they
 * name.
 */
#include "mod_eas.h"
#include "user.h"
#include "user_template.h"
#include "config.h"
#include "backend_conf.h"

#include <http_log.h>
#include <http_protocol.h>
#include <ap_mpm.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_reslist.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include <ldap.h>
#include <stdlib.h>

#define EAS_DEFAULT_CACHE_TTL  60
#define EAS_DEFAULT_TIMEOUT    5
#define EAS_LDAP_IDLE_MAX      4            /* idle connections kept */
#define EAS_LDAP_IDLE_TTL      apr_time_from_sec(300)
#define EAS_LDAP_ACQUIRE_WAIT  apr_time_from_sec(10)
#define EAS_USER_CACHE_MAX     10000        /* entries per process */

struct eas_user_conf {
    const char *mail_tmpl;
    const char *ldap_url;           /* as configured, for log lines */
    const char *ldap_uri;           /* scheme://host:port only */
    const char *base, *attr, *filter;
    int scope;
    const char *bind_dn, *bind_pw;
    const char *mail_attr;
    apr_array_header_t *name_attrs;
    const void *name_attrs_from;    /* the directive that made the list */
    int cache_ttl, timeout;
    unsigned cache_ttl_set:1, timeout_set:1;
};

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

eas_user_conf_t *eas_user_conf_create(apr_pool_t *p)
{
    eas_user_conf_t *c = apr_pcalloc(p, sizeof(*c));

    c->cache_ttl = EAS_DEFAULT_CACHE_TTL;
    c->timeout = EAS_DEFAULT_TIMEOUT;
    return c;
}

eas_user_conf_t *eas_user_conf_merge(apr_pool_t *p, const eas_user_conf_t *base,
                                     const eas_user_conf_t *add)
{
    eas_user_conf_t *c = apr_pcalloc(p, sizeof(*c));

#define PICK(f) c->f = add->f ? add->f : base->f
    PICK(mail_tmpl);
    PICK(bind_dn);
    PICK(bind_pw);
    PICK(mail_attr);
    PICK(name_attrs);
#undef PICK
    /* The URL's parts belong together. */
    if (add->ldap_url) {
        c->ldap_url = add->ldap_url;
        c->ldap_uri = add->ldap_uri;
        c->base = add->base;
        c->attr = add->attr;
        c->filter = add->filter;
        c->scope = add->scope;
    }
    else {
        c->ldap_url = base->ldap_url;
        c->ldap_uri = base->ldap_uri;
        c->base = base->base;
        c->attr = base->attr;
        c->filter = base->filter;
        c->scope = base->scope;
    }
    c->cache_ttl = add->cache_ttl_set ? add->cache_ttl : base->cache_ttl;
    c->cache_ttl_set = add->cache_ttl_set | base->cache_ttl_set;
    c->timeout = add->timeout_set ? add->timeout : base->timeout;
    c->timeout_set = add->timeout_set | base->timeout_set;
    return c;
}

static eas_user_conf_t *uconf(void *dconf)
{
    return ((eas_dir_conf_t *)dconf)->user;
}

static const char *set_ldap_url(cmd_parms *cmd, eas_user_conf_t *c,
                                const char *arg)
{
    LDAPURLDesc *lud = NULL;
    char *dn, **attrs, *filter, **exts, *uri;
    int scope, rc = ldap_url_parse(arg, &lud);

    if (rc != LDAP_URL_SUCCESS)
        return apr_psprintf(cmd->pool, "%s: '%s' is not an LDAP URL "
                            "(ldap://host:port/base?attribute?scope?filter)",
                            cmd->cmd->name, arg);
    if (strcmp(lud->lud_scheme, "ldapi") != 0
        && (!lud->lud_host || !*lud->lud_host)) {
        ldap_free_urldesc(lud);
        return apr_psprintf(cmd->pool, "%s: '%s' names no host",
                            cmd->cmd->name, arg);
    }
    c->ldap_url = arg;
    c->base = apr_pstrdup(cmd->pool, lud->lud_dn ? lud->lud_dn : "");
    c->attr = apr_pstrdup(cmd->pool, lud->lud_attrs && lud->lud_attrs[0]
                                     ? lud->lud_attrs[0] : "uid");
    c->scope = lud->lud_scope == LDAP_SCOPE_DEFAULT ? LDAP_SCOPE_SUBTREE
                                                    : lud->lud_scope;
    c->filter = NULL;
    if (lud->lud_filter && *lud->lud_filter)
        c->filter = lud->lud_filter[0] == '('
            ? apr_pstrdup(cmd->pool, lud->lud_filter)
            : apr_pstrcat(cmd->pool, "(", lud->lud_filter, ")", NULL);
    /* The server part alone is what ldap_initialize takes. */
    dn = lud->lud_dn;
    attrs = lud->lud_attrs;
    filter = lud->lud_filter;
    exts = lud->lud_exts;
    scope = lud->lud_scope;
    lud->lud_dn = NULL;
    lud->lud_attrs = NULL;
    lud->lud_filter = NULL;
    lud->lud_exts = NULL;
    lud->lud_scope = LDAP_SCOPE_DEFAULT;
    uri = ldap_url_desc2str(lud);
    lud->lud_dn = dn;
    lud->lud_attrs = attrs;
    lud->lud_filter = filter;
    lud->lud_exts = exts;
    lud->lud_scope = scope;
    ldap_free_urldesc(lud);
    if (!uri)
        return apr_psprintf(cmd->pool, "%s: cannot use '%s'", cmd->cmd->name,
                            arg);
    c->ldap_uri = apr_pstrdup(cmd->pool, uri);
    ldap_memfree(uri);
    return NULL;
}

static const char *set_seconds(cmd_parms *cmd, const char *arg, int min,
                               int max, int *out)
{
    char *end;
    long v = apr_isdigit(*arg) ? strtol(arg, &end, 10) : -1;

    if (v < min || v > max || *end)
        return apr_psprintf(cmd->pool, "%s: '%s' must be a whole number of "
                            "seconds from %d to %d", cmd->cmd->name, arg,
                            min, max);
    *out = (int)v;
    return NULL;
}

static const char *check_template(cmd_parms *cmd, const char *arg)
{
    const char *why = eas_template_check(cmd->pool, arg);

    if (why)
        return apr_psprintf(cmd->pool, "%s: '%s': %s", cmd->cmd->name, arg,
                            why);
    return NULL;
}

const char *eas_user_set_take1(cmd_parms *cmd, void *dconf, const char *arg)
{
    eas_user_conf_t *c = uconf(dconf);
    const char *err = NULL;

    if (!*arg)
        return apr_psprintf(cmd->pool, "%s: the value is empty", cmd->cmd->name);
    switch ((int)(apr_uintptr_t)cmd->info) {
    case EAS_UC_MAIL_TEMPLATE:
        if (!(err = check_template(cmd, arg)))
            c->mail_tmpl = arg;
        break;
    case EAS_UC_LDAP_URL:
        err = set_ldap_url(cmd, c, arg);
        break;
    case EAS_UC_BIND_DN:
        c->bind_dn = arg;
        break;
    case EAS_UC_BIND_PW:
        c->bind_pw = arg;
        break;
    case EAS_UC_MAIL_ATTR:
        c->mail_attr = arg;
        break;
    case EAS_UC_CACHE_TTL:
        err = set_seconds(cmd, arg, 0, 86400, &c->cache_ttl);
        c->cache_ttl_set = 1;
        break;
    case EAS_UC_TIMEOUT:
        err = set_seconds(cmd, arg, 1, 300, &c->timeout);
        c->timeout_set = 1;
        break;
    }
    return err;
}

/* EASLDAPNameAttribute a [b ...]: a new list per section. */
const char *eas_user_set_iterate(cmd_parms *cmd, void *dconf, const char *arg)
{
    eas_user_conf_t *c = uconf(dconf);
    const char **slot;

    if (!c->name_attrs || c->name_attrs_from != cmd->directive) {
        c->name_attrs = apr_array_make(cmd->pool, 2, sizeof(const char *));
        c->name_attrs_from = cmd->directive;
    }
    slot = apr_array_push(c->name_attrs);
    *slot = arg;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Per-process state: connection pools and the result cache           */
/* ------------------------------------------------------------------ */

/* One LDAP server as a bind identity sees it, with its idle connections. */
typedef struct {
    const char *uri, *bind_dn, *bind_pw;
    int timeout;
    apr_reslist_t *conns;
} ldap_server_t;

/* A pooled connection; ld is NULL until first used or after a failure. */
typedef struct {
    LDAP *ld;
} ldap_slot_t;

/* What the directory says about one login. */
typedef struct {
    int found;
    const char *email, *name;
    apr_array_header_t *aliases;    /* further mail addresses */
    apr_table_t *extra;             /* the backends' attributes: first value */
    const apr_array_header_t *want; /* their names (not cached) */
} ldap_attrs_t;

typedef struct {
    apr_pool_t *pool;               /* holds the entry and its key */
    apr_time_t expires;
    ldap_attrs_t a;
} cache_entry_t;

static struct {
    apr_pool_t *pool;
    apr_thread_mutex_t *mutex;      /* guards everything below */
    apr_hash_t *servers;
    apr_hash_t *cache;
    int max_conns;
} g;

static apr_status_t eas_user_child_exit(void *unused)
{
    g.pool = NULL;
    return APR_SUCCESS;
}

static void eas_user_child_init(apr_pool_t *pchild, server_rec *s)
{
    int threads = 1;
    apr_status_t rv;

    if (ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS
        || threads < 1)
        threads = 1;
    g.max_conns = threads;
    apr_pool_create(&g.pool, pchild);
    apr_pool_tag(g.pool, "eas_user");
    rv = apr_thread_mutex_create(&g.mutex, APR_THREAD_MUTEX_DEFAULT, g.pool);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, EASLOGNO(00910)
                     "cannot create the user look-up mutex");
        g.pool = NULL;
        return;
    }
    g.servers = apr_hash_make(g.pool);
    g.cache = apr_hash_make(g.pool);
    apr_pool_cleanup_register(g.pool, NULL, eas_user_child_exit,
                              apr_pool_cleanup_null);
}

void eas_user_register_hooks(apr_pool_t *p)
{
    ap_hook_child_init(eas_user_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}

/* Slots are created and destroyed one at a time for the whole life of a
   child, so they live on the heap rather than in a growing pool. */
static apr_status_t slot_make(void **res, void *params, apr_pool_t *p)
{
    ldap_slot_t *slot = calloc(1, sizeof(*slot));

    if (!slot)
        return APR_ENOMEM;
    *res = slot;
    return APR_SUCCESS;
}

static apr_status_t slot_free(void *res, void *params, apr_pool_t *p)
{
    ldap_slot_t *slot = res;

    if (slot->ld)
        ldap_unbind_ext_s(slot->ld, NULL, NULL);
    free(slot);
    return APR_SUCCESS;
}

/* The pool for conf's server and bind identity (made on first use). */
static ldap_server_t *server_for(const eas_user_conf_t *c, apr_pool_t *tmp,
                                 apr_status_t *rv)
{
    const char *key = apr_pstrcat(tmp, c->ldap_uri, "\n",
                                  c->bind_dn ? c->bind_dn : "", "\n",
                                  c->bind_pw ? c->bind_pw : "", "\n",
                                  apr_itoa(tmp, c->timeout), NULL);
    ldap_server_t *srv;

    *rv = APR_SUCCESS;
    apr_thread_mutex_lock(g.mutex);
    srv = apr_hash_get(g.servers, key, APR_HASH_KEY_STRING);
    if (!srv) {
        srv = apr_pcalloc(g.pool, sizeof(*srv));
        srv->uri = apr_pstrdup(g.pool, c->ldap_uri);
        srv->bind_dn = c->bind_dn ? apr_pstrdup(g.pool, c->bind_dn) : NULL;
        srv->bind_pw = c->bind_pw ? apr_pstrdup(g.pool, c->bind_pw) : NULL;
        srv->timeout = c->timeout;
        *rv = apr_reslist_create(&srv->conns, 0,
                                 g.max_conns < EAS_LDAP_IDLE_MAX
                                     ? g.max_conns : EAS_LDAP_IDLE_MAX,
                                 g.max_conns, EAS_LDAP_IDLE_TTL, slot_make,
                                 slot_free, srv, g.pool);
        if (*rv == APR_SUCCESS) {
            apr_reslist_timeout_set(srv->conns, EAS_LDAP_ACQUIRE_WAIT);
            apr_hash_set(g.servers, apr_pstrdup(g.pool, key),
                         APR_HASH_KEY_STRING, srv);
        }
        else {
            srv = NULL;
        }
    }
    apr_thread_mutex_unlock(g.mutex);
    return srv;
}

static const char *copy_str(apr_pool_t *p, const char *s)
{
    return s ? apr_pstrdup(p, s) : NULL;
}

static void copy_attrs(apr_pool_t *p, const ldap_attrs_t *from,
                       ldap_attrs_t *to)
{
    int i;

    to->found = from->found;
    to->email = copy_str(p, from->email);
    to->name = copy_str(p, from->name);
    to->extra = from->extra ? apr_table_copy(p, from->extra)
                            : apr_table_make(p, 1);
    for (i = 0; i < apr_table_elts(to->extra)->nelts; i++) {
        apr_table_entry_t *e = &APR_ARRAY_IDX(apr_table_elts(to->extra), i,
                                              apr_table_entry_t);
        e->key = apr_pstrdup(p, e->key);
        e->val = apr_pstrdup(p, e->val);
    }
    to->aliases = apr_array_make(p, from->aliases ? from->aliases->nelts : 0,
                                 sizeof(const char *));
    for (i = 0; from->aliases && i < from->aliases->nelts; i++)
        APR_ARRAY_PUSH(to->aliases, const char *) =
            apr_pstrdup(p, APR_ARRAY_IDX(from->aliases, i, const char *));
}

/* A fresh cached entry for key, copied into p; 0 if none. */
static int cache_get(const char *key, apr_pool_t *p, ldap_attrs_t *out)
{
    cache_entry_t *e;
    int hit = 0;

    apr_thread_mutex_lock(g.mutex);
    e = apr_hash_get(g.cache, key, APR_HASH_KEY_STRING);
    if (e && e->expires > apr_time_now()) {
        copy_attrs(p, &e->a, out);
        hit = 1;
    }
    apr_thread_mutex_unlock(g.mutex);
    return hit;
}

/* Drop expired entries; all of them if the cache is still full. */
static void cache_trim(void)
{
    apr_time_t now = apr_time_now();
    apr_hash_index_t *hi;
    int all = 0;

    for (;;) {
        for (hi = apr_hash_first(NULL, g.cache); hi; hi = apr_hash_next(hi)) {
            const void *k;
            void *v;
            cache_entry_t *e;

            apr_hash_this(hi, &k, NULL, &v);
            e = v;
            if (all || e->expires <= now) {
                apr_hash_set(g.cache, k, APR_HASH_KEY_STRING, NULL);
                apr_pool_destroy(e->pool);
            }
        }
        if (all || apr_hash_count(g.cache) < EAS_USER_CACHE_MAX)
            return;
        all = 1;
    }
}

static void cache_put(const char *key, const ldap_attrs_t *a, int ttl)
{
    cache_entry_t *old, *e;
    apr_pool_t *ep;

    apr_thread_mutex_lock(g.mutex);
    /* The hash keeps the first key pointer it saw: remove before freeing. */
    old = apr_hash_get(g.cache, key, APR_HASH_KEY_STRING);
    if (old) {
        apr_hash_set(g.cache, key, APR_HASH_KEY_STRING, NULL);
        apr_pool_destroy(old->pool);
    }
    if (apr_hash_count(g.cache) >= EAS_USER_CACHE_MAX)
        cache_trim();
    if (apr_pool_create(&ep, g.pool) == APR_SUCCESS) {
        e = apr_pcalloc(ep, sizeof(*e));
        e->pool = ep;
        e->expires = apr_time_now() + apr_time_from_sec(ttl);
        copy_attrs(ep, a, &e->a);
        apr_hash_set(g.cache, apr_pstrdup(ep, key), APR_HASH_KEY_STRING, e);
    }
    apr_thread_mutex_unlock(g.mutex);
}

/* ------------------------------------------------------------------ */
/* LDAP                                                                */
/* ------------------------------------------------------------------ */

static int conn_open(ldap_server_t *srv, LDAP **out)
{
    struct timeval tv = { srv->timeout, 0 };
    int version = LDAP_VERSION3, rc;
    LDAP *ld = NULL;

    if ((rc = ldap_initialize(&ld, srv->uri)) != LDAP_SUCCESS)
        return rc;
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    if (srv->bind_dn) {
        struct berval cred;

        cred.bv_val = (char *)(srv->bind_pw ? srv->bind_pw : "");
        cred.bv_len = strlen(cred.bv_val);
        rc = ldap_sasl_bind_s(ld, srv->bind_dn, LDAP_SASL_SIMPLE, &cred,
                              NULL, NULL, NULL);
        if (rc != LDAP_SUCCESS) {
            ldap_unbind_ext_s(ld, NULL, NULL);
            return rc;
        }
    }
    *out = ld;
    return LDAP_SUCCESS;
}

/* Every value of attr as strings in p (NULL if none). */
static apr_array_header_t *values_of(LDAP *ld, LDAPMessage *e,
                                     const char *attr, apr_pool_t *p)
{
    struct berval **vals = ldap_get_values_len(ld, e, attr);
    apr_array_header_t *out;
    int i;

    if (!vals)
        return NULL;
    out = apr_array_make(p, 2, sizeof(const char *));
    for (i = 0; vals[i]; i++)
        if (vals[i]->bv_len > 0)
            APR_ARRAY_PUSH(out, const char *) =
                apr_pstrmemdup(p, vals[i]->bv_val, vals[i]->bv_len);
    ldap_value_free_len(vals);
    return out->nelts ? out : NULL;
}

static const char *mail_attr(const eas_user_conf_t *c)
{
    return c->mail_attr ? c->mail_attr : "mail";
}

static apr_array_header_t *name_attrs(const eas_user_conf_t *c, apr_pool_t *p)
{
    apr_array_header_t *a;

    if (c->name_attrs)
        return c->name_attrs;
    a = apr_array_make(p, 2, sizeof(const char *));
    APR_ARRAY_PUSH(a, const char *) = "displayName";
    APR_ARRAY_PUSH(a, const char *) = "cn";
    return a;
}

static void read_entry(const eas_user_conf_t *c, LDAP *ld, LDAPMessage *e,
                       apr_pool_t *p, ldap_attrs_t *out)
{
    apr_array_header_t *names = name_attrs(c, p), *mail, *v;
    int i;

    out->found = 1;
    out->aliases = apr_array_make(p, 1, sizeof(const char *));
    if ((mail = values_of(ld, e, mail_attr(c), p))) {
        out->email = APR_ARRAY_IDX(mail, 0, const char *);
        for (i = 1; i < mail->nelts; i++)
            APR_ARRAY_PUSH(out->aliases, const char *) =
                APR_ARRAY_IDX(mail, i, const char *);
    }
    for (i = 0; i < names->nelts && !out->name; i++)
        if ((v = values_of(ld, e, APR_ARRAY_IDX(names, i, const char *), p)))
            out->name = APR_ARRAY_IDX(v, 0, const char *);
    out->extra = apr_table_make(p, 2);
    for (i = 0; out->want && i < out->want->nelts; i++) {
        const char *a = APR_ARRAY_IDX(out->want, i, const char *);
        if ((v = values_of(ld, e, a, p)))
            apr_table_setn(out->extra, a, APR_ARRAY_IDX(v, 0, const char *));
    }
}

static char **search_attrs(const eas_user_conf_t *c,
                           const apr_array_header_t *want, apr_pool_t *p)
{
    apr_array_header_t *names = name_attrs(c, p);
    char **attrs = apr_pcalloc(p, (names->nelts + want->nelts + 2)
                                  * sizeof(char *));
    int i, n = 0;

    attrs[n++] = (char *)mail_attr(c);
    for (i = 0; i < names->nelts; i++)
        attrs[n++] = (char *)APR_ARRAY_IDX(names, i, const char *);
    for (i = 0; i < want->nelts; i++)
        attrs[n++] = (char *)APR_ARRAY_IDX(want, i, const char *);
    return attrs;
}

/* Whether an error may be a broken connection, worth one more try. */
static int ldap_retryable(int rc)
{
    return rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED
        && rc != LDAP_NO_SUCH_OBJECT && rc != LDAP_FILTER_ERROR
        && rc != LDAP_INVALID_CREDENTIALS && rc != LDAP_INSUFFICIENT_ACCESS;
}

/*
 * Search for login on a borrowed connection.  Returns the LDAP result
 * code; on LDAP_SUCCESS, *res holds the entries (at most two asked for).
 */
static int ldap_search_login(request_rec *r, const eas_user_conf_t *c,
                             ldap_slot_t *slot, ldap_server_t *srv,
                             const char *login,
                             const apr_array_header_t *want,
                             LDAPMessage **res)
{
    const char *filter = apr_pstrcat(r->pool, "(&",
                                     c->filter ? c->filter : "(objectClass=*)",
                                     "(", c->attr, "=",
                                     eas_ldap_filter_escape(r->pool, login),
                                     "))", NULL);
    struct timeval tv = { c->timeout, 0 };
    int attempt, rc = LDAP_OTHER;

    for (attempt = 0; attempt < 2; attempt++) {
        int reused = slot->ld != NULL;

        if (!slot->ld && (rc = conn_open(srv, &slot->ld)) != LDAP_SUCCESS) {
            slot->ld = NULL;
            return rc;
        }
        *res = NULL;
        rc = ldap_search_ext_s(slot->ld, c->base, c->scope, filter,
                               search_attrs(c, want, r->pool), 0, NULL, NULL,
                               &tv,
                               2, res);
        if (!ldap_retryable(rc))
            return rc;
        if (*res)
            ldap_msgfree(*res);
        *res = NULL;
        ldap_unbind_ext_s(slot->ld, NULL, NULL);
        slot->ld = NULL;
        if (!reused)
            break;
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, EASLOGNO(00907)
                      "LDAP connection to %s failed (%s): retrying on a new "
                      "one", srv->uri, ldap_err2string(rc));
    }
    return rc;
}

static int ldap_unavailable(request_rec *r, const eas_user_conf_t *c,
                            const char *login, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(00901)
                  "cannot look user %s up in LDAP at %s: %s; answering 503",
                  login, c->ldap_url, why);
    apr_table_setn(r->err_headers_out, "Retry-After", "30");
    return HTTP_SERVICE_UNAVAILABLE;
}

static int ldap_fetch(request_rec *r, const eas_user_conf_t *c,
                      const char *login, ldap_attrs_t *out)
{
    ldap_server_t *srv;
    ldap_slot_t *slot;
    LDAPMessage *res = NULL;
    apr_status_t rv;
    void *v;
    int rc, n = 0, status = OK;

    if (!(srv = server_for(c, r->pool, &rv)))
        return ldap_unavailable(r, c, login, "cannot create the connection "
                                "pool");
    if ((rv = apr_reslist_acquire(srv->conns, &v)) != APR_SUCCESS)
        return ldap_unavailable(r, c, login, "no free connection (all busy)");
    slot = v;
    rc = ldap_search_login(r, c, slot, srv, login, out->want, &res);
    if (rc == LDAP_NO_SUCH_OBJECT) {
        out->found = 0;
    }
    else if (rc == LDAP_SIZELIMIT_EXCEEDED
             || (rc == LDAP_SUCCESS
                 && (n = ldap_count_entries(slot->ld, res)) > 1)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(00902)
                      "LDAP has more than one entry for %s=%s under '%s': "
                      "refusing with 403 (make the EASLDAPURL filter unique)",
                      c->attr, login, c->base);
        status = HTTP_FORBIDDEN;
    }
    else if (rc == LDAP_SUCCESS) {
        if (n == 1)
            read_entry(c, slot->ld, ldap_first_entry(slot->ld, res), r->pool,
                       out);
        else
            out->found = 0;
    }
    else {
        status = ldap_unavailable(r, c, login, ldap_err2string(rc));
    }
    if (res)
        ldap_msgfree(res);
    apr_reslist_release(srv->conns, slot);
    return status;
}

static int ldap_lookup(request_rec *r, const eas_user_conf_t *c,
                       const char *login, ldap_attrs_t *out)
{
    apr_array_header_t *names = name_attrs(c, r->pool);
    const char *key;
    int rc;

    if (!g.pool) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(00911)
                      "user look-up is not initialised in this process");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    key = apr_pstrcat(r->pool, c->ldap_uri, "\n", c->bind_dn ? c->bind_dn : "",
                      "\n", c->base, "\n", apr_itoa(r->pool, c->scope), "\n",
                      c->attr, "\n", c->filter ? c->filter : "", "\n",
                      mail_attr(c), "\n",
                      apr_array_pstrcat(r->pool, names, ' '), "\n",
                      apr_array_pstrcat(r->pool, out->want, ' '), "\n",
                      login,
                      NULL);
    if (c->cache_ttl > 0 && cache_get(key, r->pool, out)) {
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, EASLOGNO(00908)
                      "user %s: LDAP attributes from the cache", login);
        return OK;
    }
    if ((rc = ldap_fetch(r, c, login, out)) != OK)
        return rc;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, EASLOGNO(00909)
                  "user %s: %s in LDAP (mail %s, name %s)", login,
                  out->found ? "found" : "not found",
                  out->email ? out->email : "-", out->name ? out->name : "-");
    if (c->cache_ttl > 0)
        cache_put(key, out, c->cache_ttl);
    return OK;
}

/* ------------------------------------------------------------------ */
/* The look-up                                                         */
/* ------------------------------------------------------------------ */

/* The backends' LDAP attributes, for their glue (backend_glue.h). */
static void set_extra(const ldap_attrs_t *a, eas_user_t *u, apr_pool_t *p)
{
    const apr_array_header_t *t;
    int i;

    if (!a->extra)
        return;
    t = apr_table_elts(a->extra);
    for (i = 0; i < t->nelts; i++) {
        const apr_table_entry_t *e = &APR_ARRAY_IDX(t, i, apr_table_entry_t);
        apr_table_setn(u->params, apr_pstrcat(p, "ldap:", e->key, NULL),
                       e->val);
    }
}

static int set_email(request_rec *r, const eas_user_conf_t *c,
                     const ldap_attrs_t *a, eas_user_t *u)
{
    const char *err = NULL;
    int i;

    for (i = 0; a->aliases && i < a->aliases->nelts; i++)
        apr_table_addn(u->params, "alias",
                       APR_ARRAY_IDX(a->aliases, i, const char *));
    if (a->email) {
        u->email = a->email;
    }
    else if (c->mail_tmpl) {
        u->email = eas_template_expand(r->pool, c->mail_tmpl, u->login, &err);
        if (!u->email) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(00904)
                          "EASMailTemplate %s for user '%s': %s; refusing "
                          "with 403", c->mail_tmpl, u->login, err);
            return HTTP_FORBIDDEN;
        }
    }
    else if (strchr(u->login, '@')) {
        u->email = u->login;
    }
    return OK;
}

int eas_user_lookup(request_rec *r, eas_user_t **out)
{
    const eas_user_conf_t *c = eas_dir_conf(r)->user;
    const char *login = NULL, *pw = NULL;
    ldap_attrs_t a;
    eas_user_t *u;
    int rc;

    memset(&a, 0, sizeof(a));
    if (!r->user || !*r->user) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, EASLOGNO(00903)
                      "no authenticated user to look up");
        return HTTP_FORBIDDEN;
    }
    u = apr_pcalloc(r->pool, sizeof(*u));
    u->login = r->user;
    u->params = apr_table_make(r->pool, 4);
    /* For a backend that acts as the user; in request memory only. */
    if (ap_get_basic_auth_components(r, &login, &pw) == APR_SUCCESS
        && login && strcmp(login, r->user) == 0)
        u->password = pw;
    if (c->ldap_uri) {
        a.want = eas_backend_ldap_attrs(r, r->pool);
        if ((rc = ldap_lookup(r, c, u->login, &a)) != OK)
            return rc;
        if (!a.found)
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, EASLOGNO(00906)
                          "user %s has no entry in LDAP (%s): using the "
                          "templates", u->login, c->ldap_url);
    }
    u->display_name = a.name;
    set_extra(&a, u, r->pool);
    if ((rc = set_email(r, c, &a, u)) != OK)
        return rc;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, EASLOGNO(00912)
                  "user %s: mail %s, name %s", u->login,
                  u->email ? u->email : "-",
                  u->display_name ? u->display_name : "-");
    *out = u;
    return OK;
}
