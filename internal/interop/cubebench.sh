#!/usr/bin/env bash
# Side-by-side speed of `hsfan serve` and the real HSDS 0.9.4 on the same POSIX store (issue 10):
# HSDS writes a ROWS x 160 x 160 float32 cube (uncompressed) and an int16 cube (shuffle+gzip),
# in (25, 160, 160) chunks; then each server, freshly started, reads the [:, 80, 81] column of
# each cube cold (its first read) and warm (best of 3 more), checked against numpy, and answers
# 1,000 small JSON requests. Prints one JSON line per server and the ratios.
#
#   cubebench.sh [ROWS]        default 2000 (the issue's cube is 10000 rows; scale it with ROWS)
#
# Each server's CPU seconds per read (its whole process group; HSDS's service, head and 4 data
# nodes) are printed too: on a machine shared with other load they are steadier than wall time.
#
# Environment: HSFAN_PEERS (default ../shared/peers next to the repository), HSFAN_BIN
# (bin/hsfan), BENCH_PORT (5472: HSDS on it with data nodes on +1000..+1003, hsfan on +1),
# HSFAN_SERVE_ARGS (more `hsfan serve` flags, e.g. --chunk-cache-bytes 671088640),
# HSFAN_BASE_BIN (another hsfan binary, e.g. the one before a change: timed too, freshly
# started, in the same run).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rows=${1:-2000}
peers=${HSFAN_PEERS:-$repo/../shared/peers}
bin=${HSFAN_BIN:-$repo/bin/hsfan}
port=${BENCH_PORT:-5472}
fport=$((port + 1))
root=$(mktemp -d /tmp/hsfan-cubebench-XXXXXX)
mkdir -p "$root/hsdstest/home/test_user1"
now=$(date +%s.%N)
acl='{"create": true, "read": true, "update": true, "delete": true, "readACL": true, "updateACL": true}'
ro='{"create": false, "read": true, "update": false, "delete": false, "readACL": false, "updateACL": false}'
for d in home home/test_user1; do
  echo "{\"owner\": \"test_user1\", \"acls\": {\"test_user1\": $acl, \"default\": $ro}, \"created\": $now, \"lastModified\": $now}" > "$root/hsdstest/$d/.domain.json"
done
printf 'admin:admin\ntest_user1:test\ntest_user2:test\n' > "$root/passwd.txt"
fpid=
cleanup() {
  "$peers/hsds-peer.sh" stop "$root" >/dev/null 2>&1 || true
  [ -n "$fpid" ] && kill "$fpid" 2>/dev/null && wait "$fpid" 2>/dev/null
  rm -rf "$root"
}
trap cleanup EXIT
"$peers/hsds-peer.sh" start "$root" "$port" >/dev/null
/usr/bin/python3 "$here/cubebench.py" write "http://127.0.0.1:$port" "$rows"
# Fresh servers: HSDS restarted (empty chunk caches), hsfan started now.
"$peers/hsds-peer.sh" stop "$root" >/dev/null; sleep 2
"$peers/hsds-peer.sh" start "$root" "$port" >/dev/null
# start_hsfan BIN: a fresh `hsfan serve` in its own process group (setsid), ready to answer.
start_hsfan() {
  HSFAN_STORE= HSFAN_BUCKET= setsid "$1" serve --store "file://$root" --bucket hsdstest --addr "127.0.0.1:$fport" \
    --password-file "$root/passwd.txt" --admin admin --quiet ${HSFAN_SERVE_ARGS:-} > "$root/hsfan.log" 2>&1 &
  fpid=$!
  for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$fport/about" && break; sleep 0.2; done
}
stop_hsfan() { kill "$fpid"; wait "$fpid" 2>/dev/null || true; fpid=; }
pgid_of() { ps -o pgid= -p "$1" | tr -d ' '; }
start_hsfan "$bin"
h=$(/usr/bin/python3 "$here/cubebench.py" time hsds "http://127.0.0.1:$port" "$rows" "$(pgid_of "$(cat "$root/.peer/pid")")")
f=$(/usr/bin/python3 "$here/cubebench.py" time hsfan "http://127.0.0.1:$fport" "$rows" "$(pgid_of "$fpid")")
# hsfan restarted: cold again (a second fresh start; nothing of the first is kept).
stop_hsfan
start_hsfan "$bin"
f2=$(/usr/bin/python3 "$here/cubebench.py" time hsfan-restarted "http://127.0.0.1:$fport" "$rows" "$(pgid_of "$fpid")")
results=("$h" "$f" "$f2")
if [ -n "${HSFAN_BASE_BIN:-}" ]; then
  stop_hsfan
  start_hsfan "$HSFAN_BASE_BIN"
  results+=("$(/usr/bin/python3 "$here/cubebench.py" time hsfan-base "http://127.0.0.1:$fport" "$rows" "$(pgid_of "$fpid")")")
fi
printf '%s\n' "${results[@]}"
/usr/bin/python3 - "${results[@]}" <<'PY'
import json, sys
h, *others = (json.loads(a) for a in sys.argv[1:])
for k in sorted(k for k in h if k.endswith("_s")):
    cols = "  ".join(f"{o['server']} {o[k]:8.3f} ({h[k] / o[k] if o[k] else float('inf'):6.2f}x)" for o in others if k in o)
    print(f"{k:20s} hsds {h[k]:8.3f}  {cols}")
PY
