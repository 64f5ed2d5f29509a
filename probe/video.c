/* pm3k — video rules from the container headers, through libavformat.
 *
 * Header parsing only: libavformat reads the headers through a custom
 * AVIOContext over pm3k__source_read (the same code serves local files and
 * remote files read with HTTP ranges), with the demuxer of the sniffed
 * format's row (probe/formats.c). avformat_find_stream_info, which decodes a frame and is
 * ~15x slower, runs only for files whose headers lack the picture size
 * (MPEG-4 Part 2 in MP4, MPEG-TS), bounded. Everything is per call: several
 * worker threads run this at once. */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>

#include "core/medialib_calls.h"
#include "probe/mp4box.h"
#include "probe/probe_int.h"
#include "core/rules_int.h"
#include "probe/video_int.h"

/* libavformat reads through a buffer this big: a fast-start moov of a short
 * clip fits in one read. */
#define AVIO_BUFFER_SIZE (32 * 1024)
/* Bounds of the avformat_find_stream_info fallback. */
#define FALLBACK_PROBESIZE (1024 * 1024)
#define FALLBACK_ANALYZE_US (AV_TIME_BASE / 2)
#define NINE_BY_SIXTEEN (9.0 / 16.0)
#define REASON_MAX 256

/* ---- geometry (pure, unit-tested) ---- */

int pm3k__rotation_clockwise(double counterclockwise_degrees)
{
    if (!isfinite(counterclockwise_degrees))
        return 0;
    double clockwise = fmod(-counterclockwise_degrees, 360.0);
    if (clockwise < 0)
        clockwise += 360.0;
    return (int)(lround(clockwise / 90.0) % 4) * 90;
}

void pm3k__video_display_size(pm3k__video_geometry *g)
{
    double sar = 1.0;
    if (g->sar_num > 0 && g->sar_den > 0)
        sar = (double)g->sar_num / (double)g->sar_den;
    double width = (double)g->coded_width * sar;
    double height = (double)g->coded_height;
    bool quarter_turn = g->rotation == 90 || g->rotation == 270;
    g->display_width = quarter_turn ? height : width;
    g->display_height = quarter_turn ? width : height;
}

const char *pm3k__video_orientation(double display_width, double display_height)
{
    if (fabs(display_width - display_height) < 0.5)
        return "square";
    return display_width > display_height ? "landscape" : "portrait";
}

bool pm3k__video_off_9_16(double display_width, double display_height, double tolerance)
{
    if (!(display_height > 0))
        return true;
    return fabs(display_width / display_height / NINE_BY_SIXTEEN - 1.0) > tolerance;
}

/* ---- frame rate and codec names (pure, unit-tested) ---- */

/* The frame rates cameras and encoders record at. */
static const double standard_fps[] = {
    10.0,  12.0,  15.0, 20.0,           24000.0 / 1001, 24.0, 25.0,  30000.0 / 1001,
    30.0,  48.0,  50.0, 60000.0 / 1001, 60.0,           90.0, 100.0, 120000.0 / 1001,
    120.0, 144.0, 240.0};

double pm3k__nominal_fps(double average, double base, const char **basis)
{
    if (!(average > 0)) {
        *basis = "base_rate";
        return base > 0 ? base : 0.0;
    }
    double nearest = 0, off = INFINITY;
    for (size_t i = 0; i < sizeof standard_fps / sizeof standard_fps[0]; i++)
        if (fabs(standard_fps[i] / average - 1.0) < off) {
            nearest = standard_fps[i];
            off = fabs(standard_fps[i] / average - 1.0);
        }
    /* An average that is a standard rate but for rounding is that rate. */
    *basis = off <= 1e-4 ? "average" : "standard_rate";
    if (off <= PM3K__FPS_TOLERANCE)
        return nearest;
    *basis = "base_rate";
    if (base > 0 && fabs(base / average - 1.0) <= PM3K__FPS_TOLERANCE)
        return base;
    *basis = "average";
    return average;
}

/* Sample-entry and stream tags of codecs this FFmpeg has no name for. */
static const struct {
    char tag[5];
    const char *name;
} tag_names[] = {
    {"vvc1", "vvc"},  {"vvi1", "vvc"},     {"evc1", "evc"},     {"apv1", "apv"},
    {"avs3", "avs3"}, {"lhv1", "mv-hevc"}, {"lhe1", "mv-hevc"},
};

