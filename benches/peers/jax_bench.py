"""JAX (CPU, float32, jit) peer of baldwin's kernel benches: adam_step and population_forward.

    pip install "jax[cpu]"
    python3 benches/peers/jax_bench.py [--quick] [--json out.json]

adam_step is measured two ways:
  * "jax (jit)":  one jitted step (forward + grad + Adam) called from a Python loop;
  * "jax (scan)": SCAN_STEPS steps inside one jitted `jax.lax.scan`, time divided by the
    steps, which removes Python dispatch overhead.
population_forward is one jitted call (a scan over identical calls could be hoisted out of
the loop by XLA, so it is not measured that way).
Compilation is excluded (warm-up). Each timed sample ends with block_until_ready.
"""

import os
import sys
from importlib.metadata import version

os.environ.setdefault("JAX_PLATFORMS", "cpu")

from _common import (  # noqa: E402
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

SCAN_STEPS = 100

args = parse_args(__doc__)
try:
    import jax
    import jax.numpy as jnp
    import numpy as np
except ImportError as e:
    skip(args, "jax", f"jax is not installed ({e})")


def block(tree):
    return jax.block_until_ready(tree)


def mlp(params, x):
    """tanh hidden layers, linear last layer; params is a list of (W [in, out], b [out])."""
    for w, b in params[:-1]:
        x = jnp.tanh(x @ w + b)
    w, b = params[-1]
    return x @ w + b


def cross_entropy(logits, labels):
    """Mean softmax cross-entropy over the batch (labels are class indices)."""
    logp = jax.nn.log_softmax(logits)
    return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))


def mse(out, targets):
    return jnp.mean((out - targets) ** 2)


def adam_update(params, grads, state, lr=ADAM_LR, b1=0.9, b2=0.999, eps=1e-8):
    """Adam on a pytree; state is (t, m, v)."""
    t, m, v = state
    t = t + 1
    m = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
    v = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
    step = lr * jnp.sqrt(1 - b2**t) / (1 - b1**t)
    params = jax.tree.map(lambda p, m, v: p - step * m / (jnp.sqrt(v) + eps), params, m, v)
    return params, (t, m, v)


def make_train_step(loss_fn):
    def train_step(params, state, x, y):
        loss, grads = jax.value_and_grad(lambda p: loss_fn(mlp(p, x), y))(params)
        params, state = adam_update(params, grads, state)
        return params, state, loss

    return train_step


def adam_step(runner, bench_id, sizes, batch):
    rng = np.random.default_rng(1)
    params0 = [(jnp.asarray(w), jnp.asarray(b)) for w, b in init_mlp(sizes, rng)]
    if sizes == DIGITS_SIZES:
        x, y = digits_batch(batch)
        train_step = make_train_step(cross_entropy)
    else:
        x, y = xor_batch()
        train_step = make_train_step(mse)
    x, y = jnp.asarray(x), jnp.asarray(y)

    def fresh_state():
        m = jax.tree.map(jnp.zeros_like, params0)
        v = jax.tree.map(jnp.zeros_like, params0)
        return [jax.tree.map(jnp.copy, params0), (jnp.zeros((), jnp.float32), m, v)]

    # Plain jitted step, called from Python. Params and Adam state are donated (updated in place).
    step_jit = jax.jit(train_step, donate_argnums=(0, 1))
    cell = fresh_state()

    def call_jit():
        cell[0], cell[1], loss = step_jit(cell[0], cell[1], x, y)
        return loss

    runner.run(bench_id, "jax (jit)", call_jit, sync=block)

    # SCAN_STEPS steps per call inside lax.scan.
    def many_steps(params, state):
        def body(carry, _):
            p, s, _ = train_step(*carry, x, y)
            return (p, s), None

        (params, state), _ = jax.lax.scan(body, (params, state), None, length=SCAN_STEPS)
        return params, state

    scan_jit = jax.jit(many_steps, donate_argnums=(0, 1))
    cell = fresh_state()

    def call_scan():
        cell[0], cell[1] = scan_jit(cell[0], cell[1])
        return cell[0]

    runner.run(bench_id, "jax (scan)", call_scan, sync=block, steps_per_call=SCAN_STEPS)


def population_losses_ce(layers, x, labels):
    """Each individual's mean cross-entropy: mlp vmapped over the weight stack."""
    return jax.vmap(lambda p: cross_entropy(mlp(p, x), labels))(layers)


def population_losses_mse(layers, x, targets):
    return jax.vmap(lambda p: mse(mlp(p, x), targets))(layers)


def population_forward(runner, bench_id, sizes, population, batch):
    rng = np.random.default_rng(1)
    layers = [(jnp.asarray(w), jnp.asarray(b)) for w, b in init_population(sizes, population, rng)]
    if sizes == DIGITS_SIZES:
        x, y = digits_batch(batch)
        fn = jax.jit(population_losses_ce)
    else:
        x, y = xor_batch()
        fn = jax.jit(population_losses_mse)
    x, y = jnp.asarray(x), jnp.asarray(y)
    runner.run(bench_id, "jax (jit)", lambda: fn(layers, x, y), sync=block)


def main():
    info = {
        "peer": "jax",
        "jax": jax.__version__,
        "jaxlib": version("jaxlib"),
        "devices": [str(d) for d in jax.devices()],
        "note": "XLA:CPU picks its own intra-op thread pool (one thread per core by default)",
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
