//! One Baldwinian generation's fitness (`LifetimeFitness`) through the lane kernels (16
//! members per SIMD lane group) and member by member (the path they replace):
//!
//! * `baldwinian_generation`: every member adapts with one SGD step on each of 5 sine
//!   tasks' K = 10 shots and is scored on 10 query points, on the 1-40-40-1 ReLU network
//!   of Finn et al.
//! * `baldwinian_digits_generation`: the Baldwin arm of experiments/digits-few-shot.toml —
//!   32 members with evolved learning rates, 2 tasks of 5-way 5-shot digits (5 query
//!   images per class), 5 SGD steps at lr 0.1, the 64-32-5 tanh network, softmax
//!   cross-entropy. (Classification lifetimes take the lanes only when asked: here the
//!   lane path is the slower one.)
//!
//! IDs: `{group}/{lanes,per_member}/p{population}`. Throughput is members per generation.

use std::hint::black_box;

use baldwin::evolve::{Fitness, Population};
use baldwin::meta::{
    DigitImages, DigitsTasks, Family, FewShotTask, InnerLoop, InnerOptimizer, LifetimeFitness,
    Phase, SineTasks,
};
use baldwin::net::{Activation, Architecture, Head, Initializer, Loss, Network};
use baldwin::rng;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// One lifetime setting: the network, its loss, the lifetime, the tasks, and whether a
/// genome ends with one evolved log learning rate per layer.
struct Setting {
    net: Network,
    loss: Loss,
    inner: InnerLoop,
    tasks: Vec<FewShotTask>,
    evolve_lr: bool,
}

fn bench(c: &mut Criterion, name: &str, setting: &Setting, populations: &[u64]) {
    let Setting {
        net,
        loss,
        inner,
        tasks,
        evolve_lr,
    } = setting;
    let mut group = c.benchmark_group(name);
    for &members in populations {
        let population = Population::from_members(
            (0..members)
                .map(|m| {
                    let mut genes = net
                        .init_with(Initializer::default(), &mut rng::stream(&[2, m]))
                        .genes;
                    if *evolve_lr {
                        genes.extend(vec![inner.lr.ln(); net.architecture().layers()]);
                    }
                    (genes, None)
                })
                .collect(),
        );
        group.throughput(Throughput::Elements(members));
        for lanes in [true, false] {
            let mut fitness = LifetimeFitness::new(net, *loss, inner.clone(), *evolve_lr, false)
                .with_lanes(lanes);
            assert_eq!(fitness.uses_lanes(), lanes);
            fitness.tasks = tasks.clone();
            let mut values = vec![0.0; members as usize];
            // A bench must measure real work: one finite generation first.
            fitness.evaluate(0, &population, &mut values).unwrap();
            assert!(values.iter().all(|v| v.is_finite() && *v > 0.0));
            let path = if lanes { "lanes" } else { "per_member" };
            group.bench_function(BenchmarkId::new(path, format!("p{members}")), |b| {
                b.iter(|| black_box(fitness.evaluate(0, &population, &mut values).unwrap()))
            });
        }
    }
    group.finish();
}

fn baldwinian_generation(c: &mut Criterion) {
    let family = Family::Sine(SineTasks { query: 10 });
    let mut stream = rng::stream(&[1]);
    let sine = Setting {
        net: Network::dense(
            Architecture::uniform(&[1, 40, 40, 1], Activation::Relu, Head::Linear).unwrap(),
        ),
        loss: Loss::Mse,
        inner: InnerLoop {
            steps: 1,
            lr: 0.01,
            optimizer: InnerOptimizer::Sgd,
        },
        tasks: (0..5)
            .map(|_| family.sample(&mut stream, 10, Phase::Train, &DigitImages::default()))
            .collect(),
        evolve_lr: false,
    };
    bench(c, "baldwinian_generation", &sine, &[64, 256]);
}

fn baldwinian_digits_generation(c: &mut Criterion) {
    let family = Family::Digits(DigitsTasks {
        query: 5,
        ..DigitsTasks::default()
    });
    let images = DigitImages::load();
    let mut stream = rng::stream(&[1]);
    let digits = Setting {
        net: Network::dense(
            Architecture::uniform(&[64, 32, 5], Activation::Tanh, Head::Softmax).unwrap(),
        ),
        loss: Loss::CrossEntropy,
        inner: InnerLoop {
            steps: 5,
            lr: 0.1,
            optimizer: InnerOptimizer::Sgd,
        },
        tasks: (0..2)
            .map(|_| family.sample(&mut stream, 5, Phase::Train, &images))
            .collect(),
        evolve_lr: true,
    };
    bench(c, "baldwinian_digits_generation", &digits, &[32]);
}

criterion_group!(benches, baldwinian_generation, baldwinian_digits_generation);
criterion_main!(benches);
