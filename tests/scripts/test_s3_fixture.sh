#!/bin/sh
# fixtures: s3
# The S3 fixture is a real S3-compatible server over HTTPS that checks SigV4:
# signed PUT, GET and HEAD with curl --aws-sigv4 keep the bytes, a wrong
# secret is refused (403), keys with spaces and UTF-8 work, and so does a
# multipart upload. The s3:// upload tests rely on all of it.
# Env (from ctest): BIN. Needs curl.
set -eu
: "${BIN:?}"
fail() {
    echo "FAIL: $*"
    [ -f "$tmp/body" ] && echo "last body: $(head -c 2000 "$tmp/body")"
    exit 1
}
env_file=$BIN/fixtures/s3.env
[ -f "$env_file" ] || { echo "SKIP: no s3 fixture"; exit 77; }
var() { sed -n "s/^$1=//p" "$env_file"; }
[ "$(var S3_AVAILABLE)" = 1 ] || { echo "SKIP: the S3 server is not available (see fixture/s3-start)"; exit 77; }
ENDPOINT=$(var S3_ENDPOINT)
CA=$(var S3_CA)
BUCKET=$(var S3_BUCKET)
REGION=$(var S3_REGION)
ACCESS=$(var S3_ACCESS_KEY)
SECRET=$(var S3_SECRET_KEY)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="s3-test-$$"

# s3 SECRET METHOD PATH [curl args]: a signed request; body in $tmp/body,
# headers in $tmp/headers, status in $http. libcurl 7.88 sends no
# x-amz-content-sha256 itself, and signs the query string as given, so
# queries here are canonical (sorted, RFC 3986 encoded).
s3() {
    secret=$1
    method=$2
    path=$3
    shift 3
    http=$(curl -sS --cacert "$CA" --max-time 30 --aws-sigv4 "aws:amz:$REGION:s3" \
        --user "$ACCESS:$secret" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
        -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X "$method" "$@" \
        "$ENDPOINT$path") || fail "$method $path: curl failed"
}
header() { sed -n "s/^$1: *//Ip" "$tmp/headers" | tr -d '\r' | head -n 1; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }

# ---- HTTPS with the fixture's CA ----
rc=0
curl -sS -o /dev/null --max-time 10 "$ENDPOINT/$BUCKET" 2>/dev/null || rc=$?
[ "$rc" = 60 ] || fail "without the test CA curl should fail verification (60), got $rc"
echo "ok: HTTPS with the fixture's CA"

# ---- signed PUT, GET, HEAD ----
head -c 2000000 /dev/urandom >"$tmp/clip.mp4"
s3 "$SECRET" PUT "/$BUCKET/$prefix/clip.mp4" -T "$tmp/clip.mp4" -H 'Content-Type: video/mp4'
[ "$http" = 200 ] || fail "signed PUT: HTTP $http"
md5=$(md5sum <"$tmp/clip.mp4" | cut -d' ' -f1)
[ "$(header ETag)" = "\"$md5\"" ] || fail "PUT ETag $(header ETag) is not the MD5 $md5"
s3 "$SECRET" GET "/$BUCKET/$prefix/clip.mp4"
[ "$http" = 200 ] && [ "$(sha "$tmp/body")" = "$(sha "$tmp/clip.mp4")" ] ||
    fail "signed GET: HTTP $http or different bytes"
s3 "$SECRET" HEAD "/$BUCKET/$prefix/clip.mp4" -I
[ "$http" = 200 ] || fail "signed HEAD: HTTP $http"
[ "$(header Content-Length)" = 2000000 ] || fail "HEAD Content-Length $(header Content-Length)"
[ "$(header Content-Type)" = video/mp4 ] || fail "HEAD Content-Type $(header Content-Type)"
echo "ok: signed PUT, GET and HEAD keep the bytes"

# ---- SigV4 is verified ----
s3 wrong-secret PUT "/$BUCKET/$prefix/bad.mp4" -T "$tmp/clip.mp4"
[ "$http" = 403 ] && grep -q SignatureDoesNotMatch "$tmp/body" ||
    fail "PUT with a wrong secret: HTTP $http"
s3 wrong-secret GET "/$BUCKET/$prefix/clip.mp4"
[ "$http" = 403 ] || fail "GET with a wrong secret: HTTP $http"
s3 "$SECRET" HEAD "/$BUCKET/$prefix/bad.mp4" -I
[ "$http" = 404 ] || fail "the refused PUT stored an object (HEAD $http)"
echo "ok: a wrong secret gets 403 SignatureDoesNotMatch"

# ---- keys with spaces and UTF-8 ("dir one/clé é.mp4") ----
encoded="$prefix/dir%20one/cl%C3%A9%20%C3%A9.mp4"
s3 "$SECRET" PUT "/$BUCKET/$encoded" -T "$tmp/clip.mp4"
[ "$http" = 200 ] || fail "PUT of a key with spaces and UTF-8: HTTP $http"
s3 "$SECRET" GET "/$BUCKET/$encoded"
[ "$http" = 200 ] && [ "$(sha "$tmp/body")" = "$(sha "$tmp/clip.mp4")" ] ||
    fail "GET of a key with spaces and UTF-8"
s3 "$SECRET" GET "/$BUCKET?list-type=2&prefix=$prefix%2Fdir%20one%2F"
[ "$http" = 200 ] || fail "list with a prefix: HTTP $http"
grep -q "<Key>$prefix/dir one/clé é.mp4</Key>" "$tmp/body" || fail "the listing lacks the UTF-8 key"
echo "ok: keys with spaces and UTF-8"

# ---- multipart upload ----
head -c 5242880 /dev/urandom >"$tmp/part1"
head -c 1048576 /dev/urandom >"$tmp/part2"
cat "$tmp/part1" "$tmp/part2" >"$tmp/whole"
key="/$BUCKET/$prefix/multi.mp4"
s3 "$SECRET" POST "$key?uploads=" -H 'Content-Type: video/mp4'
[ "$http" = 200 ] || fail "CreateMultipartUpload: HTTP $http"
upload_id=$(sed -n 's/.*<UploadId>\([^<]*\)<\/UploadId>.*/\1/p' "$tmp/body")
case $upload_id in '' | *[!A-Za-z0-9._-]*) fail "UploadId '$upload_id'" ;; esac
parts=""
for n in 1 2; do
    s3 "$SECRET" PUT "$key?partNumber=$n&uploadId=$upload_id" -T "$tmp/part$n"
    [ "$http" = 200 ] || fail "UploadPart $n: HTTP $http"
    parts="$parts<Part><PartNumber>$n</PartNumber><ETag>$(header ETag)</ETag></Part>"
done
printf '<CompleteMultipartUpload>%s</CompleteMultipartUpload>' "$parts" >"$tmp/complete.xml"
s3 "$SECRET" POST "$key?uploadId=$upload_id" --data-binary "@$tmp/complete.xml" \
    -H 'Content-Type: application/xml'
[ "$http" = 200 ] || fail "CompleteMultipartUpload: HTTP $http"
s3 "$SECRET" GET "$key"
[ "$http" = 200 ] && [ "$(sha "$tmp/body")" = "$(sha "$tmp/whole")" ] ||
    fail "the multipart object differs from its parts"
s3 "$SECRET" HEAD "$key" -I
[ "$(header Content-Length)" = 6291456 ] || fail "multipart size $(header Content-Length)"
echo "ok: multipart upload"
