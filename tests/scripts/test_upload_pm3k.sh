#!/bin/sh
# fixtures: pm3k_emu
# pm3k upload to PM3K storage (the emulator's upload endpoint): the bytes
# stored are the bytes read, a connection cut mid-body is retried, a run
# stopped by SIGTERM or SIGINT during an upload exits 143/130 within a
# second with nothing claimed, and the history stays consistent (only
# complete uploads, each once). Env (from ctest): PM3K, BIN, DATA.
set -eu
. "$(dirname "$0")/emu_lib.sh"
: "${DATA:?}"
key="key-$ns"
ctl key "{\"key\":\"$key\",\"open_id\":\"open-$ns\"}"
export PM3K_API_KEY="$key" PM3K_HISTORY="$tmp/history.db" PM3K_BASE_URL="$EMU_URL"
video=$DATA/video/vertical.mp4
sha() { sha256sum "$1" | cut -d' ' -f1; }
uploads() { # how many uploads the history holds
    "$PM3K" history --format json >"$tmp/h.json" || fail "pm3k history failed"
    jq '[.items[] | select(.facts.what == "upload" or .kind == "upload")] | length' "$tmp/h.json"
}
stored_path() { # URL: where the emulator stored it
    ctl uploads "{\"key\":\"$key\"}"
    jq -r --arg u "$1" '.uploads[] | select(.url == $u) | .path' "$tmp/ctl"
}

# ---- stored byte for byte ----
"$PM3K" upload --format json --to pm3k --cacert "$EMU_CA" "$video" >"$tmp/r.json" ||
    fail "upload: exit $?"
url=$(jq -r '.items[0].facts.url' "$tmp/r.json")
path=$(stored_path "$url")
[ -f "$path" ] || fail "the emulator did not store $url"
[ "$(sha "$path")" = "$(sha "$video")" ] || fail "stored bytes differ"
[ "$(jq -r '.items[0].facts.sha256' "$tmp/r.json")" = "$(sha "$video")" ] || fail "SHA-256 fact"
before=$(uploads)

# ---- a connection cut after 1000 body bytes: retried, stored whole ----
ctl fault "{\"key\":\"$key\",\"endpoint\":\"upload\",\"fault\":\"drop\",\"after_bytes\":1000}"
"$PM3K" upload --force --format json --to pm3k --cacert "$EMU_CA" "$video" >"$tmp/r.json" ||
    fail "upload after a cut: exit $?"
[ "$(jq -r '.items[0].facts.retries' "$tmp/r.json")" = 1 ] || fail "not retried once"
path=$(stored_path "$(jq -r '.items[0].facts.url' "$tmp/r.json")")
[ "$(sha "$path")" = "$(sha "$video")" ] || fail "the retried upload's bytes differ"

# ---- stopped during an upload: 143 / 130, nothing claimed ----
for sig in TERM INT; do
    before=$(uploads)
    ctl fault "{\"key\":\"$key\",\"endpoint\":\"upload\",\"fault\":\"hang\",\"seconds\":30}"
    start=$(date +%s)
    "$PM3K" upload --force --format json --to pm3k --cacert "$EMU_CA" "$video" >"$tmp/s.json" \
        2>"$tmp/s.err" &
    pid=$!
    # the probe takes well under a second; the emulator then holds the
    # request for 30 s (the hang fault), so the signal comes mid-upload
    sleep 1
    kill -"$sig" "$pid"
    rc=0
    wait "$pid" || rc=$?
    want=143
    [ "$sig" = INT ] && want=130
    [ "$rc" = "$want" ] || fail "SIG$sig: exit $rc, not $want: $(cat "$tmp/s.err")"
    [ $(($(date +%s) - start)) -lt 10 ] || fail "SIG$sig: the run did not stop at once"
    jq -e '.summary.interrupted == true' "$tmp/s.json" >/dev/null || fail "SIG$sig: report not marked interrupted"
    jq -e '.items[0].facts.stored == false' "$tmp/s.json" >/dev/null || fail "SIG$sig: claimed stored"
    [ "$(uploads)" = "$before" ] || fail "SIG$sig: the history claims the stopped upload"
done
echo "ok: PM3K storage uploads"
