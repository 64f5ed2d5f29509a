/* pm3k fix — videos remuxed to MP4 with libavformat, without decoding:
 * every stream's packets copied as they are, the moov box written first. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/medialib.h"
#include "core/medialib_calls.h"
#include "fix/fix_int.h"

static const char *av_reason(int ret, char *buf, size_t len)
{
    if (av_strerror(ret, buf, len) < 0)
        snprintf(buf, len, "libavformat error %d", ret);
    return buf;
}

static int open_input(const char *path, AVFormatContext **out)
{
    AVDictionary *opts = NULL;
    /* Bounds the stream probe of containers without headers (MPEG-TS). */
    av_dict_set(&opts, "probesize", "8388608", 0);
    int ret = avformat_open_input(out, path, NULL, &opts);
    av_dict_free(&opts);
    if (ret < 0)
        return ret;
    ret = avformat_find_stream_info(*out, NULL);
    if (ret < 0)
        avformat_close_input(out);
    return ret;
}

static const char *media_name(enum AVMediaType type)
{
    switch (type) {
    case AVMEDIA_TYPE_VIDEO:
        return "video";
    case AVMEDIA_TYPE_AUDIO:
        return "audio";
    case AVMEDIA_TYPE_SUBTITLE:
        return "subtitle";
    case AVMEDIA_TYPE_ATTACHMENT:
        return "attachment";
    default:
        return "data";
    }
}

/* The codecs MP4 carries by its standards (ISO/IEC 14496-14 and the
 * registered code points), which players and TikTok's pipeline read.
 * libavformat also writes private code points (Vorbis, 0xDD) that almost
 * nothing reads back, so its own answer is not enough. Attached pictures
 * (cover art) are JPEG or PNG. */
static const enum AVCodecID mp4_codecs[] = {
    AV_CODEC_ID_H264, AV_CODEC_ID_HEVC,  AV_CODEC_ID_AAC,  AV_CODEC_ID_MP3,
    AV_CODEC_ID_AC3,  AV_CODEC_ID_EAC3,  AV_CODEC_ID_ALAC, AV_CODEC_ID_FLAC,
    AV_CODEC_ID_OPUS, AV_CODEC_ID_MJPEG, AV_CODEC_ID_PNG,  AV_CODEC_ID_MOV_TEXT,
};

static bool carried(const AVCodecParameters *par, const AVOutputFormat *mp4)
{
    for (size_t i = 0; i < sizeof mp4_codecs / sizeof mp4_codecs[0]; i++)
        if (par->codec_id == mp4_codecs[i])
            return avformat_query_codec(mp4, par->codec_id, FF_COMPLIANCE_NORMAL) == 1;
    return false;
}

/* The first stream MP4 cannot carry as it is, or -1. */
static int first_foreign_stream(const AVFormatContext *ic, const AVOutputFormat *mp4)
{
    for (unsigned i = 0; i < ic->nb_streams; i++)
        if (!carried(ic->streams[i]->codecpar, mp4))
            return (int)i;
    return -1;
}

bool pm3k__remux_check(const char *path, pm3k_item *item)
{
    AVFormatContext *ic = NULL, *oc = NULL;
    char reason[128], stream[16];
    bool ok = false;
    int ret = open_input(path, &ic);
    if (ret < 0) {
        pm3k_item_add(item, PM3K_RULE_FIX_FAILED, "reason", av_reason(ret, reason, sizeof reason),
                      PM3K_END);
        goto out;
    }
    ret = avformat_alloc_output_context2(&oc, NULL, "mp4", NULL);
    if (ret < 0) {
        pm3k_item_add(item, PM3K_RULE_FIX_FAILED, "reason", "this FFmpeg build cannot write MP4",
                      PM3K_END);
        goto out;
    }
    int foreign = first_foreign_stream(ic, oc->oformat);
    if (foreign >= 0) {
        const AVCodecParameters *par = ic->streams[foreign]->codecpar;
        snprintf(stream, sizeof stream, "%d", foreign);
        pm3k_item_add(item, PM3K_RULE_STREAM_NOT_MP4, "stream", stream, "media",
                      media_name(par->codec_type), "codec", avcodec_get_name(par->codec_id),
                      PM3K_END);
        goto out;
    }
    ok = true;
out:
    avformat_free_context(oc);
    avformat_close_input(&ic);
    return ok;
}

