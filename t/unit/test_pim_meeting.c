/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Meetings (mod_eas/pim/pim_meeting*.c and the email writer's
 * MeetingRequest): invitations and a cancellation as Outlook, Google,
 * Apple and Thunderbird mail them (t/pim/meetings) become the MessageClass
 * and MeetingRequest the spec gives; GlobalObjId round-trips to the UID
 * for an Outlook UID and a plain one; the attendee's answer, the REPLY,
 * the organizer's REQUEST, CANCEL and SEQUENCE rules.
 */
#include "tap.h"
#include "tree_util.h"
#include "pim.h"
#include "pim_meeting.h"
#include "pim_tz.h"
#include "email.h"

#include <apr_base64.h>
#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>

#define USER "alice@example.org"
#define OUTLOOK_UID "040000008200E00074C5B7101A82E00800000000D0F1A2B3C4D5" \
    "DC01000000000000000010000000A1B2C3D4E5F60718293A4B5C6D7E8F90"

static apr_pool_t *pool;

static eas_pim_opts_t opts(int version)
{
    eas_pim_opts_t o;

    memset(&o, 0, sizeof o);
    o.version = version;
    o.user_email = USER;
    o.tzid = "Europe/Berlin";
    o.now = apr_time_from_sec(1796630400);
    return o;
}

static eas_blob_t load(const char *name)
{
    return tu_file(pool, apr_pstrcat(pool, EAS_PIM_DIR "/meetings/", name, NULL));
}

static eas_blob_t text(const char *s)
{
    eas_blob_t b = { s, strlen(s) };

    return b;
}

static const char *str(const eas_blob_t *b)
{
    return apr_pstrmemdup(pool, b->data, b->len);
}

static eas_node_t *mail(const char *name, int version)
{
    eas_blob_t m = load(name);
    eas_email_opts_t o;
    tu_enc_t t;
    eas_wbxml_enc_t *e = tu_enc_open(&t, pool);

    memset(&o, 0, sizeof o);
    o.version = version;
    o.tzid = "Europe/Berlin";
    o.user_email = USER;
    if (!m.data || eas_email_write(e, &m, &o, pool) != APR_SUCCESS)
        return NULL;
    return tu_enc_tree(&t);
}

static const char *goid_uid(const eas_node_t *mr)
{
    const char *g = tu_text(mr, EAS_Email_GlobalObjId);

    return g ? eas_goid_to_uid(g, strlen(g), pool) : NULL;
}

/* ---- GlobalObjId ---- */

static void test_goid(void)
{
    const char *plain = "7kukuqrfedlm2f9t0vvktjsr3i@google.com";
    const char *g = eas_goid_from_uid(plain, pool);
    unsigned char raw[256];
    int n;

    ok(g != NULL, "GlobalObjId of a plain UID");
    n = apr_base64_decode_binary(raw, g);
    is_int(n, 40 + 12 + (int)strlen(plain) + 1, "header, vCal-Uid, UID, NUL");
    ok(raw[0] == 0x04 && raw[4] == 0x82 && raw[15] == 0x08, "class id");
    ok(memcmp(raw + 40, "vCal-Uid\x01\0\0\0", 12) == 0, "vCal-Uid data");
    is_int(raw[36], 12 + (int)strlen(plain) + 1, "data size");
    is_str(eas_goid_to_uid(g, strlen(g), pool), plain, "plain UID back");

    g = eas_goid_from_uid(OUTLOOK_UID, pool);
    n = apr_base64_decode_binary(raw, g);
    is_int(n, (int)strlen(OUTLOOK_UID) / 2, "Outlook UID is the structure");
    is_str(eas_goid_to_uid(g, strlen(g), pool), OUTLOOK_UID,
           "Outlook UID back");
    ok(eas_meeting_same_uid(OUTLOOK_UID,
                            apr_pstrcat(pool, "040000008200e00074c5b7101a82e008"
                                        "07EA0114", OUTLOOK_UID + 40, NULL)),
       "Outlook UIDs compare without case or instance date");
    ok(!eas_meeting_same_uid(plain, "other@google.com"), "other UID");
    ok(eas_goid_to_uid("AAAA", 4, pool) == NULL, "too short: no UID");
    ok(eas_goid_to_uid("!!!", 3, pool) == NULL, "not base64: no UID");
}

