//! Slow versus fast learning: every outer loop beats the scratch control on few-shot
//! sine, sample accounting adds up, and Lamarckian inheritance differs from Baldwinian.

use baldwin::evolve::{GaConfig, OpenAiEsConfig, StrategyConfig};
use baldwin::meta::{
    Anneal, DigitImages, EvolutionMethod, Family, Finetune, FomamlConfig, InnerLoop,
    InnerOptimizer, MamlConfig, Method, Outer, Phase, PretrainConfig, ReptileConfig, SampleAxis,
    Scratch, Setting, SineTasks, adapt, evaluate_init,
};
use baldwin::net::{Activation, Architecture, Head, Init, Initializer, Network};
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
    trained_from(method, seed, budget, Initializer::default())
}

/// [`trained`] from an initialisation drawn by `initializer`.
fn trained_from(method: &Method, seed: u64, budget: u64, initializer: Initializer) -> (f64, u64) {
    let net = sine_net();
    let family = Family::Sine(SineTasks { query: 10 });
    let images = DigitImages::default();
    let init = net.init_with(initializer, &mut rng::stream(&[seed])).genes;
    let mut outer = Outer::new(
        method.clone(),
        Setting {
            net: &net,
            family: &family,
            images: &images,
            shots: SHOTS,
            budget: 1_000_000,
            axis: SampleAxis::Evaluations,
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
            Method::Pretrain(PretrainConfig {
                lr: 0.003,
                finetune: Finetune::All,
                ..Default::default()
            }),
            200_000,
        ),
        (
            "reptile",
            Method::Reptile(ReptileConfig {
                outer_lr: 0.1,
                ..Default::default()
            }),
            200_000,
        ),
        (
            "fomaml",
            Method::Fomaml(FomamlConfig {
                outer_lr: 0.003,
                meta_batch: 1,
            }),
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

/// Second-order MAML needs an inner loop that is stable on every task: at He
/// initialisation, 5 steps at lr 0.01 overshoot on some sine tasks (inputs up to ±5 make
/// the readout's curvature ~4000), the product of `(I − αH)` factors overflows, and the
/// outer loop goes non-finite — as the file runner would record. PyTorch's uniform
/// initialisation (the reference protocol's) keeps the activations small.
#[test]
fn maml_beats_scratch_on_few_shot_sine_with_a_ci_excluding_zero() {
    let uniform = Initializer {
        init: Init::PytorchUniform,
        sigma: 0.0,
    };
    let maml = Method::Maml(MamlConfig {
        outer_lr: 0.003,
        meta_batch: 1,
    });
    let differences: Vec<f64> = (0..5)
        .map(|s| {
            trained_from(&Method::Scratch(NoKeys {}), s, 0, uniform).0
                - trained_from(&maml, s, 200_000, uniform).0
        })
        .collect();
    let ci = stats::stratified_bootstrap_ci(&[&differences], stats::mean, 2000, 0.95, 7);
    assert!(
        ci.low > 0.0,
        "scratch − maml = {:.3} [{:.3}, {:.3}]",
        ci.point,
        ci.low,
        ci.high
    );
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
            Method::Pretrain(PretrainConfig {
                lr: 0.001,
                finetune: Finetune::All,
                ..Default::default()
            }),
            (SHOTS + 10) as u64,
            (SHOTS + 10) as u64,
        ),
        // Inner steps on the support (Reptile draws no query).
        (
            Method::Reptile(ReptileConfig {
                outer_lr: 0.1,
                ..Default::default()
            }),
            (inner.steps * SHOTS) as u64,
            SHOTS as u64,
        ),
        // Inner steps on the support, then the query gradient.
        (
            Method::Fomaml(FomamlConfig {
                outer_lr: 0.001,
                meta_batch: 1,
            }),
            (inner.steps * SHOTS + 10) as u64,
            (SHOTS + 10) as u64,
        ),
        // A meta-batch of 3 tasks, inner steps on each support.
        (
            Method::Reptile(ReptileConfig {
                meta_batch: 3,
                ..Default::default()
            }),
            3 * (inner.steps * SHOTS) as u64,
            3 * SHOTS as u64,
        ),
        // Per task: inner steps on the support, then the query gradient.
        (
            Method::Fomaml(FomamlConfig {
                outer_lr: 0.001,
                meta_batch: 2,
            }),
            2 * (inner.steps * SHOTS + 10) as u64,
            2 * (SHOTS + 10) as u64,
        ),
        // Per task: inner steps, the query gradient, one Hessian-vector product on the
        // support per inner step.
        (
            Method::Maml(MamlConfig {
                outer_lr: 0.001,
                meta_batch: 2,
            }),
            2 * (2 * inner.steps * SHOTS + 10) as u64,
            2 * (SHOTS + 10) as u64,
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
            // The 8 members share the 3 tasks: their examples are drawn once.
            3 * (SHOTS + 10) as u64,
        ),
    ];
    for (method, per_step, drawn) in cases {
        let mut outer = Outer::new(
            method.clone(),
            Setting {
                net: &net,
                family: &family,
                images: &images,
                shots: SHOTS,
                budget: 1_000_000,
                axis: SampleAxis::Evaluations,
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
            assert_eq!(outer.example_evaluations(), step * per_step, "{method:?}");
            assert_eq!(outer.examples_drawn(), step * drawn, "{method:?}");
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
                budget: 1_000_000,
                axis: SampleAxis::Evaluations,
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
            budget: 1_000_000,
            axis: SampleAxis::Evaluations,
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

/// An outer loop of `method` on the tests' sine setting with outer budget `budget`.
fn outer<'a>(
    method: Method,
    net: &'a Network,
    family: &'a Family,
    images: &'a DigitImages,
    inner: InnerLoop,
    budget: u64,
) -> Outer<'a> {
    let init = net.init(&mut rng::stream(&[0])).genes;
    Outer::new(
        method,
        Setting {
            net,
            family,
            images,
            shots: SHOTS,
            budget,
            axis: SampleAxis::Evaluations,
            init: Initializer::default(),
        },
        inner,
        init,
        11,
    )
    .unwrap()
}

#[test]
fn examples_per_step_predicts_what_an_outer_step_charges() {
    let (net, family, images) = (
        sine_net(),
        Family::Sine(SineTasks { query: 7 }),
        DigitImages::default(),
    );
    let methods = [
        Method::Pretrain(PretrainConfig::default()),
        Method::Reptile(ReptileConfig {
            meta_batch: 4,
            anneal: Anneal::Linear,
            ..Default::default()
        }),
        Method::Fomaml(FomamlConfig {
            meta_batch: 3,
            ..Default::default()
        }),
        Method::Maml(MamlConfig {
            meta_batch: 5,
            ..Default::default()
        }),
        Method::Evolution(EvolutionMethod {
            strategy: StrategyConfig::OpenAiEs(OpenAiEsConfig {
                population: 4,
                ..Default::default()
            }),
            tasks: 2,
            evolve_lr: false,
            lamarckian: false,
        }),
    ];
    for method in methods {
        for steps in [1, 3] {
            let arm = baldwin::experiment::few_shot::MetaArm {
                name: "arm".into(),
                inner_steps: steps,
                inner_lr: 0.01,
                inner_optimizer: InnerOptimizer::Sgd,
                method: method.clone(),
            };
            let mut outer = outer(
                method.clone(),
                &net,
                &family,
                &images,
                arm.inner(),
                1_000_000,
            );
            outer.step().unwrap();
            outer.step().unwrap();
            assert_eq!(
                outer.samples(),
                2 * arm.examples_per_step(SHOTS, 7),
                "{method:?} with {steps} inner steps"
            );
            assert_eq!(
                outer.examples_drawn(),
                2 * arm.examples_drawn_per_step(SHOTS, 7),
                "{method:?} with {steps} inner steps"
            );
        }
    }
}

#[test]
fn linear_annealing_brings_reptile_to_rest_at_the_end_of_the_budget() {
    let (net, family, images) = (
        sine_net(),
        Family::Sine(SineTasks { query: 10 }),
        DigitImages::default(),
    );
    let per_step = (inner().steps * SHOTS) as u64;
    let method = |anneal| {
        Method::Reptile(ReptileConfig {
            outer_lr: 0.5,
            meta_batch: 1,
            anneal,
        })
    };
    let mut annealed = outer(
        method(Anneal::Linear),
        &net,
        &family,
        &images,
        inner(),
        2 * per_step,
    );
    let mut constant = outer(
        method(Anneal::None),
        &net,
        &family,
        &images,
        inner(),
        2 * per_step,
    );
    // The first step (nothing spent yet) takes the full ε.
    annealed.step().unwrap();
    constant.step().unwrap();
    assert_eq!(annealed.init().0, constant.init().0);
    // The second, half-way through the budget, takes ε/2: a different point.
    annealed.step().unwrap();
    constant.step().unwrap();
    assert_ne!(annealed.init().0, constant.init().0);
    // At the budget ε is 0: a further step moves nothing.
    let before = annealed.init().0.to_vec();
    annealed.step().unwrap();
    assert_eq!(annealed.init().0, &before[..]);
}

#[test]
fn reptile_moves_towards_the_mean_of_its_meta_batch() {
    let (net, family, images) = (
        sine_net(),
        Family::Sine(SineTasks { query: 10 }),
        DigitImages::default(),
    );
    let method = Method::Reptile(ReptileConfig {
        outer_lr: 1.0,
        meta_batch: 3,
        anneal: Anneal::None,
    });
    let mut reptile = outer(method, &net, &family, &images, inner(), 1_000_000);
    let init = reptile.init().0.to_vec();
    reptile.step().unwrap();
    // The same three tasks, from the loop's task stream, adapted one by one.
    let mut tasks = rng::stream(&[11, rng::Purpose::Tasks.key()]);
    let mut mean = vec![0.0f64; init.len()];
    for _ in 0..3 {
        let task = family.sample(&mut tasks, SHOTS, Phase::Train, &images);
        let mut adapted = init.clone();
        adapt(
            &net,
            &mut adapted,
            &task.support,
            baldwin::net::Loss::Mse,
            &inner(),
            None,
            &mut Scratch::default(),
            |_, _| Ok(()),
        )
        .unwrap();
        mean.iter_mut()
            .zip(&adapted)
            .for_each(|(m, a)| *m += *a as f64 / 3.0);
    }
    // With ε = 1 the initialisation lands on the mean (up to f32 rounding).
    for (w, m) in reptile.init().0.iter().zip(&mean) {
        assert!((*w as f64 - m).abs() < 1e-5 * (1.0 + m.abs()), "{w} vs {m}");
    }
    // ... which is not where any single task's adaptation would have put it.
    assert!(reptile.init().0.iter().zip(&init).any(|(w, i)| w != i));
}
