/* pm3k payload — build a direct_post body, or lint (and fix) one. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "pm3k/url.h"
#include "cli/commands.h"
#include "pm3k/file.h"
#include "pm3k/payload.h"

enum {
    OPT_VIDEO = CLI_OPT_COMMAND_FIRST,
    OPT_PHOTO,
    OPT_COVER,
    OPT_TITLE,
    OPT_TITLE_FILE,
    OPT_PRIVACY,
    OPT_DISABLE_COMMENT,
    OPT_DISABLE_DUET,
    OPT_DISABLE_STITCH,
    OPT_AUTO_MUSIC,
    OPT_AD,
    OPT_BRAND,
    OPT_DOMAIN,
    OPT_STOP_WORDS,
    OPT_CHECK,
    OPT_FIX,
};

#define BUILT_PATH "payload"

void cmd_payload_usage(FILE *out)
{
    fputs("usage: pm3k payload (--video URL | --photo URL...) --privacy P [OPTIONS]\n"
          "       pm3k payload --check [--fix] [OPTIONS] FILE|- ...\n"
          "\n"
          "Build the JSON body for PM3K's POST /api/tiktok/direct_post, or check a body\n"
          "(exported from n8n/Make or written by hand) the way PM3K reads it: each problem\n"
          "is a finding with the error PM3K would answer.\n"
          "\n"
          "Building: only the body goes to stdout (2-space indented JSON); findings, if\n"
          "any, go to stderr. A body the check would fail is not printed (exit 1).\n"
          "      --video URL       a video post with this source_url\n"
          "      --photo           a photo post: the arguments are the image URLs, in order\n"
          "      --cover N         photo_cover_index, 0-based (default 0)\n"
          "      --auto-add-music  photo posts: let TikTok add music\n"
          "      --title TEXT      the caption (kept exactly: emoji, RTL, combining marks)\n"
          "      --title-file F    the caption from a UTF-8 file, less one trailing newline\n"
          "      --privacy P       required: public, friends, followers, private (any case)\n"
          "                        or PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS,\n"
          "                        FOLLOWER_OF_CREATOR, SELF_ONLY\n"
          "      --disable-comment, --disable-duet, --disable-stitch\n"
          "      --ad own|branded  ad disclosure: your own brand (brand_organic_toggle) or a\n"
          "                        third-party brand (brand_content_toggle)\n"
          "      --brand NAME      the brand or advertiser name (with --ad)\n"
          "\n"
          "Checking:\n"
          "      --check           lint the FILEs ('-' reads stdin) instead of building;\n"
          "                        the report goes to stdout in --format\n"
          "      --fix             print the canonical body on stdout (privacy aliases as\n"
          "                        the TikTok level, string booleans as booleans, legacy ad\n"
          "                        keys renamed, duplicate keys collapsed to the last value);\n"
          "                        what changed and the findings left go to stderr as text,\n"
          "                        and the exit status is the fixed body's. One FILE only\n"
          "\n"
          "Both:\n"
          "      --domain HOST     your verified custom domain: other media hosts (except\n"
          "                        files.pm3k.org) are domain_mismatch\n"
          "      --stop-words F    forbidden words or phrases, one a line ('#' starts a\n"
          "                        comment; write \\#tag for a word starting with '#');\n"
          "                        whole words, any case\n"
          "\n",
          out);
    cli_common_usage(out);
    fputs("\n"
          "Examples:\n"
          "  pm3k payload --video https://files.pm3k.org/uploads/u/2026-11-26/a.mp4 \\\n"
          "      --title \"New drop\" --privacy public\n"
          "  pm3k payload --photo URL1 URL2 URL3 --cover 1 --auto-add-music \\\n"
          "      --title-file caption.txt --privacy followers\n"
          "  pm3k payload --video URL --privacy public --ad branded --brand \"Acme\"\n"
          "  pm3k payload --check body.json\n"
          "  cat body.json | pm3k payload --check --format json -\n"
          "  pm3k payload --check --fix body.json > fixed.json\n"
          "  pm3k payload --check --stop-words words.txt body.json\n",
          out);
}

typedef struct payload_args {
    cli_common common;
    bool check, fix, format_given;
    bool photo, cover_given;
    long cover;
    bool disable_comment, disable_duet, disable_stitch, auto_music;
    const char *video, *title, *title_file, *privacy, *ad, *brand;
    const char *stop_words;
    char domain[256];           /* --domain, as a bare lowercase host */
    const char *builder_option; /* the first build-only option given */
} payload_args;

