/* pm3k CLI — shared helpers for the cmd_*.c commands. */
#ifndef PM3K_CLI_H
#define PM3K_CLI_H

#include <stdarg.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "cli/opt.h"
#include "pm3k/pm3k.h"

/* What a command needs set up before it runs (the command table's column
 * in cli/main.c): a payload run starts no libcurl and prepares no media
 * libraries. */
enum {
    CLI_NEEDS_NOTHING = 0,
    CLI_NEEDS_MEDIA = 1u << 0,  /* FFmpeg and libvips (loaded on first use) */
    CLI_NEEDS_HTTP = 1u << 1,   /* libcurl */
    CLI_NEEDS_HISTORY = 1u << 2 /* the posting history (SQLite), for the upload commands */
};

typedef struct cli_command {
    const cli_spec *spec; /* name, options and help (cli/cmd_<name>.c) */
    int (*run)(int argc, char **argv);
    unsigned needs; /* CLI_NEEDS_* */
} cli_command;

/* The commands (cli/main.c). */
const cli_command *cli_find_command(const char *name);

/* --fail-on: which severity makes the exit code 1. */
typedef enum cli_fail_on {
    CLI_FAIL_ON_ERROR = 0, /* the default: rule failures exit 1, warnings pass */
    CLI_FAIL_ON_WARNING,   /* --strict */
    CLI_FAIL_ON_NONE       /* the report is the answer: exit 0 unless the run itself failed */
} cli_fail_on;

typedef enum cli_color { CLI_COLOR_AUTO = 0, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER } cli_color;

/* Options every command takes: cli_common_options, a table over this. */
typedef struct cli_common {
    pm3k_format format;
    const char *output;          /* -o FILE, NULL for stdout */
    bool quiet, verbose, strict; /* strict: --strict or --fail-on warning */
    cli_fail_on fail_on;
    cli_color color;
    const char *const *ignore; /* --ignore: finding codes reported as ignored info */
    size_t ignore_count;
    const char *config; /* --config FILE (read by the option parser itself) */
    bool no_config;
    /* --plan's limits, refined by the command's own limit options (applied
     * after --plan wherever it stands) */
    pm3k_limits limits;
    int jobs;
} cli_common;

extern const cli_option cli_common_options[];
/* --max-duration and --max-size; --max-image-size and --max-image-side.
 * Rows over cli_common, for the commands that probe media. */
extern const cli_option cli_video_limit_options[];
extern const cli_option cli_image_limit_options[];
void cli_common_init(cli_common *common);

/* --cacert, --resolve and --timeout: a table over pm3k_http_options, for
 * every command that talks HTTP. */
extern const cli_option cli_http_options[];

/* --key-file: the PM3K API key's options, for the commands that call PM3K
 * (the key itself comes from PM3K_API_KEY or PM3K_API_KEY_FILE without it). */
typedef struct cli_key {
    const char *key_file;
} cli_key;

extern const cli_option cli_key_options[];

/* Load the key. The process first stops being dumpable (no core file or
 * ptrace of another user's tools can read the key from memory); a key file
 * readable by group or others warns. Returns -1 with *out set, or exit 2
 * after printing why (never the key). */
int cli_key_load(const cli_key *opt, pm3k_api_key **out);

/* Open the posting history ($PM3K_HISTORY, else the XDG state folder):
 * -1 with *out set, or exit 2 after printing why. */
int cli_history_open(pm3k_history **out);

/* A -v trace line to stderr (already redacted by the library). */
void cli_trace_stderr(void *userdata, const char *line);

