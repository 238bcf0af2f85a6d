//! Hinton & Nowlan (1987), "How learning can guide evolution", Complex Systems 1,
//! 495–502: the smallest demonstration of the Baldwin effect.
//!
//! # The model, with the paper's numbers (each is a key of [`HintonNowlanConfig`])
//!
//! - A genome has **20 loci**. Each holds allele `1` (correct), `0` (incorrect) or `?`
//!   (undecided: set by learning). Generation 0 draws every locus independently: `1` with
//!   probability **0.25**, `0` with **0.25**, `?` with **0.5**. The population holds
//!   **1,000** genomes.
//! - One setting of the 20 switches is any good: all ones, a needle in a haystack of 2²⁰.
//! - Learning: each individual gets **1,000 trials**. On every trial it guesses each `?`
//!   locus, 0 or 1 with probability ½; fixed loci keep their allele. With a fixed `0` no
//!   trial can succeed: n = 0 trials are left. Otherwise, counting trials from 0, the
//!   first right guess at trial t leaves n = 1000 − t trials, and n = 0 if none of the
//!   1,000 succeeds. A genome with no `?` (and no `0`) is right at trial 0: n = 1000.
//! - Fitness = 1 + 19·n/1000 ([`fitness`]): 1 for a genome that never finds the target,
//!   20 for one born knowing it.
//! - Reproduction ([`breed`]): every child of the next generation has two parents, each
//!   drawn independently, with replacement, with probability proportional to fitness
//!   (roulette); a cut point c is drawn uniformly from 1..=19, and the child takes loci
//!   0..c from the first parent and c..20 from the second. One child per pair, 1,000
//!   pairs per generation, generations do not overlap. No mutation, and what was learned
//!   is not inherited: the child gets its parents' `?`, not their guesses.
//!
//! The published curves: incorrect alleles vanish within 10–20 generations, correct ones
//! rise, and undecided ones decline slowly but persist, because once most loci are fixed
//! the few remaining `?` are cheap to learn and selection against them is weak. Stojić
//! (2017, ReScience) reports about 75% correct and about 0% incorrect at generation 50.
//!
//! # Sampling a lifetime exactly, in one draw
//!
//! With q undecided loci every trial succeeds independently with probability p = 2^(−q),
//! so the trial of first success t is geometric: P(t ≥ k) = (1 − p)^k. [`trials_left`]
//! draws it by inverse CDF from one uniform u ∈ (0, 1], t = ⌊ln u / ln(1 − p)⌋, then
//! truncates at the trial budget — the same distribution as simulating 1,000 trials of q
//! guesses each, at the cost of one logarithm.
//!
//! # The control without learning
//!
//! With learning switched off an individual gets one trial instead of 1,000: it guesses
//! its `?` loci once and scores 20 if that guess is right, 1 otherwise. Fitness is flat
//! everywhere but on the needle, so selection has no slope to climb.
//!
//! # Determinism
//!
//! Individual i of generation g in run `seed` is born from `rng::stream(&[seed, g, i,
//! BIRTH])` (generation 0: its alleles; later: its parents and cut point) and learns from
//! `stream(&[seed, g, i, LIFETIME])`. The streams do not name the arm, so the learning run
//! and the control run of a seed share generation 0 and every uniform (common random
//! numbers) and differ only in the number of trials. Runs and individuals are spread over
//! rayon threads; the roulette's cumulative fitness is summed in order, so results are
//! bit-identical for any thread count.
//!
//! This module knows nothing of networks, tasks or the experiment runner; reporting is in
//! the `report` submodule.

mod report;

use std::sync::atomic::{AtomicBool, Ordering};

use rand::RngExt;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::rng::{Purpose, Stream, stream};

pub use report::write_results;

/// Fitness of an individual that finds the target at once (paper: 1 + 19·n/1000 with
/// n = 1000).
pub const MAX_FITNESS: f64 = 20.0;

/// Largest population × loci accepted: 2³⁰ alleles, 1 GiB per generation.
const MAX_ALLELES: usize = 1 << 30;

/// The last element of a birth stream's path.
const BIRTH: u64 = Purpose::Birth.key();
/// The last element of a lifetime (learning) stream's path.
const LIFETIME: u64 = Purpose::Lifetime.key();

/// What one locus holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allele {
    /// `0`: fixed, and wrong.
    Incorrect,
    /// `1`: fixed, and right.
    Correct,
    /// `?`: guessed afresh on every learning trial.
    Undecided,
}

