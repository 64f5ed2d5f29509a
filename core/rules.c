/* pm3k — the one rules table and the limits profiles.
 *
 * Adding a rule is one row here (and one in docs/rules.md) plus its check.
 * Templates: "{name}" is filled from the values passed to pm3k_item_add, then
 * from the limits the item was checked against ({min_side}, {max_video_mb},
 * ...: the limit placeholders of core/report.c, listed in docs/rules.md),
 * then {path} and the item's facts. tests/unit/test_rules.c checks that every
 * row is complete and that docs/rules.md lists every code. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <strings.h>

#include "core/rules_int.h"
#include "pm3k/rules.h"

#define E PM3K_SEV_ERROR
#define W PM3K_SEV_WARNING
#define I PM3K_SEV_INFO
#define DEF PM3K_OUTCOME_DEFINITE
#define TRANS PM3K_OUTCOME_TRANSIENT
#define INPUT PM3K_OUTCOME_INPUT

static const pm3k_rule rules[PM3K_RULE__COUNT] = {
    /* ---- inputs ---- */
    {PM3K_RULE_INPUT_MISSING, "input_missing", "any", E, INPUT, NULL, "'{path}' does not exist",
     "check the path; files named on the command line or on stdin must exist"},
    {PM3K_RULE_INPUT_UNREADABLE, "input_unreadable", "any", E, INPUT, NULL,
     "cannot read '{path}': {reason}", "{fix}"},

    /* ---- video ---- */
    {PM3K_RULE_UNREADABLE_MEDIA_VIDEO, "unreadable_media", "video", E, DEF,
     "file_format_check_failed", "cannot be read as a video: {reason}", "{fix}"},
    {PM3K_RULE_UNSUPPORTED_CONTAINER, "unsupported_container", "video", E, DEF,
     "file_format_check_failed", "container is {container}; PM3K takes MP4 or MOV", "{fix}"},
    {PM3K_RULE_NO_VIDEO_STREAM, "no_video_stream", "video", E, DEF, "bad_request",
     "no video stream (audio-only or empty container)",
     "export the video track too; TikTok needs a video"},
    {PM3K_RULE_UNSUPPORTED_CODEC, "unsupported_codec", "video", E, DEF, "file_format_check_failed",
     "video codec is {codec}; TikTok via PM3K needs H.264 or H.265 in MP4/MOV",
     "re-encode: ffmpeg -i {path_q} -c:v libx264 -pix_fmt yuv420p -c:a aac -movflags +faststart "
     "{out_q:mp4}"},
    {PM3K_RULE_NOT_VERTICAL, "not_vertical", "video", E, DEF, "bad_request",
     "displayed {display_width}x{display_height} ({orientation}); TikTok via PM3K needs "
     "9:16 vertical",
     "crop the middle to 9:16: ffmpeg -i {path_q} -vf 'crop={crop_width}:{crop_height},"
     "scale=1080:1920,setsar=1' -c:v libx264 -pix_fmt yuv420p -c:a aac -movflags +faststart "
     "{out_q:mp4} (or pad it: -vf 'scale=1080:-2,pad=1080:1920:(ow-iw)/2:(oh-ih)/2,setsar=1')"},
    {PM3K_RULE_NOT_9_16, "not_9_16", "video", W, DEF, NULL,
     "vertical but displayed {display_width}x{display_height} is not 9:16 "
     "(aspect {display_aspect}, 0.5625 within {aspect_tolerance_percent} % expected)",
     "pad to 9:16 so TikTok does not add bars: ffmpeg -i {path_q} -vf "
     "'scale=1080:1920:force_original_aspect_ratio=decrease,pad=1080:1920:(ow-iw)/2:(oh-ih)/2,"
     "setsar=1' -c:v libx264 -pix_fmt yuv420p -c:a aac -movflags +faststart {out_q:mp4}"},
    {PM3K_RULE_PICTURE_SIZE_OUT_OF_RANGE, "picture_size_out_of_range", "video", E, DEF,
     "picture_size_check_failed",
     "coded picture {coded_width}x{coded_height} has a side outside {min_side}..{max_side} px",
     "scale it (each side between {min_side} and {max_side} px; 1080x1920 is ideal): ffmpeg -i "
     "{path_q} -vf 'scale={scale_width}:{scale_height},setsar=1' -c:v libx264 -pix_fmt yuv420p "
     "-c:a aac -movflags +faststart {out_q:mp4}"},
    {PM3K_RULE_FRAME_RATE_OUT_OF_RANGE, "frame_rate_out_of_range", "video", E, DEF,
     "frame_rate_check_failed", "frame rate {fps} fps is outside {min_fps}..{max_fps} fps",
     "re-encode at 30 fps (or 24, 25, 60): ffmpeg -i {path_q} -r 30 -c:v libx264 -pix_fmt "
     "yuv420p -c:a aac -movflags +faststart {out_q:mp4}"},
    {PM3K_RULE_DURATION_TOO_LONG, "duration_too_long", "video", E, DEF, "duration_check_failed",
     "duration {duration_s} s is over the {max_duration} s limit",
     "keep the first {max_duration} s: ffmpeg -i {path_q} -t {max_duration} -c copy -movflags "
     "+faststart {out_q:mp4}; or pass --max-duration with the creator's "
     "max_video_post_duration_sec"},
    {PM3K_RULE_TOO_LARGE_VIDEO, "too_large", "video", E, DEF, "too_large",
     "file is {size_mb} MB, over the {plan} plan's {max_video_mb} MB limit", "{fix}"},
    {PM3K_RULE_MOOV_AT_END, "moov_at_end", "video", I, DEF, NULL,
     "not fast-start: the moov box comes after the media data",
     "PM3K accepts it as is; for streaming and --deep probes remux with "
     "ffmpeg -i {path_q} -c copy -movflags +faststart {out_q:mp4}"},
    {PM3K_RULE_EXTENSION_MISMATCH_VIDEO, "extension_mismatch", "video", W, DEF, NULL,
     "content is {content_type} but the name ends in .{extension}",
     "rename the file to match its content"},

    /* ---- images ---- */
    {PM3K_RULE_UNREADABLE_MEDIA_IMAGE, "unreadable_media", "image", E, DEF, "image_convert_failed",
     "cannot be read as an image: {reason}",
     "re-export or re-copy the image: a cut-off file fails PM3K's conversion"},
    {PM3K_RULE_UNSUPPORTED_IMAGE_TYPE, "unsupported_image_type", "image", E, DEF,
     "unsupported_image_type", "{content_type} is not accepted here; use {accepted}", "{fix}"},
    {PM3K_RULE_IMAGE_TOO_LARGE_IMAGE, "image_too_large", "image", E, DEF, "image_too_large",
     "image is {size_mb} MB, over the {max_image_mb} MB limit",
     "re-save it smaller: vips copy {path_q} {out_q:jpg[Q=85,strip]}"},
    {PM3K_RULE_IMAGE_TOO_LARGE_PX, "image_too_large_px", "image", E, DEF, "image_too_large_px",
     "image is {width}x{height}; PM3K refuses images over {max_image_side} px on any side",
     "resize so neither side exceeds {max_image_side} px: vips thumbnail {path_q} {out_q:jpg} "
     "{max_image_side}"},
    {PM3K_RULE_EXTENSION_MISMATCH_IMAGE, "extension_mismatch", "image", W, DEF, NULL,
     "content is {content_type} but the name ends in .{extension}",
     "rename the file to match its content"},
    {PM3K_RULE_ANIMATED_IMAGE, "animated_image", "image", W, DEF, NULL,
     "animated {content_type} of {frames} frames: a photo post shows one still frame",
     "keep the first frame as a still image: vips copy {path_q} {out_q:jpg}; or post the "
     "animation as a video"},

    /* ---- carousels ---- */
    {PM3K_RULE_TOO_FEW_IMAGES_CAROUSEL, "too_few_images", "carousel", E, DEF, "too_few_images",
     "a photo post needs at least {min_images} image, got {images}", "add the images to the post"},
    {PM3K_RULE_TOO_MANY_IMAGES_CAROUSEL, "too_many_images", "carousel", E, DEF, "too_many_images",
     "a photo post takes at most {max_images} images, got {images}",
     "split the album into several posts"},
    {PM3K_RULE_COVER_OUT_OF_RANGE_CAROUSEL, "cover_out_of_range", "carousel", E, DEF,
     "cover_out_of_range", "cover index {cover_index} is outside 0..{last_index}",
     "--cover is 0-based: the first image is 0"},

    /* ---- URLs and domains ---- */
    {PM3K_RULE_INVALID_URL, "invalid_url", "url", E, DEF, "bad_request",
     "not a valid URL: {reason}", "give an absolute https:// URL"},
    {PM3K_RULE_NOT_HTTPS_URL, "not_https", "url", E, DEF, "bad_request",
     "scheme is {scheme}; PM3K fetches https URLs only (the URL was not fetched)",
     "serve the file over HTTPS with a valid certificate"},
    {PM3K_RULE_DOMAIN_NOT_VERIFIED, "domain_not_verified", "url", E, DEF, "domain_not_verified",
     "host {host} is not PM3K storage and no verified domain was given (the URL was not "
     "fetched)",
     "verify the domain in PM3K and check the URL with --domain {host}, or upload to PM3K "
     "storage"},
    {PM3K_RULE_DOMAIN_MISMATCH_URL, "domain_mismatch", "url", E, DEF, "domain_mismatch",
     "host {host} is neither the verified domain {domain} nor PM3K storage (the URL was not "
     "fetched)",
     "host the file on {domain} exactly (no other subdomain), or on PM3K storage; if {host} is "
     "verified too, check the URL with --domain {host}"},
    {PM3K_RULE_REDIRECT_NOT_ALLOWED, "redirect_not_allowed", "url", E, DEF, "redirect_not_allowed",
     "the server answered {status} with Location: {location}; PM3K does not follow redirects",
     "use the final URL directly; check that your CDN does not redirect http->https, add a "
     "trailing slash or send you to a login page"},
    {PM3K_RULE_FETCH_ERROR, "fetch_error", "url", E, DEF, "fetch_error", "fetch failed: {reason}",
     "{fix}"},
    {PM3K_RULE_FETCH_ERROR_TRANSIENT, "fetch_error", "url", E, TRANS, "fetch_error",
     "could not fetch now: {reason}",
     "retry later; if it persists, PM3K will fail with fetch_error too"},
    {PM3K_RULE_CONTENT_LENGTH_REQUIRED, "content_length_required", "url", E, DEF,
     "content_length_required", "no valid Content-Length: {reason}",
     "serve the media as a static file; turn off chunked transfer and on-the-fly compression "
     "for it"},
    {PM3K_RULE_TOO_LARGE_URL, "too_large", "url", E, DEF, "too_large",
     "Content-Length is {size_mb} MB, over the {plan} plan's {max_video_mb} MB video limit",
     "compress or trim the video; the {plan} plan allows {max_video_mb} MB"},
    {PM3K_RULE_IMAGE_TOO_LARGE_URL, "image_too_large", "url", E, DEF, "image_too_large",
     "Content-Length is {size_mb} MB, over the {max_image_mb} MB image limit",
     "re-save the image smaller (JPEG quality 85)"},
    {PM3K_RULE_CONTENT_TYPE_MISMATCH, "content_type_mismatch", "url", W, DEF, NULL,
     "Content-Type {content_type} does not fit a {expected}",
     "serve videos as video/mp4 or video/quicktime and images as image/jpeg, image/webp or "
     "image/png"},
    {PM3K_RULE_DEEP_UNAVAILABLE, "deep_unavailable", "url", W, DEF, NULL,
     "--deep could not check the media itself: {reason}",
     "--deep needs a server that answers Range requests with 206 and the same bytes each "
     "time; PM3K itself does not need ranges, so this says nothing about the post"},
    {PM3K_RULE_VERIFY_FILE_MISSING, "verify_file_missing", "domain", E, DEF, "domain_not_verified",
     "{url}: {reason}", "{fix}"},
    {PM3K_RULE_VERIFY_TOKEN_MISMATCH, "verify_token_mismatch", "domain", E, DEF,
     "domain_not_verified",
     "{url} does not contain the expected token '{token}' (found: '{found}')",
     "put exactly the token from the PM3K dashboard in pm3k-verify.txt"},
    {PM3K_RULE_VERIFY_TOKEN_UNCHECKED, "verify_token_unchecked", "domain", W, DEF, NULL,
     "{url} answers, but its token was not compared (no --token given; it holds '{found}')",
     "give the token from the PM3K dashboard: pm3k domain verify {host} --token TOKEN"},

    /* ---- payload lint ---- */
    {PM3K_RULE_INVALID_JSON, "invalid_json", "payload", E, DEF, "bad_request",
     "invalid JSON at line {line}, column {column}: {reason}",
     "send a JSON object; in n8n use field-by-field body input or JSON.stringify(...)"},
    {PM3K_RULE_NOT_AN_OBJECT, "not_an_object", "payload", E, DEF, "bad_request",
     "the body is {json_type}, not an object", "send one JSON object {...}"},
    {PM3K_RULE_FORM_ENCODED_BODY, "form_encoded_body", "payload", E, DEF, "bad_request",
     "the body is {encoding}, not JSON (PM3K may also answer invalid_request)",
     "send JSON, not form-data/x-www-form-urlencoded: Content-Type: application/json"},
    {PM3K_RULE_NUL_CHARACTER, "nul_character", "payload", W, DEF, NULL,
     "{field} contains \\u0000 (at line {line}, column {column})",
     "remove the NUL character; it can hide the rest of the string"},
    {PM3K_RULE_LONE_SURROGATE, "lone_surrogate", "payload", W, DEF, NULL,
     "{field} contains a lone UTF-16 surrogate {escape} (at line {line}, column {column})",
     "fix the text encoding; emoji must be sent as a complete surrogate pair"},
    {PM3K_RULE_DUPLICATE_KEY, "duplicate_key", "payload", W, DEF, NULL,
     "key \"{key}\" appears {times} times; PM3K uses the last one", "keep one \"{key}\""},
    {PM3K_RULE_UNKNOWN_KEY, "unknown_key", "payload", W, DEF, NULL,
     "unknown key \"{key}\" is ignored by PM3K{suggestion}",
     "remove it, or fix its name (keys are case-sensitive)"},
    {PM3K_RULE_INVALID_FIELD_TYPE, "invalid_field_type", "payload", E, DEF, "bad_request",
     "\"{key}\" is {json_type}; expected {expected}", "send \"{key}\" as {expected}"},
    {PM3K_RULE_MISSING_PRIVACY, "missing_privacy", "payload", E, DEF, "invalid_request",
     "\"privacy\" is {state}", "add \"privacy\": \"PUBLIC_TO_EVERYONE\" (or another level)"},
    {PM3K_RULE_UNKNOWN_PRIVACY, "unknown_privacy", "payload", W, DEF, NULL,
     "privacy \"{value}\" is unknown; PM3K will post as SELF_ONLY{suggestion}",
     "use PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR or SELF_ONLY"},
    {PM3K_RULE_PRIVACY_ALIAS, "privacy_alias", "payload", I, DEF, NULL,
     "privacy \"{value}\" is an alias for {canonical}", "--fix writes {canonical}"},
    {PM3K_RULE_MISSING_SOURCE_URL, "missing_source_url", "payload", E, DEF, "bad_request",
     "\"source_url\" is {state} for a video post",
     "add \"source_url\", or set \"media_type\": \"PHOTO\" with \"photo_images\""},
    {PM3K_RULE_NOT_HTTPS_PAYLOAD, "not_https", "payload", E, DEF, "bad_request",
     "{field} is not an https URL: {value}", "PM3K fetches https URLs only"},
    {PM3K_RULE_DOMAIN_MISMATCH_PAYLOAD, "domain_mismatch", "payload", E, DEF, "domain_mismatch",
     "{field} host {host} is neither the verified domain {domain} nor PM3K storage",
     "host the media on {domain} exactly, or on PM3K storage"},
    {PM3K_RULE_UNKNOWN_MEDIA_TYPE, "unknown_media_type", "payload", W, DEF, NULL,
     "media_type \"{value}\" is unknown; only \"PHOTO\" selects photo mode",
     "use \"media_type\": \"PHOTO\" for photo posts, or leave it out for video"},
    {PM3K_RULE_MIXED_MEDIA_FIELDS, "mixed_media_fields", "payload", W, DEF, NULL,
     "{present} is ignored in {mode} mode", "remove the fields of the other mode"},
    {PM3K_RULE_PHOTO_IMAGES_NOT_ARRAY, "photo_images_not_array", "payload", E, DEF, "bad_request",
     "\"photo_images\" is {json_type}, not an array",
     "send \"photo_images\": [\"https://...\", ...] even for one image"},
    {PM3K_RULE_INVALID_PHOTO_ITEM, "invalid_photo_item", "payload", E, DEF, "bad_request",
     "photo_images[{index}] is {json_type}, not a URL string", "list image URLs as strings"},
    {PM3K_RULE_TOO_FEW_IMAGES_PAYLOAD, "too_few_images", "payload", E, DEF, "too_few_images",
     "\"photo_images\" is {state}", "add {min_images} to {max_images} image URLs"},
    {PM3K_RULE_TOO_MANY_IMAGES_PAYLOAD, "too_many_images", "payload", E, DEF, "too_many_images",
     "\"photo_images\" has {count} images; at most {max_images}",
     "split the album into several posts"},
    {PM3K_RULE_COVER_INDEX_MISSING, "cover_index_missing", "payload", E, DEF, "bad_request",
     "\"photo_cover_index\" is missing (PM3K requires it for photo posts)",
     "add \"photo_cover_index\": 0"},
    {PM3K_RULE_COVER_OUT_OF_RANGE_PAYLOAD, "cover_out_of_range", "payload", E, DEF,
     "cover_out_of_range", "photo_cover_index {value} is not a whole number in 0..{last_index}",
     "photo_cover_index is 0-based: the first image is 0"},
    {PM3K_RULE_PNG_ON_PM3K_STORAGE, "png_on_pm3k_storage", "payload", W, DEF,
     "unsupported_image_type", "photo_images[{index}] is a PNG on PM3K storage: {value}",
     "PM3K-hosted photos must be JPEG or WebP: convert before uploading"},
    {PM3K_RULE_AD_WITHOUT_DISCLOSURE, "ad_without_disclosure", "payload", E, DEF, "invalid_request",
     "\"is_ad\" is true but no disclosure type is selected",
     "set \"brand_organic_toggle\": true (your own brand) or \"brand_content_toggle\": true "
     "(third-party brand)"},
    {PM3K_RULE_TOGGLE_AS_STRING, "toggle_as_string", "payload", E, DEF, "invalid_request",
     "\"{key}\" is the string \"{value}\", not a boolean", "send \"{key}\": {boolean}"},
    {PM3K_RULE_BOOLEAN_AS_STRING, "boolean_as_string", "payload", W, DEF, NULL,
     "\"{key}\" is the string \"{value}\" (any non-empty string counts as true)",
     "send \"{key}\": {boolean}"},
    {PM3K_RULE_LEGACY_AD_KEY, "legacy_ad_key", "payload", W, DEF, NULL,
     "\"{key}\" is a legacy alias of \"{canonical}\"", "--fix renames it to \"{canonical}\""},
    {PM3K_RULE_BRANDED_CONTENT_PRIVATE, "branded_content_private", "payload", E, DEF,
     "tiktok_error", "branded content cannot be posted with privacy SELF_ONLY",
     "choose PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS or FOLLOWER_OF_CREATOR"},
    {PM3K_RULE_LINKS_FORBIDDEN, "links_forbidden", "payload", E, DEF, "links_forbidden",
     "the title contains a link: \"{match}\"", "remove links from the caption"},
    {PM3K_RULE_OBFUSCATED_LINK, "obfuscated_link", "payload", W, DEF, NULL,
     "the title contains a disguised link: \"{match}\" ({how})",
     "remove links from the caption, in any spelling"},
    {PM3K_RULE_TITLE_TOO_LONG, "title_too_long", "payload", E, DEF, "tiktok_error",
     "the title is {length} UTF-16 units; a video title takes at most {max_title}",
     "shorten the caption"},
    {PM3K_RULE_PHOTO_TITLE_TOO_LONG, "photo_title_too_long", "payload", W, DEF, NULL,
     "the title is {length} UTF-16 units; TikTok shows at most {max_photo_title} for a photo "
     "post",
     "keep a photo title within {max_photo_title} units; put the rest in the description"},
    {PM3K_RULE_FORBIDDEN_WORD, "forbidden_word", "payload", E, DEF, "forbidden_word",
     "the title contains the stop word \"{word}\"", "reword the caption"},
    {PM3K_RULE_TEMPLATE_LEFTOVER, "template_leftover", "payload", E, DEF, NULL,
     "{field} holds an unresolved template value: \"{value}\"",
     "check the n8n/Make expression that fills {field}"},

    /* ---- pm3k post: PM3K's direct_post answers and the history's predictions ---- */
    {PM3K_RULE_POSTED, "posted", "post", I, DEF, NULL, "posted: publish_id {publish_id}",
     "pm3k status {publish_id} --wait follows it until TikTok has published it"},
    {PM3K_RULE_UNAUTHORIZED_POST, "unauthorized", "post", E, DEF, "unauthorized",
     "PM3K found no usable API key in the request: {said}",
     "give the key from the PM3K dashboard: PM3K_API_KEY, --key-file FILE or PM3K_API_KEY_FILE"},
    {PM3K_RULE_INVALID_API_KEY_POST, "invalid_api_key", "post", E, DEF, "invalid_api_key",
     "PM3K does not know this API key, or it was revoked: {said}",
     "copy the current key from the PM3K dashboard"},
    {PM3K_RULE_API_KEY_EXPIRED_POST, "api_key_expired", "post", E, DEF, "api_key_expired",
     "the plan of this API key expired: {said}", "renew or upgrade the plan in the PM3K dashboard"},
    {PM3K_RULE_PLAN_REQUIRED_POST, "plan_required", "post", E, DEF, "plan_required",
     "no active PM3K plan is attached to this account: {said}",
     "choose a plan in the PM3K dashboard"},
    {PM3K_RULE_TIKTOK_NOT_CONNECTED_POST, "tiktok_not_connected", "post", E, DEF,
     "tiktok_not_connected", "no TikTok account is connected to this PM3K user: {said}",
     "connect TikTok in the PM3K dashboard"},
    {PM3K_RULE_TIKTOK_REAUTH_REQUIRED_POST, "tiktok_reauth_required", "post", E, DEF,
     "tiktok_reauth_required", "TikTok's refresh token expired: {said}",
     "reconnect TikTok in the PM3K dashboard"},
    {PM3K_RULE_TIKTOK_REFRESH_FAILED_POST, "tiktok_refresh_failed", "post", E, DEF,
     "tiktok_refresh_failed", "PM3K could not refresh the TikTok access token: {said}",
     "reconnect TikTok in the PM3K dashboard"},
    {PM3K_RULE_BAD_REQUEST_POST, "bad_request", "post", E, DEF, "bad_request",
     "PM3K found the body invalid or missing a required field: {said}",
     "pm3k payload --check shows what PM3K reads: a video post needs source_url, a photo post "
     "photo_images"},
    {PM3K_RULE_INVALID_REQUEST, "invalid_request", "post", E, DEF, "invalid_request",
     "PM3K refused a field of the body: {said}",
     "privacy is required, branded-content toggles must be booleans and is_ad needs a disclosure "
     "type: pm3k payload --check shows which"},
    {PM3K_RULE_DOMAIN_NOT_VERIFIED_POST, "domain_not_verified", "post", E, DEF,
     "domain_not_verified", "the media host is not verified for this PM3K account: {said}",
     "verify the domain in PM3K (pm3k domain verify HOST checks it), or upload the media to PM3K "
     "storage"},
    {PM3K_RULE_DOMAIN_MISMATCH_POST, "domain_mismatch", "post", E, DEF, "domain_mismatch",
     "the media host is not this account's verified domain: {said}",
     "host the media on the verified domain exactly, or on PM3K storage"},
    {PM3K_RULE_FETCH_ERROR_POST, "fetch_error", "post", E, DEF, "fetch_error",
     "PM3K could not fetch the media: {said}",
     "pm3k probe URL fetches it the way PM3K does and says why; post again once it passes"},
    {PM3K_RULE_REDIRECT_NOT_ALLOWED_POST, "redirect_not_allowed", "post", E, DEF,
     "redirect_not_allowed", "the media URL answered PM3K with a redirect: {said}",
     "post the final URL (pm3k probe URL shows the Location); PM3K follows no redirect"},
    {PM3K_RULE_CONTENT_LENGTH_REQUIRED_POST, "content_length_required", "post", E, DEF,
     "content_length_required", "the media URL gave PM3K no valid Content-Length: {said}",
     "serve the file as a static file, without chunked transfer (pm3k probe URL checks it)"},
    {PM3K_RULE_TOO_LARGE_POST, "too_large", "post", E, DEF, "too_large",
     "the media is too large for the plan or the fetch path: {said}",
     "compress or trim it; pm3k probe FILE or URL compares it with the plan's limit"},
    {PM3K_RULE_TOO_LARGE_NEED_PROXY, "too_large_need_proxy", "post", E, DEF, "too_large_need_proxy",
     "the media is larger than the plan's direct fetch limit: {said}",
     "use a smaller file, or upload it to PM3K storage"},
    {PM3K_RULE_TOO_FEW_IMAGES_POST, "too_few_images", "post", E, DEF, "too_few_images",
     "the photo post holds no valid image: {said}", "send 1 to 35 image URLs in photo_images"},
    {PM3K_RULE_TOO_MANY_IMAGES_POST, "too_many_images", "post", E, DEF, "too_many_images",
     "the photo post holds too many images: {said}", "send at most 35 images; split the album"},
    {PM3K_RULE_COVER_OUT_OF_RANGE_POST, "cover_out_of_range", "post", E, DEF, "cover_out_of_range",
     "photo_cover_index is outside the images: {said}",
     "photo_cover_index is 0-based: the first image is 0"},
    {PM3K_RULE_UNSUPPORTED_IMAGE_TYPE_POST, "unsupported_image_type", "post", E, DEF,
     "unsupported_image_type", "an image type is not accepted for this photo post: {said}",
     "PM3K-hosted photos must be JPEG or WebP, external ones JPEG, WebP or PNG: pm3k probe --photo "
     "checks the files"},
    {PM3K_RULE_IMAGE_TOO_LARGE_POST, "image_too_large", "post", E, DEF, "image_too_large",
     "an image is over the size limit: {said}",
     "re-save it under 20 MB: vips copy IN 'OUT.jpg[Q=85,strip]'"},
    {PM3K_RULE_IMAGE_TOO_LARGE_PX_POST, "image_too_large_px", "post", E, DEF, "image_too_large_px",
     "an image is over 1080 px on a side: {said}", "resize it: vips thumbnail IN OUT.jpg 1080"},
    {PM3K_RULE_IMAGE_CONVERT_FAILED, "image_convert_failed", "post", E, DEF, "image_convert_failed",
     "PM3K could not convert an external image: {said}",
     "re-export it as JPEG or WebP; pm3k probe checks that it decodes"},
    {PM3K_RULE_LINKS_FORBIDDEN_POST, "links_forbidden", "post", E, DEF, "links_forbidden",
     "the caption holds a link: {said}",
     "remove http://, https:// and www. from the title (pm3k payload --check finds them)"},
    {PM3K_RULE_FORBIDDEN_WORD_POST, "forbidden_word", "post", E, DEF, "forbidden_word",
     "the caption holds a forbidden word: {said}",
     "reword the caption; pm3k payload --check --stop-words FILE finds the words of your list "
     "first"},
    {PM3K_RULE_VIDEO_DUPLICATE, "video_duplicate", "post", E, DEF, "video_duplicate",
     "this video was posted on the account recently: {said}",
     "post another video; if the history is wrong, --ignore-history sends anyway (PM3K may still "
     "refuse it)"},
    {PM3K_RULE_CAPTION_DUPLICATE_ACCOUNT, "caption_duplicate_account", "post", E, DEF,
     "caption_duplicate_account", "this caption was used on the account in the last 7 days: {said}",
     "change the caption (an empty one is never checked); --ignore-history sends anyway"},
    {PM3K_RULE_CAPTION_GLOBAL_SPAM, "caption_global_spam", "post", E, DEF, "caption_global_spam",
     "this caption is being reused across too many accounts: {said}",
     "write a caption of your own"},
    {PM3K_RULE_DAILY_LIMIT, "daily_limit", "post", E, TRANS, "daily_limit",
     "10 posts a day per account: {said}; posting is allowed again {retry_when}",
     "wait until then (pm3k history --next prints the time); a request sooner is refused again"},
    {PM3K_RULE_INTERVAL_LIMIT, "interval_limit", "post", E, TRANS, "interval_limit",
     "one post per rolling hour: {said}; posting is allowed again {retry_when}",
     "wait until then (pm3k history --next prints the time); a request sooner is refused again"},
    {PM3K_RULE_TIKTOK_COOLDOWN, "tiktok_cooldown", "post", E, TRANS, "tiktok_cooldown",
     "posting is paused since TikTok rate-limited this account: {said}; allowed again {retry_when}",
     "wait; never retry during the cooldown"},
    {PM3K_RULE_TIKTOK_RATE_LIMIT, "tiktok_rate_limit", "post", E, TRANS, "tiktok_rate_limit",
     "TikTok answered 429 for this account and PM3K paused posting: {said}; allowed again "
     "{retry_when}",
     "wait until then; pm3k never retries it, and a post sooner meets tiktok_cooldown"},
    {PM3K_RULE_TIKTOK_ERROR_POST, "tiktok_error", "post", E, DEF, "tiktok_error",
     "TikTok refused the post ({tiktok_code}): {said}",
     "TikTok's code says why; pm3k payload --check and pm3k probe catch most causes before "
     "posting"},
    {PM3K_RULE_TIKTOK_PASSTHROUGH_POST, "tiktok_passthrough", "post", E, DEF, NULL,
     "TikTok refused the post with its own code {tiktok_code}: {said}",
     "TikTok's code says why; pm3k payload --check and pm3k probe catch most causes before "
     "posting"},
    {PM3K_RULE_PROXY_ERROR_POST, "proxy_error", "post", E, TRANS, "proxy_error",
     "PM3K could not reach its TikTok backend, so nothing was posted: {said}",
     "post again in a few minutes; pm3k never re-sends a post by itself"},
    {PM3K_RULE_UNKNOWN_ERROR_POST, "unknown_error", "post", E, TRANS, NULL,
     "PM3K refused the post with a code pm3k does not know: {said}",
     "look the code up in PM3K's documentation; nothing was posted"},
    {PM3K_RULE_INVALID_ANSWER_POST, "invalid_answer", "post", E, TRANS, NULL,
     "PM3K refused the request (HTTP {http_status}) with an answer pm3k cannot read: {reason}",
     "check PM3K_BASE_URL ({base_url}): a proxy in between may answer for PM3K"},
    {PM3K_RULE_OUTCOME_UNKNOWN, "outcome_unknown", "post", E, TRANS, NULL,
     "{said}: the post may have been made",
     "check the TikTok account first; if a publish_id is known, pm3k status ID tells; to send it "
     "anyway: pm3k post --resend"},
    {PM3K_RULE_NETWORK_ERROR_POST, "network_error", "post", E, TRANS, NULL,
     "could not reach PM3K at {base_url}: {reason}; nothing was sent",
     "check the network and PM3K_BASE_URL; post again"},

    /* ---- pm3k status: PM3K's status answers and the publish state ---- */
    {PM3K_RULE_PUBLISHED, "published", "status", I, DEF, NULL,
     "TikTok published the post ({tiktok_status}) after {attempts} status call(s) in {waited}",
     "nothing to do: the post is on TikTok"},
    {PM3K_RULE_UNAUTHORIZED_STATUS, "unauthorized", "status", E, DEF, "unauthorized",
     "PM3K found no usable API key in the request: {said}",
     "give the key from the PM3K dashboard: PM3K_API_KEY, --key-file FILE or PM3K_API_KEY_FILE"},
    {PM3K_RULE_INVALID_API_KEY_STATUS, "invalid_api_key", "status", E, DEF, "invalid_api_key",
     "PM3K does not know this API key, or it was revoked: {said}",
     "copy the current key from the PM3K dashboard"},
    {PM3K_RULE_API_KEY_EXPIRED_STATUS, "api_key_expired", "status", E, DEF, "api_key_expired",
     "the plan of this API key expired: {said}", "renew or upgrade the plan in the PM3K dashboard"},
    {PM3K_RULE_PLAN_REQUIRED_STATUS, "plan_required", "status", E, DEF, "plan_required",
     "no active PM3K plan is attached to this account: {said}",
     "choose a plan in the PM3K dashboard"},
    {PM3K_RULE_TIKTOK_NOT_CONNECTED_STATUS, "tiktok_not_connected", "status", E, DEF,
     "tiktok_not_connected", "no TikTok account is connected to this PM3K user: {said}",
     "connect TikTok in the PM3K dashboard"},
    {PM3K_RULE_TIKTOK_REAUTH_REQUIRED_STATUS, "tiktok_reauth_required", "status", E, DEF,
     "tiktok_reauth_required", "TikTok's refresh token expired: {said}",
     "reconnect TikTok in the PM3K dashboard"},
    {PM3K_RULE_TIKTOK_REFRESH_FAILED_STATUS, "tiktok_refresh_failed", "status", E, DEF,
     "tiktok_refresh_failed", "PM3K could not refresh the TikTok access token: {said}",
     "reconnect TikTok in the PM3K dashboard"},
    {PM3K_RULE_BAD_REQUEST_STATUS, "bad_request", "status", E, DEF, "bad_request",
     "PM3K refused the status request: {said}", "give the publish_id that direct_post answered"},
    {PM3K_RULE_TIKTOK_ERROR_STATUS, "tiktok_error", "status", E, DEF, "tiktok_error",
     "TikTok refused the status call ({tiktok_code}): {said}",
     "invalid_publish_id means this account posted no such publish_id"},
    {PM3K_RULE_TIKTOK_PASSTHROUGH_STATUS, "tiktok_passthrough", "status", E, DEF, NULL,
     "TikTok refused the status call with its own code {tiktok_code}: {said}",
     "TikTok's code says why"},
    {PM3K_RULE_RATE_LIMIT_STATUS, "rate_limit_status", "status", E, TRANS, "rate_limit_status",
     "20 status calls a minute per account: {said}; allowed again {retry_when}",
     "wait until then; pm3k status --wait keeps within PM3K's limits across processes"},
    {PM3K_RULE_STATUS_COOLDOWN, "status_cooldown", "status", E, TRANS, "status_cooldown",
     "status polling is paused for an hour after too many calls: {said}; allowed again "
     "{retry_when}",
     "wait; a new successful post ends the pause sooner"},
    {PM3K_RULE_HOURLY_LIMIT_STATUS, "hourly_limit_status", "status", E, TRANS,
     "hourly_limit_status",
     "40 status calls an hour per account: {said}; allowed again {retry_when}", "wait until then"},
    {PM3K_RULE_PROXY_ERROR_STATUS, "proxy_error", "status", E, TRANS, "proxy_error",
     "PM3K could not reach its TikTok backend: {said}",
     "status calls are safe to repeat and pm3k retried; try again in a few minutes"},
    {PM3K_RULE_UNKNOWN_ERROR_STATUS, "unknown_error", "status", E, TRANS, NULL,
     "PM3K answered a code pm3k does not know: {said}",
     "look the code up in PM3K's documentation; try again later"},
    {PM3K_RULE_INVALID_ANSWER_STATUS, "invalid_answer", "status", E, TRANS, NULL,
     "PM3K's answer (HTTP {http_status}) cannot be read: {reason}",
     "try again later; check PM3K_BASE_URL ({base_url})"},
    {PM3K_RULE_SERVER_ERROR, "server_error", "status", E, TRANS, NULL,
     "PM3K answered HTTP {http_status} without a documented error: {reason}",
     "PM3K had a problem; status calls are safe to repeat: try again later"},
    {PM3K_RULE_NETWORK_ERROR_STATUS, "network_error", "status", E, TRANS, NULL,
     "could not reach PM3K at {base_url}: {reason}",
     "check the network and PM3K_BASE_URL; try again"},
    {PM3K_RULE_PUBLISH_PENDING, "publish_pending", "status", E, TRANS, NULL,
     "the publish is not done yet ({tiktok_status}) after {attempts} status call(s) in {waited}; "
     "next check {retry_when}",
     "pm3k status ID --wait polls within PM3K's limits; publishing usually takes tens of seconds "
     "to minutes"},
    {PM3K_RULE_PUBLISH_FAILED, "publish_failed", "status", E, DEF, NULL,
     "TikTok failed to publish: {fail_reason} ({fail_meaning})", "{fail_hint}"},

    /* ---- pm3k fix: one item per input; the input's own findings come back as
     * fixable / fix_refused / not_fixed, their hints the probe's ---- */
    {PM3K_RULE_FIXED, "fixed", "fix", I, DEF, NULL, "{done}; wrote {output}",
     "nothing to do: the output passed probe with the same options"},
    {PM3K_RULE_FIX_PLANNED, "fix_planned", "fix", I, DEF, NULL,
     "--dry-run: would {done} and write {output}", "run it without --dry-run to write the output"},
    {PM3K_RULE_NOTHING_TO_FIX, "nothing_to_fix", "fix", I, DEF, NULL,
     "the file passes as it is; nothing was written", "post it as it is"},
    {PM3K_RULE_FIXABLE, "fixable", "fix", I, DEF, NULL, "{code}: {problem}", "{action}"},
    {PM3K_RULE_FIX_REFUSED, "fix_refused", "fix", E, DEF, NULL,
     "{code}: {problem}; pm3k fix cannot change this (it needs re-encoding, an editorial "
     "choice or another copy of the file), so nothing was written",
     "{fix}"},
    {PM3K_RULE_NOT_FIXED, "not_fixed", "fix", W, DEF, NULL, "{code}: {problem} (left as it is)",
     "{fix}"},
    {PM3K_RULE_STREAM_NOT_MP4, "stream_not_mp4", "fix", E, DEF, NULL,
     "stream {stream} ({media} {codec}) cannot be carried in MP4 without re-encoding, so "
     "nothing was written",
     "re-encode that stream and copy the rest: ffmpeg -i IN -map 0 -c copy -c:a aac "
     "-movflags +faststart OUT.mp4 (audio), or leave it out with -map -0:{stream}"},
    {PM3K_RULE_OUTPUT_TYPE_REFUSED, "output_type_refused", "fix", E, DEF, NULL,
     "the output would be {output_type}, which is not accepted here; use {accepted}",
     "name the output for a type accepted here: .jpg or .webp for a photo (for a folder: "
     "--to-format jpg|webp), .mp4 for a video"},
    {PM3K_RULE_FIRST_FRAME_ONLY, "first_frame_only", "fix", W, DEF, NULL,
     "the input is animated ({frames} frames); the output holds its first frame only",
     "post the animation as a video to keep it moving"},
    {PM3K_RULE_OUTPUT_EXISTS, "output_exists", "fix", E, INPUT, NULL,
     "'{output}' exists; nothing was written", "pass --force to replace it, or choose another -o"},
    {PM3K_RULE_OUTPUT_IS_INPUT, "output_is_input", "fix", E, INPUT, NULL,
     "the output '{output}' is the input itself; nothing was written",
     "choose another -o, or pass --in-place to replace the input"},
    {PM3K_RULE_FIX_FAILED, "fix_failed", "fix", E, DEF, NULL,
     "the fix did not work: {reason}; nothing was written",
     "the input is unchanged; the reason says what libavformat or libvips refused"},
    {PM3K_RULE_FIX_OUTPUT_FAILS, "fix_output_fails", "fix", E, DEF, NULL,
     "the fixed file would still fail probe ({codes}); nothing was written",
     "the output_probe fact holds the output's findings; fix those by hand"},
    /* ---- pm3k upload: PM3K storage and S3-compatible targets ---- */
    {PM3K_RULE_UPLOADED, "uploaded", "upload", I, DEF, NULL, "stored {size} bytes at {url}",
     "pm3k payload --video URL builds the direct_post body; pm3k publish does every stage"},
    {PM3K_RULE_ALREADY_UPLOADED, "already_uploaded", "upload", I, DEF, NULL,
     "the same bytes (SHA-256 {sha256}) were uploaded to {target} before: {url}; not sent "
     "again",
     "give --force to upload them again"},
    {PM3K_RULE_UPLOAD_REFUSED, "upload_refused", "upload", E, DEF, NULL,
     "not uploaded: the probe found what PM3K would refuse ({codes}); not one byte was sent",
     "fix the file (the probe's findings say how; pm3k fix does what it can) or give --force to "
     "upload it anyway"},
    {PM3K_RULE_UPLOAD_REJECTED, "upload_rejected", "upload", E, DEF, NULL,
     "the storage refused the upload: {said}; nothing is recorded as uploaded",
     "PM3K storage: the key, the plan, the type or size of the file; S3: AWS_ACCESS_KEY_ID, "
     "AWS_SECRET_ACCESS_KEY, AWS_REGION, the bucket and its policy"},
    {PM3K_RULE_UPLOAD_FAILED, "upload_failed", "upload", E, TRANS, NULL,
     "the upload did not complete: {reason}; nothing is recorded as uploaded",
     "run it again (transient failures were retried with back-off); the history has no trace "
     "of it"},
    {PM3K_RULE_PUBLIC_URL_FAILED, "public_url_failed", "upload", E, DEF, NULL,
     "PM3K will not be able to fetch the public URL {url}: {why}",
     "--public-base must be the public https URL of s3://BUCKET/PREFIX on the verified domain "
     "(--domain), serving the stored file with 200, no redirect and its Content-Length"},
    {PM3K_RULE_PUBLIC_URL_UNCHECKED, "public_url_unchecked", "upload", E, TRANS, NULL,
     "the public URL {url} could not be checked now: {why}",
     "the file is stored; check the URL later with pm3k probe URL --domain HOST"},
    {PM3K_RULE_ALBUM_RETAINED, "album_retained", "upload", I, DEF, NULL,
     "PM3K retains album {album_id}", "its images stay on PM3K storage for the carousel post"},

    /* ---- pm3k publish: the stages ---- */
    {PM3K_RULE_PUBLISH_WAIT, "publish_wait", "publish", E, TRANS, NULL,
     "the posting history says {code}: the next post is allowed {retry_when}; nothing was "
     "uploaded",
     "run pm3k publish again then; pm3k history --next prints the time"},
    {PM3K_RULE_PUBLISH_STOPPED, "publish_stopped", "publish", E, DEF, NULL,
     "stopped at the {stage} stage: {codes}",
     "the {stage} item says why; a re-run skips the stages already done"},
    {PM3K_RULE_PUBLISH_STOPPED_TRANSIENT, "publish_stopped", "publish", E, TRANS, NULL,
     "stopped at the {stage} stage: {codes}",
     "run it again later: a re-run skips the stages already done and never re-sends a post "
     "whose outcome is unknown"},
    {PM3K_RULE_PUBLISH_DONE, "publish_done", "publish", I, DEF, NULL,
     "published: publish_id {publish_id}", "nothing to do: the post is on TikTok"},
    {PM3K_RULE_PUBLISH_RESUMED, "publish_resumed", "publish", I, DEF, NULL,
     "this file was posted at {posted_at} (publish_id {publish_id}): probe, upload and post are "
     "skipped",
     "the status is followed; pm3k history lists the post"},
    {PM3K_RULE_OUTCOME_UNKNOWN_PUBLISH, "outcome_unknown", "publish", E, TRANS, NULL,
     "an earlier post of this file ({posted_at}) got no answer: it may have been posted, so it "
     "is not sent again",
     "check the TikTok account first; to send it anyway: pm3k payload ... | pm3k post --resend -"},
};

