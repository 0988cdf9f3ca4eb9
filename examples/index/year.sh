#!/bin/bash
# Index a year of MUR-like daily granules and compute the weighted daily mean SST, next to
# PO.DAAC's per-granule xarray method on the same files (2 processes), in one run.
# usage: examples/index/year.sh STORE_DIR   (granules in STORE_DIR/hsfan/granules/*.nc, made
# e.g. by internal/h5index/testdata/mur.py STORE_DIR/hsfan/granules 720 1440 720 1440 $(seq 0 364))
set -euo pipefail
dir=$1
hsfan=${HSFAN:-hsfan}
st=(--store "file://$dir" --bucket hsfan --domain /mur/year.h5)
t0=$(date +%s.%N)
"$hsfan" index "$dir"/hsfan/granules/*.nc --concat time --overwrite "${st[@]}"
t1=$(date +%s.%N)
"$hsfan" run mean --dataset /analysed_sst --reduce lat,lon --weights coslat:60 --units C --concurrency 2 \
  --out "$dir/out" --no-plot "${st[@]}" >"$dir/run.log" 2>&1
t2=$(date +%s.%N)
/usr/bin/python3 "$(dirname "$0")/xarray_per_granule.py" "$dir/hsfan/granules" 2 >"$dir/xarray.json"
echo "index $(echo "$t1 - $t0" | bc) s, run $(echo "$t2 - $t1" | bc) s, xarray per granule $(python3 -c "import json;print(round(json.load(open('$dir/xarray.json'))['seconds'],2))") s"
python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
h = json.load(open(d + "/out/analysed_sst_mean.json"))["columns"]
x = json.load(open(d + "/xarray.json"))
assert h["time"] == x["time"], "dates differ"
diff = max(abs(a - b) for a, b in zip(h["mean"], x["mean"]))
d64 = max(abs(a - b) for a, b in zip(h["mean"], x["mean_f64"]))
print(f"{len(h['mean'])} days, max |hsfan - xarray float64| = {d64:.2e} degC, max |hsfan - xarray float32 (the tutorial's)| = {diff:.2e} degC")
PY