const char *pm3k__codec_name(const char *name, bool unknown, uint32_t tag, char *buf, size_t len)
{
    if (!unknown && name)
        return name;
    if (tag == 0 || len < 5)
        return "unknown";
    /* libavformat's codec_tag holds the fourcc little-endian */
    char text[5];
    for (int i = 0; i < 4; i++) {
        char c = (char)(tag >> (8 * i));
        text[i] = (c >= 0x20 && c <= 0x7E) ? c : '?';
    }
    text[4] = '\0';
    for (size_t i = 0; i < sizeof tag_names / sizeof tag_names[0]; i++)
        if (strcmp(tag_names[i].tag, text) == 0)
            return tag_names[i].name;
    snprintf(buf, len, "%s", text);
    return buf;
}

/* ---- containers ---- */

/* Demuxers libavformat may recognise in unknown content that make a picture
 * stream without being a video container: still images and text art. */
static bool is_picture_format(const AVInputFormat *fmt)
{
    static const char *const names[] = {"image2", "tty", "bin", "adf", "idf", "xbin", NULL};
    size_t len = strlen(fmt->name);
    if (len > 5 && strcmp(fmt->name + len - 5, "_pipe") == 0)
        return true;
    for (const char *const *p = names; *p; p++)
        if (strcmp(fmt->name, *p) == 0)
            return true;
    return false;
}

/* ---- findings helpers ---- */

