/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The change notification: its query (mod_eas/notify_parse.c), the
 * secret comparison, and what a drop may name (backends/dav/dav_watch.c).
 */
#include "notify_parse.h"
#include "dav/dav_watch.h"
#include "tap.h"

#include <apr_general.h>
#include <apr_strings.h>

static void parses(apr_pool_t *p)
{
    const char *user, *href;

    ok(!eas_notify_parse("user=alice", &user, &href, p), "user only");
    is_str(user, "alice", "its user");
    ok(href == NULL, "no href");
    ok(!eas_notify_parse("href=%2Fbob%2Fcal%2F&user=bob%40example.org",
                         &user, &href, p), "user and href, encoded");
    is_str(user, "bob@example.org", "user decoded");
    is_str(href, "/bob/cal/", "href decoded");
    ok(!eas_notify_parse("user=a+b&&", &user, &href, p), "empty pairs");
    is_str(user, "a b", "'+' is a space");
}

static void refuses(apr_pool_t *p)
{
    static const char *const bad[] = {
        "", "href=/x/", "user=", "user=a&user=b", "user=%zz", "user=%4",
        "user=a%00b", "user", "color=blue&user=a", NULL
    };
    const char *user, *href;
    char *longq;
    int i;

    for (i = 0; bad[i]; i++)
        ok(eas_notify_parse(bad[i], &user, &href, p) != NULL,
           "refused: '%s'", bad[i]);
    ok(eas_notify_parse(NULL, &user, &href, p) != NULL, "no query");
    longq = apr_palloc(p, EAS_NOTIFY_QUERY_MAX + 10);
    memset(longq, 'a', EAS_NOTIFY_QUERY_MAX + 9);
    memcpy(longq, "user=", 5);
    longq[EAS_NOTIFY_QUERY_MAX + 9] = '\0';
    ok(eas_notify_parse(longq, &user, &href, p) != NULL, "too long");
}

static void secrets_and_names(void)
{
    ok(eas_notify_secret_equal("0123456789abcdef", "0123456789abcdef"),
       "equal secrets");
    ok(!eas_notify_secret_equal("0123456789abcdeF", "0123456789abcdef"),
       "one byte differs");
    ok(!eas_notify_secret_equal("0123456789abcde", "0123456789abcdef"),
       "shorter");
    ok(!eas_notify_secret_equal("0123456789abcdef0", "0123456789abcdef"),
       "longer");
    ok(!eas_notify_secret_equal("", "0123456789abcdef"), "empty");
    ok(dav_watch_name_ok("alice", NULL), "a user");
    ok(dav_watch_name_ok("alice", "/alice/cal/"), "a user and an href");
    ok(!dav_watch_name_ok("al\nice", NULL), "a line break in a user");
    ok(!dav_watch_name_ok("alice", "alice/cal/"), "an href not a path");
    ok(!dav_watch_name_ok("alice", "/a b/"), "a space in an href");
    ok(!dav_watch_name_ok("", NULL), "no user");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    parses(p);
    refuses(p);
    secrets_and_names();
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