/* ---- fixes: the hint of a rule whose row says "{fix}", by cause ---- */

/* The re-encode every video hint ends in: H.264 and AAC in a fast-start
 * MP4, which PM3K and TikTok take. */
#define REENCODE "-c:v libx264 -pix_fmt yuv420p -c:a aac -movflags +faststart {out_q:mp4}"

static const struct {
    pm3k__fix fix; /* rows are indexed by it */
    const char *hint;
} fixes[PM3K__FIX__COUNT] = {
    {PM3K__FIX_VERIFY_NOT_200, "serve pm3k-verify.txt as a plain file that answers 200"},
    {PM3K__FIX_VERIFY_TRAILING_SLASH,
     "your server or CDN adds a trailing slash: serve /pm3k-verify.txt as a file with 200, "
     "directly (PM3K does not follow redirects)"},
    {PM3K__FIX_VERIFY_TO_HTTP,
     "your server or CDN redirects to http: serve /pm3k-verify.txt over https with 200, "
     "directly (PM3K does not follow redirects)"},
    {PM3K__FIX_VERIFY_REDIRECT,
     "serve /pm3k-verify.txt with 200 on this host itself: your CDN redirects it (http->https, "
     "www, a trailing slash or a login page); PM3K does not follow redirects"},
    {PM3K__FIX_VERIFY_CERTIFICATE,
     "install a certificate that covers {host}, from a public CA, with the full chain "
     "(intermediates included)"},
    {PM3K__FIX_VERIFY_NOT_FOUND,
     "put pm3k-verify.txt from the PM3K dashboard at the root of {host}, so that {url} answers "
     "200"},
    {PM3K__FIX_VERIFY_FORBIDDEN,
     "make pm3k-verify.txt publicly readable (no login, no IP or referrer rule)"},
    {PM3K__FIX_FETCH_DEFINITE,
     "PM3K fetches the URL the same way and would fail too: make it answer a plain GET with "
     "200 from anywhere (public, no login), with a certificate valid for its host"},
    {PM3K__FIX_TLS_NOT_TLS,
     "the server answers without TLS on this port (plain HTTP where an https URL expects "
     "TLS): serve the file over HTTPS there; this fails the same way on every try, for PM3K "
     "too"},
    {PM3K__FIX_TLS_OLD_PROTOCOL,
     "the server speaks only a TLS version or signature that clients refuse (TLS 1.0 or 1.1, "
     "SHA-1): enable TLS 1.2 or 1.3; this fails the same way on every try, for PM3K too"},
    {PM3K__FIX_TLS_NO_CIPHER,
     "the server offers no TLS cipher or key that clients accept: enable modern ciphers "
     "(ECDHE with AES-GCM or ChaCha20) and a key of 2048 bits or more; this fails the same way "
     "on every try, for PM3K too"},
    {PM3K__FIX_TLS_HOST_NAME,
     "the server has no TLS setup for this host name (it refuses the name sent in SNI): "
     "configure the host's certificate on it; this fails the same way on every try, for PM3K "
     "too"},
    {PM3K__FIX_MEDIA_BROKEN,
     "re-export or re-copy the file: a half-copied {container} has no moov box or has samples "
     "past the end of the file"},
    {PM3K__FIX_MEDIA_NOT_MEDIA,
     "the content is not a video or an image at all, whatever its name says: check that this "
     "is the file you meant to post"},
    {PM3K__FIX_MEDIA_EMPTY, "the file is empty: copy it again from where it was made"},
    {PM3K__FIX_MEDIA_CORRUPT,
     "export the video again from its source (the editor or camera that made it): its index "
     "declares what the file cannot hold, so pm3k hands it to no decoder, and nor should you"},
    {PM3K__FIX_MEDIA_ENCRYPTED,
     "post the original, unencrypted video: TikTok cannot decode DRM-protected (CENC) media"},
    {PM3K__FIX_CONTAINER_REMUX,
     "remux to MP4, the {codec} streams copied: ffmpeg -i {path_q} -c copy -movflags +faststart "
     "{out_q:mp4}"},
    {PM3K__FIX_CONTAINER_REENCODE,
     "re-encode to H.264 in MP4 ({codec} cannot be copied into what PM3K takes): ffmpeg -i "
     "{path_q} " REENCODE},
    {PM3K__FIX_CONTAINER_UNKNOWN, "re-encode to H.264 in MP4: ffmpeg -i {path_q} " REENCODE},
    {PM3K__FIX_TOO_LARGE_BITRATE,
     "re-encode at {target_kbps} kb/s to fit {max_video_mb} MB over {duration_s} s: ffmpeg -i "
     "{path_q} -c:v libx264 -b:v {target_kbps}k -maxrate {target_kbps}k -bufsize "
     "{target_kbps}k -pix_fmt yuv420p -c:a aac -b:a 128k -movflags +faststart {out_q:mp4}; the "
     "{plan} plan allows {max_video_mb} MB and PM3K may also answer too_large_need_proxy"},
    {PM3K__FIX_TOO_LARGE_TRIM,
     "compress or trim it: ffmpeg -i {path_q} -c:v libx264 -crf 28 -pix_fmt yuv420p -c:a aac "
     "-movflags +faststart {out_q:mp4}; the {plan} plan allows {max_video_mb} MB"},
    {PM3K__FIX_IMAGE_CONVERT, "convert it: vips copy {path_q} {out_q:jpg[Q=90]}"},
    {PM3K__FIX_IMAGE_IS_VIDEO,
     "this is a video ({content_type}), not a photo: post it as a video, or take a still "
     "from it: ffmpeg -i {path_q} -frames:v 1 -vf 'scale={max_image_side}:{max_image_side}:"
     "force_original_aspect_ratio=decrease' -q:v 2 {out_q:jpg}"},
    {PM3K__FIX_IMAGE_UNKNOWN,
     "the content is no image pm3k knows, whatever its name says: check that this is the file "
     "you meant, and export it as JPEG or WebP"},
    {PM3K__FIX_INPUT_PERMISSIONS,
     "check the file's permissions: ls -l {path_q} (the user running pm3k must be able to read "
     "it)"},
    {PM3K__FIX_INPUT_NAME_TOO_LONG,
     "the path or one of its names is longer than the system allows (255 bytes a name): "
     "rename or move the file"},
    {PM3K__FIX_INPUT_LOOP,
     "a symlink leads back to itself (or the folders nest too deep): fix or remove it"},
    {PM3K__FIX_INPUT_CHANGED, "the file changed while it was checked: check it again once it is "
                              "written"},
    {PM3K__FIX_INPUT_OTHER, "check whether it is a special file (a device, a socket, a FIFO) or "
                            "the disk reports errors"},
};

