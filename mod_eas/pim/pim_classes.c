/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The converter of each class (pim.h), and their process set-up.
 */
#include "pim.h"
#include "pim_tz.h"

const eas_pim_class_t *eas_pim_class(eas_class_t cls)
{
    switch (cls) {
    case EAS_CLASS_CALENDAR:
        return &eas_pim_calendar;
    case EAS_CLASS_CONTACTS:
        return &eas_pim_contacts;
    case EAS_CLASS_TASKS:
        return &eas_pim_tasks;
    case EAS_CLASS_NOTES:
        return &eas_pim_notes;
    default:
        return NULL;
    }
}

void eas_pim_init(void)
{
    eas_pim_tz_init();
}
