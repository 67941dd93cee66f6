/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A CalDAV (RFC 4791) / CardDAV (RFC 6352) client: discovery (RFC 6764),
 * collection listing, changes (sync-collection, RFC 6578, or an ETag
 * listing), queries and multiget, item and collection writes (RFC 4918,
 * MKCALENDAR, extended MKCOL of RFC 5689).
 *
 * It moves bytes (iCalendar, vCard) and knows nothing of EAS: the dav
 * backend's glue maps collections to folders and hrefs to item ids.  It
 * needs APR, libcurl and libxml2, nothing of Apache httpd.
 *
 * Hrefs.  Every href given out is an absolute path on the server's origin
 * ("/dav/alice/cal/1.ics"), normalised (dot segments removed, unreserved
 * characters decoded), and under the user's principal or one of the home
 * sets: an href from a server answer that is not is dropped and logged.
 * Every href the caller passes in is checked the same way before use
 * (APR_EACCES when it is outside), so an href stored in the state database
 * can never lead the client to another user's data or another host.
 *
 * Errors are apr_status_t:
 *   APR_SUCCESS
 *   APR_ENOENT     404/410: no such item or collection
 *   APR_EACCES     401/403, or an href outside the user's space
 *   APR_ENOTIMPL   405/501: the server will not do it (e.g. MKCALENDAR)
 *   APR_EINVAL     400/409/413/415/422: the server refused the request as
 *                  invalid (bad iCalendar, missing parent), or a bad
 *                  argument
 *   APR_ENOSPC     507 on a write: the server's storage is full
 *   DAV_ECONFLICT  412: the item changed since the ETag the caller gave
 *                  (or, for a new item, one exists at that href)
 *   DAV_EUNAVAIL   the server cannot be reached, timed out or answered
 *                  5xx/408/429: try again later (EAS Status 5, HTTP 503
 *                  with Retry-After)
 *   DAV_EBADTOKEN  the sync token is no longer valid (valid-sync-token
 *                  precondition): sync again from no token
 *   DAV_ETOOBIG    the response is over the size limit
 *   DAV_EBADREPLY  the server answered something this client cannot use
 *                  (not XML, an unexpected status, a redirect to another
 *                  origin)
 * Every failure is logged through the client's callback (method, path,
 * HTTP status, curl error: never bodies, never credentials).
 *
 * Threads.  dav_global_init() once per process, before any thread uses a
 * client; connections, DNS and TLS sessions are then shared between all
 * clients and threads.  A client is used by one thread at a time.
 */
#ifndef EAS_DAV_CLIENT_H
#define EAS_DAV_CLIENT_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <apr_errno.h>

#define DAV_ERRBASE   (APR_OS_START_USERERR + 4700)
#define DAV_ECONFLICT (DAV_ERRBASE + 1)
#define DAV_EUNAVAIL  (DAV_ERRBASE + 2)
#define DAV_EBADTOKEN (DAV_ERRBASE + 3)
#define DAV_ETOOBIG   (DAV_ERRBASE + 4)
#define DAV_EBADREPLY (DAV_ERRBASE + 5)

/* Log levels as syslog and Apache number them. */
#define DAV_LOG_ERR 3
#define DAV_LOG_WARNING 4
#define DAV_LOG_INFO 6
#define DAV_LOG_DEBUG 7

typedef void (*dav_log_fn)(void *log_ctx, int level, apr_status_t rv,
                           const char *msg);

typedef struct {
    const char *base_url;       /* http(s)://host[:port]/path, no userinfo */
    const char *user;           /* Basic authentication */
    const char *password;
    long connect_timeout_ms;    /* 0: 10 s */
    long timeout_ms;            /* whole request; 0: 60 s */
    const char *ca_file;        /* NULL: the system's trust store */
    const char *ca_path;
    apr_size_t max_body;        /* response bytes; 0: 16 MiB */
    int max_responses;          /* per multistatus; 0: 100000 */
    int multiget_batch;         /* hrefs per multiget; 0: 100 */
    dav_log_fn log;             /* may be NULL */
    void *log_ctx;
} dav_options_t;

typedef struct dav_client dav_client_t;

/* The principal and home sets, from discovery or saved from an earlier one. */
typedef struct {
    const char *principal;          /* path */
    apr_array_header_t *cal_homes;  /* const char * paths; may be empty */
    apr_array_header_t *card_homes;
} dav_homes_t;

typedef enum {
    DAV_KIND_CALENDAR = 1,
    DAV_KIND_ADDRESSBOOK = 2
} dav_kind_t;

/* Calendar component sets. */
#define DAV_COMP_VEVENT   0x01u
#define DAV_COMP_VTODO    0x02u
#define DAV_COMP_VJOURNAL 0x04u

