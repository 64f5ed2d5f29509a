/* pm3k CLI — shared helpers for the cmd_*.c commands. */
#ifndef PM3K_CLI_H
#define PM3K_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "pm3k/pm3k.h"

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    void (*usage)(FILE *out);
    const char *summary;
} cli_command;

/* The commands (cli/main.c). */
const cli_command *cli_find_command(const char *name);

/* Options every command takes. */
typedef struct cli_common {
    pm3k_format format;
    const char *output; /* -o FILE, NULL for stdout */
    bool quiet, verbose, strict;
    pm3k_plan plan;
    int jobs;
} cli_common;

/* Long-only option ids start here; each command numbers its own after
 * CLI_OPT_COMMAND_FIRST. */
enum {
    CLI_OPT_FORMAT = 256,
    CLI_OPT_STRICT,
    CLI_OPT_PLAN,
    CLI_OPT_HELP,
    CLI_OPT_COMMAND_FIRST = 300
};

#define CLI_COMMON_SHORTOPTS "o:qvj:h"
#define CLI_COMMON_LONGOPTS                                                                        \
    {"format", required_argument, NULL, CLI_OPT_FORMAT}, {"output", required_argument, NULL, 'o'}, \
        {"quiet", no_argument, NULL, 'q'}, {"verbose", no_argument, NULL, 'v'},                    \
        {"strict", no_argument, NULL, CLI_OPT_STRICT},                                             \
        {"plan", required_argument, NULL, CLI_OPT_PLAN}, {"jobs", required_argument, NULL, 'j'},   \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }

/* The common options' help lines, for each command's usage text. */
void cli_common_usage(FILE *out);

void cli_common_init(cli_common *common);
/* Handle a common option. Returns 1 if it was one, 0 if not, -1 on a bad
 * value (the error is printed). -h prints usage and sets *exit_now. */
int cli_common_option(const char *command, int opt, const char *arg, cli_common *common);

/* Messages to stderr in the house form: "error: ...", "warning: ...". */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "error: ..." and the help pointer; returns PM3K_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* After an error already printed: the help pointer; returns PM3K_EXIT_USAGE. */
int cli_usage_hint(const char *command);

/* Number parsing with a clear error: "--jobs expects a whole number". */
bool cli_parse_int(const char *option, const char *text, long min, long max, long *out);
bool cli_parse_double(const char *option, const char *text, double min, double max, double *out);
/* "150", "150MB", "1.5GB", "900kB", "20MiB": plain numbers are MB (10^6). */
bool cli_parse_size(const char *option, const char *text, int64_t *out);

/* Where the report goes: stdout, or -o FILE written to a temporary file in
 * the same folder and renamed into place only when the run completes. */
typedef struct cli_output {
    FILE *fp;
    pm3k_atomic_file *file; /* -o FILE; NULL for stdout */
    int write_errno;        /* errno of the first failed write (EPIPE: reader went away) */
} cli_output;

int cli_output_open(cli_output *out, const char *path);
pm3k_code cli_output_sink(void *userdata, const char *data, size_t len);
/* Push buffered output out (an idle hook for pm3k_batch_set_idle). */
pm3k_code cli_output_flush(void *userdata);
/* Close; commit renames the file into place, otherwise it is removed. */
int cli_output_close(cli_output *out, bool commit);

/* Should text output be coloured? (a tty, and NO_COLOR unset) */
bool cli_use_color(FILE *fp);

/* The report of a checking command (cli/report.c). */
typedef struct cli_report {
    cli_output output;
    pm3k_writer *writer;
    pm3k_summary summary;
    bool strict;
    struct timespec start;
    pm3k_error err; /* why the run or the writer stopped */
} cli_report;

/* Open -o FILE (or stdout) and the writer; starts the clock. -1 (error
 * printed) when that fails. */
int cli_report_open(cli_report *report, const cli_common *common, const char *command);
/* Count and write one item; a pm3k_item_fn for pm3k_batch_run. */
pm3k_code cli_report_item(void *report, const pm3k_item *item);
/* Finish: run_rc is how the checking went (not OK: print report->err, or
 * fallback, and exit 2). Writes the summary, commits -o, closes, and returns
 * the exit code. */
int cli_report_finish(cli_report *report, pm3k_code run_rc, const char *fallback);
/* Close without committing -o (after an error before any checking). */
void cli_report_close(cli_report *report);
/* Seconds since t (CLOCK_MONOTONIC). */
double cli_seconds_since(const struct timespec *t);

/* A writer's options from the common options. */
pm3k_writer_options cli_writer_options(const cli_common *common, const char *command, FILE *fp);

#endif
