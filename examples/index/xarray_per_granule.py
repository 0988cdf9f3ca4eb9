"""PO.DAAC's per-granule method, the reference for hsfan index + run: open each netCDF-4 granule
with xarray, decode CF, and reduce analysed_sst over lat, lon (degC), weighted by cos(lat) with
|lat| > 60 left out (hsfan's --weights coslat:60), in a pool of processes.

usage: xarray_per_granule.py DIR [PROCESSES]   -> JSON {"time": [...], "mean": [...], "seconds": s}
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


if __name__ == "__main__":
    files = sorted(glob.glob(sys.argv[1] + "/*.nc"))
    procs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    t0 = time.time()
    with Pool(procs) as pool:
        r = pool.map(one, files)
    print(json.dumps({"time": [a for a, _ in r], "mean": [b for _, b in r], "seconds": time.time() - t0,
                      "files": len(files), "processes": procs}))