typedef struct {
    const char *href;           /* ends in '/' */
    const char *name;           /* displayname, may be NULL */
    dav_kind_t kind;
    unsigned comps;             /* DAV_COMP_*; calendars without a set: all */
    const char *color;          /* calendar-color, may be NULL */
    const char *ctag;           /* getctag, may be NULL */
    const char *sync_token;     /* may be NULL */
    int can_sync;               /* supports the sync-collection REPORT */
} dav_collection_t;

/* An item as a listing names it; etag is NULL when the server gave none. */
typedef struct {
    const char *href;
    const char *etag;
} dav_ref_t;

/* An item with its data; data is NULL when the server says it is gone. */
typedef struct {
    const char *href;
    const char *etag;
    const char *data;
    apr_size_t len;
} dav_item_t;

typedef struct {
    apr_array_header_t *changed;    /* dav_ref_t: new or changed */
    apr_array_header_t *removed;    /* const char * hrefs */
    const char *token;              /* the new token */
    int truncated;                  /* more to come: ask again with token */
} dav_changes_t;

/* ---- setup ---- */

/* Once per process (p lives as long as the process). */
apr_status_t dav_global_init(apr_pool_t *p);

/*
 * A client for one user.  The credentials are copied into p and wiped
 * when p is cleaned up.  *err says in a few words what is wrong.
 */
apr_status_t dav_client_create(dav_client_t **c, const dav_options_t *o,
                               apr_pool_t *p, const char **err);

/* A short text for any status this client returns. */
const char *dav_strerror(apr_status_t rv, char *buf, apr_size_t len);

/* ---- discovery ---- */

/*
 * From the base URL: /.well-known/caldav and carddav (redirects on the
 * same origin), then the base URL itself, for current-user-principal and
 * the home sets.  The client then knows the homes (dav_homes()).
 */
apr_status_t dav_discover(dav_client_t *c, apr_pool_t *p);

/*
 * Use homes found earlier (saved in the state database), or, for a client
 * with a service account's credentials, the user's own homes (discovery
 * would find the service account's).  They must be on the client's origin.
 */
apr_status_t dav_set_homes(dav_client_t *c, const dav_homes_t *h);

/* The homes the client knows (NULL before discovery). */
const dav_homes_t *dav_homes(const dav_client_t *c);

/*
 * The calendars and address books of every home, as dav_collection_t,
 * without ctag and sync_token: a server computes those from every item of
 * every collection (Radicale reads them all), which a folder list never
 * needs; dav_collection_get() gives them for one collection.
 */
apr_status_t dav_collections(dav_client_t *c, apr_array_header_t **out,
                             apr_pool_t *p);

/*
 * One collection's properties (PROPFIND Depth 0): what a change poller
 * compares (sync_token, ctag).  APR_ENOENT: gone, or not a calendar or
 * address book.
 */
apr_status_t dav_collection_get(dav_client_t *c, const char *coll,
                                dav_collection_t *out, apr_pool_t *p);

/* ---- changes and queries ---- */

/*
 * sync-collection REPORT from token (NULL or "": the initial sync): what
 * changed and what went since, and the token to ask from next time.  With
 * out->truncated set, ask again from out->token for the rest.
 * DAV_EBADTOKEN: the token is no longer valid; sync from no token and
 * compare with what the caller knows.  For a collection without
 * sync-collection (can_sync 0), list with dav_etags() and compare.
 */
apr_status_t dav_sync(dav_client_t *c, const char *coll, const char *token,
                      dav_changes_t *out, apr_pool_t *p);

/* Every item of a collection with its ETag (PROPFIND Depth 1). */
apr_status_t dav_etags(dav_client_t *c, const char *coll,
                       apr_array_header_t **out, apr_pool_t *p);

/*
 * calendar-query: the components of type comp ("VEVENT", "VTODO",
 * "VJOURNAL") overlapping [start, end) (0: unbounded on that side;
 * recurring ones when an instance overlaps), as dav_ref_t.
 */
apr_status_t dav_query_range(dav_client_t *c, const char *coll,
                             const char *comp, apr_time_t start,
                             apr_time_t end, apr_array_header_t **out,
                             apr_pool_t *p);

/* calendar-query: the components of type comp whose UID contains uid
   (RFC 4791 9.7.5 text-match, i;octet), as dav_ref_t; the caller checks
   the UID of what it reads. */
apr_status_t dav_query_uid(dav_client_t *c, const char *coll,
                           const char *comp, const char *uid,
                           apr_array_header_t **out, apr_pool_t *p);

/* calendar-query: the to-dos not completed, as dav_ref_t. */
apr_status_t dav_query_open_todos(dav_client_t *c, const char *coll,
                                  apr_array_header_t **out, apr_pool_t *p);

