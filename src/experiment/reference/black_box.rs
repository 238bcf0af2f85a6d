//! The reference sections of black-box experiments.

use super::{HEADER, defaults, s};
use crate::experiment::black_box::{Ackley, Ellipsoid, Rastrigin, Rosenbrock, Sphere};

const DIM: (&str, &str, &str) = ("dim", "", "dimension n (genes of every member)");
const X0: (&str, &str, &str) = ("x0", "", "every coordinate of the start mean");

/// Black-box experiments: test function, budget, arms.
pub(super) fn sections() -> Vec<super::Section> {
    let none = toml::Table::new;
    vec![
        s(
            "kind = \"black_box\": strategies on a test function (see experiments/black-box-*.toml)",
            0,
            none(),
            HEADER,
        ),
        s(
            "[function]  name = sphere | ellipsoid | rosenbrock | rastrigin | ackley  (f* = 0)",
            1,
            none(),
            &[("name", "required", "the test function")],
        ),
        s(
            "name = \"sphere\"",
            2,
            defaults(Sphere::default()),
            &[DIM, X0],
        ),
        s(
            "name = \"ellipsoid\"  (pycma's elli)",
            2,
            defaults(Ellipsoid::default()),
            &[
                DIM,
                X0,
                ("condition", "", "largest over smallest axis scale, squared"),
            ],
        ),
        s(
            "name = \"rosenbrock\"",
            2,
            defaults(Rosenbrock::default()),
            &[DIM, X0],
        ),
        s(
            "name = \"rastrigin\"",
            2,
            defaults(Rastrigin::default()),
            &[DIM, X0],
        ),
        s(
            "name = \"ackley\"",
            2,
            defaults(Ackley::default()),
            &[DIM, X0],
        ),
        s(
            "[budget]",
            1,
            none(),
            &[
                (
                    "evaluations",
                    "required",
                    "function evaluations per run, a hard ceiling",
                ),
                ("target", "1e-8", "f - f* that counts as solved"),
                (
                    "checkpoints",
                    "40",
                    "logged points, log-spaced in evaluations",
                ),
            ],
        ),
        s(
            "[[arm]]  name, strategy and the strategy's keys (as for learner = \"evolution\")",
            1,
            none(),
            &[
                (
                    "name",
                    "required",
                    "unique label, used in plots and file names",
                ),
                (
                    "strategy",
                    "required",
                    "ga | openai_es | snes | cma_es | sep_cma_es",
                ),
            ],
        ),
    ]
}
