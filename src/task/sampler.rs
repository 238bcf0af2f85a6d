//! Mini-batches drawn from a seeded shuffle of a data set's rows.

use rand::RngExt;

use crate::rng::Stream;

/// Yields `batch` row indices at a time from successive seeded permutations of
/// `0..rows` (reshuffled when exhausted, so a batch may span two epochs). The sequence
/// depends only on the stream it was given.
#[derive(Debug, Clone)]
pub struct BatchSampler {
    rows: usize,
    batch: usize,
    rng: Stream,
    order: Vec<u32>,
    cursor: usize,
    indices: Vec<u32>,
}

impl BatchSampler {
    /// Batches of `batch` rows from `0..rows`, shuffled by `rng`.
    pub fn new(rows: usize, batch: usize, rng: Stream) -> Self {
        Self {
            rows,
            batch,
            rng,
            order: (0..rows as u32).collect(),
            cursor: rows,
            indices: Vec::with_capacity(batch),
        }
    }

    /// Rows sampled from.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Rows per batch.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// The next batch of row indices.
    pub fn next_batch(&mut self) -> &[u32] {
        self.indices.clear();
        if self.rows == 0 {
            return &self.indices;
        }
        while self.indices.len() < self.batch {
            if self.cursor == self.rows {
                shuffle(&mut self.order, &mut self.rng);
                self.cursor = 0;
            }
            let take = (self.batch - self.indices.len()).min(self.rows - self.cursor);
            self.indices
                .extend_from_slice(&self.order[self.cursor..self.cursor + take]);
            self.cursor += take;
        }
        &self.indices
    }
}

/// Fisher–Yates, written out so the permutation depends only on the stream.
fn shuffle(order: &mut [u32], rng: &mut Stream) {
    for i in (1..order.len()).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_epoch_visits_every_row_once() {
        let mut sampler = BatchSampler::new(10, 4, crate::rng::stream(&[1]));
        let mut seen: Vec<u32> = Vec::new();
        for _ in 0..5 {
            seen.extend_from_slice(sampler.next_batch());
        }
        // 20 draws = two epochs of 10.
        for epoch in seen.chunks(10) {
            let mut sorted = epoch.to_vec();
            sorted.sort();
            assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        }
    }
}
