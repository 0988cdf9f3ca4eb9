#!/usr/bin/python3
"""Time c-blosc (numcodecs) decoding the frames the Go benchmarks wrote.

    HSFAN_BENCH_DIR=/tmp/frames go test -run '^$' -bench 'BenchmarkDecode|BenchmarkSSTDayDecode$' ./hsds/codec
    /usr/bin/python3 hsds/codec/testdata/bench_c.py /tmp/frames

Each frame is decoded as HSDS 0.9.4 reads it (hsds/util/storUtil.py _uncompress): blosc
decompress with one blosc thread, and nothing else: blosc undoes its own shuffle. Frames
whose name contains "legacy" (hsfan's format before the chunk format fix) are also timed with
the numcodecs Shuffle decode that reading them right takes, with the item size in the file
name (...-itemN.blosc). Prints MB/s of decoded bytes (1 MB = 1e6 bytes, as Go's benchmarks
report), best of 7 rounds.
"""
import os
import re
import sys
import time

import numcodecs
import numcodecs.blosc as blosc

blosc.use_threads = False  # contextual API, single thread
blosc.set_nthreads(1)


def bench(fn, rounds=7, min_time=0.3):
    """Best per-call time over several rounds (the machine may be shared)."""
    best = float("inf")
    for _ in range(rounds):
        n, start = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            el = time.perf_counter() - start
            if el >= min_time:
                break
        best = min(best, el / n)
    return best


def main(d):
    for name in sorted(os.listdir(d)):
        if not name.endswith(".blosc"):
            continue
        with open(os.path.join(d, name), "rb") as fh:
            frame = fh.read()
        raw = blosc.decompress(frame)
        nbytes = len(raw)
        t_blosc = bench(lambda: blosc.decompress(frame))
        extra = ""
        if "legacy" in name:
            shuf = numcodecs.Shuffle(int(re.search(r"item(\d+)", name).group(1)))
            t_full = bench(lambda: shuf.decode(blosc.decompress(frame)))
            extra = f"   +unshuffle {nbytes / t_full / 1e6:8.1f} MB/s"
        buf = bytearray(nbytes)
        t_copy = bench(lambda: buf.__setitem__(slice(None), raw))
        print(f"{name:40s} c-blosc {nbytes / t_blosc / 1e6:8.1f} MB/s{extra}   memcpy {nbytes / t_copy / 1e6:8.1f} MB/s")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
