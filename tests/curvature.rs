//! Second-order derivatives: Hessian-vector products (Pearlmutter's R-operator) against
//! finite differences of gradients, and the exact MAML meta-gradient against finite
//! differences of the post-adaptation query loss — with checks that the comparison
//! rejects a wrong answer (a rescaled product; the first-order MAML gradient).

use baldwin::meta::{FewShotTask, InnerLoop, InnerOptimizer, Scratch, adapt, maml_gradient};
use baldwin::net::{
    Activation, Architecture, Head, Loss, Network, Targets, Tying, TyingPreset, Workspace,
};
use baldwin::rng;
use baldwin::task::{Dataset, sine_task};
use rand::RngExt;

/// ‖a − b‖ / ‖b‖.
fn relative_error(a: &[f32], b: &[f32]) -> f64 {
    let diff: f64 = a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum();
    let norm: f64 = b.iter().map(|y| (*y as f64).powi(2)).sum();
    (diff / norm).sqrt()
}

fn gradient(
    net: &Network,
    genome: &[f32],
    input: &[f32],
    targets: Targets,
    loss: Loss,
) -> Vec<f32> {
    let mut grad = vec![0.0; net.genome_len()];
    net.loss_and_gradient(
        genome,
        input,
        targets,
        loss,
        &mut Workspace::new(),
        &mut grad,
    )
    .unwrap();
    grad
}

#[test]
fn hessian_vector_products_match_finite_differences_of_gradients() {
    const TOLERANCE: f64 = 1e-2;
    // Small enough that no ReLU unit crosses its kink between the two gradients (at 1e-3
    // one does in the ReLU case, and the difference quotient is meaningless there).
    const EPS: f32 = 3e-4;
    let cases = [
        (Activation::Tanh, Head::Linear, Loss::Mse, TyingPreset::None),
        (
            Activation::Sigmoid,
            Head::Softmax,
            Loss::CrossEntropy,
            TyingPreset::None,
        ),
        (
            Activation::Tanh,
            Head::Softmax,
            Loss::CrossEntropy,
            TyingPreset::Translation,
        ),
        (Activation::Relu, Head::Linear, Loss::Mse, TyingPreset::None),
    ];
    for (seed, (activation, head, loss, preset)) in cases.into_iter().enumerate() {
        let arch = Architecture::uniform(&[4, 8, 4, 3], activation, head).unwrap();
        let tying = Tying::preset(&arch, preset, (2, 2)).unwrap();
        let net = Network::new(arch, tying).unwrap();
        let mut r = rng::stream(&[seed as u64, 17]);
        let mut genome = net.init(&mut r).genes;
        genome
            .iter_mut()
            .for_each(|g| *g += r.random_range(-0.3..0.3));
        let input: Vec<f32> = (0..6 * 4).map(|_| r.random_range(-1.0..1.0)).collect();
        let classes: Vec<u32> = (0..6).map(|_| r.random_range(0..3u32)).collect();
        let values: Vec<f32> = (0..6 * 3).map(|_| r.random_range(-1.0..1.0)).collect();
        let targets = match loss {
            Loss::Mse => Targets::Values(&values),
            Loss::CrossEntropy => Targets::Classes(&classes),
        };
        let direction: Vec<f32> = (0..net.genome_len())
            .map(|_| r.random_range(-1.0..1.0))
            .collect();
        let mut hv = vec![0.0; net.genome_len()];
        net.hessian_vector_product(&genome, &input, targets, loss, &direction, &mut hv)
            .unwrap();
        let shifted = |sign: f32| -> Vec<f32> {
            let g: Vec<f32> = genome
                .iter()
                .zip(&direction)
                .map(|(x, v)| x + sign * EPS * v)
                .collect();
            gradient(&net, &g, &input, targets, loss)
        };
        let (plus, minus) = (shifted(1.0), shifted(-1.0));
        let oracle: Vec<f32> = plus
            .iter()
            .zip(&minus)
            .map(|(p, m)| (p - m) / (2.0 * EPS))
            .collect();
        let error = relative_error(&hv, &oracle);
        assert!(
            error < TOLERANCE,
            "{activation:?} {loss:?} {preset:?}: relative error {error}"
        );
        // The comparison can fail: 5% off is caught.
        let wrong: Vec<f32> = hv.iter().map(|h| h * 1.05).collect();
        assert!(relative_error(&wrong, &oracle) > TOLERANCE);
    }
}

