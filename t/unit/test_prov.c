/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the provisioning policy document (settings table, value
 * parsing, hash, WBXML form) and of the user templates (path safety,
 * expansion, LDAP filter escaping).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "policy_doc.h"
#include "user_template.h"
#include "tap.h"

static apr_pool_t *pool;

/* ------------------------------------------------------------------ */
/* policy                                                              */
/* ------------------------------------------------------------------ */

static int index_of(const char *name)
{
    int i;

    for (i = 0; i < EAS_POLICY_NSETTINGS; i++)
        if (strcmp(eas_policy_settings[i].name, name) == 0)
            return i;
    return -1;
}

static void test_table(void)
{
    int v[EAS_POLICY_NSETTINGS], i, seen_121 = 0, order_ok = 1;

    eas_policy_defaults(v);
    is_int(v[EAS_POL_PasswordRequired], 0, "no password by default");
    is_int(v[EAS_POL_AllowAttachments], 1, "attachments allowed by default");
    is_int(v[EAS_POL_MaxFailedAttempts], EAS_PV_NONE,
           "no wipe limit by default");
    is_int(v[EAS_POL_MaxEmailBodyTruncationSize], -1,
           "no truncation by default");
    is_int(index_of("MinPasswordLength"), EAS_POL_MinPasswordLength,
           "index enum follows the table");
    for (i = 0; i < EAS_POLICY_NSETTINGS; i++) {
        const eas_policy_setting_t *s = &eas_policy_settings[i];

        if (s->since == 121)
            seen_121 = 1;
        else if (seen_121)
            order_ok = 0;       /* 12.0 elements all come first */
        if (EAS_TAG_PAGE(s->tag) != EAS_PAGENUM_Provision)
            order_ok = 0;
    }
    ok(order_ok, "12.0 elements first, all on the Provision page");
}

static void test_parse(void)
{
    const char *why;
    int v = 12345;

    ok(!eas_policy_parse(pool, EAS_POL_PasswordRequired, "on", &v) && v == 1,
       "On parses case-insensitively");
    ok(!eas_policy_parse(pool, EAS_POL_PasswordRequired, "Off", &v) && v == 0,
       "Off parses");
    ok(eas_policy_parse(pool, EAS_POL_PasswordRequired, "yes", &v) != NULL,
       "bool refuses yes");
    ok(!eas_policy_parse(pool, EAS_POL_MaxFailedAttempts, "none", &v)
       && v == EAS_PV_NONE, "limit takes none");
    ok(!eas_policy_parse(pool, EAS_POL_MaxFailedAttempts, "8", &v) && v == 8,
       "limit takes 8");
    why = eas_policy_parse(pool, EAS_POL_MaxFailedAttempts, "3", &v);
    ok(why && strstr(why, "4 to 16"), "limit below range refused: %s",
       why ? why : "(accepted)");
    ok(eas_policy_parse(pool, EAS_POL_MaxFailedAttempts, "17", &v) != NULL,
       "limit above range refused");
    ok(eas_policy_parse(pool, EAS_POL_PasswordHistory, "none", &v) != NULL,
       "plain number refuses none");
    ok(eas_policy_parse(pool, EAS_POL_PasswordHistory, "5x", &v) != NULL,
       "trailing junk refused");
    ok(eas_policy_parse(pool, EAS_POL_PasswordHistory, "", &v) != NULL,
       "empty refused");
    ok(eas_policy_parse(pool, EAS_POL_MaxAttachmentSize, "99999999999", &v)
       != NULL, "overflow refused");
    ok(!eas_policy_parse(pool, EAS_POL_MaxEmailBodyTruncationSize, "-1", &v)
       && v == -1, "-1 where the range allows it");
    ok(eas_policy_parse(pool, EAS_POL_MaxEmailAgeFilter, "-1", &v) != NULL,
       "-1 refused where it does not");
    ok(eas_policy_parse(pool, EAS_POL_MaxCalendarAgeFilter, "2", &v) != NULL,
       "calendar filter 2 refused (no such window)");
    ok(!eas_policy_parse(pool, EAS_POL_MaxCalendarAgeFilter, "4", &v)
       && v == 4, "calendar filter 4 accepted");
}

