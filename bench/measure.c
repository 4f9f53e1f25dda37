/*
 * measure - run a command, report its wall-clock time and peak RSS.
 *
 *     measure REPEAT LABEL FILES BYTES -- command args...
 *
 * Runs the command REPEAT times (output discarded), and prints one line with
 * the fastest wall-clock time, files/s and MB/s over FILES and BYTES, and the
 * largest peak resident set size seen. Exit status: the command's last one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 7 || strcmp(argv[5], "--") != 0) {
        fprintf(stderr, "usage: measure REPEAT LABEL FILES BYTES -- command...\n");
        return 2;
    }
    int repeat = atoi(argv[1]);
    const char *label = argv[2];
    double files = atof(argv[3]), bytes = atof(argv[4]);
    double best = 1e30;
    long max_rss = 0;
    int status = 0;
    for (int i = 0; i < (repeat > 0 ? repeat : 1); i++) {
        double t0 = now();
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 2;
        }
        if (pid == 0) {
            int devnull = open("/dev/null", O_WRONLY);
            if (devnull >= 0) {
                dup2(devnull, STDOUT_FILENO);
                dup2(devnull, STDERR_FILENO);
            }
            execvp(argv[6], argv + 6);
            _exit(127);
        }
        int st;
        struct rusage ru;
        if (wait4(pid, &st, 0, &ru) < 0) {
            perror("wait4");
            return 2;
        }
        double t = now() - t0;
        if (t < best) best = t;
        if (ru.ru_maxrss > max_rss) max_rss = ru.ru_maxrss;
        status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (status == 127) {
            fprintf(stderr, "measure: cannot run %s\n", argv[6]);
            return 2;
        }
    }
    printf("%-44s %8.3f s %10.0f files/s %8.1f MB/s %8.1f MiB peak RSS\n", label, best,
           files / best, bytes / best / 1e6, (double)max_rss / 1024.0);
    return status;
}
