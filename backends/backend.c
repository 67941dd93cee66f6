/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Backend registry and the helpers every backend shares.
 */
#include "backend.h"

#include <apr_strings.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

/* Few backends exist; they register once at module load, before threads. */
#define EAS_MAX_BACKENDS 8
static const eas_backend_t *registry[EAS_MAX_BACKENDS];

void eas_backend_register(const eas_backend_t *b)
{
    int i;

    for (i = 0; i < EAS_MAX_BACKENDS; i++) {
        if (!registry[i] || strcmp(registry[i]->name, b->name) == 0) {
            registry[i] = b;
            return;
        }
    }
}

const eas_backend_t *eas_backend_find(const char *name)
{
    int i;

    for (i = 0; i < EAS_MAX_BACKENDS && registry[i]; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

const eas_backend_t *eas_backend_nth(int i)
{
    return i >= 0 && i < EAS_MAX_BACKENDS ? registry[i] : NULL;
}

int eas_id_valid(const char *s)
{
    apr_size_t n = 0;

    if (!s || !*s)
        return 0;
    for (; *s; s++, n++) {
        char c = *s;
        if (n >= EAS_ID_MAX)
            return 0;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return 0;
    }
    /* "." and ".." are well-formed by the alphabet but never ids. */
    return !(n <= 2 && s[-1] == '.' && (n == 1 || s[-2] == '.'));
}

void eas_store_log(eas_store_t *st, int level, apr_status_t rv,
                   const char *fmt, ...)
{
    va_list ap;
    char *msg;

    if (!st->ctx.log)
        return;
    va_start(ap, fmt);
    msg = apr_pvsprintf(st->ctx.pool, fmt, ap);
    va_end(ap);
    st->ctx.log(st->ctx.log_ctx, level, rv, msg);
}

eas_class_t eas_folder_class(eas_folder_type_t type)
{
    switch (type) {
    case EAS_FOLDER_TASKS:
    case EAS_FOLDER_USER_TASKS:
        return EAS_CLASS_TASKS;
    case EAS_FOLDER_CALENDAR:
    case EAS_FOLDER_USER_CALENDAR:
        return EAS_CLASS_CALENDAR;
    case EAS_FOLDER_CONTACTS:
    case EAS_FOLDER_USER_CONTACTS:
    case EAS_FOLDER_RECIPIENT_CACHE:
        return EAS_CLASS_CONTACTS;
    case EAS_FOLDER_NOTES:
    case EAS_FOLDER_USER_NOTES:
        return EAS_CLASS_NOTES;
    default:
        return EAS_CLASS_EMAIL;
    }
}

static const char *const class_names[EAS_NCLASSES] = {
    "mail", "calendar", "contacts", "tasks", "notes"
};

const char *eas_class_name(eas_class_t cls)
{
    return (unsigned)cls < EAS_NCLASSES ? class_names[cls] : NULL;
}

int eas_class_lookup(const char *name)
{
    int i;

    for (i = 0; i < EAS_NCLASSES; i++)
        if (strcasecmp(name, class_names[i]) == 0)
            return i;
    return -1;
}

const char *const eas_drafts_names[] = { "Drafts", "Draft", NULL };
const char *const eas_sent_names[] = {
    "Sent", "Sent Items", "Sent Messages", "Sent Mail", NULL };
const char *const eas_trash_names[] = {
    "Trash", "Deleted Items", "Deleted Messages", "Deleted", NULL };
const char *const eas_junk_names[] = {
    "Junk", "Spam", "Junk E-mail", "Junk Email", NULL };