fn sine(r: &mut impl rand::Rng, points: usize) -> Dataset {
    let xs: Vec<f32> = (0..points).map(|_| r.random_range(-5.0..5.0)).collect();
    sine_task(2.0, 0.5, &xs)
}

/// The query loss after `inner` adapts `init` on `support`.
fn post_adaptation_loss(
    net: &Network,
    init: &[f32],
    support: &Dataset,
    query: &Dataset,
    inner: &InnerLoop,
) -> f32 {
    let mut genes = init.to_vec();
    let mut scratch = Scratch::default();
    adapt(
        net,
        &mut genes,
        support,
        Loss::Mse,
        inner,
        None,
        &mut scratch,
        |_, _| Ok(()),
    )
    .unwrap();
    net.loss(
        &genes,
        &query.inputs,
        query.targets(),
        Loss::Mse,
        &mut Workspace::new(),
    )
    .unwrap()
}

#[test]
fn the_maml_meta_gradient_matches_finite_differences_of_the_post_adaptation_loss() {
    const TOLERANCE: f64 = 2e-2;
    const EPS: f32 = 1e-2;
    for (seed, activation) in [
        (0u64, Activation::Tanh),
        (1, Activation::Tanh),
        (2, Activation::Sigmoid),
    ] {
        let net =
            Network::dense(Architecture::uniform(&[1, 8, 8, 1], activation, Head::Linear).unwrap());
        let mut r = rng::stream(&[seed, 29]);
        let init = net.init(&mut r).genes;
        let (support, query) = (sine(&mut r, 5), sine(&mut r, 5));
        let inner = InnerLoop {
            steps: 3,
            lr: 0.05,
            optimizer: InnerOptimizer::Sgd,
        };
        let mut grad = vec![0.0; net.genome_len()];
        let (_, examples) = maml_gradient(
            &net,
            &init,
            &FewShotTask {
                support: support.clone(),
                query: query.clone(),
                classes: Vec::new(),
            },
            Loss::Mse,
            &inner,
            &mut Scratch::default(),
            &mut grad,
        )
        .unwrap();
        // Adaptation and Hessian-vector products each pass the support 3 times; the
        // query gradient passes the query once.
        assert_eq!(examples, 2 * 3 * 5 + 5);
        let oracle: Vec<f32> = (0..init.len())
            .map(|i| {
                let at = |delta: f32| {
                    let mut theta = init.clone();
                    theta[i] += delta;
                    post_adaptation_loss(&net, &theta, &support, &query, &inner)
                };
                (at(EPS) - at(-EPS)) / (2.0 * EPS)
            })
            .collect();
        let error = relative_error(&grad, &oracle);
        assert!(error < TOLERANCE, "seed {seed}: relative error {error}");
        // The first-order gradient (the query gradient at the adapted weights) is a
        // deliberately wrong answer here, and the comparison catches it.
        let mut adapted = init.clone();
        adapt(
            &net,
            &mut adapted,
            &support,
            Loss::Mse,
            &inner,
            None,
            &mut Scratch::default(),
            |_, _| Ok(()),
        )
        .unwrap();
        let first_order = gradient(&net, &adapted, &query.inputs, query.targets(), Loss::Mse);
        let wrong = relative_error(&first_order, &oracle);
        assert!(
            wrong > 2.0 * TOLERANCE,
            "seed {seed}: first-order error {wrong} is within the tolerance"
        );
        eprintln!("seed {seed}: exact {error:.2e}, first-order {wrong:.2e}");
    }
}
