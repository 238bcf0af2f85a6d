//! A genetic algorithm in the style of Such et al. 2017 ("Deep Neuroevolution"):
//! truncation (or tournament) selection, elitism, Gaussian mutation of every gene with an
//! optional self-adaptive step size (Schwefel's log-normal rule), uniform or block-aligned
//! crossover, and — when members carry a network — the segmentation operators that tie
//! and untie gene blocks, so that the tying map itself evolves.

use std::sync::Arc;

use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    Candidate, EvolveError, Generation, Population, Strategy, begin_tell, sampling, segmentation,
    shaping,
};
use crate::net::Network;
use crate::rng::Stream;

mod config;

pub use config::{Crossover, GaConfig, Selection};

/// A genetic algorithm: a population of genomes (each optionally with its own body),
/// bred by selection, mutation, crossover and segmentation operators.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ga {
    config: GaConfig,
    seed: u64,
    generation: u64,
    population: Population,
    /// Per-member mutation step sizes.
    sigmas: Vec<f32>,
    /// Best member of the last generation told: genes, body, fitness.
    best: Option<(Vec<f32>, Option<Arc<Network>>, f32)>,
    asked: bool,
    /// The population being bred, kept to reuse its allocation.
    #[serde(skip)]
    next: Population,
}

/// What breeding a child left besides its genes.
struct Bred {
    sigma: f32,
    /// Set when a segmentation mutation changed the child's body and genome length.
    resized: Option<(Network, Vec<f32>)>,
}

impl Ga {
    /// Start from a given population (its members are evaluated first).
    pub fn new(config: GaConfig, initial: Population, seed: u64) -> Result<Self, EvolveError> {
        config.validate()?;
        if initial.len() != config.population {
            return Err(EvolveError::InvalidOption {
                strategy: "ga",
                option: "population",
                value: initial.len().to_string(),
                expected: format!("an initial population of {}", config.population),
            });
        }
        let longest = (0..initial.len()).map(|i| initial.genome(i).len()).max();
        config.noise.check("ga", longest.unwrap_or(0))?;
        let sigmas = vec![config.mutation_sigma; config.population];
        Ok(Self {
            config,
            seed,
            generation: 0,
            population: initial,
            sigmas,
            best: None,
            asked: false,
            next: Population::default(),
        })
    }

    /// Members initialised by `net.init` (each its own stream), each carrying `net` as
    /// its body so that segmentation operators may change it.
    pub fn for_network(config: GaConfig, net: &Network, seed: u64) -> Result<Self, EvolveError> {
        let members = (0..config.population as u64)
            .map(|i| {
                let genes = net
                    .init(&mut crate::rng::stream(&[
                        seed,
                        crate::rng::Purpose::Init.key(),
                        i,
                    ]))
                    .genes;
                (genes, Some(net.clone()))
            })
            .collect();
        Self::new(config, Population::from_members(members), seed)
    }

    /// Members `center + init_sigma · N(0, I)` (for plain vectors, e.g. test functions).
    pub fn around(
        config: GaConfig,
        center: &[f32],
        init_sigma: f32,
        seed: u64,
    ) -> Result<Self, EvolveError> {
        let members = (0..config.population as u64)
            .map(|i| {
                let mut rng = crate::rng::stream(&[seed, crate::rng::Purpose::Init.key(), i]);
                let genes = center
                    .iter()
                    .map(|&c| {
                        c + init_sigma * Distribution::<f32>::sample(&StandardNormal, &mut rng)
                    })
                    .collect();
                (genes, None)
            })
            .collect();
        Self::new(config, Population::from_members(members), seed)
    }

    /// The hyper-parameters.
    pub fn config(&self) -> &GaConfig {
        &self.config
    }

    /// Fitness of the best member of the last generation told.
    pub fn best_fitness(&self) -> Option<f32> {
        self.best.as_ref().map(|b| b.2)
    }

    fn select(&self, order: &[usize], rank_of: &[usize], rng: &mut Stream) -> usize {
        match self.config.selection {
            Selection::Truncation => {
                let pool = ((self.config.truncation * order.len() as f32).round() as usize)
                    .clamp(1, order.len());
                order[rng.random_range(0..pool)]
            }
            Selection::Tournament => (0..self.config.tournament)
                .map(|_| rng.random_range(0..order.len()))
                .min_by_key(|&m| rank_of[m])
                .expect("tournament size ≥ 1"),
        }
    }

    /// The parent child `child` starts from, and — unless the child is one of the elite,
    /// copied unchanged — its stream, positioned after that choice.
    fn first_parent(
        &self,
        child: usize,
        order: &[usize],
        rank_of: &[usize],
    ) -> (usize, Option<Stream>) {
        if child < self.config.elite {
            return (order[child], None);
        }
        let mut rng = sampling::member_stream(self.seed, self.generation, child as u64);
        let first = self.select(order, rank_of, &mut rng);
        (first, Some(rng))
    }

