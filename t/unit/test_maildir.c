/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Maildir++ backend against real Maildirs under a temporary directory:
 * folders and their ids, names, special folders, item ids across renames
 * by other programs, flags, delivery, moves, removal, concurrent uid
 * allocation, search and broken Maildirs.
 */
#include "maildir/maildir_backend.h"
#include "tap.h"

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_hash.h>
#include <apr_thread_proc.h>
#include <apr_strings.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static apr_pool_t *pool;
static char top[64];
static const eas_backend_t *B;
static char last_log[1024];
static int n_logs;

static void log_cb(void *ctx, int level, apr_status_t rv, const char *msg)
{
    (void)ctx;
    (void)level;
    (void)rv;
    apr_cpystrn(last_log, msg, sizeof(last_log));
    n_logs++;
}

static const char *path_of(const char *rel)
{
    return apr_pstrcat(pool, top, "/", rel, NULL);
}

static apr_status_t open_at(const char *root, eas_store_t **st,
                            const char **err)
{
    eas_user_t *u = apr_pcalloc(pool, sizeof(*u));
    eas_store_ctx_t ctx;

    u->login = "user";
    u->params = apr_table_make(pool, 2);
    if (root)
        apr_table_set(u->params, "path", root);
    ctx.pool = pool;
    ctx.log = log_cb;
    ctx.log_ctx = NULL;
    return B->open(st, u, &ctx, err);
}

static eas_store_t *open_ok(const char *root)
{
    eas_store_t *st = NULL;
    const char *err = NULL;
    apr_status_t rv = open_at(root, &st, &err);

    if (rv != APR_SUCCESS)
        tap_diag("open %s: %s", root, err ? err : "?");
    return rv == APR_SUCCESS ? st : NULL;
}

static int exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (!f) {
        tap_diag("cannot write %s: %s", path, strerror(errno));
        return;
    }
    fputs(text, f);
    fclose(f);
}

static void set_mtime(const char *path, long t)
{
    struct timeval tv[2] = { { t, 0 }, { t, 0 } };

    if (utimes(path, tv) < 0)
        tap_diag("utimes %s: %s", path, strerror(errno));
}

static apr_array_header_t *folders(eas_store_t *st)
{
    apr_array_header_t *a = NULL;

    if (B->folders(st, &a, pool) != APR_SUCCESS)
        return apr_array_make(pool, 0, sizeof(eas_folder_t));
    return a;
}

static const eas_folder_t *by_name(eas_store_t *st, const char *parent,
                                   const char *name)
{
    apr_array_header_t *a = folders(st);
    int i;

    for (i = 0; i < a->nelts; i++) {
        const eas_folder_t *f = &APR_ARRAY_IDX(a, i, eas_folder_t);
        if (strcmp(f->name, name) == 0
            && (!parent || strcmp(f->parent_id, parent) == 0))
            return f;
    }
    return NULL;
}

static const char *fid(eas_store_t *st, const char *name)
{
    const eas_folder_t *f = by_name(st, NULL, name);
    return f ? f->id : "none";
}

/* How many listed items the listing's filter left inside. */
static int inside(const apr_array_header_t *l)
{
    int i, n = 0;

    for (i = 0; i < l->nelts; i++)
        n += !APR_ARRAY_IDX(l, i, eas_item_ref_t).outside;
    return n;
}

static apr_array_header_t *list(eas_store_t *st, const char *folder)
{
    apr_array_header_t *a = NULL;

    if (B->list(st, folder, NULL, &a, pool) != APR_SUCCESS)
        return apr_array_make(pool, 0, sizeof(eas_item_ref_t));
    return a;
}

static const eas_item_ref_t *find_item(apr_array_header_t *a, const char *id)
{
    int i;

    for (i = 0; id && i < a->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(a, i, eas_item_ref_t).id, id) == 0)
            return &APR_ARRAY_IDX(a, i, eas_item_ref_t);
    return NULL;
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static const char *add_msg(eas_store_t *st, const char *folder,
                           const char *text, unsigned flags)
{
    eas_blob_t b;
    const char *id = NULL;

    b.data = text;
    b.len = strlen(text);
    if (B->add(st, folder, &b, flags, &id, NULL, pool) != APR_SUCCESS)
        return NULL;
    return id;
}

