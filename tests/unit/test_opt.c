/* Unit tests for cli/opt.c, the option engine, with cli/cli.c's common and
 * HTTP tables (both are compiled into this test; they are no part of
 * libpm3k): what a command line puts in the fields, what a mistake prints
 * and exits with, and --help made from the rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli.h"
#include "cli/opt.h"

/* ---- a command of the test's own ---- */

typedef struct test_args {
    cli_common common;
    pm3k_http_options http;
    bool photo;
    int cover;
    const char *video;
    double duration;
    int64_t max_size;
    const char *const *tags;
    size_t tag_count;
    pm3k_hosting hosting;
} test_args;

static const cli_choice hosting_choices[] = {
    {"pm3k", PM3K_HOSTING_PM3K}, {"external", PM3K_HOSTING_EXTERNAL}, {NULL, 0}};

static const cli_option build_rows[] = {
    CLI_STRING(0, "video", "URL", test_args, video, "a video", .flags = CLI_ONCE),
    CLI_FLAG('p', "photo", test_args, photo, "a photo post"),
    CLI_INT('c', "cover", "N", test_args, cover, 0, 10, "the cover"),
    CLI_END,
};

static const cli_option test_rows[] = {
    CLI_SECTION("Test options"),
    CLI_TEXT("a paragraph under the heading"),
    CLI_GROUP(build_rows),
    CLI_NUMBER(0, "max-duration", "S", test_args, duration, 1, 86400, "seconds"),
    CLI_SIZE(0, "max-size", "SIZE", test_args, common.limits.max_video_bytes, "video size limit"),
    CLI_SIZE(0, "max-image-size", "SIZE", test_args, max_size, "image size limit"),
    CLI_LIST('t', "tag", "T", test_args, tags, tag_count, "a tag; repeatable"),
    CLI_CHOICE(0, "hosting", "H", test_args, hosting, hosting_choices, "where the media is",
               .flags = CLI_ANY_CASE),
    CLI_SECTION("URL options"),
    CLI_INCLUDE(cli_http_options, test_args, http, pm3k_http_options),
    CLI_TEXT("Sizes: 1 MB = 10^6 bytes."),
    CLI_INCLUDE(cli_common_options, test_args, common, cli_common),
    CLI_END,
};

static const cli_spec test_spec = {
    .name = "test",
    .summary = "a command for the tests",
    .synopsis = "[OPTIONS] FILE ...\n--other FORM",
    .description = "A description long enough to be wrapped: it goes on and on about what the "
                   "command does, so that it needs a second line at eighty columns.",
    .options = test_rows,
    .examples = "pm3k test a b \\\n    --photo",
};

/* ---- running it, with stdout and stderr kept ---- */

typedef struct run {
    test_args args;
    cli_parse parse;
    int rc;
    char out[16384], err[4096];
} run;

static void read_back(FILE *tmp, char *buf, size_t cap)
{
    size_t n;
    rewind(tmp);
    n = fread(buf, 1, cap - 1, tmp);
    buf[n] = '\0';
    fclose(tmp);
}

