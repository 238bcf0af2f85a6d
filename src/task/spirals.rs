//! The two-spirals benchmark (Lang & Witbrock 1988), sampled with noise.

use std::f32::consts::PI;

use rand::RngExt;

use super::{Dataset, Split, TaskKind, sampled_split};
use crate::rng::Stream;

/// Turns each spiral makes, as in the classic benchmark (angle 0 to 6π).
const TURNS: f32 = 3.0;

/// Two interleaved spirals in the plane, classes 0 and 1, `points_per_class` of each in
/// the training set and as many in the test set.
///
/// Lang & Witbrock's set has points `i = 0..=96` at angle `θ = iπ/16` and radius
/// `6.5 (104 − i)/104`, i.e. `r = 6.5 (1 − θ/6.5π)`. Here, scaled by 1/6.5: a class-0 point
/// has `θ ~ U[0, 6π]` (three turns), `r = 1 − θ/(6.5π)` (from 1 down to 1/13), position
/// `(r sin θ, r cos θ)`; a class-1 point is the same construction negated, `(−r sin θ, −r cos θ)`.
/// Each coordinate is then jittered by `U[−noise, noise]`, so inputs lie in
/// `[−1 − noise, 1 + noise]`. Rows alternate class 0, class 1. Train and test are
/// independent draws (streams `[seed, Spirals, 0]` and `[seed, Spirals, 1]`).
pub fn spirals(points_per_class: usize, noise: f32, seed: u64) -> Split {
    assert!(
        noise.is_finite() && noise >= 0.0,
        "spirals noise must be finite and >= 0"
    );
    let rows = 2 * points_per_class;
    sampled_split(
        TaskKind::Spirals,
        "spirals".into(),
        seed,
        [rows, rows],
        |rng, rows| {
            Dataset::balanced(2, 2, rows, |class, inputs| {
                let point = spiral_point(rng, class, noise);
                inputs.extend_from_slice(&point);
            })
        },
    )
}

fn spiral_point(rng: &mut Stream, class: u32, noise: f32) -> [f32; 2] {
    let angle = rng.random_range(0.0..=TURNS * 2.0 * PI);
    let radius = 1.0 - angle / (6.5 * PI);
    let sign = if class == 0 { 1.0 } else { -1.0 };
    let mut jitter = || {
        if noise > 0.0 {
            rng.random_range(-noise..=noise)
        } else {
            0.0
        }
    };
    [
        sign * radius * angle.sin() + jitter(),
        sign * radius * angle.cos() + jitter(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::Labels;

    fn class_counts(data: &Dataset) -> [usize; 2] {
        let Labels::Classes { labels, classes } = &data.labels else {
            panic!("spirals has classes")
        };
        assert_eq!(*classes, 2);
        let mut counts = [0; 2];
        labels.iter().for_each(|&c| counts[c as usize] += 1);
        counts
    }

    #[test]
    fn spirals_have_the_requested_counts_in_balanced_classes() {
        let split = spirals(97, 0.05, 3);
        for data in [&split.train, &split.test] {
            assert_eq!(data.len(), 194);
            assert_eq!(data.features, 2);
            assert_eq!(class_counts(data), [97, 97]);
        }
    }

    #[test]
    fn spiral_inputs_lie_within_one_plus_noise() {
        let noise = 0.1;
        let split = spirals(500, noise, 4);
        let bound = 1.0 + noise;
        for data in [&split.train, &split.test] {
            assert!(data.inputs.iter().all(|x| x.abs() <= bound));
            // ...and fill that range: the outer turn reaches radius 1.
            assert!(data.inputs.iter().any(|x| x.abs() > 0.9));
        }
    }

    #[test]
    fn noiseless_points_lie_on_their_class_spiral() {
        // Class 0: r = 1 − θ/6.5π with θ = atan2(x, y) + 2πk for some turn k; class 1 is
        // class 0 reflected through the origin.
        let clean = spirals(200, 0.0, 5);
        let Labels::Classes { labels, .. } = &clean.train.labels else {
            panic!("classes")
        };
        for (row, &class) in labels.iter().enumerate() {
            let sign = if class == 0 { 1.0 } else { -1.0 };
            let [x, y] = clean.train.row(row) else {
                panic!("two inputs")
            };
            let (x, y) = (sign * x, sign * y);
            let radius = x.hypot(y);
            let base = x.atan2(y).rem_euclid(2.0 * PI);
            let on_spiral = (0..=3).any(|turn| {
                let angle = base + 2.0 * PI * turn as f32;
                (1.0 - angle / (6.5 * PI) - radius).abs() < 1e-4
            });
            assert!(on_spiral, "row {row} class {class} at ({x}, {y})");
        }
    }

    #[test]
    fn spirals_are_deterministic_per_seed_and_differ_between_seeds() {
        assert_eq!(spirals(50, 0.05, 7), spirals(50, 0.05, 7));
        assert_ne!(spirals(50, 0.05, 7).train, spirals(50, 0.05, 8).train);
        let split = spirals(50, 0.05, 7);
        assert_ne!(split.train.inputs, split.test.inputs);
    }
}