#undef E
#undef W
#undef I
#undef DEF
#undef TRANS
#undef INPUT

const pm3k_rule *pm3k_rule_get(pm3k_rule_id id)
{
    if ((int)id < 0 || id >= PM3K_RULE__COUNT)
        return NULL;
    return &rules[id];
}

pm3k__fix pm3k__input_fix(int errnum)
{
    switch (errnum) {
    case EACCES:
    case EPERM:
        return PM3K__FIX_INPUT_PERMISSIONS;
    case ENAMETOOLONG:
        return PM3K__FIX_INPUT_NAME_TOO_LONG;
    case ELOOP:
        return PM3K__FIX_INPUT_LOOP;
    default:
        return PM3K__FIX_INPUT_OTHER;
    }
}

const char *pm3k__rule_fix(pm3k__fix fix)
{
    if ((int)fix < 0 || fix >= PM3K__FIX__COUNT)
        return NULL;
    return fixes[fix].hint;
}

size_t pm3k_rule_count(void)
{
    return PM3K_RULE__COUNT;
}

const char *pm3k_severity_name(pm3k_severity sev)
{
    switch (sev) {
    case PM3K_SEV_INFO:
        return "info";
    case PM3K_SEV_WARNING:
        return "warning";
    case PM3K_SEV_ERROR:
        return "error";
    }
    return "error";
}

