//! Population forward is exactly one-by-one forward, for any thread count.

use baldwin::net::{
    Activation, Architecture, Head, Loss, Network, PopulationEvaluator, Targets, Tying,
    TyingPreset, Workspace,
};
use baldwin::rng;
use rand::RngExt;

fn setup(preset: TyingPreset) -> (Network, Vec<f32>, Vec<f32>, Vec<u32>) {
    let arch = Architecture::uniform(&[16, 12, 10], Activation::Tanh, Head::Softmax).unwrap();
    let net = Network::new(arch.clone(), Tying::preset(&arch, preset, (4, 4)).unwrap()).unwrap();
    let mut r = rng::stream(&[42]);
    let population: Vec<f32> = (0..37)
        .flat_map(|i| net.init(&mut rng::stream(&[42, i])).genes)
        .collect();
    let batch = 23;
    let input = (0..batch * 16).map(|_| r.random_range(0.0..1.0)).collect();
    let labels = (0..batch).map(|_| r.random_range(0..10u32)).collect();
    (net, population, input, labels)
}

fn population_losses(
    net: &Network,
    population: &[f32],
    input: &[f32],
    labels: &[u32],
    threads: usize,
) -> Vec<f32> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let mut out = vec![0.0; population.len() / net.genome_len()];
    let mut evaluator = PopulationEvaluator::new();
    pool.install(|| {
        // Twice: the second call reuses the workspaces and must give the same answer.
        for _ in 0..2 {
            evaluator
                .losses(
                    net,
                    population,
                    input,
                    Targets::Classes(labels),
                    Loss::CrossEntropy,
                    &mut out,
                )
                .unwrap();
        }
    });
    out
}

#[test]
fn population_forward_equals_one_by_one_forward_bit_for_bit() {
    for preset in [TyingPreset::None, TyingPreset::Translation] {
        let (net, population, input, labels) = setup(preset);
        let mut ws = Workspace::new();
        let alone: Vec<f32> = population
            .chunks_exact(net.genome_len())
            .map(|genome| {
                net.loss(
                    genome,
                    &input,
                    Targets::Classes(&labels),
                    Loss::CrossEntropy,
                    &mut ws,
                )
                .unwrap()
            })
            .collect();
        for threads in [1, 2, 3] {
            let together = population_losses(&net, &population, &input, &labels, threads);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&alone), bits(&together), "{threads} thread(s)");
        }
    }
}

#[test]
fn population_members_may_differ_in_tying() {
    let arch = Architecture::uniform(&[8, 8, 2], Activation::Relu, Head::Linear).unwrap();
    let nets: Vec<Network> = TyingPreset::ALL
        .iter()
        .map(|&p| Network::new(arch.clone(), Tying::preset(&arch, p, (2, 2)).unwrap()).unwrap())
        .collect();
    let genomes: Vec<Vec<f32>> = nets
        .iter()
        .enumerate()
        .map(|(i, n)| n.init(&mut rng::stream(&[i as u64])).genes)
        .collect();
    let input: Vec<f32> = (0..3 * 8).map(|i| i as f32 / 24.0).collect();
    let mut out = vec![0.0; nets.len()];
    PopulationEvaluator::new()
        .evaluate_with(
            |i| (&nets[i], &genomes[i]),
            &input,
            3,
            |z| z.iter().sum(),
            &mut out,
        )
        .unwrap();
    let mut ws = Workspace::new();
    for i in 0..nets.len() {
        let z = nets[i].forward(&genomes[i], &input, 3, &mut ws).unwrap();
        assert_eq!(out[i].to_bits(), z.iter().sum::<f32>().to_bits());
    }
    // Different tyings really are different genome lengths.
    assert!(nets[0].genome_len() > nets[3].genome_len());
}
