/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Tasks converter (mod_eas/pim/pim_task.c) on tasks as Thunderbird
 * and Apple Reminders write them (t/pim/tasks): the local and UTC date
 * forms, completion, reminder, importance, recurrence with the Tasks
 * tags, the round trip with everything unknown intact, and what the
 * phone sends for new and changed tasks.
 */
#include "tap.h"
#include "tree_util.h"
#include "pim.h"
#include "pim_tz.h"

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>

static apr_pool_t *pool;

static eas_pim_opts_t opts(void)
{
    eas_pim_opts_t o;

    memset(&o, 0, sizeof o);
    o.version = 141;
    o.user_email = "user@example.com";
    o.tzid = "Europe/Berlin";
    o.now = apr_time_from_sec(1780000000);
    return o;
}

static eas_blob_t load(const char *name)
{
    return tu_file(pool, apr_pstrcat(pool, EAS_PIM_DIR "/tasks/", name, NULL));
}

static eas_node_t *write_item(const eas_blob_t *item)
{
    eas_pim_opts_t o = opts();
    tu_enc_t t;
    const char *err = NULL;
    eas_wbxml_enc_t *e = tu_enc_open(&t, pool);

    if (eas_pim_tasks.write(e, item, &o, &err, pool) != APR_SUCCESS)
        return NULL;
    return tu_enc_tree(&t);
}

static const char *read_item(const eas_node_t *ad, const eas_blob_t *old)
{
    eas_pim_opts_t o = opts();
    eas_pim_item_t out;
    const char *err = NULL;

    memset(&out, 0, sizeof out);
    if (!ad || eas_pim_tasks.read(ad, old, &o, &out, &err, pool)
        != APR_SUCCESS) {
        tap_diag("read failed: %s", err ? err : "(no tree)");
        return NULL;
    }
    return apr_pstrndup(pool, out.data.data, out.data.len);
}

static eas_node_t *phone(const char *body)
{
    return tu_tree(pool, apr_pstrcat(pool,
        "<ApplicationData xmlns=\"AirSync\" xmlns:t=\"Tasks\" "
        "xmlns:b=\"AirSyncBase\">", body, "</ApplicationData>", NULL));
}

static const char *flat(const eas_node_t *n)
{
    const eas_node_t *c;
    const char *s = "";

    if (!n)
        return "(none)";
    for (c = n->child; c; c = c->next)
        s = apr_pstrcat(pool, s, eas_tag_name(c->tag), "=",
                        c->value ? c->value : "", c->child ? "{" : "",
                        c->child ? flat(c) : "", c->child ? "}" : "", ";",
                        NULL);
    return s;
}

static void test_write(void)
{
    eas_blob_t b = load("thunderbird_todo.ics");
    eas_node_t *ad = write_item(&b);
    const eas_node_t *rec = tu_find(ad, EAS_Tasks_Recurrence);

    ok(ad != NULL, "Thunderbird task written");
    is_str(tu_text(ad, EAS_Tasks_Subject), "Weekly report", "Subject");
    is_str(tu_text(ad, EAS_AirSyncBase_Data), "Send the numbers.", "Body");
    is_str(tu_text(ad, EAS_Tasks_Importance), "2", "PRIORITY 1: high");
    is_str(tu_text(ad, EAS_Tasks_StartDate), "2026-03-05T00:00:00.000Z",
           "StartDate: the local date");
    is_str(tu_text(ad, EAS_Tasks_UtcStartDate), "2026-03-04T23:00:00.000Z",
           "UtcStartDate: the user's midnight");
    is_str(tu_text(ad, EAS_Tasks_DueDate), "2026-03-10T17:00:00.000Z",
           "DueDate: local time");
    is_str(tu_text(ad, EAS_Tasks_UtcDueDate), "2026-03-10T16:00:00.000Z",
           "UtcDueDate");
    is_str(tu_text(ad, EAS_Tasks_Complete), "0", "not complete");
    is_str(tu_text(ad, EAS_Tasks_Sensitivity), "2", "private");
    is_str(tu_text(ad, EAS_Tasks_ReminderSet), "1", "ReminderSet");
    is_str(tu_text(ad, EAS_Tasks_ReminderTime), "2026-03-10T15:30:00.000Z",
           "ReminderTime: 30 minutes before due");
    is_str(tu_text(ad, EAS_Tasks_Category), "Work", "Categories");
    is_str(tu_text(rec, EAS_Tasks_Type), "1", "weekly");
    is_str(tu_text(rec, EAS_Tasks_DayOfWeek), "16", "Thursday");
    is_str(tu_text(rec, EAS_Tasks_Start), "2026-03-05T00:00:00.000Z",
           "Recurrence Start");

    b = load("apple_done.ics");
    ad = write_item(&b);
    is_str(tu_text(ad, EAS_Tasks_Complete), "1", "completed");
    is_str(tu_text(ad, EAS_Tasks_DateCompleted), "2026-02-02T07:30:00.000Z",
           "DateCompleted");
    is_str(tu_text(ad, EAS_Tasks_Importance), "1", "no PRIORITY: normal");
    is_str(tu_text(ad, EAS_Tasks_ReminderSet), "0", "no reminder");
    ok(!tu_find(ad, EAS_Tasks_StartDate), "no start date");
}

static void round_trip(const char *name, const char **kept)
{
    eas_blob_t b = load(name), b2;
    eas_node_t *w1 = write_item(&b);
    const char *r = read_item(w1, &b);
    int i;

    ok(r != NULL, "%s: read back as a Change", name);
    if (!r)
        return;
    b2.data = r;
    b2.len = strlen(r);
    is_str(flat(write_item(&b2)), flat(w1), "%s: the same EAS item again",
           name);
    for (i = 0; kept[i]; i++)
        ok(strstr(r, kept[i]) != NULL, "%s: %s kept", name, kept[i]);
}

