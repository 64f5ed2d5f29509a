/* pm3k CLI — shared helpers: the common and HTTP option tables, messages,
 * report output. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cli/cli.h"

/* The run as a whole (see cli.h): format, report, last error. */
static struct {
    int format;
    bool report_started, epipe;
    char last_error[2048];
    const char *context;
} run_state;

/* ---- the options every command takes ---- */

static const cli_choice format_choices[] = {
    {"text", PM3K_FORMAT_TEXT},   {"json", PM3K_FORMAT_JSON},     {"ndjson", PM3K_FORMAT_NDJSON},
    {"junit", PM3K_FORMAT_JUNIT}, {"github", PM3K_FORMAT_GITHUB}, {NULL, 0}};
static const cli_choice fail_on_choices[] = {{"error", CLI_FAIL_ON_ERROR},
                                             {"warning", CLI_FAIL_ON_WARNING},
                                             {"none", CLI_FAIL_ON_NONE},
                                             {NULL, 0}};
static const cli_choice color_choices[] = {
    {"auto", CLI_COLOR_AUTO}, {"always", CLI_COLOR_ALWAYS}, {"never", CLI_COLOR_NEVER}, {NULL, 0}};
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

/* --fail-on sets the policy and what --strict means with it; the row's
 * field is `strict`, the struct around it the common options. */
static bool set_fail_on(const cli_value *v)
{
    cli_common *common = (cli_common *)(void *)((char *)v->field - offsetof(cli_common, strict));
    int policy;
    if (!cli_choice_value(v, &policy))
        return false;
    common->fail_on = (cli_fail_on)policy;
    common->strict = policy == CLI_FAIL_ON_WARNING;
    return true;
}

static bool set_strict(const cli_value *v)
{
    cli_common *common = (cli_common *)(void *)((char *)v->field - offsetof(cli_common, strict));
    common->strict = true;
    common->fail_on = CLI_FAIL_ON_WARNING;
    return true;
}

static const char *known_code(const char *code, const char **near)
{
    size_t best = SIZE_MAX;
    *near = NULL;
    for (size_t i = 0; i < pm3k_rule_count(); i++) {
        const pm3k_rule *rule = pm3k_rule_get((pm3k_rule_id)i);
        if (!rule)
            continue;
        if (strcmp(rule->code, code) == 0)
            return rule->code;
        size_t d = cli_edit_distance(code, rule->code);
        if (d < best) {
            best = d;
            *near = rule->code;
        }
    }
    if (!cli_near_enough(code, best))
        *near = NULL;
    return NULL;
}

/* --ignore not_vertical,moov_at_end: each a finding code of docs/rules.md. */
static bool add_ignored(const cli_value *v)
{
    char *list = cli_keep_copy(v, v->text);
    if (!list)
        return cli_value_error(v, "out of memory");
    for (char *save = NULL, *code = strtok_r(list, ", ", &save); code;
         code = strtok_r(NULL, ", ", &save)) {
        const char *near;
        if (!known_code(code, &near))
            return near ? cli_value_error(v, "--ignore: no finding code '%s'; did you mean '%s'?",
                                          code, near)
                        : cli_value_error(v, "--ignore: no finding code '%s' (see docs/rules.md)",
                                          code);
        if (!cli_list_add(v, code))
            return cli_value_error(v, "out of memory");
    }
    return *v->count > 0 || cli_value_error(v, "--ignore expects codes such as moov_at_end");
}

/* The limit overrides of the commands that probe media (probe, fix and
 * upload take both tables, publish the video one), rows over cli_common. */
const cli_option cli_video_limit_options[] = {
    CLI_NUMBER(0, "max-duration", "S", cli_common, limits.max_duration_s, 1, 86400,
               "creator's duration limit in seconds (default 600)"),
    CLI_SIZE(0, "max-size", "SIZE", cli_common, limits.max_video_bytes,
             "video size limit (default by --plan: 100MB or 200MB)"),
    CLI_END,
};

const cli_option cli_image_limit_options[] = {
    CLI_SIZE(0, "max-image-size", "SIZE", cli_common, limits.max_image_bytes,
             "image size limit (default 20MB)"),
    CLI_INT(0, "max-image-side", "PX", cli_common, limits.max_image_side, 1, 1000000,
            "image side limit (default 1080)"),
    CLI_END,
};

