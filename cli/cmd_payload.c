/* pm3k payload — build a direct_post body, or lint (and fix) one. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "pm3k/file.h"
#include "pm3k/payload.h"
#include "pm3k/url.h"

#define BUILT_PATH "payload"
#define DOMAIN_MAX 256

typedef struct payload_args {
    cli_common common;
    bool check, fix;
    bool photo;
    int cover;
    bool disable_comment, disable_duet, disable_stitch, auto_music;
    pm3k_payload_ad ad;
    const char *video, *title, *title_file, *privacy, *brand;
    const char *stop_words;
    char domain[DOMAIN_MAX]; /* --domain, as a bare lowercase host */
} payload_args;

static const cli_choice ad_choices[] = {
    {"own", PM3K_AD_OWN}, {"branded", PM3K_AD_BRANDED}, {NULL, 0}};

/* The same reading of --domain as probe's: a host, any case, a port or an
 * https:// prefix allowed and ignored. */
static bool set_domain(const cli_value *v)
{
    if (pm3k_domain_host(v->text, v->field, DOMAIN_MAX))
        return true;
    return cli_value_error(v, "--domain takes a host name such as media.example.com, not '%s'",
                           v->text);
}

/* The options that build a body: none goes with --check. */
static const cli_option build_options[] = {
    CLI_STRING(0, "video", "URL", payload_args, video, "a video post with this source_url",
               .flags = CLI_ONCE),
    CLI_FLAG(0, "photo", payload_args, photo,
             "a photo post: the arguments are the image URLs, in order"),
    CLI_INT(0, "cover", "N", payload_args, cover, 0, 100000,
            "photo_cover_index, 0-based (default 0)"),
    CLI_FLAG(0, "auto-add-music", payload_args, auto_music, "photo posts: let TikTok add music"),
    CLI_STRING(0, "title", "TEXT", payload_args, title,
               "the caption (kept exactly: emoji, RTL, combining marks)"),
    CLI_STRING(0, "title-file", "F", payload_args, title_file,
               "the caption from a UTF-8 file, less one trailing newline"),
    CLI_STRING(0, "privacy", "P", payload_args, privacy,
               "required: public, friends, followers, private (any case) or "
               "PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR, SELF_ONLY"),
    CLI_FLAG(0, "disable-comment", payload_args, disable_comment,
             "disable_comment: viewers cannot comment"),
    CLI_FLAG(0, "disable-duet", payload_args, disable_duet, "disable_duet: no duets with the post"),
    CLI_FLAG(0, "disable-stitch", payload_args, disable_stitch,
             "disable_stitch: no stitches of the post"),
    CLI_CHOICE(0, "ad", "own|branded", payload_args, ad, ad_choices,
               "ad disclosure: your own brand (brand_organic_toggle) or a third-party brand "
               "(brand_content_toggle)",
               .flags = CLI_ANY_CASE),
    CLI_STRING(0, "brand", "NAME", payload_args, brand, "the brand or advertiser name (with --ad)"),
    CLI_END,
};

static const cli_option payload_options[] = {
    CLI_SECTION("Building"),
    CLI_TEXT("only the body goes to stdout (2-space indented JSON); findings, if any, go to "
             "stderr. A body the check would fail is not printed (exit 1)."),
    CLI_GROUP(build_options),
    CLI_SECTION("Checking"),
    CLI_FLAG(0, "check", payload_args, check,
             "lint the FILEs ('-' reads stdin) instead of building; the report goes to stdout "
             "in --format"),
    CLI_FLAG(0, "fix", payload_args, fix,
             "print the canonical body on stdout (privacy aliases as the TikTok level, string "
             "booleans as booleans, legacy ad keys renamed, duplicate keys collapsed to the last "
             "value); what changed and the findings left go to stderr as text, and the exit "
             "status is the fixed body's. One FILE only"),
    CLI_SECTION("Both"),
    CLI_CALL(0, "domain", "HOST", payload_args, domain, char *, set_domain,
             "your verified custom domain: other media hosts (except files.pm3k.org) are "
             "domain_mismatch"),
    CLI_STRING(0, "stop-words", "F", payload_args, stop_words,
               "forbidden words or phrases, one a line ('#' starts a comment; write \\#tag for a "
               "word starting with '#'); whole words, any case"),
    CLI_INCLUDE(cli_common_options, payload_args, common, cli_common),
    CLI_END,
};

