//! OpenAI-ES generations evaluated without writing the population out
//! (`OpenAiEs::ask_members`): the same members, fitness and updates as `ask`, bit for
//! bit, for any thread count.

use baldwin::evolve::sampling::NoiseSource;
use baldwin::evolve::{EvolveError, OpenAiEs, OpenAiEsConfig, Strategy, evaluate, functions};

fn es(antithetic: bool, noise: NoiseSource) -> OpenAiEs {
    let config = OpenAiEsConfig {
        population: 12,
        sigma: 0.3,
        lr: 0.05,
        antithetic,
        noise,
        ..Default::default()
    };
    let mean = (0..37).map(|i| (i as f32 * 0.37).sin()).collect();
    OpenAiEs::new(config, mean, 11).unwrap()
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

#[test]
fn members_equal_the_written_out_population_and_the_runs_stay_identical() {
    for antithetic in [true, false] {
        for noise in [NoiseSource::Table, NoiseSource::Generated] {
            let (mut asked, mut streamed) = (es(antithetic, noise), es(antithetic, noise));
            for generation in 0..6 {
                let population = asked.ask().clone();
                let mut fitness = vec![0.0; population.len()];
                evaluate::evaluate_fn(&population, functions::rastrigin, &mut fitness);

                let members = streamed.ask_members();
                assert_eq!((members.len(), members.genes()), (12, 37));
                let mut genome = vec![0.0; members.genes()];
                for i in 0..members.len() {
                    members.write(i, &mut genome);
                    let same = genome
                        .iter()
                        .zip(population.genome(i))
                        .all(|(a, b)| a.to_bits() == b.to_bits());
                    assert!(same, "member {i}, generation {generation}");
                }
                let mut streamed_fitness = vec![0.0; members.len()];
                members
                    .evaluate(functions::rastrigin, &mut streamed_fitness)
                    .unwrap();
                assert_eq!(fitness, streamed_fitness);

                let a = asked.tell(&fitness).unwrap();
                let b = streamed.tell(&streamed_fitness).unwrap();
                assert_eq!(
                    (a.best, a.mean, a.genes_mean),
                    (b.best, b.mean, b.genes_mean)
                );
            }
            let (a, b) = (asked.center().genes, streamed.center().genes);
            assert!(a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()));
            assert!(a != es(antithetic, noise).center().genes, "the mean moved");
        }
    }
}

#[test]
fn streamed_fitness_is_the_same_for_one_and_two_threads() {
    let run = |threads: usize| {
        pool(threads).install(|| {
            let mut es = es(true, NoiseSource::Table);
            let mut out = vec![0.0; 12];
            for _ in 0..4 {
                es.ask_members()
                    .evaluate(functions::rosenbrock, &mut out)
                    .unwrap();
                es.tell(&out).unwrap();
            }
            (out, es.center().genes.to_vec())
        })
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn a_wrong_fitness_length_or_a_tell_without_an_ask_is_an_error() {
    let mut es = es(true, NoiseSource::Table);
    assert!(matches!(
        es.tell(&[0.0; 12]),
        Err(EvolveError::TellBeforeAsk)
    ));
    let members = es.ask_members();
    let mut short = vec![0.0; 11];
    assert!(matches!(
        members.evaluate(functions::sphere, &mut short),
        Err(EvolveError::FitnessLength {
            expected: 12,
            got: 11
        })
    ));
    assert!(matches!(
        es.tell(&[0.0; 11]),
        Err(EvolveError::FitnessLength {
            expected: 12,
            got: 11
        })
    ));
    assert!(es.tell(&[0.0; 12]).is_ok());
    assert!(matches!(
        es.tell(&[0.0; 12]),
        Err(EvolveError::TellBeforeAsk)
    ));
}
