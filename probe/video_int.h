/* pm3k — the pure geometry behind the video rules (internal; probe/video.c,
 * tested by tests/unit/test_video.c). */
#ifndef PM3K_PROBE_VIDEO_INT_H
#define PM3K_PROBE_VIDEO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the video rules measure a picture with. */
typedef struct pm3k__video_geometry {
    int coded_width, coded_height; /* as stored: picture_size_out_of_range uses these */
    int sar_num, sar_den;          /* sample aspect ratio, 1:1 when unknown */
    int rotation;                  /* clockwise degrees to display it: 0, 90, 180, 270 */
    double display_width;          /* coded size scaled by the SAR, then turned */
    double display_height;
} pm3k__video_geometry;

/* libavutil's av_display_rotation_get() gives the angle the display matrix
 * turns the picture counterclockwise, in [-180, 180] (NaN for a degenerate
 * matrix); a phone held upright stores -90. This returns the clockwise turn
 * a viewer applies, snapped to 0, 90, 180 or 270 (0 for NaN). */
int pm3k__rotation_clockwise(double counterclockwise_degrees);

/* Fill display_width/display_height of g from its coded size, SAR (0 or
 * negative terms mean 1:1) and rotation. */
void pm3k__video_display_size(pm3k__video_geometry *g);

/* "landscape", "square" or "portrait" for a displayed size (sides within
 * half a pixel are square). */
const char *pm3k__video_orientation(double display_width, double display_height);

/* Whether a displayed size is off 9:16 by more than tolerance, relative:
 * abs(w / h / 0.5625 - 1) > tolerance. */
bool pm3k__video_off_9_16(double display_width, double display_height, double tolerance);

/* How far the frame rate pm3k judges may be from the stream's average. */
#define PM3K__FPS_TOLERANCE 0.02

/* The frame rate a video was made at, from its average (frames over
 * duration) and its base rate (libavformat's r_frame_rate, the rate its
 * timestamps tick at): the standard rate (23.976, 24, 25, 29.97, 30, 50,
 * 59.94, 60, ...) nearest the average when within PM3K__FPS_TOLERANCE of
 * it, else the base rate when within it, else the average. *basis says
 * which: "standard_rate", "base_rate" or "average" (also for an average
 * that is a standard rate but for rounding). 0 when neither figure is
 * known. A 60 fps phone video whose frame durations alternate by one tick
 * averages 60.06 and is 60. */
double pm3k__nominal_fps(double average, double base, const char **basis);

/* A codec's name for the codec fact: libavformat's name, or when it has
 * none (unknown) a name from the stream's fourcc tag (libavformat's
 * codec_tag, little-endian), which is the fourcc itself when pm3k knows no
 * name either, or "unknown" without a tag. buf (at least 5 bytes) may hold
 * the result. */
const char *pm3k__codec_name(const char *name, bool unknown, uint32_t tag, char *buf, size_t len);

#endif