static void unreadable(pm3k_item *item, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void unreadable(pm3k_item *item, const char *fmt, ...)
{
    char reason[REASON_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    pm3k__item_add_fix(item, PM3K_RULE_UNREADABLE_MEDIA_VIDEO, PM3K__FIX_MEDIA_BROKEN, "reason",
                       reason, PM3K_END);
}

/* Content that is no video or image at all: a text file named .mp4 is not
 * "a half-copied MP4". */
static void not_media(pm3k_item *item)
{
    pm3k__item_add_fix(item, PM3K_RULE_UNREADABLE_MEDIA_VIDEO, PM3K__FIX_MEDIA_NOT_MEDIA, "reason",
                       "not a video or image file", PM3K_END);
}

/* A container PM3K refuses: remux when the codec can be copied into MP4,
 * re-encode when it cannot (a VP9 WebM remuxed fails again). */
static void container_refused(pm3k_item *item, const AVStream *st, const char *container)
{
    pm3k__fix fix = PM3K__FIX_CONTAINER_UNKNOWN;
    char codec[32] = "";
    if (st) {
        enum AVCodecID id = st->codecpar->codec_id;
        snprintf(codec, sizeof codec, "%s", avcodec_get_name(id));
        fix = id == AV_CODEC_ID_H264 || id == AV_CODEC_ID_HEVC ? PM3K__FIX_CONTAINER_REMUX
                                                               : PM3K__FIX_CONTAINER_REENCODE;
    }
    if (container)
        pm3k__item_add_fix(item, PM3K_RULE_UNSUPPORTED_CONTAINER, fix, "container", container,
                           "codec", codec, PM3K_END);
    else
        pm3k__item_add_fix(item, PM3K_RULE_UNSUPPORTED_CONTAINER, fix, "codec", codec, PM3K_END);
}

/* FFmpeg's error text, starting lowercase as our messages do. */
static const char *av_reason(int error, char *buf, size_t len)
{
    if (av_strerror(error, buf, len) < 0)
        snprintf(buf, len, "libavformat error %d", error);
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}

static double round_to(double value, double step)
{
    return round(value / step) * step;
}

/* ---- the index memory of all workers ---- */

/* What the box walk says a demuxer will keep (layout.index_bytes) is
 * reserved here before it runs and given back when it is closed: the
 * workers together hold at most the bound one file may declare, so --jobs
 * multiplies no worst case. A file that declares more never runs (the
 * walk refuses it), and one alone is always let in: no wait is forever. */
static pthread_mutex_t index_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t index_freed = PTHREAD_COND_INITIALIZER;
static uint64_t index_in_use;

static uint64_t reserve_index(uint64_t bytes)
{
    pthread_mutex_lock(&index_lock);
    while (index_in_use > 0 && index_in_use + bytes > (uint64_t)PM3K__MP4_MAX_INDEX_BYTES)
        pthread_cond_wait(&index_freed, &index_lock);
    index_in_use += bytes;
    pthread_mutex_unlock(&index_lock);
    return bytes;
}

static void release_index(uint64_t bytes)
{
    if (bytes == 0)
        return;
    pthread_mutex_lock(&index_lock);
    index_in_use -= bytes;
    pthread_cond_broadcast(&index_freed);
    pthread_mutex_unlock(&index_lock);
}

/* ---- libavformat over a pm3k__source ---- */

typedef struct video_probe {
    const pm3k_probe_config *config;
    pm3k__source *src;
    pm3k_item *item;
    const pm3k__mp4_layout *layout; /* ISO BMFF: what the box walk found, else NULL */
    int64_t limit;                  /* libavformat reads no byte from here on (-1: none) */
    int64_t position;               /* of the AVIO callbacks */
    AVIOContext *pb;
    AVFormatContext *fc;
    bool stream_info;        /* the avformat_find_stream_info fallback ran */
    uint64_t index_reserved; /* of the index memory of all workers */
} video_probe;

static int avio_read_cb(void *opaque, uint8_t *buf, int size)
{
    video_probe *v = opaque;
    if (v->limit >= 0 && v->position >= v->limit)
        return AVERROR_EOF;
    if (v->limit >= 0 && size > v->limit - v->position)
        size = (int)(v->limit - v->position);
    if (size <= 0)
        return 0;
    int64_t got = pm3k__source_read(v->src, v->position, buf, (size_t)size);
    if (got < 0)
        return AVERROR(EIO);
    if (got == 0)
        return AVERROR_EOF;
    v->position += got;
    return (int)got;
}

static int64_t avio_seek_cb(void *opaque, int64_t offset, int whence)
{
    video_probe *v = opaque;
    int64_t target;
    switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE:
        if (v->limit >= 0)
            return v->limit;
        return v->src->size >= 0 ? v->src->size : AVERROR(ENOSYS);
    case SEEK_SET:
        target = offset;
        break;
    case SEEK_CUR:
        target = v->position + offset;
        break;
    case SEEK_END:
        if (v->limit >= 0)
            target = v->limit + offset;
        else if (v->src->size < 0)
            return AVERROR(ENOSYS);
        else
            target = v->src->size + offset;
        break;
    default:
        return AVERROR(EINVAL);
    }
    if (target < 0)
        return AVERROR(EINVAL);
    v->position = target;
    return target;
}

/* Nothing but the file itself is ever opened: no dref, playlist or concat
 * entry may make libavformat read another file or URL. */
static int deny_io_open(AVFormatContext *s, AVIOContext **pb, const char *url, int flags,
                        AVDictionary **options)
{
    return AVERROR(EPERM);
}

/* Open src with fmt. Returns 0 or an AVERROR. */
static int open_input(video_probe *v, const AVInputFormat *fmt)
{
    AVDictionary *options = NULL;
    uint8_t *buffer = av_malloc(AVIO_BUFFER_SIZE);
    if (!buffer)
        return AVERROR(ENOMEM);
    v->position = 0;
    v->pb = avio_alloc_context(buffer, AVIO_BUFFER_SIZE, 0, v, avio_read_cb, NULL, avio_seek_cb);
    if (!v->pb) {
        av_free(buffer);
        return AVERROR(ENOMEM);
    }
    v->fc = avformat_alloc_context();
    if (!v->fc)
        return AVERROR(ENOMEM);
    v->fc->pb = v->pb;
    v->fc->flags |= AVFMT_FLAG_CUSTOM_IO;
    v->fc->io_open = deny_io_open;
    av_dict_set(&options, "protocol_whitelist", "none", 0);
    if (v->layout) {
        /* The index is the samples as the tables declare them (the edit
         * lists would reorder, drop or repeat them), and the fragment index
         * at the end (mfra) is never read: the box walk did not hold it
         * against the file. */
        av_dict_set(&options, "ignore_editlist", "1", 0);
        av_dict_set(&options, "use_mfra_for", "0", 0);
    }
    /* On failure avformat_open_input frees fc and sets it to NULL. */
    int ret = avformat_open_input(&v->fc, NULL, fmt, &options);
    av_dict_free(&options);
    return ret;
}

static void close_input(video_probe *v)
{
    avformat_close_input(&v->fc);
    if (v->pb) {
        /* libavformat may have replaced the buffer. */
        av_freep(&v->pb->buffer);
        avio_context_free(&v->pb);
    }
}

/* The video stream to judge: the first real one, a default-flagged one
 * first; cover art (attached pictures) is not video. */
static AVStream *pick_video_stream(AVFormatContext *fc)
{
    AVStream *best = NULL;
    for (unsigned i = 0; i < fc->nb_streams; i++) {
        AVStream *st = fc->streams[i];
        if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO ||
            (st->disposition & AV_DISPOSITION_ATTACHED_PIC))
            continue;
        if (!best || ((st->disposition & AV_DISPOSITION_DEFAULT) &&
                      !(best->disposition & AV_DISPOSITION_DEFAULT)))
            best = st;
    }
    return best;
}