const cli_option cli_common_options[] = {
    CLI_SECTION("Common options"),
    CLI_CHOICE(0, "format", "FMT", cli_common, format, format_choices,
               "report format: text (default), json, ndjson, junit, github (GitHub Actions "
               "annotations)",
               .flags = CLI_FIRST),
    CLI_STRING('o', "output", "FILE", cli_common, output,
               "write the report to FILE (written whole, or not at all)"),
    CLI_FLAG('q', "quiet", cli_common, quiet, "text: leave out passing items"),
    CLI_FLAG('v', "verbose", cli_common, verbose, "text: show the measured facts under each item"),
    CLI_CALL(0, "strict", NULL, cli_common, strict, bool, set_strict,
             "warnings fail (exit 1): --fail-on warning"),
    CLI_CALL(0, "fail-on", "SEV", cli_common, strict, bool, set_fail_on,
             "what makes the exit code 1: error (default), warning, or none (exit 0 for rule "
             "failures and could-not-check items alike; usage errors still exit 2)",
             .choices = fail_on_choices),
    CLI_LIST(0, "ignore", "CODES", cli_common, ignore, ignore_count,
             "report these finding codes (comma-separated) as info with \"ignored\": true",
             .call = add_ignored),
    CLI_CHOICE(0, "color", "WHEN", cli_common, color, color_choices,
               "text: colour the status words: auto (a terminal, and NO_COLOR unset), always, "
               "never"),
    CLI_STRING(0, "config", "FILE", cli_common, config,
               "read options from FILE, one long option a line (default: $PM3K_CONFIG, else "
               "$XDG_CONFIG_HOME/pm3k/config when it exists); the command line wins"),
    CLI_FLAG(0, "no-config", cli_common, no_config, "read no config file"),
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
    size_t size = sizeof run_state.last_error;
    int n = run_state.context ? snprintf(run_state.last_error, size, "%s: ", run_state.context) : 0;
    if (n < 0 || (size_t)n >= size)
        n = 0;
    vsnprintf(run_state.last_error + n, size - (size_t)n, fmt, ap);
    fprintf(stderr, "error: %s\n", run_state.last_error);
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
    cli_run_report_started();
    if (!path || strcmp(path, "-") == 0) {
        out->fp = stdout;
        return 0;
    }
    if (pm3k_atomic_open(path, &out->file, &err) != PM3K_OK) {
        cli_error("%s", err.message);
        return -1;
    }
    out->fp = pm3k_atomic_stream(out->file);
    cli_signals_temp_path(pm3k_atomic_temp_path(out->file));
    return 0;
}

pm3k_code cli_output_sink(void *userdata, const char *data, size_t len)
{
    cli_output *out = userdata;
    if (out->write_errno) /* a flush already failed: the reader is gone */
        return PM3K_ERR_IO;
    /* stdio buffers; cli_output_flush runs whenever the batch waits, so a
     * streamed report still reaches a pipe item by item. */
    if (out->before_write)
        out->before_write(out->before_write_data);
    if (len && fwrite(data, 1, len, out->fp) != len) {
        if (!out->write_errno)
            out->write_errno = errno;
        if (out->write_errno == EPIPE)
            cli_run_saw_epipe();
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
        if (out->write_errno == EPIPE)
            cli_run_saw_epipe();
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
        if (fflush(stdout) != 0) {
            if (errno == EPIPE || out->write_errno == EPIPE) {
                cli_run_saw_epipe();
            } else {
                cli_error("cannot write the report: %s", strerror(errno));
                rc = -1;
            }
        }
        return rc;
    }
    cli_signals_temp_path(NULL);
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
    return cli_use_color_as(CLI_COLOR_AUTO, fp);
}

bool cli_use_color_as(cli_color color, FILE *fp)
{
    const char *no_color = getenv("NO_COLOR");
    if (color != CLI_COLOR_AUTO)
        return color == CLI_COLOR_ALWAYS;
    return isatty(fileno(fp)) && !(no_color && *no_color);
}

int cli_exit_policy(cli_fail_on fail_on, int exit_code)
{
    if (fail_on == CLI_FAIL_ON_NONE &&
        (exit_code == PM3K_EXIT_RULE_FAILED || exit_code == PM3K_EXIT_TRANSIENT))
        return PM3K_EXIT_OK;
    return exit_code;
}

/* ---- the run as a whole ---- */

void cli_run_set_format(int format)
{
    run_state.format = format;
}

int cli_run_format(void)
{
    return run_state.format;
}

void cli_run_report_started(void)
{
    run_state.report_started = true;
}

bool cli_run_has_report(void)
{
    return run_state.report_started;
}

const char *cli_run_last_error(void)
{
    return run_state.last_error;
}

void cli_error_context(const char *where)
{
    run_state.context = where;
}

void cli_run_saw_epipe(void)
{
    run_state.epipe = true;
}

bool cli_run_epipe(void)
{
    return run_state.epipe;
}

/* Optimal string alignment distance: insertions, deletions, substitutions
 * and swaps of two neighbours cost 1 ("fromat" is 1 from "format"). */
size_t cli_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return SIZE_MAX;
    size_t d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

bool cli_near_enough(const char *word, size_t distance)
{
    size_t len = strlen(word);
    return distance > 0 && distance <= (len < 5 ? 1 : len < 9 ? 2 : 3);
}

pm3k_writer_options cli_writer_options(const cli_common *common, const char *command, FILE *fp)
{
    pm3k_writer_options opt = {
        .format = common->format,
        .color = common->format == PM3K_FORMAT_TEXT && cli_use_color_as(common->color, fp),
        .quiet = common->quiet,
        .verbose = common->verbose,
        .strict = common->strict,
        .command = command,
    };
    return opt;
}