/* ---- limits profiles ---- */

#define MB 1000000LL

static const struct {
    pm3k_plan plan;
    const char *name;
    int64_t max_video_bytes;
} plan_profiles[] = {
    {PM3K_PLAN_FREE, "free", 100 * MB},
    {PM3K_PLAN_PAID, "paid", 200 * MB},
};

static const struct {
    pm3k_hosting hosting;
    const char *name;
    bool png_allowed; /* PM3K-hosted photo URLs must be JPEG/WebP */
} hosting_profiles[] = {
    {PM3K_HOSTING_EXTERNAL, "external", true},
    {PM3K_HOSTING_PM3K, "pm3k", false},
};

/* Limits that do not depend on the profile (PM3K-API.md, TIKTOK-FACTS.md). */
static const pm3k_limits common_limits = {
    .max_duration_s = 600.0,
    .min_fps = 23.0,
    .max_fps = 60.0,
    .min_side = 360,
    .max_side = 4096,
    .aspect_tolerance = 0.01,
    .max_image_bytes = 20 * MB,
    .max_image_side = 1080,
    .min_images = 1,
    .max_images = 35,
    .max_title_utf16 = 2200,
    .max_photo_title_utf16 = 90,
};

void pm3k_limits_init(pm3k_limits *limits, pm3k_plan plan, pm3k_hosting hosting)
{
    *limits = common_limits;
    limits->plan = plan;
    for (size_t i = 0; i < sizeof plan_profiles / sizeof plan_profiles[0]; i++)
        if (plan_profiles[i].plan == plan)
            limits->max_video_bytes = plan_profiles[i].max_video_bytes;
    pm3k_limits_set_hosting(limits, hosting);
}