static bool has_audio(const AVFormatContext *fc)
{
    for (unsigned i = 0; i < fc->nb_streams; i++)
        if (fc->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO)
            return true;
    return false;
}

/* Headers that do not give the picture size (or any stream, for formats
 * without a header) need the slow path, bounded. */
static AVStream *find_video_stream(video_probe *v)
{
    AVStream *st = pick_video_stream(v->fc);
    bool needs_info = st ? (st->codecpar->width <= 0 || st->codecpar->height <= 0)
                         : (v->fc->ctx_flags & AVFMTCTX_NOHEADER) != 0;
    if (needs_info) {
        v->fc->probesize = FALLBACK_PROBESIZE;
        v->fc->max_analyze_duration = FALLBACK_ANALYZE_US;
        v->stream_info = true;
        /* A failure leaves what the headers said; the checks below judge it. */
        avformat_find_stream_info(v->fc, NULL);
        st = pick_video_stream(v->fc);
    }
    pm3k_item_fact_str(v->item, "probe_path", v->stream_info ? "stream_info" : "header");
    return st;
}

/* ---- the checks ---- */

static bool is_media_stream(const AVStream *st)
{
    enum AVMediaType type = st->codecpar->codec_type;
    return (type == AVMEDIA_TYPE_VIDEO || type == AVMEDIA_TYPE_AUDIO) &&
           !(st->disposition & AV_DISPOSITION_ATTACHED_PIC);
}

/* A half-copied MP4 keeps a sample index that points past its end. */
static int64_t indexed_end(const AVFormatContext *fc)
{
    int64_t end = 0;
    for (unsigned i = 0; i < fc->nb_streams; i++) {
        AVStream *st = fc->streams[i];
        if (!is_media_stream(st))
            continue;
        int count = avformat_index_get_entries_count(st);
        for (int j = 0; j < count; j++) {
            const AVIndexEntry *e = avformat_index_get_entry(st, j);
            if (!e || e->pos < 0 || e->size < 0)
                continue;
            /* Hostile 64-bit chunk offsets must not overflow the sum. */
            if (e->pos > INT64_MAX - e->size)
                return INT64_MAX;
            if (e->pos + e->size > end)
                end = e->pos + e->size;
        }
    }
    return end;
}

/* Truncation is samples indexed past the end of the file: a top-level box
 * that claims more bytes than there are (a muxer's wrong mdat size) is not,
 * when every sample lies inside. */
static void check_truncation(video_probe *v)
{
    int64_t size = v->src->size;
    if (size < 0)
        return;
    int64_t end = indexed_end(v->fc);
    if (end <= size)
        return;
    /* No top-level box claims bytes past the end, yet samples lie beyond
     * twice the file: a copy cut off to less than half is rare, a corrupt
     * chunk offset more likely. */
    if (!v->layout->overrun && end / 2 > size)
        unreadable(v->item,
                   "its chunk offsets (stco/co64) point to byte %lld, more than twice the "
                   "file's %lld bytes, and no box claims bytes past its end: the chunk table is "
                   "corrupt (or the file was cut off to less than half)",
                   (long long)end, (long long)size);
    else
        unreadable(v->item,
                   "cut off: samples are indexed up to byte %lld but the file has %lld bytes",
                   (long long)end, (long long)size);
}

/* The samples of a track as its tables declare them, moov and fragments. */
static uint64_t declared_samples(const pm3k__mp4_track *t)
{
    return t->samples + t->fragment_samples;
}

/* libavformat's index of one track must hold the samples its tables
 * declare: a missing index, or one that disagrees, means the tables are
 * corrupt. False when it does not (the finding is added). */
