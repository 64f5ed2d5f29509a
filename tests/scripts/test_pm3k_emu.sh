#!/bin/sh
# fixtures: pm3k_emu
# The PM3K emulator answers as PM3K documents: every error code with its
# HTTP status and body, the posting limits and the status state machine and
# limits over emulator time (moved by /__control/clock), the upload endpoint
# storing bytes byte for byte, and each scripted fault. The client tests
# rely on all of it. Keys are unique to this run, so other tests may use the
# emulator at the same time.
# Env (from ctest): BIN. Needs curl and jq.
set -eu
: "${BIN:?}"
fail() {
    echo "FAIL: $*"
    [ -f "$tmp/body" ] && echo "last body: $(head -c 2000 "$tmp/body")"
    exit 1
}
env_file=$BIN/fixtures/pm3k_emu.env
[ -f "$env_file" ] || { echo "SKIP: no pm3k_emu fixture"; exit 77; }
var() { sed -n "s/^$1=//p" "$env_file"; }
[ "$(var PM3K_EMU_AVAILABLE)" = 1 ] || { echo "SKIP: the PM3K emulator was not built"; exit 77; }
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq is missing (apt-get install jq)"; exit 77; }
URL=$(var PM3K_EMU_URL)
CA=$(var PM3K_EMU_CA)
STORE=$(var PM3K_EMU_STORE)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ns="emu-test-$$"
checks=0
ok() { checks=$((checks + 1)); }

# ---- helpers ----

# ctl NAME JSON: a control call that must succeed; its answer in $tmp/ctl
ctl() {
    ctl_http=$(curl -sS --cacert "$CA" --max-time 10 -o "$tmp/ctl" -w '%{http_code}' \
        -X POST --data-binary "$2" "$URL/__control/$1") || fail "control $1: curl failed"
    [ "$ctl_http" = 200 ] || fail "control $1 $2: HTTP $ctl_http $(cat "$tmp/ctl")"
}

# key NAME [JSON fields]: adds the key $ns-NAME, its own account acct-NAME-PID
key() {
    ctl key "{\"key\":\"$ns-$1\",\"open_id\":\"acct-$1-$$\"${2:+,$2}}"
}

freeze() { # NAME [ISO]: that account's clock stands still (at ISO), moved only by advance
    ctl clock "{\"key\":\"$ns-$1\",\"freeze\":true${2:+,\"set\":\"$2\"}}"
}

advance() { # NAME SECONDS: moves that account's clock
    ctl clock "{\"key\":\"$ns-$1\",\"advance\":$2}"
}

fault() { # NAME JSON-fields
    ctl fault "{\"key\":\"$ns-$1\",$2}"
}

# call METHOD PATH NAME|- [curl args...]: answer in $tmp/body, status in
# $http, headers in $tmp/headers, curl's exit code in $rc
call() {
    method=$1
    path=$2
    name=$3
    shift 3
    set -- -sS --cacert "$CA" --max-time 20 -o "$tmp/body" -D "$tmp/headers" \
        -w '%{http_code}' -X "$method" "$@"
    : >"$tmp/body"
    if [ "$name" = - ]; then
        rc=0
        http=$(curl "$@" "$URL$path" 2>"$tmp/curl.err") || rc=$?
    else
        # The key goes through a header file, never argv.
        printf 'Authorization: Bearer %s\n' "$ns-$name" >"$tmp/auth"
        rc=0
        http=$(curl -H "@$tmp/auth" "$@" "$URL$path" 2>"$tmp/curl.err") || rc=$?
    fi
}

# post NAME JSON [curl args]: direct_post with a JSON body
post() {
    name=$1
    body=$2
    shift 2
    call POST /api/tiktok/direct_post "$name" -H 'Content-Type: application/json' \
        --data-binary "$body" "$@"
}

status() { # NAME PUBLISH_ID
    call POST /api/tiktok/status "$1" -H 'Content-Type: application/json' \
        --data-binary "{\"publish_id\":\"$2\"}"
}

field() { jq -r "$1" "$tmp/body" 2>/dev/null; }

