//! Backprop learns: XOR with a small tanh network, digits with a 64-32-10 network.

use baldwin::learn::{Adam, Loss, Trainer, evaluate};
use baldwin::net::{Activation, Architecture, Head, Network, Workspace};
use baldwin::{rng, task};

#[test]
fn xor_2_16_1_tanh_with_adam_reaches_mse_below_0_01_within_2000_steps_for_9_of_10_seeds() {
    let data = task::xor();
    let arch = Architecture::uniform(&[2, 16, 1], Activation::Tanh, Head::Linear).unwrap();
    let net = Network::dense(arch);
    let mut ws = Workspace::new();
    let solved = (0..10u64)
        .filter(|&seed| {
            let mut params = net.init(&mut rng::stream(&[seed]));
            let mut trainer = Trainer::new(&net, Loss::Mse, Adam::new(0.01), 4, seed).unwrap();
            (0..2000).any(|_| {
                trainer.step(&mut params, &data.train).unwrap();
                evaluate(&net, &params, &data.test, Loss::Mse, &mut ws)
                    .unwrap()
                    .loss
                    < 0.01
            })
        })
        .count();
    assert!(solved >= 9, "only {solved} of 10 seeds solved XOR");
}

#[test]
fn digits_64_32_10_with_adam_reaches_95_percent_test_accuracy() {
    let data = task::digits();
    let arch = Architecture::uniform(&[64, 32, 10], Activation::Tanh, Head::Softmax).unwrap();
    let net = Network::dense(arch);
    let mut params = net.init(&mut rng::stream(&[0]));
    let mut trainer = Trainer::new(&net, Loss::CrossEntropy, Adam::new(1e-3), 32, 0).unwrap();
    // 150 epochs' worth of samples would be overkill: about 150k examples suffice.
    while trainer.samples_used() < 150_000 {
        trainer.step(&mut params, &data.train).unwrap();
    }
    let eval = evaluate(
        &net,
        &params,
        &data.test,
        Loss::CrossEntropy,
        &mut Workspace::new(),
    )
    .unwrap();
    assert!(eval.accuracy >= 0.95, "test accuracy {}", eval.accuracy);
    assert_eq!(trainer.samples_used(), trainer.steps() * 32);
}

#[test]
fn training_is_determined_by_the_seed() {
    let data = task::parity(4);
    let arch = Architecture::uniform(&[4, 8, 1], Activation::Tanh, Head::Linear).unwrap();
    let net = Network::dense(arch);
    let run = |seed: u64| {
        let mut params = net.init(&mut rng::stream(&[seed]));
        let mut trainer = Trainer::new(&net, Loss::Mse, Adam::new(0.01), 5, seed).unwrap();
        for _ in 0..50 {
            trainer.step(&mut params, &data.train).unwrap();
        }
        params.genes
    };
    assert_eq!(run(3), run(3));
    assert_ne!(run(3), run(4));
}
