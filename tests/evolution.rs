//! The evolution engine on networks: XOR for every strategy, determinism across thread
//! counts, non-finite fitness, and the segmentation operators.

use baldwin::evolve::{
    AnyStrategy, CmaEs, CmaEsConfig, Covariance, Crossover, Driver, Ga, GaConfig, OpenAiEs,
    OpenAiEsConfig, Population, Selection, Snes, SnesConfig, Strategy, TerminationReason, evaluate,
    segmentation,
};
use baldwin::experiment::compare::BatchFitness;
use baldwin::learn::{Loss, evaluate as evaluate_params};
use baldwin::net::{
    Activation, Architecture, Head, Network, Params, PopulationEvaluator, Tying, TyingPreset,
    Workspace,
};
use baldwin::{rng, task};

fn xor_net() -> Network {
    Network::dense(Architecture::uniform(&[2, 4, 1], Activation::Tanh, Head::Linear).unwrap())
}

/// Every strategy under test, on a genome of `net`.
fn strategies(net: &Network, seed: u64) -> Vec<AnyStrategy> {
    let x0 = net.init(&mut rng::stream(&[seed, 99])).genes;
    let cma = |covariance| CmaEsConfig {
        population: Some(32),
        sigma: 1.0,
        covariance,
        ..Default::default()
    };
    vec![
        AnyStrategy::OpenAiEs(
            OpenAiEs::new(
                OpenAiEsConfig {
                    population: 64,
                    sigma: 0.1,
                    lr: 0.05,
                    ..Default::default()
                },
                x0.clone(),
                seed,
            )
            .unwrap(),
        ),
        AnyStrategy::Snes(
            Snes::new(
                SnesConfig {
                    population: Some(32),
                    sigma: 1.0,
                    ..Default::default()
                },
                x0.clone(),
                seed,
            )
            .unwrap(),
        ),
        AnyStrategy::CmaEs(CmaEs::new(cma(Covariance::Full), x0.clone(), seed).unwrap()),
        AnyStrategy::CmaEs(CmaEs::new(cma(Covariance::Separable), x0, seed).unwrap()),
        AnyStrategy::Ga(
            Ga::for_network(
                GaConfig {
                    population: 128,
                    elite: 2,
                    selection: Selection::Tournament,
                    tournament: 4,
                    mutation_sigma: 0.1,
                    self_adaptive: true,
                    crossover: Crossover::Blocks,
                    ..Default::default()
                },
                net,
                seed,
            )
            .unwrap(),
        ),
    ]
}

/// Run `generations` generations on XOR (MSE fitness on the four points).
fn evolve_xor(strategy: &mut dyn Strategy, net: &Network, generations: usize) -> Vec<f32> {
    let data = task::xor();
    let mut evaluator = PopulationEvaluator::new();
    let mut fitness = Vec::new();
    let targets = data.train.targets();
    for _ in 0..generations {
        let population = strategy.ask();
        fitness.resize(population.len(), 0.0);
        evaluate::evaluate_networks(
            population,
            net,
            &mut evaluator,
            &data.train.inputs,
            4,
            |z| Loss::Mse.value(Head::Linear, z, targets, 1),
            &mut fitness,
        )
        .unwrap();
        strategy.tell(&fitness).unwrap();
    }
    strategy.center().genes.to_vec()
}

