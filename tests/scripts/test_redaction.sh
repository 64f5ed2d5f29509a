#!/bin/sh
# fixtures: nginx
# Secrets never reach a report: URL credentials (user:password, and the
# values of X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token,
# Signature, sig, token, access_token, key, auth, in any case, in the query
# or the fragment) are redacted in every item path, message and fact, for
# every outcome (pass, fail, error, usage) and every format (text, json,
# ndjson, junit), from the command line or from stdin, for probe (and --deep,
# -v), domain verify --sample and payload --check. Each run's whole stdout and stderr is searched for every
# secret value; each item path must read REDACTED instead.
set -eu
. "$(dirname "$0")/hostile_lib.sh"
closed=$(nginx_env NGINX_CLOSED_PORT)
q='X-Amz-Signature=S3CRETsig1&X-Amz-Credential=S3CRETcred&x-amz-security-token=S3CRETsts&Signature=S3CRETsig2&SIG=S3CRETsig3&token=S3CRETtok&access_token=S3CRETat&Key=S3CRETkey&auth=S3CRETauth&n=1#access_token=S3CRETfrag'
secrets="S3CRETpw S3CRETuser S3CRETsig1 S3CRETcred S3CRETsts S3CRETsig2 S3CRETsig3 S3CRETtok S3CRETat S3CRETkey S3CRETauth S3CRETfrag"
user=S3CRETuser:S3CRETpw
pass_url="https://$user@media.test:$NGINX_PORT/file.mp4?$q"
fail_url="https://$user@media.test:$NGINX_PORT/e404?$q"
reject_url="https://$user@other.test:$NGINX_PORT/file.mp4?$q"
error_url="https://$user@media.test:$closed/file.mp4?$q"
usage_path="https:/$user@media.test/missing.mp4?$q"
http="--cacert $NGINX_CACERT --resolve $NGINX_RESOLVE --resolve media.test:$closed:127.0.0.1 --resolve other.test:$NGINX_PORT:127.0.0.1"
runs=0

# check NAME EXIT [pm3k args...]: run, want EXIT, no secret anywhere
check() {
    name=$1
    want=$2
    shift 2
    set +e
    timeout 60 "$PM3K" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    set -e
    [ "$rc" = "$want" ] || fail "$name: exit $rc, expected $want: $(cat "$tmp/out" "$tmp/err")"
    for s in $secrets; do
        if grep -q "$s" "$tmp/out" "$tmp/err"; then
            fail "$name: $s shown: $(grep -h "$s" "$tmp/out" "$tmp/err" | head -c 600)"
        fi
    done
    runs=$((runs + 1))
}

for format in text json ndjson junit; do
    f="--format $format"
    check "pass $format" 0 probe $f --domain media.test $http "$pass_url"
    grep -q "REDACTED@media.test" "$tmp/out" || fail "pass $format: the path is not shown redacted"
    check "pass -v $format" 0 probe $f -v --domain media.test $http "$pass_url"
    check "deep $format" 0 probe $f --deep --domain media.test $http "$pass_url"
    check "fail $format" 1 probe $f --domain media.test $http "$fail_url"
    check "not fetched $format" 1 probe $f --domain media.test $http "$reject_url"
    check "error $format" 3 probe $f --domain media.test $http "$error_url"
    check "usage (a missing input) $format" 2 probe $f --domain media.test $http "$usage_path"
    check "usage (a bad option) $format" 2 probe $f --domain "https://$user@bad host/?$q" $http "$pass_url"
    check "all $format" 2 probe $f --domain media.test $http "$pass_url" "$fail_url" "$error_url" \
        "$usage_path"
    printf '%s\n%s\n' "$pass_url" "$fail_url" >"$tmp/list"
    set +e
    timeout 60 "$PM3K" probe $f --domain media.test $http - <"$tmp/list" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    set -e
    [ "$rc" = 1 ] || fail "stdin $format: exit $rc"
    for s in $secrets; do
        grep -q "$s" "$tmp/out" "$tmp/err" && fail "stdin $format: $s shown"
    done
    check "domain --sample $format" 1 domain verify $f $http --sample "$fail_url" \
        "media.test:$NGINX_PORT"
    check "domain bad host $format" 2 domain verify $f $http "https://$user@media.test/?$q"
    check "domain bad --sample $format" 2 domain verify $f $http --sample "ftp://$user@x/y?$q" \
        "media.test:$NGINX_PORT"
done

# payload --check: URLs in the body are redacted in its messages.
printf '{"source_url":"http://%s@x.test/v.mp4?%s","privacy":"PUBLIC_TO_EVERYONE","title":"see https://%s@y.test/?%s"}' \
    "$user" "$q" "$user" "$q" >"$tmp/body.json"
printf '{"media_type":"PHOTO","photo_images":["https://files.pm3k.org/a.png?%s","ftp://%s@x/b.jpg?%s"],"photo_cover_index":0,"privacy":"SELF_ONLY"}' \
    "$q" "$user" "$q" >"$tmp/photo.json"
for format in text json ndjson junit; do
    check "payload $format" 1 payload --check --format "$format" "$tmp/body.json"
    grep -q "REDACTED" "$tmp/out" || fail "payload $format: nothing shown redacted"
    check "payload photo $format" 1 payload --check --format "$format" "$tmp/photo.json"
done
echo "ok: $runs runs, no secret in any output"
