//! The shared noise table's first use from inside parallel jobs: every job asks for it at
//! once, as a parallel `ask` does. Building it with rayon from inside a rayon job could
//! deadlock (a worker waiting on the build steals a job that asks for the table again);
//! this file is its own process, so here the table is really built by that first use.
//! The deadlock depends on timing: with the rayon build, `tests/streaming.rs` hung in a
//! clean-clone CI run (2026-12-06) and this test passed in a release run, so a pass here
//! is evidence, not proof; a hang fails it after 5 minutes instead of stalling CI.

use std::sync::mpsc;
use std::time::Duration;

use baldwin::evolve::sampling::{NOISE_TABLE_LEN, noise_table};
use baldwin::evolve::{OpenAiEs, OpenAiEsConfig, Strategy};
use rayon::prelude::*;

#[test]
fn the_first_use_from_many_parallel_jobs_builds_the_table_once_without_deadlock() {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        // Nested parallelism as in the strategies: a parallel loop whose jobs read rows.
        let sums: Vec<f64> = (0..64u64)
            .into_par_iter()
            .map(|i| {
                let table = noise_table();
                let start = (i as usize * 7919) % (NOISE_TABLE_LEN - 1000);
                table[start..start + 1000].iter().map(|&x| x as f64).sum()
            })
            .collect();
        // And through a strategy: a parallel `ask` whose members read their rows.
        let config = OpenAiEsConfig {
            population: 64,
            ..Default::default()
        };
        let mut es = OpenAiEs::new(config, vec![0.0; 4810], 3).unwrap();
        let member = es.ask().genome(5).to_vec();
        done.send((sums, member)).unwrap();
    });
    let (sums, member) = finished
        .recv_timeout(Duration::from_secs(300))
        .expect("the first use of the noise table deadlocked (or took over 5 minutes)");
    assert_eq!(noise_table().len(), NOISE_TABLE_LEN);
    assert!(sums.iter().all(|s| s.is_finite()));
    assert!(member.iter().any(|&g| g != 0.0), "members are perturbed");
}