/// Parameters of a Hinton–Nowlan experiment: the `[hinton_nowlan]` table of an experiment
/// file. Defaults are the paper's values; a missing key takes its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HintonNowlanConfig {
    /// Loci per genome (paper: 20).
    pub loci: usize,
    /// Genomes per generation (paper: 1,000).
    pub population: usize,
    /// Learning trials per lifetime (paper: 1,000).
    pub trials: usize,
    /// Generations bred after generation 0; records cover 0..=generations.
    pub generations: usize,
    /// Probability of `1` at a locus of generation 0 (paper: 0.25).
    pub p_correct: f64,
    /// Probability of `0` at a locus of generation 0 (paper: 0.25). The rest,
    /// 1 − p_correct − p_incorrect, is the probability of `?` (paper: 0.5).
    pub p_incorrect: f64,
    /// Independent runs, seeds 0..seeds.
    pub seeds: u64,
    /// Run the learning arm (`trials` trials per lifetime).
    pub learning: bool,
    /// Run the control arm without learning (one trial per lifetime).
    pub control: bool,
}

impl Default for HintonNowlanConfig {
    fn default() -> Self {
        HintonNowlanConfig {
            loci: 20,
            population: 1000,
            trials: 1000,
            generations: 50,
            p_correct: 0.25,
            p_incorrect: 0.25,
            seeds: 10,
            learning: true,
            control: true,
        }
    }
}

impl HintonNowlanConfig {
    /// Check every key once; on failure, the offending key and why.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let at_least = |key: &'static str, value: u64, min: u64, why: &str| {
            if value < min {
                Err((key, format!("must be at least {min}{why}, got {value}")))
            } else {
                Ok(())
            }
        };
        at_least(
            "loci",
            self.loci as u64,
            2,
            " (one-point crossover cuts between two loci)",
        )?;
        at_least("population", self.population as u64, 1, "")?;
        at_least("trials", self.trials as u64, 1, "")?;
        at_least("seeds", self.seeds, 1, "")?;
        if self
            .population
            .checked_mul(self.loci)
            .is_none_or(|alleles| alleles > MAX_ALLELES)
        {
            return Err((
                "population",
                format!(
                    "population × loci = {} × {} exceeds {MAX_ALLELES} alleles",
                    self.population, self.loci
                ),
            ));
        }
        for (key, p) in [
            ("p_correct", self.p_correct),
            ("p_incorrect", self.p_incorrect),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err((key, format!("must be a probability in [0, 1], got {p}")));
            }
        }
        if self.p_correct + self.p_incorrect > 1.0 {
            return Err((
                "p_incorrect",
                format!(
                    "p_correct + p_incorrect = {} exceeds 1 (the rest is the probability of `?`)",
                    self.p_correct + self.p_incorrect
                ),
            ));
        }
        if !self.learning && !self.control {
            return Err((
                "control",
                "`learning` and `control` are both false: there is nothing to run".into(),
            ));
        }
        Ok(())
    }

    /// Probability of `?` at a locus of generation 0.
    pub fn p_undecided(&self) -> f64 {
        1.0 - self.p_correct - self.p_incorrect
    }
}

/// The census of one generation of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationRecord {
    /// Learning arm (`true`) or the one-trial control (`false`).
    pub learning: bool,
    /// The run's seed.
    pub seed: u64,
    /// 0 is the random initial population.
    pub generation: usize,
    /// Fraction of all loci of all genomes holding `1`.
    pub correct: f64,
    /// Fraction holding `0`.
    pub incorrect: f64,
    /// Fraction holding `?`.
    pub undecided: f64,
    /// Mean fitness over the population, in [1, 20].
    pub mean_fitness: f64,
}

/// The stop flag was raised before every run had finished; nothing is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("interrupted before every run had finished")]
pub struct Interrupted;

/// Trials left out of `trials` once a genome with `undecided` `?` loci and no `0` has
/// guessed the target: `trials − t` for the first right trial t (counted from 0), or 0
/// if none of the `trials` succeeds. One uniform from `rng`, inverse-CDF of the geometric
/// distribution (see the module doc).
pub fn trials_left(undecided: usize, trials: usize, rng: &mut Stream) -> usize {
    // (0, 1]: ln u is finite.
    let u = 1.0 - rng.random::<f64>();
    let p = (-(undecided as f64)).exp2();
    // ln(1 − p) without cancellation for tiny p; −∞ when p = 1, which makes t = 0.
    let failures = (u.ln() / (-p).ln_1p()).floor();
    // NaN (p underflowed to 0) never succeeds, like any t ≥ trials.
    if failures < trials as f64 {
        trials - failures as usize
    } else {
        0
    }
}

/// Fitness 1 + 19·n/`trials` of one lifetime of `genome` (paper: `trials` = 1000), n
/// being the trials left once the target is found ([`trials_left`]); 1 if any locus is
/// fixed wrong.
pub fn fitness(genome: &[Allele], trials: usize, rng: &mut Stream) -> f64 {
    let left = if genome.contains(&Allele::Incorrect) {
        0
    } else {
        let undecided = genome.iter().filter(|&&a| a == Allele::Undecided).count();
        trials_left(undecided, trials, rng)
    };
    1.0 + (MAX_FITNESS - 1.0) * left as f64 / trials as f64
}

