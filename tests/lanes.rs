//! The lane kernels (`net::LanePlan`, one population member per SIMD lane) against the
//! per-member lifetime they replace: the same fitness and the same adapted weights within
//! float rounding, the same bits for any thread count, padding lanes without effect, and
//! the per-member path wherever the lanes do not apply; for regression (sine, mean squared
//! error) and classification (digits, softmax cross-entropy) lifetimes.

use baldwin::evolve::{Fitness, Population};
use baldwin::meta::{
    DigitImages, DigitsTasks, Family, InnerLoop, InnerOptimizer, LifetimeFitness, Phase, SineTasks,
};
use baldwin::net::{
    Activation, Architecture, Head, Initializer, Loss, Network, Tying, TyingPreset,
};
use baldwin::rng;
use rand::RngExt;

fn sine_net(activation: Activation) -> Network {
    Network::dense(Architecture::uniform(&[1, 40, 40, 1], activation, Head::Linear).unwrap())
}

fn inner(steps: usize) -> InnerLoop {
    InnerLoop {
        steps,
        lr: 0.01,
        optimizer: InnerOptimizer::Sgd,
    }
}

/// `members` initialisations of `net` (each its own seed), each followed by
/// `log_lrs` log learning rates around ln 0.002 (5 steps at 0.01 can diverge).
fn population(net: &Network, members: usize, log_lrs: usize) -> Population {
    let genomes = (0..members)
        .map(|m| {
            let mut stream = rng::stream(&[7, m as u64]);
            let mut genes = net.init_with(Initializer::default(), &mut stream).genes;
            genes.extend((0..log_lrs).map(|_| 0.002f32.ln() + stream.random_range(-0.5..0.5)));
            (genes, None)
        })
        .collect();
    Population::from_members(genomes)
}

fn lifetime<'a>(
    net: &'a Network,
    steps: usize,
    evolve_lr: bool,
    lamarckian: bool,
) -> LifetimeFitness<'a> {
    let mut fitness = LifetimeFitness::new(net, Loss::Mse, inner(steps), evolve_lr, lamarckian);
    let family = Family::Sine(SineTasks { query: 10 });
    let mut stream = rng::stream(&[11]);
    fitness.tasks = (0..5)
        .map(|_| family.sample(&mut stream, 10, Phase::Train, &DigitImages::default()))
        .collect();
    fitness
}

fn digits_net(activation: Activation) -> Network {
    Network::dense(Architecture::uniform(&[64, 32, 5], activation, Head::Softmax).unwrap())
}

/// Lifetimes on five 5-way 3-shot digits tasks (5 query images per class), softmax
/// cross-entropy, SGD at lr 0.1 as in experiments/digits-few-shot.toml.
fn digits_lifetime(net: &Network, steps: usize, evolve_lr: bool) -> LifetimeFitness<'_> {
    let lifetime = InnerLoop {
        lr: 0.1,
        ..inner(steps)
    };
    // Classification takes the lanes only when asked (member by member is faster there).
    let mut fitness =
        LifetimeFitness::new(net, Loss::CrossEntropy, lifetime, evolve_lr, false).with_lanes(true);
    let family = Family::Digits(DigitsTasks {
        query: 5,
        ..DigitsTasks::default()
    });
    let images = DigitImages::load();
    let mut stream = rng::stream(&[13]);
    fitness.tasks = (0..5)
        .map(|_| family.sample(&mut stream, 3, Phase::Train, &images))
        .collect();
    fitness
}

fn evaluate(fitness: &mut LifetimeFitness, population: &Population) -> Vec<f32> {
    let mut values = vec![f32::NAN; population.len()];
    fitness.evaluate(0, population, &mut values).unwrap();
    values
}

fn assert_relative(got: f32, want: f32, tolerance: f32, what: &str) {
    assert!(
        (got - want).abs() <= tolerance * want.abs().max(1e-3),
        "{what}: lanes {got} vs per member {want}"
    );
}

#[test]
fn lane_fitness_matches_the_per_member_path_within_relative_1e_5() {
    // 37 members: two full lane groups and a padded one.
    for activation in [Activation::Relu, Activation::Tanh, Activation::Sigmoid] {
        let net = sine_net(activation);
        for (steps, evolve_lr) in [(1, false), (5, true)] {
            let layers = if evolve_lr { 3 } else { 0 };
            let population = population(&net, 37, layers);
            let mut lanes = lifetime(&net, steps, evolve_lr, false);
            assert!(lanes.uses_lanes());
            let mut reference = lifetime(&net, steps, evolve_lr, false).with_lanes(false);
            assert!(!reference.uses_lanes());
            let (got, want) = (
                evaluate(&mut lanes, &population),
                evaluate(&mut reference, &population),
            );
            for (m, (&g, &w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    w.is_finite() && w > 0.0,
                    "{} steps={steps}: a real loss, not {w}",
                    activation.name()
                );
                let what = format!("{} steps={steps} member {m}", activation.name());
                assert_relative(g, w, 1e-5, &what);
            }
            assert_ne!(
                got[0], got[1],
                "members differ, so the lanes were not mixed up"
            );
        }
    }
}

