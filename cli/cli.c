/* pm3k CLI — shared helpers: the common and HTTP option tables, messages,
 * report output. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cli/cli.h"

/* ---- the options every command takes ---- */

static const cli_choice format_choices[] = {{"text", PM3K_FORMAT_TEXT},
                                            {"json", PM3K_FORMAT_JSON},
                                            {"ndjson", PM3K_FORMAT_NDJSON},
                                            {"junit", PM3K_FORMAT_JUNIT},
                                            {NULL, 0}};
static const cli_choice plan_choices[] = {
    {"free", PM3K_PLAN_FREE}, {"paid", PM3K_PLAN_PAID}, {NULL, 0}};

/* The plan's limits, for the command's own limit options to refine. */
static bool set_plan(const cli_value *v)
{
    pm3k_limits *limits = v->field;
    int plan;
    if (!cli_choice_value(v, &plan))
        return false;
    pm3k_limits_init(limits, (pm3k_plan)plan, limits->hosting);
    return true;
}

const cli_option cli_common_options[] = {
    CLI_SECTION("Common options"),
    CLI_CHOICE(0, "format", "FMT", cli_common, format, format_choices,
               "report format: text (default), json, ndjson, junit"),
    CLI_STRING('o', "output", "FILE", cli_common, output,
               "write the report to FILE (written whole, or not at all)"),
    CLI_FLAG('q', "quiet", cli_common, quiet, "text: leave out passing items"),
    CLI_FLAG('v', "verbose", cli_common, verbose, "text: show the measured facts under each item"),
    CLI_FLAG(0, "strict", cli_common, strict, "warnings fail (exit 1)"),
    CLI_CALL(0, "plan", "PLAN", cli_common, limits, pm3k_limits, set_plan,
             "free (default, 100 MB videos) or paid (200 MB)", .choices = plan_choices,
             .flags = CLI_FIRST | CLI_ANY_CASE),
    CLI_INT('j', "jobs", "N", cli_common, jobs, 1, 256, "worker threads (default: online CPUs)"),
    CLI_HELP('h', "help", "this help"),
    CLI_TEXT("Exit status: 0 all passed (warnings allowed), 1 a rule failed, 2 usage error or an "
             "input that does not exist, 3 could not check now (network, timeout, 5xx). When "
             "several apply, the first of 2, 1, 3, 0 wins."),
    CLI_END,
};

void cli_common_init(cli_common *common)
{
    memset(common, 0, sizeof *common);
    common->format = PM3K_FORMAT_TEXT;
    pm3k_limits_init(&common->limits, PM3K_PLAN_FREE, PM3K_HOSTING_EXTERNAL);
}

const cli_option cli_http_options[] = {
    CLI_STRING(0, "cacert", "FILE", pm3k_http_options, cacert,
               "also trust this CA (TLS verification is always on)"),
    CLI_LIST(0, "resolve", "H:P:A", pm3k_http_options, resolve, resolve_count,
             "connect to address A for host H and port P (as curl's); repeatable"),
    CLI_MILLIS(0, "timeout", "S", pm3k_http_options, timeout_ms, 0.001, 3600,
               "per-URL timeout in seconds (default 20)"),
    CLI_END,
};

/* ---- the PM3K API key ---- */

const cli_option cli_key_options[] = {
    CLI_STRING(0, "key-file", "FILE", cli_key, key_file,
               "read the PM3K API key from FILE (its first line); without it PM3K_API_KEY, "
               "else the file PM3K_API_KEY_FILE names. Never give the key itself on the "
               "command line"),
    CLI_END,
};

int cli_key_load(const cli_key *opt, pm3k_api_key **out)
{
    pm3k_error err = {0};
    pm3k_key_info info;
    /* Before the key is read: no core dump and no ptrace by other users'
     * tools may copy it out of memory. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (pm3k_api_key_load(opt->key_file, out, &info, &err) != PM3K_OK) {
        cli_error("%s", err.message);
        return PM3K_EXIT_USAGE;
    }
    if (info.file && info.readable_by_others)
        cli_warning("the key file '%s' is readable by group or others (mode %04o): chmod 600 '%s'",
                    info.file, info.mode, info.file);
    return -1;
}

int cli_history_open(pm3k_history **out)
{
    pm3k_error err = {0};
    if (pm3k_history_open(NULL, out, &err) != PM3K_OK) {
        cli_error("%s", err.message);
        return PM3K_EXIT_USAGE;
    }
    return -1;
}

void cli_trace_stderr(void *userdata, const char *line)
{
    (void)userdata;
    fprintf(stderr, "%s\n", line);
}

/* ---- messages ---- */

void cli_verror(const char *fmt, va_list ap)
{
    fputs("error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_verror(fmt, ap);
    va_end(ap);
}

void cli_warning(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_verror(fmt, ap);
    va_end(ap);
    return cli_usage_hint(command);
}

int cli_usage_hint(const char *command)
{
    fprintf(stderr, "see 'pm3k %s --help'\n", command);
    return PM3K_EXIT_USAGE;
}

/* ---- report output ---- */

int cli_output_open(cli_output *out, const char *path)
{
    pm3k_error err = {0};
    memset(out, 0, sizeof *out);
    if (!path || strcmp(path, "-") == 0) {
        out->fp = stdout;
        return 0;
    }
    if (pm3k_atomic_open(path, &out->file, &err) != PM3K_OK) {
        cli_error("%s", err.message);
        return -1;
    }
    out->fp = pm3k_atomic_stream(out->file);
    return 0;
}

pm3k_code cli_output_sink(void *userdata, const char *data, size_t len)
{
    cli_output *out = userdata;
    if (out->write_errno) /* a flush already failed: the reader is gone */
        return PM3K_ERR_IO;
    /* stdio buffers; cli_output_flush runs whenever the batch waits, so a
     * streamed report still reaches a pipe item by item. */
    if (len && fwrite(data, 1, len, out->fp) != len) {
        if (!out->write_errno)
            out->write_errno = errno;
        return PM3K_ERR_IO;
    }
    return PM3K_OK;
}

pm3k_code cli_output_flush(void *userdata)
{
    cli_output *out = userdata;
    if (out->fp && fflush(out->fp) != 0) {
        if (!out->write_errno)
            out->write_errno = errno;
        return PM3K_ERR_IO;
    }
    return out->write_errno ? PM3K_ERR_IO : PM3K_OK;
}

int cli_output_close(cli_output *out, bool commit)
{
    pm3k_error err = {0};
    int rc = 0;
    if (!out->fp)
        return 0;
    out->fp = NULL;
    if (!out->file) {
        if (fflush(stdout) != 0 && errno != EPIPE && out->write_errno != EPIPE) {
            cli_error("cannot write the report: %s", strerror(errno));
            rc = -1;
        }
        return rc;
    }
    if (!commit) {
        pm3k_atomic_abort(out->file);
    } else if (pm3k_atomic_commit(out->file, &err) != PM3K_OK) {
        cli_error("%s", err.message);
        rc = -1;
    }
    out->file = NULL;
    return rc;
}

bool cli_use_color(FILE *fp)
{
    const char *no_color = getenv("NO_COLOR");
    return isatty(fileno(fp)) && !(no_color && *no_color);
}

pm3k_writer_options cli_writer_options(const cli_common *common, const char *command, FILE *fp)
{
    pm3k_writer_options opt = {
        .format = common->format,
        .color = common->format == PM3K_FORMAT_TEXT && cli_use_color(fp),
        .quiet = common->quiet,
        .verbose = common->verbose,
        .strict = common->strict,
        .command = command,
    };
    return opt;
}
