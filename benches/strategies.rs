//! Time per generation of each strategy: ask + tell without fitness (the strategy's own
//! overhead), and one full OpenAI-ES generation with digits fitness.
//!
//! IDs follow the benchmark issue (`es_generation/openai_es/d4810_p256`, ...).
//! Throughput is individuals per generation.

use std::hint::black_box;

use baldwin::evolve::{
    CmaEs, CmaEsConfig, Covariance, Ga, GaConfig, OpenAiEs, OpenAiEsConfig, Snes, SnesConfig,
    Strategy, evaluate,
};
use baldwin::learn::Loss;
use baldwin::net::{Activation, Architecture, Head, Network, PopulationEvaluator};
use baldwin::{rng, task};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const POPULATION: usize = 256;

fn digits_net() -> Network {
    Network::dense(Architecture::uniform(&[64, 64, 10], Activation::Tanh, Head::Softmax).unwrap())
}

/// Ask + tell with a fixed fitness vector (no evaluation).
fn generation(strategy: &mut dyn Strategy, fitness: &[f32]) {
    black_box(strategy.ask().genes()[0]);
    black_box(strategy.tell(fitness).unwrap());
}

fn es_generation(c: &mut Criterion) {
    let net = digits_net();
    let dim = net.genome_len();
    let x0 = net.init(&mut rng::stream(&[0])).genes;
    let fitness: Vec<f32> = (0..POPULATION).map(|i| (i * 7919 % 256) as f32).collect();
    let mut group = c.benchmark_group("es_generation");
    group.throughput(Throughput::Elements(POPULATION as u64));
    let mut strategies: Vec<(&str, usize, Box<dyn Strategy>)> = vec![
        (
            "openai_es",
            dim,
            Box::new(
                OpenAiEs::new(
                    OpenAiEsConfig {
                        population: POPULATION,
                        ..Default::default()
                    },
                    x0.clone(),
                    0,
                )
                .unwrap(),
            ),
        ),
        (
            "snes",
            dim,
            Box::new(
                Snes::new(
                    SnesConfig {
                        population: Some(POPULATION),
                        ..Default::default()
                    },
                    x0.clone(),
                    0,
                )
                .unwrap(),
            ),
        ),
        (
            "sep_cma_es",
            dim,
            Box::new(
                CmaEs::new(
                    CmaEsConfig {
                        population: Some(POPULATION),
                        covariance: Covariance::Separable,
                        ..Default::default()
                    },
                    x0.clone(),
                    0,
                )
                .unwrap(),
            ),
        ),
        (
            "ga",
            dim,
            Box::new(
                Ga::for_network(
                    GaConfig {
                        population: POPULATION,
                        ..Default::default()
                    },
                    &net,
                    0,
                )
                .unwrap(),
            ),
        ),
        (
            "cma_es",
            100,
            Box::new(
                CmaEs::new(
                    CmaEsConfig {
                        population: Some(POPULATION),
                        ..Default::default()
                    },
                    vec![0.5; 100],
                    0,
                )
                .unwrap(),
            ),
        ),
    ];
    for (name, d, strategy) in &mut strategies {
        // A bench must measure real work: one generation of the right shape first.
        let population = strategy.ask();
        assert_eq!(population.len(), POPULATION, "{name}: population size");
        assert_eq!(population.genome(0).len(), *d, "{name}: genome length");
        assert!(population.genes().iter().all(|g| g.is_finite()), "{name}");
        strategy.tell(&fitness).unwrap();
        group.bench_function(
            BenchmarkId::new(*name, format!("d{d}_p{POPULATION}")),
            |b| b.iter(|| generation(strategy.as_mut(), &fitness)),
        );
    }
    group.finish();
}

fn es_generation_fitness(c: &mut Criterion) {
    let net = digits_net();
    let data = task::digits().train;
    let indices: Vec<u32> = (0..256).collect();
    let mut batch = task::Batch::default();
    data.gather(&indices, &mut batch);
    let mut es = OpenAiEs::new(
        OpenAiEsConfig {
            population: POPULATION,
            ..Default::default()
        },
        net.init(&mut rng::stream(&[0])).genes,
        0,
    )
    .unwrap();
    let mut evaluator = PopulationEvaluator::new();
    let mut fitness = vec![0.0; POPULATION];
    let targets = batch.targets();
    let mut group = c.benchmark_group("es_generation_fitness");
    group.throughput(Throughput::Elements((POPULATION * 256) as u64));
    group.bench_function(BenchmarkId::new("openai_es", "digits_p256_b256"), |b| {
        b.iter(|| {
            let (population, members) = es.ask_with_members();
            // What an evolution arm of a compare experiment runs (`BatchFitness`): an
            // antithetic pair shares its first layer's products.
            evaluate::member_losses(
                population,
                members.expect("OpenAI-ES describes its members"),
                &net,
                &mut evaluator,
                &batch.inputs,
                256,
                targets,
                Loss::CrossEntropy,
                &mut fitness,
            )
            .unwrap();
            black_box(es.tell(&fitness).unwrap())
        })
    });
    group.bench_function(
        BenchmarkId::new("openai_es", "digits_p256_b256_written"),
        |b| {
            b.iter(|| {
                let population = es.ask();
                evaluate::network_losses(
                    population,
                    &net,
                    &mut evaluator,
                    &batch.inputs,
                    256,
                    targets,
                    Loss::CrossEntropy,
                    &mut fitness,
                )
                .unwrap();
                black_box(es.tell(&fitness).unwrap())
            })
        },
    );
    group.finish();
}

criterion_group!(benches, es_generation, es_generation_fitness);
criterion_main!(benches);
