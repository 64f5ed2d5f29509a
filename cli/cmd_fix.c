/* pm3k fix — make failing files acceptable without needless re-encoding. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"

typedef struct fix_args {
    pm3k_fix_options fix;
    cli_common common; /* common.output is the fixed file or folder (-o) */
    int to_format;
} fix_args;

enum { TO_JPG, TO_WEBP };

static const cli_choice hosting_choices[] = {
    {"pm3k", PM3K_HOSTING_PM3K}, {"external", PM3K_HOSTING_EXTERNAL}, {NULL, 0}};
static const cli_choice format_choices[] = {{"jpg", TO_JPG}, {"webp", TO_WEBP}, {NULL, 0}};

static bool set_hosting(const cli_value *v)
{
    int hosting;
    if (!cli_choice_value(v, &hosting))
        return false;
    pm3k_limits_set_hosting(v->field, (pm3k_hosting)hosting);
    return true;
}

static const cli_option fix_options[] = {
    CLI_SECTION("Fix options"),
    CLI_TEXT("-o OUT is the fixed file (its extension picks the type: .jpg, .jpeg, .webp, .png; "
             ".mp4 for videos) or, for folders and several files, the folder the same tree is "
             "written under. The report goes to stdout."),
    CLI_CALL(0, "hosting", "H", fix_args, common.limits, pm3k_limits, set_hosting,
             "pm3k or external (default external): PNG photos are refused on pm3k hosting",
             .choices = hosting_choices, .flags = CLI_FIRST | CLI_ANY_CASE),
    CLI_CHOICE(0, "to-format", "FMT", fix_args, to_format, format_choices,
               "folders: the type of images whose type is not accepted, jpg (default) or webp"),
    CLI_FLAG(0, "keep-metadata", fix_args, fix.keep_metadata,
             "images: keep EXIF, XMP and IPTC (the colour profile is always kept)"),
    CLI_FLAG('n', "dry-run", fix_args, fix.dry_run,
             "say per file what is wrong and what fix would do, write nothing"),
    CLI_FLAG('f', "force", fix_args, fix.force, "replace an output that exists"),
    CLI_FLAG(0, "in-place", fix_args, fix.in_place, "replace the input itself (atomically)"),
    CLI_INCLUDE(cli_video_limit_options, fix_args, common, cli_common),
    CLI_INCLUDE(cli_image_limit_options, fix_args, common, cli_common),
    CLI_INCLUDE(cli_common_options, fix_args, common, cli_common),
    CLI_END,
};

const cli_spec cmd_fix_spec = {
    .name = "fix",
    .summary = "turn failing files into ones PM3K accepts, without needless re-encoding",
    .synopsis =
        "[OPTIONS] FILE -o OUT\n[OPTIONS] FOLDER|FILE... -o OUTDIR\n--dry-run FILE|FOLDER...\n"
        "--in-place FILE|FOLDER...",
    .description =
        "Probe each input with the same options as 'pm3k probe', then fix what can be fixed "
        "mechanically: videos are remuxed to MP4 with the moov box first and every stream "
        "copied bit for bit (rotation, aspect ratio and timestamps kept); images are converted "
        "with libvips (EXIF orientation applied, fitted inside 1080x1080, never upscaled, "
        "metadata stripped but the colour profile, quality chosen to stay under 20 MB; an "
        "animation becomes its first frame). What needs re-encoding or an editorial choice "
        "(landscape, codec, frame rate, picture size, length, file size) is refused with the "
        "ffmpeg command that would do it. The output is written beside its final name, "
        "probed, and renamed into place only when it passes; the input's times are kept.",
    .options = fix_options,
    .examples = "pm3k fix photo.png -o photo.jpg --hosting pm3k\n"
                "pm3k fix clip.mkv -o clip.mp4\n"
                "pm3k fix --dry-run folder/\n"
                "pm3k fix folder/ -o fixed/\n"
                "pm3k fix --hosting pm3k --plan paid album/ -o out/",
};

/* ---- Ctrl-C: the temporary file being written is removed at once ---- */

static volatile int interrupted;       /* the signal that stopped the run */
static char temp_path[PATH_MAX];       /* the temporary file, "" when none */
static volatile sig_atomic_t temp_set; /* temp_path is complete */

static void on_signal(int sig)
{
    if (temp_set)
        unlink(temp_path);
    temp_set = 0;
    interrupted = sig;
}