/* The hash of the defaults.  If this changes, every provisioned device
   in every deployment is asked to provision again after an upgrade. */
#define DEFAULT_POLICY_HASH "9000f9e8f83a451fb8e3e0b62a695f31b216da8e"

static void test_hash(void)
{
    int a[EAS_POLICY_NSETTINGS], b[EAS_POLICY_NSETTINGS];
    const char *ha, *hb;

    eas_policy_defaults(a);
    eas_policy_defaults(b);
    ha = eas_policy_hash(pool, a);
    hb = eas_policy_hash(pool, b);
    is_int(strlen(ha), 40, "hash is 40 hex digits");
    is_str(ha, hb, "equal values, equal hash");
    /* A fixed value: the hash must not change between builds or runs,
       or every device would be asked to provision again. */
    is_str(ha, DEFAULT_POLICY_HASH, "default policy hash as it always was");
    b[EAS_POL_MinPasswordLength] = 6;
    ok(strcmp(ha, eas_policy_hash(pool, b)) != 0, "a changed value changes it");
    b[EAS_POL_MinPasswordLength] = EAS_PV_NONE;
    is_str(eas_policy_hash(pool, b), ha, "and changing it back restores it");
    b[EAS_POL_MaxEmailBodyTruncationSize] = 0;
    ok(strcmp(ha, eas_policy_hash(pool, b)) != 0,
       "-1 and 0 hash differently");
}

/* Encode the document and decode it back. */
static eas_node_t *doc_for(const int *v, int version)
{
    apr_bucket_alloc_t *ba = apr_bucket_alloc_create(pool);
    apr_bucket_brigade *bb = apr_brigade_create(pool, ba);
    eas_wbxml_enc_t *e = eas_wbxml_enc_create(pool, bb, NULL, NULL);
    eas_node_t *root = NULL;
    char *buf;
    apr_size_t len;

    eas_policy_doc_encode(e, v, version);
    if (eas_enc_finish(e) != APR_SUCCESS
        || apr_brigade_pflatten(bb, &buf, &len, pool) != APR_SUCCESS
        || eas_wbxml_decode(pool, (unsigned char *)buf, len, NULL, &root,
                            NULL) != EAS_WBXML_OK)
        return NULL;
    return root;
}

static int count_children(const eas_node_t *n)
{
    int c = 0;

    for (n = n->child; n; n = n->next)
        c++;
    return c;
}

static void test_doc(void)
{
    int v[EAS_POLICY_NSETTINGS], i, n120 = 0;
    eas_node_t *d120, *d141, *n;

    eas_policy_defaults(v);
    v[EAS_POL_PasswordRequired] = 1;
    v[EAS_POL_MinPasswordLength] = 6;
    v[EAS_POL_AllowCamera] = 0;
    for (i = 0; i < EAS_POLICY_NSETTINGS; i++)
        n120 += eas_policy_settings[i].since == 120;
    d120 = doc_for(v, 120);
    d141 = doc_for(v, 141);
    ok(d120 && d141, "documents decode");
    if (!d120 || !d141)
        return;
    is_int(d141->tag, EAS_Provision_EASProvisionDoc, "root EASProvisionDoc");
    is_int(count_children(d141), EAS_POLICY_NSETTINGS, "14.1: every element");
    is_int(count_children(d120), n120, "12.0: only the 12.0 elements");
    ok(!eas_node_child(d120, EAS_Provision_AllowCamera),
       "12.0 has no AllowCamera");
    is_str(eas_node_text(d141, EAS_Provision_DevicePasswordEnabled), "1",
           "DevicePasswordEnabled 1");
    is_str(eas_node_text(d141, EAS_Provision_MinDevicePasswordLength), "6",
           "MinDevicePasswordLength 6");
    is_str(eas_node_text(d141, EAS_Provision_AllowCamera), "0",
           "AllowCamera 0");
    n = eas_node_child(d141, EAS_Provision_MaxDevicePasswordFailedAttempts);
    ok(n && !n->value && !n->child, "unlimited is an empty element");
    is_str(eas_node_text(d141, EAS_Provision_MaxEmailBodyTruncationSize), "-1",
           "no truncation is -1");
    is_int(d141->child->tag, EAS_Provision_DevicePasswordEnabled,
           "first element DevicePasswordEnabled");
}