/* Returns -1 to go on, or an exit code. */
static int parse_args(int argc, char **argv, payload_args *a)
{
    static const struct option options[] = {
        CLI_COMMON_LONGOPTS,
        {"video", required_argument, NULL, OPT_VIDEO},
        {"photo", no_argument, NULL, OPT_PHOTO},
        {"cover", required_argument, NULL, OPT_COVER},
        {"title", required_argument, NULL, OPT_TITLE},
        {"title-file", required_argument, NULL, OPT_TITLE_FILE},
        {"privacy", required_argument, NULL, OPT_PRIVACY},
        {"disable-comment", no_argument, NULL, OPT_DISABLE_COMMENT},
        {"disable-duet", no_argument, NULL, OPT_DISABLE_DUET},
        {"disable-stitch", no_argument, NULL, OPT_DISABLE_STITCH},
        {"auto-add-music", no_argument, NULL, OPT_AUTO_MUSIC},
        {"ad", required_argument, NULL, OPT_AD},
        {"brand", required_argument, NULL, OPT_BRAND},
        {"domain", required_argument, NULL, OPT_DOMAIN},
        {"stop-words", required_argument, NULL, OPT_STOP_WORDS},
        {"check", no_argument, NULL, OPT_CHECK},
        {"fix", no_argument, NULL, OPT_FIX},
        {NULL, 0, NULL, 0},
    };
    int opt, index = 0;
    opterr = 0;
    optind = 1;
    /* No '+': options may follow the image URLs (--photo A B --cover 1). */
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, options, &index)) != -1) {
        int handled = cli_common_option("payload", opt, optarg, &a->common);
        if (handled < 0)
            return cli_usage_hint("payload");
        if (opt == CLI_OPT_FORMAT)
            a->format_given = true;
        if (handled > 0)
            continue;
        if (opt >= OPT_VIDEO && opt <= OPT_BRAND && !a->builder_option)
            a->builder_option = options[index].name;
        switch (opt) {
        case 'h':
            cmd_payload_usage(stdout);
            return PM3K_EXIT_OK;
        case OPT_VIDEO:
            if (a->video)
                return cli_usage_error("payload", "--video is given twice");
            a->video = optarg;
            break;
        case OPT_PHOTO:
            a->photo = true;
            break;
        case OPT_COVER:
            if (!cli_parse_int("--cover", optarg, 0, 100000, &a->cover))
                return cli_usage_hint("payload");
            a->cover_given = true;
            break;
        case OPT_TITLE:
            a->title = optarg;
            break;
        case OPT_TITLE_FILE:
            a->title_file = optarg;
            break;
        case OPT_PRIVACY:
            a->privacy = optarg;
            break;
        case OPT_DISABLE_COMMENT:
            a->disable_comment = true;
            break;
        case OPT_DISABLE_DUET:
            a->disable_duet = true;
            break;
        case OPT_DISABLE_STITCH:
            a->disable_stitch = true;
            break;
        case OPT_AUTO_MUSIC:
            a->auto_music = true;
            break;
        case OPT_AD:
            a->ad = optarg;
            break;
        case OPT_BRAND:
            a->brand = optarg;
            break;
        case OPT_DOMAIN:
            /* The same reading of --domain as probe's: a host, any case,
             * a port or an https:// prefix allowed and ignored. */
            if (!pm3k_domain_host(optarg, a->domain, sizeof a->domain))
                return cli_usage_error("payload",
                                       "--domain takes a host name such as media.example.com, "
                                       "not '%s'",
                                       optarg);
            break;
        case OPT_STOP_WORDS:
            a->stop_words = optarg;
            break;
        case OPT_CHECK:
            a->check = true;
            break;
        case OPT_FIX:
            a->fix = true;
            break;
        case '?':
        default:
            if (optopt && optopt < 256)
                return cli_usage_error("payload", "unknown option '-%c'", optopt);
            if (optopt)
                return cli_usage_error("payload", "option '%s' needs a value", argv[optind - 1]);
            return cli_usage_error("payload", "unknown option '%s'", argv[optind - 1]);
        }
    }
    return -1;
}

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