void pm3k_limits_set_hosting(pm3k_limits *limits, pm3k_hosting hosting)
{
    limits->hosting = hosting;
    for (size_t i = 0; i < sizeof hosting_profiles / sizeof hosting_profiles[0]; i++)
        if (hosting_profiles[i].hosting == hosting)
            limits->png_allowed = hosting_profiles[i].png_allowed;
}

pm3k_code pm3k_plan_parse(const char *text, pm3k_plan *out)
{
    for (size_t i = 0; text && i < sizeof plan_profiles / sizeof plan_profiles[0]; i++)
        if (strcasecmp(text, plan_profiles[i].name) == 0) {
            *out = plan_profiles[i].plan;
            return PM3K_OK;
        }
    return PM3K_ERR_INVALID_ARG;
}

pm3k_code pm3k_hosting_parse(const char *text, pm3k_hosting *out)
{
    for (size_t i = 0; text && i < sizeof hosting_profiles / sizeof hosting_profiles[0]; i++)
        if (strcasecmp(text, hosting_profiles[i].name) == 0) {
            *out = hosting_profiles[i].hosting;
            return PM3K_OK;
        }
    return PM3K_ERR_INVALID_ARG;
}

const char *pm3k_plan_name(pm3k_plan plan)
{
    for (size_t i = 0; i < sizeof plan_profiles / sizeof plan_profiles[0]; i++)
        if (plan_profiles[i].plan == plan)
            return plan_profiles[i].name;
    return "free";
}

