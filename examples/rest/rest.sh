#!/usr/bin/env bash
# A tour of the HDF REST API served by `hsfan serve`, with curl only: create a folder and a
# domain, a dataset, write a hyperslab, read it back as JSON and as binary, and see the errors a
# client gets for bad input. Usage: examples/rest/rest.sh [hsfan binary]
set -euo pipefail
HSFAN=${1:-bin/hsfan}
DIR=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null; rm -rf "$DIR"' EXIT
mkdir -p "$DIR/store/hsfan"
echo "admin:secret" > "$DIR/passwd"
"$HSFAN" serve --store "file://$DIR/store" --bucket hsfan --addr 127.0.0.1:5109 --password-file "$DIR/passwd" --quiet &
SERVER=$!
B=http://127.0.0.1:5109
for _ in $(seq 50); do curl -sf "$B/about" >/dev/null && break; sleep 0.1; done
auth=(-u admin:secret)
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

echo "== create a folder and a domain"
curl -s "${auth[@]}" -X PUT "$B/?domain=/home" -d '{"folder": true}' -o /dev/null -w "PUT /home -> %{http_code}\n"
curl -s "${auth[@]}" -X PUT "$B/?domain=/home/tour.h5" -o /dev/null -w "PUT /home/tour.h5 -> %{http_code}\n"
ROOT=$(curl -s "${auth[@]}" "$B/?domain=/home/tour.h5" | json "['root']")

echo "== a 4 x 5 int32 dataset linked as /x, then a hyperslab write"
DS=$(curl -s "${auth[@]}" -X POST "$B/datasets?domain=/home/tour.h5" \
  -d "{\"type\": \"H5T_STD_I32LE\", \"shape\": [4, 5], \"link\": {\"id\": \"$ROOT\", \"name\": \"x\"}}" | json "['id']")
curl -s "${auth[@]}" -X PUT "$B/datasets/$DS/value?domain=/home/tour.h5" \
  -d '{"start": [1, 1], "stop": [3, 4], "value": [[1, 2, 3], [4, 5, 6]]}' -o /dev/null -w "PUT value -> %{http_code}\n"

echo "== read it back: JSON, then binary (40 bytes of little-endian int32 for [1:3,0:5])"
curl -s "${auth[@]}" "$B/datasets/$DS/value?domain=/home/tour.h5" | json "['value']"
curl -s "${auth[@]}" -H "Accept: application/octet-stream" "$B/datasets/$DS/value?domain=/home/tour.h5&select=%5B1:3,0:5%5D" | od -An -tx4

echo "== errors name the problem"
curl -s "${auth[@]}" "$B/datasets/$DS/value?domain=/home/tour.h5&select=%5B0:9,0%5D" -w " (%{http_code})\n"
curl -s "$B/?domain=/home/../../etc" -w " (%{http_code})\n"
curl -s -u admin:wrong "$B/?domain=/home/tour.h5" -w " (%{http_code})\n"

echo "== the same data through the CLI"
"$HSFAN" get --store "file://$DIR/store" --bucket hsfan --domain /home/tour.h5 --dataset /x --format csv
