//! Slow versus fast learning: every outer loop beats the scratch control on few-shot
//! sine, sample accounting adds up, and Lamarckian inheritance differs from Baldwinian.

use baldwin::evolve::{GaConfig, OpenAiEsConfig, StrategyConfig};
use baldwin::meta::{
    DigitImages, EvolutionMethod, Family, FomamlConfig, InnerLoop, InnerOptimizer, Method, Outer,
    PretrainConfig, ReptileConfig, Setting, SineTasks, evaluate_init,
};
use baldwin::net::{Activation, Architecture, Head, Initializer, Network};
use baldwin::options::NoKeys;
use baldwin::{rng, stats};

const SHOTS: usize = 10;

fn sine_net() -> Network {
    Network::dense(Architecture::uniform(&[1, 20, 20, 1], Activation::Relu, Head::Linear).unwrap())
}

fn inner() -> InnerLoop {
    InnerLoop {
        steps: 5,
        lr: 0.01,
        optimizer: InnerOptimizer::Sgd,
    }
}

/// Post-adaptation query MSE (K = 10, 5 SGD steps) on 40 fixed evaluation tasks.
fn post_adaptation_loss(net: &Network, family: &Family, init: &[f32], lrs: Option<&[f32]>) -> f64 {
    let points = evaluate_init(
        net,
        family,
        &DigitImages::default(),
        init,
        lrs,
        &inner(),
        &[SHOTS],
        40,
    )
    .unwrap();
    points.last().unwrap().loss
}

/// Train `method` for `budget` outer samples from seed `seed`'s initialisation.
fn trained(method: &Method, seed: u64, budget: u64) -> (f64, u64) {
    let net = sine_net();
    let family = Family::Sine(SineTasks { query: 10 });
    let images = DigitImages::default();
    let init = net.init(&mut rng::stream(&[seed])).genes;
    let mut outer = Outer::new(
        method.clone(),
        Setting {
            net: &net,
            family: &family,
            images: &images,
            shots: SHOTS,
            init: Initializer::default(),
        },
        inner(),
        init,
        seed,
    )
    .unwrap();
    while outer.learns() && outer.samples() < budget {
        outer.step().unwrap();
    }
    let (weights, lrs) = outer.init();
    (
        post_adaptation_loss(&net, &family, weights, lrs),
        outer.samples(),
    )
}

#[test]
fn every_outer_loop_beats_scratch_on_few_shot_sine_with_a_ci_excluding_zero() {
    let methods = [
        (
            "pretrain",
            Method::Pretrain(PretrainConfig { lr: 0.003 }),
            200_000,
        ),
        (
            "reptile",
            Method::Reptile(ReptileConfig { outer_lr: 0.1 }),
            200_000,
        ),
        (
            "fomaml",
            Method::Fomaml(FomamlConfig { outer_lr: 0.003 }),
            200_000,
        ),
        (
            "baldwin_openai_es",
            Method::Evolution(EvolutionMethod {
                strategy: StrategyConfig::OpenAiEs(OpenAiEsConfig {
                    population: 32,
                    sigma: 0.02,
                    lr: 0.01,
                    ..Default::default()
                }),
                tasks: 2,
                evolve_lr: true,
                lamarckian: false,
            }),
            1_000_000,
        ),
        (
            "lamarck_ga",
            Method::Evolution(EvolutionMethod {
                strategy: StrategyConfig::Ga(GaConfig {
                    population: 32,
                    elite: 2,
                    mutation_sigma: 0.01,
                    ..Default::default()
                }),
                tasks: 2,
                evolve_lr: false,
                lamarckian: true,
            }),
            1_000_000,
        ),
    ];
    let seeds = 5u64;
    let scratch: Vec<f64> = (0..seeds)
        .map(|s| trained(&Method::Scratch(NoKeys {}), s, 0).0)
        .collect();
    for (name, method, budget) in &methods {
        let differences: Vec<f64> = (0..seeds)
            .map(|s| scratch[s as usize] - trained(method, s, *budget).0)
            .collect();
        let ci = stats::stratified_bootstrap_ci(&[&differences], stats::mean, 2000, 0.95, 7);
        assert!(
            ci.low > 0.0,
            "{name}: scratch − {name} post-adaptation MSE = {:.3} [{:.3}, {:.3}]; scratch {scratch:?}",
            ci.point,
            ci.low,
            ci.high
        );
    }
}

