//! What sharing one evolution run's population over MPI ranks costs and buys: bytes
//! sent and time per generation of OpenAI-ES on the digits network's genome (64-64-10,
//! 4,810 genes), for populations 64 to 4,096, with a cheap fitness (the sphere) and
//! with the digits fitness (every member's loss on a shared batch of 256 images).
//!
//! Every rank runs the same strategy and scores only its slice of each population, then
//! the ranks exchange fitness values (8 + 4 bytes per member of the slice, to each other
//! rank). The table is rank 0's; run it once per rank count:
//!
//! ```text
//! cargo build --release --features mpi --example mpi_scaling
//! for n in 1 2 3; do
//!   mpirun --allow-run-as-root --oversubscribe -np $n target/release/examples/mpi_scaling
//! done
//! ```

use std::time::Instant;

use baldwin::evolve::mpi::MpiGroup;
use baldwin::evolve::{Driver, Fitness, FnFitness, OpenAiEs, OpenAiEsConfig, functions};
use baldwin::experiment::compare::BatchFitness;
use baldwin::net::{Activation, Architecture, Head, Loss, Network};
use baldwin::rng;
use baldwin::task::{self, BatchSampler};
use mpi::traits::{Communicator, CommunicatorCollectives};

/// Images in the digits fitness's batch.
const BATCH: usize = 256;

fn main() {
    let universe = mpi::initialize().expect("MPI is initialised once");
    let world = universe.world();
    let ranks = world.size();
    let data = task::digits();
    let arch = Architecture::uniform(&[64, 64, 10], Activation::Tanh, Head::Softmax)
        .expect("a valid architecture");
    let net = Network::dense(arch);
    let init = net.init(&mut rng::stream(&[1])).genes;
    assert_eq!(init.len(), 4_810);
    if world.rank() == 0 {
        println!(
            "| ranks | fitness | population | bytes sent per rank per generation | ms per generation |"
        );
        println!("|---:|---|---:|---:|---:|");
    }
    for digits in [false, true] {
        for population in [64, 256, 1_024, 4_096] {
            let config = OpenAiEsConfig {
                population,
                sigma: 0.02,
                lr: 0.01,
                ..Default::default()
            };
            let es = OpenAiEs::new(config, init.clone(), 2).expect("a valid configuration");
            let group = MpiGroup::new(world.duplicate());
            // About a second of work per row on one core.
            let generations = if digits {
                (4_096 / population).clamp(2, 16)
            } else {
                16
            };
            let (bytes, seconds) = if digits {
                let sampler = BatchSampler::new(data.train.len(), BATCH, rng::stream(&[3]));
                let fitness = BatchFitness::new(&net, &data.train, Loss::CrossEntropy, sampler);
                measure(
                    Driver::new(es, fitness).shared_by(group),
                    generations,
                    &world,
                )
            } else {
                let sphere: fn(&[f32]) -> f32 = functions::sphere;
                let fitness = FnFitness::new(sphere);
                measure(
                    Driver::new(es, fitness).shared_by(group),
                    generations,
                    &world,
                )
            };
            if world.rank() == 0 {
                let name = if digits { "digits" } else { "sphere" };
                println!(
                    "| {ranks} | {name} | {population} | {bytes:.0} | {:.2} |",
                    seconds * 1e3
                );
            }
        }
    }
}

/// Bytes rank 0 sent and seconds it took per generation, over `generations` after one
/// to warm up (the noise table, the workspaces).
fn measure<F: Fitness>(
    mut driver: Driver<OpenAiEs, F>,
    generations: usize,
    world: &impl CommunicatorCollectives,
) -> (f64, f64) {
    driver.step().expect("a generation");
    world.barrier();
    let (sent, started) = (driver.bytes_sent(), Instant::now());
    for _ in 0..generations {
        driver.step().expect("a generation");
    }
    let seconds = started.elapsed().as_secs_f64();
    let bytes = (driver.bytes_sent() - sent) as f64;
    (bytes / generations as f64, seconds / generations as f64)
}
