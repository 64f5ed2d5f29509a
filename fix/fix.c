/* pm3k fix — the plan: probe the input with the caller's options, map each
 * finding to what fix does about it (or why it cannot: the probe's own
 * hint, with the ffmpeg command), then remux or convert into a temporary
 * file beside the output, probe that with the same options, and rename it
 * into place only when it passes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/report_int.h"
#include "fix/fix_int.h"
#include "pm3k/file.h"
#include "probe/probe_int.h"
#include "probe/walk.h"

void pm3k_fix_options_init(pm3k_fix_options *options)
{
    memset(options, 0, sizeof *options);
    pm3k_probe_config_init(&options->probe);
    options->input = -1;
}

/* What fix can do about a finding of the input. */
typedef enum answer {
    ANSWER_REMUX,   /* a video remux to MP4 removes it */
    ANSWER_CONVERT, /* an image conversion removes it */
    ANSWER_REFUSE,  /* only re-encoding or an editorial choice would (an error), or left
                       as it is (a warning; an info needs nothing) */
    ANSWER_INPUT    /* the input cannot be read at all */
} answer;

static answer answer_for(pm3k_rule_id rule)
{
    switch (rule) {
    case PM3K_RULE_UNSUPPORTED_CONTAINER:
    case PM3K_RULE_MOOV_AT_END:
    case PM3K_RULE_EXTENSION_MISMATCH_VIDEO:
        return ANSWER_REMUX;
    case PM3K_RULE_UNSUPPORTED_IMAGE_TYPE:
    case PM3K_RULE_IMAGE_TOO_LARGE_IMAGE:
    case PM3K_RULE_IMAGE_TOO_LARGE_PX:
    case PM3K_RULE_EXTENSION_MISMATCH_IMAGE:
    case PM3K_RULE_ANIMATED_IMAGE:
        return ANSWER_CONVERT;
    case PM3K_RULE_INPUT_MISSING:
    case PM3K_RULE_INPUT_UNREADABLE:
        return ANSWER_INPUT;
    default:
        return ANSWER_REFUSE;
    }
}

static const char *const remux_action =
    "pm3k fix remuxes it to MP4 with every stream copied as it is (no re-encoding), the moov "
    "box first";

/* What an image conversion does, with the limits it fits. */
static const char *convert_action(const pm3k_limits *limits, char *buf, size_t len)
{
    char mb[32];
    snprintf(buf, len,
             "pm3k fix converts it with libvips: EXIF orientation applied, fitted inside "
             "%dx%d px (never upscaled), metadata stripped but the colour profile, quality "
             "chosen to stay within %s MB",
             limits->max_image_side, limits->max_image_side,
             pm3k__format_mb(limits->max_image_bytes, mb, sizeof mb));
    return buf;
}

/* The plan for one file. */
typedef struct plan {
    bool video; /* else an image */
    bool work;  /* something to do */
    bool stop;  /* refused, or the input cannot be read: nothing is written */
    pm3k__image_type type;
    char *output;      /* where the result goes (malloc'd), NULL when unknown */
    bool output_given; /* the caller named it (the checks on it apply) */
    bool no_loader;    /* an image type libvips cannot read here, and why */
    char no_loader_why[PM3K_ERROR_MESSAGE_MAX];
    char done[160]; /* what the fix does, for fixed / fix_planned */
} plan;

/* fix_refused for f, with why the fix cannot read an image type. */
static void refuse(pm3k_item *item, const pm3k_finding *f, const plan *p)
{
    char problem[2 * PM3K_ERROR_MESSAGE_MAX];
    if (p->no_loader && f->rule->id == PM3K_RULE_UNSUPPORTED_IMAGE_TYPE)
        snprintf(problem, sizeof problem, "%s; %s", f->message, p->no_loader_why);
    else
        snprintf(problem, sizeof problem, "%s", f->message);
    pm3k_item_add(item, PM3K_RULE_FIX_REFUSED, "code", f->rule->code, "problem", problem, "fix",
                  f->hint, PM3K_END);
}

/* The reason of an input_unreadable finding ("cannot read 'PATH': REASON"),
 * for the fix item's own. */
static const char *input_reason(const pm3k_finding *f)
{
    const char *after = strstr(f->message, "': ");
    return after ? after + 3 : f->message;
}

