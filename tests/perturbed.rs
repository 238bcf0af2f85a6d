//! An OpenAI-ES generation scored as perturbations of its mean (`Members::losses`,
//! `evaluate::member_losses`): an antithetic pair shares its first layer's products, and
//! each loss still equals the member's own `Network::loss` within rounding; otherwise the
//! losses are the same bits.

use baldwin::evolve::{OpenAiEs, OpenAiEsConfig, Strategy, evaluate};
use baldwin::net::{
    Activation, Architecture, Head, Loss, NetError, Network, PopulationEvaluator, Targets, Tying,
    TyingPreset, Workspace,
};
use baldwin::rng;
use rand::RngExt;

fn es(net: &Network, population: usize, antithetic: bool) -> OpenAiEs {
    let config = OpenAiEsConfig {
        population,
        sigma: 0.1,
        antithetic,
        ..Default::default()
    };
    let mean = net.init(&mut rng::stream(&[3])).genes;
    OpenAiEs::new(config, mean, 5).unwrap()
}

/// Inputs in `[-1, 1)` and one class per row.
fn batch(net: &Network, rows: usize) -> (Vec<f32>, Vec<u32>) {
    let mut r = rng::stream(&[9]);
    let arch = net.architecture();
    let inputs = (0..rows * arch.inputs())
        .map(|_| r.random_range(-1.0..1.0))
        .collect();
    let classes = (0..rows)
        .map(|_| r.random_range(0..arch.outputs() as u32))
        .collect();
    (inputs, classes)
}

/// Each member's own loss, one genome at a time, from the population that a copy of
/// `es` writes out.
fn alone(net: &Network, es: &OpenAiEs, inputs: &[f32], classes: &[u32]) -> Vec<f32> {
    let mut ws = Workspace::new();
    let population = es.clone().ask().clone();
    (0..population.len())
        .map(|i| {
            let targets = Targets::Classes(classes);
            net.loss(
                population.genome(i),
                inputs,
                targets,
                Loss::CrossEntropy,
                &mut ws,
            )
            .unwrap()
        })
        .collect()
}

fn member_losses(net: &Network, es: &mut OpenAiEs, inputs: &[f32], classes: &[u32]) -> Vec<f32> {
    let rows = classes.len();
    let mut evaluator = PopulationEvaluator::new();
    let members = es.ask_members();
    let mut out = vec![0.0; members.len()];
    members
        .losses(
            net,
            &mut evaluator,
            inputs,
            rows,
            Targets::Classes(classes),
            Loss::CrossEntropy,
            &mut out,
        )
        .unwrap();
    out
}

fn dense(sizes: &[usize], activation: Activation) -> Network {
    Network::dense(Architecture::uniform(sizes, activation, Head::Softmax).unwrap())
}

/// The networks a pair shares its first layer on: dense with every activation, and first
/// layers tied by translation, by mirror with negation, and "none" in 4 × 4 tiles (each
/// tile its own block, a genome layout other than row-major).
fn sharing_networks() -> Vec<Network> {
    let mut nets: Vec<Network> = Activation::ALL
        .into_iter()
        .map(|activation| dense(&[64, 32, 16, 10], activation))
        .collect();
    let arch = Architecture::uniform(&[16, 16, 4], Activation::Tanh, Head::Softmax).unwrap();
    for preset in [
        TyingPreset::Translation,
        TyingPreset::Antimirror,
        TyingPreset::None,
    ] {
        let tying = Tying::preset(&arch, preset, (4, 4)).unwrap();
        assert!(!tying.layer(0).is_dense(), "{preset:?}");
        nets.push(Network::new(arch.clone(), tying).unwrap());
    }
    nets
}

#[test]
fn fused_pairs_equal_each_members_own_loss_within_rounding() {
    for (n, net) in sharing_networks().into_iter().enumerate() {
        let (inputs, classes) = batch(&net, 48);
        let mut strategy = es(&net, 10, true);
        let expected = alone(&net, &strategy, &inputs, &classes);
        let got = member_losses(&net, &mut strategy, &inputs, &classes);
        for (i, (e, g)) in expected.iter().zip(&got).enumerate() {
            let error = (e - g).abs() / e.abs().max(1.0);
            assert!(error < 2e-5, "network {n} member {i}: {g} vs {e}");
        }
        // The pair's two members differ, so a sign error could not hide.
        assert!(got.chunks(2).all(|pair| pair[0] != pair[1]), "network {n}");
    }
}

#[test]
fn members_without_pairs_are_the_same_bits_as_evaluated_alone() {
    for net in [
        dense(&[16, 16, 4], Activation::Tanh),
        sharing_networks().pop().unwrap(),
    ] {
        let (inputs, classes) = batch(&net, 20);
        let mut strategy = es(&net, 8, false);
        let expected = alone(&net, &strategy, &inputs, &classes);
        let got = member_losses(&net, &mut strategy, &inputs, &classes);
        assert_eq!(got, expected);
    }
}

