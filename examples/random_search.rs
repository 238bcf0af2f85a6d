//! A strategy of your own, run through the crate's one evolution loop.
//!
//! `RandomSearch` keeps the best genome found so far and asks for `population`
//! Gaussian perturbations of it each generation — the simplest baseline of
//! neuroevolution. It implements [`Strategy`], so [`Driver`] runs it against the same
//! network-on-a-mini-batch fitness the experiment runner gives built-in strategies,
//! charging every example it consumes.
//!
//! `cargo run --release --example random_search`

use baldwin::evolve::{Candidate, Driver, EvolveError, Generation, Population, Strategy};
use baldwin::experiment::compare::BatchFitness;
use baldwin::net::{Activation, Architecture, Head, Loss, Network, Params, Workspace};
use baldwin::rng;
use baldwin::task::{self, BatchSampler};
use rand_distr::{Distribution, StandardNormal};

/// Random search around the best genome so far.
struct RandomSearch {
    best: Vec<f32>,
    best_fitness: f32,
    sigma: f32,
    population: Population,
    generation: u64,
    rng: rng::Stream,
}

impl RandomSearch {
    fn new(x0: Vec<f32>, population: usize, sigma: f32, seed: u64) -> Self {
        let dim = x0.len();
        Self {
            best: x0,
            best_fitness: f32::INFINITY,
            sigma,
            population: Population::uniform(population, dim),
            generation: 0,
            rng: rng::stream(&[seed]),
        }
    }
}

impl Strategy for RandomSearch {
    fn name(&self) -> &'static str {
        "random_search"
    }

    fn ask(&mut self) -> &Population {
        for i in 0..self.population.len() {
            let genome = self.population.genome_mut(i);
            for (g, b) in genome.iter_mut().zip(&self.best) {
                let z: f32 = StandardNormal.sample(&mut self.rng);
                *g = b + self.sigma * z;
            }
        }
        &self.population
    }

    fn tell(&mut self, fitness: &[f32]) -> Result<Generation, EvolveError> {
        if fitness.len() != self.population.len() {
            return Err(EvolveError::FitnessLength {
                expected: self.population.len(),
                got: fitness.len(),
            });
        }
        let report = Generation::summarize(self.generation, fitness, &self.population);
        if let Some((i, &f)) = fitness
            .iter()
            .enumerate()
            .filter(|(_, f)| f.is_finite())
            .min_by(|a, b| a.1.total_cmp(b.1))
            && f < self.best_fitness
        {
            self.best_fitness = f;
            self.best.copy_from_slice(self.population.genome(i));
        }
        self.generation += 1;
        Ok(report)
    }

    fn center(&self) -> Candidate<'_> {
        Candidate {
            genes: &self.best,
            body: None,
        }
    }

    fn generation(&self) -> u64 {
        self.generation
    }

    fn cost(&self) -> String {
        format!("random search: {} genes", self.best.len())
    }
}

fn main() {
    // XOR with a 2-8-1 tanh network, scored on mini-batches of 4.
    let data = task::xor();
    let arch = Architecture::uniform(&[2, 8, 1], Activation::Tanh, Head::Linear).unwrap();
    let net = Network::dense(arch);
    let x0 = net.init(&mut rng::stream(&[0])).genes;
    let strategy = RandomSearch::new(x0, 32, 0.1, 1);
    let sampler = BatchSampler::new(data.train.len(), 4, rng::stream(&[2]));
    let fitness = BatchFitness::new(&net, &data.train, Loss::Mse, sampler);
    let mut driver = Driver::new(strategy, fitness);
    for _ in 0..500 {
        driver.step().expect("shapes match");
    }
    let genes = driver.strategy().center().genes.to_vec();
    let mut ws = Workspace::new();
    let test = baldwin::learn::evaluate(&net, &Params::new(genes), &data.test, Loss::Mse, &mut ws)
        .unwrap();
    let totals = driver.totals();
    println!(
        "random search on XOR: test MSE {:.4} after {} generations, {} fitness evaluations, \
         {} examples drawn, {} example evaluations",
        test.loss,
        totals.generations,
        totals.evaluations,
        totals.consumed.examples_drawn,
        totals.consumed.example_evaluations
    );
    assert!(test.loss < 0.1, "random search should fit XOR");
}
