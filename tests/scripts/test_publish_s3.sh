#!/bin/sh
# fixtures: pm3k_emu s3
# pm3k publish with custom-domain hosting on S3: probe -> budget -> upload to
# s3rver -> the public URL checked -> body -> post to the emulator (whose
# account has the S3 host as its verified domain) -> status done. A second
# publish of the same file uploads and posts nothing (only the status is
# followed); one of another file inside the hour uploads nothing (exit 3).
# Env (from ctest): PM3K, BIN, DATA.
set -eu
. "$(dirname "$0")/emu_lib.sh"
: "${DATA:?}"
s3_env=$BIN/fixtures/s3.env
[ -f "$s3_env" ] || { echo "SKIP: no s3 fixture"; exit 77; }
s3var() { sed -n "s/^$1=//p" "$s3_env"; }
[ "$(s3var S3_AVAILABLE)" = 1 ] || { echo "SKIP: the S3 server is not available"; exit 77; }
ENDPOINT=$(s3var S3_ENDPOINT)
BUCKET=$(s3var S3_BUCKET)
export AWS_ACCESS_KEY_ID="$(s3var S3_ACCESS_KEY)" AWS_SECRET_ACCESS_KEY="$(s3var S3_SECRET_KEY)"
export AWS_REGION="$(s3var S3_REGION)" AWS_ENDPOINT_URL="$ENDPOINT"
cat "$EMU_CA" "$(s3var S3_CA)" >"$tmp/ca.pem"
key="key-$ns"
ctl key "{\"key\":\"$key\",\"open_id\":\"open-$ns\",\"domain\":\"127.0.0.1\"}"
export PM3K_API_KEY="$key" PM3K_HISTORY="$tmp/history.db" PM3K_BASE_URL="$EMU_URL"
base="$ENDPOINT/$BUCKET/$ns/"
publish() { # EXPECTED FILE: a publish, its report in $tmp/p.json
    rc=0
    "$PM3K" publish --format json --to "s3://$BUCKET/$ns/" --public-base "$base" --cacert "$tmp/ca.pem" \
        --privacy public --title "publish $ns $2" "$2" >"$tmp/p.json" 2>"$tmp/p.err" || rc=$?
    [ "$rc" = "$1" ] || fail "publish $2: exit $rc, not $1: $(cat "$tmp/p.err") $(cat "$tmp/p.json")"
}
codes() { jq -r --arg p "$1" '[.items[] | select(.path == $p) | .findings[].code] | join(" ")' "$tmp/p.json"; }

publish 0 "$DATA/video/vertical.mp4"
[ "$(codes publish)" = publish_done ] || fail "publish item: $(codes publish)"
[ "$(codes upload)" = uploaded ] || fail "upload item: $(codes upload)"
[ "$(codes post)" = posted ] || fail "post item: $(codes post)"
url=$(jq -r '.items[] | select(.path == "publish") | .facts.url' "$tmp/p.json")
[ "$url" = "${base}vertical.mp4" ] || fail "published URL $url"
jq -e --arg u "$url" '.items[] | select(.path == $u and .kind == "url" and .status == "pass")' \
    "$tmp/p.json" >/dev/null || fail "no passing check of the public URL"
for stage in probe upload payload post status; do
    jq -e ".items[] | select(.path == \"publish\") | .facts.${stage}_ms >= 0" "$tmp/p.json" \
        >/dev/null || fail "no timing of the $stage stage"
done
ctl posts "{\"key\":\"$key\"}"
[ "$(jq -r '.posts[0].source_url // .posts[0].url // empty' "$tmp/ctl")" = "$url" ] ||
    grep -q "$ns/vertical.mp4" "$tmp/ctl" || fail "the emulator got another URL: $(cat "$tmp/ctl")"

# the same file again: resumed, nothing uploaded or posted
publish 0 "$DATA/video/vertical.mp4"
[ "$(codes publish)" = "publish_resumed publish_done" ] || fail "second publish: $(codes publish)"
[ "$(emu_calls "$key" direct_post)" = 1 ] || fail "the post was sent again"

# another file inside the hour: stops before the upload
cp "$DATA/video/vertical.mov" "$tmp/other.mov"
publish 3 "$tmp/other.mov"
[ "$(codes publish)" = publish_wait ] || fail "publish inside the hour: $(codes publish)"
jq -e '.items[] | select(.kind == "upload")' "$tmp/p.json" >/dev/null && fail "it uploaded inside the hour"
[ "$(emu_calls "$key" direct_post)" = 1 ] || fail "a post went out inside the hour"
echo "ok: publish with S3 hosting"
