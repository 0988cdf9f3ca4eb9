# The expected values of cmd/hsfan/cf_test.go (TestCFConventionsEndToEnd), computed by
# xarray/netCDF4-python/cftime from a netCDF-4 file holding the same raw values and attributes
# as the test's domain. Run: /usr/bin/python3 cmd/hsfan/testdata/cf_expected.py [file.nc]
# It prints JSON; TestCFExpectedLive compares it with the committed values when xarray is there.
import json, sys, tempfile, os, warnings
import numpy as np, netCDF4, xarray as xr

warnings.simplefilter("ignore")
FILL = -32768


def raw_sst():
    # int16 (time=3, lat=4, lon=3): (t*100 + la*10 + lo)*37 - 500, some fill values, and the
    # cell (time 1, lat 2) all fill.
    a = np.zeros((3, 4, 3), dtype=np.int16)
    for t in range(3):
        for la in range(4):
            for lo in range(3):
                a[t, la, lo] = (t * 100 + la * 10 + lo) * 37 - 500
    a[0, 0, 1] = FILL
    a[2, 3, 2] = FILL
    a[1, 2, :] = FILL
    return a


def write(fn):
    with netCDF4.Dataset(fn, "w", format="NETCDF4") as d:
        d.createDimension("time", 3)
        d.createDimension("lat", 4)
        d.createDimension("lon", 3)
        t = d.createVariable("time", "i4", ("time",))
        t.units = "days since 2000-01-01"
        t.calendar = "noleap"
        t[:] = [59, 365, 424]
        lat = d.createVariable("lat", "i2", ("lat",))
        lat.set_auto_maskandscale(False)
        lat.scale_factor = 0.01
        lat.units = "degrees_north"
        lat[:] = np.array([-6000, -2000, 2000, 6000], dtype=np.int16)
        lon = d.createVariable("lon", "f4", ("lon",))
        lon[:] = [0, 120, 240]
        s = d.createVariable("sst", "i2", ("time", "lat", "lon"), fill_value=np.int16(FILL))
        s.set_auto_maskandscale(False)
        s.scale_factor = 0.01
        s.add_offset = 20.0
        s.units = "degrees_C"
        s[:] = raw_sst()
        w = d.createVariable("w", "i2", ("lat",))
        w.set_auto_maskandscale(False)
        w.scale_factor = 0.5
        w[:] = np.array([2, 4, 6, 8], dtype=np.int16)
        f = d.createVariable("flags", "i1", ("time", "lon"), fill_value=np.int8(-1))
        f.set_auto_maskandscale(False)
        f._Unsigned = "true"
        f[:] = np.array([[10, 20, -126], [-56, -1, -20], [0, 5, -1]], dtype=np.int8)


def nan_to_none(a):
    return [None if np.isnan(x) else float(x) for x in np.asarray(a, dtype=float).ravel()]


def main():
    fn = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.mkdtemp(), "cf12.nc")
    write(fn)
    # xarray unpacks int16 with scale_factor into float32; hsfan computes in float64. The
    # reference is xarray's decoding applied to the raw values cast to float64 (same masks,
    # same formulas, float64 arithmetic); _Unsigned needs the integer type, so flags is decoded
    # as stored and cast after (its decoded values are integers, exact in float32).
    raw = xr.open_dataset(fn, decode_cf=False)
    for v in ("sst", "lat", "w"):
        raw[v] = raw[v].astype("f8")
    ds = xr.decode_cf(raw, use_cftime=True)
    assert ds.sst.dtype == np.float64, ds.sst.dtype
    flags = xr.open_dataset(fn).flags.astype("f8")
    out = {
        "lat": nan_to_none(ds.lat),
        "time": [x.isoformat() for x in ds.time.values],
        # hsfan run mean --reduce lat,lon --weights coslat --units K
        "mean_coslat_K": nan_to_none(ds.sst.weighted(np.cos(np.deg2rad(ds.lat))).mean(("lat", "lon")) + 273.15),
        # hsfan run sum --reduce lat --weights /w   (rows time, lon)
        "wsum_lat": nan_to_none(ds.sst.weighted(ds.w).sum("lat")),
        # hsfan run sum --reduce lon   (rows time, lat) and --min-count 1
        "sum_lon": nan_to_none(ds.sst.sum("lon")),
        "sum_lon_min1": nan_to_none(ds.sst.sum("lon", min_count=1)),
        # hsfan run mean --dataset /flags --reduce lon
        "flags_mean": nan_to_none(flags.mean("lon")),
        "flags": nan_to_none(flags),
        "sst_decoded_0": nan_to_none(ds.sst[0]),
    }
    print(json.dumps(out))


main()
