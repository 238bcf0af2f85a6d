//! The one evolution loop: ask → evaluate → tell, for every caller.
//!
//! A [`Driver`] owns any [`Strategy`] (built in or the user's own) and any [`Fitness`]
//! (the user's own, or the crate's network-on-a-batch and meta-learning fitnesses). The
//! fitness reports what each evaluation consumed on both sample axes ([`Consumed`]):
//! examples are charged where they are consumed, never predicted. The driver adds the
//! charge to the generation's report and keeps running totals.
//!
//! ```
//! use baldwin::evolve::{Driver, FnFitness, OpenAiEs, OpenAiEsConfig, Strategy, functions};
//! let config = OpenAiEsConfig { population: 32, sigma: 0.1, lr: 0.05, ..Default::default() };
//! let es = OpenAiEs::new(config, vec![1.0; 5], 7).unwrap();
//! let mut driver = Driver::new(es, FnFitness::new(functions::sphere));
//! for _ in 0..300 {
//!     driver.step().unwrap();
//! }
//! assert!(functions::sphere(driver.strategy().center().genes) < 1e-2);
//! assert_eq!(driver.totals().evaluations, 300 * 32);
//! ```

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::share::{Group, GroupError, f32_bytes, f32s, part};
use super::{EvolveError, Generation, Members, Population, Strategy};

/// What scoring a population consumed, on the two sample axes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumed {
    /// Distinct examples taken from the world (the data set or task distribution). A
    /// population that scores one shared batch of B has drawn B.
    pub examples_drawn: u64,
    /// Forward passes over examples: P members × B examples for that generation.
    pub example_evaluations: u64,
}

impl std::ops::AddAssign for Consumed {
    fn add_assign(&mut self, other: Self) {
        self.examples_drawn += other.examples_drawn;
        self.example_evaluations += other.example_evaluations;
    }
}

/// A fitness function over a whole population (lower is better).
///
/// Implementations decide how to parallelise (the crate's own use rayon across members,
/// each member's score depending only on its genome and the generation, so results do
/// not depend on the thread count) and report what they consumed.
pub trait Fitness {
    /// The error an evaluation can fail with.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Score every member of `population` into `fitness` (one value per member; NaN or
    /// ±inf for a member that diverged) and report the examples consumed.
    fn evaluate(
        &mut self,
        generation: u64,
        population: &Population,
        fitness: &mut [f32],
    ) -> Result<Consumed, Self::Error>;

    /// Score a population that its strategy also describes as perturbations of a mean
    /// ([`Strategy::ask_with_members`]): `members` are the members of `population`, in
    /// order, so a fitness may share work between them (an antithetic pair's first layer,
    /// [`Members::losses`]). By default, [`evaluate`](Self::evaluate) the population.
    fn evaluate_members(
        &mut self,
        generation: u64,
        population: &Population,
        _members: Members<'_>,
        fitness: &mut [f32],
    ) -> Result<Consumed, Self::Error> {
        self.evaluate(generation, population, fitness)
    }

    /// Lamarckian inheritance: after [`evaluate`](Self::evaluate), write what members
    /// learned in their lifetime back into their genomes. Called only for strategies that
    /// keep their members between generations (a GA); does nothing by default.
    fn write_back(&mut self, _population: &mut Population) {}

    /// Whether [`write_back`](Self::write_back) changes genomes. A driver shared by a
    /// [`Group`] then gathers every slice's rewritten genomes; false by default.
    fn writes_back(&self) -> bool {
        false
    }
}

/// Why a generation could not be completed.
#[derive(Debug, Error)]
pub enum DriverError<E: std::error::Error + 'static> {
    /// The fitness function failed.
    #[error("fitness: {0}")]
    Fitness(#[source] E),
    /// The strategy refused the fitness values.
    #[error("strategy: {0}")]
    Strategy(#[from] EvolveError),
    /// The members of the group sharing the run could not exchange their values.
    #[error("group: {0}")]
    Group(#[from] GroupError),
}

/// Everything a driver has consumed so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Generations completed.
    pub generations: u64,
    /// Fitness evaluations (members scored).
    pub evaluations: u64,
    /// Examples consumed, on both axes.
    pub consumed: Consumed,
}

/// The group a driver shares its population with, and what it has sent to it.
struct Sharing {
    group: Box<dyn Group>,
    bytes_sent: u64,
}

impl std::fmt::Debug for Sharing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sharing")
            .field("rank", &self.group.rank())
            .field("size", &self.group.size())
            .field("bytes_sent", &self.bytes_sent)
            .finish()
    }
}

