"""evosax (JAX, CPU) peer of baldwin's strategy benches: es_generation and es_generation_fitness.

    pip install evosax "jax[cpu]"
    python3 benches/peers/evosax_bench.py [--quick] [--json out.json]

Written against evosax 0.3.x (the `Open_ES`, `SNES`, `Sep_CMA_ES`, `CMA_ES`, `SimpleGA`
classes with `ask(key, state, params)` / `tell(key, population, fitness, state, params)`;
0.1.x/0.2.x had a different API and are not supported).

Each benchmark is measured two ways:
  * "evosax (jit)":  one jitted generation (ask + tell, or ask + fitness + tell) called from
    a Python loop;
  * "evosax (scan)": SCAN_GENERATIONS generations inside one jitted `jax.lax.scan`, time
    divided by the generations (no Python dispatch).
The configurations follow baldwin's defaults where evosax has the same knob (see README.md).
"""

import os
import sys
from importlib.metadata import version

os.environ.setdefault("JAX_PLATFORMS", "cpu")

from _common import (  # noqa: E402
    DIGITS_DIM,
    DIGITS_SIZES,
    POPULATION,
    Runner,
    digits_batch,
    fixed_fitness,
    init_mlp,
    parse_args,
    skip,
)

SCAN_GENERATIONS = 20

args = parse_args(__doc__)
try:
    import jax
    import jax.numpy as jnp
    import numpy as np
    import optax
    from evosax.algorithms import CMA_ES, SNES, Open_ES, Sep_CMA_ES, SimpleGA
except ImportError as e:
    skip(args, "evosax", f"evosax 0.3.x / jax not importable ({e})")


def block(tree):
    return jax.block_until_ready(tree)


def digits_x0():
    """A 64-64-10 network's initial weights, flattened to the 4,810-gene vector."""
    layers = init_mlp(DIGITS_SIZES, np.random.default_rng(0))
    flat = np.concatenate([np.concatenate([w.ravel(), b]) for w, b in layers])
    assert flat.size == DIGITS_DIM
    return jnp.asarray(flat)


def make_strategy(name, x0):
    """(strategy, params, state) configured like baldwin's defaults for `name`."""
    key = jax.random.key(0)
    if name == "openai_es":
        # baldwin: sigma 0.05, Adam lr 0.01, antithetic, centred ranks.
        es = Open_ES(
            POPULATION,
            x0,
            use_antithetic_sampling=True,
            optimizer=optax.adam(0.01),
            std_schedule=optax.constant_schedule(0.05),
        )
        params = es.default_params
        return es, params, es.init(key, x0, params)
    if name == "snes":
        es = SNES(POPULATION, x0)  # baldwin: sigma 1.0, lr_mean 1.0
        params = es.default_params.replace(std_init=jnp.asarray(1.0))
        return es, params, es.init(key, x0, params)
    if name in ("sep_cma_es", "cma_es"):
        cls = Sep_CMA_ES if name == "sep_cma_es" else CMA_ES
        es = cls(POPULATION, x0)
        es.use_negative_weights = False  # baldwin: positive recombination weights only
        params = es.default_params.replace(std_init=jnp.asarray(0.5))  # baldwin: sigma 0.5
        return es, params, es.init(key, x0, params)
    if name == "ga":
        # baldwin: mutation sigma 0.02, truncation selection of the best 20 %, no crossover.
        es = SimpleGA(POPULATION, x0, std_schedule=optax.constant_schedule(0.02))
        es.elite_ratio = 0.2
        params = es.default_params  # crossover_rate 0.0
        population = x0 + 0.02 * jax.random.normal(key, (POPULATION, x0.size))
        return es, params, es.init(key, population, jnp.asarray(fixed_fitness()), params)
    raise ValueError(name)


def run_both(runner, bench_id, generation, key, state):
    """Time `generation(key, state) -> (key, state)` jitted alone and under lax.scan."""
    step_jit = jax.jit(generation)
    cell = [key, state]

    def call_jit():
        cell[0], cell[1] = step_jit(cell[0], cell[1])
        return cell[1]

    runner.run(bench_id, "evosax (jit)", call_jit, sync=block)

    def many(key, state):
        (key, state), _ = jax.lax.scan(
            lambda carry, _: (generation(*carry), None), (key, state), None, length=SCAN_GENERATIONS
        )
        return key, state

    scan_jit = jax.jit(many)
    cell = [key, state]

    def call_scan():
        cell[0], cell[1] = scan_jit(cell[0], cell[1])
        return cell[1]

    runner.run(bench_id, "evosax (scan)", call_scan, sync=block, steps_per_call=SCAN_GENERATIONS)


def es_generation(runner, name, dim):
    """ask + tell with a fixed fitness vector (the strategy's own overhead)."""
    bench_id = f"es_generation/{name}/d{dim}_p{POPULATION}"
    if not runner.wanted(bench_id):
        return
    x0 = digits_x0() if dim == DIGITS_DIM else jnp.full((dim,), 0.5)
    es, params, state = make_strategy(name, x0)
    fitness = jnp.asarray(fixed_fitness())

    def generation(key, state):
        key, k_ask, k_tell = jax.random.split(key, 3)
        population, state = es.ask(k_ask, state, params)
        state, _ = es.tell(k_tell, population, fitness, state, params)
        return key, state

    run_both(runner, bench_id, generation, jax.random.key(1), state)


def mlp_cross_entropy(layers, x, labels):
    """Mean softmax cross-entropy of a tanh MLP (linear last layer) on one batch."""
    h = x
    for w, b in layers[:-1]:
        h = jnp.tanh(h @ w + b)
    w, b = layers[-1]
    logp = jax.nn.log_softmax(h @ w + b)
    return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))


def es_generation_fitness(runner):
    """One OpenAI-ES generation: ask, cross-entropy of 256 networks on 256 digits, tell."""
    bench_id = "es_generation_fitness/openai_es/digits_p256_b256"
    if not runner.wanted(bench_id):
        return
    x, y = digits_batch(256)
    x, y = jnp.asarray(x), jnp.asarray(y)
    # The solution is the network's pytree; evosax ravels/unravels it around ask/tell.
    solution = [(jnp.asarray(w), jnp.asarray(b)) for w, b in init_mlp(DIGITS_SIZES, np.random.default_rng(0))]
    es = Open_ES(
        POPULATION,
        solution,
        use_antithetic_sampling=True,
        optimizer=optax.adam(0.01),
        std_schedule=optax.constant_schedule(0.05),
    )
    params = es.default_params
    state = es.init(jax.random.key(0), solution, params)
    losses = jax.vmap(mlp_cross_entropy, in_axes=(0, None, None))

    def generation(key, state):
        key, k_ask, k_tell = jax.random.split(key, 3)
        population, state = es.ask(k_ask, state, params)
        fitness = losses(population, x, y)
        state, _ = es.tell(k_tell, population, fitness, state, params)
        return key, state

    run_both(runner, bench_id, generation, jax.random.key(1), state)


def main():
    info = {
        "peer": "evosax",
        "evosax": version("evosax"),
        "optax": version("optax"),
        "jax": jax.__version__,
        "devices": [str(d) for d in jax.devices()],
        "scan_generations": SCAN_GENERATIONS,
    }
    runner = Runner(info, args)
    for name in ("openai_es", "snes", "sep_cma_es", "ga"):
        es_generation(runner, name, DIGITS_DIM)
    es_generation(runner, "cma_es", 100)
    es_generation_fitness(runner)
    runner.finish()


if __name__ == "__main__":
    sys.exit(main())