/* The input's findings, answered one by one: first only to plan (add
 * false), then on the fix item, after what was done. */
static void answer_findings(const pm3k_fix_options *o, const pm3k_item *probed, pm3k_item *item,
                            plan *p, bool add)
{
    char convert[256];
    convert_action(&o->probe.limits, convert, sizeof convert);
    for (size_t i = 0; i < pm3k_item_finding_count(probed); i++) {
        const pm3k_finding *f = pm3k_item_finding(probed, i);
        pm3k_severity sev = pm3k_finding_severity(f);
        answer a = answer_for(f->rule->id);
        /* An image type libvips cannot read here stays what it is. */
        if (a == ANSWER_CONVERT && f->rule->id == PM3K_RULE_UNSUPPORTED_IMAGE_TYPE && p->no_loader)
            a = ANSWER_REFUSE;
        if (a == ANSWER_INPUT) {
            p->stop = true;
            if (add)
                pm3k_item_add(item, f->rule->id, "reason", input_reason(f), PM3K_END);
        } else if (a == ANSWER_REMUX || a == ANSWER_CONVERT) {
            p->work = true;
            if (add)
                pm3k_item_add(item, PM3K_RULE_FIXABLE, "code", f->rule->code, "problem", f->message,
                              "action", a == ANSWER_REMUX ? remux_action : convert, PM3K_END);
        } else if (sev == PM3K_SEV_ERROR) {
            p->stop = true;
            if (add)
                refuse(item, f, p);
        } else if (sev == PM3K_SEV_WARNING && add) {
            pm3k_item_add(item, PM3K_RULE_NOT_FIXED, "code", f->rule->code, "problem", f->message,
                          "fix", f->hint, PM3K_END);
        }
    }
}

static const struct {
    const char *ext;
    pm3k__image_type type;
    const char *name; /* as probe's content_type */
} image_types[] = {
    {"jpg", PM3K__IMAGE_JPEG, "jpeg"},
    {"jpeg", PM3K__IMAGE_JPEG, "jpeg"},
    {"webp", PM3K__IMAGE_WEBP, "webp"},
    {"png", PM3K__IMAGE_PNG, "png"},
};

static bool image_type_of_ext(const char *ext, pm3k__image_type *type)
{
    for (size_t i = 0; i < sizeof image_types / sizeof image_types[0]; i++)
        if (strcmp(ext, image_types[i].ext) == 0) {
            *type = image_types[i].type;
            return true;
        }
    return false;
}

static const char *image_type_name(pm3k__image_type type)
{
    for (size_t i = 0; i < sizeof image_types / sizeof image_types[0]; i++)
        if (image_types[i].type == type)
            return image_types[i].name;
    return "jpeg";
}

static bool fact_is(const pm3k_item *item, const char *key, const char *value)
{
    char *text = pm3k_item_fact_text(item, key);
    bool same = text && strcmp(text, value) == 0;
    free(text);
    return same;
}

static bool is_heif(const pm3k_item *probed)
{
    return fact_is(probed, "content_type", "heic") || fact_is(probed, "content_type", "avif");
}

/* path with its extension replaced by ext (malloc'd). */
static char *with_extension(const char *path, const char *ext)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    size_t stem = dot && (!slash || dot > slash + 1) ? (size_t)(dot - path) : strlen(path);
    char *out = malloc(stem + strlen(ext) + 2);
    if (out)
        sprintf(out, "%.*s.%s", (int)stem, path, ext);
    return out;
}

/* The output's name and type. Without a name from the caller (a dry run
 * without -o, a folder run) the input's name takes the extension of what is
 * written. false when memory runs out. */