static int check_files(const payload_args *a, pm3k_payload_lint_options *lopt, int argc,
                       char **argv)
{
    cli_report report;
    pm3k_code rc = PM3K_OK;
    if (cli_report_open(&report, &a->common, "payload") != 0)
        return PM3K_EXIT_USAGE;
    for (int i = optind; rc == PM3K_OK && i < argc; i++) {
        char *body = NULL;
        size_t len = 0;
        pm3k_item *item = NULL;
        pm3k_error read_err = {0};
        pm3k_code read_rc = read_input(argv[i], &body, &len, &read_err);
        if (read_rc != PM3K_OK) {
            item = input_item(argv[i], read_rc, read_err.message);
            if (!item)
                rc = pm3k_error_set(&report.err, PM3K_ERR_NOMEM, "out of memory");
        } else {
            lopt->path = argv[i];
            rc = pm3k_payload_lint(body, len, lopt, &item, &report.err);
        }
        free(body);
        if (rc == PM3K_OK && !item)
            rc = pm3k_error_set(&report.err, PM3K_ERR_NOMEM, "out of memory");
        if (rc == PM3K_OK)
            rc = cli_report_item(&report, item);
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

static int run_check(const payload_args *a, pm3k_payload_lint_options *lopt, int argc, char **argv)
{
    if (a->builder_option)
        return cli_usage_error("payload", "--%s builds a body; it does not go with --check",
                               a->builder_option);
    if (optind >= argc)
        return cli_usage_error("payload", "--check needs a FILE, or - to read stdin");
    int stdin_count = 0;
    for (int i = optind; i < argc; i++)
        stdin_count += strcmp(argv[i], "-") == 0;
    if (stdin_count > 1)
        return cli_usage_error("payload", "'-' (stdin) can only be given once");
    if (!a->fix)
        return check_files(a, lopt, argc, argv);
    if (argc - optind != 1)
        return cli_usage_error("payload", "--fix takes one FILE");
    if (a->format_given && a->common.format != PM3K_FORMAT_TEXT)
        return cli_usage_error("payload", "with --fix the body goes to stdout and the findings "
                                          "to stderr as text: --format does not apply");
    return fix_file(a, lopt, argv[optind]);
}

/* ---- build ---- */

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

static int run_build(const payload_args *a, pm3k_payload_lint_options *lopt, int argc, char **argv)
{
    pm3k_payload_options opt;
    pm3k_item *item = NULL;
    pm3k_error err = {0};
    char *title = NULL, *json = NULL;
    size_t title_len = 0;
    int exit_code;

    if (a->fix)
        return cli_usage_error("payload", "--fix goes with --check FILE");
    if (a->format_given)
        return cli_usage_error("payload", "--format applies to --check; a built body is JSON");
    if (a->video && a->photo)
        return cli_usage_error("payload", "--video and --photo do not go together");
    if (!a->video && !a->photo)
        return cli_usage_error("payload", "give --video URL, or --photo with the image URLs "
                                          "(or --check FILE to lint a body)");
    if (a->video && optind < argc)
        return cli_usage_error("payload", "unexpected argument '%s' (image URLs go with --photo)",
                               argv[optind]);
    if (a->photo && optind >= argc)
        return cli_usage_error("payload", "--photo needs the image URLs as arguments");
    if (a->cover_given && !a->photo)
        return cli_usage_error("payload", "--cover only makes sense with --photo");
    if (a->auto_music && !a->photo)
        return cli_usage_error("payload", "--auto-add-music only makes sense with --photo");
    if (a->title && a->title_file)
        return cli_usage_error("payload", "--title and --title-file do not go together");
    if (!a->privacy)
        return cli_usage_error("payload", "--privacy is required: public, friends, followers "
                                          "or private");
    if (a->brand && !a->ad)
        return cli_usage_error("payload", "--brand goes with --ad own|branded");

    pm3k_payload_options_init(&opt);
    if (a->ad && pm3k_payload_ad_parse(a->ad, &opt.ad) != PM3K_OK)
        return cli_usage_error("payload", "--ad must be own or branded, not '%s'", a->ad);
    if (a->title_file && (exit_code = read_title_file(a->title_file, &title, &title_len)) >= 0)
        return exit_code;
    opt.video_url = a->video;
    opt.photo = a->photo;
    opt.photo_urls = (const char *const *)(argv + optind);
    opt.photo_count = a->photo ? (size_t)(argc - optind) : 0;
    opt.cover_index = (int)a->cover;
    opt.auto_add_music = a->auto_music;
    opt.title = a->title_file ? title : a->title;
    opt.title_len = a->title_file ? title_len : a->title ? strlen(a->title) : 0;
    opt.privacy = a->privacy;
    opt.disable_comment = a->disable_comment;
    opt.disable_duet = a->disable_duet;
    opt.disable_stitch = a->disable_stitch;
    opt.brand = a->brand;
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
    pm3k_payload_lint_options lopt;
    pm3k_stop_words *words = NULL;
    pm3k_error err = {0};
    int exit_code;

    cli_common_init(&args.common);
    if ((exit_code = parse_args(argc, argv, &args)) >= 0)
        return exit_code;
    pm3k_payload_lint_options_init(&lopt);
    pm3k_limits_init(&lopt.limits, args.common.plan, PM3K_HOSTING_EXTERNAL);
    lopt.domain = args.domain[0] ? args.domain : NULL;
    if (args.stop_words) {
        if (pm3k_stop_words_load(args.stop_words, &words, &err) != PM3K_OK)
            return cli_usage_error("payload", "%s", err.message);
        lopt.stop_words = words;
    }
    if (args.check)
        exit_code = run_check(&args, &lopt, argc, argv);
    else
        exit_code = run_build(&args, &lopt, argc, argv);
    pm3k_stop_words_free(words);
    return exit_code;
}
