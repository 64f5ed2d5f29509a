/* pm3k CLI — shared helpers: common options, messages, number parsing,
 * report output. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"

void cli_common_init(cli_common *common)
{
    memset(common, 0, sizeof *common);
    common->format = PM3K_FORMAT_TEXT;
    common->plan = PM3K_PLAN_FREE;
}

void cli_common_usage(FILE *out)
{
    fputs("Common options:\n"
          "  --format FMT      report format: text (default), json, ndjson, junit\n"
          "  -o, --output FILE write the report to FILE (written whole, or not at all)\n"
          "  -q, --quiet       text: leave out passing items\n"
          "  -v, --verbose     text: show the measured facts under each item\n"
          "      --strict      warnings fail (exit 1)\n"
          "      --plan PLAN   free (default, 100 MB videos) or paid (200 MB)\n"
          "  -j, --jobs N      worker threads (default: online CPUs)\n"
          "  -h, --help        this help\n"
          "\n"
          "Exit status: 0 all passed (warnings allowed), 1 a rule failed, 2 usage error or\n"
          "an input that does not exist, 3 could not check now (network, timeout, 5xx).\n"
          "When several apply, the first of 2, 1, 3, 0 wins.\n",
          out);
}

__attribute__((format(printf, 2, 0))) static void vmessage(const char *prefix, const char *fmt,
                                                           va_list ap)
{
    fprintf(stderr, "%s: ", prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("error", fmt, ap);
    va_end(ap);
}

void cli_warning(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("warning", fmt, ap);
    va_end(ap);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("error", fmt, ap);
    va_end(ap);
    fprintf(stderr, "see 'pm3k %s --help'\n", command);
    return PM3K_EXIT_USAGE;
}

int cli_usage_hint(const char *command)
{
    fprintf(stderr, "see 'pm3k %s --help'\n", command);
    return PM3K_EXIT_USAGE;
}

bool cli_parse_int(const char *option, const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max) {
        cli_error("%s expects a whole number from %ld to %ld, not '%s'", option, min, max, text);
        return false;
    }
    *out = v;
    return true;
}

bool cli_parse_double(const char *option, const char *text, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v) || v < min || v > max) {
        cli_error("%s expects a number from %g to %g, not '%s'", option, min, max, text);
        return false;
    }
    *out = v;
    return true;
}

bool cli_parse_size(const char *option, const char *text, int64_t *out)
{
    static const struct {
        const char *suffix;
        double factor;
    } units[] = {{"", 1e6},   {"b", 1},        {"kb", 1e3},        {"mb", 1e6},
                 {"gb", 1e9}, {"kib", 1024.0}, {"mib", 1048576.0}, {"gib", 1073741824.0}};
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || !isfinite(v) || v < 0)
        goto bad;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcasecmp(end, units[i].suffix) == 0) {
            double bytes = v * units[i].factor;
            if (bytes > 9e18)
                goto bad;
            *out = (int64_t)llround(bytes);
            return true;
        }
bad:
    cli_error("%s expects a size such as 150MB, 1.5GB or 900kB (a plain number is MB), "
              "not '%s'",
              option, text);
    return false;
}

int cli_common_option(const char *command, int opt, const char *arg, cli_common *common)
{
    long n;
    switch (opt) {
    case CLI_OPT_FORMAT:
        if (pm3k_format_parse(arg, &common->format) != PM3K_OK) {
            cli_error("--format must be text, json, ndjson or junit, not '%s'", arg);
            return -1;
        }
        return 1;
    case 'o':
        common->output = arg;
        return 1;
    case 'q':
        common->quiet = true;
        return 1;
    case 'v':
        common->verbose = true;
        return 1;
    case CLI_OPT_STRICT:
        common->strict = true;
        return 1;
    case CLI_OPT_PLAN:
        if (pm3k_plan_parse(arg, &common->plan) != PM3K_OK) {
            cli_error("--plan must be free or paid, not '%s'", arg);
            return -1;
        }
        return 1;
    case 'j':
        if (!cli_parse_int("--jobs", arg, 1, 256, &n))
            return -1;
        common->jobs = (int)n;
        return 1;
    default:
        return 0;
    }
}

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