static bool choose_output(const pm3k_fix_options *o, const char *input, const char *output,
                          bool auto_ext, const pm3k_item *probed, pm3k_item *item, plan *p)
{
    const pm3k_limits *lim = &o->probe.limits;
    const char *accepted = lim->png_allowed ? "JPEG, WebP or PNG" : "JPEG or WebP";
    const char *base = o->in_place ? input : output;
    char ext[16], content[16] = "";
    char *type = pm3k_item_fact_text(probed, "content_type");

    p->output_given = base != NULL;
    /* In place, the name takes the extension of a new type (clip.mkv
     * becomes clip.mp4, and the input goes once the output is in place). */
    if (!base || o->in_place)
        base = input, auto_ext = true;
    if (type)
        snprintf(content, sizeof content, "%s", type);
    free(type);
    if (p->video) {
        pm3k__path_extension(base, ext, sizeof ext);
        bool mp4_name = strcmp(ext, "mp4") == 0 || strcmp(ext, "m4v") == 0;
        p->output = auto_ext && !mp4_name ? with_extension(base, "mp4") : strdup(base);
        if (!p->output)
            return false;
        pm3k__path_extension(p->output, ext, sizeof ext);
        if (strcmp(ext, "mp4") != 0 && strcmp(ext, "m4v") != 0) {
            pm3k_item_add(item, PM3K_RULE_OUTPUT_TYPE_REFUSED, "output_type",
                          ext[0] ? ext : "a name without extension", "accepted", "MP4 (.mp4)",
                          PM3K_END);
            p->stop = true;
        }
        if (strcmp(content, "mp4") != 0)
            p->work = true;
        return true;
    }
    pm3k__path_extension(base, ext, sizeof ext);
    if (auto_ext) {
        bool keep = strcmp(content, "jpeg") == 0 || strcmp(content, "webp") == 0 ||
                    (lim->png_allowed && strcmp(content, "png") == 0);
        const char *want = keep ? (strcmp(content, "jpeg") == 0 ? "jpg" : content)
                                : (o->to_format ? o->to_format : "jpg");
        pm3k__image_type have, wanted;
        bool same =
            image_type_of_ext(ext, &have) && image_type_of_ext(want, &wanted) && have == wanted;
        p->output = same ? strdup(base) : with_extension(base, want);
    } else {
        p->output = strdup(base);
    }
    if (!p->output)
        return false;
    pm3k__path_extension(p->output, ext, sizeof ext);
    if (!image_type_of_ext(ext, &p->type)) {
        pm3k_item_add(item, PM3K_RULE_OUTPUT_TYPE_REFUSED, "output_type",
                      ext[0] ? ext : "a name without extension", "accepted", accepted, PM3K_END);
        p->stop = true;
    } else if (p->type == PM3K__IMAGE_PNG && !lim->png_allowed) {
        pm3k_item_add(item, PM3K_RULE_OUTPUT_TYPE_REFUSED, "output_type", "PNG", "accepted",
                      accepted, PM3K_END);
        p->stop = true;
    } else if (strcmp(image_type_name(p->type), content) != 0) {
        p->work = true;
    }
    return true;
}

/* The output may not be the input (without --in-place) nor exist (without
 * --force). */
static void check_output(const pm3k_fix_options *o, const char *input, pm3k_item *item, plan *p)
{
    struct stat in_st, out_st;
    if (!p->output_given || stat(p->output, &out_st) != 0)
        return;
    if (o->in_place && strcmp(p->output, input) == 0)
        return;
    if (stat(input, &in_st) == 0 && in_st.st_dev == out_st.st_dev &&
        in_st.st_ino == out_st.st_ino) {
        pm3k_item_add(item, PM3K_RULE_OUTPUT_IS_INPUT, "output", p->output, PM3K_END);
        p->stop = true;
    } else if (!o->force) {
        pm3k_item_add(item, PM3K_RULE_OUTPUT_EXISTS, "output", p->output, PM3K_END);
        p->stop = true;
    }
}

/* Probe the written temporary file as the output it becomes: its name
 * (and extension) are the output's. NULL when memory runs out. */
static pm3k_item *probe_output(const pm3k_probe_config *config, const char *temp,
                               const char *output, bool video)
{
    struct stat st;
    pm3k__sniff sniff;
    pm3k__source src;
    char ext[16];
    pm3k_item *item = pm3k_item_new(video ? PM3K_KIND_VIDEO : PM3K_KIND_IMAGE, output);
    int fd = open(temp, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (!item || fd < 0 || fstat(fd, &st) != 0) {
        if (item)
            pm3k_item_add(item, PM3K_RULE_INPUT_UNREADABLE, "reason", strerror(errno), PM3K_END);
        goto out;
    }
    pm3k__source_file(&src, fd, temp, (int64_t)st.st_size);
    if (!pm3k__sniff_source(&src, &sniff)) {
        pm3k_item_add(item, PM3K_RULE_INPUT_UNREADABLE, "reason", src.error, PM3K_END);
        goto out;
    }
    pm3k__path_extension(output, ext, sizeof ext);
    pm3k__probe_sniffed(config, &src, &sniff, ext, item);
out:
    if (fd >= 0)
        close(fd);
    return item;
}

/* The finding codes of an item that count against it, "a, b". */
static void failing_codes(const pm3k_item *item, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < pm3k_item_finding_count(item) && at + 1 < len; i++) {
        const pm3k_finding *f = pm3k_item_finding(item, i);
        if (pm3k_finding_severity(f) != PM3K_SEV_ERROR)
            continue;
        int n = snprintf(buf + at, len - at, "%s%s", at ? ", " : "", f->rule->code);
        at = n < 0 ? len : at + (size_t)n;
    }
}

