/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Maildir listing speed: list() of a folder of N messages, against a bare
 * readdir() of the same cur/ directory measured in the same run (the floor
 * no listing can go below).
 *
 *   first list      uids assigned: one stat() per message, the uid list
 *                   written
 *   list            each run in a fresh store and pool, as one request:
 *                   uid list read, new/ and cur/ scanned, sorted newest
 *                   first
 *   bare readdir    opendir + readdir over cur/, nothing else
 *
 * Each figure is the median of the runs (-r, default 25).  The Maildir is
 * made under a temporary directory (-d to choose where) and removed.
 *
 * Usage: bench_maildir [-n messages] [-r runs] [-d directory]
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "maildir/maildir_backend.h"

static double now_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return tv.tv_sec * 1e3 + tv.tv_usec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return v[n / 2];
}

static void print_machine(void)
{
    char line[256], model[256] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");

    while (f && fgets(line, sizeof(line), f)) {
        char *c = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && c) {
            snprintf(model, sizeof(model), "%s", c + 2);
            model[strcspn(model, "\n")] = '\0';
            break;
        }
    }
    if (f)
        fclose(f);
    printf("machine:  %s, %ld cores online\n", model,
           sysconf(_SC_NPROCESSORS_ONLN));
}

static eas_store_t *open_store(const eas_backend_t *b, const char *root,
                               apr_pool_t *p)
{
    eas_user_t *u = apr_pcalloc(p, sizeof(*u));
    eas_store_ctx_t ctx = { p, NULL, NULL, NULL };
    eas_store_t *st;
    const char *err;

    u->login = "bench";
    u->params = apr_table_make(p, 1);
    apr_table_set(u->params, "path", root);
    if (b->open(&st, u, &ctx, &err) != APR_SUCCESS) {
        fprintf(stderr, "open %s: %s\n", root, err ? err : "?");
        exit(1);
    }
    return st;
}

static double bare_readdir(const char *dir)
{
    double t0 = now_ms();
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    while (d && (e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n > 0 ? now_ms() - t0 : 0;
}

int main(int argc, char **argv)
{
    const char *where = "/tmp";
    int n = 10000, runs = 25, opt, i;
    const eas_backend_t *b;
    apr_pool_t *pool, *rp;
    apr_array_header_t *l, *fs;
    char top[512];
    const char *root, *in;
    double first, *lt, *rt;

    while ((opt = getopt(argc, argv, "n:r:d:")) != -1) {
        if (opt == 'n')
            n = atoi(optarg);
        else if (opt == 'r')
            runs = atoi(optarg);
        else if (opt == 'd')
            where = optarg;
        else {
            fprintf(stderr, "usage: %s [-n messages] [-r runs] [-d dir]\n",
                    argv[0]);
            return 2;
        }
    }
    if (n < 1 || runs < 1)
        return 2;
    apr_initialize();
    apr_pool_create(&pool, NULL);
    eas_maildir_register();
    b = eas_backend_find("maildir");
    snprintf(top, sizeof(top), "%s/eas-bench-XXXXXX", where);
    if (!mkdtemp(top)) {
        perror("mkdtemp");
        return 1;
    }
    root = apr_pstrcat(pool, top, "/Maildir", NULL);
    open_store(b, root, pool);
    for (i = 0; i < n; i++) {
        char p[1024];
        int fd;
        snprintf(p, sizeof(p), "%s/cur/%d.M%dP1.bench,S=2048:2,%s", root,
                 1500000000 + i * 60, i, i % 3 ? "S" : "");
        if ((fd = open(p, O_WRONLY | O_CREAT, 0600)) >= 0)
            close(fd);
    }
    apr_pool_create(&rp, pool);
    b->folders(open_store(b, root, rp), &fs, pool);
    in = APR_ARRAY_IDX(fs, 0, eas_folder_t).id;
    first = now_ms();
    b->list(open_store(b, root, rp), in, NULL, &l, rp);
    first = now_ms() - first;
    apr_pool_destroy(rp);
    lt = calloc((size_t)runs, sizeof(double));
    rt = calloc((size_t)runs, sizeof(double));
    for (i = 0; i < runs; i++) {
        eas_store_t *st;
        double t0;
        apr_pool_create(&rp, pool);
        st = open_store(b, root, rp);
        t0 = now_ms();
        if (b->list(st, in, NULL, &l, rp) != APR_SUCCESS || l->nelts != n) {
            fprintf(stderr, "list failed\n");
            return 1;
        }
        lt[i] = now_ms() - t0;
        apr_pool_destroy(rp);
        rt[i] = bare_readdir(apr_pstrcat(pool, root, "/cur", NULL));
    }
    print_machine();
    printf("command:  %s -n %d -r %d -d %s\n", argv[0], n, runs, where);
    printf("%-36s %10s\n", "operation", "ms");
    printf("%-36s %10.2f\n", apr_psprintf(pool, "first list of %d (assigns uids)",
                                           n), first);
    printf("%-36s %10.2f\n", apr_psprintf(pool, "list of %d, median of %d", n,
                                           runs), median(lt, runs));
    printf("%-36s %10.2f\n", "bare readdir of cur/ (reference)",
           median(rt, runs));
    if (fork() == 0) {
        execlp("rm", "rm", "-rf", top, (char *)NULL);
        _exit(1);
    }
    wait(NULL);
    return 0;
}