# expect HTTP [CODE [MESSAGE]]: the answer's status, JSON type and body
expect() {
    [ "$rc" = 0 ] || fail "expected HTTP $1 ${2:-}, curl failed ($rc): $(cat "$tmp/curl.err")"
    [ "$http" = "$1" ] || fail "expected HTTP $1 ${2:-}, got $http"
    grep -qi '^content-type: application/json; charset=UTF-8' "$tmp/headers" ||
        fail "HTTP $http: Content-Type is not application/json; charset=UTF-8"
    [ $# -ge 2 ] || { ok; return 0; }
    # one jq run: ok, error and message on three lines
    jq -r '.ok, .error, .message' "$tmp/body" >"$tmp/fields" 2>/dev/null ||
        fail "$2: the body is not JSON"
    got_ok=$(sed -n 1p "$tmp/fields")
    got_error=$(sed -n 2p "$tmp/fields")
    got_message=$(sed -n 3p "$tmp/fields")
    [ "$got_ok" = false ] || fail "$2: ok is not false"
    [ "$got_error" = "$2" ] || fail "expected error $2, got $got_error"
    if [ $# -ge 3 ]; then
        [ "$got_message" = "$3" ] || fail "$2: message '$got_message' is not '$3'"
    fi
    ok
}

expect_ok() { # a successful JSON answer
    expect 200
    grep -q '^{"ok":true' "$tmp/body" || fail "expected ok:true"
}

video() { # [URL [TITLE]]: a valid video body
    printf '{"source_url":"%s","privacy":"PUBLIC_TO_EVERYONE","title":"%s"}' \
        "${1:-https://files.pm3k.org/uploads/x/2026-01-01/$(uniq_id).mp4}" "${2:-}"
}
uniq_id() { od -An -N8 -tx1 /dev/urandom | tr -d ' \n'; }

# ---- authentication: each state of a key, each endpoint ----
key auth
post - "$(video)"
expect 401 unauthorized
call POST /api/tiktok/direct_post - -H 'Authorization: Basic dXNlcjpwYXNz' -d '{}'
expect 401 unauthorized
call POST /api/tiktok/status - -H 'Authorization: Bearer' -d '{}'
expect 401 unauthorized
post nobody "$(video)"
expect 401 invalid_api_key
status nobody 123
expect 401 invalid_api_key
for pair in revoked:invalid_api_key expired:api_key_expired no_plan:plan_required \
    not_connected:tiktok_not_connected reauth_required:tiktok_reauth_required \
    refresh_failed:tiktok_refresh_failed; do
    state=${pair%%:*}
    code=${pair#*:}
    key "st-$state" "\"state\":\"$state\""
    post "st-$state" "$(video)"
    expect 401 "$code"
    status "st-$state" 123
    expect 401 "$code"
done
post st-expired "$(video)"
expect 401 api_key_expired "Your plan has expired. Please upgrade to a paid plan."
# A key's state can change: back to ok, it posts.
ctl key "{\"key\":\"$ns-st-expired\",\"state\":\"ok\"}"
post st-expired "$(video)"
expect_ok
echo "ok: authentication"

# ---- the body: JSON only, privacy, fields ----
key body
call POST /api/tiktok/direct_post body -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-binary 'source_url=https://files.pm3k.org/uploads/a/b/c.mp4&privacy=PUBLIC_TO_EVERYONE'
expect 400 invalid_request
call POST /api/tiktok/direct_post body -F 'privacy=PUBLIC_TO_EVERYONE'
expect 400 invalid_request
for bad in '{"privacy":' '[1,2]' '"text"' '{"privacy":"SELF_ONLY"} x' ''; do
    post body "$bad"
    expect 400 bad_request
done
post body '{"source_url":"https://files.pm3k.org/uploads/a/b/c.mp4"}'
expect 400 invalid_request "privacy is required."
post body '{"privacy":"PUBLIC_TO_EVERYONE","title":"no url"}'
expect 400 bad_request
for url in http://files.pm3k.org/a.mp4 ftp://files.pm3k.org/a.mp4 files.pm3k.org/a.mp4 \
    'https:///a.mp4'; do
    post body "{\"source_url\":\"$url\",\"privacy\":\"SELF_ONLY\"}"
    expect 400 bad_request
done
post body '{"source_url":"https://files.pm3k.org/uploads/a/b/c.mp4","privacy":"SELF_ONLY","title":7}'
expect 400 invalid_request
post body '{"media_type":"CAROUSEL","privacy":"SELF_ONLY"}'
expect 400 bad_request
echo "ok: JSON-only bodies and required fields"

# privacy aliases and the SELF_ONLY fallback, as /__control/posts shows them
key privacy
for pair in public:PUBLIC_TO_EVERYONE FRIENDS:MUTUAL_FOLLOW_FRIENDS \
    followers:FOLLOWER_OF_CREATOR private:SELF_ONLY follower_of_creator:FOLLOWER_OF_CREATOR \
    everyone:SELF_ONLY; do
    post privacy "{\"source_url\":\"https://files.pm3k.org/uploads/p/$(uniq_id).mp4\",\"privacy\":\"${pair%%:*}\"}"
    expect_ok
    ctl posts "{\"key\":\"$ns-privacy\"}"
    got=$(jq -r '.posts[-1].privacy' "$tmp/ctl")
    [ "$got" = "${pair#*:}" ] || fail "privacy ${pair%%:*} became $got, not ${pair#*:}"
    advance privacy 3601
done
echo "ok: privacy aliases, unknown privacy falls back to SELF_ONLY"

# ---- host rules ----
key hosts
post hosts "$(video https://media.test/v.mp4)"
expect 403 domain_not_verified
ctl key "{\"key\":\"$ns-hosts\",\"domain\":\"Media.Test\"}"
post hosts "$(video https://other.test/v.mp4)"
expect 403 domain_mismatch
post hosts "$(video https://cdn.media.test/v.mp4)"
expect 403 domain_mismatch
post hosts "$(video https://MEDIA.test:8443/v.mp4?sig=1)"
expect_ok
advance hosts 3601
post hosts "$(video https://files.pm3k.org/uploads/any/thing.mp4)"
expect_ok
echo "ok: host rules (PM3K storage, the verified domain, nothing else)"

# ---- photo posts ----
key photo '"domain":"media.test"'
img() { echo "\"https://files.pm3k.org/uploads/u/albums/a/$1.jpg\""; }
photo() { # IMAGES-JSON COVER
    post photo "{\"media_type\":\"PHOTO\",\"photo_images\":$1,\"photo_cover_index\":$2,\"privacy\":\"SELF_ONLY\"}"
}
post photo '{"media_type":"PHOTO","photo_cover_index":0,"privacy":"SELF_ONLY"}'
expect 400 too_few_images
photo '[]' 0
expect 400 too_few_images
photo "$(img a)" 0
expect 400 bad_request
photo '[5]' 0
expect 400 bad_request
list=""
i=0
while [ $i -lt 36 ]; do
    list="$list${list:+,}$(img "i$i")"
    i=$((i + 1))
done
photo "[$list]" 0
expect 400 too_many_images
post photo "{\"media_type\":\"PHOTO\",\"photo_images\":[$(img a)],\"privacy\":\"SELF_ONLY\"}"
expect 400 bad_request
for cover in 2 -1 1.5; do
    photo "[$(img a),$(img b)]" "$cover"
    expect 400 cover_out_of_range
done
photo '["https://files.pm3k.org/uploads/u/albums/a/b.png"]' 0
expect 400 unsupported_image_type
photo '["https://media.test/anim.gif"]' 0
expect 400 unsupported_image_type
photo '["https://other.test/a.jpg"]' 0
expect 403 domain_mismatch
photo '["https://media.test/a.png","https://files.pm3k.org/uploads/u/albums/a/b.webp"]' 1
expect_ok
advance photo 3601
photo "[${list#*,}]" 34
expect_ok
echo "ok: photo rules (images, cover, types, hosts)"

# ---- branded content ----
key brand
v='"source_url":"https://files.pm3k.org/uploads/b/v.mp4","privacy":"PUBLIC_TO_EVERYONE"'
for extra in '"is_ad":true' '"is_ad":true,"brand_organic_toggle":false,"brand_content_toggle":false' \
    '"is_ad":true,"brand_organic_toggle":"true"' '"brand_content_toggle":"false"' '"is_ad":"true"'; do
    post brand "{$v,$extra}"
    expect 400 invalid_request
done
post brand "{$v,\"is_ad\":true,\"ad_your_brand\":true}"
expect_ok
advance brand 3601
post brand "{\"source_url\":\"https://files.pm3k.org/uploads/b/w.mp4\",\"privacy\":\"public\",\"is_ad\":true,\"ad_branded_content\":true,\"brand\":\"Acme\"}"
expect_ok
ctl posts "{\"key\":\"$ns-brand\"}"
[ "$(jq -r '.posts[-1].brand_content' "$tmp/ctl")" = true ] || fail "legacy ad_branded_content"
echo "ok: branded content toggles"

# ---- caption rules ----
key caption
for title in 'see https://example.com' 'HTTP://x.y' 'visit www.shop' 'WWW.Shop now'; do
    post caption "$(video "" "$title")"
    expect 400 links_forbidden "Links are not allowed in TikTok captions for this service."
done
ctl key "{\"key\":\"$ns-caption\",\"stop_words\":[\"buy followers\",\"casino\"]}"
post caption "$(video "" "Best CASINO in town")"
expect 400 forbidden_word 'Caption contains forbidden content: "casino".'
post caption "$(video "" "Want to buy followers?")"
expect 400 forbidden_word 'Caption contains forbidden content: "buy followers".'
post caption "$(video "" "a clean caption")"
expect_ok
echo "ok: links and stop words in captions"

# ---- posting limits over emulator time ----
key limits
freeze limits
post limits "$(video)"
expect_ok
post limits "$(video)"
expect 429 interval_limit "You must wait about 60 more minutes before next TikTok post."
advance limits 1800
post limits "$(video)"
expect 429 interval_limit "You must wait about 30 more minutes before next TikTok post."
advance limits 1799
post limits "$(video)"
expect 429 interval_limit "You must wait about 1 more minutes before next TikTok post."
i=1
while [ $i -lt 10 ]; do
    advance limits 3601
    post limits "$(video)"
    expect_ok
    i=$((i + 1))
done
advance limits 3601
post limits "$(video)"
expect 429 daily_limit "Daily TikTok posting limit (10/day) reached."
# The day is rolling: the first post leaves the window 24 h after it
# (posts at 0, then 2 h, 3 h, ... 10 h; now is 11 h).
advance limits $((86400 - 39609 - 1))
post limits "$(video)"
expect 429 daily_limit
advance limits 1
post limits "$(video)"
expect_ok
echo "ok: interval_limit (with minutes) and daily_limit over emulator time"

# ---- duplicates ----
key dup
freeze dup
url=https://files.pm3k.org/uploads/d/2026-01-01/same.mp4
post dup "$(video $url "first caption")"
expect_ok
advance dup 7200
post dup "$(video $url "other caption")"
expect 400 video_duplicate "This video URL was already used for this TikTok account recently."
post dup "$(video "" "first caption")"
expect 400 caption_duplicate_account "This caption was already used on this TikTok account recently."
post dup "$(video "" "  first caption ")"
expect 400 caption_duplicate_account
post dup "$(video "" "")"
expect_ok
advance dup 7200
post dup "$(video "" "")"
expect_ok
advance dup 7200
post dup "$(video "" "   ")"
expect_ok
advance dup 86400
post dup "$(video $url "a third caption")"
expect_ok
advance dup $((7 * 86400))
post dup "$(video "" "first caption")"
expect_ok
echo "ok: video_duplicate and caption_duplicate_account windows; empty captions never count"

# the same caption on too many accounts within 24 h
spam="spam caption $$"
for a in s1 s2 s3; do
    key "$a"
    post "$a" "$(video "" "$spam")"
    expect_ok
done
key s4
post s4 "$(video "" "$spam")"
expect 400 caption_global_spam "This caption is being reused across too many accounts in a short time."
# judged on the posting account's clock: a day later they no longer count
advance s4 86401
post s4 "$(video "" "$spam")"
expect_ok
echo "ok: caption_global_spam across accounts"

# ---- uploads: stored byte for byte ----
key up
head -c 2500000 /dev/urandom >"$tmp/clip.mp4"
freeze up 2027-03-04T10:00:00Z
call PUT /api/upload up -T "$tmp/clip.mp4" -H 'Content-Type: video/mp4' -H 'X-Filename: clip.MP4'
expect_ok
upload_url=$(field .url)
case $upload_url in
https://files.pm3k.org/uploads/acct-up-$$/2027-03-04/*.mp4) ;;
*) fail "upload URL $upload_url is not https://files.pm3k.org/uploads/<open_id>/<date>/<id>.mp4" ;;
esac
[ "$(field .size)" = 2500000 ] || fail "upload size $(field .size), not 2500000"
[ "$(field .album_id)" = null ] || fail "a video upload got an album_id"
stored=$STORE/${upload_url#https://files.pm3k.org/uploads/}
[ "$(sha256sum <"$stored")" = "$(sha256sum <"$tmp/clip.mp4")" ] ||
    fail "the stored upload differs from the bytes sent"
ctl uploads "{\"key\":\"$ns-up\"}"
[ "$(jq -r '.uploads[0].path' "$tmp/ctl")" = "$stored" ] || fail "/__control/uploads path"
call POST /__control/last - -d "{\"key\":\"$ns-up\",\"endpoint\":\"upload\"}"
[ "$(field .request.headers.\"x-filename\")" = clip.MP4 ] || fail "X-Filename not logged"
[ "$(field .request.headers.\"content-type\")" = video/mp4 ] || fail "Content-Type not logged"
[ "$(field .request.headers.authorization)" = "Bearer REDACTED" ] || fail "Authorization shown"
[ "$(field .request.body_bytes)" = 2500000 ] || fail "upload body_bytes"
# The same bytes under a second URL are the same video (trusted fingerprint).
call PUT /api/upload up -T "$tmp/clip.mp4" -H 'Content-Type: video/mp4'
expect_ok
second=$(field .url)
[ "$second" != "$upload_url" ] || fail "two uploads got the same URL"
post up "$(video "$upload_url")"
expect_ok
advance up 7200
post up "$(video "$second")"
expect 400 video_duplicate
echo "ok: upload stores the bytes; its URL, size and log; same bytes are a duplicate"

# refusals, answered before the body is sent
truncate -s 150000000 "$tmp/big.mp4"
call PUT /api/upload up -T "$tmp/big.mp4" -H 'Content-Type: video/mp4'
expect 413 too_large
[ "$(curl -sS --cacert "$CA" -H "@$tmp/auth" -o /dev/null -w '%{size_upload}' -T "$tmp/big.mp4" \
    -H 'Content-Type: video/mp4' "$URL/api/upload")" = 0 ] || fail "the refused body was read"
truncate -s 20000001 "$tmp/big.jpg"
call PUT /api/upload up -T "$tmp/big.jpg" -H 'Content-Type: image/jpeg'
expect 413 image_too_large
head -c 1000 /dev/urandom >"$tmp/small.bin"
call PUT /api/upload up -T "$tmp/small.bin" -H 'Content-Type: image/png'
expect 400 unsupported_image_type
call PUT /api/upload up -T "$tmp/small.bin" -H 'Content-Type: text/plain'
expect 400 bad_request
call PUT /api/upload up -T - -H 'Content-Type: video/mp4' <"$tmp/small.bin"
expect 411 content_length_required
call PUT /api/upload - -T "$tmp/small.bin" -H 'Content-Type: video/mp4'
expect 401 unauthorized
call PUT /api/upload up -T "$tmp/small.bin" -H 'Content-Type: image/jpeg' -H 'X-Album-Id: nope'
expect 404 album_not_found
call GET /api/upload up
expect 405 method_not_allowed
# X-Filename alone names the type when Content-Type says nothing.
call PUT /api/upload up -T "$tmp/small.bin" -H 'Content-Type: application/octet-stream' \
    -H 'X-Filename: photo.JPEG'
expect_ok
case $(field .url) in */albums/*.jpg) ;; *) fail "X-Filename photo.JPEG: $(field .url)" ;; esac
# The paid plan takes a video over 100 MB (sparse here; removed at once).
ctl key "{\"key\":\"$ns-up\",\"plan\":\"paid\"}"
truncate -s 100000001 "$tmp/paid.mp4"
call PUT /api/upload up -T "$tmp/paid.mp4" -H 'Content-Type: video/mp4'
expect_ok
rm -f "$STORE/$(field .url | sed 's#^https://files.pm3k.org/uploads/##')" "$tmp/paid.mp4"
echo "ok: upload refusals (size by plan, image size and type, Content-Length, auth, album)"

# ---- photo albums and retain ----
key album
head -c 5000 /dev/urandom >"$tmp/a.jpg"
call PUT /api/upload album -T "$tmp/a.jpg" -H 'Content-Type: image/jpeg'
expect_ok
album=$(field .album_id)
first=$(field .url)
case $first in
https://files.pm3k.org/uploads/acct-album-$$/albums/$album/*.jpg) ;;
*) fail "album image URL $first" ;;
esac
call PUT /api/upload album -T "$tmp/a.jpg" -H 'Content-Type: image/webp' -H "X-Album-Id: $album"
expect_ok
[ "$(field .album_id)" = "$album" ] || fail "the second image left the album"
call POST /api/album/retain album -H 'Content-Type: application/json' -d "{\"album_id\":\"$album\"}"
expect_ok
[ "$(field .album_id)" = "$album" ] && [ "$(field .retained)" = true ] || fail "retain body"
ctl uploads "{\"key\":\"$ns-album\"}"
[ "$(jq -r '.albums[0].images' "$tmp/ctl")" = 2 ] || fail "album image count"
[ "$(jq -r '.albums[0].retained' "$tmp/ctl")" = true ] || fail "album not retained"
call POST /api/album/retain album -H 'Content-Type: application/json' -d '{"album_id":"nope"}'
expect 404 album_not_found
call POST /api/album/retain album -H 'Content-Type: application/json' -d '{}'
expect 400 bad_request
call POST /api/album/retain up -H 'Content-Type: application/json' -d "{\"album_id\":\"$album\"}"
expect 404 album_not_found
photo_body="{\"media_type\":\"PHOTO\",\"photo_images\":[\"$first\"],\"photo_cover_index\":0,\"privacy\":\"SELF_ONLY\"}"
post album "$photo_body"
expect_ok
echo "ok: photo uploads join albums; album retain"

# strict storage: a PM3K storage URL the emulator does not hold cannot be fetched
key strict '"strict_storage":true'
post strict "$(video https://files.pm3k.org/uploads/none/2026-01-01/missing.mp4)"
expect 400 fetch_error
post strict "$(video "$upload_url")"
expect_ok
echo "ok: strict_storage"

# ---- the status state machine ----
key stat
freeze stat
post stat "$(video)"
expect_ok
id=$(field .publish_id)
case $id in 7153??????????????????) ;; *) fail "publish_id $id" ;; esac
status stat "$id"
expect_ok
[ "$(field .status)/$(field .state)/$(field .fail_reason)" = PUBLISHING/pending/null ] ||
    fail "first poll: $(field .status)/$(field .state)"
[ "$(field .raw.error.code)" = ok ] || fail "raw is not TikTok's response"
status stat "$id"
[ "$(field .status)/$(field .state)" = PUBLISH_COMPLETE/done ] || fail "second poll not done"
status stat "$id"
[ "$(field .state)" = done ] || fail "done is not final"
call POST /api/tiktok/status stat -H 'Content-Type: application/json' -d '{}'
expect 400 bad_request
status stat 7153000000000000000000
expect 400 tiktok_error
[ "$(field .raw.error.code)" = invalid_publish_id ] || fail "unknown publish_id raw code"
# failed after two pending polls
ctl status "{\"key\":\"$ns-stat\",\"pending_polls\":2,\"outcome\":\"failed\",\"fail_reason\":\"picture_size_check_failed\"}"
advance stat 3601
post stat "$(video)"
id=$(field .publish_id)
for want in pending pending failed failed; do
    status stat "$id"
    expect_ok
    [ "$(field .state)" = $want ] || fail "failed plan: $(field .state), expected $want"
done
[ "$(field .status)/$(field .fail_reason)" = PUBLISH_FAILED/picture_size_check_failed ] ||
    fail "failed answer: $(field .status)/$(field .fail_reason)"
# done after an amount of emulator time, however often it is polled
ctl status "{\"key\":\"$ns-stat\",\"pending_polls\":0,\"pending_seconds\":300,\"outcome\":\"done\"}"
advance stat 3601
post stat "$(video)"
id=$(field .publish_id)
status stat "$id"
[ "$(field .state)" = pending ] || fail "time plan: not pending at once"
advance stat 299
status stat "$id"
[ "$(field .state)" = pending ] || fail "time plan: done after 299 s"
advance stat 2
status stat "$id"
[ "$(field .state)" = done ] || fail "time plan: not done after 301 s"
# one post's plan changed afterwards
ctl status "{\"key\":\"$ns-stat\",\"publish_id\":\"$id\",\"pending_polls\":1,\"pending_seconds\":0,\"outcome\":\"failed\",\"fail_reason\":\"spam_risk_text\"}"
status stat "$id"
[ "$(field .state)" = pending ] || fail "replanned post: not pending"
status stat "$id"
[ "$(field .state)/$(field .fail_reason)" = failed/spam_risk_text ] || fail "replanned post"
ctl posts "{\"key\":\"$ns-stat\"}"
[ "$(jq -r '.posts[-1].state' "$tmp/ctl")" = failed ] || fail "/__control/posts state"
echo "ok: status states pending -> done / failed with fail_reason, by polls and by time"

# ---- status limits: 20 per minute, 40 per hour, cooldown, hourly cap ----
key rl
post rl "$(video)"
id=$(field .publish_id)
freeze rl 2030-01-01T00:00:00Z
i=0
while [ $i -lt 20 ]; do
    status rl "$id"
    expect_ok
    i=$((i + 1))
done
status rl "$id"
expect 429 rate_limit_status "Too many /status calls for this account, please slow down."
case $(field .retry_after) in
2030-01-01T00:01:00.000Z) ;;
*) fail "rate_limit_status retry_after $(field .retry_after), not a minute after the first call" ;;
esac
advance rl 61
i=0
while [ $i -lt 20 ]; do
    status rl "$id"
    expect_ok
    i=$((i + 1))
done
advance rl 61
status rl "$id"
expect 429 status_cooldown \
    "Status polling is temporarily paused for this account after too many /status checks."
[ "$(field .retry_after_seconds)" = 3600 ] || fail "status_cooldown retry_after_seconds"
[ "$(field .cooldown)" = temporary_backoff ] || fail "status_cooldown cooldown"
[ "$(field .cooldownUntil)" = "$(field .retry_after)" ] || fail "cooldownUntil != retry_after"
case $(field .cooldownUntil) in
2030-01-01T01:02:02.000Z) ;; *) fail "cooldownUntil $(field .cooldownUntil)" ;;
esac
advance rl 600
status rl "$id"
expect 429 status_cooldown
[ "$(field .retry_after_seconds)" = 3000 ] || fail "cooldown after 600 s: $(field .retry_after_seconds)"
# A new successful post clears the cooldown; the capped hour still answers
# hourly_limit_status until its reset.
post rl "$(video)"
expect_ok
status rl "$id"
expect 429 hourly_limit_status
[ "$(field .message)" = null ] || fail "hourly_limit_status has a message; the docs' body has none"
[ "$(field .resetAt)" = "$(field .retry_after)" ] || fail "resetAt != retry_after"
case $(field .resetAt) in
2030-01-01T01:00:00.000Z) ;; *) fail "resetAt $(field .resetAt), not the hour window's end" ;;
esac
ctl clock "{\"key\":\"$ns-rl\",\"set\":\"2030-01-01T01:00:30Z\"}"
status rl "$id"
expect_ok
echo "ok: rate_limit_status, status_cooldown, hourly_limit_status with their times"

# without a post, the cooldown ends by itself an hour after it began
key cool
freeze cool
post cool "$(video)"
id=$(field .publish_id)
ctl status "{\"key\":\"$ns-cool\",\"publish_id\":\"$id\",\"pending_polls\":1000}"
i=0
while [ $i -lt 40 ]; do
    [ $((i % 20)) = 0 ] && advance cool 61
    status cool "$id"
    expect_ok
    i=$((i + 1))
done
status cool "$id"
expect 429 status_cooldown
advance cool 3599
status cool "$id"
expect 429 status_cooldown
[ "$(field .retry_after_seconds)" = 1 ] || fail "cooldown's last second: $(field .retry_after_seconds)"
advance cool 2
status cool "$id"
expect_ok
[ "$(field .state)" = pending ] || fail "after the cooldown"
echo "ok: the status cooldown lasts an hour"

# ---- scripted faults ----
key f
key g
freeze f
for spec in proxy_error:502 tiktok_error:400; do
    fault f "\"endpoint\":\"direct_post\",\"fault\":\"${spec%%:*}\""
    post f "$(video)"
    expect "${spec#*:}" "${spec%%:*}"
done
fault f '"endpoint":"direct_post","fault":"tiktok_error","code":"spam_risk_text"'
post f "$(video)"
expect 400 tiktok_error
[ "$(field .raw.error.code)" = spam_risk_text ] || fail "tiktok_error raw.error.code"
fault f '"endpoint":"direct_post","fault":"passthrough","code":"spam_risk_too_many_posts"'
post f "$(video)"
expect 400 spam_risk_too_many_posts
[ "$(field .raw.error.code)" = spam_risk_too_many_posts ] || fail "passthrough raw"
# tiktok_rate_limit, then tiktok_cooldown for 3 h
fault f '"endpoint":"direct_post","fault":"tiktok_rate_limit"'
post f "$(video)"
expect 429 tiktok_rate_limit \
    "TikTok returned HTTP 429 (rate limit) for this account; posting is temporarily paused."
[ "$(field .retry_after_seconds)" = 10800 ] || fail "tiktok_rate_limit retry_after_seconds"
post f "$(video)"
expect 429 tiktok_cooldown \
    "TikTok recently returned HTTP 429 for this account; posting is temporarily paused."
advance f 10799
post f "$(video)"
expect 429 tiktok_cooldown
advance f 2
post f "$(video)"
expect_ok
# Faults belong to one key and one endpoint, for COUNT calls.
advance f 3601
fault f '"endpoint":"status","fault":"proxy_error","count":2'
post g "$(video)"
expect_ok
id=$(field .publish_id)
status g "$id"
expect_ok
post f "$(video)"
expect_ok
id=$(field .publish_id)
status f "$id"
expect 502 proxy_error
status f "$id"
expect 502 proxy_error
status f "$id"
expect_ok
# unknown state
fault f '"endpoint":"status","fault":"unknown_state"'
status f "$id"
expect_ok
[ "$(field .state)/$(field .status)" = archived/ARCHIVED ] || fail "unknown_state"
fault f '"endpoint":"status","fault":"unknown_state","state":"queued","status":"IN_QUEUE"'
status f "$id"
[ "$(field .state)/$(field .status)" = queued/IN_QUEUE ] || fail "unknown_state with names"
echo "ok: proxy_error, tiktok_error, passthrough, tiktok_rate_limit -> tiktok_cooldown, unknown_state"

# every documented error code as a scripted answer, with its HTTP status
for spec in unauthorized:401 invalid_api_key:401 api_key_expired:401 plan_required:401 \
    tiktok_not_connected:401 tiktok_reauth_required:401 tiktok_refresh_failed:401 \
    bad_request:400 invalid_request:400 domain_not_verified:403 domain_mismatch:403 \
    fetch_error:400 redirect_not_allowed:400 content_length_required:400 too_large:413 \
    too_large_need_proxy:413 too_few_images:400 too_many_images:400 cover_out_of_range:400 \
    unsupported_image_type:400 image_too_large:400 image_too_large_px:400 \
    image_convert_failed:400 links_forbidden:400 forbidden_word:400 video_duplicate:400 \
    caption_duplicate_account:400 caption_global_spam:400 daily_limit:429 interval_limit:429 \
    tiktok_cooldown:429 rate_limit_status:429 status_cooldown:429 hourly_limit_status:429 \
    tiktok_error:400 proxy_error:502; do
    fault g "\"endpoint\":\"any\",\"fault\":\"error\",\"code\":\"${spec%%:*}\""
    status g "$id"
    expect "${spec#*:}" "${spec%%:*}"
done
fault g '"endpoint":"status","fault":"error","code":"status_cooldown","seconds":120'
status g "$id"
[ "$(field .retry_after_seconds)" = 120 ] || fail "scripted status_cooldown seconds"
fault g '"endpoint":"status","fault":"error","code":"interval_limit","seconds":600'
status g "$id"
expect 429 interval_limit "You must wait about 10 more minutes before next TikTok post."
echo "ok: each documented error code with its HTTP status"

# transport faults
fault f '"endpoint":"direct_post","fault":"drop"'
post f "$(video)"
[ "$rc" = 52 ] || fail "drop: curl exit $rc, expected 52 (empty reply)"
ok
fault f '"endpoint":"direct_post","fault":"hang","seconds":3'
post f "$(video)" --max-time 1
[ "$rc" = 28 ] || fail "hang: curl exit $rc, expected 28 (timeout)"
ok
fault f '"endpoint":"status","fault":"malformed"'
status f "$id"
[ "$rc" = 0 ] && [ "$http" = 200 ] || fail "malformed: HTTP $http"
if jq -e . "$tmp/body" >/dev/null 2>&1; then fail "malformed JSON parsed"; fi
ok
fault f '"endpoint":"status","fault":"huge"'
status f "$id"
[ "$http" = 200 ] && [ "$(wc -c <"$tmp/body")" = 33554432 ] || fail "huge: $(wc -c <"$tmp/body") bytes"
[ "$(jq -r .ok "$tmp/body")" = true ] || fail "huge body is not JSON"
ok
fault f '"endpoint":"status","fault":"huge","bytes":1000'
status f "$id"
[ "$(wc -c <"$tmp/body")" = 1000 ] || fail "huge of 1000 bytes"
ok
fault f '"endpoint":"status","fault":"html500"'
status f "$id"
[ "$http" = 500 ] && grep -qi '^content-type: text/html' "$tmp/headers" || fail "html500"
ok
fault f '"endpoint":"upload","fault":"drop","after_bytes":100000'
call PUT /api/upload f -T "$tmp/clip.mp4" -H 'Content-Type: video/mp4'
[ "$rc" != 0 ] || fail "upload drop after 100000 bytes: curl succeeded"
ctl uploads "{\"key\":\"$ns-f\"}"
[ "$(jq '.uploads | length' "$tmp/ctl")" = 0 ] || fail "a dropped upload was stored"
fault f '"endpoint":"upload","fault":"proxy_error"'
call PUT /api/upload f -T "$tmp/clip.mp4" -H 'Content-Type: video/mp4'
expect 502 proxy_error
# a hang ends, then the call is answered as usual
fault f '"endpoint":"upload","fault":"hang","seconds":1'
call PUT /api/upload f -T "$tmp/clip.mp4" -H 'Content-Type: video/mp4'
expect_ok
echo "ok: drop, hang, malformed, huge, html500, upload faults"

# ---- what tests read: calls per key, the last request ----
key log
post log '{"privacy":"SELF_ONLY","source_url":"https://files.pm3k.org/uploads/l/x.mp4"}'
status log 1
ctl calls "{\"key\":\"$ns-log\"}"
[ "$(jq -r '.calls.direct_post,.calls.status,.calls.upload' "$tmp/ctl" | tr '\n' ' ')" = "1 1 0 " ] ||
    fail "calls per key: $(cat "$tmp/ctl")"
ctl last "{\"key\":\"$ns-log\",\"endpoint\":\"direct_post\"}"
[ "$(jq -r '.request.headers."content-type"' "$tmp/ctl")" = application/json ] || fail "last CT"
[ "$(jq -r '.request.authorization.key_known' "$tmp/ctl")" = true ] || fail "last key_known"
[ "$(jq -r '.request.body | fromjson | .privacy' "$tmp/ctl")" = SELF_ONLY ] || fail "last body"
[ "$(jq -r '.request.http' "$tmp/ctl")" = 200 ] || fail "last http"
if grep -q "$ns-log" "$tmp/ctl"; then fail "the API key appears in /__control/last"; fi
ctl calls "{\"key\":\"$ns-nobody\"}"
[ "$(jq -r '.calls.direct_post' "$tmp/ctl")" = 1 ] || fail "calls of an unknown key"
if grep -q "$ns" "$(var PM3K_EMU_LOG)"; then fail "a key appears in the emulator's log"; fi
echo "ok: calls per key and the last request (key redacted)"

# ---- bounds and odd requests ----
key bound
head -c 1100000 /dev/zero | tr '\0' ' ' >"$tmp/large.json"
call POST /api/tiktok/direct_post bound -H 'Content-Type: application/json' \
    --data-binary "@$tmp/large.json"
expect 400 bad_request
call POST /api/nothing bound -d '{}'
expect 404 not_found
call GET /api/tiktok/direct_post bound
expect 405 method_not_allowed
call POST /__control/fault - -d '{"key":"nope","endpoint":"status","fault":"drop"}'
expect 400 control_error
call POST /__control/fault - -d "{\"key\":\"$ns-bound\",\"endpoint\":\"status\",\"fault\":\"hang\",\"seconds\":9999}"
expect 400 control_error
call POST /__control/fault - -d "{\"key\":\"$ns-bound\",\"endpoint\":\"status\",\"fault\":\"error\",\"code\":\"made_up\"}"
expect 400 control_error
echo "ok: body, path, method and control bounds"

# ---- reset forgets a key's account ----
ctl reset "{\"key\":\"$ns-log\"}"
post log "$(video)"
expect 401 invalid_api_key
for k in auth body privacy hosts photo brand caption limits dup s1 s2 s3 s4 up album strict \
    stat rl cool f g bound st-revoked st-expired st-no_plan st-not_connected \
    st-reauth_required st-refresh_failed; do
    ctl reset "{\"key\":\"$ns-$k\"}"
done
echo "ok: reset; $checks checks passed"
