"""Shared parts of the reference implementations: case files, data, timing loop, verification I/O.

Each reference script implements the same SGD step as MeanFieldCluster's engine (docs/performance.md):
one fresh sample per step, step size eps, mean-field scaling (1/N sums, multipliers N), no ridge, no noise.
A case is a JSON object written by the bench: name, model, width, d, dtype, eps, delta, and for the
teacher-student data of the three-layer and deep-fixed-ends cases the teacher width and noise.
"""
import json
import os
import statistics
import sys
import time

import numpy as np

RAMP = dict(t1=0.5, t2=1.5, s1=-2.5, s2=7.5)
BLOCK = 1024  # samples drawn at once, outside the per-step work


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def shapes(case):
    """The parameter arrays of a case, in the engine's names: w (N x d), b1, W1 and W2 (N x N), c."""
    n, d = case["width"], case["d"]
    if case["model"] == "mmn-isotropic":
        return {"w": (n, d)}
    if case["model"] == "mmn-relu":
        return {"w": (n, d), "b1": (n,), "c": (n,)}
    if case["model"] == "three-layer":
        return {"w": (n, d), "W1": (n, n), "c": (n,)}
    if case["model"] == "deep-fixed-ends":
        return {"w": (n, d), "W1": (n, n), "W2": (n, n), "c": (n,)}
    raise ValueError("unknown model " + case["model"])


def initial_parameters(case, rng):
    """Random parameters drawn like the engine's presets (values differ, the law is the same)."""
    n, d = case["width"], case["d"]
    p = {}
    if case["model"] == "mmn-isotropic":
        p["w"] = rng.standard_normal((n, d)) * (0.8 / np.sqrt(d))
    elif case["model"] == "mmn-relu":
        p["w"] = rng.standard_normal((n, d)) * (1.0 / np.sqrt(d))
        p["b1"] = rng.standard_normal(n) * 0.1
        p["c"] = 1.0 + 0.5 * rng.standard_normal(n)
    elif case["model"] == "three-layer":
        p["w"] = rng.standard_normal((n, d)) * (1.0 / np.sqrt(d))
        p["W1"] = rng.standard_normal((n, n))
        p["c"] = rng.standard_normal(n)
    else:
        # deep-fixed-ends: W^l = 2 a^{l+1} (a^l)^T + N(0, 1) noise (init.hidden_structure = 2), a^l standard normal.
        p["w"] = rng.standard_normal((n, d)) * (1.0 / np.sqrt(d))
        a = [rng.standard_normal(n) for _ in range(3)]
        p["W1"] = rng.standard_normal((n, n)) + 2.0 * np.outer(a[1], a[0])
        p["W2"] = rng.standard_normal((n, n)) + 2.0 * np.outer(a[2], a[1])
        p["c"] = rng.standard_normal(n)
    return p


class Sampler:
    """Draws blocks of samples from the case's data law with NumPy (shared by both references)."""

    def __init__(self, case, rng):
        self.case, self.rng = case, rng
        d = case["d"]
        if case["model"] in ("three-layer", "deep-fixed-ends"):
            k = case["teacher_width"]
            self.u = rng.standard_normal((k, d)) / np.sqrt(d)
            self.a = rng.standard_normal(k)

    def block(self, count):
        c, rng, d = self.case, self.rng, self.case["d"]
        if c["model"] in ("three-layer", "deep-fixed-ends"):
            x = rng.standard_normal((count, d))
            y = np.tanh(x @ self.u.T) @ self.a / len(self.a) + c["noise"] * rng.standard_normal(count)
        else:
            y = np.where(rng.random(count) < 0.5, 1.0, -1.0)
            x = rng.standard_normal((count, d)) * (1.0 + y * c["delta"])[:, None]
        return x, y


def time_case(make_runner, case, seconds, repeats):
    """Median microseconds per step over `repeats` timed runs of about `seconds` each, after a warm-up, and
    the median processor time of the process per step over the same runs (the sturdier figure on a busy machine).

    make_runner(case) returns run(x_block, y_block): it takes one step per row, sampling included in
    the amortized cost because blocks are drawn inside the timed region.
    """
    rng = np.random.default_rng(1)
    sampler = Sampler(case, rng)
    run = make_runner(case, initial_parameters(case, rng))

    def steps(count):
        done = 0
        while done < count:
            m = min(BLOCK, count - done)
            x, y = sampler.block(m)
            run(x, y)
            done += m

    start = time.perf_counter()
    steps(64)
    per_step = max((time.perf_counter() - start) / 64, 1e-7)
    count = max(64, int(seconds / per_step))
    steps(min(count, 4 * BLOCK))  # warm-up
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        steps(count)
        times.append((time.perf_counter() - t0) / count * 1e6)
        cpu.append((time.process_time() - c0) / count * 1e6)
    return statistics.median(times), count, statistics.median(cpu)


def main(name, version, make_runner, verify_runner):
    """Command line: SCRIPT --cases FILE [--seconds S] [--repeats R] | SCRIPT --verify DIR."""
    args = sys.argv[1:]
    if args[:1] == ["--verify"]:
        folder = args[1]
        for case in load_json(os.path.join(folder, "verify.json")):
            verify_runner(case, folder)
        print(json.dumps({"library": name, "version": version, "verified": True}))
        return
    cases = load_json(args[args.index("--cases") + 1])
    seconds = float(args[args.index("--seconds") + 1]) if "--seconds" in args else 1.0
    repeats = int(args[args.index("--repeats") + 1]) if "--repeats" in args else 5
    results = []
    for case in cases:
        us, count, cpu = time_case(make_runner, case, seconds, repeats)
        results.append({"name": case["name"], "us_per_step": us, "cpu_us_per_step": cpu, "steps_per_repeat": count})
        print(json.dumps({"progress": case["name"], "us_per_step": us}), file=sys.stderr, flush=True)
    print(json.dumps({"library": name, "version": version, "results": results}))


def read_verify_inputs(case, folder):
    """Initial parameters and samples written by the bench (little-endian float64 files)."""
    base = os.path.join(folder, case["name"])
    params = {k: np.fromfile(f"{base}.{k}.bin", dtype="<f8").reshape(s) for k, s in shapes(case).items()}
    x = np.fromfile(f"{base}.x.bin", dtype="<f8").reshape(case["steps"], case["d"])
    y = np.fromfile(f"{base}.y.bin", dtype="<f8")
    return params, x, y


def write_verify_outputs(case, folder, tag, params):
    base = os.path.join(folder, case["name"])
    for k, v in params.items():
        np.asarray(v, dtype="<f8").tofile(f"{base}.{tag}.{k}.bin")