/*
 * calendar-multiget or addressbook-multiget of hrefs (const char *) in
 * coll, in batches: *out holds a dav_item_t for each href the server
 * answered for (data NULL when it is gone).
 */
apr_status_t dav_multiget(dav_client_t *c, const char *coll, dav_kind_t kind,
                          const apr_array_header_t *hrefs,
                          apr_array_header_t **out, apr_pool_t *p);

/* ---- items ---- */

apr_status_t dav_get(dav_client_t *c, const char *href, dav_item_t *out,
                     apr_pool_t *p);

/*
 * A new item in coll at an href of the client's own making (a fresh UUID
 * with .ics or .vcf after kind), with If-None-Match: *.  DAV_ECONFLICT
 * also when the server says the collection has an item of the same UID
 * (no-uid-conflict); dav_put() says so too.
 */
apr_status_t dav_put_new(dav_client_t *c, const char *coll, dav_kind_t kind,
                         const char *data, apr_size_t len,
                         const char **href, const char **etag,
                         apr_pool_t *p);

/* Replace an item if it still has etag (If-Match); the new ETag out. */
apr_status_t dav_put(dav_client_t *c, const char *href, dav_kind_t kind,
                     const char *etag, const char *data, apr_size_t len,
                     const char **new_etag, apr_pool_t *p);

/*
 * Move an item into the collection coll, keeping its name there unless one
 * of that name exists (then a fresh one); never over another item
 * (Overwrite: F).  Both ends must be in the user's space (APR_EACCES).
 * The new href in *href.  APR_ENOTIMPL: the server has no MOVE.
 */
apr_status_t dav_move(dav_client_t *c, const char *from, const char *coll,
                      dav_kind_t kind, const char **href, apr_pool_t *p);

/* Delete an item if it still has etag (NULL: whatever it has). */
apr_status_t dav_delete(dav_client_t *c, const char *href, const char *etag,
                        apr_pool_t *p);

/* ---- collections ---- */

/* A calendar (comps: DAV_COMP_*) under home (NULL: the first one). */
apr_status_t dav_mkcalendar(dav_client_t *c, const char *home,
                            const char *name, unsigned comps,
                            const char **href, apr_pool_t *p);

/* An address book (extended MKCOL) under home (NULL: the first one). */
apr_status_t dav_mkaddressbook(dav_client_t *c, const char *home,
                               const char *name, const char **href,
                               apr_pool_t *p);

/* PROPPATCH the displayname. */
apr_status_t dav_rename(dav_client_t *c, const char *coll, const char *name,
                        apr_pool_t *p);

/* Delete a collection with everything in it (never a home). */
apr_status_t dav_delete_collection(dav_client_t *c, const char *coll,
                                   apr_pool_t *p);

/* ================================================================== */
/* Within the library (the dav_*.c files and their tests).            */
/* ================================================================== */

/* ---- URLs (dav_url.c) ---- */

typedef struct {
    const char *scheme;         /* "http" or "https", lower case */
    const char *host;           /* lower case; IPv6 without brackets */
    int port;
    const char *path;           /* normalised, starts with '/' */
} dav_url_t;

/* Parse an absolute http(s) URL without userinfo, query or fragment. */
apr_status_t dav_url_parse(const char *s, dav_url_t *u, apr_pool_t *p);

/* "scheme://host:port" */
const char *dav_url_origin(const dav_url_t *u, apr_pool_t *p);

/*
 * Resolve a reference (an absolute URL or an absolute or relative path)
 * against base.  NULL when it is malformed or on another origin.
 */
const char *dav_url_resolve(const dav_url_t *base, const char *ref,
                            apr_pool_t *p);

/* Normalise a path: dot segments, %-case, unreserved decoded; NULL: bad. */
const char *dav_path_normalise(const char *path, apr_pool_t *p);

/* Whether path is root or below it (root ends in '/'). */
int dav_path_under(const char *path, const char *root);

/* Text escaped for XML character data and attributes. */
const char *dav_xml_escape(const char *s, apr_pool_t *p);

/* ---- multistatus (dav_xml.c) ---- */

#define DAV_RT_COLLECTION  0x01u
#define DAV_RT_CALENDAR    0x02u
#define DAV_RT_ADDRESSBOOK 0x04u
#define DAV_RT_PRINCIPAL   0x08u

