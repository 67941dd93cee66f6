/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The combined store (backends/backend_mux.c): a Maildir serving mail and
 * a small in-memory backend serving calendars, in one hierarchy.
 */
#include "tap.h"
#include "backend_mux.h"
#include "maildir/maildir_backend.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <unistd.h>

static apr_pool_t *pool;

/* ---- a calendar backend holding two folders in memory ---- */

typedef struct {
    eas_store_t base;
    const char *last_op, *last_folder;
} mem_store_t;

static const eas_backend_t mem_backend;

static apr_status_t mem_folders(eas_store_t *st, apr_array_header_t **out,
                                apr_pool_t *p)
{
    static const eas_folder_t f[] = {
        { "1", "0", "Calendar", EAS_FOLDER_CALENDAR, EAS_CLASS_CALENDAR },
        { "2", "0", "Tasks", EAS_FOLDER_TASKS, EAS_CLASS_TASKS },
        { "3", "1", "Team", EAS_FOLDER_USER_CALENDAR, EAS_CLASS_CALENDAR },
    };
    int i;

    *out = apr_array_make(p, 3, sizeof(eas_folder_t));
    for (i = 0; i < 3; i++)
        APR_ARRAY_PUSH(*out, eas_folder_t) = f[i];
    return APR_SUCCESS;
}

static apr_status_t mem_list(eas_store_t *st, const char *folder_id,
                             const eas_filter_t *f, apr_array_header_t **out,
                             apr_pool_t *p)
{
    ((mem_store_t *)st)->last_op = "list";
    ((mem_store_t *)st)->last_folder = folder_id;
    *out = apr_array_make(p, 0, sizeof(eas_item_ref_t));
    return strcmp(folder_id, "1") == 0 ? APR_SUCCESS : APR_ENOENT;
}

static apr_status_t mem_create(eas_store_t *st, const char *parent_id,
                               const char *name, eas_folder_type_t type,
                               const char **new_id, apr_pool_t *p)
{
    ((mem_store_t *)st)->last_op = "create";
    ((mem_store_t *)st)->last_folder = parent_id;
    *new_id = "9";
    return APR_SUCCESS;
}

static apr_status_t mem_remove(eas_store_t *st, const char *folder_id,
                               const char *item_id, const char *if_token,
                               apr_pool_t *p)
{
    ((mem_store_t *)st)->last_op = apr_pstrcat(p, "remove ", item_id, " if ",
                                               if_token, NULL);
    ((mem_store_t *)st)->last_folder = folder_id;
    return if_token && strcmp(if_token, "old") == 0 ? EAS_ECONFLICT
                                                    : APR_SUCCESS;
}

static const eas_backend_t mem_backend = {
    .name = "test",
    .classes = EAS_CLASSES_PIM,
    .folders = mem_folders,
    .folder_create = mem_create,
    .list = mem_list,
    .remove = mem_remove,
};

/* ---- fixtures ---- */

static eas_store_ctx_t ctx_of(void)
{
    eas_store_ctx_t c = { pool, NULL, NULL, NULL };
    return c;
}

static eas_store_t *maildir(const char *root)
{
    eas_user_t *u = apr_pcalloc(pool, sizeof(*u));
    eas_store_ctx_t c = ctx_of();
    eas_store_t *st = NULL;
    const char *err = NULL;

    u->login = "alice";
    u->params = apr_table_make(pool, 2);
    apr_table_setn(u->params, "path", root);
    apr_table_setn(u->params, "create", "1");
    if (eas_backend_maildir.open(&st, u, &c, &err) != APR_SUCCESS)
        tap_diag("maildir: %s", err ? err : "?");
    return st;
}

static const eas_folder_t *named(apr_array_header_t *fs, const char *name)
{
    int i;

    for (i = 0; i < fs->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(fs, i, eas_folder_t).name, name) == 0)
            return &APR_ARRAY_IDX(fs, i, eas_folder_t);
    return NULL;
}

