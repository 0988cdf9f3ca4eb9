#!/usr/bin/env bash
# Side-by-side speed of `hsfan serve` and the real HSDS 0.9.4 on the same POSIX store (issue 10):
# HSDS writes a ROWS x 160 x 160 float32 cube (uncompressed) and an int16 cube (shuffle+gzip),
# in (25, 160, 160) chunks; then each server, freshly started, reads the [:, 80, 81] column of
# each cube cold (its first read) and warm (best of 3 more), checked against numpy, and answers
# 1,000 small JSON requests. Prints one JSON line per server and the ratios.
#
#   cubebench.sh [ROWS]        default 2000 (the issue's cube is 10000 rows; scale it with ROWS)
#
# Environment: HSFAN_PEERS (default ../shared/peers next to the repository), HSFAN_BIN
# (bin/hsfan), BENCH_PORT (5472: HSDS on it with data nodes on +1000..+1003, hsfan on +1),
# HSFAN_SERVE_ARGS (more `hsfan serve` flags, e.g. --chunk-cache-bytes 671088640).
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
HSFAN_STORE= HSFAN_BUCKET= "$bin" serve --store "file://$root" --bucket hsdstest --addr "127.0.0.1:$fport" \
  --password-file "$root/passwd.txt" --admin admin --quiet ${HSFAN_SERVE_ARGS:-} > "$root/hsfan.log" 2>&1 &
fpid=$!
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$fport/about" && break; sleep 0.2; done
h=$(/usr/bin/python3 "$here/cubebench.py" time hsds "http://127.0.0.1:$port" "$rows")
f=$(/usr/bin/python3 "$here/cubebench.py" time hsfan "http://127.0.0.1:$fport" "$rows")
# hsfan restarted: cold again, but the chunks' ETags are now recorded (its first read of an
# HSDS-written chunk computes the MD5 and stores it in an xattr).
kill "$fpid"; wait "$fpid" 2>/dev/null || true
HSFAN_STORE= HSFAN_BUCKET= "$bin" serve --store "file://$root" --bucket hsdstest --addr "127.0.0.1:$fport" \
  --password-file "$root/passwd.txt" --admin admin --quiet ${HSFAN_SERVE_ARGS:-} > "$root/hsfan.log" 2>&1 &
fpid=$!
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$fport/about" && break; sleep 0.2; done
f2=$(/usr/bin/python3 "$here/cubebench.py" time hsfan-restarted "http://127.0.0.1:$fport" "$rows")
echo "$h"; echo "$f"; echo "$f2"
/usr/bin/python3 - "$h" "$f" "$f2" <<'PY'
import json, sys
h, f, f2 = (json.loads(a) for a in sys.argv[1:4])
for k in sorted(k for k in h if k.endswith("_s")):
    print(f"{k:16s} hsds {h[k]:8.3f}  hsfan {f[k]:8.3f} ({h[k] / f[k]:6.2f}x)  hsfan restarted {f2[k]:8.3f} ({h[k] / f2[k]:6.2f}x)")
PY
