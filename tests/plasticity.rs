//! Why evolved learning rates barely move (README, "Why the evolved learning rates do not
//! move"): measured on the sine-few-shot setting (1-40-40-1 ReLU, 5 SGD steps at lr 0.002
//! on K = 10). `cargo test --release --test plasticity -- --nocapture` prints the numbers.

use baldwin::evolve::{OpenAiEsConfig, StrategyConfig};
use baldwin::meta::{
    DigitImages, EvolutionMethod, Family, FomamlConfig, InnerLoop, InnerOptimizer, Method, Outer,
    SampleAxis, Setting, SineTasks, evaluate_init,
};
use baldwin::net::{Activation, Architecture, Head, Initializer, Network};
use baldwin::rng;
use rand_distr::{Distribution, StandardNormal};

fn loss(net: &Network, init: &[f32], log_lrs: &[f32], tasks: usize) -> f64 {
    let lrs: Vec<f32> = log_lrs.iter().map(|l| l.exp()).collect();
    let inner = InnerLoop {
        steps: 5,
        lr: 0.002,
        optimizer: InnerOptimizer::Sgd,
    };
    evaluate_init(
        net,
        &Family::Sine(SineTasks { query: 10 }),
        &DigitImages::default(),
        init,
        Some(&lrs),
        &inner,
        &[10],
        tasks,
    )
    .unwrap()
    .last()
    .unwrap()
    .loss
}

fn normal(rng: &mut rng::Stream) -> f32 {
    let z: f64 = StandardNormal.sample(rng);
    z as f32
}

#[test]
fn evolved_learning_rates_sit_below_a_divergence_cliff_with_a_weak_signal_per_generation() {
    let net = Network::dense(
        Architecture::uniform(&[1, 40, 40, 1], Activation::Relu, Head::Linear).unwrap(),
    );
    let init = net
        .init_with(Initializer::default(), &mut rng::stream(&[0]))
        .genes;
    let base = vec![0.002f32.ln(); 3];
    // The landscape along all three log rates at once, on 400 shared tasks, at the
    // random initialisation and at one meta-learned by first-order MAML (1 M examples).
    let family = Family::Sine(SineTasks { query: 10 });
    let images = DigitImages::default();
    let mut fomaml = Outer::new(
        Method::Fomaml(FomamlConfig::default()),
        Setting {
            net: &net,
            family: &family,
            images: &images,
            shots: 10,
            budget: 1_000_000,
            axis: SampleAxis::Evaluations,
            init: Initializer::default(),
        },
        InnerLoop {
            steps: 5,
            lr: 0.002,
            optimizer: InnerOptimizer::Sgd,
        },
        init.clone(),
        0,
    )
    .unwrap();
    while fomaml.samples() < 1_000_000 {
        fomaml.step().unwrap();
    }
    let learned = fomaml.init().0.to_vec();
    let mut random = Vec::new();
    let mut meta = Vec::new();
    let factors = [0.25f32, 0.5, 1.0, 1.5, 2.0, 3.0];
    for factor in factors {
        let l: Vec<f32> = base.iter().map(|b| b + factor.ln()).collect();
        random.push(loss(&net, &init, &l, 400));
        meta.push(loss(&net, &learned, &l, 400));
        eprintln!(
            "lr x{factor}: query MSE {:.4} from random, {:.4} from FOMAML's init",
            random.last().unwrap(),
            meta.last().unwrap()
        );
    }
    // From the meta-learned init the rate it was trained with is the best of those
    // scanned, and 3x diverges; from the random init half the rate is better.
    let at = |f: f32| factors.iter().position(|&x| x == f).unwrap();
    assert!(meta[at(1.0)] < meta[at(0.5)] && meta[at(1.0)] < meta[at(1.5)]);
    let diverged = meta[at(3.0)];
    assert!(
        diverged.is_nan() || diverged > 100.0 * meta[at(1.0)],
        "{meta:?}"
    );
    assert!(random[at(0.5)] < 0.7 * random[at(1.0)], "{random:?}");
    // Slope of fitness per unit of log rate (central difference, ±0.1), per layer.
    let mut slopes = Vec::new();
    for layer in 0..3 {
        let mut up = base.clone();
        up[layer] += 0.1;
        let mut down = base.clone();
        down[layer] -= 0.1;
        let slope = (loss(&net, &init, &up, 400) - loss(&net, &init, &down, 400)) / 0.2;
        eprintln!("layer {layer}: dF/dlog(lr) = {slope:.4}");
        slopes.push(slope);
    }
    // The spread of fitness across a generation (32 members, σ = 0.01 on every gene,
    // 4 shared tasks), which the rate's signal must rise above.
    let sigma = 0.01f32;
    let mut rng = rng::stream(&[7]);
    let mut values = Vec::new();
    for _ in 0..32 {
        let genes: Vec<f32> = init.iter().map(|g| g + sigma * normal(&mut rng)).collect();
        let l: Vec<f32> = base.iter().map(|b| b + sigma * normal(&mut rng)).collect();
        values.push(loss(&net, &genes, &l, 4));
    }
    let mean = values.iter().sum::<f64>() / 32.0;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 31.0).sqrt();
    // An ES estimates a gene's slope as Σ F_j ε_j / (n σ), whose noise is about
    // sd(F) / (σ √n): the signal-to-noise ratio of one generation.
    let snr: Vec<f64> = slopes
        .iter()
        .map(|s| s.abs() * sigma as f64 * 32f64.sqrt() / sd)
        .collect();
    eprintln!("generation: fitness mean {mean:.4}, sd across members {sd:.5}; SNR {snr:.3?}");
    assert!(
        slopes[1] > 2.0 && slopes[2] > 2.0 && slopes[0].abs() < 0.5,
        "{slopes:?}"
    );
    assert!(snr.iter().all(|&r| r < 0.5), "{snr:?}");
}