static int is_digits(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* ------------------------------------------------------------------ */

static void test_open_fresh(void)
{
    const char *root = path_of("fresh");
    eas_store_t *st = open_ok(root), *st2;
    apr_array_header_t *a;
    const eas_folder_t *in, *dr, *se, *tr, *ju;
    int i, ids_ok = 1;

    ok(st != NULL, "open creates a missing Maildir");
    ok(is_dir(apr_pstrcat(pool, root, "/cur", NULL))
       && is_dir(apr_pstrcat(pool, root, "/new", NULL))
       && is_dir(apr_pstrcat(pool, root, "/tmp", NULL)),
       "root has cur/ new/ tmp/");
    ok(is_dir(apr_pstrcat(pool, root, "/.Drafts/cur", NULL))
       && is_dir(apr_pstrcat(pool, root, "/.Sent/new", NULL))
       && is_dir(apr_pstrcat(pool, root, "/.Trash/tmp", NULL))
       && is_dir(apr_pstrcat(pool, root, "/.Junk/cur", NULL)),
       "special folders created as Maildir++ folders");
    ok(exists(apr_pstrcat(pool, root, "/.Sent/maildirfolder", NULL)),
       "folders carry the maildirfolder marker");
    a = folders(st);
    is_int(a->nelts, 5, "five folders");
    in = by_name(st, "0", "Inbox");
    dr = by_name(st, "0", "Drafts");
    se = by_name(st, "0", "Sent");
    tr = by_name(st, "0", "Trash");
    ju = by_name(st, "0", "Junk");
    ok(in && dr && se && tr && ju, "all at the top level");
    if (!(in && dr && se && tr && ju))
        return;
    is_int(in->type, EAS_FOLDER_INBOX, "Inbox type 2");
    is_int(dr->type, EAS_FOLDER_DRAFTS, "Drafts type 3");
    is_int(tr->type, EAS_FOLDER_DELETED, "Trash type 4");
    is_int(se->type, EAS_FOLDER_SENT, "Sent type 5");
    is_int(ju->type, EAS_FOLDER_USER_MAIL, "Junk type 12");
    is_str(APR_ARRAY_IDX(a, 0, eas_folder_t).name, "Inbox",
           "Inbox listed first");
    for (i = 0; i < a->nelts; i++) {
        const eas_folder_t *f = &APR_ARRAY_IDX(a, i, eas_folder_t);
        ids_ok &= eas_id_valid(f->id) && f->cls == EAS_CLASS_EMAIL;
    }
    ok(ids_ok, "ids are well-formed, class email");
    ok(strcmp(in->id, se->id) && strcmp(dr->id, tr->id)
       && strcmp(ju->id, se->id), "ids differ");
    st2 = open_ok(root);
    ok(st2 && strcmp(by_name(st2, "0", "Sent")->id, se->id) == 0
       && strcmp(by_name(st2, "0", "Inbox")->id, in->id) == 0,
       "ids the same after reopening");
    is_int(B->folder_delete(st, se->id, pool), APR_EACCES,
           "deleting Sent refused");
    is_int(B->folder_delete(st, in->id, pool), APR_EACCES,
           "deleting the Inbox refused");
    is_int(B->folder_delete(st, ju->id, pool), APR_EACCES,
           "deleting Junk refused");
    is_int(B->folder_update(st, tr->id, "0", "Bin", pool), APR_EACCES,
           "renaming Trash refused");
    ok(B->send == NULL && B->oof_get == NULL && B->oof_set == NULL,
       "send and OOF left to the module");
}

static void test_dovecot_names(void)
{
    const char *root = path_of("dovecot");
    static const char *const dirs[] = {
        "", "/cur", "/new", "/tmp", "/.Sent Items", "/.Sent Items/cur",
        "/.Deleted Messages", "/.Deleted Messages/cur", "/.Spam",
        "/.Spam/cur", "/.Drafts", "/.Drafts/cur", "/.Archive.2023",
        "/.Archive.2023/cur", "/..hidden", "/.trailing.", "/.a..b",
        "/.INBOX.Lists", "/.INBOX.Lists/cur", "/.Entw&APw-rfe.x",
        "/.Über", "/.bad&name",
    };
    eas_store_t *st;
    const eas_folder_t *f, *arch;
    const char *f_id;
    apr_size_t i;

    for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        mkdir(apr_pstrcat(pool, root, dirs[i], NULL), 0700);
    put_file(apr_pstrcat(pool, root, "/.notadir", NULL), "x");
    st = open_ok(root);
    ok(st != NULL, "existing Dovecot Maildir opens");
    if (!st)
        return;
    f = by_name(st, "0", "Sent Items");
    ok(f && f->type == EAS_FOLDER_SENT, "\"Sent Items\" is the Sent folder");
    f = by_name(st, "0", "Deleted Messages");
    ok(f && f->type == EAS_FOLDER_DELETED,
       "\"Deleted Messages\" is the Trash");
    f = by_name(st, "0", "Spam");
    ok(f && B->folder_delete(st, f->id, pool) == APR_EACCES,
       "\"Spam\" is the Junk folder (special)");
    ok(!exists(apr_pstrcat(pool, root, "/.Sent", NULL))
       && !exists(apr_pstrcat(pool, root, "/.Trash", NULL))
       && !exists(apr_pstrcat(pool, root, "/.Junk", NULL)),
       "no second Sent/Trash/Junk created");
    arch = by_name(st, "0", "Archive");
    f = by_name(st, NULL, "2023");
    ok(arch && f && strcmp(f->parent_id, arch->id) == 0,
       "missing parent .Archive made for .Archive.2023");
    ok(is_dir(apr_pstrcat(pool, root, "/.Archive/cur", NULL)),
       "and it is a real Maildir");
    f = by_name(st, NULL, "Lists");
    ok(f && strcmp(f->parent_id, by_name(st, "0", "Inbox")->id) == 0,
       ".INBOX.Lists is under the Inbox");
    ok(by_name(st, "0", "Entwürfe") && by_name(st, NULL, "x")
       && strcmp(by_name(st, NULL, "x")->parent_id,
                 by_name(st, "0", "Entwürfe")->id) == 0,
       "modified UTF-7 names decoded, parent made");
    ok(by_name(st, "0", "Über") != NULL,
       "a name written in UTF-8 (not modified UTF-7) shown as it is");
    ok(by_name(st, "0", "bad&name") != NULL,
       "a malformed shift sequence shown as it is");
    is_int(B->folder_create(st, "0", "Über", EAS_FOLDER_USER_MAIL, &f_id,
                            pool), APR_EEXIST,
           "creating it again in modified UTF-7: EEXIST");
    ok(!by_name(st, NULL, "hidden") && !by_name(st, NULL, "trailing")
       && !by_name(st, NULL, "a") && !by_name(st, NULL, "b")
       && !by_name(st, NULL, "notadir") && !by_name(st, NULL, "INBOX"),
       "odd directory names and files ignored");
}

static void test_names(eas_store_t *st, const char *root)
{
    static const struct { const char *utf8, *disk; } cases[] = {
        { "Entwürfe", ".Entw&APw-rfe" },
        { "日本語", ".&ZeVnLIqe-" },
        { "Tom & Jerry", ".Tom &- Jerry" },
        { "🎉 party", ".&2DzfiQ- party" },
        { "~user", ".~user" },
    };
    static const char *const bad[] = {
        "../x", "a/b", ".", "..", ".hidden", "a.b", "", "x\ny", "\x01",
        "\xff\xfe", "\xc0\xaf", "\xed\xa0\x80", "/etc",
    };
    const char *id;
    char longname[300];
    apr_size_t i;
    int all;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        id = NULL;
        is_int(B->folder_create(st, "0", cases[i].utf8, EAS_FOLDER_USER_MAIL,
                                &id, pool), APR_SUCCESS,
               "create \"%s\"", cases[i].utf8);
        ok(is_dir(apr_pstrcat(pool, root, "/", cases[i].disk, "/cur", NULL)),
           "  on disk as \"%s\"", cases[i].disk);
        ok(id && by_name(st, "0", cases[i].utf8)
           && strcmp(by_name(st, "0", cases[i].utf8)->id, id) == 0,
           "  listed under its UTF-8 name with the new id");
    }
    is_int(B->folder_create(st, "0", "Entwürfe", EAS_FOLDER_USER_MAIL, &id,
                            pool), APR_EEXIST, "same name again: EEXIST");
    is_int(B->folder_create(st, "0", "inbox", EAS_FOLDER_USER_MAIL, &id,
                            pool), APR_EEXIST, "\"inbox\" at the top: EEXIST");
    all = 1;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        apr_status_t rv = B->folder_create(st, "0", bad[i],
                                           EAS_FOLDER_USER_MAIL, &id, pool);
        if (rv != APR_EINVAL) {
            tap_diag("name %zu gave %d", i, rv);
            all = 0;
        }
    }
    ok(all, "names with '.', '/', controls, bad UTF-8 refused (EINVAL)");
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    is_int(B->folder_create(st, "0", longname, EAS_FOLDER_USER_MAIL, &id,
                            pool), APR_EINVAL, "300-byte name refused");
    for (i = 0; i < 90; i++)
        memcpy(longname + 3 * i, "日", 3);
    longname[270] = '\0';
    is_int(B->folder_create(st, "0", longname, EAS_FOLDER_USER_MAIL, &id,
                            pool), APR_EINVAL,
           "name too long once encoded refused");
    longname[3 * 40] = '\0';
    is_int(B->folder_create(st, "0", longname, EAS_FOLDER_USER_MAIL, &id,
                            pool), APR_SUCCESS, "40 CJK characters fit");
    ok(!exists(path_of("x")) && !exists(apr_pstrcat(pool, root, "/x", NULL))
       && !exists(apr_pstrcat(pool, root, "/.x", NULL)),
       "nothing created outside the Maildir or as a stray name");
    is_int(B->folder_create(st, "../..", "x", EAS_FOLDER_USER_MAIL, &id,
                            pool), APR_ENOENT, "parent id \"../..\": ENOENT");
    is_int(B->folder_create(st, "0", "Calendar", EAS_FOLDER_USER_CALENDAR,
                            &id, pool), APR_ENOTIMPL,
           "a calendar folder: ENOTIMPL");
    is_int(B->folder_delete(st, "..", pool), APR_ENOENT,
           "delete id \"..\": ENOENT");
    is_int(B->folder_delete(st, "/etc", pool), APR_ENOENT,
           "delete id \"/etc\": ENOENT");
    is_int(B->folder_update(st, "../1", "0", "y", pool), APR_ENOENT,
           "update id \"../1\": ENOENT");
}

