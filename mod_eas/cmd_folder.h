/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The folder hierarchy commands: FolderSync, FolderCreate, FolderUpdate,
 * FolderDelete (MS-ASCMD 2.2.1.2-2.2.1.5), and their status codes.
 */
#ifndef EAS_CMD_FOLDER_H
#define EAS_CMD_FOLDER_H

#include "request.h"

/* FolderHierarchy Status values (MS-ASCMD 2.2.3.177.1-4). */
enum {
    EAS_FOLDER_OK = 1,
    EAS_FOLDER_EXISTS = 2,
    EAS_FOLDER_SPECIAL = 3,
    EAS_FOLDER_NOT_FOUND = 4,
    EAS_FOLDER_PARENT_NOT_FOUND = 5,
    EAS_FOLDER_SERVER_ERROR = 6,
    EAS_FOLDER_BAD_KEY = 9,
    EAS_FOLDER_BAD_REQUEST = 10,
    EAS_FOLDER_UNKNOWN_ERROR = 11
};

int eas_cmd_foldersync(eas_request_t *req);
int eas_cmd_foldercreate(eas_request_t *req);
int eas_cmd_folderupdate(eas_request_t *req);
int eas_cmd_folderdelete(eas_request_t *req);

#endif