impl Sharing {
    /// Every member's `mine`, counting this member's bytes once per other member.
    fn all_gather(&mut self, mine: &[u8]) -> Result<Vec<Vec<u8>>, GroupError> {
        self.bytes_sent += (mine.len() * (self.group.size() - 1)) as u64;
        self.group.all_gather(mine)
    }
}

/// Runs a [`Strategy`] against a [`Fitness`], one generation per [`step`](Self::step).
/// [`shared_by`](Self::shared_by) a [`Group`], it scores only its slice of each
/// population and exchanges fitness values with the group (see [`super::share`]).
#[derive(Debug)]
pub struct Driver<S, F> {
    strategy: S,
    fitness: F,
    scores: Vec<f32>,
    totals: Totals,
    sharing: Option<Sharing>,
}

impl<S: Strategy, F: Fitness> Driver<S, F> {
    /// A driver at generation 0 with nothing consumed.
    pub fn new(strategy: S, fitness: F) -> Self {
        Self {
            strategy,
            fitness,
            scores: Vec::new(),
            totals: Totals::default(),
            sharing: None,
        }
    }

    /// A driver that continues from a checkpoint: `strategy` restored, `totals` what the
    /// interrupted driver had consumed. The fitness must be where it was too (a batch
    /// sampler advanced past the batches already drawn).
    pub fn resume(strategy: S, fitness: F, totals: Totals) -> Self {
        Self {
            totals,
            ..Self::new(strategy, fitness)
        }
    }

    /// Set what the driver has consumed so far, to continue from a checkpoint (the
    /// strategy restored through [`Strategy::restore_state`]).
    pub fn restore_totals(&mut self, totals: Totals) {
        self.totals = totals;
    }

    /// This driver, scoring only its [`part`] of each population and exchanging fitness
    /// values (and, under write-back, genomes) with the other members of `group`. Every
    /// member must build the same strategy and fitness; every member then tells the same
    /// values, so the run is bit for bit the run of a driver alone.
    pub fn shared_by(mut self, group: impl Group + 'static) -> Self {
        self.share(Box::new(group));
        self
    }

    /// [`shared_by`](Self::shared_by) in place, for a driver kept behind a pointer.
    pub fn share(&mut self, group: Box<dyn Group>) {
        self.sharing = (group.size() > 1).then_some(Sharing {
            group,
            bytes_sent: 0,
        });
    }

    /// Bytes this member has sent to the others of its group (0 alone).
    pub fn bytes_sent(&self) -> u64 {
        self.sharing.as_ref().map_or(0, |s| s.bytes_sent)
    }

    /// One generation: ask, evaluate, (write back), tell. The report carries the
    /// generation's charge on both sample axes.
    pub fn step(&mut self) -> Result<Generation, DriverError<F::Error>> {
        let generation = self.strategy.generation();
        let consumed = if self.sharing.is_some() {
            self.shared_evaluation(generation)?
        } else {
            let (population, members) = self.strategy.ask_with_members();
            self.scores.resize(population.len(), 0.0);
            let consumed = match members {
                Some(members) => {
                    let scores = &mut self.scores;
                    self.fitness
                        .evaluate_members(generation, population, members, scores)
                }
                None => self
                    .fitness
                    .evaluate(generation, population, &mut self.scores),
            }
            .map_err(DriverError::Fitness)?;
            if let Some(members) = self.strategy.population_mut() {
                self.fitness.write_back(members);
            }
            consumed
        };
        let mut report = self.strategy.tell(&self.scores)?;
        report.examples_drawn = consumed.examples_drawn;
        report.example_evaluations = consumed.example_evaluations;
        self.totals.generations += 1;
        self.totals.evaluations += report.evaluations;
        self.totals.consumed += consumed;
        Ok(report)
    }