/// The next generation, bred from `parents` (genomes of `loci` alleles, one after the
/// other) by fitness-proportional choice of two parents and one-point crossover per child
/// (see the module doc). Child i draws from `stream(&[seed, generation, i, BIRTH])`,
/// `generation` being the child's.
pub fn breed(
    parents: &[Allele],
    fitness: &[f64],
    loci: usize,
    seed: u64,
    generation: u64,
) -> Vec<Allele> {
    // Summed in order, so every thread count spins the same wheel.
    let wheel: Vec<f64> = fitness
        .iter()
        .scan(0.0, |sum, f| {
            *sum += f;
            Some(*sum)
        })
        .collect();
    let total = wheel.last().copied().unwrap_or(0.0);
    let last = wheel.len().saturating_sub(1);
    let spin = |rng: &mut Stream| {
        let ball = rng.random::<f64>() * total;
        wheel.partition_point(|&edge| edge <= ball).min(last)
    };
    let mut children = vec![Allele::Undecided; parents.len()];
    children
        .par_chunks_mut(loci)
        .enumerate()
        .for_each(|(i, child)| {
            let mut rng = stream(&[seed, generation, i as u64, BIRTH]);
            let first = spin(&mut rng);
            let second = spin(&mut rng);
            let cut = rng.random_range(1..loci);
            child[..cut].copy_from_slice(&parents[first * loci..first * loci + cut]);
            child[cut..].copy_from_slice(&parents[second * loci + cut..(second + 1) * loci]);
        });
    children
}

/// Generation 0 of run `seed`: every locus drawn independently from the configured
/// allele probabilities.
fn genesis(config: &HintonNowlanConfig, seed: u64) -> Vec<Allele> {
    let mut genomes = vec![Allele::Undecided; config.population * config.loci];
    genomes
        .par_chunks_mut(config.loci)
        .enumerate()
        .for_each(|(i, genome)| {
            let mut rng = stream(&[seed, 0, i as u64, BIRTH]);
            for locus in genome {
                let u: f64 = rng.random();
                *locus = if u < config.p_correct {
                    Allele::Correct
                } else if u < config.p_correct + config.p_incorrect {
                    Allele::Incorrect
                } else {
                    Allele::Undecided
                };
            }
        });
    genomes
}

/// Allele frequencies and mean fitness of one generation.
fn census(
    learning: bool,
    seed: u64,
    generation: usize,
    genomes: &[Allele],
    fitness: &[f64],
) -> GenerationRecord {
    let share =
        |allele| genomes.iter().filter(|&&a| a == allele).count() as f64 / genomes.len() as f64;
    GenerationRecord {
        learning,
        seed,
        generation,
        correct: share(Allele::Correct),
        incorrect: share(Allele::Incorrect),
        undecided: share(Allele::Undecided),
        mean_fitness: fitness.iter().sum::<f64>() / fitness.len() as f64,
    }
}

/// One run: generations 0..=`config.generations` of one seed, with learning or without.
/// Returns [`Interrupted`] if `stop` is raised (checked once per generation).
pub fn run_one(
    config: &HintonNowlanConfig,
    seed: u64,
    learning: bool,
    stop: &AtomicBool,
) -> Result<Vec<GenerationRecord>, Interrupted> {
    let trials = if learning { config.trials } else { 1 };
    let loci = config.loci;
    let mut genomes = genesis(config, seed);
    let mut records = Vec::with_capacity(config.generations + 1);
    for generation in 0..=config.generations {
        if stop.load(Ordering::Relaxed) {
            return Err(Interrupted);
        }
        let g = generation as u64;
        let scores: Vec<f64> = genomes
            .par_chunks(loci)
            .enumerate()
            .map(|(i, genome)| fitness(genome, trials, &mut stream(&[seed, g, i as u64, LIFETIME])))
            .collect();
        records.push(census(learning, seed, generation, &genomes, &scores));
        if generation < config.generations {
            genomes = breed(&genomes, &scores, loci, seed, g + 1);
        }
    }
    Ok(records)
}

/// Every run of `config` — the learning arm, then the control, each over seeds
/// 0..`seeds` — in parallel; records ordered by arm, seed, generation. `config` must have
/// passed [`HintonNowlanConfig::validate`]. Returns [`Interrupted`] if `stop` is raised
/// before all runs finish (checked once per generation).
pub fn run(
    config: &HintonNowlanConfig,
    stop: &AtomicBool,
) -> Result<Vec<GenerationRecord>, Interrupted> {
    debug_assert_eq!(config.validate(), Ok(()));
    let arms = [(true, config.learning), (false, config.control)];
    let jobs: Vec<(bool, u64)> = arms
        .iter()
        .filter(|(_, wanted)| *wanted)
        .flat_map(|&(learning, _)| (0..config.seeds).map(move |seed| (learning, seed)))
        .collect();
    let runs = jobs
        .par_iter()
        .map(|&(learning, seed)| run_one(config, seed, learning, stop))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(runs.concat())
}
