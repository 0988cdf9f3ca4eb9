#!/usr/bin/python3
"""The PO.DAAC xarray method on an SST year stored in HSDS's POSIX layout, next to hsfan's answer.

usage: /usr/bin/python3 xarray_hsds_year.py ROOTDIR HSFAN_JSON [PROCESSES]

ROOTDIR is the domain's root-group folder (BUCKET/db/<root id part>: `hsfan gen sst` or HSDS
wrote it). Every chunk of /analysed_sst (one day) is read as HSDS 0.9.4 reads it
(hsds/util/storUtil.py _uncompress: numcodecs blosc decompress), wrapped in an xarray
DataArray with the dataset's CF attributes, CF-decoded by xarray (xr.decode_cf) and reduced as
the PO.DAAC tutorial does: (sst - 273.15).weighted(cos(lat), 0 where |lat| > 60).mean(lat, lon).
"mean_f64" is the same reduction of the values decoded in float64. HSFAN_JSON is the
sst_mean.json of `hsfan run mean ... --reduce lat,lon --weights coslat:60 --units C`; the script
prints the largest differences and the seconds the xarray method took (decode + reduce, in a pool
of PROCESSES, default 2).
"""
import glob
import json
import os
import sys
import time
from multiprocessing import Pool

import numcodecs.blosc as blosc
import numpy as np
import xarray as xr

ROOT = None
ATTRS = None
LAT = None
SHAPE = None
SST_DIR = None


def read_chunk(path, dtype, n):
    b = open(path, "rb").read()
    if len(b) != n * np.dtype(dtype).itemsize:
        b = blosc.decompress(b)
    return np.frombuffer(b, dtype=dtype)


def init(sst_dir, attrs, lat, shape):
    global SST_DIR, ATTRS, LAT, SHAPE
    SST_DIR, ATTRS, LAT, SHAPE = sst_dir, attrs, lat, shape
    blosc.use_threads = False


def one(day):
    raw = read_chunk(os.path.join(SST_DIR, f"{day}_0_0"), "<i2", SHAPE[1] * SHAPE[2]).reshape(1, SHAPE[1], SHAPE[2])
    da = xr.DataArray(raw, dims=("time", "lat", "lon"), coords={"lat": LAT}, attrs=dict(ATTRS), name="analysed_sst")
    ds = xr.decode_cf(da.to_dataset())
    w = np.cos(np.deg2rad(ds.lat)).where(abs(ds.lat) <= 60, 0)
    m = (ds.analysed_sst - 273.15).weighted(w).mean(("lat", "lon"), skipna=True)
    return float(m.values[0])


def exact(day):
    raw = read_chunk(os.path.join(SST_DIR, f"{day}_0_0"), "<i2", SHAPE[1] * SHAPE[2]).reshape(1, SHAPE[1], SHAPE[2])
    v = xr.DataArray(raw, dims=("time", "lat", "lon"), coords={"lat": LAT})
    x = v.where(v != ATTRS["_FillValue"]).astype("f8") * float(ATTRS["scale_factor"]) + float(ATTRS["add_offset"])
    w64 = np.cos(np.deg2rad(v.lat.astype("f8"))).where(abs(v.lat) <= 60, 0)
    return float(((x - 273.15).weighted(w64).mean(("lat", "lon"), skipna=True)).values[0])


def main(root, hsfan_json, procs):
    sst_dir = lat = attrs = shape = None
    for f in glob.glob(os.path.join(root, "d", "*", ".dataset.json")):
        d = json.load(open(f))
        dims = d["shape"]["dims"]
        if len(dims) == 3:
            sst_dir, shape = os.path.dirname(f), dims
            attrs = {k: a["value"] for k, a in d["attributes"].items() if k in ("_FillValue", "scale_factor", "add_offset", "units", "valid_min", "valid_max")}
        elif dims == [720] or (len(dims) == 1 and d.get("attributes", {}).get("standard_name", {}).get("value") == "latitude"):
            lat = read_chunk(os.path.join(os.path.dirname(f), "0"), "<f4", dims[0])
    hs = json.load(open(hsfan_json))["columns"]["mean"]
    days = list(range(shape[0]))
    with Pool(procs, initializer=init, initargs=(sst_dir, attrs, lat, shape)) as pool:
        t0 = time.time()
        tut = pool.map(one, days)
        seconds = time.time() - t0
        f64 = pool.map(exact, days)
    d_tut = max(abs(a - b) for a, b in zip(tut, hs))
    d_64 = max(abs(a - b) for a, b in zip(f64, hs))
    print(json.dumps({"days": len(days), "xarray_seconds": round(seconds, 2), "processes": procs,
                      "max_abs_diff_vs_xarray_tutorial_float32": d_tut, "max_abs_diff_vs_xarray_float64": d_64}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2)
