/* pm3k upload — probe, then upload to PM3K storage or an S3-compatible
 * store; print the public URLs, or with --payload the ready-to-post body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/storage_opts.h"
#include "pm3k/api.h"
#include "pm3k/upload.h"

typedef struct upload_args {
    cli_common common;
    cli_key key;
    pm3k_http_options http;
    cli_storage storage;
    cli_body body;
    bool album, payload;
    const char *retain;
    double max_duration;
} upload_args;

static const cli_option upload_options[] = {
    CLI_SECTION("Target"),
    CLI_INCLUDE(cli_storage_options, upload_args, storage, cli_storage),
    CLI_FLAG(0, "album", upload_args, album,
             "PM3K storage: the images are one photo album (a carousel), in order"),
    CLI_STRING(0, "retain", "ALBUM_ID", upload_args, retain,
               "PM3K storage: keep the album (POST /api/album/retain); no files needed"),
    CLI_SECTION("Ready-to-post body"),
    CLI_FLAG(0, "payload", upload_args, payload,
             "print only the direct_post body on stdout (URLs and findings go to stderr)"),
    CLI_INCLUDE(cli_body_options, upload_args, body, cli_body),
    CLI_SECTION("Probe (as pm3k probe)"),
    CLI_INCLUDE(cli_video_limit_options, upload_args, common, cli_common),
    CLI_INCLUDE(cli_image_limit_options, upload_args, common, cli_common),
    CLI_SECTION("PM3K and S3"),
    CLI_INCLUDE(cli_key_options, upload_args, key, cli_key),
    CLI_TEXT("PM3K storage: PM3K_UPLOAD_URL (default $PM3K_BASE_URL/api/upload). S3: "
             "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (default "
             "us-east-1), AWS_ENDPOINT_URL (an S3-compatible server: path-style). The history "
             "(PM3K_HISTORY) records each upload; the same bytes are not sent again unless "
             "--force."),
    CLI_INCLUDE(cli_http_options, upload_args, http, pm3k_http_options),
    CLI_INCLUDE(cli_common_options, upload_args, common, cli_common),
    CLI_TEXT("A folder is walked as pm3k probe walks it (its media files, sorted by path); "
             "files are uploaded one after the other, an S3 file's parts -j at a time (default "
             "4)."),
    CLI_TEXT("Exit: 0 uploaded (and, for S3, the public URL passes PM3K's fetch rules), 1 a "
             "file refused by the probe or the store, or a public URL PM3K cannot fetch, 2 "
             "usage or configuration, 3 transient (network, 5xx, a URL not checkable now), "
             "130/143 stopped by a signal (nothing is recorded as uploaded)."),
    CLI_END,
};

const cli_spec cmd_upload_spec = {
    .name = "upload",
    .summary = "upload checked media to PM3K storage or S3; print URLs or the body",
    .synopsis = "[OPTIONS] --to pm3k|s3://BUCKET/PREFIX FILE...\n"
                "pm3k upload --retain ALBUM_ID",
    .description =
        "Probe each file first (a failing file is refused and not one byte is sent, unless "
        "--force), then stream it from disk in constant memory, retrying transient failures. "
        "S3 uploads are signed with SigV4 (multipart above the threshold, parts in parallel) "
        "and their public URL is checked exactly as pm3k probe checks a URL. stdout gets one "
        "public URL per file, or with --payload only the ready-to-post direct_post body; the "
        "report goes to stderr (with --format json to stdout, unless --payload).",
    .options = upload_options,
    .examples = "pm3k upload clip.mp4 --to pm3k --payload --privacy public > body.json\n"
                "pm3k upload a.jpg b.webp --to pm3k --album --payload --privacy public\n"
                "pm3k upload --retain alb123\n"
                "pm3k upload clip.mp4 --to s3://media-bucket/tiktok/ \\\n"
                "    --public-base https://media.example.com/tiktok/",
};

static int check_args(upload_args *a, const cli_parse *parse)
{
    if (a->retain) {
        if (parse->operand_count)
            return cli_usage_error("upload", "--retain takes no files");
        if (a->storage.to && strcmp(a->storage.to, "pm3k") != 0)
            return cli_usage_error("upload", "--retain goes with PM3K storage (--to pm3k)");
        a->storage.to = "pm3k";
        return -1;
    }
    if (!a->storage.to)
        return cli_usage_error("upload", "give the target: --to pm3k or --to s3://BUCKET/PREFIX");
    if (parse->operand_count == 0)
        return cli_usage_error("upload", "give the files to upload");
    if (a->payload && !a->body.privacy)
        return cli_usage_error("upload", "--payload needs --privacy (public, friends, followers "
                                         "or private)");
    if (!a->payload && (a->body.privacy || a->body.title || cli_given(parse, "cover")))
        return cli_usage_error("upload", "--privacy, --title and --cover go with --payload");
    if (a->album && strcmp(a->storage.to, "pm3k") != 0)
        return cli_usage_error("upload", "--album goes with PM3K storage (--to pm3k)");
    pm3k_limits_set_hosting(&a->common.limits, strcmp(a->storage.to, "pm3k") == 0
                                                   ? PM3K_HOSTING_PM3K
                                                   : PM3K_HOSTING_EXTERNAL);
    return -1;
}

/* What the run keeps: the URLs for the body, the album. */
typedef struct upload_run {
    const upload_args *a;
    cli_report *report;
    FILE *urls; /* where URL lines go */
    char **url_list;
    size_t url_count;
    char album_id[128];
    bool refused_any;
    size_t input; /* the file's position among the operands */
} upload_run;