    /// Breed a child of `first` in place: `genes` holds a copy of `first`'s genome.
    fn breed(
        &self,
        first: usize,
        rng: &mut Stream,
        order: &[usize],
        rank_of: &[usize],
        genes: &mut [f32],
    ) -> Bred {
        let population = &self.population;
        if self.config.crossover != Crossover::None
            && rng.random_bool(self.config.crossover_rate as f64)
        {
            let second = self.select(order, rank_of, rng);
            let other = population.genome(second);
            let same_body = match (
                population.shared_body(first),
                population.shared_body(second),
            ) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
                (a, b) => a.is_none() && b.is_none(),
            };
            // Parents with different tying maps have no common block structure: the child
            // is then a copy of the first parent (crossover must not split a block).
            if same_body && other.len() == genes.len() {
                match (self.config.crossover, population.body(first)) {
                    (Crossover::Blocks, Some(net)) => {
                        segmentation::take_blocks(net, other, genes, rng)
                    }
                    _ => {
                        for (g, &o) in genes.iter_mut().zip(other) {
                            if rng.random_bool(0.5) {
                                *g = o;
                            }
                        }
                    }
                }
            }
        }
        let mut sigma = self.sigmas[first];
        if self.config.self_adaptive {
            // Schwefel's log-normal rule with τ = 1/√d.
            let tau = 1.0 / (genes.len().max(1) as f32).sqrt();
            let n: f32 = StandardNormal.sample(&mut *rng);
            sigma *= (tau * n).exp();
        }
        self.config.noise.add_scaled(rng, sigma, genes);
        let resized = population.body(first).and_then(|body| {
            if rng.random_bool(self.config.tie_rate as f64) {
                segmentation::tie(body, genes, rng)
            } else if rng.random_bool(self.config.untie_rate as f64) {
                segmentation::untie(body, genes, rng)
            } else {
                None
            }
        });
        Bred { sigma, resized }
    }
}

impl Strategy for Ga {
    fn name(&self) -> &'static str {
        "ga"
    }

    fn population_mut(&mut self) -> Option<&mut Population> {
        Some(&mut self.population)
    }

    fn ask(&mut self) -> &Population {
        self.asked = true;
        &self.population
    }

    fn tell(&mut self, fitness: &[f32]) -> Result<Generation, EvolveError> {
        let report = begin_tell(self.asked, self.generation, fitness, &self.population)?;
        let n = self.population.len();
        let order = shaping::ranking(fitness);
        let mut rank_of = vec![0; n];
        for (rank, &m) in order.iter().enumerate() {
            rank_of[m] = rank;
        }
        let top = order[0];
        let mut best_genes = self.best.take().map(|b| b.0).unwrap_or_default();
        best_genes.clear();
        best_genes.extend_from_slice(self.population.genome(top));
        self.best = Some((
            best_genes,
            self.population.shared_body(top).cloned(),
            fitness[top],
        ));

        // Each child starts as a copy of its first parent, written straight into its slot
        // of the next population; only a segmentation mutation, which changes the genome's
        // length, makes a child leave its slot (and only then is a body built).
        let firsts: Vec<(usize, Option<Stream>)> = (0..n)
            .map(|c| self.first_parent(c, &order, &rank_of))
            .collect();
        let population = &self.population;
        let bodies = population.has_bodies().then(|| {
            firsts
                .iter()
                .filter_map(|&(first, _)| population.shared_body(first).cloned())
                .collect()
        });
        let mut next = std::mem::take(&mut self.next);
        next.reshape(
            firsts
                .iter()
                .map(|&(first, _)| population.genome(first).len()),
            bodies,
        );
        let bred: Vec<Bred> = next
            .genomes_mut()
            .into_par_iter()
            .zip(firsts)
            .map(|(genes, (first, rng))| {
                genes.copy_from_slice(self.population.genome(first));
                match rng {
                    Some(mut rng) => self.breed(first, &mut rng, &order, &rank_of, genes),
                    None => Bred {
                        sigma: self.sigmas[first],
                        resized: None,
                    },
                }
            })
            .collect();
        self.sigmas.clear();
        self.sigmas.extend(bred.iter().map(|b| b.sigma));
        if bred.iter().any(|b| b.resized.is_some()) {
            let members = bred
                .into_iter()
                .enumerate()
                .map(|(c, b)| match b.resized {
                    Some((body, genes)) => (genes, Some(Arc::new(body))),
                    None => (next.genome(c).to_vec(), next.shared_body(c).cloned()),
                })
                .collect();
            next = Population::from_shared_members(members);
        }
        self.next = std::mem::replace(&mut self.population, next);
        self.generation += 1;
        self.asked = false;
        Ok(report)
    }

    fn center(&self) -> Candidate<'_> {
        match &self.best {
            Some((genes, body, _)) => Candidate {
                genes,
                body: body.as_deref(),
            },
            None => Candidate {
                genes: self.population.genome(0),
                body: self.population.body(0),
            },
        }
    }

    fn generation(&self) -> u64 {
        self.generation
    }

    fn cost(&self) -> String {
        format!(
            "ga: {:.1} MiB of genomes, ~{:.1} M random draws per generation",
            (2 * self.population.total_genes() * 4) as f64 / (1 << 20) as f64,
            self.population.total_genes() as f64 / 1e6
        )
    }
}