static void test_hierarchy(eas_store_t *st, const char *root)
{
    const char *p_id = NULL, *c_id = NULL, *g_id = NULL, *x_id = NULL;
    const char *in_id = fid(st, "Inbox"), *sub_id = NULL, *n_id = NULL;
    const eas_folder_t *f;
    long max_before = 0;
    apr_array_header_t *a;
    int i;

    is_int(B->folder_create(st, "0", "Parent", EAS_FOLDER_USER_MAIL, &p_id,
                            pool), APR_SUCCESS, "create Parent");
    is_int(B->folder_create(st, p_id, "Child", EAS_FOLDER_GENERIC, &c_id,
                            pool), APR_SUCCESS, "create Child under it");
    is_int(B->folder_create(st, c_id, "Grand", EAS_FOLDER_USER_MAIL, &g_id,
                            pool), APR_SUCCESS, "create Grand under that");
    ok(is_dir(apr_pstrcat(pool, root, "/.Parent.Child.Grand", NULL)),
       "on disk .Parent.Child.Grand");
    f = by_name(st, NULL, "Grand");
    ok(f && strcmp(f->parent_id, c_id) == 0, "Grand's parent is Child");
    is_int(B->folder_create(st, in_id, "Sub", EAS_FOLDER_USER_MAIL, &sub_id,
                            pool), APR_SUCCESS, "create under the Inbox");
    ok(is_dir(apr_pstrcat(pool, root, "/.INBOX.Sub", NULL))
       && (f = by_name(st, NULL, "Sub")) && strcmp(f->parent_id, in_id) == 0,
       "as .INBOX.Sub, parent the Inbox");
    a = folders(st);
    for (i = 0; i < a->nelts; i++) {
        const eas_folder_t *g = &APR_ARRAY_IDX(a, i, eas_folder_t);
        int j, seen = strcmp(g->parent_id, "0") == 0;
        for (j = 0; j < i; j++)
            seen |= strcmp(APR_ARRAY_IDX(a, j, eas_folder_t).id,
                           g->parent_id) == 0;
        if (!seen)
            break;
    }
    is_int(i, a->nelts, "parents listed before children");

    /* Another program renames folder directories. */
    ok(rename(apr_pstrcat(pool, root, "/.Parent", NULL),
              apr_pstrcat(pool, root, "/.Renamed", NULL)) == 0
       && rename(apr_pstrcat(pool, root, "/.Parent.Child", NULL),
                 apr_pstrcat(pool, root, "/.Renamed.Kid", NULL)) == 0
       && rename(apr_pstrcat(pool, root, "/.Parent.Child.Grand", NULL),
                 apr_pstrcat(pool, root, "/.Renamed.Kid.Grand", NULL)) == 0,
       "renamed outside (like an IMAP RENAME by Dovecot)");
    f = by_name(st, "0", "Renamed");
    ok(f && strcmp(f->id, p_id) == 0, "Parent keeps its id as Renamed");
    f = by_name(st, NULL, "Kid");
    ok(f && strcmp(f->id, c_id) == 0 && strcmp(f->parent_id, p_id) == 0,
       "Child keeps its id as Kid, under the same parent");
    f = by_name(st, NULL, "Grand");
    ok(f && strcmp(f->id, g_id) == 0, "Grand keeps its id");

    /* A copy of a folder directory, id file included. */
    mkdir(apr_pstrcat(pool, root, "/.Copy", NULL), 0700);
    {
        char *data = NULL;
        apr_size_t len = 0;
        apr_file_t *fh;
        if (apr_file_open(&fh, apr_pstrcat(pool, root, "/.Renamed/eas-folderid",
                                           NULL), APR_READ, 0, pool) == 0) {
            data = apr_pcalloc(pool, 64);
            len = 63;
            apr_file_read(fh, data, &len);
            apr_file_close(fh);
        }
        put_file(apr_pstrcat(pool, root, "/.Copy/eas-folderid", NULL),
                 data ? data : "");
    }
    f = by_name(st, "0", "Copy");
    ok(f && strcmp(f->id, p_id) != 0, "a copied folder gets its own id");
    f = by_name(st, "0", "Renamed");
    ok(f && strcmp(f->id, p_id) == 0, "the original keeps its id");

    /* Rename and move through the interface. */
    is_int(B->folder_update(st, p_id, "0", "Moved", pool), APR_SUCCESS,
           "rename Renamed to Moved");
    ok(is_dir(apr_pstrcat(pool, root, "/.Moved.Kid.Grand", NULL))
       && !exists(apr_pstrcat(pool, root, "/.Renamed.Kid", NULL)),
       "subfolders follow on disk");
    f = by_name(st, NULL, "Grand");
    ok(f && strcmp(f->id, g_id) == 0, "and keep their ids");
    is_int(B->folder_update(st, p_id, g_id, "Loop", pool), APR_EINVAL,
           "move under its own grandchild: EINVAL");
    is_int(B->folder_update(st, p_id, p_id, "Self", pool), APR_EINVAL,
           "move under itself: EINVAL");
    is_int(B->folder_update(st, c_id, "0", "Copy", pool), APR_EEXIST,
           "rename onto an existing name: EEXIST");
    is_int(B->folder_update(st, c_id, "0", "a.b", pool), APR_EINVAL,
           "rename to a name with '.': EINVAL");
    is_int(B->folder_update(st, "999999", "0", "z", pool), APR_ENOENT,
           "rename a missing folder: ENOENT");
    is_int(B->folder_update(st, c_id, "999999", "z", pool), APR_ENOENT,
           "move under a missing parent: ENOENT");
    is_int(B->folder_update(st, c_id, in_id, "Kid", pool), APR_SUCCESS,
           "move Kid under the Inbox");
    ok(is_dir(apr_pstrcat(pool, root, "/.INBOX.Kid.Grand", NULL))
       && (f = by_name(st, NULL, "Kid")) && strcmp(f->parent_id, in_id) == 0
       && strcmp(f->id, c_id) == 0, "as .INBOX.Kid, same id");
    is_int(B->folder_update(st, c_id, "0", "Kid", pool), APR_SUCCESS,
           "and back to the top");

    /* Delete: subfolders too; ids never come back. */
    a = folders(st);
    for (i = 0; i < a->nelts; i++)
        if (atol(APR_ARRAY_IDX(a, i, eas_folder_t).id) > max_before)
            max_before = atol(APR_ARRAY_IDX(a, i, eas_folder_t).id);
    is_int(B->folder_delete(st, c_id, pool), APR_SUCCESS, "delete Kid");
    ok(!by_name(st, NULL, "Kid") && !by_name(st, NULL, "Grand")
       && !exists(apr_pstrcat(pool, root, "/.Kid", NULL))
       && !exists(apr_pstrcat(pool, root, "/.Kid.Grand", NULL)),
       "Kid and Grand gone");
    is_int(count_files(apr_pstrcat(pool, root, "/tmp", NULL)), 0,
           "nothing left in tmp/");
    is_int(B->folder_delete(st, c_id, pool), APR_ENOENT,
           "delete it again: ENOENT");
    is_int(B->folder_create(st, "0", "Kid", EAS_FOLDER_USER_MAIL, &x_id,
                            pool), APR_SUCCESS, "create Kid anew");
    ok(x_id && atol(x_id) > max_before, "with a never-used id (%s > %ld)",
       x_id ? x_id : "-", max_before);
    is_int(B->folder_create(st, x_id, "N", EAS_FOLDER_USER_MAIL, &n_id,
                            pool), APR_SUCCESS, "subfolder of it");
    rmdir(apr_pstrcat(pool, root, "/.Kid/cur", NULL));
    rmdir(apr_pstrcat(pool, root, "/.Kid/tmp", NULL));
    ok(add_msg(st, x_id, "Subject: s\r\n\r\n", 0) != NULL
       && is_dir(apr_pstrcat(pool, root, "/.Kid/cur", NULL)),
       "delivery into a folder that lost cur/ and tmp/ restores them");
}

static const char *msg_text(const char *subject, const char *from,
                            const char *body)
{
    return apr_psprintf(pool, "From: %s\r\nTo: bob@example.org\r\n"
                        "Subject: %s\r\nMessage-ID: <%s@x>\r\n\r\n%s\r\n",
                        from, subject, subject, body);
}

