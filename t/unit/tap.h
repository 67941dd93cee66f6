/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny TAP-style test harness: ok()/is_*() print "ok N - name" or
 * "not ok N - name" with the values that differed, and tap_done() prints
 * "N passed, M failed" and returns the exit status (non-zero on failure,
 * or when the number of tests run differs from a plan given to tap_plan()).
 */
#ifndef EAS_TAP_H
#define EAS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_run, tap_failed, tap_planned = -1;

static inline void tap_plan(int n)
{
    tap_planned = n;
    printf("1..%d\n", n);
}

static inline void tap_diag(const char *fmt, ...)
{
    va_list ap;

    fputs("# ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

static inline int tap_result(int pass, const char *file, int line,
                      const char *fmt, ...)
{
    va_list ap;

    tap_run++;
    if (!pass)
        tap_failed++;
    printf("%sok %d - ", pass ? "" : "not ", tap_run);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    if (!pass)
        printf("#   failed at %s:%d\n", file, line);
    return pass;
}

#define ok(cond, ...) tap_result(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...) do { \
        long long tap_g_ = (long long)(got), tap_w_ = (long long)(want); \
        if (!tap_result(tap_g_ == tap_w_, __FILE__, __LINE__, __VA_ARGS__)) \
            tap_diag("  got %lld, expected %lld", tap_g_, tap_w_); \
    } while (0)

#define is_str(got, want, ...) do { \
        const char *tap_g_ = (got), *tap_w_ = (want); \
        int tap_p_ = (tap_g_ == NULL && tap_w_ == NULL) || \
            (tap_g_ != NULL && tap_w_ != NULL && strcmp(tap_g_, tap_w_) == 0); \
        if (!tap_result(tap_p_, __FILE__, __LINE__, __VA_ARGS__)) \
            tap_diag("  got \"%s\", expected \"%s\"", \
                     tap_g_ ? tap_g_ : "(null)", tap_w_ ? tap_w_ : "(null)"); \
    } while (0)

/* Compare byte strings; on failure show where they first differ. */
#define is_mem(got, glen, want, wlen, ...) do { \
        const unsigned char *tap_g_ = (const unsigned char *)(got); \
        const unsigned char *tap_w_ = (const unsigned char *)(want); \
        size_t tap_gl_ = (glen), tap_wl_ = (wlen), tap_i_ = 0; \
        int tap_p_ = tap_gl_ == tap_wl_ && \
            (tap_gl_ == 0 || memcmp(tap_g_, tap_w_, tap_gl_) == 0); \
        if (!tap_result(tap_p_, __FILE__, __LINE__, __VA_ARGS__)) { \
            while (tap_i_ < tap_gl_ && tap_i_ < tap_wl_ && \
                   tap_g_[tap_i_] == tap_w_[tap_i_]) \
                tap_i_++; \
            tap_diag("  lengths %zu vs %zu, first difference at byte %zu", \
                     tap_gl_, tap_wl_, tap_i_); \
        } \
    } while (0)

static inline int tap_done(void)
{
    int bad = tap_failed != 0
              || (tap_planned >= 0 && tap_planned != tap_run);

    if (tap_planned < 0)
        printf("1..%d\n", tap_run);
    else if (tap_planned != tap_run)
        tap_diag("planned %d tests but ran %d", tap_planned, tap_run);
    printf("%d passed, %d failed\n", tap_run - tap_failed, tap_failed);
    return bad ? 1 : 0;
}

#endif