static bool index_agrees(video_probe *v, const AVStream *st, const pm3k__mp4_track *t)
{
    const pm3k__mp4_layout *layout = v->layout;
    uint64_t declared = declared_samples(t);
    uint64_t indexed = (uint64_t)avformat_index_get_entries_count(st);
    /* Sound the demuxer reads chunk by chunk has an entry per chunk. */
    bool per_chunk = st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO && pm3k__mp4_sound_by_chunk(t);
    bool agrees;
    if (declared == 0)
        agrees = true;
    else if (indexed == 0)
        agrees = false;
    else if (t->fragment_samples > 0)
        /* With a segment index the fragments are read later, on demand. */
        agrees =
            layout->sidx_refs > 0 || layout->capped ? indexed <= declared : indexed == declared;
    else if (per_chunk)
        agrees = true;
    else
        /* Several sample descriptions: an index per description. */
        agrees = t->sample_entries > 1 ? indexed <= declared : indexed == declared;
    if (!agrees)
        unreadable(v->item,
                   "the sample tables of track %u declare %llu samples but libavformat indexed "
                   "%llu: the tables are corrupt",
                   t->track_id, (unsigned long long)declared, (unsigned long long)indexed);
    return agrees;
}

static void check_index(video_probe *v)
{
    for (unsigned i = 0; i < v->fc->nb_streams; i++) {
        const AVStream *st = v->fc->streams[i];
        const pm3k__mp4_track *t = pm3k__mp4_track_by_id(v->layout, (uint32_t)st->id);
        if (is_media_stream(st) && t && !index_agrees(v, st, t))
            return;
    }
}

/* A video track without a single sample (an init segment, an export that
 * wrote only its headers) has nothing to post. */
static void check_has_samples(video_probe *v, const AVStream *st)
{
    const pm3k__mp4_track *t = pm3k__mp4_track_by_id(v->layout, (uint32_t)st->id);
    if (t && declared_samples(t) == 0 && avformat_index_get_entries_count(st) == 0)
        unreadable(v->item, "the video track has no samples: the file holds only headers (an "
                            "init segment without its media segments?)");
}

/* not_vertical with the crop its hint runs: the middle 9:16 of the frame
 * as ffmpeg filters it (turned upright first), in whole even pixels. */
static void add_not_vertical(pm3k_item *item, const pm3k__video_geometry *g,
                             const char *orientation)
{
    bool turned = g->rotation == 90 || g->rotation == 270;
    int frame_w = turned ? g->coded_height : g->coded_width;
    int frame_h = turned ? g->coded_width : g->coded_height;
    double sar =
        turned || g->sar_den <= 0 || g->sar_num <= 0 ? 1.0 : (double)g->sar_num / g->sar_den;
    long crop_w = (long)((double)frame_h * 9.0 / 16.0 / sar) / 2 * 2;
    long crop_h = frame_h;
    if (crop_w > frame_w) { /* a frame narrower than 9:16 can only lose height */
        crop_w = frame_w / 2 * 2;
        crop_h = (long)((double)crop_w * sar * 16.0 / 9.0) / 2 * 2;
    }
    char width[24], height[24];
    snprintf(width, sizeof width, "%ld", crop_w);
    snprintf(height, sizeof height, "%ld", crop_h);
    pm3k_item_add(item, PM3K_RULE_NOT_VERTICAL, "orientation", orientation, "crop_width", width,
                  "crop_height", height, PM3K_END);
}

