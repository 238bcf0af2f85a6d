//! The population forward in lanes (small dense networks, 16 members per SIMD lane group)
//! gives the same bits as one member at a time through the row-major kernels: readouts
//! through `evaluate_with`, losses through `losses`, whatever the population size (not a
//! multiple of 16 included), the thread count, and the layout the evaluator picks.

use baldwin::net::{
    Activation, Architecture, Head, Loss, Network, PopulationEvaluator, Targets, Workspace,
};
use baldwin::rng;
use rand::RngExt;

/// `(sizes, activation, head, loss)` of the networks tried.
const SHAPES: [(&[usize], Activation, Head, Loss); 6] = [
    (&[2, 16, 1], Activation::Tanh, Head::Linear, Loss::Mse),
    (&[1, 40, 40, 1], Activation::Tanh, Head::Linear, Loss::Mse),
    (&[3, 7, 5, 2], Activation::Relu, Head::Linear, Loss::Mse),
    (
        &[4, 9, 3],
        Activation::Sigmoid,
        Head::Softmax,
        Loss::CrossEntropy,
    ),
    (
        &[6, 13, 5],
        Activation::Relu,
        Head::Softmax,
        Loss::CrossEntropy,
    ),
    (&[5, 6, 4], Activation::Tanh, Head::Softmax, Loss::Mse),
];

/// Evaluators forcing lanes, forcing the row-major path, and picking by size.
fn evaluators() -> [(&'static str, PopulationEvaluator); 3] {
    [
        ("lanes", PopulationEvaluator::with_lane_limit(usize::MAX)),
        ("row-major", PopulationEvaluator::with_lane_limit(0)),
        ("by size", PopulationEvaluator::new()),
    ]
}

struct Case {
    net: Network,
    /// `[members, genome_len]`, every gene (biases included) drawn from U(-1, 1).
    population: Vec<f32>,
    input: Vec<f32>,
    batch: usize,
    values: Vec<f32>,
    classes: Vec<u32>,
}

impl Case {
    fn new(
        sizes: &[usize],
        activation: Activation,
        head: Head,
        members: usize,
        batch: usize,
    ) -> Self {
        let net = Network::dense(Architecture::uniform(sizes, activation, head).unwrap());
        let mut r = rng::stream(&[members as u64, batch as u64, sizes.len() as u64]);
        let mut uniform =
            |n: usize| -> Vec<f32> { (0..n).map(|_| r.random_range(-1.0..1.0)).collect() };
        let population = uniform(members * net.genome_len());
        let (inputs, outputs) = (sizes[0], sizes[sizes.len() - 1]);
        let input = uniform(batch * inputs);
        let values = uniform(batch * outputs);
        let classes = (0..batch).map(|b| (b * 7 % outputs) as u32).collect();
        Self {
            net,
            population,
            input,
            batch,
            values,
            classes,
        }
    }

    fn targets(&self, loss: Loss) -> Targets<'_> {
        match loss {
            Loss::CrossEntropy => Targets::Classes(&self.classes),
            Loss::Mse => Targets::Values(&self.values),
        }
    }

    fn genome(&self, i: usize) -> &[f32] {
        let genes = self.net.genome_len();
        &self.population[i * genes..(i + 1) * genes]
    }

    fn members(&self) -> usize {
        self.population.len() / self.net.genome_len()
    }
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

/// Every bit of a readout, folded into one `f32`'s bits: equal only if (almost surely)
/// every value is.
fn fingerprint(z: &[f32]) -> f32 {
    f32::from_bits(z.iter().fold(0u32, |h, v| h.rotate_left(5) ^ v.to_bits()))
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn lane_losses_equal_one_by_one_losses_bit_for_bit() {
    let mut ws = Workspace::new();
    for (sizes, activation, head, loss) in SHAPES {
        for (members, batch) in [(1, 4), (17, 1), (37, 7), (64, 4)] {
            let case = Case::new(sizes, activation, head, members, batch);
            let targets = case.targets(loss);
            let alone: Vec<f32> = (0..members)
                .map(|i| {
                    case.net
                        .loss(case.genome(i), &case.input, targets, loss, &mut ws)
                        .unwrap()
                })
                .collect();
            for (name, mut evaluator) in evaluators() {
                for threads in [1, 3] {
                    let mut together = vec![0.0; members];
                    // Twice: the second call reuses the scratch and must agree.
                    for _ in 0..2 {
                        in_pool(threads, || {
                            evaluator.losses(
                                &case.net,
                                &case.population,
                                &case.input,
                                targets,
                                loss,
                                &mut together,
                            )
                        })
                        .unwrap();
                        assert_eq!(
                            bits(&alone),
                            bits(&together),
                            "{sizes:?} {activation:?} {loss:?}, {members} members, batch {batch}, {name}, {threads} thread(s)"
                        );
                        // The same through `losses_with`, members given one by one.
                        in_pool(threads, || {
                            evaluator.losses_with(
                                |i| (&case.net, case.genome(i)),
                                &case.input,
                                batch,
                                targets,
                                loss,
                                &mut together,
                            )
                        })
                        .unwrap();
                        assert_eq!(bits(&alone), bits(&together), "losses_with, {name}");
                    }
                }
            }
        }
    }
}

#[test]
fn lane_readouts_equal_network_forward_bit_for_bit() {
    let mut ws = Workspace::new();
    for (sizes, activation, head, _) in SHAPES {
        for (members, batch) in [(15, 3), (33, 5)] {
            let case = Case::new(sizes, activation, head, members, batch);
            let alone: Vec<f32> = (0..members)
                .map(|i| {
                    let z = case
                        .net
                        .forward(case.genome(i), &case.input, batch, &mut ws)
                        .unwrap();
                    fingerprint(z)
                })
                .collect();
            for (name, mut evaluator) in evaluators() {
                for threads in [1, 2] {
                    let mut together = vec![0.0; members];
                    in_pool(threads, || {
                        evaluator.evaluate_with(
                            |i| (&case.net, case.genome(i)),
                            &case.input,
                            case.batch,
                            fingerprint,
                            &mut together,
                        )
                    })
                    .unwrap();
                    assert_eq!(
                        bits(&alone),
                        bits(&together),
                        "{sizes:?} {activation:?}, {members} members, batch {batch}, {name}, {threads} thread(s)"
                    );
                }
            }
        }
    }
}

#[test]
fn a_members_lane_result_does_not_depend_on_its_lane_group() {
    // Member 20 in a population of 40 (lane group 16..32) and alone (a group padded with
    // copies of it) gives the same loss.
    let (sizes, activation, head, loss) = SHAPES[0];
    let case = Case::new(sizes, activation, head, 40, 4);
    let targets = case.targets(loss);
    let mut evaluator = PopulationEvaluator::with_lane_limit(usize::MAX);
    let mut all = vec![0.0; case.members()];
    evaluator
        .losses(
            &case.net,
            &case.population,
            &case.input,
            targets,
            loss,
            &mut all,
        )
        .unwrap();
    let mut one = [0.0];
    evaluator
        .losses(
            &case.net,
            case.genome(20),
            &case.input,
            targets,
            loss,
            &mut one,
        )
        .unwrap();
    assert_eq!(all[20].to_bits(), one[0].to_bits());
}