/* ---- MeetingRequest in mail ---- */

static void test_outlook(void)
{
    eas_node_t *ad = mail("outlook_request.eml", 141);
    const eas_node_t *mr = tu_find(ad, EAS_Email_MeetingRequest);

    is_str(tu_text(ad, EAS_Email_MessageClass), "IPM.Schedule.Meeting.Request",
           "Outlook: class");
    ok(mr != NULL, "Outlook: MeetingRequest");
    is_str(tu_text(mr, EAS_Email_AllDayEvent), "0", "not all-day");
    is_str(tu_text(mr, EAS_Email_StartTime), "2027-01-14T09:00:00.000Z",
           "StartTime from the Windows zone");
    is_str(tu_text(mr, EAS_Email_EndTime), "2027-01-14T10:30:00.000Z",
           "EndTime");
    is_str(tu_text(mr, EAS_Email_DtStamp), "2026-12-07T12:00:00.000Z",
           "DtStamp");
    is_str(tu_text(mr, EAS_Email_InstanceType), "1", "a series");
    is_str(tu_text(mr, EAS_Email_Location), "Room Berlin", "Location");
    is_str(tu_text(mr, EAS_Email_Organizer),
           "\"Boss Person\" <boss@example.com>", "Organizer");
    is_str(tu_text(mr, EAS_Email_Reminder), "900", "Reminder in seconds");
    is_str(tu_text(mr, EAS_Email_ResponseRequested), "1", "RSVP");
    is_str(tu_text(mr, EAS_Email_Type), "3", "monthly on the nth day");
    is_str(tu_text(mr, EAS_Email_Occurrences), "12", "12 times");
    is_str(tu_text(mr, EAS_Email_Interval), "1", "Interval always");
    is_str(tu_text(mr, EAS_Email_BusyStatus), "1", "tentative");
    is_str(tu_text(mr, EAS_Email_Sensitivity), "0", "normal");
    ok(tu_text(mr, EAS_Email_TimeZone) != NULL, "TimeZone");
    is_str(goid_uid(mr), OUTLOOK_UID, "GlobalObjId gives the Outlook UID");
    is_str(tu_text(mr, EAS_Email2_MeetingMessageType), "1", "initial");
    is_str(tu_text(ad, EAS_Email_ContentClass),
           "urn:content-classes:calendarmessage", "ContentClass");
}

static void test_google(void)
{
    eas_node_t *ad = mail("google_request.eml", 140);
    const eas_node_t *mr = tu_find(ad, EAS_Email_MeetingRequest);

    is_str(tu_text(ad, EAS_Email_MessageClass), "IPM.Schedule.Meeting.Request",
           "Google: class");
    is_str(tu_text(mr, EAS_Email_StartTime), "2027-01-20T15:00:00.000Z",
           "Google: StartTime");
    is_str(tu_text(mr, EAS_Email_InstanceType), "0", "single");
    is_str(goid_uid(mr), "7kukuqrfedlm2f9t0vvktjsr3i@google.com",
           "GlobalObjId gives the plain UID");
    ok(tu_find(mr, EAS_Email2_MeetingMessageType) == NULL,
       "no MeetingMessageType before 14.1");
    ok(tu_find(mr, EAS_Email_Recurrences) == NULL, "no Recurrences");

    ad = mail("google_cancel.eml", 141);
    mr = tu_find(ad, EAS_Email_MeetingRequest);
    is_str(tu_text(ad, EAS_Email_MessageClass),
           "IPM.Schedule.Meeting.Canceled", "cancellation: class");
    ok(mr != NULL, "cancellation: MeetingRequest");
    is_str(tu_text(mr, EAS_Email_ResponseRequested), "0",
           "no response to a cancellation");
    is_str(tu_text(mr, EAS_Email2_MeetingMessageType), "0", "unspecified");
}

