//! A population: genomes stored back to back, each optionally with its own body.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::net::Network;

/// Genomes of one generation. Fixed-dimension strategies keep every genome the same
/// length (a `[members, dim]` matrix); under segmentation each member carries its own
/// [`Network`] (its tying map) and genome lengths differ.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Population {
    genes: Vec<f32>,
    /// `offsets[i]..offsets[i + 1]` are member `i`'s genes.
    offsets: Vec<usize>,
    /// Shared, because most children keep a parent's body: breeding copies a pointer,
    /// not a tying map. Serialised as plain networks (serde's `rc` feature).
    bodies: Option<Vec<Arc<Network>>>,
}

impl Population {
    /// `members` genomes of `dim` zeros.
    pub fn uniform(members: usize, dim: usize) -> Self {
        Self {
            genes: vec![0.0; members * dim],
            offsets: (0..=members).map(|i| i * dim).collect(),
            bodies: None,
        }
    }

    /// From separate genomes, each optionally with its body.
    pub fn from_members(members: Vec<(Vec<f32>, Option<Network>)>) -> Self {
        Self::from_shared_members(
            members
                .into_iter()
                .map(|(genes, body)| (genes, body.map(Arc::new)))
                .collect(),
        )
    }

    /// From separate genomes, each optionally with a shared body.
    pub(crate) fn from_shared_members(members: Vec<(Vec<f32>, Option<Arc<Network>>)>) -> Self {
        let mut population = Self {
            genes: Vec::new(),
            offsets: vec![0],
            bodies: None,
        };
        let with_bodies = members.iter().any(|(_, b)| b.is_some());
        let mut bodies = Vec::new();
        for (genes, body) in members {
            population.genes.extend_from_slice(&genes);
            population.offsets.push(population.genes.len());
            if let Some(body) = body {
                bodies.push(body);
            }
        }
        if with_bodies {
            population.bodies = Some(bodies);
        }
        population
    }

    /// Members.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Member `i`'s genes.
    pub fn genome(&self, i: usize) -> &[f32] {
        &self.genes[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Member `i`'s genes, writable.
    pub fn genome_mut(&mut self, i: usize) -> &mut [f32] {
        &mut self.genes[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Member `i`'s own network, when members carry one.
    pub fn body(&self, i: usize) -> Option<&Network> {
        self.bodies.as_ref().map(|b| &*b[i])
    }

    /// Member `i`'s body as a shared pointer, to hand on to a child without a copy.
    pub(crate) fn shared_body(&self, i: usize) -> Option<&Arc<Network>> {
        self.bodies.as_ref().map(|b| &b[i])
    }

    /// Re-lay the population out for members of the given genome lengths and bodies,
    /// reusing its allocation; the genes are left to be overwritten.
    pub(crate) fn reshape(
        &mut self,
        lengths: impl IntoIterator<Item = usize>,
        bodies: Option<Vec<Arc<Network>>>,
    ) {
        self.offsets.clear();
        self.offsets.push(0);
        let mut total = 0;
        for len in lengths {
            total += len;
            self.offsets.push(total);
        }
        self.genes.resize(total, 0.0);
        self.bodies = bodies;
    }

    /// Every member's genome, mutably, to fill members in parallel.
    pub(crate) fn genomes_mut(&mut self) -> Vec<&mut [f32]> {
        let mut rest = self.genes.as_mut_slice();
        self.offsets
            .windows(2)
            .map(|w| {
                let (genome, tail) = std::mem::take(&mut rest).split_at_mut(w[1] - w[0]);
                rest = tail;
                genome
            })
            .collect()
    }

    /// A copy of members `range` as a population of their own (bodies shared), in order:
    /// what one member of a [`Group`](super::Group) scores.
    pub fn members(&self, range: std::ops::Range<usize>) -> Population {
        let start = self.offsets[range.start];
        Population {
            genes: self.genes[start..self.offsets[range.end]].to_vec(),
            offsets: self.offsets[range.start..=range.end]
                .iter()
                .map(|o| o - start)
                .collect(),
            bodies: self.bodies.as_ref().map(|b| b[range].to_vec()),
        }
    }

    /// Whether any member carries its own network.
    pub fn has_bodies(&self) -> bool {
        self.bodies.is_some()
    }

    /// All genes back to back.
    pub fn genes(&self) -> &[f32] {
        &self.genes
    }

    /// The `[members, dim]` matrix, when every genome has length `dim`.
    pub fn matrix_mut(&mut self) -> &mut [f32] {
        &mut self.genes
    }

    /// Total genes over all members.
    pub fn total_genes(&self) -> usize {
        self.genes.len()
    }
}
