"""Reference evaluation counts for CMA-ES from pycma (Hansen's own implementation).

Reproduces the numbers that tests/strategies.rs compares baldwin's CMA-ES against:
evaluations to reach f < 1e-10 with default population (lambda = 10 in 10-D),
positive weights only (CMA_active=False, as in baldwin), 21 seeds.

    pip install cma numpy && python3 benches/peers/cma_reference.py

It first prints the black-box table (evaluations to f < 1e-8 in 10-D, sigma0 = 0.5,
x0 = 1 for sphere and ellipsoid, 0 for Rosenbrock; active and not), then the numbers
below.

Measured with pycma 4.5.0: sphere (x0 = 1, sigma0 = 0.5) median 1640 evaluations
(range 1430-1750, 21/21 reached); Rosenbrock (x0 = 0, sigma0 = 0.5) median 6120
(range 5300-6960, 20/21 reached).
"""
import cma
import numpy as np


def run(f, x0, sigma0, target, seed):
    es = cma.CMAEvolutionStrategy(x0, sigma0, {
        'seed': seed, 'verbose': -9, 'CMA_active': False,
        'ftarget': target, 'maxfevals': 1e5})
    while not es.stop():
        xs = es.ask()
        es.tell(xs, [f(x) for x in xs])
    return es.result.evaluations, es.result.fbest


def sphere(x):
    return float(np.sum(np.asarray(x) ** 2))


def rosenbrock(x):
    x = np.asarray(x)
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def first_index_below(f, x0, sigma0, target, seed, active, budget=100000):
    """1-based index of the first evaluation with f < target (None: not within budget),
    counted member by member as baldwin's black_box experiments count it."""
    es = cma.CMAEvolutionStrategy(x0, sigma0, {
        'seed': seed, 'verbose': -9, 'CMA_active': active, 'maxfevals': budget,
        'tolfun': 1e-11, 'tolx': 1e-11})
    used = 0
    while not es.stop():
        xs = es.ask()
        values = [f(x) for x in xs]
        for i, v in enumerate(values):
            if v < target:
                return used + i + 1
        used += len(xs)
        es.tell(xs, values)
    return None


def elli(x):
    x = np.asarray(x)
    return float(np.sum(1e6 ** (np.arange(len(x)) / (len(x) - 1)) * x ** 2))


def black_box_table():
    """The numbers next to README's black-box table and tests/black_box.rs: evaluations
    to f < 1e-8 at n = 10, sigma0 = 0.5, default population, 21 seeds, both with the
    active update (pycma's default) and without."""
    for name, f, x0 in [('sphere', sphere, [1.0] * 10), ('ellipsoid', elli, [1.0] * 10),
                        ('rosenbrock', rosenbrock, [0.0] * 10)]:
        for active in (False, True):
            runs = [first_index_below(f, x0, 0.5, 1e-8, seed + 1, active) for seed in range(21)]
            reached = [e for e in runs if e is not None]
            print(f'{name} CMA_active={active}: {len(reached)}/21 reached 1e-8; evaluations '
                  f'median {np.median(reached):.0f}, min {min(reached)}, max {max(reached)} '
                  f'(pycma {cma.__version__})')


if __name__ == '__main__':
    black_box_table()
    for name, f, x0 in [('sphere', sphere, [1.0] * 10), ('rosenbrock', rosenbrock, [0.0] * 10)]:
        results = [run(f, x0, 0.5, 1e-10, seed + 1) for seed in range(21)]
        reached = [e for e, best in results if best < 1e-10]
        print(f'{name}: {len(reached)}/21 reached 1e-10; evaluations median '
              f'{np.median(reached):.0f}, min {min(reached)}, max {max(reached)} (pycma {cma.__version__})')
