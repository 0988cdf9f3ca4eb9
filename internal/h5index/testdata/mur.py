"""Writes MUR-like netCDF-4 granules as PO.DAAC publishes them (int16 analysed_sst with
scale_factor/add_offset/_FillValue, zlib level 4 + shuffle, time/lat/lon dimension scales) and,
for each variable, its values as netCDF4-python reads them (raw, no mask/scale) in
NAME.VAR.bin (little-endian) plus NAME.json with the CF-decoded mean of analysed_sst over
lat, lon in degC, NaN-skipping: as PO.DAAC's tutorial computes it with xarray (float32) and in
float64 with numpy.

usage: mur.py DIR NY NX CHUNK_Y CHUNK_X DAY [DAY...]   (DAY: days since 2021-12-01 09:00 UTC)
"""
import json
import os
import sys

import netCDF4
import numpy as np
import xarray as xr

out, ny, nx, cy, cx = sys.argv[1], *map(int, sys.argv[2:6])
days = [int(d) for d in sys.argv[6:]]
os.makedirs(out, exist_ok=True)
for day in days:
    name = f"day{day:03d}.nc"
    path = os.path.join(out, name)
    ds = netCDF4.Dataset(path, "w", format="NETCDF4")
    ds.createDimension("time", None)
    ds.createDimension("lat", ny)
    ds.createDimension("lon", nx)
    t = ds.createVariable("time", "i4", ("time",))
    t.long_name = "reference time of sst field"
    t.standard_name = "time"
    t.axis = "T"
    t.units = "seconds since 1981-01-01 00:00:00 UTC"
    t.calendar = "gregorian"
    lat = ds.createVariable("lat", "f4", ("lat",))
    lat.long_name = "latitude"
    lat.standard_name = "latitude"
    lat.units = "degrees_north"
    lon = ds.createVariable("lon", "f4", ("lon",))
    lon.long_name = "longitude"
    lon.standard_name = "longitude"
    lon.units = "degrees_east"
    sst = ds.createVariable("analysed_sst", "i2", ("time", "lat", "lon"), fill_value=-32768,
                            zlib=True, complevel=4, shuffle=True, chunksizes=(1, cy, cx))
    sst.long_name = "analysed sea surface temperature"
    sst.standard_name = "sea_surface_foundation_temperature"
    sst.units = "kelvin"
    sst.scale_factor = 0.001
    sst.add_offset = 298.15
    sst.valid_min = -32767
    sst.valid_max = 32767
    sst.comment = "interim MUR-like test data"
    sst.source = "MODIS_T-JPL, MODIS_A-JPL"
    sst.coordinates = "lon lat"
    sst.set_auto_maskandscale(False)
    lat[:] = np.linspace(-89.875, 89.875, ny, dtype="f4")
    lon[:] = np.linspace(-179.875, 179.875, nx, dtype="f4")
    t[0] = 1291161600 + 86400 * day + 32400
    rng = np.random.default_rng(day)
    la = np.deg2rad(lat[:])[:, None]
    v = (28.0 * np.cos(la) - 2.0 + rng.normal(0, 1.0, (ny, nx)) + 0.1 * day) - 25.0
    v = np.round(v * 1000).astype("i2")
    v[: ny // 6, : nx // 3] = -32768  # land
    sst[0, :, :] = v
    ds.title = "MUR-like test granule"
    ds.Conventions = "CF-1.7"
    ds.close()
    with netCDF4.Dataset(path) as r:
        for var in ("analysed_sst", "lat", "lon", "time"):
            x = r[var]
            x.set_auto_maskandscale(False)
            np.ascontiguousarray(x[:]).astype(x.dtype.newbyteorder("<")).tofile(os.path.join(out, f"{name}.{var}.bin"))
    with xr.open_dataset(path) as x:
        m = float((x["analysed_sst"] - 273.15).mean(skipna=True))
    raw = np.fromfile(os.path.join(out, f"{name}.analysed_sst.bin"), dtype="<i2")
    good = raw[raw != -32768].astype("f8")
    m64 = float(np.mean(good * 0.001 + 298.15 - 273.15))
    with open(os.path.join(out, f"{name}.json"), "w") as fh:
        json.dump({"mean_degC": m, "mean_degC_f64": m64}, fh)
