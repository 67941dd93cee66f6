/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Groupware item converters: iCalendar and vCard <-> ActiveSync
 * (MS-ASCAL, MS-ASCNTC, MS-ASTASK, MS-ASNOTE, MS-ASAIRS bodies,
 * MS-ASDTYPE dates).
 *
 * One converter per class, chosen by the folder's class
 * (eas_pim_class()).  Backends move bytes (iCalendar for Calendar, Tasks
 * and Notes; vCard for Contacts) and never see EAS; command code never
 * parses iCalendar or vCard itself.  No Apache headers: APR, libical, the
 * WBXML codec and the email library's text helpers only, so the unit
 * tests and the fuzz targets run them alone.
 *
 * Both directions:
 *   write  item bytes -> the children of <ApplicationData> (Sync Add and
 *          Change, ItemOperations Fetch <Properties>, Search results),
 *          streamed into the encoder.
 *   read   the phone's <ApplicationData> (Sync Add or Change) -> item
 *          bytes.  For a Change the server's current item is passed as
 *          old: the result is old with only what EAS carries rewritten,
 *          so that what the phone does not know (X- properties, unknown
 *          vCard fields, attendee parameters, other alarms) survives.
 *          Per MS-ASCMD a Change carries the whole item: a property the
 *          class defines and the phone left out is removed, except the
 *          Body, which is kept when the phone sends none (phones send no
 *          body when they truncated it) and GhostedProperties, which keep
 *          their old value.
 *
 * Errors: APR_SUCCESS; APR_EINVAL when the input cannot be converted
 * (a malformed item on the server: the caller skips it with a log line;
 * a malformed item from the phone: Sync Status 6), with *err saying what
 * was wrong in a few words, never quoting the item's content (bodies and
 * names never reach logs).  write refuses a malformed item before it
 * writes anything, so that the caller can leave the item out of a
 * response already under way.  Converters never fail on content that is
 * merely odd: best effort, as email does.
 *
 * Threads: eas_pim_init() once per process before threads; afterwards
 * every function may run concurrently on different items.  Memory: all
 * results in the pool passed in.
 */
#ifndef EAS_PIM_H
#define EAS_PIM_H

#include <apr_pools.h>
#include <apr_time.h>

#include "backend.h"    /* eas_blob_t, eas_class_t */
#include "email.h"      /* eas_bodypref_t, EAS_BODY_* */
#include "wbxml.h"

/* Limits and the context a conversion needs. */
typedef struct {
    int version;                /* 120, 121, 140, 141 (160, 161 later) */
    const eas_bodypref_t *prefs;/* the client's BodyPreference list */
    int nprefs;                 /* 0: plain text, untruncated */
    apr_size_t max_item;        /* largest item accepted from the phone,
                                   bytes of the result (0: no limit) */
    apr_size_t max_photo;       /* largest contact photo sent or accepted,
                                   decoded bytes (0: no limit); a larger
                                   one is left out (write) or refused with
                                   APR_EINVAL (read) */
    int max_attendees;          /* most attendees sent or accepted (0: no
                                   limit); more are left out on write and
                                   refused on read */
    const char *user_email;     /* the user's address: tells the organizer
                                   from an attendee (MeetingStatus) */
    const char *tzid;           /* the user's time zone (Olson name) for
                                   what has no zone of its own: birthdays
                                   and anniversaries (sent as the user's
                                   local midnight, as Exchange does),
                                   all-day events, floating times; NULL:
                                   UTC */
    apr_time_t now;             /* DTSTAMP, LAST-MODIFIED, new UIDs */
} eas_pim_opts_t;

/* An item made from the phone's data. */
typedef struct {
    eas_blob_t data;            /* the iCalendar object or the vCard */
    const char *uid;            /* its UID: the old one on a Change, a new
                                   one on an Add unless the phone gave one
                                   (Calendar UID) */
} eas_pim_item_t;

typedef struct eas_pim_class {
    eas_class_t cls;
    const char *content_type;   /* "text/calendar", "text/vcard" */
    /* item bytes -> children of <ApplicationData> */
    apr_status_t (*write)(eas_wbxml_enc_t *enc, const eas_blob_t *item,
                          const eas_pim_opts_t *o, const char **err,
                          apr_pool_t *p);
    /* <ApplicationData> (old: the current item on a Change, NULL on an
       Add) -> item bytes */
    apr_status_t (*read)(const eas_node_t *appdata, const eas_blob_t *old,
                         const eas_pim_opts_t *o, eas_pim_item_t *out,
                         const char **err, apr_pool_t *p);
} eas_pim_class_t;

/* libical's and the time-zone tables' set-up, once per process. */
void eas_pim_init(void);

/* The converter of a class, or NULL (Email is not a PIM class). */
const eas_pim_class_t *eas_pim_class(eas_class_t cls);

/* The converters (each in its own file: pim_contact.c, pim_calendar.c,
   pim_task.c, pim_note.c). */
extern const eas_pim_class_t eas_pim_contacts, eas_pim_calendar,
    eas_pim_tasks, eas_pim_notes;

/* ------------------------------------------------------------------ */
/* Shared by the converters (pim_common.c)                             */
/* ------------------------------------------------------------------ */

/*
 * <AirSyncBase:Body> for a text body (UTF-8, plain): the first
 * preference for plain text or HTML (HTML made from the text), truncated
 * on a character boundary as the preference asks, with Preview on 14.0+.
 * Nothing is written for an empty or NULL text.
 */
void eas_pim_write_body(eas_wbxml_enc_t *enc, const char *text,
                        apr_size_t len, const eas_pim_opts_t *o,
                        apr_pool_t *p);

/*
 * The phone's body as plain UTF-8 text: AirSyncBase:Body/Data (Type 1,
 * or Type 2 turned into text) or, for 2.5, the class's own legacy tag
 * (0: none).  Returns NULL when the phone sent no body (the old one is
 * kept), "" when it sent an empty one (the body is removed).
 */
const char *eas_pim_read_body(const eas_node_t *appdata, eas_tag_t legacy,
                              apr_pool_t *p);

/*
 * MS-ASDTYPE dates.  Parsing accepts both forms the specs and real
 * clients use: "2026-12-07T13:24:26.000Z" (extended) and
 * "20261207T132426Z" (compact), with or without fractions or the Z.
 * Returns 0 and sets *t (UTC) on success, -1 otherwise.
 */
int eas_pim_parse_time(const char *s, apr_time_t *t);
/* "20261207T132426Z": Calendar class times */
const char *eas_pim_time_compact(apr_time_t t, apr_pool_t *p);
/* "2026-12-07T13:24:26.000Z": Contacts, Tasks, Notes */
const char *eas_pim_time_ext(apr_time_t t, apr_pool_t *p);

/* A new globally unique id for an item the phone created (UUID form). */
const char *eas_pim_new_uid(apr_pool_t *p);

#endif