#[test]
fn digits_lane_fitness_matches_the_per_member_path_within_relative_1e_5() {
    // Softmax cross-entropy lifetimes; 37 members: two full lane groups and a padded one.
    for activation in [Activation::Relu, Activation::Tanh] {
        let net = digits_net(activation);
        for (steps, evolve_lr) in [(1, false), (10, true)] {
            let population = population(&net, 37, if evolve_lr { 2 } else { 0 });
            let mut lanes = digits_lifetime(&net, steps, evolve_lr);
            assert!(lanes.uses_lanes());
            let mut reference = digits_lifetime(&net, steps, evolve_lr).with_lanes(false);
            let (got, want) = (
                evaluate(&mut lanes, &population),
                evaluate(&mut reference, &population),
            );
            for (m, (&g, &w)) in got.iter().zip(&want).enumerate() {
                assert!(w.is_finite() && w > 0.1, "a real loss, not {w}");
                let what = format!("{} steps={steps} member {m}", activation.name());
                assert_relative(g, w, 1e-5, &what);
            }
            assert_ne!(
                got[0], got[1],
                "members differ: the lanes were not mixed up"
            );
        }
    }
}

#[test]
fn digits_lane_fitness_is_bit_identical_for_any_thread_count_and_padding() {
    let net = digits_net(Activation::Tanh);
    let population = population(&net, 40, 2);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| evaluate(&mut digits_lifetime(&net, 3, true), &population))
    };
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let one = run(1);
    for threads in [2, 3] {
        assert_eq!(bits(&one), bits(&run(threads)), "{threads} threads");
    }
    // Member 0 alone (15 padding lanes): the same bits as in its full group.
    let alone = Population::from_members(vec![(population.genome(0).to_vec(), None)]);
    let single = evaluate(&mut digits_lifetime(&net, 3, true), &alone);
    assert_eq!(one[0].to_bits(), single[0].to_bits());
}

#[test]
fn lamarckian_write_back_gives_the_per_member_adapted_weights() {
    let net = sine_net(Activation::Relu);
    let population = population(&net, 20, 3);
    let mut lanes = lifetime(&net, 5, true, true);
    let mut reference = lifetime(&net, 5, true, true).with_lanes(false);
    evaluate(&mut lanes, &population);
    evaluate(&mut reference, &population);
    assert_eq!(lanes.adapted().len(), 20);
    let mut moved = 0.0f32;
    for (m, (got, want)) in lanes.adapted().iter().zip(reference.adapted()).enumerate() {
        assert_eq!(got.len(), net.genome_len());
        for (g, (&a, &b)) in got.iter().zip(want).enumerate() {
            assert!(
                (a - b).abs() <= 1e-5 * (1.0 + b.abs()),
                "member {m} gene {g}: {a} vs {b}"
            );
            moved = moved.max((b - population.genome(m)[g]).abs());
        }
    }
    assert!(moved > 1e-3, "the lifetime moved the weights (by {moved})");
    let (mut written, mut written_reference) = (population.clone(), population.clone());
    lanes.write_back(&mut written);
    reference.write_back(&mut written_reference);
    for m in 0..20 {
        let (a, b) = (written.genome(m), written_reference.genome(m));
        assert_eq!(
            a[net.genome_len()..],
            b[net.genome_len()..],
            "log rates are kept"
        );
        assert!(
            a.iter()
                .zip(b)
                .all(|(x, y)| (x - y).abs() <= 1e-5 * (1.0 + y.abs()))
        );
    }
}

#[test]
fn lane_fitness_is_bit_identical_for_any_thread_count() {
    let net = sine_net(Activation::Tanh);
    let population = population(&net, 70, 3);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut fitness = lifetime(&net, 2, true, true);
            let values = evaluate(&mut fitness, &population);
            (values, fitness.adapted().to_vec())
        })
    };
    let one = run(1);
    for threads in [2, 3, 5] {
        let many = run(threads);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(&one.0),
            bits(&many.0),
            "fitness with {threads} threads"
        );
        assert_eq!(one.1, many.1, "adapted weights with {threads} threads");
    }
}

#[test]
fn a_members_fitness_does_not_depend_on_its_lane_group_or_padding() {
    // Member 0 alone (15 padding lanes), and member 0 among 16 others: the same bits.
    let net = sine_net(Activation::Relu);
    let many = population(&net, 16, 0);
    let alone = Population::from_members(vec![(many.genome(0).to_vec(), None)]);
    let mut fitness = lifetime(&net, 3, false, false);
    let full = evaluate(&mut fitness, &many);
    let single = evaluate(&mut fitness, &alone);
    assert_eq!(full[0].to_bits(), single[0].to_bits());
}

#[test]
fn lanes_apply_only_to_dense_networks_under_sgd_with_mse_or_softmax_cross_entropy() {
    let dense = sine_net(Activation::Relu);
    assert!(LifetimeFitness::new(&dense, Loss::Mse, inner(1), false, false).uses_lanes());
    let adam = InnerLoop {
        optimizer: InnerOptimizer::Adam,
        ..inner(1)
    };
    assert!(!LifetimeFitness::new(&dense, Loss::Mse, adam, false, false).uses_lanes());
    assert!(!LifetimeFitness::new(&dense, Loss::CrossEntropy, inner(1), false, false).uses_lanes());
    let arch = Architecture::uniform(&[4, 8, 8, 1], Activation::Relu, Head::Linear).unwrap();
    let tying = Tying::preset(&arch, TyingPreset::Mirror, (2, 2)).unwrap();
    let tied = Network::new(arch, tying).unwrap();
    assert!(!LifetimeFitness::new(&tied, Loss::Mse, inner(1), false, false).uses_lanes());
    let softmax =
        Network::dense(Architecture::uniform(&[4, 8, 3], Activation::Relu, Head::Softmax).unwrap());
    assert!(!LifetimeFitness::new(&softmax, Loss::Mse, inner(1), false, false).uses_lanes());
    // Softmax cross-entropy: covered, but on only when asked (slower on digits).
    let classifier = LifetimeFitness::new(&softmax, Loss::CrossEntropy, inner(1), false, false);
    assert!(!classifier.uses_lanes());
    assert!(classifier.with_lanes(true).uses_lanes());
}