static void check_geometry(video_probe *v, AVStream *st)
{
    const pm3k_limits *limits = &v->config->limits;
    pm3k_item *item = v->item;
    pm3k__video_geometry g = {
        .coded_width = st->codecpar->width,
        .coded_height = st->codecpar->height,
    };
    if (g.coded_width <= 0 || g.coded_height <= 0) {
        unreadable(item, "the video stream does not give its picture size");
        return;
    }
    AVRational sar = av_guess_sample_aspect_ratio(v->fc, st, NULL);
    g.sar_num = 1;
    g.sar_den = 1;
    if (sar.num > 0 && sar.den > 0)
        av_reduce(&g.sar_num, &g.sar_den, sar.num, sar.den, 1 << 16);
    size_t matrix_size = 0;
    const uint8_t *matrix = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &matrix_size);
    if (matrix && matrix_size >= 9 * sizeof(int32_t))
        g.rotation = pm3k__rotation_clockwise(av_display_rotation_get((const int32_t *)matrix));
    pm3k__video_display_size(&g);

    char sar_text[32];
    snprintf(sar_text, sizeof sar_text, "%d:%d", g.sar_num, g.sar_den);
    pm3k_item_fact_int(item, "coded_width", g.coded_width);
    pm3k_item_fact_int(item, "coded_height", g.coded_height);
    pm3k_item_fact_str(item, "sar", sar_text);
    pm3k_item_fact_int(item, "rotation", g.rotation);
    pm3k_item_fact_int(item, "display_width", lround(g.display_width));
    pm3k_item_fact_int(item, "display_height", lround(g.display_height));
    pm3k_item_fact_num(item, "display_aspect",
                       round_to(g.display_width / g.display_height, 0.0001));

    const char *orientation = pm3k__video_orientation(g.display_width, g.display_height);
    if (strcmp(orientation, "portrait") != 0)
        add_not_vertical(item, &g, orientation);
    else if (pm3k__video_off_9_16(g.display_width, g.display_height, limits->aspect_tolerance))
        pm3k_item_add(item, PM3K_RULE_NOT_9_16, PM3K_END);

    if (g.coded_width < limits->min_side || g.coded_height < limits->min_side ||
        g.coded_width > limits->max_side || g.coded_height > limits->max_side)
        pm3k_item_add(item, PM3K_RULE_PICTURE_SIZE_OUT_OF_RANGE, "scale_width",
                      g.display_width < g.display_height ? "1080" : "-2", "scale_height",
                      g.display_width < g.display_height ? "-2" : "1080", PM3K_END);
}

static double rate_of(AVRational rate)
{
    return rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0.0;
}

static void check_frame_rate(video_probe *v, const AVStream *st)
{
    const pm3k_limits *limits = &v->config->limits;
    const char *basis;
    double average = rate_of(st->avg_frame_rate);
    double fps = pm3k__nominal_fps(average, rate_of(st->r_frame_rate), &basis);
    if (!(fps > 0))
        return; /* not measured: no fact, no finding */
    fps = round_to(fps, 0.001);
    pm3k_item_fact_num(v->item, "fps", fps);
    if (average > 0)
        pm3k_item_fact_num(v->item, "fps_average", round_to(average, 0.001));
    pm3k_item_fact_str(v->item, "fps_basis", basis);
    if (fps < limits->min_fps || fps > limits->max_fps)
        pm3k_item_add(v->item, PM3K_RULE_FRAME_RATE_OUT_OF_RANGE, PM3K_END);
}

/* A fragmented MP4's length: mehd; else its track's, unless the track
 * header says all ones; else the sum of the fragments when the walk saw
 * them all; <= 0 when none says. */
static double fragments_duration(const video_probe *v, const AVStream *st, const char **basis)
{
    const pm3k__mp4_layout *layout = v->layout;
    const pm3k__mp4_track *t = st ? pm3k__mp4_track_by_id(layout, (uint32_t)st->id) : NULL;
    if (layout->mehd_duration > 0 && layout->movie_timescale > 0) {
        *basis = "mehd";
        return (double)layout->mehd_duration / layout->movie_timescale;
    }
    if (!t)
        return -1;
    if (!t->duration_unknown && st->duration != AV_NOPTS_VALUE && st->duration > 0) {
        *basis = "track";
        return (double)st->duration * av_q2d(st->time_base);
    }
    if (layout->capped || t->timescale == 0)
        return -1;
    *basis = "fragments";
    return ((double)t->time_duration + (double)t->fragment_duration) / t->timescale;
}

/* How long the video is, and which figure says it: the container's
 * (mvhd), a track's, or for a fragmented MP4 its fragments'. All ones in a
 * header means unknown, never 40 hours. */
static double media_duration(const video_probe *v, const AVStream *st, const char **basis)
{
    const pm3k__mp4_layout *layout = v->layout;
    if (layout && layout->fragmented)
        return fragments_duration(v, st, basis);
    if (v->fc->duration != AV_NOPTS_VALUE && v->fc->duration > 0 &&
        !(layout && layout->movie_duration_unknown)) {
        *basis = "container";
        return (double)v->fc->duration / AV_TIME_BASE;
    }
    const pm3k__mp4_track *t =
        layout && st ? pm3k__mp4_track_by_id(layout, (uint32_t)st->id) : NULL;
    *basis = "track";
    if (st && st->duration != AV_NOPTS_VALUE && st->duration > 0 &&
        !(t && t->duration_unknown && t->time_duration == 0))
        return (double)st->duration * av_q2d(st->time_base);
    return -1;
}

