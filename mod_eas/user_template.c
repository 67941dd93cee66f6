/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Template expansion for per-user paths and addresses, and LDAP filter
 * escaping.  A login reaches a file path only through here, so the
 * checks that keep a path inside its directory live here too.
 */
#include "user_template.h"

#include <apr_strings.h>

#define EAS_LOGIN_MAX 256

int eas_login_safe(const char *s)
{
    apr_size_t n = 0;

    if (!s || !*s || *s == '.' || strstr(s, ".."))
        return 0;
    for (; *s; s++, n++)
        if (*s == '/' || (unsigned char)*s < 0x20 || *s == 0x7F)
            return 0;
    return n <= EAS_LOGIN_MAX;
}

const char *eas_template_check(apr_pool_t *p, const char *tmpl)
{
    const char *s;

    for (s = tmpl; *s; s++) {
        if (*s != '%')
            continue;
        s++;
        if (*s != 'u' && *s != 'l' && *s != 'd' && *s != '%')
            return *s ? apr_psprintf(p, "unknown variable %%%c (known: %%u "
                                     "login, %%l local part, %%d domain, "
                                     "%%%% a percent sign)", *s)
                      : "ends with a lone %";
    }
    return NULL;
}

/* The value of variable v for login, or NULL with *err set. */
static const char *variable(apr_pool_t *p, char v, const char *login,
                            const char **err)
{
    const char *at = strchr(login, '@');
    const char *val;

    switch (v) {
    case 'u':
        val = login;
        break;
    case 'l':
        val = at ? apr_pstrmemdup(p, login, at - login) : login;
        break;
    case 'd':
        if (!at) {
            *err = "the template uses %d but the login has no domain part";
            return NULL;
        }
        val = at + 1;
        break;
    default:
        *err = "unknown template variable";
        return NULL;
    }
    if (!eas_login_safe(val)) {
        *err = "the login is not usable in a path (empty, '/', '..', a "
               "leading '.', control characters or too long)";
        return NULL;
    }
    return val;
}

char *eas_template_expand(apr_pool_t *p, const char *tmpl, const char *login,
                          const char **err)
{
    const char *out = "", *s = tmpl;

    while (*s) {
        apr_size_t lit = strcspn(s, "%");
        const char *val;

        out = apr_pstrcat(p, out, apr_pstrmemdup(p, s, lit), NULL);
        s += lit;
        if (!*s)
            break;
        if (s[1] == '%') {
            out = apr_pstrcat(p, out, "%", NULL);
        }
        else {
            if (!s[1]) {
                *err = "the template ends with a lone %";
                return NULL;
            }
            if (!(val = variable(p, s[1], login, err)))
                return NULL;
            out = apr_pstrcat(p, out, val, NULL);
        }
        s += 2;
    }
    return (char *)out;
}

char *eas_ldap_filter_escape(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    char *out = apr_palloc(p, 3 * strlen(s) + 1), *o = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '*' || c == '(' || c == ')' || c == '\\') {
            *o++ = '\\';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
        else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}
