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

impl BatchSampler {
    /// Skip `batches` batches: afterwards the sampler draws exactly what it would have
    /// after `batches` calls of [`next_batch`](Self::next_batch) (a resumed run re-derives
    /// its position from its stream instead of saving the permutation).
    pub fn skip(&mut self, batches: u64) {
        if self.rows == 0 {
            return;
        }
        let mut draws = batches.saturating_mul(self.batch as u64);
        while draws > 0 {
            if self.cursor == self.rows {
                shuffle(&mut self.order, &mut self.rng);
                self.cursor = 0;
            }
            let take = draws.min((self.rows - self.cursor) as u64);
            self.cursor += take as usize;
            draws -= take;
        }
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
    fn skipping_batches_lands_where_drawing_them_would() {
        for (rows, batch, skipped) in [(10, 4, 0), (10, 4, 1), (10, 4, 5), (7, 7, 3), (5, 8, 4)] {
            let mut drawn = BatchSampler::new(rows, batch, crate::rng::stream(&[2]));
            let mut skipped_over = BatchSampler::new(rows, batch, crate::rng::stream(&[2]));
            for _ in 0..skipped {
                drawn.next_batch();
            }
            skipped_over.skip(skipped);
            for _ in 0..4 {
                assert_eq!(drawn.next_batch(), skipped_over.next_batch());
            }
        }
    }

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
