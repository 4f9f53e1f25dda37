/*
 * Interrupted writes (output/atomic.c): SIGINT, SIGTERM or SIGHUP while a
 * report is being written leave the old report as it was, no temporary
 * file, and an exit status of 128 + the signal. Each case runs in a child
 * process that catches signals as the command line does
 * (iamg_catch_signals) and signals itself in the middle of a write, so the
 * moment is exact; tests/cli/test_safety.sh sends the same signals from
 * outside to a real scan and merge writing tens of megabytes.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/files.h"
#include "iamguard/iamguard.h"
#include "output/atomic.h"

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    static char b[4096];
    size_t n = fread(b, 1, sizeof b - 1, f);
    fclose(f);
    b[n] = '\0';
    return strdup(b);
}

/* Files in dir other than the report itself. */
static int leftovers(const char *dir, const char *keep)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, keep)) n++;
    closedir(d);
    return n;
}

typedef struct job {
    int sig;   /* raised halfway through the content */
    size_t mb; /* megabytes written before it */
} job;

static int slow_writer(FILE *out, void *ud, iamg_error *err)
{
    const job *j = ud;
    static char block[1 << 20];
    memset(block, 'x', sizeof block);
    for (size_t i = 0; i < j->mb; i++)
        if (fwrite(block, 1, sizeof block, out) != sizeof block) return IAMG_EIO;
    fflush(out);
    if (j->sig) raise(j->sig);
    fputs("complete\n", out);
    return 0;
}

/* Run a write of `path` in a child that catches signals; its wait status. */
static int write_in_child(const char *path, const job *j, int ignore_first)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        if (ignore_first) signal(j->sig, SIG_IGN);
        if (iamg_catch_signals() != 0) _exit(20);
        iamg_error err;
        int rc = ig_write_atomic(path, slow_writer, (void *)j, &err);
        _exit(rc ? 21 : 0);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return status;
}

Test(signals, interrupted_write_leaves_the_old_report)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < 3; i++) {
        char *dir = tmp_dir("signals");
        char path[512];
        snprintf(path, sizeof path, "%s/report.sarif", dir);
        write_text(NULL, path, "old report\n");
        job j = {sigs[i], 8};
        int status = write_in_child(path, &j, 0);
        cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 128 + sigs[i],
                  "signal %d: wait status %d, want exit %d", sigs[i], status, 128 + sigs[i]);
        char *now = read_text(path);
        cr_expect_str_eq(now ? now : "(gone)", "old report\n", "signal %d", sigs[i]);
        cr_expect_eq(leftovers(dir, "report.sarif"), 0, "signal %d: a temporary file is left",
                     sigs[i]);
        free(now);
        unlink(path);
        rmdir(dir);
        free(dir);
    }
}

/* With no old report, an interrupted write leaves nothing at all. */
Test(signals, interrupted_first_write_leaves_nothing)
{
    char *dir = tmp_dir("signals");
    char path[512];
    snprintf(path, sizeof path, "%s/report.json", dir);
    job j = {SIGTERM, 2};
    int status = write_in_child(path, &j, 0);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 143, "wait status %d", status);
    cr_expect_eq(leftovers(dir, ""), 0);
    rmdir(dir);
    free(dir);
}

/* A signal ignored before (nohup) stays ignored: the write completes. */
Test(signals, ignored_signal_stays_ignored)
{
    char *dir = tmp_dir("signals");
    char path[512];
    snprintf(path, sizeof path, "%s/report.json", dir);
    write_text(NULL, path, "old report\n");
    job j = {SIGHUP, 1};
    int status = write_in_child(path, &j, 1);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "wait status %d", status);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_size, (1 << 20) + 9, "the new report is complete");
    cr_expect_eq(leftovers(dir, "report.json"), 0);
    unlink(path);
    rmdir(dir);
    free(dir);
}

/* Outside a write, a caught signal still ends the process with 128 + it. */
Test(signals, exit_status_outside_a_write)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        iamg_catch_signals();
        raise(SIGINT);
        _exit(0);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 130, "wait status %d", status);
}