const char *pm3k_hosting_name(pm3k_hosting hosting)
{
    for (size_t i = 0; i < sizeof hosting_profiles / sizeof hosting_profiles[0]; i++)
        if (hosting_profiles[i].hosting == hosting)
            return hosting_profiles[i].name;
    return "external";
}

/* PM3K-API.md: "max 1 post/hour and 10 posts/day", video_duplicate for "the
 * same source URL in a very short recent window" (pm3k takes a day: PM3K
 * does not say how short) or a file fingerprint within 30 days, captions
 * within 7 days, "around 3 hours" of tiktok_cooldown, 20 status calls a
 * minute and 40 an hour with a 1-hour cooldown. A direct_post answers within
 * its timeout, so a row still "sending" after 15 minutes belongs to a run
 * that died waiting: its outcome is unknown (sooner when the run was on
 * this host and its process is gone: core/proc.h). The history keeps whole
 * seconds while PM3K counts milliseconds from when a call arrived: a call
 * sent at 10.9 s is kept as 10, so every window gets one second more. */
static const pm3k_budget budget = {
    .post_interval_s = 3600,
    .posts_per_day = 10,
    .day_s = 86400,
    .url_duplicate_s = 86400,
    .file_duplicate_s = 30 * 86400,
    .caption_duplicate_s = 7 * 86400,
    .tiktok_cooldown_s = 3 * 3600,
    .status_per_minute = 20,
    .status_per_hour = 40,
    .status_cooldown_s = 3600,
    .sending_stale_s = 15 * 60,
    .clock_margin_s = 1,
};

