"""PO.DAAC's per-granule method (notebooks/aws_lambda_sst sst.py, run locally in a pool of
processes instead of one Lambda per granule): open each netCDF-4 granule with xarray, decode CF,
and take the area-weighted mean of analysed_sst over lat, lon in degC, weighted by cos(lat) with
|lat| > 60 left out (hsfan's --weights coslat:60).

usage: sst_xarray.py DIR PROCESSES [pool|dask]
  prints the line "TIMED {json}" as soon as the tutorial's means are known (the time measured),
  then a JSON line with the same reduction of the same values decoded in float64 ("mean_f64",
  the exact answer hsfan is compared with to 1e-6 degC).

pool (the default) is the per-granule method in a multiprocessing Pool(PROCESSES); dask opens
every granule as one dataset (xr.open_mfdataset, a dask chunk per day) and computes both means
with dask's multiprocessing scheduler on PROCESSES workers (its threaded scheduler reads through
the one HDF5 library of the process, which Debian builds without thread safety: opening
granules in parallel threads failed now and then).
"""
import glob
import json
import sys
import time
from multiprocessing import Pool

import numpy as np
import xarray as xr


def one(path):
    with xr.open_dataset(path) as ds:
        w = np.cos(np.deg2rad(ds.lat)).where(abs(ds.lat) <= 60, 0)
        m = (ds.analysed_sst - 273.15).weighted(w).mean(("lat", "lon"), skipna=True)
        return str(ds.time.values[0])[:10], float(m.values[0])


def exact(path):
    with xr.open_dataset(path, mask_and_scale=False) as raw:
        v = raw.analysed_sst
        ok = (v != v.attrs["_FillValue"]) & (v >= v.attrs["valid_min"]) & (v <= v.attrs["valid_max"])
        x = v.where(ok).astype("f8") * float(v.attrs["scale_factor"]) + float(v.attrs["add_offset"])
        w64 = np.cos(np.deg2rad(raw.lat.astype("f8"))).where(abs(raw.lat) <= 60, 0)
        m64 = (x - 273.15).weighted(w64).mean(("lat", "lon"), skipna=True)
    return float(m64.values[0])


def with_dask(files, procs):
    import dask

    with dask.config.set(scheduler="processes", num_workers=procs):
        t0 = time.time()
        with xr.open_mfdataset(files, combine="by_coords") as ds:
            w = np.cos(np.deg2rad(ds.lat)).where(abs(ds.lat) <= 60, 0)
            m = (ds.analysed_sst - 273.15).weighted(w).mean(("lat", "lon"), skipna=True).compute()
            dates = [str(t)[:10] for t in ds.time.values]
        print("TIMED " + json.dumps({"seconds_in_process": time.time() - t0}), flush=True)
        with xr.open_mfdataset(files, combine="by_coords", mask_and_scale=False) as raw:
            v = raw.analysed_sst
            ok = (v != v.attrs["_FillValue"]) & (v >= v.attrs["valid_min"]) & (v <= v.attrs["valid_max"])
            x = v.where(ok).astype("f8") * float(v.attrs["scale_factor"]) + float(v.attrs["add_offset"])
            w64 = np.cos(np.deg2rad(raw.lat.astype("f8"))).where(abs(raw.lat) <= 60, 0)
            m64 = (x - 273.15).weighted(w64).mean(("lat", "lon"), skipna=True).compute()
    print(json.dumps({"time": dates, "mean": [float(a) for a in m.values], "mean_f64": [float(a) for a in m64.values],
                      "files": len(files), "processes": procs, "dask": dask.__version__}), flush=True)


if __name__ == "__main__":
    files = sorted(glob.glob(sys.argv[1] + "/*.nc"))
    procs = int(sys.argv[2])
    if not files:
        raise SystemExit(f"no .nc files in {sys.argv[1]}")
    if len(sys.argv) > 3 and sys.argv[3] == "dask":
        with_dask(files, procs)
        sys.exit(0)
    t0 = time.time()
    with Pool(procs) as pool:
        r = pool.map(one, files)
        print("TIMED " + json.dumps({"seconds_in_process": time.time() - t0}), flush=True)
        r64 = pool.map(exact, files)
    print(json.dumps({"time": [a for a, _ in r], "mean": [b for _, b in r], "mean_f64": r64,
                      "files": len(files), "processes": procs}), flush=True)
