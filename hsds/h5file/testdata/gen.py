"""Writes HDF5/netCDF-4 test files into DIR and DIR/manifest.json: for each file, each dataset's
shape, dtype, chunk shape, filters, fill value, attributes and h5py's own chunk table
(get_chunk_info: offset, byte_offset, size, filter_mask), which the Go reader must reproduce.

usage: gen.py DIR
"""
import json
import os
import sys

import h5py
import netCDF4
import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def mur(path, fmt="NETCDF4", days=(0,), ny=36, nx=72, chunks=(1, 18, 36)):
    ds = netCDF4.Dataset(path, "w", format=fmt)
    ds.createDimension("time", None if fmt == "NETCDF4" else len(days))
    ds.createDimension("lat", ny)
    ds.createDimension("lon", nx)
    t = ds.createVariable("time", "i4", ("time",))
    t.long_name = "reference time of sst field"
    t.units = "seconds since 1981-01-01 00:00:00 UTC"
    lat = ds.createVariable("lat", "f4", ("lat",))
    lat.units = "degrees_north"
    lon = ds.createVariable("lon", "f4", ("lon",))
    lon.units = "degrees_east"
    kw = dict(zlib=True, complevel=4, shuffle=True, chunksizes=chunks) if fmt == "NETCDF4" else {}
    sst = ds.createVariable("analysed_sst", "i2", ("time", "lat", "lon"), fill_value=-32768, **kw)
    sst.long_name = "analysed sea surface temperature"
    sst.standard_name = "sea_surface_foundation_temperature"
    sst.units = "kelvin"
    sst.scale_factor = 0.001
    sst.add_offset = 298.15
    sst.valid_min = -32767
    sst.valid_max = 32767
    sst.comment = "interim MUR"
    sst.source = "MODIS_T-JPL, MODIS_A-JPL"
    sst.coordinates = "lon lat"
    sst.set_auto_maskandscale(False)
    lat[:] = np.linspace(-89.5, 89.5, ny, dtype="f4")
    lon[:] = np.linspace(-179.5, 179.5, nx, dtype="f4")
    rng = np.random.default_rng(len(path))
    for i, d in enumerate(days):
        t[i] = 1291161600 + 86400 * d
        v = (rng.normal(0, 8000, (ny, nx))).astype("i2")
        v[0:3, 0:5] = -32768
        sst[i, :, :] = v
    ds.title = "MUR-like test granule"
    ds.Conventions = "CF-1.7"
    ds.close()


files = {}
mur(os.path.join(out, "mur.nc"))
mur(os.path.join(out, "mur3.nc"), days=(0, 1, 2))
mur(os.path.join(out, "classic.nc"), fmt="NETCDF4_CLASSIC")
mur(os.path.join(out, "nc3like.nc"), fmt="NETCDF4_CLASSIC", days=(0, 1))

