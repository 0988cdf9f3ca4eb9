"""Writes the SST year that `hsfan gen sst` made as netCDF-4 granules, one file a day, as PO.DAAC
publishes MUR25 (int16 analysed_sst with scale_factor, add_offset, _FillValue, valid_min/max;
zlib level 4 + shuffle; one chunk per day; time/lat/lon dimension scales), so that xarray reads
the very same int16 values hsfan reads.

usage: sst_granules.py OUTDIR DAYS NY NX LAT.bin LON.bin TIME.bin < analysed_sst.bin
  stdin: the raw int16 little-endian values, day after day (hsfan get --format bin);
  LAT.bin/LON.bin float32, TIME.bin int32 (seconds since 1981-01-01), little-endian.
Attributes follow internal/synth/write.go WriteSST (scale_factor and add_offset float64).
"""
import os
import sys

import netCDF4
import numpy as np

out, days, ny, nx = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
lat = np.fromfile(sys.argv[5], dtype="<f4")
lon = np.fromfile(sys.argv[6], dtype="<f4")
tim = np.fromfile(sys.argv[7], dtype="<i4")
assert lat.size == ny and lon.size == nx and tim.size == days, (lat.size, lon.size, tim.size)
os.makedirs(out, exist_ok=True)
stdin = sys.stdin.buffer
n = ny * nx * 2
for d in range(days):
    buf = stdin.read(n)
    if len(buf) != n:
        raise SystemExit(f"day {d}: {len(buf)} bytes on stdin, want {n}")
    v = np.frombuffer(buf, dtype="<i2").reshape(ny, nx)
    path = os.path.join(out, f"day{d:04d}.nc")
    ds = netCDF4.Dataset(path + ".tmp", "w", format="NETCDF4")
    ds.createDimension("time", None)
    ds.createDimension("lat", ny)
    ds.createDimension("lon", nx)
    t = ds.createVariable("time", "i4", ("time",))
    t.long_name = "reference time of sst field"
    t.standard_name = "time"
    t.axis = "T"
    t.units = "seconds since 1981-01-01 00:00:00 UTC"
    t.calendar = "gregorian"
    la = ds.createVariable("lat", "f4", ("lat",))
    la.long_name = "latitude"
    la.standard_name = "latitude"
    la.units = "degrees_north"
    lo = ds.createVariable("lon", "f4", ("lon",))
    lo.long_name = "longitude"
    lo.standard_name = "longitude"
    lo.units = "degrees_east"
    s = ds.createVariable("analysed_sst", "i2", ("time", "lat", "lon"), fill_value=np.int16(-32768),
                          zlib=True, complevel=4, shuffle=True, chunksizes=(1, ny, nx))
    s.long_name = "analysed sea surface temperature"
    s.standard_name = "sea_surface_foundation_temperature"
    s.units = "kelvin"
    s.add_offset = np.float64(298.15)
    s.scale_factor = np.float64(0.001)
    s.valid_min = np.int16(-32767)
    s.valid_max = np.int16(32767)
    s.coordinates = "time lat lon"
    s.set_auto_maskandscale(False)
    la[:] = lat
    lo[:] = lon
    t[0] = tim[d]
    s[0, :, :] = v
    ds.Conventions = "CF-1.7"
    ds.title = "hsfan bench: the SST year of hsfan gen sst"
    ds.close()
    os.replace(path + ".tmp", path)
if stdin.read(1):
    raise SystemExit("more values on stdin than DAYS x NY x NX")
