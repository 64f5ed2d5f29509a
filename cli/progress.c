/* pm3k CLI — the progress line on stderr, for every command that runs
 * long: only on a terminal, only after the first second, redrawn at most
 * ten times a second, and cleared before a report line goes to the same
 * terminal (cli_output's before_write hook), so report lines never run
 * into it. */
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"

void cli_progress_init(cli_progress *p, const struct timespec *start)
{
    p->enabled = isatty(STDERR_FILENO);
    p->same_terminal = p->enabled && isatty(STDOUT_FILENO);
    atomic_init(&p->shown, false);
    p->start = p->last = *start;
}

void cli_progress_clear(void *userdata)
{
    cli_progress *p = userdata;
    if (p && atomic_exchange(&p->shown, false))
        fputs("\r\033[K", stderr);
}

void cli_progress_clear_for_report(void *userdata)
{
    cli_progress *p = userdata;
    if (p && p->same_terminal)
        cli_progress_clear(p);
}

/* "1:05" or "1:02:05". */
static void format_eta(char *out, size_t size, double seconds)
{
    long s = (long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(out, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, size, "%ld:%02ld", s / 60, s % 60);
}

void cli_progress_show(cli_progress *p, uint64_t done, uint64_t total, const char *what)
{
    if (!p->enabled || cli_seconds_since(&p->start) < 1.0 || cli_seconds_since(&p->last) < 0.1)
        return;
    clock_gettime(CLOCK_MONOTONIC, &p->last);
    double elapsed = cli_seconds_since(&p->start), rate = (double)done / elapsed;
    if (total >= done && total > 0) {
        char eta[32] = "?";
        if (rate > 0)
            format_eta(eta, sizeof eta, (double)(total - done) / rate);
        fprintf(stderr, "\r\033[K%llu/%llu checked (%.0f%%), %.0f/s, ETA %s  %.50s",
                (unsigned long long)done, (unsigned long long)total,
                100.0 * (double)done / (double)total, rate, eta, what ? what : "");
    } else {
        fprintf(stderr, "\r\033[K%llu checked, %.0f/s  %.60s", (unsigned long long)done, rate,
                what ? what : "");
    }
    atomic_store(&p->shown, true);
}
