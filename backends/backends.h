/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The backends built into mod_eas: the one place that names them.  Their
 * glues are listed in backends.c; their directives join the module's
 * table here.  The default backend serves mail where no EASBackend says
 * otherwise.
 */
#ifndef EAS_BACKENDS_H
#define EAS_BACKENDS_H

#include "backend_glue.h"
#include "maildir/maildir_glue.h"
#include "dav/dav_glue.h"
#include "imap/imap_glue.h"

#define EAS_DEFAULT_BACKEND "maildir"

/* For config.c's directive table (ends with a comma). */
#define EAS_BACKENDS_DIRECTIVES \
    EAS_MAILDIR_DIRECTIVES \
    EAS_DAV_DIRECTIVES \
    EAS_IMAP_DIRECTIVES

#endif