#[test]
fn the_baldwin_arm_of_sine_few_shot_moves_its_rates_by_less_than_its_reach() {
    // Seed 0 of `Baldwin (OpenAI-ES)` in experiments/sine-few-shot.toml, step for step:
    // 32 members, σ 0.01, Adam 0.005 on the mean, 4 tasks per generation, 3 M example
    // evaluations (390 generations).
    let net = Network::dense(
        Architecture::uniform(&[1, 40, 40, 1], Activation::Relu, Head::Linear).unwrap(),
    );
    let family = Family::Sine(SineTasks { query: 10 });
    let images = DigitImages::default();
    let seed = 0;
    let init = net
        .init_with(
            Initializer::default(),
            &mut rng::stream(&[seed, rng::Purpose::Init.key()]),
        )
        .genes;
    let method = Method::Evolution(EvolutionMethod {
        tasks: 4,
        evolve_lr: true,
        lamarckian: false,
        strategy: StrategyConfig::OpenAiEs(OpenAiEsConfig {
            population: 32,
            sigma: 0.01,
            lr: 0.005,
            ..Default::default()
        }),
    });
    let mut outer = Outer::new(
        method,
        Setting {
            net: &net,
            family: &family,
            images: &images,
            shots: 10,
            budget: 3_000_000,
            axis: SampleAxis::Evaluations,
            init: Initializer::default(),
        },
        InnerLoop {
            steps: 5,
            lr: 0.002,
            optimizer: InnerOptimizer::Sgd,
        },
        init,
        rng::derive_seed(&[seed, rng::name_key("Baldwin (OpenAI-ES)")]),
    )
    .unwrap();
    let per_generation = 32 * 4 * (5 * 10 + 10);
    while outer.samples() + per_generation <= 3_000_000 {
        outer.step().unwrap();
    }
    let rates = outer.init().1.unwrap().to_vec();
    // Adam moves the mean by about its step size, 0.005, per generation at most: the
    // reach in log rate over the run.
    let reach = 0.005 * outer.steps() as f64;
    let moved: Vec<f64> = rates.iter().map(|r| (*r as f64 / 0.002).ln()).collect();
    eprintln!(
        "{} generations: rates {rates:?}, moved {moved:.3?} in log space (reach ±{reach:.2})",
        outer.steps()
    );
    assert_eq!(outer.steps(), 390);
    assert!(moved.iter().all(|m| m.abs() < 0.5 * reach), "{moved:?}");
}
