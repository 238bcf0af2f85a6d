//! Initialisation schemes: each draws from the distribution it names (checked by its
//! bounds and its sample standard deviation), and `auto` is exactly `Network::init`.

use baldwin::net::{Activation, Architecture, Head, Init, Initializer, Network};
use baldwin::rng;

fn net() -> Network {
    Network::dense(Architecture::uniform(&[50, 200, 10], Activation::Relu, Head::Linear).unwrap())
}

fn std(values: &[f32]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().map(|&v| v as f64).sum::<f64>() / n;
    (values
        .iter()
        .map(|&v| (v as f64 - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt()
}

fn draw(init: Init, sigma: f32) -> (Network, Vec<f32>) {
    let net = net();
    let genes = net
        .init_with(Initializer { init, sigma }, &mut rng::stream(&[3]))
        .genes;
    (net, genes)
}

#[test]
fn auto_init_is_the_default_network_init_bit_for_bit() {
    let net = net();
    let plain = net.init(&mut rng::stream(&[5])).genes;
    let auto = net
        .init_with(Initializer::default(), &mut rng::stream(&[5]))
        .genes;
    assert_eq!(plain, auto);
    assert_eq!(Initializer::default().init, Init::Auto);
}

#[test]
fn pytorch_uniform_draws_weights_and_biases_within_one_over_root_fan_in() {
    let (net, genes) = draw(Init::PytorchUniform, 0.0);
    for l in 0..2 {
        let fan_in = net.architecture().layer_shape(l).0 as f32;
        let bound = 1.0 / fan_in.sqrt();
        let weights = &genes[net.weight_genes(l)];
        let biases = &genes[net.bias_genes(l)];
        assert!(weights.iter().chain(biases).all(|w| w.abs() <= bound));
        // U(−a, a) has standard deviation a/√3.
        let expected = (bound / 3f32.sqrt()) as f64;
        assert!((std(weights) / expected - 1.0).abs() < 0.05, "layer {l}");
        assert!(biases.iter().any(|&b| b != 0.0), "biases are drawn");
    }
}

#[test]
fn normal_init_has_the_given_sigma_and_zero_biases() {
    let (net, genes) = draw(Init::Normal, 0.01);
    for l in 0..2 {
        let weights = &genes[net.weight_genes(l)];
        assert!((std(weights) / 0.01 - 1.0).abs() < 0.05, "layer {l}");
        assert!(genes[net.bias_genes(l)].iter().all(|&b| b == 0.0));
    }
}

#[test]
fn he_and_glorot_have_their_variances_in_every_layer() {
    let (net, he) = draw(Init::He, 0.0);
    let (_, glorot) = draw(Init::Glorot, 0.0);
    for l in 0..2 {
        let (fan_in, fan_out) = net.architecture().layer_shape(l);
        let he_std = (2.0 / fan_in as f64).sqrt();
        let glorot_std = (6.0 / (fan_in + fan_out) as f64).sqrt() / 3f64.sqrt();
        assert!((std(&he[net.weight_genes(l)]) / he_std - 1.0).abs() < 0.05);
        assert!((std(&glorot[net.weight_genes(l)]) / glorot_std - 1.0).abs() < 0.05);
        assert!(he[net.bias_genes(l)].iter().all(|&b| b == 0.0));
    }
}
