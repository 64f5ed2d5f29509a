/* pm3k — build a direct_post body from options (cJSON only), with exactly
 * the documented fields, and refuse one the lint would fail. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "payload/payload_int.h"
#include "pm3k/utf.h"

void pm3k_payload_options_init(pm3k_payload_options *opt)
{
    memset(opt, 0, sizeof *opt);
}

pm3k_code pm3k_payload_ad_parse(const char *text, pm3k_payload_ad *out)
{
    if (text && strcasecmp(text, "own") == 0) {
        *out = PM3K_AD_OWN;
        return PM3K_OK;
    }
    if (text && strcasecmp(text, "branded") == 0) {
        *out = PM3K_AD_BRANDED;
        return PM3K_OK;
    }
    return PM3K_ERR_INVALID_ARG;
}

/* Text that goes into the body must be UTF-8 without NUL. */
static pm3k_code check_text(const char *what, const char *s, size_t len, pm3k_error *err)
{
    const char *nul = memchr(s, '\0', len);
    if (nul)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "%s holds a NUL character (byte %zu)",
                              what, (size_t)(nul - s) + 1);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t used = pm3k_utf8_decode(s + i, len - i, &cp);
        if (!pm3k_utf8_valid(s + i, used))
            return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                                  "%s is not valid UTF-8 (byte %zu is 0x%02X); save it as UTF-8",
                                  what, i + 1, (unsigned char)s[i]);
        i += used;
    }
    return PM3K_OK;
}

static pm3k_code check_options(const pm3k_payload_options *opt, const char **level, pm3k_error *err)
{
    pm3k_code rc;
    if (!opt->privacy)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "privacy is required: public, friends, followers or private");
    if (pm3k_privacy_parse(opt->privacy, level) != PM3K_OK)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "unknown privacy '%s': use public, friends, followers, private or "
                              "a TikTok level (PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, "
                              "FOLLOWER_OF_CREATOR, SELF_ONLY)",
                              opt->privacy);
    if (opt->photo && opt->video_url)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "a post is a video or a photo post, not both");
    if (!opt->photo && !opt->video_url)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "no media: give a video URL, or photo mode with image URLs");
    if (opt->photo && opt->photo_count == 0)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "photo mode needs image URLs");
    if (!opt->photo && opt->auto_add_music)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "auto_add_music applies to photo posts only");
    if (opt->brand && opt->ad == PM3K_AD_NONE)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "a brand name goes with an ad disclosure (own or branded)");
    if (opt->video_url &&
        (rc = check_text("the video URL", opt->video_url, strlen(opt->video_url), err)) != PM3K_OK)
        return rc;
    for (size_t i = 0; opt->photo && i < opt->photo_count; i++)
        if ((rc = check_text("an image URL", opt->photo_urls[i], strlen(opt->photo_urls[i]),
                             err)) != PM3K_OK)
            return rc;
    if (opt->title && (rc = check_text("the title", opt->title, opt->title_len, err)) != PM3K_OK)
        return rc;
    if (opt->brand &&
        (rc = check_text("the brand", opt->brand, strlen(opt->brand), err)) != PM3K_OK)
        return rc;
    return PM3K_OK;
}

static bool add_bool(cJSON *obj, const char *key, bool value)
{
    return cJSON_AddBoolToObject(obj, key, value) != NULL;
}

static bool add_string(cJSON *obj, const char *key, const char *value)
{
    return cJSON_AddStringToObject(obj, key, value) != NULL;
}

static cJSON *build_object(const pm3k_payload_options *opt, const char *level)
{
    cJSON *obj = cJSON_CreateObject();
    char *title = NULL;
    bool ok = obj != NULL;
    if (ok && opt->photo) {
        ok = add_string(obj, "media_type", "PHOTO");
        cJSON *images = ok ? cJSON_AddArrayToObject(obj, "photo_images") : NULL;
        ok = images != NULL;
        for (size_t i = 0; ok && i < opt->photo_count; i++) {
            cJSON *url = cJSON_CreateString(opt->photo_urls[i]);
            ok = url && cJSON_AddItemToArray(images, url);
            if (!ok)
                cJSON_Delete(url);
        }
        ok = ok && cJSON_AddNumberToObject(obj, "photo_cover_index", opt->cover_index) &&
             add_bool(obj, "auto_add_music", opt->auto_add_music);
    } else if (ok) {
        ok = add_string(obj, "source_url", opt->video_url);
    }
    if (ok && opt->title) {
        title = malloc(opt->title_len + 1);
        ok = title != NULL;
        if (ok) {
            memcpy(title, opt->title, opt->title_len);
            title[opt->title_len] = '\0';
            ok = add_string(obj, "title", title);
        }
    }
    ok = ok && add_string(obj, "privacy", level) &&
         add_bool(obj, "disable_comment", opt->disable_comment) &&
         add_bool(obj, "disable_duet", opt->disable_duet) &&
         add_bool(obj, "disable_stitch", opt->disable_stitch);
    if (ok && opt->ad != PM3K_AD_NONE) {
        ok = add_bool(obj, "is_ad", true) &&
             add_bool(obj, "brand_organic_toggle", opt->ad == PM3K_AD_OWN) &&
             add_bool(obj, "brand_content_toggle", opt->ad == PM3K_AD_BRANDED) &&
             (!opt->brand || add_string(obj, "brand", opt->brand));
    }
    free(title);
    if (!ok) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

pm3k_code pm3k_payload_build(const pm3k_payload_options *opt, const pm3k_payload_lint_options *lint,
                             char **out_json, pm3k_item **out_item, pm3k_error *err)
{
    const char *level = NULL;
    cJSON *obj = NULL;
    char *json = NULL;
    pm3k_item *item = NULL;
    pm3k_code rc;
    *out_json = NULL;
    if (out_item)
        *out_item = NULL;
    if ((rc = check_options(opt, &level, err)) != PM3K_OK)
        goto out;
    obj = build_object(opt, level);
    json = obj ? pm3k__json_print(obj, true) : NULL;
    if (!json) {
        rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory while building the body");
        goto out;
    }
    if ((rc = pm3k_payload_lint(json, strlen(json), lint, &item, err)) != PM3K_OK)
        goto out;
    if (pm3k_item_status(item) != PM3K_STATUS_FAIL) {
        *out_json = json;
        json = NULL;
    }
    if (out_item) {
        *out_item = item;
        item = NULL;
    }
out:
    pm3k_item_free(item);
    free(json);
    cJSON_Delete(obj);
    return rc;
}
