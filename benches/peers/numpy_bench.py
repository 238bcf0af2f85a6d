"""numpy (float32) peer of baldwin's kernel benches: adam_step and population_forward.

    python3 benches/peers/numpy_bench.py [--quick] [--json out.json]

Run it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (run_all.py does): see README.md.
The MLP is written by hand: parameters live in one flat float32 buffer (layers are views
into it), so Adam is a handful of whole-vector operations, as in baldwin.
"""

import numpy as np

from _common import (
    ADAM_LR,
    DIGITS_SIZES,
    XOR_SIZES,
    Runner,
    blas_info,
    digits_batch,
    init_mlp,
    init_population,
    parse_args,
    xor_batch,
)

PEER = "numpy"


class FlatMlp:
    """A tanh MLP (linear last layer) whose parameters and gradient are flat float32 vectors."""

    def __init__(self, sizes, rng):
        layers = init_mlp(sizes, rng)
        n = sum(w.size + b.size for w, b in layers)
        self.params = np.empty(n, dtype=np.float32)
        self.grad = np.zeros(n, dtype=np.float32)
        self.layers, self.grads = [], []
        offset = 0
        for w, b in layers:
            views = []
            for flat in (self.params, self.grad):
                wv = flat[offset:offset + w.size].reshape(w.shape)
                bv = flat[offset + w.size:offset + w.size + b.size]
                views.append((wv, bv))
            self.params[offset:offset + w.size] = w.ravel()
            self.params[offset + w.size:offset + w.size + b.size] = b
            self.layers.append(views[0])
            self.grads.append(views[1])
            offset += w.size + b.size

    def loss_and_gradient(self, x, targets, loss):
        """Forward, loss ('ce' with int labels or 'mse' with float targets), backward into self.grad."""
        acts = [x]
        for i, (w, b) in enumerate(self.layers):
            z = acts[-1] @ w
            z += b
            if i < len(self.layers) - 1:
                np.tanh(z, out=z)
            acts.append(z)
        out = acts[-1]
        batch = x.shape[0]
        if loss == "ce":
            z = out - out.max(axis=1, keepdims=True)
            np.exp(z, out=z)
            z /= z.sum(axis=1, keepdims=True)  # softmax probabilities
            rows = np.arange(batch)
            value = -np.mean(np.log(z[rows, targets]))
            z[rows, targets] -= 1.0
            delta = z
            delta *= np.float32(1.0 / batch)
        else:
            diff = out - targets
            value = np.mean(diff * diff)
            delta = diff
            delta *= np.float32(2.0 / diff.size)
        for i in range(len(self.layers) - 1, -1, -1):
            w, _ = self.layers[i]
            gw, gb = self.grads[i]
            np.matmul(acts[i].T, delta, out=gw)
            np.sum(delta, axis=0, out=gb)
            if i > 0:
                h = acts[i]
                delta = delta @ w.T
                delta *= 1.0 - h * h  # tanh'
        return value


class Adam:
    """Adam on a flat float32 vector (beta1 0.9, beta2 0.999, eps 1e-8)."""

    def __init__(self, n, lr):
        self.lr, self.t = lr, 0
        self.m = np.zeros(n, dtype=np.float32)
        self.v = np.zeros(n, dtype=np.float32)
        self.tmp = np.empty(n, dtype=np.float32)

    def step(self, params, grad):
        self.t += 1
        b1, b2, eps = 0.9, 0.999, 1e-8
        self.m *= b1
        self.m += (1 - b1) * grad
        self.v *= b2
        np.multiply(grad, grad, out=self.tmp)
        self.tmp *= 1 - b2
        self.v += self.tmp
        step = self.lr * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        np.sqrt(self.v, out=self.tmp)
        self.tmp += eps
        np.divide(self.m, self.tmp, out=self.tmp)
        self.tmp *= step
        params -= self.tmp


def adam_step(runner, bench_id, sizes, batch):
    rng = np.random.default_rng(1)
    net = FlatMlp(sizes, rng)
    adam = Adam(net.params.size, ADAM_LR)
    if sizes == DIGITS_SIZES:
        x, y = digits_batch(batch)
        loss = "ce"
    else:
        x, y = xor_batch()
        loss = "mse"

    def step():
        value = net.loss_and_gradient(x, y, loss)
        adam.step(net.params, net.grad)
        return value

    runner.run(bench_id, PEER, step)


def population_losses(layers, x, targets, loss):
    """Each individual's mean loss on the shared batch x: layers are (W [P,in,out], b [P,out])."""
    h = x  # [B, in], broadcast against the [P, in, out] stack on the first layer
    for i, (w, b) in enumerate(layers):
        h = np.matmul(h, w)  # [P, B, out]
        h += b[:, None, :]
        if i < len(layers) - 1:
            np.tanh(h, out=h)
    if loss == "ce":
        m = h.max(axis=2, keepdims=True)
        lse = np.log(np.exp(h - m).sum(axis=2)) + m[:, :, 0]  # [P, B]
        picked = np.take_along_axis(h, targets[None, :, None], axis=2)[:, :, 0]
        return (lse - picked).mean(axis=1)
    diff = h - targets[None]
    return (diff * diff).mean(axis=(1, 2))


def population_forward(runner, bench_id, sizes, population, batch):
    rng = np.random.default_rng(1)
    layers = init_population(sizes, population, rng)
    if sizes == DIGITS_SIZES:
        x, y = digits_batch(batch)
        loss = "ce"
    else:
        x, y = xor_batch()
        loss = "mse"
    runner.run(bench_id, PEER, lambda: population_losses(layers, x, y, loss))


def main():
    args = parse_args(__doc__)
    runner = Runner({"peer": PEER, "numpy": np.__version__, **blas_info()}, args)
    adam_step(runner, "adam_step/64-64-10/b32", DIGITS_SIZES, 32)
    adam_step(runner, "adam_step/64-64-10/b256", DIGITS_SIZES, 256)
    adam_step(runner, "adam_step/2-16-1/b4", XOR_SIZES, 4)
    population_forward(runner, "population_forward/64-64-10/p256_b256", DIGITS_SIZES, 256, 256)
    population_forward(runner, "population_forward/2-16-1/p1024_b4", XOR_SIZES, 1024, 4)
    runner.finish()


if __name__ == "__main__":
    main()