#[test]
fn every_strategy_evolves_a_2_4_1_network_that_solves_xor() {
    // A run can end in XOR's local minimum (three points right, MSE 0.125): CMA-ES does
    // so for about 4% of seeds (192 and 193 of seeds 0..200 solved, with this
    // eigensolver and with nalgebra's), and which seeds depends on rounding. So each
    // strategy must solve at least two of three seeds.
    let net = xor_net();
    let data = task::xor();
    let runs: Vec<Vec<(String, bool)>> = (0..3)
        .map(|seed| {
            strategies(&net, seed)
                .into_iter()
                .map(|mut strategy| {
                    let genes = evolve_xor(&mut strategy, &net, 300);
                    let eval = evaluate_params(
                        &net,
                        &Params::new(genes),
                        &data.test,
                        Loss::Mse,
                        &mut Workspace::new(),
                    )
                    .unwrap();
                    let result =
                        format!("seed {seed}: accuracy {}, mse {}", eval.accuracy, eval.loss);
                    (result, eval.accuracy == 1.0 && eval.loss < 0.05)
                })
                .collect()
        })
        .collect();
    for (k, strategy) in strategies(&net, 0).iter().enumerate() {
        let solved = runs.iter().filter(|seed| seed[k].1).count();
        let results: Vec<&str> = runs.iter().map(|seed| seed[k].0.as_str()).collect();
        assert!(solved >= 2, "{}: {results:?}", strategy.name());
    }
}

#[test]
fn evolution_is_bit_identical_for_one_and_two_threads() {
    let arch = Architecture::uniform(&[2, 4, 1], Activation::Tanh, Head::Linear).unwrap();
    let tied = Network::new(
        arch.clone(),
        Tying::preset(&arch, TyingPreset::Mirror, (1, 2)).unwrap(),
    )
    .unwrap();
    let run = |threads: usize| -> Vec<(String, Vec<u32>, String)> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut all = strategies(&xor_net(), 5);
            // A GA whose tying map evolves, to cover the segmentation path too.
            all.push(AnyStrategy::Ga(
                Ga::for_network(
                    GaConfig {
                        population: 64,
                        crossover: Crossover::Blocks,
                        tie_rate: 0.2,
                        untie_rate: 0.2,
                        ..Default::default()
                    },
                    &tied,
                    5,
                )
                .unwrap(),
            ));
            all.into_iter()
                .map(|mut s| {
                    let center = evolve_xor(&mut s, &xor_net(), 15);
                    let state = serde_json::to_string(&s).unwrap();
                    (
                        s.name().to_string(),
                        center.iter().map(|x| x.to_bits()).collect(),
                        state,
                    )
                })
                .collect()
        })
    };
    let (one, two) = (run(1), run(2));
    for (a, b) in one.iter().zip(&two) {
        assert_eq!(a.1, b.1, "{}: centre differs between 1 and 2 threads", a.0);
        assert_eq!(a.2, b.2, "{}: state differs between 1 and 2 threads", a.0);
    }
}

#[test]
fn nan_fitness_does_not_crash_is_counted_and_ranked_last() {
    let net = xor_net();
    for mut strategy in strategies(&net, 1) {
        for generation in 0..20 {
            let population = strategy.ask();
            let n = population.len();
            // Member 0 always NaN, member 1 +inf; the rest a finite sphere value.
            let mut fitness: Vec<f32> = (0..n)
                .map(|i| population.genome(i).iter().map(|g| g * g).sum())
                .collect();
            fitness[0] = f32::NAN;
            fitness[1] = f32::INFINITY;
            let report = strategy.tell(&fitness).unwrap();
            assert_eq!(report.non_finite, 2, "{}", strategy.name());
            assert!(report.best.is_finite() && report.mean.is_finite());
            assert!(
                strategy.center().genes.iter().all(|g| g.is_finite()),
                "{} generation {generation}: non-finite centre",
                strategy.name()
            );
        }
    }
    // A generation where every member is NaN leaves the distribution untouched.
    let mut es = CmaEs::new(CmaEsConfig::default(), vec![0.5; 4], 0).unwrap();
    let n = es.ask().len();
    let report = es.tell(&vec![f32::NAN; n]).unwrap();
    assert_eq!(report.non_finite, n);
    assert_eq!(es.center().genes, &[0.5; 4]);
}

#[test]
fn tell_with_the_wrong_number_of_fitness_values_is_an_error() {
    let mut es = OpenAiEs::new(OpenAiEsConfig::default(), vec![0.0; 3], 0).unwrap();
    assert!(es.tell(&[1.0]).is_err(), "tell before ask");
    es.ask();
    let err = es.tell(&[1.0; 3]).unwrap_err();
    assert!(
        err.to_string()
            .contains("3 fitness values for a population of 128")
    );
}