/* The output stream of in: codec parameters, side data (the display
 * matrix), the sample aspect ratio as displayed, disposition, metadata. */
static int add_stream(AVFormatContext *ic, AVStream *in, AVFormatContext *oc)
{
    AVStream *out = avformat_new_stream(oc, NULL);
    if (!out)
        return AVERROR(ENOMEM);
    int ret = avcodec_parameters_copy(out->codecpar, in->codecpar);
    if (ret < 0)
        return ret;
    out->codecpar->codec_tag = 0;
    out->time_base = in->time_base;
    out->disposition = in->disposition;
    if (in->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
        AVRational sar = av_guess_sample_aspect_ratio(ic, in, NULL);
        out->sample_aspect_ratio = sar;
        out->codecpar->sample_aspect_ratio = sar;
    }
    if ((ret = av_dict_copy(&out->metadata, in->metadata, 0)) < 0)
        return ret;
    for (int i = 0; i < in->nb_side_data; i++) {
        const AVPacketSideData *sd = &in->side_data[i];
        uint8_t *copy = av_stream_new_side_data(out, sd->type, sd->size);
        if (!copy)
            return AVERROR(ENOMEM);
        memcpy(copy, sd->data, sd->size);
    }
    return 0;
}

static int copy_packets(AVFormatContext *ic, AVFormatContext *oc, const volatile int *cancel)
{
    AVPacket *pkt = av_packet_alloc();
    int ret = pkt ? 0 : AVERROR(ENOMEM);
    while (ret >= 0) {
        if (cancel && *cancel) {
            ret = AVERROR_EXIT;
            break;
        }
        ret = av_read_frame(ic, pkt);
        if (ret == AVERROR_EOF) {
            ret = 0;
            break;
        }
        if (ret < 0)
            break;
        AVStream *in = ic->streams[pkt->stream_index];
        av_packet_rescale_ts(pkt, in->time_base, oc->streams[pkt->stream_index]->time_base);
        pkt->pos = -1;
        ret = av_interleaved_write_frame(oc, pkt);
    }
    av_packet_free(&pkt);
    return ret;
}

/* Every stream, in order, to the MP4 at temp_path. */
static int write_mp4(AVFormatContext *ic, const char *temp_path, const volatile int *cancel)
{
    AVFormatContext *oc = NULL;
    AVDictionary *opts = NULL;
    int ret = avformat_alloc_output_context2(&oc, NULL, "mp4", temp_path);
    if (ret < 0)
        return ret;
    for (unsigned i = 0; i < ic->nb_streams && ret >= 0; i++)
        ret = add_stream(ic, ic->streams[i], oc);
    if (ret >= 0)
        ret = av_dict_copy(&oc->metadata, ic->metadata, 0);
    if (ret >= 0)
        ret = avio_open(&oc->pb, temp_path, AVIO_FLAG_WRITE);
    if (ret < 0)
        goto out;
    /* faststart: the muxer moves the moov in front of the media data at
     * the end, reading the file again by its name. */
    av_dict_set(&opts, "movflags", "+faststart", 0);
    ret = avformat_write_header(oc, &opts);
    if (ret >= 0)
        ret = copy_packets(ic, oc, cancel);
    if (ret >= 0)
        ret = av_write_trailer(oc);
    int closed = avio_closep(&oc->pb);
    if (ret >= 0 && closed < 0)
        ret = closed;
out:
    av_dict_free(&opts);
    if (oc && oc->pb)
        avio_closep(&oc->pb);
    avformat_free_context(oc);
    return ret;
}

pm3k_code pm3k__remux(const char *path, const char *temp_path, const volatile int *cancel,
                      pm3k_error *err)
{
    AVFormatContext *ic = NULL;
    char reason[128];
    int ret = open_input(path, &ic);
    if (ret >= 0)
        ret = write_mp4(ic, temp_path, cancel);
    avformat_close_input(&ic);
    if (ret == AVERROR_EXIT && cancel && *cancel)
        return pm3k_error_set(err, PM3K_ERR_ABORTED, "interrupted");
    if (ret < 0)
        return pm3k_error_set(err, PM3K_ERR_UNSUPPORTED, "remux to MP4 failed: %s",
                              av_reason(ret, reason, sizeof reason));
    return PM3K_OK;
}
