"""NumPy reference: the engine's SGD step in NumPy with its best one-core setup.

OpenBLAS on one thread (OPENBLAS_NUM_THREADS=1 and friends set by the bench, OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE removed from the environment), preallocated buffers and in-place ufuncs with out=,
samples drawn in blocks outside the per-step work. The same models, activations, step-size convention
and 1/N scaling as the engine (see common.py and docs/performance.md).
"""
import common
import numpy as np

R = common.RAMP
SLOPE = (R["s2"] - R["s1"]) / (R["t2"] - R["t1"])


def make_runner(case, params, dtype=None):
    dtype = dtype or (np.float32 if case["dtype"] == "float32" else np.float64)
    p = {k: np.array(v, dtype=dtype) for k, v in params.items()}
    model, eps, n = case["model"], case["eps"], case["width"]
    w = p["w"]
    u, h, dh = (np.empty(n, dtype=dtype) for _ in range(3))
    mask, mask2 = np.empty(n, dtype=bool), np.empty(n, dtype=bool)
    outer = np.empty_like(w)

    def ramp(z):
        np.subtract(z, R["t1"], out=h)
        np.clip(h, 0.0, R["t2"] - R["t1"], out=h)
        np.greater(z, R["t1"], out=mask)
        np.less(z, R["t2"], out=mask2)
        np.logical_and(mask, mask2, out=mask)
        np.multiply(mask, SLOPE, out=dh)
        np.multiply(h, SLOPE, out=h)
        np.add(h, R["s1"], out=h)

    def step_isotropic(x, y):
        np.dot(w, x, out=u)
        ramp(u)
        r = y - h.sum() / n
        np.multiply.outer(dh * (2.0 * eps * r), x, out=outer)
        np.add(w, outer, out=w)

    def step_relu(x, y):
        b, c = p["b1"], p["c"]
        np.dot(w, x, out=u)
        np.add(u, b, out=u)
        np.maximum(u, 0.0, out=h)
        r = y - np.dot(c, h) / n
        coef = dtype(2.0 * eps * r)
        np.greater(u, 0.0, out=mask)
        np.multiply(c, mask, out=dh)         # a_i σ'(u_i), with the pre-step a
        c += coef * h
        b += coef * dh
        np.multiply.outer(dh * coef, x, out=outer)
        np.add(w, outer, out=w)

    W1 = p.get("W1")
    h2, g2, g1 = (np.empty(n, dtype=dtype) for _ in range(3))
    outer2 = np.empty_like(W1) if W1 is not None else None

    def step_three_layer(x, y):
        c = p["c"]
        np.dot(w, x, out=u)
        np.tanh(u, out=h)
        np.dot(W1, h, out=h2)
        np.divide(h2, n, out=h2)
        np.tanh(h2, out=h2)
        r = y - np.dot(c, h2) / n
        coef = dtype(2.0 * eps * r)
        np.multiply(h2, h2, out=g2)
        np.subtract(1.0, g2, out=g2)
        np.multiply(g2, c, out=g2)                             # c_j σ'(u2_j)
        np.dot(W1.T, g2, out=g1)
        np.multiply(h, h, out=dh)
        np.subtract(1.0, dh, out=dh)
        np.multiply(g1, dh, out=g1)
        np.divide(g1, n, out=g1)                             # σ'(u1_i) Σ_j W_ji c_j σ'(u2_j) / N2
        c += coef * h2
        np.multiply.outer(g2 * coef, h, out=outer2)
        np.add(W1, outer2, out=W1)
        np.multiply.outer(g1 * coef, x, out=outer)
        np.add(w, outer, out=w)

    W2 = p.get("W2")
    h3, g3 = (np.empty(n, dtype=dtype) for _ in range(2))

    def step_deep_fixed_ends(x, y):
        # w and c fixed, no biases: only W1 and W2 train, so no backward product below layer 2.
        c = p["c"]
        np.dot(w, x, out=u)
        np.tanh(u, out=h)
        np.dot(W1, h, out=h2)
        np.divide(h2, n, out=h2)
        np.tanh(h2, out=h2)
        np.dot(W2, h2, out=h3)
        np.divide(h3, n, out=h3)
        np.tanh(h3, out=h3)
        r = y - np.dot(c, h3) / n
        coef = dtype(2.0 * eps * r)
        np.multiply(h3, h3, out=g3)
        np.subtract(1.0, g3, out=g3)
        np.multiply(g3, c, out=g3)                             # c_j σ'(u3_j)
        np.dot(W2.T, g3, out=g2)
        np.multiply(h2, h2, out=dh)
        np.subtract(1.0, dh, out=dh)
        np.multiply(g2, dh, out=g2)
        np.divide(g2, n, out=g2)                             # σ'(u2_i) Σ_j W2_ji c_j σ'(u3_j) / N
        np.multiply.outer(g3 * coef, h2, out=outer2)
        np.add(W2, outer2, out=W2)
        np.multiply.outer(g2 * coef, h, out=outer2)
        np.add(W1, outer2, out=W1)

    step = {"mmn-isotropic": step_isotropic, "mmn-relu": step_relu, "three-layer": step_three_layer, "deep-fixed-ends": step_deep_fixed_ends}[model]

    def run(xs, ys):
        xs = np.ascontiguousarray(xs, dtype=dtype)
        for k in range(xs.shape[0]):
            step(xs[k], ys[k])

    run.params = p
    return run


def verify(case, folder):
    params, x, y = common.read_verify_inputs(case, folder)
    run = make_runner(case, params, dtype=np.float64)
    run(x, y)
    common.write_verify_outputs(case, folder, "numpy", run.params)


if __name__ == "__main__":
    common.main("numpy", np.__version__, make_runner, verify)
