/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Giving back the stack a sleeping thread no longer uses.
 */
#ifndef EAS_STACK_TRIM_H
#define EAS_STACK_TRIM_H

/*
 * Before a worker thread sleeps for long (a held Ping): the pages of its
 * stack below the caller's frame, touched by deeper calls earlier, go
 * back to the system; they come back zeroed when used again.  Nothing on
 * the process's main thread, whose stack grows on demand.
 */
void eas_stack_trim(void);

#endif