/* The probe first, on the file's item: *item is NULL when the file is
 * refused (its item, with upload_refused, is already reported). */
static pm3k_code probe_first(upload_run *r, const char *path, pm3k_item **item)
{
    pm3k_probe_config config;
    pm3k_probe_config_init(&config);
    config.limits = r->a->common.limits;
    config.hosting_given = true;
    pm3k_code rc = pm3k_probe_file(&config, path, item, &r->report->err);
    if (rc != PM3K_OK)
        return rc;
    pm3k_item_set_input(*item, (int64_t)r->input);
    pm3k_status status = pm3k_item_status(*item);
    if (r->a->storage.force || status == PM3K_STATUS_PASS || status == PM3K_STATUS_WARN)
        return PM3K_OK;
    char codes[256] = "";
    for (size_t i = 0, n = 0; i < pm3k_item_finding_count(*item) && n + 40 < sizeof codes; i++) {
        const pm3k_finding *f = pm3k_item_finding(*item, i);
        if (pm3k_finding_severity(f) == PM3K_SEV_ERROR)
            n +=
                (size_t)snprintf(codes + n, sizeof codes - n, "%s%s", n ? ", " : "", f->rule->code);
    }
    pm3k_item_set_kind(*item, PM3K_KIND_UPLOAD);
    pm3k_item_fact_bool(*item, "sent", false);
    pm3k_item_add(*item, PM3K_RULE_UPLOAD_REFUSED, "codes", codes[0] ? codes : "unchecked",
                  PM3K_END);
    rc = cli_report_item(r->report, *item);
    pm3k_item_free(*item);
    *item = NULL;
    r->refused_any = true;
    return rc;
}

static pm3k_code keep_url(upload_run *r, const char *url)
{
    char **grown = realloc(r->url_list, (r->url_count + 1) * sizeof *grown);
    if (!grown)
        return pm3k_error_set(&r->report->err, PM3K_ERR_NOMEM, "out of memory");
    r->url_list = grown;
    if (!(grown[r->url_count] = strdup(url)))
        return pm3k_error_set(&r->report->err, PM3K_ERR_NOMEM, "out of memory");
    r->url_count++;
    return PM3K_OK;
}