static void test_items(eas_store_t *st, const char *root)
{
    const char *in = fid(st, "Inbox"), *tr = fid(st, "Trash");
    const char *a, *b, *c, *ext, *tok = NULL, *name, *cur, *newd;
    apr_array_header_t *l;
    const eas_item_ref_t *r;
    eas_item_ref_t ref;
    eas_blob_t blob;
    const char *text = msg_text("first", "alice@example.org", "one");

    cur = apr_pstrcat(pool, root, "/cur", NULL);
    newd = apr_pstrcat(pool, root, "/new", NULL);
    a = add_msg(st, in, text, EAS_ITEM_READ);
    b = add_msg(st, in, msg_text("second", "b@x", "two"),
                EAS_ITEM_FLAGGED | EAS_ITEM_ANSWERED);
    c = add_msg(st, in, msg_text("third", "c@x", "three"), 0);
    ok(a && b && c && is_digits(a) && is_digits(b) && is_digits(c)
       && strlen(a) <= EAS_ID_MAX, "add returns numeric ids");
    ok(a && b && c && strcmp(a, b) && strcmp(b, c), "distinct ids");
    is_int(B->stat(st, in, b, &ref, pool), APR_SUCCESS,
           "stat right after add");
    ok(ref.flags == (EAS_ITEM_FLAGGED | EAS_ITEM_ANSWERED)
       && ref.size == (apr_off_t)strlen(msg_text("second", "b@x", "two")),
       "with the flags and size given");
    is_int(count_files(cur), 3, "delivered into cur/");
    is_int(count_files(apr_pstrcat(pool, root, "/tmp", NULL)), 0,
           "tmp/ left empty");
    l = list(st, in);
    is_int(l->nelts, 3, "three listed");
    r = find_item(l, b);
    ok(r && r->flags == (EAS_ITEM_FLAGGED | EAS_ITEM_ANSWERED)
       && strcmp(r->token, "FR") == 0, "flags and token of the second");
    r = find_item(l, c);
    ok(r && r->flags == 0 && r->token && *r->token, "unflagged token \"%s\"",
       r ? r->token : "");
    is_str(APR_ARRAY_IDX(l, 0, eas_item_ref_t).id, c, "newest first");
    r = find_item(l, a);
    ok(r && r->size == (apr_off_t)strlen(text), "size is the file size");
    ok(r && r->time > apr_time_now() - apr_time_from_sec(60)
       && r->time <= apr_time_now(), "time is the delivery time");
    is_int(B->fetch(st, in, a, &blob, pool), APR_SUCCESS, "fetch");
    is_mem(blob.data, blob.len, text, strlen(text), "fetch gives the bytes");
    is_int(B->stat(st, in, b, &ref, pool), APR_SUCCESS, "stat");
    is_str(ref.token, "FR", "stat token");

    /* A delivery by another program into new/, then its renames. */
    name = "1700000000.M1P99.otherhost,S=19";
    put_file(apr_pstrcat(pool, newd, "/", name, NULL), "Subject: ext\r\n\r\nx\r\n");
    set_mtime(apr_pstrcat(pool, newd, "/", name, NULL), 1700000000);
    l = list(st, in);
    is_int(l->nelts, 4, "external delivery in new/ listed");
    ext = NULL;
    {
        int i;
        for (i = 0; i < l->nelts; i++) {
            const eas_item_ref_t *x = &APR_ARRAY_IDX(l, i, eas_item_ref_t);
            if (strcmp(x->id, a) && strcmp(x->id, b) && strcmp(x->id, c))
                ext = x->id;
        }
    }
    ok(ext && is_digits(ext), "it has an id");
    r = find_item(l, ext);
    ok(r && r->size == 19 && r->flags == 0, "size 19, no flags");
    is_str(APR_ARRAY_IDX(l, l->nelts - 1, eas_item_ref_t).id, ext,
           "it is the oldest (time from mtime)");
    ok(rename(apr_pstrcat(pool, newd, "/", name, NULL),
              apr_pstrcat(pool, cur, "/", name, ":2,", NULL)) == 0,
       "moved new/ -> cur/ outside");
    r = find_item(list(st, in), ext);
    ok(r && r->flags == 0, "same id after new/ -> cur/");
    rename(apr_pstrcat(pool, cur, "/", name, ":2,", NULL),
           apr_pstrcat(pool, cur, "/", name, ":2,S", NULL));
    r = find_item(list(st, in), ext);
    ok(r && r->flags == EAS_ITEM_READ && strcmp(r->token, "S") == 0,
       "same id after a flag change outside; token \"S\"");
    rename(apr_pstrcat(pool, cur, "/", name, ":2,S", NULL),
           apr_pstrcat(pool, cur, "/", name, ":2,FPSTa", NULL));
    r = find_item(list(st, in), ext);
    ok(r && strcmp(r->token, "FPS") == 0
       && r->flags == (EAS_ITEM_READ | EAS_ITEM_FLAGGED | EAS_ITEM_FORWARDED),
       "Flagged and Passed seen (token \"%s\")", r ? r->token : "");

    /* Flags through the interface keep T and keywords, sorted. */
    is_int(B->set_flags(st, in, ext, EAS_ITEM_ANSWERED, EAS_ITEM_FLAGGED,
                        &tok, pool), APR_SUCCESS, "set_flags");
    is_str(tok, "PRS", "new token");
    ok(exists(apr_pstrcat(pool, cur, "/", name, ":2,PRSTa", NULL)),
       "renamed to :2,PRSTa");
    is_int(B->set_flags(st, in, ext, 0, EAS_ITEM_READ | EAS_ITEM_ANSWERED
                        | EAS_ITEM_FORWARDED, &tok, pool), APR_SUCCESS,
           "clear all");
    ok(exists(apr_pstrcat(pool, cur, "/", name, ":2,Ta", NULL)),
       "renamed to :2,Ta");
    r = find_item(list(st, in), ext);
    ok(r && r->flags == 0 && strcmp(r->token, tok) == 0,
       "listing agrees with the token");
    /* A stale cached name: another program renamed it meanwhile. */
    rename(apr_pstrcat(pool, cur, "/", name, ":2,Ta", NULL),
           apr_pstrcat(pool, cur, "/", name, ":2,DT", NULL));
    is_int(B->set_flags(st, in, ext, EAS_ITEM_READ, 0, &tok, pool),
           APR_SUCCESS, "set_flags after an outside rename");
    ok(exists(apr_pstrcat(pool, cur, "/", name, ":2,DST", NULL)),
       "found it again: :2,DST");
    is_int(B->fetch(st, in, ext, &blob, pool), APR_SUCCESS, "fetch it");
    is_int(blob.len, 19, "19 bytes");

    /* Vanished under us. */
    unlink(apr_pstrcat(pool, cur, "/", name, ":2,DST", NULL));
    is_int(B->fetch(st, in, ext, &blob, pool), APR_ENOENT, "fetch: ENOENT");
    is_int(B->set_flags(st, in, ext, EAS_ITEM_READ, 0, &tok, pool),
           APR_ENOENT, "set_flags: ENOENT");
    is_int(B->remove(st, in, ext, NULL, pool), APR_ENOENT, "remove: ENOENT");
    is_int(B->stat(st, in, ext, &ref, pool), APR_ENOENT, "stat: ENOENT");
    is_int(B->fetch(st, in, "../../../etc/passwd", &blob, pool), APR_ENOENT,
           "an item id that is a path: ENOENT");
    is_int(B->fetch(st, in, "007", &blob, pool), APR_ENOENT,
           "leading zeros: ENOENT");
    is_int(B->fetch(st, "../..", a, &blob, pool), APR_ENOENT,
           "a folder id that is a path: ENOENT");

    /* Odd things in the folder are ignored. */
    put_file(apr_pstrcat(pool, root, "/tmp/1700000001.M2P1.h", NULL), "x");
    put_file(apr_pstrcat(pool, cur, "/.hidden:2,S", NULL), "x");
    put_file(apr_pstrcat(pool, cur, "/:2,S", NULL), "x");
    put_file(apr_pstrcat(pool, cur, "/bad\nname:2,S", NULL), "x");
    mkdir(apr_pstrcat(pool, cur, "/adir", NULL), 0700);
    symlink("/etc/passwd", apr_pstrcat(pool, cur, "/link:2,S", NULL));
    is_int(list(st, in)->nelts, 3, "tmp/, dotfiles, dirs, symlinks, "
           "odd names ignored");
    unlink(apr_pstrcat(pool, cur, "/.hidden:2,S", NULL));
    unlink(apr_pstrcat(pool, cur, "/:2,S", NULL));
    unlink(apr_pstrcat(pool, cur, "/bad\nname:2,S", NULL));
    unlink(apr_pstrcat(pool, cur, "/link:2,S", NULL));
    rmdir(apr_pstrcat(pool, cur, "/adir", NULL));

    /* since: every item listed, those before it outside */
    l = NULL;
    {
        eas_filter_t f = { apr_time_now() + apr_time_from_sec(3600), 0 };
        B->list(st, in, &f, &l, pool);
        ok(l && l->nelts == 3 && inside(l) == 0,
           "since in the future: all three listed, none inside");
        f.since = apr_time_now() - apr_time_from_sec(3600);
        l = NULL;
        B->list(st, in, &f, &l, pool);
        ok(l && inside(l) == 3, "since an hour ago: all three inside");
    }

    /* move, remove, ids never reused */
    {
        const char *moved = NULL, *d;
        apr_array_header_t *tl;
        list(st, tr);           /* the target's scan is cached */
        is_int(B->move(st, in, b, tr, &moved, pool), APR_SUCCESS, "move");
        ok(moved && is_digits(moved), "new id in the target");
        is_int(B->stat(st, tr, moved, &ref, pool), APR_SUCCESS,
               "stat in the target right after the move");
        is_str(ref.token, "FR", "token travels");
        tl = list(st, tr);
        r = find_item(tl, moved);
        ok(r && r->flags == (EAS_ITEM_FLAGGED | EAS_ITEM_ANSWERED),
           "flags travel");
        ok(!find_item(list(st, in), b), "gone from the source");
        is_int(B->fetch(st, tr, moved, &blob, pool), APR_SUCCESS,
               "fetch from the target");
        ok(blob.len > 0 && strstr(blob.data, "Subject: second"),
           "same message");
        is_int(B->move(st, in, b, tr, &moved, pool), APR_ENOENT,
               "move it again: ENOENT");
        is_int(B->move(st, in, a, in, &moved, pool), APR_EINVAL,
               "move to the same folder: EINVAL");
        is_int(B->move(st, in, a, "424242", &moved, pool), APR_ENOENT,
               "move to a missing folder: ENOENT");
        is_int(B->remove(st, in, c, NULL, pool), APR_SUCCESS, "remove");
        ok(!find_item(list(st, in), c), "removed");
        d = add_msg(st, in, msg_text("fourth", "d@x", "four"), 0);
        ok(d && atol(d) > atol(c) && atol(d) > atol(ext),
           "a new message gets a new id (%s)", d ? d : "-");
        is_int(B->replace(st, in, a, &blob, NULL, NULL, pool), APR_ENOTIMPL,
               "replace: ENOTIMPL for mail");
    }

    /* empty, with and without subfolders */
    {
        const char *sub = NULL, *e1;
        B->folder_create(st, tr, "Old", EAS_FOLDER_USER_MAIL, &sub, pool);
        e1 = add_msg(st, sub, msg_text("old", "o@x", "old"), 0);
        ok(sub && e1, "a subfolder of Trash with a message");
        add_msg(st, tr, msg_text("t2", "t@x", "t"), 0);
        is_int(B->empty(st, tr, 0, pool), APR_SUCCESS, "empty Trash");
        is_int(list(st, tr)->nelts, 0, "Trash is empty");
        ok(by_name(st, NULL, "Old") && list(st, sub)->nelts == 1,
           "its subfolder is untouched");
        is_int(B->empty(st, tr, 1, pool), APR_SUCCESS,
               "empty Trash with subfolders");
        ok(!by_name(st, NULL, "Old")
           && !exists(apr_pstrcat(pool, root, "/.Trash.Old", NULL)),
           "subfolder deleted");
        ok(by_name(st, "0", "Trash") != NULL, "Trash itself stays");
    }
}

