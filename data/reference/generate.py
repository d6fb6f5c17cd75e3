#!/usr/bin/python3
"""Reference values from PyTorch for every from-scratch piece of NeuralNotebooks.

Writes ops.json, activations.json, losses.json, layers.json, optimizers.json and
cnn_mnist.json next to this script. See README.md in this folder for the schema,
the conventions (NHWC, Keras weight layouts) and the recommended tolerances.

Run from anywhere:
    env -u OPENBLAS_CORETYPE /usr/bin/python3 data/reference/generate.py [--mnist DIR]

DIR holds the MNIST IDX files (gzipped or not); the default is data/mnist of this
repository. Only the end-to-end case (cnn_mnist.json) needs MNIST; --skip-mnist skips it.

Every random value comes from a seeded generator and torch runs single-threaded, so
running the script twice gives byte-identical files.
"""

import argparse
import gzip
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FORMAT = "neuralnotebooks-reference/1"
EPS = 1e-7  # Keras backend epsilon (keras.config.epsilon())

torch.set_num_threads(1)  # fixed reduction order -> reproducible files
torch.use_deterministic_algorithms(True)

# --------------------------------------------------------------------------- JSON output


def f32_text(x):
    """Shortest decimal text that reads back as the same float32."""
    v = np.float32(x)
    if not np.isfinite(v):
        raise ValueError("non-finite value in reference data: %r" % (x,))
    if v == 0:
        return "-0" if np.signbit(v) else "0"
    a = abs(float(v))
    if 1e-4 <= a < 1e7:
        return np.format_float_positional(v, unique=True, trim="-")
    return np.format_float_scientific(v, unique=True, trim="-")


class Raw:
    """A pre-formatted JSON fragment."""

    def __init__(self, text):
        self.text = text


def tensor(a):
    """{"shape": [...], "data": [...]} for a float32 tensor (row-major) or an int tensor."""
    a = np.asarray(a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else a)
    flat = a.reshape(-1)
    if np.issubdtype(a.dtype, np.integer):
        data = "[" + ",".join(str(int(v)) for v in flat) + "]"
    else:
        data = "[" + ",".join(f32_text(v) for v in flat) + "]"
    return {"shape": [int(d) for d in a.shape], "data": Raw(data)}


