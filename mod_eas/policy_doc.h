/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The provisioning policy (MS-ASPROV EASProvisionDoc) as data: one table
 * of settings, their ranges and defaults, the stable hash of a set of
 * values, and the document's WBXML form.  No Apache here, so the unit
 * tests check hashing and encoding directly.
 */
#ifndef EAS_POLICY_DOC_H
#define EAS_POLICY_DOC_H

#include <apr_pools.h>
#include <limits.h>
#include "wbxml.h"

/* What a setting's directive takes and how its element is sent. */
typedef enum {
    EAS_PV_BOOL,        /* On|Off, sent as 1|0 */
    EAS_PV_INT,         /* a number in [min, max] */
    EAS_PV_LIMIT        /* a number in [min, max], or "none": empty element */
} eas_pv_kind_t;

/* The value of a LIMIT setting that is not limited. */
#define EAS_PV_NONE INT_MIN

/*
 * X(directive suffix, EASProvisionDoc element, kind, min, max, default,
 *   first protocol version), in the order the elements are sent.  The
 * directive is "EASPolicy" followed by the suffix.  The defaults ask
 * nothing of the device: an administrator tightens what the site needs.
 */
#define EAS_POLICY_SETTINGS(X) \
    X(PasswordRequired, DevicePasswordEnabled, EAS_PV_BOOL, 0, 1, 0, 120) \
    X(AlphanumericPasswordRequired, AlphanumericDevicePasswordRequired, \
      EAS_PV_BOOL, 0, 1, 0, 120) \
    X(RequireStorageCardEncryption, RequireStorageCardEncryption, \
      EAS_PV_BOOL, 0, 1, 0, 120) \
    X(PasswordRecovery, PasswordRecoveryEnabled, EAS_PV_BOOL, 0, 1, 0, 120) \
    X(AllowAttachments, AttachmentsEnabled, EAS_PV_BOOL, 0, 1, 1, 120) \
    X(MinPasswordLength, MinDevicePasswordLength, EAS_PV_LIMIT, 1, 16, \
      EAS_PV_NONE, 120) \
    X(MaxInactivityTime, MaxInactivityTimeDeviceLock, EAS_PV_LIMIT, 1, 9999, \
      EAS_PV_NONE, 120) \
    X(MaxFailedAttempts, MaxDevicePasswordFailedAttempts, EAS_PV_LIMIT, 4, 16, \
      EAS_PV_NONE, 120) \
    X(MaxAttachmentSize, MaxAttachmentSize, EAS_PV_LIMIT, 0, INT_MAX, \
      EAS_PV_NONE, 120) \
    X(AllowSimplePassword, AllowSimpleDevicePassword, EAS_PV_BOOL, 0, 1, 1, 120) \
    X(PasswordExpiration, DevicePasswordExpiration, EAS_PV_LIMIT, 1, 9999, \
      EAS_PV_NONE, 120) \
    X(PasswordHistory, DevicePasswordHistory, EAS_PV_INT, 0, 50, 0, 120) \
    X(AllowStorageCard, AllowStorageCard, EAS_PV_BOOL, 0, 1, 1, 121) \
    X(AllowCamera, AllowCamera, EAS_PV_BOOL, 0, 1, 1, 121) \
    X(RequireEncryption, RequireDeviceEncryption, EAS_PV_BOOL, 0, 1, 0, 121) \
    X(AllowUnsignedApplications, AllowUnsignedApplications, EAS_PV_BOOL, \
      0, 1, 1, 121) \
    X(AllowUnsignedInstallationPackages, AllowUnsignedInstallationPackages, \
      EAS_PV_BOOL, 0, 1, 1, 121) \
    X(MinComplexCharacters, MinDevicePasswordComplexCharacters, EAS_PV_INT, \
      1, 4, 1, 121) \
    X(AllowWiFi, AllowWiFi, EAS_PV_BOOL, 0, 1, 1, 121) \
    X(AllowTextMessaging, AllowTextMessaging, EAS_PV_BOOL, 0, 1, 1, 121) \
    X(AllowPOPIMAPEmail, AllowPOPIMAPEmail, EAS_PV_BOOL, 0, 1, 1, 121) \
    X(AllowBluetooth, AllowBluetooth, EAS_PV_INT, 0, 2, 2, 121) \
    X(AllowIrDA, AllowIrDA, EAS_PV_BOOL, 0, 1, 1, 121) \
    X(RequireManualSyncWhenRoaming, RequireManualSyncWhenRoaming, \
      EAS_PV_BOOL, 0, 1, 0, 121) \
    X(AllowDesktopSync, AllowDesktopSync, EAS_PV_BOOL, 0, 1, 1, 121) \
    X(MaxCalendarAgeFilter, MaxCalendarAgeFilter, EAS_PV_INT, 0, 7, 0, 121) \
    X(AllowHTMLEmail, AllowHTMLEmail, EAS_PV_BOOL, 0, 1, 1, 121) \
    X(MaxEmailAgeFilter, MaxEmailAgeFilter, EAS_PV_INT, 0, 5, 0, 121) \
    X(MaxEmailBodyTruncationSize, MaxEmailBodyTruncationSize, EAS_PV_INT, \
      -1, INT_MAX, -1, 121) \
    X(MaxEmailHTMLBodyTruncationSize, MaxEmailHTMLBodyTruncationSize, \
      EAS_PV_INT, -1, INT_MAX, -1, 121) \
    X(RequireSignedSMIMEMessages, RequireSignedSMIMEMessages, EAS_PV_BOOL, \
      0, 1, 0, 121) \
    X(RequireEncryptedSMIMEMessages, RequireEncryptedSMIMEMessages, \
      EAS_PV_BOOL, 0, 1, 0, 121) \
    X(RequireSignedSMIMEAlgorithm, RequireSignedSMIMEAlgorithm, EAS_PV_INT, \
      0, 1, 0, 121) \
    X(RequireEncryptionSMIMEAlgorithm, RequireEncryptionSMIMEAlgorithm, \
      EAS_PV_INT, 0, 4, 0, 121) \
    X(AllowSMIMEEncryptionAlgorithmNegotiation, \
      AllowSMIMEEncryptionAlgorithmNegotiation, EAS_PV_INT, 0, 2, 2, 121) \
    X(AllowSMIMESoftCerts, AllowSMIMESoftCerts, EAS_PV_BOOL, 0, 1, 1, 121) \
    X(AllowBrowser, AllowBrowser, EAS_PV_BOOL, 0, 1, 1, 121) \
    X(AllowConsumerEmail, AllowConsumerEmail, EAS_PV_BOOL, 0, 1, 1, 121) \
    X(AllowRemoteDesktop, AllowRemoteDesktop, EAS_PV_BOOL, 0, 1, 1, 121) \
    X(AllowInternetSharing, AllowInternetSharing, EAS_PV_BOOL, 0, 1, 1, 121)