static void test_apple_thunderbird(void)
{
    eas_node_t *ad = mail("apple_request.eml", 141);
    const eas_node_t *mr = tu_find(ad, EAS_Email_MeetingRequest);

    is_str(tu_text(ad, EAS_Email_MessageClass), "IPM.Schedule.Meeting.Request",
           "Apple (attached invite.ics): class");
    is_str(tu_text(mr, EAS_Email_AllDayEvent), "1", "Apple: all-day");
    is_str(tu_text(mr, EAS_Email_StartTime), "2027-02-02T23:00:00.000Z",
           "all-day: the user's midnight");
    is_str(tu_text(mr, EAS_Email_BusyStatus), "0", "transparent: free");

    ad = mail("thunderbird_request.eml", 141);
    mr = tu_find(ad, EAS_Email_MeetingRequest);
    is_str(tu_text(mr, EAS_Email_StartTime), "2027-01-04T08:00:00.000Z",
           "Thunderbird: StartTime");
    is_str(tu_text(mr, EAS_Email_Type), "1", "weekly");
    is_str(tu_text(mr, EAS_Email_DayOfWeek), "10", "Monday and Wednesday");
    ok(tu_text(mr, EAS_Email_Until) != NULL, "Until");
    is_str(tu_text(mr, EAS_Email_Reminder), "300", "5 minutes");
    ok(tu_text(mr, EAS_Email2_FirstDayOfWeek) != NULL
       || tu_find(mr, EAS_Email2_CalendarType) != NULL, "14.1 recurrence");
}

static void test_plain_mail(void)
{
    eas_blob_t cal;

    ok(tu_find(mail("google_request.eml", 120), EAS_Email_MeetingRequest)
       != NULL, "12.0 has MeetingRequest too");
    cal = text("Subject: x\n\nhi\n");
    is_int(eas_email_calendar(&cal, &cal, pool), APR_ENOENT,
           "no calendar part");
    cal = load("outlook_request.eml");
    is_int(eas_email_calendar(&cal, &cal, pool), APR_SUCCESS,
           "calendar part of a base64 one");
    ok(strstr(str(&cal), "METHOD:REQUEST") != NULL, "decoded");
}

/* ---- answers ---- */

static eas_blob_t calendar_of(const char *name)
{
    eas_blob_t m = load(name), cal = { NULL, 0 };

    eas_email_calendar(&m, &cal, pool);
    return cal;
}

static apr_array_header_t *me(void)
{
    apr_array_header_t *a = apr_array_make(pool, 1, sizeof(const char *));

    *(const char **)apr_array_push(a) = USER;
    return a;
}

static void test_answer(void)
{
    eas_pim_opts_t o = opts(141);
    eas_blob_t cal = calendar_of("google_request.eml"), out, reply;
    const char *err = NULL, *att = NULL, *s;

    is_int(eas_meeting_answer(&cal, me(), EAS_MEETING_ACCEPT, 0, &o, &out, &att,
                              &err, pool), APR_SUCCESS, "answer");
    s = str(&out);
    ok(strstr(s, "METHOD") == NULL, "the calendar's copy has no METHOD");
    ok(strstr(s, "PARTSTAT=ACCEPTED") != NULL, "accepted");
    is_str(att, USER, "answered for the user");
    ok(strstr(s, "carol.organizer@gmail.com") != NULL, "organizer kept");

    is_int(eas_meeting_reply(&out, att, EAS_MEETING_TENTATIVE, 0, &o, &reply,
                             &err, pool), APR_SUCCESS, "reply");
    s = str(&reply);
    ok(strstr(s, "METHOD:REPLY") != NULL, "METHOD:REPLY");
    ok(strstr(s, "PARTSTAT=TENTATIVE") != NULL, "tentative");
    ok(strstr(s, "UID:7kukuqrfedlm2f9t0vvktjsr3i@google.com") != NULL, "UID");
    ok(strstr(s, "ORGANIZER") != NULL, "ORGANIZER");
    ok(strstr(s, "bob") == NULL && strstr(s, "NEEDS-ACTION") == NULL,
       "only the user's attendee");

    cal = text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x1\r\n"
               "DTSTART:20270101T100000Z\r\nORGANIZER:mailto:o@example.com\r\n"
               "END:VEVENT\r\nEND:VCALENDAR\r\n");
    is_int(eas_meeting_answer(&cal, me(), EAS_MEETING_DECLINE, 0, &o, &out, &att,
                              &err, pool), APR_SUCCESS, "not listed");
    ok(strstr(str(&out), "PARTSTAT=DECLINED:mailto:" USER) != NULL,
       "the user added as an attendee");
    cal = text("not a calendar");
    is_int(eas_meeting_answer(&cal, me(), 1, 0, &o, &out, &att, &err, pool),
           APR_EINVAL, "garbage refused");
}

