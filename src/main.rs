//! The `baldwin` command line. Until the experiment layer exists it runs a built-in
//! demonstration: a 64-32-10 tanh network trained on the embedded digits with Adam,
//! printing test accuracy against the training examples consumed.

use std::process::ExitCode;
use std::time::Instant;

use baldwin::learn::{Adam, Loss, Trainer, evaluate};
use baldwin::net::{Activation, Architecture, Head, Network, Workspace};
use baldwin::{rng, task};

fn main() -> ExitCode {
    match demo() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn demo() -> anyhow::Result<()> {
    let data = task::digits();
    let arch = Architecture::uniform(&[64, 32, 10], Activation::Tanh, Head::Softmax)?;
    let net = Network::dense(arch);
    println!(
        "digits: {} train / {} test images; network {} ({} genes); Adam lr 0.001, batch 32",
        data.train.len(),
        data.test.len(),
        net.architecture().label(),
        net.genome_len()
    );
    println!(
        "{:>10} {:>10} {:>10} {:>9}",
        "samples", "test_loss", "test_acc", "wall_s"
    );
    let mut ws = Workspace::new();
    let start = Instant::now();
    for seed in 0..1u64 {
        let mut params = net.init(&mut rng::stream(&[seed]));
        let mut trainer = Trainer::new(&net, Loss::CrossEntropy, Adam::new(1e-3), 32, seed)?;
        let mut next_report = 32u64;
        while trainer.samples_used() < 1_000_000 {
            trainer.step(&mut params, &data.train)?;
            if trainer.samples_used() >= next_report {
                let eval = evaluate(&net, &params, &data.test, Loss::CrossEntropy, &mut ws)?;
                println!(
                    "{:>10} {:>10.4} {:>10.4} {:>9.2}",
                    trainer.samples_used(),
                    eval.loss,
                    eval.accuracy,
                    start.elapsed().as_secs_f64()
                );
                next_report *= 2;
            }
        }
    }
    Ok(())
}
