#!/usr/bin/python3
"""Chunks exactly as HSDS 0.9.4 writes and reads them, for hsds/codec tests.

    make_hsds_frames.py [OUTDIR]    (default OUTDIR: the hsds/ folder next to this script)

Each chunk is what HSDS's hsds/util/storUtil.py _compress stores for a dataset's filter
pipeline (compressor, level, shuffle, dtype), and the manifest records the sha256 of what
HSDS's _uncompress returns for it. When HSDS's source is found (HSFAN_PEERS, default
../shared/peers next to the repository) the script calls HSDS's own _compress and
_uncompress; otherwise it calls numcodecs as they do (Blosc(cname, clevel, shuffle).encode
on the chunk's bytes; Blosc().decode, then numcodecs Shuffle decode only for a chunk that
is not a blosc frame) and says so in the manifest.

Also written:
  legacy-*   chunks as hsfan wrote them before its chunk format fix: the HDF5-shuffled
             bytes in a typesize-1 blosc frame without blosc's shuffle flag. HSDS's
             _uncompress returns the shuffled bytes for them (garbage), recorded as
             hsds_sha256.
  ref-*      plain zlib streams (chunks inside HDF5 files, the *_REF layouts): HDF5
             shuffle filter then deflate, as h5py writes them; HSDS unshuffles after zlib.

Decoded contents come from gen_data in make_frames.py (genData in refdata_test.go), so
only the chunks are committed.
"""
import contextlib
import hashlib
import io
import json
import os
import sys
import zlib

import numcodecs
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_frames import gen_data  # noqa: E402

REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def hsds_functions():
    """HSDS's (_compress, _uncompress, source) or numcodecs replicas."""
    peers = os.environ.get("HSFAN_PEERS") or os.path.join(REPO, "..", "shared", "peers")
    src = os.path.join(peers, "hsds-0.9.4")
    if os.path.isdir(os.path.join(src, "hsds")):
        sys.path[:0] = [os.path.join(peers, "hsds-stubs"), src]
        sys.dont_write_bytecode = True
        import logging
        logging.disable(logging.CRITICAL)
        from hsds.util.storUtil import _compress, _uncompress  # noqa: E402

        def quiet(fn):  # HSDS logs every call to stdout
            def call(*args, **kw):
                with contextlib.redirect_stdout(io.StringIO()):
                    return fn(*args, **kw)
            return call
        return quiet(_compress), quiet(_uncompress), "hsds-0.9.4 hsds/util/storUtil.py _compress/_uncompress"

    def compress(data, compressor=None, level=5, shuffle=0, dtype=None, chunk_shape=None):
        if not compressor:
            return data  # HSDS stores shuffle-only chunks unshuffled (its bug)
        return numcodecs.Blosc(cname=compressor, clevel=level, shuffle=shuffle).encode(data)

    def uncompress(data, compressor=None, shuffle=0, level=None, dtype=None, chunk_shape=None):
        if compressor:
            if numcodecs.blosc.cbuffer_metainfo(data)[0] > 0:
                data = numcodecs.Blosc().decode(data)
                if shuffle == 1:
                    shuffle = 0
            else:
                data = zlib.decompress(data)
        if shuffle == 1:
            data = numcodecs.Shuffle(dtype.itemsize).decode(data).tobytes()
        return bytes(data)

    return compress, uncompress, f"numcodecs {numcodecs.__version__} replica of HSDS 0.9.4 _compress/_uncompress"