/* One occurrence of the Thunderbird series (Mondays and Wednesdays at
   09:00 Europe/Berlin from 2027-01-04). */
static void test_instance(void)
{
    eas_pim_opts_t o = opts(141);
    eas_blob_t cal = calendar_of("thunderbird_request.eml"), out, reply;
    const char *err = NULL, *att = NULL, *s;
    apr_time_t wed = apr_time_from_sec(1799193600 + 8 * 3600); /* 01-06 */

    is_int(eas_meeting_answer(&cal, me(), EAS_MEETING_ACCEPT, wed, &o, &out,
                              &att, &err, pool), APR_SUCCESS,
           "answer for one occurrence");
    s = str(&out);
    ok(strstr(s, "RECURRENCE-ID;TZID=Europe/Berlin:20270106T090000") != NULL,
       "its override");
    ok(strstr(s, "PARTSTAT=ACCEPTED") != NULL
       && strstr(s, "PARTSTAT=NEEDS-ACTION") != NULL,
       "accepted there, the series still unanswered");
    is_int(eas_meeting_reply(&out, att, EAS_MEETING_ACCEPT, wed, &o, &reply,
                             &err, pool), APR_SUCCESS, "its reply");
    ok(strstr(str(&reply), "RECURRENCE-ID:20270106T080000Z") != NULL,
       "the reply names the occurrence");
    is_int(eas_meeting_answer(&cal, me(), EAS_MEETING_ACCEPT,
                              wed + apr_time_from_sec(3600), &o, &out, &att,
                              &err, pool), APR_ENOENT, "no occurrence then");
    is_int(eas_meeting_answer(&cal, me(), EAS_MEETING_DECLINE, wed, &o, &out,
                              &att, &err, pool), APR_SUCCESS,
           "decline one occurrence");
    ok(strstr(str(&out), "EXDATE;TZID=Europe/Berlin:20270106T090000") != NULL,
       "it leaves the series");
}

/* ---- the organizer ---- */

#define ORG_EVENT(seq, summary, trigger) \
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:org-1\r\n" \
    "DTSTART:20270301T100000Z\r\nDTEND:20270301T110000Z\r\n" \
    "SEQUENCE:" seq "\r\nSUMMARY:" summary "\r\n" \
    "ORGANIZER:mailto:" USER "\r\n" \
    "ATTENDEE;PARTSTAT=ACCEPTED:mailto:" USER "\r\n" \
    "ATTENDEE;RSVP=TRUE:mailto:bob@example.org\r\n" \
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:" trigger \
    "\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