const pm3k_budget *pm3k_budget_get(void)
{
    return &budget;
}

/* ---- the rules version (the result cache's key) ---- */

/* Raise this when a check changes what it finds without its row changing
 * (a new fact measured, a threshold compared differently): a result cached
 * before then is not served again. The rows themselves are hashed below. */
#define RULES_CHECKS_VERSION 1

static uint64_t fnv1a(uint64_t hash, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)(text ? text : "\x01"); *p; p++)
        hash = (hash ^ *p) * 0x100000001b3ULL;
    return (hash ^ 0xff) * 0x100000001b3ULL; /* a separator, so "ab","c" != "a","bc" */
}

void pm3k__rules_version(char out[PM3K__RULES_VERSION_LEN + 1])
{
    char number[32];
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < PM3K_RULE__COUNT; i++) {
        snprintf(number, sizeof number, "%d %d %d", (int)rules[i].id, (int)rules[i].severity,
                 (int)rules[i].outcome);
        hash = fnv1a(hash, number);
        hash = fnv1a(hash, rules[i].code);
        hash = fnv1a(hash, rules[i].kind);
        hash = fnv1a(hash, rules[i].predicts);
        hash = fnv1a(hash, rules[i].message);
        hash = fnv1a(hash, rules[i].hint);
    }
    for (size_t i = 0; i < PM3K__FIX__COUNT; i++)
        hash = fnv1a(hash, fixes[i].hint);
    snprintf(out, PM3K__RULES_VERSION_LEN + 1, "%d-%016llx", RULES_CHECKS_VERSION,
             (unsigned long long)hash);
}