rng = np.random.default_rng(7)
for libver in ("earliest", "latest"):
    p = os.path.join(out, f"h5py_{libver}.h5")
    with h5py.File(p, "w", libver=libver) as f:
        a = np.arange(40 * 30, dtype="<f8").reshape(40, 30) / 7
        f.create_dataset("contig", data=a)
        f.create_dataset("compact", data=np.arange(10, dtype="i4"), chunks=None)
        f.create_dataset("btree_fixed", data=a, chunks=(8, 7), compression="gzip", shuffle=True, fletcher32=True)
        f.create_dataset("single", data=a, chunks=(40, 30), compression="gzip")
        f.create_dataset("single_raw", data=a, chunks=(40, 30))
        f.create_dataset("implicit", data=a, chunks=(10, 10), fillvalue=-1)
        f.create_dataset("ext", data=a, chunks=(8, 7), maxshape=(None, 30))
        f.create_dataset("v2btree", data=a, chunks=(8, 7), maxshape=(None, None), compression="gzip")
        f.create_dataset("be_i4", data=np.arange(100, dtype=">i4").reshape(10, 10), chunks=(5, 5))
        f.create_dataset("strs", data=np.array([b"ab", b"cde"], dtype="S4"))
        f.create_dataset("scalar", data=np.float64(2.5))
        f["scalar"].attrs["grid_mapping_name"] = np.bytes_("latitude_longitude")
        f.create_dataset("partial", shape=(40, 30), chunks=(8, 7), dtype="u2", fillvalue=9)
        f["partial"][0:8, 0:7] = 3
        g = f.create_group("grp/sub")
        g.attrs["vstr"] = "hello"
        g.attrs["fstr"] = np.bytes_("fixed")
        g.attrs["arr"] = np.arange(5, dtype="i8")
        g.attrs["f32"] = np.float32(1.5)
        for i in range(20):  # dense links and attributes in the latest format
            f["grp"].create_dataset(f"d{i:02d}", data=np.full(3, i, dtype="i2"))
            f["grp"].attrs[f"a{i:02d}"] = i
        f["implicit"].make_scale("x")
        f["contig"].dims[0].attach_scale(f["implicit"])
    if libver == "latest":
        # Implicit needs early allocation; done through the low-level API.
        with h5py.File(p, "a") as f:
            dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
            dcpl.set_chunk((10, 10))
            dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
            sp = h5py.h5s.create_simple((40, 30))
            dsid = h5py.h5d.create(f.id, b"implicit_early", h5py.h5t.NATIVE_DOUBLE, sp, dcpl=dcpl)
            f["implicit_early"][...] = a
        # Extensible arrays reaching super blocks, filtered, and unlimited in a later dimension.
        with h5py.File(p, "a") as f:
            f.create_dataset("ext_big", data=np.arange(3000 * 4, dtype="i4").reshape(3000, 4), chunks=(1, 4), maxshape=(None, 4), compression="gzip")
            f.create_dataset("ext_dim1", data=np.arange(6 * 300, dtype="f4").reshape(6, 300), chunks=(2, 10), maxshape=(6, None))
        # A paged fixed array (more than 1024 chunks).
        with h5py.File(p, "a") as f:
            f.create_dataset("paged", data=np.arange(50 * 50, dtype="u1").reshape(50, 50), chunks=(1, 2))
        # A compact layout.
        with h5py.File(p, "a") as f:
            dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
            dcpl.set_layout(h5py.h5d.COMPACT)
            sp = h5py.h5s.create_simple((12,))
            h5py.h5d.create(f.id, b"compact_i2", h5py.h5t.STD_I16LE, sp, dcpl=dcpl)
            f["compact_i2"][...] = np.arange(12, dtype="i2") * 3


def describe(path):
    info = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if not isinstance(obj, h5py.Dataset):
                return
            d = {"shape": list(obj.shape), "dtype": obj.dtype.str, "chunks": list(obj.chunks) if obj.chunks else None,
                 "layout": obj.id.get_create_plist().get_layout()}
            if obj.chunks:
                n = obj.id.get_num_chunks()
                d["chunk_info"] = []
                raw = open(path, "rb").read()
                for i in range(n):
                    ci = obj.id.get_chunk_info(i)
                    off = list(ci.chunk_offset)
                    if name == "ext_dim1":
                        # HDF5 1.10's H5Dget_chunk_info reports unswizzled offsets for extensible
                        # arrays unlimited in a later dimension; the data (arange) tells the truth.
                        v = int(np.frombuffer(raw[ci.byte_offset:ci.byte_offset + 4], dtype="<f4")[0])
                        off = [v // obj.shape[1], v % obj.shape[1]]
                    d["chunk_info"].append([off, ci.byte_offset, ci.size, ci.filter_mask])
            elif d["layout"] == h5py.h5d.CONTIGUOUS:
                d["offset"] = obj.id.get_offset()
                d["size"] = obj.id.get_storage_size()
            pl = obj.id.get_create_plist()
            d["filters"] = [pl.get_filter(i)[0] for i in range(pl.get_nfilters())]
            fv = np.zeros(1, dtype=obj.dtype)
            pl.get_fill_value(fv)
            d["fill"] = fv.tobytes().hex()
            attrs = {}
            for k in obj.attrs:
                try:
                    v = obj.attrs[k]
                except Exception:
                    continue
                if isinstance(v, bytes):
                    v = v.decode()
                if isinstance(v, np.ndarray) and v.dtype.kind in "iuf":
                    v = v.tolist()
                elif isinstance(v, (np.integer, np.floating)):
                    v = [v.item()]
                elif isinstance(v, str):
                    v = [v]
                else:
                    continue
                attrs[k] = v
            d["attrs"] = attrs
            info["/" + name] = d
        f.visititems(visit)
        groups = ["/"]
        f.visit(lambda n: groups.append("/" + n) if isinstance(f[n], h5py.Group) else None)
    return {"datasets": info, "groups": sorted(groups)}


manifest = {}
for name in sorted(os.listdir(out)):
    if name.endswith((".nc", ".h5")):
        manifest[name] = describe(os.path.join(out, name))
with open(os.path.join(out, "manifest.json"), "w") as fh:
    json.dump(manifest, fh, indent=1)