const cli_spec cmd_payload_spec = {
    .name = "payload",
    .summary = "build a direct_post JSON body, or lint and fix one",
    .synopsis = "(--video URL | --photo URL...) --privacy P [OPTIONS]\n"
                "--check [--fix] [OPTIONS] FILE|- ...",
    .description = "Build the JSON body for PM3K's POST /api/tiktok/direct_post, or check a body "
                   "(exported from n8n/Make or written by hand) the way PM3K reads it: each "
                   "problem is a finding with the error PM3K would answer.",
    .options = payload_options,
    .examples = "pm3k payload --video https://files.pm3k.org/uploads/u/2026-11-26/a.mp4 \\\n"
                "    --title \"New drop\" --privacy public\n"
                "pm3k payload --photo URL1 URL2 URL3 --cover 1 --auto-add-music \\\n"
                "    --title-file caption.txt --privacy followers\n"
                "pm3k payload --video URL --privacy public --ad branded --brand \"Acme\"\n"
                "pm3k payload --check body.json\n"
                "cat body.json | pm3k payload --check --format json -\n"
                "pm3k payload --check --fix body.json > fixed.json\n"
                "pm3k payload --check --stop-words words.txt body.json",
};

/* ---- reading inputs with explicit lengths (a NUL byte is data) ---- */

/* A body or title file; err->message is the reason alone. */
static pm3k_code read_input(const char *path, char **out, size_t *out_len, pm3k_error *err)
{
    return pm3k_file_read(path, PM3K_PAYLOAD_MAX_BYTES, out, out_len, err);
}

static pm3k_code stderr_sink(void *userdata, const char *data, size_t len)
{
    (void)userdata;
    return fwrite(data, 1, len, stderr) == len ? PM3K_OK : PM3K_ERR_IO;
}

/* One item as text on stderr (findings of a build or a fix). */
static void print_item_stderr(const payload_args *a, const pm3k_item *item)
{
    pm3k_writer *writer = NULL;
    pm3k_error err = {0};
    pm3k_writer_options wopt = cli_writer_options(&a->common, "payload", stderr);
    wopt.format = PM3K_FORMAT_TEXT;
    if (pm3k_writer_new(&wopt, stderr_sink, NULL, &writer, &err) == PM3K_OK)
        pm3k_writer_item(writer, item, &err);
    pm3k_writer_free(writer);
}

static int write_body(const payload_args *a, const char *body)
{
    cli_output output;
    if (cli_output_open(&output, a->common.output) != 0)
        return PM3K_EXIT_USAGE;
    bool ok = fputs(body, output.fp) >= 0 && fputc('\n', output.fp) != EOF;
    if (cli_output_close(&output, ok) != 0 || !ok)
        return PM3K_EXIT_USAGE;
    return PM3K_EXIT_OK;
}

static pm3k_item *input_item(const char *path, pm3k_code read_rc, const char *reason)
{
    pm3k_item *item = pm3k_item_new(PM3K_KIND_PAYLOAD, path);
    if (!item)
        return NULL;
    if (read_rc == PM3K_ERR_NOT_FOUND)
        pm3k_item_add(item, PM3K_RULE_INPUT_MISSING, PM3K_END);
    else
        pm3k_item_add(item, PM3K_RULE_INPUT_UNREADABLE, "reason", reason, PM3K_END);
    return item;
}

/* ---- --check ---- */

static int check_files(const payload_args *a, const cli_parse *parse,
                       pm3k_payload_lint_options *lopt)
{
    cli_report report;
    pm3k_code rc = PM3K_OK;
    if (cli_report_open(&report, &a->common, "payload") != 0)
        return PM3K_EXIT_USAGE;
    for (size_t i = 0; rc == PM3K_OK && i < parse->operand_count; i++) {
        const char *path = parse->operands[i];
        char *body = NULL;
        size_t len = 0;
        pm3k_item *item = NULL;
        pm3k_error read_err = {0};
        pm3k_code read_rc = read_input(path, &body, &len, &read_err);
        if (read_rc != PM3K_OK) {
            item = input_item(path, read_rc, read_err.message);
            if (!item)
                rc = pm3k_error_set(&report.err, PM3K_ERR_NOMEM, "out of memory");
        } else {
            lopt->path = path;
            rc = pm3k_payload_lint(body, len, lopt, &item, &report.err);
        }
        free(body);
        if (rc == PM3K_OK && !item)
            rc = pm3k_error_set(&report.err, PM3K_ERR_NOMEM, "out of memory");
        if (rc == PM3K_OK) {
            pm3k_item_set_input(item, (int64_t)i);
            rc = cli_report_item(&report, item);
        }
        pm3k_item_free(item);
    }
    return cli_report_finish(&report, rc, "the check failed");
}