def dump(obj, indent=0):
    pad = "  " * indent
    if isinstance(obj, Raw):
        return obj.text
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        if set(obj.keys()) == {"shape", "data"}:
            return '{"shape": %s, "data": %s}' % (dump(obj["shape"]), dump(obj["data"]))
        if all(isinstance(v, (int, float, str, bool, np.floating)) or v is None for v in obj.values()):
            return "{" + ", ".join(json.dumps(k) + ": " + dump(v) for k, v in obj.items()) + "}"
        items = [pad + "  " + json.dumps(k) + ": " + dump(v, indent + 1) for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(isinstance(v, (int, float, str, bool)) or v is None for v in obj):
            return "[" + ", ".join(dump(v) for v in obj) + "]"
        items = [pad + "  " + dump(v, indent + 1) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    if isinstance(obj, bool) or obj is None:
        return json.dumps(obj)
    if isinstance(obj, (int, np.integer)):
        return str(int(obj))
    if isinstance(obj, (float, np.floating)):
        return f32_text(obj)
    if isinstance(obj, str):
        return json.dumps(obj)
    raise TypeError(type(obj))


def write(name, header, cases):
    doc = dict(header)
    doc["cases"] = cases
    path = os.path.join(HERE, name)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(dump(doc) + "\n")
    print("wrote %-18s %4d cases  %8d bytes" % (name, len(cases), os.path.getsize(path)))


def header(what):
    return {
        "format": FORMAT,
        "contents": what,
        "generator": "data/reference/generate.py",
        "engine": "PyTorch %s, NumPy %s" % (torch.__version__, np.__version__),
        "conventions": "row-major float32; images NHWC; Dense kernel (in, out); "
                       "Conv2D kernel (kh, kw, in, out); L = sum(output * dy); "
                       "grads[name] = dL/d(name)",
    }


# --------------------------------------------------------------------------- case runner

WORST = []  # (file, case, measured error / tolerance) for the summary


def max_ratio(a32, a64, tol):
    a32 = a32.detach().double()
    a64 = a64.detach().double()
    err = (a32 - a64).abs()
    lim = tol["atol"] + tol["rtol"] * a64.abs()
    return float((err / lim).max()) if err.numel() else 0.0


def run(name, kind, op, params, inputs, fn, tol, weights=None, no_grad=(), dy_scale=1.0,
        seed=0, scalar_dy_one=False, file=""):
    """Evaluates fn in float32 (stored) and float64 (checks the tolerance), with gradients
    of L = sum(output * dy) w.r.t. every float input not in no_grad and every weight."""
    weights = weights or {}
    rng = np.random.default_rng(seed + 7919)
    results = {}
    dy_np = None
    for dt in (torch.float32, torch.float64):
        leaves = {}
        for k, v in list(inputs.items()) + list(weights.items()):
            t = torch.from_numpy(np.array(v))
            if t.is_floating_point():
                t = t.to(dt)
                if k not in no_grad:
                    t.requires_grad_(True)
            leaves[k] = t
        out = fn(leaves)
        if dy_np is None:
            if scalar_dy_one or out.dim() == 0:
                dy_np = np.ones(tuple(out.shape), np.float32)
            else:
                dy_np = (rng.standard_normal(tuple(out.shape)) * dy_scale).astype(np.float32)
        dy = torch.from_numpy(dy_np).to(dt)
        grads = {}
        needs = [k for k, t in leaves.items() if t.requires_grad]
        if needs:
            L = (out * dy).sum()
            gs = torch.autograd.grad(L, [leaves[k] for k in needs], allow_unused=True)
            for k, g in zip(needs, gs):
                grads[k] = g if g is not None else torch.zeros_like(leaves[k])
        results[dt] = (out.detach(), {k: g.detach() for k, g in grads.items()})
    out32, g32 = results[torch.float32]
    out64, g64 = results[torch.float64]
    ratio = max([max_ratio(out32, out64, tol)] + [max_ratio(g32[k], g64[k], tol) for k in g32])
    WORST.append((file, name, ratio))
    if ratio > 0.25:
        raise SystemExit("case %s: float32 vs float64 error is %.3g of the tolerance; "
                         "loosen it" % (name, ratio))
    case = {"name": name, "kind": kind, "op": op, "params": params,
            "inputs": {k: tensor(np.asarray(v)) for k, v in inputs.items()}}
    if weights:
        case["weights"] = {k: tensor(np.asarray(v)) for k, v in weights.items()}
    case["output"] = tensor(out32)
    case["dy"] = tensor(dy_np)
    case["grads"] = {k: tensor(g32[k]) for k in g32}
    case["tol"] = tol
    return case


def randn(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def uniform(rng, lo, hi, *shape):
    return rng.uniform(lo, hi, shape).astype(np.float32)


def away_from(rng, shape, points, gap=1e-2, scale=1.0):
    """Normal samples kept at least gap away from each of points (no ties, no kinks)."""
    x = randn(rng, *shape, scale=scale)
    for _ in range(100):
        bad = np.zeros(x.shape, bool)
        for p in points:
            bad |= np.abs(x - p) < gap
        if not bad.any():
            return x
        x[bad] = randn(rng, int(bad.sum()), scale=scale)
    raise RuntimeError("could not sample away from %r" % (points,))


def distinct(rng, *shape):
    """Normal samples whose values differ pairwise by at least 1e-3 (unique max/min)."""
    while True:
        x = randn(rng, *shape)
        s = np.sort(x.reshape(-1))
        if s.size < 2 or np.min(np.diff(s)) > 1e-3:
            return x


# --------------------------------------------------------------------------- ops

TOL_ELEMENTWISE = {"rtol": 1e-5, "atol": 1e-6}
TOL_REDUCE = {"rtol": 1e-5, "atol": 1e-5}
TOL_MATMUL = {"rtol": 1e-4, "atol": 1e-5}


def ops_cases():
    f = "ops.json"
    rng = np.random.default_rng(1)
    C = []

    def add(*a, **k):
        C.append(run(*a, file=f, seed=len(C), **k))

    T = TOL_ELEMENTWISE
    # binary element-wise with broadcasting (NumPy rules)
    add("add_row_broadcast", "op", "add", {}, {"a": randn(rng, 2, 3), "b": randn(rng, 3)},
        lambda t: t["a"] + t["b"], T)
    add("add_same_shape", "op", "add", {}, {"a": randn(rng, 3, 4), "b": randn(rng, 3, 4)},
        lambda t: t["a"] + t["b"], T)
    add("add_scalar", "op", "add_scalar", {"scalar": 2.5}, {"x": randn(rng, 2, 3)},
        lambda t: t["x"] + 2.5, T)
    add("sub_both_broadcast", "op", "sub", {}, {"a": randn(rng, 4, 1), "b": randn(rng, 1, 3)},
        lambda t: t["a"] - t["b"], T)
    add("mul_broadcast_3d", "op", "mul", {}, {"a": randn(rng, 2, 3, 4), "b": randn(rng, 3, 1)},
        lambda t: t["a"] * t["b"], T)
    add("mul_scalar", "op", "mul_scalar", {"scalar": -1.5}, {"x": randn(rng, 2, 3)},
        lambda t: t["x"] * -1.5, T)
    den = uniform(rng, 0.5, 2.0, 2, 1) * np.where(rng.random((2, 1)) < 0.5, -1, 1).astype(np.float32)
    add("div_column_broadcast", "op", "div", {}, {"a": randn(rng, 2, 3), "b": den},
        lambda t: t["a"] / t["b"], T)
    add("div_same_shape", "op", "div", {}, {"a": randn(rng, 3, 3), "b": uniform(rng, 0.5, 2.0, 3, 3)},
        lambda t: t["a"] / t["b"], T)
    add("neg", "op", "neg", {}, {"x": randn(rng, 2, 3)}, lambda t: -t["x"], T)
    add("pow_2_5_positive", "op", "pow", {"exponent": 2.5}, {"x": uniform(rng, 0.1, 3.0, 2, 4)},
        lambda t: torch.pow(t["x"], 2.5), T)
    add("pow_3", "op", "pow", {"exponent": 3.0}, {"x": randn(rng, 2, 4)},
        lambda t: torch.pow(t["x"], 3.0), T)
    add("exp", "op", "exp", {}, {"x": randn(rng, 2, 4, scale=2.0)}, lambda t: torch.exp(t["x"]), T)
    add("log", "op", "log", {}, {"x": uniform(rng, 0.05, 5.0, 2, 4)}, lambda t: torch.log(t["x"]), T)
    add("sqrt", "op", "sqrt", {}, {"x": uniform(rng, 0.05, 5.0, 2, 4)}, lambda t: torch.sqrt(t["x"]), T)
    add("abs", "op", "abs", {}, {"x": away_from(rng, (2, 4), [0.0])}, lambda t: torch.abs(t["x"]), T)
    a, b = randn(rng, 3, 4), randn(rng, 4)
    while np.min(np.abs(a - b)) < 1e-2:
        a, b = randn(rng, 3, 4), randn(rng, 4)
    add("maximum_broadcast", "op", "maximum", {}, {"a": a, "b": b},
        lambda t: torch.maximum(t["a"], t["b"]), T)
    add("minimum_broadcast", "op", "minimum", {}, {"a": a, "b": b},
        lambda t: torch.minimum(t["a"], t["b"]), T)
    add("maximum_scalar", "op", "maximum_scalar", {"scalar": 0.1},
        {"x": away_from(rng, (3, 4), [0.1])},
        lambda t: torch.maximum(t["x"], torch.tensor(0.1, dtype=t["x"].dtype)), T)
    add("minimum_scalar", "op", "minimum_scalar", {"scalar": -0.2},
        {"x": away_from(rng, (3, 4), [-0.2])},
        lambda t: torch.minimum(t["x"], torch.tensor(-0.2, dtype=t["x"].dtype)), T)
    add("clamp", "op", "clamp", {"min": -0.5, "max": 0.5},
        {"x": away_from(rng, (3, 4), [-0.5, 0.5])},
        lambda t: torch.clamp(t["x"], -0.5, 0.5), T)

    # reductions
    R = TOL_REDUCE
    x = randn(rng, 3, 4)
    add("sum_all", "op", "sum", {"axis": None, "keepdims": False}, {"x": x}, lambda t: t["x"].sum(), R)
    add("sum_axis0", "op", "sum", {"axis": 0, "keepdims": False}, {"x": x},
        lambda t: t["x"].sum(0), R)
    add("sum_axis1_keepdims", "op", "sum", {"axis": 1, "keepdims": True}, {"x": x},
        lambda t: t["x"].sum(1, keepdim=True), R)
    x3 = randn(rng, 2, 3, 4)
    add("sum_3d_axis1", "op", "sum", {"axis": 1, "keepdims": False}, {"x": x3},
        lambda t: t["x"].sum(1), R)
    add("sum_3d_last_axis_keepdims", "op", "sum", {"axis": -1, "keepdims": True}, {"x": x3},
        lambda t: t["x"].sum(-1, keepdim=True), R)
    add("mean_all", "op", "mean", {"axis": None, "keepdims": False}, {"x": x}, lambda t: t["x"].mean(), R)
    add("mean_axis0_keepdims", "op", "mean", {"axis": 0, "keepdims": True}, {"x": x},
        lambda t: t["x"].mean(0, keepdim=True), R)
    add("mean_axis1", "op", "mean", {"axis": 1, "keepdims": False}, {"x": x},
        lambda t: t["x"].mean(1), R)
    xd = distinct(rng, 3, 4)
    add("max_all", "op", "max", {"axis": None, "keepdims": False}, {"x": xd}, lambda t: t["x"].max(), R)
    add("max_axis1", "op", "max", {"axis": 1, "keepdims": False}, {"x": xd},
        lambda t: t["x"].max(1).values, R)
    add("max_axis0_keepdims", "op", "max", {"axis": 0, "keepdims": True}, {"x": xd},
        lambda t: t["x"].max(0, keepdim=True).values, R)
    add("min_axis1_keepdims", "op", "min", {"axis": 1, "keepdims": True}, {"x": xd},
        lambda t: t["x"].min(1, keepdim=True).values, R)
    add("sum_large_1000", "op", "sum", {"axis": None, "keepdims": False},
        {"x": randn(rng, 1000)}, lambda t: t["x"].sum(), R)

    # matmul
    M = TOL_MATMUL
    add("matmul_2d", "op", "matmul", {}, {"a": randn(rng, 3, 4), "b": randn(rng, 4, 5)},
        lambda t: t["a"] @ t["b"], M)
    add("matmul_2d_odd_sizes", "op", "matmul", {}, {"a": randn(rng, 13, 37), "b": randn(rng, 37, 29)},
        lambda t: t["a"] @ t["b"], M)
    add("matmul_batched_3d_by_2d", "op", "matmul", {}, {"a": randn(rng, 2, 3, 4), "b": randn(rng, 4, 5)},
        lambda t: t["a"] @ t["b"], M)
    add("matmul_vector_row", "op", "matmul", {}, {"a": randn(rng, 1, 6), "b": randn(rng, 6, 3)},
        lambda t: t["a"] @ t["b"], M)

    # shape ops
    add("reshape", "op", "reshape", {"shape": [6, 4]}, {"x": randn(rng, 2, 3, 4)},
        lambda t: t["x"].reshape(6, 4), T)
    add("transpose_2d", "op", "transpose", {}, {"x": randn(rng, 3, 5)},
        lambda t: t["x"].t(), T)
    add("concat_axis0", "op", "concat", {"axis": 0}, {"a": randn(rng, 2, 3), "b": randn(rng, 1, 3)},
        lambda t: torch.cat([t["a"], t["b"]], 0), T)
    add("concat_axis1", "op", "concat", {"axis": 1}, {"a": randn(rng, 2, 3), "b": randn(rng, 2, 2)},
        lambda t: torch.cat([t["a"], t["b"]], 1), T)
    return C


# --------------------------------------------------------------------------- activations


def activation_cases():
    f = "activations.json"
    rng = np.random.default_rng(2)
    C = []
    T = TOL_ELEMENTWISE

    def add(*a, **k):
        C.append(run(*a, file=f, seed=100 + len(C), **k))

    x = away_from(rng, (4, 6), [0.0], scale=2.0)
    wide = away_from(rng, (3, 8), [0.0], scale=15.0)
    acts = [
        ("sigmoid", {}, torch.sigmoid),
        ("tanh", {}, torch.tanh),
        ("atan", {}, torch.atan),
        ("relu", {}, torch.relu),
        ("leaky_relu", {"negative_slope": 0.3}, lambda z: F.leaky_relu(z, 0.3)),
        ("leaky_relu", {"negative_slope": 0.01}, lambda z: F.leaky_relu(z, 0.01)),
        ("linear", {}, lambda z: z),
    ]
    for op, params, fn in acts:
        suffix = "_%g" % params["negative_slope"] if params else ""
        add(op + suffix, "activation", op, params, {"x": x}, lambda t, fn=fn: fn(t["x"]), T)
    for op, params, fn in acts[:3]:
        add(op + "_wide_range", "activation", op, params, {"x": wide},
            lambda t, fn=fn: fn(t["x"]), T)
    add("softmax", "activation", "softmax", {"axis": -1}, {"x": x},
        lambda t: torch.softmax(t["x"], -1), T)
    add("softmax_3d", "activation", "softmax", {"axis": -1}, {"x": randn(rng, 2, 3, 5, scale=2.0)},
        lambda t: torch.softmax(t["x"], -1), T)
    big = (randn(rng, 2, 5, scale=3.0) + np.float32(1000.0)).astype(np.float32)
    big[1] -= np.float32(2000.0)
    add("softmax_large_logits", "activation", "softmax", {"axis": -1}, {"x": big},
        lambda t: torch.softmax(t["x"], -1), {"rtol": 1e-5, "atol": 1e-6})
    return C


# --------------------------------------------------------------------------- losses

TOL_LOSS = {"rtol": 1e-5, "atol": 1e-6}


CLIP_LO = float(np.float32(EPS))        # the float32 bounds, also in the float64 check
CLIP_HI = float(np.float32(1 - EPS))    # 1 - 1e-7 rounds to 0.99999988 in float32


def clip(p):
    return torch.clamp(p, CLIP_LO, CLIP_HI)


def loss_cases():
    f = "losses.json"
    rng = np.random.default_rng(3)
    C = []
    T = TOL_LOSS

    def add(*a, **k):
        C.append(run(*a, file=f, seed=200 + len(C), no_grad=("y_true",), **k))

    n, k = 5, 4
    # MSE: Keras mean over the last axis then over the batch = mean over all elements
    add("mse", "loss", "mse", {"reduction": "mean"},
        {"y_true": randn(rng, n, 3), "y_pred": randn(rng, n, 3)},
        lambda t: F.mse_loss(t["y_pred"], t["y_true"]), T)
    add("mse_single_output", "loss", "mse", {"reduction": "mean"},
        {"y_true": randn(rng, n, 1), "y_pred": randn(rng, n, 1)},
        lambda t: F.mse_loss(t["y_pred"], t["y_true"]), T)

    # binary cross-entropy on probabilities: -mean(y log p + (1-y) log(1-p)), p clipped to
    # [eps, 1-eps] (Keras); inputs away from the clip so torch's own op gives the same
    yb = (rng.random((n, 1)) < 0.5).astype(np.float32)
    add("binary_crossentropy", "loss", "binary_crossentropy",
        {"from_logits": False, "epsilon": EPS, "clip": True, "reduction": "mean"},
        {"y_true": yb, "y_pred": uniform(rng, 0.05, 0.95, n, 1)},
        lambda t: F.binary_cross_entropy(clip(t["y_pred"]), t["y_true"]), T)
    ym = (rng.random((n, 3)) < 0.5).astype(np.float32)
    add("binary_crossentropy_multilabel", "loss", "binary_crossentropy",
        {"from_logits": False, "epsilon": EPS, "clip": True, "reduction": "mean"},
        {"y_true": ym, "y_pred": uniform(rng, 0.05, 0.95, n, 3)},
        lambda t: F.binary_cross_entropy(clip(t["y_pred"]), t["y_true"]), T)
    # probabilities at exactly 0 and 1: the clip decides the value, its gradient there is 0
    pe = np.array([[0.0], [1.0], [0.3], [1.0], [0.0]], np.float32)
    ye = np.array([[1.0], [0.0], [1.0], [1.0], [0.0]], np.float32)

    def bce_explicit(t):
        p = clip(t["y_pred"])
        y = t["y_true"]
        return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()

    add("binary_crossentropy_clipped", "loss", "binary_crossentropy",
        {"from_logits": False, "epsilon": EPS, "clip": True, "reduction": "mean"},
        {"y_true": ye, "y_pred": pe}, bce_explicit, {"rtol": 1e-4, "atol": 1e-5})
    add("binary_crossentropy_from_logits", "loss", "binary_crossentropy",
        {"from_logits": True, "reduction": "mean"},
        {"y_true": yb, "y_pred": randn(rng, n, 1, scale=3.0)},
        lambda t: F.binary_cross_entropy_with_logits(t["y_pred"], t["y_true"]), T)
    add("binary_crossentropy_from_logits_large", "loss", "binary_crossentropy",
        {"from_logits": True, "reduction": "mean"},
        {"y_true": np.array([[1], [0], [1], [0]], np.float32),
         "y_pred": np.array([[-120.0], [150.0], [40.0], [-60.0]], np.float32)},
        lambda t: F.binary_cross_entropy_with_logits(t["y_pred"], t["y_true"]), T)

    # categorical cross-entropy, one-hot targets
    labels = rng.integers(0, k, n)
    onehot = np.eye(k, dtype=np.float32)[labels]
    logits = randn(rng, n, k, scale=2.0)
    probs = torch.softmax(torch.from_numpy(logits), -1).numpy().astype(np.float32)

    def cce_probs(t):  # -mean_n sum_k y log clip(p)
        return -(t["y_true"] * torch.log(clip(t["y_pred"]))).sum(-1).mean()

    def cce_probs_renorm(t):  # Keras: p / sum(p) first, then clip and log
        p = t["y_pred"] / t["y_pred"].sum(-1, keepdim=True)
        return -(t["y_true"] * torch.log(clip(p))).sum(-1).mean()

    add("categorical_crossentropy_probs", "loss", "categorical_crossentropy",
        {"from_logits": False, "epsilon": EPS, "clip": True, "normalize": False, "reduction": "mean"},
        {"y_true": onehot, "y_pred": probs}, cce_probs, T)
    add("categorical_crossentropy_probs_keras_normalized", "loss", "categorical_crossentropy",
        {"from_logits": False, "epsilon": EPS, "clip": True, "normalize": True, "reduction": "mean"},
        {"y_true": onehot, "y_pred": probs}, cce_probs_renorm, T)
    add("softmax_then_categorical_crossentropy", "loss", "softmax+categorical_crossentropy",
        {"from_logits": False, "epsilon": EPS, "clip": True, "normalize": False, "reduction": "mean"},
        {"y_true": onehot, "logits": logits},
        lambda t: cce_probs({"y_true": t["y_true"], "y_pred": torch.softmax(t["logits"], -1)}), T)
    add("categorical_crossentropy_from_logits", "loss", "categorical_crossentropy",
        {"from_logits": True, "reduction": "mean"},
        {"y_true": onehot, "y_pred": logits},
        lambda t: -(t["y_true"] * torch.log_softmax(t["y_pred"], -1)).sum(-1).mean(), T)
    soft = uniform(rng, 0.0, 1.0, n, k)
    soft /= soft.sum(-1, keepdims=True)
    add("categorical_crossentropy_from_logits_soft_targets", "loss", "categorical_crossentropy",
        {"from_logits": True, "reduction": "mean"},
        {"y_true": soft.astype(np.float32), "y_pred": logits},
        lambda t: -(t["y_true"] * torch.log_softmax(t["y_pred"], -1)).sum(-1).mean(), T)

    # sparse categorical cross-entropy, int labels
    lab = labels.astype(np.int64)

    def scce_probs(t):
        p = clip(t["y_pred"])
        return -torch.log(p.gather(1, t["y_true"].view(-1, 1))).mean()

    add("sparse_categorical_crossentropy_probs", "loss", "sparse_categorical_crossentropy",
        {"from_logits": False, "epsilon": EPS, "clip": True, "normalize": False, "reduction": "mean"},
        {"y_true": lab, "y_pred": probs}, scce_probs, T)
    def scce_probs_renorm(t):  # Keras: log of the clipped probabilities taken as logits
        return F.cross_entropy(torch.log(clip(t["y_pred"])), t["y_true"])

    add("sparse_categorical_crossentropy_probs_keras_normalized", "loss",
        "sparse_categorical_crossentropy",
        {"from_logits": False, "epsilon": EPS, "clip": True, "normalize": True, "reduction": "mean"},
        {"y_true": lab, "y_pred": probs}, scce_probs_renorm, T)
    add("sparse_categorical_crossentropy_from_logits", "loss", "sparse_categorical_crossentropy",
        {"from_logits": True, "reduction": "mean"},
        {"y_true": lab, "y_pred": logits},
        lambda t: F.cross_entropy(t["y_pred"], t["y_true"]), T)
    big = np.array([[1000.0, 0.0, -1000.0, 5.0], [-50.0, 60.0, 59.0, 0.0]], np.float32)
    add("sparse_categorical_crossentropy_from_logits_large", "loss", "sparse_categorical_crossentropy",
        {"from_logits": True, "reduction": "mean"},
        {"y_true": np.array([2, 2], np.int64), "y_pred": big},
        lambda t: F.cross_entropy(t["y_pred"], t["y_true"]), T)
    return C


# --------------------------------------------------------------------------- layers

TOL_LAYER = {"rtol": 1e-4, "atol": 1e-5}


def tf_same_pads(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def conv2d_nhwc(x, kernel, bias, strides, padding):
    """x (N,H,W,C), kernel (kh,kw,in,out), bias (out) -> (N,H',W',out), TensorFlow padding."""
    kh, kw = kernel.shape[0], kernel.shape[1]
    xn = x.permute(0, 3, 1, 2)
    if padding == "same":
        top, bottom = tf_same_pads(x.shape[1], kh, strides[0])
        left, right = tf_same_pads(x.shape[2], kw, strides[1])
        xn = F.pad(xn, (left, right, top, bottom))
    y = F.conv2d(xn, kernel.permute(3, 2, 0, 1), bias, stride=tuple(strides))
    return y.permute(0, 2, 3, 1)


def conv2d_numpy(x, kernel, bias, s, padding):
    """Plain loop over output positions, float64: an independent check of conv2d_nhwc."""
    kh, kw = kernel.shape[:2]
    if padding == "same":
        (t, b), (l, r) = tf_same_pads(x.shape[1], kh, s), tf_same_pads(x.shape[2], kw, s)
        x = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    oh, ow = (x.shape[1] - kh) // s + 1, (x.shape[2] - kw) // s + 1
    y = np.zeros((x.shape[0], oh, ow, kernel.shape[3]))
    for i in range(oh):
        for j in range(ow):
            y[:, i, j, :] = np.einsum("nabc,abcf->nf", x[:, i * s:i * s + kh, j * s:j * s + kw, :],
                                      kernel) + bias
    return y


def layer_cases():
    f = "layers.json"
    rng = np.random.default_rng(4)
    C = []
    T = TOL_LAYER

    def add(*a, **k):
        C.append(run(*a, file=f, seed=300 + len(C), **k))

    acts = {"linear": lambda z: z, "relu": torch.relu, "softmax": lambda z: torch.softmax(z, -1),
            "sigmoid": torch.sigmoid}
    for act in ("linear", "relu", "softmax", "sigmoid"):
        x = randn(rng, 4, 5)
        w = {"kernel": randn(rng, 5, 3, scale=0.5), "bias": randn(rng, 3, scale=0.1)}
        add("dense_" + act, "layer", "dense", {"units": 3, "activation": act}, {"x": x},
            lambda t, a=acts[act]: a(t["x"] @ t["kernel"] + t["bias"]), T, weights=w)

    convs = [
        # name, N, H, W, Cin, filters, kh, kw, stride, padding, activation
        ("conv2d_valid_3x3_c1", 2, 6, 6, 1, 2, 3, 3, 1, "valid", "linear"),
        ("conv2d_valid_3x3_c3_nonsquare", 2, 5, 7, 3, 4, 3, 3, 1, "valid", "linear"),
        ("conv2d_same_3x3_c3", 2, 5, 5, 3, 4, 3, 3, 1, "same", "linear"),
        ("conv2d_same_2x2_c1", 1, 4, 5, 1, 3, 2, 2, 1, "same", "linear"),
        ("conv2d_valid_2x2_c3", 2, 4, 4, 3, 2, 2, 2, 1, "valid", "linear"),
        ("conv2d_valid_3x3_stride2", 2, 7, 7, 1, 3, 3, 3, 2, "valid", "linear"),
        ("conv2d_same_3x3_stride2_odd", 2, 7, 7, 3, 2, 3, 3, 2, "same", "linear"),
        ("conv2d_same_3x3_stride2_even", 2, 6, 6, 1, 3, 3, 3, 2, "same", "linear"),
        ("conv2d_same_2x2_stride2_odd", 1, 5, 5, 3, 2, 2, 2, 2, "same", "linear"),
        ("conv2d_valid_2x2_stride2", 2, 6, 6, 3, 4, 2, 2, 2, "valid", "linear"),
        ("conv2d_valid_3x3_relu", 2, 6, 6, 3, 5, 3, 3, 1, "valid", "relu"),
    ]
    for name, n, h, w_, cin, filt, kh, kw, s, pad, act in convs:
        x = randn(rng, n, h, w_, cin)
        wt = {"kernel": randn(rng, kh, kw, cin, filt, scale=0.5), "bias": randn(rng, filt, scale=0.1)}
        params = {"filters": filt, "kernel_size": [kh, kw], "strides": [s, s], "padding": pad,
                  "activation": act}
        if pad == "same":
            params["tf_pads"] = {"top_bottom": list(tf_same_pads(h, kh, s)),
                                 "left_right": list(tf_same_pads(w_, kw, s))}
        add(name, "layer", "conv2d", params, {"x": x},
            lambda t, s=s, pad=pad, a=acts[act]: a(conv2d_nhwc(t["x"], t["kernel"], t["bias"], [s, s], pad)),
            T, weights=wt)
        ref = conv2d_numpy(x.astype(np.float64), wt["kernel"].astype(np.float64),
                           wt["bias"].astype(np.float64), s, pad)
        if act == "relu":
            ref = np.maximum(ref, 0)
        got = np.array(C[-1]["output"]["data"].text[1:-1].split(","), np.float64).reshape(ref.shape)
        if np.max(np.abs(got - ref)) > 1e-5:
            raise SystemExit("conv2d case %s disagrees with the NumPy loop" % name)

    def pool(t):
        return F.max_pool2d(t["x"].permute(0, 3, 1, 2), 2, 2).permute(0, 2, 3, 1)

    add("maxpool2d_2x2", "layer", "maxpool2d", {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid"},
        {"x": distinct(rng, 2, 4, 4, 3)}, pool, T)
    add("maxpool2d_2x2_odd_input", "layer", "maxpool2d",
        {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid"},
        {"x": distinct(rng, 2, 5, 5, 2)}, pool, T)
    add("flatten_nhwc", "layer", "flatten", {}, {"x": randn(rng, 2, 3, 3, 2)},
        lambda t: t["x"].reshape(t["x"].shape[0], -1), T)
    add("dropout_inference", "layer", "dropout", {"rate": 0.2, "training": False},
        {"x": randn(rng, 3, 4)}, lambda t: F.dropout(t["x"], 0.2, training=False), T)
    return C


# --------------------------------------------------------------------------- optimizers


def keras_steps(kind, hp, p0, grads):
    """The Keras 3 update rules written out in float64 NumPy."""
    p = {k: v.astype(np.float64) for k, v in p0.items()}
    st = {k: [np.zeros_like(v), np.zeros_like(v)] for k, v in p.items()}
    out = []
    for t, g in enumerate(grads, start=1):
        for k in p:
            gk = g[k].astype(np.float64)
            a, b = st[k]
            if kind == "sgd":
                lr, mom, nest = hp["learning_rate"], hp["momentum"], hp["nesterov"]
                if mom == 0:
                    p[k] = p[k] - lr * gk
                else:
                    a[...] = mom * a - lr * gk
                    p[k] = p[k] + (mom * a - lr * gk if nest else a)
            elif kind == "rmsprop":
                lr, rho, eps = hp["learning_rate"], hp["rho"], hp["epsilon"]
                a[...] = rho * a + (1 - rho) * gk * gk
                p[k] = p[k] - lr * gk / np.sqrt(a + eps)
            elif kind == "adam":
                lr, b1, b2, eps = hp["learning_rate"], hp["beta_1"], hp["beta_2"], hp["epsilon"]
                alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                a[...] = a + (gk - a) * (1 - b1)
                b[...] = b + (gk * gk - b) * (1 - b2)
                p[k] = p[k] - alpha * a / (np.sqrt(b) + eps)
        out.append({k: v.copy() for k, v in p.items()})
    return out


def torch_steps(make, p0, grads, dtype):
    params = {k: torch.tensor(v, dtype=dtype, requires_grad=True) for k, v in p0.items()}
    opt = make(list(params.values()))
    out = []
    for g in grads:
        for k, t in params.items():
            t.grad = torch.tensor(g[k], dtype=dtype)
        opt.step()
        out.append({k: t.detach().clone() for k, t in params.items()})
    return out


def optimizer_cases():
    rng = np.random.default_rng(5)
    C = []
    steps = 5
    specs = [
        ("sgd", "sgd", {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
         "torch.optim.SGD(lr=0.01)", lambda ps: torch.optim.SGD(ps, lr=0.01), 1.0),
        ("sgd_momentum", "sgd", {"learning_rate": 0.01, "momentum": 0.9, "nesterov": False},
         "torch.optim.SGD(lr=0.01, momentum=0.9)",
         lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9), 1.0),
        ("sgd_nesterov", "sgd", {"learning_rate": 0.01, "momentum": 0.9, "nesterov": True},
         "torch.optim.SGD(lr=0.01, momentum=0.9, nesterov=True)",
         lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9, nesterov=True), 1.0),
        ("rmsprop", "rmsprop", {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7},
         "torch.optim.RMSprop(lr=0.001, alpha=0.9, eps=1e-7)",
         lambda ps: torch.optim.RMSprop(ps, lr=0.001, alpha=0.9, eps=1e-7), 1.0),
        ("rmsprop_small_grads", "rmsprop",
         {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7},
         "torch.optim.RMSprop(lr=0.001, alpha=0.9, eps=1e-7)",
         lambda ps: torch.optim.RMSprop(ps, lr=0.001, alpha=0.9, eps=1e-7), 1e-4),
        ("adam", "adam", {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
         "torch.optim.Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-7)",
         lambda ps: torch.optim.Adam(ps, lr=0.001, betas=(0.9, 0.999), eps=1e-7), 1.0),
        ("adam_small_grads", "adam",
         {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
         "torch.optim.Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-7)",
         lambda ps: torch.optim.Adam(ps, lr=0.001, betas=(0.9, 0.999), eps=1e-7), 1e-6),
    ]
    tol = {"rtol": 1e-6, "atol": 1e-6}
    for name, kind, hp, call, make, gscale in specs:
        p0 = {"w": randn(rng, 3, 2), "b": randn(rng, 2)}
        grads = [{k: randn(rng, *v.shape, scale=gscale) for k, v in p0.items()} for _ in range(steps)]
        t32 = torch_steps(make, p0, grads, torch.float32)
        t64 = torch_steps(make, p0, grads, torch.float64)
        ker = keras_steps(kind, hp, p0, grads)
        ratio = 0.0
        diff = 0.0
        for a, b, kk in zip(t32, t64, ker):
            for k in a:
                ratio = max(ratio, max_ratio(a[k], b[k], tol))
                diff = max(diff, float(np.max(np.abs(b[k].numpy() - kk[k]))))
        WORST.append(("optimizers.json", name, ratio))
        if ratio > 0.25:
            raise SystemExit("optimizer case %s exceeds its tolerance" % name)
        C.append({
            "name": name, "kind": "optimizer", "op": kind, "params": hp, "torch": call,
            "steps": steps,
            "initial": {k: tensor(v) for k, v in p0.items()},
            "step_grads": [{k: tensor(v) for k, v in g.items()} for g in grads],
            "torch_after_step": [{k: tensor(v) for k, v in s.items()} for s in t32],
            "keras_after_step": [{k: tensor(v.astype(np.float32)) for k, v in s.items()} for s in ker],
            "max_abs_diff_torch_vs_keras": float("%.3g" % diff),
            "tol": tol,
        })
    return C


# --------------------------------------------------------------------------- end-to-end CNN

MNIST_NAMES = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
               "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}


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
    raise SystemExit("MNIST file %s(.gz) not found in %s: pass --mnist DIR, or --skip-mnist"
                     % (name, directory))


def splitmix64_uniform(stream, count):
    """count float32 values in [-1, 1): element i comes from SplitMix64 at state
    stream * 2**32 + i, top 24 bits -> k, value (k - 2**23) / 2**23 (exact in float32)."""
    with np.errstate(over="ignore"):
        m = np.uint64(0xFFFFFFFFFFFFFFFF)
        state = (np.uint64(stream) << np.uint64(32)) + np.arange(count, dtype=np.uint64)
        z = (state + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15) & m
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9) & m
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB) & m
        z = z ^ (z >> np.uint64(31))
    k = (z >> np.uint64(40)).astype(np.int64)
    return ((k - (1 << 23)).astype(np.float32) / np.float32(1 << 23)).astype(np.float32)


def glorot(stream, shape, fan_in, fan_out):
    limit = np.float32(math.sqrt(6.0 / (fan_in + fan_out)))
    return (splitmix64_uniform(stream, int(np.prod(shape))) * limit).astype(np.float32).reshape(shape), limit


def summary(a):
    a = np.asarray(a, np.float64)
    return {"sum": float(a.sum()), "sum_abs": float(np.abs(a).sum()),
            "sum_sq": float((a * a).sum()), "first": [float(v) for v in a.reshape(-1)[:8]]}


def cnn_forward(p, x):
    """x (N,28,28,1) -> probabilities (N,10); Flatten in NHWC order like Keras."""
    y = conv2d_nhwc(x, p["conv_kernel"], p["conv_bias"], [1, 1], "valid")  # no activation
    y = F.max_pool2d(y.permute(0, 3, 1, 2), 2, 2).permute(0, 2, 3, 1)
    y = y.reshape(y.shape[0], -1)
    y = torch.relu(y @ p["dense1_kernel"] + p["dense1_bias"])
    # Dropout(0.2) sits here; disabled (inference behaviour) so the run is deterministic
    return torch.softmax(y @ p["dense2_kernel"] + p["dense2_bias"], -1)


def cnn_loss(p, x, y):
    probs = cnn_forward(p, x)
    return -torch.log(clip(probs).gather(1, y.view(-1, 1))).mean()


def cnn_case(mnist_dir, dtype=torch.float32, optimizer="torch"):
    imgs = read_idx(mnist_dir, MNIST_NAMES["train_images"])[:320]
    labs = read_idx(mnist_dir, MNIST_NAMES["train_labels"])[:320]
    X = torch.from_numpy((imgs.astype(np.float32) / np.float32(255.0)).reshape(320, 28, 28, 1)).to(dtype)
    Y = torch.from_numpy(labs.astype(np.int64))
    init = {}
    shapes = [("conv_kernel", (3, 3, 1, 28), 9, 252, 1), ("dense1_kernel", (4732, 128), 4732, 128, 2),
              ("dense2_kernel", (128, 10), 128, 10, 3)]
    limits = {}
    for name, shape, fi, fo, stream in shapes:
        init[name], limits[name] = glorot(stream, shape, fi, fo)
    init["conv_bias"] = np.zeros(28, np.float32)
    init["dense1_bias"] = np.zeros(128, np.float32)
    init["dense2_bias"] = np.zeros(10, np.float32)
    order = ["conv_kernel", "conv_bias", "dense1_kernel", "dense1_bias", "dense2_kernel", "dense2_bias"]
    p = {k: torch.tensor(init[k], dtype=dtype, requires_grad=True) for k in order}
    lr, b1, b2, eps = 0.001, 0.9, 0.999, 1e-7
    opt = torch.optim.Adam([p[k] for k in order], lr=lr, betas=(b1, b2), eps=eps)
    mstate = {k: torch.zeros_like(p[k]) for k in order}
    vstate = {k: torch.zeros_like(p[k]) for k in order}
    train_loss, probe = [], []
    for step in range(10):
        with torch.no_grad():
            probe.append(float(cnn_loss(p, X, Y)))
        xb, yb = X[32 * step:32 * step + 32], Y[32 * step:32 * step + 32]
        for t in p.values():
            t.grad = None
        loss = cnn_loss(p, xb, yb)
        loss.backward()
        train_loss.append(float(loss))
        if optimizer == "torch":
            opt.step()
        else:  # Keras 3 Adam written out
            t = step + 1
            alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            with torch.no_grad():
                for k in order:
                    g = p[k].grad
                    mstate[k] += (g - mstate[k]) * (1 - b1)
                    vstate[k] += (g * g - vstate[k]) * (1 - b2)
                    p[k] -= alpha * mstate[k] / (torch.sqrt(vstate[k]) + eps)
    with torch.no_grad():
        probe.append(float(cnn_loss(p, X, Y)))
    final = {k: p[k].detach().double().numpy() for k in order}
    return init, limits, train_loss, probe, final


def cnn_file(mnist_dir):
    init, limits, tl32, pr32, fin32 = cnn_case(mnist_dir)
    _, _, tl64, pr64, fin64 = cnn_case(mnist_dir, torch.float64)
    _, _, ktl32, kpr32, kfin32 = cnn_case(mnist_dir, optimizer="keras")
    _, _, ktl64, kpr64, _ = cnn_case(mnist_dir, torch.float64, optimizer="keras")
    dev = max(abs(a - b) for a, b in zip(tl32 + pr32 + ktl32 + kpr32, tl64 + pr64 + ktl64 + kpr64))
    dev_w = max(float(np.max(np.abs(fin32[k] - fin64[k]))) for k in fin32)
    tol = {"loss_rtol": 1e-4, "loss_atol": 1e-5, "weights_atol": 1e-5}
    WORST.append(("cnn_mnist.json", "losses f32 vs f64", dev / (tol["loss_atol"] + tol["loss_rtol"] * 2.5)))
    WORST.append(("cnn_mnist.json", "final weights f32 vs f64", dev_w / tol["weights_atol"]))
    layers = [
        "Conv2D(28, kernel_size=(3,3)) no activation, input (28,28,1)",
        "MaxPooling2D(pool_size=(2,2))",
        "Flatten() in NHWC order -> 4732",
        "Dense(128, activation='relu')",
        "Dropout(0.2) -- disabled in this run (identity)",
        "Dense(10, activation='softmax')",
    ]
    inits = {}
    for name, stream in (("conv_kernel", 1), ("dense1_kernel", 2), ("dense2_kernel", 3)):
        inits[name] = {"generator": "splitmix64_glorot_uniform", "stream": stream,
                       "shape": list(init[name].shape), "limit": float(limits[name]),
                       "check": summary(init[name])}
    for name in ("conv_bias", "dense1_bias", "dense2_bias"):
        inits[name] = {"generator": "zeros", "shape": list(init[name].shape)}
    case = {
        "name": "course_cnn_mnist_10_adam_steps",
        "kind": "end_to_end",
        "layers": layers,
        "loss": "sparse_categorical_crossentropy on softmax probabilities, clipped to [1e-7, 1-1e-7], "
                "mean over the batch",
        "optimizer": {"name": "adam", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                      "epsilon": 1e-7},
        "data": {"set": "MNIST train", "first_index": 0, "count": 320, "batch_size": 32,
                 "batches": "batch t = images 32t .. 32t+31 in file order, t = 0..9, no shuffling",
                 "scaling": "pixel / 255 as float32", "input_shape": [28, 28, 1]},
        "init": inits,
        "init_generator": "state = stream * 2^32 + i (i = flat index in the Keras layout); "
                          "z = state + 1 times 0x9E3779B97F4A7C15 (mod 2^64); "
                          "z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB; "
                          "z ^= z >> 31; k = z >> 40; u = (k - 2^23) / 2^23 as float32 (exact); "
                          "w = u * limit in float32, limit = (float)sqrt(6 / (fan_in + fan_out)) with "
                          "fan_in = kh*kw*in, fan_out = kh*kw*out for Conv2D",
        "runs": {
            "torch_adam": {
                "train_loss": [float(v) for v in tl32],
                "probe_loss": [float(v) for v in pr32],
                "final": {k: summary(v) for k, v in fin32.items()},
                "final_conv_kernel": tensor(fin32["conv_kernel"].astype(np.float32)),
                "final_dense2_bias": tensor(fin32["dense2_bias"].astype(np.float32)),
            },
            "keras_adam": {
                "train_loss": [float(v) for v in ktl32],
                "probe_loss": [float(v) for v in kpr32],
                "final": {k: summary(v) for k, v in kfin32.items()},
                "final_conv_kernel": tensor(kfin32["conv_kernel"].astype(np.float32)),
                "final_dense2_bias": tensor(kfin32["dense2_bias"].astype(np.float32)),
            },
        },
        "definitions": {
            "train_loss": "train_loss[t] = loss of batch t at the weights before step t (what a "
                          "training loop reports), t = 0..9",
            "probe_loss": "probe_loss[t] = mean loss over all 320 images at the weights after t "
                          "steps, t = 0..10 (0 = initial weights)",
            "torch_adam": "torch.optim.Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-7)",
            "keras_adam": "Keras 3 Adam update written out in torch (epsilon outside sqrt(v), "
                          "bias correction folded into the learning rate)",
            "final": "sum, sum of |w|, sum of w^2 (in float64) and the first 8 values of each "
                     "parameter after 10 steps",
        },
        "float32_vs_float64": {"max_loss_diff": float("%.3g" % dev), "max_weight_diff": float("%.3g" % dev_w)},
        "tol": tol,
    }
    h = header("end-to-end: the course CNN, 10 Adam steps on the first 320 MNIST training images")
    write("cnn_mnist.json", h, [case])


# --------------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mnist", default=os.path.join(REPO, "data", "mnist"),
                    help="folder with the MNIST IDX files, gzipped or not (default: data/mnist)")
    ap.add_argument("--skip-mnist", action="store_true", help="do not (re)write cnn_mnist.json")
    args = ap.parse_args()
    torch.manual_seed(0)
    write("ops.json", header("tensor operations: element-wise with broadcasting, reductions, matmul, "
                             "shape ops"), ops_cases())
    write("activations.json", header("activations: value and gradient"), activation_cases())
    write("losses.json", header("losses (mean over the batch, Keras style): value and gradient"),
          loss_cases())
    write("layers.json", header("layers: Dense, Conv2D (NHWC, TensorFlow padding), MaxPool2D, "
                                "Flatten, Dropout at inference"), layer_cases())
    oh = header("optimizers: parameters after each of 5 steps with given gradients, torch and Keras 3")
    oh["conventions"] = "row-major float32; torch_after_step[t] / keras_after_step[t] = parameters after step t+1"
    write("optimizers.json", oh, optimizer_cases())
    if not args.skip_mnist:
        cnn_file(args.mnist)
    worst = sorted(WORST, key=lambda r: -r[2])[:5]
    print("largest float32-vs-float64 error as a fraction of the stored tolerance:")
    for f, n, r in worst:
        print("  %-16s %-45s %.3g" % (f, n, r))


if __name__ == "__main__":
    sys.exit(main())