static void notify_temp(const pm3k_fix_options *o, const char *temp)
{
    if (o->on_temp)
        o->on_temp(o->userdata, temp);
}

/* Remux or convert into file's temporary file. */
static pm3k_code write_temp(const pm3k_fix_options *o, const char *input, pm3k_atomic_file *file,
                            const pm3k_item *probed, plan *p, int *frames, pm3k_error *err)
{
    if (p->video) {
        snprintf(p->done, sizeof p->done, "remuxed to MP4 with every stream copied, moov first");
        return pm3k__remux(input, pm3k_atomic_temp_path(file), o->cancel, err);
    }
    pm3k__image_result res;
    pm3k__image_job job = {
        .path = input,
        .heif = is_heif(probed),
        .type = p->type,
        .max_side = o->probe.limits.max_image_side,
        .max_bytes = o->probe.limits.max_image_bytes,
        .keep_metadata = o->keep_metadata,
    };
    pm3k_code rc = pm3k__fix_image(&job, pm3k_atomic_stream(file), &res, err);
    if (rc != PM3K_OK)
        return rc;
    /* libvips reads an animated PNG as a still: probe counted its frames. */
    int64_t counted = 0;
    *frames = res.frames;
    if (pm3k_item_fact_get_int(probed, "frames", &counted) && counted > *frames)
        *frames = (int)counted;
    if (res.quality)
        snprintf(p->done, sizeof p->done, "converted to %s %dx%d at quality %d",
                 image_type_name(p->type), res.width, res.height, res.quality);
    else
        snprintf(p->done, sizeof p->done, "converted to %s %dx%d", image_type_name(p->type),
                 res.width, res.height);
    if (fflush(pm3k_atomic_stream(file)) != 0)
        return pm3k_error_set(err, PM3K_ERR_IO, "write error: %s", strerror(errno));
    return PM3K_OK;
}

/* The input's access and modification times on the written file. */
static void keep_times(const char *input, pm3k_atomic_file *file)
{
    struct stat st;
    if (stat(input, &st) != 0)
        return;
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    (void)futimens(fileno(pm3k_atomic_stream(file)), times);
}

