/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Meetings between iCalendar scheduling (iTIP, RFC 5546) and ActiveSync:
 * the Email:MeetingRequest element of an invitation or cancellation in
 * mail (MS-ASEMAIL 2.2.2.48) with its GlobalObjId (MS-ASEMAIL 2.2.2.37,
 * the PidLidGlobalObjectId layout of MS-OXOCAL 2.2.1.27), and the
 * objects MeetingResponse and the organizer's changes need: the
 * attendee's answer set in an event, an iTIP REPLY, an organizer's
 * REQUEST or CANCEL.
 *
 * Like the converters (pim.h): no Apache headers, input never trusted,
 * APR_EINVAL with *err (a few words, never the item's content) for what
 * is not a usable object, results in the pool passed in.
 */
#ifndef EAS_PIM_MEETING_H
#define EAS_PIM_MEETING_H

#include <apr_tables.h>

#include "pim.h"

/* MeetingResponse UserResponse values (MS-ASCMD 2.2.3.191). */
#define EAS_MEETING_ACCEPT    1
#define EAS_MEETING_TENTATIVE 2
#define EAS_MEETING_DECLINE   3

/* ---- GlobalObjId ---- */

/*
 * The GlobalObjId of a UID, base64: an Outlook UID (the hex form of a
 * PidLidGlobalObjectId, "040000008200E000...") is that structure itself;
 * any other UID is carried as "vCal-Uid" data in a structure of its own.
 */
const char *eas_goid_from_uid(const char *uid, apr_pool_t *p);
/* The UID back from a GlobalObjId (base64), or NULL when it is not one. */
const char *eas_goid_to_uid(const char *b64, apr_size_t len, apr_pool_t *p);
/* Whether two UIDs name the same meeting (an Outlook UID in any case). */
int eas_meeting_same_uid(const char *a, const char *b);

/* ---- invitations in mail ---- */

/*
 * The Email:MeetingRequest element for a text/calendar part (METHOD
 * REQUEST or CANCEL), for o->version (12.0 to 14.1: DisallowNewTime-
 * Proposal from 14.0, MeetingMessageType from 14.1).  Nothing is written
 * when it is not an event with a start (APR_EINVAL).
 */
apr_status_t eas_meeting_write_request(eas_wbxml_enc_t *enc,
                                       const eas_blob_t *ical,
                                       const eas_pim_opts_t *o,
                                       const char **err, apr_pool_t *p);

/* What a scheduling object is about. */
typedef struct {
    const char *method;         /* "REQUEST", "CANCEL"... or NULL */
    const char *uid;            /* the event's UID, or NULL */
    const char *summary;        /* SUMMARY, or NULL */
    const char *organizer;      /* the organizer's address, or NULL */
    int sequence;
    int attendees;              /* how many ATTENDEEs the event has */
    int occurrence;             /* only an occurrence (RECURRENCE-ID) */
} eas_meeting_info_t;

apr_status_t eas_meeting_info(const eas_blob_t *ical, eas_meeting_info_t *mi,
                              const char **err, apr_pool_t *p);

/* ---- the attendee's answer ---- */

/*
 * The event to keep in the calendar with the user's answer (response
 * EAS_MEETING_*): item is an invitation (METHOD is dropped) or the
 * calendar's own object.  The user is the ATTENDEE whose address is one
 * of addrs (const char *, case-insensitive); one is added for addrs[0]
 * when none is.  *attendee is the address answered for.  instance (UTC,
 * 0: the whole meeting) answers for one occurrence of a series: its
 * override (made when missing) gets the answer, and a declined one
 * leaves the series (EXDATE); APR_ENOENT when the series has no
 * occurrence then.
 */
apr_status_t eas_meeting_answer(const eas_blob_t *item,
                                const apr_array_header_t *addrs,
                                int response, apr_time_t instance,
                                const eas_pim_opts_t *o, eas_blob_t *out,
                                const char **attendee, const char **err,
                                apr_pool_t *p);

/*
 * The iTIP REPLY (RFC 5546 3.2.3) of attendee to the event in item: the
 * event's identity (UID, SEQUENCE, RECURRENCE-ID: the occurrence's for an
 * instance, UTC), its times in UTC, the ORGANIZER and that one ATTENDEE
 * with its PARTSTAT.
 */
apr_status_t eas_meeting_reply(const eas_blob_t *item, const char *attendee,
                               int response, apr_time_t instance,
                               const eas_pim_opts_t *o, eas_blob_t *out,
                               const char **err, apr_pool_t *p);

/* ---- the organizer's changes ---- */

/*
 * A new event from the phone with attendees but no ORGANIZER is the
 * user's meeting (MS-ASCAL MeetingStatus 1): ORGANIZER is set to the user
 * in *out.  Returns whether it was.
 */
int eas_meeting_claim(const eas_blob_t *item, const eas_pim_opts_t *o,
                      eas_blob_t *out, apr_pool_t *p);

/* Whether the user (o->user_email) organizes the event and it has
   attendees other than the user. */
int eas_meeting_organized(const eas_blob_t *item, const eas_pim_opts_t *o,
                          apr_pool_t *p);

/*
 * Whether a change matters to the attendees (times, recurrence, summary,
 * location, description, status, attendees); new is then given a
 * SEQUENCE above old's in *out (else *out is new as it is).
 */
int eas_meeting_bump(const eas_blob_t *old, const eas_blob_t *new_item,
                     const eas_pim_opts_t *o, eas_blob_t *out,
                     apr_pool_t *p);

/*
 * The iTIP REQUEST (cancel 0) or CANCEL (cancel 1: STATUS:CANCELLED,
 * SEQUENCE raised) of an event the user organizes, and the attendees to
 * mail it to (const char * addresses, the user left out).  only: when
 * not NULL, just these addresses (attendees removed by a change get a
 * CANCEL of their own).
 */
apr_status_t eas_meeting_itip(const eas_blob_t *item, int cancel,
                              const eas_pim_opts_t *o, eas_blob_t *out,
                              apr_array_header_t **rcpts, const char **err,
                              apr_pool_t *p);

/* Attendees of old that new no longer has (const char * addresses). */
apr_array_header_t *eas_meeting_removed(const eas_blob_t *old,
                                        const eas_blob_t *new_item,
                                        const eas_pim_opts_t *o,
                                        apr_pool_t *p);

#endif