static pm3k_code upload_one(upload_run *r, pm3k_storage *storage, const char *path)
{
    pm3k_item *item = NULL;
    pm3k_upload_result result;
    pm3k_code rc = probe_first(r, path, &item);
    if (rc != PM3K_OK || !item)
        return rc;
    rc = pm3k_storage_upload(storage, path, r->a->album && r->album_id[0] ? r->album_id : NULL,
                             item, cli_report_item, r->report, &result, &r->report->err);
    cli_upload_progress_end();
    if (rc != PM3K_OK || !result.stored)
        return rc;
    if (r->a->album && result.album_id[0] && !r->album_id[0])
        snprintf(r->album_id, sizeof r->album_id, "%s", result.album_id);
    if (r->urls) {
        fprintf(r->urls, "%s\n", result.url);
        fflush(r->urls);
    }
    return result.fetchable ? keep_url(r, result.url) : PM3K_OK;
}

/* An image URL, by its extension (the files were probed as images). */
static bool is_image_url(const char *url)
{
    static const char *const exts[] = {".jpg", ".jpeg", ".webp", ".png"};
    size_t n = strlen(url);
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t e = strlen(exts[i]);
        if (n > e && strcasecmp(url + n - e, exts[i]) == 0)
            return true;
    }
    return false;
}

/* --payload: the body from the URLs, by the payload builder. */
static int print_body(upload_run *r, size_t files)
{
    pm3k_payload_options opt;
    pm3k_payload_lint_options lint;
    pm3k_item *item = NULL;
    char *json = NULL;
    pm3k_error err = {0};
    if (r->url_count == 0 || r->url_count != files)
        return -1; /* a file was not uploaded: its item says why */
    pm3k_payload_options_init(&opt);
    pm3k_payload_lint_options_init(&lint);
    lint.limits = r->a->common.limits;
    lint.path = "payload";
    cli_body_apply(&r->a->body, &opt);
    bool photo = r->a->album || is_image_url(r->url_list[0]);
    if (photo) {
        opt.photo = true;
        opt.photo_urls = (const char *const *)r->url_list;
        opt.photo_count = r->url_count;
    } else if (r->url_count == 1) {
        opt.video_url = r->url_list[0];
    } else {
        cli_error("--payload makes one body: one video, or the images of one --album");
        return PM3K_EXIT_USAGE;
    }
    pm3k_code rc = pm3k_payload_build(&opt, &lint, &json, &item, &err);
    if (rc == PM3K_OK)
        rc = cli_report_item(r->report, item);
    if (rc == PM3K_OK && json)
        printf("%s\n", json);
    pm3k_item_free(item);
    free(json);
    if (rc == PM3K_ERR_INVALID_ARG) {
        cli_error("%s", err.message);
        return PM3K_EXIT_USAGE;
    }
    return rc == PM3K_OK ? -1 : PM3K_EXIT_USAGE;
}

/* The files to upload: the operands, a folder walked as pm3k probe walks
 * it (its media files, sorted by path). */
typedef struct file_list {
    char **paths;
    size_t count;
    size_t *inputs; /* each file's operand */
    size_t input;
} file_list;

static pm3k_code list_add(file_list *l, const char *path)
{
    char **paths = realloc(l->paths, (l->count + 1) * sizeof *paths);
    if (paths)
        l->paths = paths;
    size_t *inputs = paths ? realloc(l->inputs, (l->count + 1) * sizeof *inputs) : NULL;
    if (inputs)
        l->inputs = inputs;
    if (!paths || !inputs || !(l->paths[l->count] = strdup(path)))
        return PM3K_ERR_NOMEM;
    l->inputs[l->count++] = l->input;
    return PM3K_OK;
}

static pm3k_code on_walked(void *userdata, const pm3k_item *item)
{
    pm3k_kind kind = pm3k_item_kind(item);
    if (kind != PM3K_KIND_VIDEO && kind != PM3K_KIND_IMAGE)
        return PM3K_OK;
    return list_add(userdata, pm3k_item_path(item));
}

