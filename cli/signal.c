/* pm3k CLI — SIGINT and SIGTERM, for every command that runs long.
 *
 * The first signal only sets a flag: the command's loops look at it
 * (cli_interrupted), stop within a second, complete their report as a
 * valid document with "interrupted": true and exit 128 + the signal. A
 * second signal means "now": the -o temporary file is removed and the
 * process dies of the signal, as it would have without pm3k's handler. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static volatile sig_atomic_t caught;
static volatile sig_atomic_t temp_set;
static char temp_path[4096];

static void on_signal(int signo)
{
    if (caught) {
        if (temp_set)
            unlink(temp_path);
        signal(signo, SIG_DFL);
        raise(signo);
        return;
    }
    caught = signo;
}

void cli_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a blocking read of stdin returns EINTR and the list
     * ends there. */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cli_interrupted(void)
{
    return caught;
}

int cli_interrupt_exit_code(void)
{
    return caught ? 128 + caught : 0;
}

void cli_signals_temp_path(const char *path)
{
    temp_set = 0;
    if (path && strlen(path) < sizeof temp_path) {
        memcpy(temp_path, path, strlen(path) + 1);
        temp_set = 1;
    }
}
