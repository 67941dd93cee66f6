/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a device asks of a Sync collection (MS-ASCMD 2.2.3.115.5 Options):
 * the time window (FilterType), body preferences (MS-ASAIRS
 * BodyPreference), MIME support and the conflict rule.  Parsed from the
 * request, kept in the device's Sync cache as text, and handed to the
 * item writer.
 */
#ifndef EAS_SYNC_OPTIONS_H
#define EAS_SYNC_OPTIONS_H

#include <apr_pools.h>
#include <apr_time.h>
#include "wbxml.h"
#include "backend.h"

/* Most BodyPreference elements kept (one per body type, types 1-4). */
#define EAS_SYNC_MAX_PREFS 4

typedef struct {
    int type;                   /* 1 plain, 2 HTML, 3 RTF, 4 MIME */
    int has_truncation;         /* TruncationSize given */
    apr_uint32_t truncation;    /* bytes */
    int all_or_none;            /* AllOrNone */
    int preview;                /* Preview characters (14.0+), 0: none */
} eas_sync_bodypref_t;

typedef struct {
    int filter_type;            /* FilterType 0 (all) to 7, 8 (tasks not
                                   complete) */
    int conflict;               /* 1 server wins (default), 0 client wins */
    int mime_support;           /* 0 never, 1 S/MIME only, 2 always */
    long mime_truncation;       /* bytes from MIMETruncation, -1: none */
    int max_items;              /* MaxItems (14.0+), 0: not given */
    int nprefs;
    eas_sync_bodypref_t prefs[EAS_SYNC_MAX_PREFS];
} eas_sync_options_t;

/* The defaults a collection has before any Options were sent. */
void eas_sync_options_default(eas_sync_options_t *o);

/*
 * Parse the Options elements of a Sync (or GetItemEstimate) Collection,
 * first: the first of them; the one for the collection's class (no Class,
 * or any Class but SMS and MMS, which are skipped) counts.  *found says
 * whether one was used.  Returns NULL, or why the request is malformed.
 */
const char *eas_sync_options_parse(const eas_node_t *first,
                                   eas_sync_options_t *o, int *found);

/* A FilterType value alone (12.x GetItemEstimate); NULL or why not. */
const char *eas_sync_filter_parse(const char *text, int *filter_type);

/*
 * The oldest item time inside the FilterType window (0: no window),
 * narrowed to max_filter (the policy's MaxEmailAgeFilter, 0: none).
 */
apr_time_t eas_sync_since(int filter_type, int max_filter, apr_time_t now);

/* FilterType 8: tasks that are not complete (MS-ASCMD 2.2.3.68). */
#define EAS_FILTER_INCOMPLETE 8

/* The backend's listing filter for a FilterType (see eas_sync_since). */
void eas_sync_filter(int filter_type, int max_filter, apr_time_t now,
                     eas_filter_t *f);

/* A decimal in [0, max]; 0 on success, -1 if it is not one. */
int eas_sync_number(const char *s, apr_int64_t max, apr_int64_t *out);

/* The options as one line of text without spaces, and back (0 or -1). */
const char *eas_sync_options_text(const eas_sync_options_t *o, apr_pool_t *p);
int eas_sync_options_from_text(const char *s, eas_sync_options_t *o);

#endif
