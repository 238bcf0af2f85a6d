"""PyTorch (CPU, eager, float32) peer of baldwin's kernel benches: adam_step and population_forward.

    pip install torch        # plain PyPI; on Linux this is the CUDA build (~4 GB with its
                             # nvidia-* dependencies), which runs on the CPU when no GPU is present
    python3 benches/peers/torch_bench.py [--quick] [--json out.json]

adam_step: nn.Sequential(Linear, Tanh, Linear), F.cross_entropy / F.mse_loss, backward,
torch.optim.Adam (default implementation: foreach) step, zero_grad(set_to_none=True).
population_forward: torch.matmul over [P, in, out] weight stacks under inference_mode.
Threads: torch's intra-op pool as it starts (torch.get_num_threads(), recorded in the JSON).
"""

import sys

from _common import (
    ADAM_LR,
    DIGITS_SIZES,
    XOR_SIZES,
    Runner,
    digits_batch,
    init_mlp,
    init_population,
    parse_args,
    skip,
    xor_batch,
)

PEER = "torch"

args = parse_args(__doc__)
try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except (ImportError, OSError) as e:
    skip(args, PEER, f"torch is not installed or does not load ({e})")


def build_mlp(sizes, rng):
    """nn.Sequential of Linear layers with Tanh between them, weights from init_mlp."""
    modules = []
    for i, (w, b) in enumerate(init_mlp(sizes, rng)):
        lin = torch.nn.Linear(w.shape[0], w.shape[1])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
        modules.append(lin)
        if i < len(sizes) - 2:
            modules.append(torch.nn.Tanh())
    return torch.nn.Sequential(*modules)


def adam_step(runner, bench_id, sizes, batch):
    rng = np.random.default_rng(1)
    net = build_mlp(sizes, rng)
    opt = torch.optim.Adam(net.parameters(), lr=ADAM_LR)
    if sizes == DIGITS_SIZES:
        x, y = digits_batch(batch)
        x, y = torch.from_numpy(x), torch.from_numpy(y).long()
        loss_fn = F.cross_entropy
    else:
        x, y = xor_batch()
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        loss_fn = F.mse_loss

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        return loss

    runner.run(bench_id, PEER, step)


def population_losses(layers, x, targets, classes):
    """Each individual's mean loss on the shared batch: layers are (W [P,in,out], b [P,out])."""
    h = x
    for i, (w, b) in enumerate(layers):
        if h.dim() == 2:  # the shared batch, broadcast to every individual
            h = h.expand(w.shape[0], -1, -1)
        h = torch.baddbmm(b[:, None, :], h, w)  # [P, B, out]
        if i < len(layers) - 1:
            h = torch.tanh(h)
    if classes:
        logp = torch.log_softmax(h, dim=2)  # [P, B, C]
        picked = logp.gather(2, targets[None, :, None].expand(h.shape[0], -1, 1))
        return -picked[:, :, 0].mean(dim=1)
    return ((h - targets[None]) ** 2).mean(dim=(1, 2))


def population_forward(runner, bench_id, sizes, population, batch):
    rng = np.random.default_rng(1)
    layers = [(torch.from_numpy(w), torch.from_numpy(b)) for w, b in init_population(sizes, population, rng)]
    if sizes == DIGITS_SIZES:
        x, y = digits_batch(batch)
        x, y, classes = torch.from_numpy(x), torch.from_numpy(y).long(), True
    else:
        x, y = xor_batch()
        x, y, classes = torch.from_numpy(x), torch.from_numpy(y), False

    def call():
        with torch.inference_mode():
            return population_losses(layers, x, y, classes)

    runner.run(bench_id, PEER, call)


def main():
    info = {
        "peer": PEER,
        "torch": torch.__version__,
        "num_threads": torch.get_num_threads(),
        "num_interop_threads": torch.get_num_interop_threads(),
        "parallel_info": torch.__config__.parallel_info(),
    }
    runner = Runner(info, args)
    adam_step(runner, "adam_step/64-64-10/b32", DIGITS_SIZES, 32)
    adam_step(runner, "adam_step/64-64-10/b256", DIGITS_SIZES, 256)
    adam_step(runner, "adam_step/2-16-1/b4", XOR_SIZES, 4)
    population_forward(runner, "population_forward/64-64-10/p256_b256", DIGITS_SIZES, 256, 256)
    population_forward(runner, "population_forward/2-16-1/p1024_b4", XOR_SIZES, 1024, 4)
    runner.finish()


if __name__ == "__main__":
    sys.exit(main())
