#!/usr/bin/python3
"""Re-encode every blosc chunk under a directory exactly as HSDS 0.9.4 stores it.

    /usr/bin/python3 hsds/codec/testdata/hsds_reencode.py DIR [CLEVEL]

Each file under DIR that is a blosc frame is decoded (numcodecs) and written back as
hsds/util/storUtil.py _compress writes a chunk of a dataset with the shuffle + gzip filters:
numcodecs Blosc(cname="zlib", clevel=CLEVEL (default 4), shuffle=1).encode(bytes), typesize 1,
with C zlib's streams. Used to turn `hsfan gen sst --frames hsds` (same headers, Go's zlib
streams) into the byte-exact frames HSDS writes, for speed measurements on HSDS's own data.
"""
import os
import sys
from concurrent.futures import ProcessPoolExecutor

import numcodecs.blosc as blosc
from numcodecs import Blosc


def one(args):
    path, clevel = args
    with open(path, "rb") as fh:
        b = fh.read()
    # Only blosc-zlib frames (version 1 or 2, codec bits 3, cbytes = the file's size).
    if len(b) < 16 or b[0] not in (1, 2) or b[2] >> 5 != 3 or int.from_bytes(b[12:16], "little") != len(b):
        return 0
    raw = blosc.decompress(b)
    out = Blosc(cname="zlib", clevel=clevel, shuffle=1).encode(raw)
    with open(path + ".tmp", "wb") as fh:
        fh.write(out)
    os.replace(path + ".tmp", path)
    return len(out)


def main(d, clevel):
    blosc.use_threads = False
    paths = []
    for root, _, files in os.walk(d):
        for f in files:
            if not f.startswith("."):
                paths.append((os.path.join(root, f), clevel))
    with ProcessPoolExecutor(2) as ex:
        sizes = list(ex.map(one, paths, chunksize=8))
    print(f"{sum(1 for s in sizes if s)} chunks re-encoded, {sum(sizes) / 1e6:.1f} MB")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 4)