static void test_combined(const char *root)
{
    mem_store_t *mem = apr_pcalloc(pool, sizeof(*mem));
    eas_store_t *md = maildir(root), *by_class[EAS_NCLASSES] = { NULL };
    eas_store_t *st = NULL, *m;
    eas_store_ctx_t c = ctx_of();
    apr_array_header_t *fs = NULL, *items;
    const eas_folder_t *f;
    const char *id = NULL, *sub;

    mem->base.backend = &mem_backend;
    by_class[EAS_CLASS_EMAIL] = md;
    by_class[EAS_CLASS_CALENDAR] = &mem->base;
    by_class[EAS_CLASS_CONTACTS] = &mem->base;
    ok(md && eas_mux_open(&st, by_class, NULL, &c) == APR_SUCCESS,
       "combined store opened");
    ok(st && st != md, "two members: a combined store");
    ok(st->backend->folders(st, &fs, pool) == APR_SUCCESS, "folders");
    f = named(fs, "Inbox");
    ok(f && strchr(f->id, '.') == NULL, "mail keeps its ids: %s",
       f ? f->id : "-");
    f = named(fs, "Calendar");
    is_str(f ? f->id : NULL, "t.1", "the calendar member's ids prefixed");
    f = named(fs, "Team");
    is_str(f ? f->parent_id : NULL, "t.1", "and its parents' ids");
    ok(!named(fs, "Tasks"), "a class the member does not serve is left out");

    ok(st->backend->list(st, "t.1", NULL, &items, pool) == APR_SUCCESS
       && strcmp(mem->last_folder, "1") == 0,
       "a listing reaches the member with its own id");
    is_int(st->backend->list(st, "t.7", NULL, &items, pool), APR_ENOENT,
           "an unknown folder of the member");
    is_int(st->backend->list(st, "x.1", NULL, &items, pool), APR_ENOENT,
           "an unknown prefix goes to mail, which has no such folder");
    ok(st->backend->list(st, named(fs, "Inbox")->id, NULL, &items, pool)
       == APR_SUCCESS, "mail is listed by the Maildir");

    ok(st->backend->folder_create(st, "t.1", "Sub", EAS_FOLDER_USER_CALENDAR,
                                  &id, pool) == APR_SUCCESS
       && strcmp(mem->last_folder, "1") == 0,
       "a calendar folder is made by the calendar member");
    is_str(id, "t.9", "its id prefixed");
    is_int(st->backend->folder_create(st, named(fs, "Inbox")->id, "Sub",
                                      EAS_FOLDER_USER_CALENDAR, &id, pool),
           APR_ENOENT, "not under a mail folder");
    is_int(st->backend->folder_create(st, "0", "Todo",
                                      EAS_FOLDER_USER_TASKS, &id, pool),
           APR_ENOTIMPL, "no member serves tasks");
    is_int(st->backend->remove(st, "t.1", "5", "old", pool), EAS_ECONFLICT,
           "a conflict comes back from the member");
    is_str(mem->last_op, "remove 5 if old", "with the token passed on");
    is_int(st->backend->move(st, "t.1", "5", named(fs, "Inbox")->id, &id,
                             pool), APR_ENOTIMPL,
           "no move between members");

    m = eas_store_member(st, "t.1", &sub);
    ok(m == &mem->base && strcmp(sub, "1") == 0,
       "eas_store_member: the member and its id");
    m = eas_store_member(md, "5", &sub);
    ok(m == md && strcmp(sub, "5") == 0, "a plain store is its own member");
}

static void test_single(const char *root)
{
    eas_store_t *md = maildir(root), *by_class[EAS_NCLASSES] = { NULL };
    eas_store_t *st = NULL;
    eas_store_ctx_t c = ctx_of();

    by_class[EAS_CLASS_EMAIL] = md;
    ok(eas_mux_open(&st, by_class, NULL, &c) == APR_SUCCESS && st == md,
       "mail alone: the store itself");
    by_class[EAS_CLASS_EMAIL] = NULL;
    is_int(eas_mux_open(&st, by_class, NULL, &c), APR_EINVAL,
           "no store at all is refused");
}

int main(void)
{
    char tmpl[] = "/tmp/eas-mux-XXXXXX", rm[64];
    const char *dir;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    if (!(dir = mkdtemp(tmpl)))
        return 1;
    test_combined(apr_pstrcat(pool, dir, "/a", NULL));
    test_single(apr_pstrcat(pool, dir, "/b", NULL));
    apr_pool_destroy(pool);
    apr_terminate();
    snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
    if (system(rm) != 0)
        return 1;
    return tap_done();
}
