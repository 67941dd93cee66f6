/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IMAP backend's store (backends/imap, backend.h's interface) against
 * a real server, for what no EAS command reaches yet: mailbox search
 * (UID SEARCH, ESEARCH), and the store's add/list/stat/set_flags/move/
 * remove/empty seen from the interface.  Prints one line per result for
 * t/integration/test_imap_store.py.
 *
 *   imap_store_check HOST PORT USER PASSWORD
 *
 * The id map is a small one in memory (the module keeps it in the state
 * database).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "imap/imap_backend.h"

/* ---- an id map in memory ---- */

typedef struct {
    apr_hash_t *to_id, *to_native;
    int next;
    apr_pool_t *p;
} memmap_t;

static apr_status_t mm_to_id(const eas_idmap_t *m, const char *ns,
                             const char *native, int create, const char **id,
                             apr_pool_t *p)
{
    memmap_t *mm = m->baton;
    const char *k = apr_pstrcat(mm->p, ns, "\n", native, NULL);

    if ((*id = apr_hash_get(mm->to_id, k, APR_HASH_KEY_STRING)))
        return APR_SUCCESS;
    if (!create)
        return APR_ENOENT;
    *id = apr_itoa(mm->p, ++mm->next);
    apr_hash_set(mm->to_id, k, APR_HASH_KEY_STRING, *id);
    apr_hash_set(mm->to_native, apr_pstrcat(mm->p, ns, "\n", *id, NULL),
                 APR_HASH_KEY_STRING, apr_pstrdup(mm->p, native));
    return APR_SUCCESS;
}

static apr_status_t mm_all(const eas_idmap_t *m, const char *ns,
                           apr_hash_t **out, apr_pool_t *p)
{
    memmap_t *mm = m->baton;
    apr_hash_index_t *hi;
    size_t n = strlen(ns);

    *out = apr_hash_make(p);
    for (hi = apr_hash_first(p, mm->to_id); hi; hi = apr_hash_next(hi)) {
        const char *k = apr_hash_this_key(hi);
        if (!strncmp(k, ns, n) && k[n] == '\n')
            apr_hash_set(*out, k + n + 1, APR_HASH_KEY_STRING,
                         apr_hash_this_val(hi));
    }
    return APR_SUCCESS;
}

static apr_status_t mm_to_ids(const eas_idmap_t *m, const char *ns,
                              const apr_array_header_t *natives,
                              apr_hash_t *out, apr_pool_t *p)
{
    int i;

    for (i = 0; i < natives->nelts; i++) {
        const char *n = APR_ARRAY_IDX(natives, i, const char *), *id;
        mm_to_id(m, ns, n, 1, &id, p);
        apr_hash_set(out, n, APR_HASH_KEY_STRING, id);
    }
    return APR_SUCCESS;
}

static void log_line(void *ctx, int level, apr_status_t rv, const char *msg)
{
    if (level <= 4)
        fprintf(stderr, "log %d: %s\n", level, msg);
}

/* ---- the script ---- */

static const char *message(apr_pool_t *p, const char *subject,
                           const char *body)
{
    return apr_psprintf(p, "From: Carol <carol@example.org>\r\n"
                        "To: alice@example.org\r\nSubject: %s\r\n"
                        "Message-ID: <%s@check>\r\n\r\n%s\r\n", subject,
                        subject, body);
}

static const char *folder_of(eas_store_t *st, eas_folder_type_t type,
                             apr_pool_t *p)
{
    apr_array_header_t *fs;
    int i;

    if (st->backend->folders(st, &fs, p) != APR_SUCCESS)
        return NULL;
    for (i = 0; i < fs->nelts; i++)
        if (APR_ARRAY_IDX(fs, i, eas_folder_t).type == type)
            return APR_ARRAY_IDX(fs, i, eas_folder_t).id;
    return NULL;
}

static const char *add(eas_store_t *st, const char *folder, apr_pool_t *p,
                       const char *subject, const char *body)
{
    eas_blob_t b;
    const char *id = NULL, *tok = NULL;
    apr_status_t rv;

    b.data = message(p, subject, body);
    b.len = strlen(b.data);
    rv = st->backend->add(st, folder, &b, 0, &id, &tok, p);
    printf("add %s: %d %s\n", subject, rv, id ? id : "-");
    return id;
}

