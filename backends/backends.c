/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in backends' glues, in registration order (backends.h).
 */
#include "backends.h"

const eas_backend_glue_t *const eas_backends_builtin[] = {
    &eas_maildir_glue,
    &eas_dav_glue,
    &eas_imap_glue,
    NULL
};