/* Lost uid list: new ids must not collide with ones given before. */
static void test_lost_uidlist(eas_store_t *st, const char *root)
{
    const char *f = NULL, *a, *b;
    apr_array_header_t *l;
    const char *dir;

    B->folder_create(st, "0", "Lost", EAS_FOLDER_USER_MAIL, &f, pool);
    a = add_msg(st, f, msg_text("l1", "x@x", "1"), 0);
    b = add_msg(st, f, msg_text("l2", "x@x", "2"), 0);
    is_str(a, "1", "a fresh folder numbers from 1");
    is_str(b, "2", "then 2");
    dir = apr_pstrcat(pool, root, "/.Lost", NULL);
    unlink(apr_pstrcat(pool, dir, "/eas-uidlist", NULL));
    l = list(st, f);
    is_int(l->nelts, 2, "both listed after losing the uid list");
    ok(l->nelts == 2 && !find_item(l, "1") && !find_item(l, "2"),
       "with ids that were never given out");
    put_file(apr_pstrcat(pool, dir, "/eas-uidlist", NULL), "garbage\n");
    n_logs = 0;
    l = NULL;
    ok(B->list(st, f, NULL, &l, pool) != APR_SUCCESS && n_logs > 0
       && strstr(last_log, "eas-uidlist"),
       "a corrupt uid list is an error, logged: %s", last_log);
    unlink(apr_pstrcat(pool, dir, "/eas-uidlist", NULL));
}

/* Two processes add, deliver and list at once. */
static void test_concurrent(const char *root)
{
    enum { PER_CHILD = 150 };
    pid_t kids[2];
    int k, bad = 0, total;
    eas_store_t *st;
    apr_array_header_t *l;
    apr_hash_t *seen;
    const char *in;

    for (k = 0; k < 2; k++) {
        if ((kids[k] = fork()) == 0) {
            eas_store_t *cs;
            FILE *out;
            int i;
            apr_pool_create(&pool, NULL);
            cs = open_ok(root);
            out = fopen(apr_psprintf(pool, "%s/ids.%d", top, k), "w");
            if (!cs || !out)
                _exit(2);
            for (i = 0; i < 5; i++) {
                const char *nid;
                if (B->folder_create(cs, "0", apr_psprintf(pool, "c%d-%d", k, i),
                                     EAS_FOLDER_USER_MAIL, &nid, pool))
                    _exit(4);
            }
            for (i = 0; i < PER_CHILD; i++) {
                const char *tag = apr_psprintf(pool, "child%d-msg%d", k, i);
                const char *id = add_msg(cs, fid(cs, "Inbox"),
                                         msg_text(tag, "x@x", tag), 0);
                fprintf(out, "%s %s\n", id ? id : "-", tag);
                if (i % 10 == 0) {
                    /* and a delivery by "another program" */
                    put_file(apr_psprintf(pool, "%s/new/%d.ext%d-%d.h", root,
                                          1600000000 + i, k, i),
                             apr_psprintf(pool, "Subject: ext%d-%d\n\n", k, i));
                    list(cs, fid(cs, "Inbox"));
                }
            }
            fclose(out);
            _exit(0);
        }
    }
    for (k = 0; k < 2; k++) {
        int status = -1;
        waitpid(kids[k], &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            bad++;
    }
    is_int(bad, 0, "both processes finished");
    st = open_ok(root);
    in = fid(st, "Inbox");
    l = folders(st);
    seen = apr_hash_make(pool);
    for (k = 0; k < l->nelts; k++) {
        const char *id = APR_ARRAY_IDX(l, k, eas_folder_t).id;
        if (apr_hash_get(seen, id, APR_HASH_KEY_STRING))
            bad++;
        apr_hash_set(seen, id, APR_HASH_KEY_STRING, id);
    }
    ok(l->nelts == 15 && bad == 0,
       "opened fresh by both at once: 5 + 10 folders, distinct ids (%d)",
       l->nelts);
    l = list(st, in);
    total = 2 * PER_CHILD + 2 * (PER_CHILD / 10);
    is_int(l->nelts, total, "every message listed once (%d)", total);
    seen = apr_hash_make(pool);
    for (k = 0; k < l->nelts; k++) {
        const char *id = APR_ARRAY_IDX(l, k, eas_item_ref_t).id;
        if (apr_hash_get(seen, id, APR_HASH_KEY_STRING))
            bad++;
        apr_hash_set(seen, id, APR_HASH_KEY_STRING, id);
    }
    is_int(bad, 0, "no id given twice");
    for (k = 0; k < 2; k++) {
        FILE *in_f = fopen(apr_psprintf(pool, "%s/ids.%d", top, k), "r");
        char id[64], tag[64];
        int n = 0, good = 0;
        while (in_f && fscanf(in_f, "%63s %63s", id, tag) == 2) {
            eas_blob_t blob;
            n++;
            if (B->fetch(st, in, id, &blob, pool) == APR_SUCCESS
                && strstr(blob.data, apr_pstrcat(pool, "Subject: ", tag,
                                                 "\r\n", NULL)))
                good++;
        }
        if (in_f)
            fclose(in_f);
        ok(n == PER_CHILD && good == n,
           "process %d: each id it was given fetches its message (%d/%d)",
           k, good, n);
    }
}

/* Two threads of one process: the uid lock must exclude them too. */
typedef struct {
    const char *root;
    int n;
    apr_array_header_t *ids;
    apr_pool_t *p;
} thr_t;

static void *APR_THREAD_FUNC adder(apr_thread_t *t, void *data)
{
    thr_t *x = data;
    eas_user_t *u = apr_pcalloc(x->p, sizeof(*u));
    eas_store_ctx_t ctx = { x->p, NULL, NULL, NULL };
    eas_store_t *st;
    const char *err, *in = NULL, *id;
    apr_array_header_t *fs;
    int i;

    u->params = apr_table_make(x->p, 1);
    apr_table_set(u->params, "path", x->root);
    if (B->open(&st, u, &ctx, &err) == APR_SUCCESS
        && B->folders(st, &fs, x->p) == APR_SUCCESS)
        in = APR_ARRAY_IDX(fs, 0, eas_folder_t).id;
    for (i = 0; in && i < x->n; i++) {
        eas_blob_t b;
        apr_array_header_t *l;
        b.data = "Subject: t\r\n\r\nx\r\n";
        b.len = strlen(b.data);
        if (B->add(st, in, &b, 0, &id, NULL, x->p) == APR_SUCCESS)
            APR_ARRAY_PUSH(x->ids, const char *) = id;
        if (i % 20 == 0)
            B->list(st, in, NULL, &l, x->p);
    }
    /* Returning, not apr_thread_exit(): pthread_exit() upsets ASan. */
    (void)t;
    return NULL;
}

static void test_threads(const char *root)
{
    apr_thread_t *t[2];
    thr_t x[2];
    apr_hash_t *seen = apr_hash_make(pool);
    apr_status_t trv;
    int k, i, dup = 0, n = 0;

    open_ok(root);
    for (k = 0; k < 2; k++) {
        apr_pool_create(&x[k].p, NULL);
        x[k].root = root;
        x[k].n = 100;
        x[k].ids = apr_array_make(x[k].p, 100, sizeof(const char *));
        apr_thread_create(&t[k], NULL, adder, &x[k], pool);
    }
    for (k = 0; k < 2; k++)
        apr_thread_join(&trv, t[k]);
    for (k = 0; k < 2; k++) {
        for (i = 0; i < x[k].ids->nelts; i++, n++) {
            const char *id = APR_ARRAY_IDX(x[k].ids, i, const char *);
            dup += apr_hash_get(seen, id, APR_HASH_KEY_STRING) != NULL;
            apr_hash_set(seen, apr_pstrdup(pool, id), APR_HASH_KEY_STRING, "");
        }
    }
    is_int(n, 200, "two threads added 200 messages");
    is_int(dup, 0, "no id given twice between threads");
    is_int(list(open_ok(root), fid(open_ok(root), "Inbox"))->nelts, 200,
           "200 listed");
    for (k = 0; k < 2; k++)
        apr_pool_destroy(x[k].p);
}

/* Dead lines are dropped once the folder is quiet; live ids stay. */
static void test_compaction(const char *root)
{
    eas_store_t *st = open_ok(root);
    const char *in;
    apr_array_header_t *l;
    char p[512];
    long max = 0;
    int i, lines = 0, same = 1;
    apr_hash_t *before = apr_hash_make(pool);
    struct timeval old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

    if (!st)
        return;
    in = fid(st, "Inbox");
    for (i = 0; i < 1300; i++) {
        snprintf(p, sizeof(p), "%s/cur/%d.c%d.h:2,S", root, 1400000000 + i, i);
        put_file(p, "Subject: c\n\nx\n");
    }
    l = list(st, in);
    is_int(l->nelts, 1300, "1300 messages");
    for (i = 0; i < l->nelts; i++)
        if (atol(APR_ARRAY_IDX(l, i, eas_item_ref_t).id) > max)
            max = atol(APR_ARRAY_IDX(l, i, eas_item_ref_t).id);
    for (i = 0; i < 1250; i++) {
        snprintf(p, sizeof(p), "%s/cur/%d.c%d.h:2,S", root, 1400000000 + i, i);
        unlink(p);
    }
    l = list(st, in);
    is_int(l->nelts, 50, "1250 removed outside");
    for (i = 0; i < l->nelts; i++)
        apr_hash_set(before, APR_ARRAY_IDX(l, i, eas_item_ref_t).id,
                     APR_HASH_KEY_STRING, "");
    utimes(apr_pstrcat(pool, root, "/cur", NULL), old);
    utimes(apr_pstrcat(pool, root, "/new", NULL), old);
    l = list(st, in);
    for (i = 0; i < l->nelts; i++)
        same &= apr_hash_get(before, APR_ARRAY_IDX(l, i, eas_item_ref_t).id,
                             APR_HASH_KEY_STRING) != NULL;
    ok(l->nelts == 50 && same, "the 50 keep their ids");
    {
        FILE *fh = fopen(apr_pstrcat(pool, root, "/eas-uidlist", NULL), "r");
        char line[512];
        while (fh && fgets(line, sizeof(line), fh))
            lines++;
        if (fh)
            fclose(fh);
    }
    is_int(lines, 51, "uid list rewritten with the live ones only");
    snprintf(p, sizeof(p), "%s/cur/1500000000.after.h:2,", root);
    put_file(p, "Subject: after\n\nx\n");
    l = list(st, in);
    ok(l->nelts == 51 && atol(APR_ARRAY_IDX(l, 0, eas_item_ref_t).id) > max,
       "a new message after compaction gets a new id (%s)",
       l->nelts ? APR_ARRAY_IDX(l, 0, eas_item_ref_t).id : "-");
}

static void test_list_speed(void)
{
    enum { N = 10000 };
    const char *root = path_of("big");
    eas_store_t *st = open_ok(root);
    apr_array_header_t *l = NULL;
    struct timeval t0, t1;
    double first, second, third;
    int i, order = 1;
    const char *in;

    if (!st)
        return;
    in = fid(st, "Inbox");
    for (i = 0; i < N; i++) {
        char p[256];
        int fd;
        snprintf(p, sizeof(p), "%s/cur/%d.M%dP1.bench,S=100:2,%s", root,
                 1500000000 + i, i, i % 3 ? "S" : "");
        if ((fd = open(p, O_WRONLY | O_CREAT, 0600)) >= 0) {
            struct timeval tv[2] = { { 1500000000 + i, 0 },
                                     { 1500000000 + i, 0 } };
            futimes(fd, tv);
            close(fd);
        }
    }
    gettimeofday(&t0, NULL);
    B->list(st, in, NULL, &l, pool);
    gettimeofday(&t1, NULL);
    first = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_usec - t0.tv_usec) / 1e3;
    is_int(l ? l->nelts : -1, N, "10,000 messages listed");
    for (i = 1; l && i < l->nelts; i++)
        if (APR_ARRAY_IDX(l, i - 1, eas_item_ref_t).time
            < APR_ARRAY_IDX(l, i, eas_item_ref_t).time)
            order = 0;
    ok(order, "newest first");
    st = open_ok(root);         /* a new request */
    gettimeofday(&t0, NULL);
    B->list(st, in, NULL, &l, pool);
    gettimeofday(&t1, NULL);
    second = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_usec - t0.tv_usec) / 1e3;
    gettimeofday(&t0, NULL);
    B->list(st, in, NULL, &l, pool);
    gettimeofday(&t1, NULL);
    third = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_usec - t0.tv_usec) / 1e3;
    is_int(l ? l->nelts : -1, N, "listed again");
    tap_diag("list() of %d messages: first %.1f ms (assigns uids), then "
             "%.1f ms in a new store, %.1f ms again", N, first, second, third);
}