static void search(eas_store_t *st, const char *folder, const char *text,
                   apr_pool_t *p)
{
    eas_search_t q = { folder, text, 0, 0, 100 };
    apr_array_header_t *hits;
    apr_status_t rv = st->backend->search(st, &q, &hits, p);
    int i;

    printf("search %s %s: %d", folder ? "folder" : "all", text, rv);
    for (i = 0; rv == APR_SUCCESS && i < hits->nelts; i++)
        printf(" %s", APR_ARRAY_IDX(hits, i, eas_search_hit_t).item_id);
    printf("\n");
}

static void run(eas_store_t *st, apr_pool_t *p)
{
    const char *inbox = folder_of(st, EAS_FOLDER_INBOX, p);
    const char *trash = folder_of(st, EAS_FOLDER_DELETED, p);
    const char *a, *b, *moved = NULL, *tok = NULL;
    apr_array_header_t *list;
    eas_item_ref_t ref;
    int i;

    printf("folders: inbox %s trash %s\n", inbox ? "yes" : "no",
           trash ? "yes" : "no");
    a = add(st, inbox, p, "quarterly", "the budget for spring");
    b = add(st, inbox, p, "lunch", "soup and bread");
    search(st, inbox, "budget", p);
    search(st, NULL, "bread", p);
    search(st, inbox, "nowhere-to-be-found", p);
    printf("flags: %d", st->backend->set_flags(st, inbox, a, EAS_ITEM_READ
                                               | EAS_ITEM_FLAGGED, 0, &tok,
                                               p));
    printf(" %s\n", tok ? tok : "-");
    printf("stat: %d", st->backend->stat(st, inbox, a, &ref, p));
    printf(" flags %u\n", ref.flags);
    printf("stat of a uid that is not there: %d\n",
           st->backend->stat(st, inbox, "999999", &ref, p));
    printf("move: %d", st->backend->move(st, inbox, b, trash, &moved, p));
    printf(" %s\n", moved ? moved : "-");
    st->backend->list(st, inbox, NULL, &list, p);
    printf("inbox:");
    for (i = 0; i < list->nelts; i++)
        printf(" %s", APR_ARRAY_IDX(list, i, eas_item_ref_t).id);
    printf("\nremove: %d\n", st->backend->remove(st, inbox, a, NULL, p));
    printf("remove again: %d\n", st->backend->remove(st, inbox, a, NULL, p));
    printf("empty trash: %d\n", st->backend->empty(st, trash, 0, p));
    st->backend->list(st, trash, NULL, &list, p);
    printf("trash now: %d\n", list->nelts);
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    memmap_t mm;
    eas_idmap_t map = { 0 };
    eas_store_ctx_t ctx = { 0 };
    eas_user_t user = { 0 };
    eas_store_t *st;
    const char *err = NULL;

    if (argc != 5) {
        fprintf(stderr, "usage: %s HOST PORT USER PASSWORD\n", argv[0]);
        return 2;
    }
    apr_initialize();
    apr_pool_create(&p, NULL);
    mm.to_id = apr_hash_make(p);
    mm.to_native = apr_hash_make(p);
    mm.next = 0;
    mm.p = p;
    map.to_id = mm_to_id;
    map.all = mm_all;
    map.to_ids = mm_to_ids;
    map.baton = &mm;
    map.scope = "check";
    ctx.pool = p;
    ctx.log = log_line;
    ctx.idmap = &map;
    user.login = argv[3];
    user.password = argv[4];
    user.params = apr_table_make(p, 8);
    apr_table_setn(user.params, "imap_url", apr_psprintf(
                       p, "imap://%s:%s", argv[1], argv[2]));
    apr_table_setn(user.params, "imap_host", argv[1]);
    apr_table_setn(user.params, "imap_port", argv[2]);
    apr_table_setn(user.params, "imap_login", argv[3]);
    apr_table_setn(user.params, "imap_authcid", argv[3]);
    if (eas_backend_imap.open(&st, &user, &ctx, &err) != APR_SUCCESS) {
        printf("open: %s\n", err);
        return 1;
    }
    run(st, p);
    apr_pool_destroy(p);
    im_lists_clear();
    im_pool_shutdown();
    apr_terminate();
    return 0;
}