/* Parse the words (NULL-terminated, the command's name first). */
static run *parse_words(const char *first, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    va_start(ap, first);
    for (const char *w = first; w; w = va_arg(ap, const char *)) {
        assert_true(argc < 31);
        argv[argc++] = (char *)w;
    }
    va_end(ap);
    argv[argc] = NULL;

    run *r = calloc(1, sizeof *r);
    assert_non_null(r);
    cli_common_init(&r->args.common);
    FILE *out = tmpfile(), *err = tmpfile();
    assert_non_null(out);
    assert_non_null(err);
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    dup2(fileno(out), 1);
    dup2(fileno(err), 2);
    r->rc = cli_parse_args(&r->parse, &test_spec, &r->args, argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    read_back(out, r->out, sizeof r->out);
    read_back(err, r->err, sizeof r->err);
    return r;
}

static void run_free(run *r)
{
    cli_parse_free(&r->parse);
    free(r);
}

/* A usage error: exit 2, this message, then the pointer to --help. */
static void expect_usage_error(run *r, const char *message)
{
    char want[512];
    snprintf(want, sizeof want, "error: %s\nsee 'pm3k test --help'\n", message);
    assert_int_equal(r->rc, PM3K_EXIT_USAGE);
    assert_string_equal(r->err, want);
    run_free(r);
}

/* ---- parsing ---- */

static void long_and_short_forms(void **state)
{
    (void)state;
    run *r = parse_words("test", "--video", "a.mp4", "--cover=3", "-qv", "-j4", "-o", "out.json",
                         "--max-duration", "12.5", NULL);
    assert_int_equal(r->rc, -1);
    assert_string_equal(r->args.video, "a.mp4");
    assert_int_equal(r->args.cover, 3);
    assert_true(r->args.common.quiet && r->args.common.verbose);
    assert_int_equal(r->args.common.jobs, 4);
    assert_string_equal(r->args.common.output, "out.json");
    assert_true(r->args.duration == 12.5);
    assert_string_equal(r->err, "");
    run_free(r);

    /* -pc7: a bundle whose last letter takes the rest as its value */
    r = parse_words("test", "-pc7", "-c", "8", NULL);
    assert_int_equal(r->rc, -1);
    assert_true(r->args.photo);
    assert_int_equal(r->args.cover, 8); /* the last one given wins */
    run_free(r);
}

static void prefixes_as_getopt(void **state)
{
    (void)state;
    run *r = parse_words("test", "--verb", "--str", "--max-d", "60", NULL);
    assert_int_equal(r->rc, -1);
    assert_true(r->args.common.verbose && r->args.common.strict);
    assert_true(r->args.duration == 60);
    run_free(r);
    /* --max could be --max-duration, --max-size or --max-image-size */
    expect_usage_error(parse_words("test", "--max", "1", NULL), "unknown option '--max'");
}

static void operands_in_any_order(void **state)
{
    (void)state;
    run *r = parse_words("test", "a", "--photo", "-", "b", "--", "--cover", "-q", NULL);
    assert_int_equal(r->rc, -1);
    assert_true(r->args.photo);
    assert_false(r->args.common.quiet); /* after "--" */
    assert_int_equal(r->parse.operand_count, 5);
    const char *want[] = {"a", "-", "b", "--cover", "-q"};
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(r->parse.operands[i], want[i]);
    run_free(r);
}

static void a_value_may_look_like_an_option(void **state)
{
    (void)state;
    run *r = parse_words("test", "--video", "--photo", "-o", "-", NULL);
    assert_int_equal(r->rc, -1);
    assert_string_equal(r->args.video, "--photo");
    assert_false(r->args.photo);
    assert_string_equal(r->args.common.output, "-");
    run_free(r);
}

static void mistakes_in_the_command_line(void **state)
{
    (void)state;
    expect_usage_error(parse_words("test", "--nope", NULL), "unknown option '--nope'");
    expect_usage_error(parse_words("test", "-qx", NULL), "unknown option '-x'");
    expect_usage_error(parse_words("test", "--video", NULL), "option '--video' needs a value");
    expect_usage_error(parse_words("test", "-c", NULL), "option '-c' needs a value");
    expect_usage_error(parse_words("test", "--photo=yes", NULL), "option '--photo' takes no value");
    expect_usage_error(parse_words("test", "--video", "a", "--video", "b", NULL),
                       "--video is given twice");
    /* the first mistake in the command line is the one reported */
    expect_usage_error(parse_words("test", "--cover", "11", "--nope", NULL),
                       "--cover expects a whole number from 0 to 10, not '11'");
}

static void values_by_kind(void **state)
{
    (void)state;
    run *r = parse_words("test", "--max-image-size", "1.5GB", "--timeout", "2.5", "--hosting",
                         "PM3K", "--format", "ndjson", "-t", "x", "--tag=y", "--resolve",
                         "h:443:127.0.0.1", NULL);
    assert_int_equal(r->rc, -1);
    assert_int_equal(r->args.max_size, 1500000000);
    assert_int_equal(r->args.http.timeout_ms, 2500);
    assert_int_equal(r->args.hosting, PM3K_HOSTING_PM3K);
    assert_int_equal(r->args.common.format, PM3K_FORMAT_NDJSON);
    assert_int_equal(r->args.tag_count, 2);
    assert_string_equal(r->args.tags[0], "x");
    assert_string_equal(r->args.tags[1], "y");
    assert_int_equal(r->args.http.resolve_count, 1);
    assert_string_equal(r->args.http.resolve[0], "h:443:127.0.0.1");
    run_free(r);

    expect_usage_error(parse_words("test", "--max-size", "lots", NULL),
                       "--max-size expects a size such as 150MB, 1.5GB or 900kB (a plain number "
                       "is MB), not 'lots'");
    expect_usage_error(parse_words("test", "--timeout", "0", NULL),
                       "--timeout expects a number from 0.001 to 3600, not '0'");
    expect_usage_error(parse_words("test", "-j", "0", NULL),
                       "--jobs expects a whole number from 1 to 256, not '0'");
    /* --format takes its names exactly, --plan and --hosting in any case */
    expect_usage_error(parse_words("test", "--format", "JSON", NULL),
                       "--format must be text, json, ndjson, junit or github, not 'JSON'");
    expect_usage_error(parse_words("test", "--plan", "gold", NULL),
                       "--plan must be free or paid, not 'gold'");
}

/* --plan sets the video limit whatever its place; --max-size given
 * anywhere wins over it. */
static void the_plan_comes_first(void **state)
{
    (void)state;
    run *r = parse_words("test", "--plan", "PAID", NULL);
    assert_int_equal(r->args.common.limits.max_video_bytes, 200000000);
    assert_int_equal(r->args.common.limits.plan, PM3K_PLAN_PAID);
    run_free(r);
    r = parse_words("test", "--max-size", "50", "--plan", "paid", NULL);
    assert_int_equal(r->rc, -1);
    assert_int_equal(r->args.common.limits.max_video_bytes, 50000000);
    run_free(r);
    r = parse_words("test", "--plan", "paid", "--max-size", "50", NULL);
    assert_int_equal(r->args.common.limits.max_video_bytes, 50000000);
    run_free(r);
}

static void what_was_given(void **state)
{
    (void)state;
    run *r = parse_words("test", "--cover", "1", "--format", "json", "--video", "v", NULL);
    assert_true(cli_given(&r->parse, "cover"));
    assert_true(cli_given(&r->parse, "format"));
    assert_false(cli_given(&r->parse, "photo"));
    const cli_option *first = cli_first_given(&r->parse, build_rows);
    assert_non_null(first);
    assert_string_equal(first->long_name, "cover");
    run_free(r);
    /* first by its first use */
    r = parse_words("test", "-p", "--cover", "1", "--photo", NULL);
    assert_string_equal(cli_first_given(&r->parse, build_rows)->long_name, "photo");
    run_free(r);
    r = parse_words("test", "--format", "json", NULL);
    assert_null(cli_first_given(&r->parse, build_rows));
    run_free(r);
}

/* ---- --help ---- */

static void help_from_the_rows(void **state)
{
    (void)state;
    run *r = parse_words("test", "--help", "--nope", NULL);
    assert_int_equal(r->rc, PM3K_EXIT_OK);
    assert_string_equal(r->err, "");
    const char *out = r->out;
    assert_non_null(strstr(out, "usage: pm3k test [OPTIONS] FILE ...\n"
                                "       pm3k test --other FORM\n\n"));
    assert_non_null(strstr(out, "\nTest options: a paragraph under the heading\n"
                                "      --video URL       a video\n"
                                "  -p, --photo           a photo post\n"));
    assert_non_null(strstr(out, "      --max-image-size SIZE  image size limit\n"));
    assert_non_null(strstr(out, "\nURL options:\n      --cacert FILE     "));
    assert_non_null(strstr(out, "\n\nSizes: 1 MB = 10^6 bytes.\n\nCommon options:\n"));
    assert_non_null(strstr(out, "  -h, --help            this help\n"));
    assert_non_null(strstr(out, "\nExamples:\n  pm3k test a b \\\n      --photo\n"));
    /* every line fits in 80 columns, and no line ends in a space */
    for (const char *line = out; *line;) {
        size_t len = strcspn(line, "\n");
        assert_true(len <= 80);
        assert_true(len == 0 || line[len - 1] != ' ');
        line += len + (line[len] == '\n');
    }

    /* 'pm3k help test' prints the same */
    FILE *tmp = tmpfile();
    char again[sizeof r->out];
    assert_non_null(tmp);
    cli_help(&test_spec, tmp);
    read_back(tmp, again, sizeof again);
    assert_string_equal(again, out);
    run_free(r);
}

/* A mistake before --help is reported; --help before one wins. */
static void help_and_mistakes_in_order(void **state)
{
    (void)state;
    expect_usage_error(parse_words("test", "--nope", "--help", NULL), "unknown option '--nope'");
    expect_usage_error(parse_words("test", "-j", "0", "-h", NULL),
                       "--jobs expects a whole number from 1 to 256, not '0'");
    run *r = parse_words("test", "-h", "--plan", "gold", NULL);
    assert_int_equal(r->rc, PM3K_EXIT_OK);
    assert_string_equal(r->err, "");
    run_free(r);
}

/* ---- the config file (issue 13) ---- */

static char config_path[256];

static void write_config(const char *text)
{
    snprintf(config_path, sizeof config_path, "/tmp/pm3k-test-opt-%d.conf", (int)getpid());
    FILE *f = fopen(config_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Lines as curl reads them, before the command line, which wins; a
 * CLI_ONCE option in both is no "given twice". */
static void config_lines_then_command_line(void **state)
{
    (void)state;
    write_config("# a comment\n\n--video=https://a.test/config.mp4\nphoto\n"
                 "max-duration: 30\n  tag \"a \\\"b\\\"\"\nplan paid\nfail-on none\n");
    run *r = parse_words("test", "--config", config_path, "--video", "https://a.test/cli.mp4",
                         "--max-duration", "40", "x", NULL);
    assert_int_equal(r->rc, -1);
    assert_string_equal(r->args.video, "https://a.test/cli.mp4");
    assert_true(r->args.photo);
    assert_true(r->args.duration == 40.0);
    assert_int_equal(r->args.tag_count, 1);
    assert_string_equal(r->args.tags[0], "a \"b\"");
    assert_int_equal(r->args.common.limits.plan, PM3K_PLAN_PAID);
    assert_int_equal(r->args.common.fail_on, CLI_FAIL_ON_NONE);
    assert_int_equal(r->parse.operand_count, 1);
    assert_true(cli_given(&r->parse, "photo"));
    run_free(r);
    /* --no-config reads none of it */
    r = parse_words("test", "--no-config", "--config", config_path, NULL);
    assert_int_equal(r->rc, -1);
    assert_false(r->args.photo);
    run_free(r);
    unlink(config_path);
}

static void config_mistakes_name_file_and_line(void **state)
{
    (void)state;
    char want[512];
    write_config("photo\ncover 11\n");
    run *r = parse_words("test", "--config", config_path, NULL);
    snprintf(want, sizeof want, "%s:2: --cover expects a whole number from 0 to 10, not '11'",
             config_path);
    expect_usage_error(r, want);
    write_config("phtoo\n");
    r = parse_words("test", "--config", config_path, NULL);
    snprintf(want, sizeof want, "%s:1: unknown option '--phtoo'; did you mean '--photo'?",
             config_path);
    expect_usage_error(r, want);
    write_config("tag \"unclosed\n");
    r = parse_words("test", "--config", config_path, NULL);
    snprintf(want, sizeof want, "%s:1: cannot read this line (an option name, then its value)",
             config_path);
    expect_usage_error(r, want);
    unlink(config_path);
    r = parse_words("test", "--config", config_path, NULL);
    assert_int_equal(r->rc, PM3K_EXIT_USAGE);
    assert_non_null(strstr(r->err, "error: cannot read the config file"));
    run_free(r);
}

/* --strict is --fail-on warning; the last of them counts. */
static void fail_on_and_strict(void **state)
{
    (void)state;
    run *r = parse_words("test", "--fail-on", "warning", NULL);
    assert_int_equal(r->args.common.fail_on, CLI_FAIL_ON_WARNING);
    assert_true(r->args.common.strict);
    run_free(r);
    r = parse_words("test", "--strict", "--fail-on", "none", NULL);
    assert_int_equal(r->args.common.fail_on, CLI_FAIL_ON_NONE);
    assert_false(r->args.common.strict);
    run_free(r);
    assert_int_equal(cli_exit_policy(CLI_FAIL_ON_NONE, PM3K_EXIT_RULE_FAILED), 0);
    assert_int_equal(cli_exit_policy(CLI_FAIL_ON_NONE, PM3K_EXIT_TRANSIENT), 0);
    assert_int_equal(cli_exit_policy(CLI_FAIL_ON_NONE, PM3K_EXIT_USAGE), PM3K_EXIT_USAGE);
    assert_int_equal(cli_exit_policy(CLI_FAIL_ON_ERROR, PM3K_EXIT_RULE_FAILED), 1);
}

static void did_you_mean(void **state)
{
    (void)state;
    assert_int_equal(cli_edit_distance("fromat", "format"), 1);
    assert_int_equal(cli_edit_distance("prbe", "probe"), 1);
    assert_int_equal(cli_edit_distance("", "abc"), 3);
    assert_true(cli_near_enough("fromat", 1));
    assert_false(cli_near_enough("x", 2));
    assert_false(cli_near_enough("format", 0));
    run *r = parse_words("test", "--max-durtion", "4", NULL);
    expect_usage_error(r, "unknown option '--max-durtion'; did you mean '--max-duration'?");
    r = parse_words("test", "--ignore", "not_vertcal", NULL);
    expect_usage_error(r, "--ignore: no finding code 'not_vertcal'; did you mean 'not_vertical'?");
}

int main(void)
{
    /* no config file of the machine's user */
    unsetenv("PM3K_CONFIG");
    setenv("XDG_CONFIG_HOME", "/nonexistent/pm3k-test", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_lines_then_command_line),
        cmocka_unit_test(config_mistakes_name_file_and_line),
        cmocka_unit_test(fail_on_and_strict),
        cmocka_unit_test(did_you_mean),
        cmocka_unit_test(long_and_short_forms),
        cmocka_unit_test(prefixes_as_getopt),
        cmocka_unit_test(operands_in_any_order),
        cmocka_unit_test(a_value_may_look_like_an_option),
        cmocka_unit_test(mistakes_in_the_command_line),
        cmocka_unit_test(values_by_kind),
        cmocka_unit_test(the_plan_comes_first),
        cmocka_unit_test(what_was_given),
        cmocka_unit_test(help_from_the_rows),
        cmocka_unit_test(help_and_mistakes_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
