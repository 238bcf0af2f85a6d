//! One Baldwinian generation's fitness (`LifetimeFitness`): every member adapts with one
//! SGD step on each of 5 sine tasks' K = 10 shots and is scored on 10 query points, on the
//! 1-40-40-1 ReLU network of Finn et al. — through the lane kernels (16 members per
//! SIMD lane group) and member by member (the path they replace).
//!
//! IDs: `baldwinian_generation/{lanes,per_member}/p{population}`. Throughput is members
//! per generation.

use std::hint::black_box;

use baldwin::evolve::{Fitness, Population};
use baldwin::meta::{
    DigitImages, Family, InnerLoop, InnerOptimizer, LifetimeFitness, Phase, SineTasks,
};
use baldwin::net::{Activation, Architecture, Head, Initializer, Loss, Network};
use baldwin::rng;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn baldwinian_generation(c: &mut Criterion) {
    let net = Network::dense(
        Architecture::uniform(&[1, 40, 40, 1], Activation::Relu, Head::Linear).unwrap(),
    );
    let inner = InnerLoop {
        steps: 1,
        lr: 0.01,
        optimizer: InnerOptimizer::Sgd,
    };
    let family = Family::Sine(SineTasks { query: 10 });
    let mut stream = rng::stream(&[1]);
    let tasks: Vec<_> = (0..5)
        .map(|_| family.sample(&mut stream, 10, Phase::Train, &DigitImages::default()))
        .collect();
    let mut group = c.benchmark_group("baldwinian_generation");
    for members in [64, 256] {
        let population = Population::from_members(
            (0..members)
                .map(|m| {
                    let genes = net.init_with(Initializer::default(), &mut rng::stream(&[2, m]));
                    (genes.genes, None)
                })
                .collect(),
        );
        group.throughput(Throughput::Elements(members));
        for lanes in [true, false] {
            let mut fitness = LifetimeFitness::new(&net, Loss::Mse, inner.clone(), false, false)
                .with_lanes(lanes);
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

criterion_group!(benches, baldwinian_generation);
criterion_main!(benches);
