//! Sine-wave regression: one fixed wave as a task, and the family of waves that
//! meta-learning samples tasks from (Finn, Abbeel & Levine 2017, MAML §5.1).

use std::f32::consts::PI;

use rand::RngExt;

use super::{Dataset, Labels, Split, TaskKind, sampled_split};
use crate::rng::Stream;

/// A distribution over sine tasks `y = A sin(x − φ)`: amplitude, phase and inputs each
/// uniform on a closed interval `(low, high)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SineFamily {
    /// Range of the amplitude.
    pub amplitude: (f32, f32),
    /// Range of the phase.
    pub phase: (f32, f32),
    /// Range of x.
    pub x: (f32, f32),
}

impl SineFamily {
    /// The family of Finn et al. (2017), §5.1: amplitude U[0.1, 5.0], phase U[0, π],
    /// x U[−5, 5].
    pub const FINN_2017: SineFamily = SineFamily {
        amplitude: (0.1, 5.0),
        phase: (0.0, PI),
        x: (-5.0, 5.0),
    };

    /// Draw one task's `(amplitude, phase)`.
    pub fn sample(&self, rng: &mut Stream) -> (f32, f32) {
        let amplitude = rng.random_range(self.amplitude.0..=self.amplitude.1);
        let phase = rng.random_range(self.phase.0..=self.phase.1);
        (amplitude, phase)
    }

    /// Draw `count` inputs.
    pub fn sample_xs(&self, rng: &mut Stream, count: usize) -> Vec<f32> {
        (0..count)
            .map(|_| rng.random_range(self.x.0..=self.x.1))
            .collect()
    }
}

impl Default for SineFamily {
    fn default() -> Self {
        SineFamily::FINN_2017
    }
}

/// The wave `y = amplitude · sin(x − phase)` at `xs`: one input, one target value.
pub fn sine_task(amplitude: f32, phase: f32, xs: &[f32]) -> Dataset {
    // In f64 so the stored target is the true value rounded once (|error| ≤ 3e-7 for
    // amplitudes up to 5), not the error of an f32 subtraction amplified by the amplitude.
    let wave = |x: f32| (f64::from(amplitude) * (f64::from(x) - f64::from(phase)).sin()) as f32;
    Dataset {
        inputs: xs.to_vec(),
        features: 1,
        labels: Labels::Values {
            values: xs.iter().map(|&x| wave(x)).collect(),
            width: 1,
        },
    }
}

/// The standard sine task: the one wave `y = sin(x)` (amplitude 1, phase 0), `train` and
/// `test` points with x ~ U[−5, 5] (the input range of [`SineFamily::FINN_2017`]), drawn
/// independently (streams `[seed, Sine, 0]` and `[seed, Sine, 1]`).
pub fn sine(train: usize, test: usize, seed: u64) -> Split {
    let family = SineFamily::FINN_2017;
    sampled_split(
        TaskKind::Sine,
        "sine".into(),
        seed,
        [train, test],
        |rng, rows| sine_task(1.0, 0.0, &family.sample_xs(rng, rows)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn values(data: &Dataset) -> &[f32] {
        let Labels::Values { values, width: 1 } = &data.labels else {
            panic!("sine has one value per row")
        };
        values
    }

    #[test]
    fn sine_task_values_equal_amplitude_times_sine_of_shifted_x() {
        let xs: Vec<f32> = (0..=200).map(|i| -5.0 + 0.05 * i as f32).collect();
        for (amplitude, phase) in [(1.0, 0.0), (4.9, 3.1), (0.1, 1.3)] {
            let data = sine_task(amplitude, phase, &xs);
            assert_eq!(data.inputs, xs);
            for (&x, &y) in xs.iter().zip(values(&data)) {
                let expected = f64::from(amplitude) * (f64::from(x) - f64::from(phase)).sin();
                assert!(
                    (f64::from(y) - expected).abs() < 1e-6,
                    "x {x}: {y} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn sine_split_is_sin_x_with_x_in_minus_five_to_five() {
        let split = sine(200, 100, 1);
        assert_eq!((split.train.len(), split.test.len()), (200, 100));
        for data in [&split.train, &split.test] {
            assert_eq!(data.outputs(), 1);
            assert!(data.inputs.iter().all(|x| (-5.0..=5.0).contains(x)));
            for (&x, &y) in data.inputs.iter().zip(values(data)) {
                assert!((y - x.sin()).abs() < 1e-6);
            }
        }
        // The draws cover the range rather than bunching.
        let (low, high) = split
            .train
            .inputs
            .iter()
            .fold((0f32, 0f32), |(l, h), &x| (l.min(x), h.max(x)));
        assert!(low < -4.5 && high > 4.5, "x in [{low}, {high}]");
    }

    #[test]
    fn sine_family_samples_lie_within_their_ranges() {
        let family = SineFamily::FINN_2017;
        let mut rng = stream(&[9]);
        let draws: Vec<(f32, f32)> = (0..1000).map(|_| family.sample(&mut rng)).collect();
        assert!(
            draws
                .iter()
                .all(|&(a, p)| (0.1..=5.0).contains(&a) && (0.0..=PI).contains(&p))
        );
        // Both ranges are explored, not just respected.
        assert!(draws.iter().any(|&(a, _)| a < 0.5) && draws.iter().any(|&(a, _)| a > 4.6));
        assert!(draws.iter().any(|&(_, p)| p < 0.3) && draws.iter().any(|&(_, p)| p > 2.8));
        let xs = family.sample_xs(&mut rng, 1000);
        assert!(xs.iter().all(|x| (-5.0..=5.0).contains(x)));
    }

    #[test]
    fn sine_is_deterministic_per_seed_and_differs_between_seeds() {
        assert_eq!(sine(30, 10, 2), sine(30, 10, 2));
        assert_ne!(sine(30, 10, 2).train, sine(30, 10, 3).train);
        let split = sine(30, 30, 2);
        assert_ne!(split.train.inputs, split.test.inputs);
    }
}
