#!/usr/bin/python3
"""Side-by-side speed of hsfan serve and the real HSDS on the same store (issue 10).

Run by cubebench.sh, which starts the servers. Phases:
  write URL ROWS        HSDS writes two cubes ROWS x 160 x 160 in (25, 160, 160) chunks:
                        float32 uncompressed ("f32") and int16 shuffle+gzip ("i16gz").
  time NAME URL ROWS [PGID]
                        on a freshly started server: the [:, 80, 81] column of each cube, cold
                        (the first read) and warm (best of 3 after it), checked against numpy;
                        then 1,000 small JSON requests (GET /datasets/<id>). Prints JSON. With
                        PGID (the server's process group: HSDS's service, head and data nodes,
                        or hsfan alone), also the server's CPU seconds (user + system, from
                        /proc, 10 ms ticks) of the cold read and of a warm read (mean of 3):
                        wall time on a machine shared with other load is noisy, CPU time less.
"""
import os
import json
import sys
import time

import numpy as np
import requests

AUTH = ("test_user1", "test")
DOMAIN = "/home/test_user1/cubebench.h5"
SHAPE2 = (160, 160)
CHUNK = [25, 160, 160]


def expected(name, rows):
    z = np.arange(rows, dtype=np.int64)[:, None, None]
    y = np.arange(160, dtype=np.int64)[None, :, None]
    x = np.arange(160, dtype=np.int64)[None, None, :]
    v = (z * 7 + y * 3 + x) % 30011
    return v.astype(np.float32) * 0.5 if name == "f32" else (v % 32000).astype(np.int16)


def write(url, rows):
    s = requests.Session()
    s.auth = AUTH
    q = {"domain": DOMAIN}
    r = s.put(url + "/", params=q)
    assert r.status_code in (201, 409), r.text
    root = s.get(url + "/", params=q).json()["root"]
    shuffle_gzip = [{"class": "H5Z_FILTER_SHUFFLE", "id": 2, "name": "shuffle"},
                    {"class": "H5Z_FILTER_DEFLATE", "id": 1, "level": 6, "name": "deflate"}]
    for name, typ, filters in (("f32", "H5T_IEEE_F32LE", None), ("i16gz", "H5T_STD_I16LE", shuffle_gzip)):
        cp = {"layout": {"class": "H5D_CHUNKED", "dims": CHUNK}}
        if filters:
            cp["filters"] = filters
        r = s.post(url + "/datasets", params=q, json={"type": typ, "shape": [rows, 160, 160], "creationProperties": cp,
                                                      "link": {"id": root, "name": name}})
        assert r.status_code == 201, r.text
        did = r.json()["id"]
        arr = expected(name, rows)
        for z in range(0, rows, 25):
            r = s.put(url + "/datasets/" + did + "/value", params={"domain": DOMAIN, "select": f"[{z}:{z + 25},:,:]"},
                      data=arr[z:z + 25].tobytes(), headers={"Content-Type": "application/octet-stream"})
            assert r.status_code == 200, r.text
    r = s.put(url + "/", params=q, json={"flush": 1})
    assert r.status_code in (200, 204), r.text


def timed(s, method, url, **kw):
    t = time.perf_counter()
    r = s.request(method, url, **kw)
    dt = time.perf_counter() - t
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return dt, r


def cpu_seconds(pgid):
    """User + system CPU seconds of the live processes of process group pgid (None: 0)."""
    if pgid is None:
        return 0.0
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def run(name, url, rows, pgid=None):
    s = requests.Session()
    s.auth = AUTH
    q = {"domain": DOMAIN}
    ids = {}
    for ds in ("f32", "i16gz"):
        ids[ds] = s.get(url + "/", params={"domain": DOMAIN, "h5path": "/" + ds}).json()["id"]
    out = {"server": name, "rows": rows}
    for ds in ("f32", "i16gz"):
        want = expected(ds, rows)[:, 80, 81]
        dtype = np.float32 if ds == "f32" else np.int16
        times, cpus = [], []
        for _ in range(4):
            c0 = cpu_seconds(pgid)
            dt, r = timed(s, "GET", url + "/datasets/" + ids[ds] + "/value",
                          params={"domain": DOMAIN, "select": "[:,80,81]"}, headers={"Accept": "application/octet-stream"})
            cpus.append(cpu_seconds(pgid) - c0)
            got = np.frombuffer(r.content, dtype=dtype)
            if not np.array_equal(got, want):
                raise SystemExit(f"{name} {ds}: wrong values")
            times.append(dt)
        out[ds + "_cold_s"] = round(times[0], 4)
        out[ds + "_warm_s"] = round(min(times[1:]), 4)
        if pgid is not None:
            out[ds + "_cold_cpu_s"] = round(cpus[0], 3)
            out[ds + "_warm_cpu_s"] = round(sum(cpus[1:]) / 3, 3)
    t = time.perf_counter()
    for _ in range(1000):
        r = s.get(url + "/datasets/" + ids["f32"], params=q)
        assert r.status_code == 200
    out["json_1000_s"] = round(time.perf_counter() - t, 3)
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]))
    else:
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else None)
