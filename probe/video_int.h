/* pm3k — the pure geometry behind the video rules (internal; probe/video.c,
 * tested by tests/unit/test_video.c). */
#ifndef PM3K_PROBE_VIDEO_INT_H
#define PM3K_PROBE_VIDEO_INT_H

#include <stdbool.h>

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

#endif