/* Write, probe, and rename into place only when the output passes. */
static pm3k_code run_fix(const pm3k_fix_options *o, const char *input, const pm3k_item *probed,
                         pm3k_item *item, plan *p, pm3k_error *err)
{
    pm3k_atomic_file *file = NULL;
    pm3k_item *written = NULL;
    pm3k_error why = {0};
    char codes[256];
    int frames = 1;
    pm3k_code rc = pm3k_atomic_open(p->output, &file, &why);
    if (rc != PM3K_OK) {
        pm3k_item_add(item, PM3K_RULE_FIX_FAILED, "reason", why.message, PM3K_END);
        return rc == PM3K_ERR_NOMEM ? pm3k_error_set(err, rc, "out of memory") : PM3K_OK;
    }
    notify_temp(o, pm3k_atomic_temp_path(file));
    rc = write_temp(o, input, file, probed, p, &frames, &why);
    if (rc == PM3K_OK && o->cancel && *o->cancel)
        rc = pm3k_error_set(&why, PM3K_ERR_ABORTED, "interrupted");
    if (rc == PM3K_ERR_ABORTED || rc == PM3K_ERR_NOMEM) {
        rc = pm3k_error_set(err, rc, "%s", why.message);
        goto out;
    }
    if (rc != PM3K_OK) {
        pm3k_item_add(item, PM3K_RULE_FIX_FAILED, "reason", why.message, PM3K_END);
        rc = PM3K_OK;
        goto out;
    }
    written = probe_output(&o->probe, pm3k_atomic_temp_path(file), p->output, p->video);
    if (!written) {
        rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
        goto out;
    }
    pm3k__item_fact_item(item, "output_probe", written);
    pm3k_status status = pm3k_item_status(written);
    if (status == PM3K_STATUS_FAIL || status == PM3K_STATUS_ERROR) {
        failing_codes(written, codes, sizeof codes);
        pm3k_item_add(item, PM3K_RULE_FIX_OUTPUT_FAILS, "codes", codes, PM3K_END);
        goto out;
    }
    keep_times(input, file);
    rc = pm3k_atomic_commit(file, &why);
    file = NULL;
    if (rc != PM3K_OK) {
        pm3k_item_add(item, PM3K_RULE_FIX_FAILED, "reason", why.message, PM3K_END);
        rc = PM3K_OK;
        goto out;
    }
    if (o->in_place && strcmp(p->output, input) != 0 && unlink(input) == 0) {
        size_t len = strlen(p->done);
        snprintf(p->done + len, sizeof p->done - len, "; removed the input");
    }
    pm3k_item_add(item, PM3K_RULE_FIXED, "done", p->done, "output", p->output, PM3K_END);
    if (frames > 1) {
        char count[16];
        snprintf(count, sizeof count, "%d", frames);
        pm3k_item_add(item, PM3K_RULE_FIRST_FRAME_ONLY, "frames", count, PM3K_END);
    }
out:
    pm3k_atomic_abort(file);
    notify_temp(o, NULL);
    pm3k_item_free(written);
    return rc;
}

/* What a dry run says it would do. */
static void plan_done(const pm3k_item *probed, plan *p)
{
    char *from = pm3k_item_fact_text(probed, p->video ? "container" : "content_type");
    if (p->video)
        snprintf(p->done, sizeof p->done,
                 "remux %s to MP4 with every stream copied (no re-encoding), moov first",
                 from ? from : "the video");
    else
        snprintf(p->done, sizeof p->done,
                 "convert %s to %s (orientation applied, fitted inside the side limit)",
                 from ? from : "the image", image_type_name(p->type));
    free(from);
}

/* An image whose type pm3k reads itself is readable; any other asks
 * libvips (which loads the HEIF module for HEIC/AVIF only). */
static void check_loader(const char *input, const pm3k_item *probed, plan *p)
{
    pm3k_error why = {0};
    char *type = pm3k_item_fact_text(probed, "content_type");
    if (p->video || fact_is(probed, "content_type", "jpeg") ||
        fact_is(probed, "content_type", "png") || fact_is(probed, "content_type", "webp"))
        goto out;
    p->no_loader = !pm3k__image_readable(input, is_heif(probed), type ? type : "it", &why);
    snprintf(p->no_loader_why, sizeof p->no_loader_why, "%s", why.message);
out:
    free(type);
}

/* Everything but the run: the output, the checks on it, whether to work. */
static pm3k_code make_plan(const pm3k_fix_options *o, const char *input, const char *output,
                           bool auto_ext, const pm3k_item *probed, pm3k_item *item, plan *p,
                           pm3k_error *err)
{
    p->video = pm3k_item_kind(probed) == PM3K_KIND_VIDEO;
    check_loader(input, probed, p);
    answer_findings(o, probed, item, p, false);
    if (p->stop)
        return PM3K_OK;
    if (!choose_output(o, input, output, auto_ext, probed, item, p))
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    pm3k_item_fact_str(item, "output", p->output);
    if (p->stop || !p->work)
        return PM3K_OK;
    if (p->video && !pm3k__remux_check(input, item))
        p->stop = true;
    if (!p->stop)
        check_output(o, input, item, p);
    return PM3K_OK;
}

