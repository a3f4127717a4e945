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

    def hidden(W, h_in, out):
        np.dot(W, h_in, out=out)                               # out = tanh(W h_in / N)
        np.divide(out, n, out=out)
        np.tanh(out, out=out)

    def output_signal(h_last, out):
        np.multiply(h_last, h_last, out=out)
        np.subtract(1.0, out, out=out)
        np.multiply(out, p["c"], out=out)                      # c_j σ'(u_L,j)

    def backward(W, g_above, h_below, out):
        np.dot(W.T, g_above, out=out)
        np.multiply(h_below, h_below, out=dh)
        np.subtract(1.0, dh, out=dh)
        np.multiply(out, dh, out=out)
        np.divide(out, n, out=out)                             # σ'(u_i) Σ_j W_ji g_j / N

    def step_three_layer(x, y):
        c = p["c"]
        np.dot(w, x, out=u)
        np.tanh(u, out=h)
        hidden(W1, h, h2)
        r = y - np.dot(c, h2) / n
        coef = dtype(2.0 * eps * r)
        output_signal(h2, g2)
        backward(W1, g2, h, g1)
        c += coef * h2
        np.multiply.outer(g2 * coef, h, out=outer2)
        np.add(W1, outer2, out=W1)
        np.multiply.outer(g1 * coef, x, out=outer)
        np.add(w, outer, out=w)

    W2 = p.get("W2")
    h3, g3 = (np.empty(n, dtype=dtype) for _ in range(2))

    def step_deep_fixed_ends(x, y):
        # w and c fixed, no biases: only W1 and W2 train, so no backward product below layer 2.
        np.dot(w, x, out=u)
        np.tanh(u, out=h)
        hidden(W1, h, h2)
        hidden(W2, h2, h3)
        r = y - np.dot(p["c"], h3) / n
        coef = dtype(2.0 * eps * r)
        output_signal(h3, g3)
        backward(W2, g3, h2, g2)
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
