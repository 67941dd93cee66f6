/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Meetings on the module's side: scheduling mail sent for the user
 * (iMIP, RFC 6047) through the mail commands' transport, and what Sync
 * does when the phone adds, changes or deletes an event the user
 * organizes (RFC 5546 3.2.2 REQUEST, 3.2.5 CANCEL): invitations and
 * cancellations to the attendees unless EASMeetingMail is Off or the DAV
 * server schedules itself (RFC 6638).  MeetingResponse is
 * cmd_meetingresponse.c.
 */
#ifndef EAS_MEETING_H
#define EAS_MEETING_H

#include "context.h"
#include "pim.h"

/*
 * Mail an iCalendar object with its method (REQUEST, REPLY, CANCEL) from
 * the user to to (const char * addresses), with subject and text.
 * APR_SUCCESS, or a failure already logged.
 */
apr_status_t eas_meeting_send(eas_ctx_t *ctx, eas_store_t *st,
                              const char *method, const char *subject,
                              const char *text,
                              const apr_array_header_t *to,
                              const eas_blob_t *ical);

/* The converter's options for the user (version, zone, address). */
void eas_meeting_opts(eas_ctx_t *ctx, eas_pim_opts_t *o);

/* Before the phone's new event is written: a meeting without an
   organizer is the user's (ORGANIZER set in *item). */
void eas_meeting_before_add(eas_ctx_t *ctx, eas_blob_t *item);

/*
 * Before the phone's change of an event is written: when the user
 * organizes it and the change matters to the attendees, its SEQUENCE is
 * raised in *item.  Returns whether mail is due after the write.
 */
int eas_meeting_before_change(eas_ctx_t *ctx, eas_store_t *st,
                              const char *folder, const eas_blob_t *old,
                              eas_blob_t *item);

/*
 * After a successful write: old is the event before (NULL for an Add),
 * now after (NULL for a Delete); due is what eas_meeting_before_change
 * said (Adds and Deletes: 1).  Mails the REQUEST or CANCEL when the user
 * organizes the event.  Failures are logged, never reported to the
 * phone: its change is stored.
 */
void eas_meeting_after_write(eas_ctx_t *ctx, eas_store_t *st,
                             const char *folder, const eas_blob_t *old,
                             const eas_blob_t *now, int due);

#endif
