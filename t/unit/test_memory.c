/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Memory a long wait gives back: pools with an allocator of their own
 * (pool_own.c) and the stack below a sleeping frame (stack_trim.c).
 * Residency is read from the kernel with mincore().
 */
#include "pool_own.h"
#include "stack_trim.h"
#include "tap.h"

#include <apr_general.h>
#include <apr_strings.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define BIG (1024 * 1024)
#define DEEP_FRAMES 24          /* of 4 KB each */

static uintptr_t page;

/* Whether the page holding addr is mapped at all. */
static int mapped(const void *addr)
{
    unsigned char v;

    return mincore((void *)((uintptr_t)addr & ~(page - 1)), page, &v) == 0
           || errno != ENOMEM;
}

/* Resident pages in [lo, hi). */
static int resident(uintptr_t lo, uintptr_t hi)
{
    unsigned char v[256];
    int n = 0;

    lo &= ~(page - 1);
    while (lo < hi) {
        size_t len = hi - lo > sizeof(v) * page ? sizeof(v) * page : hi - lo;
        size_t i;

        if (mincore((void *)lo, len, v) != 0)
            return -1;
        for (i = 0; i < (len + page - 1) / page; i++)
            n += v[i] & 1;
        lo += len;
    }
    return n;
}

static void own_pools(apr_pool_t *parent)
{
    apr_pool_t *own = eas_pool_own(parent), *plain;
    char *a, *b;

    a = apr_palloc(own, BIG);
    memset(a, 'x', BIG);
    ok(mapped(a), "an own pool's block is there while the pool is");
    apr_pool_destroy(own);
    ok(!mapped(a), "and gone from the process when the pool goes");

    apr_pool_create(&plain, parent);
    b = apr_palloc(plain, BIG);
    memset(b, 'y', BIG);
    apr_pool_destroy(plain);
    ok(mapped(b), "an ordinary subpool's block stays with its parent's "
       "allocator (the difference own pools make)");

    own = eas_pool_own(parent);
    a = apr_pstrdup(own, "kept until the parent goes");
    is_str(a, "kept until the parent goes", "an own pool serves as a pool");
}

/* Touches DEEP_FRAMES x 4 KB of stack below the caller; returns a sum
   the compiler cannot know. */
static int __attribute__((noinline)) deep(int n)
{
    volatile char frame[4096];
    int i;

    for (i = 0; i < (int)sizeof(frame); i += 512)
        frame[i] = (char)(n + i);
    /* frame is read after the call: each level keeps a frame of its own */
    return n ? deep(n - 1) + frame[512] : frame[0];
}

typedef struct {
    int before, after, again_sum, want_sum;
} trim_seen_t;

static void *trim_thread(void *data)
{
    trim_seen_t *t = data;
    volatile char here = 0;
    uintptr_t top = (uintptr_t)&here;
    uintptr_t lo = top - (DEEP_FRAMES + 2) * 4096, hi = top - 2 * page;

    t->want_sum = deep(DEEP_FRAMES);
    t->before = resident(lo, hi);
    eas_stack_trim();
    t->after = resident(lo, hi);
    t->again_sum = deep(DEEP_FRAMES);
    (void)here;
    return NULL;
}

static void stack(void)
{
    pthread_attr_t attr;
    pthread_t th;
    trim_seen_t t = { 0, 0, 0, 0 };

    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 512 * 1024);
    ok(pthread_create(&th, &attr, trim_thread, &t) == 0, "thread started");
    pthread_join(th, NULL);
    pthread_attr_destroy(&attr);
    ok(t.before >= DEEP_FRAMES - 2, "deep calls left %d stack pages "
       "resident below the frame", t.before);
    ok(t.after <= 1, "after the trim %d of them are (at most the margin)",
       t.after);
    is_int(t.again_sum, t.want_sum, "the same deep calls work again on the "
           "trimmed stack");
    eas_stack_trim();
    ok(1, "the main thread's stack is left alone (no fault)");
}

int main(void)
{
    apr_pool_t *p;

    page = (uintptr_t)sysconf(_SC_PAGESIZE);
    apr_initialize();
    apr_pool_create(&p, NULL);
    own_pools(p);
    stack();
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
