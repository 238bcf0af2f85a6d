//! Kernel throughput: forward, forward + backward + Adam, and population forward.
//!
//! IDs follow the benchmark issue (`adam_step/64-64-10/b32`, ...) so results compare
//! across versions. Throughput is examples (or individual·examples) per second.

use std::hint::black_box;

use baldwin::learn::{Adam, Optimizer};
use baldwin::net::{
    Activation, Architecture, Head, Loss, Network, PopulationEvaluator, Targets, Workspace,
};
use baldwin::{rng, task};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

struct Shape {
    label: &'static str,
    sizes: &'static [usize],
    head: Head,
    loss: Loss,
}

const DIGITS: Shape = Shape {
    label: "64-64-10",
    sizes: &[64, 64, 10],
    head: Head::Softmax,
    loss: Loss::CrossEntropy,
};
const TINY: Shape = Shape {
    label: "2-16-1",
    sizes: &[2, 16, 1],
    head: Head::Linear,
    loss: Loss::Mse,
};

/// A batch of `batch` rows for `shape`: digits images for 64 inputs, XOR rows otherwise.
fn batch_for(shape: &Shape, batch: usize) -> (Vec<f32>, Vec<u32>, Vec<f32>) {
    let data = if shape.sizes[0] == 64 {
        task::digits().train
    } else {
        task::xor().train
    };
    let indices: Vec<u32> = (0..batch).map(|i| (i % data.len()) as u32).collect();
    let mut gathered = task::Batch::default();
    data.gather(&indices, &mut gathered);
    (gathered.inputs, gathered.classes, gathered.values)
}

fn network(shape: &Shape) -> Network {
    Network::dense(Architecture::uniform(shape.sizes, Activation::Tanh, shape.head).unwrap())
}

/// A bench must measure real work: check its input once before timing (CI runs every
/// bench once through `cargo test --benches`).
fn assert_valid(label: &str, values: &[f32], expected_len: usize) {
    assert_eq!(values.len(), expected_len, "{label}: wrong output shape");
    assert!(
        values.iter().all(|v| v.is_finite()),
        "{label}: non-finite output"
    );
}

fn forward(c: &mut Criterion) {
    let mut group = c.benchmark_group("forward");
    for (shape, batch) in [(&DIGITS, 32), (&DIGITS, 256), (&TINY, 4)] {
        let net = network(shape);
        let params = net.init(&mut rng::stream(&[1]));
        let (inputs, _, _) = batch_for(shape, batch);
        let mut ws = Workspace::new();
        let z = net.forward(&params.genes, &inputs, batch, &mut ws).unwrap();
        assert_valid(shape.label, z, batch * shape.sizes[shape.sizes.len() - 1]);
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_function(BenchmarkId::new(shape.label, format!("b{batch}")), |b| {
            b.iter(|| black_box(net.forward(&params.genes, &inputs, batch, &mut ws).unwrap()[0]))
        });
    }
    group.finish();
}

fn adam_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("adam_step");
    for (shape, batch) in [(&DIGITS, 32), (&DIGITS, 256), (&TINY, 4)] {
        let net = network(shape);
        let mut params = net.init(&mut rng::stream(&[1]));
        let (inputs, classes, values) = batch_for(shape, batch);
        let targets = if shape.head == Head::Softmax {
            Targets::Classes(&classes)
        } else {
            Targets::Values(&values)
        };
        let mut ws = Workspace::new();
        let mut grad = vec![0.0; net.genome_len()];
        let mut adam = Adam::new(1e-4);
        let loss = net
            .loss_and_gradient(
                &params.genes,
                &inputs,
                targets,
                shape.loss,
                &mut ws,
                &mut grad,
            )
            .unwrap();
        assert_valid(shape.label, &[loss], 1);
        assert_valid(shape.label, &grad, net.genome_len());
        assert!(
            grad.iter().any(|g| *g != 0.0),
            "{}: zero gradient",
            shape.label
        );
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_function(BenchmarkId::new(shape.label, format!("b{batch}")), |b| {
            b.iter(|| {
                let loss = net
                    .loss_and_gradient(
                        &params.genes,
                        &inputs,
                        targets,
                        shape.loss,
                        &mut ws,
                        &mut grad,
                    )
                    .unwrap();
                adam.step(&mut params.genes, &grad);
                black_box(loss)
            })
        });
    }
    group.finish();
}