/* Set and cleared with the signals blocked, so the handler never sees half
 * a path. */
static void on_temp(void *userdata, const char *path)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    temp_set = 0;
    if (path && strlen(path) < sizeof temp_path) {
        strcpy(temp_path, path);
        temp_set = 1;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* ---- the run ---- */

static bool is_folder(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Whether path (or, when it does not exist yet, its parent) is dir or below
 * it, by their real paths. */
static bool is_below(const char *path, const char *dir)
{
    char real_path[PATH_MAX], real_dir[PATH_MAX], parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", path);
    if (!realpath(path, real_path) && !realpath(dirname(parent), real_path))
        return false;
    if (!realpath(dir, real_dir))
        return false;
    size_t n = strlen(real_dir);
    return strncmp(real_path, real_dir, n) == 0 && (real_path[n] == '/' || real_path[n] == '\0');
}

static int check_args(fix_args *a, const cli_parse *parse, bool *to_folder)
{
    pm3k_fix_options *f = &a->fix;
    const char *out = a->common.output;
    if (parse->operand_count == 0)
        return cli_usage_error("fix", "no input: give files or folders to fix");
    if (f->in_place && out)
        return cli_usage_error("fix", "--in-place writes over the input: it takes no -o");
    *to_folder = parse->operand_count > 1 || is_folder(parse->operands[0]);
    if (!out && !f->in_place && !f->dry_run)
        return cli_usage_error("fix", "say where the result goes: -o OUT, or --in-place");
    if (out && !*to_folder && is_folder(out))
        return cli_usage_error("fix", "-o '%s' is a folder; give the output file's name", out);
    for (size_t i = 0; out && i < parse->operand_count; i++)
        if (is_folder(parse->operands[i]) && is_below(out, parse->operands[i]))
            return cli_usage_error("fix",
                                   "-o '%s' is inside the input folder '%s': a later run "
                                   "would take the outputs for inputs",
                                   out, parse->operands[i]);
    if (out && *to_folder && !is_folder(out) && !f->dry_run && mkdir(out, 0777) != 0)
        return cli_usage_error("fix", "cannot make the output folder '%s': %s", out,
                               strerror(errno));
    f->probe.limits = a->common.limits;
    f->to_format = a->to_format == TO_WEBP ? "webp" : "jpg";
    return -1;
}

static pm3k_code fix_input(fix_args *a, const char *input, bool to_folder, cli_report *report)
{
    const char *out = a->common.output;
    pm3k_item *item = NULL;
    pm3k_code rc;
    if (is_folder(input))
        return pm3k_fix_folder(&a->fix, input, out, cli_report_item, report, &report->err);
    if (to_folder && out)
        rc = pm3k_fix_file_into(&a->fix, input, out, &item, &report->err);
    else
        rc = pm3k_fix_file(&a->fix, input, to_folder ? NULL : out, &item, &report->err);
    if (rc == PM3K_OK)
        rc = cli_report_item(report, item);
    pm3k_item_free(item);
    return rc;
}

int cmd_fix(int argc, char **argv)
{
    fix_args args = {0};
    cli_parse parse;
    cli_report report = {0};
    cli_common report_common;
    bool to_folder = false;
    int exit_code;
    pm3k_code rc = PM3K_OK;

    pm3k_fix_options_init(&args.fix);
    cli_common_init(&args.common);
    if ((exit_code = cli_parse_args(&parse, &cmd_fix_spec, &args, argc, argv)) >= 0 ||
        (exit_code = check_args(&args, &parse, &to_folder)) >= 0)
        goto out;
    report_common = args.common;
    report_common.output = NULL;
    exit_code = PM3K_EXIT_USAGE;
    if (cli_report_open(&report, &report_common, "fix") != 0)
        goto out;
    args.fix.on_temp = on_temp;
    args.fix.cancel = &interrupted;
    catch_signals();
    for (size_t i = 0; i < parse.operand_count && rc == PM3K_OK; i++) {
        args.fix.input = (int64_t)i;
        rc = fix_input(&args, parse.operands[i], to_folder, &report);
    }
    if (interrupted) {
        report.summary.interrupted = true;
        report.summary.exit_code = 128 + interrupted;
        rc = PM3K_OK;
    }
    exit_code = cli_report_finish(&report, rc, "fix failed");
out:
    cli_report_close(&report);
    cli_parse_free(&parse);
    return exit_code;
}
