/* pm3k — calls to FFmpeg, libvips and GLib go through pm3k__medialib
 * (internal; see core/medialib.h).
 *
 * Include this after the FFmpeg/libvips headers (the prototypes must be
 * seen before their names become macros) in every source that calls them,
 * and call pm3k__medialib_load first. One line per name of
 * PM3K__MEDIA_FUNCTIONS: a name missing here fails the link of pm3k, a name
 * missing there fails the compile. */
#ifndef PM3K_CORE_MEDIALIB_CALLS_H
#define PM3K_CORE_MEDIALIB_CALLS_H

#include "core/medialib.h"

#define av_dict_free (pm3k__medialib.av_dict_free)
#define av_dict_set (pm3k__medialib.av_dict_set)
#define av_display_rotation_get (pm3k__medialib.av_display_rotation_get)
#define av_free (pm3k__medialib.av_free)
#define av_freep (pm3k__medialib.av_freep)
#define av_log_set_level (pm3k__medialib.av_log_set_level)
#define av_malloc (pm3k__medialib.av_malloc)
#define av_max_alloc (pm3k__medialib.av_max_alloc)
#define av_reduce (pm3k__medialib.av_reduce)
#define av_strerror (pm3k__medialib.av_strerror)
#define avcodec_get_name (pm3k__medialib.avcodec_get_name)
#define av_find_input_format (pm3k__medialib.av_find_input_format)
#define av_guess_sample_aspect_ratio (pm3k__medialib.av_guess_sample_aspect_ratio)
#define av_probe_input_format2 (pm3k__medialib.av_probe_input_format2)
#define av_stream_get_side_data (pm3k__medialib.av_stream_get_side_data)
#define avformat_alloc_context (pm3k__medialib.avformat_alloc_context)
#define avformat_close_input (pm3k__medialib.avformat_close_input)
#define avformat_find_stream_info (pm3k__medialib.avformat_find_stream_info)
#define avformat_index_get_entries_count (pm3k__medialib.avformat_index_get_entries_count)
#define avformat_index_get_entry (pm3k__medialib.avformat_index_get_entry)
#define avformat_open_input (pm3k__medialib.avformat_open_input)
#define avformat_version (pm3k__medialib.avformat_version)
#define avio_alloc_context (pm3k__medialib.avio_alloc_context)
#define avio_context_free (pm3k__medialib.avio_context_free)
#define g_log (pm3k__medialib.g_log)
#define g_log_set_handler (pm3k__medialib.g_log_set_handler)
#define g_object_unref (pm3k__medialib.g_object_unref)
#define vips_block_untrusted_set (pm3k__medialib.vips_block_untrusted_set)
#define vips_cache_set_max (pm3k__medialib.vips_cache_set_max)
#define vips_concurrency_set (pm3k__medialib.vips_concurrency_set)
#define vips_error (pm3k__medialib.vips_error)
#define vips_error_buffer (pm3k__medialib.vips_error_buffer)
#define vips_error_clear (pm3k__medialib.vips_error_clear)
#define vips_image_get_bands (pm3k__medialib.vips_image_get_bands)
#define vips_image_get_height (pm3k__medialib.vips_image_get_height)
#define vips_image_get_int (pm3k__medialib.vips_image_get_int)
#define vips_image_get_string (pm3k__medialib.vips_image_get_string)
#define vips_image_get_typeof (pm3k__medialib.vips_image_get_typeof)
#define vips_image_get_width (pm3k__medialib.vips_image_get_width)
#define vips_image_hasalpha (pm3k__medialib.vips_image_hasalpha)
#define vips_init (pm3k__medialib.vips_init)
#define vips_jpegload_source (pm3k__medialib.vips_jpegload_source)
#define vips_pngload_source (pm3k__medialib.vips_pngload_source)
#define vips_shutdown (pm3k__medialib.vips_shutdown)
#define vips_source_new_from_memory (pm3k__medialib.vips_source_new_from_memory)
#define vips_version (pm3k__medialib.vips_version)
#define vips_version_string (pm3k__medialib.vips_version_string)
#define vips_webpload_source (pm3k__medialib.vips_webpload_source)

#endif