#[test]
fn full_cma_es_refuses_a_covariance_that_does_not_fit_and_suggests_alternatives() {
    let err = CmaEs::new(CmaEsConfig::default(), vec![0.0; 20_000], 0).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("sep-CMA-ES") && message.contains("SNES"),
        "{message}"
    );
    assert!(
        message.contains("MiB") && message.contains("GFLOP"),
        "{message}"
    );
    let sep = CmaEsConfig {
        covariance: Covariance::Separable,
        ..Default::default()
    };
    assert!(CmaEs::new(sep, vec![0.0; 20_000], 0).is_ok());
}

#[test]
fn cma_es_refuses_negative_or_nan_stopping_tolerances() {
    let bad = [
        CmaEsConfig {
            tolfun: -1e-11,
            ..Default::default()
        },
        CmaEsConfig {
            tolx: f64::NAN,
            ..Default::default()
        },
        CmaEsConfig {
            tol_condition: 0.5,
            ..Default::default()
        },
    ];
    for (config, option) in bad.into_iter().zip(["tolfun", "tolx", "tol_condition"]) {
        let err = CmaEs::new(config, vec![0.0; 3], 0).unwrap_err();
        assert!(err.to_string().contains(option), "{err}");
    }
}

#[test]
fn cma_es_config_without_stopping_keys_takes_pycmas_defaults() {
    let json = r#"{"population": null, "sigma": 0.1, "covariance": "full",
                   "max_covariance_mib": 512.0}"#;
    let config: CmaEsConfig = serde_json::from_str(json).unwrap();
    assert_eq!(config, CmaEsConfig::default());
    assert_eq!(
        (config.tolfun, config.tolx, config.tol_condition),
        (1e-11, 1e-11, 1e14)
    );
}

#[test]
fn any_strategy_reports_why_its_cma_es_stopped_and_other_strategies_never_stop() {
    // Constant fitness on the 17 genes of a 2-4-1 network with λ = 32: TolFun once the
    // history of 10 + ⌈30·17/32⌉ = 26 generations is full.
    let net = xor_net();
    assert_eq!(net.genome_len(), 17);
    for mut strategy in strategies(&net, 0) {
        let name = strategy.name();
        let mut stopped = None;
        for _ in 0..30 {
            let n = strategy.ask().len();
            strategy.tell(&vec![1.0; n]).unwrap();
            stopped = stopped.or(strategy.stop().map(|r| (r, strategy.generation())));
        }
        match name {
            "cma_es" | "sep_cma_es" => {
                assert_eq!(stopped, Some((TerminationReason::TolFun, 26)), "{name}")
            }
            _ => assert_eq!(stopped, None, "{name}"),
        }
    }
}

fn tied_net() -> Network {
    let arch = Architecture::uniform(&[8, 8, 2], Activation::Tanh, Head::Softmax).unwrap();
    Network::new(
        arch.clone(),
        Tying::preset(&arch, TyingPreset::Translation, (2, 2)).unwrap(),
    )
    .unwrap()
}

#[test]
fn untie_duplicates_a_block_and_keeps_the_function() {
    let net = tied_net();
    let genes = net.init(&mut rng::stream(&[3])).genes;
    let (child, child_genes) = segmentation::untie(&net, &genes, &mut rng::stream(&[4])).unwrap();
    assert_eq!(
        child_genes.len(),
        genes.len() + net.tying().layer(0).block_len()
    );
    assert_eq!(child.genome_len(), child_genes.len());
    let input: Vec<f32> = (0..3 * 8).map(|i| (i as f32 * 0.37).sin()).collect();
    let mut ws = Workspace::new();
    let before = net.forward(&genes, &input, 3, &mut ws).unwrap().to_vec();
    let after = child.forward(&child_genes, &input, 3, &mut ws).unwrap();
    assert_eq!(
        before, after,
        "gene duplication must not change the function"
    );
}