static void test_round_trip(void)
{
    static const char *tb[] = { "X-MOZ-GENERATION:2", "X-APPLE-SORT-ORDER:12",
        "DTSTART;VALUE=DATE:20260305", "DUE;TZID=Europe/Berlin:20260310T170000",
        "TRIGGER;RELATED=END:-PT30M", "PRIORITY:1", "STATUS:IN-PROCESS",
        "PERCENT-COMPLETE:40", "RRULE:FREQ=WEEKLY;BYDAY=TH", "CLASS:PRIVATE",
        NULL };
    static const char *apple[] = { "COMPLETED:20260202T073000Z",
        "PERCENT-COMPLETE:100", "DUE;VALUE=DATE:20260202", "STATUS:COMPLETED",
        NULL };

    round_trip("thunderbird_todo.ics", tb);
    round_trip("apple_done.ics", apple);
}

static void test_read(void)
{
    eas_blob_t b = load("thunderbird_todo.ics");
    const char *r;

    r = read_item(phone("<t:Subject>Call Bob</t:Subject>"
        "<t:Importance>0</t:Importance>"
        "<t:UtcDueDate>2026-04-01T08:30:00.000Z</t:UtcDueDate>"
        "<t:DueDate>2026-04-01T10:30:00.000Z</t:DueDate>"
        "<t:UtcStartDate>2026-03-30T22:00:00.000Z</t:UtcStartDate>"
        "<t:StartDate>2026-03-31T00:00:00.000Z</t:StartDate>"
        "<t:Complete>0</t:Complete><t:ReminderSet>1</t:ReminderSet>"
        "<t:ReminderTime>2026-04-01T08:00:00.000Z</t:ReminderTime>"), NULL);
    ok(r && strstr(r, "BEGIN:VTODO") && strstr(r, "SUMMARY:Call Bob")
       && strstr(r, "UID:"), "new task");
    ok(r && strstr(r, "PRIORITY:9"), "low importance");
    ok(r && strstr(r, "DUE:20260401T083000Z"), "timed due date in UTC");
    ok(r && strstr(r, "DTSTART;VALUE=DATE:20260331"),
       "a local midnight is a date");
    ok(r && strstr(r, "TRIGGER;VALUE=DATE-TIME:20260401T080000Z"),
       "reminder at its time");

    r = read_item(phone("<t:Subject>Weekly report</t:Subject>"
        "<t:Importance>2</t:Importance><t:Complete>1</t:Complete>"
        "<t:DateCompleted>2026-03-06T12:00:00.000Z</t:DateCompleted>"
        "<t:StartDate>2026-03-05T00:00:00.000Z</t:StartDate>"
        "<t:UtcStartDate>2026-03-04T23:00:00.000Z</t:UtcStartDate>"
        "<t:Recurrence><t:Type>1</t:Type><t:DayOfWeek>16</t:DayOfWeek>"
        "<t:Start>2026-03-05T00:00:00.000Z</t:Start>"
        "<t:Regenerate>0</t:Regenerate><t:DeadOccur>0</t:DeadOccur>"
        "</t:Recurrence>"), &b);
    ok(r && strstr(r, "STATUS:COMPLETED")
       && strstr(r, "COMPLETED:20260306T120000Z"), "marked complete");
    ok(r && !strstr(r, "DUE"), "due date the phone left out removed");
    ok(r && !strstr(r, "BEGIN:VALARM"), "reminder the phone unset removed");
    ok(r && strstr(r, "X-MOZ-GENERATION:2") && strstr(r, "PRIORITY:1")
       && strstr(r, "RRULE:FREQ=WEEKLY;BYDAY=TH"),
       "unknown properties, same importance and same rule kept as they were");
    ok(r && strstr(r, "DESCRIPTION:Send the numbers."),
       "body kept when the phone sends none");

    b.data = r;
    b.len = r ? strlen(r) : 0;
    r = read_item(phone("<t:Subject>Weekly report</t:Subject>"
        "<t:Complete>0</t:Complete>"), &b);
    ok(r && !strstr(r, "STATUS:COMPLETED") && !strstr(r, "\nCOMPLETED:")
       && strstr(r, "STATUS:NEEDS-ACTION"), "marked incomplete again");
    ok(r && !strstr(r, "RRULE:FREQ=WEEKLY"), "recurrence removed");
}

static void test_errors(void)
{
    eas_pim_opts_t o = opts();
    eas_pim_item_t out;
    eas_blob_t junk = { "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", 31 };
    const char *err = NULL;
    tu_enc_t t;

    ok(eas_pim_tasks.write(tu_enc_open(&t, pool), &junk, &o, &err, pool)
       == APR_EINVAL && err, "no VTODO: %s", err ? err : "");
    err = NULL;
    ok(eas_pim_tasks.read(phone("<t:DueDate>soon</t:DueDate>"), NULL, &o,
                          &out, &err, pool) == APR_EINVAL && err,
       "bad date: %s", err ? err : "");
    err = NULL;
    ok(eas_pim_tasks.read(phone("<t:Recurrence><t:Type>1</t:Type>"
                                "</t:Recurrence>"), NULL, &o, &out, &err,
                          pool) == APR_EINVAL && err,
       "recurrence without dates: %s", err ? err : "");
    ok(strcmp(eas_pim_tasks.content_type, "text/calendar") == 0
       && eas_pim_tasks.cls == EAS_CLASS_TASKS, "class table");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    eas_pim_tz_init();
    test_write();
    test_round_trip();
    test_read();
    test_errors();
    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