/* Messages to stderr in the house form: "error: ...", "warning: ...". */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_verror(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "error: ..." and the help pointer; returns PM3K_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* After an error already printed: the help pointer; returns PM3K_EXIT_USAGE. */
int cli_usage_hint(const char *command);

/* Where the report goes: stdout, or -o FILE written to a temporary file in
 * the same folder and renamed into place only when the run completes. */
typedef struct cli_output {
    FILE *fp;
    pm3k_atomic_file *file; /* -o FILE; NULL for stdout */
    int write_errno;        /* errno of the first failed write (EPIPE: reader went away) */
    /* Called before report bytes go out (the progress line clears itself
     * from the terminal they share). */
    void (*before_write)(void *userdata);
    void *before_write_data;
} cli_output;

int cli_output_open(cli_output *out, const char *path);
pm3k_code cli_output_sink(void *userdata, const char *data, size_t len);
/* Push buffered output out (an idle hook for pm3k_batch_set_idle). */
pm3k_code cli_output_flush(void *userdata);
/* Close; commit renames the file into place, otherwise it is removed. */
int cli_output_close(cli_output *out, bool commit);

/* Should text output be coloured? auto: a tty, and NO_COLOR unset. */
bool cli_use_color(FILE *fp);
bool cli_use_color_as(cli_color color, FILE *fp);

/* ---- the run as a whole (cli/cli.c) ----
 * What main() needs to end any command the same way: the report format
 * the options asked for, whether a report was started, and the last error
 * said, for the error document of a run that failed before its report. */
void cli_run_set_format(int format);
int cli_run_format(void);
void cli_run_report_started(void);
bool cli_run_has_report(void);
const char *cli_run_last_error(void);
/* Where messages come from, put before them ("FILE:LINE"); NULL clears. */
void cli_error_context(const char *where);
/* A reader of stdout went away (EPIPE): the run ends with the SIGPIPE status. */
void cli_run_saw_epipe(void);
bool cli_run_epipe(void);

/* SIGINT and SIGTERM (cli/signal.c): installed once by main(); a command
 * that runs long looks at cli_interrupted() (the signal, or 0), stops,
 * completes its report with "interrupted": true, and exits
 * cli_interrupt_exit_code() (130 or 143). A second signal removes the -o
 * temporary file named last and kills the process. */
void cli_signals_install(void);
int cli_interrupted(void);
int cli_interrupt_exit_code(void);
void cli_signals_temp_path(const char *path);

/* "Did you mean": the edit distance (Damerau–Levenshtein, as git's) and
 * whether a distance is close enough to suggest for this word. */
size_t cli_edit_distance(const char *a, const char *b);
bool cli_near_enough(const char *word, size_t distance);

/* The exit code a run's policy makes of the merged one (--fail-on none: a
 * rule failure or a could-not-check is 0; usage errors stay 2). */
int cli_exit_policy(cli_fail_on fail_on, int exit_code);

/* The progress line on stderr (cli/progress.c). */
typedef struct cli_progress {
    bool enabled;       /* stderr is a terminal (-q does not turn it off) */
    bool same_terminal; /* stdout is one too: clear the line before report bytes */
    /* a line is on the screen; atomic: the skip notes of the walk's thread
     * clear it too */
    _Atomic bool shown;
    struct timespec start, last;
} cli_progress;

void cli_progress_init(cli_progress *progress, const struct timespec *start);
/* done of total (0: not known yet) and what was done last. */
void cli_progress_show(cli_progress *progress, uint64_t done, uint64_t total, const char *what);
/* Take the line off the screen (before other stderr text, and at the end). */
void cli_progress_clear(void *progress);
/* A cli_output before_write hook: clear when the report shares the terminal. */
void cli_progress_clear_for_report(void *progress);

/* The report of a checking command (cli/report.c). */
typedef struct cli_report {
    cli_output output;
    pm3k_writer *writer;
    pm3k_summary summary;
    bool strict;
    cli_fail_on fail_on;
    const char *const *ignore; /* --ignore codes */
    size_t ignore_count;
    struct timespec start;
    pm3k_error err; /* why the run or the writer stopped */
} cli_report;

/* Open -o FILE (or stdout) and the writer; starts the clock. -1 (error
 * printed) when that fails. */
int cli_report_open(cli_report *report, const cli_common *common, const char *command);
/* Count and write one item; a pm3k_item_fn for pm3k_batch_run. The
 * --ignore codes are marked on it first; PM3K_ERR_ABORTED once a signal
 * came. */
pm3k_code cli_report_item(void *report, const pm3k_item *item);
/* An idle hook for pm3k_batch_set_idle: flush the report; PM3K_ERR_ABORTED
 * once a signal came, so the run stops. */
pm3k_code cli_report_idle(void *report);
/* Finish: run_rc is how the checking went (not OK: print report->err, or
 * fallback, and exit 2). Writes the summary, commits -o, closes, and returns
 * the exit code. */
int cli_report_finish(cli_report *report, pm3k_code run_rc, const char *fallback);
/* Close without committing -o (after an error before any checking). */
void cli_report_close(cli_report *report);
/* Seconds since t (CLOCK_MONOTONIC). */
double cli_seconds_since(const struct timespec *t);

/* The run failed as a whole (no key, no history, a bad base URL): say why
 * on stderr, end json and ndjson with the error object, exit 2. */
int cli_report_fail(cli_report *report, const char *code, const char *message);

/* A command's PM3K client: the key, the history and the client on them,
 * opened in that order (post, status, and what posts in their name). */
typedef struct cli_client {
    pm3k_api_key *key;
    pm3k_history *history;
    pm3k_api *api;
} cli_client;

/* Open c for a run whose report is open; progress (status --wait) may be
 * NULL. -1 when it is ready, else the exit code after the report said why
 * (cli_report_fail). cli_client_close releases what was opened, in
 * reverse order, and takes a client never opened. */
int cli_client_open(cli_client *c, const cli_key *key, const pm3k_http_options *http, bool verbose,
                    pm3k_status_progress_fn progress, void *progress_userdata, cli_report *report);
void cli_client_close(cli_client *c);
/* After a command exited 2 without starting its report: in json or ndjson
 * (as far as the options said), a document with the error object on
 * stdout, so `| jq` sees why. */
void cli_usage_document(void);

/* A writer's options from the common options. */
pm3k_writer_options cli_writer_options(const cli_common *common, const char *command, FILE *fp);

#endif