static void check_duration(video_probe *v, const AVStream *st)
{
    const char *basis = "unknown";
    double seconds = media_duration(v, st, &basis);
    if (!(seconds > 0)) {
        pm3k_item_fact_str(v->item, "duration_basis", "unknown");
        return;
    }
    seconds = round_to(seconds, 0.001);
    pm3k_item_fact_num(v->item, "duration_s", seconds);
    pm3k_item_fact_str(v->item, "duration_basis", basis);
    if (seconds > v->config->limits.max_duration_s)
        pm3k_item_add(v->item, PM3K_RULE_DURATION_TOO_LONG, PM3K_END);
}

static void check_codec(video_probe *v, const AVStream *st)
{
    enum AVCodecID id = st->codecpar->codec_id;
    char name[32];
    pm3k_item_fact_str(v->item, "codec",
                       pm3k__codec_name(avcodec_get_name(id), id == AV_CODEC_ID_NONE,
                                        st->codecpar->codec_tag, name, sizeof name));
    if (id != AV_CODEC_ID_H264 && id != AV_CODEC_ID_HEVC)
        pm3k_item_add(v->item, PM3K_RULE_UNSUPPORTED_CODEC, PM3K_END);
}

/* Read the first bytes again and let libavformat guess, without a file
 * name. NULL when nothing recognisable. */
static const AVInputFormat *guess_format(pm3k__source *src)
{
    uint8_t buf[PM3K__SNIFF_BYTES + AVPROBE_PADDING_SIZE];
    int64_t got = pm3k__source_read(src, 0, buf, PM3K__SNIFF_BYTES);
    if (got <= 0)
        return NULL;
    memset(buf + got, 0, AVPROBE_PADDING_SIZE);
    AVProbeData pd = {.filename = "", .buf = buf, .buf_size = (int)got};
    int score = AVPROBE_SCORE_RETRY;
    const AVInputFormat *fmt = av_probe_input_format2(&pd, 1, &score);
    if (fmt && is_picture_format(fmt))
        return NULL;
    return fmt;
}

/* Why a walk found no moov box. */
static void no_moov(video_probe *v, const pm3k__mp4_layout *layout)
{
    pm3k_item *item = v->item;
    if (layout->capped)
        unreadable(item, "there is no moov box in the first %d top-level boxes",
                   PM3K__MP4_MAX_BOXES);
    else if (layout->junk)
        unreadable(item,
                   "there is no moov box before byte %lld, where bytes that are no box "
                   "begin",
                   (long long)layout->horizon);
    else if (layout->overrun)
        unreadable(item,
                   "cut off: there is no moov box and the '%s' box ends at byte %lld but the "
                   "file has %lld bytes",
                   layout->overrun_type, (long long)layout->overrun_end, (long long)v->src->size);
    else
        unreadable(item, "there is no moov box: the file was never finished");
}

/* ISO BMFF: walk the boxes first. Returns false when the file goes to no
 * demuxer (no moov, or tables that cannot be true): the finding is added. */
static bool check_boxes(video_probe *v, const pm3k__sniff *sniff, pm3k__mp4_layout *layout)
{
    pm3k_item *item = v->item;
    if (sniff->brand[0]) {
        char brand[5];
        memcpy(brand, sniff->brand, sizeof brand);
        for (int i = 3; i >= 0 && brand[i] == ' '; i--)
            brand[i] = '\0';
        pm3k_item_fact_str(item, "brand", brand);
    }
    pm3k__mp4_walk(v->src, layout);
    if (layout->read_error) {
        unreadable(item, "read error: %s", v->src->error);
        return false;
    }
    if (layout->problem[0]) {
        pm3k__item_add_fix(item, PM3K_RULE_UNREADABLE_MEDIA_VIDEO,
                           layout->encrypted ? PM3K__FIX_MEDIA_ENCRYPTED : PM3K__FIX_MEDIA_CORRUPT,
                           "reason", layout->problem, PM3K_END);
        return false;
    }
    if (layout->moov_offset < 0) {
        no_moov(v, layout);
        return false;
    }
    pm3k_item_fact_bool(item, "moov_at_end", layout->moov_at_end);
    v->layout = layout;
    v->limit = layout->horizon;
    v->index_reserved = reserve_index(layout->index_bytes);
    return true;
}