#[test]
fn member_losses_are_the_same_for_one_and_two_threads() {
    let net = dense(&[64, 64, 10], Activation::Tanh);
    let (inputs, classes) = batch(&net, 40);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut strategy = es(&net, 14, true);
            let mut evaluator = PopulationEvaluator::new();
            let mut all = Vec::new();
            for _ in 0..3 {
                let (population, members) = strategy.ask_with_members();
                let mut out = vec![0.0; population.len()];
                evaluate::member_losses(
                    population,
                    members.unwrap(),
                    &net,
                    &mut evaluator,
                    &inputs,
                    classes.len(),
                    Targets::Classes(&classes),
                    Loss::CrossEntropy,
                    &mut out,
                )
                .unwrap();
                strategy.tell(&out).unwrap();
                all.extend(out);
            }
            all
        })
    };
    let one = run(1);
    assert_eq!(one.len(), 42);
    assert!(one.iter().all(|l| l.is_finite()));
    assert_eq!(
        one.iter().map(|l| l.to_bits()).collect::<Vec<_>>(),
        run(2).iter().map(|l| l.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn member_losses_keep_the_lanes_bits_for_small_networks() {
    // 2-16-2 at batch 4 runs in SIMD lanes, where sharing the first layer saves nothing:
    // the losses are those of the written-out population, bit for bit.
    let net = dense(&[2, 16, 2], Activation::Tanh);
    let (inputs, classes) = batch(&net, 4);
    let mut evaluator = PopulationEvaluator::new();
    assert!(evaluator.uses_lanes(&net, 4));
    let mut strategy = es(&net, 32, true);
    let (population, members) = strategy.ask_with_members();
    let mut got = vec![0.0; population.len()];
    let mut expected = vec![0.0; population.len()];
    let targets = Targets::Classes(&classes);
    let loss = Loss::CrossEntropy;
    evaluate::member_losses(
        population,
        members.unwrap(),
        &net,
        &mut evaluator,
        &inputs,
        4,
        targets,
        loss,
        &mut got,
    )
    .unwrap();
    evaluate::network_losses(
        population,
        &net,
        &mut evaluator,
        &inputs,
        4,
        targets,
        loss,
        &mut expected,
    )
    .unwrap();
    assert_eq!(got, expected);
}

#[test]
fn perturbed_losses_check_their_arguments() {
    let net = dense(&[8, 8, 3], Activation::Tanh);
    let (inputs, classes) = batch(&net, 5);
    let mean = vec![0.0; net.genome_len()];
    let short = vec![0.0; net.genome_len() - 1];
    let mut evaluator = PopulationEvaluator::new();
    let mut out = vec![0.0; 4];
    let targets = Targets::Classes(&classes);
    let err = evaluator
        .perturbed_losses(
            &net,
            &mean,
            0.1,
            true,
            0,
            |_| &short,
            &inputs,
            5,
            targets,
            Loss::CrossEntropy,
            &mut out,
        )
        .unwrap_err();
    assert!(matches!(err, NetError::GenomeLength { .. }), "{err}");
    let mut strategy = es(&net, 6, true);
    let members = strategy.ask_members();
    let err = members
        .losses(
            &net,
            &mut evaluator,
            &inputs,
            5,
            targets,
            Loss::CrossEntropy,
            &mut out,
        )
        .unwrap_err();
    assert_eq!(
        err,
        NetError::OutputLength {
            expected: 6,
            got: 4
        }
    );
}

#[test]
fn an_odd_antithetic_count_ends_with_a_lone_positive_member() {
    let net = dense(&[12, 12, 3], Activation::Tanh);
    let (inputs, classes) = batch(&net, 9);
    let mean = net.init(&mut rng::stream(&[1])).genes;
    let mut r = rng::stream(&[2]);
    let directions: Vec<Vec<f32>> = (0..3)
        .map(|_| (0..mean.len()).map(|_| r.random_range(-1.0..1.0)).collect())
        .collect();
    let sigma = 0.2;
    let targets = Targets::Classes(&classes);
    let mut out = vec![0.0; 5];
    PopulationEvaluator::new()
        .perturbed_losses(
            &net,
            &mean,
            sigma,
            true,
            0,
            |d| &directions[d],
            &inputs,
            9,
            targets,
            Loss::CrossEntropy,
            &mut out,
        )
        .unwrap();
    let mut ws = Workspace::new();
    for (i, got) in out.iter().enumerate() {
        let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
        let genome: Vec<f32> = mean
            .iter()
            .zip(&directions[i / 2])
            .map(|(m, e)| m + sign * sigma * e)
            .collect();
        let expected = net
            .loss(&genome, &inputs, targets, Loss::CrossEntropy, &mut ws)
            .unwrap();
        assert!(
            (got - expected).abs() < 2e-5 * expected.max(1.0),
            "member {i}"
        );
    }
}
