//! CMA-ES on a closure, driven by hand with ask and tell — the interface of pycma,
//! evosax and the `cmaes` crate.
//!
//! `cargo run --release --example cma_es_ask_tell`

use baldwin::evolve::{CmaEs, CmaEsConfig, Strategy};

/// Rosenbrock's banana function in `x.len()` dimensions; minimum 0 at (1, ..., 1).
fn rosenbrock(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| {
            let (a, b) = (w[0] as f64, w[1] as f64);
            100.0 * (b - a * a).powi(2) + (1.0 - a).powi(2)
        })
        .sum::<f64>() as f32
}

fn main() {
    let config = CmaEsConfig {
        sigma: 0.5,
        ..Default::default()
    };
    let mut es = CmaEs::new(config, vec![0.0; 8], 7).expect("a valid configuration");
    let mut fitness = Vec::new();
    let mut evaluations = 0;
    while es.generation() < 2_000 {
        let population = es.ask();
        fitness.clear();
        fitness.extend((0..population.len()).map(|i| rosenbrock(population.genome(i))));
        evaluations += fitness.len();
        es.tell(&fitness).expect("one value per member");
        if rosenbrock(es.center().genes) < 1e-8 {
            break;
        }
    }
    let best = rosenbrock(es.center().genes);
    println!(
        "CMA-ES on 8-D Rosenbrock: f = {best:.2e} after {} generations, {evaluations} evaluations",
        es.generation()
    );
    assert!(best < 1e-6, "CMA-ES should solve 8-D Rosenbrock");
}
