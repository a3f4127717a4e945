"""NumPy reference of the ld-replicas bench case: large-deviation replicas vectorized over replicas.

The case is the linear neuron of the large-deviation examples (docs/large-deviations.md): preset linear
(two-layer, identity activation, output weights c = 1 frozen, no bias, 1/N scaling, first-layer multiplier
N), teacher-student data x ~ N(0, I_d), y = <theta*, x> + noise * g, step eps = alpha/N, K steps, functional
the test-set risk. R replicas run at once: the parameters are an (R, N, d) array and every step is a few
in-place ufuncs over it, with preallocated buffers, one fresh sample per replica per step, and the engine's
update of every neuron (u = <w_i, x>, y_hat = (1/N) sum_i c_i u_i, delta_i = c_i / N,
w_i += 2 eps (y - y_hat) N delta_i x). The risk at the end is the test set's quadratic form in the
network's affine coefficients (exact for an affine network, as the engine computes it), so neither side
pays a pass over the test set.

  ld_replicas_numpy.py --cases FILE [--seconds S] [--repeats R]   timing: replica-steps per second (wall
                                                                  and processor time of this process)
  ld_replicas_numpy.py --verify DIR                               the engine's verification case
"""
import json
import os
import statistics
import sys
import time

import numpy as np


class Replicas:
    """R replicas of one case, with preallocated buffers."""

    def __init__(self, case, count):
        n, d = case["width"], case["d"]
        self.n, self.d, self.count = n, d, count
        self.eps = case["alpha"] / n
        self.steps = int(round(case["horizon"] / self.eps))
        self.multiplier = float(n)       # M of the first layer at gamma = 1
        self.c = np.ones(n)              # frozen output weights
        self.w = np.empty((count, n, d))
        self.x = np.empty((count, d))
        self.y = np.empty(count)
        self.u = np.empty((count, n))
        self.yhat = np.empty(count)
        self.k = np.empty(count)
        self.kd = np.empty((count, n))
        self.outer = np.empty((count, n, d))

    def step(self, x, y):
        w, outer = self.w, self.outer
        np.multiply(w, x[:, None, :], out=outer)
        np.sum(outer, axis=2, out=self.u)
        np.dot(self.u, self.c, out=self.yhat)
        self.yhat /= self.n
        np.subtract(y, self.yhat, out=self.k)          # residual
        self.k *= 2.0 * self.eps * self.multiplier
        np.multiply(self.k[:, None], self.c / self.n, out=self.kd)   # k * delta_i, delta_i = c_i * 1 / N
        np.multiply(self.kd[:, :, None], x[:, None, :], out=outer)
        w += outer

    def slope(self):
        """v = (1/N) sum_i c_i w_i: the affine coefficients of the linear network (intercept 0)."""
        return np.einsum("rnd,n->rd", self.w, self.c) / self.n


class TestForm:
    """The test set's quadratic form R(a, v) = R* + e^T G e, e = (a, v) - theta_ls."""

    def __init__(self, theta, noise, samples, rng):
        d = len(theta)
        x = rng.standard_normal((samples, d))
        y = x @ theta + noise * rng.standard_normal(samples)
        z = np.hstack([np.ones((samples, 1)), x])
        self.gram = z.T @ z / samples
        self.best = np.linalg.solve(self.gram, z.T @ y / samples)
        self.best_risk = float(np.mean((y - z @ self.best) ** 2))

    def risk(self, slope):
        e = np.hstack([-np.full((slope.shape[0], 1), self.best[0]), slope - self.best[1:]])
        return self.best_risk + np.einsum("ri,ij,rj->r", e, self.gram, e)


def run_case(case, count, rng, form, theta):
    """One batch of `count` replicas: initial weights, K steps with fresh samples, the risk of each."""
    reps = Replicas(case, count)
    reps.w[...] = rng.standard_normal(reps.w.shape) * (case["kappa"] / np.sqrt(reps.d))
    noise = case["noise"]
    for _ in range(reps.steps):
        x = rng.standard_normal((count, reps.d))
        y = x @ theta + noise * rng.standard_normal(count)
        reps.step(x, y)
    return form.risk(reps.slope()), reps.steps


def time_case(case, seconds, repeats):
    rng = np.random.default_rng(1)
    theta = rng.standard_normal(case["d"]) / np.sqrt(case["d"])
    form = TestForm(theta, case["noise"], case["test_samples"], rng)
    count = case["replicas"]
    run_case(case, count, rng, form, theta)              # warm-up
    t0 = time.perf_counter()
    _, steps = run_case(case, count, rng, form, theta)
    per_batch = time.perf_counter() - t0
    batches = max(1, int(seconds / per_batch))
    rates, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(batches):
            run_case(case, count, rng, form, theta)
        rates.append(batches * count * steps / (time.perf_counter() - t0))
        cpu.append(batches * count * steps / max(time.process_time() - c0, 1e-9))
    return statistics.median(rates), statistics.median(cpu), steps


def verify(folder):
    """Runs the engine's verification case: initial weights and per-replica samples from the bench, final weights back."""
    with open(os.path.join(folder, "ld-verify.json"), encoding="utf-8") as f:
        case = json.load(f)
    count, n, d, steps = case["replicas"], case["width"], case["d"], case["steps"]
    reps = Replicas(case, count)
    reps.steps = steps
    base = os.path.join(folder, "ld-verify")
    reps.w[...] = np.fromfile(base + ".w.bin", dtype="<f8").reshape(count, n, d)
    x = np.fromfile(base + ".x.bin", dtype="<f8").reshape(steps, count, d)
    y = np.fromfile(base + ".y.bin", dtype="<f8").reshape(steps, count)
    for k in range(steps):
        reps.step(x[k], y[k])
    np.asarray(reps.w, dtype="<f8").tofile(base + ".numpy.w.bin")


def main():
    args = sys.argv[1:]
    if args[:1] == ["--verify"]:
        verify(args[1])
        print(json.dumps({"library": "numpy", "version": np.__version__, "verified": True}))
        return
    with open(args[args.index("--cases") + 1], encoding="utf-8") as f:
        cases = json.load(f)
    seconds = float(args[args.index("--seconds") + 1]) if "--seconds" in args else 1.0
    repeats = int(args[args.index("--repeats") + 1]) if "--repeats" in args else 5
    results = []
    for case in cases:
        rate, cpu, steps = time_case(case, seconds, repeats)
        results.append({"name": case["name"], "replica_steps_per_second": rate, "cpu_replica_steps_per_second": cpu, "steps": steps})
        print(json.dumps({"progress": case["name"], "replica_steps_per_second": rate}), file=sys.stderr, flush=True)
    print(json.dumps({"library": "numpy", "version": np.__version__, "results": results}))


if __name__ == "__main__":
    main()
