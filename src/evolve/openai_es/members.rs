//! A generation of OpenAI-ES described rather than written out: member `i` is rebuilt
//! from the mean and its noise row whenever it is needed, so that evaluating a
//! population of `P` members of `D` genes holds `D` genes per worker instead of `P × D`
//! (Salimans et al. 2017, §2.1: workers share seeds, not parameter vectors).

use rayon::prelude::*;

use super::super::sampling::NoiseRows;
use crate::evolve::EvolveError;
use crate::net::{Loss, NetError, Network, PopulationEvaluator, Targets};

/// The members of one asked generation: `len()` genomes of `genes()` genes, member `i`
/// equal bit for bit to row `i` of the population [`Strategy::ask`] writes out.
///
/// [`Strategy::ask`]: crate::evolve::Strategy::ask
#[derive(Debug, Clone, Copy)]
pub struct Members<'a> {
    pub(super) mean: &'a [f32],
    pub(super) noise: &'a NoiseRows,
    pub(super) sigma: f32,
    pub(super) antithetic: bool,
    /// Index in the whole generation of this view's member 0 (0 unless a [`Members::part`]).
    pub(super) first: usize,
    pub(super) len: usize,
}

impl Members<'_> {
    /// Members in the generation.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the generation has no members.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Genes per member.
    pub fn genes(&self) -> usize {
        self.mean.len()
    }

    /// The mean the members are sampled around.
    pub fn mean(&self) -> &[f32] {
        self.mean
    }

    /// The perturbation scale σ.
    pub fn sigma(&self) -> f32 {
        self.sigma
    }

    /// Whether members `2d` and `2d + 1` share direction `d` with signs `+` and `−`.
    pub fn is_antithetic(&self) -> bool {
        self.antithetic
    }

    /// Members `range` of these, as their own view (member 0 of it is member
    /// `range.start` here), e.g. the slice of a generation that one process evaluates.
    ///
    /// # Panics
    /// If `range` does not lie within `0..len()`.
    pub fn part(&self, range: std::ops::Range<usize>) -> Self {
        assert!(
            range.start <= range.end && range.end <= self.len,
            "members {range:?} of {}",
            self.len
        );
        Self {
            first: self.first + range.start,
            len: range.len(),
            ..*self
        }
    }

    /// The direction and sign of member `i`: an antithetic pair `2d, 2d + 1` (counted in
    /// the whole generation) shares direction `d` with signs `+, −`.
    fn direction_of(&self, i: usize) -> (usize, f32) {
        let i = self.first + i;
        if self.antithetic {
            (i / 2, if i.is_multiple_of(2) { 1.0 } else { -1.0 })
        } else {
            (i, 1.0)
        }
    }

    /// Write member `i` into `genome` (`genes()` long): `mean + sign · σ · ε_d`, where an
    /// antithetic pair `2d, 2d + 1` shares direction `d` with signs `+, −`.
    ///
    /// # Panics
    /// If `i >= len()` or `genome` is not `genes()` long.
    pub fn write(&self, i: usize, genome: &mut [f32]) {
        assert!(i < self.len, "member {i} of {}", self.len);
        assert_eq!(genome.len(), self.mean.len(), "genome length");
        let (direction, sign) = self.direction_of(i);
        let eps = self.noise.row(direction);
        for ((x, &m), &e) in genome.iter_mut().zip(self.mean).zip(eps) {
            *x = m + sign * self.sigma * e;
        }
    }

    /// `out[i]` = the loss of member `i` as `net` on one batch, through
    /// [`PopulationEvaluator::perturbed_losses`]: an antithetic pair shares its first
    /// layer's products (about half of that layer's arithmetic; each loss equal to
    /// [`Network::loss`] of the member within rounding), and no population is written out.
    #[allow(clippy::too_many_arguments)]
    pub fn losses(
        &self,
        net: &Network,
        evaluator: &mut PopulationEvaluator,
        input: &[f32],
        batch: usize,
        targets: Targets,
        loss: Loss,
        out: &mut [f32],
    ) -> Result<(), NetError> {
        if out.len() != self.len {
            return Err(NetError::OutputLength {
                expected: self.len,
                got: out.len(),
            });
        }
        evaluator.perturbed_losses(
            net,
            self.mean,
            self.sigma,
            self.antithetic,
            self.first,
            |d| self.noise.row(d),
            input,
            batch,
            targets,
            loss,
            out,
        )
    }

    /// `out[i] = fitness(member i)` in parallel, each rayon worker rebuilding members in
    /// one buffer of its own: memory `O(genes)` per worker. A member's fitness does not
    /// depend on which worker computes it, so the result is the same for any thread count.
    pub fn evaluate(
        &self,
        fitness: impl Fn(&[f32]) -> f32 + Sync,
        out: &mut [f32],
    ) -> Result<(), EvolveError> {
        if out.len() != self.len {
            return Err(EvolveError::FitnessLength {
                expected: self.len,
                got: out.len(),
            });
        }
        let genes = self.genes();
        out.par_iter_mut().enumerate().for_each_init(
            || vec![0.0f32; genes],
            |genome, (i, slot)| {
                self.write(i, genome);
                *slot = fitness(genome);
            },
        );
        Ok(())
    }
}