static int expand(const upload_args *a, const cli_parse *parse, file_list *l)
{
    pm3k_error err = {0};
    struct stat st;
    for (size_t i = 0; i < parse->operand_count; i++) {
        const char *path = parse->operands[i];
        pm3k_code rc = PM3K_OK;
        l->input = i;
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
            rc = list_add(l, path);
        } else {
            pm3k_probe_config config;
            pm3k_batch *batch = NULL;
            pm3k_probe_config_init(&config);
            config.limits = a->common.limits;
            config.jobs = a->common.jobs;
            if ((rc = pm3k_batch_new(&config, &batch, &err)) == PM3K_OK &&
                (rc = pm3k_batch_add(batch, path, &err)) == PM3K_OK)
                rc = pm3k_batch_run(batch, on_walked, l, &err);
            pm3k_batch_free(batch);
        }
        if (rc != PM3K_OK) {
            cli_error("%s", err.message[0] ? err.message : "out of memory");
            return PM3K_EXIT_USAGE;
        }
    }
    if (l->count == 0) {
        cli_error("no media found in the folders given");
        return PM3K_EXIT_USAGE;
    }
    return -1;
}

static void list_free(file_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->paths[i]);
    free(l->paths);
    free(l->inputs);
}

static int run_uploads(upload_args *a, const cli_parse *parse, pm3k_storage *storage,
                       cli_report *report)
{
    upload_run r = {.a = a, .report = report};
    bool json_report = a->common.format != PM3K_FORMAT_TEXT;
    /* stdout carries URLs, or the body, or the JSON report: never two */
    r.urls = a->payload ? stderr : json_report && !a->common.output ? NULL : stdout;
    pm3k_code rc = PM3K_OK;
    file_list files = {0};
    int exit_code = a->retain ? -1 : expand(a, parse, &files);
    if (exit_code >= 0)
        goto done;
    if (a->retain)
        rc = pm3k_storage_retain(storage, a->retain, cli_report_item, report, &report->err);
    for (size_t i = 0; rc == PM3K_OK && i < files.count && !cli_stopping(NULL); i++) {
        r.input = files.inputs[i];
        rc = upload_one(&r, storage, files.paths[i]);
    }
    if (rc == PM3K_OK && a->payload && !cli_stopping(NULL))
        exit_code = print_body(&r, files.count);
done:
    list_free(&files);
    for (size_t i = 0; i < r.url_count; i++)
        free(r.url_list[i]);
    free(r.url_list);
    report->summary.interrupted = cli_stopping(NULL);
    if (exit_code >= 0) {
        cli_report_close(report);
        return exit_code;
    }
    return cli_stop_exit(cli_report_finish(report, rc, "the upload failed"));
}

int cmd_upload(int argc, char **argv)
{
    upload_args args = {0};
    cli_parse parse;
    cli_report report = {0};
    pm3k_api_key *key = NULL;
    pm3k_history *history = NULL;
    pm3k_storage *storage = NULL;
    int exit_code;

    cli_common_init(&args.common);
    if ((exit_code = cli_parse_args(&parse, &cmd_upload_spec, &args, argc, argv)) >= 0 ||
        (exit_code = check_args(&args, &parse)) >= 0)
        goto out;
    bool pm3k_target = strcmp(args.storage.to, "pm3k") == 0;
    if ((pm3k_target && (exit_code = cli_key_load(&args.key, &key)) >= 0) ||
        (exit_code = cli_history_open(&history)) >= 0 ||
        (exit_code = cli_storage_open(&args.storage, &args.common, &args.http, key, history,
                                      &storage)) >= 0)
        goto out;
    exit_code = PM3K_EXIT_USAGE;
    if (cli_report_open(&report, &args.common, "upload") != 0)
        goto out;
    /* the text report, and any report beside a body, goes to stderr */
    if (!args.common.output && (args.payload || args.common.format == PM3K_FORMAT_TEXT))
        report.output.fp = stderr;
    exit_code = run_uploads(&args, &parse, storage, &report);
out:
    cli_report_close(&report);
    pm3k_storage_free(storage);
    pm3k_history_close(history);
    pm3k_api_key_free(key);
    cli_parse_free(&parse);
    return exit_code;
}
