/* pm3k report merge — the ndjson reports of the shards of one run (`pm3k
 * probe --shard I/N`) as one report: every item once, in the order one
 * unsharded run gives, one summary and its exit code. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"

/* An ndjson line longer than this is not one pm3k wrote. */
#define LINE_MAX_BYTES (16u << 20)

typedef struct report_args {
    cli_common common;
} report_args;

static const cli_option report_options[] = {
    CLI_TEXT("Each FILE is the ndjson report of one shard ('pm3k probe --shard I/N --format "
             "ndjson'), complete with its summary line. The items come out once each, in the "
             "order of one unsharded run (input order, then the walk's order inside a folder); "
             "the summary counts them again, adds the shards' skipped entries, takes the "
             "longest elapsed time, and the exit code is the worst of the items' and the "
             "shards' (an interrupted or failed shard makes the whole run so)."),
    CLI_INCLUDE(cli_common_options, report_args, common, cli_common),
    CLI_END,
};

const cli_spec cmd_report_spec = {
    .name = "report",
    .summary = "merge the ndjson reports of the shards of one probe run",
    .synopsis = "merge [OPTIONS] FILE...",
    .description = "Merge the ndjson reports that 'pm3k probe --shard I/N' wrote on one or "
                   "many machines into one report, with one summary and the exit code one "
                   "unsharded run would have given.",
    .options = report_options,
    .examples = "seq 4 | parallel pm3k probe --shard {}/4 --format ndjson media/ '>' s{}.ndjson\n"
                "pm3k report merge s*.ndjson\n"
                "pm3k report merge --format ndjson -o all.ndjson shard1.ndjson shard2.ndjson",
};

/* One shard's report, read one item ahead. */
typedef struct shard {
    const char *name;
    FILE *fp;
    char *line;
    size_t cap;
    unsigned long line_no;
    pm3k_item *item; /* the next item, or NULL once the summary was read */
    bool summary_seen;
} shard;

typedef struct merge {
    shard *shards;
    size_t count;
    cli_report report;
    uint64_t skipped;
    int64_t elapsed_ms;
    int shard_exit; /* merged over the shards' summaries */
    int interrupted_exit;
    char failure[PM3K_ERROR_MESSAGE_MAX];       /* the merge's own problem, or "" */
    char run_error[2 * PM3K_ERROR_MESSAGE_MAX]; /* a shard's error object, or "" */
    char run_error_code[64];
} merge;

static int merge_fail(merge *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int merge_fail(merge *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!m->failure[0])
        vsnprintf(m->failure, sizeof m->failure, fmt, ap);
    va_end(ap);
    return -1;
}

/* The summary line of a shard: counted in, and nothing may follow it. */
static void take_summary(merge *m, shard *s, const pm3k_report_line *line)
{
    m->skipped += line->summary.skipped;
    if (line->summary.elapsed_ms > m->elapsed_ms)
        m->elapsed_ms = line->summary.elapsed_ms;
    if (line->summary.interrupted)
        m->interrupted_exit = line->summary.exit_code;
    else
        m->shard_exit = pm3k_exit_merge(m->shard_exit, line->summary.exit_code);
    if (line->error_message[0] && !m->run_error[0]) {
        snprintf(m->run_error_code, sizeof m->run_error_code, "%s", line->error_code);
        snprintf(m->run_error, sizeof m->run_error, "%s: %s", s->name, line->error_message);
    }
    s->summary_seen = true;
}

/* Read the shard's next item into s->item (NULL after its summary). */
static int advance(merge *m, shard *s)
{
    s->item = NULL;
    while (!s->summary_seen) {
        errno = 0;
        ssize_t len = getline(&s->line, &s->cap, s->fp);
        if (len < 0)
            return errno ? merge_fail(m, "cannot read '%s': %s", s->name, strerror(errno))
                         : merge_fail(m,
                                      "'%s' ends without a summary line: that shard did not "
                                      "finish (run it again)",
                                      s->name);
        s->line_no++;
        if ((size_t)len > LINE_MAX_BYTES)
            return merge_fail(m, "'%s' line %lu is longer than %u bytes", s->name, s->line_no,
                              LINE_MAX_BYTES);
        if (len <= 1)
            continue;
        pm3k_report_line line;
        pm3k_error err = {0};
        if (pm3k_report_line_parse(s->line, (size_t)len, &line, &err) != PM3K_OK)
            return merge_fail(m, "'%s' line %lu is not a pm3k ndjson report line: %s", s->name,
                              s->line_no, err.message);
        if (line.is_summary)
            take_summary(m, s, &line);
        else
            s->item = line.item;
        if (s->item)
            return 0;
    }
    errno = 0;
    if (getline(&s->line, &s->cap, s->fp) > 0 && s->line[0] != '\n')
        return merge_fail(m, "'%s' line %lu: lines after the summary", s->name, s->line_no + 1);
    return 0;
}

/* The order of one run: by input, then inside a folder as the walk goes
 * (bytewise by path: the walk sorts a folder's name as if it ended in '/'). */