/* The checks of a stream libavformat opened. */
static void check_streams(video_probe *v, AVStream *st)
{
    pm3k_item *item = v->item;
    if (v->layout) {
        check_truncation(v);
        check_index(v);
        if (st)
            check_has_samples(v, st);
    }
    if (st) {
        check_codec(v, st);
        check_geometry(v, st);
        check_frame_rate(v, st);
    } else {
        pm3k_item_add(item, PM3K_RULE_NO_VIDEO_STREAM, PM3K_END);
    }
    check_duration(v, st);
    pm3k_item_fact_bool(item, "has_audio", has_audio(v->fc));
    if (v->layout && v->layout->moov_at_end)
        pm3k_item_add(item, PM3K_RULE_MOOV_AT_END, PM3K_END);
}

static void probe_media(video_probe *v, const pm3k__sniff *sniff)
{
    pm3k_item *item = v->item;
    /* A container of the format table, or content libavformat may know. */
    const pm3k__format *container =
        sniff->format->kind == PM3K__FORMAT_VIDEO ? sniff->format : NULL;
    const AVInputFormat *fmt;
    pm3k__mp4_layout layout;
    char reason[REASON_MAX];

    if (container) {
        pm3k_item_fact_str(item, "container", container->label);
        fmt = av_find_input_format(container->demuxer);
        if (!fmt) {
            unreadable(item, "this FFmpeg build cannot read %s", container->label);
            return;
        }
        if (container->iso_bmff && !check_boxes(v, sniff, &layout))
            return;
    } else if (!(fmt = guess_format(v->src))) {
        not_media(item);
        return;
    }

    int ret = open_input(v, fmt);
    if (ret < 0) {
        /* Unknown content that libavformat cannot open is simply not media;
         * a known container that fails is broken. */
        if (container && container->accept != PM3K__ACCEPT_YES)
            container_refused(item, NULL, NULL);
        if (container)
            unreadable(item, "%s", av_reason(ret, reason, sizeof reason));
        else
            not_media(item);
        return;
    }
    pm3k_item_fact_str(item, "format", v->fc->iformat->name);
    AVStream *st = find_video_stream(v);
    if (container && container->accept != PM3K__ACCEPT_YES)
        container_refused(item, st, NULL);
    if (!container) {
        if (!st) {
            not_media(item);
            return;
        }
        const char *name = fmt->long_name ? fmt->long_name : fmt->name;
        pm3k_item_fact_str(item, "container", name);
        container_refused(item, st, name);
    }
    check_streams(v, st);
}

static void check_file_size(const pm3k_probe_config *config, const pm3k__source *src,
                            pm3k_item *item)
{
    if (src->size <= config->limits.max_video_bytes)
        return;
    char size_mb[32], kbps[32];
    pm3k__format_mb(src->size, size_mb, sizeof size_mb);
    double seconds = 0;
    /* A bitrate that fits: 90% of the limit over the measured duration,
     * less 128 kb/s of audio. */
    long target =
        pm3k_item_fact_get_num(item, "duration_s", &seconds) && seconds > 0
            ? (long)((double)config->limits.max_video_bytes * 8.0 * 0.9 / seconds / 1000.0) - 128
            : 0;
    if (target < 100) {
        pm3k__item_add_fix(item, PM3K_RULE_TOO_LARGE_VIDEO, PM3K__FIX_TOO_LARGE_TRIM, "size_mb",
                           size_mb, PM3K_END);
        return;
    }
    snprintf(kbps, sizeof kbps, "%ld", target);
    pm3k__item_add_fix(item, PM3K_RULE_TOO_LARGE_VIDEO, PM3K__FIX_TOO_LARGE_BITRATE, "size_mb",
                       size_mb, "target_kbps", kbps, PM3K_END);
}

void pm3k__probe_video(const pm3k_probe_config *config, pm3k__source *src, const pm3k__sniff *sniff,
                       pm3k_item *item)
{
    video_probe v = {.config = config, .src = src, .item = item, .limit = -1};

    /* Messages name the limits the checks compare against. */
    pm3k_item_set_limits(item, &config->limits);
    if (src->size == 0 || sniff->media == PM3K__MEDIA_EMPTY)
        pm3k__item_add_fix(item, PM3K_RULE_UNREADABLE_MEDIA_VIDEO, PM3K__FIX_MEDIA_EMPTY, "reason",
                           "the file is empty (0 bytes)", PM3K_END);
    else
        probe_media(&v, sniff);
    close_input(&v);
    release_index(v.index_reserved);
    check_file_size(config, src, item);
    pm3k_item_fact_int(item, "bytes_read", src->bytes_read);
}