static int fix_file(const payload_args *a, pm3k_payload_lint_options *lopt, const char *path)
{
    char *body = NULL, *fixed = NULL, *notes = NULL;
    size_t len = 0;
    pm3k_item *item = NULL;
    pm3k_error err = {0};
    int exit_code = PM3K_EXIT_USAGE;
    pm3k_code read_rc = read_input(path, &body, &len, &err);
    lopt->path = path;
    if (read_rc != PM3K_OK) {
        item = input_item(path, read_rc, err.message);
        if (item)
            print_item_stderr(a, item);
        goto out;
    }
    if (pm3k_payload_canonical(body, len, &fixed, &notes, &err) != PM3K_OK)
        goto fail;
    if (!fixed) {
        /* Not JSON at all: say why, exit as the lint does. */
        if (pm3k_payload_lint(body, len, lopt, &item, &err) != PM3K_OK)
            goto fail;
        print_item_stderr(a, item);
        cli_error("'%s' cannot be fixed: it holds no JSON object", path);
        exit_code = pm3k_item_exit_code(item, a->common.strict);
        goto out;
    }
    if (pm3k_payload_lint(fixed, strlen(fixed), lopt, &item, &err) != PM3K_OK)
        goto fail;
    fputs(notes, stderr);
    print_item_stderr(a, item);
    exit_code = write_body(a, fixed);
    if (exit_code == PM3K_EXIT_OK)
        exit_code = pm3k_item_exit_code(item, a->common.strict);
    goto out;
fail:
    cli_error("%s", err.message[0] ? err.message : "the fix failed");
    exit_code = PM3K_EXIT_USAGE;
out:
    pm3k_item_free(item);
    free(notes);
    free(fixed);
    free(body);
    return exit_code;
}

static int run_check(const payload_args *a, const cli_parse *parse, pm3k_payload_lint_options *lopt)
{
    const cli_option *builder = cli_first_given(parse, build_options);
    if (builder)
        return cli_usage_error("payload", "--%s builds a body; it does not go with --check",
                               builder->long_name);
    if (parse->operand_count == 0)
        return cli_usage_error("payload", "--check needs a FILE, or - to read stdin");
    int stdin_count = 0;
    for (size_t i = 0; i < parse->operand_count; i++)
        stdin_count += strcmp(parse->operands[i], "-") == 0;
    if (stdin_count > 1)
        return cli_usage_error("payload", "'-' (stdin) can only be given once");
    if (!a->fix)
        return check_files(a, parse, lopt);
    if (parse->operand_count != 1)
        return cli_usage_error("payload", "--fix takes one FILE");
    if (cli_given_on_command_line(parse, "format") && a->common.format != PM3K_FORMAT_TEXT)
        return cli_usage_error("payload", "with --fix the body goes to stdout and the findings "
                                          "to stderr as text: --format does not apply");
    return fix_file(a, lopt, parse->operands[0]);
}

/* ---- build ---- */

/* What the build options mean together. Returns -1 to go on, or an exit
 * code. */
static int check_build_args(const payload_args *a, const cli_parse *parse)
{
    size_t urls = parse->operand_count;
    /* --format is no report format here (a config file's included): the
     * builder prints the body, and its mistakes as text. */
    cli_run_set_format(PM3K_FORMAT_TEXT);
    if (a->fix)
        return cli_usage_error("payload", "--fix goes with --check FILE");
    if (cli_given_on_command_line(parse, "format")) {
        return cli_usage_error("payload", "--format applies to --check; a built body is JSON");
    }
    if (a->video && a->photo)
        return cli_usage_error("payload", "--video and --photo do not go together");
    if (!a->video && !a->photo)
        return cli_usage_error("payload", "give --video URL, or --photo with the image URLs "
                                          "(or --check FILE to lint a body)");
    if (a->video && urls > 0)
        return cli_usage_error("payload", "unexpected argument '%s' (image URLs go with --photo)",
                               parse->operands[0]);
    if (a->photo && urls == 0)
        return cli_usage_error("payload", "--photo needs the image URLs as arguments");
    if (cli_given(parse, "cover") && !a->photo)
        return cli_usage_error("payload", "--cover only makes sense with --photo");
    if (a->auto_music && !a->photo)
        return cli_usage_error("payload", "--auto-add-music only makes sense with --photo");
    if (a->title && a->title_file)
        return cli_usage_error("payload", "--title and --title-file do not go together");
    if (!a->privacy)
        return cli_usage_error("payload", "--privacy is required: public, friends, followers "
                                          "or private");
    if (a->brand && a->ad == PM3K_AD_NONE)
        return cli_usage_error("payload", "--brand goes with --ad own|branded");
    return -1;
}