#[test]
fn tie_and_untie_keep_every_genome_valid_and_change_the_gene_count_by_whole_blocks() {
    let mut net = tied_net();
    let mut genes = net.init(&mut rng::stream(&[1])).genes;
    let block = net.tying().layer(0).block_len();
    let mut rng = rng::stream(&[2]);
    let (mut ties, mut unties) = (0, 0);
    for step in 0..400 {
        let before = genes.len();
        let blocks_before = net.tying().layer(0).blocks;
        let mutated = if step % 3 == 0 {
            segmentation::tie(&net, &genes, &mut rng).inspect(|_| ties += 1)
        } else {
            segmentation::untie(&net, &genes, &mut rng).inspect(|_| unties += 1)
        };
        if let Some((n, g)) = mutated {
            net = n;
            genes = g;
        }
        net.tying().check(net.architecture()).unwrap();
        assert_eq!(net.genome_len(), genes.len());
        let blocks_after = net.tying().layer(0).blocks;
        assert_eq!(
            genes.len() as isize - before as isize,
            (blocks_after as isize - blocks_before as isize) * block as isize,
            "gene count changes by whole blocks"
        );
        assert!(blocks_after.abs_diff(blocks_before) <= 1);
    }
    assert!(ties > 50 && unties > 50, "{ties} ties, {unties} unties");
}

#[test]
fn block_aligned_crossover_never_splits_a_block() {
    let net = tied_net();
    let a = net.init(&mut rng::stream(&[10])).genes;
    let b = net.init(&mut rng::stream(&[11])).genes;
    let mut from_b = 0;
    for seed in 0..50 {
        let child = segmentation::block_crossover(&net, &a, &b, &mut rng::stream(&[seed]));
        for range in segmentation::blocks(&net) {
            let whole_a = child[range.clone()] == a[range.clone()];
            let whole_b = child[range.clone()] == b[range.clone()];
            assert!(whole_a || whole_b, "block {range:?} mixes both parents");
            from_b += usize::from(whole_b);
        }
    }
    assert!(
        from_b > 0,
        "crossover never took a block from the second parent"
    );
}

#[test]
fn a_ga_with_segmentation_records_genes_per_individual_and_its_genomes_diverge() {
    let net = tied_net();
    let config = GaConfig {
        population: 32,
        tie_rate: 0.3,
        untie_rate: 0.3,
        ..Default::default()
    };
    let mut ga = Ga::for_network(config, &net, 0).unwrap();
    let mut last = None;
    for _ in 0..10 {
        let population: &Population = ga.ask();
        let fitness: Vec<f32> = (0..population.len())
            .map(|i| population.genome(i).len() as f32)
            .collect();
        last = Some(ga.tell(&fitness).unwrap());
    }
    let report = last.unwrap();
    // Fitness = genome length rewards tying: the population shrinks below the preset.
    assert!(report.genes_min < net.genome_len(), "{report:?}");
    assert!(report.genes_min <= report.genes_max);
    let population = ga.ask();
    for i in 0..population.len() {
        let body = population.body(i).unwrap();
        assert_eq!(body.genome_len(), population.genome(i).len());
    }
}

#[test]
fn a_strategy_restored_from_a_checkpoint_continues_bit_identically() {
    let net = xor_net();
    let arch = Architecture::uniform(&[2, 4, 1], Activation::Tanh, Head::Linear).unwrap();
    let tied = Network::new(
        arch.clone(),
        Tying::preset(&arch, TyingPreset::Mirror, (1, 2)).unwrap(),
    )
    .unwrap();
    let mut all = strategies(&net, 3);
    all.push(AnyStrategy::Ga(
        Ga::for_network(
            GaConfig {
                population: 64,
                crossover: Crossover::Blocks,
                tie_rate: 0.2,
                untie_rate: 0.2,
                ..Default::default()
            },
            &tied,
            3,
        )
        .unwrap(),
    ));
    let bits = |genes: &[f32]| genes.iter().map(|g| g.to_bits()).collect::<Vec<_>>();
    for mut original in all {
        evolve_xor(&mut original, &net, 10);
        let checkpoint = serde_json::to_string(&original).unwrap();
        let mut restored: AnyStrategy = serde_json::from_str(&checkpoint).unwrap();
        let name = original.name();
        assert_eq!(
            bits(restored.center().genes),
            bits(original.center().genes),
            "{name}: centre differs right after restoring"
        );
        let (a, b) = (
            evolve_xor(&mut original, &net, 10),
            evolve_xor(&mut restored, &net, 10),
        );
        assert_eq!(bits(&a), bits(&b), "{name}: runs diverge after restoring");
        assert_eq!(
            serde_json::to_string(&original).unwrap(),
            serde_json::to_string(&restored).unwrap(),
            "{name}: states diverge after restoring"
        );
    }
}