static int item_order(const pm3k_item *a, const pm3k_item *b)
{
    int64_t ia = pm3k_item_input(a), ib = pm3k_item_input(b);
    if (ia != ib)
        return ia < 0 ? 1 : ib < 0 ? -1 : ia < ib ? -1 : 1;
    return strcmp(pm3k_item_path(a), pm3k_item_path(b));
}

/* Write every item in order; the shard whose item is next is read on. */
static int merge_items(merge *m)
{
    for (;;) {
        shard *next = NULL;
        for (size_t i = 0; i < m->count; i++)
            if (m->shards[i].item && (!next || item_order(m->shards[i].item, next->item) < 0))
                next = &m->shards[i];
        if (!next)
            return 0;
        for (size_t i = 0; i < m->count; i++)
            if (&m->shards[i] != next && m->shards[i].item &&
                item_order(m->shards[i].item, next->item) == 0)
                return merge_fail(m,
                                  "'%s' and '%s' both report '%s' (input %lld): give each "
                                  "shard's report once",
                                  next->name, m->shards[i].name, pm3k_item_path(next->item),
                                  (long long)pm3k_item_input(next->item));
        if (cli_report_item(&m->report, next->item) != PM3K_OK)
            return -1;
        pm3k_item_free(next->item);
        next->item = NULL;
        if (advance(m, next) != 0)
            return -1;
    }
}

static int open_shards(merge *m, const cli_parse *parse)
{
    m->count = parse->operand_count - 1;
    m->shards = calloc(m->count, sizeof *m->shards);
    if (!m->shards)
        return merge_fail(m, "out of memory");
    for (size_t i = 0; i < m->count; i++) {
        shard *s = &m->shards[i];
        s->name = parse->operands[i + 1];
        s->fp = strcmp(s->name, "-") == 0 ? stdin : fopen(s->name, "r");
        if (!s->fp)
            return merge_fail(m, "cannot open '%s': %s", s->name, strerror(errno));
        if (advance(m, s) != 0)
            return -1;
    }
    return 0;
}

static void close_shards(merge *m)
{
    for (size_t i = 0; m->shards && i < m->count; i++) {
        shard *s = &m->shards[i];
        pm3k_item_free(s->item);
        free(s->line);
        if (s->fp && s->fp != stdin)
            fclose(s->fp);
    }
    free(m->shards);
}

/* The merged summary, and the exit code. */
static int merge_finish(merge *m, int merged)
{
    cli_report *r = &m->report;
    pm3k_summary *sum = &r->summary;
    if (merged != 0 && !m->failure[0]) {
        cli_report_close(r);
        cli_error("cannot write the report: %s", r->err.message);
        return PM3K_EXIT_USAGE;
    }
    sum->skipped = m->skipped;
    sum->elapsed_ms = m->elapsed_ms;
    sum->exit_code = pm3k_exit_merge(sum->exit_code, m->shard_exit);
    if (m->interrupted_exit) {
        sum->interrupted = true;
        sum->exit_code = m->interrupted_exit;
    }
    if (m->failure[0] || m->run_error[0]) {
        const char *why = m->failure[0] ? m->failure : m->run_error;
        cli_error("%s", why);
        sum->exit_code = PM3K_EXIT_USAGE;
        bool written = pm3k_writer_finish_error(r->writer, sum,
                                                m->failure[0] ? "merge_failed" : m->run_error_code,
                                                why, &r->err) == PM3K_OK;
        cli_output_close(&r->output, written);
        cli_report_close(r);
        return PM3K_EXIT_USAGE;
    }
    if (pm3k_writer_finish(r->writer, sum, &r->err) != PM3K_OK ||
        cli_output_close(&r->output, true) != 0) {
        cli_report_close(r);
        return PM3K_EXIT_USAGE;
    }
    cli_report_close(r);
    return sum->exit_code;
}

int cmd_report(int argc, char **argv)
{
    report_args args = {0};
    cli_parse parse;
    merge m = {0};
    int exit_code;

    cli_common_init(&args.common);
    if ((exit_code = cli_parse_args(&parse, &cmd_report_spec, &args, argc, argv)) >= 0)
        goto out;
    if (parse.operand_count == 0 || strcmp(parse.operands[0], "merge") != 0) {
        exit_code =
            parse.operand_count == 0
                ? cli_usage_error("report", "no subcommand: use 'pm3k report merge FILE...'")
                : cli_usage_error("report", "unknown subcommand '%s'; use 'merge'",
                                  parse.operands[0]);
        goto out;
    }
    if (parse.operand_count < 2) {
        exit_code = cli_usage_error("report", "merge needs the shards' ndjson reports");
        goto out;
    }
    exit_code = PM3K_EXIT_USAGE;
    if (cli_report_open(&m.report, &args.common, "probe") != 0)
        goto out;
    int merged = open_shards(&m, &parse);
    if (merged == 0)
        merged = merge_items(&m);
    exit_code = merge_finish(&m, merged);
out:
    close_shards(&m);
    cli_parse_free(&parse);
    return exit_code;
}