def main(outdir):
    compress, uncompress, source = hsds_functions()
    os.makedirs(outdir, exist_ok=True)
    for f in os.listdir(outdir):
        if f.endswith(".chunk"):
            os.remove(os.path.join(outdir, f))
    entries = []

    def add(name, kind, n, dtype, seed, compressor, level, shuffle, chunk=None):
        dt = np.dtype(dtype)
        raw = gen_data(kind, n, dt.itemsize, seed)
        if chunk is None:
            chunk = compress(raw, compressor=compressor, level=level, shuffle=shuffle,
                             dtype=dt, chunk_shape=[n])
        got = bytes(uncompress(chunk, compressor=compressor, shuffle=shuffle, level=level,
                               dtype=dt, chunk_shape=[n]))
        fname = name + ".chunk"
        with open(os.path.join(outdir, fname), "wb") as fh:
            fh.write(chunk)
        entries.append(dict(file=fname, kind=kind, n=n, dtype=dtype, itemsize=dt.itemsize,
                            seed=seed, compressor=compressor or "", level=level, shuffle=shuffle,
                            sha256=hashlib.sha256(raw).hexdigest(),
                            hsds_sha256=hashlib.sha256(got).hexdigest(), cbytes=len(chunk)))
        return raw

    dtypes = ("<i2", "<f4", "<i8", "<f8")
    seed = 1
    for dtype in dtypes:
        short = np.dtype(dtype).str[1:]
        for comp in ("zlib", "lz4", "zstd", "blosclz"):
            add(f"{comp}-shuffle-{short}", "smooth", 300, dtype, seed, comp, 5, 1)
            seed += 1
        add(f"zlib-noshuffle-{short}", "smooth", 300, dtype, seed, "zlib", 5, 0)
        seed += 1
    # Chunks below blosc's 128-byte minimum are memcpyed; so are incompressible ones.
    add("zlib-shuffle-small-i2", "smooth", 20, "<i2", 50, "zlib", 5, 1)
    add("zstd-shuffle-small-f8", "smooth", 10, "<f8", 51, "zstd", 5, 1)
    add("zlib-shuffle-random-i4", "random", 600, "<i4", 52, "zlib", 5, 1)
    add("lz4-shuffle-random-f8", "random", 300, "<f8", 53, "lz4", 5, 1)
    # Shuffle only: HSDS stores the bytes unshuffled and unshuffles them on read.
    add("shuffleonly-i4", "smooth", 200, "<i4", 54, None, 5, 1)

    # Legacy hsfan chunks: HDF5 shuffle, then blosc without shuffle on the bytes.
    for i, (comp, dtype, kind, n) in enumerate((("zlib", "<i2", "smooth", 300),
                                                ("zstd", "<f4", "smooth", 300),
                                                ("lz4", "<i8", "smooth", 200),
                                                ("zlib", "<f8", "smooth", 10),
                                                ("zlib", "<i4", "random", 600))):
        dt = np.dtype(dtype)
        raw = gen_data(kind, n, dt.itemsize, 60 + i)
        shuffled = numcodecs.Shuffle(dt.itemsize).encode(raw).tobytes()
        frame = numcodecs.Blosc(cname=comp, clevel=5, shuffle=0).encode(shuffled)
        add(f"legacy-{comp}-{kind}-{dt.str[1:]}", kind, n, dtype, 60 + i, comp, 5, 1, chunk=frame)

    # Plain zlib streams with the shuffle filter (HDF5-file chunks, *_REF layouts).
    for i, dtype in enumerate(("<i2", "<f4", "<f8")):
        dt = np.dtype(dtype)
        raw = gen_data("smooth", 300, dt.itemsize, 70 + i)
        stream = zlib.compress(numcodecs.Shuffle(dt.itemsize).encode(raw).tobytes(), 6)
        add(f"ref-zlib-shuffle-{dt.str[1:]}", "smooth", 300, dtype, 70 + i, "zlib", 6, 1, chunk=stream)

    for e in entries:
        legacy = e["file"].startswith("legacy-")
        shuffle_only = e["file"].startswith("shuffleonly-")
        if (e["hsds_sha256"] == e["sha256"]) == (legacy or shuffle_only):
            sys.exit(f"{e['file']}: HSDS's reading differs from the expectation")
    with open(os.path.join(outdir, "manifest.json"), "w") as fh:
        head = dict(source=source, numcodecs=numcodecs.__version__,
                    blosc_version=numcodecs.blosc.VERSION_STRING)
        fh.write(json.dumps(head)[:-1] + ', "chunks": [\n')
        fh.write(",\n".join(json.dumps(e) for e in entries) + "\n]}\n")
    total = sum(e["cbytes"] for e in entries)
    print(f"wrote {len(entries)} chunks, {total} bytes, to {outdir} with {source}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "hsds"))