    /// Score this member's slice, then gather every slice's fitness values and
    /// evaluations (and rewritten genomes under write-back) into the whole population's.
    /// Every member draws the same examples, so those are counted once, not summed.
    fn shared_evaluation(&mut self, generation: u64) -> Result<Consumed, DriverError<F::Error>> {
        let sharing = self.sharing.as_mut().expect("called only when shared");
        let (rank, size) = (sharing.group.rank(), sharing.group.size());
        let (population, described) = self.strategy.ask_with_members();
        let members = population.len();
        let range = part(members, rank, size);
        let mut slice = population.members(range.clone());
        let mut mine = vec![0.0; slice.len()];
        // The slice's members described as the whole generation's are, so that a member
        // scores the same bits shared as alone.
        let consumed = match described {
            Some(described) => {
                let described = described.part(range);
                self.fitness
                    .evaluate_members(generation, &slice, described, &mut mine)
            }
            None => self.fitness.evaluate(generation, &slice, &mut mine),
        }
        .map_err(DriverError::Fitness)?;
        let mut message = consumed.example_evaluations.to_le_bytes().to_vec();
        message.extend(f32_bytes(&mine));
        let gathered = sharing.all_gather(&message)?;
        self.scores.resize(members, 0.0);
        let mut evaluations = 0;
        for (member, bytes) in gathered.iter().enumerate() {
            let range = part(members, member, size);
            let (count, values) = bytes.split_at_checked(8).ok_or(GroupError::Malformed {
                member,
                bytes: bytes.len(),
                expected: "a count and fitness values".into(),
            })?;
            evaluations += u64::from_le_bytes(count.try_into().expect("8 bytes"));
            let values = f32s(values, member, range.len())?;
            self.scores[range].copy_from_slice(&values);
        }
        if self.fitness.writes_back()
            && let Some(population) = self.strategy.population_mut()
        {
            self.fitness.write_back(&mut slice);
            let gathered = sharing.all_gather(&f32_bytes(slice.genes()))?;
            for (member, bytes) in gathered.iter().enumerate() {
                let range = part(members, member, size);
                let genes: usize = range.clone().map(|i| population.genome(i).len()).sum();
                let mut values = f32s(bytes, member, genes)?.into_iter();
                for i in range {
                    for gene in population.genome_mut(i) {
                        *gene = values.next().expect("counted above");
                    }
                }
            }
        }
        Ok(Consumed {
            examples_drawn: consumed.examples_drawn,
            example_evaluations: evaluations,
        })
    }

    /// The fitness values of the last generation, one per member.
    pub fn last_fitness(&self) -> &[f32] {
        &self.scores
    }

    /// What the driver has consumed so far.
    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// The strategy, e.g. for its [`center`](Strategy::center).
    pub fn strategy(&self) -> &S {
        &self.strategy
    }

    /// The strategy, mutably.
    pub fn strategy_mut(&mut self) -> &mut S {
        &mut self.strategy
    }

    /// The fitness function.
    pub fn fitness(&self) -> &F {
        &self.fitness
    }

    /// The fitness function, mutably (e.g. to change its data between generations).
    pub fn fitness_mut(&mut self) -> &mut F {
        &mut self.fitness
    }

    /// The strategy and the fitness back.
    pub fn into_parts(self) -> (S, F) {
        (self.strategy, self.fitness)
    }
}

/// A plain objective on genomes (a test function, a simulator score) as a [`Fitness`]:
/// members are scored in parallel; no examples are charged.
#[derive(Debug, Clone)]
pub struct FnFitness<F>(F);

impl<F: Fn(&[f32]) -> f32 + Sync> FnFitness<F> {
    /// Wrap `objective`.
    pub fn new(objective: F) -> Self {
        Self(objective)
    }
}

impl<F: Fn(&[f32]) -> f32 + Sync> Fitness for FnFitness<F> {
    type Error = std::convert::Infallible;

    fn evaluate(
        &mut self,
        _generation: u64,
        population: &Population,
        fitness: &mut [f32],
    ) -> Result<Consumed, Self::Error> {
        super::evaluate::evaluate_fn(population, &self.0, fitness);
        Ok(Consumed::default())
    }
}