static pm3k_code fix_one(const pm3k_fix_options *o, const char *input, const char *output,
                         bool auto_ext, pm3k_item **out, pm3k_error *err)
{
    pm3k_item *probed = NULL, *item = NULL;
    plan p = {0};
    pm3k_code rc;

    *out = NULL;
    if (o->cancel && *o->cancel)
        return pm3k_error_set(err, PM3K_ERR_ABORTED, "interrupted");
    if ((rc = pm3k_probe_file(&o->probe, input, &probed, err)) != PM3K_OK)
        return rc;
    if (!(item = pm3k_item_new(PM3K_KIND_FIX, input))) {
        rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
        goto out;
    }
    pm3k_item_set_limits(item, &o->probe.limits);
    pm3k_item_set_input(item, o->input);
    rc = make_plan(o, input, output, auto_ext, probed, item, &p, err);
    if (rc != PM3K_OK || p.stop)
        goto answers;
    if (!p.work) {
        pm3k_item_add(item, PM3K_RULE_NOTHING_TO_FIX, PM3K_END);
        goto answers;
    }
    plan_done(probed, &p);
    if (o->dry_run)
        pm3k_item_add(item, PM3K_RULE_FIX_PLANNED, "done", p.done, "output", p.output, PM3K_END);
    else
        rc = run_fix(o, input, probed, item, &p, err);
answers:
    answer_findings(o, probed, item, &p, true);
out:
    free(p.output);
    pm3k_item_free(probed);
    if (rc != PM3K_OK) {
        pm3k_item_free(item);
        item = NULL;
    }
    *out = item;
    return rc;
}

pm3k_code pm3k_fix_file(const pm3k_fix_options *options, const char *input, const char *output,
                        pm3k_item **out, pm3k_error *err)
{
    return fix_one(options, input, output, false, out, err);
}

pm3k_code pm3k_fix_file_into(const pm3k_fix_options *options, const char *input,
                             const char *out_dir, pm3k_item **out, pm3k_error *err)
{
    const char *name = strrchr(input, '/');
    name = name ? name + 1 : input;
    size_t dl = strlen(out_dir);
    while (dl > 1 && out_dir[dl - 1] == '/')
        dl--;
    char *output = malloc(dl + strlen(name) + 2);
    if (!output)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    sprintf(output, "%.*s/%s", (int)dl, out_dir, name);
    pm3k_code rc = fix_one(options, input, output, true, out, err);
    free(output);
    return rc;
}

/* mkdir -p of the folder that will hold path. */
static void make_parents(const char *path)
{
    char *dir = strdup(path);
    if (!dir)
        return;
    for (char *s = strchr(dir + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        (void)mkdir(dir, 0777);
        *s = '/';
    }
    free(dir);
}

/* out_dir joined with the path of file below in_dir (malloc'd). */
static char *output_below(const char *in_dir, const char *out_dir, const char *file)
{
    const char *rel = file + strlen(in_dir);
    while (*rel == '/')
        rel++;
    size_t dl = strlen(out_dir);
    while (dl > 1 && out_dir[dl - 1] == '/')
        dl--;
    char *out = malloc(dl + strlen(rel) + 2);
    if (out)
        sprintf(out, "%.*s/%s", (int)dl, out_dir, rel);
    return out;
}

pm3k_code pm3k_fix_folder(const pm3k_fix_options *options, const char *in_dir, const char *out_dir,
                          pm3k_item_fn on_item, void *userdata, pm3k_error *err)
{
    pm3k__walk *walk = NULL;
    char *path = NULL, *output = NULL;
    int errnum = 0;
    pm3k_code rc =
        pm3k__walk_open(in_dir, options->probe.extensions, options->probe.extension_count, &walk);
    if (rc != PM3K_OK)
        return pm3k_error_set(err, rc, "cannot walk '%s'", in_dir);
    while ((rc = pm3k__walk_next(walk, &path, &errnum)) == PM3K_OK && path) {
        pm3k_item *item = NULL;
        output = out_dir && !options->in_place ? output_below(in_dir, out_dir, path) : NULL;
        if (out_dir && !options->in_place && !output) {
            rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
            break;
        }
        if (output && !options->dry_run)
            make_parents(output);
        rc = fix_one(options, path, output, true, &item, err);
        if (rc == PM3K_OK)
            rc = on_item(userdata, item);
        pm3k_item_free(item);
        free(path);
        free(output);
        path = output = NULL;
        if (rc != PM3K_OK)
            break;
    }
    if (rc == PM3K_ERR_NOMEM && !err->message[0])
        pm3k_error_set(err, rc, "out of memory");
    free(path);
    free(output);
    pm3k__walk_close(walk);
    return rc;
}