static void test_organizer(void)
{
    eas_pim_opts_t o = opts(141);
    eas_blob_t a = text(ORG_EVENT("2", "Plan", "-PT5M"));
    eas_blob_t b = text(ORG_EVENT("2", "Plan", "-PT30M"));
    eas_blob_t c = text(ORG_EVENT("2", "New plan", "-PT5M"));
    eas_blob_t out, itip;
    apr_array_header_t *rcpts;
    const char *err = NULL;

    ok(eas_meeting_organized(&a, &o, pool), "the user organizes it");
    o.user_email = "bob@example.org";
    ok(!eas_meeting_organized(&a, &o, pool), "not for an attendee");
    o.user_email = USER;
    ok(!eas_meeting_bump(&a, &b, &o, &out, pool), "a reminder is private");
    ok(eas_meeting_bump(&a, &c, &o, &out, pool), "a new summary matters");
    ok(strstr(str(&out), "SEQUENCE:3") != NULL, "SEQUENCE raised");

    is_int(eas_meeting_itip(&out, 0, &o, &itip, &rcpts, &err, pool),
           APR_SUCCESS, "REQUEST");
    ok(strstr(str(&itip), "METHOD:REQUEST") != NULL, "METHOD:REQUEST");
    ok(strstr(str(&itip), "VALARM") == NULL, "no alarm sent");
    is_int(rcpts->nelts, 1, "one recipient");
    is_str(APR_ARRAY_IDX(rcpts, 0, const char *), "bob@example.org",
           "the attendee, not the user");

    is_int(eas_meeting_itip(&a, 1, &o, &itip, &rcpts, &err, pool),
           APR_SUCCESS, "CANCEL");
    ok(strstr(str(&itip), "METHOD:CANCEL") != NULL, "METHOD:CANCEL");
    ok(strstr(str(&itip), "STATUS:CANCELLED") != NULL, "STATUS:CANCELLED");
    ok(strstr(str(&itip), "SEQUENCE:3") != NULL, "cancel raises SEQUENCE");

    b = text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n"
             "UID:org-1\r\nDTSTART:20270301T100000Z\r\n"
             "ORGANIZER:mailto:" USER "\r\n"
             "ATTENDEE:mailto:carol@example.org\r\nEND:VEVENT\r\n"
             "END:VCALENDAR\r\n");
    rcpts = eas_meeting_removed(&a, &b, &o, pool);
    is_int(rcpts->nelts, 1, "one attendee removed");
    is_str(APR_ARRAY_IDX(rcpts, 0, const char *), "bob@example.org",
           "bob removed");
}

/* ---- the iMIP message ---- */

static void test_imip(void)
{
    apr_array_header_t *to = apr_array_make(pool, 1, sizeof(const char *));
    eas_blob_t ical = text("BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n"
                           "END:VCALENDAR\r\n"), cal;
    eas_composed_t out;
    eas_imip_t m;
    const char *err = NULL, *s;

    *(const char **)apr_array_push(to) = "boss@example.com";
    memset(&m, 0, sizeof m);
    m.from_addr = USER;
    m.from_name = "Alice";
    m.to = to;
    m.subject = "Accepted: Plan";
    m.text = "Yes.\n";
    m.method = "REPLY";
    m.ical = &ical;
    is_int(eas_email_imip(&m, &out, pool, &err), APR_SUCCESS, "iMIP built");
    s = str(&out.message);
    ok(strstr(s, "method=REPLY") != NULL, "text/calendar with its method");
    ok(strstr(s, "multipart/alternative") != NULL, "alternative");
    is_int(out.rcpts->nelts, 1, "one recipient");
    is_str(out.from, USER, "from the user");
    ok(out.message_id != NULL, "Message-ID");
    is_int(eas_email_calendar(&out.message, &cal, pool), APR_SUCCESS,
           "its calendar part reads back");
    ok(cal.len == ical.len && memcmp(cal.data, ical.data, cal.len) == 0,
       "with its CRLF line ends");
    m.to = apr_array_make(pool, 1, sizeof(const char *));
    is_int(eas_email_imip(&m, &out, pool, &err), APR_EINVAL, "nobody to");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    eas_email_init();
    eas_pim_tz_init();
    test_goid();
    test_outlook();
    test_google();
    test_apple_thunderbird();
    test_plain_mail();
    test_answer();
    test_instance();
    test_organizer();
    test_imip();
    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
