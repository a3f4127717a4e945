"""PyTorch reference: the engine's SGD step written the way a researcher would, in its best one-core setup.

One thread (torch.set_num_threads(1)), no autograd (torch.inference_mode), in-place updates (addr_, add_),
preallocated buffers, samples drawn in blocks outside the per-step work. The same models, activations,
step-size convention and 1/N scaling as the engine (see common.py and docs/performance.md).
"""
import common
import numpy as np
import torch

torch.set_num_threads(1)
torch.set_num_interop_threads(1)
R = common.RAMP
SLOPE = (R["s2"] - R["s1"]) / (R["t2"] - R["t1"])


def make_runner(case, params, dtype=None):
    dtype = dtype or (torch.float32 if case["dtype"] == "float32" else torch.float64)
    p = {k: torch.tensor(v, dtype=dtype) for k, v in params.items()}
    model, eps, n = case["model"], case["eps"], case["width"]
    w = p["w"]
    u = torch.empty(n, dtype=dtype)
    h = torch.empty(n, dtype=dtype)
    dh = torch.empty(n, dtype=dtype)

    def ramp(z):
        torch.sub(z, R["t1"], out=h)
        h.clamp_(0.0, R["t2"] - R["t1"])
        torch.logical_and(z > R["t1"], z < R["t2"], out=dh_mask)
        torch.mul(dh_mask, SLOPE, out=dh)
        h.mul_(SLOPE).add_(R["s1"])

    dh_mask = torch.empty(n, dtype=torch.bool)

    def step_isotropic(x, y):
        torch.mv(w, x, out=u)
        ramp(u)
        r = y - float(h.sum()) / n
        w.addr_(dh, x, alpha=2.0 * eps * r)

    def step_relu(x, y):
        b, c = p["b1"], p["c"]
        torch.addmv(b, w, x, out=u)
        torch.clamp(u, min=0.0, out=h)
        r = y - float(torch.dot(c, h)) / n
        coef = 2.0 * eps * r
        torch.mul(c, u > 0, out=dh)          # a_i σ'(u_i), with the pre-step a
        c.add_(h, alpha=coef)
        b.add_(dh, alpha=coef)
        w.addr_(dh, x, alpha=coef)

    W1, h2, g2, g1 = p.get("W1"), torch.empty(n, dtype=dtype), torch.empty(n, dtype=dtype), torch.empty(n, dtype=dtype)

    def hidden(W, h_in, out):
        torch.mv(W, h_in, out=out)           # out = tanh(W h_in / N)
        out.div_(n).tanh_()

    def output_signal(h_last, out):
        torch.mul(h_last, h_last, out=out)
        out.neg_().add_(1.0).mul_(p["c"])    # c_j σ'(u_L,j)

    def backward(W, g_above, h_below, out):
        torch.mv(W.t(), g_above, out=out)
        torch.mul(h_below, h_below, out=dh)
        dh.neg_().add_(1.0)
        out.mul_(dh).div_(n)                 # σ'(u_i) Σ_j W_ji g_j / N

    def step_three_layer(x, y):
        c = p["c"]
        torch.mv(w, x, out=u)
        torch.tanh(u, out=h)
        hidden(W1, h, h2)
        r = y - float(torch.dot(c, h2)) / n
        coef = 2.0 * eps * r
        output_signal(h2, g2)
        backward(W1, g2, h, g1)
        c.add_(h2, alpha=coef)
        W1.addr_(g2, h, alpha=coef)
        w.addr_(g1, x, alpha=coef)

    W2, h3, g3 = p.get("W2"), torch.empty(n, dtype=dtype), torch.empty(n, dtype=dtype)

    def step_deep_fixed_ends(x, y):
        # w and c fixed, no biases: only W1 and W2 train, so no backward product below layer 2.
        torch.mv(w, x, out=u)
        torch.tanh(u, out=h)
        hidden(W1, h, h2)
        hidden(W2, h2, h3)
        r = y - float(torch.dot(p["c"], h3)) / n
        coef = 2.0 * eps * r
        output_signal(h3, g3)
        backward(W2, g3, h2, g2)
        W2.addr_(g3, h2, alpha=coef)
        W1.addr_(g2, h, alpha=coef)

    step = {"mmn-isotropic": step_isotropic, "mmn-relu": step_relu, "three-layer": step_three_layer, "deep-fixed-ends": step_deep_fixed_ends}[model]

    def run(xs, ys):
        with torch.inference_mode():
            xt = torch.from_numpy(np.ascontiguousarray(xs)).to(dtype)
            for k in range(xt.shape[0]):
                step(xt[k], float(ys[k]))

    run.params = p
    return run


def verify(case, folder):
    params, x, y = common.read_verify_inputs(case, folder)
    run = make_runner(case, params, dtype=torch.float64)
    run(x, y)
    common.write_verify_outputs(case, folder, "torch", {k: v.numpy() for k, v in run.params.items()})


if __name__ == "__main__":
    common.main("torch", torch.__version__, make_runner, verify)