#[test]
fn outer_samples_add_up_exactly() {
    let net = sine_net();
    let family = Family::Sine(SineTasks { query: 10 });
    let images = DigitImages::default();
    let init = net.init(&mut rng::stream(&[0])).genes;
    let inner = inner();
    let cases = [
        // One step: pooled support + query.
        (
            Method::Pretrain(PretrainConfig { lr: 0.001 }),
            (SHOTS + 10) as u64,
        ),
        // Inner steps on the support.
        (
            Method::Reptile(ReptileConfig { outer_lr: 0.1 }),
            (inner.steps * SHOTS) as u64,
        ),
        // Inner steps on the support, then the query gradient.
        (
            Method::Fomaml(FomamlConfig { outer_lr: 0.001 }),
            (inner.steps * SHOTS + 10) as u64,
        ),
        // Population × tasks × (inner steps on the support + query).
        (
            Method::Evolution(EvolutionMethod {
                strategy: StrategyConfig::OpenAiEs(OpenAiEsConfig {
                    population: 8,
                    ..Default::default()
                }),
                tasks: 3,
                evolve_lr: false,
                lamarckian: false,
            }),
            8 * 3 * (inner.steps * SHOTS + 10) as u64,
        ),
    ];
    for (method, per_step) in cases {
        let mut outer = Outer::new(
            method.clone(),
            Setting {
                net: &net,
                family: &family,
                images: &images,
                shots: SHOTS,
                init: Initializer::default(),
            },
            inner.clone(),
            init.clone(),
            0,
        )
        .unwrap();
        for step in 1..=3 {
            outer.step().unwrap();
            assert_eq!(outer.samples(), step * per_step, "{method:?}");
            assert_eq!(outer.steps(), step);
        }
    }
    // Evaluation reports lifetime shots separately: K support examples per task.
    let points = evaluate_init(&net, &family, &images, &init, None, &inner, &[5, 10], 3).unwrap();
    assert_eq!(points.len(), 2 * (inner.steps + 1));
    assert!(points.iter().all(|p| p.lifetime_shots == p.shots));
}

#[test]
fn lamarckian_inheritance_writes_adapted_weights_back_and_baldwinian_does_not() {
    let net = sine_net();
    let family = Family::Sine(SineTasks { query: 10 });
    let images = DigitImages::default();
    let init = net.init(&mut rng::stream(&[0])).genes;
    let run = |lamarckian: bool| {
        let method = Method::Evolution(EvolutionMethod {
            strategy: StrategyConfig::Ga(GaConfig {
                population: 8,
                elite: 8 - 1,
                ..Default::default()
            }),
            tasks: 1,
            evolve_lr: false,
            lamarckian,
        });
        let mut outer = Outer::new(
            method,
            Setting {
                net: &net,
                family: &family,
                images: &images,
                shots: SHOTS,
                init: Initializer::default(),
            },
            inner(),
            init.clone(),
            3,
        )
        .unwrap();
        let before = members(&mut outer);
        outer.step().unwrap();
        let after = members(&mut outer);
        (before, after)
    };
    // With elite = population − 1, all but one member survive unchanged (Baldwinian) or
    // with their lifetime-adapted weights (Lamarckian).
    let (before, after) = run(false);
    let survivors = after.iter().filter(|g| before.contains(g)).count();
    assert_eq!(survivors, 7, "Baldwinian elites keep their inborn genes");
    let (before, after) = run(true);
    let survivors = after.iter().filter(|g| before.contains(g)).count();
    assert_eq!(survivors, 0, "Lamarckian elites carry adapted genes");
}

/// The genomes of the members an evolution outer loop's strategy keeps (a GA's).
fn members(outer: &mut Outer) -> Vec<Vec<f32>> {
    let population = outer
        .strategy_mut()
        .and_then(|s| s.population_mut())
        .expect("a GA outer loop");
    (0..population.len())
        .map(|i| population.genome(i).to_vec())
        .collect()
}

#[test]
fn lamarckian_inheritance_needs_a_ga() {
    let net = sine_net();
    let method = Method::Evolution(EvolutionMethod {
        strategy: StrategyConfig::OpenAiEs(OpenAiEsConfig::default()),
        tasks: 1,
        evolve_lr: false,
        lamarckian: true,
    });
    let family = Family::Sine(SineTasks { query: 10 });
    let err = Outer::new(
        method,
        Setting {
            net: &net,
            family: &family,
            images: &DigitImages::default(),
            shots: SHOTS,
            init: Initializer::default(),
        },
        inner(),
        vec![0.0; net.genome_len()],
        0,
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("only a GA"), "{err}");
}