/* ------------------------------------------------------------------ */
/* user templates                                                      */
/* ------------------------------------------------------------------ */

static void test_login_safe(void)
{
    char longname[300];

    ok(eas_login_safe("alice"), "alice is safe");
    ok(eas_login_safe("bob@example.org"), "an address is safe");
    ok(eas_login_safe("EXAMPLE\\carol"), "a backslash is safe");
    ok(!eas_login_safe(""), "empty is not");
    ok(!eas_login_safe("a/b"), "a slash is not");
    ok(!eas_login_safe("/etc"), "a leading slash is not");
    ok(!eas_login_safe(".."), ".. is not");
    ok(!eas_login_safe("a..b"), "an embedded .. is not");
    ok(!eas_login_safe(".hidden"), "a leading dot is not");
    ok(!eas_login_safe("a\nb"), "a newline is not");
    ok(!eas_login_safe("a\x7f"), "DEL is not");
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    ok(!eas_login_safe(longname), "299 bytes is too long");
    longname[256] = '\0';
    ok(eas_login_safe(longname), "256 bytes is fine");
}

static void test_expand(void)
{
    const char *err = NULL;
    char *out;

    is_str(eas_template_expand(pool, "/var/mail/%u/Maildir", "alice", &err),
           "/var/mail/alice/Maildir", "%%u");
    is_str(eas_template_expand(pool, "/srv/%d/%l/Maildir", "bob@example.org",
                               &err),
           "/srv/example.org/bob/Maildir", "%%d and %%l");
    is_str(eas_template_expand(pool, "%l@example.org", "carol", &err),
           "carol@example.org", "%%l without a domain is the login");
    is_str(eas_template_expand(pool, "100%%/%u", "x", &err), "100%/x", "%%%%");
    err = NULL;
    out = eas_template_expand(pool, "/srv/%d/%l", "alice", &err);
    ok(!out && err, "%%d without a domain fails: %s", err ? err : "(no reason)");
    err = NULL;
    ok(!eas_template_expand(pool, "/var/mail/%u", "../root", &err) && err,
       "a login escaping the directory fails");
    ok(!eas_template_expand(pool, "/var/mail/%u", "a/b", &err),
       "a login with a slash fails");
    ok(!eas_template_expand(pool, "/var/mail/%d/%l", "x@..", &err),
       "a domain of .. fails");
    ok(!eas_template_expand(pool, "/var/mail/%l", ".x@y", &err),
       "a local part with a leading dot fails");
    ok(!eas_template_expand(pool, "/var/mail/%", "a", &err),
       "a lone % fails");
    ok(eas_template_check(pool, "/var/mail/%d/%l/%u/%%") == NULL,
       "known variables pass the check");
    ok(eas_template_check(pool, "/var/mail/%x") != NULL,
       "an unknown variable fails the check");
    ok(eas_template_check(pool, "/var/mail/%") != NULL,
       "a trailing % fails the check");
}

static void test_escape(void)
{
    is_str(eas_ldap_filter_escape(pool, "alice"), "alice", "plain unchanged");
    is_str(eas_ldap_filter_escape(pool, "*)(uid=*"), "\\2a\\29\\28uid=\\2a",
           "specials escaped");
    is_str(eas_ldap_filter_escape(pool, "a\\b"), "a\\5cb", "backslash");
    is_str(eas_ldap_filter_escape(pool, "\xc3\xa9"), "\xc3\xa9",
           "UTF-8 kept");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_table();
    test_parse();
    test_hash();
    test_doc();
    test_login_safe();
    test_expand();
    test_escape();
    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
