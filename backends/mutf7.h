/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Modified UTF-7 (RFC 3501 5.1.3): IMAP mailbox names, and Maildir++
 * folder names as Dovecot and Courier write them.  UTF-8 at the backend
 * interface, modified UTF-7 on the wire and on disk.
 */
#ifndef EAS_MUTF7_H
#define EAS_MUTF7_H

#include <apr_pools.h>
#include <apr_errno.h>

/* The longest encoded name accepted, in bytes. */
#define EAS_MUTF7_MAX 255

/*
 * One name component, UTF-8 -> modified UTF-7.  APR_EINVAL for an empty
 * or malformed name, one over EAS_MUTF7_MAX encoded, or one holding a
 * control character or a character of forbid (the hierarchy separators:
 * refused rather than escaped, because an escaped separator reads as a
 * hierarchy level in every IMAP client).
 */
apr_status_t eas_mutf7_encode(const char *utf8, const char *forbid,
                              const char **out, apr_pool_t *p);

/* Modified UTF-7 -> UTF-8; a name that is not modified UTF-7 but clean
   UTF-8 is returned as it is; NULL for an empty one or garbage. */
const char *eas_mutf7_decode(const char *mutf7, apr_pool_t *p);

#endif
