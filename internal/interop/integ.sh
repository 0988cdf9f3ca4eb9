#!/usr/bin/env bash
# Run HSDS's own integration suite (hsds-0.9.4/tests/integ, 15 files) against hsfan serve or the
# real HSDS, and print a table file -> tests, passed, failed (failures + errors), result.
#
#   integ.sh hsfan [FILE...]   bin/hsfan serve over a fresh store (HSFAN_BIN to use another binary)
#   integ.sh hsds  [FILE...]   the real HSDS 0.9.4 (hsds-peer.sh) over a fresh store
#
# FILE names a test file without .py (default: all 15, in HSDS's testall.py order). The store is
# seeded with HSDS's seed folders (/home, /home/test_user1, owned by test_user1) and the users
# admin:admin (the admin), test_user1:test, test_user2:test, as the suite expects (peers README).
# Environment: HSFAN_PEERS (default ../shared/peers next to the repository), INTEG_TIMEOUT per
# file in seconds (600), INTEG_KEEP=1 keeps the store and logs. Exit status 1 when a file fails.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
target=${1:?usage: integ.sh hsfan|hsds [FILE...]}
shift
peers=${HSFAN_PEERS:-$repo/../shared/peers}
integ=$peers/hsds-0.9.4/tests/integ
if [ ! -f "$integ/helper.py" ]; then
  echo "integ.sh: $integ not found (set HSFAN_PEERS to the peers folder)" >&2
  exit 2
fi
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(uptest setup_test domain_test group_test link_test attr_test datatype_test dataset_test
    acl_test value_test pointsel_test query_test vlen_test broadcast_test filter_test)
fi
timeout_s=${INTEG_TIMEOUT:-600}

root=$(mktemp -d /tmp/hsfan-integ-XXXXXX)
logs=$root/logs
mkdir -p "$logs" "$root/hsdstest/home/test_user1"
now=$(date +%s.%N)
acl='{"create": true, "read": true, "update": true, "delete": true, "readACL": true, "updateACL": true}'
ro='{"create": false, "read": true, "update": false, "delete": false, "readACL": false, "updateACL": false}'
for d in home home/test_user1; do
  echo "{\"owner\": \"test_user1\", \"acls\": {\"test_user1\": $acl, \"default\": $ro}, \"created\": $now, \"lastModified\": $now}" \
    > "$root/hsdstest/$d/.domain.json"
done

# port_free P: nothing listens on 127.0.0.1:P.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

server_pid=
cleanup() {
  case $target in
  hsds) "$peers/hsds-peer.sh" stop "$root" >/dev/null 2>&1 ;;
  hsfan) [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null ;;
  esac
  if [ "${INTEG_KEEP:-}" = 1 ]; then echo "store and logs kept in $root"; else rm -rf "$root"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

case $target in
hsds)
  port=
  for p in $(seq 5366 5399); do
    if port_free "$p" && port_free $((p + 1000)) && port_free $((p + 1001)) && port_free $((p + 1002)) && port_free $((p + 1003)); then port=$p; break; fi
  done
  [ -n "$port" ] || { echo "integ.sh: no free port in 5366-5399" >&2; exit 2; }
  "$peers/hsds-peer.sh" start "$root" "$port" >"$logs/server.log" 2>&1 || { cat "$logs/server.log" >&2; exit 2; }
  ;;
hsfan)
  bin=${HSFAN_BIN:-$repo/bin/hsfan}
  [ -x "$bin" ] || { echo "integ.sh: $bin not found (make build)" >&2; exit 2; }
  port=
  for p in $(seq 5466 5499); do
    if port_free "$p"; then port=$p; break; fi
  done
  [ -n "$port" ] || { echo "integ.sh: no free port in 5466-5499" >&2; exit 2; }
  printf 'admin:admin\ntest_user1:test\ntest_user2:test\n' >"$root/passwd.txt"
  HSFAN_STORE= HSFAN_BUCKET= "$bin" serve --store "file://$root" --bucket hsdstest --addr "127.0.0.1:$port" \
    --password-file "$root/passwd.txt" --admin admin --quiet >"$logs/server.log" 2>&1 &
  server_pid=$!
  ;;
*) echo "usage: integ.sh hsfan|hsds [FILE...]" >&2; exit 2 ;;
esac

# Both servers: wait until a domain can be created (HSDS's /about says READY before its data
# nodes answer).
ready=
for _ in $(seq 1 120); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -u test_user1:test -X PUT "http://127.0.0.1:$port/?domain=/home/test_user1/integ-warmup.h5")
  if [ "$code" = 201 ] || [ "$code" = 409 ]; then ready=1; break; fi
  sleep 0.5
done
[ -n "$ready" ] || { echo "integ.sh: $target on port $port does not create domains" >&2; tail -20 "$logs/server.log" >&2; exit 2; }
# uptest.py's testGetAbout asserts int(time.time()) > the server's start_time: a server that got
# ready within its first second fails it.
sleep 1

printf '%-16s %6s %7s %7s  %s\n' file tests passed failed result
total=0 passed=0 failed=0 badfiles=0
for f in "${files[@]}"; do
  log=$logs/$f.log
  (cd "$integ" && HSDS_ENDPOINT=http://127.0.0.1:$port USER_NAME=test_user1 USER_PASSWORD=test \
    USER2_NAME=test_user2 USER2_PASSWORD=test ADMIN_USERNAME=admin ADMIN_PASSWORD=admin \
    BUCKET_NAME=hsdstest PYTHONPATH=$integ/../.. PYTHONDONTWRITEBYTECODE=1 \
    timeout "$timeout_s" /usr/bin/python3 "$f.py") >"$log" 2>&1
  rc=$?
  n=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in .*/\1/p' "$log" | tail -1)
  n=${n:-0}
  fl=$(sed -n 's/^FAILED (.*failures=\([0-9]*\).*/\1/p' "$log" | tail -1)
  er=$(sed -n 's/^FAILED (.*errors=\([0-9]*\).*/\1/p' "$log" | tail -1)
  bad=$(( ${fl:-0} + ${er:-0} ))
  result=ok
  if [ "$rc" = 124 ]; then result="timeout after ${timeout_s}s"; fi
  if [ "$rc" != 0 ] && [ "$result" = ok ]; then result=FAILED; [ "$bad" = 0 ] && [ "$n" = 0 ] && result="FAILED (no test ran, rc $rc)"; fi
  [ "$result" = ok ] || badfiles=$((badfiles + 1))
  printf '%-16s %6d %7d %7d  %s\n' "$f" "$n" $((n - bad)) "$bad" "$result"
  total=$((total + n)); passed=$((passed + n - bad)); failed=$((failed + bad))
done
printf '%-16s %6d %7d %7d  %d of %d files pass (%s)\n' TOTAL "$total" "$passed" "$failed" \
  $(( ${#files[@]} - badfiles )) ${#files[@]} "$target"
[ "$badfiles" = 0 ]
