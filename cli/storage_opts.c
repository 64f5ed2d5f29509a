/* pm3k CLI — the options and helpers pm3k upload and pm3k publish share. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/storage_opts.h"
#include "pm3k/url.h"

static const cli_choice addressing_choices[] = {
    {"path", PM3K_ADDRESSING_PATH}, {"virtual", PM3K_ADDRESSING_VIRTUAL}, {NULL, 0}};

const cli_option cli_storage_options[] = {
    CLI_STRING(0, "to", "TARGET", cli_storage, to,
               "pm3k (PM3K storage) or s3://BUCKET/PREFIX (any S3-compatible store)"),
    CLI_STRING(0, "public-base", "URL", cli_storage, public_base,
               "S3: the public https URL of s3://BUCKET/PREFIX (a file at PREFIX + name is public "
               "at URL + name)"),
    CLI_STRING(0, "domain", "HOST", cli_storage, domain,
               "the verified custom domain (default: the host of --public-base)"),
    CLI_CHOICE(0, "addressing-style", "STYLE", cli_storage, addressing, addressing_choices,
               "S3: path or virtual (default: path with AWS_ENDPOINT_URL, virtual for AWS)"),
    CLI_FLAG(0, "force", cli_storage, force,
             "upload a file the probe fails, and bytes the history shows as uploaded"),
    CLI_SIZE(0, "multipart-threshold", "SIZE", cli_storage, multipart_threshold,
             "S3: files larger than SIZE go in parts (default 64MiB)"),
    CLI_SIZE(0, "part-size", "SIZE", cli_storage, part_size,
             "S3: the size of a part (default 16MiB, at least 5MiB)"),
    CLI_END,
};

const cli_option cli_body_options[] = {
    CLI_STRING(0, "privacy", "P", cli_body, privacy,
               "public, friends, followers, private, or the TikTok level"),
    CLI_STRING(0, "title", "TEXT", cli_body, title, "the caption"),
    CLI_INT(0, "cover", "N", cli_body, cover, 0, 1000, "photo carousel: the cover, 0-based"),
    CLI_FLAG(0, "disable-comment", cli_body, disable_comment, "no comments"),
    CLI_FLAG(0, "disable-duet", cli_body, disable_duet, "no duets"),
    CLI_FLAG(0, "disable-stitch", cli_body, disable_stitch, "no stitches"),
    CLI_FLAG(0, "auto-add-music", cli_body, auto_music, "photo posts: let TikTok add music"),
    CLI_END,
};

void cli_body_apply(const cli_body *b, pm3k_payload_options *opt)
{
    opt->privacy = b->privacy;
    opt->title = b->title;
    opt->title_len = b->title ? strlen(b->title) : 0;
    opt->cover_index = b->cover;
    opt->disable_comment = b->disable_comment;
    opt->disable_duet = b->disable_duet;
    opt->disable_stitch = b->disable_stitch;
    opt->auto_add_music = b->auto_music;
}

int cli_storage_open(const cli_storage *st, const cli_common *common, const pm3k_http_options *http,
                     const pm3k_api_key *key, pm3k_history *history, pm3k_storage **out)
{
    pm3k_error err = {0};
    char domain[256];
    if (st->domain && !pm3k_domain_host(st->domain, domain, sizeof domain)) {
        cli_error("--domain takes a host name such as media.example.com, not '%s'", st->domain);
        return PM3K_EXIT_USAGE;
    }
    pm3k_storage_options opt = {.http = *http,
                                .to = st->to,
                                .key = key,
                                .public_base = st->public_base,
                                .domain = st->domain ? domain : NULL,
                                .addressing = st->addressing,
                                .history = history,
                                .force = st->force,
                                .multipart_threshold = st->multipart_threshold,
                                .part_size = st->part_size,
                                .part_jobs = common->jobs > 0 ? common->jobs : 0,
                                .limits = common->limits,
                                .trace = common->verbose ? cli_trace_stderr : NULL,
                                .progress = common->quiet ? NULL : cli_upload_progress,
                                .stopping = cli_stopping};
    if (pm3k_storage_new(&opt, out, &err) != PM3K_OK) {
        cli_error("%s", err.message);
        return PM3K_EXIT_USAGE;
    }
    return -1;
}

/* ---- stop ---- */

/* The one SIGINT/SIGTERM handler (cli/signal.c, installed for every
 * command) is what the library's stop check reads. */
bool cli_stopping(void *unused)
{
    (void)unused;
    return cli_interrupted() != 0;
}

int cli_stop_exit(int exit_code)
{
    return cli_interrupted() ? cli_interrupt_exit_code() : exit_code;
}

/* ---- progress ---- */

static bool progress_shown;

void cli_upload_progress(void *userdata, const pm3k_upload_progress *p)
{
    (void)userdata;
    if (!isatty(STDERR_FILENO) || p->elapsed_s < 0.5)
        return;
    double rate = p->elapsed_s > 0 ? (double)p->sent / p->elapsed_s : 0;
    double eta = rate > 0 ? (double)(p->total - p->sent) / rate : 0;
    const char *name = strrchr(p->path, '/') ? strrchr(p->path, '/') + 1 : p->path;
    fprintf(stderr, "\r\033[K%.40s  %.1f/%.1f MB  %.1f MB/s  ETA %d:%02d", name,
            (double)p->sent / 1e6, (double)p->total / 1e6, rate / 1e6, (int)eta / 60,
            (int)eta % 60);
    progress_shown = true;
}

void cli_upload_progress_end(void)
{
    if (progress_shown)
        fputs("\r\033[K", stderr);
    progress_shown = false;
}