static void test_search(eas_store_t *st, const char *root)
{
    const char *in = fid(st, "Inbox"), *se = fid(st, "Sent"), *f = NULL;
    const char *q1, *q2, *q3, *q4;
    apr_array_header_t *hits;
    eas_search_t q;
    B->folder_create(st, "0", "SearchBox", EAS_FOLDER_USER_MAIL, &f, pool);
    q1 = add_msg(st, f, msg_text("Quarterly Report", "Alice <alice@ex.org>",
                                 "numbers inside"), 0);
    q2 = add_msg(st, f, "From: carol@ex.org\r\nSubject: "
                 "=?UTF-8?B?Q2Fmw6kgbWVldGluZw==?=\r\n"
                 "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                 "Let us meet at the caf=C3=A9 on Mon=\r\nday.\r\n", 0);
    q3 = add_msg(st, se, msg_text("Report draft", "me@ex.org",
                                  "see the QUARTERLY numbers"), 0);
    q4 = add_msg(st, in, msg_text("hello", "dave@ex.org", "nothing here"), 0);
    ok(q1 && q2 && q3 && q4, "search corpus added");
    /* an older one, delivered by another program */
    put_file(apr_pstrcat(pool, root, "/.SearchBox/new/1000000000.old.h", NULL),
             "Subject: old quarterly\n\nold\n");
    set_mtime(apr_pstrcat(pool, root, "/.SearchBox/new/1000000000.old.h",
                          NULL), 1000000000);
    memset(&q, 0, sizeof(q));
    q.folder_id = f;
    q.text = "quarterly";
    is_int(B->search(st, &q, &hits, pool), APR_SUCCESS, "search a folder");
    ok(hits->nelts == 2 && strcmp(APR_ARRAY_IDX(hits, 0, eas_search_hit_t)
                                  .item_id, q1) == 0,
       "subject word found, case-insensitively");
    q.folder_id = NULL;
    B->search(st, &q, &hits, pool);
    is_int(hits->nelts, 3, "all folders: body match in Sent too");
    ok(hits->nelts == 3
       && APR_ARRAY_IDX(hits, 0, eas_search_hit_t).time
          >= APR_ARRAY_IDX(hits, 1, eas_search_hit_t).time
       && APR_ARRAY_IDX(hits, 2, eas_search_hit_t).time
          == apr_time_from_sec(1000000000)
       && strcmp(APR_ARRAY_IDX(hits, 2, eas_search_hit_t).folder_id, f) == 0,
       "newest first, with folder ids");
    {
        int i, sent = 0;
        for (i = 0; i < hits->nelts; i++)
            sent += strcmp(APR_ARRAY_IDX(hits, i, eas_search_hit_t).folder_id,
                           se) == 0 && strcmp(APR_ARRAY_IDX(hits, i,
                           eas_search_hit_t).item_id, q3) == 0;
        is_int(sent, 1, "the Sent message is among them");
    }
    q.max_hits = 2;
    B->search(st, &q, &hits, pool);
    is_int(hits->nelts, 2, "max_hits");
    q.max_hits = 0;
    q.text = "report ALICE";
    B->search(st, &q, &hits, pool);
    is_int(hits->nelts, 1, "every word must occur (subject + from)");
    q.text = "café monday";
    B->search(st, &q, &hits, pool);
    ok(hits->nelts == 1 && strcmp(APR_ARRAY_IDX(hits, 0, eas_search_hit_t)
                                  .item_id, q2) == 0,
       "quoted-printable body decoded");
    q.text = "café meeting";
    B->search(st, &q, &hits, pool);
    is_int(hits->nelts, 1, "RFC 2047 subject decoded");
    q.text = "bob@example.org";
    q.folder_id = f;
    B->search(st, &q, &hits, pool);
    is_int(hits->nelts, 1, "To header searched");
    q.folder_id = NULL;
    q.text = "Message-ID";
    B->search(st, &q, &hits, pool);
    is_int(hits->nelts, 0, "other headers are not");
    q.text = "zebra";
    B->search(st, &q, &hits, pool);
    is_int(hits->nelts, 0, "no match, no hit");
    q.text = "quarterly";
    q.since = apr_time_from_sec(1000000001);
    B->search(st, &q, &hits, pool);
    is_int(hits->nelts, 2, "since excludes the old one");
    q.since = apr_time_now() + apr_time_from_sec(60);
    B->search(st, &q, &hits, pool);
    is_int(hits->nelts, 0, "since excludes");
    q.since = 0;
    q.until = apr_time_now() - apr_time_from_sec(3600);
    B->search(st, &q, &hits, pool);
    is_int(hits->nelts, 1, "until keeps only the old one");
    q.until = 0;
    q.folder_id = "999999";
    is_int(B->search(st, &q, &hits, pool), APR_ENOENT,
           "unknown folder: ENOENT");
    q.folder_id = NULL;
    q.text = "";
    is_int(B->search(st, &q, &hits, pool), APR_EINVAL, "empty text: EINVAL");
}

/* ---- the per-process listing cache ---- */

/* A request: its own pool and store, gone with req_end(). */
typedef struct {
    apr_pool_t *p;
    eas_store_t *st;
} req_t;

static req_t req_begin(const char *root)
{
    req_t r;
    eas_user_t *u;
    eas_store_ctx_t ctx;
    const char *err = NULL;

    apr_pool_create(&r.p, pool);
    u = apr_pcalloc(r.p, sizeof(*u));
    u->login = "user";
    u->params = apr_table_make(r.p, 1);
    apr_table_set(u->params, "path", root);
    ctx.pool = r.p;
    ctx.log = log_cb;
    ctx.log_ctx = NULL;
    if (B->open(&r.st, u, &ctx, &err) != APR_SUCCESS) {
        tap_diag("open %s: %s", root, err ? err : "?");
        r.st = NULL;
    }
    return r;
}

static void req_end(req_t *r)
{
    apr_pool_destroy(r->p);
}

static apr_uint64_t cache_hits(void)
{
    eas_maildir_cache_stats_t cs;

    eas_maildir_cache_stats(&cs);
    return cs.hits;
}

/* Wait until the folder's last change is old enough for a listing to be
   kept (longer where the file system keeps whole seconds). */
static void settle(const char *dir)
{
    struct stat sb;
    int coarse = stat(apr_pstrcat(pool, dir, "/cur", NULL), &sb) == 0
                 && sb.st_ctim.tv_nsec == 0;

    usleep(coarse ? 2300000 : 250000);
}

/* A listing in a request of its own, as text: "id:token ..." newest
   first; hit: whether the cache answered. */
static const char *listing(const char *root, int *hit)
{
    req_t r = req_begin(root);
    apr_uint64_t before = cache_hits();
    apr_array_header_t *l = NULL;
    const char *out = "?";
    int i;

    if (r.st && B->list(r.st, fid(r.st, "Inbox"), NULL, &l, r.p) == APR_SUCCESS) {
        out = "";
        for (i = 0; i < l->nelts; i++) {
            const eas_item_ref_t *x = &APR_ARRAY_IDX(l, i, eas_item_ref_t);
            out = apr_psprintf(pool, "%s%s%s:%s", out, i ? " " : "", x->id,
                               x->token);
        }
    }
    if (hit)
        *hit = cache_hits() > before;
    if (r.st)
        req_end(&r);
    return out;
}

/* A kept listing, checked: two listings after the folder settled, the
   second from the cache and equal to the first. */
static const char *kept(const char *root, const char *what)
{
    const char *a, *b;
    int hit = 0;

    settle(root);
    a = listing(root, NULL);
    b = listing(root, &hit);
    ok(hit && strcmp(a, b) == 0, "%s: the listing is kept", what);
    return b;
}

static int count_words(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += (s[0] != ' ' && (s[1] == ' ' || s[1] == '\0'));
    return n;
}

static void test_cache(const char *root)
{
    enum { N = 20 };
    const char *cur = apr_pstrcat(pool, root, "/cur", NULL);
    const char *newd = apr_pstrcat(pool, root, "/new", NULL);
    const char *a, *b, *first_id, *sp;
    char p[512], q[512];
    req_t r;
    int i, hit = 1;

    r = req_begin(root);
    req_end(&r);
    for (i = 0; i < N; i++) {
        snprintf(p, sizeof(p), "%s/%d.M%dP1.cache:2,%s", cur, 1600000000 + i,
                 i, i % 2 ? "S" : "");
        put_file(p, "Subject: c\r\n\r\nbody\r\n");
        set_mtime(p, 1600000000 + i);
    }
    a = listing(root, &hit);
    ok(!hit && count_words(a) == N, "first listing scans (%d items)",
       count_words(a));
    listing(root, &hit);
    ok(!hit, "a listing right after a change (uid list written) is not "
       "kept");
    a = kept(root, "settled folder");
    first_id = apr_pstrndup(pool, a, strcspn(a, ":"));

    /* Flag change by another program right after a kept listing. */
    snprintf(p, sizeof(p), "%s/%d.M%dP1.cache:2,S", cur, 1600000000 + N - 1,
             N - 1);
    snprintf(q, sizeof(q), "%s/%d.M%dP1.cache:2,FS", cur, 1600000000 + N - 1,
             N - 1);
    ok(rename(p, q) == 0, "flagged outside");
    b = listing(root, &hit);
    ok(!hit && strstr(b, apr_pstrcat(pool, first_id, ":FS", NULL)) == b,
       "the next listing sees the flag: %.24s", b);
    b = listing(root, &hit);
    ok(!hit && strstr(b, ":FS") != NULL,
       "and the one after it rescans too (changed in the last moment)");

    /* Delivery into new/ right after a kept listing. */
    kept(root, "after the flag change");
    snprintf(p, sizeof(p), "%s/1700000000.M1P1.cache2,S=19", newd);
    put_file(p, "Subject: n\r\n\r\nx\r\n");
    b = listing(root, &hit);
    ok(!hit && count_words(b) == N + 1, "a delivery is seen at once "
       "(%d items)", count_words(b));
    sp = kept(root, "after the delivery");

    /* new/ -> cur/ outside: same id, found by a fetch in a request that
       holds the kept listing from before. */
    {
        req_t hold = req_begin(root);
        apr_array_header_t *l = NULL;
        const char *in = fid(hold.st, "Inbox"), *nid;
        eas_blob_t blob;
        B->list(hold.st, in, NULL, &l, hold.p);
        nid = apr_pstrdup(pool, l && l->nelts
                          ? APR_ARRAY_IDX(l, 0, eas_item_ref_t).id : "-");
        snprintf(q, sizeof(q), "%s/1700000000.M1P1.cache2,S=19:2,S", cur);
        ok(rename(p, q) == 0, "moved new/ -> cur/ outside");
        is_int(B->fetch(hold.st, in, nid, &blob, hold.p), APR_SUCCESS,
               "a fetch through the older listing finds it again");
        ok(blob.len == 17, "whole (%d bytes)", (int)blob.len);
        req_end(&hold);
        b = listing(root, &hit);
        ok(!hit && strstr(b, apr_pstrcat(pool, nid, ":S", NULL)) == b,
           "listed under the same id with its flag: %.24s", b);
    }
    (void)sp;

    /* Removal right after a kept listing. */
    kept(root, "before a removal");
    ok(unlink(q) == 0, "removed outside");
    b = listing(root, &hit);
    ok(!hit && count_words(b) == N, "the removal is seen at once");

    /* The uid list replaced: ids follow the new list. */
    kept(root, "before losing the uid list");
    unlink(apr_pstrcat(pool, root, "/eas-uidlist", NULL));
    b = listing(root, &hit);
    ok(!hit && strncmp(b, first_id, strlen(first_id)) != 0,
       "a lost uid list is seen at once (new ids)");

    /* Changes through the store: another request sees them. */
    a = kept(root, "before changes through the store");
    {
        req_t w = req_begin(root);
        const char *in = fid(w.st, "Inbox"), *tok = NULL, *id;
        id = apr_pstrndup(pool, a, strcspn(a, ":"));
        is_int(B->set_flags(w.st, in, id, EAS_ITEM_ANSWERED, 0, &tok, w.p),
               APR_SUCCESS, "set_flags through the store");
        req_end(&w);
        b = listing(root, &hit);
        ok(!hit && strstr(b, apr_pstrcat(pool, id, ":", tok, NULL)) == b,
           "the next request lists token %s", tok ? tok : "-");
        kept(root, "after set_flags");
        w = req_begin(root);
        is_int(B->remove(w.st, in, id, NULL, w.p), APR_SUCCESS, "remove");
        ok(add_msg(w.st, in, "Subject: z\r\n\r\nz\r\n", 0) != NULL, "add");
        req_end(&w);
        b = listing(root, &hit);
        ok(!hit && !strstr(b, apr_pstrcat(pool, id, ":", NULL))
           && count_words(b) == N, "both seen by the next request");
    }

    /* since with a kept listing */
    kept(root, "for since");
    {
        req_t x = req_begin(root);
        apr_array_header_t *l = NULL;
        eas_filter_t f = { apr_time_from_sec(1600000000 + 10), 0 };
        B->list(x.st, fid(x.st, "Inbox"), &f, &l, x.p);
        /* 10 of the first 20, one of them removed, and the one added */
        is_int(l ? inside(l) : -1, 10, "since from a kept listing");
        req_end(&x);
    }
}

typedef struct {
    const char *root;
    int rounds, bad;
} reader_t;

/* The Inbox's id, allocated from p (pools are not shared by threads). */
static const char *inbox_of(eas_store_t *st, apr_pool_t *p)
{
    apr_array_header_t *a;
    int i;

    if (B->folders(st, &a, p) != APR_SUCCESS)
        return NULL;
    for (i = 0; i < a->nelts; i++)
        if (APR_ARRAY_IDX(a, i, eas_folder_t).type == EAS_FOLDER_INBOX)
            return APR_ARRAY_IDX(a, i, eas_folder_t).id;
    return NULL;
}

static void *APR_THREAD_FUNC reader(apr_thread_t *t, void *data)
{
    reader_t *x = data;
    int i;

    for (i = 0; i < x->rounds; i++) {
        req_t r = req_begin(x->root);
        apr_array_header_t *l = NULL;
        const char *in;
        eas_blob_t blob;
        if (!r.st) {
            x->bad++;
            continue;
        }
        /* Not fid(): it allocates from the shared test pool. */
        in = inbox_of(r.st, r.p);
        if (!in || B->list(r.st, in, NULL, &l, r.p) != APR_SUCCESS
            || l->nelts != 50
            || B->fetch(r.st, in, APR_ARRAY_IDX(l, i % 50, eas_item_ref_t).id,
                        &blob, r.p) != APR_SUCCESS || blob.len != 14)
            x->bad++;
        req_end(&r);
    }
    (void)t;
    return NULL;
}

/* Threads share the kept listing; each request lets go of its own. */
static void test_cache_threads(const char *root)
{
    apr_thread_t *t[4];
    reader_t x[4];
    apr_status_t trv;
    apr_uint64_t h0;
    char p[512];
    int k, bad = 0;
    req_t r = req_begin(root);

    req_end(&r);
    for (k = 0; k < 50; k++) {
        snprintf(p, sizeof(p), "%s/cur/%d.M%dP1.thr:2,", root, 1600000000 + k,
                 k);
        put_file(p, "Subject: t\r\n\r\n");
    }
    listing(root, NULL);
    settle(root);
    h0 = cache_hits();
    for (k = 0; k < 4; k++) {
        x[k].root = root;
        x[k].rounds = 100;
        x[k].bad = 0;
        apr_thread_create(&t[k], NULL, reader, &x[k], pool);
    }
    for (k = 0; k < 4; k++) {
        apr_thread_join(&trv, t[k]);
        bad += x[k].bad;
    }
    is_int(bad, 0, "400 listings and fetches in 4 threads");
    ok(cache_hits() - h0 >= 300, "mostly from the kept listing (%d hits)",
       (int)(cache_hits() - h0));
}

/* Many folders: the cache stays within its bound. */
static void test_cache_bound(const char *root)
{
    eas_maildir_cache_stats_t cs;
    req_t r = req_begin(root);
    apr_array_header_t *fs = NULL;
    int i, n = 0;

    for (i = 0; r.st && i < 80; i++) {
        const char *id = NULL;
        if (B->folder_create(r.st, "0", apr_psprintf(r.p, "F%d", i),
                             EAS_FOLDER_USER_MAIL, &id, r.p) == APR_SUCCESS)
            n++;
    }
    req_end(&r);
    settle(root);
    for (i = 0; i < 2; i++) {
        int k;
        r = req_begin(root);
        if (r.st && B->folders(r.st, &fs, r.p) == APR_SUCCESS)
            for (k = 0; k < fs->nelts; k++) {
                apr_array_header_t *l;
                B->list(r.st, APR_ARRAY_IDX(fs, k, eas_folder_t).id, NULL, &l,
                        r.p);
            }
        req_end(&r);
    }
    eas_maildir_cache_stats(&cs);
    ok(n == 80 && cs.folders > 0 && cs.folders <= 64,
       "80 folders listed, %d kept", cs.folders);
}

/* Large messages are read into buffers the process keeps between reads:
   two alive at once never share one, and a returned one is reused whole. */
static void test_big_reads(const char *root)
{
    enum { N = 6 };
    static const apr_size_t sizes[N] = { 70000, 300000, 1500000, 70001,
                                         3000000, 5000000 };
    const char *ids[N];
    char *texts[N];
    eas_blob_t blobs[N];
    int round, i, bad = 0;
    req_t r = req_begin(root);
    const char *in = r.st ? fid(r.st, "Inbox") : "0";

    for (i = 0; i < N; i++) {
        apr_size_t k;
        texts[i] = apr_palloc(pool, sizes[i] + 1);
        memcpy(texts[i], "Subject: big\r\n\r\n", 16);
        for (k = 16; k < sizes[i]; k++)
            texts[i][k] = (char)('a' + (k * 7 + (apr_size_t)i) % 26);
        texts[i][sizes[i]] = '\0';
        ids[i] = r.st ? add_msg(r.st, in, texts[i], 0) : NULL;
    }
    req_end(&r);
    for (round = 0; round < 3; round++) {
        r = req_begin(root);
        for (i = 0; i < N && r.st; i++)
            if (!ids[i] || B->fetch(r.st, in, ids[i], &blobs[i], r.p)
                != APR_SUCCESS)
                blobs[i].len = 0;
        for (i = 0; i < N && r.st; i++)
            if (blobs[i].len != sizes[i] || blobs[i].data[sizes[i]] != '\0'
                || memcmp(blobs[i].data, texts[i], sizes[i]) != 0)
                bad++;
        req_end(&r);
    }
    is_int(bad, 0, "six large messages alive at once, three times over, "
           "each whole and NUL-terminated");
}

static void test_broken(void)
{
    eas_store_t *st = NULL;
    const char *err = NULL, *root;
    apr_array_header_t *a = NULL;
    apr_status_t rv;

    is_int(open_at("relative/path", &st, &err), APR_EINVAL,
           "relative path refused");
    is_int(open_at(apr_pstrcat(pool, top, "/x/../fresh", NULL), &st, &err),
           APR_EINVAL, "path with '..' refused");
    is_int(open_at(NULL, &st, &err), APR_EINVAL, "no path: EINVAL");
    n_logs = 0;
    rv = open_at(path_of("no/such/parent"), &st, &err);
    ok(rv == APR_ENOENT && err && n_logs == 1 && strstr(last_log,
                                                        "no/such/parent"),
       "missing parent: ENOENT, logged (%s)", last_log);
    ok(!exists(path_of("no")), "no path created");
    put_file(path_of("afile"), "x");
    ok(open_at(path_of("afile"), &st, &err) != APR_SUCCESS && err,
       "a file as root refused: %s", err ? err : "");

    /* Unreadable: as root, check from a child that drops privileges. */
    root = path_of("locked");
    if ((st = open_ok(root)) != NULL) {
        pid_t pid;
        int status = -1;
        chmod(root, 0);
        if ((pid = fork()) == 0) {
            apr_pool_create(&pool, NULL);
            if (getuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
                _exit(3);
            n_logs = 0;
            _exit(open_at(root, &st, &err) == APR_EACCES && n_logs > 0
                  && strstr(last_log, "Permission denied") ? 0 : 1);
        }
        waitpid(pid, &status, 0);
        ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "unreadable Maildir: EACCES, logged");
        chmod(root, 0700);
    }

    /* Vanished while open. */
    root = path_of("vanish");
    st = open_ok(root);
    ok(st != NULL, "open a Maildir that will vanish");
    if (!st)
        return;
    {
        const char *in = fid(st, "Inbox"), *se = fid(st, "Sent"), *id;
        eas_blob_t b = { "Subject: x\r\n\r\n", 14 };
        pid_t pid;
        if ((pid = fork()) == 0)
            execlp("rm", "rm", "-rf", root, (char *)NULL);
        waitpid(pid, NULL, 0);
        ok(!exists(root), "removed");
        n_logs = 0;
        rv = B->list(st, in, NULL, &a, pool);
        ok(rv == APR_ENOENT && n_logs > 0, "list: ENOENT, logged (%s)",
           last_log);
        ok(B->folders(st, &a, pool) == APR_ENOENT, "folders: ENOENT");
        ok(B->add(st, se, &b, 0, &id, NULL, pool) != APR_SUCCESS,
           "add: an error");
        ok(B->folder_create(st, "0", "x", EAS_FOLDER_USER_MAIL, &id, pool)
           != APR_SUCCESS, "folder_create: an error");
    }
}

int main(void)
{
    eas_store_t *st;
    const char *root;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    eas_maildir_register();
    B = eas_backend_find("maildir");
    ok(B == &eas_backend_maildir, "registered as \"maildir\"");
    snprintf(top, sizeof(top), "/tmp/eas-maildir-XXXXXX");
    if (!mkdtemp(top)) {
        tap_diag("mkdtemp: %s", strerror(errno));
        return 1;
    }
    test_open_fresh();
    test_dovecot_names();
    root = path_of("main");
    st = open_ok(root);
    ok(st != NULL, "open the main test Maildir");
    if (st) {
        test_names(st, root);
        test_hierarchy(st, root);
        test_items(st, root);
        test_lost_uidlist(st, root);
        test_search(st, root);
    }
    test_concurrent(path_of("conc"));
    test_threads(path_of("threads"));
    test_compaction(path_of("compact"));
    test_list_speed();
    test_cache(path_of("cache"));
    test_cache_threads(path_of("cthreads"));
    test_cache_bound(path_of("cbound"));
    test_big_reads(path_of("big2"));
    test_broken();
    if (!getenv("EAS_KEEP_TMP")) {
        pid_t pid = fork();
        if (pid == 0)
            execlp("rm", "rm", "-rf", top, (char *)NULL);
        waitpid(pid, NULL, 0);
    }
    /* Stores give back the listings and buffers they hold. */
    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
