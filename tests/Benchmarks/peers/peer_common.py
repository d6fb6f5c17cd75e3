"""Shared by the peer benchmark scripts: a fair environment, arguments, MNIST, timing.

Import this module before numpy, torch or sklearn: OpenBLAS reads its environment
when it loads, so a fair run must fix the environment first.
"""

import os
import sys

sys.dont_write_bytecode = True

# The machine's environment may pin OpenBLAS to an older core type (half the speed on
# AVX-512 hardware). A fair peer runs without it: restart the interpreter once without it.
if "OPENBLAS_CORETYPE" in os.environ:
    env = dict(os.environ)
    del env["OPENBLAS_CORETYPE"]
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

def _threads_from_argv(default=2):
    argv = sys.argv[1:]
    for i, a in enumerate(argv):
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
        if a == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
    return default


# 2 = the cores of the reference machine; the BLAS libraries read these when they load
THREADS = _threads_from_argv()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(THREADS)

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import struct  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def parse_args(description, repeats=3, extra=None):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--repeats", type=int, default=repeats,
                    help="timed runs after one warm-up run; the median is reported (default %d)" % repeats)
    ap.add_argument("--threads", type=int, default=THREADS,
                    help="threads for torch / BLAS (default 2, the cores of the reference machine)")
    ap.add_argument("--mnist", default=os.path.join(REPO, "data", "mnist"),
                    help="folder with the MNIST IDX files, gzipped or not (default: data/mnist of the repo)")
    if extra:
        extra(ap)
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    return args


def read_idx(directory, name):
    for fname, opener in ((name + ".gz", gzip.open), (name, open)):
        path = os.path.join(directory, fname)
        if os.path.exists(path):
            with opener(path, "rb") as f:
                raw = f.read()
            zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
            if zero != 0 or dtype != 0x08:
                raise ValueError("%s is not an unsigned-byte IDX file" % path)
            dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
            return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)
    sys.exit("MNIST file %s(.gz) not found in %s (use --mnist DIR)" % (name, directory))


def load_mnist(directory):
    """(train_x, train_y, test_x, test_y): images as float32 (N, 28, 28) scaled to [0, 1]."""
    def images(name):
        return read_idx(directory, name).astype(np.float32) / np.float32(255.0)
    return (images("train-images-idx3-ubyte"), read_idx(directory, "train-labels-idx1-ubyte").astype(np.int64),
            images("t10k-images-idx3-ubyte"), read_idx(directory, "t10k-labels-idx1-ubyte").astype(np.int64))


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median(values):
    return statistics.median(values)


def report(peer, engine, **fields):
    out = {"peer": peer, "engine": engine, "threads": THREADS,
           "python": platform.python_version(), "machine": platform.machine(),
           "cpus": os.cpu_count(), "loadavg_1min": round(os.getloadavg()[0], 2)}
    out.update(fields)
    print(json.dumps(out, separators=(",", ":")))
    sys.stdout.flush()