/* The caption from --title-file: exactly one trailing "\n" or "\r\n" goes. */
static int read_title_file(const char *path, char **title, size_t *len)
{
    pm3k_error err = {0};
    if (read_input(path, title, len, &err) != PM3K_OK)
        return cli_usage_error("payload", "cannot read the title file '%s': %s", path, err.message);
    if (*len >= 2 && (*title)[*len - 2] == '\r' && (*title)[*len - 1] == '\n')
        *len -= 2;
    else if (*len >= 1 && (*title)[*len - 1] == '\n')
        *len -= 1;
    return -1;
}

static pm3k_payload_options build_request(const payload_args *a, const cli_parse *parse,
                                          const char *title_file_text, size_t title_file_len)
{
    pm3k_payload_options opt;
    pm3k_payload_options_init(&opt);
    opt.video_url = a->video;
    opt.photo = a->photo;
    opt.photo_urls = (const char *const *)parse->operands;
    opt.photo_count = a->photo ? parse->operand_count : 0;
    opt.cover_index = a->cover;
    opt.auto_add_music = a->auto_music;
    opt.title = a->title_file ? title_file_text : a->title;
    opt.title_len = a->title_file ? title_file_len : a->title ? strlen(a->title) : 0;
    opt.privacy = a->privacy;
    opt.disable_comment = a->disable_comment;
    opt.disable_duet = a->disable_duet;
    opt.disable_stitch = a->disable_stitch;
    opt.ad = a->ad;
    opt.brand = a->brand;
    return opt;
}

static int run_build(const payload_args *a, const cli_parse *parse, pm3k_payload_lint_options *lopt)
{
    pm3k_item *item = NULL;
    pm3k_error err = {0};
    char *title = NULL, *json = NULL;
    size_t title_len = 0;
    int exit_code;

    if ((exit_code = check_build_args(a, parse)) >= 0)
        return exit_code;
    if (a->title_file && (exit_code = read_title_file(a->title_file, &title, &title_len)) >= 0)
        return exit_code;
    pm3k_payload_options opt = build_request(a, parse, title, title_len);
    lopt->path = BUILT_PATH;
    pm3k_code rc = pm3k_payload_build(&opt, lopt, &json, &item, &err);
    if (rc == PM3K_ERR_INVALID_ARG) {
        exit_code = cli_usage_error("payload", "%s", err.message);
        goto out;
    }
    if (rc != PM3K_OK) {
        cli_error("%s", err.message);
        exit_code = PM3K_EXIT_USAGE;
        goto out;
    }
    if (pm3k_item_finding_count(item) > 0)
        print_item_stderr(a, item);
    exit_code = pm3k_item_exit_code(item, a->common.strict);
    if (!json || exit_code != PM3K_EXIT_OK) {
        if (json)
            cli_error("the body was not printed: --strict and the warnings above");
        else
            cli_error("the body was not printed: PM3K would reject it (see the findings above)");
        exit_code = PM3K_EXIT_RULE_FAILED;
        goto out;
    }
    exit_code = write_body(a, json);
out:
    pm3k_item_free(item);
    free(json);
    free(title);
    return exit_code;
}

int cmd_payload(int argc, char **argv)
{
    payload_args args = {0};
    cli_parse parse;
    pm3k_payload_lint_options lopt;
    pm3k_stop_words *words = NULL;
    pm3k_error err = {0};
    int exit_code;

    cli_common_init(&args.common);
    if ((exit_code = cli_parse_args(&parse, &cmd_payload_spec, &args, argc, argv)) >= 0)
        goto out;
    pm3k_payload_lint_options_init(&lopt);
    lopt.limits = args.common.limits;
    lopt.domain = args.domain[0] ? args.domain : NULL;
    if (args.stop_words) {
        if (pm3k_stop_words_load(args.stop_words, &words, &err) != PM3K_OK) {
            exit_code = cli_usage_error("payload", "%s", err.message);
            goto out;
        }
        lopt.stop_words = words;
    }
    if (args.check)
        exit_code = run_check(&args, &parse, &lopt);
    else
        exit_code = run_build(&args, &parse, &lopt);
out:
    pm3k_stop_words_free(words);
    cli_parse_free(&parse);
    return exit_code;
}
