#!/usr/bin/python3
"""Make HSDS's own SST frames with C zlib and time C blosc decoding every frame in a directory.

    d=$(mktemp -d)
    HSFAN_BENCH_DIR=$d go test -run '^$' -bench ZlibDecoders -benchtime 1x ./hsds/codec  # writes sst-day0.raw, go-*.blosc
    /usr/bin/python3 hsds/codec/testdata/bench_inflate_c.py $d make                        # writes c-hsds-ts1.blosc, c-hsfan-ts2.blosc
    HSFAN_BENCH_DIR=$d go test -run '^$' -bench ZlibDecoders -benchtime 20x ./hsds/codec  # Go decoders on every frame
    /usr/bin/python3 hsds/codec/testdata/bench_inflate_c.py $d                             # C on the same frames

c-hsds-ts1.blosc is byte for byte what HSDS 0.9.4 stores for the day (hsds/util/storUtil.py
_compress: numcodecs Blosc(cname="zlib", clevel=4, shuffle=1) of the chunk's bytes, typesize 1);
c-hdf5-shuffle-gzip4.zlib is the day as an HDF5 file's chunk with the shuffle + deflate filters
(HDF5 byte shuffle, then zlib level 4): what DecodeZlib reads for gzip-filter chunks.
c-hsfan-ts2.blosc is the same with typesize 2 (what hsfan's frames look like, C zlib streams).
Decoding uses one blosc thread, as one Go goroutine. Prints MB/s of decoded bytes per second of
the thread's CPU time (time.thread_time, like the Go benchmarks' cpu-MB/s: other processes on the
machine do not count), best of 7.
"""
import os
import sys
import time
import zlib

import numcodecs.blosc as blosc
from numcodecs import Blosc

blosc.use_threads = False
blosc.set_nthreads(1)


def bench(fn, rounds=7, min_time=0.3):
    best = float("inf")
    for _ in range(rounds):
        n, start = 0, time.thread_time()
        while True:
            fn()
            n += 1
            el = time.thread_time() - start
            if el >= min_time:
                break
        best = min(best, el / n)
    return best


def make(d):
    raw = open(os.path.join(d, "sst-day0.raw"), "rb").read()
    open(os.path.join(d, "c-hsds-ts1.blosc"), "wb").write(Blosc(cname="zlib", clevel=4, shuffle=1).encode(raw))
    # An HDF5 file's chunk with the shuffle + deflate(4) filters: HDF5 byte shuffle, then C zlib.
    shuffled = raw[0::2] + raw[1::2]
    open(os.path.join(d, "c-hdf5-shuffle-gzip4.zlib"), "wb").write(zlib.compress(shuffled, 4))
    arr = memoryview(raw).cast("h")
    open(os.path.join(d, "c-hsfan-ts2.blosc"), "wb").write(Blosc(cname="zlib", clevel=4, shuffle=1).encode(arr))


def main(d):
    raw = open(os.path.join(d, "sst-day0.raw"), "rb").read()
    for name in sorted(os.listdir(d)):
        if not name.endswith(".blosc"):
            continue
        frame = open(os.path.join(d, name), "rb").read()
        assert blosc.decompress(frame) == raw, name
        t = bench(lambda: blosc.decompress(frame))
        print(f"{name:24s} {len(frame):9d} bytes  c-blosc {len(raw) / t / 1e6:8.1f} MB/s")
    for name in sorted(os.listdir(d)):
        if name.endswith(".zlib"):
            z = open(os.path.join(d, name), "rb").read()
            t = bench(lambda: zlib.decompress(z))
            print(f"{name:24s} {len(z):9d} bytes  C zlib  {len(raw) / t / 1e6:8.1f} MB/s")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[2] == "make":
        make(sys.argv[1])
    else:
        main(sys.argv[1])