/// A population of `population` genomes of `shape`, with a batch of `batch` rows.
struct PopulationCase {
    net: Network,
    genomes: Vec<f32>,
    inputs: Vec<f32>,
    classes: Vec<u32>,
    values: Vec<f32>,
}

impl PopulationCase {
    fn new(shape: &Shape, population: usize, batch: usize) -> Self {
        let net = network(shape);
        let genomes: Vec<f32> = (0..population as u64)
            .flat_map(|i| net.init(&mut rng::stream(&[i])).genes)
            .collect();
        let (inputs, classes, values) = batch_for(shape, batch);
        Self {
            net,
            genomes,
            inputs,
            classes,
            values,
        }
    }

    fn targets(&self, shape: &Shape) -> Targets<'_> {
        if shape.head == Head::Softmax {
            Targets::Classes(&self.classes)
        } else {
            Targets::Values(&self.values)
        }
    }

    fn losses(&self, shape: &Shape, evaluator: &mut PopulationEvaluator, fitness: &mut [f32]) {
        let targets = self.targets(shape);
        evaluator
            .losses(
                &self.net,
                &self.genomes,
                &self.inputs,
                targets,
                shape.loss,
                fitness,
            )
            .unwrap();
    }
}

fn population_forward(c: &mut Criterion) {
    let mut group = c.benchmark_group("population_forward");
    for (shape, population, batch) in [(&DIGITS, 256, 256), (&TINY, 1024, 4)] {
        let case = PopulationCase::new(shape, population, batch);
        let mut evaluator = PopulationEvaluator::new();
        let mut fitness = vec![0.0; population];
        case.losses(shape, &mut evaluator, &mut fitness);
        assert_valid(shape.label, &fitness, population);
        group.throughput(Throughput::Elements((population * batch) as u64));
        group.bench_function(
            BenchmarkId::new(shape.label, format!("p{population}_b{batch}")),
            |b| {
                b.iter(|| {
                    case.losses(shape, &mut evaluator, &mut fitness);
                    black_box(fitness[0])
                })
            },
        );
    }
    group.finish();
}

/// The Adam step at batch 256 (the gradient in blocks on every core) inside rayon pools
/// of 1 and 2 threads.
fn adam_thread_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("threads/adam_step");
    let (shape, batch) = (&DIGITS, 256);
    let net = network(shape);
    let (inputs, classes, _) = batch_for(shape, batch);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut params = net.init(&mut rng::stream(&[1]));
        let mut ws = Workspace::new();
        let mut grad = vec![0.0; net.genome_len()];
        let mut adam = Adam::new(1e-4);
        let mut step = || {
            let loss = net
                .loss_and_gradient(
                    &params.genes,
                    &inputs,
                    Targets::Classes(&classes),
                    shape.loss,
                    &mut ws,
                    &mut grad,
                )
                .unwrap();
            adam.step(&mut params.genes, &grad);
            loss
        };
        assert_valid(shape.label, &[pool.install(&mut step)], 1);
        group.throughput(Throughput::Elements(batch as u64));
        // Enter the pool once per sample: handing one step to a pool's thread and back
        // costs about as much as the step.
        group.bench_function(
            BenchmarkId::new(shape.label, format!("b{batch}/t{threads}")),
            |b| {
                b.iter_custom(|iters| {
                    pool.install(|| {
                        let start = std::time::Instant::now();
                        for _ in 0..iters {
                            black_box(step());
                        }
                        start.elapsed()
                    })
                })
            },
        );
    }
    group.finish();
}

/// Population forward inside rayon pools of 1 and 2 threads: the speed-up of the second.
fn thread_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("threads/population_forward");
    let (shape, population, batch) = (&DIGITS, 256, 256);
    let case = PopulationCase::new(shape, population, batch);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut evaluator = PopulationEvaluator::new();
        let mut fitness = vec![0.0; population];
        group.throughput(Throughput::Elements((population * batch) as u64));
        group.bench_function(
            BenchmarkId::new(shape.label, format!("p{population}_b{batch}/t{threads}")),
            |b| {
                b.iter(|| {
                    pool.install(|| case.losses(shape, &mut evaluator, &mut fitness));
                    black_box(fitness[0])
                })
            },
        );
    }
    group.finish();
}

criterion_group!(
    benches,
    forward,
    adam_step,
    population_forward,
    thread_scaling,
    adam_thread_scaling
);
criterion_main!(benches);
