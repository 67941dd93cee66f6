/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-user values from templates (EASMaildir, EASMailTemplate) and the
 * LDAP filter for a login.  No Apache here: the unit tests run it.
 *
 * Template variables: %u the login as authenticated, %l its local part
 * (before '@', the whole login if it has none), %d its domain part (after
 * '@'), %% a percent sign.
 */
#ifndef EAS_USER_TEMPLATE_H
#define EAS_USER_TEMPLATE_H

#include <apr_pools.h>

/*
 * Whether s may become part of a file path: not empty, at most 256 bytes,
 * no '/', no control character, no "..", not starting with '.'.
 */
int eas_login_safe(const char *s);

/* NULL if the template's variables are all known, else why not. */
const char *eas_template_check(apr_pool_t *p, const char *tmpl);

/*
 * Expand tmpl for login.  Every value substituted must pass
 * eas_login_safe; otherwise (or if %d is used and the login has no
 * domain) returns NULL with *err saying why.
 */
char *eas_template_expand(apr_pool_t *p, const char *tmpl, const char *login,
                          const char **err);

/* s with the LDAP filter specials escaped (RFC 4515: * ( ) \ NUL). */
char *eas_ldap_filter_escape(apr_pool_t *p, const char *s);

#endif