#[test]
fn a_generation_on_a_batch_is_charged_population_times_batch_examples() {
    let net = xor_net();
    let data = task::xor();
    let es = OpenAiEs::new(
        OpenAiEsConfig {
            population: 10,
            ..Default::default()
        },
        net.init(&mut rng::stream(&[0])).genes,
        0,
    )
    .unwrap();
    let sampler = task::BatchSampler::new(data.train.len(), 4, rng::stream(&[1]));
    let fitness = BatchFitness::new(&net, &data.train, baldwin::net::Loss::Mse, sampler);
    let mut driver = Driver::new(es, fitness);
    let report = driver.step().unwrap();
    assert_eq!(
        (
            report.evaluations,
            report.examples_drawn,
            report.example_evaluations
        ),
        (10, 4, 10 * 4)
    );
    assert!(report.best <= report.median && report.median.is_finite());
    driver.step().unwrap();
    let totals = driver.totals();
    assert_eq!(totals.generations, 2);
    assert_eq!(totals.consumed.examples_drawn, 8);
    assert_eq!(totals.consumed.example_evaluations, 80);
}

#[test]
fn an_evolution_arm_is_scored_by_the_loss_gradient_descent_minimises_bit_for_bit() {
    // Softmax cross-entropy on digits: the case where `Network::loss` uses the vectorised
    // kernel; the fitness must be that loss, not libm's (which differs by up to 1e-6).
    let net = Network::dense(
        Architecture::uniform(&[64, 16, 10], Activation::Tanh, Head::Softmax).unwrap(),
    );
    let data = task::digits();
    let x0 = net.init(&mut rng::stream(&[3])).genes;
    let mut es = OpenAiEs::new(
        OpenAiEsConfig {
            population: 8,
            sigma: 0.5,
            ..Default::default()
        },
        x0,
        0,
    )
    .unwrap();
    let population = es.ask().clone();
    let sampler = |seed| task::BatchSampler::new(data.train.len(), 32, rng::stream(&[seed]));
    let mut fitness = BatchFitness::new(
        &net,
        &data.train,
        baldwin::net::Loss::CrossEntropy,
        sampler(5),
    );
    let mut scores = vec![0.0; 8];
    baldwin::evolve::Fitness::evaluate(&mut fitness, 0, &population, &mut scores).unwrap();

    let mut batch = task::Batch::default();
    data.train.gather(sampler(5).next_batch(), &mut batch);
    let mut ws = Workspace::new();
    let mut largest_libm_gap = 0.0f32;
    for (i, &score) in scores.iter().enumerate() {
        let genome = population.genome(i);
        let alone = net
            .loss(
                genome,
                &batch.inputs,
                batch.targets(),
                baldwin::net::Loss::CrossEntropy,
                &mut ws,
            )
            .unwrap();
        assert_eq!(
            score.to_bits(),
            alone.to_bits(),
            "member {i}: {score} vs {alone}"
        );
        let z = net
            .forward(genome, &batch.inputs, batch.rows, &mut ws)
            .unwrap()
            .to_vec();
        let libm = baldwin::net::Loss::CrossEntropy.value(Head::Softmax, &z, batch.targets(), 10);
        largest_libm_gap = largest_libm_gap.max((libm - score).abs() / score);
    }
    assert!(largest_libm_gap < 1e-5, "{largest_libm_gap}");
}