/* EAS_POL_<suffix>: a setting's index in the table and in value arrays. */
enum eas_policy_index {
#define EAS_POL_INDEX(name, elem, kind, min, max, def, since) EAS_POL_##name,
    EAS_POLICY_SETTINGS(EAS_POL_INDEX)
#undef EAS_POL_INDEX
    EAS_POLICY_NSETTINGS
};

typedef struct {
    const char *name;           /* directive suffix */
    eas_tag_t tag;              /* the EASProvisionDoc element */
    eas_pv_kind_t kind;
    int min, max, def;
    int since;                  /* first protocol version, e.g. 121 */
} eas_policy_setting_t;

extern const eas_policy_setting_t eas_policy_settings[EAS_POLICY_NSETTINGS];

/* The PolicyType of protocol versions 12.0 and later. */
#define EAS_POLICY_TYPE "MS-EAS-Provisioning-WBXML"

/* Fill values with every setting's default. */
void eas_policy_defaults(int *values);

/*
 * Parse a directive argument for setting i into *out.  Returns NULL, or
 * why the argument is wrong (a static string or one in p).
 */
const char *eas_policy_parse(apr_pool_t *p, int i, const char *arg, int *out);

/*
 * A hash of the values (40 hex digits): equal values give equal hashes in
 * every process and across restarts; any change of a value changes it.
 */
const char *eas_policy_hash(apr_pool_t *p, const int *values);

/*
 * Write <EASProvisionDoc> with the elements protocol version `version`
 * knows (12.0 has fewer), in table order.
 */
void eas_policy_doc_encode(eas_wbxml_enc_t *e, const int *values, int version);

#endif
