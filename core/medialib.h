/* pm3k — FFmpeg and libvips, loaded on first use (internal).
 *
 * FFmpeg and libvips bring in ~170 shared libraries; relocating them costs
 * ~37 ms at every start, which runs that check no media file (URLs without
 * --deep, payload, domain) should not pay. So libpm3k does not link them:
 * it calls them through pm3k__medialib, a table of function pointers that
 * pm3k__medialib_load fills with dlopen/dlsym the first time media is
 * checked. Sources that call them include "core/medialib_calls.h" after the
 * FFmpeg/libvips headers, which turns each call into a call through the
 * table. The pm3k binary is linked without -lavformat/-lvips, so a call that
 * is not in the table fails its link. */
#ifndef PM3K_CORE_MEDIALIB_H
#define PM3K_CORE_MEDIALIB_H

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/log.h>
#include <libavutil/mathematics.h>
#include <vips/vips.h>

#include "pm3k/error.h"

/* Every FFmpeg, libvips and GLib function libpm3k calls, with the library
 * that exports it; header macros count by what they expand to (VIPS_INIT,
 * VIPS_UNREF). core/medialib_calls.h has one
 * redirection per name. */
#define PM3K__MEDIA_FUNCTIONS(X)                                                                   \
    X(AVUTIL, av_dict_copy)                                                                        \
    X(AVUTIL, av_dict_free)                                                                        \
    X(AVUTIL, av_dict_set)                                                                         \
    X(AVUTIL, av_display_rotation_get)                                                             \
    X(AVUTIL, av_free)                                                                             \
    X(AVUTIL, av_freep)                                                                            \
    X(AVUTIL, av_log_set_level)                                                                    \
    X(AVUTIL, av_malloc)                                                                           \
    X(AVUTIL, av_max_alloc)                                                                        \
    X(AVUTIL, av_reduce)                                                                           \
    X(AVUTIL, av_strerror)                                                                         \
    X(AVCODEC, avcodec_get_name)                                                                   \
    X(AVFORMAT, av_find_input_format)                                                              \
    X(AVFORMAT, av_guess_sample_aspect_ratio)                                                      \
    X(AVFORMAT, av_probe_input_format2)                                                            \
    X(AVFORMAT, av_stream_get_side_data)                                                           \
    X(AVFORMAT, avformat_alloc_context)                                                            \
    X(AVFORMAT, avformat_close_input)                                                              \
    X(AVFORMAT, avformat_find_stream_info)                                                         \
    X(AVFORMAT, avformat_index_get_entries_count)                                                  \
    X(AVFORMAT, avformat_index_get_entry)                                                          \
    X(AVFORMAT, avformat_open_input)                                                               \
    X(AVFORMAT, avformat_version)                                                                  \
    X(AVFORMAT, avio_alloc_context)                                                                \
    X(AVFORMAT, avio_context_free)                                                                 \
    X(GLIB, g_log)                                                                                 \
    X(GLIB, g_log_set_handler)                                                                     \
    X(GOBJECT, g_object_unref)                                                                     \
    X(VIPS, vips_block_untrusted_set)                                                              \
    X(VIPS, vips_cache_set_max)                                                                    \
    X(VIPS, vips_concurrency_set)                                                                  \
    X(VIPS, vips_error)                                                                            \
    X(VIPS, vips_error_buffer)                                                                     \
    X(VIPS, vips_error_clear)                                                                      \
    X(VIPS, vips_image_get_bands)                                                                  \
    X(VIPS, vips_image_get_height)                                                                 \
    X(VIPS, vips_image_get_int)                                                                    \
    X(VIPS, vips_image_get_string)                                                                 \
    X(VIPS, vips_image_get_typeof)                                                                 \
    X(VIPS, vips_image_get_width)                                                                  \
    X(VIPS, vips_image_hasalpha)                                                                   \
    X(VIPS, vips_init)                                                                             \
    X(VIPS, vips_jpegload_source)                                                                  \
    X(VIPS, vips_pngload_source)                                                                   \
    X(VIPS, vips_shutdown)                                                                         \
    X(VIPS, vips_source_new_from_memory)                                                           \
    X(VIPS, vips_version)                                                                          \
    X(VIPS, vips_version_string)                                                                   \
    X(VIPS, vips_webpload_source)                                                                  \
    X(AVCODEC, av_packet_alloc)                                                                    \
    X(AVCODEC, av_packet_free)                                                                     \
    X(AVCODEC, av_packet_unref)                                                                    \
    X(AVCODEC, av_packet_rescale_ts)                                                               \
    X(AVCODEC, avcodec_parameters_copy)                                                            \
    X(AVFORMAT, av_interleaved_write_frame)                                                        \
    X(AVFORMAT, av_read_frame)                                                                     \
    X(AVFORMAT, av_stream_new_side_data)                                                           \
    X(AVFORMAT, av_write_trailer)                                                                  \
    X(AVFORMAT, avformat_alloc_output_context2)                                                    \
    X(AVFORMAT, avformat_free_context)                                                             \
    X(AVFORMAT, avformat_new_stream)                                                               \
    X(AVFORMAT, avformat_query_codec)                                                              \
    X(AVFORMAT, avformat_write_header)                                                             \
    X(AVFORMAT, avio_closep)                                                                       \
    X(AVFORMAT, avio_open)                                                                         \
    X(GLIB, g_free)                                                                                \
    X(GLIB, g_strfreev)                                                                            \
    X(VIPS, vips_area_unref)                                                                       \
    X(VIPS, vips_array_double_new)                                                                 \
    X(VIPS, vips_flatten)                                                                          \
    X(VIPS, vips_foreign_find_load)                                                                \
    X(VIPS, vips_image_new_from_file)                                                              \
    X(VIPS, vips_image_get_fields)                                                                 \
    X(VIPS, vips_image_remove)                                                                     \
    X(VIPS, vips_image_write_to_buffer)                                                            \
    X(VIPS, vips_thumbnail)

/* One pointer per function, typed from the library's own prototype. */
typedef struct pm3k__medialib_api {
#define PM3K__MEDIA_POINTER(lib, name) __typeof__(name) *name;
    PM3K__MEDIA_FUNCTIONS(PM3K__MEDIA_POINTER)
#undef PM3K__MEDIA_POINTER
} pm3k__medialib_api;

/* Filled by pm3k__medialib_load; all NULL before. */
extern pm3k__medialib_api pm3k__medialib;

/* Load FFmpeg, libvips and GLib and set them up for pm3k (FFmpeg silent,
 * libvips without its optional modules, untrusted loaders blocked, no
 * operation cache, one thread). Runs once per process; concurrent and later
 * callers wait for the first and get its result. Call it before anything in
 * pm3k__medialib. PM3K_ERR_LIBRARY, with the library or function and why in
 * err, when they cannot be loaded. */
pm3k_code pm3k__medialib_load(pm3k_error *err);

/* libvips' HEIF module (HEIC and AVIF), which pm3k__medialib_load leaves
 * out: only pm3k fix loads it, and only for a HEIC or AVIF input, so no
 * probe ever puts a hostile file before libheif. Loads the media libraries
 * first; once per process. PM3K_ERR_UNSUPPORTED when this libvips has no
 * such module (its path comes from the build). */
pm3k_code pm3k__medialib_load_heif(pm3k_error *err);

/* vips_shutdown, if the libraries were loaded (pm3k_global_cleanup). Call
 * after every thread that checked media has finished. */
void pm3k__medialib_shutdown(void);

#endif
