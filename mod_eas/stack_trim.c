/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Giving back the stack a sleeping thread no longer uses (stack_trim.h).
 * Ten thousand held Pings are ten thousand sleeping threads, each with
 * the high-water mark of every request it served still resident.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* pthread_getattr_np */
#endif
#include "stack_trim.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Left below the caller's page for the calls it makes while asleep. */
#define TRIM_MARGIN_PAGES 1

void __attribute__((noinline)) eas_stack_trim(void)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), lo, hi;
    pthread_attr_t attr;
    volatile char here = 0;
    void *base;
    size_t size;

    if (getpid() == (pid_t)syscall(SYS_gettid))
        return;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return;
    if (pthread_attr_getstack(&attr, &base, &size) == 0) {
        lo = ((uintptr_t)base + page - 1) & ~(page - 1);
        hi = ((uintptr_t)&here & ~(page - 1)) - TRIM_MARGIN_PAGES * page;
        if (hi > lo && hi - lo <= size)
            madvise((void *)lo, hi - lo, MADV_DONTNEED);
    }
    pthread_attr_destroy(&attr);
    (void)here;
}