/* One DAV:response, with the properties of its 2xx propstats. */
typedef struct {
    const char *href;           /* as the server wrote it, trimmed */
    int status;                 /* the response's own status, 0 if none */
    int prop_status;            /* first non-2xx propstat status, 0 if none */
    const char *etag;
    const char *displayname;
    const char *ctag;
    const char *sync_token;
    const char *color;
    const char *data;           /* calendar-data or address-data */
    apr_size_t data_len;
    unsigned rtype;             /* DAV_RT_* */
    unsigned comps;             /* DAV_COMP_* */
    int has_comps;
    int can_sync;
    const char *principal;      /* current-user-principal href */
    apr_array_header_t *cal_homes;  /* const char * hrefs */
    apr_array_header_t *card_homes;
} dav_ms_response_t;

typedef struct {
    apr_array_header_t *responses;  /* dav_ms_response_t */
    const char *sync_token;         /* at multistatus level */
} dav_multistatus_t;

typedef struct {
    apr_size_t max_size;
    int max_depth;
    int max_responses;
} dav_xml_limits_t;

/* Parse a 207 body; *err in a few words when it fails (DAV_EBADREPLY). */
apr_status_t dav_multistatus_parse(const char *body, apr_size_t len,
                                   const dav_xml_limits_t *lim,
                                   dav_multistatus_t *out, apr_pool_t *p,
                                   const char **err);

/* Whether an error body (DAV:error) names the precondition name (of
   DAV:, CalDAV or CardDAV). */
int dav_xml_error_has(const char *body, apr_size_t len, const char *name);

/* ---- the client and its requests (dav_client.c, dav_http.c) ---- */

struct dav_client {
    apr_pool_t *pool;
    dav_url_t base;
    char *auth;                 /* "Authorization: Basic ...", wiped */
    long connect_timeout_ms;
    long timeout_ms;
    const char *ca_file;
    const char *ca_path;
    apr_size_t max_body;
    int max_responses;
    int batch;
    dav_log_fn log;
    void *log_ctx;
    dav_homes_t *homes;         /* NULL before discovery */
};

typedef struct {
    const char *method;
    const char *path;           /* absolute path on the client's origin */
    const char *depth;          /* NULL: no Depth header */
    const char *body;           /* NULL: none */
    apr_size_t blen;
    const char *ctype;
    const char *if_match;
    const char *if_none_match;
    const char *destination;    /* MOVE: an absolute URL */
    const char *overwrite;      /* MOVE: "F" or "T" */
} dav_req_t;

typedef struct {
    int status;
    const char *body;           /* NUL-terminated; may hold NULs */
    apr_size_t len;
    const char *etag;
    const char *location;
    const char *dav;            /* the DAV header (compliance classes) */
    const char *path;           /* answered at, after redirects */
} dav_resp_t;

void dav_log(dav_client_t *c, int level, apr_status_t rv, const char *fmt,
             ...) __attribute__((format(printf, 4, 5)));

/* Status for an HTTP status code (see the list at the top). */
apr_status_t dav_status_rv(int status);

/*
 * Send rq, following redirects on the same origin.  APR_SUCCESS when an
 * answer came, whatever its status; a transport failure is logged.
 */
apr_status_t dav_http(dav_client_t *c, const dav_req_t *rq, dav_resp_t *rs,
                      apr_pool_t *p);

/* Log an answer that is not what was wanted; returns rv. */
apr_status_t dav_refused(dav_client_t *c, const dav_req_t *rq,
                         const dav_resp_t *rs, apr_status_t rv,
                         const char *why);

/* rq with a 207 answer expected, parsed into ms. */
apr_status_t dav_http_ms(dav_client_t *c, const dav_req_t *rq,
                         dav_resp_t *rs, dav_multistatus_t *ms,
                         apr_pool_t *p);

/* The answer rs to rq, which must be a 207, parsed into ms (for a caller
   that looked at the answer first). */
apr_status_t dav_resp_ms(dav_client_t *c, const dav_req_t *rq,
                         const dav_resp_t *rs, dav_multistatus_t *ms,
                         apr_pool_t *p);

/* A server href resolved against the path answered at, or NULL (and a
   log line) when malformed, on another origin or outside the user's
   space. */
const char *dav_accept_href(dav_client_t *c, const char *at,
                            const char *href, apr_pool_t *p);

/* A caller's href normalised into *path; APR_EACCES (logged) when it is
   outside the user's space.  coll: it must name a collection. */
apr_status_t dav_check_href(dav_client_t *c, const char *href, int coll,
                            const char **path, apr_pool_t *p);

/* Whether the server schedules the events of a collection itself: its
   OPTIONS answer names "calendar-auto-schedule" in the DAV header
   (RFC 6638 2.1).  0 when not, or when the question failed. */
int dav_auto_schedule(dav_client_t *c, const char *path, apr_pool_t *p);

/* The ETag of one resource (PROPFIND Depth 0). */
apr_status_t dav_fetch_etag(dav_client_t *c, const char *path,
                            const char **etag, apr_pool_t *p);

#endif
